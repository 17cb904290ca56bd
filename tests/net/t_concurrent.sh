#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 200 concurrent TCP connections through the NAT, all open at the same time,
# all answered; the session table holds them.
. "$(dirname "$0")/lib.sh"
setup

serve inet tcp $INET 80 web || bad setup "web server"
ns c1 timeout 60 $NT conc $INET 80 200 --hold 4 --timeout 30 >"$T/conc.out" 2>&1 &
cp=$!
PIDS+=("$cp")
wait_until 40 grep -q '^ok ' "$T/conc.out"
out=$(cat "$T/conc.out")
check_match "200 concurrent tcp connections from c1 all answered" "^ok 200/200$" "$out"
n=$(hn --json session list --proto tcp --internal $C1 2>/dev/null |
	jq --arg r $INET '[.[] | select(.remote_address == $r and .remote_port == 80)] | length' 2>&1)
check_int "session list shows the 200 connections while they are open" -ge 200 "$n"
ports=$(grep -Eo "^tcp $EXT:[0-9]+" "$T/web.log" | sort -u | wc -l)
check_eq "the server saw 200 distinct external ports of $EXT" 200 "$ports"
wait $cp
check_eq "conc client exited 0" 0 $?

# and 200 more, as 200 parallel curl processes (bounded), from c1 and c2
: >"$T/web.log"
cpids=()
for i in $(seq 100); do
	ip netns exec $P-c1 curl -s --max-time 15 -o /dev/null -w '%{http_code}\n' http://$INET/ >>"$T/curl.out" 2>&1 &
	cpids+=($!)
	ip netns exec $P-c2 curl -s --max-time 15 -o /dev/null -w '%{http_code}\n' http://$INET/ >>"$T/curl.out" 2>&1 &
	cpids+=($!)
done
wait "${cpids[@]}"
check_eq "200 parallel curls from c1 and c2 all got 200" 200 "$(grep -c '^200$' "$T/curl.out")"
finish
