#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An administrator's `nft flush ruleset` in the host while hostnatd runs
# (a firewall reload does this) breaks neither outbound NAT nor a mapping,
# and opens nothing: afterwards no packet from 172.16.0.0/16 leaves the
# uplink and inet still cannot reach c1's internal address directly.
. "$(dirname "$0")/lib.sh"
setup

serve inet tcp $INET 80 web || bad setup "web server"
serve inet udp $INET 7000 echo || bad setup "udp server"
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
serve c1 udp 0.0.0.0 7000 c1udp || bad setup "c1 udp server"
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null 2>&1 ||
	bad setup "map add"
ip -n $P-inet route add 172.16.0.0/16 via $EXT

checks() { # LABEL
	check_match "$1: c1 reaches inet through the NAT (tcp)" "^web saw $EXT:" \
		"$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)"
	check_match "$1: c1 reaches inet through the NAT (udp)" "^echo saw $EXT:" \
		"$(ns c1 timeout 5 $NT udp-client $INET 7000 2>&1)"
	check_match "$1: inet reaches c1 through the mapping $EXT:8080" "^c1web saw $INET:" \
		"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"
}

checks "before the flush"
note "host ruleset before the flush: $(ns host nft list ruleset 2>&1 | grep -c .) lines"
check_cmd "nft flush ruleset in the host" ns host nft flush ruleset
checks "after the flush"

: >"$T/c1udp.log"
: >"$T/c1web.log"
cap_start inet veth0 "$T/inet.pcap" src net 172.16.0.0/16 || bad setup tcpdump
stream_start c1 $INET 7000 500
wait "$STREAM_PID"
ns inet timeout 5 $NT udp-client $C1 7000 --timeout 1 >/dev/null 2>&1
ns inet timeout 5 $NT tcp-client $C1 80 --timeout 1 >/dev/null 2>&1
cap_stop
check_none "after the flush: inet saw no packet from 172.16.0.0/16" \
	"$(cap_show "$T/inet.pcap")"
check_none "after the flush: inet reached none of c1's servers directly" \
	"$(cat "$T/c1udp.log" "$T/c1web.log")"
finish
