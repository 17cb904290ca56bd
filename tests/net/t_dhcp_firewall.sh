#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DHCP server behind a host firewall whose input policy is drop (what
# ufw sets up): hostnatd hears requests on a packet socket, before
# netfilter, so udhcpc and dhclient still get a lease, and udhcpc renews
# it with a unicast REQUEST to the gateway. On the wire (tcpdump in each
# client's namespace), replies go where RFC 2131 section 4.1 says: to the
# client's MAC and its new address when the client did not set the
# broadcast flag (udhcpc without -B, dhclient), to ff:ff:ff:ff:ff:ff and
# 255.255.255.255 when it did (udhcpc -B), to ciaddr at the client's MAC
# for a renewal; from the gateway, port 67, with correct IPv4 and UDP
# checksums. Frames with a bad IPv4 header, a bad UDP checksum or a UDP
# length past the datagram are dropped and counted.
. "$(dirname "$0")/lib.sh"
for t in dhclient udhcpc nft; do
	command -v $t >/dev/null || {
		bad setup "$t not installed (scripts/deps installs it)"
		finish
	}
done
setup

GW=172.16.0.1
MAC_U=02:00:00:00:f1:01		# udhcpc, no broadcast flag
MAC_D=02:00:00:00:f1:02		# dhclient (never sets the flag)
MAC_B=02:00:00:00:f1:03		# udhcpc -B: broadcast flag

# the host namespace's input policy: drop, as ufw's; nothing for port 67
ns host nft -f - <<'EOF' || { bad setup "nft input policy drop"; finish; }
table inet hnfw {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
	}
}
EOF
check_match "firewall: the host's input policy is drop" "policy drop" \
	"$(ns host nft list chain inet hnfw input 2>&1)"

cat >"$T/udhcpc.sh" <<EOS
#!/bin/sh
echo "\$1 \${ip:--} \${router:--}" >>"$T/udhcpc-\${HN_TAG}.log"
case \$1 in
bound|renew)
	ip addr replace "\$ip/\$subnet" dev "\$interface" ;;
deconfig)
	ip addr flush dev "\$interface" ;;
esac
exit 0
EOS
cat >"$T/dhclient.sh" <<EOS
#!/bin/sh
echo "\$reason \${new_ip_address:--} \${new_routers:--}" >>"$T/dhclient.log"
case \$reason in
BOUND|RENEW|REBIND|REBOOT)
	ip addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface" ;;
esac
exit 0
EOS
chmod +x "$T/udhcpc.sh" "$T/dhclient.sh"
: >"$T/udhcpc-u.log"; : >"$T/udhcpc-b.log"; : >"$T/dhclient.log"

client_ns fu $MAC_U && client_ns fd $MAC_D && client_ns fb $MAC_B ||
	{ bad setup "client namespaces"; finish; }
CAPS=()
for c in fu fd fb; do
	cap_start $c eth0 "$T/$c.pcap" udp port 67 or udp port 68 ||
		{ bad setup "capture in $c"; finish; }
	CAPS+=("$CAP_PID")
done

bg fu env HN_TAG=u udhcpc -f -i eth0 -t 5 -T 1 -A 1 -s "$T/udhcpc.sh" \
	-p "$T/udhcpc-u.pid"
bg fb env HN_TAG=b udhcpc -B -f -i eth0 -t 5 -T 1 -A 1 -s "$T/udhcpc.sh" \
	-p "$T/udhcpc-b.pid"
bg fd dhclient -4 -d -v -sf "$T/dhclient.sh" -lf "$T/dhclient.leases" \
	-pf "$T/dhclient.pid" eth0

bound() { grep -Eq "^($2) " "$1"; }
addr_of() { # LOG: the last address its script was given
	grep -E '^(BOUND|RENEW|REBOOT|bound|renew) ' "$1" | tail -n 1 |
		awk '{print $2}'
}
wait_until 20 bound "$T/udhcpc-u.log" bound
wait_until 20 bound "$T/udhcpc-b.log" bound
wait_until 20 bound "$T/dhclient.log" 'BOUND|REBOOT'
AU=$(addr_of "$T/udhcpc-u.log")
AB=$(addr_of "$T/udhcpc-b.log")
AD=$(addr_of "$T/dhclient.log")
check_match "policy drop: udhcpc acquires an address" '^172\.16\.' "$AU"
check_match "policy drop: udhcpc -B acquires an address" '^172\.16\.' "$AB"
check_match "policy drop: dhclient acquires an address" '^172\.16\.' "$AD"

# a renewal: udhcpc (SIGUSR1) unicasts a REQUEST with ciaddr to the gateway
n_before=$(grep -c '^renew ' "$T/udhcpc-u.log")
t_renew=$(date +%s.%N)
kill -USR1 "$(cat "$T/udhcpc-u.pid" 2>/dev/null)" 2>/dev/null
renewed() { [ "$(grep -c '^renew ' "$T/udhcpc-u.log")" -gt "$n_before" ]; }
wait_until 10 renewed
check_match "policy drop: udhcpc renews $AU by unicast" "^renew $AU " \
	"$(grep '^renew ' "$T/udhcpc-u.log" | tail -n 1)"

# hostile frames, sent on the link as they are: a bad IPv4 header checksum,
# a bad UDP checksum, a UDP length past the IPv4 datagram
st0=$(hn --json stats $NET | jq -c '.networks[0].dhcp')
ns fd $PY - <<'EOP'
import socket, struct
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
dhcp = bytearray(240)
dhcp[0:4] = b"\x01\x01\x06\x00"
dhcp[28:34] = b"\x02\x00\x00\x00\xee\x02"
dhcp[236:240] = b"\x63\x82\x53\x63"
dhcp = bytes(dhcp) + b"\x35\x01\x01\xff"
def frame(ip_bad=False, udp_bad=False, ulen_extra=0):
    src, dst = b"\0\0\0\0", b"\xff\xff\xff\xff"
    ulen = 8 + len(dhcp)
    udp = struct.pack("!HHHH", 68, 67, ulen + ulen_extra, 0) + dhcp
    ph = src + dst + struct.pack("!BBH", 0, 17, len(udp))
    c = csum(ph + udp) or 0xffff
    if udp_bad:
        c ^= 0x5555
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1,
                               0, 64, 17, 0, src, dst))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)) ^ (0x1111 if ip_bad else 0))
    return bytes(ip) + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
to = ("eth0", 0x0800, 0, 0, b"\xff" * 6)
for f in (frame(ip_bad=True), frame(udp_bad=True), frame(ulen_extra=40)):
    s.sendto(f, to)
EOP
sleep 0.5
st1=$(hn --json stats $NET | jq -c '.networks[0].dhcp')
delta() { # REASON: how much its drop counter grew
	echo $(( $(jq ".drops.$1 // 0" <<<"$st1") - $(jq ".drops.$1 // 0" <<<"$st0") ))
}
# with br_netfilter loaded the bridge drops a bad IPv4 header itself
if [ "$(ns host sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null)" = 1 ]; then
	check_int "a frame with a bad IPv4 header checksum is dropped" -le 1 \
		"$(delta bad_ip_header)"
else
	check_eq "a frame with a bad IPv4 header checksum is dropped and counted" 1 \
		"$(delta bad_ip_header)"
fi
check_eq "a frame with a bad UDP checksum is dropped and counted" 1 \
	"$(delta bad_udp_checksum)"
check_eq "a UDP length past the datagram is dropped and counted" 1 \
	"$(delta bad_udp_header)"
check_eq "none of them reached the DHCP server (no discover counted)" \
	"$(jq '.received.discover // 0' <<<"$st0")" \
	"$(jq '.received.discover // 0' <<<"$st1")"

# stop the three captures
for pid in "${CAPS[@]}"; do
	CAP_PID=$pid cap_stop
done

# replies: IPv4 and Ethernet destination, from the gateway port 67
replies() { # NAME MAC: the server's replies to MAC (chaddr) captured in
	# P-NAME, with link level (a broadcast reply reaches every client)
	local m=${2//:/}
	cap_show "$T/$1.pcap" -e -vv "udp src port 67 and src host $GW and \
		udp[36:4] = 0x${m:0:8} and udp[40:2] = 0x${m:8:4}"
}
RU=$(replies fu $MAC_U); RD=$(replies fd $MAC_D); RB=$(replies fb $MAC_B)
ether() { grep -E '^[0-9:.]+ ' <<<"$1"; }	# the lines with link headers
check_int "udhcpc: replies captured" -ge 3 "$(ether "$RU" | grep -c .)"
check_match "udhcpc without -B: the OFFER goes to its MAC, not broadcast" \
	"> $MAC_U, " "$(ether "$RU" | head -n 1)"
check_nomatch "udhcpc without -B: no reply to ff:ff:ff:ff:ff:ff" \
	"> ff:ff:ff:ff:ff:ff" "$(ether "$RU")"
check_match "udhcpc without -B: the OFFER goes to the offered address" \
	"$GW\.67 > $AU\.68:" "$RU"
check_nomatch "udhcpc without -B: no reply to 255.255.255.255" \
	"> 255\.255\.255\.255\.68" "$RU"
check_match "dhclient: replies go to its MAC" "> $MAC_D, " \
	"$(ether "$RD" | head -n 1)"
check_nomatch "dhclient: no reply to ff:ff:ff:ff:ff:ff" \
	"> ff:ff:ff:ff:ff:ff" "$(ether "$RD")"
check_match "dhclient: replies go to its address" "$GW\.67 > $AD\.68:" "$RD"
check_match "udhcpc -B: the OFFER is broadcast" "> ff:ff:ff:ff:ff:ff, " \
	"$(ether "$RB" | head -n 1)"
check_match "udhcpc -B: to 255.255.255.255" "$GW\.67 > 255\.255\.255\.255\.68:" "$RB"
check_nomatch "udhcpc -B: no reply to its MAC before it has an address" \
	"> $MAC_B, " "$(ether "$RB" | head -n 2)"
# the unicast REQUEST (ciaddr) was answered: each REQUEST from $AU to the
# gateway is followed by an ACK to $AU within half a second. (Whether
# udhcpc then falls back on a broadcast REQUEST is udhcpc's affair: an ACK
# that reaches its namespace while its sending socket is still open goes
# to that socket and is lost, and udhcpc retries.)
check_match "udhcpc: its renewal is a unicast REQUEST to the gateway" \
	"$AU\.68 > $GW\.67:" "$(cap_show "$T/fu.pcap" "udp dst port 67")"
unanswered=$(cap_show "$T/fu.pcap" -tt "(src host $AU and dst host $GW and \
	udp dst port 67) or (src host $GW and dst host $AU and udp dst port 68)" |
	awk -v t="$t_renew" -v gw="$GW" '$1 > t {
		if ($3 ~ "^" gw "\\.") { for (r in req) if ($1 - req[r] <= 0.5) delete req[r] }
		else req[NR] = $1
	} END { n = 0; for (r in req) n++; print n }')
check_eq "udhcpc: every unicast renewal REQUEST is answered within 0.5 s" 0 \
	"$unanswered"
check_int "udhcpc: the renewal's ACK goes to ciaddr at its MAC" -ge 3 \
	"$(grep -c "$GW\.67 > $AU\.68:" <<<"$RU")"
BR_MAC=$(ip -n "$P-host" link show br0 | awk '/link\/ether/ {print $2}')
check_nomatch "replies come from the bridge's MAC ($BR_MAC)" \
	"^[0-9:.]+ ([0-9a-f:]{17}) " \
	"$(ether "$RU$RD$RB" | grep -v "^[0-9:.]* $BR_MAC ")"
check_nomatch "replies carry correct IPv4 and UDP checksums" \
	"bad (udp )?cksum|incorrect" "$RU$RD$RB"
check_int "stats: the server sent acks" -ge 4 \
	"$(jq '.sent.ack // 0' <<<"$st1")"
# the bridge goes and comes back under its name (a new ifindex): the
# server's socket is opened again on it within a tick or two
ip -n "$P-host" link del br0
sleep 1.5
ip -n "$P-host" link add br0 type bridge &&
	ip -n "$P-host" addr add $GW/16 dev br0 &&
	ip -n "$P-host" link set br0 up &&
	ip -n "$P-host" link set v-fb master br0 ||
	bad setup "bridge br0 made again"
: >"$T/udhcpc-r.log"
wait_until 10 grep -q "DHCP server on br0 is up" "$T/hostnatd.log"
ns fb timeout 20 env HN_TAG=r udhcpc -B -n -q -f -i eth0 -t 10 -T 1 -A 1 \
	-s "$T/udhcpc.sh" >/dev/null 2>&1
check_match "bridge made again: the server notices and serves it again" \
	"bridge br0 is gone or was made again" "$(cat "$T/hostnatd.log")"
check_match "bridge made again: udhcpc gets a lease on the new br0" \
	'^bound 172\.16\.' "$(grep '^bound' "$T/udhcpc-r.log")"
note "udhcpc: $(tr '\n' '|' <"$T/udhcpc-u.log")"
note "udhcpc -B: $(tr '\n' '|' <"$T/udhcpc-b.log")"
note "dhclient: $(tr '\n' '|' <"$T/dhclient.log")"
note "replies to udhcpc: $(ether "$RU" | cut -c1-150 | tr '\n' '|')"
finish
