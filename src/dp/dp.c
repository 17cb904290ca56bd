/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dp.c: the datapath: devices, kernel steering, packet I/O
 *
 * Theory of operation
 * -------------------
 * See dp.h for the shape. This file keeps the kernel in the state the
 * control layer asks for:
 *
 * Per network (id N): the bridge (created if hostnat owns it) is up and
 * holds the gateway address, and its other prefixes are routed to it. The
 * tc program (bpf/steer.bpf.c) at the bridge's ingress validates each
 * endpoint packet's source (its network's prefix, its MAC where hostnat
 * gave the address out), drops what goes to another network unless both
 * have isolation off, and redirects what must be translated straight into
 * <out>. Translated packets the daemon writes back are redirected by the
 * same program at the TUN devices' ingress straight out of the next
 * device. So NAT traffic never passes the kernel's forward hook: a drop
 * policy in any forward chain (Docker, ufw) does not stop it, and the
 * host's firewall does not see it.
 *
 * Fail-closed, in the kernel's routing, independent of the daemon and of
 * netfilter, installed before anything else and kept across a stop or a
 * crash; only "network del" removes a network's part:
 *  - rule "iif BRIDGE lookup DP_TABLE_BASE+N" at DP_RULE_PRIO_BASE+N: what
 *    the program leaves to the kernel from the bridge (TTL 1: "time
 *    exceeded") goes to that table: "default dev <out>" while the daemon
 *    runs, and "blackhole default metric 4294967295" always, so endpoint
 *    traffic is dropped, never routed untranslated, whatever the host's
 *    ip_forward says;
 *  - per internal prefix: "to PREFIX iif lo lookup main" (the host reaches
 *    its endpoints), "to PREFIX iif <out>|<in> lookup main" (the daemon's
 *    own packets), then "to PREFIX blackhole": nothing from an uplink or
 *    any other interface reaches an internal address. The uplink program
 *    drops and counts those first ("to_internal").
 * The host's stand-in address is routed to <out> and answered for by proxy
 * ARP on the bridge.
 *
 * Per external address: the program runs on its uplink and steers into
 * <in> only what the NAT owns now: the ports and identifiers of live
 * mappings (own_map, fed by dp_ports_sync() from the engine's port log),
 * the other fragments of datagrams it steered, ICMP errors quoting those.
 * The dynamic port ranges and static ports are in
 * net.ipv4.ip_local_reserved_ports so that the host's automatic port
 * choice keeps off them; a socket of the host bound there explicitly is
 * found by dp_tick() and the engine picks other ports. lo gets the
 * program too, for the host's own connections to its mapped ports.
 *
 * Global: net.ipv4.ip_forward is not touched; on the TUN devices
 * forwarding=1 (the kernel handles what the program leaves to it: TTL
 * expiry, packets too big for the next hop), accept_local=1 (translated
 * packets carry the host's address), rp_filter=0, IPv6 off. The value of
 * ip_local_reserved_ports before hostnat is kept in /run/hostnat (per
 * network namespace) until a clean close restores it, so that a crash does
 * not make hostnat's own value look like the host's.
 *
 * dp_sync() brings the kernel to the desired state by adding what is
 * missing first and removing what is stale after, so that nothing opens in
 * between: a restarted daemon finds the fail-closed rules of the last one
 * in place and adopts them; the programs are replaced atomically.
 *
 * Packet I/O: DP_SLOTS buffers per device; dp_rx() reads until the device
 * is empty or the slots are used; each slot keeps its virtio-net header in
 * front of the packet for dp_tx(), which writes it back unchanged (GSO and
 * checksum offload pass through), or a zero header for packets the engine
 * built. The TUN program decrements the TTL of what it forwards: the host
 * is one hop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/netlink.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "csum.h"
#include "dp.h"
#include "nl.h"
#include "pkt.h"
#include "sockdiag.h"
#include "steer.h"
#include "sysctl.h"
#include "tun.h"

#define DP_RULE_PRIO_BASE 7700	/* ip rule priorities, one per network */
#define DP_RULE_PRIO_HOST 7500	/* to PREFIX iif lo lookup main */
#define DP_RULE_PRIO_TUN 7501	/* to PREFIX iif <out>|<in> lookup main */
#define DP_RULE_PRIO_GUARD 7800	/* to PREFIX blackhole */
#define DP_RULE_PRIO_MIN DP_RULE_PRIO_HOST
#define DP_RULE_PRIO_MAX DP_RULE_PRIO_GUARD
#define DP_TABLE_BASE 77000	/* routing tables, one per network */
#define DP_SLOTS 64		/* packets per read burst and device */
#define DP_SLOT_SIZE (TUN_VNET_HLEN + 65536 + 640)
#define DP_BLACKHOLE_METRIC 4294967295u
#define DP_RUN_DIR "/run/hostnat"	/* settings as they were before us */

#define DP_EVENTS 1024		/* port events read from the engine at once */
#define DP_MAX_PORTS 192	/* bridge ports with the program (steer's limit
				 * of 256 attachments less uplinks and bridges) */

struct dp {
	int fd[DP_NDEV];
	unsigned ifindex[DP_NDEV];
	char name[DP_NDEV][DP_IFNAMSIZ];
	uint8_t *slots[DP_NDEV];
	struct nl nl;
	struct nl diag;		/* sock_diag: the host's sockets (sk NULL: /proc) */
	/* the TCP and UDP ports the last full look at the host's sockets
	 * found, held again at every tick until the next one, and the ticks
	 * until it (hold_proto()) */
	uint64_t hold_seen[2][65536 / 64];
	unsigned hold_wait[2];
	unsigned hold_span[2];	/* lo << 16 | hi of that look */
	bool hold_slow_told[2];	/* a look waited for: logged */
	unsigned hold_budget_us; /* DP_HOLD_BUDGET_US, or the tests' */
	struct steer steer;
	bool steer_ok;
	bool synced;		/* a dp_sync() ran: leftovers were adopted */
	struct dp_state cur;
	unsigned bridge_ifindex[DP_MAX_NETS];	/* by id % DP_MAX_NETS */
	bool lo_attached;
	char uplinks[DP_MAX_EXT][DP_IFNAMSIZ];
	unsigned nuplinks;
	uint32_t *ports;
	struct steer_bind *binds;
	struct steer_local local[DP_MAX_STATIC];	/* local_map, as pushed */
	bool orig_saved;
	char reserved_orig[4096];
	struct nat_port_event *events;
	struct nat_fast_event *fevents;
	bool fast;			/* dp_fast_attach() was called */
	unsigned grace_s;		/* dp_fast_grace() */
	uint64_t fast_errors;		/* sessions not given to the fast path */
	uint64_t own_errors;	/* owned ports not steered (no own_map slot) */
	bool own_checked;	/* the engine's max_ext compared with the slots */
	unsigned port_if[DP_MAX_PORTS];	/* bridge ports the program runs on */
	unsigned port_net[DP_MAX_PORTS];	/* ... and their networks */
	unsigned port_flags[DP_MAX_PORTS];	/* ... and STEER_IF_* */
	uint8_t br_mac[DP_MAX_NETS][6];	/* bridges' MACs as last pushed */
	unsigned nport;
	bool ports_full_told;	/* past DP_MAX_PORTS: logged */
	char err[256];
};

static void dp_err(struct dp *dp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dp_err(struct dp *dp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dp->err, sizeof(dp->err), fmt, ap);
	va_end(ap);
}

/**
 * dp_error() - what the last failing call objected to
 * @dp:		datapath
 *
 * Return: message
 */
const char *dp_error(const struct dp *dp)
{
	return dp->err;
}

static bool in_prefix(uint32_t addr, uint32_t prefix, unsigned plen)
{
	uint32_t mask = lib_prefix_mask(plen);

	return (addr & mask) == (prefix & mask);
}

static int if_l2len(const char *ifname)
{
	char path[64], buf[16];
	FILE *f;
	int type;

	if (strlen(ifname) >= DP_IFNAMSIZ)
		return 14;
	snprintf(path, sizeof(path), "/sys/class/net/%.15s/type", ifname);
	f = fopen(path, "r");
	if (!f)
		return 14;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	type = atoi(buf);
	return type == 1 || type == 772 ? 14 : 0; /* ether, loopback */
}

/* ---- the kernel's state as it is --------------------------------------- */

#define DP_DUMP_MAX 4096
/* a dump that what it lists changed under (nl_exchange()'s -EINTR: links,
 * addresses or routes came or went meanwhile) is asked again, this many
 * times in all: a list taken during churn is never half of one */
#define DP_DUMP_TRIES 3
/* a full look at the host's sockets of one protocol may cost this much
 * CPU for each tick it waits (hold_proto()), and waits at most this many */
#define DP_HOLD_BUDGET_US 1000
#define DP_HOLD_WAIT_MAX 30

/**
 * struct dump - rules or routes of ours found in the kernel
 */
struct dump {
	struct nl_obj *o;
	unsigned n;
};

static int ours_rule(const struct nl_obj *o, void *ctx)
{
	struct dump *d = ctx;

	if (o->metric >= DP_RULE_PRIO_MIN && o->metric <= DP_RULE_PRIO_MAX &&
	    d->n < DP_DUMP_MAX)
		d->o[d->n++] = *o;
	return 0;
}

static int ours_route(const struct nl_obj *o, void *ctx)
{
	struct dump *d = ctx;

	if (o->table >= DP_TABLE_BASE && o->table < DP_TABLE_BASE + DP_MAX_NETS &&
	    d->n < DP_DUMP_MAX)
		d->o[d->n++] = *o;
	return 0;
}

static void dev_sysctls(const char *name)
{
	char key[96];

	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", name);
	sysctl_write(key, "1");
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/accept_local", name);
	sysctl_write(key, "1");
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/rp_filter", name);
	sysctl_write(key, "0");
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/forwarding", name);
	sysctl_write(key, "1");
	/* answers to the host's connections through 127.0.0.1 */
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", name);
	sysctl_write(key, "1");
}

/* where the value a setting had before hostnat is kept while it runs, per
 * network namespace (sysctls are), on tmpfs (a reboot resets both) */
static void orig_path(char *buf, size_t len, const char *what)
{
	char ns[64] = "";
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	const char *d;

	ns[n > 0 ? n : 0] = 0;
	for (d = ns; *d && (*d < '0' || *d > '9'); d++)
		;
	snprintf(buf, len, "%s/%s.%.20s", DP_RUN_DIR, what, d);
}

/* the value an earlier daemon kept in the runtime directory; false if none */
static bool orig_read(const char *what, char *val, size_t len)
{
	char path[128];
	FILE *f;

	orig_path(path, sizeof(path), what);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(val, (int)len, f))
		val[0] = 0;
	fclose(f);
	val[strcspn(val, "\n")] = 0;
	return true;
}

/* the value before hostnat: from the file an earlier daemon left, or now */
static void orig_get(const char *key, const char *what, char *val, size_t len)
{
	char path[128];
	FILE *f;

	if (orig_read(what, val, len))
		return;
	orig_path(path, sizeof(path), what);
	if (sysctl_read(key, val, len))
		val[0] = 0;
	mkdir(DP_RUN_DIR, 0755);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", val);
		fclose(f);
	}
}

static void orig_put(const char *key, const char *what, const char *val)
{
	char path[128];

	sysctl_write(key, val[0] ? val : "\n");
	orig_path(path, sizeof(path), what);
	unlink(path);
}

/**
 * dp_open() - create the TUN devices, load the programs; what an earlier
 * daemon left in the kernel stays until dp_sync() adopts or removes it
 * @dpp:	the new datapath
 * @devprefix:	device name prefix ("hn": devices "hn-out", "hn-in")
 *
 * Return: 0, -errno (dp is not created; the message goes to stderr)
 */
int dp_open(struct dp **dpp, const char *devprefix)
{
	return dp_open_flows(dpp, devprefix, 0);
}

/* what a full look at the host's sockets may cost per tick it waits:
 * DP_HOLD_BUDGET_US; HOSTNAT_HOLD_BUDGET_US (1 to 1000000) is for tests,
 * which need the waits on a machine whatever its speed */
static unsigned hold_budget(void)
{
	const char *v = getenv("HOSTNAT_HOLD_BUDGET_US");
	unsigned long n;
	char *end;

	if (!v)
		return DP_HOLD_BUDGET_US;
	n = strtoul(v, &end, 10);
	return *v && !*end && n >= 1 && n <= 1000000 ? (unsigned)n :
						      DP_HOLD_BUDGET_US;
}

/**
 * dp_open_flows() - dp_open() with the fast path's maps sized for
 * @max_flows sessions (0: the programs' default, 262144)
 * @dpp:	the datapath, on success
 * @devprefix:	prefix of the TUN devices' names
 * @max_flows:	the engine's session table size
 *
 * Return: 0, -errno
 */
int dp_open_flows(struct dp **dpp, const char *devprefix, uint32_t max_flows)
{
	static const char *const suffix[DP_NDEV] = { "out", "in" };
	struct dp *dp = calloc(1, sizeof(*dp));
	int ret, d;

	if (!dp)
		return -ENOMEM;
	for (d = 0; d < DP_NDEV; d++)
		dp->fd[d] = -1;
	dp->grace_s = DP_FAST_GRACE_S;
	dp->hold_budget_us = hold_budget();
	dp->ports = calloc(3 * 65536, sizeof(uint32_t));
	dp->binds = calloc(DP_MAX_BINDS, sizeof(*dp->binds));
	dp->events = calloc(DP_EVENTS, sizeof(*dp->events));
	dp->fevents = calloc(DP_EVENTS, sizeof(*dp->fevents));
	if (!dp->ports || !dp->binds || !dp->events || !dp->fevents) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = nl_open(&dp->nl);
	if (ret) {
		fprintf(stderr, "hostnatd: netlink: %s\n", strerror(-ret));
		goto fail;
	}
	if (nl_open_bus(&dp->diag, NETLINK_SOCK_DIAG)) /* then from /proc */
		memset(&dp->diag, 0, sizeof(dp->diag));
	orig_get("net/ipv4/ip_local_reserved_ports", "reserved_ports",
		 dp->reserved_orig, sizeof(dp->reserved_orig));
	dp->orig_saved = true;

	for (d = 0; d < DP_NDEV; d++) {
		snprintf(dp->name[d], DP_IFNAMSIZ, "%s-%s", devprefix,
			 suffix[d]);
		dp->slots[d] = aligned_alloc(64, (size_t)DP_SLOTS * DP_SLOT_SIZE);
		if (!dp->slots[d]) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = tun_open(dp->name[d], &dp->ifindex[d]);
		if (ret < 0) {
			fprintf(stderr, "hostnatd: cannot create TUN device %s: "
					"%s (is /dev/net/tun there, are we "
					"root?)\n", dp->name[d], strerror(-ret));
			goto fail;
		}
		dp->fd[d] = ret;
		/* the device a clean stop left (tun_persist()), or a new
		 * one: either way it goes with a daemon that dies */
		tun_persist(dp->fd[d], false);
		dev_sysctls(dp->name[d]);
		ret = nl_link_up(&dp->nl, dp->ifindex[d]);
		if (ret) {
			fprintf(stderr, "hostnatd: cannot set %s up: %s\n",
				dp->name[d], strerror(-ret));
			goto fail;
		}
	}
	ret = steer_open(&dp->steer, dp->ifindex[DP_OUT], dp->ifindex[DP_IN],
			 max_flows);
	if (ret) {
		fprintf(stderr, "hostnatd: cannot load the BPF programs: %s "
				"(set HOSTNAT_BPF_DEBUG=1 for the verifier's "
				"log)\n", strerror(-ret));
		goto fail;
	}
	dp->steer_ok = true;
	{
		/* the host's connections to its mapped ports through another
		 * address of its own get source ports 10000-32767 (steer.bpf.c
		 * LOOP_PORT_LO): say so when the kernel's own range overlaps */
		char range[64];
		unsigned lo = 0, hi = 0;

		if (!sysctl_read("net/ipv4/ip_local_port_range", range,
				 sizeof(range)) &&
		    sscanf(range, "%u %u", &lo, &hi) == 2 && lo < 32768 &&
		    hi >= 10000)
			fprintf(stderr, "hostnatd: warning: ip_local_port_range "
				"%u-%u overlaps 10000-32767, the ports hostnat "
				"gives the host's connections to its mapped "
				"ports through 127.0.0.1; a host connection from "
				"one of them to a mapped port on the external "
				"address may be answered wrongly; raise the "
				"range's start to 32768\n", lo, hi);
	}
	for (d = 0; d < DP_NDEV; d++) {
		ret = steer_attach(&dp->steer, dp->ifindex[d], STEER_ROLE_TUN,
				   0, 0, 0);
		if (ret) {
			fprintf(stderr, "hostnatd: cannot attach the BPF "
					"program to %s: %s\n", dp->name[d],
				strerror(-ret));
			goto fail;
		}
	}
	{
		char rpf[8] = "";

		/* the effective value is the larger of "all" and the device's:
		 * strict mode drops what we write back (the reverse path of a
		 * remote address is the uplink, not our device) */
		if (!sysctl_read("net/ipv4/conf/all/rp_filter", rpf, sizeof(rpf)) &&
		    !strcmp(rpf, "1"))
			fprintf(stderr, "hostnatd: warning: net.ipv4.conf.all."
					"rp_filter=1 (strict) drops translated "
					"packets; set it to 2 (loose) or 0\n");
	}
	*dpp = dp;
	return 0;
fail:
	dp_close(dp, false);
	return ret < 0 ? ret : -EINVAL;
}

/* ---- networks ------------------------------------------------------------ */

static unsigned *bridge_slot(struct dp *dp, unsigned id)
{
	return &dp->bridge_ifindex[id % DP_MAX_NETS];
}

/* the bridge, up, with its gateway and routes; idempotent: a restarted
 * daemon finds most of it in place */
static int net_up(struct dp *dp, const struct dp_net *n)
{
	char key[96], addr[LIB_ADDR_LEN];
	unsigned i, idx;
	int ret;

	idx = if_nametoindex(n->bridge);
	if (!idx && !n->own_bridge) {
		dp_err(dp, "bridge %s does not exist; create it or leave "
			   "--bridge out", n->bridge);
		return -ENODEV;
	}
	if (!idx) {
		ret = nl_link_add_bridge(&dp->nl, n->bridge);
		if (ret && ret != -EEXIST) {
			dp_err(dp, "cannot create bridge %s: %s", n->bridge,
			       strerror(-ret));
			return ret;
		}
		idx = if_nametoindex(n->bridge);
		if (!idx) {
			dp_err(dp, "bridge %s vanished", n->bridge);
			return -ENODEV;
		}
	}
	*bridge_slot(dp, n->id) = idx;
	/* fail-closed first: the blackhole behind the network's table */
	ret = nl_route(&dp->nl, true, DP_TABLE_BASE + n->id, 0, 0, 0, true,
		       DP_BLACKHOLE_METRIC);
	if (ret && ret != -EEXIST) {
		dp_err(dp, "cannot add the blackhole route of network %s: %s",
		       n->name, strerror(-ret));
		return ret;
	}
	if (n->closed)
		return 0;
	ret = nl_link_up(&dp->nl, idx);
	if (ret) {
		dp_err(dp, "cannot set %s up: %s", n->bridge, strerror(-ret));
		return ret;
	}
	snprintf(key, sizeof(key), "net/ipv4/neigh/%s/proxy_delay", n->bridge);
	sysctl_write(key, "0");
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/forwarding", n->bridge);
	sysctl_write(key, "1");
	ret = nl_route(&dp->nl, true, DP_TABLE_BASE + n->id, 0, 0,
		       dp->ifindex[DP_OUT], false, 0);
	if (ret && ret != -EEXIST) {
		dp_err(dp, "cannot add routes of network %s: %s", n->name,
		       strerror(-ret));
		return ret;
	}
	ret = steer_attach(&dp->steer, idx, STEER_ROLE_BRIDGE,
			   (unsigned)if_l2len(n->bridge), n->id, 0);
	if (ret) {
		dp_err(dp, "cannot attach steering to %s: %s", n->bridge,
		       strerror(-ret));
		return ret;
	}
	ret = nl_addr(&dp->nl, true, idx, n->gateway, n->gw_plen);
	if (ret && ret != -EEXIST) {
		lib_addr_fmt(addr, n->gateway);
		dp_err(dp, "cannot add gateway %s/%u to %s: %s", addr,
		       n->gw_plen, n->bridge, strerror(-ret));
		return ret;
	}
	/* prefixes besides the gateway's are on the bridge too */
	for (i = 0; i < n->nprefix; i++) {
		if (in_prefix(n->gateway, n->prefix[i], n->plen[i]))
			continue;
		ret = nl_route(&dp->nl, true, RT_TABLE_MAIN, n->prefix[i],
			       n->plen[i], idx, false, 0);
		if (ret && ret != -EEXIST) {
			lib_addr_fmt(addr, n->prefix[i]);
			dp_err(dp, "cannot route %s/%u to %s: %s", addr,
			       n->plen[i], n->bridge, strerror(-ret));
			return ret;
		}
	}
	if (n->host_addr) {
		ret = nl_route(&dp->nl, true, RT_TABLE_MAIN, n->host_addr, 32,
			       dp->ifindex[DP_OUT], false, 0);
		if (!ret || ret == -EEXIST)
			ret = nl_neigh_proxy(&dp->nl, true, idx, n->host_addr);
		if (ret && ret != -EEXIST) {
			lib_addr_fmt(addr, n->host_addr);
			dp_err(dp, "cannot route host address %s: %s", addr,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static bool has_prefix(const struct dp_net *n, uint32_t p, uint8_t plen)
{
	unsigned i;

	for (i = 0; n && !n->closed && i < n->nprefix; i++)
		if (n->prefix[i] == p && n->plen[i] == plen)
			return true;
	return false;
}

/*
 * net_remove() - take away what old configuration @o set up and @n (the
 * same network's new configuration, or NULL: the network is deleted) does
 * not keep. Rules are dp_sync()'s (rules_sync()).
 */
static void net_remove(struct dp *dp, const struct dp_net *o,
		       const struct dp_net *n)
{
	bool same_br = n && !strcmp(o->bridge, n->bridge);
	unsigned idx = if_nametoindex(o->bridge), i;

	for (i = 0; i < o->nprefix && idx; i++)
		if (!in_prefix(o->gateway, o->prefix[i], o->plen[i]) &&
		    (!same_br || !has_prefix(n, o->prefix[i], o->plen[i])))
			nl_route(&dp->nl, false, RT_TABLE_MAIN, o->prefix[i],
				 o->plen[i], idx, false, 0);
	if (o->host_addr && (!n || n->closed || n->host_addr != o->host_addr ||
			     !same_br)) {
		nl_route(&dp->nl, false, RT_TABLE_MAIN, o->host_addr, 32,
			 dp->ifindex[DP_OUT], false, 0);
		if (idx)
			nl_neigh_proxy(&dp->nl, false, idx, o->host_addr);
	}
	if (idx && (!n || n->closed || !same_br || n->gateway != o->gateway ||
		    n->gw_plen != o->gw_plen))
		nl_addr(&dp->nl, false, idx, o->gateway, o->gw_plen);
	if (idx && dp->steer_ok && (!n || !same_br))
		steer_detach(&dp->steer, idx);
	if (n)
		return;
	/* deleted: its table and, if hostnat made it, its bridge */
	nl_route(&dp->nl, false, DP_TABLE_BASE + o->id, 0, 0,
		 dp->ifindex[DP_OUT], false, 0);
	nl_route(&dp->nl, false, DP_TABLE_BASE + o->id, 0, 0, 0, true,
		 DP_BLACKHOLE_METRIC);
	if (o->own_bridge && idx)
		nl_link_del(&dp->nl, idx);
	*bridge_slot(dp, o->id) = 0;
}

static const struct dp_net *net_by_id(const struct dp_state *st, unsigned id)
{
	unsigned i;

	for (i = 0; i < st->nnet; i++)
		if (st->net[i].id == id)
			return &st->net[i];
	return NULL;
}

/* ---- fail-closed rules ---------------------------------------------------- */

static unsigned rules_want(const struct dp *dp, const struct dp_state *st,
			   struct nl_rule *r, unsigned max)
{
	unsigned n = 0, i, j;

	for (i = 0; i < st->nnet; i++) {
		const struct dp_net *net = &st->net[i];

		if (n + 1 + 4 * net->nprefix > max)
			break;
		r[n] = (struct nl_rule){ .prio = DP_RULE_PRIO_BASE + net->id,
					 .table = DP_TABLE_BASE + net->id };
		snprintf(r[n++].iif, sizeof(r->iif), "%s", net->bridge);
		for (j = 0; j < net->nprefix; j++) {
			struct nl_rule to = { .dst = net->prefix[j],
					      .dplen = net->plen[j],
					      .table = RT_TABLE_MAIN };

			r[n] = to;
			r[n].prio = DP_RULE_PRIO_HOST;
			snprintf(r[n++].iif, sizeof(r->iif), "lo");
			r[n] = to;
			r[n].prio = DP_RULE_PRIO_TUN;
			snprintf(r[n++].iif, sizeof(r->iif), "%s",
				 dp->name[DP_OUT]);
			r[n] = to;
			r[n].prio = DP_RULE_PRIO_TUN;
			snprintf(r[n++].iif, sizeof(r->iif), "%s",
				 dp->name[DP_IN]);
			r[n] = to;
			r[n].prio = DP_RULE_PRIO_GUARD;
			r[n].table = 0;
			r[n++].blackhole = true;
		}
	}
	return n;
}

static bool rule_is(const struct nl_obj *o, const struct nl_rule *r)
{
	return o->metric == r->prio && o->dplen == r->dplen &&
	       (!r->dplen || o->dst == r->dst) && !o->plen &&
	       !strcmp(o->iif, r->iif) &&
	       (r->blackhole ? o->action == FR_ACT_BLACKHOLE
			     : o->action == FR_ACT_TO_TBL &&
				       o->table == r->table);
}

/* add every rule @st needs; with @prune, then remove ours that it does
 * not need, and the tables of networks it does not have */
static int rules_sync(struct dp *dp, const struct dp_state *st, bool prune)
{
	struct nl_rule *want = calloc(DP_DUMP_MAX, sizeof(*want));
	struct dump have = { calloc(DP_DUMP_MAX, sizeof(struct nl_obj)), 0 };
	unsigned nwant, i, j;
	int ret = 0, r;

	if (!want || !have.o) {
		ret = -ENOMEM;
		goto out;
	}
	nwant = rules_want(dp, st, want, DP_DUMP_MAX);
	for (i = 0; i < nwant; i++) {
		r = nl_rule_change(&dp->nl, true, &want[i]);
		if (r && r != -EEXIST && !ret) {
			dp_err(dp, "cannot add a fail-closed rule (priority "
				   "%u): %s", want[i].prio, strerror(-r));
			ret = r;
		}
	}
	if (ret || !prune)
		goto out;
	nl_dump(&dp->nl, RTM_GETRULE, ours_rule, &have);
	for (i = 0; i < have.n; i++) {
		struct nl_rule del = { .prio = have.o[i].metric,
				       .dst = have.o[i].dst,
				       .dplen = have.o[i].dplen,
				       .table = have.o[i].table,
				       .blackhole = have.o[i].action ==
						    FR_ACT_BLACKHOLE };

		for (j = 0; j < nwant; j++)
			if (rule_is(&have.o[i], &want[j]))
				break;
		if (j < nwant)
			continue;
		memcpy(del.iif, have.o[i].iif, sizeof(del.iif));
		nl_rule_change(&dp->nl, false, &del);
	}
	/* tables of networks that are gone (a crashed daemon's) */
	have.n = 0;
	nl_dump(&dp->nl, RTM_GETROUTE, ours_route, &have);
	for (i = 0; i < have.n; i++)
		if (!net_by_id(st, have.o[i].table - DP_TABLE_BASE))
			nl_route(&dp->nl, false, have.o[i].table,
				 have.o[i].addr, have.o[i].plen,
				 have.o[i].ifindex,
				 have.o[i].type == RTN_BLACKHOLE,
				 have.o[i].metric);
out:
	free(want);
	free(have.o);
	return ret;
}

/* ---- bridge ports ---------------------------------------------------------- */

static int nets_push(struct dp *dp, const struct dp_state *st);

static void if_mac(const char *ifname, uint8_t mac[6])
{
	char path[64], buf[32];
	unsigned m[6], i;
	FILE *f;

	memset(mac, 0, 6);
	snprintf(path, sizeof(path), "/sys/class/net/%.15s/address", ifname);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) &&
	    sscanf(buf, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) == 6)
		for (i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
	fclose(f);
}

#define DP_PORTS_SEEN (4 * DP_MAX_PORTS)	/* ports a sync looks at */

/* the ports of the bridges, as nl_link_dump() lists them */
struct ports_ctx {
	unsigned idx[DP_PORTS_SEEN], net[DP_PORTS_SEEN], flags[DP_PORTS_SEEN];
	unsigned n;
	bool more;	/* past DP_PORTS_SEEN */
	unsigned br;	/* the bridge being listed */
	unsigned br_net;	/* ... its network */
};

static void port_cb(const struct nl_link *l, void *data)
{
	struct ports_ctx *c = data;

	if (l->master != c->br)
		return;	/* the kernel filters; a port of another is not ours */
	if (c->n >= DP_PORTS_SEEN) {
		c->more = true;
		return;
	}
	c->idx[c->n] = l->ifindex;
	/* a veth's peer may move between namespaces: asked every time */
	c->flags[c->n] = l->peer_netns ? STEER_IF_PEER : 0;
	c->net[c->n++] = c->br_net;
}

/* the position of @ifindex in @list, or -1 */
static int port_pos(const unsigned *list, unsigned n, unsigned ifindex)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (list[i] == ifindex)
			return (int)i;
	return -1;
}

/* one dump of each open network's bridge's ports into @pc; a dump that
 * links changed under (-EINTR) is asked again (DP_DUMP_TRIES) */
static int ports_list(struct dp *dp, struct ports_ctx *pc)
{
	int ret = 0, tries;
	unsigned i;

	for (tries = 0; tries < DP_DUMP_TRIES; tries++) {
		pc->n = 0;
		pc->more = false;
		for (i = 0; i < dp->cur.nnet; i++) {
			const struct dp_net *n = &dp->cur.net[i];

			if (n->closed)
				continue;
			pc->br = if_nametoindex(n->bridge);
			if (!pc->br)
				continue;
			pc->br_net = n->id;
			ret = nl_link_dump(&dp->nl, pc->br, port_cb, pc);
			if (ret)
				break;
		}
		if (ret != -EINTR)
			break;
	}
	return ret;
}

/* the program on every port of every open network's bridge (veths, taps),
 * off the ports that left, and the bridges' MAC addresses up to date; ports
 * come and go with the endpoints, so this runs at every dp_sync() and
 * dp_tick(), and at every link notification (dp_links_changed()): one dump
 * of each bridge's ports, however many it has. Past DP_MAX_PORTS the ports
 * that have the program keep it, and a newcomer goes without (logged
 * once). A list that may be incomplete (links changed under every dump, or
 * more than DP_PORTS_SEEN ports) detaches only the ports whose device is
 * gone. */
static void ports_sync(struct dp *dp)
{
	static struct ports_ctx pc;	/* 9 KiB; one daemon thread */
	unsigned want[DP_MAX_PORTS], wnet[DP_MAX_PORTS], nwant = 0, i, j;
	unsigned had[DP_MAX_PORTS], had_net[DP_MAX_PORTS], nhad;
	unsigned wflags[DP_MAX_PORTS], had_flags[DP_MAX_PORTS];
	unsigned left_out = 0;
	bool moved = false, partial;
	int ret = ports_list(dp, &pc);

	if (ret && ret != -EINTR)
		return;	/* unsure what is there: change nothing (next tick) */
	partial = ret == -EINTR || pc.more;
	for (i = 0; i < dp->cur.nnet; i++) {
		uint8_t mac[6];

		if_mac(dp->cur.net[i].bridge, mac);
		if (memcmp(mac, dp->br_mac[dp->cur.net[i].id % DP_MAX_NETS], 6))
			moved = true;
	}
	if (moved && dp->synced)
		nets_push(dp, &dp->cur);
	/* first the ports that have the program: kept (as listed now), or
	 * off when no longer listed */
	for (i = 0; i < dp->nport; i++) {
		int k = port_pos(pc.idx, pc.n, dp->port_if[i]);
		char name[IF_NAMESIZE];

		/* not listed: off, if the list is whole or the device gone */
		if (k < 0 &&
		    (!partial || !if_indextoname(dp->port_if[i], name))) {
			steer_detach(&dp->steer, dp->port_if[i]);
			continue;
		}
		want[nwant] = dp->port_if[i];
		wnet[nwant] = k < 0 ? dp->port_net[i] : pc.net[k];
		wflags[nwant++] = k < 0 ? dp->port_flags[i] : pc.flags[k];
	}
	/* then the new ones, while there is room */
	for (i = 0; i < pc.n; i++) {
		if (port_pos(want, nwant, pc.idx[i]) >= 0)
			continue;
		if (nwant == DP_MAX_PORTS) {
			left_out++;
			continue;
		}
		want[nwant] = pc.idx[i];
		wnet[nwant] = pc.net[i];
		wflags[nwant++] = pc.flags[i];
	}
	if (left_out && !dp->ports_full_told) {
		fprintf(stderr, "hostnatd: warning: more than %u bridge ports: "
				"%u have no fast-path program (their packets "
				"go through the bridge's)\n",
			DP_MAX_PORTS, left_out);
		dp->ports_full_told = true;
	}
	/* attach only what is new (or moved to another network's bridge, or
	 * whose peer moved) */
	memcpy(had, dp->port_if, sizeof(had[0]) * dp->nport);
	memcpy(had_net, dp->port_net, sizeof(had_net[0]) * dp->nport);
	memcpy(had_flags, dp->port_flags, sizeof(had_flags[0]) * dp->nport);
	nhad = dp->nport;
	dp->nport = 0;
	for (i = 0; i < nwant; i++) {
		for (j = 0; j < nhad; j++)
			if (had[j] == want[i] && had_net[j] == wnet[i] &&
			    had_flags[j] == wflags[i])
				break;
		if (j == nhad && steer_attach(&dp->steer, want[i],
					      STEER_ROLE_PORT, 14, wnet[i],
					      wflags[i]))
			continue;
		dp->port_net[dp->nport] = wnet[i];
		dp->port_flags[dp->nport] = wflags[i];
		dp->port_if[dp->nport++] = want[i];
	}
}

/* ---- uplinks and maps ----------------------------------------------------- */

/* the program on every uplink the external addresses name and on lo when
 * a network lets the host in; off the ones no longer named */
static int uplinks_sync(struct dp *dp, const struct dp_state *st)
{
	char want[DP_MAX_EXT][DP_IFNAMSIZ];
	unsigned nwant = 0, i, j;
	bool host = false;
	int ret;

	for (i = 0; i < st->next; i++) {
		for (j = 0; j < nwant; j++)
			if (!strcmp(want[j], st->ext[i].uplink))
				break;
		if (j == nwant && st->ext[i].uplink[0])
			snprintf(want[nwant++], DP_IFNAMSIZ, "%s",
				 st->ext[i].uplink);
	}
	for (i = 0; i < dp->nuplinks; i++) {
		for (j = 0; j < nwant; j++)
			if (!strcmp(want[j], dp->uplinks[i]))
				break;
		if (j == nwant) {
			unsigned idx = if_nametoindex(dp->uplinks[i]);

			if (idx)
				steer_detach(&dp->steer, idx);
		}
	}
	dp->nuplinks = 0;
	for (i = 0; i < nwant; i++) {
		unsigned idx = if_nametoindex(want[i]);

		if (!idx) {
			dp_err(dp, "uplink %s does not exist", want[i]);
			return -ENODEV;
		}
		ret = steer_attach(&dp->steer, idx, STEER_ROLE_UPLINK,
				   (unsigned)if_l2len(want[i]), 0, 0);
		if (ret) {
			dp_err(dp, "cannot attach steering to %s: %s", want[i],
			       strerror(-ret));
			return ret;
		}
		memcpy(dp->uplinks[dp->nuplinks++], want[i], DP_IFNAMSIZ);
	}
	for (i = 0; i < st->nnet; i++)
		host |= st->net[i].host_addr != 0 && !st->net[i].closed;
	host &= st->next > 0;
	if (host && !dp->lo_attached) {
		ret = steer_attach(&dp->steer, if_nametoindex("lo"),
				   STEER_ROLE_LO, 14, 0, 0);
		if (ret) {
			dp_err(dp, "cannot attach steering to lo: %s",
			       strerror(-ret));
			return ret;
		}
		dp->lo_attached = true;
	} else if (!host && dp->lo_attached) {
		steer_detach(&dp->steer, if_nametoindex("lo"));
		dp->lo_attached = false;
	}
	return 0;
}

/* what each network's bridge and port programs allow, with the bridge's
 * MAC address as it is now (a bridge without a MAC of its own takes the
 * lowest of its ports': it changes as ports come and go) */
static int nets_push(struct dp *dp, const struct dp_state *st)
{
	struct steer_net nets[DP_MAX_NETS];
	unsigned i;

	for (i = 0; i < st->nnet; i++) {
		const struct dp_net *n = &st->net[i];

		nets[i] = (struct steer_net){
			.id = n->id,
			.bridge = *bridge_slot(dp, n->id),
			.flags = (n->isolation ? STEER_NET_ISOLATION : 0) |
				 (n->source_binding ? STEER_NET_BINDING : 0) |
				 (n->closed ? STEER_NET_CLOSED : 0),
			.host_addr = n->host_addr,
			.max_addrs = n->endpoint_addresses,
		};
		if_mac(n->bridge, nets[i].mac);
		memcpy(dp->br_mac[n->id % DP_MAX_NETS], nets[i].mac, 6);
	}
	return steer_set_nets(&dp->steer, nets, st->nnet);
}

/* the programs' maps as @st says: networks, prefixes, source bindings,
 * external addresses, the ports the host reaches on its own addresses */
static int maps_sync(struct dp *dp, const struct dp_state *st)
{
	uint32_t addrs[DP_MAX_EXT], pfx[DP_MAX_NETS * DP_NET_PREFIXES];
	uint8_t plen[DP_MAX_NETS * DP_NET_PREFIXES];
	unsigned pnet[DP_MAX_NETS * DP_NET_PREFIXES];
	unsigned i, j, np = 0, p, nad = 0, nb = 0;
	char *res, *w;
	size_t room;
	int ret;

	/* the ports the NAT may own: reserved from the host's automatic
	 * choice (what it owns now is in own_map, dp_ports_sync()) */
	memset(dp->ports, 0, 3 * 65536 * sizeof(uint32_t));
	for (i = 0; i < st->next; i++) {
		for (j = 0; j < nad; j++)
			if (addrs[j] == st->ext[i].addr)
				break;
		if (j == nad && nad < STEER_MAX_EXT)
			addrs[nad++] = st->ext[i].addr;
		for (p = 0; p < NAT_NPROTO; p++) {
			if (!st->ext[i].lo[p])
				continue;
			for (j = st->ext[i].lo[p]; j <= st->ext[i].hi[p]; j++)
				dp->ports[p * 65536 + j] = 1;
		}
	}
	for (i = 0; i < st->nstat; i++)
		if (st->stat[i].proto < NAT_NPROTO)
			dp->ports[st->stat[i].proto * 65536u +
				  st->stat[i].port] = 1;
	for (i = 0; i < st->nnet; i++) {
		const struct dp_net *n = &st->net[i];

		for (j = 0; j < n->nprefix; j++) {
			pfx[np] = n->prefix[j];
			plen[np] = n->plen[j];
			pnet[np++] = n->id;
		}
	}
	for (i = 0; i < st->nlocal && i < DP_MAX_STATIC; i++)
		dp->local[i] = (struct steer_local){
			.proto = st->local[i].proto,
			.port = st->local[i].port,
			.ext = st->local[i].ext,
		};
	for (i = 0; i < st->nbind && st->bind && nb < DP_MAX_BINDS; i++) {
		dp->binds[nb].net = st->bind[i].net;
		dp->binds[nb].addr = st->bind[i].addr;
		memcpy(dp->binds[nb++].mac, st->bind[i].mac, 6);
	}
	ret = steer_set_ext(&dp->steer, addrs, nad);
	if (!ret)
		ret = steer_set_prefixes(&dp->steer, pfx, plen, pnet, np);
	if (!ret)
		ret = nets_push(dp, st);
	if (!ret)
		ret = steer_set_binds(&dp->steer, dp->binds, nb);
	if (!ret)
		ret = steer_set_local(&dp->steer, dp->local, st->nlocal);
	if (ret) {
		dp_err(dp, "cannot update the steering maps: %s",
		       strerror(-ret));
		return ret;
	}

	/* the host's sockets keep off every TCP/UDP port the NAT may own */
	room = sizeof(dp->reserved_orig) + 65536 * 2;
	res = malloc(room);
	if (!res)
		return -ENOMEM;
	w = res;
	w += snprintf(w, room, "%s", dp->reserved_orig);
	for (j = 1; j < 65536; j++) {
		uint32_t k = dp->ports[j] | dp->ports[65536 + j], e = j;

		if (!k)
			continue;
		while (e + 1 < 65536 &&
		       (dp->ports[e + 1] | dp->ports[65536 + e + 1]))
			e++;
		if ((size_t)(w - res) + 16 >= room)
			break;
		w += snprintf(w, room - (size_t)(w - res), "%s%u", w == res ?
								 "" : ",", j);
		if (e > j)
			w += snprintf(w, room - (size_t)(w - res), "-%u", e);
		j = e;
	}
	sysctl_write("net/ipv4/ip_local_reserved_ports", res[0] ? res : "\n");
	free(res);
	return 0;
}

/* a deleted network's bridge forwards nothing any more, before its rule
 * and table go (a user's bridge keeps its endpoints) */
static void net_close_forwarding(const struct dp_net *o)
{
	char key[96];

	snprintf(key, sizeof(key), "net/ipv4/conf/%s/forwarding", o->bridge);
	sysctl_write(key, "0");
}

/**
 * dp_sync() - make the kernel match the desired state
 * @dp:		datapath
 * @st:		everything that must be set up
 *
 * What is missing is added before what is stale is removed, so that no
 * endpoint packet finds an open path in between.
 *
 * Return: 0, -errno with dp_error() set (what could be set up stays; call
 * again with the previous state to go back)
 */
int dp_sync(struct dp *dp, const struct dp_state *st)
{
	unsigned i;
	int ret, first = 0;

	if (st->nnet > DP_MAX_NETS || st->next > DP_MAX_EXT ||
	    st->nstat > DP_MAX_STATIC || st->nbind > DP_MAX_BINDS) {
		dp_err(dp, "datapath state too large");
		return -EINVAL;
	}
	/* 1. fail-closed rules of every network, old and new, added; none
	 * removed yet (a restarted daemon's are still the last one's) */
	ret = rules_sync(dp, &dp->cur, false);
	if (!ret)
		ret = rules_sync(dp, st, false);
	if (ret)
		return ret;
	/* 2. networks as they must be */
	for (i = 0; i < st->nnet; i++) {
		const struct dp_net *n = &st->net[i];

		ret = net_up(dp, n);
		if (ret && !first)
			first = ret;
	}
	/* 3. maps, then uplinks: a program attached to an uplink knows the
	 * external addresses from its first packet (a restarted daemon's
	 * flows would otherwise reach the host's stack and be reset) */
	ret = maps_sync(dp, st);
	if (!ret)
		ret = uplinks_sync(dp, st);
	if (ret && !first)
		first = ret;
	/* 4. what the old state had and the new one does not */
	for (i = 0; i < dp->cur.nnet; i++) {
		const struct dp_net *c = &dp->cur.net[i];
		const struct dp_net *n = net_by_id(st, c->id);

		if (!n)
			net_close_forwarding(c);
		if (!n || memcmp(c, n, sizeof(*c)))
			net_remove(dp, c, n);
	}
	dp->cur = *st;
	dp->cur.bind = NULL;
	ports_sync(dp);
	ret = rules_sync(dp, st, true);
	if (ret && !first)
		first = ret;
	if (!dp->synced) {
		/* attachments of an earlier daemon that this one does not
		 * use: the interfaces are no uplinks or bridges any more */
		steer_cleanup_leftovers(&dp->steer);
		dp->synced = true;
	}
	return first;
}

/**
 * dp_release() - no hostnatd will run: take away what a clean stop left
 * for the next one (the programs on every interface, the persistent TUN
 * devices, the reserved ports); the fail-closed rules, tables and bridges
 * stay, as after any stop (only "network del" takes them)
 * @devprefix:	device name prefix ("hn")
 *
 * Return: 0, -errno (netlink)
 */
int dp_release(const char *devprefix)
{
	static const char *const suffix[DP_NDEV] = { "out", "in" };
	char name[DP_IFNAMSIZ], val[4096] = "";
	struct nl nl;
	unsigned d, idx;
	int ret;

	steer_cleanup_leftovers(NULL);
	ret = nl_open(&nl);
	if (ret)
		return ret;
	for (d = 0; d < DP_NDEV; d++) {
		snprintf(name, sizeof(name), "%s-%s", devprefix, suffix[d]);
		idx = if_nametoindex(name);
		if (idx)
			nl_link_del(&nl, idx);
	}
	nl_close(&nl);
	/* the reservation from before hostnat, if a daemon kept one */
	if (orig_read("reserved_ports", val, sizeof(val)))
		orig_put("net/ipv4/ip_local_reserved_ports", "reserved_ports",
			 val);
	return 0;
}

/**
 * dp_fast_grace() - how long the fast path outlives a daemon that stopped
 * beating (stopped, killed, hung): the restart window it bridges
 * @dp:		datapath
 * @s:		seconds (0: it stops with the daemon's last beat)
 */
void dp_fast_grace(struct dp *dp, unsigned s)
{
	dp->grace_s = s;
}

/**
 * dp_close() - stop: the fail-closed rules, tables and the bridges stay
 * (only a network's removal takes them)
 * @dp:		datapath, may be NULL
 * @keep:	a clean stop: the programs stay attached and the TUN devices
 *		stay (persistent, without a reader they drop what they are
 *		given), so that settled flows go on for the grace period
 *		(dp_fast_grace()) while the next daemon starts, and every
 *		packet for the NAT's ports is dropped, never answered by the
 *		host's stack; false (a start that failed, no network): the
 *		programs are detached with the heartbeat stopped and the TUN
 *		devices go
 */
void dp_close(struct dp *dp, bool keep)
{
	int d;

	if (!dp)
		return;
	if (dp->steer_ok) {
		if (!keep)
			steer_fast_alive(&dp->steer, 0); /* nothing carried */
		steer_close(&dp->steer, keep);
	}
	/* a clean stop keeps the reservation: the host picks no port of a
	 * flow the next daemon takes back (the value from before stays in
	 * the runtime directory for it) */
	if (dp->orig_saved && !(keep && dp->steer_ok))
		orig_put("net/ipv4/ip_local_reserved_ports", "reserved_ports",
			 dp->reserved_orig);
	for (d = 0; d < DP_NDEV; d++) {
		if (dp->fd[d] >= 0) {
			/* kept: the fast path's route lookups start from it */
			if (keep && dp->steer_ok)
				tun_persist(dp->fd[d], true);
			close(dp->fd[d]);
		}
		free(dp->slots[d]);
	}
	nl_close(&dp->nl);
	nl_close(&dp->diag);
	free(dp->ports);
	free(dp->binds);
	free(dp->events);
	free(dp->fevents);
	free(dp);
}

static const char *const dp_drop_names[DP_DROP_N] = {
	[DP_DROP_SPOOFED] = "spoofed_source",
	[DP_DROP_ISOLATED] = "isolated",
	[DP_DROP_UNSOLICITED] = "to_internal",
	[DP_DROP_ADDRS] = "endpoint_addresses",
};

_Static_assert(DP_DROP_N == STEER_DROP_N, "one counter per drop reason");
/* every external address pushed has its slot in own_map (steer.h) */
_Static_assert(STEER_MAX_EXT >= DP_MAX_EXT, "an own_map slot per address");

/**
 * dp_drop_name() - the name of a datapath drop reason
 * @reason:	enum dp_drop
 *
 * Return: name, "?" if out of range
 */
const char *dp_drop_name(unsigned reason)
{
	return reason < DP_DROP_N ? dp_drop_names[reason] : "?";
}

/**
 * dp_counters() - packets the kernel programs dropped, by reason
 * @dp:		datapath
 * @drops:	filled in, per enum dp_drop
 */
void dp_counters(struct dp *dp, uint64_t drops[DP_DROP_N])
{
	steer_drops(&dp->steer, drops);
}

/**
 * struct own_list - what the engine owns, collected for a resync
 */
struct own_list {
	uint8_t *proto;
	uint32_t *addr;
	uint16_t *port;
	unsigned n, room;
};

static int own_walk(uint8_t proto, uint32_t addr, uint16_t port, void *ctx)
{
	struct own_list *l = ctx;

	if (l->n == l->room) {
		unsigned room = l->room ? 2 * l->room : 4096;
		uint8_t *p = realloc(l->proto, room);
		uint32_t *a = p ? realloc(l->addr, room * sizeof(*a)) : NULL;
		uint16_t *o = a ? realloc(l->port, room * sizeof(*o)) : NULL;

		if (p)
			l->proto = p;
		if (a)
			l->addr = a;
		if (!o)
			return -ENOMEM;
		l->port = o;
		l->room = room;
	}
	l->proto[l->n] = proto;
	l->addr[l->n] = addr;
	l->port[l->n++] = port;
	return 0;
}

/**
 * dp_ports_sync() - mirror what the engine took and released since the
 * last call into the programs' own_map; call after nat_process(),
 * nat_poll() and configuration changes, before writing packets back, so
 * that an answer never arrives before its mapping is steered
 * @dp:		datapath
 * @nat:	engine
 */
void dp_ports_sync(struct dp *dp, struct nat *nat)
{
	bool resync = false;
	unsigned n, i;

	if (!dp->own_checked) {
		struct nat_limits lim;

		/* the engine owns ports on at most max_ext addresses at once;
		 * own_map has a slot for each (and as many for those going) */
		nat_limits_get(nat, &lim);
		if (lim.max_ext > STEER_MAX_EXT)
			fprintf(stderr, "hostnatd: the engine's %u external "
					"addresses are more than the %u the "
					"programs steer; ports of the others "
					"are not steered\n", lim.max_ext,
				STEER_MAX_EXT);
		dp->own_checked = true;
	}
	do {
		n = nat_port_events(nat, dp->events, DP_EVENTS, &resync);
		if (resync) {
			struct own_list l = { 0 };

			/* the log overflowed: own_map becomes what the engine
			 * owns, added before stale keys go */
			if (!nat_port_walk(nat, own_walk, &l))
				dp->own_errors += steer_own_replace(
					&dp->steer, l.proto, l.addr, l.port,
					l.n);
			free(l.proto);
			free(l.addr);
			free(l.port);
			return;
		}
		for (i = 0; i < n; i++)
			if (steer_own(&dp->steer, dp->events[i].proto,
				      dp->events[i].addr, dp->events[i].port,
				      dp->events[i].owned) &&
			    dp->events[i].owned)
				dp->own_errors++;
	} while (n == DP_EVENTS);
}

static int fast_put(struct dp *dp, const struct nat_fast_event *e)
{
	struct steer_fast f = {
		.proto = e->proto == NAT_TCP ? IPPROTO_TCP : IPPROTO_UDP,
		.idx = e->idx,
		.int_addr = e->int_addr, .ext_addr = e->ext_addr,
		.rem_addr = e->rem_addr, .int_port = e->int_port,
		.ext_port = e->ext_port, .rem_port = e->rem_port,
		.hairpin = e->flags & NAT_FAST_HAIRPIN,
	};

	if (steer_fast_put(&dp->steer, &f, e->op == NAT_FAST_ADD) &&
	    e->op == NAT_FAST_ADD)
		dp->fast_errors++;	/* it stays on the slow path */
	return 0;
}

static int fast_walk_put(const struct nat_fast_event *e, void *ctx)
{
	return fast_put(ctx, e);
}

/**
 * dp_fast_attach() - turn the fast path on: the engine reads the times the
 * programs write, and the heartbeat starts
 * @dp:		datapath
 * @nat:	engine (before its first packet)
 * @now_ms:	CLOCK_MONOTONIC in ms
 */
void dp_fast_attach(struct dp *dp, struct nat *nat, uint64_t now_ms)
{
	if (!dp->steer.seen)
		return;
	nat_fast_attach(nat, (volatile uint32_t *)(dp->steer.seen + 1),
			dp->steer.max_flows, now_ms);
	/* the TCP states the programs move (FIN, RST), read back */
	nat_fast_attach_state(nat, dp->steer.state + 1);
	dp->fast = true;
	steer_fast_alive(&dp->steer, (uint32_t)(now_ms / 1000) +
					     dp->grace_s);
}

/**
 * dp_fast_sync() - the engine's fast-path log into the programs' map:
 * after a batch is written back (its packets first, then the sessions'
 * later packets), and after configuration changes and expiry
 * @dp:		datapath
 * @nat:	engine
 */
void dp_fast_sync(struct dp *dp, struct nat *nat)
{
	bool resync = false;
	unsigned n, i;

	if (!dp->fast)
		return;
	do {
		n = nat_fast_events(nat, dp->fevents, DP_EVENTS, &resync);
		if (resync) {
			/* the log overflowed: the map becomes the engine's
			 * list (a moment on the slow path for each session) */
			steer_fast_clear(&dp->steer);
			nat_fast_walk(nat, fast_walk_put, dp);
			return;
		}
		for (i = 0; i < n; i++)
			fast_put(dp, &dp->fevents[i]);
	} while (n == DP_EVENTS);
}

/**
 * dp_fast_alive() - the heartbeat, once a second: the fast path carries
 * packets for DP_FAST_GRACE_S more seconds; a daemon that stops beating
 * (killed, hung) leaves every packet to the slow path after that, which
 * goes nowhere without it
 * @dp:		datapath
 * @now_ms:	CLOCK_MONOTONIC in ms
 */
void dp_fast_alive(struct dp *dp, uint64_t now_ms)
{
	/* with the fast path off too: the programs give the host back the
	 * NAT's ports a while after the beats stop (steer.bpf.c) */
	if (dp->steer_ok)
		steer_fast_alive(&dp->steer, (uint32_t)(now_ms / 1000) +
						     dp->grace_s);
}

/**
 * dp_routes_changed() - the host's addresses, routes, links, policy rules
 * or nexthops changed (a notification of dp_watch_open()): the fast path
 * looks its next hops up again at once, not at the end of the tick it
 * keeps them for
 * @dp:		datapath
 */
void dp_routes_changed(struct dp *dp)
{
	if (dp->steer_ok)
		steer_route_changed(&dp->steer);
}

/**
 * dp_links_changed() - a link came, went or changed (a notification of
 * dp_watch_open()): a port enslaved to a bridge (a container or VM
 * attached) has its program at once, not at the next dp_tick()
 * @dp:		datapath
 */
void dp_links_changed(struct dp *dp)
{
	ports_sync(dp);
}

/**
 * dp_fast_counters() - the fast path's packets and bytes
 * @dp:		datapath
 * @out:	out packets, out bytes, in packets, in bytes, hairpin packets,
 *		hairpin bytes
 */
void dp_fast_counters(const struct dp *dp, uint64_t out[DP_FAST_N])
{
	_Static_assert(DP_FAST_N == STEER_FAST_STAT_N, "fast_stats' size");
	if (dp->fast)
		steer_fast_stats(&dp->steer, out);
	else
		memset(out, 0, DP_FAST_N * sizeof(out[0]));
}

/**
 * dp_fd() - file descriptor of a device, for the event loop
 * @dp:		datapath
 * @dev:	DP_OUT or DP_IN
 *
 * Return: fd
 */
int dp_fd(const struct dp *dp, enum dp_dev dev)
{
	return dp->fd[dev];
}

/**
 * dp_rx() - read packets waiting on a device
 * @dp:		datapath
 * @dev:	DP_OUT or DP_IN
 * @pkts:	filled in (data points into the device's slots, valid until
 *		the next dp_rx() on the device)
 * @max:	room in @pkts
 *
 * Return: packets read
 */
unsigned dp_rx(struct dp *dp, enum dp_dev dev, struct nat_pkt *pkts,
	       unsigned max)
{
	unsigned n = 0;

	while (n < max && n < DP_SLOTS) {
		uint8_t *slot = dp->slots[dev] + (size_t)n * DP_SLOT_SIZE;
		const struct virtio_net_hdr *h = (const void *)slot;
		int len = tun_read(dp->fd[dev], slot, DP_SLOT_SIZE - 640);

		if (len <= 0)
			break;
		if (len < TUN_VNET_HLEN + IP_HLEN_MIN)
			continue;
		pkts[n] = (struct nat_pkt){
			.data = slot + TUN_VNET_HLEN,
			.len = (uint32_t)len - TUN_VNET_HLEN,
			.cap = DP_SLOT_SIZE - TUN_VNET_HLEN,
			.dir = dev == DP_OUT ? NAT_DIR_OUT : NAT_DIR_IN,
			.csum_partial =
				!!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM),
		};
		n++;
	}
	return n;
}

/**
 * dp_tx() - write translated packets back (the TUN program sends them on)
 * @dp:		datapath
 * @dev:	device to write to
 * @pkts:	packets; those with a verdict other than NAT_FORWARD,
 *		NAT_REPLY or NAT_LOCAL are skipped
 * @n:		number of packets
 */
void dp_tx(struct dp *dp, enum dp_dev dev, struct nat_pkt *pkts, unsigned n)
{
	static const uint8_t zero[TUN_VNET_HLEN];
	const uint8_t *lo = dp->slots[dev];
	const uint8_t *hi = lo + (size_t)DP_SLOTS * DP_SLOT_SIZE;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct nat_pkt *p = &pkts[i];
		const uint8_t *vnet = zero;
		bool ours = p->data >= lo + TUN_VNET_HLEN && p->data < hi;

		if (p->verdict != NAT_FORWARD && p->verdict != NAT_REPLY &&
		    p->verdict != NAT_LOCAL)
			continue;
		if (ours && p->verdict != NAT_REPLY)
			vnet = p->data - TUN_VNET_HLEN;
		tun_write(dp->fd[dev], vnet, p->data, p->len);
	}
}

struct host_ctx {
	struct dp *dp;
	struct dp_addr *out;
	unsigned max, n;
	bool route;
};

/* nl_dump() into @ctx, asked again while what it lists changes under it
 * (-EINTR), DP_DUMP_TRIES times in all, @ctx set back to @start (@size
 * bytes) before each */
static int dump_whole(struct dp *dp, int type, nl_dump_fn fn, void *ctx,
		      const void *start, size_t size)
{
	int ret = -EINTR, tries;

	for (tries = 0; tries < DP_DUMP_TRIES && ret == -EINTR; tries++) {
		memcpy(ctx, start, size);
		ret = nl_dump(&dp->nl, type, fn, ctx);
	}
	return ret;
}

static int host_cb(const struct nl_obj *o, void *ctx)
{
	struct host_ctx *h = ctx;
	struct dp_addr *a;
	char name[IF_NAMESIZE] = "";

	if (h->route && (o->type != RTN_UNICAST || !o->plen ||
			 o->table != RT_TABLE_MAIN))
		return 0;
	if (o->ifindex == h->dp->ifindex[DP_OUT] ||
	    o->ifindex == h->dp->ifindex[DP_IN])
		return 0;
	if (h->n >= h->max) {
		h->n++;	/* counted: the caller sees it needs more room */
		return 0;
	}
	if (o->ifindex)
		if_indextoname(o->ifindex, name);
	a = &h->out[h->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->ifname, sizeof(a->ifname), "%s", name);
	a->addr = o->addr;
	a->plen = o->plen;
	a->route = h->route;
	return 0;
}

/**
 * dp_host_addrs() - the host's IPv4 addresses and main-table routes (not
 * those through hostnat's own devices, not the default route)
 * @dp:		datapath
 * @out:	filled in
 * @max:	room in @out
 *
 * Return: how many there are (only @max are filled in: call again with
 * more room when it is larger), or -errno
 */
int dp_host_addrs(struct dp *dp, struct dp_addr *out, unsigned max)
{
	struct host_ctx h = { dp, out, max, 0, false }, start = h;
	int ret = dump_whole(dp, RTM_GETADDR, host_cb, &h, &start, sizeof(h));

	if (ret)
		return ret;
	h.route = true;
	start = h;
	ret = dump_whole(dp, RTM_GETROUTE, host_cb, &h, &start, sizeof(h));
	return ret ? ret : (int)h.n;
}

struct defroute {
	unsigned ifindex;
	uint32_t metric;
	uint32_t prefsrc;
	bool found;
};

static int defroute_cb(const struct nl_obj *o, void *ctx)
{
	struct defroute *d = ctx;

	if (o->plen || o->table != RT_TABLE_MAIN || o->type != RTN_UNICAST ||
	    !o->ifindex)
		return 0;
	if (!d->found || o->metric < d->metric) {
		d->found = true;
		d->ifindex = o->ifindex;
		d->metric = o->metric;
		d->prefsrc = o->prefsrc;
	}
	return 0;
}

/**
 * dp_default_uplink() - the interface of the default route and its address
 * @dp:		datapath
 * @ifname:	interface name
 * @addr:	its (preferred source) IPv4 address
 *
 * Return: 0, -ENOENT (no default route or no address), -errno
 */
int dp_default_uplink(struct dp *dp, char ifname[DP_IFNAMSIZ], uint32_t *addr)
{
	struct defroute d = { 0 }, start = { 0 };
	int ret = dump_whole(dp, RTM_GETROUTE, defroute_cb, &d, &start,
			     sizeof(d));

	if (ret)
		return ret;
	if (!d.found || !if_indextoname(d.ifindex, ifname))
		return -ENOENT;
	if (d.prefsrc) {
		*addr = d.prefsrc;
		return 0;
	}
	return dp_if_addr(dp, ifname, addr);
}

struct ifaddr_ctx {
	unsigned ifindex;
	uint32_t addr;
	bool found;
	bool by_addr;
};

static int ifaddr_cb(const struct nl_obj *o, void *ctx)
{
	struct ifaddr_ctx *c = ctx;

	if (c->found)
		return 0;
	if (c->by_addr ? o->addr == c->addr : o->ifindex == c->ifindex) {
		c->found = true;
		c->addr = o->addr;
		c->ifindex = o->ifindex;
	}
	return 0;
}

/**
 * dp_if_addr() - the first IPv4 address of an interface
 * @dp:		datapath
 * @ifname:	interface
 * @addr:	its address
 *
 * Return: 0, -ENODEV, -ENOENT (no IPv4 address)
 */
int dp_if_addr(struct dp *dp, const char *ifname, uint32_t *addr)
{
	struct ifaddr_ctx c = { if_nametoindex(ifname), 0, false, false },
			  start = c;
	int ret;

	if (!c.ifindex)
		return -ENODEV;
	ret = dump_whole(dp, RTM_GETADDR, ifaddr_cb, &c, &start, sizeof(c));
	if (ret)
		return ret;
	if (!c.found)
		return -ENOENT;
	*addr = c.addr;
	return 0;
}

/**
 * dp_addr_if() - the interface that holds an address
 * @dp:		datapath
 * @addr:	address
 * @ifname:	interface name
 *
 * Return: 0, -ENOENT (not an address of this host)
 */
int dp_addr_if(struct dp *dp, uint32_t addr, char ifname[DP_IFNAMSIZ])
{
	struct ifaddr_ctx c = { 0, addr, false, true }, start = c;
	int ret = dump_whole(dp, RTM_GETADDR, ifaddr_cb, &c, &start,
			     sizeof(c));

	if (ret)
		return ret;
	if (!c.found || !if_indextoname(c.ifindex, ifname))
		return -ENOENT;
	return 0;
}

/* a socket of one /proc/net table on @port, reachable at @addr (0: any) */
static int port_in_table(const char *path, bool v6, uint8_t proto,
			 uint32_t addr, uint16_t port)
{
	char line[256], a6[33];
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return errno == ENOENT && v6 ? 0 : -errno; /* no IPv6: fine */
	while (fgets(line, sizeof(line), f)) {
		unsigned a, p, st;

		/* "  0: 0100007F:1F90 00000000:0000 0A ..."; tcp6/udp6: 32
		 * hex digits, a v4-mapped address ends in ffff + the quad */
		if (v6) {
			if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%4x %*32[0-9A-Fa-f]:%*4x %2x",
				   a6, &p, &st) != 3 || strlen(a6) != 32)
				continue;
			if (!strncmp(a6, "0000000000000000FFFF0000", 24) ||
			    !strncmp(a6, "0000000000000000ffff0000", 24))
				sscanf(a6 + 24, "%8x", &a);
			else if (!strcmp(a6, "00000000000000000000000000000000"))
				a = 0;
			else
				continue; /* an IPv6 address: not ours */
		} else if (sscanf(line, " %*u: %8x:%4x %*8x:%*4x %2x", &a, &p,
				  &st) != 3) {
			continue;
		}
		if (p != port || (proto == NAT_TCP && st != 0x0a))
			continue;
		/* the host reaches every mapping on each address of its
		 * own, 127.0.0.1 included: a socket on any of them is in the
		 * way (@addr: which one the mapping names, kept for the
		 * message's sake) */
		(void)addr;
		ret = 1;
		break;
	}
	fclose(f);
	return ret;
}

/* the /proc tables of the host's sockets where sock_diag has none:
 * [TCP?][IPv6?] */
static const char *const proc_net[2][2] = {
	{ "/proc/net/udp", "/proc/net/udp6" },
	{ "/proc/net/tcp", "/proc/net/tcp6" },
};

/* a socket sockdiag_ports() found on the port: in the way if IPv4 packets
 * reach its address (every listener or bound socket of the IPv4 table; in
 * the IPv6 one, those on [::] and the v4-mapped addresses) */
static void in_use_cb(uint16_t port, bool v4, void *ctx)
{
	(void)port;
	if (v4)
		*(bool *)ctx = true;
}

/**
 * dp_port_in_use() - whether a socket of the host listens on (TCP) or is
 * bound to (UDP) a port that a mapping would publish: on any IPv4 address
 * (the host reaches a mapping through each of its own, 127.0.0.1 included)
 * @dp:		datapath
 * @proto:	NAT_TCP or NAT_UDP
 * @addr:	the external address, or 0 for any of them
 * @port:	port
 *
 * A mapping on such a port would take the traffic away from that socket
 * without a word; the control layer refuses it instead.
 *
 * Return: 1 if in use, 0 if not, -errno if it cannot tell
 */
int dp_port_in_use(struct dp *dp, uint8_t proto, uint32_t addr, uint16_t port)
{
	bool tcp = proto == NAT_TCP;
	int fam, ret = 0;

	/* dual-stack listeners ([::]) live in the v6 table */
	for (fam = 0; fam < 2 && !ret; fam++) {
		bool found = false;

		if (!sockdiag_ports(&dp->diag, fam ? AF_INET6 : AF_INET,
				    tcp ? IPPROTO_TCP : IPPROTO_UDP,
				    tcp ? 1u << TCP_LISTEN : ~0u, port, port,
				    in_use_cb, &found))
			ret = found;
		else
			ret = port_in_table(proc_net[tcp][fam], fam, proto,
					    addr, port);
	}
	return ret;
}

/**
 * dp_watch_open() - a netlink socket that becomes readable when an IPv4
 * address or route of the host changes (for overlap checks), or a link, a
 * policy rule or a nexthop object does (for the fast path's kept next
 * hops)
 * @dp:		datapath
 *
 * Return: non-blocking file descriptor (the caller closes it), or -errno
 */
int dp_watch_open(struct dp *dp)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
			     RTMGRP_LINK | RTMGRP_IPV4_RULE,
	};
	int nh = RTNLGRP_NEXTHOP;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_ROUTE);

	(void)dp;
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	/* past the 32 groups of nl_groups; a kernel without nexthop
	 * objects has none to tell */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &nh,
			 sizeof(nh));
	return fd;
}

/**
 * dp_watch_drain() - read every pending notification of dp_watch_open()
 * @fd:		its socket
 * @any:	set to the number of datagrams read, of any kind (links, rules
 *		and nexthop objects too)
 * @links:	set to the number of link notifications read
 *
 * Return: address and route notifications read (0: none changed); an
 * overflow of the socket, or a datagram that does not parse, counts as
 * one of each: the caller re-reads the host's state anyway
 */
unsigned dp_watch_drain(int fd, unsigned *any, unsigned *links)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	unsigned n = 0, all = 0, nlinks = 0;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) != 0 && all < 4096) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int len = (int)r;

		if (r < 0) {
			if (errno == ENOBUFS) {
				n++;
				nlinks++;
				all++;
				continue;
			}
			break;
		}
		all++;	/* a datagram, whatever it holds */
		if (!NLMSG_OK(h, len)) {
			n++;
			nlinks++;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			switch (h->nlmsg_type) {
			case RTM_NEWADDR:
			case RTM_DELADDR:
			case RTM_NEWROUTE:
			case RTM_DELROUTE:
				n++;
				break;
			case RTM_NEWLINK:
			case RTM_DELLINK:
				nlinks++;
				break;
			}
		}
	}
	*any = all;
	*links = nlinks;
	return n;
}

/* for a look at the host's sockets the kernel walks every socket of the
 * host, in every namespace, to find ours (2 to 12 ms for 35000 TIME_WAITs
 * of another namespace, on a test machine), so a host with many is looked
 * at less often: a full look waits a tick for each DP_HOLD_BUDGET_US of
 * CPU it cost, at most DP_HOLD_WAIT_MAX ticks; TCP listeners (a walk of
 * the listening sockets alone) are looked for at every tick */

struct hold_ctx {
	struct dp *dp;
	struct nat *nat;
	uint8_t proto;
	uint64_t *seen;	/* NULL, or the ports found, kept for later ticks */
};

/* a local port of the host's: held if within one of the NAT's ranges */
static void hold_port(const struct hold_ctx *h, unsigned port)
{
	unsigned i;

	if (h->seen)
		h->seen[port / 64] |= 1ull << (port % 64);
	for (i = 0; i < h->dp->cur.next; i++) {
		const struct dp_ext *e = &h->dp->cur.ext[i];

		if (port >= e->lo[h->proto] && port <= e->hi[h->proto] &&
		    e->lo[h->proto]) {
			nat_port_hold(h->nat, h->proto, 0, (uint16_t)port,
				      true);
			return;
		}
	}
}

/* every local port of one /proc/net table within the NAT's ranges (where
 * the kernel has no sock_diag for it) */
static void hold_table(const struct hold_ctx *h, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned port;

		/* "  0: 0100007F:1F90 ..." (tcp6: 32 hex digits) */
		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%4x", &port) == 1 &&
		    port < 65536)
			hold_port(h, port);
	}
	fclose(f);
}

static void hold_cb(uint16_t port, bool v4, void *ctx)
{
	(void)v4;	/* a port is a port, whatever the address */
	hold_port(ctx, port);
}

/* the host's TCP or UDP sockets of @states with a local port in
 * @lo..@hi: one sock_diag dump per family, which the kernel filters to the
 * span; a family it has no diag for is read from /proc (every state) with
 * @fallback */
static void hold_dump(const struct hold_ctx *h, uint32_t states,
		      uint16_t lo, uint16_t hi, bool fallback)
{
	int fam;

	for (fam = 0; fam < 2; fam++)
		if (sockdiag_ports(&h->dp->diag, fam ? AF_INET6 : AF_INET,
				   h->proto == NAT_TCP ? IPPROTO_TCP :
							 IPPROTO_UDP,
				   states, lo, hi, hold_cb, (void *)h) &&
		    fallback)
			hold_table(h, proc_net[h->proto == NAT_TCP][fam]);
}

/* every local port of the host's TCP or UDP sockets, IPv4 and IPv6, within
 * the NAT's ranges. A full look (every state) when its wait is over, kept
 * in hold_seen[] and held again at the ticks between (a change of the
 * ranges' span looks again at once); TCP listeners at every tick. */
static void hold_proto(struct dp *dp, struct nat *nat, uint8_t proto)
{
	unsigned p = proto == NAT_TCP ? 0 : 1, lo = 65536, hi = 0, i;
	struct hold_ctx h = { dp, nat, proto, NULL };
	struct timespec t0, t1;
	uint64_t us;

	for (i = 0; i < dp->cur.next; i++) {
		const struct dp_ext *e = &dp->cur.ext[i];

		if (!e->lo[proto])
			continue;
		lo = e->lo[proto] < lo ? e->lo[proto] : lo;
		hi = e->hi[proto] > hi ? e->hi[proto] : hi;
	}
	if (lo > hi)
		return;
	if (dp->hold_wait[p] && dp->hold_span[p] == (lo << 16 | hi)) {
		dp->hold_wait[p]--;
		for (i = lo; i <= hi; i++)
			if (dp->hold_seen[p][i / 64] >> (i % 64) & 1)
				hold_port(&h, i);
		/* not from /proc, which lists every socket: the full look
		 * there is the one that waits */
		if (proto == NAT_TCP)
			hold_dump(&h, 1u << TCP_LISTEN, (uint16_t)lo,
				  (uint16_t)hi, false);
		return;
	}
	memset(dp->hold_seen[p], 0, sizeof(dp->hold_seen[p]));
	dp->hold_span[p] = lo << 16 | hi;
	h.seen = dp->hold_seen[p];
	/* the CPU it costs, not the time it took: a busy host's scheduler
	 * does not make it wait longer */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	hold_dump(&h, ~0u, (uint16_t)lo, (uint16_t)hi, true);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	us = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000u +
	     (uint64_t)(t1.tv_nsec - t0.tv_nsec) / 1000;
	dp->hold_wait[p] = us / dp->hold_budget_us > DP_HOLD_WAIT_MAX ?
				   DP_HOLD_WAIT_MAX :
				   (unsigned)(us / dp->hold_budget_us);
	if (dp->hold_wait[p] && !dp->hold_slow_told[p]) {
		fprintf(stderr, "hostnatd: info: a look at the host's %s "
				"sockets took %llu ms (the kernel walks those "
				"of every namespace): the ports they hold are "
				"looked at every %u s%s\n",
			p ? "UDP" : "TCP", (unsigned long long)(us / 1000),
			dp->hold_wait[p] + 1,
			p ? "" : ", listeners every second");
		dp->hold_slow_told[p] = true;
	}
}

/**
 * dp_tick() - once a second: put the program on bridge ports that came
 * (a container or VM attached), and tell the engine which ports of its
 * dynamic ranges the host's own sockets hold (bound explicitly: the
 * automatic choice keeps off the reserved ranges), so that it picks others
 * @dp:		datapath
 * @nat:	engine
 */
void dp_tick(struct dp *dp, struct nat *nat)
{
	ports_sync(dp);
	nat_port_hold_clear(nat);
	if (!dp->cur.next)
		return;
	hold_proto(dp, nat, NAT_TCP);
	hold_proto(dp, nat, NAT_UDP);
	/* ping sockets: inet_diag has none (and hosts have few) */
	{
		struct hold_ctx h = { dp, nat, NAT_ICMP, NULL };

		hold_table(&h, "/proc/net/icmp");
	}
}
