#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Nothing reaches an endpoint from outside but its mapped ports and the
# answers to its own flows. Attackers: inet, a neighbour on the uplink's
# LAN that routes 172.16.0.0/16 via the host's address $EXT, and "side",
# on another interface of the host that is no network's bridge, routing
# 172.16.0.0/16 the same way. They send UDP, TCP SYNs and pings straight
# to c1's internal address while hostnatd runs (counted as "to_internal"),
# after kill -9, after a start that fails on a corrupt state.json, and
# during a restart. c1 runs a UDP and a TCP server and a capture.
. "$(dirname "$0")/lib.sh"
setup

SIDE_HOST=192.0.2.1
side_add side sd0 $SIDE_HOST/24 192.0.2.2/24 || bad setup "side namespace"
ip -n $P-side route add 172.16.0.0/16 via $SIDE_HOST
ip -n $P-inet route add 172.16.0.0/16 via $EXT
serve c1 udp 0.0.0.0 7000 c1udp || bad setup "c1 udp server"
serve c1 tcp 0.0.0.0 80 c1tcp || bad setup "c1 tcp server"
ATTACK="src host $INET or src net 192.0.2.0/24"

# probe NS: UDP, a TCP SYN and pings from NS straight to c1
probe() {
	ns "$1" timeout 5 $NT udp-client $C1 7000 --timeout 1 >/dev/null 2>&1
	ns "$1" timeout 5 $NT tcp-client $C1 80 --timeout 1 >/dev/null 2>&1
	ns "$1" ping -c 2 -i 0.2 -W 1 $C1 >/dev/null 2>&1
}

# expect_nothing LABEL PCAP: c1 received nothing from the attackers
expect_nothing() {
	local pk
	pk=$(cap_show "$2" "($ATTACK) and not arp")
	check_none "$1: nothing from inet or side reached c1's eth0 (udp, tcp syn, ping)" "$pk"
	check_none "$1: c1's servers saw nothing" "$(cat "$T/c1udp.log" "$T/c1tcp.log")"
}

# phase LABEL: truncate the logs, capture on c1 and on up0/sd0, probe
# from inet and side at the same time, check
phase() {
	local label=$1 p1 p2
	: >"$T/c1udp.log"
	: >"$T/c1tcp.log"
	cap_start c1 eth0 "$T/$label.c1.pcap" || bad setup tcpdump
	local c1cap=$CAP_PID
	cap_start host up0 "$T/$label.up0.pcap" dst host $C1 || bad setup tcpdump
	local upcap=$CAP_PID
	cap_start host sd0 "$T/$label.sd0.pcap" dst host $C1 || bad setup tcpdump
	probe inet &
	p1=$!
	probe side &
	p2=$!
	wait $p1 $p2
	cap_stop
	CAP_PID=$upcap
	cap_stop
	CAP_PID=$c1cap
	cap_stop
	# control: the probes did reach the host (the test is meaningful)
	check_match "$label: control: inet's probes arrive at the host's up0" \
		"IP $INET.* > $C1" "$(cap_show "$T/$label.up0.pcap")"
	check_match "$label: control: side's probes arrive at the host's sd0" \
		"IP 192\.0\.2\.2.* > $C1" "$(cap_show "$T/$label.sd0.pcap")"
	expect_nothing "$label" "$T/$label.c1.pcap"
}

# control: the servers answer from the same bridge
check_match "control: c2 reaches c1's udp server on the bridge" "^c1udp saw $C2:" \
	"$(ns c2 timeout 5 $NT udp-client $C1 7000 2>&1)"

before=$(drops to_internal)
phase running
check_drop_grew "running: the drops are counted as to_internal" to_internal "$before"

hn_kill9
phase "after-kill-9"

corrupt_state
if hn_start; then
	note "hostnatd started on a corrupt state.json"
else
	note "hostnatd refused the corrupt state.json (expected)"
fi
phase "after-failed-start"
[ -n "$HN_PID" ] && hn_kill9
restore_state
hn_start || { bad "start on the restored state" "hostnatd did not start"; finish; }

# during a restart: a bounded flood (UDP 1/ms, pings 100/s, SYNs) from inet
# while hostnatd stops and starts again
: >"$T/c1udp.log"
: >"$T/c1tcp.log"
cap_start c1 eth0 "$T/restart.c1.pcap" || bad setup tcpdump
stream_start inet $C1 7000 6000
ns inet ping -c 400 -i 0.01 -W 1 $C1 >/dev/null 2>&1 &
pingpid=$!
# 50 SYNs at once, retransmitted by the kernel for 3 s
ns inet timeout 8 $NT conc $C1 80 50 --timeout 3 >/dev/null 2>&1 &
synpid=$!
stream_more 300
hn_stop
stream_more 300
hn_start || bad "restart: hostnatd starts again" "it did not"
stream_more 500
stream_stop
wait $pingpid $synpid
cap_stop
note "restart: the stream sent $(stream_sent) datagrams"
expect_nothing "during-restart" "$T/restart.c1.pcap"

# controls: what must pass does, after all that
serve inet tcp $INET 80 web || bad setup "web server"
check_match "control: c1 reaches inet (its own flow's answers arrive)" "^web saw $EXT:" \
	"$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)"
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null 2>&1 ||
	bad setup "map add"
check_match "control: the mapped port $EXT:8080 reaches c1" "^c1tcp saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"
finish
