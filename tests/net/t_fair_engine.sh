#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The engine's fairness limits under real floods: the attacker is dropped
# and counted in "hostnat stats" engine.drops, the victim is still served.
#  1. fragments: inet sends 4200 bogus non-first fragments to the external
#     address (no first fragment ever passed the datapath: frag_map does not
#     know them, so they stay with the host's reassembly, or, if steered,
#     meet the engine's per-source limit); c1 sends 4200 bogus fragments
#     out (those always reach the engine: "fragment_source_limit"); then
#     c1 (after inet's flood) and c2 (after c1's) each send a 3000-byte
#     datagram, fragmented by their stack, and get the echo back whole.
#  2. ports: c1 takes one UDP and one TCP mapping from each of 16384 source
#     ports (raw-socket datagrams and SYNs to inet, sent twice so that a
#     queue overrun cannot leave gaps); it gets its port share (1/8 of
#     49152-65535: 2048 per protocol), the rest is "port_share"; then c2
#     opens 1000 UDP flows and 1000 TCP connections, all answered.
#  3. inbound: a static UDP mapping to an echo server in c1; inet floods it
#     from 8200 source ports; it gets remote_inbound_limit (256) sessions,
#     the rest is "remote_limit"; a second remote (198.51.100.3, on inet's
#     veth0) is still answered.
# HN_FAIR_UNPROTECTED=ports|ports-tcp|inbound turns a protection off
# (port_share 1, with c1's UDP or TCP flood first; remote_inbound_limit
# 100000) to show that the victim checks fail without it (and the checks
# after it, c1 being left at its flow limit).
. "$(dirname "$0")/lib.sh"
setup

INET2=198.51.100.3	# a second remote on inet's LAN
NPORTS=16384
MAPPORT=5353
t_start=$SECONDS

case "${HN_FAIR_UNPROTECTED:-}" in
ports | ports-tcp) hn network set $NET port_share 1 >/dev/null || bad setup "port_share 1" ;;
inbound) hn network set $NET remote_inbound_limit 100000 >/dev/null ||
	bad setup "remote_inbound_limit 100000" ;;
esac

serve inet udp $INET 7000 echo || bad setup "udp server"
serve inet tcp $INET 80 web || bad setup "tcp server"

# eng_drops: the engine's non-zero drop counters, one line
eng_drops() {
	hn --json stats 2>/dev/null |
		jq -c '(.engine // .).drops | with_entries(select(.value != 0))' 2>&1 |
		head -c 400
}

# settled: the drop counters stopped growing (the engine is through a
# flood)
settled() {
	local a b
	a=$(hn --json stats 2>/dev/null | jq -c '(.engine // .).drops')
	sleep 0.3
	b=$(hn --json stats 2>/dev/null | jq -c '(.engine // .).drops')
	[ -n "$a" ] && [ "$a" = "$b" ]
}

# sessions PROTO INTERNAL: c1's (or c2's) sessions of PROTO
sessions() {
	hn --json session list $NET --proto "$1" --internal "$2" 2>/dev/null |
		jq 'length' 2>/dev/null
}

# ---- 1. fragments (first: after 2., c1 has no port left for a new flow)

# reasm FIELD: the host's /proc/net/snmp Ip: counter FIELD
reasm() {
	ns host awk -v f="$1" '$1 == "Ip:" { if (!h) { for (i = 2; i <= NF; i++) n[$i] = i; h = 1 } else print $(n[f]) }' /proc/net/snmp
}
# efrag: the engine's fragment counters, one line
efrag() {
	hn --json stats 2>/dev/null |
		jq -c '(.engine // .) | with_entries(select(.key | test("frag"))) | del(.drops)' 2>&1 |
		head -c 300
}
fdrops() {
	hn --json stats 2>/dev/null |
		jq -c '(.engine // .).drops | with_entries(select((.key | test("frag")) and .value != 0))' 2>&1 |
		head -c 300
}
q0=$(reasm ReasmReqds)
f0=$(reasm ReasmFails)
e0=$(efrag)
fd0=$(fdrops)
out=$(ns inet timeout 30 $NT frag-flood $INET $EXT --count 4200 --max-time 15 2>&1)
wait_until 5 settled
q1=$(reasm ReasmReqds)
f1=$(reasm ReasmFails)
e1=$(efrag)
fd1=$(fdrops)
ctr="inet's fragments: $out; host ReasmReqds +$((q1 - q0)), ReasmFails +$((f1 - f0)); engine $e0 -> $e1; fragment drops $fd0 -> $fd1"
note "fragments from inet: $ctr"
if [ "$((q1 - q0))" -ge 4000 ]; then
	note "fragments from inet: the datapath left them to the host's reassembly (frag_map did not know them)"
else
	note "fragments from inet: not (all) with the host's reassembly: engine counters above"
fi
out=$(ns c1 timeout 10 $NT udp-client $INET 7000 --size 3000 --timeout 3 2>&1)
check_match "fragments: victim c1's 3000-byte datagram comes back whole after inet's 4200 bogus fragments (c1 got: '$out'; $ctr)" \
	"^echo ok 3000 bytes" "$out"
nf=$(hn --json stats 2>/dev/null | jq -r '(.engine // .).frags // empty')
e0f=$(jq -r '.frags // 0' <<<"$e1" 2>/dev/null)
check_int "fragments: control: c1's datagram and its echo crossed the engine as fragments (engine frags ${e0f:-?} -> ${nf:-none})" \
	-ge $((${e0f:-0} + 4)) "$nf"

# c1 floods bogus fragments outbound: these do reach the engine
s0=$(drops fragment_source_limit)
e0=$(efrag)
fd0=$(fdrops)
out=$(ns c1 timeout 30 $NT frag-flood $C1 $INET --count 4200 --max-time 15 2>&1)
wait_until 5 settled
ctr="c1's fragments: $out; engine $e0 -> $(efrag); fragment drops $fd0 -> $(fdrops)"
note "fragments from c1: $ctr"
check_drop_grew "fragments: c1's bogus fragments beyond its share of the table are counted" \
	fragment_source_limit "${s0:-0}"
out=$(ns c2 timeout 10 $NT udp-client $INET 7000 --size 3000 --timeout 3 2>&1)
check_match "fragments: victim c2's 3000-byte datagram comes back whole after c1's 4200 bogus fragments (c2 got: '$out'; $ctr)" \
	"^echo ok 3000 bytes" "$out"

# ---- 2. ports (c1 is left at its share: later, c2 sends for it) ---

d0=$(drops port_share)
d0=${d0:-0}
t0=$SECONDS
# (the order matters only without the port share: then the endpoint's flow
# limit, 16384, leaves c1 all the ports of the protocol it floods first)
flood_udp() {
	outu=$(ns c1 timeout 30 $NT flood udp $INET 7000 --count $NPORTS \
		--passes 2 --rate 10000 --max-time 20 2>&1)
}
flood_tcp() {
	outt=$(ns c1 timeout 30 $NT flood tcp $INET 80 --count $NPORTS \
		--passes 2 --rate 10000 --max-time 20 2>&1)
}
if [ "${HN_FAIR_UNPROTECTED:-}" = ports-tcp ]; then
	flood_tcp
	flood_udp
else
	flood_udp
	flood_tcp
fi
note "ports: c1's flood took $((SECONDS - t0)) s: udp: $outu; tcp: $outt"
# the engine has seen the whole flood when its count stops growing
_settled() {
	local a b
	a=$(drops port_share)
	sleep 0.3
	b=$(drops port_share)
	[ -n "$a" ] && [ "$a" = "$b" ]
}
wait_until 10 _settled
nu=$(sessions udp $C1)
nt=$(sessions tcp $C1)
d1=$(drops port_share)
ctr="c1 holds $nu udp, $nt tcp sessions; port_share drops ${d0} -> ${d1:-none}; drops: $(eng_drops)"
note "ports: $ctr"
check_int "ports: control: c1's udp flood reached the engine (>= 1024 udp sessions; $ctr)" \
	-ge 1024 "$nu"
check_int "ports: control: c1's tcp flood reached the engine (>= 1024 tcp sessions; $ctr)" \
	-ge 1024 "$nt"
check_int "ports: c1 holds at most its share of udp ports, 2048 ($ctr)" -le 2048 "$nu"
check_int "ports: c1 holds at most its share of tcp ports, 2048 ($ctr)" -le 2048 "$nt"
check_drop_grew "ports: c1's flood beyond its share is counted" port_share "$d0"

t0=$SECONDS
out=$(ns c2 timeout 60 $NT udp-flows $INET 7000 1000 --sport-from 40000 --batch 100 --timeout 3 2>&1)
check_match "ports: victim c2: 1000 new udp flows, every one answered (c2 got: $out; $ctr)" \
	"^answered 1000/1000$" "$out"
tok=0
terr=
for i in $(seq 10); do
	o=$(ns c2 timeout 20 $NT conc $INET 80 100 --timeout 10 2>&1)
	k=$(sed -n 's#^ok \([0-9]*\)/100.*#\1#p' <<<"$o")
	tok=$((tok + ${k:-0}))
	[ "${k:-0}" = 100 ] || terr="$terr batch $i: $(head -c 200 <<<"$o" | tr '\n' ' ');"
done
check_eq "ports: victim c2: 1000 new tcp connections, every one answered (errors:${terr:- none}; $ctr)" \
	1000 "$tok"
note "ports: c2's flows took $((SECONDS - t0)) s; c2 holds $(sessions udp $C2) udp, $(sessions tcp $C2) tcp sessions"

# ---- 3. inbound mapping --------------------------------------------------

ip -n "$P-inet" addr add $INET2/24 dev veth0
serve c1 udp 0.0.0.0 $MAPPORT c1echo || bad setup "c1 echo server"
hn map add $NET --proto udp --internal $C1:$MAPPORT --external-port $MAPPORT \
	>"$T/map.out" 2>&1 || bad setup "map add: $(cat "$T/map.out")"
# control: the mapping works before the flood
out=$(ns inet timeout 10 $NT udp-client $EXT $MAPPORT 2>&1)
check_match "inbound: control: inet reaches c1's echo server through $EXT:$MAPPORT" \
	"^c1echo saw $INET:" "$out"
r0=$(drops remote_limit)
m0=$(drops mapping_inbound_limit)
t0=$SECONDS
out=$(ns inet timeout 30 $NT flood udp $EXT $MAPPORT --count 8200 \
	--sport-from 30000 --rate 8000 --max-time 15 2>&1)
wait_until 10 settled
seen=$(grep -Eo "^udp $INET:[0-9]+" "$T/c1echo.log" | sort -u | wc -l)
nin=$(hn --json session list $NET --proto udp --internal $C1 2>/dev/null |
	jq --arg r $INET --argjson p $MAPPORT \
		'[.[] | select(.remote_address == $r and .internal_port == $p)] | length' 2>&1)
r1=$(drops remote_limit)
m1=$(drops mapping_inbound_limit)
ctr="inet's flood: $out in $((SECONDS - t0)) s; c1's server saw $seen of inet's ports; $nin sessions from inet on the mapping; remote_limit ${r0:-0} -> ${r1:-none}, mapping_inbound_limit ${m0:-0} -> ${m1:-none}; drops: $(eng_drops)"
note "inbound: $ctr"
check_int "inbound: inet holds at most remote_inbound_limit (256) sessions on the mapping ($ctr)" \
	-le 256 "$nin"
check_int "inbound: c1's server saw at most 256 of inet's source ports ($ctr)" -le 256 "$seen"
if [ "${r1:-0}" -gt "${r0:-0}" ] || [ "${m1:-0}" -gt "${m0:-0}" ]; then
	ok "inbound: inet's flood beyond the limit is counted (remote_limit ${r0:-0} -> ${r1:-0}, mapping_inbound_limit ${m0:-0} -> ${m1:-0})"
else
	bad "inbound: inet's flood beyond the limit is counted" \
		"expected remote_limit or mapping_inbound_limit to grow; $ctr"
fi
out=$(ns inet timeout 10 $NT udp-client $EXT $MAPPORT --src $INET2 --timeout 3 2>&1)
check_match "inbound: victim $INET2 is still answered through $EXT:$MAPPORT (it got: '$out'; $ctr)" \
	"^c1echo saw $INET2:" "$out"

note "the case's checks took $((SECONDS - t_start)) s"
finish
