#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ICMP errors from outside reach the endpoint, translated (RFC 5508):
# port unreachable for UDP to a closed port, time exceeded from a router
# beyond the host.
. "$(dirname "$0")/lib.sh"
setup

# port unreachable: UDP to a closed port of inet; the client's connected
# socket reports ECONNREFUSED only if the ICMP error was translated back
cap_start c1 eth0 "$T/c1.pcap" icmp || bad setup "tcpdump"
out=$(ns c1 timeout 10 $NT udp-client $INET 9 --timeout 3 2>&1)
check_eq "port unreachable: udp to closed $INET:9 from c1 is refused" refused "$out"
# an established outbound UDP flow first, then the port closes
serve inet udp $INET 7001 tmp || bad setup "udp server"
out=$(ns c1 timeout 10 $NT udp-client $INET 7001 --sport 41000 2>&1)
check_match "port unreachable: udp flow to $INET:7001 works first" "saw $EXT" "$out"
stop_pid "$BG_PID"
out=$(ns c1 timeout 10 $NT udp-client $INET 7001 --sport 41000 --timeout 3 2>&1)
check_eq "port unreachable: after the server closes, the same flow is refused" \
	refused "$out"
cap_stop
pk=$(cap_show "$T/c1.pcap" icmp)
check_match "port unreachable: c1 receives ICMP port unreachable from $INET, about its own address" \
	"IP $INET > $C1: ICMP $INET udp port (9|discard) unreachable" "$pk"

# time exceeded: TTL 2 expires at inet (host is hop 1, inet hop 2)
out=$(ns c1 ping -c 1 -t 2 -W 3 $FAR 2>&1)
check_match "time exceeded: ping -t 2 $FAR from c1 reports it from $INET" \
	"From $INET.*(Time to live exceeded|Time exceeded)" "$out"
out=$(ns c1 timeout 20 traceroute -n -q 1 -w 2 -m 3 $FAR 2>&1)
check_match "time exceeded: traceroute (udp) from c1 shows hop 2 = $INET" \
	"^ *2 +$INET " "$out"
check_match "time exceeded: traceroute (udp) from c1 shows hop 1 = the gateway" \
	"^ *1 +172\.16\.0\.1 " "$out"
note "traceroute: $(tr '\n' '|' <<<"$out")"
out=$(ns c1 timeout 20 traceroute -n -T -p 80 -q 1 -w 2 -m 2 $FAR 2>&1)
check_match "time exceeded: traceroute -T (tcp syn) from c1 shows hop 2 = $INET" \
	"^ *2 +$INET " "$out"

# an ICMP error about a flow from a statically mapped port reaches c1
hn map add $NET --proto udp --internal $C1:5353 --external-port 5353 >/dev/null 2>&1 ||
	bad setup "map add"
out=$(ns c1 timeout 10 $NT udp-client $INET 9 --sport 5353 --timeout 3 2>&1)
check_eq "port unreachable: udp from c1's mapped port 5353 to closed $INET:9 is refused" \
	refused "$out"
finish
