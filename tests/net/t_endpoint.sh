#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# endpoint add attaches a fresh network namespace in one command: a veth
# into it (eth0, or --ifname), an address from the pool (or --address),
# lo and eth0 up, the default route via the gateway; curl from it reaches
# inet through the NAT. Endpoints survive a restart; one whose veth is gone,
# off its bridge or down shows as missing, with the reason; a restart puts a
# veth off its bridge back on it. endpoint del removes the veth and frees
# the address; again, it succeeds with "deleted 0".
. "$(dirname "$0")/lib.sh"
setup

# fresh namespaces: not even lo up (hostnat does that)
for n in e1 e2; do
	ip netns add "$P-$n" || { bad setup "ip netns add $P-$n"; finish; }
	NSS+=("$P-$n")
done
serve inet tcp $INET 80 web || bad setup "web server"

out=$(hn endpoint add $NET --netns $P-e1 2>&1)
check_match "endpoint add: prints the endpoint, present" \
	"$P-e1 +eth0 +172\.16\.[0-9.]+/16 .*present" "$out"
A1=$(hn --json endpoint list $NET | jq -r --arg n "$P-e1" \
	'.[] | select(.netns == $n) | .address')
H1=$(hn --json endpoint list $NET | jq -r --arg n "$P-e1" \
	'.[] | select(.netns == $n) | .host_interface')
check_eq "e1: eth0 holds the address from the pool" "$A1" \
	"$(ip -n $P-e1 -4 -o addr show dev eth0 | awk '{print $4}')"
check_match "e1: default route via the gateway" "^default via 172\.16\.0\.1 dev eth0" \
	"$(ip -n $P-e1 route show default)"
check_match "e1: lo is up" "UP" "$(ip -n $P-e1 link show lo)"
check_match "host: $H1 is on br0 and up" "master br0 .*state UP|state UP .*master br0" \
	"$(ip -n $P-host link show "$H1" 2>&1)"
check_match "e1: curl reaches inet through the NAT" "^web saw $EXT:" \
	"$(ns e1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_eq "network show: ${A1%/*} is an endpoint address" "endpoint" \
	"$(hn --json network show $NET | jq -r --arg a "${A1%/*}" \
		'.pool.entries[] | select(.address == $a) | .kind')"

check_cmd "endpoint add with --ifname, --address, --mac" \
	hn endpoint add $NET --netns $P-e2 --ifname net0 --address 172.16.5.5 \
	--mac 02:00:00:00:e2:02
check_match "e2: net0 has the address and MAC asked for" \
	"02:00:00:00:e2:02.*inet 172\.16\.5\.5/16" \
	"$(ip -n $P-e2 addr show dev net0 | tr '\n' ' ')"
check_match "e2: curl reaches inet through the NAT" "^web saw $EXT:" \
	"$(ns e2 curl -sS --max-time 5 http://$INET/ 2>&1)"
out=$(hn endpoint add $NET --netns $P-e1 --ifname eth1 --address 172.16.5.5 2>&1)
check_match "endpoint add: a used address is refused, naming it" \
	"172\.16\.5\.5 .*in use" "$out"
out=$(hn endpoint add $NET --netns $P-nothere 2>&1)
check_match "endpoint add: a missing namespace is refused, naming it" \
	"'$P-nothere' cannot be opened" "$out"
check_eq "the refused adds left no veth on the host" 2 \
	"$(ip -n $P-host -o link show | grep -c ' hne')"

hn_stop
hn_start || { bad "restart" "hostnatd did not start again"; finish; }
check_eq "restart: both endpoints listed, present" "present present" \
	"$(hn --json endpoint list $NET | jq -r '[.[] | if .present then "present" else "missing" end] | join(" ")')"
ep_state() { # NETNS: "present", or "missing: REASON"
	hn --json endpoint list $NET | jq -r --arg n "$1" '.[] |
		select(.netns == $n) |
		if .present then .state else "\(.state): \(.reason)" end'
}
ip -n $P-host link set "$H1" nomaster
check_eq "a veth taken off its bridge: the endpoint shows as missing, saying why" \
	"missing: $H1 is not on bridge br0" "$(ep_state $P-e1)"
check_match "endpoint list (text): missing, with the reason" \
	"$P-e1 +eth0 .*missing \($H1 is not on bridge br0\)" "$(hn endpoint list $NET 2>&1)"
ip -n $P-host link set "$H1" master br0
ip -n $P-host link set "$H1" down
check_eq "a veth that is down: missing" "missing: $H1 is down" "$(ep_state $P-e1)"
ip -n $P-host link set "$H1" nomaster
hn_stop
hn_start || { bad "restart" "hostnatd did not start again"; finish; }
check_match "restart: the veth is back on br0 and up" \
	"master br0 .*state UP|state UP .*master br0" \
	"$(ip -n $P-host link show "$H1" 2>&1)"
check_eq "restart: the endpoint is present again" present "$(ep_state $P-e1)"
check_match "restart: e1 reaches inet through the NAT again" "^web saw $EXT:" \
	"$(ns e1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_match "endpoint add without --mac: a local unicast MAC, listed" \
	"^02:([0-9a-f]{2}:){4}[0-9a-f]{2}$" \
	"$(hn --json endpoint list $NET | jq -r --arg n "$P-e1" '.[] | select(.netns == $n) | .mac')"
check_eq "the MAC listed is eth0's in e1" \
	"$(hn --json endpoint list $NET | jq -r --arg n "$P-e1" '.[] | select(.netns == $n) | .mac')" \
	"$(ip -n $P-e1 -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"

H2=$(hn --json endpoint list $NET | jq -r --arg n "$P-e2" \
	'.[] | select(.netns == $n) | .host_interface')
ip -n $P-host link del "$H2"
check_match "a veth removed by hand: the endpoint shows as missing" \
	"$P-e2 +net0 .*missing" "$(hn endpoint list $NET 2>&1)"
check_eq "a veth removed by hand: the reason says so" \
	"missing: no interface $H2 on the host" "$(ep_state $P-e2)"

check_cmd "endpoint del e1" hn endpoint del $NET --netns $P-e1
check_eq "endpoint del: no $H1 on the host" "" \
	"$(ip -n $P-host -o link show "$H1" 2>/dev/null)"
check_eq "endpoint del: no eth0 in e1" "" \
	"$(ip -n $P-e1 -o link show eth0 2>/dev/null)"
check_eq "endpoint del of e1 again: success, deleted 0" "deleted 0" \
	"$(hn endpoint del $NET --netns $P-e1 2>&1)"
check_cmd "endpoint del of the missing one" \
	hn endpoint del $NET --netns $P-e2 --ifname net0
check_eq "endpoint del: both addresses free in network show" "" \
	"$(hn --json network show $NET | jq -r '.pool.entries[] | select(.kind == "endpoint") | .address')"
check_eq "endpoint list is empty" "0" \
	"$(hn --json endpoint list $NET | jq length)"
check_eq "no hne veth left on the host" 0 \
	"$(ip -n $P-host -o link show | grep -c ' hne')"
finish
