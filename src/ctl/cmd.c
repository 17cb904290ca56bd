/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - cmd.c: the API's commands, applied to engine, kernel and state
 *
 * Theory of operation
 * -------------------
 * A request (validated by req.c) runs in four steps, and a failure at any
 * step leaves everything as it was:
 *  1. check what needs the host or the configuration: the network exists,
 *     a new prefix overlaps no address or route of the host, an interface
 *     has an address; work out defaults (bridge name, gateway, prefix,
 *     external address of the default route);
 *  2. change the engine (nat_*()); it checks what it owns (prefix overlaps
 *     between networks, port conflicts, RFC floors of timeouts) and its
 *     message, nat_error(), is passed through to the client;
 *  3. commit: build struct dp_state from the new configuration (a copy of
 *     the current one, struct model) and dp_sync() the kernel to it, then
 *     write the state file atomically;
 *  4. only then answer ok.
 * If step 3 fails, the engine change of step 2 is undone and the kernel is
 * synced back to the current configuration. Requests are handled one at a
 * time, so nothing else sees the intermediate states.
 *
 * The kernel steering (dp_state) is derived, never edited: every network
 * with its bridge, gateway, host address, prefixes, isolation and source
 * binding settings (a closed network: its bridge only, fail-closed); every
 * address given out to a known MAC (bound DHCP leases, endpoints,
 * reservations) as a source binding, re-pushed by cmd_bindings_changed()
 * when the pools change; every distinct
 * external address with its uplink and dynamic port range; every mapped
 * port, on each external address it is mapped on (a mapping on "every
 * address" of a network is steered on each of the network's addresses).
 *
 * At start, cmd_load() reads the state file and applies it in order
 * (networks, prefixes, external addresses, settings, mappings with their
 * recorded ports, so dynamic mappings keep their port), exactly as API
 * input; or, without a state file, creates the default network "nat" on
 * the first private prefix that overlaps nothing on the host.
 *
 * PROTOCOL (version 1). Request: one line {"cmd": C, "args": {...}};
 * response: one line {"ok": true, "result": R} or {"ok": false, "error":
 * "<message>", "errno": "<ENAME>"} (the kind of refusal, for programs). Objects: NETWORK {name, prefixes [CIDR], bridge,
 * own_bridge, gateway, host_address, externals [EXTERNAL without network],
 * settings {udp-timeout, tcp-established-timeout, tcp-transitory-timeout,
 * icmp-timeout (s), tcp-filtering, udp-filtering (eif|adf|apdf),
 * udp-inbound-refresh (bool)}}; EXTERNAL {network, address, interface,
 * follows_interface, port_low, port_high}; MAPPING {network, proto,
 * internal_address, internal_port, external_address (null: every),
 * external_port, remote (CIDR), dynamic, owner (null: none)}. OWNER is
 * 1 to 128 of [A-Za-z0-9._:-], a container id. Commands (args; result):
 *	ping ({}; {"pong": true})	version ({}; {version, protocol})
 *	network.add (name, prefixes?, bridge?, gateway?, externals?; NETWORK)
 *	network.del (name; NETWORK)	network.list ({}; [NETWORK])
 *	network.show (name; NETWORK + mappings [MAPPING], sessions,
 *		overlaps [string])
 *	network.set (name, key, value; NETWORK)
 *	map.add (network, proto, internal "A:P", external_port?,
 *		external_address?, remote?, owner?; MAPPING)
 *	map.del (network, proto, external_port, external_address?; MAPPING)
 *	map.del (owner, network?; {deleted N, mappings [MAPPING]}): none
 *		is success, deleted 0
 *	map.list (network?; [MAPPING])
 *	external.add (network, external (address or interface), ports?
 *		"LOW-HIGH"; EXTERNAL)
 *	external.del (network, external; EXTERNAL)
 *	external.list (network?; [EXTERNAL])
 *	session.list (network?, proto?, internal?, limit? (1..100000,
 *		default 1000), after? (cursor); [SESSION], and beside
 *		"result" a member "next" (a cursor for "after") when the
 *		table was not looked at to its end: pages list every
 *		session that lives through them exactly once; the last page
 *		may be empty)
 *	stats (network?; {engine {...counters, drops {reason: n}},
 *		networks [{name, sessions, tcp, udp, icmp, mappings, dhcp
 *		(null when off: {running, received, sent, dropped, drops,
 *		malformed})}]})
 *	lease.add (network, mac, address; ENTRY + network)
 *	lease.del (network, mac; ENTRY + network, or {network, ended
 *		[ENTRY]} for dynamic leases)
 *	lease.list (network?; [ENTRY + network])
 *	endpoint.add (network, netns (name or path), ifname?, address?,
 *		mac?, owner?; ENDPOINT + gateway, prefix_length, routes
 *		[{dst, gw}], dns [address], dns_domain (null: none))
 *	endpoint.del (network, netns, ifname?; {deleted N, endpoints
 *		[ENDPOINT]}): one that is gone already is deleted 0
 *	endpoint.del (owner, network?, ifname?; {deleted N, endpoints
 *		[ENDPOINT]})
 *	endpoint.list (network?; [ENDPOINT])
 * ENDPOINT {network, netns, ifname, host_interface, address (CIDR), mac,
 * owner (null: none), present, state ("present"|"missing"), reason (null when present)}.
 * API results add to NETWORK "state": "up", or "closed" and
 * "closed_reason" (its leases file or bridge could not be loaded at
 * start); settings gain isolation and source-binding (bool, default on).
 * ENTRY {kind, address, mac, name, state, expiry} is an entry of a pool
 * (pool.c); network.show adds "pool" {prefix, size, used, free, entries}
 * and settings gain dhcp (bool) and dhcp-lease-time (s).
 */
#define _GNU_SOURCE /* strerrorname_np() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "dhcpd.h"
#include "log.h"
#include "pool.h"

#ifndef HOSTNAT_VERSION
#define HOSTNAT_VERSION "0.1.0"
#endif

/* private prefixes tried, in order, for the default network (RFC 1918) */
static const struct {
	uint32_t addr;
	uint8_t plen;
} auto_prefixes[] = {
	{ 0xac100000, 16 }, { 0xac110000, 16 }, { 0xac120000, 16 },
	{ 0xac130000, 16 }, { 0xac140000, 16 }, { 0xac150000, 16 },
	{ 0xac160000, 16 }, { 0xac170000, 16 }, { 0xac180000, 16 },
	{ 0xac190000, 16 }, { 0xac1a0000, 16 }, { 0xac1b0000, 16 },
	{ 0xac1c0000, 16 }, { 0xac1d0000, 16 }, { 0xac1e0000, 16 },
	{ 0xac1f0000, 16 },		/* 172.16.0.0/16 .. 172.31.0.0/16 */
	{ 0x0ac80000, 16 },		/* 10.200.0.0/16 */
	{ 0xc0a8c800, 24 },		/* 192.168.200.0/24 */
};

#define DEFAULT_NET_NAME "nat"

/**
 * cmd_now_ms() - the clock the engine runs on: CLOCK_MONOTONIC in ms
 *
 * Return: milliseconds
 */
uint64_t cmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t mask_of(unsigned plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

static bool overlaps(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
	uint32_t m = mask_of(alen < blen ? alen : blen);

	return (a & m) == (b & m);
}

/* ---- kernel state ----------------------------------------------------- */

/* does pool entry @e give out an address bound to a known MAC? */
static bool entry_binds(const struct ipam_entry *e)
{
	if (!e->has_mac)
		return false;
	switch (e->kind) {
	case IPAM_STATIC:
	case IPAM_ENDPOINT:
		return true;
	case IPAM_LEASE:
		return e->state == IPAM_BOUND;	/* an offer is not in use */
	default:
		return false;
	}
}

/*
 * Walk the source bindings of @m: every address of a pool that hostnat gave
 * to a known MAC (bound leases, endpoints, reservations), networks in slot
 * order, each pool in its own order, so that the same pools give the same
 * list. With @out, they are written there; else they are compared with
 * @x->dps.bind. Return: their number (-ENOSPC past DP_MAX_BINDS), or with
 * @differs, whether they differ from what was pushed last.
 */
#define LOOPBACK 0x7f000001u	/* 127.0.0.1: a mapping for the host only */

static unsigned map_nports(const struct model_map *mm)
{
	return mm->nports > 1 ? mm->nports : 1;
}

static int binds_walk(struct cmd_ctx *x, const struct model *m,
		      struct dp_bind *out, bool *differs)
{
	unsigned i, n = 0;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct ipam_entry *e;
		uint32_t pos = 0;

		if (!m->net[i].used || m->net[i].closed || !x->pool[i])
			continue;
		while ((e = ipam_iter(x->pool[i], &pos))) {
			struct dp_bind b = { .net = m->net[i].id,
					     .addr = e->addr };

			if (!entry_binds(e))
				continue;
			if (n == DP_MAX_BINDS)
				return -ENOSPC;
			memcpy(b.mac, e->mac, sizeof(b.mac));
			if (out)
				out[n] = b;
			else if (n >= x->dps.nbind ||
				 memcmp(&x->dps.bind[n], &b, sizeof(b)))
				*differs = true;
			n++;
		}
	}
	if (differs && n != x->dps.nbind)
		*differs = true;
	return (int)n;
}

static int dps_build(struct cmd_ctx *x, const struct model *m,
		     struct dp_state *st, char *err, size_t errlen)
{
	unsigned i, j, k;
	int nb;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];
		struct dp_net *d;

		if (!n->used)
			continue;
		d = &st->net[st->nnet++];
		d->id = n->id;
		snprintf(d->name, sizeof(d->name), "%s", n->cfg.name);
		snprintf(d->bridge, sizeof(d->bridge), "%s", n->bridge);
		d->own_bridge = n->own_bridge;
		d->isolation = n->svc.isolation;
		d->source_binding = n->svc.source_binding;
		d->endpoint_addresses = (uint8_t)n->svc.endpoint_addresses;
		d->nprefix = n->nprefix;
		memcpy(d->prefix, n->prefix, sizeof(d->prefix));
		memcpy(d->plen, n->plen, sizeof(d->plen));
		if (n->closed) {
			/* fail-closed: no address, no steering (dp.h) */
			d->closed = true;
			continue;
		}
		d->gateway = n->cfg.gateway;
		d->gw_plen = n->gw_plen;
		d->host_addr = n->cfg.host_addr;
		for (j = 0; j < n->next; j++) {
			const struct model_ext *e = &n->ext[j];
			struct dp_ext *xe;

			for (k = 0; k < st->next; k++)
				if (st->ext[k].addr == e->addr &&
				    st->ext[k].lo[0] == e->lo &&
				    st->ext[k].hi[0] == e->hi)
					break;
			if (k < st->next)
				continue;
			if (st->next == DP_MAX_EXT) {
				snprintf(err, errlen, "too many distinct "
					 "external addresses and port ranges: "
					 "%d is the limit", DP_MAX_EXT);
				return -ENOSPC;
			}
			xe = &st->ext[st->next++];
			xe->addr = e->addr;
			snprintf(xe->uplink, sizeof(xe->uplink), "%s",
				 e->uplink);
			for (k = 0; k < NAT_NPROTO; k++) {
				xe->lo[k] = e->lo;
				xe->hi[k] = e->hi;
			}
		}
	}
	for (i = 0; i < DP_MAX_STATIC; i++) {
		const struct model_map *mm = &m->map[i];
		const struct model_net *n = &m->net[mm->net];

		bool one;
		unsigned p;

		if (!mm->used || n->closed)
			continue;
		/* on one external address, or on all (127.0.0.1: for the
		 * host only, on all) */
		one = mm->m.ext_addr && mm->m.ext_addr != LOOPBACK;
		for (p = 0; p < map_nports(mm); p++) {
			uint16_t port = (uint16_t)(mm->m.ext_port + p);

			for (j = 0; j < (one ? 1 : n->next); j++) {
				if (st->nstat == DP_MAX_STATIC) {
					snprintf(err, errlen, "too many mapped "
						 "ports to steer: %d (mapped "
						 "ports times external "
						 "addresses) is the limit",
						 DP_MAX_STATIC);
					return -ENOSPC;
				}
				st->stat[st->nstat++] = (struct dp_static){
					.proto = mm->m.proto,
					.addr = one ? mm->m.ext_addr :
						      n->ext[j].addr,
					.port = port,
				};
			}
			/* the host reaches it on each address of its own
			 * as through its (first) external address */
			if ((one || n->next) && st->nlocal < DP_MAX_STATIC)
				st->local[st->nlocal++] = (struct dp_local){
					.proto = mm->m.proto,
					.port = port,
					.ext = one ? mm->m.ext_addr :
						     n->ext[0].addr,
				};
		}
	}
	if (!x->bind) {
		x->bind = calloc(DP_MAX_BINDS, sizeof(*x->bind));
		if (!x->bind) {
			snprintf(err, errlen, "cannot allocate the table of "
				 "%d source bindings: out of memory",
				 DP_MAX_BINDS);
			return -ENOMEM;
		}
	}
	st->bind = x->bind;
	nb = binds_walk(x, m, x->bind, NULL);
	if (nb < 0) {
		snprintf(err, errlen, "too many addresses given out to bind "
			 "to their MAC: %d is the limit", DP_MAX_BINDS);
		return nb;
	}
	st->nbind = (unsigned)nb;
	return 0;
}

static int kernel_sync(struct cmd_ctx *x, const struct model *m, char *err,
		       size_t errlen)
{
	int ret = dps_build(x, m, &x->dps, err, errlen);

	if (!ret) {
		ret = dp_sync(x->dp, &x->dps);
		if (ret)
			snprintf(err, errlen, "%s", dp_error(x->dp));
	}
	x->bind_stale = ret != 0;
	return ret;
}

/**
 * cmd_bindings_changed() - the pools may have changed (DHCP granted,
 * renewed to another address, released, declined or expired a lease; an
 * endpoint or reservation came or went): expire what is due and, if the
 * source bindings differ from those the kernel has, push them (dp_sync()
 * of the configuration in force). Cheap when nothing changed: one walk of
 * the pools, no system call.
 * @x:		context
 */
void cmd_bindings_changed(struct cmd_ctx *x)
{
	char err[CTL_ERR_MAX];
	bool was_stale = x->bind_stale, differs = was_stale;
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (x->cur.net[i].used && x->pool[i])
			ipam_expire(x->pool[i], pool_now());
	if (binds_walk(x, &x->cur, NULL, &differs) < 0)
		differs = true;
	if (!differs)
		return;
	/* a failure is logged once, not at every retry */
	if (kernel_sync(x, &x->cur, err, sizeof(err)) && !was_stale)
		log_msg(LOG_WARNING, "cannot update the source bindings in the "
			"kernel: %s; retrying at the next change", err);
}

/*
 * Make kernel and state file match x->next, then x->cur = x->next. On
 * failure the kernel is synced back to x->cur; the caller undoes its engine
 * change.
 */
static int commit(struct cmd_ctx *x, char *err, size_t errlen)
{
	char err2[CTL_ERR_MAX];
	int ret = kernel_sync(x, &x->next, err, errlen);

	if (!ret) {
		ret = model_save(&x->next, x->state_dir, err, errlen);
		if (ret && kernel_sync(x, &x->cur, err2, sizeof(err2)))
			log_msg(LOG_ERR, "cannot restore the kernel state: %s",
				err2);
	} else if (kernel_sync(x, &x->cur, err2, sizeof(err2))) {
		log_msg(LOG_ERR, "cannot restore the kernel state: %s", err2);
	}
	if (!ret)
		memcpy(&x->cur, &x->next, sizeof(x->cur));
	return ret;
}

/* ---- the host --------------------------------------------------------- */

/* an address or route that is hostnat's own, or the default route */
static bool host_entry_ours(const struct model *m, const struct dp_addr *h,
			    const char *bridge)
{
	unsigned i;

	if (h->route && !h->plen)
		return true;
	if (bridge && !strcmp(h->ifname, bridge))
		return true;
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		if (!n->used)
			continue;
		if (!strcmp(h->ifname, n->bridge))
			return true;
		/* the host stand-in's route (through hostnat's device) */
		if (h->route && h->plen == 32 && h->addr == n->cfg.host_addr)
			return true;
	}
	return false;
}

/* every address and route of the host into x->host, however many: no
 * overlap goes unchecked because a list was cut */
static int host_list(struct cmd_ctx *x)
{
	struct dp_addr *h;
	int n;

	for (;;) {
		n = dp_host_addrs(x->dp, x->host, x->nhost_room);
		if (n < 0 || (unsigned)n <= x->nhost_room)
			return n;
		h = realloc(x->host, sizeof(*h) * ((size_t)n + 64));
		if (!h)
			return -ENOMEM;
		x->host = h;
		x->nhost_room = (unsigned)n + 64;
	}
}

/*
 * Check @prefix/@plen against the host's addresses and routes (addresses
 * first: they make the clearer message). With @list, every overlap is
 * appended to it as a message and 0 returned; without, the first one is
 * the error.
 */
static int host_check(struct cmd_ctx *x, const struct model *m,
		      const char *bridge, uint32_t prefix, unsigned plen,
		      json_t *list, char *err, size_t errlen)
{
	char p[PARSE_CIDR_LEN], h[PARSE_CIDR_LEN], msg[CTL_ERR_MAX];
	int n = host_list(x);
	unsigned pass, i;

	if (n < 0) {
		snprintf(err, errlen, "cannot list the host's addresses and "
			 "routes: %s", strerror(-n));
		return n;
	}
	fmt_cidr(p, prefix, plen);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < (unsigned)n; i++) {
			const struct dp_addr *a = &x->host[i];

			if (a->route != (pass == 1) ||
			    host_entry_ours(m, a, bridge) ||
			    !overlaps(prefix, plen, a->addr, a->plen))
				continue;
			fmt_cidr(h, a->addr, a->plen);
			snprintf(msg, sizeof(msg), "prefix %s overlaps %s %s "
				 "on %s; choose another prefix", p,
				 a->route ? "route" : "address", h, a->ifname);
			if (!list) {
				snprintf(err, errlen, "%s", msg);
				return -EADDRINUSE;
			}
			json_array_append_new(list, json_string(msg));
		}
	}
	return 0;
}

/* does @prefix/@plen overlap a prefix of a network of @m? */
static bool model_overlap(const struct model *m, uint32_t prefix,
			  unsigned plen)
{
	unsigned i, j;

	for (i = 0; i < DP_MAX_NETS; i++)
		for (j = 0; m->net[i].used && j < m->net[i].nprefix; j++)
			if (overlaps(prefix, plen, m->net[i].prefix[j],
				     m->net[i].plen[j]))
				return true;
	return false;
}

/*
 * The engine checks overlaps between networks, but a closed network is not
 * in the engine with its prefixes: check them here.
 */
static int closed_overlap(struct cmd_ctx *x, const struct model *m,
			  uint32_t prefix, unsigned plen, char *err,
			  size_t errlen)
{
	char p[PARSE_CIDR_LEN], q[PARSE_CIDR_LEN];
	unsigned i, j;

	(void)x;
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		for (j = 0; n->used && n->closed && j < n->nprefix; j++) {
			if (!overlaps(prefix, plen, n->prefix[j], n->plen[j]))
				continue;
			fmt_cidr(p, prefix, plen);
			fmt_cidr(q, n->prefix[j], n->plen[j]);
			snprintf(err, errlen, "prefix %s overlaps prefix %s of "
				 "network '%s' (closed); choose another prefix",
				 p, q, n->cfg.name);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/* the first private prefix that overlaps nothing */
static int auto_prefix(struct cmd_ctx *x, const struct model *m,
		       const char *bridge, uint32_t *prefix, uint8_t *plen,
		       char *err, size_t errlen)
{
	char dummy[CTL_ERR_MAX];
	unsigned i;
	int ret;

	for (i = 0; i < sizeof(auto_prefixes) / sizeof(auto_prefixes[0]);
	     i++) {
		uint32_t a = auto_prefixes[i].addr;
		uint8_t l = auto_prefixes[i].plen;

		if (model_overlap(m, a, l))
			continue;
		ret = host_check(x, m, bridge, a, l, NULL, dummy,
				 sizeof(dummy));
		if (ret == -EADDRINUSE)
			continue;
		if (ret) {
			snprintf(err, errlen, "%s", dummy);
			return ret;
		}
		*prefix = a;
		*plen = l;
		return 0;
	}
	snprintf(err, errlen, "no free private prefix: 172.16.0.0/16 to "
		 "172.31.0.0/16, 10.200.0.0/16 and 192.168.200.0/24 all overlap "
		 "a network or the host's addresses; give a prefix");
	return -EADDRINUSE;
}

static int ext_resolve(struct cmd_ctx *x, const struct ctl_ext_spec *s,
		       struct model_ext *e, char *err, size_t errlen)
{
	char a[PARSE_ADDR_LEN];
	int ret;

	memset(e, 0, sizeof(*e));
	e->lo = s->has_ports ? s->lo : PARSE_PORT_LO_DEFAULT;
	e->hi = s->has_ports ? s->hi : PARSE_PORT_HI_DEFAULT;
	e->is_if = s->is_if;
	if (s->is_if) {
		snprintf(e->given, sizeof(e->given), "%s", s->ifname);
		snprintf(e->uplink, sizeof(e->uplink), "%s", s->ifname);
		ret = dp_if_addr(x->dp, s->ifname, &e->addr);
		if (ret == -ENODEV)
			snprintf(err, errlen, "interface %s does not exist; "
				 "give an existing interface or an address",
				 s->ifname);
		else if (ret)
			snprintf(err, errlen, "interface %s has no IPv4 "
				 "address (%s); give an address instead",
				 s->ifname, strerror(-ret));
		return ret;
	}
	e->addr = s->addr;
	ret = dp_addr_if(x->dp, s->addr, e->uplink);
	if (ret) {
		fmt_addr(a, s->addr);
		snprintf(err, errlen, "address %s is not assigned to an "
			 "interface of this host (%s); assign it first or give "
			 "an interface", a, strerror(-ret));
	}
	return ret;
}

/* ---- the engine ------------------------------------------------------- */

/* the engine's mapping for port @i of a (range) mapping of the model */
static struct nat_map map_engine(const struct model_map *mm, unsigned i)
{
	struct nat_map m = mm->m;

	m.ext_port = (uint16_t)(m.ext_port + i);
	m.int_port = (uint16_t)(m.int_port + i);
	if (m.ext_addr == LOOPBACK) {
		m.ext_addr = 0;
		m.host_only = true;
	}
	return m;
}

/* a model's mapping into the engine, every port of it or none; a dynamic
 * one (external port 0) gets the port the engine chose */
static int map_engine_add(struct cmd_ctx *x, unsigned id,
			  struct model_map *mm)
{
	unsigned i, n = map_nports(mm);
	int ret = 0;

	for (i = 0; i < n; i++) {
		struct nat_map m = map_engine(mm, i);

		ret = nat_map_add(x->nat, id, &m);
		if (ret)
			break;
		if (!mm->m.ext_port)
			mm->m.ext_port = m.ext_port;
	}
	if (!ret)
		return 0;
	while (i--) {
		struct nat_map m = map_engine(mm, i);

		nat_map_del(x->nat, id, m.proto, m.ext_addr, m.ext_port);
	}
	return ret;
}

static void map_engine_del(struct cmd_ctx *x, unsigned id,
			   const struct model_map *mm)
{
	unsigned i, n = map_nports(mm);

	for (i = 0; i < n; i++) {
		struct nat_map m = map_engine(mm, i);

		nat_map_del(x->nat, id, m.proto, m.ext_addr, m.ext_port);
	}
}

/*
 * Put network @slot of @m into the engine, with everything it holds. A
 * closed network is put in by name only: no prefix, no external address,
 * no mapping, so the engine translates nothing of it, and its id (which
 * names its kernel table) is not given to another network.
 */
static int net_apply(struct cmd_ctx *x, struct model *m, unsigned slot,
		     char *err, size_t errlen)
{
	struct model_net *n = &m->net[slot];
	unsigned id, i;
	int ret;

	ret = nat_net_add(x->nat, &n->cfg, &id);
	if (ret) {
		snprintf(err, errlen, "%s", nat_error(x->nat));
		return ret;
	}
	if (n->closed) {
		n->id = id;
		return 0;
	}
	for (i = 0; i < n->nprefix; i++) {
		ret = nat_prefix_add(x->nat, id, n->prefix[i], n->plen[i]);
		if (ret)
			goto undo;
	}
	for (i = 0; i < n->next; i++) {
		ret = nat_ext_add(x->nat, id, n->ext[i].addr, n->ext[i].lo,
				  n->ext[i].hi);
		if (ret)
			goto undo;
	}
	for (i = 0; i < DP_MAX_STATIC; i++) {
		if (!m->map[i].used || m->map[i].net != slot)
			continue;
		ret = map_engine_add(x, id, &m->map[i]);
		if (ret)
			goto undo;
	}
	n->id = id;
	return 0;
undo:
	snprintf(err, errlen, "%s", nat_error(x->nat));
	nat_net_del(x->nat, id);
	return ret;
}

/*
 * A network of the configuration in force as the API shows it: the
 * model's object plus "state": "up", or "closed" with "closed_reason".
 */
static json_t *net_json(const struct cmd_ctx *x, unsigned slot, bool maps)
{
	const struct model_net *n = &x->cur.net[slot];
	json_t *o = model_net_json(&x->cur, slot, maps);

	if (o && (json_object_set_new(o, "state", json_string(
			n->closed ? "closed" : "up")) ||
		  (n->closed && json_object_set_new(o, "closed_reason",
			json_string(x->closed_why[slot]))))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int net_lookup(const struct cmd_ctx *x, const char *name, char *err,
		      size_t errlen)
{
	int slot = model_net_find(&x->cur, name);

	if (slot < 0)
		snprintf(err, errlen, "network '%s' does not exist; see "
			 "'hostnat network list'", name);
	return slot;
}

/* a network that is not closed: only those can be changed */
static int net_lookup_open(const struct cmd_ctx *x, const char *name,
			   char *err, size_t errlen)
{
	int slot = net_lookup(x, name, err, errlen);

	if (slot >= 0 && x->cur.net[slot].closed) {
		snprintf(err, errlen, "network '%s' is closed: %s", name,
			 x->closed_why[slot]);
		return -EIO;
	}
	return slot;
}

/**
 * cmd_net_pool() - a network's slot, which must have an address pool
 * @x:		context
 * @net:	network name
 * @slot:	its slot
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no such network), -EIO (closed), -EOPNOTSUPP (no
 * pool)
 */
int cmd_net_pool(struct cmd_ctx *x, const char *net, int *slot, char *err,
		 size_t errlen)
{
	*slot = net_lookup_open(x, net, err, errlen);
	if (*slot < 0)
		return *slot == -EIO ? -EIO : -ENOENT;
	if (!x->pool[*slot]) {
		snprintf(err, errlen, "network '%s' has no address pool: its "
			 "first prefix is not /%d to /%d", net, IPAM_PLEN_MIN,
			 IPAM_PLEN_MAX);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * cmd_pool_list() - list the pool entries of some kinds, of one network
 * (@r->net when given) or of all, as a JSON array
 * @x:		context
 * @r:		the request (its optional network)
 * @kinds:	bit (1u << IPAM_*) per kind of entry to list
 * @fn:		turns one entry of network slot @slot into JSON
 * @res:	the array on success
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no such network), -ENOMEM
 */
int cmd_pool_list(struct cmd_ctx *x, const struct ctl_req *r, unsigned kinds,
		  cmd_entry_fn fn, json_t **res, char *err, size_t errlen)
{
	int only = -1;
	json_t *a;
	unsigned i;

	if (r->has_net) {
		only = net_lookup(x, r->net, err, errlen);
		if (only < 0)
			return -ENOENT;
	}
	a = json_array();
	for (i = 0; a && i < DP_MAX_NETS; i++) {
		const struct ipam_entry *e;
		uint32_t pos = 0;

		if (!x->cur.net[i].used || !x->pool[i] ||
		    (only >= 0 && (unsigned)only != i))
			continue;
		ipam_expire(x->pool[i], pool_now());
		while ((e = ipam_iter(x->pool[i], &pos))) {
			if (!(kinds & 1u << e->kind))
				continue;
			if (json_array_append_new(a, fn(x, i, e))) {
				json_decref(a);
				return -ENOMEM;
			}
		}
	}
	*res = a;
	return a ? 0 : -ENOMEM;
}

/* ---- commands --------------------------------------------------------- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static bool bridge_used(const struct model *m, const char *bridge)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (m->net[i].used && !strcmp(m->net[i].bridge, bridge))
			return true;
	return false;
}

/*
 * May @name be the bridge of network @slot of @m? Not when another network
 * has it, nor when it is an uplink (the interface of an external address
 * of any network, @slot's own included, or of the host's default route),
 * nor when the kernel has a device of that name that is not a bridge
 * (dp_bridge_check()). A name no device has is fine: hostnat creates it.
 */
static int bridge_check(struct cmd_ctx *x, const struct model *m,
			unsigned slot, const char *name, char *err,
			size_t errlen)
{
	char ifn[DP_IFNAMSIZ], a[PARSE_ADDR_LEN];
	uint32_t addr;
	unsigned i, j;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		if (!n->used && i != slot)
			continue;
		if (i != slot && !strcmp(n->bridge, name)) {
			snprintf(err, errlen, "bridge %s belongs to another "
				 "network, '%s'; give another bridge", name,
				 n->cfg.name);
			return -EADDRINUSE;
		}
		for (j = 0; j < n->next; j++) {
			if (strcmp(n->ext[j].uplink, name) &&
			    strcmp(n->ext[j].given, name))
				continue;
			fmt_addr(a, n->ext[j].addr);
			snprintf(err, errlen, "device %s is an uplink (network "
				 "'%s' has its external address %s on it), "
				 "not a bridge; give a bridge or a new name "
				 "for hostnat to create", name, n->cfg.name,
				 a);
			return -EINVAL;
		}
	}
	if (!dp_default_uplink(x->dp, ifn, &addr) && !strcmp(ifn, name)) {
		snprintf(err, errlen, "device %s is the uplink of the host's "
			 "default route, not a bridge; give a bridge or a new "
			 "name for hostnat to create", name);
		return -EINVAL;
	}
	return dp_bridge_check(x->dp, name, err, errlen);
}

/* "hn-<name>", shortened to 15 bytes with a hash when too long */
static void bridge_name(const struct model *m, const char *name,
			char out[DP_IFNAMSIZ])
{
	uint32_t salt;

	if (strlen(name) <= DP_IFNAMSIZ - 4) {
		snprintf(out, DP_IFNAMSIZ, "hn-%s", name);
		if (!bridge_used(m, out))
			return;
	}
	for (salt = 0;; salt++) {
		char seed[NAT_NAME_MAX + 12];

		snprintf(seed, sizeof(seed), "%s/%u", name, salt);
		snprintf(out, DP_IFNAMSIZ, "hn-%.7s-%04x", name,
			 fnv1a(seed) & 0xffff);
		if (!bridge_used(m, out))
			return;
	}
}

static int net_add(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	char err2[CTL_ERR_MAX];
	struct model *m = &x->next;
	struct ipam *pool = NULL;
	struct model_net *n;
	uint32_t dummy;
	unsigned i;
	int slot, ret;

	if (model_net_find(m, r->net) >= 0) {
		snprintf(err, errlen, "network '%s' exists already; choose "
			 "another name", r->net);
		return -EEXIST;
	}
	slot = model_net_free_slot(m);
	if (slot < 0) {
		snprintf(err, errlen, "no room for network '%s': %d networks "
			 "is the limit", r->net, DP_MAX_NETS);
		return slot;
	}
	n = &m->net[slot];
	memset(n, 0, sizeof(*n));
	nat_net_cfg_default(&n->cfg, r->net);
	parse_svc_default(&n->svc);
	if (r->has_dhcp)
		n->svc.dhcp = r->dhcp;
	if (r->has_bridge) {
		ret = bridge_check(x, m, (unsigned)slot, r->bridge, err,
				   errlen);
		if (ret)
			return ret;
		snprintf(n->bridge, sizeof(n->bridge), "%s", r->bridge);
		/* an existing bridge is used; a missing one is created */
		n->own_bridge = dp_if_addr(x->dp, r->bridge, &dummy) ==
				-ENODEV;
	} else {
		bridge_name(m, r->net, n->bridge);
		n->own_bridge = true;
	}
	if (r->has_prefixes) {
		n->nprefix = r->nprefix;
		memcpy(n->prefix, r->prefix, sizeof(n->prefix));
		memcpy(n->plen, r->plen, sizeof(n->plen));
		for (i = 0; i < n->nprefix; i++) {
			ret = host_check(x, m, n->bridge, n->prefix[i],
					 n->plen[i], NULL, err, errlen);
			if (ret)
				return ret;
		}
	} else {
		ret = auto_prefix(x, m, n->bridge, &n->prefix[0], &n->plen[0],
				  err, errlen);
		if (ret)
			return ret;
		n->nprefix = 1;
	}
	n->cfg.gateway = r->has_gateway ? r->gateway : n->prefix[0] + 1;
	ret = model_gateway_check(n, err, errlen);
	if (ret)
		return ret;
	model_host_addr(n);
	if (r->has_externals) {
		for (i = 0; i < r->next; i++) {
			ret = ext_resolve(x, &r->ext[i], &n->ext[i], err,
					  errlen);
			if (ret)
				return ret;
		}
		n->next = r->next;
	} else {
		struct model_ext *e = &n->ext[0];

		ret = dp_default_uplink(x->dp, e->uplink, &e->addr);
		if (!ret) {
			e->is_if = true;
			memcpy(e->given, e->uplink, sizeof(e->given));
			e->lo = PARSE_PORT_LO_DEFAULT;
			e->hi = PARSE_PORT_HI_DEFAULT;
			n->next = 1;
		} else {
			memset(e, 0, sizeof(*e));
			log_msg(LOG_WARNING, "network '%s' has no external "
				"address: the host has no default route with "
				"an IPv4 address (%s); add one with 'hostnat "
				"external add %s ADDR'", r->net,
				strerror(-ret), r->net);
		}
	}
	/* with its own externals known: not its own uplink either (step 1) */
	ret = bridge_check(x, m, (unsigned)slot, n->bridge, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < n->nprefix; i++) {
		ret = closed_overlap(x, m, n->prefix[i], n->plen[i], err,
				     errlen);
		if (ret)
			return ret;
	}
	ret = pool_open(&pool, n, x->state_dir, false, err, errlen);
	if (ret)
		return ret;
	ret = net_apply(x, m, (unsigned)slot, err, errlen);
	if (ret)
		goto fail;
	n->used = true;
	ret = commit(x, err, errlen);
	if (ret) {
		nat_net_del(x->nat, n->id);
		goto fail;
	}
	x->pool[slot] = pool;
	if (pool && pool_save(pool, x->state_dir, r->net, err2, sizeof(err2)))
		log_msg(LOG_WARNING, "network '%s': %s", r->net, err2);
	*res = net_json(x, (unsigned)slot, false);
	return 0;
fail:
	ipam_destroy(pool);
	return ret;
}

static int net_del(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	char err2[CTL_ERR_MAX];
	int slot = net_lookup(x, r->net, err, errlen);
	unsigned i;
	int ret;

	if (slot < 0)
		return slot;
	*res = net_json(x, (unsigned)slot, true);
	x->next.net[slot].used = false;
	for (i = 0; i < DP_MAX_STATIC; i++)
		if (x->next.map[i].net == slot)
			x->next.map[i].used = false;
	nat_net_del(x->nat, x->cur.net[slot].id);
	ret = commit(x, err, errlen);
	if (ret && net_apply(x, &x->cur, (unsigned)slot, err2, sizeof(err2)))
		log_msg(LOG_ERR, "cannot restore network '%s' in the engine: "
			"%s", r->net, err2);
	if (!ret) {
		attach_del_all(x, (unsigned)slot);
		ipam_destroy(x->pool[slot]);
		x->pool[slot] = NULL;
		pool_remove(x->state_dir, r->net);
	}
	return ret;
}

static int net_set(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	struct parse_svc_cfg svc;
	struct nat_net_cfg cfg;
	int slot = net_lookup_open(x, r->net, err, errlen);
	unsigned id;
	int ret;

	if (slot < 0)
		return slot;
	id = x->cur.net[slot].id;
	cfg = x->cur.net[slot].cfg;
	svc = x->cur.net[slot].svc;
	parse_setting_put(&cfg, &svc, r->key, r->value);
	ret = nat_net_set(x->nat, id, &cfg);
	if (ret) {
		snprintf(err, errlen, "%s", nat_error(x->nat));
		return ret;
	}
	x->next.net[slot].cfg = cfg;
	x->next.net[slot].svc = svc;
	ret = commit(x, err, errlen);
	if (ret) {
		nat_net_set(x->nat, id, &x->cur.net[slot].cfg);
		return ret;
	}
	*res = net_json(x, (unsigned)slot, false);
	return 0;
}

static int count_sessions(const struct nat_session_info *s, void *ctx)
{
	unsigned (*count)[NAT_NPROTO] = ctx;

	if (s->net < DP_MAX_NETS && s->proto < NAT_NPROTO)
		count[s->net][s->proto]++;
	return 0;
}

static int net_show(struct cmd_ctx *x, const struct ctl_req *r,
		    json_t **res, char *err, size_t errlen)
{
	unsigned count[DP_MAX_NETS][NAT_NPROTO] = { { 0 } };
	const struct model_net *n;
	json_t *o, *ov;
	int slot = net_lookup(x, r->net, err, errlen);
	unsigned i, id;

	if (slot < 0)
		return slot;
	n = &x->cur.net[slot];
	id = n->id;
	nat_session_walk(x->nat, cmd_now_ms(), count_sessions, count);
	o = net_json(x, (unsigned)slot, true);
	ov = json_array();
	for (i = 0; ov && i < n->nprefix; i++)
		host_check(x, &x->cur, n->bridge, n->prefix[i], n->plen[i], ov,
			   err, errlen);
	if (!o || !ov || id >= DP_MAX_NETS ||
	    json_object_set_new(o, "sessions",
				json_integer(count[id][0] + count[id][1] +
					     count[id][2])) ||
	    json_object_set_new(o, "overlaps", ov)) {
		json_decref(o);
		return -ENOMEM;
	}
	if (x->pool[slot])
		ipam_expire(x->pool[slot], pool_now());
	if (json_object_set_new(o, "pool", pool_json(x->pool[slot]))) {
		json_decref(o);
		return -ENOMEM;
	}
	*res = o;
	return 0;
}

static int map_add(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	struct model_map mm = {
		.used = true, .dynamic = !r->has_ext_port,
		.m = {
			.proto = r->proto,
			.ext_addr = r->has_ext_addr ? r->ext_addr : 0,
			.ext_port = r->has_ext_port ? r->ext_port : 0,
			.int_addr = r->int_addr,
			.int_port = r->int_port,
			.remote_addr = r->remote_addr,
			.remote_plen = r->remote_plen,
		},
	};
	unsigned next = r->has_ext_port ? r->ext_port_hi - r->ext_port + 1u : 1,
		 nint = r->int_port_hi >= r->int_port ?
			r->int_port_hi - r->int_port + 1u : 1, i;
	int slot = net_lookup_open(x, r->net, err, errlen), ms;
	unsigned id;
	int ret;

	if (slot < 0)
		return slot;
	id = x->cur.net[slot].id;
	if (nint > 1 && !r->has_ext_port) {
		snprintf(err, errlen, "a range of internal ports needs as "
			 "many external ones: add --external-port %u-%u",
			 r->int_port, r->int_port_hi);
		return -EINVAL;
	}
	if (next != nint) {
		snprintf(err, errlen, "external ports %u-%u are %u and "
			 "internal ports %u-%u are %u: give ranges of the same "
			 "length, like --external-port 8000-8010 --internal "
			 "ADDR:8000-8010", r->ext_port, r->ext_port_hi, next,
			 r->int_port, r->int_port_hi, nint);
		return -EINVAL;
	}
	if (r->has_ext_addr && r->ext_addr >> 24 == 127 &&
	    r->ext_addr != LOOPBACK) {
		snprintf(err, errlen, "a mapping for the host only is on "
			 "127.0.0.1: use --external-address 127.0.0.1");
		return -EINVAL;
	}
	mm.net = (uint8_t)slot;
	mm.nports = (uint16_t)next;
	ms = model_map_free_slot(&x->next);
	if (ms < 0) {
		snprintf(err, errlen, "no room for another mapping: %d is the "
			 "limit", DP_MAX_STATIC);
		return ms;
	}
	for (i = 0; r->has_ext_port && i < next; i++) {
		uint16_t p = (uint16_t)(r->ext_port + i);
		int o = next > 1 ? model_map_find(&x->next, (unsigned)slot,
						  r->proto, mm.m.ext_addr, p) :
				   -1;

		if (o >= 0) {
			snprintf(err, errlen, "network '%s' maps %s port %u "
				 "already (%u-%u); delete that mapping first "
				 "or choose other ports", r->net,
				 nat_proto_name(r->proto), p,
				 x->next.map[o].m.ext_port,
				 model_map_last(&x->next.map[o]));
			return -EADDRINUSE;
		}
		if (dp_port_in_use(x->dp, r->proto, mm.m.ext_addr, p) > 0) {
			snprintf(err, errlen, "%s port %u is in use by a socket "
				 "of the host (see 'ss -lntup'); choose "
				 "another port or stop that service",
				 nat_proto_name(r->proto), p);
			return -EADDRINUSE;
		}
	}
	ret = map_engine_add(x, id, &mm);
	if (ret) {
		snprintf(err, errlen, "%s%s", nat_error(x->nat),
			 next > 1 ? " (nothing of the range was mapped)" : "");
		return ret;
	}
	if (r->has_owner)
		snprintf(mm.owner, sizeof(mm.owner), "%s", r->owner);
	x->next.map[ms] = mm;
	ret = commit(x, err, errlen);
	if (ret) {
		map_engine_del(x, id, &mm);
		return ret;
	}
	*res = model_map_json(&x->cur, (unsigned)ms);
	return 0;
}

/* map.del by owner, in one network or all: {"deleted": N, "mappings":
 * [...]}; none is no error, so that a runtime may repeat it */
static int map_del_owner(struct cmd_ctx *x, const struct ctl_req *r,
			 json_t **res, char *err, size_t errlen)
{
	json_t *list = json_array();
	int slot = -1, ret = 0;
	unsigned i;

	if (!list)
		return -ENOMEM;
	if (r->has_net) {
		slot = net_lookup_open(x, r->net, err, errlen);
		if (slot < 0) {
			json_decref(list);
			return slot;
		}
	}
	for (i = 0; i < DP_MAX_STATIC; i++) {
		struct model_map *mm = &x->cur.map[i];

		if (!mm->used || strcmp(mm->owner, r->owner) ||
		    (slot >= 0 && mm->net != slot) || x->cur.net[mm->net].closed)
			continue;
		if (json_array_append_new(list, model_map_json(&x->cur, i))) {
			ret = -ENOMEM;
			break;
		}
		map_engine_del(x, x->cur.net[mm->net].id, mm);
		x->next.map[i].used = false;
	}
	if (!ret && json_array_size(list))
		ret = commit(x, err, errlen);
	if (ret) {
		/* put back into the engine what this request took out */
		for (i = 0; i < DP_MAX_STATIC; i++) {
			struct model_map *mm = &x->cur.map[i];

			if (mm->used && !x->next.map[i].used &&
			    map_engine_add(x, x->cur.net[mm->net].id, mm))
				log_msg(LOG_ERR, "cannot restore a mapping: "
					"%s", nat_error(x->nat));
		}
		json_decref(list);
		return ret;
	}
	*res = json_pack("{s:I, s:o}", "deleted",
			 (json_int_t)json_array_size(list), "mappings", list);
	return *res ? 0 : -ENOMEM;
}

static int map_del(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	char a[PARSE_ADDR_LEN];
	struct model_map mm;
	uint32_t ext_addr = r->has_ext_addr ? r->ext_addr : 0;
	int slot = net_lookup_open(x, r->net, err, errlen), ms;
	unsigned id;
	int ret;

	if (slot < 0)
		return slot;
	id = x->cur.net[slot].id;
	ms = model_map_find(&x->cur, (unsigned)slot, r->proto, ext_addr,
			    r->ext_port);
	if (ms < 0) {
		fmt_addr(a, ext_addr);
		snprintf(err, errlen, "network '%s' has no %s mapping of port "
			 "%u on %s; see 'hostnat map list %s'", r->net,
			 nat_proto_name(r->proto), r->ext_port,
			 ext_addr ? a : "every external address", r->net);
		return -ENOENT;
	}
	mm = x->cur.map[ms];
	if (r->ext_port_hi != r->ext_port &&
	    (r->ext_port != mm.m.ext_port ||
	     r->ext_port_hi != model_map_last(&mm))) {
		snprintf(err, errlen, "network '%s' maps %s ports %u-%u as one "
			 "mapping: delete it whole with --external-port %u-%u "
			 "(or %u)", r->net, nat_proto_name(r->proto),
			 mm.m.ext_port, model_map_last(&mm), mm.m.ext_port,
			 model_map_last(&mm), mm.m.ext_port);
		return -EINVAL;
	}
	map_engine_del(x, id, &mm);
	*res = model_map_json(&x->cur, (unsigned)ms);
	x->next.map[ms].used = false;
	ret = commit(x, err, errlen);
	if (ret) {
		json_decref(*res);
		*res = NULL;
		if (map_engine_add(x, id, &mm))
			log_msg(LOG_ERR, "cannot restore a mapping of network "
				"'%s': %s", r->net, nat_error(x->nat));
	}
	return ret;
}

static int ext_add(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	struct model_net *n;
	struct model_ext e;
	int slot = net_lookup_open(x, r->net, err, errlen);
	int ret;

	if (slot < 0)
		return slot;
	n = &x->next.net[slot];
	ret = ext_resolve(x, &r->ext[0], &e, err, errlen);
	if (ret)
		return ret;
	if (n->next == CTL_NET_EXT_MAX) {
		snprintf(err, errlen, "network '%s' has %d external addresses, "
			 "the limit", r->net, CTL_NET_EXT_MAX);
		return -ENOSPC;
	}
	ret = nat_ext_add(x->nat, n->id, e.addr, e.lo, e.hi);
	if (ret) {
		snprintf(err, errlen, "%s", nat_error(x->nat));
		return ret;
	}
	n->ext[n->next++] = e;
	ret = commit(x, err, errlen);
	if (ret) {
		nat_ext_del(x->nat, n->id, e.addr);
		return ret;
	}
	*res = model_ext_json(&x->cur, (unsigned)slot, n->next - 1);
	return 0;
}

static int ext_del(struct cmd_ctx *x, const struct ctl_req *r,
		   json_t **res, char *err, size_t errlen)
{
	const struct ctl_ext_spec *s = &r->ext[0];
	struct model_net *n;
	struct model_ext e;
	int slot = net_lookup_open(x, r->net, err, errlen);
	unsigned i;
	int ret;

	if (slot < 0)
		return slot;
	n = &x->next.net[slot];
	for (i = 0; i < n->next; i++) {
		if (s->is_if ? !strcmp(n->ext[i].uplink, s->ifname) :
			       n->ext[i].addr == s->addr)
			break;
	}
	if (i == n->next) {
		char a[PARSE_ADDR_LEN];

		fmt_addr(a, s->addr);
		snprintf(err, errlen, "network '%s' has no external address "
			 "%s %s; see 'hostnat external list %s'", r->net,
			 s->is_if ? "on interface" : "", s->is_if ? s->ifname :
			 a, r->net);
		return -ENOENT;
	}
	e = n->ext[i];
	ret = nat_ext_del(x->nat, n->id, e.addr);
	if (ret) {
		snprintf(err, errlen, "%s", nat_error(x->nat));
		return ret;
	}
	*res = model_ext_json(&x->cur, (unsigned)slot, i);
	memmove(&n->ext[i], &n->ext[i + 1],
		(n->next - i - 1) * sizeof(n->ext[0]));
	n->next--;
	ret = commit(x, err, errlen);
	if (ret) {
		json_decref(*res);
		*res = NULL;
		if (nat_ext_add(x->nat, n->id, e.addr, e.lo, e.hi))
			log_msg(LOG_ERR, "cannot restore an external address "
				"of network '%s': %s", r->net,
				nat_error(x->nat));
	}
	return ret;
}

/* the network filter of a list: -1 for all, or the slot */
static int list_filter(struct cmd_ctx *x, const struct ctl_req *r,
		       char *err, size_t errlen)
{
	return r->has_net ? net_lookup(x, r->net, err, errlen) : -1;
}

static int net_list(struct cmd_ctx *x, json_t **res)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a && i < DP_MAX_NETS; i++)
		if (x->cur.net[i].used &&
		    json_array_append_new(a, net_json(x, i,
							    false)))
			break;
	*res = a;
	return a && i == DP_MAX_NETS ? 0 : -ENOMEM;
}

static int map_list(struct cmd_ctx *x, const struct ctl_req *r,
		    json_t **res, char *err, size_t errlen)
{
	int slot = list_filter(x, r, err, errlen);
	json_t *a;
	unsigned i;

	if (slot < 0 && r->has_net)
		return slot;
	a = json_array();
	for (i = 0; a && i < DP_MAX_STATIC; i++) {
		const struct model_map *mm = &x->cur.map[i];

		if (mm->used && (slot < 0 || mm->net == slot) &&
		    json_array_append_new(a, model_map_json(&x->cur, i)))
			break;
	}
	*res = a;
	return a && i == DP_MAX_STATIC ? 0 : -ENOMEM;
}

static int ext_list(struct cmd_ctx *x, const struct ctl_req *r,
		    json_t **res, char *err, size_t errlen)
{
	int slot = list_filter(x, r, err, errlen);
	json_t *a;
	unsigned i, j;

	if (slot < 0 && r->has_net)
		return slot;
	a = json_array();
	for (i = 0; a && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];

		if (!n->used || (slot >= 0 && (unsigned)slot != i))
			continue;
		for (j = 0; j < n->next; j++) {
			if (json_array_append_new(a, model_ext_json(&x->cur, i,
								    j))) {
				json_decref(a);
				return -ENOMEM;
			}
		}
	}
	*res = a;
	return a ? 0 : -ENOMEM;
}

/* one slice of a session listing: what sess_one() needs */
struct sess_ctx {
	const struct cmd_ctx *x;
	struct cmd_sess_iter *it;
	uint32_t quota;		/* sessions this slice may still give */
	cmd_sess_fn fn;
	void *ctx;
	int err;		/* what @fn returned, when it failed */
};

static const char *net_name_of(const struct model *m, unsigned id)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (m->net[i].used && m->net[i].id == id)
			return m->net[i].cfg.name;
	return "?";
}

static json_t *jaddr(uint32_t a)
{
	char buf[PARSE_ADDR_LEN];

	fmt_addr(buf, a);
	return json_string(buf);
}

/* SESSION: the one JSON form of a session */
static json_t *sess_json(const struct cmd_ctx *x,
			 const struct nat_session_info *s)
{
	return json_pack("{s:s, s:s, s:o, s:i, s:o, s:i, s:o, s:i, s:s, s:b, "
			 "s:b, s:b, s:I, s:I, s:I}",
			 "network", net_name_of(&x->cur, s->net),
			 "proto", nat_proto_name(s->proto),
			 "internal_address", jaddr(s->int_addr),
			 "internal_port", (json_int_t)s->int_port,
			 "external_address", jaddr(s->ext_addr),
			 "external_port", (json_int_t)s->ext_port,
			 "remote_address", jaddr(s->rem_addr),
			 "remote_port", (json_int_t)s->rem_port,
			 "state", s->proto == NAT_TCP ?
				nat_tcp_state_name(s->tcp_state) : "active",
			 "inbound", s->inbound,
			 "static", s->static_map,
			 "hairpin", s->hairpin,
			 "age", (json_int_t)s->age,
			 "idle", (json_int_t)s->idle,
			 "expires", (json_int_t)s->expires);
}

/* 1 stops the walk before @s: the page or the slice is full */
static int sess_one(const struct nat_session_info *s, void *ctx)
{
	struct sess_ctx *c = ctx;
	struct cmd_sess_iter *it = c->it;
	json_t *o;
	int ret;

	if ((it->id >= 0 && s->net != it->id) ||
	    (it->has_proto && s->proto != it->proto) ||
	    (it->has_internal && s->int_addr != it->int_addr))
		return 0;
	if (!it->left || !c->quota)
		return 1;
	o = sess_json(c->x, s);
	ret = o ? c->fn(o, c->ctx) : -ENOMEM;
	json_decref(o);
	if (ret) {
		c->err = ret < 0 ? ret : -EIO;
		return 1;
	}
	it->left--;
	c->quota--;
	return 0;
}

/**
 * cmd_session_begin() - check a session.list request and set up its page
 * @x:		context
 * @r:		the request (CMD_SESSION_LIST)
 * @it:		filled in: filters, start (@r->after), @r->limit sessions
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no such network)
 */
int cmd_session_begin(struct cmd_ctx *x, const struct ctl_req *r,
		      struct cmd_sess_iter *it, char *err, size_t errlen)
{
	int slot = list_filter(x, r, err, errlen);

	if (slot < 0 && r->has_net)
		return slot;
	*it = (struct cmd_sess_iter){
		.id = slot >= 0 ? (int)x->cur.net[slot].id : -1,
		.has_proto = r->has_proto,
		.proto = r->proto,
		.has_internal = r->has_internal,
		.int_addr = r->int_addr,
		.next = r->has_after ? r->after : 0,
		.left = r->limit ? r->limit : CTL_PAGE_DEFAULT,
	};
	return 0;
}

/**
 * cmd_session_step() - list the next sessions of a page: at most @slots
 * slots of the session table looked at and @max sessions given, so that
 * a page is made in slices between packet bursts
 * @x:		context
 * @it:		the page, from cmd_session_begin()
 * @slots:	slots of the table to look at, at most (at least 1)
 * @max:	sessions to give, at most (at least 1)
 * @fn:		called with each session (SESSION); non-zero fails the step
 * @ctx:	passed to @fn
 *
 * Return: 1 when the page is complete (@it->end: no more sessions after
 * it; else @it->next is the "next" cursor), 0 when there is more to do,
 * -errno
 */
int cmd_session_step(struct cmd_ctx *x, struct cmd_sess_iter *it,
		     uint32_t slots, uint32_t max, cmd_sess_fn fn, void *ctx)
{
	struct sess_ctx c = { .x = x, .it = it, .quota = max, .fn = fn,
			      .ctx = ctx };
	uint32_t next;

	if (it->end || !it->left)
		return 1;
	next = nat_session_walk_from(x->nat, cmd_now_ms(), it->next, slots,
				     sess_one, &c);
	if (c.err)
		return c.err;
	it->next = next;
	it->end = !next;
	return it->end || !it->left;
}

static int sess_append(json_t *o, void *ctx)
{
	return json_array_append(ctx, o);
}

/* the page in one piece (cmd_handle(); the server answers in slices) */
static int session_list(struct cmd_ctx *x, const struct ctl_req *r,
			json_t **res, char *err, size_t errlen)
{
	struct cmd_sess_iter it;
	json_t *list;
	int ret = cmd_session_begin(x, r, &it, err, errlen);

	if (ret)
		return ret;
	list = json_array();
	if (!list)
		return -ENOMEM;
	while (!(ret = cmd_session_step(x, &it, UINT32_MAX, UINT32_MAX,
					sess_append, list)))
		;
	if (ret < 0) {
		json_decref(list);
		return ret;
	}
	*res = list;
	return 0;
}

/* the engine's counters, with the drops of the kernel programs (dp.h)
 * added under their names: one "drops" object for the whole NAT */
static json_t *engine_stats(const struct nat_stats *st,
			    const struct nat_limits *lim,
			    const uint64_t dp_drops[DP_DROP_N])
{
	json_t *drops = json_object();
	unsigned i;

	for (i = 1; drops && i < NAT_DROP_REASONS; i++)
		json_object_set_new(drops, nat_drop_name(i),
				    json_integer((json_int_t)st->drops[i]));
	for (i = 0; drops && i < DP_DROP_N; i++) {
		json_t *v = json_object_get(drops, dp_drop_name(i));
		json_int_t n = (json_int_t)dp_drops[i];

		if (v)
			n += json_integer_value(v);
		json_object_set_new(drops, dp_drop_name(i), json_integer(n));
	}
#define C(f) #f, (json_int_t)st->f
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o*, "
			 "s:{s:I, s:I, s:I, s:I, s:I}}",
			 C(pkts_out), C(pkts_in), C(pkts_hairpin),
			 C(pkts_local), C(pkts_icmp_err), C(pkts_icmp_sent),
			 C(frags), C(sessions_created), C(sessions_expired),
			 C(mappings_created), C(sessions), C(mappings),
			 C(hosts), C(frag_entries), C(frag_held), C(syn_held),
			 C(mem_bytes), "drops", drops, "limits",
			 "flows", (json_int_t)lim->max_flows,
			 "hosts", (json_int_t)lim->max_hosts,
			 "frags", (json_int_t)lim->max_frags,
			 "frag_held", (json_int_t)lim->max_frag_held,
			 "syn_held", (json_int_t)lim->max_syn_held);
#undef C
}

static int stats(struct cmd_ctx *x, const struct ctl_req *r, json_t **res,
		 char *err, size_t errlen)
{
	unsigned count[DP_MAX_NETS][NAT_NPROTO] = { { 0 } };
	uint64_t dp_drops[DP_DROP_N];
	struct nat_limits lim;
	struct nat_stats st;
	int slot = list_filter(x, r, err, errlen);
	json_t *nets;
	unsigned i, j, maps;

	if (slot < 0 && r->has_net)
		return slot;
	nat_stats_get(x->nat, &st);
	nat_session_walk(x->nat, cmd_now_ms(), count_sessions, count);
	nets = json_array();
	for (i = 0; nets && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];
		unsigned id = n->id;

		if (!n->used || (slot >= 0 && (unsigned)slot != i) ||
		    id >= DP_MAX_NETS)
			continue;
		for (j = 0, maps = 0; j < DP_MAX_STATIC; j++)
			maps += x->cur.map[j].used && x->cur.map[j].net == i;
		json_array_append_new(nets, json_pack(
			"{s:s, s:i, s:i, s:i, s:i, s:i, s:o*}",
			"name", n->cfg.name,
			"sessions", (json_int_t)(count[id][0] + count[id][1] +
						 count[id][2]),
			"tcp", (json_int_t)count[id][NAT_TCP],
			"udp", (json_int_t)count[id][NAT_UDP],
			"icmp", (json_int_t)count[id][NAT_ICMP],
			"mappings", (json_int_t)maps,
			"dhcp", x->dhcpd ? dhcpd_json(x->dhcpd, i) :
					   json_null()));
	}
	dp_counters(x->dp, dp_drops);
	nat_limits_get(x->nat, &lim);
	*res = json_pack("{s:o*, s:o*}", "engine",
			 engine_stats(&st, &lim, dp_drops),
			 "networks", nets);
	return *res ? 0 : -ENOMEM;
}

/**
 * cmd_exec() - carry out a validated request
 * @x:		context
 * @r:		the request
 * @result:	the result on success (may be NULL only on failure)
 * @err:	one-line message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -errno (nothing changed)
 */
int cmd_exec(struct cmd_ctx *x, const struct ctl_req *r, json_t **result,
	     char *err, size_t errlen)
{
	int ret;

	*result = NULL;
	err[0] = '\0';
	memcpy(&x->next, &x->cur, sizeof(x->next));
	switch (r->cmd) {
	case CMD_PING:
		*result = json_pack("{s:b}", "pong", 1);
		ret = 0;
		break;
	case CMD_VERSION:
		*result = json_pack("{s:s, s:i}", "version", HOSTNAT_VERSION,
				    "protocol", (json_int_t)CTL_PROTOCOL);
		ret = 0;
		break;
	case CMD_NET_ADD:
		ret = net_add(x, r, result, err, errlen);
		break;
	case CMD_NET_DEL:
		ret = net_del(x, r, result, err, errlen);
		break;
	case CMD_NET_LIST:
		ret = net_list(x, result);
		break;
	case CMD_NET_SHOW:
		ret = net_show(x, r, result, err, errlen);
		break;
	case CMD_NET_SET:
		ret = net_set(x, r, result, err, errlen);
		break;
	case CMD_MAP_ADD:
		ret = map_add(x, r, result, err, errlen);
		break;
	case CMD_MAP_DEL:
		ret = r->has_owner ? map_del_owner(x, r, result, err, errlen) :
				     map_del(x, r, result, err, errlen);
		break;
	case CMD_MAP_LIST:
		ret = map_list(x, r, result, err, errlen);
		break;
	case CMD_EXT_ADD:
		ret = ext_add(x, r, result, err, errlen);
		break;
	case CMD_EXT_DEL:
		ret = ext_del(x, r, result, err, errlen);
		break;
	case CMD_EXT_LIST:
		ret = ext_list(x, r, result, err, errlen);
		break;
	case CMD_SESSION_LIST:
		ret = session_list(x, r, result, err, errlen);
		break;
	case CMD_STATS:
		ret = stats(x, r, result, err, errlen);
		break;
	case CMD_LEASE_ADD:
	case CMD_LEASE_DEL:
	case CMD_LEASE_LIST:
		ret = lease_exec(x, r, result, err, errlen);
		break;
	case CMD_ENDPOINT_ADD:
	case CMD_ENDPOINT_DEL:
	case CMD_ENDPOINT_LIST:
		ret = attach_exec(x, r, result, err, errlen);
		break;
	default:
		snprintf(err, errlen, "command %d is not implemented", r->cmd);
		ret = -EINVAL;
	}
	if (!ret && !*result) {
		/* the change is made; only the answer could not be built */
		ret = -ENOMEM;
	}
	/* endpoints and reservations come and go, lists expire leases */
	cmd_bindings_changed(x);
	if (ret && !err[0])
		snprintf(err, errlen, "%s failed: %s", ctl_cmd_name(r->cmd),
			 strerror(-ret));
	if (ret) {
		json_decref(*result);
		*result = NULL;
	}
	return ret;
}

/**
 * cmd_handle() - answer one request line
 * @x:		context
 * @line:	the request, without its newline
 * @len:	bytes at @line
 * @drop:	set when the client does not speak the protocol and is to be
 *		dropped after this answer
 *
 * Return: the response line without newline (free() it), NULL if out of
 * memory
 */
char *cmd_handle(struct cmd_ctx *x, const char *line, size_t len, bool *drop)
{
	char err[CTL_ERR_MAX], *out, *p;
	struct ctl_req *r = calloc(1, sizeof(*r));
	json_t *res = NULL, *resp;
	int ret;

	*drop = false;
	if (!r)
		return NULL;
	ret = ctl_req_parse(line, len, r, err, sizeof(err));
	if (ret == -EPROTO)
		*drop = true;
	if (!ret)
		ret = cmd_exec(x, r, &res, err, sizeof(err));
	if (!ret) {
		if (r->cmd >= CMD_NET_ADD && r->cmd != CMD_NET_LIST &&
		    r->cmd != CMD_NET_SHOW && r->cmd != CMD_MAP_LIST &&
		    r->cmd != CMD_EXT_LIST && r->cmd != CMD_SESSION_LIST &&
		    r->cmd != CMD_STATS && r->cmd != CMD_LEASE_LIST &&
		    r->cmd != CMD_ENDPOINT_LIST)
			log_msg(LOG_INFO, "%s%s%s: done", ctl_cmd_name(r->cmd),
				r->has_net ? " " : "", r->net);
		resp = json_pack("{s:b, s:o}", "ok", 1, "result", res);
	} else {
		for (p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		log_msg(LOG_INFO, "request refused: %s", err);
		/* "errno": the kind of refusal, for programs (the CNI
		 * plugin tells "try again later" from the rest) */
		resp = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", err,
				 "errno", strerrorname_np(ret < 0 ? -ret : ret) ?
				 strerrorname_np(ret < 0 ? -ret : ret) : "EIO");
	}
	free(r);
	out = resp ? json_dumps(resp, JSON_COMPACT | JSON_PRESERVE_ORDER) :
		     NULL;
	json_decref(resp);
	return out;
}

/* on start, the addresses of interfaces may have changed: look again */
static void refresh_externals(struct cmd_ctx *x, struct model *m)
{
	char a[PARSE_ADDR_LEN], b[PARSE_ADDR_LEN];
	unsigned i, j;

	for (i = 0; i < DP_MAX_NETS; i++) {
		struct model_net *n = &m->net[i];

		for (j = 0; n->used && j < n->next; j++) {
			struct model_ext *e = &n->ext[j];
			char ifname[DP_IFNAMSIZ];
			uint32_t addr;
			int ret;

			fmt_addr(a, e->addr);
			if (e->is_if) {
				ret = dp_if_addr(x->dp, e->given, &addr);
				if (!ret && addr != e->addr) {
					fmt_addr(b, addr);
					log_msg(LOG_NOTICE, "network '%s': "
						"interface %s has address %s "
						"now (was %s)", n->cfg.name,
						e->given, b, a);
					e->addr = addr;
				}
			} else {
				ret = dp_addr_if(x->dp, e->addr, ifname);
				if (!ret)
					snprintf(e->uplink, sizeof(e->uplink),
						 "%s", ifname);
			}
			if (ret)
				log_msg(LOG_WARNING, "network '%s': external "
					"address %s on %s not found on the "
					"host (%s); using it as recorded",
					n->cfg.name, a, e->uplink,
					strerror(-ret));
		}
	}
}

/**
 * cmd_host_changed() - the host's addresses or routes changed (a laptop
 * roamed, an interface came up): log overlaps with the networks' prefixes
 * that are new since the last look. Translation goes on regardless; the
 * overlaps also show in 'network show' (RFC 4787 REQ-7).
 * @x:		context
 */
void cmd_host_changed(struct cmd_ctx *x)
{
	char dummy[CTL_ERR_MAX], seen[4096] = "";
	unsigned i, j;
	size_t k, off = 0;
	json_t *ov = json_array(), *v;

	for (i = 0; ov && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];

		for (j = 0; n->used && j < n->nprefix; j++)
			host_check(x, &x->cur, n->bridge, n->prefix[j],
				   n->plen[j], ov, dummy, sizeof(dummy));
		json_array_foreach(ov, k, v) {
			const char *s = json_string_value(v);
			int w = snprintf(seen + off, sizeof(seen) - off,
					 "%s: %s\n", n->cfg.name, s);

			if (w > 0 && (size_t)w < sizeof(seen) - off)
				off += (size_t)w;
			if (!strstr(x->overlaps, s))
				log_msg(LOG_WARNING, "network '%s': %s; its "
					"endpoints cannot reach that part of "
					"the host's network until one of them "
					"moves", n->cfg.name, s);
		}
		json_array_clear(ov);
	}
	json_decref(ov);
	if (!seen[0] && x->overlaps[0])
		log_msg(LOG_INFO, "no host address or route overlaps a "
			"network's prefix any more");
	memcpy(x->overlaps, seen, sizeof(seen));
}

static void warn_overlaps(struct cmd_ctx *x, const struct model *m)
{
	char dummy[CTL_ERR_MAX];
	unsigned i, j;
	size_t k;
	json_t *ov = json_array(), *v;

	for (i = 0; ov && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		for (j = 0; n->used && j < n->nprefix; j++)
			host_check(x, m, n->bridge, n->prefix[j], n->plen[j],
				   ov, dummy, sizeof(dummy));
		json_array_foreach(ov, k, v)
			log_msg(LOG_WARNING, "network '%s': %s", n->cfg.name,
				json_string_value(v));
		json_array_clear(ov);
	}
	json_decref(ov);
}

/**
 * cmd_load() - apply the state file at start, or create the default
 * network on a first start
 * @x:			context, with @nat, @dp and @state_dir set
 * @default_network:	create network "nat" when there is no state file
 * @err:		message on failure (names the file and the problem)
 * @errlen:		room at @err
 *
 * Return: 0, -errno; on failure the engine holds nothing of the state
 */
int cmd_load(struct cmd_ctx *x, bool default_network, char *err,
	     size_t errlen)
{
	char why[CTL_ERR_MAX], path[PATH_MAX + sizeof(MODEL_FILE) + 1];
	struct ctl_req *r;
	json_t *res = NULL;
	unsigned i;
	int ret;

	memset(&x->cur, 0, sizeof(x->cur));
	ret = model_load(&x->next, x->state_dir, err, errlen);
	if (ret == -ENOENT) {
		memset(&x->next, 0, sizeof(x->next));
		ret = commit(x, err, errlen);
		if (ret || !default_network)
			return ret;
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->cmd = CMD_NET_ADD;
		r->has_net = true;
		snprintf(r->net, sizeof(r->net), DEFAULT_NET_NAME);
		ret = cmd_exec(x, r, &res, why, sizeof(why));
		free(r);
		if (ret) {
			snprintf(err, errlen, "cannot create the default "
				 "network '%s': %s", DEFAULT_NET_NAME, why);
			return ret;
		}
		log_msg(LOG_NOTICE, "created the default network '%s' on %s",
			DEFAULT_NET_NAME, json_string_value(json_array_get(
				json_object_get(res, "prefixes"), 0)));
		json_decref(res);
		return 0;
	}
	if (ret)
		return ret;
	for (i = 0; i < DP_MAX_NETS; i++) {
		struct model_net *n = &x->next.net[i];

		if (!n->used)
			continue;
		/* a network that cannot be loaded whole is closed, alone */
		ret = bridge_check(x, &x->next, i, n->bridge, why,
				   sizeof(why));
		if (!ret)
			ret = pool_open(&x->pool[i], n, x->state_dir, true, why,
					sizeof(why));
		if (!ret)
			continue;
		n->closed = true;
		snprintf(x->closed_why[i], sizeof(x->closed_why[i]), "%s", why);
		log_msg(LOG_ERR, "network '%s' is closed: nothing from its "
			"bridge %s is routed or translated, and it has no DHCP "
			"server: %s; then restart hostnatd", n->cfg.name,
			n->bridge, why);
	}
	refresh_externals(x, &x->next);
	warn_overlaps(x, &x->next);
	snprintf(path, sizeof(path), "%s/%s", x->state_dir, MODEL_FILE);
	for (i = 0; i < DP_MAX_NETS; i++) {
		if (!x->next.net[i].used)
			continue;
		ret = net_apply(x, &x->next, i, why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "state file %s: network '%s': "
				 "%s; repair it or move it away", path,
				 x->next.net[i].cfg.name, why);
			goto undo;
		}
	}
	ret = commit(x, why, sizeof(why));
	if (!ret) {
		attach_check(x);
		return 0;
	}
	snprintf(err, errlen, "%s", why);
	i = DP_MAX_NETS;
undo:
	while (i--)
		if (x->next.net[i].used)
			nat_net_del(x->nat, x->next.net[i].id);
	memset(&x->cur, 0, sizeof(x->cur));
	cmd_close(x);
	return ret;
}

/**
 * cmd_close() - free what the commands hold besides the configuration: the
 * address pools (their files stay) and the table of source bindings
 * @x:		context
 */
void cmd_close(struct cmd_ctx *x)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++) {
		ipam_destroy(x->pool[i]);
		x->pool[i] = NULL;
	}
	free(x->bind);
	x->bind = NULL;
	free(x->host);
	x->host = NULL;
	x->nhost_room = 0;
	x->dps.bind = NULL;
	x->dps.nbind = 0;
}
