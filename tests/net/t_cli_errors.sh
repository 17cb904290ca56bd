#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CLI errors: refused requests exit non-zero with one line on stderr that
# names the offending values, and change nothing.
. "$(dirname "$0")/lib.sh"
setup

hn map add $NET --proto tcp --internal $C1:80 --external-port 8080 >/dev/null 2>&1 ||
	bad setup "map add"
ip -n $P-host route add 10.50.0.0/16 via $INET
snap() {
	echo "networks: $(hn --json network list 2>&1 | jq -cS . 2>&1)"
	echo "maps: $(hn --json map list 2>&1 | jq -cS . 2>&1)"
	echo "externals: $(hn --json external list 2>&1 | jq -cS . 2>&1)"
	echo "rules: $(ip -n $P-host rule list | tr '\n' '|')"
	echo "links: $(ip -n $P-host -o link show | awk '{print $2}' | tr '\n' ' ')"
}
before=$(snap)

# refused NAME PATTERN... -- ARGS: hn ARGS fails, one line on stderr that
# matches every PATTERN, nothing on stdout
refused() {
	local name=$1 pats=() out err rc p
	shift
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	out=$(hn "$@" 2>"$T/err")
	rc=$?
	err=$(cat "$T/err")
	note "hostnat $*: exit $rc, stderr: $err"
	if [ $rc -eq 0 ]; then
		bad "$name" "expected a non-zero exit from 'hostnat $*', got 0 (stdout '$out')"
		return
	fi
	# the message is one line; a usage line may follow a command-line error
	err=$(grep -v -E '^(usage:|  )' <<<"$err")
	if [ "$(grep -c . <<<"$err")" -ne 1 ]; then
		bad "$name" "expected one line on stderr, got $(grep -c . <<<"$err"): '$(tr '\n' '|' <<<"$err")'"
		return
	fi
	for p in "${pats[@]}"; do
		if ! grep -Fq -- "$p" <<<"$err"; then
			bad "$name" "expected the message to name '$p', got '$err'"
			return
		fi
	done
	ok "$name"
}

refused "overlapping prefix of another network is refused, naming both" \
	172.16.5.0/24 172.16.0.0/16 -- network add n2 --prefix 172.16.5.0/24
refused "prefix overlapping the uplink's address is refused, naming both" \
	198.51.100.0/25 198.51.100.2 up0 -- network add n3 --prefix 198.51.100.0/25
refused "prefix overlapping a host route is refused, naming both" \
	10.50.1.0/24 10.50.0.0/16 -- network add n4 --prefix 10.50.1.0/24
refused "a second prefix overlapping the first of the same request is refused" \
	10.60.1.0/24 10.60.0.0/16 -- network add n5 --prefix 10.60.0.0/16 --prefix 10.60.1.0/24
refused "duplicate network name is refused" \
	"$NET" -- network add $NET --prefix 10.70.0.0/24
refused "duplicate mapping (same proto and port) is refused" \
	8080 -- map add $NET --proto tcp --internal $C2:80 --external-port 8080
refused "a bad prefix is refused, naming it" \
	300.1.0.0/16 -- network add n6 --prefix 300.1.0.0/16
refused "a bad protocol is refused, naming it" \
	sctp -- map add $NET --proto sctp --internal $C1:80 --external-port 9000
refused "mapping in an unknown network is refused, naming it" \
	nosuchnet -- map add nosuchnet --proto tcp --internal $C1:80 --external-port 9001
refused "deleting a mapping that does not exist is refused" \
	9002 -- map del $NET --proto tcp --external-port 9002
refused "a mapping to an address outside the network is refused, naming it" \
	10.1.2.3 -- map add $NET --proto tcp --internal 10.1.2.3:80 --external-port 9003
refused "an unknown setting is refused, naming it" \
	no-such-key -- network set $NET no-such-key 5
refused "a udp_timeout below RFC 4787's 120 s is refused, naming the value" \
	"10 s" -- network set $NET udp_timeout 10
refused "an unknown command is refused" \
	frobnicate -- network frobnicate
refused "a bad isolation value is refused, naming it" \
	"isolation 'maybe'" "on or off" -- network set $NET isolation maybe
refused "an uplink as --bridge is refused, naming it" \
	"device up0" uplink -- network add nb1 --prefix 10.81.0.0/24 --bridge up0
refused "lo as --bridge is refused, naming it" \
	"device lo" "not a bridge" -- network add nb2 --prefix 10.82.0.0/24 --bridge lo
ip -n $P-host link add hnt-va type veth peer name hnt-vb
refused "a veth as --bridge is refused, naming it and its kind" \
	"device hnt-va" "not a bridge" veth -- network add nb3 --prefix 10.83.0.0/24 --bridge hnt-va
refused "hn-out (hostnat's TUN) as --bridge is refused" \
	"hn-out" -- network add nb4 --prefix 10.84.0.0/24 --bridge hn-out
ip -n $P-host link del hnt-va

after=$(snap)
check_eq "nothing changed after the refused requests" "$before" "$after"

# the mapped port is reserved for the NAT on the host
rp=$(ns host sysctl -n net.ipv4.ip_local_reserved_ports)
in_list=$(awk -v p=8080 -v l="$rp" 'BEGIN { n = split(l, r, ","); for (i = 1; i <= n; i++) {
	m = split(r[i], b, "-"); lo = b[1] + 0; hi = (m > 1 ? b[2] : b[1]) + 0
	if (p >= lo && p <= hi) { print "yes"; exit } } print "no" }')
check_eq "the mapped port 8080 is in ip_local_reserved_ports ($rp)" yes "$in_list"
out=$(hn --json network add n2 --prefix 172.16.5.0/24 2>&1)
note "--json error: $out"
finish
