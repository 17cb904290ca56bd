#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Once serving, hostnatd keeps only CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF
# (effective, permitted, bounding), has no_new_privs and a seccomp filter;
# its namespace helper keeps CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_ADMIN.
# It is started with the bounding set of dist/hostnatd.service, so the
# unit's set is enough for start-up. Everything still works after the drop:
# network add (with and without --bridge), a mapping, outbound TCP,
# endpoint add into a fresh namespace (by name and by /proc/PID/ns/net),
# endpoint del, a restart.
. "$(dirname "$0")/lib.sh"

# the bounding set of the unit, as setpriv spells it
UNIT_CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$REPO/dist/hostnatd.service" |
	tr 'A-Z' 'a-z' | sed 's/cap_//g; s/ \+/,+/g; s/^/+/')
REAL_HOSTNATD=$HOSTNATD
HOSTNATD=$T/hostnatd
cat >"$HOSTNATD" <<EOF
#!/bin/sh
exec setpriv --bounding-set -all,$UNIT_CAPS --inh-caps -all -- "$REAL_HOSTNATD" "\$@"
EOF
chmod +x "$HOSTNATD"
setup

# capability bits: CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_BPF 39;
# CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21
DAEMON_CAPS=$(printf '%016x' $(((1 << 12) | (1 << 13) | (1 << 39))))
HELPER_CAPS=$(printf '%016x' $(((1 << 12) | (1 << 19) | (1 << 21))))

status_of() { # PID FIELD
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null
}

check_confined() { # WHO PID CAPS
	local f
	for f in CapEff CapPrm CapBnd; do
		check_eq "$1: $f is exactly $3" "$3" "$(status_of "$2" $f)"
	done
	check_eq "$1: CapInh empty" 0000000000000000 "$(status_of "$2" CapInh)"
	check_eq "$1: CapAmb empty" 0000000000000000 "$(status_of "$2" CapAmb)"
	check_eq "$1: NoNewPrivs" 1 "$(status_of "$2" NoNewPrivs)"
	check_eq "$1: seccomp filter mode" 2 "$(status_of "$2" Seccomp)"
}

check_confined hostnatd "$HN_PID" "$DAEMON_CAPS"
helper=$(pgrep -P "$HN_PID" -x hostnatd-ns | head -n 1)
if [ -n "$helper" ]; then
	ok "the namespace helper runs (pid $helper)"
	check_confined "namespace helper" "$helper" "$HELPER_CAPS"
else
	bad "the namespace helper runs" "no child hostnatd-ns of $HN_PID"
fi

serve inet tcp $INET 80 web || bad setup "web server"
serve c1 tcp $C1 80 c1web || bad setup "c1 web server"

check_match "after the drop: curl from c1 reaches inet through the NAT" \
	"^web saw $EXT:" "$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_cmd "after the drop: map add" hn map add $NET --proto tcp \
	--internal $C1:80 --external-port 8080
check_match "after the drop: inet reaches c1 via $EXT:8080" "^c1web saw $INET:" \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"

# a network of its own bridge: made by hostnatd, with its sysctls
check_cmd "after the drop: network add without --bridge" \
	hn network add n2 --prefix 10.99.0.0/24 --external up0
check_match "the bridge hn-n2 exists, holding the gateway" "inet 10\.99\.0\.1/24" \
	"$(ip -n $P-host -4 addr show dev hn-n2 2>&1)"

# endpoint add: a fresh namespace by name, another by /proc/PID/ns/net
ip netns add "$P-e1" && NSS+=("$P-e1")
check_cmd "after the drop: endpoint add into a fresh namespace" \
	hn endpoint add $NET --netns $P-e1
check_match "e1: curl reaches inet through the NAT" "^web saw $EXT:" \
	"$(ns e1 curl -sS --max-time 5 http://$INET/ 2>&1)"
ns_add e2
bg e2 sleep 300		# timeout(1) runs in e2 with all capabilities
e2pid=$BG_PID
in_e2() {
	[ "$(readlink /proc/$e2pid/ns/net 2>/dev/null)" = \
		"$(ip netns exec $P-e2 readlink /proc/self/ns/net)" ]
}
wait_until 5 in_e2 || note "process $e2pid is not in $P-e2 yet"
check_cmd "endpoint add by /proc/PID/ns/net (a process with all capabilities)" \
	hn endpoint add n2 --netns /proc/$e2pid/ns/net
check_match "e2: eth0 has an address of n2" "inet 10\.99\.0\." \
	"$(ip -n $P-e2 -4 addr show dev eth0 2>&1)"
out=$(hn endpoint add $NET --netns /etc/passwd 2>&1)
check_match "a path that is not a network namespace is refused" \
	"'/etc/passwd' cannot be opened" "$out"
check_cmd "endpoint del" hn endpoint del $NET --netns $P-e1
check_eq "endpoint del: no veth left in e1" "" \
	"$(ip -n $P-e1 -o link show type veth 2>&1)"

check_confined "after all that: hostnatd" "$HN_PID" "$DAEMON_CAPS"
check_eq "hostnatd log: no seccomp or capability complaint" "" \
	"$(grep -Ei 'seccomp|capabilit|namespace helper' "$T/hostnatd.log")"

hn_stop
check_eq "SIGTERM: clean exit (status 0)" 0 "$?"
hn_start || { bad "restart" "hostnatd did not start again"; finish; }
check_confined "restarted hostnatd" "$HN_PID" "$DAEMON_CAPS"
check_match "restart: curl from c1 still reaches inet" "^web saw $EXT:" \
	"$(ns c1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_cmd "network del n2 (its bridge goes)" hn network del n2
finish
