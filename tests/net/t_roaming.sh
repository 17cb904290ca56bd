#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A host address that overlaps a network's prefix appears while hostnatd
# runs (a laptop roaming onto a network that uses the same range, RFC 4787
# REQ-7): hostnatd notices it over netlink, logs it, lists it in
# 'network show' and its JSON, and keeps translating for the endpoints;
# when the address goes, the overlap goes from the listing too. While it
# stays, hundreds of other addresses come and go in bursts (a host whose
# addresses churn): every look at the host that such a burst interrupts is
# asked again, and one that cannot be made changes nothing, so the overlap
# is logged once and never said to be gone, and 'network show' lists it in
# every answer meanwhile.
. "$(dirname "$0")/lib.sh"
setup
serve inet udp $INET 7000 echo || bad setup "udp server"

overlaps() {
	hn --json network show $NET 2>/dev/null | jq -r '.overlaps | length'
}
check_eq "no overlap at the start" 0 "$(overlaps)"

# the host "roams": an interface with an address inside 172.16.0.0/16
ip -n $P-host link add roam0 type veth peer name roam1
ip -n $P-host addr add 172.16.200.7/24 dev roam0
ip -n $P-host link set roam1 up
ip -n $P-host link set roam0 up
if wait_until 5 grep -q "172.16.200.7" "$T/hostnatd.log"; then
	ok "hostnatd logs the new overlap"
else
	bad "hostnatd logs the new overlap" "nothing about 172.16.200.7 in its log"
fi
check_match "network show --json lists it" "172\.16\.200\.7" \
	"$(hn --json network show $NET 2>&1 | jq -r '.overlaps[]' 2>&1)"
check_match "network show lists it" "172\.16\.200\.7" \
	"$(hn network show $NET 2>&1)"
check_match "the endpoints keep going out through the NAT" "^echo saw $EXT:" \
	"$(ns c1 timeout 5 $NT udp-client $INET 7000 2>&1)"

# the churn: 5 bursts of 2000 addresses added, then removed, on another
# interface, each burst in one 'ip -batch'; hostnatd lists the host's
# addresses at its notifications, while the next ones are being made
ip -n $P-host link add churn0 type veth peer name churn1
ip -n $P-host link set churn1 up
ip -n $P-host link set churn0 up
for r in 1 2 3 4 5; do
	for i in $(seq 2000); do
		echo "addr add 10.99.$((i / 200)).$((i % 200 + 1))/32 dev churn0"
	done | ip -n $P-host -batch - || bad setup "address burst $r"
	for i in $(seq 2000); do
		echo "addr del 10.99.$((i / 200)).$((i % 200 + 1))/32 dev churn0"
	done | ip -n $P-host -batch - || bad setup "address removal $r"
done
# 'network show' while the churn goes on: every answer lists the overlap
# (as last known when the host cannot be listed, never none)
for i in $(seq 2000); do
	echo "addr add 10.99.$((i / 200)).$((i % 200 + 1))/32 dev churn0"
done >"$T/add.batch"
sed 's/^addr add/addr del/' "$T/add.batch" >"$T/del.batch"
bg host sh -c "for r in 1 2 3 4 5; do ip -batch $T/add.batch; ip -batch $T/del.batch; done"
CHURN=$BG_PID
shows=0 misses=0
while kill -0 $CHURN 2>/dev/null && [ $shows -lt 200 ]; do
	n=$(hn --json network show $NET 2>/dev/null |
		jq '[.overlaps[] | select(test("172\\.16\\.200\\.7"))] | length')
	shows=$((shows + 1))
	[ "${n:-0}" -ge 1 ] || misses=$((misses + 1))
done
wait $CHURN 2>/dev/null
note "network show answered $shows times during the churn"
check_int "network show during the churn: answered at least once" -ge 1 $shows
check_eq "network show during the churn: the overlap in every answer" 0 $misses
ip -n $P-host link del churn0
# hostnatd has looked at the host after the churn when it answers a
# request (its notifications are read before the control socket's)
wait_until 10 sh -c "ip netns exec $P-host $HOSTNAT --socket $T/sock network show $NET >/dev/null 2>&1"
check_eq "the overlap is logged once through the churn" 1 \
	"$(grep -c "overlaps address 172\.16\.200\.7" "$T/hostnatd.log")"
check_eq "and never said to be gone while it stays" 0 \
	"$(grep -c "no host address or route overlaps" "$T/hostnatd.log")"
check_match "network show still lists it" "172\.16\.200\.7" \
	"$(hn --json network show $NET 2>&1 | jq -r '.overlaps[]' 2>&1)"

ip -n $P-host link del roam0
if wait_until 5 sh -c "[ \"\$(ip netns exec $P-host timeout 10 $HOSTNAT --socket $T/sock --json network show $NET | jq -r '.overlaps | length')\" = 0 ]"; then
	ok "the overlap is gone when the address goes"
else
	bad "the overlap is gone when the address goes" "still listed: $(hn --json network show $NET 2>&1 | jq -c .overlaps 2>&1)"
fi
finish
