#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No packet with an internal source ever leaves the uplink. c1 streams
# UDP to inet (one datagram per ms, bounded) while hostnatd is killed
# with -9 and started, stopped with SIGTERM and started at once, started
# on a corrupt state.json (it fails) and then on the good one, stopped
# cleanly (br0 is the user's bridge: it stays, with its address), and
# while the network is deleted. A capture on inet's veth0 must hold no
# packet from 172.16.0.0/16 in any of these; and while hostnatd is up the
# stream does get through, translated to $EXT, so the capture means
# something.
. "$(dirname "$0")/lib.sh"
setup

serve inet udp $INET 7000 echo || bad setup "udp server"
LEAK="src net 172.16.0.0/16"
XLAT="src host $EXT and udp dst port 7000"

# leak_begin LABEL: a capture on inet and a stream from c1
leak_begin() {
	LABEL=$1
	cap_start inet veth0 "$T/$LABEL.pcap" "($LEAK) or ($XLAT)" || bad setup tcpdump
	stream_start c1 $INET 7000 20000 --sport 41000 ||
		bad setup "stream from c1 did not start"
	stream_more 200
}

# leak_end: stop stream and capture, check nothing leaked
leak_end() {
	stream_stop
	cap_stop
	note "$LABEL: c1 sent $(stream_sent) datagrams;" \
		"inet saw $(cap_count "$T/$LABEL.pcap" "$XLAT") translated"
	check_none "$LABEL: inet saw no packet from 172.16.0.0/16" \
		"$(cap_show "$T/$LABEL.pcap" "$LEAK")"
}

# through LABEL: the stream gets through, translated, now (hostnatd up)
through() {
	local f=$T/$1.through.pcap
	cap_start inet veth0 "$f" "$XLAT" || bad setup tcpdump
	stream_start c1 $INET 7000 300 --sport 41000
	wait "$STREAM_PID"
	cap_stop
	check_int "$1: the stream gets through, translated to $EXT (of 300)" -ge 100 \
		"$(cap_count "$f")"
}

through "control: before anything"

leak_begin "kill-9-and-start"
hn_kill9
stream_more 300
hn_start || bad "$LABEL: hostnatd starts again" "it did not"
stream_more 300
leak_end
through "after kill -9 and start"

leak_begin "sigterm-and-start"
hn_stop
hn_start || bad "$LABEL: hostnatd starts again" "it did not"
stream_more 300
leak_end
through "after SIGTERM and start"

leak_begin "failed-start"
hn_stop
corrupt_state
if hn_start; then
	note "hostnatd started on a corrupt state.json"
	hn_stop
else
	note "hostnatd refused the corrupt state.json (expected)"
fi
stream_more 500
restore_state
hn_start || bad "$LABEL: hostnatd starts on the good state" "it did not"
stream_more 300
leak_end
through "after a failed start and a good one"

leak_begin "clean-stop"
hn_stop
stream_more 1000
leak_end
hn_start || bad "clean-stop: hostnatd starts again" "it did not"
through "after a clean stop and start"

leak_begin "network-del"
check_cmd "$LABEL: network del $NET" hn network del $NET
stream_more 1000
leak_end
note "after network del: br0 $(ip -n $P-host -4 -o addr show dev br0 | awk '{print $4}' | tr '\n' ' ');" \
	"rules: $(ip -n $P-host rule list | grep -v -E '^(0|32766|32767):' | tr '\n' '|')"
finish
