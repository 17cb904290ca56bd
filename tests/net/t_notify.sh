#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnatd speaks systemd's notify protocol (the unit is Type=notify): a
# listener on a Unix datagram socket stands in for systemd (NOTIFY_SOCKET).
# READY=1 arrives, and at the moment it is seen the API answers and the
# network of the state file is there; a STATUS= line names the networks and
# the socket, again when a network is added; SIGTERM sends STOPPING=1 and
# ends cleanly. All of it under the seccomp allow-list (kill mode), so
# sd_notify()'s system calls after the privilege drop are covered. Without
# NOTIFY_SOCKET, or with one nobody listens on, hostnatd starts and serves
# as before.
. "$(dirname "$0")/lib.sh"

# the first start, as before: no NOTIFY_SOCKET; it leaves net1 in the state
unset NOTIFY_SOCKET
setup
check_cmd "without NOTIFY_SOCKET: hostnatd serves" hn network show $NET
hn_stop
check_eq "without NOTIFY_SOCKET: SIGTERM, clean exit" 0 "$?"

# the listener: every datagram to $T/notify.log; when READY=1 comes, the
# API is asked at once and br0's tc filters are read, into $T/ready-api.log
cat >"$T/listen.py" <<'PY'
import socket, subprocess, sys, time
path, log, api, cli, sock = sys.argv[1:6]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(60)
end = time.monotonic() + 60
with open(log, "a", buffering=1) as f:
    while time.monotonic() < end:
        try:
            msg = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        for line in msg.split("\n"):
            if line:
                f.write(line + "\n")
        if "READY=1" in msg.split("\n"):
            r = subprocess.run([cli, "--socket", sock, "network", "list"],
                               capture_output=True, text=True, timeout=10)
            t = subprocess.run(["tc", "filter", "show", "dev", "br0",
                                "ingress"], capture_output=True, text=True)
            with open(api, "w") as a:
                a.write("status %d\n%s%s" % (r.returncode, r.stdout,
                                              r.stderr))
                a.write("tc: " + t.stdout.replace("\n", " ") + "\n")
        if "STOPPING=1" in msg.split("\n"):
            break
PY
: >"$T/notify.log"
bg host $PY "$T/listen.py" "$T/notify.sock" "$T/notify.log" \
	"$T/ready-api.log" "$HOSTNAT" "$T/sock"
LISTENER=$BG_PID
wait_until 10 test -S "$T/notify.sock" || bad setup "the listener's socket"

# the start under "systemd"
export NOTIFY_SOCKET=$T/notify.sock
hn_start || { bad start "hostnatd did not start with NOTIFY_SOCKET"; finish; }
unset NOTIFY_SOCKET
has_line() { grep -qx -- "$1" "$T/notify.log"; }
wait_until 10 has_line READY=1
check_eq "READY=1 arrives" READY=1 "$(grep -x READY=1 "$T/notify.log")"
wait_until 5 test -s "$T/ready-api.log"
check_eq "the API answers when READY=1 is seen" "status 0" \
	"$(head -n 1 "$T/ready-api.log" 2>&1)"
check_match "when READY=1 is seen, network $NET of the state is up" \
	"^$NET +up " "$(cat "$T/ready-api.log")"
check_match "when READY=1 is seen, the BPF program is on br0" \
	"^tc: .*bpf" "$(cat "$T/ready-api.log")"
check_match "a STATUS= line names the networks and the socket" \
	"^STATUS=serving 1 network on $T/sock\$" "$(cat "$T/notify.log")"
check_eq "READY=1 only once" 1 "$(grep -cx READY=1 "$T/notify.log")"

check_cmd "network add n2" hn network add n2 --prefix 10.99.0.0/24 \
	--external up0
wait_until 5 has_line "STATUS=serving 2 networks on $T/sock"
check_match "STATUS= again once a second network is there" \
	"^STATUS=serving 2 networks on $T/sock\$" "$(cat "$T/notify.log")"
check_eq "still serving under seccomp after sd_notify()" 0 \
	"$(kill -0 "$HN_PID" 2>/dev/null; echo $?)"

hn_stop
check_eq "SIGTERM: clean exit (status 0)" 0 "$?"
wait_until 5 has_line STOPPING=1
check_eq "STOPPING=1 on SIGTERM" STOPPING=1 \
	"$(grep -x STOPPING=1 "$T/notify.log")"
check_eq "nothing after STOPPING=1 but STATUS=" "" \
	"$(sed -n '/^STOPPING=1$/,$p' "$T/notify.log" | grep -v '^STOPPING=1$' |
	   grep -v '^STATUS=')"
wait "$LISTENER" 2>/dev/null

# NOTIFY_SOCKET where nobody listens: a warning, and hostnatd serves
export NOTIFY_SOCKET=$T/nobody.sock
hn_start || bad "NOTIFY_SOCKET with no listener" "hostnatd did not start"
unset NOTIFY_SOCKET
check_cmd "NOTIFY_SOCKET with no listener: the API answers" hn network show n2
check_match "NOTIFY_SOCKET with no listener: one warning in the log" \
	"cannot notify systemd at $T/nobody.sock" "$(cat "$T/hostnatd.log")"
check_cmd "network del n2" hn network del n2
hn_stop
check_eq "NOTIFY_SOCKET with no listener: clean exit" 0 "$?"
check_eq "hostnatd log: no seccomp complaint" "" \
	"$(grep -Ei 'seccomp|bad system call' "$T/hostnatd.log")"
finish
