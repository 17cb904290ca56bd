#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnat stats --format prometheus: the text exposition format, checked by
# promtool (Debian's prometheus package), with the figures a monitoring
# system needs: the engine's packets and sessions, the tables and their
# limits, drops by reason, and per network its sessions by protocol, its
# mappings and its DHCP server's counters; bad --format values refused.
# hostnatd --metrics serves the same on http://127.0.0.1:PORT/metrics
# (under its seccomp filter), to the host only, 404 elsewhere, 405 for
# other methods; a bad --metrics value stops the start with a clear line.
. "$(dirname "$0")/lib.sh"
# promtool: installed, or unpacked by scripts/deps into its cache
PROMTOOL=$(command -v promtool ||
	echo "${HOSTNAT_TEST_CACHE:-/var/cache/hostnat-tests}/prometheus/usr/bin/promtool")
[ -x "$PROMTOOL" ] || {
	bad setup "no promtool (scripts/deps unpacks Debian's prometheus package)"
	finish
}
setup

serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
serve inet tcp 0.0.0.0 80 inetweb || bad setup "inet web server"
hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null
ns c1 curl -sS --max-time 5 http://$INET/ >/dev/null 2>&1
ns inet curl -sS --max-time 5 http://$EXT:8080/ >/dev/null 2>&1
ns c2 ping -c 2 -i 0.2 -W 1 $INET >/dev/null 2>&1

m=$(hn stats --format prometheus 2>&1)
printf '%s\n' "$m" >"$T/metrics.txt"
out=$("$PROMTOOL" check metrics <"$T/metrics.txt" 2>&1)
check_eq "promtool check metrics: no problem found" "" "$out"
val() { # METRIC-LINE-PREFIX: its value
	awk -v p="$1" 'index($0, p " ") == 1 { print $NF }' "$T/metrics.txt"
}
check_int "hostnat_packets_out_total counts the outbound packets" -ge 6 \
	"$(val hostnat_packets_out_total)"
check_int "hostnat_packets_in_total counts the inbound packets" -ge 6 \
	"$(val hostnat_packets_in_total)"
check_int "hostnat_sessions_created_total counts tcp and icmp sessions" -ge 3 \
	"$(val hostnat_sessions_created_total)"
check_int "hostnat_sessions_max is the table's size (--max-flows)" -ge 1024 \
	"$(val hostnat_sessions_max)"
check_int "per network: the tcp sessions of $NET" -ge 2 \
	"$(val "hostnat_network_sessions{network=\"$NET\",proto=\"tcp\"}")"
check_eq "per network: the mappings of $NET" 1 \
	"$(val "hostnat_network_mappings{network=\"$NET\"}")"
check_match "drops: one family, a snake_case reason label" \
	'^hostnat_drops_total\{reason="spoofed_source"\} [0-9]+$' "$m"
check_nomatch "no kebab-case in names or labels" '^[a-z_]+\{[^}]*-' "$m"
check_match "TYPE lines say counter for _total families" \
	'# TYPE hostnat_packets_out_total counter' "$m"
# a spoofed packet from c1 counts under its reason
before=$(val 'hostnat_drops_total{reason="spoofed_source"}')
ns c1 $PY - "$INET" <<'EOP'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
dst = socket.inet_aton(sys.argv[1])
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                  socket.inet_aton("10.99.0.1"), dst)
s.sendto(hdr + struct.pack("!HHHH", 1000, 9, 8, 0), (sys.argv[1], 0))
EOP
sleep 0.3
hn stats --format prometheus >"$T/metrics.txt" 2>&1
check_int "a spoofed packet from c1 is counted as spoofed_source" -ge \
	$((before + 1)) "$(val 'hostnat_drops_total{reason="spoofed_source"}')"
out=$(hn stats --format yaml 2>&1); rc=$?
check_match "--format yaml is refused, naming the formats" \
	"text or prometheus" "$out"
check_eq "--format yaml: exit status 2 (usage)" 2 "$rc"
out=$(hn --json stats --format prometheus 2>&1)
check_match "--json with --format prometheus is refused" "two formats" "$out"
out=$(hn stats $NET --format prometheus 2>&1)
check_match "stats NAME --format prometheus: only that network" \
	"hostnat_network_mappings\{network=\"$NET\"\} 1" "$out"
# ---- hostnatd --metrics ------------------------------------------------------
out=$(ns host "$HOSTNATD" --foreground --state-dir "$T/state2" \
	--socket "$T/sock2" --metrics 99999 2>&1); rc=$?
check_match "--metrics 99999 is refused, saying what to give" \
	"ADDRESS:PORT" "$out"
check_eq "--metrics 99999: exit status 2" 2 "$rc"
hn_stop
hn_start --metrics 9469 || bad setup "hostnatd with --metrics 9469"
scrape() { ns host curl -sS --max-time 5 "$@" 2>&1; }
wait_until 5 ns host curl -sf --max-time 1 -o /dev/null \
	http://127.0.0.1:9469/metrics
body=$(scrape http://127.0.0.1:9469/metrics)
printf '%s\n' "$body" >"$T/scrape.txt"
check_match "GET /metrics answers the metrics" \
	'^hostnat_sessions_max [0-9]+$' "$body"
check_eq "GET /metrics: promtool finds no problem" "" \
	"$("$PROMTOOL" check metrics <"$T/scrape.txt" 2>&1)"
check_match "GET /metrics: per network too" \
	"hostnat_network_mappings\{network=\"$NET\"\} 1" "$body"
check_match "the content type is the exposition format's" \
	"text/plain; version=0.0.4" \
	"$(scrape -o /dev/null -D - http://127.0.0.1:9469/metrics)"
check_eq "another path: 404" 404 \
	"$(scrape -o /dev/null -w '%{http_code}' http://127.0.0.1:9469/)"
check_eq "POST: 405" 405 \
	"$(scrape -o /dev/null -w '%{http_code}' -X POST -d x http://127.0.0.1:9469/metrics)"
out=$(ns inet curl -sS --max-time 3 http://$EXT:9469/metrics 2>&1)
check_nomatch "from outside: nothing (it listens on 127.0.0.1)" "hostnat_" "$out"
n=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	scrape http://127.0.0.1:9469/metrics | grep -q '^hostnat_sessions ' &&
		n=$((n + 1))
done
check_eq "ten scrapes in a row, each answered" 10 "$n"
check_cmd "the daemon lives on, under its filter, and answers" \
	hn network list
check_nomatch "no seccomp complaint in the log" "seccomp|SIGSYS|Bad system call" \
	"$(cat "$T/hostnatd.log")"
finish
