#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel's fast path: once a session is settled (TCP established, UDP
# answered) its ordinary packets are translated by the programs at the
# bridge port and the uplink, not by hostnatd; the engine still decides:
# 50 MiB each way arrive byte for byte (sha256), outbound and through a
# mapping, with the fast path's counters carrying nearly all of it; the
# endpoint sees the client's address; FIN and RST are carried in the
# kernel (none reaches hostnatd), which moves the session's TCP state as
# the engine's table says (listed fin-both, transitory; the transitory
# timer), and a new connection on the same ports after FIN or after RST
# works without hostnatd seeing its SYN; a mapping deleted stops its
# fast-path flow at once; an idle UDP flow kept alive only by fast-path
# packets is not expired; hostnatd --no-fast-path carries nothing in the
# kernel; a hostnatd killed with SIGKILL stops the fast path within its
# grace period (nothing of the endpoint's flow leaves on the uplink after).
. "$(dirname "$0")/lib.sh"
setup

fast() { # out|in: the fast path's bytes that way
	hn --json stats | jq -r ".fast_path.${1}_bytes // 0"
}
link_bytes() { # NS IFACE rx|tx: the interface's byte counter
	ns "$1" cat /sys/class/net/"$2"/statistics/"$3"_bytes
}
bpf_on() { # NS IFACE: hostnat's program is attached at its ingress
	ns "$1" tc filter show dev "$2" ingress 2>/dev/null | grep -q bpf
}
CM=172.16.3.100	# cm: the endpoint whose veth moves
MIB40=$((40 * 1024 * 1024))
head -c $((50 * 1024 * 1024)) /dev/urandom >"$T/blob"
SUM=$(sha256sum <"$T/blob" | cut -d' ' -f1)

# ---- outbound: c1 fetches 50 MiB from inet, and sends 50 MiB to it ------
bg inet socat -U TCP-LISTEN:7001,reuseaddr,fork OPEN:"$T/blob",rdonly
wait_until 10 listening inet tcp 7001 || bad setup "inet sender on 7001"
bg inet sh -c "socat -u TCP-LISTEN:7002,reuseaddr OPEN:$T/got-up,creat,trunc"
wait_until 10 listening inet tcp 7002 || bad setup "inet receiver on 7002"
o0=$(fast out); i0=$(fast in)
ns c1 timeout 60 socat -u TCP:$INET:7001 OPEN:"$T/got-down",creat,trunc
check_eq "outbound: 50 MiB from inet arrive in c1 byte for byte" "$SUM" \
	"$(sha256sum <"$T/got-down" | cut -d' ' -f1)"
ns c1 timeout 60 socat -u OPEN:"$T/blob",rdonly TCP:$INET:7002
wait_until 10 [ -s "$T/got-up" ]
wait_until 10 test "$(stat -c %s "$T/got-up" 2>/dev/null)" = $((50 * 1024 * 1024))
check_eq "outbound: 50 MiB from c1 arrive in inet byte for byte" "$SUM" \
	"$(sha256sum <"$T/got-up" | cut -d' ' -f1)"
o1=$(fast out); i1=$(fast in)
check_int "outbound: the fast path carried c1's 50 MiB out (>= 40 MiB)" \
	-ge $MIB40 $((o1 - o0))
check_int "outbound: the fast path carried inet's 50 MiB in (>= 40 MiB)" \
	-ge $MIB40 $((i1 - i0))
note "fast path out $((o1 - o0)) in $((i1 - i0)) bytes"

note "at $SECONDS s: inbound through a mapping"
# ---- inbound through a mapping, the endpoint sees the client --------------
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
hn map add $NET --proto tcp --internal $C1:7003 --external-port 7003 >/dev/null
bg c1 socat -u TCP-LISTEN:7003,reuseaddr OPEN:"$T/got-in",creat,trunc
wait_until 10 listening c1 tcp 7003 || bad setup "c1 receiver on 7003"
i0=$(fast in)
tx0=$(link_bytes host v-c1 tx); rx0=$(link_bytes c1 eth0 rx)
ns inet timeout 60 socat -u OPEN:"$T/blob",rdonly TCP:$EXT:7003
wait_until 10 test "$(stat -c %s "$T/got-in" 2>/dev/null)" = $((50 * 1024 * 1024))
check_eq "inbound: 50 MiB from inet through $EXT:7003 arrive byte for byte" \
	"$SUM" "$(sha256sum <"$T/got-in" | cut -d' ' -f1)"
check_int "inbound: the fast path carried them (>= 40 MiB)" -ge $MIB40 \
	$(( $(fast in) - i0 ))
# into the container's end of its veth directly (bpf_redirect_peer): the
# host's end does not send them
check_int "inbound: c1's eth0 received them (>= 40 MiB)" -ge $MIB40 \
	$(( $(link_bytes c1 eth0 rx) - rx0 ))
check_int "inbound: the host's end of c1's veth did not send them (< 4 MiB)" \
	-lt $((4 * 1024 * 1024)) $(( $(link_bytes host v-c1 tx) - tx0 ))

# ---- a new port has the program at once (a link notification), not at the
# next once-a-second dp_tick(): four times within 400 ms (by the tick alone,
# each would have a 40% chance)
attach_ms() { # IFACE: ms from enslaving it to br0 until its program is on
	local t0 t1
	ip -n "$P-host" link add "$1" type veth peer name "$1p" || return 1
	t0=$(date +%s%N)
	ip -n "$P-host" link set "$1" master br0 up
	for _ in $(seq 150); do
		bpf_on host "$1" && break
		sleep 0.02
	done
	t1=$(date +%s%N)
	bpf_on host "$1" && echo $(( (t1 - t0) / 1000000 ))
}
worst=0
for q in 1 2 3 4; do
	ms=$(attach_ms v-q$q) || ms=9999
	[ -n "$ms" ] || ms=9999
	[ "$ms" -gt "$worst" ] && worst=$ms
	ip -n "$P-host" link del v-q$q 2>/dev/null
done
note "slowest attach of 4: $worst ms"
check_int "a port enslaved to br0 has the program at once (the slowest of 4, ms)" -lt 400 "$worst"
# 80 ports in one burst: the dumps that the burst interrupts (their links
# changed meanwhile) are read to their end and asked again; every port
# gets its program, and the daemon's netlink socket still answers after
burst_on() {
	local i n=0
	for i in $(seq 80); do
		bpf_on host v-b$i && n=$((n + 1))
	done
	echo $n
}
_burst_all() { [ "$(burst_on)" = 80 ]; }
for i in $(seq 80); do
	echo "link add v-b$i type veth peer name v-b${i}p"
	echo "link set v-b$i master br0 up"
done | ip -n "$P-host" -batch - || bad setup "80 veths"
wait_until 10 _burst_all
check_eq "a burst of 80 ports: every one has the program" 80 "$(burst_on)"
for i in $(seq 80); do echo "link del v-b$i"; done | ip -n "$P-host" -batch -
ip -n "$P-host" link add v-q5 type veth peer name v-q5p &&
	ip -n "$P-host" link set v-q5 master br0 up
wait_until 5 bpf_on host v-q5
check_cmd "after the burst: a new port still gets the program" bpf_on host v-q5
ip -n "$P-host" link del v-q5

# a veth made with both ends on the host and one moved into a container
# afterwards (as some runtimes do): carried by the host's end until the
# program learns of the move, into the container's end after. Its host end
# takes the interface index of c1's plus 4096: the slot of if_map that
# holds c1's port role, so that its own is kept aside (if_more_map)
IDX=$(( $(ns host cat /sys/class/net/v-c1/ifindex) + 4096 ))
ip -n "$P-host" link add v-cm index $IDX type veth peer name eth0cm ||
	bad setup "veth cm (index $IDX)"
ip -n "$P-host" link set v-cm master br0 && ip -n "$P-host" link set v-cm up
wait_until 5 bpf_on host v-cm || bad setup "program on v-cm"
ns_add cm || bad setup "namespace cm"
ip -n "$P-host" link set eth0cm netns "$P-cm" name eth0 || bad setup "move to cm"
ip -n "$P-cm" addr add $CM/16 dev eth0 && ip -n "$P-cm" link set eth0 up &&
	ip -n "$P-cm" route add default via 172.16.0.1 || bad setup "cm address"
# through the NAT: a firewall on the host may drop pings to the gateway
wait_until 5 ns cm ping -c 1 -W 1 $INET || bad setup "cm reaches inet"
hn map add $NET --proto tcp --internal $CM:7003 --external-port 7013 >/dev/null
bg cm socat -u TCP-LISTEN:7003,reuseaddr OPEN:"$T/got-cm",creat,trunc
wait_until 10 listening cm tcp 7003 || bad setup "cm receiver on 7003"
sleep 2	# at least one dp_tick() after the move (once a second)
tx0=$(link_bytes host v-cm tx); rx0=$(link_bytes cm eth0 rx)
o0=$(hn --json stats | jq -r ".fast_path.out_packets // 0")
ns inet timeout 60 socat -u OPEN:"$T/blob",rdonly TCP:$EXT:7013
wait_until 10 test "$(stat -c %s "$T/got-cm" 2>/dev/null)" = $((50 * 1024 * 1024))
check_eq "inbound, a veth moved after it was attached: 50 MiB byte for byte" \
	"$SUM" "$(sha256sum <"$T/got-cm" | cut -d' ' -f1)"
check_int "inbound, the moved veth: into the container's end directly (< 4 MiB by the host's end)" \
	-lt $((4 * 1024 * 1024)) $(( $(link_bytes host v-cm tx) - tx0 ))
check_int "inbound, the moved veth: its eth0 received them (>= 40 MiB)" \
	-ge $MIB40 $(( $(link_bytes cm eth0 rx) - rx0 ))
check_int "inbound, the moved veth (index $IDX, c1's slot taken): its ACKs on the fast path (>= 100)" \
	-ge 100 $(( $(hn --json stats | jq -r ".fast_path.out_packets // 0") - o0 ))
hn map del $NET --proto tcp --external-port 7013 >/dev/null
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null
out=$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)
check_match "inbound: c1 sees inet's own address" "^c1web saw $INET:" "$out"

note "at $SECONDS s: FIN"
# ---- FIN, then the same ports again ----------------------------------------
# the client closes last (it reads to the end first), so its port is free
cat >"$T/same.py" <<'PYEOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 40404))
s.settimeout(5)
s.connect((sys.argv[1], 7004))
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
d = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    d += b
s.close()
print(d.decode().split("\r\n\r\n", 1)[-1].strip())
PYEOF
serve inet tcp 0.0.0.0 7004 inetweb || bad setup "inet web server"
# what reaches hostnatd of them: only the first connection's handshake
cap_start host hn-out "$T/tun-out.pcap" tcp port 7004 ||
	bad setup "capture on hn-out"
TUNCAP=$CAP_PID
a=$(ns c1 timeout 10 $PY "$T/same.py" $INET 2>&1)
b=$(ns c1 timeout 10 $PY "$T/same.py" $INET 2>&1)
check_match "TCP: a connection from port 40404" "inetweb saw " "$a"
check_match "TCP: after its FIN, a new one on the same ports" "inetweb saw " "$b"
# an RST (SO_LINGER 0), then the same ports again
cat >"$T/rst.py" <<'PYEOF'
import socket, struct, sys
for _ in range(2):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 40405))
    s.settimeout(5)
    s.connect((sys.argv[1], 7004))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    d = s.recv(4096)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
print(d.decode().split("\r\n\r\n", 1)[-1].strip())
PYEOF
c=$(ns c1 timeout 10 $PY "$T/rst.py" $INET 2>&1)
check_match "TCP: RST, then a new connection on the same ports" "inetweb saw " "$c"
sleep 0.5
CAP_PID=$TUNCAP cap_stop
state_of() { # PORT: the TCP state the session list shows for c1's PORT
	hn --json session list --proto tcp |
		jq -r "[.[] | select(.internal_port == $1)][0].state"
}
check_eq "fast path FIN both ways: the session is listed fin-both" \
	fin-both "$(state_of 40404)"
check_int "fast path FIN: the session expires on the transitory timer" \
	-le 240 "$(hn --json session list --proto tcp |
		jq -r '[.[] | select(.internal_port == 40404)][0].expires')"
check_eq "fast path RST: the session is listed transitory" \
	transitory "$(state_of 40405)"
check_eq "fast path: no FIN or RST of them reached hostnatd" 0 \
	"$(cap_show "$T/tun-out.pcap" "src host $C1 and tcp[tcpflags] & (tcp-fin|tcp-rst) != 0" | grep -c .)"
check_eq "fast path: one SYN each reached hostnatd (port reuse in the kernel)" 2 \
	"$(cap_show "$T/tun-out.pcap" "src host $C1 and tcp[tcpflags] & tcp-syn != 0" | grep -c .)"

note "at $SECONDS s: a mapping deleted"
# ---- a mapping deleted stops its flow at once --------------------------------
bg c1 socat -u TCP-LISTEN:7005,reuseaddr OPEN:/dev/null
wait_until 10 listening c1 tcp 7005 || bad setup "c1 sink on 7005"
hn map add $NET --proto tcp --internal $C1:7005 --external-port 7005 >/dev/null
bg inet sh -c "exec socat -u OPEN:/dev/zero TCP:$EXT:7005"
FLOW=$BG_PID
flowing() {
	[ "$(hn --json session list --proto tcp |
		jq '[.[] | select(.external_port == 7005)] | length')" -ge 1 ]
}
wait_until 10 flowing
sleep 1
hn map del $NET --proto tcp --external-port 7005 >/dev/null
cap_start c1 eth0 "$T/c1.pcap" tcp port 7005 || bad setup "capture in c1"
sleep 1.5
CAP=$CAP_PID
CAP_PID=$CAP cap_stop
check_eq "map del: nothing of the flow reaches c1 after it" 0 \
	"$(cap_show "$T/c1.pcap" "src host $INET and tcp[tcpflags] & tcp-rst == 0" | grep -c 'length [1-9]')"
stop_pid "$FLOW"

note "at $SECONDS s: SIGKILL"
# ---- SIGKILL: the fast path stops within its grace period --------------------
bg inet socat -u TCP-LISTEN:7006,reuseaddr OPEN:/dev/null
wait_until 10 listening inet tcp 7006 || bad setup "inet sink on 7006"
bg c1 sh -c "exec socat -u OPEN:/dev/zero TCP:$INET:7006"
FLOW=$BG_PID
sleep 1.5
hn_kill9
sleep 6	# the grace period (5 s) and a second
cap_start inet veth0 "$T/up.pcap" src host $EXT and tcp port 7006 ||
	bad setup "capture on the uplink"
sleep 2
CAP=$CAP_PID
CAP_PID=$CAP cap_stop
check_eq "kill -9: 6 s later nothing of c1's flow leaves on the uplink" 0 \
	"$(cap_show "$T/up.pcap" | grep -c .)"
stop_pid "$FLOW"
hn_start || bad setup "hostnatd after the kill"

note "at $SECONDS s: --no-fast-path"
# ---- --no-fast-path -------------------------------------------------------
hn_stop
hn_start --no-fast-path || bad setup "hostnatd --no-fast-path"
o0=$(fast out)
ns c1 timeout 60 socat -u TCP:$INET:7001 OPEN:"$T/got-slow",creat,trunc
check_eq "--no-fast-path: 50 MiB still arrive byte for byte" "$SUM" \
	"$(sha256sum <"$T/got-slow" | cut -d' ' -f1)"
check_eq "--no-fast-path: the fast path carried nothing" 0 "$(fast out)"
finish
