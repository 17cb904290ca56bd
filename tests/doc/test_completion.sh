#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnat - test_completion.sh: the bash completion of hostnat
#
# test_completion.sh HOSTNAT FAKE_HOSTNATD COMPLETION: sources COMPLETION
# (dist/bash-completion/hostnat) in this plain bash (without the
# bash-completion package's helpers) and completes words as bash would,
# through COMP_WORDS and COMP_CWORD: objects, commands, options, settings,
# their values, and network names from fake_hostnatd (its network "nat"
# and one added here), then nothing and no message once it is gone.
# Prints "ok" or each wrong completion; exit status 0 or 1.
set -u
CLI=$(realpath "$1")
DAEMON=$2
COMPLETION=$3
DIR=$(mktemp -d /tmp/hostnat-comp-XXXXXX)
SOCK=$DIR/api.sock
"$DAEMON" "$DIR" "$SOCK" >"$DIR/daemon.out" 2>"$DIR/daemon.err" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do
	grep -q ready "$DIR/daemon.out" 2>/dev/null && break
	sleep 0.05
done
# hostnat as the user types it: by name, from PATH
PATH=$(dirname "$CLI"):$PATH
. "$COMPLETION"
fail=0

# complete WORD...: the candidates bash would offer for the last WORD
# (empty: a new word), sorted, on one line
complete_words() {
	COMP_WORDS=(hostnat "$@")
	COMP_CWORD=$#
	COMP_LINE="hostnat $*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_hostnat
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect WANT WORD...: the candidates are exactly WANT
expect() {
	local want=$1 got
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] ||
		{ echo "FAIL: hostnat $*<TAB>: want '$want', got '$got'"; fail=1; }
}

# expect_has WORD WORD...: the candidates include WORD
expect_has() {
	local want=$1 got
	shift
	got=" $(complete_words "$@") "
	[[ "$got" == *" $want "* ]] ||
		{ echo "FAIL: hostnat $*<TAB>: want '$want' among '$got'"; fail=1; }
}

"$CLI" --socket "$SOCK" network add lab --prefix 10.60.0.0/24 \
	--external eth0 >/dev/null || { echo "FAIL: network add lab"; exit 1; }

expect network ne
expect "endpoint external" e
expect "add del list set show" network ''
expect "set show" network s
expect "--proto" map add x --pr
expect "--external-address --external-port" map add x --proto tcp --ext
expect "tcp udp" map add x --proto ''
expect "off on" network add x --dhcp ''
expect "--socket" --s
expect "--help --json --pretty --socket" --
expect "--json" --j
expect_has udp_filtering network set x ''
expect_has dhcp_lease_time network set x ''
expect "udp_filtering udp_inbound_refresh udp_timeout udp_unanswered_timeout" \
	network set x udp_
# a key begun in the old kebab-case spelling completes to the snake name
expect "udp_filtering udp_inbound_refresh udp_timeout udp_unanswered_timeout" \
	network set x udp-
expect "adf apdf eif" network set x udp_filtering ''
expect "adf apdf eif" network set x udp-filtering ''
expect "off on" network set x isolation ''
expect "" network set x dhcp_lease_time ''
# --prefix may come again, --bridge not
expect "--prefix" network add x --prefix 10.1.0.0/24 --bridge br0 --pre
expect "" network add x --bridge br0 --br
# options and their values from each command's option table
expect "--after --internal --limit --proto" session list x --
expect "icmp tcp udp" session list --proto ''
expect "prometheus text" stats --format ''
expect "--ifname --netns --owner" endpoint del x -
expect "--pretty" --p
# network names from the daemon, honouring --socket
expect "lab nat" --socket "$SOCK" network show ''
expect "lab" --socket "$SOCK" map list l
expect_has lab --socket "$SOCK" network set ''
expect "" --socket "$SOCK" version ''
expect "" --socket "$SOCK" network add ''
expect "" nosuchobject ''
kill $PID 2>/dev/null
wait $PID 2>/dev/null
got=$("$CLI" __complete --socket "$SOCK" network show '' 2>&1)
rc=$?
[ -z "$got" ] && [ $rc = 0 ] ||
	{ echo "FAIL: no daemon: want nothing, status 0; got '$got' ($rc)"; fail=1; }
[ $fail = 0 ] && echo ok
exit $fail
