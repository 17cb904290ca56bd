#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Configuration persists: network, settings, static and dynamic mappings
# are back after a clean restart (SIGTERM); a clean stop removes the
# reserved ports, leaves the programs attached and the TUN devices (for
# the flows of the next start), and keeps the network closed: its
# fail-closed rules stay until "network del".
. "$(dirname "$0")/lib.sh"
setup

serve c1 tcp 0.0.0.0 80 c1web || bad setup "c1 web server"
check_cmd "map add tcp 8080 -> c1:80" \
	hn map add $NET --proto tcp --internal $C1:80 --external-port 8080
check_cmd "map add udp 5353 -> c2:53" \
	hn map add $NET --proto udp --internal $C2:53 --external-port 5353
dyn=$(hn map add $NET --proto tcp --internal $C1:80 2>&1)
check_match "dynamic mapping gets a port" "^[0-9]+$" "$dyn"
# the old kebab-case key still works; answers use the snake_case one
check_cmd "network set udp-timeout 600 (old spelling)" \
	hn network set $NET udp-timeout 600
check_eq "network list: settings.udp_timeout is 600" 600 \
	"$(hn --json network list 2>/dev/null | jq -r --arg n "$NET" \
		'.[] | select(.name == $n) | .settings.udp_timeout' 2>&1)"
rules_before=$(ip -n $P-host rule list)
nets1=$(hn --json network list 2>/dev/null | jq -S . 2>&1)
maps1=$(hn --json map list 2>/dev/null | jq -S 'sort_by(.proto, .external_port)' 2>&1)
check_match "the state directory holds a state file" "." "$(ls -A "$T/state" 2>/dev/null)"

hn_stop
check_eq "SIGTERM: hostnatd exits 0" 0 $?
check_eq "clean stop: only the fail-closed rules stay" \
"7500:	from all to 172.16.0.0/16 iif lo lookup main
7501:	from all to 172.16.0.0/16 iif hn-out lookup main
7501:	from all to 172.16.0.0/16 iif hn-in lookup main
7700:	from all iif br0 lookup 77000
7800:	from all to 172.16.0.0/16 blackhole" \
	"$(ip -n $P-host rule list | grep -v -E '^(0|32766|32767):')"
check_match "clean stop: the network's table holds only its blackhole" \
	"^blackhole default .*metric 4294967295 *$" \
	"$(ip -n $P-host route show table 77000)"
check_eq "clean stop: the TUN devices stay (persistent, for the programs)" \
	"hn-out hn-in" \
	"$(ip -n $P-host -o link show | grep -Eo ' hn-[a-z]+' | tr -d ' ' | tr '\n' ' ' | sed 's/ $//')"
# the programs stay (they carry settled flows for the grace period and
# drop, never let the host answer, what comes for the NAT's ports)
check_match "clean stop: the program stays on up0 (fail-closed, for the next start)" \
	"bpf .*hostnat_steer" \
	"$(ip netns exec $P-host tc filter show dev up0 ingress 2>/dev/null | tr '\n' ' ')"
check_eq "clean stop: the existing bridge br0 stays, with its address" "172.16.0.1/16" \
	"$(ip -n $P-host -o -4 addr show dev br0 | awk '{print $4}')"
check_match "clean stop: ip_local_reserved_ports emptied" "^$" \
	"$(ns host sysctl -n net.ipv4.ip_local_reserved_ports)"

hn_start || { bad "restart" "hostnatd did not start again"; finish; }
nets2=$(hn --json network list 2>/dev/null | jq -S . 2>&1)
maps2=$(hn --json map list 2>/dev/null | jq -S 'sort_by(.proto, .external_port)' 2>&1)
check_eq "restart: network list identical (incl. udp_timeout 600)" "$nets1" "$nets2"
check_eq "restart: map list identical (incl. dynamic port $dyn)" "$maps1" "$maps2"
out=$(hn map list 2>&1)
check_match "restart: map list (text) shows 8080 -> $C1:80" "8080.*$C1:?[ ]*80|$C1:80.*8080" "$out"
check_match "restart: inet reaches c1 via $EXT:8080" "^c1web saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"
if [[ "$dyn" =~ ^[0-9]+$ ]]; then
	check_match "restart: inet reaches c1 via the dynamic port $EXT:$dyn" "^c1web saw $INET:" \
		"$(ns inet curl -sS --max-time 5 http://$EXT:$dyn/ 2>&1)"
fi

# kill -9, restart: still all there
hn_kill9
hn_start || { bad "restart after kill -9" "hostnatd did not start again"; finish; }
check_eq "after kill -9 and restart: map list identical" "$maps1" \
	"$(hn --json map list 2>/dev/null | jq -S 'sort_by(.proto, .external_port)' 2>&1)"
check_eq "after kill -9 and restart: policy rules as before" "$rules_before" \
	"$(ip -n $P-host rule list)"
finish
