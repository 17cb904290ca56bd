#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of hostnatd: endpoint traffic is dropped, never forwarded
# untranslated; a restart with the same state directory restores networks,
# mappings and traffic.
. "$(dirname "$0")/lib.sh"
setup

serve inet tcp $INET 80 web || bad setup "web server"
serve inet udp $INET 7000 echo || bad setup "udp server"
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null 2>&1 ||
	bad setup "map add"
check_match "before the crash: c1 reaches inet" "^web saw $EXT:" \
	"$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_match "before the crash: inet reaches c1 via $EXT:8080" "^c1web saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"

cap_start inet veth0 "$T/inet.pcap" || bad setup tcpdump
hn_kill9
note "after kill -9, rules: $(ip -n $P-host rule list | grep -v -E '^(0|32766|32767):' | tr '\n' '|')"
for tb in $(ip -n $P-host rule list | sed -n 's/.*lookup \([0-9][0-9]*\).*/\1/p' | sort -u); do
	note "table $tb: $(ip -n $P-host route show table $tb | tr '\n' '|')"
done
: >"$T/web.log"
: >"$T/echo.log"
out=$(ns c1 ping -c 3 -i 0.2 -W 1 $INET 2>&1)
check_match "daemon dead: ping from c1 gets no reply" " 0 received" "$out"
out=$(ns c1 timeout 10 $NT udp-client $INET 7000 --timeout 2 2>&1)
check_eq "daemon dead: udp from c1 gets no answer" timeout "$out"
out=$(ns c1 curl -sS --max-time 2 http://$INET/ 2>&1)
check_nomatch "daemon dead: curl from c1 fails" "web saw" "$out"
out=$(ns c2 timeout 20 $NT conc $INET 80 20 --timeout 2 2>&1)
check_nomatch "daemon dead: 20 connections from c2 all fail" "^ok [1-9]" "$out"
cap_stop
pk=$(cap_show "$T/inet.pcap" src net 172.16.0.0/12)
check_eq "daemon dead: inet saw no packet from an internal address (no leak)" "" "$pk"
check_eq "daemon dead: inet's servers saw nothing" "" "$(cat "$T/web.log" "$T/echo.log")"
note "inet saw while the daemon was dead: $(cap_show "$T/inet.pcap" | grep -v -E 'ARP' | head -n 5 | tr '\n' '|')"

if hn_start; then
	ok "restart: hostnatd starts again on the same state directory"
else
	bad "restart: hostnatd starts again on the same state directory" "it did not"
	finish
fi
check_eq "restart: network $NET is back" "$NET" \
	"$(hn --json network list 2>/dev/null | jq -r '.[].name' 2>&1)"
check_eq "restart: mapping 8080/tcp -> $C1:80 is back" "8080 $C1 80" \
	"$(hn --json map list 2>/dev/null | jq -r '.[] | "\(.external_port) \(.internal_address) \(.internal_port)"' 2>&1)"
check_match "restart: c1 reaches inet again (tcp)" "^web saw $EXT:" \
	"$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_match "restart: c1 reaches inet again (udp)" "^echo saw $EXT:" \
	"$(ns c1 timeout 10 $NT udp-client $INET 7000 2>&1)"
check_match "restart: inet reaches c1 via $EXT:8080 again" "^c1web saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"
check_match "restart: ping from c1 works again" " 1 received" \
	"$(ns c1 ping -c 1 -W 2 $INET 2>&1)"
finish
