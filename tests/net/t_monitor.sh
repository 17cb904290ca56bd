#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnat monitor: a monitor sees a TCP connection come through a mapping
# and end when the mapping goes (removed), an outbound TCP connection, a UDP
# session from outside that the endpoint never answers expire (the 5 s
# floor of inbound-unanswered-timeout), the mapping added and removed, a
# DHCP lease bound and released by udhcpc; a network added, set and
# removed; an overlap with the host found when it roams onto an address in
# the network's prefix (told once); the human format; a monitor
# that never reads does not slow a ping through the NAT and, when it reads
# again, is told how many events it lost.
. "$(dirname "$0")/lib.sh"
setup

serve inet tcp 0.0.0.0 80 inweb || bad setup "inet web server"
serve inet udp 0.0.0.0 5353 inudp || bad setup "inet udp server"
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
check_cmd "inbound-unanswered-timeout 5 (its floor)" \
	hn network set $NET inbound-unanswered-timeout 5

# two monitors at once: JSON and the human format
ip netns exec "$P-host" timeout 300 "$HOSTNAT" --socket "$T/sock" \
	monitor --json >"$T/mon.json" 2>"$T/mon.err" &
MON_JSON=$!
PIDS+=("$MON_JSON")
ip netns exec "$P-host" timeout 300 "$HOSTNAT" --socket "$T/sock" \
	monitor >"$T/mon.txt" 2>>"$T/mon.err" &
MON_TXT=$!
PIDS+=("$MON_TXT")
sleep 0.5

# ev JQ-FILTER: events of the JSON monitor that match (count)
ev() {
	jq -c "select($1)" "$T/mon.json" 2>/dev/null | wc -l
}
has_ev() { [ "$(ev "$1")" -ge 1 ]; }

# an ordinary request on another connection while both monitor
check_cmd "map add tcp 8080 -> c1:80 while monitors run" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8080
check_cmd "map add udp 5354 -> c1:5354 (nobody answers)" \
	hn map add $NET --proto udp --internal $C1:5354 --external-port 5354
wait_until 5 has_ev '.event == "mapping.add" and .result.external_port == 8080' &&
	ok "monitor: mapping.add 8080/tcp" ||
	bad "monitor: mapping.add" "$(tail -n 3 "$T/mon.json")"

# outbound TCP: NEW
out=$(ns c1 $NT tcp-client $INET 80 --sport 40000 2>&1)
check_match "c1 reaches inet:80" "^inweb saw " "$out"
wait_until 5 has_ev ".event == \"session.new\" and .proto == \"tcp\" and .internal == \"$C1:40000\" and .remote == \"$INET:80\" and (.external | startswith(\"$EXT:\"))" &&
	ok "monitor: session.new tcp $C1:40000 -> $INET:80 via $EXT" ||
	bad "monitor: session.new outbound tcp" "$(grep 40000 "$T/mon.json")"
wait_until 5 grep -qE "^\[NEW\] tcp $C1:40000 -> $INET:80 via $EXT:[0-9]+ \(net $NET\)$" "$T/mon.txt" &&
	ok "monitor (text): [NEW] tcp $C1:40000 -> $INET:80 via $EXT:PORT (net $NET)" ||
	bad "monitor (text): [NEW] line" "$(head -n 5 "$T/mon.txt")"

# inbound TCP through the mapping, then the mapping deleted: removed
out=$(ns inet $NT tcp-client $EXT 8080 --sport 41000 2>&1)
check_match "inet reaches c1 via $EXT:8080" "^c1web saw " "$out"
wait_until 5 has_ev ".event == \"session.new\" and .inbound and .remote == \"$INET:41000\"" &&
	ok "monitor: session.new inbound tcp from $INET:41000" ||
	bad "monitor: session.new inbound" "$(tail -n 3 "$T/mon.json")"
check_cmd "map del tcp 8080" hn map del $NET --proto tcp --external-port 8080
wait_until 5 has_ev ".event == \"session.end\" and .reason == \"removed\" and .remote == \"$INET:41000\" and .proto == \"tcp\"" &&
	ok "monitor: session.end removed when its mapping goes" ||
	bad "monitor: session.end removed" "$(grep 41000 "$T/mon.json")"
wait_until 5 has_ev '.event == "mapping.del" and .result.external_port == 8080' &&
	ok "monitor: mapping.del 8080/tcp" ||
	bad "monitor: mapping.del" "$(tail -n 3 "$T/mon.json")"
wait_until 5 grep -q "^\[END removed\] tcp $C1:80 <- $INET:41000 via $EXT:8080" "$T/mon.txt" &&
	ok "monitor (text): [END removed] tcp $C1:80 <- $INET:41000" ||
	bad "monitor (text): [END removed]" "$(grep 41000 "$T/mon.txt")"

# UDP from outside, never answered: expires after 5 s
ns inet timeout 3 $NT udp-client $EXT 5354 --sport 42000 --timeout 1 >/dev/null 2>&1
wait_until 5 has_ev ".event == \"session.new\" and .proto == \"udp\" and .remote == \"$INET:42000\"" &&
	ok "monitor: session.new udp from $INET:42000" ||
	bad "monitor: session.new udp" "$(grep 42000 "$T/mon.json")"
wait_until 15 has_ev ".event == \"session.end\" and .reason == \"expired\" and .remote == \"$INET:42000\"" &&
	ok "monitor: session.end expired for the unanswered udp session" ||
	bad "monitor: session.end expired" "$(grep 42000 "$T/mon.json")"

# a DHCP lease: udhcpc takes one and releases it on exit (-R)
client_ns d1 02:00:00:00:e1:01 || bad setup "dhcp client namespace"
cat >"$T/udhcpc.sh" <<EOS
#!/bin/sh
case \$1 in
bound|renew) ip addr replace "\$ip/\$subnet" dev "\$interface" ;;
deconfig) ip addr flush dev "\$interface" ;;
esac
exit 0
EOS
chmod +x "$T/udhcpc.sh"
# udhcpc stays (-f); SIGUSR2 makes it release (unicast to the server, once
# the gateway's neighbour entry is there)
bg d1 udhcpc -f -i eth0 -t 5 -T 1 -A 1 -s "$T/udhcpc.sh" -p "$T/udhcpc.pid"
wait_until 15 has_ev '.event == "lease.bound" and .mac == "02:00:00:00:e1:01"'
ns d1 ping -c 1 -W 1 172.16.0.1 >/dev/null 2>&1
kill -USR2 "$(cat "$T/udhcpc.pid" 2>/dev/null)" 2>/dev/null
wait_until 5 has_ev '.event == "lease.bound" and .mac == "02:00:00:00:e1:01"' &&
	ok "monitor: lease.bound to udhcpc's MAC" ||
	bad "monitor: lease.bound" "$(grep lease "$T/mon.json"; tail -n 3 "$T/udhcpc.log")"
wait_until 5 has_ev '.event == "lease.released" and .mac == "02:00:00:00:e1:01"' &&
	ok "monitor: lease.released when udhcpc quits with -R" ||
	bad "monitor: lease.released" "$(grep lease "$T/mon.json"; hn --json stats | jq -c '.. | .rx? // empty' | head -3)"

# networks added, set and removed while monitors run
check_cmd "network add mon2 while monitors run" \
	hn network add mon2 --prefix 10.99.0.0/24 --external up0
wait_until 5 has_ev '.event == "network.add" and .network == "mon2"' &&
	ok "monitor: network.add mon2" ||
	bad "monitor: network.add" "$(grep network "$T/mon.json")"
check_cmd "network set mon2 udp_timeout 600" \
	hn network set mon2 udp_timeout 600
wait_until 5 has_ev '.event == "network.set" and .network == "mon2"' &&
	ok "monitor: network.set mon2" ||
	bad "monitor: network.set" "$(grep network "$T/mon.json")"
check_cmd "network del mon2" hn network del mon2
wait_until 5 has_ev '.event == "network.del" and .network == "mon2"' &&
	ok "monitor: network.del mon2" ||
	bad "monitor: network.del" "$(grep network "$T/mon.json")"
for w in ADD SET DEL; do
	wait_until 5 grep -qx "\[NET $w\] mon2" "$T/mon.txt" &&
		ok "monitor (text): [NET $w] mon2" ||
		bad "monitor (text): [NET $w]" "$(grep NET "$T/mon.txt")"
done
[ "$(ev '.event == "network.add" and .network == "mon2"')" = 1 ] &&
	ok "monitor: one network.add event for one network add" ||
	bad "monitor: network.add count" "$(grep network "$T/mon.json")"

# an overlap found: the host roams onto an address inside $NET's prefix
ip -n $P-host link add roam0 type veth peer name roam1
ip -n $P-host addr add 172.16.200.7/24 dev roam0
ip -n $P-host link set roam1 up
ip -n $P-host link set roam0 up
wait_until 5 has_ev ".event == \"overlap\" and .network == \"$NET\" and (.overlap | contains(\"172.16.200.7\"))" &&
	ok "monitor: overlap of $NET with the host's new 172.16.200.7" ||
	bad "monitor: overlap" "$(grep overlap "$T/mon.json"; grep 172.16.200.7 "$T/hostnatd.log")"
wait_until 5 grep -qE "^\[OVERLAP\] .*172\.16\.200\.7.* \(net $NET\)$" "$T/mon.txt" &&
	ok "monitor (text): [OVERLAP] ... 172.16.200.7 ... (net $NET)" ||
	bad "monitor (text): [OVERLAP]" "$(grep OVERLAP "$T/mon.txt")"
ip -n $P-host link del roam0
sleep 1
[ "$(ev '.event == "overlap" and (.overlap | contains("172.16.200.7"))')" = 1 ] &&
	ok "monitor: the overlap told once, not again when it goes" ||
	bad "monitor: overlap events" "$(grep overlap "$T/mon.json")"

# a monitor that never reads: many events, a ping unharmed, then "lost"
rm -f "$T/slow.flag"
bg host $PY "$NET_DIR/slowmon.py" "$T/sock" "$T/slow.flag" "$T/slow.out"
SLOW=$BG_PID
wait_until 5 test -e "$T/slow.out.ready" || bad setup "slow monitor"
sleep 0.3
ns c1 $NT udp-flows $INET 5353 3000 --sport-from 20000 >"$T/flows.out" 2>&1
ns c2 $NT udp-flows $INET 5353 3000 --sport-from 20000 >>"$T/flows.out" 2>&1
ns c1 $NT udp-flows $INET 5353 3000 --sport-from 30000 >>"$T/flows.out" 2>&1
out=$(ns c1 ping -c 5 -i 0.2 -W 1 $INET 2>&1)
check_match "ping through the NAT while a monitor does not read: 5 replies" \
	"5 received" "$out"
rtt=$(sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$out")
note "ping avg rtt ${rtt:-?} ms while the slow monitor holds events"
[ -n "$rtt" ] && awk -v r="$rtt" 'BEGIN { exit !(r < 50) }' &&
	ok "ping rtt under 50 ms (avg $rtt ms)" ||
	bad "ping rtt" "avg ${rtt:-?} ms"
check_cmd "ordinary request answered meanwhile" hn network list
touch "$T/slow.flag"
wait_until 15 test -s "$T/slow.out"
wait "$SLOW" 2>/dev/null
lost=$(jq -r 'select(.event == "lost") | .count' "$T/slow.out" 2>/dev/null |
	head -n 1)
check_match "the monitor that did not read is told it lost events" \
	"^[1-9][0-9]*$" "${lost:-none}"
note "slow monitor: lost ${lost:-?} events, $(wc -l <"$T/slow.out") lines read"
kill -0 $MON_JSON 2>/dev/null && ok "the JSON monitor is still connected" ||
	bad "JSON monitor" "exited: $(cat "$T/mon.err")"

stop_pid $MON_JSON
stop_pid $MON_TXT
finish
