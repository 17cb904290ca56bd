# SPDX-License-Identifier: GPL-2.0-or-later
# tests/net/vm.sh - a real guest for the network tests: QEMU, Debian's cloud
# kernel and a busybox initramfs. Sourced after lib.sh.
#
# vm_assets fetches the kernel and busybox-static into a cache (tests/net/
# vm-fetch) and builds $T/initramfs.gz: busybox, the virtio-net modules of
# that kernel (they are modules in linux-image-cloud-amd64, not built in)
# and an /init that runs the guest's side of a case and reports over the
# serial console, one marker per line:
#   HN-UP MAC                  eth0 is up
#   HN-LEASE ADDR ROUTER       udhcpc got ADDR from hostnatd's DHCP
#   HN-OUT TEXT                the last line the server at hn_out=ADDR:PORT
#                              answered to an HTTP GET
#   HN-READY                   httpd listens on :80 (cgi-bin/who answers
#                              "guest saw IP:PORT" and logs HN-IN IP:PORT)
#   HN-FAIL WHAT               a step failed
#   HN-PROBE                   hn_probe=1: the guest ran, then powers off
# The guest's parameters are words of the kernel command line without a dot
# (the kernel hands them to /init as environment variables): hn_out=ADDR:PORT,
# hn_probe=1.
#
# vm_accel picks the accelerator: kvm when /dev/kvm is there and a probe
# guest boots with it (on our test machines /dev/kvm exists, but a KVM guest
# never prints a line, or KVM fails with "KVM internal error"), tcg
# otherwise; HN_QEMU_ACCEL=kvm|tcg forces one. vm_start boots the guest in
# P-host; QEMU's PID is VM_PID (ip netns exec execs QEMU: the PID is QEMU's
# own, and a child of the case's shell until vm_stop reaps it), its serial
# console $VM_CONSOLE; vm_stop ends it by that PID.

QEMU=${HN_QEMU:-qemu-system-x86_64}
VM_PID=
VM_ACCEL=
VM_CONSOLE=$T/console.log
# the modules virtio-net needs, in the order they depend on each other
VM_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
virtio_pci failover net_failover virtio_net"

# vm_assets: the cache filled, $T/initramfs.gz built; 1 (with a note) if not
vm_assets() {
	local cache root m f
	cache=$("$NET_DIR/vm-fetch" 2>"$T/vm-fetch.err") || {
		note "vm-fetch failed: $(cat "$T/vm-fetch.err")"
		return 1
	}
	VM_KERNEL=$cache/vmlinuz
	root=$T/initramfs
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules,www/cgi-bin}
	cp "$cache/busybox" "$root/bin/busybox"
	for m in $VM_MODULES; do
		f=$(find "$cache/modules/kernel" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { note "no $m.ko in the kernel package"; return 1; }
		cp "$f" "$root/lib/modules/"
	done
	cat >"$root/init" <<-EOF
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	say() { echo "HN-\$*" >/dev/console; }
	if [ "\${hn_probe:-}" = 1 ]; then
		say PROBE
		poweroff -f
	fi
	for m in $(echo $VM_MODULES); do
		insmod /lib/modules/\$m.ko || say "FAIL insmod \$m"
	done
	ip link set lo up
	i=0
	while ! ip link show eth0 >/dev/null 2>&1; do
		i=\$((i + 1))
		[ \$i -le 100 ] || { say "FAIL no eth0"; break; }
		sleep 0.1
	done
	ip link set eth0 up
	say "UP \$(cat /sys/class/net/eth0/address)"
	if udhcpc -i eth0 -f -q -n -t 30 -T 1 -s /udhcpc.sh >/tmp/udhcpc.log 2>&1; then
		say "LEASE \$(cat /tmp/lease)"
	else
		say "FAIL udhcpc: \$(tail -n 3 /tmp/udhcpc.log | tr '\n' '|')"
	fi
	if [ -n "\${hn_out:-}" ]; then
		# nc, not wget: busybox-static's wget crashes (glibc, static)
		printf 'GET / HTTP/1.0\\r\\n\\r\\n' |
			nc -w 10 "\${hn_out%:*}" "\${hn_out##*:}" >/tmp/out 2>&1
		say "OUT \$(tr -d '\\r' </tmp/out | grep -v '^\$' | tail -n 1)"
	fi
	# IPv4 only: on [::]:80 the client would be ::ffff:a.b.c.d
	httpd -p 0.0.0.0:80 -h /www && say READY || say "FAIL httpd"
	while :; do sleep 3600; done
	EOF
	cat >"$root/udhcpc.sh" <<-'EOF'
	#!/bin/sh
	case $1 in
	deconfig) ifconfig "$interface" 0.0.0.0 ;;
	bound|renew)
		ifconfig "$interface" "$ip" netmask "$subnet"
		route add default gw "${router%% *}" dev "$interface"
		echo "$ip ${router%% *}" >/tmp/lease ;;
	esac
	exit 0
	EOF
	cat >"$root/www/cgi-bin/who" <<-'EOF'
	#!/bin/sh
	printf 'Content-Type: text/plain\r\n\r\n'
	echo "guest saw $REMOTE_ADDR:$REMOTE_PORT"
	echo "HN-IN $REMOTE_ADDR:$REMOTE_PORT" >/dev/console
	EOF
	chmod +x "$root/init" "$root/udhcpc.sh" "$root/www/cgi-bin/who"
	(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null |
		gzip -1 >"$T/initramfs.gz") || { note "initramfs not built"; return 1; }
	VM_INITRD=$T/initramfs.gz
}

# _vm_run ACCEL CONSOLE APPEND NIC...: QEMU in P-host in the background,
# its PID in VM_PID (ip netns exec runs QEMU in its own process)
_vm_run() {
	local accel=$1 console=$2 append=$3
	shift 3
	: >"$console"
	ip netns exec "$P-host" "$QEMU" -accel "$accel" -m 256 -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$console" -kernel "$VM_KERNEL" -initrd "$VM_INITRD" \
		-append "console=ttyS0 quiet panic=-1 $append" "$@" \
		>>"$T/qemu.log" 2>&1 &
	VM_PID=$!
}

# vm_marker WHAT: the first console line "HN-WHAT ..." (the rest of it)
vm_marker() {
	grep -a -m 1 "^HN-$1\b" "$VM_CONSOLE" 2>/dev/null | tr -d '\r' |
		sed "s/^HN-$1 *//"
}

_vm_has() { grep -aq "^HN-$1\b" "$VM_CONSOLE" 2>/dev/null; }

# vm_wait SECONDS WHAT: wait for marker WHAT; 1 early when the guest fails
# a step or QEMU exits
vm_wait() {
	local end=$((SECONDS + $1))
	while ! _vm_has "$2"; do
		_vm_has FAIL && return 1
		kill -0 "$VM_PID" 2>/dev/null || return 1
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# vm_need SECONDS WHAT NAME: vm_wait, or the check NAME fails, the console
# is shown and the case ends (what follows needs the marker; ending keeps
# the case's waits within CASE_TIMEOUT)
vm_need() {
	vm_wait "$1" "$2" && return 0
	bad "$3" "no HN-$2 line on the guest's console within $1 s$(_vm_has FAIL && echo ": HN-FAIL $(vm_marker FAIL)")$(kill -0 "$VM_PID" 2>/dev/null || echo ", QEMU exited")"
	vm_diag
	finish
}

# vm_stop: end QEMU (SIGTERM, then SIGKILL after 5 s) and reap it
vm_stop() {
	local pid=$VM_PID i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	VM_PID=
}

# vm_accel: VM_ACCEL=kvm if a probe guest boots under KVM within 5 s (it
# takes well under 1 s where KVM works; where it fails here the guest never
# prints anything), else tcg (or HN_QEMU_ACCEL); the answer is kept for
# the rest of the boot
vm_accel() {
	local saved=$VM_CONSOLE boot memo
	VM_ACCEL=${HN_QEMU_ACCEL:-}
	[ -n "$VM_ACCEL" ] && return 0
	VM_ACCEL=tcg
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
	# the answer holds until the next boot: kept beside the guest
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	memo=${VM_KERNEL%/*}/kvm-probe
	if [ -n "$boot" ] && [ "$(cut -d' ' -f1 "$memo" 2>/dev/null)" = "$boot" ]; then
		VM_ACCEL=$(cut -d' ' -f2 "$memo")
		note "KVM probe: $VM_ACCEL (as probed earlier in this boot, $memo)"
		return 0
	fi
	VM_CONSOLE=$T/probe.log
	_vm_run kvm "$VM_CONSOLE" hn_probe=1
	vm_wait 5 PROBE && VM_ACCEL=kvm
	note "KVM probe: $([ $VM_ACCEL = kvm ] && echo boots || echo fails)"
	vm_stop
	VM_CONSOLE=$saved
	[ -z "$boot" ] || echo "$boot $VM_ACCEL" >"$memo"
}

# vm_start APPEND NIC...: boot the guest with kernel parameters APPEND and
# the network options NIC (-nic ... or -netdev/-device)
vm_start() {
	local append=$1
	shift
	_vm_run "$VM_ACCEL" "$VM_CONSOLE" "$append" "$@"
}

# vm_diag: the console and QEMU's messages as notes (for a failed case)
vm_diag() {
	note "QEMU ($VM_ACCEL): $(tail -n 5 "$T/qemu.log" 2>/dev/null | tr '\n' '|')"
	note "guest console (last 15 lines):"
	tail -n 15 "$VM_CONSOLE" 2>/dev/null | tr -d '\r' | sed 's/^/  # | /'
}

# ---- libvirt ---------------------------------------------------------------
# lv_start runs a libvirtd of the case's own in P-host, in the private mount
# namespace that ip netns exec gives it: tmpfs on /run, /var/lib, /var/log
# and /etc/libvirt (its state goes with it), its cache of QEMU's
# capabilities bound from $HN_VM_CACHE/libvirt (the probe takes seconds),
# its socket in $T/lv, a user libvirt-qemu in a private copy of /etc/passwd
# (the QEMU driver looks it up at start; libvirt-daemon-system would create
# it on the host, with services), QEMU as root without a security driver,
# cgroups or namespaces, its output to a file (no virtlogd). LV_PID is
# libvirtd; lv_stop ends the domains' QEMUs and libvirtd by PID.

LV_PID=
LV_DIR=$T/lv
VIRSH="virsh -q -c qemu:///system?socket=$LV_DIR/sock/libvirt-sock"

_lv_answers() { # it answers, or it has died (then LV_DEAD=1)
	ns host $VIRSH version >/dev/null 2>&1 && return 0
	kill -0 "$LV_PID" 2>/dev/null && return 1
	LV_DEAD=1
}

# lv_start: libvirtd up and answering within 30 s
lv_start() {
	local cache=${VM_KERNEL%/*}/libvirt
	mkdir -p "$LV_DIR/etc" "$LV_DIR/sock" "$LV_DIR/caps" "$cache"
	cat >"$LV_DIR/etc/libvirtd.conf" <<-EOF
	unix_sock_dir = "$LV_DIR/sock"
	auth_unix_rw = "none"
	auth_unix_ro = "none"
	log_outputs = "3:stderr"
	EOF
	cat >"$LV_DIR/etc/qemu.conf" <<-EOF
	user = "root"
	group = "root"
	dynamic_ownership = 0
	remember_owner = 0
	security_driver = "none"
	stdio_handler = "file"
	namespaces = [ ]
	cgroup_controllers = [ ]
	EOF
	cp /etc/passwd "$LV_DIR/passwd"
	cp /etc/group "$LV_DIR/group"
	grep -q '^libvirt-qemu:' /etc/passwd ||
		echo 'libvirt-qemu:x:64055:64055::/nonexistent:/usr/sbin/nologin' >>"$LV_DIR/passwd"
	grep -q '^libvirt-qemu:' /etc/group || echo 'libvirt-qemu:x:64055:' >>"$LV_DIR/group"
	# ip netns exec runs sh in a mount namespace of its own (slave of
	# the host's): these mounts are the daemon's alone; exec keeps the PID
	ip netns exec "$P-host" sh -c "
		mount --bind '$LV_DIR/passwd' /etc/passwd &&
		mount --bind '$LV_DIR/group' /etc/group &&
		mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib &&
		mount -t tmpfs tmpfs /var/log &&
		mount -t tmpfs tmpfs /etc/libvirt &&
		cp '$LV_DIR'/etc/*.conf /etc/libvirt/ &&
		mount --bind '$cache' '$LV_DIR/caps' &&
		mount -t tmpfs tmpfs /var/cache && mkdir /var/cache/libvirt &&
		mount --bind '$LV_DIR/caps' /var/cache/libvirt &&
		exec libvirtd --pid-file '$LV_DIR/libvirtd.pid'" \
		>"$LV_DIR/libvirtd.log" 2>&1 &
	LV_PID=$!
	LV_DEAD=
	if ! wait_until 30 _lv_answers || [ -n "$LV_DEAD" ]; then
		note "libvirtd does not answer on $LV_DIR/sock after 30 s: $(grep -v dmidecode "$LV_DIR/libvirtd.log" | tail -n 5 | tr '\n' '|')"
		return 1
	fi
}

# lv_qemu_pid DOMAIN: the PID of DOMAIN's QEMU (libvirt's pid file, seen
# through libvirtd's root)
lv_qemu_pid() {
	cat "/proc/$LV_PID/root/run/libvirt/qemu/$1.pid" 2>/dev/null
}

# lv_log DOMAIN: QEMU's log of DOMAIN
lv_log() {
	cat "/proc/$LV_PID/root/var/log/libvirt/qemu/$1.log" 2>/dev/null
}

# lv_stop: destroy the domains, end libvirtd (SIGTERM, 10 s, SIGKILL), and
# any QEMU of ours still running by its PID
lv_stop() {
	local d pids=() pid i
	[ -n "$LV_PID" ] || return 0
	for d in $(ns host $VIRSH list --name 2>/dev/null); do
		pid=$(lv_qemu_pid "$d")
		[ -n "$pid" ] && pids+=("$pid")
		ns host timeout 10 $VIRSH destroy "$d" >/dev/null 2>&1
	done
	kill -TERM "$LV_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$LV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$LV_PID" 2>/dev/null
	wait "$LV_PID" 2>/dev/null
	for pid in "${pids[@]}"; do # still QEMU (not a reused PID)?
		case $(readlink "/proc/$pid/exe" 2>/dev/null) in
		*qemu-system*) kill -KILL "$pid" ;;
		esac
	done
	LV_PID=
}
