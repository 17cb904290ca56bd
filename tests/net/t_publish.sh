#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The publishing options users reach for with Docker and Podman:
#  - a port range as one mapping (-p 8000-8003:8000-8003): one object, one
#    line in map list, every port reached; refused whole when any port of
#    it is mapped already or held by a socket of the host;
#  - a mapping for the host only (--external-address 127.0.0.1, Docker's
#    -p 127.0.0.1:8080:80): the host reaches it on 127.0.0.1, nothing from
#    outside reaches the endpoint (watched on the endpoint's wire);
#  - every mapping reached by the host through 127.0.0.1, its gateway
#    address and its external address (curl localhost:8081);
#  - a --remote mapping admits the host when the host's address is in it.
. "$(dirname "$0")/lib.sh"
setup

GW=172.16.0.1
for p in 8000 8001 8002 8003; do
	serve c1 tcp 0.0.0.0 $p c1web$p || bad setup "c1 web server on $p"
done
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server on 80"
serve c1 tcp 0.0.0.0 81 c1web81 || bad setup "c1 web server on 81"
serve c1 udp 0.0.0.0 5353 c1udp || bad setup "c1 udp server"

# ---- port ranges -----------------------------------------------------------
check_cmd "map add tcp 8000-8003 -> c1:8000-8003 (one range)" \
	hn map add $NET --proto tcp --internal $C1:8000-8003 \
	--external-port 8000-8003
ml=$(hn --json map list 2>&1)
check_eq "map list --json: the range is one object 8000-8003 -> 8000-8003" \
	"1 8000-8003 8000-8003" \
	"$(jq -r '[length, ([.[0].external_port, .[0].external_port_end] | join("-")), ([.[0].internal_port, .[0].internal_port_end] | join("-"))] | join(" ")' <<<"$ml" 2>&1)"
check_eq "map list: the range is one line" 1 \
	"$(hn map list $NET | grep -c "8000-8003")"
for p in 8000 8001 8002 8003; do
	out=$(ns inet curl -sS --max-time 5 http://$EXT:$p/ 2>&1)
	check_match "range: inet reaches c1:$p via $EXT:$p, c1 sees $INET" \
		"^c1web$p saw $INET:" "$out"
done
# refused whole: 8003 is in the range already
out=$(hn map add $NET --proto tcp --internal $C1:9003-9004 \
	--external-port 8003-8004 2>&1)
check_match "a range over a mapped port is refused, naming it" \
	"port 8003 .*already" "$out"
check_eq "refused whole: 8004 was not mapped" 0 \
	"$(hn --json map list | jq '[.[] | select(.external_port <= 8004 and .external_port_end >= 8004)] | length')"
# refused whole: a socket of the host holds 9101
bg host $NT tcp-server 0.0.0.0 9101 "$T/hostsock.log" --name hostsock
wait_until 10 listening host tcp 9101 || bad setup "host listener on 9101"
out=$(hn map add $NET --proto tcp --internal $C1:9100-9102 \
	--external-port 9100-9102 2>&1)
check_match "a range over a host socket's port is refused, naming it" \
	"port 9101 is in use by a socket of the host" "$out"
check_eq "refused whole: nothing of 9100-9102 was mapped" 0 \
	"$(hn --json map list | jq '[.[] | select(.external_port >= 9100 and .external_port <= 9102)] | length')"
out=$(hn map add $NET --proto tcp --internal $C1:80 --external-port 9200-9201 2>&1)
check_match "ranges of different lengths are refused" "same length" "$out"
out=$(hn map add $NET --proto tcp --internal $C1:80-81 2>&1)
check_match "an internal range without external ports is refused" \
	"external-port" "$out"
out=$(hn map del $NET --proto tcp --external-port 8001-8002 2>&1)
check_match "map del of part of a range is refused, naming the range" \
	"8000-8003" "$out"

# ---- the host only: 127.0.0.1 ------------------------------------------------
check_cmd "map add tcp 127.0.0.1:8080 -> c1:80 (for the host only)" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 \
	--external-address 127.0.0.1
out=$(hn map add $NET --proto tcp --internal $C1:80 --external-port 8090 \
	--external-address 127.0.0.2 2>&1)
check_match "another loopback address is refused" "127.0.0.1" "$out"
cap_start c1 eth0 "$T/c1.pcap" tcp port 80 || bad setup "capture in c1"
out=$(ns host curl -sS --max-time 5 http://127.0.0.1:8080/ 2>&1)
check_match "host only: the host reaches c1:80 via 127.0.0.1:8080" \
	"^c1web saw " "$out"
note "host -> 127.0.0.1:8080: $out"
out=$(ns inet curl -sS --max-time 3 http://$EXT:8080/ 2>&1)
check_nomatch "host only: inet does not reach c1 via $EXT:8080" "c1web" "$out"
out=$(ns inet curl -sS --max-time 3 http://127.0.0.1:8080/ 2>&1)
check_nomatch "host only: inet's own 127.0.0.1:8080 is not ours" "c1web" "$out"
# a neighbour on the uplink that sends to 127.0.0.1:8080 at the host's MAC
ns inet ip route add 127.0.0.99/32 via $EXT dev veth0 onlink 2>/dev/null
out=$(ns inet curl -sS --max-time 3 http://127.0.0.99:8080/ 2>&1)
check_nomatch "host only: a neighbour's packets to 127.0.0.99 do not reach c1" \
	"c1web" "$out"
CAP=$CAP_PID
CAP_PID=$CAP cap_stop
check_eq "host only: on c1's wire, nothing came from $INET" 0 \
	"$(cap_show "$T/c1.pcap" "src host $INET" | grep -c .)"
check_int "host only: on c1's wire, the host's connection came" -ge 1 \
	"$(cap_show "$T/c1.pcap" "tcp[tcpflags] & tcp-syn != 0 and dst port 80" | grep -c .)"
check_cmd "map del the host-only mapping" \
	hn map del $NET --proto tcp --external-port 8080 \
	--external-address 127.0.0.1

# ---- every mapping, through the host's own addresses -----------------------
check_cmd "map add tcp 8081 -> c1:81" \
	hn map add $NET --proto tcp --internal $C1:81 --external-port 8081
check_cmd "map add udp 5353 -> c1:5353" \
	hn map add $NET --proto udp --internal $C1:5353 --external-port 5353
for a in 127.0.0.1 $GW $EXT; do
	out=$(ns host curl -sS --max-time 5 http://$a:8081/ 2>&1)
	check_match "host: curl $a:8081 reaches c1:81" "^c1web81 saw " "$out"
done
out=$(ns host curl -sS --max-time 5 http://localhost:8081/ 2>&1)
check_match "host: curl localhost:8081 reaches c1:81" "^c1web81 saw " "$out"
out=$(ns host timeout 10 $NT udp-client 127.0.0.1 5353 2>&1)
check_match "host: udp to 127.0.0.1:5353 reaches c1 and is answered" \
	"^c1udp saw " "$out"
# many connections in a row: each answered (no state left in the way)
n=0
for i in 1 2 3 4 5 6 7 8; do
	ns host curl -sS --max-time 5 http://127.0.0.1:8081/ 2>/dev/null |
		grep -q "^c1web81 saw " && n=$((n + 1))
done
check_eq "host: 8 connections in a row through 127.0.0.1:8081" 8 "$n"
out=$(ns inet curl -sS --max-time 5 http://$EXT:8081/ 2>&1)
check_match "outside still reaches c1:81 via $EXT:8081" "^c1web81 saw $INET:" \
	"$out"
# a port no mapping publishes stays the host's
bg host $NT tcp-server 127.0.0.1 9300 "$T/host9300.log" --name host9300
wait_until 10 listening host tcp 9300 || bad setup "host listener on 9300"
out=$(ns host curl -sS --max-time 5 http://127.0.0.1:9300/ 2>&1)
check_match "host: its own service on 127.0.0.1:9300 is untouched" \
	"^host9300 saw 127.0.0.1:" "$out"
out=$(hn map add $NET --proto tcp --internal $C1:80 --external-port 9300 2>&1)
check_match "a mapping on a port a socket holds on 127.0.0.1 is refused" \
	"port 9300 is in use by a socket of the host" "$out"

# ---- --remote admits the host when its address is inside ---------------------
check_cmd "map add tcp 8082 -> c1:80 --remote $EXT/32" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8082 \
	--remote $EXT/32
out=$(ns host curl -sS --max-time 5 http://$EXT:8082/ 2>&1)
check_match "--remote $EXT/32: the host is admitted" "^c1web saw " "$out"
out=$(ns host curl -sS --max-time 5 http://127.0.0.1:8082/ 2>&1)
check_match "--remote $EXT/32: the host through 127.0.0.1 is admitted" \
	"^c1web saw " "$out"
out=$(ns inet curl -sS --max-time 3 http://$EXT:8082/ 2>&1)
check_nomatch "--remote $EXT/32: inet ($INET) is not" "c1web" "$out"
check_cmd "map add tcp 8083 -> c1:80 --remote 203.0.113.0/24" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8083 \
	--remote 203.0.113.0/24
out=$(ns host curl -sS --max-time 3 http://127.0.0.1:8083/ 2>&1)
check_nomatch "--remote 203.0.113.0/24: the host is not inside, not admitted" \
	"c1web" "$out"

# ---- the state survives a restart ------------------------------------------
hn_stop
hn_start || bad setup "hostnatd restart"
check_eq "after a restart: the range is still one mapping" "8000-8003" \
	"$(hn --json map list | jq -r '.[] | select(.external_port == 8000) | "\(.external_port)-\(.external_port_end)"')"
out=$(ns inet curl -sS --max-time 5 http://$EXT:8002/ 2>&1)
check_match "after a restart: inet reaches c1:8002 via the range" \
	"^c1web8002 saw $INET:" "$out"
out=$(ns host curl -sS --max-time 5 http://127.0.0.1:8081/ 2>&1)
check_match "after a restart: the host reaches 127.0.0.1:8081" \
	"^c1web81 saw " "$out"
check_cmd "map del the range whole" \
	hn map del $NET --proto tcp --external-port 8000-8003
out=$(ns inet curl -sS --max-time 3 http://$EXT:8001/ 2>&1)
check_nomatch "after map del: inet no longer reaches c1:8001" "c1web" "$out"
finish
