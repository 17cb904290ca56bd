#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RFC 4787 behaviour for UDP: endpoint-independent mapping (REQ-1), filtering
# endpoint-independent by default and address-and-port-dependent when set;
# RFC 5382 for TCP: the same external port for one internal socket.
. "$(dirname "$0")/lib.sh"
setup

ip -n $P-inet addr add 198.51.100.3/24 dev veth0
serve inet udp $INET 7000 s1 || bad setup "udp server 1"
serve inet udp $INET 7001 s2 || bad setup "udp server 2"
serve inet udp 198.51.100.3 7000 s3 || bad setup "udp server 3"

# one socket in c1, source port 42000, to three destinations
cap_start inet veth0 "$T/eim.pcap" udp or arp || bad setup tcpdump
cap1=$CAP_PID
cap_start host hn-out "$T/eim-out.pcap" udp || bad setup tcpdump
ns c1 $PY - "$INET" 198.51.100.3 >"$T/eim.out" 2>&1 <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 42000))
s.settimeout(3)
for dst in ((sys.argv[1], 7000), (sys.argv[1], 7001), (sys.argv[2], 7000)):
    s.sendto(b"whoami", dst)
    try:
        print(s.recv(200).decode())
    except socket.timeout:
        print("timeout")
PYEOF
cap_stop
CAP_PID=$cap1
cap_stop
note "$(tr '\n' '|' <<<"$(cat "$T/eim.out")")"
n=$(grep -Eo "saw $EXT:[0-9]+" "$T/eim.out" | sort -u | wc -l)
check_eq "EIM: one internal socket, three destinations -> the same external port" 1 "$n"
if ! check_eq "EIM: all three answered" 3 "$(grep -c "saw $EXT:" "$T/eim.out")"; then
	note "inet veth0: $(cap_show "$T/eim.pcap" | tr '\n' '|')"
	note "host hn-out: $(cap_show "$T/eim-out.pcap" | tr '\n' '|')"
	note "servers: $(cat "$T/s1.log" "$T/s2.log" "$T/s3.log" | tr '\n' '|')"
	note "stats: $(hn --json stats | jq -c '.engine | {pkts_out, pkts_in, drops: (.drops | with_entries(select(.value > 0)))}')"
fi
xport=$(grep -Eo "saw $EXT:[0-9]+" "$T/eim.out" | head -n 1 | cut -d: -f2)

# EIF (default): a packet from a remote c1 never sent to reaches c1's socket
eif_probe() { # XPORT ISPORT RSPORT: c1 listens on ISPORT, 198.51.100.3:RSPORT
	# sends to EXT:XPORT; prints what c1 received
	ns c1 $PY - "$2" >"$T/eif.out" 2>&1 <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(4)
try:
    d, a = s.recvfrom(200)
    print("got %s from %s:%d" % (d.decode(), a[0], a[1]))
except socket.timeout:
    print("nothing")
PYEOF
	local p=$!
	sleep 0.5
	ns inet $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('198.51.100.3', int('$3')))
s.sendto(b'unsolicited', ('$EXT', int('$1')))"
	wait $p
	cat "$T/eif.out"
}
# keep the mapping alive from c1, then probe from a third party
if [[ "$xport" =~ ^[0-9]+$ ]]; then
	out=$(eif_probe "$xport" 42000 9999)
	check_match "EIF (default udp_filtering eif): a third party 198.51.100.3:9999 reaches c1 via $EXT:$xport" \
		"^got unsolicited from 198.51.100.3:9999" "$out"
	check_cmd "network set udp_filtering apdf" hn network set $NET udp_filtering apdf
	# a new mapping (c1's port 42001) after the change; a remote port
	# that never talked to it
	out=$(ns c1 timeout 10 $NT udp-client $INET 7000 --sport 42001 2>&1)
	x2=${out##*:}
	out=$(eif_probe "$x2" 42001 9998)
	check_eq "APDF (udp_filtering apdf): a third party 198.51.100.3:9998 is filtered from $EXT:$x2" nothing "$out"
	out=$(ns c1 timeout 10 $NT udp-client $INET 7000 --sport 42001 2>&1)
	check_match "APDF: the remote c1 talks to still answers" "saw $EXT:$x2$" "$out"
else
	bad "EIF" "no external port learnt"
fi

# TCP: two connections from one source port (SO_REUSEADDR, one after the
# other) to two servers keep the same external port (RFC 5382 REQ-1)
serve inet tcp $INET 80 w1 || bad setup "tcp server 1"
serve inet tcp 198.51.100.3 80 w2 || bad setup "tcp server 2"
cap_start inet veth0 "$T/tcp-inet.pcap" tcp || bad setup tcpdump
cap1=$CAP_PID
cap_start c1 eth0 "$T/tcp-c1.pcap" tcp || bad setup tcpdump
a=$(ns c1 timeout 10 $NT tcp-client $INET 80 --sport 43000 2>&1)
b=$(ns c1 timeout 10 $NT tcp-client 198.51.100.3 80 --sport 43000 2>&1)
cap_stop
CAP_PID=$cap1
cap_stop
note "tcp: $a | $b"
if ! check_eq "TCP EIM: one source port, two servers -> the same external port" \
	"${a##*:}" "${b##*:}"; then
	note "c1 eth0: $(cap_show "$T/tcp-c1.pcap" | tr '\n' '|')"
	note "inet veth0: $(cap_show "$T/tcp-inet.pcap" | tr '\n' '|')"
	note "sessions: $(hn session list | tr '\n' '|')"
	note "stats: $(hn --json stats | jq -c '.engine | {pkts_out, pkts_in, drops: (.drops | with_entries(select(.value > 0)))}')"
fi
finish
