#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nat-hostnat.sh P : the NAT under test for ../shared/bench/bench.sh: hostnat
# in P-host, configured as nat-kernel.sh configures the kernel's NAT:
# masquerade of 172.16.0.0/16 (bridge br0) out of up0, and mappings
# 198.51.100.2:{8080,5201} -> 172.16.1.100:{8080,5201}, TCP and UDP; the
# single endpoint may use the whole port range (port_share 1).
#
# hostnatd runs in P-host in the background (it forks once it serves), so
# that bench.sh's "topo.sh down" ends it with the namespace's other
# processes. Its state, socket and log are in /tmp/P-hostnat/.
# Binaries: $HOSTNAT_BUILD (default: ./build of the repository).
# HOSTNATD_ARGS: more options for hostnatd (compare.sh: --no-fast-path).
set -u
P=${1:?prefix}
D=$(cd "$(dirname "$0")" && pwd)
BUILD=${HOSTNAT_BUILD:-$D/../../build}
W=/tmp/$P-hostnat
rm -rf "$W"
mkdir -p "$W"
H="ip netns exec $P-host"
hn() { $H timeout 10 "$BUILD/src/cli/hostnat" --socket "$W/sock" "$@"; }

$H "$BUILD/src/daemon/hostnatd" --state-dir "$W/state" --socket "$W/sock" \
	--no-default-network ${HOSTNATD_ARGS:-} </dev/null >>"$W/hostnatd.log" 2>&1 ||
	{ echo "nat-hostnat.sh: hostnatd did not start: $(tail -n 3 "$W/hostnatd.log")" >&2; exit 1; }
for _ in $(seq 100); do
	hn network list >/dev/null 2>&1 && break
	sleep 0.1
done
hn network add bench --prefix 172.16.0.0/16 --bridge br0 --external up0 >/dev/null || exit 1
# one endpoint and no one to be fair to: the whole port range is its, as
# with the kernel's NAT (the default share, 1/8 per endpoint, would cap
# new_conn_rate at the 2048 ports it can hold in transitory state)
hn network set bench port_share 1 >/dev/null || exit 1
for proto in tcp udp; do
	for port in 8080 5201; do
		hn map add bench --proto $proto --internal 172.16.1.100:$port \
			--external-port $port >/dev/null || exit 1
	done
done
