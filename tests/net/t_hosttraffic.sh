#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The host's own traffic is left alone, with hostnatd running and after
# kill -9: the host receives fragmented UDP datagrams, pings with an ICMP
# id in hostnat's dynamic range 49152-65535, receives ICMP errors (port
# unreachable on a connected UDP socket, "fragmentation needed" for path
# MTU discovery), keeps its own source ports of that range, and serves on
# ports it bound in that range (UDP $EXT:50000, TCP 0.0.0.0:50001).
# The same checks run first before hostnatd ever ran: they hold there.
. "$(dirname "$0")/lib.sh"
topo_up || { bad setup "could not build the namespace topology"; exit 1; }

serve inet udp $INET 7000 echo || bad setup "inet udp server"
serve inet tcp $INET 80 web || bad setup "web server"
serve host udp $EXT 50000 hostudp || bad setup "host udp server on 50000"
serve host tcp 0.0.0.0 50001 hosttcp || bad setup "host tcp server on 50001"
serve host udp 0.0.0.0 7001 hostudp7 || bad setup "host udp server on 7001"
fw_allow udp 50000
fw_allow tcp 50001
fw_allow udp 7001
# host_checks LABEL FAR: every check, with a far address of its own (a
# path MTU learnt in one phase does not carry into the next)
host_checks() {
	local l=$1 far=$2 out id
	check_match "$l: fragmented UDP (4000 bytes) from inet to the host's port 7001, echoed" \
		"^echo ok 4000 bytes" "$(ns inet timeout 5 $NT udp-client $EXT 7001 --size 4000 --timeout 2 2>&1)"
	check_match "$l: fragmented UDP (4000 bytes) from inet to the host's port 50000, echoed" \
		"^echo ok 4000 bytes" "$(ns inet timeout 5 $NT udp-client $EXT 50000 --size 4000 --timeout 2 2>&1)"
	check_match "$l: the host serves UDP on $EXT:50000" "^hostudp saw $INET:" \
		"$(ns inet timeout 5 $NT udp-client $EXT 50000 --timeout 2 2>&1)"
	check_match "$l: the host serves TCP on 0.0.0.0:50001" "^hosttcp saw $INET:" \
		"$(ns inet curl -sS --max-time 3 http://$EXT:50001/ 2>&1)"
	for id in 50000 65000; do
		cap_start host up0 "$T/$l.ping$id.pcap" icmp || bad setup tcpdump
		out=$(ns host ping -c 2 -i 0.2 -W 1 -e $id $INET 2>&1)
		cap_stop
		check_match "$l: control: the host's ping carries ICMP id $id" "echo request, id $id," \
			"$(cap_show "$T/$l.ping$id.pcap")"
		check_match "$l: the host pings inet with ICMP id $id" " 2 received" "$out"
	done
	check_match "$l: the host's UDP from source port 50030 keeps its port" "^echo saw $EXT:50030\$" \
		"$(ns host timeout 5 $NT udp-client $INET 7000 --sport 50030 --timeout 2 2>&1)"
	check_match "$l: the host's TCP from source port 50031 keeps its port" "^web saw $EXT:50031\$" \
		"$(ns host timeout 5 $NT tcp-client $INET 80 --sport 50031 --timeout 2 2>&1)"
	check_eq "$l: port unreachable reaches the host (connected UDP from 50010: refused)" refused \
		"$(ns host timeout 5 $NT udp-client $INET 9 --sport 50010 --timeout 2 2>&1)"
	check_eq "$l: port unreachable reaches the host (connected UDP from 40010: refused)" refused \
		"$(ns host timeout 5 $NT udp-client $INET 9 --sport 40010 --timeout 2 2>&1)"
	out=$(ns host timeout 10 $NT pmtu $far 9 --size 1400 --sport 50020 --timeout 3 2>&1)
	check_match "$l: fragmentation needed reaches the host (path MTU to $far: 1280)" "^mtu 1280" "$out" ||
		note "$l: route to $far: $(ip -n $P-host route get $far 2>&1 | tr '\n' ' ')"
	out=$(ns host timeout 10 $NT pmtu ${far%.*}.$((${far##*.} + 100)) 9 --size 1400 --timeout 3 2>&1)
	check_match "$l: fragmentation needed reaches the host (ephemeral source port)" "^mtu 1280" "$out"
	check_match "$l: ip route get shows the path MTU learnt" "mtu 1280" \
		"$(ip -n $P-host route get $far 2>&1)"
}

# a smaller MTU on inet's far link: the host learns it from inet's ICMP
ip -n $P-inet link set d0 mtu 1280
# NAT state that owns ports: a mapping and c1's flows
host_checks "no-hostnatd-yet" 203.0.113.3
net_up || { bad setup "could not start hostnatd and add network $NET"; finish; }
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null 2>&1 ||
	bad setup "map add"
ns c1 timeout 5 $NT udp-client $INET 7000 >/dev/null 2>&1
ns c1 ping -c 1 -W 1 $INET >/dev/null 2>&1

host_checks running 203.0.113.1
check_match "control: the mapping still works" "^c1web saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"
hn_kill9
host_checks "after-kill-9" 203.0.113.2
finish
