#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/scale.sh - 100k and 1M concurrent UDP flows through the real datapath
#
# For each flow count F of FLOWS, on fresh namespaces of the reference
# topology (../shared/bench/topo.sh: inet - host - c1), once with hostnat
# (hostnatd and its fast path, bench/hostnat/nat-hostnat.sh) and once with
# the kernel's NAT (../shared/bench/nat-kernel.sh), in the same run:
#
#  1. bench/flowgen send in P-c1 opens F UDP flows, each from an address
#     and port of its own (NSRC addresses 172.16.2.1..., on c1's eth0 so
#     that c1 answers ARP for them; ports 10000...) to 198.51.100.1, ports
#     20000 to 20000 + NDPORT - 1; bench/flowgen reflect in P-inet answers
#     each datagram with addresses and ports swapped. A round sends one
#     datagram on each flow (again to those not answered, slower each
#     time: flowgen.c). Round 1 opens the flows; with hostnat, rounds 2 to
#     6 take them through hostnatd until the engine gives them to the fast
#     path (after 12 packets, FAST_MIN_PKTS in src/core/fast.c), and the
#     last round is carried by the fast path (its counters are printed);
#     the kernel's NAT has 2 rounds. A flow counts as answered when its
#     answer comes back to its own address and port, in the same round.
#  2. before the last round, with every flow in place, memory is measured:
#     hostnatd's engine (the engine's allocation, `stats` mem_bytes, and
#     hostnatd's RSS after minus before), its BPF maps (memlock of every
#     map hostnatd holds, /proc/PID/fdinfo, after and before), and the
#     kernel's NAT: nf_conntrack objects (count x slab object size); for
#     both, the slab caches that grew by F/4 objects or more (the flows' own
#     objects: conntrack and its extension, map elements) and the slab in
#     all (/proc/meminfo Slab, after minus before; noisy: the whole
#     machine's). Every figure is divided by F.
#
# hostnat is set up for it: --max-flows the power of two at or above
# F + 1/32 (the fast path's hash sizes follow it), an external address per
# 62000 flows with the ports 1024-65535 (198.51.100.2, .3, ...: one mapping
# per flow, each needs a port; at most 16, the engine's limit per network;
# the default range, 49152-65535, holds 16384 mappings), port_share 1 (one
# endpoint), source_binding off (c1 sends from NSRC addresses; with binding
# a port may use at most endpoint_addresses, 8 at most). An engine endpoint
# (address) holds at most 16384 sessions, so NSRC must be at least F/16384.
# The kernel's NAT gets nf_conntrack_udp_timeout 300 in P-host (hostnat's
# UDP timeout; the kernel's 30 s for a flow not yet "stream" would end them
# during the run) and, when the machine's nf_conntrack_max is lower than
# F + 1/16, a higher one for the run (a global setting; put back at the end).
#
#   bench/scale.sh [BUILD_DIR]
#
# Environment: FLOWS (default "100000 1000000"), RUNS (default 1: each NAT
# and flow count RUNS times, medians reported), KERNEL=0 leaves the kernel's
# NAT out, RATE (datagrams/s the generator sends, default 50000: about
# what hostnatd's slow path takes on 2 busy cores; more is lost and sent
# again), NSRC
# (default 64), NDPORT (default 64: the kernel's masquerade uses one
# address, so its flows need destination ports to tell them apart),
# BENCH_DIR as for compare.sh, KEEP=1 keeps the run's files (printed). Needs
# root, nftables, python3; the maps are told apart by their key and value
# sizes (no bpftool).
# About 4 minutes with the default FLOWS.
set -u
D=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$D/.." && pwd)
export HOSTNAT_BUILD=${1:-${HOSTNAT_BUILD:-$REPO/build}}
case "$HOSTNAT_BUILD" in /*) ;; *) HOSTNAT_BUILD=$PWD/$HOSTNAT_BUILD ;; esac
FLOWS=${FLOWS:-100000 1000000}
RUNS=${RUNS:-1}
RATE=${RATE:-50000}
NSRC=${NSRC:-64}
NDPORT=${NDPORT:-64}
KERNEL=${KERNEL:-1}
# rounds through hostnatd before the last: the fast path takes a flow
# after 12 packets in the engine (FAST_MIN_PKTS, src/core/fast.c), 2 a round
OPEN_HOSTNAT=6
if [ -z "${BENCH_DIR:-}" ]; then
	if [ -x "$REPO/../shared/bench/topo.sh" ]; then
		BENCH_DIR=$(cd "$REPO/../shared/bench" && pwd)
	else
		echo "scale.sh: no ../shared/bench next to the repository; set" \
			"BENCH_DIR to the reference scripts (topo.sh, nat-kernel.sh)" >&2
		exit 1
	fi
fi
[ "$(id -u)" -eq 0 ] || { echo "scale.sh: run as root (network namespaces)" >&2; exit 1; }
for t in nft python3; do
	command -v $t >/dev/null || { echo "scale.sh: $t not installed" >&2; exit 1; }
done
for b in src/daemon/hostnatd src/cli/hostnat bench/flowgen; do
	[ -x "$HOSTNAT_BUILD/$b" ] || { echo "scale.sh: no $HOSTNAT_BUILD/$b; build first" >&2; exit 1; }
done
FG=$HOSTNAT_BUILD/bench/flowgen

W=$(mktemp -d /tmp/hostnat-scale.XXXXXX)
PREFIXES=()
PIDS=()
CT_MAX_OLD=$(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo)
cleanup() {
	local p pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for p in "${PREFIXES[@]}"; do
		bash "$BENCH_DIR/topo.sh" down "$p" >/dev/null 2>&1
		rm -rf "/tmp/$p-hostnat"
	done
	if [ -n "$CT_MAX_OLD" ] &&
		[ "$(cat /proc/sys/net/netfilter/nf_conntrack_max)" != "$CT_MAX_OLD" ]; then
		echo "$CT_MAX_OLD" >/proc/sys/net/netfilter/nf_conntrack_max
	fi
	if [ -n "${KEEP:-}" ]; then echo "scale.sh: files kept in $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# kb NAME: a /proc/meminfo figure in bytes
kb() { awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo; }
# slab NAME: active objects x object size of a slab cache
slab() { awk -v k="$1" '$1 == k { print $2 * $4 }' /proc/slabinfo; }
# rss PID: resident bytes
rss() { awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$1/status"; }
# maps PID OUT: one line per BPF map PID holds: id type key value max memlock
maps() {
	local fd f
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf-map ] || continue
		f=/proc/$1/fdinfo/${fd##*/}
		awk '{ v[$1] = $2 } END { print v["map_id:"], v["map_type:"],
			v["key_size:"], v["value_size:"], v["max_entries:"],
			v["memlock:"] }' "$f"
	done | sort -un >"$2"
}
# hostnatd_pid P: the hostnatd that nat-hostnat.sh started in P-host
hostnatd_pid() {
	local pid
	for pid in $(ip netns pids "$1-host"); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = hostnatd ] && { echo "$pid"; return; }
	done
}

# one NAT FLOWS RUN: one measurement; writes figures to $W/NAT.FLOWS.RUN
one() {
	local nat=$1 f=$2 r=$3 p=hnscale$$${1:0:1}$r$((f / 1000))k
	local out=$W/$nat.$f.$r log=$W/$nat.$f.$r.log maxf ext i pid= OPEN=1
	local H="ip netns exec $p-host" C="ip netns exec $p-c1" I="ip netns exec $p-inet"
	local hn="$HOSTNAT_BUILD/src/cli/hostnat --socket /tmp/$p-hostnat/sock"
	PREFIXES+=("$p")
	: >"$out"
	bash "$BENCH_DIR/topo.sh" up "$p" >>"$log" 2>&1 || { echo "setup failed" >>"$out"; return; }
	# the flows' sources on c1's wire; what the stacks would answer with
	# port unreachable (no socket) dropped before them
	for i in $(seq "$NSRC"); do
		ip -n "$p-c1" addr add "172.16.$((2 + (i - 1) / 250)).$((1 + (i - 1) % 250))/16" dev eth0
	done
	$C nft add table ip flowgen
	$C nft add chain ip flowgen pre '{ type filter hook prerouting priority -300; }'
	$C nft add rule ip flowgen pre ip daddr != 172.16.1.100 udp dport 10000-65535 drop
	$I nft add table ip flowgen
	$I nft add chain ip flowgen pre '{ type filter hook prerouting priority -300; }'
	$I nft add rule ip flowgen pre ip daddr 198.51.100.1 udp dport 20000-$((20000 + NDPORT - 1)) drop
	ext=$(((f + 61999) / 62000))
	[ "$ext" -gt 16 ] && ext=16
	if [ "$nat" = hostnat ]; then
		maxf=1024
		while [ "$maxf" -lt $((f + f / 32)) ]; do maxf=$((maxf * 2)); done
		HOSTNATD_ARGS="--max-flows $maxf" bash "$D/hostnat/nat-hostnat.sh" "$p" >>"$log" 2>&1 ||
			{ echo "setup failed: nat-hostnat.sh" >>"$out"; return; }
		# the whole dynamic range of each address (the default,
		# 49152-65535, holds 16384 mappings)
		$H $hn external del bench up0 >>"$log" 2>&1
		for i in $(seq 2 $((ext + 1))); do
			[ "$i" = 2 ] || ip -n "$p-host" addr add "198.51.100.$i/24" dev up0
			$H $hn external add bench "198.51.100.$i" --ports 1024-65535 >>"$log" 2>&1 ||
				{ echo "setup failed: external 198.51.100.$i" >>"$out"; return; }
		done
		$H $hn network set bench source_binding off >>"$log" 2>&1 || return
		pid=$(hostnatd_pid "$p")
		OPEN=$OPEN_HOSTNAT
		echo "max_flows $maxf count" >>"$out"
		echo "externals $ext count" >>"$out"
	else
		bash "$BENCH_DIR/nat-kernel.sh" "$p" >>"$log" 2>&1 || { echo "setup failed: nat-kernel.sh" >>"$out"; return; }
		$H sysctl -qw net.netfilter.nf_conntrack_udp_timeout=300 \
			net.netfilter.nf_conntrack_udp_timeout_stream=300
		if [ -n "$CT_MAX_OLD" ] && [ "$CT_MAX_OLD" -lt $((f + f / 16)) ]; then
			echo $((f + f / 16)) >/proc/sys/net/netfilter/nf_conntrack_max
		fi
	fi
	$I "$FG" reflect --ifname veth0 --addr 198.51.100.1 >"$W/refl.$p" 2>&1 &
	PIDS+=($!)
	sleep 0.5
	$C ping -c 1 -W 2 198.51.100.1 >/dev/null || { echo "no connectivity" >>"$out"; return; }

	# before: the figures without the flows
	local slab0 ct0 rss0=0
	sleep 1
	slab0=$(kb Slab)
	ct0=$(slab nf_conntrack)
	cat /proc/slabinfo >"$W/slab0.$p"
	[ -n "$pid" ] && { rss0=$(rss "$pid"); maps "$pid" "$W/maps0.$p"; }

	$C "$FG" send --ifname eth0 --src 172.16.2.1 --nsrc "$NSRC" --dst 198.51.100.1 \
		--sport 10000 --dport 20000 --ndport "$NDPORT" --flows "$f" \
		--rate "$RATE" --rounds $((OPEN + 1)) --go "$W/go.$p" >"$W/gen.$p" 2>&1 &
	local gen=$!
	PIDS+=($gen)
	for i in $(seq "$OPEN"); do touch "$W/go.$p.$i"; done
	for i in $(seq 1200); do
		grep -q "^round $OPEN:" "$W/gen.$p" && break
		kill -0 $gen 2>/dev/null || break
		sleep 0.5
	done
	# after: every flow in place (rounds 1 to OPEN done, the last not
	# started)
	sleep 1
	local slab1 ct1 rss1=0 st
	slab1=$(kb Slab)
	ct1=$(slab nf_conntrack)
	cat /proc/slabinfo >"$W/slab1.$p"
	if [ -n "$pid" ]; then
		rss1=$(rss "$pid")
		maps "$pid" "$W/maps1.$p"
		st=$($H $hn -j stats 2>>"$log")
		echo "$st" >"$W/stats1.$p"
	else
		echo "conntrack_count $($H cat /proc/sys/net/netfilter/nf_conntrack_count) count" >>"$out"
	fi
	touch "$W/go.$p.$((OPEN + 1))"
	wait $gen
	sed 's/^/    /' "$W/gen.$p" >&2
	python3 - "$W" "$p" "$f" "$nat" "$slab0" "$slab1" "$ct0" "$ct1" "$rss0" "$rss1" >>"$out" <<'PY'
import json, os, re, sys
w, p, f, nat = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
slab0, slab1, ct0, ct1, rss0, rss1 = (int(x or 0) for x in sys.argv[5:11])
gen = open("%s/gen.%s" % (w, p)).read()
rounds = re.findall(r"round (\d+): answered (\d+) of (\d+) flows \(first try (\d+)\)", gen)
for i, name in ((0, "first"), (-1, "last")):
    if rounds:
        print("answered_%s %s flows" % (name, rounds[i][1]))
        print("first_try_%s %s flows" % (name, rounds[i][3]))
print("slab_delta_per_flow %.1f B" % ((slab1 - slab0) / f))
# the slab caches that grew by a quarter of an object per flow or more:
# the flows' own objects (conntrack and its extensions, map elements),
# counted in whole slab objects; others' noise is far below that
def slabinfo(name):
    t = {}
    for line in open("%s/%s.%s" % (w, name, p)):
        x = line.split()
        if len(x) > 4 and not line.startswith(("#", "slabinfo")):
            t[x[0]] = (int(x[1]), int(x[3]))
    return t
s0, s1 = slabinfo("slab0"), slabinfo("slab1")
objs = 0
for c, (n, size) in sorted(s1.items()):
    d = n - s0.get(c, (0, size))[0]
    if d >= f / 4:
        objs += d * size
        print("slab_%s %.2f objects/flow (%d B each)" % (c, d / f, size))
print("slab_objects_per_flow %.1f B" % (objs / f))
if nat == "kernel":
    try:
        buckets = int(open("/proc/sys/net/netfilter/nf_conntrack_buckets").read())
    except OSError:
        buckets = 0
    print("conntrack_buckets_per_flow %.1f B" % (buckets * 8 / f))
    print("kernel_total_per_flow %.1f B" % ((objs + buckets * 8) / f))
    print("conntrack_per_flow %.1f B" % ((ct1 - ct0) / f))
    sys.exit(0)
print("rss_delta_per_flow %.1f B" % ((rss1 - rss0) / f))
try:
    st = json.load(open("%s/stats1.%s" % (w, p)))
except Exception:
    st = {}
def find(o, k):
    if isinstance(o, dict):
        if k in o:
            return o[k]
        for v in o.values():
            r = find(v, k)
            if r is not None:
                return r
    return None
mem = find(st, "mem_bytes")
if mem is not None:
    print("engine_per_flow %.1f B" % (mem / f))
def maps(name):
    m = {}
    for line in open("%s/%s.%s" % (w, name, p)):
        x = line.split()
        if len(x) == 6:
            m[x[0]] = [int(v) for v in x[1:]]
    return m
m0, m1 = maps("maps0"), maps("maps1")
tot1 = sum(v[4] for v in m1.values())
tot0 = sum(m0[k][4] for k in m1 if k in m0)
print("bpf_per_flow %.1f B" % (tot1 / f))
print("bpf_delta_per_flow %.1f B" % ((tot1 - tot0) / f))
if mem is not None:
    print("total_per_flow %.1f B" % ((mem + tot1) / f))
    # a hash map's elements as the slab holds them (96-byte objects) instead of
    # memlock's count of them, the rest of the maps as before the flows
    print("total_slab_per_flow %.1f B" % ((mem + tot0 + objs) / f))
# the big maps, one line each: id type key value max_entries memlock
# (type, key, value) of steer.bpf.c's maps that grow with the flows
# own_map and seen_map are both arrays of u64: own_map by its size (32
# external address slots x 3 protocols x 1024 words)
# idx_map is the array of u64 whose size is a power of two
names = {(2, 4, 24): "rec_map", (2, 4, 8, 98304): "own_map",
         (2, 4, 8): "seen_map/state_map", (9, 8, 8): "src_map"}
def name(k, v):
    if v[:3] == [2, 4, 8] and v[3] != 98304 and not v[3] & (v[3] - 1):
        return "idx_map"
    return names.get(tuple(v[:4]), names.get(tuple(v[:3]), "id" + k))
for k, v in sorted(m1.items(), key=lambda kv: -kv[1][4])[:5]:
    print("map_%s %.1f B/flow (id %s: type %d, key %d B, value %d B, max_entries %d, memlock %d B, before %d B)"
          % (name(k, v), v[4] / f, k, v[0], v[1], v[2],
             v[3], v[4], m0.get(k, [0] * 5)[4]))
PY
	if [ -n "$pid" ]; then
		$H $hn -j stats >"$W/stats2.$p" 2>>"$log"
		python3 -c 'import json,sys
st = json.load(open(sys.argv[1]))
def walk(o, pre=""):
    if isinstance(o, dict):
        for k, v in o.items():
            walk(v, pre + k + ".")
    elif isinstance(o, (int, float)) and o and ("drop" in pre or "error" in pre):
        print("after_last_round %s%s" % (pre, o))
walk(st)
print("fast_out %d datagrams" % st["fast_path"]["out_packets"])
print("fast_in %d datagrams" % st["fast_path"]["in_packets"])' "$W/stats2.$p" >>"$out" 2>>"$log"
	fi
	kill "${PIDS[-2]}" 2>/dev/null
	bash "$BENCH_DIR/topo.sh" down "$p" >/dev/null 2>&1
	rm -rf "/tmp/$p-hostnat"
}

echo "reference scripts: $BENCH_DIR; hostnat: $HOSTNAT_BUILD; flows: $FLOWS; runs: $RUNS; rate $RATE/s"
for r in $(seq "$RUNS"); do
	for f in $FLOWS; do
		for nat in hostnat $([ "$KERNEL" = 0 ] || echo kernel); do
			echo "run $r: $f flows, $nat NAT ..." >&2
			t0=$(date +%s)
			one "$nat" "$f" "$r"
			sed 's/^/    /' "$W/$nat.$f.$r" >&2
			echo "    ($(($(date +%s) - t0)) s)" >&2
		done
	done
done

python3 - "$W" "$RUNS" "$FLOWS" <<'PY'
import os, statistics, sys
w, runs, flows = sys.argv[1], int(sys.argv[2]), [int(f) for f in sys.argv[3].split()]
def fig(nat, f, key):
    v = []
    for r in range(1, runs + 1):
        try:
            for line in open("%s/%s.%d.%d" % (w, nat, f, r)):
                x = line.split()
                if len(x) >= 3 and x[0] == key:
                    v.append(float(x[1]))
        except OSError:
            pass
    return statistics.median(v) if v else None
rows = [
    ("flows answered, round 1 (opened)", "hostnat", "answered_first", "%.0f"),
    ("  of them at the first try", "hostnat", "first_try_first", "%.0f"),
    ("flows answered, last round (fast path)", "hostnat", "answered_last", "%.0f"),
    ("  of them at the first try", "hostnat", "first_try_last", "%.0f"),
    ("datagrams carried by the fast path", "hostnat", "fast_out", "%.0f"),
    ("engine, B/flow (stats mem_bytes)", "hostnat", "engine_per_flow", "%.1f"),
    ("engine, B/flow (RSS after - before)", "hostnat", "rss_delta_per_flow", "%.1f"),
    ("BPF maps, B/flow (memlock, all maps)", "hostnat", "bpf_per_flow", "%.1f"),
    ("BPF maps, B/flow (memlock after - before)", "hostnat", "bpf_delta_per_flow", "%.1f"),
    ("hostnat total, B/flow (engine + BPF)", "hostnat", "total_per_flow", "%.1f"),
    ("  the same, map elements as slab objects", "hostnat", "total_slab_per_flow", "%.1f"),
    ("slab after - before, B/flow (machine)", "hostnat", "slab_delta_per_flow", "%.1f"),
    ("slab objects of the flows, B/flow", "hostnat", "slab_objects_per_flow", "%.1f"),
    ("kernel NAT: flows answered, round 1", "kernel", "answered_first", "%.0f"),
    ("kernel NAT: flows answered, last round", "kernel", "answered_last", "%.0f"),
    ("kernel NAT: conntrack entries", "kernel", "conntrack_count", "%.0f"),
    ("kernel NAT: nf_conntrack slab, B/flow", "kernel", "conntrack_per_flow", "%.1f"),
    ("kernel NAT: slab objects of the flows, B/flow", "kernel", "slab_objects_per_flow", "%.1f"),
    ("kernel NAT: conntrack hash buckets, B/flow", "kernel", "conntrack_buckets_per_flow", "%.1f"),
    ("kernel NAT: total, B/flow", "kernel", "kernel_total_per_flow", "%.1f"),
    ("kernel NAT: slab after - before, B/flow", "kernel", "slab_delta_per_flow", "%.1f"),
]
print()
print("%-44s" % "figure (medians of %d run(s))" % runs + "".join("%14s" % ("%d flows" % f) for f in flows))
for name, nat, key, fmt in rows:
    vals = [fig(nat, f, key) for f in flows]
    if all(v is None for v in vals):
        continue
    print("%-44s" % name + "".join("%14s" % ("-" if v is None else fmt % v) for v in vals))
for f in flows:
    t = fig("hostnat", f, "total_per_flow")
    if t is not None:
        print("goal <= 256 B/flow (engine + BPF) at %d flows: %.0f B: %s"
              % (f, t, "met" if t <= 256 else "NOT met"))
for nat in ("hostnat", "kernel"):
    for f in flows:
        for r in range(1, runs + 1):
            try:
                for line in open("%s/%s.%d.%d" % (w, nat, f, r)):
                    if line.startswith(("setup", "no connectivity", "after_last_round")):
                        print("note: %s %d flows run %d: %s" % (nat, f, r, line.strip()))
            except OSError:
                pass
PY
