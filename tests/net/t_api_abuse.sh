#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The API under abuse while packets pass: ~3000 UDP sessions listed in
# pages (every one exactly once), clients that flood session.list and read
# every answer, a client that pipelines requests and never reads (dropped
# at the output cap), one that asks for 40 full lists and never reads
# (dropped at the idle timeout, memory bounded), 64 idle connections (the
# CLI still gets in); meanwhile c1 pings inet every 50 ms and no reply may
# take 50 ms or more.
. "$(dirname "$0")/lib.sh"
setup

NSESS=3000
# ---- ~3000 UDP sessions: c1 and c2 send one datagram from each of NSESS/2
# ports (an endpoint may hold a share of the dynamic range only)
for c in c1 c2; do
ns $c timeout 60 "$PY" - "$INET" $((NSESS / 2)) <<'PY' >>"$T/sessions.out" 2>&1
import socket, sys, time
dst, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 20000 + i))
    s.sendto(b"x", (dst, 9999))
    s.close()
    if i % 50 == 49:
        time.sleep(0.02)    # bounded: no queue on the way overflows
print("sent", n)
PY
done
check_eq "c1 and c2 sent $NSESS datagrams from distinct ports" "sent $((NSESS / 2))|sent $((NSESS / 2))|" "$(tr '\n' '|' <"$T/sessions.out")"
wait_until 5 sh -c "[ \$($HOSTNAT --socket $T/sock --json stats |
	jq '.engine.sessions') -ge $NSESS ]"
note "sessions: $(hn --json stats | jq -c '.engine | {sessions, drops: (.drops | with_entries(select(.value > 0)))}')"

# the API client of this case: python on the socket, no CLI
cat >"$T/api.py" <<'PY'
import json, os, socket, sys, threading, time

SOCK = sys.argv[1]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SOCK)
    return s

def ask(s, f, cmd, args=None):
    s.sendall((json.dumps({"cmd": cmd, "args": args or {}}) + "\n").encode())
    return json.loads(f.readline())

def pages(limit, net=None):
    """every page of session.list: prints pages, sessions, duplicates"""
    s = conn()
    f = s.makefile("r")
    seen, dup, n, npages, after = set(), 0, 0, 0, None
    while True:
        args = {"limit": limit}
        if after:
            args["after"] = after
        r = ask(s, f, "session.list", args)
        if not r.get("ok"):
            print("error", r.get("error"))
            return 1
        npages += 1
        for e in r["result"]:
            if e["remote_port"] != 9999 or e["proto"] != "udp":
                continue
            k = (e["internal_address"], e["internal_port"])
            dup += k in seen
            seen.add(k)
            n += 1
        if len(r["result"]) > limit:
            print("page longer than its limit:", len(r["result"]))
        after = r.get("next")
        if after is None:
            break
    print("pages %d sessions %d distinct %d duplicates %d" %
          (npages, n, len(seen), dup))
    return 0

def reader(stop, counts, i):
    """a client that asks for the full table again and again, reads all"""
    s = conn()
    f = s.makefile("r")
    while not stop.is_set():
        r = ask(s, f, "session.list", {"limit": 100000})
        counts[i] += 1 if r.get("ok") else 0

def flood(secs):
    """readers flooding session.list for SECS s; prints lists answered"""
    stop, counts = threading.Event(), [0] * 4
    ts = [threading.Thread(target=reader, args=(stop, counts, i))
          for i in range(4)]
    for t in ts:
        t.start()
    time.sleep(secs)
    stop.set()
    for t in ts:
        t.join()
    print("answered", sum(counts))
    return 0

def wait_eof(s, secs):
    """seconds until the server closes @s (reading now), or -1"""
    start = time.monotonic()
    s.settimeout(1)
    while time.monotonic() - start < secs:
        try:
            while True:
                if not s.recv(1 << 20):
                    return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return -1

def piper(secs):
    """pipelines stats requests, never reads: dropped at the output cap"""
    s = conn()
    s.setblocking(False)
    line = (json.dumps({"cmd": "stats"}) + "\n").encode()
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < secs:
        try:
            s.send(line)
            sent += 1
        except BlockingIOError:
            time.sleep(0.001)
        except OSError:
            print("dropped after %.1f s, %d requests" %
                  (time.monotonic() - start, sent))
            return 0
    s.setblocking(True)
    t = wait_eof(s, 5)
    print("dropped after %.1f s, %d requests" % (secs + t, sent)
          if t >= 0 else "not dropped")
    return 0

def sleeper(n, secs):
    """40 full session lists asked, nothing read: idle timeout drops it"""
    s = conn()
    start = time.monotonic()
    try:
        for _ in range(n):
            s.sendall((json.dumps({"cmd": "session.list",
                                   "args": {"limit": 100000}}) +
                       "\n").encode())
    except OSError:
        # the server dropped it already (it reads nothing of its answers,
        # or gave its slot to a new client): a drop all the same
        print("dropped after %.1f s" % (time.monotonic() - start))
        return 0
    time.sleep(secs)        # read nothing meanwhile
    t = wait_eof(s, 60)
    print("dropped after %.1f s" % (secs + t) if t >= 0 else "not dropped")
    return 0

def idle(n, secs):
    """N idle connections held SECS s"""
    ss = [conn() for _ in range(n)]
    print("holding", len(ss), flush=True)
    time.sleep(secs)
    return 0

cmd = sys.argv[2]
a = sys.argv[3:]
sys.exit({"pages": lambda: pages(int(a[0])),
          "flood": lambda: flood(float(a[0])),
          "piper": lambda: piper(float(a[0])),
          "sleeper": lambda: sleeper(int(a[0]), float(a[1])),
          "idle": lambda: idle(int(a[0]), float(a[1]))}[cmd]())
PY
api() {
	timeout 120 "$PY" "$T/api.py" "$T/sock" "$@"
}

# ---- pages: every session exactly once
out=$(api pages 500 2>&1)
check_match "session.list in pages of 500: every session once" \
	"^pages ([7-9]|[1-9][0-9]+) sessions $NSESS distinct $NSESS duplicates 0$" "$out"
out=$(api pages 7 2>&1)
check_match "session.list in pages of 7: every session once" \
	"sessions $NSESS distinct $NSESS duplicates 0$" "$out"
n=$(hn --json session list --proto udp 2>/dev/null |
	jq '[.[] | select(.remote_port == 9999)] | length' 2>&1)
check_eq "hostnat session list (all pages) lists the $NSESS sessions" "$NSESS" "$n"
hn session list --limit 10 >"$T/page.out" 2>"$T/page.err"
check_eq "hostnat session list --limit 10: 10 rows and a header" 11 "$(wc -l <"$T/page.out")"
cur=$(sed -n 's/^more: --after //p' "$T/page.err")
check_match "hostnat session list --limit 10 tells where to go on" '^[0-9]+$' "$cur"
n=$(hn --json session list --limit 10 --after "$cur" 2>/dev/null | jq '.sessions | length')
check_eq "hostnat session list --limit 10 --after CURSOR: the next 10" 10 "$n"

# ---- abuse while c1 pings inet every 50 ms
rss0=$(awk '/^VmRSS/ {print $2}' /proc/$HN_PID/status)
ns c1 ping -n -i 0.05 -c 60 -W 1 $INET >"$T/ping.out" 2>&1 &
ping_pid=$!
PIDS+=("$ping_pid")
api flood 3 >"$T/flood.out" 2>&1 &
flood_pid=$!
PIDS+=("$flood_pid")
api piper 10 >"$T/piper.out" 2>&1 &
piper_pid=$!
PIDS+=("$piper_pid")
api sleeper 40 2 >"$T/sleeper.out" 2>&1 &
sleeper_pid=$!
PIDS+=("$sleeper_pid")
: >"$T/idle.out"
api idle 64 8 >"$T/idle.out" 2>&1 &
idle_pid=$!
PIDS+=("$idle_pid")
wait_until 5 grep -q '^holding 64' "$T/idle.out"
sleep 0.5
check_cmd "hostnat network list gets in past 64 idle connections" \
	hn network list
wait $ping_pid
rtt=$(sed -n 's|.*= [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p' "$T/ping.out")
note "ping: $(tail -n 2 "$T/ping.out" | tr '\n' ' ')"
check_match "60 pings through the NAT while the API is flooded all answered" \
	" 60 received" "$(cat "$T/ping.out")"
check_cmd "no ping took 50 ms or more (max $rtt ms)" \
	awk -v r="$rtt" 'BEGIN { exit !(r != "" && r < 50) }'
wait $flood_pid
check_match "the flooding readers had their lists answered" \
	'^answered [1-9]' "$(cat "$T/flood.out")"
wait $piper_pid
check_match "a client that pipelines and never reads is dropped" \
	'^dropped after' "$(cat "$T/piper.out")"
check_match "the drop is logged: it does not read its answers" \
	"does not read its answers" "$(cat "$T/hostnatd.log")"
rss1=$(awk '/^VmRSS/ {print $2}' /proc/$HN_PID/status)
note "hostnatd RSS: $rss0 kB before, $rss1 kB during the abuse"
check_int "hostnatd grew by less than 64 MB under the abuse" -lt 65536 $((rss1 - rss0))
wait $idle_pid
wait $sleeper_pid
check_match "a client that asks for 40 lists and reads none is dropped (idle timeout, or its slot or output cap)" \
	'^dropped after' "$(cat "$T/sleeper.out")"
check_cmd "hostnatd answers after the abuse" hn network list
finish
