#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Podman (its CNI backend) runs containers on a hostnat network through
# the CNI plugin: a container started with "-p 8080:80 -p EXT:8081:80"
# (hostIP: the network's external address) gets its address
# from hostnat's pool, reaches inet through the NAT, and inet reaches its
# busybox httpd through port 8080 (the container sees inet's own address);
# a second container on the same network reaches the first through the
# external address (hairpin); "podman rm -f" removes the endpoint and the
# mapping. The rootfs is a static busybox (no image is downloaded); the
# conflist, containers.conf, storage and run directories are the case's
# own, in $T. Podman runs in the host namespace under nsenter, not "ip
# netns exec": the namespaces it creates under /run/netns must be visible
# to hostnatd (ip netns exec gives each command a mount namespace of its
# own, whose mounts would not reach hostnatd's).
. "$(dirname "$0")/lib.sh"

PLUGIN=$BUILD/src/cni/hostnat
for t in podman nsenter; do
	command -v $t >/dev/null ||
		{ bad setup "$t not installed (scripts/deps installs podman)"; finish; }
done
BB=/bin/busybox
ldd "$BB" 2>&1 | grep -q 'not a dynamic' ||
	{ bad setup "no static $BB (scripts/deps installs busybox-static)"; finish; }
[ -x /usr/lib/cni/loopback ] ||
	{ bad setup "no /usr/lib/cni/loopback (containernetworking-plugins)"; finish; }
[ -x "$PLUGIN" ] || { bad setup "no $PLUGIN (build first)"; finish; }
setup

# ---- podman's own little world ---------------------------------------------
RF=$T/rootfs
mkdir -p "$RF"/{bin,etc,proc,sys,dev,tmp,run,www/cgi-bin} "$T/cni" "$T/plugins"
cp "$BB" "$RF/bin/busybox"
for a in sh httpd wget cat echo sleep env; do ln -s busybox "$RF/bin/$a"; done
echo c1 >"$RF/www/index.html"
# the client's address as the container sees it (CGI: REMOTE_ADDR; httpd
# listens on [::] and writes an IPv4 client as [::ffff:A.B.C.D])
cat >"$RF/www/cgi-bin/ip" <<'EOF'
#!/bin/sh
a=${REMOTE_ADDR#[}
a=${a%]}
printf 'Content-Type: text/plain\r\n\r\n%s\n' "${a#::ffff:}"
EOF
chmod 755 "$RF/www/cgi-bin/ip"
# the plugin as installed (/usr/lib/cni/hostnat), and the reference plugins
ln -s "$PLUGIN" "$T/plugins/hostnat"
ln -s /usr/lib/cni/loopback "$T/plugins/loopback"
jq -n --arg s "$T/sock" --arg n $NET '{cniVersion: "1.0.0", name: "hostnat",
	plugins: [{type: "hostnat", network: $n, socket: $s,
		   capabilities: {portMappings: true, ips: true, mac: true}}]}' \
	>"$T/cni/hostnat.conflist"
# podman raises a container's limits of open files and processes to the
# kernel's maximum unless told; a test machine's sandbox may forbid that
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ] && NOFILE=65536
cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=4096:4096"]
[network]
network_backend = "cni"
network_config_dir = "$T/cni"
cni_plugin_dirs = ["$T/plugins"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
EOF

# runc when it is there: crun refuses a hybrid cgroup hierarchy (v1
# controllers and a cgroup2 mount), as some test machines have
RUNTIME=
command -v runc >/dev/null && RUNTIME="--runtime $(command -v runc)"

# pm ARGS...: podman in the host namespace (network only, see above)
pm() {
	CONTAINERS_CONF=$T/containers.conf timeout 60 \
		nsenter --net=/run/netns/$P-host podman --root "$T/root" \
		--runroot "$T/runroot" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file \
		--network-backend cni $RUNTIME "$@"
}

serve inet tcp $INET 80 web || bad setup "web server"
# --rootfs is a flag without value: the options go before it (the first
# word that is no option, here the rootfs, ends podman's options)
out=$(pm run -d --name c1 --network hostnat -p 8080:80 -p $EXT:8081:80 --rootfs "$RF" \
	/bin/httpd -f -p 80 -h /www 2>&1)
rc=$?
check_eq "podman run -d --network hostnat -p 8080:80: exit 0" 0 "$rc"
[ $rc -eq 0 ] || note "podman run: $out"
EP=$(hn --json endpoint list $NET)
A1=$(jq -r '.[0].address // empty' <<<"$EP")
check_match "the container's endpoint is hostnat's, owned by its id" \
	"^172\.16\.[0-9.]+/16 [0-9a-f]{64} present$" \
	"$(jq -r '.[0] | "\(.address) \(.owner) \(.state)"' <<<"$EP")"
check_match "podman gave the namespace as a path (CNI_NETNS)" "^/run/netns/" \
	"$(jq -r '.[0].netns' <<<"$EP")"
check_eq "podman inspect shows hostnat's address" "${A1%/*}" \
	"$(pm inspect c1 --format '{{(index .NetworkSettings.Networks "hostnat").IPAddress}}' 2>&1)"
check_eq "map list: tcp 8080 (every address) and $EXT:8081 (hostIP) to port 80, owned by it" \
	"tcp $EXT:8081 ${A1%/*} 80 $(jq -r '.[0].owner' <<<"$EP")|tcp null:8080 ${A1%/*} 80 $(jq -r '.[0].owner' <<<"$EP")" \
	"$(hn --json map list $NET | jq -r '[.[] | "\(.proto) \(.external_address):\(.external_port) \(.internal_address) \(.internal_port) \(.owner)"] | sort | join("|")')"
wait_until 10 ns inet curl -sf --max-time 2 http://$EXT:8080/ ||
	note "httpd in c1 not reachable through 8080 after 10 s"
check_eq "inet reaches the container's httpd through port 8080" c1 \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/ 2>&1)"
check_eq "inet reaches it through $EXT:8081 (hostIP) too" c1 \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8081/ 2>&1)"
check_eq "the container sees inet's own address" $INET \
	"$(ns inet curl -sS --max-time 5 http://$EXT:8080/cgi-bin/ip 2>&1)"

out=$(pm run --rm --network hostnat --rootfs "$RF" /bin/wget -q -O - \
	http://$INET/ 2>&1)
check_match "a second container reaches inet through the NAT" "^web saw $EXT:" "$out"
out=$(pm run --rm --network hostnat --rootfs "$RF" /bin/wget -q -O - \
	http://$EXT:8080/cgi-bin/ip 2>&1)
check_eq "a second container reaches the first through the external address (hairpin)" \
	"$EXT" "$out"
check_eq "podman run --rm: the second container's endpoint is gone" 1 \
	"$(hn --json endpoint list $NET | jq length)"

check_cmd "podman rm -f c1" pm rm -f c1
check_eq "podman rm -f: no endpoint, no mapping, no veth left" "0 0 0" \
	"$(hn --json endpoint list $NET | jq length) $(hn --json map list $NET | jq length) $(ip -n $P-host -o link show | grep -c ' hne')"
check_nomatch "inet reaches nothing through 8080 any more" "^c1$" \
	"$(ns inet curl -sS --max-time 3 http://$EXT:8080/ 2>&1)"
pm rm -af >/dev/null 2>&1
finish
