#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A mapping on a port that a socket of the host holds is refused, naming
# it (it would take the socket's traffic without a word): IPv4 listeners,
# and dual-stack ones bound to [::] (they live in /proc/net/tcp6, udp6).
# A port of the NAT's dynamic range that a host socket holds (bound there
# explicitly: 0.0.0.0, [::], TCP and UDP) is not given to an endpoint's
# flow, though port preservation would pick it; a free one is. On a host
# with many sockets (other namespaces' TIME_WAITs, which the kernel walks
# for every look), hostnatd looks at them all less often: what it found is
# still held between looks, and new TCP listeners are found at once.
. "$(dirname "$0")/lib.sh"
setup

cat >"$T/listen.py" <<'PYEOF'
import socket, sys, time
proto, fam, port, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
af = socket.AF_INET6 if fam == "6" else socket.AF_INET
st = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(af, st)
if af == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::" if af == socket.AF_INET6 else "0.0.0.0", port))
if st == socket.SOCK_STREAM:
    s.listen(4)
open(ready, "w").write("ready\n")
time.sleep(60)
PYEOF

# listen NAME PROTO FAMILY PORT: a host socket in P-host, ready on return
listen() {
	: >"$T/$1.ready"
	bg host $PY "$T/listen.py" "$2" "$3" "$4" "$T/$1.ready"
	wait_until 10 grep -q ready "$T/$1.ready"
}

listen t4 tcp 4 8081 || bad setup "tcp listener on 0.0.0.0:8081"
listen t6 tcp 6 8082 || bad setup "tcp listener on [::]:8082"
listen u6 udp 6 8083 || bad setup "udp socket on [::]:8083"
for x in "tcp 8081 0.0.0.0" "tcp 8082 [::]" "udp 8083 [::]"; do
	set -- $x
	out=$(hn map add $NET --proto $1 --internal $C1:80 --external-port $2 2>&1)
	check_match "map add $1 $2 refused: a host socket on $3:$2 holds it" \
		"port $2 is in use by a socket of the" "$out"
done
check_cmd "map add tcp 8084 (free) works" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8084

# ---- the dynamic range: the host's own ports are not handed out ----------
listen d1 udp 4 50001 || bad setup "udp socket on 0.0.0.0:50001"
listen d2 tcp 6 50002 || bad setup "tcp listener on [::]:50002"
listen d3 udp 6 50003 || bad setup "udp socket on [::]:50003"
serve inet udp 0.0.0.0 7000 inetudp || bad setup "inet udp echo"
serve inet tcp 0.0.0.0 7001 inettcp || bad setup "inet tcp server"
sleep 2	# the holds are read once a second (dp_tick()); nothing shows them
ext_of() { # PROTO INT_PORT: the external port of c1's session from it
	hn --json session list --proto "$1" |
		jq -r ".[] | select(.internal_port == $2) | .external_port" | head -n 1
}
for x in "udp 50004" "tcp 50005" "udp 50001" "tcp 50002" "udp 50003"; do
	set -- $x
	if [ $1 = udp ]; then
		ns c1 timeout 10 $NT udp-ping $INET 7000 --count 2 --sport $2 >/dev/null 2>&1
	else
		ns c1 timeout 10 $NT tcp-chat $INET 7001 --rounds 2 --sport $2 >/dev/null 2>&1
	fi
	e=$(ext_of $1 $2)
	if [ $2 -ge 50004 ]; then
		check_eq "dynamic range: c1's $1 from $2 (free) keeps its port" $2 "$e"
	else
		check_match "dynamic range: c1's $1 from $2 (a host socket's) gets another port" \
			"^[0-9]+$" "$e"
		check_int "dynamic range: ... not $2" -ne $2 "$e"
	fi
done

# ---- a host with many sockets -------------------------------------------
# 40000 connections opened and closed in a namespace of their own: the
# closing side's sockets stay in TIME_WAIT for 60 s, in the kernel's one
# table of the host's TCP sockets that every look walks
# two connections of the host's from ports of the range (bound there
# explicitly): only a full look finds them (they are no listeners)
cat >"$T/conn.py" <<'PYEOF'
import socket, sys, time
ready = sys.argv[1]
l = socket.socket(); l.bind(("127.0.0.1", 9100)); l.listen(4)
keep = []
for port in (50006, 50010):
    c = socket.socket(); c.bind(("0.0.0.0", port)); c.connect(("127.0.0.1", 9100))
    keep += [c, l.accept()[0]]
open(ready, "w").write("ready\n")
time.sleep(120)
PYEOF
: >"$T/conn.ready"
bg host $PY "$T/conn.py" "$T/conn.ready"
wait_until 10 grep -q ready "$T/conn.ready" || bad setup "host connections from 50006, 50010"
ip netns add "$P-tw" || bad setup "namespace $P-tw"
NSS+=("$P-tw")
ip -n "$P-tw" link set lo up
ip netns exec "$P-tw" sysctl -qw net.ipv4.tcp_max_tw_buckets=200000
cat >"$T/tw.py" <<'PYEOF'
import socket, sys
ls = []
for p in range(3):
    l = socket.socket(); l.bind(("127.0.0.1", 9000 + p)); l.listen(4096)
    ls.append(l)
for i in range(40000):
    c = socket.socket(); c.connect(("127.0.0.1", 9000 + i % 3))
    a, _ = ls[i % 3].accept(); c.close(); a.close()
print("done")
PYEOF
check_match "40000 TIME_WAIT sockets in another namespace" "^done" \
	"$(ip netns exec "$P-tw" timeout 60 $PY "$T/tw.py" 2>&1)"
# hostnatd again, its first full look finding the connections and paying
# for the walk; a tick of wait for each 200 us of CPU it costs (1 ms by
# default), so that it waits on any machine
told() { grep -c "a look at the host's TCP sockets took" "$T/hostnatd.log"; }
n0=$(told)
hn_stop || bad setup "hostnatd stop"
export HOSTNAT_HOLD_BUDGET_US=200
hn_start || bad setup "hostnatd start"
unset HOSTNAT_HOLD_BUDGET_US
if wait_until 10 sh -c "[ \$(grep -c \"a look at the host's TCP sockets took\" $T/hostnatd.log) -gt $n0 ]"; then
	ok "hostnatd looks at the TCP sockets less often: $(grep -o "took [0-9]* ms.*" "$T/hostnatd.log" | tail -n 1)"
else
	bad "hostnatd looks at the TCP sockets less often" "no such line in its log"
fi
# between looks: a TCP listener that comes is found at the next tick, and
# what the last full look found stays held (c1's flows from the host's
# connections' ports a second apart: both at a tick of a full look would
# take a chance of 1 in 36 or less)
listen d8 tcp 6 50008 || bad setup "tcp listener on [::]:50008"
sleep 2
ns c1 timeout 10 $NT tcp-chat $INET 7001 --rounds 2 --sport 50006 >/dev/null 2>&1
sleep 1
ns c1 timeout 10 $NT tcp-chat $INET 7001 --rounds 2 --sport 50010 >/dev/null 2>&1
ns c1 timeout 10 $NT tcp-chat $INET 7001 --rounds 2 --sport 50008 >/dev/null 2>&1
ns c1 timeout 10 $NT udp-ping $INET 7000 --count 2 --sport 50009 >/dev/null 2>&1
for port in 50006 50010; do
	e=$(ext_of tcp $port)
	check_match "many sockets: c1's tcp from $port (a host connection's, held by the last full look) gets another port" \
		"^[0-9]+$" "$e"
	check_int "many sockets: ... not $port" -ne $port "$e"
done
e=$(ext_of tcp 50008)
check_match "many sockets: c1's tcp from 50008 (a listener since) gets another port" \
	"^[0-9]+$" "$e"
check_int "many sockets: ... not 50008" -ne 50008 "$e"
check_eq "many sockets: c1's udp from 50009 (free) keeps its port" 50009 \
	"$(ext_of udp 50009)"
finish
