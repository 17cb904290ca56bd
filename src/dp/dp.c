/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dp.c: the datapath: devices, kernel steering, packet I/O
 *
 * Theory of operation
 * -------------------
 * See dp.h for the shape. This file keeps the kernel in the state the
 * control layer asks for:
 *
 * Per network (id N): the bridge (created if hostnat owns it) is up and
 * holds the gateway address, and its other prefixes are routed to it; a
 * rule "iif BRIDGE lookup table DP_TABLE_BASE+N" at priority
 * DP_RULE_PRIO_BASE+N sends everything routed from the bridge, whatever its
 * source, to the NAT (which drops spoofed sources); that table
 * holds "default dev <out>" and, behind it, "blackhole default metric
 * 4294967295", so endpoint traffic is dropped, never routed untranslated,
 * when the daemon (and with it the TUN device) is gone. The host's stand-in
 * address is routed to <out> and answered for by proxy ARP on the bridge.
 * The steering classifier runs on the bridge (hairpin).
 *
 * Per external address: the classifier runs on its uplink; its dynamic
 * port ranges and static ports are in the classifier's port map and in
 * net.ipv4.ip_local_reserved_ports, so the host's own sockets do not take
 * them. lo gets the classifier too, for the host's own connections to its
 * mapped ports.
 *
 * Global: net.ipv4.ip_forward=1; on the TUN devices
 * accept_local=1 (translated packets carry the host's address),
 * rp_filter=0, IPv6 off. The values ip_forward and ip_local_reserved_ports
 * had before hostnat are kept in /run/hostnat (per network namespace) until
 * a clean close restores them, so that a crash does not make hostnat's own
 * values look like the host's.
 *
 * dp_sync() compares the desired state with the applied one: a network
 * that changed in any way is taken down and set up again; uplinks, maps and
 * reserved ports are recomputed. dp_open() removes leftovers of a crashed
 * daemon first (rules in our priority range, our routing tables, the
 * classifier on every interface); dp_close() removes all it made.
 *
 * Packet I/O: DP_SLOTS buffers per device; dp_rx() reads until the device
 * is empty or the slots are used; each slot keeps its virtio-net header in
 * front of the packet for dp_tx(), which writes it back unchanged (GSO and
 * checksum offload pass through), or a zero header for packets the engine
 * built. Forwarded packets from endpoints have their TTL raised by one: the
 * kernel decremented it on the way into the device and does so again on the
 * way out, and the host is one hop, not two.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csum.h"
#include "dp.h"
#include "nl.h"
#include "pkt.h"
#include "steer.h"
#include "sysctl.h"
#include "tun.h"

#define DP_RULE_PRIO_BASE 7700	/* ip rule priorities, one per network */
#define DP_TABLE_BASE 77000	/* routing tables, one per network */
#define DP_SLOTS 64		/* packets per read burst and device */
#define DP_SLOT_SIZE (TUN_VNET_HLEN + 65536 + 640)
#define DP_BLACKHOLE_METRIC 4294967295u
#define DP_RUN_DIR "/run/hostnat"	/* settings as they were before us */

/**
 * struct dp_applied - what dp_sync() did for a network
 */
struct dp_applied {
	unsigned bridge_ifindex;
	bool bridge_created;
	bool gw_added;
};

struct dp {
	int fd[DP_NDEV];
	unsigned ifindex[DP_NDEV];
	char name[DP_NDEV][DP_IFNAMSIZ];
	uint8_t *slots[DP_NDEV];
	struct nl nl;
	struct steer steer;
	bool steer_ok;
	struct dp_state cur;
	struct dp_applied applied[DP_MAX_NETS];
	bool lo_attached;
	char uplinks[DP_MAX_EXT][DP_IFNAMSIZ];
	unsigned nuplinks;
	uint32_t *ports;
	bool orig_saved;
	char forward_orig[16];
	char reserved_orig[4096];
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

static void fmt_addr(char *buf, size_t len, uint32_t a)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
}

static bool in_prefix(uint32_t addr, uint32_t prefix, unsigned plen)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

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

static int leftover_rule(const struct nl_obj *o, void *ctx)
{
	struct nl_obj *list = ctx;
	unsigned *n = (unsigned *)&list[256];

	if (o->metric >= DP_RULE_PRIO_BASE &&
	    o->metric < DP_RULE_PRIO_BASE + DP_MAX_NETS && *n < 256)
		list[(*n)++] = *o;
	return 0;
}

static int leftover_route(const struct nl_obj *o, void *ctx)
{
	struct nl_obj *list = ctx;
	unsigned *n = (unsigned *)&list[256];

	if (o->table >= DP_TABLE_BASE && o->table < DP_TABLE_BASE + DP_MAX_NETS &&
	    *n < 256)
		list[(*n)++] = *o;
	return 0;
}

/* remove what an earlier daemon left: rules, tables, classifiers */
static void cleanup_leftovers(struct dp *dp)
{
	struct nl_obj *list = calloc(1, sizeof(struct nl_obj) * 256 +
					    sizeof(unsigned));
	unsigned *n, i;

	steer_cleanup_leftovers();
	if (!list)
		return;
	n = (unsigned *)&list[256];
	nl_dump(&dp->nl, RTM_GETRULE, leftover_rule, list);
	for (i = 0; i < *n; i++)
		nl_rule(&dp->nl, false, list[i].metric, list[i].addr,
			list[i].plen, list[i].iif[0] ? list[i].iif : NULL,
			list[i].table);
	*n = 0;
	nl_dump(&dp->nl, RTM_GETROUTE, leftover_route, list);
	for (i = 0; i < *n; i++)
		nl_route(&dp->nl, false, list[i].table, list[i].addr,
			 list[i].plen, list[i].ifindex,
			 list[i].type == RTN_BLACKHOLE, list[i].metric);
	free(list);
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

/* the value before hostnat: from the file a crashed daemon left, or now */
static void orig_get(const char *key, const char *what, char *val, size_t len)
{
	char path[128];
	FILE *f;

	orig_path(path, sizeof(path), what);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(val, (int)len, f))
			val[0] = 0;
		fclose(f);
		val[strcspn(val, "\n")] = 0;
		return;
	}
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
 * dp_open() - clean up leftovers, create the TUN devices, load steering
 * @dpp:	the new datapath
 * @devprefix:	device name prefix ("hn": devices "hn-out", "hn-in")
 *
 * Return: 0, -errno (dp is not created; the message goes to stderr)
 */
int dp_open(struct dp **dpp, const char *devprefix)
{
	static const char *const suffix[DP_NDEV] = { "out", "in" };
	struct dp *dp = calloc(1, sizeof(*dp));
	int ret, d;

	if (!dp)
		return -ENOMEM;
	for (d = 0; d < DP_NDEV; d++)
		dp->fd[d] = -1;
	dp->ports = calloc(STEER_PORTS, sizeof(uint32_t));
	if (!dp->ports) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = nl_open(&dp->nl);
	if (ret) {
		fprintf(stderr, "hostnatd: netlink: %s\n", strerror(-ret));
		goto fail;
	}
	cleanup_leftovers(dp);
	orig_get("net/ipv4/ip_forward", "ip_forward", dp->forward_orig,
		 sizeof(dp->forward_orig));
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
		dev_sysctls(dp->name[d]);
		ret = nl_link_up(&dp->nl, dp->ifindex[d]);
		if (ret) {
			fprintf(stderr, "hostnatd: cannot set %s up: %s\n",
				dp->name[d], strerror(-ret));
			goto fail;
		}
	}
	ret = steer_open(&dp->steer, dp->ifindex[DP_OUT], dp->ifindex[DP_IN]);
	if (ret) {
		fprintf(stderr, "hostnatd: cannot load the BPF steering "
				"classifier: %s (set HOSTNAT_BPF_DEBUG=1 for "
				"the verifier's log)\n", strerror(-ret));
		goto fail;
	}
	dp->steer_ok = true;
	sysctl_write("net/ipv4/ip_forward", "1");
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
	dp_close(dp);
	return ret < 0 ? ret : -EINVAL;
}

static void net_down(struct dp *dp, const struct dp_net *n,
		     struct dp_applied *a)
{
	unsigned i;

	nl_rule(&dp->nl, false, DP_RULE_PRIO_BASE + n->id, 0, 0, n->bridge,
		DP_TABLE_BASE + n->id);
	for (i = 0; i < n->nprefix && a->bridge_ifindex; i++)
		if (!in_prefix(n->gateway, n->prefix[i], n->plen[i]))
			nl_route(&dp->nl, false, RT_TABLE_MAIN, n->prefix[i],
				 n->plen[i], a->bridge_ifindex, false, 0);
	nl_route(&dp->nl, false, DP_TABLE_BASE + n->id, 0, 0,
		 dp->ifindex[DP_OUT], false, 0);
	nl_route(&dp->nl, false, DP_TABLE_BASE + n->id, 0, 0, 0, true,
		 DP_BLACKHOLE_METRIC);
	if (n->host_addr) {
		nl_route(&dp->nl, false, RT_TABLE_MAIN, n->host_addr, 32,
			 dp->ifindex[DP_OUT], false, 0);
		if (a->bridge_ifindex)
			nl_neigh_proxy(&dp->nl, false, a->bridge_ifindex,
				       n->host_addr);
	}
	if (a->bridge_ifindex && dp->steer_ok)
		steer_detach(&dp->steer, a->bridge_ifindex);
	if (a->bridge_created && a->bridge_ifindex)
		nl_link_del(&dp->nl, a->bridge_ifindex);
	else if (a->gw_added && a->bridge_ifindex)
		nl_addr(&dp->nl, false, a->bridge_ifindex, n->gateway,
			n->gw_plen);
	memset(a, 0, sizeof(*a));
}

static int net_up(struct dp *dp, const struct dp_net *n, struct dp_applied *a)
{
	char key[96], addr[16];
	unsigned i, idx;
	int ret;

	memset(a, 0, sizeof(*a));
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
	a->bridge_ifindex = idx;
	/* ours by configuration, also when a crashed daemon created it */
	a->bridge_created = n->own_bridge;
	ret = nl_link_up(&dp->nl, idx);
	if (ret) {
		dp_err(dp, "cannot set %s up: %s", n->bridge, strerror(-ret));
		return ret;
	}
	ret = nl_addr(&dp->nl, true, idx, n->gateway, n->gw_plen);
	if (ret && ret != -EEXIST) {
		fmt_addr(addr, sizeof(addr), n->gateway);
		dp_err(dp, "cannot add gateway %s/%u to %s: %s", addr,
		       n->gw_plen, n->bridge, strerror(-ret));
		return ret;
	}
	a->gw_added = !ret;
	snprintf(key, sizeof(key), "net/ipv4/neigh/%s/proxy_delay", n->bridge);
	sysctl_write(key, "0");
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/forwarding", n->bridge);
	sysctl_write(key, "1");

	ret = nl_route(&dp->nl, true, DP_TABLE_BASE + n->id, 0, 0, 0, true,
		       DP_BLACKHOLE_METRIC);
	if (!ret || ret == -EEXIST)
		ret = nl_route(&dp->nl, true, DP_TABLE_BASE + n->id, 0, 0,
			       dp->ifindex[DP_OUT], false, 0);
	if (ret && ret != -EEXIST) {
		dp_err(dp, "cannot add routes of network %s: %s", n->name,
		       strerror(-ret));
		return ret;
	}
	/* everything routed from the bridge goes to the NAT, whatever its
	 * source: the engine translates the prefixes' and drops the rest
	 * (spoofed), nothing is forwarded untranslated */
	ret = nl_rule(&dp->nl, true, DP_RULE_PRIO_BASE + n->id, 0, 0,
		      n->bridge, DP_TABLE_BASE + n->id);
	if (ret && ret != -EEXIST) {
		dp_err(dp, "cannot add the rule for %s: %s", n->bridge,
		       strerror(-ret));
		return ret;
	}
	/* prefixes besides the gateway's are on the bridge too */
	for (i = 0; i < n->nprefix; i++) {
		if (in_prefix(n->gateway, n->prefix[i], n->plen[i]))
			continue;
		ret = nl_route(&dp->nl, true, RT_TABLE_MAIN, n->prefix[i],
			       n->plen[i], idx, false, 0);
		if (ret && ret != -EEXIST) {
			fmt_addr(addr, sizeof(addr), n->prefix[i]);
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
			fmt_addr(addr, sizeof(addr), n->host_addr);
			dp_err(dp, "cannot route host address %s: %s", addr,
			       strerror(-ret));
			return ret;
		}
	}
	ret = steer_attach(&dp->steer, idx, STEER_ROLE_BRIDGE,
			   (unsigned)if_l2len(n->bridge));
	if (ret) {
		dp_err(dp, "cannot attach steering to %s: %s", n->bridge,
		       strerror(-ret));
		return ret;
	}
	return 0;
}

static const struct dp_net *net_by_id(const struct dp_state *st, unsigned id)
{
	unsigned i;

	for (i = 0; i < st->nnet; i++)
		if (st->net[i].id == id)
			return &st->net[i];
	return NULL;
}

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
				   (unsigned)if_l2len(want[i]));
		if (ret) {
			dp_err(dp, "cannot attach steering to %s: %s", want[i],
			       strerror(-ret));
			return ret;
		}
		memcpy(dp->uplinks[dp->nuplinks++], want[i], DP_IFNAMSIZ);
	}
	for (i = 0; i < st->nnet; i++)
		host |= st->net[i].host_addr != 0;
	host &= st->next > 0;
	if (host && !dp->lo_attached) {
		ret = steer_attach(&dp->steer, if_nametoindex("lo"),
				   STEER_ROLE_LO, 14);
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

static int maps_sync(struct dp *dp, const struct dp_state *st)
{
	uint32_t addrs[DP_MAX_EXT], pfx[DP_MAX_NETS * DP_NET_PREFIXES];
	uint8_t plen[DP_MAX_NETS * DP_NET_PREFIXES];
	unsigned i, j, np = 0, p;
	char *res, *w;
	size_t room;
	int ret;

	unsigned nad = 0, bit[DP_MAX_EXT];

	/* one bit per distinct address (two networks may share one) */
	memset(dp->ports, 0, STEER_PORTS * sizeof(uint32_t));
	for (i = 0; i < st->next; i++) {
		for (j = 0; j < nad; j++)
			if (addrs[j] == st->ext[i].addr)
				break;
		if (j == nad)
			addrs[nad++] = st->ext[i].addr;
		bit[i] = j;
		for (p = 0; p < NAT_NPROTO; p++) {
			if (!st->ext[i].lo[p])
				continue;
			for (j = st->ext[i].lo[p]; j <= st->ext[i].hi[p]; j++)
				dp->ports[p * 65536 + j] |= 1u << bit[i];
		}
	}
	for (i = 0; i < st->nstat; i++) {
		const struct dp_static *s = &st->stat[i];
		uint32_t bits = 0;

		for (j = 0; j < st->next; j++)
			if (!s->addr || s->addr == st->ext[j].addr)
				bits |= 1u << bit[j];
		if (s->proto < NAT_NPROTO)
			dp->ports[s->proto * 65536u + s->port] |= bits;
	}
	for (i = 0; i < st->nnet; i++)
		for (j = 0; j < st->net[i].nprefix; j++) {
			pfx[np] = st->net[i].prefix[j];
			plen[np++] = st->net[i].plen[j];
		}
	ret = steer_set_ext(&dp->steer, addrs, nad);
	if (!ret)
		ret = steer_set_ports(&dp->steer, dp->ports);
	if (!ret)
		ret = steer_set_prefixes(&dp->steer, pfx, plen, np);
	if (ret) {
		dp_err(dp, "cannot update the steering maps: %s",
		       strerror(-ret));
		return ret;
	}

	/* the host's sockets keep off every TCP/UDP port the NAT owns */
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

/**
 * dp_sync() - make the kernel match the desired state
 * @dp:		datapath
 * @st:		everything that must be set up
 *
 * Return: 0, -errno with dp_error() set (what could be set up stays; call
 * again with the previous state to go back)
 */
int dp_sync(struct dp *dp, const struct dp_state *st)
{
	unsigned i;
	int ret, first = 0;

	if (st->nnet > DP_MAX_NETS || st->next > DP_MAX_EXT ||
	    st->nstat > DP_MAX_STATIC) {
		dp_err(dp, "datapath state too large");
		return -EINVAL;
	}
	for (i = 0; i < dp->cur.nnet; i++) {
		const struct dp_net *c = &dp->cur.net[i];
		const struct dp_net *n = net_by_id(st, c->id);

		struct dp_applied *a = &dp->applied[c->id % DP_MAX_NETS];

		if ((!n || memcmp(c, n, sizeof(*c))) && a->bridge_ifindex)
			net_down(dp, c, a);
	}
	for (i = 0; i < st->nnet; i++) {
		const struct dp_net *n = &st->net[i];
		const struct dp_net *c = net_by_id(&dp->cur, n->id);
		struct dp_applied *a = &dp->applied[n->id % DP_MAX_NETS];

		if (c && !memcmp(c, n, sizeof(*c)) && a->bridge_ifindex)
			continue;
		ret = net_up(dp, n, a);
		if (ret) {
			net_down(dp, n, a);
			if (!first)
				first = ret;
		}
	}
	ret = uplinks_sync(dp, st);
	if (!ret)
		ret = maps_sync(dp, st);
	if (ret && !first)
		first = ret;
	dp->cur = *st;
	return first;
}

/**
 * dp_close() - remove everything the datapath set up, close the devices
 * @dp:		datapath, may be NULL
 */
void dp_close(struct dp *dp)
{
	unsigned i;
	int d;

	if (!dp)
		return;
	if (dp->nl.sk) {
		for (i = 0; i < dp->cur.nnet; i++) {
			struct dp_applied *a =
				&dp->applied[dp->cur.net[i].id % DP_MAX_NETS];

			if (a->bridge_ifindex)
				net_down(dp, &dp->cur.net[i], a);
		}
	}
	if (dp->steer_ok)
		steer_close(&dp->steer);
	if (dp->orig_saved) {
		orig_put("net/ipv4/ip_local_reserved_ports", "reserved_ports",
			 dp->reserved_orig);
		if (dp->forward_orig[0])
			orig_put("net/ipv4/ip_forward", "ip_forward",
				 dp->forward_orig);
	}
	for (d = 0; d < DP_NDEV; d++) {
		if (dp->fd[d] >= 0)
			close(dp->fd[d]);
		free(dp->slots[d]);
	}
	nl_close(&dp->nl);
	free(dp->ports);
	free(dp);
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

static void ttl_inc(uint8_t *ip)
{
	uint16_t old = get_be16(ip + 8), new;

	if (ip[8] == 255)
		return;
	ip[8]++;
	new = get_be16(ip + 8);
	put_be16(ip + 10, csum_update16(get_be16(ip + 10), old, new));
}

/**
 * dp_tx() - write translated packets back for the kernel to route
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
		if (ours && p->verdict == NAT_FORWARD && dev == DP_OUT)
			ttl_inc(p->data);
		tun_write(dp->fd[dev], vnet, p->data, p->len);
	}
}

struct host_ctx {
	struct dp *dp;
	struct dp_addr *out;
	unsigned max, n;
	bool route;
};

static int host_cb(const struct nl_obj *o, void *ctx)
{
	struct host_ctx *h = ctx;
	struct dp_addr *a;
	char name[IF_NAMESIZE] = "";

	if (h->n >= h->max)
		return 0;
	if (h->route && (o->type != RTN_UNICAST || !o->plen ||
			 o->table != RT_TABLE_MAIN))
		return 0;
	if (o->ifindex == h->dp->ifindex[DP_OUT] ||
	    o->ifindex == h->dp->ifindex[DP_IN])
		return 0;
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
 * Return: number filled in, or -errno
 */
int dp_host_addrs(struct dp *dp, struct dp_addr *out, unsigned max)
{
	struct host_ctx h = { dp, out, max, 0, false };
	int ret = nl_dump(&dp->nl, RTM_GETADDR, host_cb, &h);

	if (ret)
		return ret;
	h.route = true;
	ret = nl_dump(&dp->nl, RTM_GETROUTE, host_cb, &h);
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
	struct defroute d = { 0 };
	int ret = nl_dump(&dp->nl, RTM_GETROUTE, defroute_cb, &d);

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
	struct ifaddr_ctx c = { if_nametoindex(ifname), 0, false, false };
	int ret;

	if (!c.ifindex)
		return -ENODEV;
	ret = nl_dump(&dp->nl, RTM_GETADDR, ifaddr_cb, &c);
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
	struct ifaddr_ctx c = { 0, addr, false, true };
	int ret = nl_dump(&dp->nl, RTM_GETADDR, ifaddr_cb, &c);

	if (ret)
		return ret;
	if (!c.found || !if_indextoname(c.ifindex, ifname))
		return -ENOENT;
	return 0;
}

/**
 * dp_port_in_use() - whether a socket of the host listens on (TCP) or is
 * bound to (UDP) a port that would be reachable through an external address
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
	const char *path = proto == NAT_TCP ? "/proc/net/tcp" : "/proc/net/udp";
	char line[256];
	FILE *f = fopen(path, "r");
	int ret = 0;

	(void)dp;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned a, p, st;

		/* "  0: 0100007F:1F90 00000000:0000 0A ..." */
		if (sscanf(line, " %*u: %8x:%4x %*8x:%*4x %2x", &a, &p, &st) != 3)
			continue;
		if (p != port || (proto == NAT_TCP && st != 0x0a))
			continue;
		a = ntohl(a);
		if (!a || a == addr || (!addr && a >> 24 != 127)) {
			ret = 1;
			break;
		}
	}
	fclose(f);
	return ret;
}

/**
 * dp_watch_open() - a netlink socket that becomes readable when an IPv4
 * address or route of the host changes (for overlap checks)
 * @dp:		datapath
 *
 * Return: non-blocking file descriptor (the caller closes it), or -errno
 */
int dp_watch_open(struct dp *dp)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE,
	};
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
	return fd;
}

/**
 * dp_watch_drain() - read every pending notification of dp_watch_open()
 * @fd:		its socket
 *
 * Return: notifications read (0: nothing changed); an overflow of the
 * socket counts as one, the caller re-reads the host's state anyway
 */
unsigned dp_watch_drain(int fd)
{
	char buf[8192];
	unsigned n = 0;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) != 0 && n < 4096) {
		if (r < 0) {
			if (errno == ENOBUFS) {
				n++;
				continue;
			}
			break;
		}
		n++;
	}
	return n;
}
