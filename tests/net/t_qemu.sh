#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real VM on the default network, with the README's QEMU recipes as written
# ("Containers and VMs"): hostnatd's first start makes the network nat on
# bridge hn-nat; /etc/qemu/bridge.conf gets "allow hn-nat" (what was there
# before is put back at the end); a guest (Debian's cloud kernel, a busybox
# initramfs, tests/net/vm.sh) boots with -nic bridge,br=hn-nat,model=
# virtio-net-pci, gets its address from hostnatd's DHCP (udhcpc), reaches a
# web server in inet through the NAT (the server sees the external address),
# and serves a mapped port to a client in inet (the guest sees the client's
# own address). A second guest on a tap made by hand (the plain-tap recipe)
# gets the address reserved for its MAC, reaches inet and serves the port
# mapped to that address. The guests report over the serial
# console; QEMU runs with KVM where a probe guest boots with it, TCG otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vm.sh"

BRCONF=${HN_QEMU_BRIDGE_CONF:-/etc/qemu/bridge.conf}
BRCONF_STATE=	# saved (a copy is in $T/bridge.conf.orig), created, or empty
BRCONF_MKDIR=	# the directory was made by this case
BR=hn-nat	# the default network's bridge
MAC1=52:54:00:$(printf '%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
MAC2=52:54:00:$(printf '%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
TAP=vm0

# in_net LEASE: "in" when LEASE ("ADDR ROUTER") has ADDR in $PX and ROUTER $GW
in_net() {
	$PY -c 'import ipaddress, sys
a, r = (sys.argv[1].split() + ["", ""])[:2]
try:
    ok = ipaddress.ip_address(a) in ipaddress.ip_network(sys.argv[2]) and r == sys.argv[3]
except ValueError:
    ok = False
print("in" if ok else "out")' "$1" "$PX" "$GW"
}

# bridge_conf_allow: "allow hn-nat" in bridge.conf, the original kept
bridge_conf_allow() {
	if grep -Eqx "allow ($BR|all)" "$BRCONF" 2>/dev/null; then
		return 0
	fi
	if [ -e "$BRCONF" ]; then
		cp -p "$BRCONF" "$T/bridge.conf.orig" || return 1
		BRCONF_STATE=saved
	else
		if [ ! -d "${BRCONF%/*}" ]; then
			mkdir -p "${BRCONF%/*}" || return 1
			BRCONF_MKDIR=1
		fi
		BRCONF_STATE=created
	fi
	# the README's line, as written
	echo "allow $BR" >>"$BRCONF"
}

# bridge_conf_restore: bridge.conf as it was before the case
bridge_conf_restore() {
	case $BRCONF_STATE in
	saved) cp -p "$T/bridge.conf.orig" "$BRCONF" ;;
	created)
		rm -f "$BRCONF"
		[ -z "$BRCONF_MKDIR" ] || rmdir "${BRCONF%/*}" 2>/dev/null
		;;
	esac
	BRCONF_STATE=
	BRCONF_MKDIR=
}

vm_cleanup() {
	vm_stop
	ip -n "$P-host" link del "$TAP" 2>/dev/null
	bridge_conf_restore
}
trap 'vm_cleanup; cleanup' EXIT

command -v "$QEMU" >/dev/null || {
	bad setup "$QEMU not installed (scripts/deps installs qemu-system-x86)"
	finish
}
topo_up || { bad setup "topology"; finish; }
vm_assets || { bad setup "guest kernel and initramfs"; finish; }
vm_accel
note "accelerator: $VM_ACCEL"
HN_DEFAULT_NET=1 hn_start || { bad setup "hostnatd did not start"; finish; }
nl=$(hn --json network list 2>&1)
GW=$(jq -r '.[] | select(.name == "nat") | .gateway' <<<"$nl" 2>/dev/null)
PX=$(jq -r '.[] | select(.name == "nat") | .prefixes[0]' <<<"$nl" 2>/dev/null)
check_eq "the default network nat is on bridge $BR" "$BR" \
	"$(jq -r '.[] | select(.name == "nat") | .bridge' <<<"$nl" 2>&1)"
serve inet tcp $INET 80 web || bad setup "web server in inet"
bridge_conf_allow || { bad setup "cannot write $BRCONF"; finish; }

# ---- the bridge helper: -nic bridge,br=hn-nat ------------------------------
t0=$SECONDS
vm_start "hn_out=$INET:80" \
	-nic "bridge,br=$BR,model=virtio-net-pci,mac=$MAC1"
vm_need 40 UP "guest 1 (-nic bridge): boots with eth0"
ok "guest 1 (-nic bridge): boots with eth0 $(vm_marker UP) ($VM_ACCEL, $((SECONDS - t0)) s)"
ports=$(ip -n "$P-host" -o link show master $BR 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1)
check_match "guest 1: qemu-bridge-helper put a tap on $BR" "^tap" "$ports"
vm_need 40 LEASE "guest 1: udhcpc gets a lease"
lease=$(vm_marker LEASE)
A1=${lease%% *}
note "guest 1 lease: '$lease' (network nat: $PX, gateway $GW)"
check_eq "guest 1: udhcpc gets an address of $PX with router $GW" in \
	"$(in_net "$lease")"
check_match "guest 1: lease list shows $A1 for $MAC1" "lease +$A1 +$MAC1 .*bound" \
	"$(hn lease list nat 2>&1)"
vm_need 15 OUT "guest 1: an HTTP GET to inet"
check_match "guest 1: reaches inet's web server, which sees $EXT" \
	"^web saw $EXT:[0-9]+$" "$(vm_marker OUT)"
vm_need 10 READY "guest 1: httpd listens"
check_cmd "map add nat tcp 8080 -> $A1:80" \
	hn map add nat --proto tcp --internal "$A1:80" --external-port 8080
out=$(ns inet curl -sS --max-time 10 "http://$EXT:8080/cgi-bin/who" 2>&1)
check_match "guest 1: inet reaches it through $EXT:8080 and it sees $INET" \
	"^guest saw $INET:[0-9]+$" "$out"
wait_until 5 grep -aq "^HN-IN" "$VM_CONSOLE"
check_match "guest 1: its console logs the client $INET" "^$INET:[0-9]+" \
	"$(vm_marker IN)"
[ "$N_BAD" -eq 0 ] || vm_diag
vm_stop
wait_until 5 sh -c "! ip -n $P-host -o link show master $BR | grep -q tap"
check_nomatch "guest 1: its tap goes with QEMU" "tap" \
	"$(ip -n "$P-host" -o link show master $BR 2>&1)"
hn map del nat --proto tcp --external-port 8080 >/dev/null 2>&1
bridge_conf_restore
if [ -e "$T/bridge.conf.orig" ]; then
	check_cmd "$BRCONF is as it was" cmp "$T/bridge.conf.orig" "$BRCONF"
else
	check_cmd "$BRCONF is as it was (absent, or allowing $BR already)" \
		sh -c "[ ! -e '$BRCONF' ] || grep -Eqx 'allow ($BR|all)' '$BRCONF'"
fi

# ---- a tap of one's own: -nic tap,ifname=vm0,script=no, and a reservation -
A2=$($PY -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1])[10])' "$PX")
check_cmd "lease add nat: $MAC2 reserved $A2" \
	hn lease add nat --mac "$MAC2" --address "$A2"
check_cmd "map add nat tcp 2222 -> $A2:80" \
	hn map add nat --proto tcp --internal "$A2:80" --external-port 2222
VM_CONSOLE=$T/console2.log
t0=$SECONDS
ip -n "$P-host" tuntap add dev $TAP mode tap &&
	ip -n "$P-host" link set $TAP master $BR up ||
	bad setup "tap $TAP on $BR"
vm_start "hn_out=$INET:80" \
	-nic "tap,ifname=$TAP,script=no,downscript=no,model=virtio-net-pci,mac=$MAC2"
vm_need 40 LEASE "guest 2 (-nic tap): udhcpc gets a lease"
lease=$(vm_marker LEASE)
note "guest 2 lease: '$lease'"
check_eq "guest 2 (-nic tap): udhcpc gets its reserved $A2 ($((SECONDS - t0)) s)" \
	"$A2 $GW" "$lease"
vm_need 15 OUT "guest 2: an HTTP GET to inet"
check_match "guest 2: reaches inet's web server, which sees $EXT" \
	"^web saw $EXT:[0-9]+$" "$(vm_marker OUT)"
vm_need 10 READY "guest 2: httpd listens"
out=$(ns inet curl -sS --max-time 10 "http://$EXT:2222/cgi-bin/who" 2>&1)
check_match "guest 2: inet reaches it through $EXT:2222 and it sees $INET" \
	"^guest saw $INET:[0-9]+$" "$out"
[ "$N_BAD" -eq 0 ] || vm_diag
vm_stop
ip -n "$P-host" link del $TAP
finish
