#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The CNI plugin driven as a runtime drives it (CNI_* environment, the
# network configuration on stdin): ADD makes the endpoint in CNI_NETNS
# (given as a path) with its address, MAC and port mappings, owned by the
# container id, and prints the result (interfaces, ips, routes, dns); the
# mapping works from inet; CHECK passes, and fails once the mapping is
# gone; DEL removes all of it, twice, and without CNI_NETNS; GC removes
# what is not in cni.dev/valid-attachments; VERSION and STATUS answer.
# Bad inputs (garbage, unknown network, unknown version, missing
# variables, a hostPort taken) get the spec's error JSON with its code,
# and nothing is left behind.
. "$(dirname "$0")/lib.sh"
setup

PLUGIN=$BUILD/src/cni/hostnat
[ -x "$PLUGIN" ] || { bad setup "no $PLUGIN (build first)"; finish; }
for n in k1 k2 k3; do
	ip netns add "$P-$n" || { bad setup "ip netns add $P-$n"; finish; }
	NSS+=("$P-$n")
done
serve inet tcp $INET 80 web || bad setup "web server"

# conf VERSION [EXTRA-JSON]: the network configuration, as a runtime
# hands it to the plugin (EXTRA: more members, such as runtimeConfig)
conf() {
	jq -cn --arg v "$1" --arg s "$T/sock" --arg n $NET --argjson x "${2:-{\}}" \
		'{cniVersion: $v, name: "hn", type: "hostnat", network: $n,
		  socket: $s} + $x'
}

# cni COMMAND ID NETNS IFNAME CONF [ENV...]: run the plugin in P-host;
# stdout in $T/cni.out, exit status in CNI_RC
cni() {
	local cmd=$1 id=$2 netns=$3 ifn=$4 c=$5
	shift 5
	printf '%s' "$c" | ns host env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		${id:+CNI_CONTAINERID=$id} ${netns:+CNI_NETNS=$netns} \
		${ifn:+CNI_IFNAME=$ifn} CNI_PATH=/usr/lib/cni "$@" \
		"$PLUGIN" >"$T/cni.out" 2>"$T/cni.err"
	CNI_RC=$?
}

# check_cni_err NAME CODE: the last run failed with the spec's error CODE
check_cni_err() {
	local code
	code=$(jq -r '.code' "$T/cni.out" 2>/dev/null)
	if [ "$CNI_RC" -ne 0 ] && [ "$code" = "$2" ] &&
		jq -e '.msg | type == "string"' "$T/cni.out" >/dev/null 2>&1; then
		ok "$1 (code $2: $(jq -r .msg "$T/cni.out"))"
	else
		bad "$1" "expected exit status non-zero and error code $2, got status $CNI_RC and '$(head -c 300 "$T/cni.out" | tr '\n' ' ')'"
	fi
}

# check_clean NAME: no endpoint, no mapping, no hne veth left
check_clean() {
	check_eq "$1: nothing left (endpoints, mappings, veths)" "0 0 0" \
		"$(hn --json endpoint list $NET | jq length) $(hn --json map list $NET | jq length) $(ip -n $P-host -o link show | grep -c ' hne')"
}

PM='{"runtimeConfig": {"portMappings": [
	{"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": ""},
	{"hostPort": 5353, "containerPort": 53, "protocol": "udp"}],
	"mac": "02:00:00:00:c1:01"}}'
C1CONF=$(conf 1.0.0 "$PM")

# ---- VERSION, STATUS ----------------------------------------------------
cni VERSION "" "" "" '{"cniVersion": "1.1.0"}'
check_eq "VERSION: 0.4.0, 1.0.0 and 1.1.0" "0.4.0 1.0.0 1.1.0" \
	"$(jq -r '.supportedVersions | join(" ")' "$T/cni.out" 2>&1)"
cni STATUS "" "" "" "$(conf 1.1.0)"
check_eq "STATUS: hostnatd reachable, exit 0 and no output" "0:" "$CNI_RC:$(cat "$T/cni.out")"
cni STATUS "" "" "" "$(conf 1.1.0 '{"socket": "/nonexistent/hn.sock"}')"
check_cni_err "STATUS: no hostnatd on the socket" 50

# ---- ADD ----------------------------------------------------------------
cni ADD ctr-one /run/netns/$P-k1 eth0 "$C1CONF"
check_eq "ADD: exit 0" 0 "$CNI_RC"
note "ADD result: $(jq -c . "$T/cni.out" 2>&1 | head -c 600)"
A1=$(jq -r '.ips[0].address' "$T/cni.out")
check_match "ADD: result ips[0] is an address of the pool with its gateway and interface 0" \
	"^172\.16\.[0-9.]+/16 172\.16\.0\.1 0$" \
	"$(jq -r '.ips[0] | "\(.address) \(.gateway) \(.interface)"' "$T/cni.out")"
check_eq "ADD: result interfaces[0]: eth0, the MAC asked for, the sandbox" \
	"eth0 02:00:00:00:c1:01 /run/netns/$P-k1" \
	"$(jq -r '.interfaces[0] | "\(.name) \(.mac) \(.sandbox)"' "$T/cni.out")"
check_eq "ADD: result cniVersion is the configuration's" "1.0.0" \
	"$(jq -r .cniVersion "$T/cni.out")"
check_eq "ADD: result routes: default via the gateway" "0.0.0.0/0 172.16.0.1" \
	"$(jq -r '.routes[0] | "\(.dst) \(.gw)"' "$T/cni.out")"
check_eq "ADD: result dns is an object with nameservers" "array" \
	"$(jq -r '.dns.nameservers | type' "$T/cni.out")"
check_eq "k1: eth0 holds the address and MAC" "$A1 02:00:00:00:c1:01" \
	"$(ip -n $P-k1 -4 -o addr show dev eth0 | awk '{print $4}') $(ip -n $P-k1 -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
check_eq "endpoint list: owner is the container id" "ctr-one" \
	"$(hn --json endpoint list $NET | jq -r '.[0].owner')"
check_eq "map list: both port mappings, owned by the container" \
	"tcp:8080:${A1%/*}:80:ctr-one udp:5353:${A1%/*}:53:ctr-one" \
	"$(hn --json map list $NET | jq -r '[.[] | "\(.proto):\(.external_port):\(.internal_address):\(.internal_port):\(.owner)"] | sort | join(" ")')"
mkdir -p "$T/www" && echo k1 >"$T/www/index.html"
bg k1 busybox httpd -f -p 80 -h "$T/www"
wait_until 5 listening k1 tcp 80 || note "httpd in k1 did not start"
check_match "k1: curl reaches inet through the NAT" "^web saw $EXT:" \
	"$(ns k1 curl -sS --max-time 5 http://$INET/ 2>&1)"
check_eq "inet reaches k1's httpd through hostPort 8080" k1 \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"

cni CHECK ctr-one /run/netns/$P-k1 eth0 \
	"$(conf 1.0.0 "$(jq -c --slurpfile r "$T/cni.out" '. + {prevResult: $r[0]}' <<<"$PM")")"
check_eq "CHECK: passes after ADD" "0:" "$CNI_RC:$(cat "$T/cni.out")"

# ---- ADD with the ips capability (0.4.0), CNI_ARGS IP=, hostIP ----------
cni ADD ctr-two /run/netns/$P-k2 net0 "$(conf 0.4.0 '{"runtimeConfig": {"ips": ["172.16.7.7/16"], "portMappings": [{"hostPort": 8081, "containerPort": 80, "protocol": "tcp", "hostIP": "'$EXT'"}]}}')"
check_eq "ADD (0.4.0, ips capability): the address asked for, ips[].version 4" \
	"0 172.16.7.7/16 4" "$CNI_RC $(jq -r '.ips[0] | "\(.address) \(.version)"' "$T/cni.out" 2>&1)"
check_eq "ADD with hostIP: the mapping's external address is hostIP" "$EXT" \
	"$(hn --json map list $NET | jq -r '.[] | select(.owner == "ctr-two") | .external_address')"
cni ADD ctr-three $P-k3 eth0 "$(conf 1.1.0)" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=x;IP=172.16.8.8"
check_eq "ADD (1.1.0, CNI_ARGS IP=, netns by name)" "0 172.16.8.8/16" \
	"$CNI_RC $(jq -r '.ips[0].address' "$T/cni.out" 2>&1)"

# ---- GC -----------------------------------------------------------------
cni GC "" "" "" "$(conf 1.1.0 '{"cni.dev/valid-attachments": [{"containerID": "ctr-one", "ifname": "eth0"}]}')"
check_eq "GC: exit 0" 0 "$CNI_RC"
check_eq "GC: only ctr-one's endpoint and mappings are left" "ctr-one | ctr-one ctr-one" \
	"$(hn --json endpoint list $NET | jq -r '[.[].owner] | join(" ")') | $(hn --json map list $NET | jq -r '[.[].owner] | join(" ")')"
check_eq "GC: ctr-two's veth is gone" "" "$(ip -n $P-k2 -o link show net0 2>/dev/null)"

# ---- errors -------------------------------------------------------------
cni ADD ctr-bad /run/netns/$P-k2 eth0 "not json {"
check_cni_err "garbage on stdin: decoding failure" 6
cni ADD ctr-bad /run/netns/$P-k2 eth0 "$(conf 1.0.0 '{"network": "nonet"}')"
check_cni_err "unknown hostnat network: invalid network config" 7
cni ADD ctr-bad /run/netns/$P-k2 eth0 "$(conf 0.2.0)"
check_cni_err "unknown cniVersion: incompatible version" 1
cni ADD "" /run/netns/$P-k2 eth0 "$(conf 1.0.0)"
check_cni_err "ADD without CNI_CONTAINERID: invalid environment" 4
cni ADD ctr-bad "" eth0 "$(conf 1.0.0)"
check_cni_err "ADD without CNI_NETNS: invalid environment" 4
cni ADD ctr-bad /run/netns/$P-k2 "" "$(conf 1.0.0)"
check_cni_err "ADD without CNI_IFNAME: invalid environment" 4
env -i "$PLUGIN" >"$T/cni.out" 2>/dev/null </dev/null; CNI_RC=$?
check_cni_err "no CNI_COMMAND: invalid environment" 4
cni ADD ctr-bad /run/netns/$P-k2 eth0 "$(conf 1.0.0 '{"runtimeConfig": {"portMappings": [{"hostPort": 9000, "containerPort": 80, "protocol": "sctp"}]}}')"
check_cni_err "sctp port mapping: unsupported field" 2
cni ADD ctr-bad /run/netns/$P-k2 eth0 "$(conf 1.0.0 '{"runtimeConfig": {"portMappings": [{"hostPort": 9000, "containerPort": 80}, {"hostPort": 8080, "containerPort": 80}]}}')"
check_cni_err "hostPort 8080 taken by ctr-one: plugin error" 101
check_eq "the failed ADD left nothing: no ctr-bad endpoint or mapping" "0 0" \
	"$(hn --json endpoint list $NET | jq '[.[] | select(.owner == "ctr-bad")] | length') $(hn --json map list $NET | jq '[.[] | select(.owner == "ctr-bad")] | length')"
check_eq "the failed ADD left no interface in k2" "" "$(ip -n $P-k2 -o link show eth0 2>/dev/null)"

# ---- DEL ----------------------------------------------------------------
hn map del $NET --proto udp --external-port 5353 >/dev/null
cni CHECK ctr-one /run/netns/$P-k1 eth0 "$(conf 1.0.0 "$(jq -c '. + {prevResult: {cniVersion: "1.0.0", ips: []}}' <<<"$PM")")"
check_cni_err "CHECK: a port mapping gone is found" 102
cni DEL ctr-one "" eth0 "$C1CONF"
check_eq "DEL without CNI_NETNS: exit 0, no output" "0:" "$CNI_RC:$(cat "$T/cni.out")"
check_eq "DEL: k1 has no eth0 any more" "" "$(ip -n $P-k1 -o link show eth0 2>/dev/null)"
cni DEL ctr-one /run/netns/$P-k1 eth0 "$C1CONF"
check_eq "DEL again: still success" "0:" "$CNI_RC:$(cat "$T/cni.out")"
cni DEL ctr-never /run/netns/$P-k1 eth0 "$(conf 1.0.0 '{"network": "nonet"}')"
check_eq "DEL on a network that is gone: success" 0 "$CNI_RC"
cni DEL "" "" eth0 "$C1CONF"
check_cni_err "DEL without CNI_CONTAINERID: invalid environment" 4
cni CHECK ctr-one /run/netns/$P-k1 eth0 "$(conf 1.0.0 '{"prevResult": {"cniVersion": "1.0.0"}}')"
check_cni_err "CHECK after DEL: the endpoint is missing" 102
cni DEL ctr-three "" eth0 "$(conf 1.1.0)"
check_clean "after DEL of every container"
finish
