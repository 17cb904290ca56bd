#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A packet from an endpoint with a source outside the network's prefixes is
# not forwarded, neither translated nor as it is, and is counted. A remote
# whose addresses become a network's prefix while it sends to a mapped port
# stops reaching the endpoint at once.
. "$(dirname "$0")/lib.sh"
setup

serve inet udp $INET 7000 echo || bad setup "udp server"
serve inet tcp $INET 80 web || bad setup "web server"
before=$(drops spoofed_source)
ip -n $P-c1 addr add 10.9.9.9/32 dev eth0

cap_start inet veth0 "$T/inet.pcap" || bad setup tcpdump
cap1=$CAP_PID
cap_start c1 eth0 "$T/br0.pcap" host 10.9.9.9 || bad setup tcpdump
ns c1 timeout 10 $NT udp-client $INET 7000 --src 10.9.9.9 --timeout 2 >"$T/u.out" 2>&1
ns c1 ping -c 2 -i 0.2 -W 1 -I 10.9.9.9 $INET >/dev/null 2>&1
ns c1 curl -s --max-time 2 --interface 10.9.9.9 http://$INET/ >/dev/null 2>&1
# for comparison, a legitimate packet that must pass
ns c1 timeout 10 $NT udp-client $INET 7000 >"$T/ok.out" 2>&1
cap_stop
CAP_PID=$cap1
cap_stop

check_match "control: c1 sent spoofed packets (seen on its eth0)" "IP 10\.9\.9\.9" \
	"$(cap_show "$T/br0.pcap")"
check_eq "spoofed udp from 10.9.9.9 gets no answer" timeout "$(cat "$T/u.out")"
pk=$(cap_show "$T/inet.pcap")
check_nomatch "inet sees nothing from 10.9.9.9" "IP 10\.9\.9\.9" "$pk" ||
	note "host's route for it: $(ip -n $P-host route get $INET from 10.9.9.9 iif br0 2>&1 | head -n 1)"
check_nomatch "inet's servers saw nothing but $EXT" "10\.9\.9\.9" \
	"$(cat "$T/echo.log" "$T/web.log")"
check_match "control: a legitimate packet from c1 still passes" "saw $EXT" "$(cat "$T/ok.out")"
after=$(drops spoofed_source)
note "spoofed_source drops: before ${before:-?}, after ${after:-?}"
if [[ "${before:-x}" =~ ^[0-9]+$ && "${after:-x}" =~ ^[0-9]+$ ]] && [ "$after" -gt "$before" ]; then
	ok "hostnat stats counts the spoofed packets (spoofed_source $before -> $after)"
else
	bad "hostnat stats counts the spoofed packets" \
		"expected drops.spoofed_source to grow, got '${before:-none}' -> '${after:-none}'"
fi

# ---- a remote's addresses made a network's prefix while it sends ---------
# inet streams to c1's mapped UDP port from 203.0.113.254 (its d0), a
# datagram every 5 ms; a network is then added with 203.0.113.0/24: from
# the moment `network add` returns, such a source is internal, so nothing of
# the stream reaches c1 later than 40 ms after (the uplink's programs keep a
# source's pass for a 134 ms tick unless the daemon says the prefixes
# changed)
R=203.0.113.254
serve c1 udp 0.0.0.0 7000 c1udp || bad setup "c1 udp server"
check_cmd "map udp $EXT:7000 -> c1:7000" hn map add $NET --proto udp \
	--internal $C1:7000 --external-port 7000
ip -n $P-host link add brr type bridge && ip -n $P-host link set brr up
cap_start c1 eth0 "$T/remote.pcap" udp dst port 7000 and src host $R || bad setup tcpdump
bg inet $NT udp-ping $EXT 7000 --src $R --sport 41600 --count 400 \
	--interval-ms 5 --timeout 0.01
pinger=$BG_PID
wait_until 10 grep -q "^udp $R:" "$T/c1udp.log" || bad setup "$R reached c1 through the mapping"
check_cmd "network add with $R's prefix 203.0.113.0/24" hn network add netr \
	--prefix 203.0.113.0/24 --bridge brr --external up0
t_add=$(date +%s.%N)
sleep 0.5
cap_stop
stop_pid "$pinger"
check_int "a remote made internal: control: $R's datagrams reached c1 first" -ge 1 \
	"$(cap_show "$T/remote.pcap" -tt | awk -v t="$t_add" '$1 <= t' | wc -l)"
check_eq "a remote made internal: nothing from $R reaches c1 40 ms after the network is added" \
	0 "$(cap_show "$T/remote.pcap" -tt | awk -v t="$t_add" '$1 > t + 0.04' | wc -l)"
finish
