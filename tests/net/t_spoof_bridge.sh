#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Source validation per bridge, and sources bound to MAC addresses.
# c3, on net2's bridge br1 (10.88.0.0/24), sends with a source in net1's
# prefix (172.16.9.9): nothing leaves the uplink, translated or not, and
# nothing reaches net1; counted as "spoofed_source". An endpoint e1 gets
# its address from `endpoint add`; c2, on the same bridge, configures that
# address too and sends with it: dropped (spoofed_source), while e1 keeps
# working; an address c2 uses and then given to e2 by `endpoint add
# --address` stops passing at once; with source_binding off on net1, c2's
# packets pass.
. "$(dirname "$0")/lib.sh"
setup
net2_up || { bad setup "network $NET2 with c3"; finish; }

serve inet udp $INET 7000 echo || bad setup "udp server"
serve inet tcp $INET 80 web || bad setup "web server"
serve c1 udp 0.0.0.0 7000 c1udp || bad setup "c1 udp server"
SP=172.16.9.9
OUT="udp port 7000 or tcp port 80 or icmp"

# ---- net1's prefix from net2's bridge ------------------------------------
check_match "control: c3 reaches inet with its own address" "^echo saw $EXT:" \
	"$(ns c3 timeout 5 $NT udp-client $INET 7000 2>&1)"
ip -n $P-c3 addr add $SP/32 dev eth0
before=$(drops spoofed_source)
: >"$T/echo.log"
: >"$T/web.log"
: >"$T/c1udp.log"
cap_start inet veth0 "$T/inet.pcap" "$OUT" || bad setup tcpdump
cap1=$CAP_PID
cap_start c3 eth0 "$T/br1.pcap" src host $SP || bad setup tcpdump
ns c3 timeout 5 $NT udp-client $INET 7000 --src $SP --timeout 1 >"$T/u.out" 2>&1
ns c3 timeout 10 $NT udp-stream $INET 7000 --count 50 --src $SP >/dev/null 2>&1
ns c3 ping -c 2 -i 0.2 -W 1 -I $SP $INET >/dev/null 2>&1
ns c3 curl -s --max-time 2 --interface $SP http://$INET/ >/dev/null 2>&1
ns c3 timeout 5 $NT udp-client $C1 7000 --src $SP --timeout 1 >"$T/u1.out" 2>&1
cap_stop
CAP_PID=$cap1
cap_stop
check_match "control: c3 did send from $SP (seen on its eth0)" "IP $SP" \
	"$(cap_show "$T/br1.pcap")"
check_none "c3 as $SP: nothing reached inet, translated or not" \
	"$(cap_show "$T/inet.pcap")"
check_none "c3 as $SP: inet's servers saw nothing" "$(cat "$T/echo.log" "$T/web.log")"
check_none "c3 as $SP: nothing reached c1 in net1" "$(cat "$T/c1udp.log")"
check_drop_grew "c3 as $SP: counted as spoofed_source" spoofed_source "$before"
ip -n $P-c3 addr del $SP/32 dev eth0

# ---- an address bound to its endpoint's MAC ------------------------------
ip netns add "$P-e1" || { bad setup "ip netns add $P-e1"; finish; }
NSS+=("$P-e1")
hn endpoint add $NET --netns $P-e1 >"$T/ep.out" 2>&1 ||
	{ bad setup "endpoint add: $(cat "$T/ep.out")"; finish; }
A=$(ip -n $P-e1 -4 -o addr show dev eth0 | awk '{print $4}')
A=${A%/*}
M1=$(ip -n $P-e1 -o link show dev eth0 | grep -Eo 'link/ether [0-9a-f:]+' | awk '{print $2}')
M2=$(ip -n $P-c2 -o link show dev eth0 | grep -Eo 'link/ether [0-9a-f:]+' | awk '{print $2}')
note "e1 holds $A at $M1; c2 ($M2) takes it too"
check_match "control: e1 ($A) reaches inet" "^echo saw $EXT:" \
	"$(ns e1 timeout 5 $NT udp-client $INET 7000 2>&1)"
# c2 configures e1's address (on lo, with ARP kept quiet: the check is of
# IP sources, not of ARP) and sends with it
ip -n $P-c2 addr add $A/32 dev lo
ns c2 sysctl -qw net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2

# spoof LABEL: c2 streams 50 datagrams from $A:42424; capture on inet
spoof() {
	cap_start inet veth0 "$T/$1.pcap" "udp dst port 7000" || bad setup tcpdump
	local c=$CAP_PID
	cap_start c2 eth0 "$T/$1.br0.pcap" -e src host $A and ether src $M2 || bad setup tcpdump
	ns c2 timeout 10 $NT udp-stream $INET 7000 --count 50 --src $A --sport 42424 >/dev/null 2>&1
	cap_stop
	CAP_PID=$c
	cap_stop
	check_match "$1: control: c2 sent as $A from its MAC $M2 (seen on its eth0)" "IP $A\.42424 >" \
		"$(cap_show "$T/$1.br0.pcap")"
}

before=$(drops spoofed_source)
spoof binding-on
check_none "source_binding on: nothing of c2's (as $A) reached inet" \
	"$(cap_show "$T/binding-on.pcap")"
check_drop_grew "source_binding on: c2's packets counted as spoofed_source" spoofed_source "$before"
check_match "source_binding on: e1, the owner of $A, still reaches inet (udp)" "^echo saw $EXT:" \
	"$(ns e1 timeout 5 $NT udp-client $INET 7000 2>&1)"
check_match "source_binding on: e1 still reaches inet (tcp)" "^web saw $EXT:" \
	"$(ns e1 curl -sS --max-time 5 http://$INET/ 2>&1)"

# ---- an address bound while another endpoint uses it ---------------------
# c2 streams from B, an address nobody holds (its port takes it), a
# datagram every 5 ms that waits for no answer; e2 is then given B by
# `endpoint add`: nothing of c2's reaches inet later than 40 ms after it
# returns (the programs keep a source's pass for up to a second unless the
# daemon's new binding says otherwise), three times, each with a new address
# (c2's port holds C2, A's attempts aside, and each B for 60 s: room for
# them all)
check_cmd "network set $NET endpoint_addresses 8" hn network set $NET endpoint_addresses 8
B0=172.16.7
late=
before_b=
sent_b=
for r in 1 2 3; do
	B=$B0.$r
	ip -n $P-c2 addr add $B/32 dev lo
	: >"$T/echo.log"
	cap_start inet veth0 "$T/bind$r.pcap" "udp dst port 7000" || bad setup tcpdump
	c=$CAP_PID
	cap_start c2 eth0 "$T/bind$r.c2.pcap" udp and src host $B || bad setup tcpdump
	bg c2 $NT udp-ping $INET 7000 --src $B --sport $((41500 + r)) --count 1000 \
		--interval-ms 5 --timeout 0.01
	pinger=$BG_PID
	wait_until 10 grep -q "^udp " "$T/echo.log" || bad setup "c2 from $B reached nobody"
	ip netns add "$P-e2$r" || { bad setup "ip netns add $P-e2$r"; finish; }
	NSS+=("$P-e2$r")
	hn endpoint add $NET --netns "$P-e2$r" --address $B >"$T/ep2.out" 2>&1 ||
		bad setup "endpoint add --address $B: $(cat "$T/ep2.out")"
	t_add=$(date +%s.%N)
	sleep 0.5
	cap_stop
	CAP_PID=$c
	cap_stop
	stop_pid "$pinger"
	before_b+="$(cap_show "$T/bind$r.pcap" -tt | awk -v t="$t_add" '$1 <= t' | wc -l | awk '{print ($1 > 0)}') "
	# c2 went on sending (at least 20 in the 0.46 s after the 40 ms)
	sent_b+="$(cap_show "$T/bind$r.c2.pcap" -tt | awk -v t="$t_add" '$1 > t + 0.04' | wc -l | awk '{print ($1 >= 20)}') "
	late+="$(cap_show "$T/bind$r.pcap" -tt | awk -v t="$t_add" '$1 > t + 0.04' | wc -l) "
done
check_eq "bound meanwhile: control: c2's datagrams from the free address reached inet first (3 times)" \
	"1 1 1 " "$before_b"
check_eq "bound meanwhile: control: c2 went on sending from it after (>= 20, seen on its eth0, 3 times)" \
	"1 1 1 " "$sent_b"
check_eq "bound meanwhile: nothing of c2's reaches inet 40 ms after e2 is given its address (3 times)" \
	"0 0 0 " "$late"

check_cmd "network set $NET source_binding off" hn network set $NET source_binding off
spoof binding-off
check_int "source_binding off: c2's datagrams as $A reach inet (of 50)" -ge 25 \
	"$(cap_count "$T/binding-off.pcap" src host $EXT)"
finish
