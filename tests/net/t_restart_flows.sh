#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Flows survive a restart (issue 9, 4): while an iperf3 transfer runs each
# way (c1 -> inet, and inet -> c1 through a mapping), an idle TCP
# connection is open each way and a UDP flow runs, hostnatd is stopped
# with SIGTERM and started again, twice. The new daemon takes the sessions
# back (its log says so), both transfers end without an error, each idle
# connection echoes a line sent after the restarts, no RST crosses the
# uplink, the UDP flow (1000 datagrams/s) keeps its external port and
# loses (almost) nothing, and the transfers carry data every second. Then the
# grace period: a daemon started with --fast-grace 2 and killed with
# SIGKILL: 3 s later nothing of c1's flows leaves on the uplink, and a new
# connection is dropped from the first moment. A sessions file that is
# damaged, or from another boot, is refused whole with one line in the
# log and removed, and the daemon starts.
. "$(dirname "$0")/lib.sh"
setup

T_XFER=24	# s, each iperf3 transfer
hn map add $NET --proto tcp --internal $C1:5202 --external-port 5202 >/dev/null
hn map add $NET --proto tcp --internal $C1:7011 --external-port 7011 >/dev/null

# echo servers for the idle connections, iperf3 servers, a UDP sink
bg inet socat TCP-LISTEN:7010,reuseaddr,fork EXEC:cat
bg c1 socat TCP-LISTEN:7011,reuseaddr,fork EXEC:cat
bg inet iperf3 -s -1 -p 5201
bg c1 iperf3 -s -1 -p 5202
for w in "inet tcp 7010" "c1 tcp 7011" "inet tcp 5201" "c1 tcp 5202"; do
	wait_until 10 listening $w || bad setup "server $w"
done
serve inet udp 0.0.0.0 7020 inetudp || bad setup "inet UDP server"

# the uplink, whole test: RSTs and c1's UDP flow as it leaves
cap_start inet veth0 "$T/up.pcap" "tcp[tcpflags] & tcp-rst != 0 or udp port 7020" ||
	bad setup "capture on the uplink"
UPCAP=$CAP_PID

# idle TCP connections: connect, echo one line, wait for a go, echo again
cat >"$T/idle.py" <<'PY'
import socket, sys, os, time
host, port, go, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def say(s):
    with open(out, "a") as f:
        f.write(s + "\n")
try:
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(b"before\n")
    say("first " + c.recv(100).decode().strip())
    c.settimeout(None)
    while not os.path.exists(go):
        time.sleep(0.1)
    c.settimeout(5)
    c.sendall(b"after\n")
    say("second " + c.recv(100).decode().strip())
except Exception as e:
    say("error " + type(e).__name__ + ": " + str(e))
PY
GO=$T/go
bg c1 python3 "$T/idle.py" $INET 7010 "$GO" "$T/idle-out.txt"
bg inet python3 "$T/idle.py" $EXT 7011 "$GO" "$T/idle-in.txt"
wait_until 10 grep -q first "$T/idle-out.txt"
wait_until 10 grep -q first "$T/idle-in.txt"
check_eq "idle outbound connection: echoes before the restart" "first before" \
	"$(cat "$T/idle-out.txt" 2>&1)"
check_eq "idle inbound connection (through $EXT:7011): echoes before" \
	"first before" "$(cat "$T/idle-in.txt" 2>&1)"

# the transfers and the UDP flow (one datagram per ms)
bg c1 timeout $((T_XFER + 10)) iperf3 -c $INET -p 5201 -t $T_XFER -i 1 -J --logfile "$T/ip-out.json"
XOUT=$BG_PID
bg inet timeout $((T_XFER + 10)) iperf3 -c $EXT -p 5202 -t $T_XFER -i 1 -J --logfile "$T/ip-in.json"
XIN=$BG_PID
stream_start c1 $INET 7020 20000

sleep 4
for round in 1 2; do
	t0=$(date +%s.%N)
	n0=$(wc -l <"$T/hostnatd.log")
	hn_stop
	check_eq "round $round: SIGTERM: hostnatd exits 0" 0 $?
	hn_start || { bad "round $round: start" "hostnatd did not start again"; break; }
	t1=$(date +%s.%N)
	note "round $round: stop + start took $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.2f", b - a }') s"
	check_match "round $round: the new daemon restored every session" \
		"restored ([1-9][0-9]*) of \1 sessions" \
		"$(tail -n +$((n0 + 1)) "$T/hostnatd.log" | grep 'restored')"
	sleep 5
done
note "log: $(grep -E 'restored|saved' "$T/hostnatd.log" | tr '\n' '|')"

wait "$XOUT"
check_eq "outbound iperf3 (c1 -> inet) ended without an error" "" \
	"$(jq -r '.error // empty' "$T/ip-out.json" 2>&1 | head -c 300)"
wait "$XIN"
check_eq "inbound iperf3 (inet -> c1 through $EXT:5202) ended without an error" "" \
	"$(jq -r '.error // empty' "$T/ip-in.json" 2>&1 | head -c 300)"
# every second of the transfer carried data but the restart windows
for d in out in; do
	busy=$(jq '[.intervals[].sum.bytes | select(. > 0)] | length' "$T/ip-$d.json" 2>/dev/null)
	late=$(jq "[.intervals[] | select(.sum.start >= $((T_XFER - 6))) | .sum.bytes] | add // 0" "$T/ip-$d.json" 2>/dev/null)
	check_int "iperf3 $d: at least $((T_XFER - 2)) of $T_XFER seconds carried data" \
		-ge $((T_XFER - 2)) "${busy:-0}"
	check_int "iperf3 $d: the last 6 s, after both restarts, carried data (bytes)" \
		-gt 1000000 "${late:-0}"
done

: >"$GO"
wait_until 10 grep -q second "$T/idle-out.txt"
wait_until 10 grep -q second "$T/idle-in.txt"
check_eq "idle outbound connection: echoes after two restarts" \
	"second after" "$(tail -n 1 "$T/idle-out.txt" 2>&1)"
check_eq "idle inbound connection: echoes after two restarts" \
	"second after" "$(tail -n 1 "$T/idle-in.txt" 2>&1)"

stream_more 500
stream_stop
CAP_PID=$UPCAP cap_stop
# until the transfers end (iperf3's server closes its data connection with
# a reset when the test ends: that one is iperf3's, not a restart's)
t_end=$(( $(jq -r '.start.timestamp.timesecs' "$T/ip-in.json" 2>/dev/null || echo 0) + T_XFER - 1 ))
check_eq "no RST crossed the uplink while the transfers ran" "" \
	"$(tcpdump -tt -n -r "$T/up.pcap" "tcp[tcpflags] & tcp-rst != 0" 2>/dev/null |
		awk -v e=$t_end '$1 < e' | head -n 3)"
ports=$(cap_show "$T/up.pcap" "src host $EXT and udp dst port 7020" |
	awk '{print $3}' | sort -u | tr '\n' ' ')
check_match "the UDP flow kept one external port through both restarts" \
	"^$EXT\\.[0-9]+ $" "$ports"
sent=$(stream_sent)
got=$(cap_count "$T/up.pcap" "src host $EXT and udp dst port 7020")
note "UDP: $sent sent, $got left on the uplink"
# the fast path carries it while no daemon runs, the TUN devices queue
# what the programs hand the next daemon: nothing is lost but by accident
lost=$((${sent:-0} - ${got:-0}))
[ $lost -lt 0 ] && lost=0
check_int "the UDP flow lost (almost) nothing in two restarts (< 100 of $sent)" \
	-lt 100 $lost

note "at $SECONDS s: --fast-grace 2 and SIGKILL"
hn_stop
hn_start --fast-grace 2 || bad setup "hostnatd --fast-grace 2"
bg inet socat -u TCP-LISTEN:7006,reuseaddr OPEN:/dev/null
wait_until 10 listening inet tcp 7006 || bad setup "inet sink on 7006"
bg c1 sh -c "exec socat -u OPEN:/dev/zero TCP:$INET:7006"
FLOW=$BG_PID
sleep 1.5
hn_kill9
t_kill=$(date +%s.%N)
cap_start inet veth0 "$T/new.pcap" "tcp port 7010" || bad setup "capture"
NEWCAP=$CAP_PID
check_cmd "kill -9: a new connection from c1 fails at once" \
	sh -c "! ip netns exec $P-c1 timeout 3 socat -u /dev/null TCP:$INET:7010,connect-timeout=2"
CAP_PID=$NEWCAP cap_stop
check_eq "kill -9: the new connection's SYN never left on the uplink" 0 \
	"$(cap_count "$T/new.pcap")"
# 3 s after the kill: the grace period of 2 s is over
sleep "$(awk -v k=$t_kill -v n="$(date +%s.%N)" 'BEGIN { d = k + 3 - n; printf "%.2f", (d > 0 ? d : 0) }')"
cap_start inet veth0 "$T/dead.pcap" "tcp port 7006" || bad setup "capture"
sleep 2
CAP_PID=$CAP_PID cap_stop
check_eq "--fast-grace 2: 3 s after kill -9 nothing of c1's flow leaves" 0 \
	"$(cap_count "$T/dead.pcap" "src host $EXT or src net 172.16.0.0/16")"
stop_pid "$FLOW"

# ---- a sessions file that must not be used ---------------------------------
hn_start || bad setup "hostnatd after the kill"
hn_stop
f=$T/state/sessions
check_cmd "a clean stop leaves the sessions file" test -s "$f"
printf 'X' | dd of="$f" bs=1 seek=33 conv=notrunc status=none	# saved_ms
hn_start || bad "damaged sessions file" "hostnatd did not start"
check_match "a damaged sessions file is refused whole, in one line" \
	"sessions file .* ignored: its checksum does not match" \
	"$(grep 'sessions file' "$T/hostnatd.log" | tail -n 1)"
check_cmd "... and removed" test ! -e "$f"
hn_stop
# another boot: another boot id in the header (bytes 40-75), the
# checksum (FNV-1a, the last 4 bytes) made right again
python3 - "$f" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[40:76] = b"00000000-0000-0000-0000-000000000000"
h = 2166136261
for x in b[:-4]:
    h = ((h ^ x) * 16777619) & 0xffffffff
b[-4:] = struct.pack("=I", h)
open(sys.argv[1], "wb").write(b)
PY
hn_start || bad "sessions file of another boot" "hostnatd did not start"
check_match "a sessions file of another boot is refused" \
	"sessions file .* ignored: it is from before the last boot" \
	"$(grep 'sessions file' "$T/hostnatd.log" | tail -n 1)"
finish
