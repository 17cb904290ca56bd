#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound TCP, UDP and ICMP echo from endpoints, the server seeing the
# host's external address; two endpoints using the same source port at once.
. "$(dirname "$0")/lib.sh"
setup

serve inet tcp $INET 80 web || bad setup "web server"
serve inet udp $INET 7000 echo || bad setup "udp server"

# TCP: curl through the NAT, the server's view of the client
out=$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)
check_match "tcp: curl from c1 gets an answer that shows the external address" \
	"^web saw $EXT:[0-9]+$" "$out"
check_match "tcp: the server logged the connection from $EXT" "^tcp $EXT:" \
	"$(cat "$T/web.log")"
check_nomatch "tcp: the server never saw an internal address" "172\.16\." \
	"$(cat "$T/web.log")"

# UDP round trip
out=$(ns c1 timeout 10 $NT udp-client $INET 7000 2>&1)
check_match "udp: round trip from c1, the server sees $EXT" \
	"^echo saw $EXT:[0-9]+$" "$out"

# ICMP echo: reply comes back, inet sees the request from the external address
cap_start inet veth0 "$T/icmp.pcap" icmp || bad setup "tcpdump"
out=$(ns c1 ping -c 3 -i 0.2 -W 2 $INET 2>&1)
check_match "icmp: ping from c1 gets 3 replies" "3 received" "$out"
cap_stop
pk=$(cap_show "$T/icmp.pcap" "icmp[icmptype] == icmp-echo")
check_match "icmp: inet sees the echo requests from $EXT" \
	"IP $EXT > $INET: ICMP echo request" "$pk"
check_nomatch "icmp: no echo request from an internal address at inet" \
	"IP 172\.16\." "$pk"

# two endpoints, same source port at once: UDP
: >"$T/echo.log"
ns c1 timeout 10 $NT udp-client $INET 7000 --sport 40000 >"$T/u1" 2>&1 &
p1=$!
ns c2 timeout 10 $NT udp-client $INET 7000 --sport 40000 >"$T/u2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_match "same source port, udp: c1 gets its answer" "^echo saw $EXT:" "$(cat "$T/u1")"
check_match "same source port, udp: c2 gets its answer" "^echo saw $EXT:" "$(cat "$T/u2")"
ports=$(grep -Eo "^udp $EXT:[0-9]+" "$T/echo.log" | sort -u | wc -l)
check_eq "same source port, udp: the server saw two different external ports" \
	2 "$ports"

# two endpoints, same source port at once: TCP (both held open 2 s)
: >"$T/web.log"
ns c1 timeout 15 $NT tcp-client $INET 80 --sport 40001 --hold 2 >"$T/t1" 2>&1 &
p1=$!
ns c2 timeout 15 $NT tcp-client $INET 80 --sport 40001 --hold 2 >"$T/t2" 2>&1 &
p2=$!
wait $p1
wait $p2
check_match "same source port, tcp: c1's connection works" "^web saw $EXT:" "$(cat "$T/t1")"
check_match "same source port, tcp: c2's connection works" "^web saw $EXT:" "$(cat "$T/t2")"
ports=$(grep -Eo "^tcp $EXT:[0-9]+" "$T/web.log" | sort -u | wc -l)
check_eq "same source port, tcp: the server saw two different external ports" \
	2 "$ports"

# the session table shows what happened
sl=$(hn --json session list 2>&1)
n=$(jq -r --arg c $C1 --arg r $INET \
	'[.[] | select(.internal_address == $c and .remote_address == $r)] | length' \
	<<<"$sl" 2>/dev/null)
check_int "session list --json has c1's sessions to inet" -ge 1 "$n"
out=$(hn session list 2>&1)
check_match "session list (text) names c1 and inet" "$C1.*$INET|$INET.*$C1" "$out"
finish
