#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Static mappings reached from outside (TCP, UDP) with the endpoint seeing
# the client's real address; a dynamic mapping; hairpin from c2; the host
# itself reaching its mapped port; removing a mapping stops inbound traffic.
. "$(dirname "$0")/lib.sh"
setup

serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
serve c1 udp 0.0.0.0 5353 c1udp || bad setup "c1 udp server"

check_cmd "map add tcp 8080 -> c1:80" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8080
check_cmd "map add udp 5353 -> c1:5353" \
	hn map add $NET --proto udp --internal $C1:5353 --external-port 5353
ml=$(hn --json map list 2>&1)
check_eq "map list --json shows both mappings" "5353/udp 8080/tcp" \
	"$(jq -r '[.[] | "\(.external_port)/\(.proto)"] | sort | join(" ")' <<<"$ml" 2>&1)"

# inbound TCP, no proxy: c1 sees inet's own address
out=$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)
check_match "inbound tcp: inet reaches c1:80 via $EXT:8080, c1 sees $INET" \
	"^c1web saw $INET:[0-9]+$" "$out"
out=$(ns inet timeout 10 $NT udp-client $EXT 5353 2>&1)
check_match "inbound udp: inet reaches c1:5353 via $EXT:5353, c1 sees $INET" \
	"^c1udp saw $INET:[0-9]+$" "$out"

# hairpin: c2 -> external address:8080 -> c1:80, c1 sees the external address
out=$(ns c2 curl -sS --max-time 5 http://$EXT:8080/ 2>&1)
check_match "hairpin: c2 reaches c1 via $EXT:8080, c1 sees $EXT" \
	"^c1web saw $EXT:[0-9]+$" "$out"
out=$(ns c2 timeout 10 $NT udp-client $EXT 5353 2>&1)
check_match "hairpin udp: c2 reaches c1 via $EXT:5353, c1 sees $EXT" \
	"^c1udp saw $EXT:[0-9]+$" "$out"
# c1 reaching itself through its own mapping (hairpin to the same endpoint)
out=$(ns c1 curl -sS --max-time 5 http://$EXT:8080/ 2>&1)
check_match "hairpin: c1 reaches itself via $EXT:8080" "^c1web saw " "$out"

# the host itself
out=$(ns host curl -sS --max-time 5 http://$EXT:8080/ 2>&1)
check_match "host: the host reaches its mapped port $EXT:8080 (c1 answers)" \
	"^c1web saw " "$out"
note "host -> $EXT:8080: $out"
out=$(ns host timeout 10 $NT udp-client $EXT 5353 2>&1)
check_match "host: the host reaches its mapped udp port $EXT:5353" \
	"^c1udp saw " "$out"

# a dynamic mapping: the port is printed alone on stdout
port=$(hn map add $NET --proto tcp --internal $C1:80 2>"$T/dyn.err")
check_match "dynamic mapping: map add without --external-port prints a port" \
	"^[0-9]+$" "$port"
if [[ "$port" =~ ^[0-9]+$ ]]; then
	out=$(ns inet curl -sS --max-time 5 http://$EXT:$port/ 2>&1)
	check_match "dynamic mapping: inet reaches c1 via $EXT:$port" \
		"^c1web saw $INET:" "$out"
	hn map del $NET --proto tcp --external-port "$port" >/dev/null 2>&1
fi

# removal stops inbound traffic
check_cmd "map del tcp 8080" hn map del $NET --proto tcp --external-port 8080
check_cmd "map del udp 5353" hn map del $NET --proto udp --external-port 5353
: >"$T/c1web.log"
: >"$T/c1udp.log"
out=$(ns inet curl -sS --max-time 3 http://$EXT:8080/ 2>&1)
check_nomatch "after map del: inet no longer reaches c1 via tcp 8080" "c1web saw" "$out"
out=$(ns inet timeout 10 $NT udp-client $EXT 5353 --timeout 2 2>&1)
check_nomatch "after map del: inet no longer reaches c1 via udp 5353" "c1udp saw" "$out"
check_eq "after map del: c1's servers logged nothing" "" \
	"$(cat "$T/c1web.log" "$T/c1udp.log")"
check_eq "after map del: map list is empty" 0 \
	"$(hn --json map list 2>/dev/null | jq length 2>&1)"
finish
