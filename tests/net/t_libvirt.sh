#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's libvirt recipe ("Containers and VMs"), its XML taken from the
# README as written: a libvirt network with <forward mode='bridge'/> on the
# default network's bridge hn-nat (net-define, net-start, net-autostart) and
# a domain with an interface on it; the domain (a direct kernel boot of the
# guest of tests/net/vm.sh) gets its address from hostnatd's DHCP, reaches
# inet through the NAT and serves a mapped port. A second domain with the
# README's <interface type='bridge'> on hn-nat gets a lease and reaches out. libvirtd is the case's own
# (vm.sh's lv_start: private mounts, own socket), ended by PID.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vm.sh"

README=$REPO/README.md
MAC2=52:54:00:$(printf '%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
MAC=52:54:00:$(printf '%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
DOM=hnvm

trap 'lv_stop; cleanup' EXIT

for t in libvirtd virsh "$QEMU"; do
	command -v "$t" >/dev/null || {
		bad setup "$t not installed (scripts/deps installs libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients, qemu-system-x86)"
		finish
	}
done
# the README's XML: the network file of its heredoc, the domain's interface
sed -n "/^cat >hostnat-net.xml <<'XML'$/,/^XML$/p" "$README" |
	sed '1d;$d' >"$T/net.xml"
sed -n "/^<interface type='network'>$/,/^<\/interface>$/p" "$README" >"$T/iface.xml"
sed -n "/^<interface type='bridge'>$/,/^<\/interface>$/p" "$README" >"$T/iface-br.xml"
check_match "README: the libvirt network's XML" "<forward mode='bridge'/>" "$(cat "$T/net.xml")"
check_match "README: the domain's interface" "<source network='hostnat'/>" "$(cat "$T/iface.xml")"
check_match "README: the interface on the bridge" "<source bridge='hn-nat'/>" "$(cat "$T/iface-br.xml")"

topo_up || { bad setup "topology"; finish; }
vm_assets || { bad setup "guest kernel and initramfs"; finish; }
vm_accel
note "accelerator: $VM_ACCEL"
HN_DEFAULT_NET=1 hn_start || { bad setup "hostnatd did not start"; finish; }
nl=$(hn --json network list 2>&1)
GW=$(jq -r '.[] | select(.name == "nat") | .gateway' <<<"$nl" 2>/dev/null)
PX=$(jq -r '.[] | select(.name == "nat") | .prefixes[0]' <<<"$nl" 2>/dev/null)
serve inet tcp $INET 80 web || bad setup "web server in inet"

t0=$SECONDS
lv_start || { bad setup "libvirtd did not start"; finish; }
ok "libvirtd answers ($((SECONDS - t0)) s)"
# as the README says, from the directory of hostnat-net.xml
cp "$T/net.xml" "$T/hostnat-net.xml"
cd "$T" || { bad setup "cd $T"; finish; }
check_cmd "virsh net-define hostnat-net.xml" ns host $VIRSH net-define hostnat-net.xml
cd - >/dev/null || finish
check_cmd "virsh net-start hostnat" ns host $VIRSH net-start hostnat
check_cmd "virsh net-autostart hostnat" ns host $VIRSH net-autostart hostnat
check_match "net-info: hostnat is active on bridge hn-nat" "Active: +yes" \
	"$(ns host $VIRSH net-info hostnat 2>&1)"

# the domain: the guest, the README's interface with a MAC of its own
type=qemu
[ "$VM_ACCEL" = kvm ] && type=kvm
cp "$VM_KERNEL" "$LV_DIR/vmlinuz"	# /var/cache is the daemon's own
# domain_xml NAME IFACE-FILE MAC CONSOLE: the guest as a domain
domain_xml() {
	cat <<-EOF
	<domain type='$type'>
	  <name>$1</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu>1</vcpu>
	  <os>
	    <type arch='x86_64' machine='pc'>hvm</type>
	    <kernel>$LV_DIR/vmlinuz</kernel>
	    <initrd>$VM_INITRD</initrd>
	    <cmdline>console=ttyS0 quiet panic=-1 hn_out=$INET:80</cmdline>
	  </os>
	  <on_poweroff>destroy</on_poweroff>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <serial type='file'>
	      <source path='$4'/>
	      <target port='0'/>
	    </serial>
	    <memballoon model='none'/>
	EOF
	sed "s|^</interface>|  <mac address='$3'/>\n</interface>|" "$2"
	echo "  </devices>"
	echo "</domain>"
}
VM_CONSOLE=$T/console.log
domain_xml $DOM "$T/iface.xml" $MAC "$VM_CONSOLE" >"$T/domain.xml"
t0=$SECONDS
check_cmd "virsh create: domain $DOM ($type) with the README's interface" \
	ns host $VIRSH create "$T/domain.xml"
VM_PID=$(lv_qemu_pid $DOM)
check_match "its QEMU runs (pid '$VM_PID')" '^[0-9]+$' "$VM_PID"
check_match "libvirt put its tap on hn-nat" "^vnet" \
	"$(ip -n "$P-host" -o link show master hn-nat 2>/dev/null | awk -F': ' '{print $2}')"
vm_need 40 LEASE "the domain gets a lease"
lease=$(vm_marker LEASE)
A=${lease%% *}
note "lease: '$lease' (network nat: $PX, gateway $GW)"
check_eq "the domain gets an address of $PX with router $GW over DHCP ($((SECONDS - t0)) s)" in \
	"$($PY -c 'import ipaddress, sys
a, r = (sys.argv[1].split() + ["", ""])[:2]
try:
    ok = ipaddress.ip_address(a) in ipaddress.ip_network(sys.argv[2]) and r == sys.argv[3]
except ValueError:
    ok = False
print("in" if ok else "out")' "$lease" "$PX" "$GW")"
check_match "lease list shows $A for $MAC" "lease +$A +$MAC .*bound" \
	"$(hn lease list nat 2>&1)"
vm_need 15 OUT "the domain: an HTTP GET to inet"
check_match "the domain reaches inet's web server, which sees $EXT" \
	"^web saw $EXT:[0-9]+$" "$(vm_marker OUT)"
vm_need 10 READY "the domain: httpd listens"
check_cmd "map add nat tcp 8080 -> $A:80" \
	hn map add nat --proto tcp --internal "$A:80" --external-port 8080
check_match "inet reaches the domain through $EXT:8080 and it sees $INET" \
	"^guest saw $INET:[0-9]+$" \
	"$(ns inet curl -sS --max-time 10 "http://$EXT:8080/cgi-bin/who" 2>&1)"
if [ "$N_BAD" -gt 0 ]; then
	vm_diag
	note "QEMU's log: $(lv_log $DOM | tail -n 5 | tr '\n' '|')"
fi
check_cmd "virsh destroy $DOM" ns host $VIRSH destroy $DOM
wait_until 5 sh -c "! ip -n $P-host -o link show master hn-nat | grep -q vnet"
check_nomatch "its tap goes with it" "vnet" \
	"$(ip -n "$P-host" -o link show master hn-nat 2>&1)"

# the interface of type bridge, no libvirt network needed
VM_CONSOLE=$T/console2.log
domain_xml ${DOM}2 "$T/iface-br.xml" $MAC2 "$VM_CONSOLE" >"$T/domain2.xml"
t0=$SECONDS
check_cmd "virsh create: domain ${DOM}2 with <interface type='bridge'>" \
	ns host $VIRSH create "$T/domain2.xml"
VM_PID=$(lv_qemu_pid ${DOM}2)
vm_need 40 LEASE "${DOM}2 gets a lease"
lease=$(vm_marker LEASE)
note "lease of ${DOM}2: '$lease'"
check_match "${DOM}2 gets a lease, listed for $MAC2 ($((SECONDS - t0)) s)" \
	"lease +${lease%% *} +$MAC2 .*bound" "$(hn lease list nat 2>&1)"
vm_need 15 OUT "${DOM}2: an HTTP GET to inet"
check_match "${DOM}2 reaches inet's web server, which sees $EXT" \
	"^web saw $EXT:[0-9]+$" "$(vm_marker OUT)"
if [ "$N_BAD" -gt 0 ]; then
	vm_diag
	note "QEMU's log: $(lv_log ${DOM}2 | tail -n 5 | tr '\n' '|')"
fi
check_cmd "virsh destroy ${DOM}2" ns host $VIRSH destroy ${DOM}2
check_cmd "virsh net-destroy hostnat" ns host $VIRSH net-destroy hostnat
check_cmd "hn-nat stays (hostnat's bridge, not libvirt's)" \
	ip -n "$P-host" link show hn-nat
finish
