#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast path at its boundaries, each flow first shown to be on it (the
# fast_path counters of `stats` carry it): a TCP session closed by FIN
# both ways and one reset by RST stay on it, in the state the engine's own
# table gives (a late segment on the tuple is translated by the kernel, as
# the engine would) and a new connection from the same source port is
# translated as before; a spoofed RST from outside does not
# break a fast-path connection; on fast-path UDP tuples a fragmented
# datagram each way and one without checksum arrive whole, and a
# neighbour sending as the endpoint is stopped; a UDP mapping deleted
# stops its inbound fast-path flow at once (watched on the endpoint's wire); udp_filtering
# changed under fast-path sessions: the sessions the engine keeps go on,
# new remotes are admitted or filtered as the new setting says; hairpin
# both ways (TCP and UDP) is carried by the fast path after its set-up in
# the engine, translated to the external address both ways; the host reaches a mapping through
# 127.0.0.1 and the external address while an outside client of it is on
# the fast path; the external address taken from the network stops its
# fast-path flows both ways at once (watched on the uplink and the
# endpoint's wire), and no internal address leaves.
. "$(dirname "$0")/lib.sh"
setup

R2=198.51.100.3		# a second remote address, on inet

counter() { # JQ-PATH: a counter of `stats`
	hn --json stats | jq -r "$1 // 0"
}
fast() { # out|in|hairpin: the fast path's packets that way
	counter ".fast_path.${1}_packets"
}
fast_bytes() { # out|in|hairpin: the fast path's bytes that way (a super-packet counts whole)
	counter ".fast_path.${1}_bytes"
}
slow_in() { # inbound packets the engine translated itself
	hn --json stats | jq -r '((.engine // .).pkts_in // 0) - (.fast_path.in_packets // 0)'
}
sess() { # JQ-SELECT: the sessions matching it, compact
	hn --json session list | jq -c "[.[] | select($1)]"
}
sess_state() { # INT_PORT: the TCP state of c1's session from that port
	hn --json session list --proto tcp |
		jq -r ".[] | select(.internal_port == $1) | .state" | head -n 1
}
ext_port() { # PROTO INT_PORT: the external port of c1's session
	hn --json session list --proto "$1" |
		jq -r ".[] | select(.internal_port == $2) | .external_port" | head -n 1
}
progress() { # FILE: the number after the first word (sent/rounds)
	awk '{print $2}' "$1" 2>/dev/null
}
_progress_ge() { [ "$(progress "$1")" -ge "$2" ] 2>/dev/null; }
_fast_ge() { [ "$(fast "$1")" -ge "$2" ]; }
_state_is() { [ "$(sess_state "$1")" = "$2" ]; }

ip -n "$P-inet" addr add $R2/24 dev veth0
ns c1 sysctl -qw net.ipv4.tcp_tw_reuse=1	# c1 closes first (TIME_WAIT)
serve inet tcp 0.0.0.0 7010 inetchat || bad setup "inet chat server"

note "at $SECONDS s: FIN"
# ---- FIN both ways: on the fast path to the end, the port reused ------------
o0=$(fast out); i0=$(fast in)
out=$(ns c1 timeout 20 $NT tcp-chat $INET 7010 --rounds 100 --sport 40500 2>&1)
check_match "FIN: c1:40500 chats with inet, translated" "^inetchat saw $EXT:[0-9]+$" "$out"
check_match "FIN: 100 rounds echoed" "^rounds 100/100$" "$out"
check_int "FIN: the fast path carried the chat out (>= 60 packets)" -ge 60 $(( $(fast out) - o0 ))
check_int "FIN: the fast path carried the chat in (>= 60 packets)" -ge 60 $(( $(fast in) - i0 ))
EP=$(sed -n "s/^inetchat saw $EXT:\([0-9]*\)$/\1/p" <<<"$out")
wait_until 5 _state_is 40500 fin-both
check_eq "FIN: the engine has the session in fin-both" fin-both "$(sess_state 40500)"
# a late segment from inet on the tuple: the kernel carries it, translated
cap_start c1 eth0 "$T/fin.pcap" tcp and src port 7010 || bad setup "capture in c1"
f0=$(fast in); s0=$(slow_in)
ns inet $NT raw-tcp $EXT "${EP:-1}" --sport 7010 --flags PA --data late1 >/dev/null
wait_until 3 test "$(cap_count "$T/fin.pcap" "dst host $C1 and dst port 40500 and greater 50")" -ge 1
cap_stop
check_eq "FIN: a late segment reaches c1:40500 translated" 1 \
	"$(cap_count "$T/fin.pcap" "dst host $C1 and dst port 40500 and tcp[tcpflags] & tcp-push != 0")"
check_int "FIN: ... carried by the fast path (fast in +1)" -ge 1 $(( $(fast in) - f0 ))
check_eq "FIN: ... not by the engine (its own inbound count +0)" 0 $(( $(slow_in) - s0 ))
sleep 1.1	# tcp_tw_reuse: the TIME_WAIT's timestamp 1 s old
o0=$(fast out)
out=$(ns c1 timeout 20 $NT tcp-chat $INET 7010 --rounds 100 --sport 40500 2>&1)
check_eq "FIN: a new connection from c1:40500 after it, same external port" \
	"inetchat saw $EXT:$EP|rounds 100/100" "$(tr '\n' '|' <<<"$out" | sed 's/|$//')"
check_int "FIN: ... and on the fast path again (>= 60 packets out)" -ge 60 $(( $(fast out) - o0 ))

note "at $SECONDS s: RST"
# ---- RST: on the fast path, the port reused ----------------------------------
o0=$(fast out)
out=$(ns c1 timeout 20 $NT tcp-chat $INET 7010 --rounds 100 --sport 40501 --close rst 2>&1)
check_match "RST: 100 rounds from c1:40501" "^rounds 100/100$" "$out"
check_int "RST: the fast path carried it (>= 60 packets out)" -ge 60 $(( $(fast out) - o0 ))
EP=$(sed -n "s/^inetchat saw $EXT:\([0-9]*\)$/\1/p" <<<"$out")
wait_until 5 _state_is 40501 transitory
check_eq "RST: the engine has the session transitory" transitory "$(sess_state 40501)"
cap_start c1 eth0 "$T/rst.pcap" tcp and src port 7010 || bad setup "capture in c1"
f0=$(fast in); s0=$(slow_in)
ns inet $NT raw-tcp $EXT "${EP:-1}" --sport 7010 --flags PA --data late2 >/dev/null
wait_until 3 test "$(cap_count "$T/rst.pcap" "dst host $C1 and dst port 40501 and greater 50")" -ge 1
cap_stop
check_eq "RST: a late segment reaches c1:40501 translated" 1 \
	"$(cap_count "$T/rst.pcap" "dst host $C1 and dst port 40501 and tcp[tcpflags] & tcp-push != 0")"
check_int "RST: ... carried by the fast path (fast in +1)" -ge 1 $(( $(fast in) - f0 ))
check_eq "RST: ... not by the engine (its own inbound count +0)" 0 $(( $(slow_in) - s0 ))
out=$(ns c1 timeout 20 $NT tcp-chat $INET 7010 --rounds 50 --sport 40501 2>&1)
check_eq "RST: a new connection from c1:40501 after it, same external port" \
	"inetchat saw $EXT:$EP|rounds 50/50" "$(tr '\n' '|' <<<"$out" | sed 's/|$//')"

note "at $SECONDS s: spoofed RST"
# ---- attacker: an RST from outside, out of window, on a fast-path flow ------
bg c1 $NT tcp-chat $INET 7010 --rounds 400 --interval-ms 10 --sport 40502 \
	--progress "$T/chat.progress" --timeout 5
CHAT=$BG_PID
o0=$(fast out)
wait_until 10 _progress_ge "$T/chat.progress" 50
EP=$(ext_port tcp 40502)
check_int "spoofed RST: the chat is on the fast path first" -ge 20 $(( $(fast out) - o0 ))
ns inet $NT raw-tcp $EXT "${EP:-1}" --sport 7010 --flags R --seq 12345 >/dev/null
ns inet $NT raw-tcp $EXT "${EP:-1}" --sport 7010 --flags RA --seq 99999 >/dev/null
o1=$(fast out); r1=$(progress "$T/chat.progress")
wait "$CHAT"
rc=$?
check_eq "spoofed RST: c1's connection survives, all 400 rounds" "0 400" "$rc $(progress "$T/chat.progress")"
check_int "spoofed RST: the fast path takes the rest back (>= 150 packets out after it)" \
	-ge 150 $(( $(fast out) - o1 ))
note "spoofed RST at round $r1"

note "at $SECONDS s: odd packets on fast-path UDP tuples"
# ---- fragments, no checksum, a neighbour's spoof, on fast-path tuples ------------
serve inet udp 0.0.0.0 7031 inetudp || bad setup "inet udp echo"
serve c1 udp 0.0.0.0 7020 c1udp || bad setup "c1 udp echo on 7020"
hn map add $NET --proto udp --internal $C1:7020 --external-port 7020 >/dev/null ||
	bad setup "map add udp 7020"
i0=$(fast in); o0=$(fast out)
out=$(ns inet timeout 10 $NT udp-ping $EXT 7020 --count 40 --sport 7022 --interval-ms 2 2>&1)
check_eq "odd: inet:7022 -> $EXT:7020 answered" "echoed 40/40" "$out"
out=$(ns c1 timeout 10 $NT udp-ping $INET 7031 --count 40 --sport 41050 --interval-ms 2 2>&1)
check_eq "odd: c1:41050 -> inet:7031 answered" "echoed 40/40" "$out"
check_int "odd: both on the fast path (>= 40 in, >= 40 out)" -ge 40 \
	"$(( $(fast in) - i0 < $(fast out) - o0 ? $(fast in) - i0 : $(fast out) - o0 ))"
out=$(ns inet timeout 10 $NT udp-client $EXT 7020 --sport 7022 --size 4000 2>&1)
check_match "odd: a 4000-byte datagram (fragments) each way on inet's tuple" "^echo ok 4000 " "$out"
out=$(ns c1 timeout 10 $NT udp-client $INET 7031 --sport 41050 --size 4000 2>&1)
check_match "odd: a 4000-byte datagram (fragments) each way on c1's tuple" "^echo ok 4000 " "$out"
ns inet $NT raw-udp $EXT 7020 --sport 7022 --data nocsum --no-csum >/dev/null
sha=$(printf nocsum | sha256sum | cut -c 1-16)
wait_until 3 grep -q "sha=$sha" "$T/c1udp.log"
check_match "odd: a datagram without checksum on inet's tuple reaches c1's socket" \
	"^udp $INET:7022 len=6 sha=$sha" "$(cat "$T/c1udp.log")"
# frames on the uplink not sent to the host (another host's MAC, the link
# broadcast) on inet's fast-path tuple: a router takes neither (RFC 1812
# 5.3.4; Linux's ip_rcv() and ip_forward() drop them: pkt_type not HOST)
: >"$T/c1udp.log"
ns inet $NT raw-udp $EXT 7020 --sport 7022 --data othermac \
	--iface veth0 --dst-mac 02:00:5e:00:53:99 >/dev/null
ns inet $NT raw-udp $EXT 7020 --sport 7022 --data bcastmac \
	--iface veth0 --dst-mac ff:ff:ff:ff:ff:ff >/dev/null
ns inet $NT raw-udp $EXT 7020 --sport 7022 --data control \
	--iface veth0 --dst-mac "$(ip -n "$P-host" -br link show up0 | awk '{print $3}')" >/dev/null
wait_until 3 grep -q "len=7 " "$T/c1udp.log"
check_match "odd: a frame to the host's MAC reaches c1 (the control)" "len=7 " "$(cat "$T/c1udp.log")"
check_nomatch "odd: frames to another MAC or the link broadcast do not reach c1" \
	"len=8 " "$(cat "$T/c1udp.log")"
# c2 sends as c1 on c1's fast-path tuple: its port's source check stops it
cap_start inet veth0 "$T/spoof.pcap" udp and dst port 7031 || bad setup "capture on inet"
d0=$(hn --json stats | jq '[(.engine // .).drops[]] | add')
ns c2 timeout 10 $NT udp-stream $INET 7031 --src $C1 --sport 41050 --count 50 --interval-ms 2 >/dev/null
cap_stop
check_eq "odd: c2 sending as c1 on c1's fast-path tuple: nothing leaves" 0 \
	"$(cap_show "$T/spoof.pcap" -A | grep -c stream)"
cap_start inet veth0 "$T/own.pcap" udp and dst port 7031 || bad setup "capture on inet"
ns c2 timeout 10 $NT udp-stream $INET 7031 --sport 41051 --count 50 --interval-ms 2 >/dev/null
cap_stop
check_int "odd: ... while c2 as itself gets through (the capture sees it)" -ge 45 \
	"$(cap_show "$T/own.pcap" -A | grep -c stream)"
note "drops for c2's spoof: $(( $(hn --json stats | jq '[(.engine // .).drops[]] | add') - d0 ))"

note "at $SECONDS s: map del"
# ---- a UDP mapping deleted: its inbound fast-path flow stops at once ------------
i0=$(fast in)
bg inet $NT udp-ping $EXT 7020 --count 3000 --interval-ms 5 --sport 7021 \
	--timeout 0.05 --progress "$T/ping.progress"
PING=$BG_PID
wait_until 10 _fast_ge in $((i0 + 100))
check_int "map del: inet's flow to $EXT:7020 is on the fast path (>= 100 in)" \
	-ge 100 $(( $(fast in) - i0 ))
hn map del $NET --proto udp --external-port 7020 >/dev/null
cap_start c1 eth0 "$T/mapdel.pcap" udp port 7020 || bad setup "capture in c1"
k0=$(progress "$T/ping.progress")
sleep 1.5
k1=$(progress "$T/ping.progress")
cap_stop
check_int "map del: inet kept sending meanwhile (>= 10 datagrams)" -ge 10 $((k1 - k0))
check_eq "map del: nothing of the flow reaches c1 after it" 0 \
	"$(cap_count "$T/mapdel.pcap" src host $INET)"
check_eq "map del: the engine lists no session of the mapping" "[]" \
	"$(sess '.external_port == 7020')"
stop_pid "$PING"

note "at $SECONDS s: filtering"
# ---- udp_filtering changed under fast-path sessions -------------------------
serve c1 udp 0.0.0.0 7030 c1f || bad setup "c1 udp echo on 7030"
out=$(ns c1 timeout 10 $NT udp-ping $INET 7031 --count 30 --sport 7030 --interval-ms 2 2>&1)
check_eq "filtering: c1:7030 to inet:7031 answered" "echoed 30/30" "$out"
EP=$(ext_port udp 7030)
i0=$(fast in)
bg inet $NT udp-ping $EXT "${EP:-1}" --src $R2 --sport 7033 --count 1500 \
	--interval-ms 10 --timeout 0.2 --progress "$T/r2.progress"
R2PING=$BG_PID
wait_until 10 _fast_ge in $((i0 + 50))
check_int "filtering eif: $R2:7033, admitted, is on the fast path (>= 50 in)" \
	-ge 50 $(( $(fast in) - i0 ))
hn network set $NET udp_filtering adf >/dev/null
check_eq "filtering: udp_filtering is adf" adf \
	"$(hn --json network show $NET | jq -r '.settings.udp_filtering')"
d0=$(drops filtered)
out=$(ns inet timeout 10 $NT udp-client $EXT "${EP:-1}" --src $R2 --sport 7034 --timeout 1 2>&1)
check_eq "filtering adf: a new port of $R2 (never sent to) is filtered" timeout "$out"
check_drop_grew "filtering adf: ... counted" filtered "$d0"
out=$(ns inet timeout 10 $NT udp-client $EXT "${EP:-1}" --sport 7035 --timeout 2 2>&1)
check_eq "filtering adf: a new port of $INET (sent to) is admitted" "c1f saw $INET:7035" "$out"
hn network set $NET udp_filtering apdf >/dev/null
out=$(ns inet timeout 10 $NT udp-client $EXT "${EP:-1}" --sport 7036 --timeout 1 2>&1)
check_eq "filtering apdf: a new port of $INET is filtered" timeout "$out"
out=$(ns c1 timeout 10 $NT udp-ping $INET 7031 --count 20 --sport 7030 --interval-ms 2 2>&1)
check_eq "filtering apdf: c1:7030 to inet:7031 still answered" "echoed 20/20" "$out"
k0=$(awk '{print $4}' "$T/r2.progress"); i0=$(fast in)
wait_until 5 _fast_ge in $((i0 + 50))
k1=$(awk '{print $4}' "$T/r2.progress")
check_int "filtering: the session from $R2:7033 the engine kept is still answered (>= 30 more)" \
	-ge 30 $((k1 - k0))
check_int "filtering: ... on the fast path (>= 50 in)" -ge 50 $(( $(fast in) - i0 ))
check_match "filtering: the engine lists that session" "\"remote_address\":\"$R2\"" \
	"$(sess ".remote_port == 7033")"
hn network set $NET udp_filtering eif >/dev/null
out=$(ns inet timeout 10 $NT udp-client $EXT "${EP:-1}" --src $R2 --sport 7037 --timeout 2 2>&1)
check_eq "filtering eif again: a new port of $R2 is admitted" "c1f saw $R2:7037" "$out"
stop_pid "$R2PING"

note "at $SECONDS s: hairpin"
# ---- hairpin both ways on the fast path, translated ---------------------------
# (two sessions each: the sender's to the external address, the receiver's
# on its mapping; the engine sets them up, then the programs carry them)
serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
serve c2 udp 0.0.0.0 7041 c2udp || bad setup "c2 udp echo"
serve c1 udp 0.0.0.0 7040 c1udp2 || bad setup "c1 udp echo on 7040"
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null
hn map add $NET --proto udp --internal $C1:7040 --external-port 7040 >/dev/null
hn map add $NET --proto udp --internal $C2:7041 --external-port 7041 >/dev/null
o0=$(fast out); i0=$(fast in); f0=$(fast hairpin); h0=$(counter '(.engine // .).pkts_hairpin')
e0=$(counter '(.engine // .).pkts_out')
out=$(ns c2 timeout 20 $NT tcp-chat $EXT 8080 --rounds 200 --sport 40600 2>&1)
check_eq "hairpin tcp: c2 chats with c1 via $EXT:8080, c1 sees $EXT" \
	"c1web saw $EXT:|rounds 200/200" \
	"$(tr '\n' '|' <<<"$out" | sed -E 's/:[0-9]+\|/:|/; s/\|$//')"
out=$(ns c2 timeout 20 $NT udp-ping $EXT 7040 --count 200 --interval-ms 1 --sport 40601 2>&1)
check_eq "hairpin udp: c2 -> c1 via $EXT:7040, 200 echoed" "echoed 200/200" "$out"
out=$(ns c1 timeout 20 $NT udp-ping $EXT 7041 --count 200 --interval-ms 1 --sport 40602 2>&1)
check_eq "hairpin udp: c1 -> c2 via $EXT:7041, 200 echoed" "echoed 200/200" "$out"
check_match "hairpin udp: c1 saw c2 as $EXT" "^udp $EXT:[0-9]+ len=" "$(tail -n 1 "$T/c1udp2.log")"
check_match "hairpin udp: c2 saw c1 as $EXT" "^udp $EXT:[0-9]+ len=" "$(tail -n 1 "$T/c2udp.log")"
# 200 TCP rounds and 2 x 200 UDP echoes: over 1200 hairpin packets
fh=$(( $(fast hairpin) - f0 )); eh=$(( $(counter '(.engine // .).pkts_hairpin') - h0 ))
check_int "hairpin: the fast path carried it (>= 1000 packets from the endpoints)" \
	-ge 1000 $fh
check_int "hairpin: the engine translated only the set-up (< 100 hairpinned)" \
	-lt 100 $(( eh - fh ))
check_int "hairpin: pkts_hairpin counts the fast path's too (>= 1000)" -ge 1000 $eh
check_int "hairpin: pkts_out counts them too, as the engine does its own (grew >= pkts_hairpin)" \
	-ge $eh $(( $(counter '(.engine // .).pkts_out') - e0 ))
check_int "hairpin: not counted as outbound too (< 100 more out)" -lt 100 $(( $(fast out) - o0 ))
check_eq "hairpin: nothing of it came in from an uplink" 0 $(( $(fast in) - i0 ))
hsess=$(hn --json session list | jq '[.[] | select(.hairpin)] | length')
check_int "hairpin: the engine lists its sessions (>= 6: two per flow)" -ge 6 "$hsess"
# 8 MiB through a hairpin (super-packets, partial checksums, both rewrites)
head -c $((8 * 1024 * 1024)) /dev/urandom >"$T/hblob"
bg c1 socat -U TCP-LISTEN:7042,reuseaddr OPEN:"$T/hblob",rdonly
wait_until 10 listening c1 tcp 7042 || bad setup "c1 sender on 7042"
hn map add $NET --proto tcp --internal $C1:7042 --external-port 7042 >/dev/null
o0=$(fast_bytes hairpin)
ns c2 timeout 30 socat -u TCP:$EXT:7042 OPEN:"$T/hgot",creat,trunc
check_eq "hairpin tcp: 8 MiB from c1 through $EXT:7042 arrive in c2 byte for byte" \
	"$(sha256sum <"$T/hblob" | cut -d' ' -f1)" "$(sha256sum <"$T/hgot" | cut -d' ' -f1)"
# counted in bytes: with GRO/GSO 8 MiB can be a few hundred packets
check_int "hairpin tcp: the fast path carried them (>= 7 MiB of the 8)" -ge $((7 * 1024 * 1024)) \
	$(( $(fast_bytes hairpin) - o0 ))
# a hairpin's mapping deleted: its fast-path flow stops at once
hn map add $NET --proto udp --internal $C1:7040 --external-port 7043 >/dev/null
o0=$(fast hairpin)
bg c2 $NT udp-ping $EXT 7043 --count 3000 --interval-ms 5 --sport 40603 \
	--timeout 0.05 --progress "$T/hping.progress"
HPING=$BG_PID
wait_until 10 _fast_ge hairpin $((o0 + 100))
check_int "hairpin map del: c2's flow to $EXT:7043 is on the fast path (>= 100)" \
	-ge 100 $(( $(fast hairpin) - o0 ))
hn map del $NET --proto udp --external-port 7043 >/dev/null
cap_start c1 eth0 "$T/hmapdel.pcap" udp port 7040 || bad setup "capture in c1"
k0=$(progress "$T/hping.progress")
sleep 1.5
k1=$(progress "$T/hping.progress")
cap_stop
check_int "hairpin map del: c2 kept sending meanwhile (>= 10 datagrams)" -ge 10 $((k1 - k0))
check_eq "hairpin map del: nothing of the flow reaches c1 after it" 0 \
	"$(cap_count "$T/hmapdel.pcap" udp)"
stop_pid "$HPING"

note "at $SECONDS s: host access"
# ---- the host on a mapping while an outside client of it is on the fast path -----
i0=$(fast in)
bg inet $NT tcp-chat $EXT 8080 --rounds 600 --interval-ms 5 --sport 40700 \
	--progress "$T/out.progress" --timeout 5
OUTCHAT=$BG_PID
wait_until 10 _fast_ge in $((i0 + 50))
check_int "host: inet's chat via $EXT:8080 is on the fast path (>= 50 in)" \
	-ge 50 $(( $(fast in) - i0 ))
out=$(ns host curl -sS --max-time 5 http://127.0.0.1:8080/ 2>&1)
check_match "host: 127.0.0.1:8080 reaches c1 meanwhile" "^c1web saw " "$out"
out=$(ns host curl -sS --max-time 5 http://$EXT:8080/ 2>&1)
check_match "host: $EXT:8080 reaches c1 meanwhile" "^c1web saw " "$out"
out=$(ns host timeout 10 $NT udp-client 127.0.0.1 7040 --timeout 2 2>&1)
check_match "host: udp 127.0.0.1:7040 reaches c1 meanwhile" "^c1udp2 saw " "$out"
out=$(ns host timeout 20 $NT tcp-chat 127.0.0.1 8080 --rounds 100 2>&1)
check_match "host: a 100-round chat through 127.0.0.1:8080 meanwhile" "^rounds 100/100$" "$out"
wait "$OUTCHAT"
rc=$?
check_eq "host: inet's chat undisturbed, all 600 rounds" "0 600" "$rc $(progress "$T/out.progress")"
o0=$(fast out); i0=$(fast in)
out=$(ns host timeout 20 $NT tcp-chat $EXT 8080 --rounds 100 2>&1)
check_match "host: alone, a 100-round chat through $EXT:8080" "^rounds 100/100$" "$out"
check_eq "host: its sessions stay off the fast path (out, in)" "0 0" \
	"$(( $(fast out) - o0 )) $(( $(fast in) - i0 ))"
note "at $SECONDS s: external address removed"
# ---- the external address taken away under fast-path flows both ways --------
EPX=
i0=$(fast in); o0=$(fast out)
bg c1 $NT udp-ping $INET 7031 --sport 41070 --count 3000 --interval-ms 5 \
	--timeout 0.05 --progress "$T/x1.progress"
X1=$BG_PID
bg inet $NT udp-ping $EXT 7040 --sport 7042 --count 3000 --interval-ms 5 \
	--timeout 0.05 --progress "$T/x2.progress"
X2=$BG_PID
wait_until 10 _fast_ge in $((i0 + 100))
wait_until 10 _fast_ge out $((o0 + 100))
check_int "external del: both flows on the fast path first (>= 100 each way)" -ge 100 \
	"$(( $(fast in) - i0 < $(fast out) - o0 ? $(fast in) - i0 : $(fast out) - o0 ))"
EPX=$(ext_port udp 41070)
ext=$(hn --json network show $NET | jq -r '.externals[0].interface // .externals[0].address')
out=$(hn external del $NET "$ext" 2>&1)
check_cmd "external del: $ext taken from $NET" test -z "$(hn --json network show $NET | jq -r '.externals[]?')"
note "external del $ext: $out"
cap_start inet veth0 "$T/xup.pcap" udp || bad setup "capture on the uplink"
XUP=$CAP_PID
cap_start c1 eth0 "$T/xc1.pcap" udp and src host $INET || bad setup "capture in c1"
k0=$(progress "$T/x1.progress"); j0=$(progress "$T/x2.progress")
sleep 1.5
k1=$(progress "$T/x1.progress"); j1=$(progress "$T/x2.progress")
cap_stop
CAP_PID=$XUP cap_stop
check_int "external del: both kept sending meanwhile (>= 10 each)" -ge 10 \
	"$(( k1 - k0 < j1 - j0 ? k1 - k0 : j1 - j0 ))"
check_eq "external del: nothing of c1's flow leaves translated ($EXT.${EPX:-?})" 0 \
	"$(cap_count "$T/xup.pcap" src host $EXT and src port "${EPX:-1}")"
check_eq "external del: no internal address leaves either" 0 \
	"$(cap_count "$T/xup.pcap" src net 172.16.0.0/16)"
check_eq "external del: nothing of inet's flow reaches c1" 0 \
	"$(cap_count "$T/xc1.pcap" src port 7042)"
stop_pid "$X1"; stop_pid "$X2"
finish
