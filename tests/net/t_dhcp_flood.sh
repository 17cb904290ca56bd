#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DHCP server under two floods, on a /26 pool (61 addresses for
# clients and endpoints; DHCP's share 90% of them), each bounded in count
# and time:
#  - one MAC looping DISCOVER, OFFER, DECLINE as fast as the server
#    answers, for 15 s: its declined addresses are charged to it, it is
#    held off after IPAM_DECLINES_DEFAULT (2) of them;
#  - 300 DISCOVERs a second from random MACs, for 15 s (4500 frames,
#    raw Ethernet from a namespace on the bridge): new offers are
#    rate-limited, offers not requested expire fast, a client that
#    retransmits is let in by its own bucket.
# Under each, a new busybox udhcpc client gets a lease within 10 s and
# "hostnat endpoint add" still gets an address (the reserve is never
# DHCP's). Every message the flood sent is answered or counted as a drop.
. "$(dirname "$0")/lib.sh"
command -v udhcpc >/dev/null || {
	bad setup "udhcpc not installed (scripts/deps installs it)"
	finish
}
setup

# the network again, on a /26: br0 loses the /16 the topology gave it
hn network del $NET >/dev/null 2>&1
ip -n "$P-host" addr flush dev br0
check_cmd "network add on a /26 pool" hn network add $NET \
	--prefix 172.16.0.0/26 --bridge br0 --external up0

# udhcpc runs with its own script per victim: log "EVENT ADDRESS"
victim_script() { # NAME
	cat >"$T/$1.sh" <<EOF
#!/bin/sh
echo "\$1 \${ip:--}" >>"$T/$1.log"
EOF
	chmod +x "$T/$1.sh"
	: >"$T/$1.log"
}

# the flooders: raw Ethernet frames of DHCP requests, bounded
cat >"$T/flood.py" <<'EOP'
import os, random, socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(mac, xid, typ, bcast, opts=b""):
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0,
                        0x8000 if bcast else 0, bytes(4), bytes(4), bytes(4),
                        bytes(4), mac + bytes(10), bytes(64), bytes(128),
                        0x63825363)
    bootp += bytes([53, 1, typ]) + opts + b"\xff"
    bootp += bytes(max(0, 300 - len(bootp)))
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, bytes(4), b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + mac + b"\x08\x00" + ip + udp

def options(pkt):
    """the options of a BOOTREPLY frame to us (Ethernet, IPv4, UDP 68)"""
    if len(pkt) < 14 + 20 + 8 + 240 or pkt[12:14] != b"\x08\x00":
        return None
    ihl = (pkt[14] & 15) * 4
    b = pkt[14 + ihl + 8:]
    if pkt[14 + 9] != 17 or struct.unpack("!H", pkt[14 + ihl + 2:14 + ihl + 4])[0] != 68:
        return None
    o, i = {}, 240
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        o[b[i]] = b[i + 2:i + 2 + b[i + 1]]
        i += 2 + b[i + 1]
    return struct.unpack("!I", b[4:8])[0], b[16:20], o

mode, dev = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((dev, 0))
if mode == "random":
    # RATE frames a second from random MACs, COUNT at most, MAXT seconds
    rate, count, maxt = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    t0, sent = time.monotonic(), 0
    while sent < count and time.monotonic() - t0 < maxt:
        mac = bytes([0x02]) + os.urandom(5)
        s.send(frame(mac, random.getrandbits(32), 1, False))
        sent += 1
        ahead = t0 + sent / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print("sent %d in %.1f s" % (sent, time.monotonic() - t0))
else:
    # one MAC: DISCOVER, wait for the OFFER, DECLINE it; MAXT seconds
    mac = bytes.fromhex(sys.argv[3].replace(":", ""))
    maxt = float(sys.argv[4])
    s.settimeout(0.2)
    t0, disc, offers, declines = time.monotonic(), 0, 0, 0
    while time.monotonic() - t0 < maxt:
        xid = random.getrandbits(32)
        s.send(frame(mac, xid, 1, True))
        disc += 1
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            try:
                r = options(s.recv(2048))
            except socket.timeout:
                break
            if not r or r[0] != xid or r[2].get(53) != b"\x02":
                continue
            offers += 1
            s.send(frame(mac, xid, 4, True, bytes([50, 4]) + r[1] +
                         bytes([54, 4]) + r[2][54]))
            declines += 1
            break
        time.sleep(0.01)
    print("discovers %d offers %d declines %d" % (disc, offers, declines))
EOP

st() { hn --json stats $NET | jq ".networks[0].dhcp$1"; }
share_ok() { # DHCP's share never above its cap
	local s m
	s=$(st .pool.share) m=$(st .pool.max_share)
	[ "$s" -le "$m" ]
}

# victim NAME MAC: a new udhcpc client; prints the seconds to its lease
victim() {
	local t0 t1
	client_ns "$1" "$2" || return 1
	victim_script "$1"
	t0=$(date +%s.%N)
	ns "$1" timeout 15 udhcpc -f -q -n -i eth0 -t 12 -T 1 -A 1 \
		-s "$T/$1.sh" >"$T/$1.out" 2>&1
	t1=$(date +%s.%N)
	grep -q '^bound ' "$T/$1.log" || { echo never; return 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

# ---- 1. one MAC looping DISCOVER / OFFER / DECLINE -------------------------
client_ns dl 02:00:00:00:dd:01 || { bad setup "decliner namespace"; finish; }
bg dl $PY "$T/flood.py" decline eth0 02:00:00:00:dd:01 15 >"$T/decline.out"
DL=$BG_PID
sleep 2
secs=$(victim v1 02:00:00:00:aa:01)
check_match "decline loop: a new udhcpc client gets a lease within 10 s ($secs s)" \
	'^([0-9]|10)\.[0-9]$' "$secs"
ip netns add "$P-e1" && NSS+=("$P-e1")
check_match "decline loop: endpoint add gets an address" \
	"$P-e1 +eth0 +172\.16\.0\.[0-9]+/26 " \
	"$(hn endpoint add $NET --netns $P-e1 2>&1)"
check_cmd "decline loop: DHCP's share stays within its cap" share_ok
wait "$DL"
note "decline loop: $(cat "$T/decline.out")"
offers=$(sed -n 's/.* offers \([0-9]*\) .*/\1/p' "$T/decline.out")
check_int "decline loop: the looping MAC got 2 offers at most" -le 2 "${offers:-99}"
check_int "decline loop: its DISCOVERs are dropped as declining_client" -ge 10 \
	"$(st '.drops.declining_client // 0')"
check_match "decline loop: network show lists its declined addresses" \
	"declined" "$(hn network show $NET 2>&1)"

# ---- 2. 300 DISCOVERs a second from random MACs ------------------------------
before=$(hn --json stats $NET)
client_ns fl 02:00:00:00:ff:01 || { bad setup "flooder namespace"; finish; }
bg fl $PY "$T/flood.py" random eth0 300 4500 20 >"$T/flood.out"
FL=$BG_PID
sleep 2
secs=$(victim v2 02:00:00:00:aa:02)
check_match "random flood: a new udhcpc client gets a lease within 10 s ($secs s)" \
	'^([0-9]|10)\.[0-9]$' "$secs"
ip netns add "$P-e2" && NSS+=("$P-e2")
check_match "random flood: endpoint add gets an address" \
	"$P-e2 +eth0 +172\.16\.0\.[0-9]+/26 " \
	"$(hn endpoint add $NET --netns $P-e2 2>&1)"
check_cmd "random flood: DHCP's share stays within its cap" share_ok
wait "$FL"
note "random flood: $(cat "$T/flood.out")"
sleep 0.5
after=$(hn --json stats $NET)
d() { # JQ-PATH: how much it grew during the flood
	echo $(( $(jq "(.networks[0].dhcp$1) // 0" <<<"$after") - \
		$(jq "(.networks[0].dhcp$1) // 0" <<<"$before") ))
}
disc=$(d .received.discover)
offers=$(d .sent.offer)
drops=$(( $(d .drops.new_client_rate) + $(d .drops.client_rate) + \
	$(d .drops.lease_limit) + $(d .drops.pool_full) + \
	$(d .drops.declining_client) ))
note "random flood: discovers $disc, offers $offers, drops $drops," \
	"new_client_rate $(d .drops.new_client_rate)," \
	"offers evicted $(d .pool.offers_evicted)," \
	"let in on retransmission $(d .pool.admitted_retry)"
check_int "random flood: the server heard the 4500 DISCOVERs" -ge 4500 "$disc"
check_eq "random flood: every DISCOVER is answered or counted as a drop" \
	"$disc" "$((offers + drops))"
check_int "random flood: most get no offer (rate limit)" -ge 3000 \
	"$(d .drops.new_client_rate)"
check_match "udhcpc victims hold bound leases" "lease +172\.16\.0\.[0-9]+ .*bound" \
	"$(hn lease list $NET 2>&1)"
finish
