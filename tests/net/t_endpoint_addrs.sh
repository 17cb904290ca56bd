#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-endpoint limits stay per endpoint (issue 10, 2): with source binding
# on, a bridge port may send from at most `endpoint_addresses` (default 4)
# addresses that hostnat did not give out, and each such address is that
# port's alone while it uses it. c1 configures 6 addresses of the prefix:
# with its own, the first 3 reach inet, the other 3 are dropped
# ("endpoint_addresses"); c2 taking
# one of c1's addresses in use is dropped ("spoofed_source"); with the
# setting at 6 all of c1's pass; with source_binding off the limit is off.
. "$(dirname "$0")/lib.sh"
setup
serve inet udp $INET 7000 echo || bad setup "echo server"
for i in 1 2 3 4 5 6; do
	ip -n $P-c1 addr add 172.16.7.$i/16 dev eth0
done

# send_from NS ADDR: one UDP round trip with that source; prints the answer
send_from() {
	ns "$1" timeout 5 $NT udp-client $INET 7000 --src "$2" --timeout 1 2>&1
}

check_match "c1's own address works (its first)" "^echo saw $EXT:" \
	"$(send_from c1 $C1)"
before=$(drops endpoint_addresses)
got=""
for i in 1 2 3 4 5 6; do
	if grep -q "^echo saw $EXT:" <<<"$(send_from c1 172.16.7.$i)"; then
		got+="$i "
	fi
done
check_eq "c1: 3 more addresses reach inet (4 in all), the others do not" \
	"1 2 3 " "$got"
check_drop_grew "c1's 5th to 7th addresses are counted" endpoint_addresses "$before"
check_match "c1's own address still works" "^echo saw $EXT:" \
	"$(send_from c1 $C1)"

# c2 takes 172.16.7.1, which c1 uses
ip -n $P-c2 addr add 172.16.7.1/32 dev lo
before=$(drops spoofed_source)
check_nomatch "c2 cannot send from an address c1 uses (172.16.7.1)" \
	"^echo saw" "$(send_from c2 172.16.7.1)"
check_drop_grew "c2's packets as 172.16.7.1 are counted" spoofed_source "$before"

check_cmd "network set endpoint_addresses 8" hn network set $NET endpoint_addresses 8
check_match "with 8 allowed, c1's 6th address reaches inet" "^echo saw $EXT:" \
	"$(send_from c1 172.16.7.6)"
out=$(hn network set $NET endpoint_addresses 9 2>&1)
check_match "endpoint_addresses 9 is refused with one line" \
	"endpoint_addresses '9' is not valid" "$out"
check_cmd "network set endpoint_addresses 1" hn network set $NET endpoint_addresses 1
check_cmd "network set source_binding off" hn network set $NET source_binding off
check_match "source_binding off: no limit (c1's 5th address passes)" \
	"^echo saw $EXT:" "$(send_from c1 172.16.7.5)"
finish
