#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path and the path beyond the uplink: a router mid with a
# 1280-byte link between inet and a server far (every other link 1500):
#
#   c1 -- host (NAT) -- inet --[1280]-- mid -- far 192.0.2.2
#
# 50 MiB each way, outbound and through a mapping, arrive byte for byte
# (sha256) with the fast path carrying them: the endpoint's GSO
# super-packets meet the 1280 hop, mid's "fragmentation needed" comes back
# translated and PMTUD settles (c1 holds MTU 1280 for far); ICMP errors
# about a fast-path UDP flow (fragmentation needed from a router, port
# unreachable from far) reach c1 translated back, the quote with c1's own
# addresses (its socket takes them); one quoting a remote the session does
# not have reaches nobody; TTL 1, 2, 3 and 4 on the very tuple of a
# fast-path UDP flow, and traceroute -U and -I beside it, are answered by
# the gateway, inet, mid and far. A route to far made a blackhole on the
# host under a fast-path flow stops it (the programs' kept next hops are
# dropped), and the flow is back on the fast path once it is deleted.
. "$(dirname "$0")/lib.sh"
setup

FARH=192.0.2.2		# the server behind mid
MID=203.0.113.1		# mid's address on the 1280 link

# ---- the path: inet --1280-- mid -- far ------------------------------------
ns_add mid && ns_add far || { bad setup "namespaces mid, far"; exit 1; }
ip -n "$P-inet" link set d0p netns "$P-mid"
ip -n "$P-inet" link set d0 mtu 1280
ip -n "$P-mid" link set d0p mtu 1280
ip -n "$P-mid" addr add $MID/24 dev d0p
ip -n "$P-mid" link set d0p up
ip -n "$P-mid" route add default via 203.0.113.254
ip link add m0 netns "$P-mid" type veth peer name eth0 netns "$P-far"
ip -n "$P-mid" addr add 192.0.2.1/24 dev m0
ip -n "$P-mid" link set m0 up
ip -n "$P-far" addr add $FARH/24 dev eth0
ip -n "$P-far" link set eth0 up
ip -n "$P-far" route add default via 192.0.2.1
ns mid sysctl -qw net.ipv4.ip_forward=1
ip -n "$P-inet" route add 192.0.2.0/24 via $MID
wait_until 10 ns c1 ping -c 1 -W 1 $FARH || bad setup "c1 cannot ping $FARH"

fast() { # out|in: the fast path's bytes that way
	hn --json stats | jq -r ".fast_path.${1}_bytes // 0"
}
fastpk() { # out|in: the fast path's packets that way
	hn --json stats | jq -r ".fast_path.${1}_packets // 0"
}
route_mtu() { # NS DST: the MTU the namespace holds for DST (empty: none)
	ns "$1" ip route get "$2" | sed -n 's/.* mtu \([0-9]*\).*/\1/p' | head -n 1
}
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }
ext_port() { # PROTO INT_PORT
	hn --json session list --proto "$1" |
		jq -r ".[] | select(.internal_port == $2) | .external_port" | head -n 1
}

MIB=$((1024 * 1024))
MIB40=$((40 * MIB))
head -c $((50 * MIB)) /dev/urandom >"$T/blob"
SUM=$(sha256sum <"$T/blob" | cut -d' ' -f1)
sum() { sha256sum <"$1" | cut -d' ' -f1; }

note "at $SECONDS s: bulk outbound"
# ---- 50 MiB each way over the 1280 hop, c1 connecting --------------------------
bg far socat -u TCP-LISTEN:7002,reuseaddr OPEN:"$T/got-up",creat,trunc
wait_until 10 listening far tcp 7002 || bad setup "far receiver on 7002"
bg far socat -U TCP-LISTEN:7001,reuseaddr,fork OPEN:"$T/blob",rdonly
wait_until 10 listening far tcp 7001 || bad setup "far sender on 7001"
check_eq "path: c1 holds no MTU for $FARH before" "" "$(route_mtu c1 $FARH)"
flush() { ns c1 ip route flush cache; ns far ip route flush cache; }
o0=$(fast out); i0=$(fast in); t0=$SECONDS
# each direction with the PMTU caches empty (else the receiver's MSS would
# already fit the 1280 hop and nothing would need PMTUD)
flush
ns c1 timeout 60 socat -u TCP:$FARH:7001 OPEN:"$T/got-down",creat,trunc
check_eq "outbound: 50 MiB from far arrive in c1 byte for byte" "$SUM" "$(sum "$T/got-down")"
check_eq "outbound: far did PMTUD towards $EXT (holds MTU 1280)" 1280 "$(route_mtu far $EXT)"
flush
ns c1 timeout 60 socat -u OPEN:"$T/blob",rdonly TCP:$FARH:7002
wait_until 20 size_is "$T/got-up" $((50 * MIB))
check_eq "outbound: 50 MiB from c1 arrive in far byte for byte" "$SUM" "$(sum "$T/got-up")"
check_eq "outbound: mid's fragmentation needed reached c1: it holds MTU 1280 for $FARH" \
	1280 "$(route_mtu c1 $FARH)"
check_int "outbound: the fast path carried c1's 50 MiB out (>= 40 MiB)" -ge $MIB40 $(( $(fast out) - o0 ))
check_int "outbound: the fast path carried far's 50 MiB in (>= 40 MiB)" -ge $MIB40 $(( $(fast in) - i0 ))
note "outbound: $((SECONDS - t0)) s"

note "at $SECONDS s: bulk through a mapping"
# ---- 50 MiB each way over the 1280 hop, far connecting through a mapping -------
hn map add $NET --proto tcp --internal $C1:7003 --external-port 7003 >/dev/null
hn map add $NET --proto tcp --internal $C1:7004 --external-port 7004 >/dev/null
bg c1 socat -u TCP-LISTEN:7003,reuseaddr OPEN:"$T/got-in",creat,trunc
wait_until 10 listening c1 tcp 7003 || bad setup "c1 receiver on 7003"
bg c1 socat -U TCP-LISTEN:7004,reuseaddr OPEN:"$T/blob",rdonly
wait_until 10 listening c1 tcp 7004 || bad setup "c1 sender on 7004"
o0=$(fast out); i0=$(fast in); t0=$SECONDS
flush
ns far timeout 60 socat -u OPEN:"$T/blob",rdonly TCP:$EXT:7003
wait_until 20 size_is "$T/got-in" $((50 * MIB))
check_eq "mapping: 50 MiB from far through $EXT:7003 arrive in c1 byte for byte" "$SUM" "$(sum "$T/got-in")"
flush
ns far timeout 60 socat -u TCP:$EXT:7004 OPEN:"$T/got-out",creat,trunc
check_eq "mapping: 50 MiB from c1 through $EXT:7004 arrive in far byte for byte" "$SUM" "$(sum "$T/got-out")"
check_eq "mapping: the error about c1's segments on the mapping's session reached c1 (MTU 1280)" \
	1280 "$(route_mtu c1 $FARH)"
check_int "mapping: the fast path carried far's 50 MiB in (>= 40 MiB)" -ge $MIB40 $(( $(fast in) - i0 ))
check_int "mapping: the fast path carried c1's 50 MiB out (>= 40 MiB)" -ge $MIB40 $(( $(fast out) - o0 ))
note "mapping: $((SECONDS - t0)) s"

note "at $SECONDS s: ICMP errors"
# ---- ICMP errors about a fast-path UDP flow ---------------------------------------
serve far udp 0.0.0.0 7050 farudp || bad setup "far udp echo"
p0=$(fastpk out)
bg c1 $NT udp-ping $FARH 7050 --sport 41100 --count 600 --interval-ms 5 \
	--timeout 0.2 --progress "$T/icmp.progress" >"$T/icmp.out" 2>&1
PING=$BG_PID
_pk_ge() { [ "$(fastpk out)" -ge "$1" ]; }
wait_until 10 _pk_ge $((p0 + 50))
check_int "icmp: c1:41100's flow to $FARH:7050 is on the fast path (>= 50 out)" \
	-ge 50 $(( $(fastpk out) - p0 ))
EP=$(ext_port udp 41100)
cap_start c1 eth0 "$T/icmp.pcap" icmp || bad setup "capture in c1"
# a router on the way: fragmentation needed, MTU 1200
ns mid $NT icmp-error $EXT --type 3 --code 4 --mtu 1200 --quote "$EXT:${EP:-1}-$FARH:7050" >/dev/null
# the destination: port unreachable
ns far $NT icmp-error $EXT --type 3 --code 3 --quote "$EXT:${EP:-1}-$FARH:7050" >/dev/null
# an attacker (inet): quoting a remote the session does not have
ns inet $NT icmp-error $EXT --type 3 --code 3 --quote "$EXT:${EP:-1}-192.0.2.99:7050" >/dev/null
ns inet $NT icmp-error $EXT --type 3 --code 4 --mtu 576 --quote "$EXT:${EP:-1}-$FARH:7051" >/dev/null
wait_until 5 test "$(cap_count "$T/icmp.pcap")" -ge 2
wait "$PING"
cap_stop
pk=$(cap_show "$T/icmp.pcap" -v)
check_match "icmp: c1 gets mid's fragmentation needed, translated" \
	"$MID > $C1: ICMP $FARH unreachable - need to frag \(mtu 1200\)" "$(tr -d '\n' <<<"$pk")"
check_match "icmp: c1 gets far's port unreachable, translated" \
	"$FARH > $C1: ICMP $FARH udp port 7050 unreachable" "$pk"
check_eq "icmp: both quote c1's own datagram ($C1.41100 > $FARH.7050)" 2 \
	"$(grep -c "$C1.41100 > $FARH.7050: UDP" <<<"$pk")"
check_nomatch "icmp: nothing quoting the external address reaches c1" "$EXT\.${EP:-1} " "$pk"
check_nomatch "icmp: the errors inet forged (another remote, another port) reach nobody" \
	"192\.0\.2\.99|7051|mtu 576" "$pk"
check_eq "icmp: c1 holds MTU 1200 for $FARH" 1200 "$(route_mtu c1 $FARH)"
out=$(cat "$T/icmp.out")
check_match "icmp: c1's socket took the fragmentation needed (its quote matched it)" \
	"^errqueue icmp 3/4 from $MID$" "$out"
check_match "icmp: c1's socket took the port unreachable (its quote matched it)" \
	"^errqueue icmp 3/3 from $FARH$" "$out"
check_match "icmp: the flow went on (>= 590 of 600 echoed)" "^echoed (59[0-9]|600)/600" "$out"

note "at $SECONDS s: TTL"
# ---- TTL 1..4 on a fast-path flow's own tuple; traceroute beside it ----------------
p0=$(fastpk out)
bg c1 $NT udp-ping $FARH 7050 --sport 41200 --count 800 --interval-ms 5 \
	--timeout 0.2 --ttl-probes 1,2,3,4 >"$T/ttl.out" 2>&1
PING=$BG_PID
wait_until 10 _pk_ge $((p0 + 50))
check_int "ttl: c1:41200's flow to $FARH:7050 is on the fast path (>= 50 out)" \
	-ge 50 $(( $(fastpk out) - p0 ))
tu=$(ns c1 timeout 30 traceroute -n -U -q 1 -w 2 -m 4 $FARH 2>&1)
ti=$(ns c1 timeout 30 traceroute -n -I -q 1 -w 2 -m 4 $FARH 2>&1)
wait "$PING"
out=$(cat "$T/ttl.out")
check_match "ttl 1 on the flow's tuple: time exceeded from the gateway" \
	"^probe ttl 1 icmp 11/0 from 172\.16\.0\.1$" "$out"
check_match "ttl 2 on the flow's tuple: time exceeded from inet" \
	"^probe ttl 2 icmp 11/0 from $INET$" "$out"
check_match "ttl 3 on the flow's tuple: time exceeded from mid" \
	"^probe ttl 3 icmp 11/0 from $MID$" "$out"
check_match "ttl 4 on the flow's tuple: far answers it" "^probe ttl 4 echo$" "$out"
check_match "ttl: the flow went on (>= 790 of 800 echoed)" "^echoed (79[0-9]|800)/800" "$out"
for m in U I; do
	[ $m = U ] && t=$tu || t=$ti
	check_match "traceroute -$m beside it: hops gateway, inet, mid, far" \
		"\| *1 +172\.16\.0\.1 .*\| *2 +$INET .*\| *3 +$MID .*\| *4 +$FARH " "$(tr '\n' '|' <<<"$t")"
done
note "ttl: $(tr '\n' '|' <<<"$out" | head -c 300)"
note "at $SECONDS s: a route changed under a fast-path flow"
# ---- the kept next hops: a route to far made a blackhole and taken back ------------
# a datagram every 5 ms that does not wait for a lost echo (10 ms), so that
# a route the programs kept past the change would carry some of them
p0=$(fastpk out)
bg c1 $NT udp-ping $FARH 7050 --sport 41300 --count 1200 --interval-ms 5 \
	--timeout 0.01 >"$T/route.out" 2>&1
PING=$BG_PID
wait_until 10 _pk_ge $((p0 + 50))
check_int "route: c1:41300's flow to $FARH:7050 is on the fast path (>= 50 out)" \
	-ge 50 $(( $(fastpk out) - p0 ))
late=
back=
for r in 1 2 3; do
	cap_start inet veth0 "$T/route$r.pcap" udp and dst host $FARH ||
		bad setup "capture on inet's side of the uplink"
	ns host ip route add blackhole $FARH/32
	t_add=$(date +%s.%N)
	sleep 0.4
	cap_stop
	ns host ip route del blackhole $FARH/32
	# the daemon is told and the programs look the route up again at
	# once: nothing later than 40 ms (a tick is 134 ms)
	late+="$(cap_show "$T/route$r.pcap" -tt | awk -v t="$t_add" '$1 > t + 0.04' | wc -l) "
	p1=$(fastpk out)
	wait_until 5 _pk_ge $((p1 + 20))
	back+="$(( $(fastpk out) - p1 >= 20 )) "
done
check_eq "route: blackholed on the host (3 times), nothing to $FARH reaches inet 40 ms after" \
	"0 0 0 " "$late"
check_eq "route: the blackhole gone, the flow is on the fast path again each time (>= 20 out)" \
	"1 1 1 " "$back"
wait "$PING"
note "route: $(tail -n 1 "$T/route.out")"
note "at $SECONDS s: a 1280 uplink"
# ---- the next hop itself at 1280: the uplink (and inet's side of it) ------------
ip -n "$P-host" link set up0 mtu 1280
ip -n "$P-inet" link set veth0 mtu 1280
head -c $((20 * MIB)) "$T/blob" >"$T/blob20"
S20=$(sum "$T/blob20")
bg far socat -u TCP-LISTEN:7012,reuseaddr OPEN:"$T/got-up2",creat,trunc
wait_until 10 listening far tcp 7012 || bad setup "far receiver on 7012"
bg far socat -U TCP-LISTEN:7011,reuseaddr,fork OPEN:"$T/blob20",rdonly
wait_until 10 listening far tcp 7011 || bad setup "far sender on 7011"
o0=$(fast out); i0=$(fast in)
flush
ns c1 timeout 30 socat -u OPEN:"$T/blob20",rdonly TCP:$FARH:7012
wait_until 20 size_is "$T/got-up2" $((20 * MIB))
check_eq "uplink 1280: 20 MiB from c1 arrive in far byte for byte" "$S20" "$(sum "$T/got-up2")"
check_eq "uplink 1280: c1 was told (holds MTU 1280 for $FARH)" 1280 "$(route_mtu c1 $FARH)"
flush
ns c1 timeout 30 socat -u TCP:$FARH:7011 OPEN:"$T/got-down2",creat,trunc
check_eq "uplink 1280: 20 MiB from far arrive in c1 byte for byte" "$S20" "$(sum "$T/got-down2")"
check_int "uplink 1280: the fast path carried c1's 20 MiB out (>= 16 MiB)" -ge $((16 * MIB)) $(( $(fast out) - o0 ))
check_int "uplink 1280: the fast path carried far's 20 MiB in (>= 16 MiB)" -ge $((16 * MIB)) $(( $(fast in) - i0 ))
finish
