#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package, built from this tree, installed, used and removed:
# a copy of the tree (tracked and untracked files, no build directories)
# in the case's directory, dpkg-buildpackage -b -us -uc there (bounded),
# apt-get install ./hostnat_*.deb; the files are where Debian puts them
# (/usr/sbin/hostnatd, /usr/bin/hostnat, /usr/lib/cni/hostnat, the three
# manual pages, the completion, /lib/systemd/system/hostnatd.service with
# ExecStart=/usr/sbin/hostnatd, enabled); PID 1 is not systemd here, so the
# installed hostnatd is started as hn_start does, in P-host, and a network
# with an endpoint (hostnat endpoint add, and the packaged CNI plugin)
# reaches inet through the NAT. Then the network goes, hostnatd stops,
# apt-get remove and purge: no file of the package is left, nor its state,
# unit links or deb-systemd-helper records, the installed packages are
# those from before, no hostnatd runs, and P-host has the devices, rules,
# routes, tc filters and reserved ports it had before hostnatd started.
#
# Where systemd runs, installing would start hostnatd on the host (the
# default network on the host's own uplink): a policy-rc.d of the case's
# own (exit 101, as in Debian's containers) keeps deb-systemd-invoke from
# starting it, and goes at the end. The build tools (debhelper, the
# Build-Depends) are installed with apt-get when missing (scripts/deps
# has them); the case fails with "setup" only when they cannot be.
#
# HN_DEB_CACHE (tests/run sets it, for one invocation): a directory where
# the .deb is kept under the hash of the copied tree, so that the second
# run of tests/net (HN_FIREWALL=nft) installs the package the first built
# instead of building it again. Unset: nothing is kept outside $T.
. "$(dirname "$0")/lib.sh"

PKG=hostnat
DEB_BUILD_TIMEOUT=${DEB_BUILD_TIMEOUT:-120}	# s, dpkg-buildpackage
APT_OPTS=(-y --no-install-recommends -o DPkg::Lock::Timeout=60)
export DEBIAN_FRONTEND=noninteractive
INSTALLED=		# we installed the package: the trap removes it
POLICY_RC=		# we made /usr/sbin/policy-rc.d: the trap removes it

pkg_status() { # the package's dpkg status ("ii", "rc"...), empty if none
	dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null | tr -d ' '
}

deb_cleanup() {
	hn_stop
	if [ -n "$INSTALLED" ] && [ -n "$(pkg_status)" ]; then
		apt-get purge "${APT_OPTS[@]}" "$PKG" >>"$T/apt.log" 2>&1 ||
			dpkg --purge "$PKG" >>"$T/apt.log" 2>&1
	fi
	[ -n "$POLICY_RC" ] && rm -f /usr/sbin/policy-rc.d
	cleanup
}
trap deb_cleanup EXIT

# ---- preconditions --------------------------------------------------------
if [ -n "$(pkg_status)" ]; then
	bad setup "the package $PKG is installed on this host ($(pkg_status)); the case would replace and remove it"
	finish
fi
if [ -e /var/lib/hostnat ]; then
	bad setup "/var/lib/hostnat exists (the state of another hostnat install): purging the package would remove it"
	finish
fi

# the tree: git's files (tracked and untracked, not ignored: the build
# directories stay out) or, outside a checkout, all but build*/
SRC=$T/src
mkdir -p "$SRC"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$REPO" && git ls-files -z -c -o --exclude-standard |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) >"$T/tree.tar"
else
	(cd "$REPO" && tar --exclude='./build*' -cf - .) >"$T/tree.tar"
fi
tar -xf "$T/tree.tar" -C "$SRC" || { bad setup "cannot copy the tree"; finish; }
KEY=$(sha256sum <"$T/tree.tar" | cut -c1-16)
rm -f "$T/tree.tar"
VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version 2>/dev/null)
check_eq "debian/changelog's version is meson.build's" \
	"$(sed -n "s/^[[:space:]]*version : '\([^']*\)',/\1/p" "$SRC/meson.build")" \
	"$VERSION"

need_tools() { # the build tools, installed when missing
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null &&
		(cd "$SRC" && dpkg-checkbuilddeps) >/dev/null 2>&1 && return 0
	note "installing the build tools (apt-get build-dep)"
	apt-get install "${APT_OPTS[@]}" dpkg-dev debhelper fakeroot \
		>>"$T/apt.log" 2>&1 &&
		apt-get build-dep "${APT_OPTS[@]}" "$SRC" >>"$T/apt.log" 2>&1 &&
		(cd "$SRC" && dpkg-checkbuilddeps) >>"$T/apt.log" 2>&1
}

DEB=
ARCH=$(dpkg --print-architecture)
if [ -n "${HN_DEB_CACHE:-}" ] && [ -f "$HN_DEB_CACHE/$KEY/${PKG}_${VERSION}_$ARCH.deb" ]; then
	DEB=$HN_DEB_CACHE/$KEY/${PKG}_${VERSION}_$ARCH.deb
	ok "package of this tree ($KEY) from HN_DEB_CACHE, built by an earlier run"
else
	if ! need_tools; then
		bad setup "the build tools cannot be installed (dpkg-dev, debhelper, the Build-Depends of debian/control): $(tail -n 3 "$T/apt.log" | tr '\n' '|')"
		finish
	fi
	t0=$SECONDS
	(cd "$SRC" && timeout -k 5 "$DEB_BUILD_TIMEOUT" \
		dpkg-buildpackage -b -us -uc -Jauto) >"$T/build.log" 2>&1
	rc=$?
	DEB=$(ls "$T"/${PKG}_*.deb 2>/dev/null | head -n 1)
	if [ $rc -ne 0 ] || [ -z "$DEB" ]; then
		bad "dpkg-buildpackage -b -us -uc" "exited $rc after $((SECONDS - t0)) s (limit $DEB_BUILD_TIMEOUT s), no .deb"
		tail -n 30 "$T/build.log" | sed 's/^/  # | /'
		finish
	fi
	ok "dpkg-buildpackage -b -us -uc built $(basename "$DEB") in $((SECONDS - t0)) s"
	check_match "the build ran meson's tests, none failed" "^Fail: +0" \
		"$(cat "$T/build.log")"
	if [ -n "${HN_DEB_CACHE:-}" ]; then
		mkdir -p "$HN_DEB_CACHE/$KEY" && cp "$DEB" "$HN_DEB_CACHE/$KEY/"
	fi
fi
check_match "the .deb depends on the shared libraries it links" \
	"libjansson4.*libmnl0|libmnl0.*libjansson4" \
	"$(dpkg-deb -f "$DEB" Depends)"

# ---- before ---------------------------------------------------------------
topo_up || { bad setup "could not build the namespace topology"; finish; }

# host_files: what the install may add beyond the package's own files
# (/run/hostnat is shared by every hostnatd: only P-host's files count)
host_files() {
	find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
		/var/lib/systemd/deb-systemd-helper-masked /var/lib/hostnat \
		/etc/cni/net.d -printf '%p %y %l\n' 2>/dev/null | sort
	ls -d /run/hostnat/*."$HOST_NETNS" 2>/dev/null
}
HOST_NETNS=$(ns host stat -L -c %i /proc/self/ns/net)
# host_ns: P-host's devices, rules, routes, tc filters, reserved ports and
# firewall, and the root namespace's hn-* devices
host_ns() {
	local d
	ip -n "$P-host" -o link show | awk '{print $2}'
	ip -n "$P-host" -4 -o addr show
	ip -n "$P-host" rule show
	ip -n "$P-host" -4 route show table all
	for d in $(ip -n "$P-host" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		echo "tc $d: $(tc -n "$P-host" filter show dev "$d" ingress 2>/dev/null)"
	done
	ns host sysctl -n net.ipv4.ip_local_reserved_ports
	ns host nft list ruleset 2>/dev/null
	echo "root hn-*: $(ip -o link show | awk -F': ' '{print $2}' | grep -c '^hn-')"
}
packaged_procs() { # PIDs running the packaged hostnatd
	local p
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/exe" 2>/dev/null)" in
		/usr/sbin/hostnatd*) echo "${p#/proc/}" ;;
		esac
	done
}
dpkg-query -W -f='${Package} ${Version}\n' | sort >"$T/pkgs.before"
host_files >"$T/files.before"
host_ns >"$T/ns.before"

# ---- install --------------------------------------------------------------
if [ -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# tests/net/t_deb.sh: no service starts\nexit 101\n' \
		>/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
		POLICY_RC=1
	note "systemd runs: a policy-rc.d of the case's own keeps hostnatd from starting"
fi
INSTALLED=1
t0=$SECONDS
check_cmd "apt-get install ./$(basename "$DEB")" \
	apt-get install "${APT_OPTS[@]}" "$DEB"
note "install: $((SECONDS - t0)) s"
check_eq "dpkg: $PKG $VERSION installed" "ii $VERSION" \
	"$(pkg_status) $(dpkg-query -W -f='${Version}' "$PKG" 2>&1)"

for f in /usr/sbin/hostnatd /usr/bin/hostnat /usr/lib/cni/hostnat; do
	check_cmd "$f is installed, executable" test -x "$f"
done
for m in hostnat hostnatd hostnat-cni; do
	check_cmd "man page $m(8) at /usr/share/man/man8/$m.8.gz, renders" \
		sh -c "LC_ALL=C MANWIDTH=80 man -l /usr/share/man/man8/$m.8.gz | grep -q NAME"
done
check_cmd "bash completion /usr/share/bash-completion/completions/hostnat" \
	test -s /usr/share/bash-completion/completions/hostnat
UNIT=/lib/systemd/system/hostnatd.service
check_match "$UNIT: ExecStart=/usr/sbin/hostnatd --foreground, Type=notify" \
	"Type=notify.*ExecStart=/usr/sbin/hostnatd --foreground" \
	"$(tr '\n' ' ' <"$UNIT" 2>&1)"
doc=$(sed -n 's|^Documentation=.*file://\([^ ]*\).*|\1|p' "$UNIT" 2>/dev/null)
check_cmd "the unit's Documentation= file ${doc:-?} is there" test -s "${doc:-/nonexistent}"
check_cmd "docs: README.md, ARCHITECTURE.md, examples/hostnat.conflist, copyright" \
	test -s /usr/share/doc/hostnat/README.md -a \
	-s /usr/share/doc/hostnat/ARCHITECTURE.md -a \
	-s /usr/share/doc/hostnat/examples/hostnat.conflist -a \
	-s /usr/share/doc/hostnat/copyright
check_match "dh_installsystemd enabled the unit (multi-user.target.wants)" \
	"$UNIT" \
	"$(readlink /etc/systemd/system/multi-user.target.wants/hostnatd.service 2>&1)"
check_eq "the install started no hostnatd" "" "$(packaged_procs)"
dpkg -L "$PKG" >"$T/pkg.files"

# ---- run it ---------------------------------------------------------------
HOSTNATD=/usr/sbin/hostnatd
HOSTNAT=/usr/bin/hostnat
PLUGIN=/usr/lib/cni/hostnat
hn_start || { bad "start /usr/sbin/hostnatd in $P-host" "it did not serve"; finish; }
ok "the packaged hostnatd serves on $T/sock (PID $HN_PID)"
check_cmd "hostnat network add $NET (a bridge of its own, hn-$NET)" \
	hn network add $NET --prefix 10.77.0.0/24 --external up0
serve inet tcp $INET 80 web || bad setup "web server"
for n in e1 k1; do
	ip netns add "$P-$n" || { bad setup "ip netns add $P-$n"; finish; }
	NSS+=("$P-$n")
done
check_cmd "hostnat endpoint add $NET --netns $P-e1" \
	hn endpoint add $NET --netns "$P-e1"
check_match "e1: curl reaches inet through the NAT, seen as $EXT" \
	"^web saw $EXT:" "$(ns e1 curl -sS --max-time 5 http://$INET/ 2>&1)"

CONF=$(jq -cn --arg s "$T/sock" --arg n $NET \
	'{cniVersion: "1.0.0", name: "hn", type: "hostnat", network: $n,
	  socket: $s}')
cni() { # COMMAND: the packaged plugin for container ctr-deb in k1
	printf '%s' "$CONF" | ns host env -i PATH="$PATH" CNI_COMMAND="$1" \
		CNI_CONTAINERID=ctr-deb CNI_NETNS="/run/netns/$P-k1" \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$PLUGIN" \
		>"$T/cni.out" 2>"$T/cni.err"
}
cni ADD
check_match "CNI ADD with $PLUGIN: an address of $NET" \
	'"address": "10\.77\.0\.[0-9]+/24"' "$(cat "$T/cni.out")"
check_match "k1: curl reaches inet through the NAT, seen as $EXT" \
	"^web saw $EXT:" "$(ns k1 curl -sS --max-time 5 http://$INET/ 2>&1)"
cni DEL
rc=$?
check_eq "CNI DEL: exit 0, the container's endpoint gone (e1's stays)" "0 1" \
	"$rc $(hn --json endpoint list $NET | jq length)"

check_cmd "hostnat endpoint del $NET --netns $P-e1" \
	hn endpoint del $NET --netns "$P-e1"
check_cmd "hostnat network del $NET" hn network del $NET
pid=$HN_PID
hn_stop
check_eq "hostnatd ($pid) stops on SIGTERM, exit 0" 0 $?

# ---- remove, purge --------------------------------------------------------
check_cmd "apt-get remove $PKG" apt-get remove "${APT_OPTS[@]}" "$PKG"
check_cmd "apt-get purge $PKG" apt-get purge "${APT_OPTS[@]}" "$PKG"
check_eq "dpkg knows no $PKG any more" "" "$(pkg_status)"
INSTALLED=
left=$(while read -r f; do
	[ -d "$f" ] && continue
	[ -e "$f" ] || [ -L "$f" ] && echo "$f"
done <"$T/pkg.files")
check_none "no file of the package is left" "$left"
check_none "no unit link, deb-systemd-helper record, state or /run/hostnat file of P-host left" \
	"$(diff "$T/files.before" <(host_files) | grep '^[<>]')"
check_none "the installed packages are those from before" \
	"$(diff "$T/pkgs.before" <(dpkg-query -W -f='${Package} ${Version}\n' | sort) | grep '^[<>]')"
check_none "no hostnatd runs" "$(packaged_procs)"
check_none "P-host as before: devices, rules, routes, tc, reserved ports, firewall; no hn-* in the root namespace" \
	"$(diff "$T/ns.before" <(host_ns) | grep '^[<>]')"
finish
