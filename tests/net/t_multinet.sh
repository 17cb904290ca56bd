#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several networks, and several prefixes in one network, at the same time,
# sharing the external ports; a bridge hostnat created goes with its network.
. "$(dirname "$0")/lib.sh"
setup

serve inet udp $INET 7000 echo || bad setup "udp server"
serve inet tcp $INET 80 web || bad setup "web server"
out=$(hn --json network add net2 --prefix 10.77.0.0/24 --prefix 10.78.0.0/24 --external up0 2>&1)
check_cmd "network add net2 with two prefixes, hostnat makes the bridge" jq -e .name <<<"$out"
br=$(jq -r '.bridge // empty' <<<"$out" 2>/dev/null)
gw=$(jq -r '.gateway // empty' <<<"$out" 2>/dev/null)
note "net2: bridge '$br', gateway '$gw'"
check_eq "net2's gateway is the first address of the first prefix" 10.77.0.1 "$gw"
if [ -z "$br" ] || ! ip -n $P-host link show "$br" >/dev/null 2>&1; then
	bad "net2's bridge exists in the host" "no bridge '$br' in $P-host"
	finish
fi
ok "net2's bridge $br exists in the host"
endpoint_add c3 10.77.0.100/24 10.77.0.1 "$br"
# c4 is on the second prefix; its gateway is net2's one gateway, on-link
ns_add c4
ip link add eth0 netns $P-c4 type veth peer name v-c4 netns $P-host
ip -n $P-host link set v-c4 master "$br"
ip -n $P-host link set v-c4 up
ip -n $P-c4 addr add 10.78.0.100/24 dev eth0
ip -n $P-c4 link set eth0 up
ip -n $P-c4 route add default via 10.77.0.1 dev eth0 onlink

: >"$T/echo.log"
cap_start inet veth0 "$T/inet.pcap" udp || bad setup tcpdump
cpids=()
for c in c1 c3 c4; do
	ip netns exec $P-$c timeout 10 $NT udp-client $INET 7000 --sport 40000 >"$T/$c.out" 2>&1 &
	cpids+=($!)
done
wait "${cpids[@]}"
cap_stop
check_match "net1's c1 reaches inet (udp, sport 40000)" "^echo saw $EXT:" "$(cat "$T/c1.out")"
check_match "net2's c3 (first prefix) reaches inet at the same time" "^echo saw $EXT:" "$(cat "$T/c3.out")"
check_match "net2's c4 (second prefix) reaches inet at the same time" "^echo saw $EXT:" "$(cat "$T/c4.out")" ||
	note "host's route to c4: $(ip -n $P-host route get 10.78.0.100 2>&1 | head -n 1); inet saw: $(cap_show "$T/inet.pcap" | grep -v IP6 | tr '\n' '|')"
check_eq "inet saw three different external ports for the three endpoints" 3 \
	"$(grep -Eo "^udp $EXT:[0-9]+" "$T/echo.log" | sort -u | wc -l)"
check_match "net2's c3 reaches inet over tcp" "^web saw $EXT:" \
	"$(ns c3 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_match "stats lists both networks" "net1.*net2|net2.*net1" \
	"$(hn --json stats 2>/dev/null | jq -c '[.networks[].name]' 2>&1)"

# a mapping into net2, reached from outside and by hairpin from net1
serve c3 tcp 0.0.0.0 80 c3web || bad setup "c3 web server"
check_cmd "map add net2 tcp 8081 -> c3:80" \
	hn map add net2 --proto tcp --internal 10.77.0.100:80 --external-port 8081
check_match "inet reaches net2's c3 via $EXT:8081" "^c3web saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8081/ 2>&1)"
check_match "net1's c1 reaches net2's c3 via $EXT:8081" "^c3web saw " \
	"$(ns c1 curl -sS --max-time 5 http://$EXT:8081/ 2>&1)"
refused_out=$(hn map add net1 --proto tcp --internal $C1:80 --external-port 8081 2>&1)
check_cmd "net1 cannot map the port net2 maps (8081)" test $? -ne 0

check_cmd "network del net2" hn network del net2
check_eq "network del removes the bridge hostnat created" "" \
	"$(ip -n $P-host link show "$br" 2>/dev/null)"
check_eq "network del removes net2's mappings" "" \
	"$(hn --json map list 2>/dev/null | jq -r '.[] | select(.network == "net2") | .external_port')"
check_match "net1 still works after net2 is gone" "^echo saw $EXT:" \
	"$(ns c1 timeout 10 $NT udp-client $INET 7000 2>&1)"
finish
