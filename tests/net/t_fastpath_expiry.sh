#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# case-timeout: 210
# Expiry of UDP sessions the fast path carries, udp_timeout at its floor
# (120 s, RFC 4787 REQ-5; the case waits it out, about 135 s in all), with
# udp_inbound_refresh off (the default, REQ-6): three flows from c1 to
# inet, each first answered and on the fast path:
#   A  both ways all along (a ping every 100 ms): kept alive;
#   B  c1 keeps sending, inet no longer answers: kept alive by the fast
#      path's outbound packets (the engine reads their times);
#   C  inet keeps sending, c1 no longer does: expires 120 s after c1's last
#      packet although the fast path delivered inet's meanwhile; after it
#      nothing of inet's stream is translated (nothing reaches c1, with a
#      stale kernel entry it would), B still leaves translated on the
#      uplink, A is still answered, no internal address ever leaves.
. "$(dirname "$0")/lib.sh"
setup

TO=120
fast() { # out|in: the fast path's packets that way
	hn --json stats | jq -r ".fast_path.${1}_packets // 0"
}
sess() { # INT_PORT FIELD: a field of c1's UDP session from that port
	hn --json session list --proto udp |
		jq -r ".[] | select(.internal_port == $1) | .$2" | head -n 1
}
_gone() { [ -z "$(sess "$1" external_port)" ]; }
_fast_ge() { [ "$(fast "$1")" -ge "$2" ]; }
echoed() { awk '{print $4}' "$1" 2>/dev/null; }

hn network set $NET udp_timeout $TO >/dev/null || bad setup "udp_timeout $TO"
check_eq "udp_timeout is $TO, udp_inbound_refresh off" "$TO false" \
	"$(hn --json network show $NET | jq -r '.settings | "\(.udp_timeout) \(.udp_inbound_refresh)"')"
serve inet udp 0.0.0.0 7061 echoA || bad setup "inet echo A"
serve inet udp 0.0.0.0 7062 echoB || bad setup "inet echo B"
ECHO_B=$BG_PID
serve inet udp 0.0.0.0 7063 echoC || bad setup "inet echo C"
ECHO_C=$BG_PID

# A: both ways all along
bg c1 $NT udp-ping $INET 7061 --sport 41301 --count 1500 --interval-ms 100 \
	--timeout 1 --progress "$T/a.progress"
# B and C: answered, on the fast path, then one way only
for f in 2 3; do
	out=$(ns c1 timeout 10 $NT udp-ping $INET 706$f --sport 4130$f --count 40 --interval-ms 2 2>&1)
	check_eq "flow $f: c1:4130$f answered by inet:706$f" "echoed 40/40" "$out"
done
EPB=$(sess 41302 external_port); EPC=$(sess 41303 external_port)
stop_pid "$ECHO_B"; stop_pid "$ECHO_C"
# B: inet takes c1's datagrams and answers nothing (not even ICMP)
ns inet nft -f - <<EOF || bad setup "nft in inet"
table ip hnexp {
	chain input {
		type filter hook input priority 0;
		udp dport 7062 drop
	}
}
EOF
bg c1 $NT udp-stream $INET 7062 --sport 41302 --count 8000 --interval-ms 20 --max-time 170
# C: c1 takes inet's datagrams on a socket that never sends
bg c1 socat -u UDP-RECV:41303,reuseaddr OPEN:/dev/null
tC=$SECONDS	# c1's last packet of C
bg inet $NT udp-stream $EXT "${EPC:-1}" --sport 7063 --count 9000 --interval-ms 20 \
	--max-time 170 --progress "$T/c.progress"
o0=$(fast out); i0=$(fast in)
sleep 3
# A is at most 10 packets a second each way; B and C 50
check_int "B: c1's one-way stream is on the fast path (>= 100 out in 3 s)" -ge 100 $(( $(fast out) - o0 ))
check_int "C: inet's one-way stream is on the fast path (>= 100 in in 3 s)" -ge 100 $(( $(fast in) - i0 ))

note "at $SECONDS s: waiting for the timeout ($TO s after $tC s)"
wait_until $((TO - 12)) false
check_int "C: still there $((SECONDS - tC)) s after c1's last packet" -ge 1 "$(sess 41303 external_port | grep -c .)"
check_int "C: its idle time counts from c1's last packet (>= $((TO - 20)) s)" -ge $((TO - 20)) "$(sess 41303 idle)"
check_int "B: idle under 3 s (the fast path's outbound packets count)" -le 2 "$(sess 41302 idle)"
check_int "A: idle under 3 s" -le 2 "$(sess 41301 idle)"
wait_until $((tC + TO + 15 - SECONDS)) _gone 41303
gone=$((SECONDS - tC))
check_cmd "C: expired" _gone 41303
check_int "C: not before $((TO - 2)) s" -ge $((TO - 2)) $gone
check_int "C: by $((TO + 15)) s" -le $((TO + 15)) $gone
note "C expired $gone s after c1's last packet"
cap_start c1 eth0 "$T/c1.pcap" udp and src host $INET and src port 7063 || bad setup "capture in c1"
cap_start inet veth0 "$T/up.pcap" udp || bad setup "capture on the uplink"
UP=$CAP_PID
k0=$(awk '{print $2}' "$T/c.progress"); a0=$(echoed "$T/a.progress")
d0=$(hn --json stats | jq '[(.engine // .).drops[]] | add')
sleep 2
k1=$(awk '{print $2}' "$T/c.progress"); a1=$(echoed "$T/a.progress")
cap_stop
CAP_PID=$UP cap_stop
check_int "after: inet kept sending C (>= 50 in 2 s)" -ge 50 $((k1 - k0))
check_eq "after: nothing of C reaches c1 (no stale kernel entry)" 0 "$(cap_count "$T/c1.pcap")"
note "drops meanwhile: $(( $(hn --json stats | jq '[(.engine // .).drops[]] | add') - d0 ))"
check_int "after: B still leaves translated on the uplink ($EXT.${EPB:-?})" -ge 50 \
	"$(cap_count "$T/up.pcap" src host $EXT and src port "${EPB:-1}" and dst port 7062)"
check_int "after: A still answered (>= 10 in 2 s)" -ge 10 $((a1 - a0))
check_eq "after: B and A still listed" 2 \
	"$(( $(sess 41302 external_port | grep -c .) + $(sess 41301 external_port | grep -c .) ))"
check_int "after: B is the session of before (age >= $TO s)" -ge $TO "$(sess 41302 age)"
check_int "after: A is the session of before (age >= $TO s)" -ge $TO "$(sess 41301 age)"
check_eq "after: B's external port unchanged" "${EPB:-?}" "$(sess 41302 external_port)"
check_eq "after: no internal address on the uplink" 0 \
	"$(cap_count "$T/up.pcap" src net 172.16.0.0/16)"
finish
