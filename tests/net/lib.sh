# SPDX-License-Identifier: GPL-2.0-or-later
# tests/net/lib.sh - helpers for hostnat's end-to-end network tests
#
# Sourced by every tests/net/t_*.sh. A case builds its own namespaces
# (named from a prefix unique to the run of that case), starts its own
# hostnatd, checks, and removes everything it made on exit: the processes
# it started (by PID) and its namespaces. Nothing here touches the host's
# own namespace beyond creating and deleting those namespaces.
#
# Topology (topo_up):
#
#   P-inet  veth0 198.51.100.1/24, d0 203.0.113.254/24 (a link to nowhere:
#           "far" addresses behind inet, which routes, for TTL tests)
#     |
#   P-host  up0 198.51.100.2/24, default via 198.51.100.1,
#           br0 172.16.0.1/16; hostnatd runs here
#     |  br0
#   P-c1 eth0 172.16.1.100/16     P-c2 eth0 172.16.1.101/16
#
# Results: every check prints one line, "ok - NAME" or "FAIL - NAME: why
# (expected ..., got ...)"; tests/net/run counts them.

set -u

NET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$NET_DIR/../.." && pwd)
BUILD=${HOSTNAT_BUILD:-$REPO/build}
HOSTNATD=$BUILD/src/daemon/hostnatd
HOSTNAT=$BUILD/src/cli/hostnat
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
NT="$PY $NET_DIR/nettool.py"

P=${HN_PREFIX:-hn$$}
T=$(mktemp -d "/tmp/$P.XXXXXX")
CASE=$(basename "$0" .sh)

EXT=198.51.100.2	# the host's external address
INET=198.51.100.1	# the server outside
FAR=203.0.113.1		# an address behind inet (one more router hop)
C1=172.16.1.100
C2=172.16.1.101
NET=net1		# the network the cases create

PIDS=()		# background processes we started
NSS=()		# namespaces we made
HN_PID=		# hostnatd
N_OK=0
N_BAD=0

# ---- results --------------------------------------------------------------

# ok NAME: a passed check
ok() {
	N_OK=$((N_OK + 1))
	echo "ok - $CASE: $1"
}

# bad NAME WHY: a failed check
bad() {
	N_BAD=$((N_BAD + 1))
	echo "FAIL - $CASE: $1: $2"
	return 1
}

# note TEXT: diagnostic output, shown by the runner when a case fails
note() {
	echo "  # $*"
}

# check_eq NAME EXPECTED GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		bad "$1" "expected '$2', got '$3'"
	fi
}

# check_match NAME REGEX GOT: GOT matches the extended regex
check_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		ok "$1"
	else
		bad "$1" "expected output matching /$2/, got '$(head -c 400 <<<"$3" | tr '\n' '|')'"
	fi
}

# check_nomatch NAME REGEX GOT: GOT does not match
check_nomatch() {
	if grep -Eq -- "$2" <<<"$3"; then
		bad "$1" "expected nothing matching /$2/, got '$(grep -E -- "$2" <<<"$3" | head -n 3 | tr '\n' '|')'"
	else
		ok "$1"
	fi
}

# check_cmd NAME CMD...: CMD exits 0
check_cmd() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$name"
	else
		bad "$name" "command '$*' exited $rc: $(head -c 400 <<<"$out" | tr '\n' '|')"
	fi
}

# check_int NAME OP VALUE GOT: numeric comparison (OP: -eq -ge -gt -le -lt)
check_int() {
	if [[ "$4" =~ ^[0-9]+$ ]] && [ "$4" "$2" "$3" ]; then
		ok "$1"
	else
		bad "$1" "expected a number $2 $3, got '$4'"
	fi
}

# ---- waiting --------------------------------------------------------------

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# ---- namespaces ----------------------------------------------------------

# ns NAME CMD...: run CMD in namespace P-NAME
ns() {
	local n=$1
	shift
	ip netns exec "$P-$n" "$@"
}

ns_add() {
	ip netns add "$P-$1" || return 1
	NSS+=("$P-$1")
	ip -n "$P-$1" link set lo up
}

# endpoint_add NAME ADDR/PLEN GATEWAY BRIDGE: a namespace with eth0 on BRIDGE
endpoint_add() {
	local n=$1 a=$2 gw=$3 br=$4
	ns_add "$n" || return 1
	ip link add eth0 netns "$P-$n" type veth peer name "v-$n" \
		netns "$P-host" || return 1
	ip -n "$P-host" link set "v-$n" master "$br" || return 1
	ip -n "$P-host" link set "v-$n" up
	ip -n "$P-$n" addr add "$a" dev eth0
	ip -n "$P-$n" link set eth0 up
	ip -n "$P-$n" route add default via "$gw"
}

# client_ns NAME MAC: namespace P-NAME with eth0 (MAC) on br0, no address
# (a DHCP client's)
client_ns() {
	ns_add "$1" || return 1
	ip link add eth0 netns "$P-$1" address "$2" type veth \
		peer name "v-$1" netns "$P-host" || return 1
	ip -n "$P-host" link set "v-$1" master br0 || return 1
	ip -n "$P-host" link set "v-$1" up
	ip -n "$P-$1" link set eth0 up
}

# topo_up: inet, host (up0, br0), c1, c2; plain routing, no NAT yet
topo_up() {
	local n
	for n in inet host; do
		ns_add $n || return 1
	done
	ip link add veth0 netns "$P-inet" type veth peer name up0 \
		netns "$P-host" || return 1
	ip -n "$P-inet" addr add $INET/24 dev veth0
	ip -n "$P-inet" link set veth0 up
	# d0: a link to nowhere (a veth pair inside inet) for 203.0.113.0/24
	ip -n "$P-inet" link add d0 type veth peer name d0p
	ip -n "$P-inet" addr add 203.0.113.254/24 dev d0
	ip -n "$P-inet" link set d0p up
	ip -n "$P-inet" link set d0 up
	ns inet sysctl -qw net.ipv4.ip_forward=1
	ip -n "$P-host" addr add $EXT/24 dev up0
	ip -n "$P-host" link set up0 up
	ip -n "$P-host" route add default via $INET
	ip -n "$P-host" link add br0 type bridge
	ip -n "$P-host" addr add 172.16.0.1/16 dev br0
	ip -n "$P-host" link set br0 up
	ns host sysctl -qw net.ipv4.ip_forward=1
	endpoint_add c1 $C1/16 172.16.0.1 br0 || return 1
	endpoint_add c2 $C2/16 172.16.0.1 br0 || return 1
	# the neighbours answer before the first test packet
	wait_until 5 ns c1 ping -c 1 -W 1 172.16.0.1 &&
		wait_until 5 ns c2 ping -c 1 -W 1 172.16.0.1 &&
		wait_until 5 ns host ping -c 1 -W 1 $INET &&
		fw_apply
}

# ---- the host's firewall (HN_FIREWALL) -------------------------------------

# fw_apply: the firewall HN_FIREWALL names, in P-host (topo_up calls it,
# after the readiness pings): "nft" a default-drop input and forward
# policy as a distribution's firewall has it, "iptables" Docker's
# FORWARD policy DROP; empty or unset: none
fw_apply() {
	case "${HN_FIREWALL:-}" in
	"") ;;
	nft)
		ns host nft -f - <<-'EOF' || { note "nft ruleset not loaded"; return 1; }
		table inet hnfw {
			chain input {
				type filter hook input priority 0; policy drop;
				ct state established,related accept
				iif lo accept
			}
			chain forward {
				type filter hook forward priority 0; policy drop;
			}
		}
		EOF
		;;
	iptables)
		ns host iptables-nft -P FORWARD DROP ||
			{ note "iptables-nft -P FORWARD DROP failed"; return 1; }
		;;
	*)
		note "HN_FIREWALL='$HN_FIREWALL': expected nft or iptables"
		return 1
		;;
	esac
}

# fw_allow tcp|udp PORT: let the host's own service on PORT through the
# input policy of HN_FIREWALL=nft (what an administrator does for a
# service the host offers); nothing to do otherwise
fw_allow() {
	[ "${HN_FIREWALL:-}" = nft ] || return 0
	ns host nft insert rule inet hnfw input "$1" dport "$2" accept
}

# ---- more of the topology --------------------------------------------------

C3=10.88.0.100		# net2's endpoint (net2_up)
NET2=net2
NET2_PREFIX=10.88.0.0/24
NET2_GW=10.88.0.1

# side_add NAME HOSTIF HOSTADDR/PLEN PEERADDR/PLEN: namespace P-NAME on
# a veth of its own into P-host (HOSTIF there, eth0 in P-NAME): another
# interface of the host, not a network's bridge; no routes beyond the link
side_add() {
	local n=$1 hif=$2 ha=$3 pa=$4
	ns_add "$n" || return 1
	ip link add eth0 netns "$P-$n" type veth peer name "$hif" \
		netns "$P-host" || return 1
	ip -n "$P-host" addr add "$ha" dev "$hif"
	ip -n "$P-host" link set "$hif" up
	ip -n "$P-$n" addr add "$pa" dev eth0
	ip -n "$P-$n" link set eth0 up
	# ready when the link is (a ping would meet HN_FIREWALL's input policy)
	wait_until 5 _link_up "$n" eth0 && wait_until 5 _link_up host "$hif"
}

_link_up() { # NS IFACE: carrier and up
	ip -n "$P-$1" link show "$2" 2>/dev/null | grep -q 'LOWER_UP'
}

# net2_up: a second network net2 ($NET2_PREFIX) on a bridge br1 made by
# the case, with its endpoint c3 ($C3); hostnatd must run
net2_up() {
	ip -n "$P-host" link add br1 type bridge || return 1
	ip -n "$P-host" link set br1 up
	hn network add $NET2 --prefix $NET2_PREFIX --bridge br1 \
		--external up0 >"$T/net2add.out" 2>&1 || {
		note "network add $NET2 failed: $(cat "$T/net2add.out")"
		return 1
	}
	endpoint_add c3 $C3/24 $NET2_GW br1 || return 1
	wait_until 5 ns c3 ping -c 1 -W 1 $NET2_GW ||
		note "c3 cannot ping its gateway $NET2_GW (firewall?)"
	return 0
}

# corrupt_state: garbage in place of state.json (the good one is kept
# in $T/state.json.good for restore_state)
corrupt_state() {
	cp "$T/state/state.json" "$T/state.json.good" 2>/dev/null
	printf '{"networks": [ {"name": "net1", \x01\xff garbage' >"$T/state/state.json"
}

restore_state() {
	cp "$T/state.json.good" "$T/state/state.json"
}

# ---- streams ---------------------------------------------------------------

# stream_start NS ADDR PORT COUNT [ARGS...]: a bounded UDP stream (nettool
# udp-stream, one datagram per ms) in the background; STREAM_PID, progress
# in $T/stream.progress
stream_start() {
	local n=$1 a=$2 port=$3 cnt=$4
	shift 4
	rm -f "$T/stream.progress"
	bg "$n" $NT udp-stream "$a" "$port" --count "$cnt" \
		--progress "$T/stream.progress" --max-time 60 "$@" \
		>>"$T/stream.out" 2>&1
	STREAM_PID=$BG_PID
	wait_until 5 test -s "$T/stream.progress"
}

# stream_sent: datagrams the running stream has sent so far
stream_sent() {
	awk '{print $2}' "$T/stream.progress" 2>/dev/null
}

_stream_past() {
	local k
	k=$(stream_sent)
	[ "${k:-0}" -ge "$1" ]
}

# stream_more N: wait (at most 10 s) until the stream sent N more datagrams
stream_more() {
	local k
	k=$(stream_sent)
	wait_until 10 _stream_past $((${k:-0} + $1))
}

# stream_stop: end the stream (it is bounded anyway)
stream_stop() {
	stop_pid "$STREAM_PID"
}

# ---- more checks -----------------------------------------------------------

# check_none NAME TEXT: TEXT is empty; else fail with its line count and
# first lines (what leaked or arrived)
check_none() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		bad "$1" "expected nothing, got $(wc -l <<<"$2") line(s): $(head -n 4 <<<"$2" | cut -c 1-160 | tr '\n' '|')"
	fi
}

# cap_count FILE [FILTER...]: number of captured packets matching FILTER
cap_count() {
	local f=$1
	shift
	cap_show "$f" "$@" | wc -l
}

# check_drop_grew NAME REASON BEFORE: drops.REASON is now above BEFORE
check_drop_grew() {
	local after
	after=$(drops "$2")
	if [[ "${3:-x}" =~ ^[0-9]+$ && "${after:-x}" =~ ^[0-9]+$ ]] &&
		[ "$after" -gt "$3" ]; then
		ok "$1 ($2 $3 -> $after)"
	else
		bad "$1" "expected engine.drops[\"$2\"] to grow, got '${3:-none}' -> '${after:-none}'; drops: $(hn --json stats 2>/dev/null | jq -c '(.engine // .).drops' 2>&1 | head -c 300)"
	fi
}

# ---- hostnatd and hostnat ------------------------------------------------

# hn ARGS...: the CLI, in the host namespace, on our socket
hn() {
	ns host timeout 10 "$HOSTNAT" --socket "$T/sock" "$@"
}

# hn_start [ARGS...]: start hostnatd in P-host, wait until it answers;
# without the default network unless HN_DEFAULT_NET=1
hn_start() {
	local end=$((SECONDS + 15)) nodef=--no-default-network
	[ "${HN_DEFAULT_NET:-0}" = 1 ] && nodef=
	# ip netns exec directly (not the ns function): $! is then hostnatd
	ip netns exec "$P-host" "$HOSTNATD" --foreground --state-dir "$T/state" \
		--socket "$T/sock" $nodef "$@" \
		>>"$T/hostnatd.log" 2>&1 &
	HN_PID=$!
	while ! hn network list >/dev/null 2>&1; do
		if ! kill -0 "$HN_PID" 2>/dev/null; then
			note "hostnatd exited at start; its log:"
			tail -n 20 "$T/hostnatd.log" | sed 's/^/  # | /'
			HN_PID=
			return 1
		fi
		if [ $SECONDS -ge $end ]; then
			note "hostnatd does not answer on $T/sock after 15 s"
			return 1
		fi
		sleep 0.1
	done
}

# hn_stop: SIGTERM, wait (10 s) for the exit; returns its exit status
hn_stop() {
	local pid=$HN_PID i rc
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		note "hostnatd ($pid) still running 10 s after SIGTERM; SIGKILL"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	HN_PID=
	return $rc
}

# hn_kill9: SIGKILL the daemon and reap it
hn_kill9() {
	[ -n "$HN_PID" ] || return 0
	kill -KILL "$HN_PID" 2>/dev/null
	wait "$HN_PID" 2>/dev/null
	HN_PID=
}

# net_up: hostnatd and the network NET on br0 (172.16.0.0/16, out of up0)
net_up() {
	hn_start || return 1
	hn network add $NET --prefix 172.16.0.0/16 --bridge br0 \
		--external up0 >"$T/netadd.out" 2>&1 || {
		note "network add failed: $(cat "$T/netadd.out")"
		return 1
	}
}

# setup: topology, daemon and network, or the case cannot run
setup() {
	if ! topo_up; then
		bad setup "could not build the namespace topology"
		exit 1
	fi
	if ! net_up; then
		bad setup "could not start hostnatd and add network $NET"
		exit 1
	fi
}

# ---- servers and captures ------------------------------------------------

# bg NS CMD...: run CMD in namespace P-NS in the background, bounded to
# 300 s; its PID is remembered for cleanup and left in BG_PID
bg() {
	local n=$1
	shift
	ip netns exec "$P-$n" timeout 300 "$@" &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

listening() { # NS tcp|udp PORT
	local f=-Hlnt
	[ "$2" = udp ] && f=-Hlnu
	[ -n "$(ns "$1" ss $f "sport = :$3" 2>/dev/null)" ]
}

# serve NS tcp|udp ADDR PORT NAME: a nettool server, ready on return;
# its log is $T/NAME.log
serve() {
	local n=$1 proto=$2 addr=$3 port=$4 name=$5
	: >"$T/$name.log"
	bg "$n" $NT "$proto-server" "$addr" "$port" "$T/$name.log" --name "$name"
	if ! wait_until 10 listening "$n" "$proto" "$port"; then
		note "server $name ($proto $addr:$port in $n) did not start"
		return 1
	fi
}

# cap_start NS IFACE FILE [FILTER...]: tcpdump into FILE, ready on return
cap_start() {
	local n=$1 dev=$2 f=$3
	shift 3
	bg "$n" tcpdump -i "$dev" -n -U --immediate-mode -s 200 -w "$f" "$@" 2>"$f.err"
	CAP_PID=$BG_PID
	if ! wait_until 10 grep -q "listening on" "$f.err"; then
		note "tcpdump on $dev in $n did not start: $(cat "$f.err")"
		return 1
	fi
}

# cap_stop: stop the last capture started
cap_stop() {
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# cap_show FILE [FILTER...]: the captured packets matching FILTER, as text
cap_show() {
	local f=$1
	shift
	tcpdump -n -r "$f" "$@" 2>/dev/null
}

# stop_pid PID: end one of our background processes
stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# ---- JSON ------------------------------------------------------------------

# drops REASON: the engine's drop counter for REASON (hostnat stats --json)
drops() {
	hn --json stats 2>/dev/null | jq -r --arg r "$1" \
		'(.engine // .).drops[$r] // empty'
}

# ---- end -------------------------------------------------------------------

cleanup() {
	local pid n i
	if [ -n "$HN_PID" ]; then
		hn_stop
	fi
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		for i in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# anything still inside our namespaces was started by this case
	for n in "${NSS[@]}"; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$n" 2>/dev/null
	done
	if [ "$N_BAD" -gt 0 ] && [ -s "$T/hostnatd.log" ]; then
		note "hostnatd log (last 15 lines):"
		tail -n 15 "$T/hostnatd.log" | sed 's/^/  # | /'
	fi
	[ -n "${HN_KEEP:-}" ] || rm -rf "$T"
}

# finish: end the case; exit status 1 when a check failed or none ran
finish() {
	[ $((N_OK + N_BAD)) -gt 0 ] || bad "$CASE" "no check ran"
	[ "$N_BAD" -eq 0 ]
	exit $?
}

trap cleanup EXIT
trap 'bad interrupted "case interrupted (signal)"; exit 1' INT TERM
