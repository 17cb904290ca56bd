#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A packet from an endpoint with a source outside the network's prefixes is
# not forwarded, neither translated nor as it is, and is counted.
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
finish
