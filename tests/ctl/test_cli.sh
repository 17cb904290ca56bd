#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnat - test_cli.sh: the command-line tool against fake_hostnatd
#
# test_cli.sh HOSTNAT FAKE_HOSTNATD: runs the CLI's commands against the
# control layer served with the real engine and a fake datapath (no root),
# and checks output, exit status and error lines. Prints "ok" or the first
# failure, exit status 0 or 1.
set -u
CLI=$1
DAEMON=$2
DIR=$(mktemp -d /tmp/hostnat-cli-XXXXXX)
SOCK=$DIR/api.sock
"$DAEMON" "$DIR" "$SOCK" >"$DIR/daemon.out" 2>"$DIR/daemon.err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do
	grep -q ready "$DIR/daemon.out" 2>/dev/null && break
	sleep 0.05
done

fail() {
	echo "FAIL: $*"
	echo "--- stdout:"; cat "$DIR/out"
	echo "--- stderr:"; cat "$DIR/err"
	exit 1
}

# run EXPECTED_STATUS ARGS...: run the CLI, check its exit status
run() {
	want=$1
	shift
	"$CLI" --socket "$SOCK" "$@" >"$DIR/out" 2>"$DIR/err"
	got=$?
	[ "$got" = "$want" ] || fail "hostnat $*: exit $got, want $want"
}

has() {
	grep -q -- "$2" "$DIR/$1" || fail "$1 lacks '$2'"
}

run 0 network list
has out 'NAME'
has out '172.16.0.0/16'
run 0 network add lab --prefix 10.60.0.0/24 --prefix 10.61.0.0/24 --external eth0
run 0 network show lab
has out 'hn-lab'
has out '10.60.0.254'
# each setting with its own unit: seconds, a count, a share
has out 'udp_timeout  *300 s$'
has out 'dhcp_client_limit  *[0-9][0-9]*$'
has out 'port_share  *1/[0-9][0-9]*$'
run 0 map add lab --proto tcp --internal 10.60.0.2:80
grep -Eq '^[0-9]+$' "$DIR/out" || fail "map add printed '$(cat "$DIR/out")', not a port"
PORT=$(cat "$DIR/out")
run 0 --json map add lab --proto udp --internal 10.60.0.2:53 --external-port 5353
has out '"external_port":5353'
run 0 map add lab --proto tcp --internal 10.60.0.3:22 --external-port 2222
[ -s "$DIR/out" ] && fail "map add with a port printed something"
run 1 map add lab --proto tcp --internal 10.60.0.4:22 --external-port 2222
has err '^hostnat: tcp port 2222 on 10.0.0.5 is mapped to 10.60.0.3:22'
run 0 map list lab
has out "10.0.0.5:$PORT\|\*:$PORT"
has out 'dynamic'
run 0 map del lab --proto tcp --external-port 2222
run 0 network set lab udp_timeout 600
run 0 network show lab
has out 'udp_timeout  *600 s$'
# the old kebab-case spelling of a key still works
run 0 network set lab udp-timeout 900
run 0 network show lab
has out 'udp_timeout  *900 s$'
run 1 network set lab udp_timeout 10
has err '^hostnat: .*RFC 4787'
run 2 network set lab udp-timeout ten
has err "'ten'"
run 0 external list
has out 'eth0'
run 0 session list lab --proto icmp
has out 'NETWORK'
run 0 stats
has out 'drops:'
run 0 --json stats lab
has out '"engine"'
run 1 network add bad --prefix 10.0.0.0/8
has err '^hostnat: prefix 10.0.0.0/8 overlaps address 10.0.0.5/24 on eth0; choose another prefix$'
run 2 network add x --prefix 10.0.0.1/8
has err 'did you mean 10.0.0.0/8'
run 2 map add lab --proto sctp --internal 10.60.0.2:80
has err "'sctp'"
run 2 map add lab --proto tcp --internal 10.60.0.2:80 --external-port 70000
has err "'70000'"
run 2 network frob
has err "unknown command 'frob'"
run 2 bogus
run 0 help
has out 'network add'
run 0 network add pool --prefix 10.62.0.0/24 --dhcp off
run 0 network show pool
has out 'dhcp  *off'
has out 'pool  *10.62.0.0/24: 254 addresses, 2 used, 252 free'
has out 'system  *10.62.0.1 .*gateway'
run 2 network add pool2 --prefix 10.63.0.0/24 --dhcp maybe
has err "'maybe'"
run 0 lease add pool --mac 02:00:00:00:00:07 --address 10.62.0.7
has out 'static  *10.62.0.7  *02:00:00:00:00:07'
run 1 lease add pool --mac 02:00:00:00:00:08 --address 10.62.0.7
has err '^hostnat: address 10.62.0.7 of network .pool. is in use'
run 2 lease add pool --mac 02:00:00:00:00 --address 10.62.0.8
has err 'not a MAC address'
run 0 lease list
has out '10.62.0.7'
run 0 lease del pool --mac 02:00:00:00:00:07
run 0 network set pool dhcp_lease_time 120
run 2 network set pool dhcp-lease-time 5
has err "'5'"
run 0 endpoint list
has out 'NETNS'
run 2 endpoint add pool
has err 'needs --netns'
run 2 endpoint add pool --netns ../x
has err 'not valid'
run 2 endpoint add pool --netns ns1 --mac 01:00:00:00:00:01
has err 'multicast'
run 2 endpoint add pool --netns ns1 --owner 'bad/id'
has err "^hostnat: --owner 'bad/id' is not valid"
run 2 endpoint del pool --netns ns1 --owner c1
has err 'not both'
run 0 endpoint del --owner nobody
has out '^deleted 0$'
run 0 endpoint del pool --netns ns-gone
has out '^deleted 0$'
run 0 map add pool --proto tcp --internal 10.62.0.9:80 --external-port 8099 --owner ctr-9
run 0 map list pool
has out 'ctr-9'
run 2 map del pool --owner ctr-9 --proto tcp
has err 'alone'
run 0 map del --owner ctr-9
has out '^deleted 1$'
run 0 map del --owner ctr-9
has out '^deleted 0$'
# an option given twice is refused: one line, exit status 2, nothing sent
# (against a socket that is not there, reaching it would be exit status 1)
# twice OPTION ARGS...: hostnat ARGS is refused for OPTION given twice
twice() {
	opt=$1
	shift
	"$CLI" --socket "$DIR/nope.sock" "$@" >"$DIR/out" 2>"$DIR/err"
	got=$?
	[ "$got" = 2 ] || fail "hostnat $*: exit $got, want 2"
	[ -s "$DIR/out" ] && fail "hostnat $*: printed something"
	[ "$(wc -l <"$DIR/err")" = 1 ] || fail "hostnat $*: not one line"
	grep -q -- "^hostnat: $opt given twice ('.*', then '.*'); give it once$" \
		"$DIR/err" || fail "hostnat $*: no '$opt given twice'"
}
twice --bridge network add dup --bridge br1 --bridge br2
twice --dhcp network add dup --dhcp on --dhcp off
twice --proto map add lab --proto tcp --proto udp --internal 10.60.0.2:80
twice --external-port map del lab --proto tcp --external-port 1 --external-port 2
twice --ports external add lab 10.0.0.9 --ports 1000-2000 --ports 3000-4000
twice --proto session list --proto tcp --proto udp
twice --limit session list --limit 5 --limit 6
twice --mac lease add pool --mac 02:00:00:00:00:01 --mac 02:00:00:00:00:02 --address 10.62.0.9
twice --mac lease del pool --mac 02:00:00:00:00:01 --mac 02:00:00:00:00:02
twice --netns endpoint add pool --netns ns1 --netns ns2
twice --owner endpoint del --owner a --owner b
twice --format stats --format text --format prometheus
# ... and against the daemon: nothing made
run 2 network add dup --prefix 10.66.0.0/24 --bridge br1 --bridge br2
has err "^hostnat: --bridge given twice ('br1', then 'br2'); give it once$"
run 1 network show dup
has err "network 'dup' does not exist"
# a repeatable option: every value goes
run 0 network add rep --prefix 10.64.0.0/24 --prefix 10.65.0.0/24
run 0 network show rep
has out '10.64.0.0/24,10.65.0.0/24'
run 0 network del rep
# what the API requires is said in the command line's words, nothing sent
run 2 map add lab --proto tcp
has err '^hostnat: map add needs --internal ADDR:PORT\[-LAST\]$'
run 2 external add lab
has err '^hostnat: external add needs ADDR$'
run 2 session list --after nonsense
has err '^hostnat: --after of session list must be'
# -j: one compact JSON document on one line, before or after the command
run 0 -j network show lab
[ "$(wc -l <"$DIR/out")" = 1 ] || fail "-j printed more than one line"
has out '^{"name":"lab",'
run 0 network list --json
[ "$(wc -l <"$DIR/out")" = 1 ] || fail "--json after the command: not one line"
has out '^\[{"name":'
# -p: indented, with or without -j
run 0 -p network show lab
[ "$(wc -l <"$DIR/out")" -gt 5 ] || fail "-p printed no indented JSON"
has out '^  "name": "lab",$'
run 0 -j --pretty network show lab
has out '^  "name": "lab",$'
run 0 map list -p
has out '^    "proto": '
run 0 network del pool
run 0 network del lab
run 1 network show lab
has err "^hostnat: network 'lab' does not exist"
"$CLI" --socket "$DIR/nope.sock" network list >"$DIR/out" 2>"$DIR/err"
[ $? = 1 ] || fail "no daemon: exit status not 1"
has err "^hostnat: cannot reach hostnatd at $DIR/nope.sock: No such file or directory; is hostnatd running?$"
echo ok
