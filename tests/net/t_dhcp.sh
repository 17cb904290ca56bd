#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DHCP server with real clients: ISC dhclient, busybox udhcpc and
# dhcpcd, each in its own namespace behind br0, get an address from the
# pool (acquisition), keep it across a hostnatd restart and renew it at T1
# (60 s leases: T1 30 s), reach inet through the NAT with it, and release
# it (the address shows free in "network show"). A reservation by MAC
# (lease add) is what its client gets. Malformed DHCP messages are dropped
# and counted.
#
# The clients run with files in the case's directory only: dhclient with
# -sf/-lf/-pf there; udhcpc with -s/-p there; dhcpcd with -f /dev/null,
# -c (no hooks: nothing writes /etc/resolv.conf) and, in a private mount
# namespace, a tmpfs on /run and the case's directory on /var/lib/dhcpcd.
. "$(dirname "$0")/lib.sh"
for t in dhclient udhcpc; do
	command -v $t >/dev/null || {
		bad setup "$t not installed (scripts/deps installs it)"
		finish
	}
done
setup

LEASE=60	# s, the shortest lease time: T1 30 s
RESERVED=172.16.7.7
MAC_U=02:00:00:00:d1:02	# udhcpc's MAC, with a reservation

# the clients' scripts: log "EVENT ADDRESS ROUTER DNS LEASE", configure
cat >"$T/dhclient.sh" <<EOS
#!/bin/sh
echo "\$reason \${new_ip_address:--} \${new_routers:--} \${new_domain_name_servers:--} \${new_dhcp_lease_time:--}" >>"$T/dhclient.log"
case \$reason in
BOUND|RENEW|REBIND|REBOOT)
	ip addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface"
	ip route replace default via "\${new_routers%% *}" ;;
EXPIRE|FAIL|RELEASE|STOP)
	ip addr flush dev "\$interface" ;;
esac
exit 0
EOS
cat >"$T/udhcpc.sh" <<EOS
#!/bin/sh
echo "\$1 \${ip:--} \${router:--} \${dns:--} \${lease:--}" >>"$T/udhcpc.log"
case \$1 in
bound|renew)
	ip addr replace "\$ip/\$subnet" dev "\$interface"
	ip route replace default via "\${router%% *}" ;;
deconfig)
	ip addr flush dev "\$interface" ;;
esac
exit 0
EOS
cat >"$T/dhcpcd.sh" <<EOS
#!/bin/sh
echo "\$reason \${new_ip_address:--} \${new_routers:--} \${new_domain_name_servers:--} \${new_dhcp_lease_time:--}" >>"$T/dhcpcd.log"
exit 0
EOS
chmod +x "$T/dhclient.sh" "$T/udhcpc.sh" "$T/dhcpcd.sh"
mkdir -p "$T/dhcpcd-db"
: >"$T/dhclient.log"; : >"$T/udhcpc.log"; : >"$T/dhcpcd.log"

check_cmd "network set dhcp_lease_time $LEASE" \
	hn network set $NET dhcp_lease_time $LEASE
check_cmd "lease add: $MAC_U reserved $RESERVED" \
	hn lease add $NET --mac $MAC_U --address $RESERVED
check_match "network show lists the reservation" \
	"static +$RESERVED +$MAC_U" "$(hn network show $NET 2>&1)"

client_ns d1 02:00:00:00:d1:01 && client_ns d2 $MAC_U &&
	client_ns d3 02:00:00:00:d1:03 || { bad setup "client namespaces"; finish; }

# dhclient (foreground), udhcpc (foreground, stays for renewal), dhcpcd
bg d1 dhclient -4 -d -v -sf "$T/dhclient.sh" -lf "$T/dhclient.leases" \
	-pf "$T/dhclient.pid" eth0
DHCLIENT=$BG_PID
bg d2 udhcpc -f -i eth0 -t 5 -T 1 -A 1 -s "$T/udhcpc.sh" \
	-p "$T/udhcpc.pid"
UDHCPC=$BG_PID
dhcpcd_ok=1
if ! command -v dhcpcd >/dev/null; then
	dhcpcd_ok=0
	bad "dhcpcd" "skipped: dhcpcd not installed (scripts/deps installs it)"
elif unshare --help 2>&1 | grep -q -- --mount; then
	bg d3 unshare -m --propagation private sh -c "
		mount -t tmpfs tmpfs /run &&
		mount --bind '$T/dhcpcd-db' /var/lib/dhcpcd &&
		echo \$\$ >'$T/dhcpcd.pid' &&
		exec dhcpcd -B -4 -f /dev/null -c '$T/dhcpcd.sh' --noarp \
			--noipv4ll -t 20 eth0" >"$T/dhcpcd.out" 2>&1
	DHCPCD=$BG_PID
else
	dhcpcd_ok=0
	note "skipped: dhcpcd: unshare cannot make a mount namespace, and " \
		"dhcpcd writes /run/dhcpcd and /var/lib/dhcpcd"
	bad "dhcpcd" "skipped: no private mount namespace for its files"
fi

bound() { grep -Eq "^($2) " "$T/$1.log"; }
addr_of() { # CLIENT: the last address its script was given
	grep -E '^(BOUND|RENEW|REBIND|REBOOT|bound|renew) ' "$T/$1.log" |
		tail -n 1 | awk '{print $2}'
}
ns_addr() { ip -n "$P-$1" -4 -o addr show dev eth0 | awk '{print $4}' | head -n 1; }

wait_until 20 bound dhclient 'BOUND|REBOOT'
wait_until 20 bound udhcpc bound
[ $dhcpcd_ok = 1 ] && wait_until 30 bound dhcpcd 'BOUND|REBOOT'
A1=$(addr_of dhclient)
A2=$(addr_of udhcpc)
A3=$(addr_of dhcpcd)
check_match "dhclient: acquires an address of 172.16.0.0/16" '^172\.16\.' "$A1"
check_eq "udhcpc: acquires its reserved address" "$RESERVED" "$A2"
[ $dhcpcd_ok = 1 ] &&
	check_match "dhcpcd: acquires an address of 172.16.0.0/16" '^172\.16\.' "$A3"
check_match "dhclient: router is the gateway, lease $LEASE s" \
	"^BOUND $A1 172\.16\.0\.1 .* $LEASE$" "$(grep ^BOUND "$T/dhclient.log" | tail -n 1)"
check_match "udhcpc: router is the gateway" "^bound $A2 172\.16\.0\.1 " \
	"$(grep ^bound "$T/udhcpc.log" | tail -n 1)"
[ $dhcpcd_ok = 1 ] && check_match "dhcpcd: the address is on eth0 in its namespace" "^$A3/16$" "$(ns_addr d3)"
check_nomatch "the three addresses differ" "^(.*) \1|^(.*) .* \2$" "$A1 $A2 $A3"
pool=$(hn --json network show $NET 2>/dev/null)
for a in "$A1" "$A3"; do
	check_eq "network show: $a is a bound lease" "lease bound" \
		"$(jq -r --arg a "$a" '.pool.entries[] | select(.address == $a) |
			"\(.kind) \(.state)"' <<<"$pool")"
done
check_match "lease list shows the leases" "lease +$A1 .*bound" \
	"$(hn lease list $NET 2>&1)"

# restart hostnatd in the middle of the leases: they are kept
hn_stop
check_eq "restart: hostnatd exits 0" 0 $?
check_match "restart: the leases file holds the lease of $A1" "^lease $A1 bound" \
	"$(cat "$T/state/leases-$NET.txt" 2>&1)"
hn_start || { bad "restart" "hostnatd did not start again"; finish; }
check_eq "restart: $A1 is still a bound lease" "lease bound" \
	"$(hn --json network show $NET | jq -r --arg a "$A1" \
		'.pool.entries[] | select(.address == $a) | "\(.kind) \(.state)"')"

# renewal at T1 (30 s after binding) from each client, same address
wait_until 45 bound dhclient RENEW
wait_until 10 bound udhcpc renew
[ $dhcpcd_ok = 1 ] && wait_until 10 bound dhcpcd 'RENEW'
check_match "dhclient: renews $A1 after the restart" "^RENEW $A1 " \
	"$(grep ^RENEW "$T/dhclient.log" | tail -n 1)"
check_match "udhcpc: renews $A2 after the restart" "^renew $A2 " \
	"$(grep ^renew "$T/udhcpc.log" | tail -n 1)"
[ $dhcpcd_ok = 1 ] && check_match "dhcpcd: renews $A3 after the restart" \
	"^RENEW $A3 " "$(grep ^RENEW "$T/dhcpcd.log" | tail -n 1)"

# with those addresses, through the NAT
serve inet tcp $INET 80 web || bad setup "web server"
for c in d1 d2 d3; do
	[ $c = d3 ] && [ $dhcpcd_ok = 0 ] && continue
	check_match "$c: curl reaches inet through the NAT" "^web saw $EXT:" \
		"$(ns $c curl -sS --max-time 5 http://$INET/ 2>&1)"
done

# malformed and hostile messages: dropped and counted
before=$(hn --json stats $NET | jq '.networks[0].dhcp.dropped')
ns d1 $PY - <<'EOP'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
base = bytearray(240)
base[0:4] = b"\x01\x01\x06\x00"
base[28:34] = b"\x02\x00\x00\x00\xee\x01"
bad_cookie = bytes(base[:236]) + b"\x01\x02\x03\x04" + b"\x35\x01\x01\xff"
truncated = bytes(base[:236]) + b"\x63\x82\x53\x63" + b"\x35\x01\x01\x0c\x40ab"
short = b"\x01\x01\x06\x00" + bytes(20)
for m in (bad_cookie, truncated, short):
    s.sendto(m, ("255.255.255.255", 67))
# a flood of DISCOVERs from 100 new MAC addresses at once
for i in range(100):
    m = bytearray(base)
    m[4:8] = i.to_bytes(4, "big")
    m[28:34] = bytes([2, 0x66, 0, 0, 0, i])
    m[236:240] = b"\x63\x82\x53\x63"
    s.sendto(bytes(m) + b"\x35\x01\x01\xff", ("255.255.255.255", 67))
EOP
sleep 0.5
st=$(hn --json stats $NET)
after=$(jq '.networks[0].dhcp.dropped' <<<"$st")
check_int "stats: the 3 malformed messages are counted as dropped" -ge \
	$((before + 3)) "$after"
check_match "stats: malformed reasons are named" "cookie" \
	"$(jq -c '.networks[0].dhcp.malformed' <<<"$st")"
check_int "stats: a flood of new MAC addresses is cut by the rate limit" \
	-ge 1 "$(jq '.networks[0].dhcp.drops.new_client_rate // 0' <<<"$st")"
check_int "stats: most of the flood of 100 gets no offer (<= 60)" \
	-le 60 "$(jq '[.networks[0].dhcp.sent.offer // 0] | add' <<<"$st")"
check_match "stats (text) shows the DHCP counters" "dhcp \(running\)" \
	"$(hn stats $NET 2>&1)"

# release: each client gives its address back
ns d1 timeout 10 dhclient -4 -r -sf "$T/dhclient.sh" -lf "$T/dhclient.leases" \
	-pf "$T/dhclient.pid" eth0 >/dev/null 2>&1
kill -USR2 "$(cat "$T/udhcpc.pid" 2>/dev/null)" 2>/dev/null
[ $dhcpcd_ok = 1 ] && kill -ALRM "$(cat "$T/dhcpcd.pid" 2>/dev/null)" 2>/dev/null
free_in_pool() { # ADDR: no bound lease holds it
	[ -z "$(hn --json network show $NET | jq -r --arg a "$1" \
		'.pool.entries[] | select(.address == $a and .kind == "lease")')" ]
}
wait_until 10 free_in_pool "$A1"
check_cmd "dhclient: after release, $A1 is free in network show" free_in_pool "$A1"
[ $dhcpcd_ok = 1 ] && wait_until 10 free_in_pool "$A3" &&
	check_cmd "dhcpcd: after release, $A3 is free in network show" free_in_pool "$A3"
wait_until 5 grep -q deconfig "$T/udhcpc.log"
check_match "udhcpc: releases (deconfig); its reservation stays" \
	"static +$RESERVED" "$(hn network show $NET 2>&1)"
check_cmd "lease del: the reservation of $MAC_U" hn lease del $NET --mac $MAC_U
check_nomatch "network show: $RESERVED is free again" " $RESERVED " \
	"$(hn network show $NET 2>&1)"
note "dhclient: $(tr '\n' '|' <"$T/dhclient.log")"
note "udhcpc: $(tr '\n' '|' <"$T/udhcpc.log")"
note "dhcpcd: $(tr '\n' '|' <"$T/dhcpcd.log") $(tail -n 5 "$T/dhcpcd.out" | tr '\n' '|')"
finish
