#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Networks are isolated by default, every protocol alike: between c1
# (net1, br0) and c3 (net2, br1) UDP, TCP and ping are dropped both ways,
# counted as "isolated". With isolation off on both networks all three
# work both ways, answers included, and each side sees the other's real
# address (nothing is translated between internal networks).
. "$(dirname "$0")/lib.sh"
setup
net2_up || { bad setup "network $NET2 with c3"; finish; }

serve c1 udp 0.0.0.0 7000 c1udp || bad setup "c1 udp server"
serve c1 tcp 0.0.0.0 80 c1tcp || bad setup "c1 tcp server"
serve c3 udp 0.0.0.0 7000 c3udp || bad setup "c3 udp server"
serve c3 tcp 0.0.0.0 80 c3tcp || bad setup "c3 tcp server"
serve inet tcp $INET 80 web || bad setup "web server"
check_match "control: c3 (net2) reaches inet through the NAT" "^web saw $EXT:" \
	"$(ns c3 curl -sS --max-time 5 http://$INET/ 2>&1)"

# try FROM TO TOADDR: udp, tcp, ping from FROM to TO; results in U T I
try() {
	U=$(ns "$1" timeout 5 $NT udp-client "$3" 7000 --timeout 1 2>&1)
	T_=$(ns "$1" timeout 5 $NT tcp-client "$3" 80 --timeout 1 2>&1)
	I=$(ns "$1" ping -c 2 -i 0.2 -W 1 "$3" 2>&1 | grep -Eo '[0-9]+ received')
}

isolated() { # FROM TO TOADDR
	local lf=$T/${2}udp.log lt=$T/${2}tcp.log
	: >"$lf"
	: >"$lt"
	cap_start "$2" eth0 "$T/iso.$1.pcap" "ip and not ip multicast and not src host $3" ||
		bad setup tcpdump
	try "$1" "$2" "$3"
	cap_stop
	check_nomatch "isolated: udp $1 -> $2 gets no answer" "saw" "$U"
	check_nomatch "isolated: tcp $1 -> $2 gets no answer" "saw" "$T_"
	check_eq "isolated: ping $1 -> $2 gets no reply" "0 received" "$I"
	check_none "isolated: $2 received nothing from $1 (capture on its eth0)" \
		"$(cap_show "$T/iso.$1.pcap")"
	check_none "isolated: $2's servers saw nothing" "$(cat "$lf" "$lt")"
}

before=$(drops isolated)
isolated c1 c3 $C3
isolated c3 c1 $C1
check_drop_grew "the drops between networks are counted as isolated" isolated "$before"

check_cmd "network set $NET isolation off" hn network set $NET isolation off
# one side off is not enough
: >"$T/c3udp.log"
U=$(ns c1 timeout 5 $NT udp-client $C3 7000 --timeout 1 2>&1)
check_nomatch "isolation off on $NET only: udp c1 -> c3 still dropped" "saw" "$U"
check_cmd "network set $NET2 isolation off" hn network set $NET2 isolation off

open_() { # FROM FROMADDR TO TOADDR
	try "$1" "$3" "$4"
	check_match "isolation off: udp $1 -> $3, answered, $3 sees $2" "^${3}udp saw $2:" "$U"
	check_match "isolation off: tcp $1 -> $3, answered, $3 sees $2" "^${3}tcp saw $2:" "$T_"
	check_eq "isolation off: ping $1 -> $3 answered" "2 received" "$I"
}
open_ c1 $C1 c3 $C3
open_ c3 $C3 c1 $C1
check_nomatch "isolation off: no server saw $EXT (no translation between networks)" \
	"$EXT" "$(cat "$T/c1udp.log" "$T/c1tcp.log" "$T/c3udp.log" "$T/c3tcp.log")"
finish
