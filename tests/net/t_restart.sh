#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A restart keeps every endpoint attached (issue 8, 7): on a bridge that
# hostnat made itself (network add without --bridge), SIGTERM followed at
# once by a start, and kill -9 followed by a start, leave every endpoint's
# veth on the bridge and up, endpoint list says present, and the endpoint
# reaches the outside again without being touched. Only "network del"
# removes hostnat's own bridge.
. "$(dirname "$0")/lib.sh"
topo_up || { bad setup "topology"; finish; }
hn_start || { bad setup "hostnatd"; finish; }
check_cmd "network add own (hostnat makes bridge hn-own)" \
	hn network add own --prefix 10.66.0.0/24 --external up0
ip netns add "$P-e1" && NSS+=("$P-e1")
ip netns add "$P-e2" && NSS+=("$P-e2")
check_cmd "endpoint add e1" hn endpoint add own --netns $P-e1
check_cmd "endpoint add e2" hn endpoint add own --netns $P-e2
serve inet tcp $INET 80 web || bad setup "web server"

# every endpoint: its veth on hn-own and up, listed present, curl works
attached() { # WHEN
	local when=$1 h n bad_ifs=""
	for h in $(hn --json endpoint list own | jq -r '.[].host_interface'); do
		ip -n $P-host -o link show "$h" 2>/dev/null |
			grep -Eq 'master hn-own .*state UP|state UP .*master hn-own' ||
			bad_ifs+="$h "
	done
	check_eq "$when: every endpoint veth is on hn-own and up" "" "$bad_ifs"
	check_eq "$when: endpoint list says present for both" "present present" \
		"$(hn --json endpoint list own | jq -r '[.[] | if .present then "present" else "missing" end] | join(" ")')"
	for n in e1 e2; do
		check_match "$when: $n reaches inet through the NAT" "^web saw $EXT:" \
			"$(ip netns exec $P-$n curl -sS --max-time 5 http://$INET/ 2>&1)"
	done
}
attached "first start"
idx_before=$(ip -n $P-host -o link show hn-own | cut -d: -f1)

hn_stop
hn_start || { bad "SIGTERM + start" "hostnatd did not start"; finish; }
attached "SIGTERM + start"
check_eq "SIGTERM + start: hn-own is the same bridge (not made anew)" \
	"$idx_before" "$(ip -n $P-host -o link show hn-own | cut -d: -f1)"

hn_kill9
hn_start || { bad "kill -9 + start" "hostnatd did not start"; finish; }
attached "kill -9 + start"
check_eq "kill -9 + start: hn-own is the same bridge" \
	"$idx_before" "$(ip -n $P-host -o link show hn-own | cut -d: -f1)"

# a port attached by someone else (as podman's CNI or libvirt would): the
# programs find it within a second, and the bridge's MAC may change with it
ns_add e3
ip link add eth0 netns $P-e3 address 02:00:00:00:00:01 type veth \
	peer name v-e3 netns $P-host
ip -n $P-host link set v-e3 master hn-own
ip -n $P-host link set v-e3 up
ip -n $P-e3 addr add 10.66.0.50/24 dev eth0
ip -n $P-e3 link set eth0 up
ip -n $P-e3 route add default via 10.66.0.1
A1=$(hn --json endpoint list own | jq -r '.[0].address' | cut -d/ -f1)
check_cmd "a port attached by hand: e3 pings e1 on the bridge ($A1)" \
	wait_until 10 ns e3 ping -c 1 -W 1 "$A1"
check_match "a port attached by hand: e3 reaches inet through the NAT" \
	"^web saw $EXT:" \
	"$(ns e3 curl -sS --max-time 5 --retry 3 --retry-all-errors http://$INET/ 2>&1)"
on_port() { ip netns exec $P-host tc filter show dev v-e3 ingress | grep -q hostnat_steer; }
check_cmd "the program runs on e3's port within 3 s" wait_until 3 on_port

check_cmd "network del own" hn network del own
check_eq "network del: hostnat's own bridge hn-own is gone" "" \
	"$(ip -n $P-host -o link show hn-own 2>/dev/null)"
finish
