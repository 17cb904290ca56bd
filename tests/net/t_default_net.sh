#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# First start without --no-default-network: hostnatd creates the network
# "nat" on a private prefix that overlaps no address or route of the host
# (here 172.16.0.0/16 is taken by br0), uplinked to the default route's
# interface; an endpoint on its bridge reaches the outside.
. "$(dirname "$0")/lib.sh"
topo_up || { bad setup "topology"; finish; }
HN_DEFAULT_NET=1 hn_start || { bad setup "hostnatd did not start"; finish; }

nl=$(hn --json network list 2>&1)
note "network list: $(jq -c . <<<"$nl" 2>&1)"
check_eq "the default network is called nat" nat "$(jq -r '.[].name' <<<"$nl" 2>&1)"
px=$(jq -r '.[0].prefixes[0]' <<<"$nl" 2>/dev/null)
check_match "its prefix is private" "^(172\.(1[6-9]|2[0-9]|3[01])\.|10\.|192\.168\.)" "$px"
check_nomatch "its prefix does not overlap br0's 172.16.0.0/16" "^172\.16\." "$px"
check_eq "its external address is the default route's interface's ($EXT on up0)" \
	"$EXT up0" "$(jq -r '.[0].externals[0] | "\(.address) \(.interface)"' <<<"$nl" 2>&1)"
br=$(jq -r '.[0].bridge' <<<"$nl" 2>/dev/null)
gw=$(jq -r '.[0].gateway' <<<"$nl" 2>/dev/null)
plen=${px#*/}
addr=$($PY -c "import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1]); print(n[100])" "$px" 2>/dev/null)
if ip -n $P-host link show "$br" >/dev/null 2>&1 && [ -n "$addr" ]; then
	ok "its bridge $br exists"
	endpoint_add c3 "$addr/$plen" "$gw" "$br"
	serve inet tcp $INET 80 web || bad setup "web server"
	check_match "an endpoint $addr on $br reaches inet through the default network" \
		"^web saw $EXT:" "$(ns c3 curl -sS --max-time 5 http://$INET/ 2>&1)"
else
	bad "its bridge exists" "no bridge '$br' in $P-host (prefix '$px')"
fi

# a restart with the state does not create it again, nor a second one
hn_stop
HN_DEFAULT_NET=1 hn_start || { bad "restart" "hostnatd did not start again"; finish; }
check_eq "after a restart there is still exactly the one network nat" nat \
	"$(hn --json network list 2>/dev/null | jq -r '.[].name' 2>&1)"
# deleted, it stays deleted: the default network is made on first start only
check_cmd "network del nat" hn network del nat
hn_stop
HN_DEFAULT_NET=1 hn_start || { bad "restart" "hostnatd did not start again"; finish; }
check_eq "a deleted default network is not created again at the next start" "" \
	"$(hn --json network list 2>/dev/null | jq -r '.[].name' 2>&1)"
finish
