#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/compare.sh - hostnat side by side with the kernel's own NAT
#
# Builds the reference topology (inet - host - c1) on fresh namespaces, once
# with the kernel's NAT (nftables masquerade + dnat, nat-kernel.sh) and once
# with hostnat (hostnat/nat-hostnat.sh), in the same run, measures both with
# the reference bench.sh, and prints each figure for both and the ratio
# hostnat/kernel. Figures taken in different runs are not comparable.
#
#   bench/compare.sh [BUILD_DIR]
#
# Environment: RUNS (default 1) alternates the kernel, hostnat and hostnat
# --no-fast-path (its user-space datapath alone; SLOW=0 leaves it out) RUNS
# times and reports the median of each figure; BENCH_DIR is the reference scripts'
# directory (default: ../shared/bench next to the repository, the project's
# reference topology). Needs root, iperf3, sockperf, wrk, nginx-light
# (scripts/deps --bench). ONLY=newconn measures the new-connection figure
# alone (bench/newconn.sh on the same topology), for quick iterations.
set -u
D=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$D/.." && pwd)
export HOSTNAT_BUILD=${1:-${HOSTNAT_BUILD:-$REPO/build}}
case "$HOSTNAT_BUILD" in /*) ;; *) HOSTNAT_BUILD=$PWD/$HOSTNAT_BUILD ;; esac
RUNS=${RUNS:-1}
if [ -z "${BENCH_DIR:-}" ]; then
	if [ -x "$REPO/../shared/bench/bench.sh" ]; then
		BENCH_DIR=$(cd "$REPO/../shared/bench" && pwd)
	else
		echo "compare.sh: no ../shared/bench next to the repository; set" \
			"BENCH_DIR to the reference scripts (topo.sh, bench.sh," \
			"nat-kernel.sh)" >&2
		exit 1
	fi
fi

[ "$(id -u)" -eq 0 ] || { echo "compare.sh: run as root (network namespaces)" >&2; exit 1; }
for t in iperf3 sockperf wrk nginx python3; do
	command -v $t >/dev/null || { echo "compare.sh: $t not installed (apt-get install iperf3 sockperf wrk nginx-light)" >&2; exit 1; }
done
for b in src/daemon/hostnatd src/cli/hostnat; do
	[ -x "$HOSTNAT_BUILD/$b" ] || { echo "compare.sh: no $HOSTNAT_BUILD/$b; build first" >&2; exit 1; }
done

W=$(mktemp -d /tmp/hostnat-compare.XXXXXX)
PREFIXES=()
cleanup() {
	local p
	for p in "${PREFIXES[@]}"; do
		bash "$BENCH_DIR/topo.sh" down "$p" >/dev/null 2>&1
		rm -rf "/tmp/$p-hostnat" "/tmp/$p-nginx"
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "reference scripts: $BENCH_DIR; hostnat: $HOSTNAT_BUILD; runs: $RUNS"
# CPU time the hypervisor gave to others (steal) during the run: a busy
# host makes every figure of the run smaller and noisier
read -r _ u0 n0 s0 i0 w0 q0 sq0 st0 _ </proc/stat
for r in $(seq "$RUNS"); do
	for nat in kernel hostnat $([ "${SLOW:-1}" = 0 ] || echo slow); do
		p=hncmp$$$nat$r
		PREFIXES+=("$p")
		args=
		if [ $nat = kernel ]; then
			script=$BENCH_DIR/nat-kernel.sh
		else
			script=$D/hostnat/nat-hostnat.sh
			[ $nat = slow ] && args=--no-fast-path
		fi
		echo "run $r: $nat NAT ..." >&2
		bench=$BENCH_DIR/bench.sh
		[ "${ONLY:-}" = newconn ] && bench=$D/newconn.sh
		BENCH_DIR=$BENCH_DIR HOSTNATD_ARGS=$args timeout 300 bash "$bench" "$p" \
			"$script" >"$W/$nat.$r" 2>&1
		sed 's/^/    /' "$W/$nat.$r" >&2
		if [ $nat != kernel ] && [ -s "/tmp/$p-hostnat/hostnatd.log" ]; then
			grep -iE 'warn|err|crit' "/tmp/$p-hostnat/hostnatd.log" | head -n 5 | sed 's/^/    hostnatd: /' >&2
		fi
	done
done

read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
tot=$(( (u1 + n1 + s1 + i1 + w1 + q1 + sq1 + st1) - (u0 + n0 + s0 + i0 + w0 + q0 + sq0 + st0) ))
STEAL=$(awk -v a=$((st1 - st0)) -v t=$tot 'BEGIN { printf "%.1f", t ? 100 * a / t : 0 }')
export STEAL
python3 - "$W" "$RUNS" <<'PY'
import statistics, sys
w, runs = sys.argv[1], int(sys.argv[2])
import os
nats = [n for n in ("kernel", "hostnat", "slow")
        if os.path.exists("%s/%s.1" % (w, n))]
order, unit, vals, notes = [], {}, {n: {} for n in nats}, []
for nat in nats:
    for r in range(1, runs + 1):
        for line in open("%s/%s.%d" % (w, nat, r)):
            f = line.split()
            if len(f) < 3 or f[0].startswith("wrk_"):
                if line.strip():
                    notes.append("%s run %d: %s" % (nat, r, line.strip()))
                continue
            try:
                v = float(f[1])
            except ValueError:
                notes.append("%s run %d: %s" % (nat, r, line.strip()))
                continue
            if f[0] not in order:
                order.append(f[0])
            unit[f[0]] = f[2]
            vals[nat].setdefault(f[0], []).append(v)
lower_better = {"usec"}
print()
slow = "slow" in nats
print("%-18s %14s %14s %8s  %-28s" % ("figure", "kernel", "hostnat", "ratio", "goal (hostnat vs kernel)") +
      ("  %14s %8s" % ("no-fast-path", "ratio") if slow else ""))
for k in order:
    med = lambda n: statistics.median(vals[n][k]) if vals[n].get(k) else None
    kv, hv = med("kernel"), med("hostnat")
    sv = med("slow") if slow else None
    fmt = lambda v: "-" if v is None else ("%.2f" % v if v < 100 else "%.0f" % v)
    lb = unit[k] in lower_better
    if kv and hv is not None:
        ratio = "%.2f" % (hv / kv)
        met = (hv <= kv) if lb else (hv >= kv)
        goal = ("met" if met else "NOT met") + (" (lower is better)" if lb else "")
    else:
        ratio, goal = "-", "no figure"
    line = "%-18s %14s %14s %8s  %-28s" % (k, fmt(kv) + " " + unit[k], fmt(hv) + " " + unit[k], ratio, goal)
    if slow:
        line += "  %14s %8s" % (fmt(sv) + " " + unit[k], "%.2f" % (sv / kv) if kv and sv is not None else "-")
    print(line)
print("\nratio = hostnat / kernel, medians of %d run(s) each, same machine, same run" % runs)
print("CPU steal during the run: %s%% (time the hypervisor gave to others; above a few %%, figures are low and noisy)" % os.environ.get("STEAL", "?"))
for n in notes:
    print("note: " + n)
PY
