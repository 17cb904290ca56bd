#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Data integrity: a 4000-byte UDP datagram (fragmented on the 1500-byte
# links) intact both ways; 50 MB byte-identical out, back and in through a
# mapping.
. "$(dirname "$0")/lib.sh"
setup

serve inet udp $INET 7000 echo || bad setup "udp echo in inet"
serve c1 udp 0.0.0.0 7000 c1echo || bad setup "udp echo in c1"
hn map add $NET --proto udp --internal $C1:7000 --external-port 7000 >/dev/null 2>&1 ||
	bad setup "map add udp 7000"

cap_start inet veth0 "$T/frag.pcap" udp or "ip[6:2] & 0x1fff != 0" || bad setup tcpdump
out=$(ns c1 timeout 10 $NT udp-client $INET 7000 --size 4000 2>&1)
check_match "4000-byte udp: c1 -> inet echo, intact both ways" "^echo ok 4000 bytes" "$out"
check_match "4000-byte udp: inet received the datagram whole from $EXT" \
	"^udp $EXT:[0-9]+ len=4000 " "$(cat "$T/echo.log")"
out=$(ns inet timeout 10 $NT udp-client $EXT 7000 --size 4000 2>&1)
check_match "4000-byte udp: inet -> $EXT:7000 -> c1 echo, intact both ways" \
	"^echo ok 4000 bytes" "$out"
check_match "4000-byte udp: c1 received the datagram whole from $INET" \
	"^udp $INET:[0-9]+ len=4000 " "$(cat "$T/c1echo.log")"
cap_stop
nf=$(cap_show "$T/frag.pcap" "ip[6:2] & 0x1fff != 0" | wc -l)
check_int "4000-byte udp: the datagrams crossed the uplink as fragments" -ge 4 "$nf"

# 50 MB, three ways
head -c 50M /dev/urandom >"$T/data"
want=$(sha256sum <"$T/data" | cut -d' ' -f1)

xfer() { # name: receiver ns, listen port, sender ns, sender cmd target
	local name=$1 rns=$2 rport=$3 sns=$4 target=$5 mode=$6 rp got
	rm -f "$T/recv"
	if [ "$mode" = push ]; then
		# the receiver listens and writes what arrives
		bg "$rns" socat -u TCP-LISTEN:$rport,reuseaddr "CREATE:$T/recv"
		rp=$BG_PID
		wait_until 10 listening "$rns" tcp "$rport" || { bad "$name" "receiver did not listen"; return; }
		ns "$sns" timeout 60 socat -u "FILE:$T/data" "TCP:$target" 2>"$T/x.err" ||
			note "sender: $(cat "$T/x.err")"
	else
		# the sender listens, the receiver connects out and reads
		bg "$sns" socat -u "FILE:$T/data" TCP-LISTEN:$rport,reuseaddr
		rp=$BG_PID
		wait_until 10 listening "$sns" tcp "$rport" || { bad "$name" "sender did not listen"; return; }
		ns "$rns" timeout 60 socat -u "TCP:$target" "CREATE:$T/recv" 2>"$T/x.err" ||
			note "receiver: $(cat "$T/x.err")"
	fi
	for _ in $(seq 100); do kill -0 $rp 2>/dev/null || break; sleep 0.1; done
	stop_pid $rp
	got=$(sha256sum <"$T/recv" 2>/dev/null | cut -d' ' -f1)
	check_eq "$name: 50 MB byte-identical (sha256, $(stat -c %s "$T/recv" 2>/dev/null || echo 0) bytes)" \
		"$want" "$got"
}
t0=$SECONDS
xfer "50 MB upload c1 -> inet (outbound connection)" inet 5001 c1 $INET:5001 push
xfer "50 MB download inet -> c1 (outbound connection)" c1 5002 inet $INET:5002 pull
hn map add $NET --proto tcp --internal $C1:5201 --external-port 5201 >/dev/null 2>&1 ||
	bad setup "map add tcp 5201"
xfer "50 MB inbound inet -> $EXT:5201 -> c1 (mapping)" c1 5201 inet $EXT:5201 push
xfer "50 MB inbound c1 -> inet via the mapping's connection (reverse)" inet 5201 c1 $EXT:5201 pull
note "transfers took $((SECONDS - t0)) s"
finish
