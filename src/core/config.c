/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - config.c: networks, their prefixes and external addresses
 *
 * Theory of operation
 * -------------------
 * A network (struct nat_net) is a name, its settings (struct nat_net_cfg:
 * timeouts, filtering, limits), up to NAT_PREFIXES_MAX internal prefixes
 * and the external addresses its endpoints are translated to. Every call
 * here checks its input completely before it changes anything, and on
 * refusal leaves a message for nat_error() that names the offending value
 * and what it collides with: a prefix overlapping another network's, an
 * external address inside an internal prefix, a setting out of range.
 *
 * A change takes effect on the sessions it concerns at once: deleting a
 * network, a prefix or an external address removes the sessions that used
 * it (flow_kill_if() with a predicate); turning isolation on removes the
 * sessions it now forbids. External addresses are shared between networks
 * by reference count (ext_unref()): the address's port bitmap goes with the
 * last network using it. Static mappings are static.c's; adding an
 * external address places the static mappings waiting for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "core.h"
#include "csum.h"
#include "name.h"

/* one network less uses an external address: the slot goes with the last */
static void ext_unref(struct nat *nat, unsigned ext)
{
	if (!--nat->exts[ext].nets)
		port_ext_reset(nat, ext);
}

/* a network's configuration complete and within its limits, or why not */
static int cfg_check(struct nat *nat, const struct nat_net_cfg *cfg)
{
	const struct nat_timeouts *to = &cfg->to;
	unsigned p;

	if (!lib_name_valid(cfg->name, NAT_NAME_MAX)) {
		nat_err(nat, "network name '%.*s' is not valid: use 1 to %d "
			     "letters, digits, '-', '_' or '.', starting with "
			     "a letter or digit",
			NAT_NAME_MAX - 1, cfg->name, NAT_NAME_MAX - 1);
		return -EINVAL;
	}
#define TO_CHECK(field, min, what)                                            \
	if (to->field < (min) || to->field > NAT_TIMEOUT_MAX) {                \
		nat_err(nat, "%s %u s is out of range: use %u to %u s (%s)",   \
			#field, to->field, (unsigned)(min), NAT_TIMEOUT_MAX,    \
			what);                                                 \
		return -EINVAL;                                                \
	}
	TO_CHECK(udp, NAT_UDP_TIMEOUT_MIN, "RFC 4787 REQ-5");
	TO_CHECK(tcp_est, NAT_TCP_EST_TIMEOUT_MIN, "RFC 5382 REQ-5");
	TO_CHECK(tcp_trans, NAT_TCP_TRANS_TIMEOUT_MIN, "RFC 5382 REQ-5");
	TO_CHECK(tcp_syn, NAT_TCP_SYN_TIMEOUT_MIN, "RFC 5382 REQ-4");
	TO_CHECK(icmp, NAT_ICMP_TIMEOUT_MIN, "RFC 5508 REQ-2");
	TO_CHECK(udp_unanswered, NAT_UDP_UNANSWERED_TIMEOUT_MIN,
		 "below 120 s departs from RFC 4787 REQ-5");
	TO_CHECK(inbound_unanswered, NAT_INBOUND_UNANSWERED_TIMEOUT_MIN,
		 "sessions from outside the endpoint never answered");
#undef TO_CHECK
	if (!cfg->port_share || cfg->port_share > NAT_PORT_SHARE_MAX) {
		nat_err(nat, "port share %u is out of range: use 1 (the whole "
			     "range) to %u (1/%u of it per endpoint)",
			cfg->port_share, NAT_PORT_SHARE_MAX, NAT_PORT_SHARE_MAX);
		return -EINVAL;
	}
	if (!cfg->map_inbound_max || !cfg->remote_inbound_max) {
		nat_err(nat, "inbound session limits %u per mapping, %u per "
			     "remote must be at least 1",
			cfg->map_inbound_max, cfg->remote_inbound_max);
		return -EINVAL;
	}
	for (p = 0; p < NAT_NPROTO; p++) {
		if (cfg->filter[p] > NAT_FILTER_APDF) {
			nat_err(nat, "filtering %u for %s is not valid: use "
				     "eif, adf or apdf", cfg->filter[p],
				nat_proto_name(p));
			return -EINVAL;
		}
	}
	if (cfg->gateway && !pkt_addr_unicast(cfg->gateway)) {
		char a[LIB_ADDR_LEN];

		lib_addr_fmt(a, cfg->gateway);
		nat_err(nat, "gateway %s is not a unicast address", a);
		return -EINVAL;
	}
	return 0;
}

int nat_net_check(struct nat *nat, unsigned id)
{
	if (id >= nat->lim.max_nets || !nat->nets[id].used) {
		nat_err(nat, "network %u does not exist", id);
		return -ENOENT;
	}
	return 0;
}

/**
 * nat_net_find() - look a network up by name
 * @nat:	engine
 * @name:	name
 * @id:		its id
 *
 * Return: 0, -ENOENT
 */
int nat_net_find(const struct nat *nat, const char *name, unsigned *id)
{
	unsigned i;

	for (i = 0; i < nat->lim.max_nets; i++) {
		if (nat->nets[i].used &&
		    !strncmp(nat->nets[i].cfg.name, name, NAT_NAME_MAX)) {
			*id = i;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * nat_net_add() - add a NAT network (no prefixes, no external addresses
 * yet)
 * @nat:	engine
 * @cfg:	settings; the name must be unused
 * @id:		the new network's id
 *
 * Return: 0, -EINVAL (settings), -EEXIST (name), -ENOSPC (max_nets)
 */
int nat_net_add(struct nat *nat, const struct nat_net_cfg *cfg,
		unsigned *id)
{
	unsigned i, dummy;
	int ret = cfg_check(nat, cfg);

	if (ret)
		return ret;
	if (!nat_net_find(nat, cfg->name, &dummy)) {
		nat_err(nat, "network '%s' exists already", cfg->name);
		return -EEXIST;
	}
	for (i = 0; i < nat->lim.max_nets; i++) {
		struct nat_net *n = &nat->nets[i];

		if (n->used)
			continue;
		memset(n, 0, sizeof(*n));
		n->cfg = *cfg;
		n->used = true;
		*id = i;
		nat->err[0] = 0;
		return 0;
	}
	nat_err(nat, "no room for network '%s': %u networks is the limit",
		cfg->name, nat->lim.max_nets);
	return -ENOSPC;
}

/* a session towards an address its endpoint may not reach (after the
 * prefixes or the host_addr changed under it), see nat_isolated() */
static bool pred_isolated(const struct nat_sess *s, const void *ctx)
{
	const struct nat *nat = ctx;

	return nat_isolated(nat, s->net, s->rem_addr);
}

/**
 * nat_net_set() - change a network's settings; sessions follow the new
 * timeouts and filtering at once
 * @nat:	engine
 * @id:		network id
 * @cfg:	new settings (the name may change if the new one is unused)
 *
 * Return: 0, -ENOENT, -EINVAL, -EEXIST
 */
int nat_net_set(struct nat *nat, unsigned id, const struct nat_net_cfg *cfg)
{
	uint32_t old_host;
	unsigned other;
	int ret = nat_net_check(nat, id);

	if (!ret)
		ret = cfg_check(nat, cfg);
	if (ret)
		return ret;
	if (!nat_net_find(nat, cfg->name, &other) && other != id) {
		nat_err(nat, "network '%s' exists already", cfg->name);
		return -EEXIST;
	}
	old_host = nat->nets[id].cfg.host_addr;
	nat->nets[id].cfg = *cfg;
	/* sessions with the old stand-in would now cross the isolation */
	if (old_host && old_host != cfg->host_addr)
		flow_kill_if(nat, pred_isolated, nat);
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_net_get() - a network's settings
 * @nat:	engine
 * @id:		network id
 * @cfg:	filled in
 *
 * Return: 0, -ENOENT
 */
int nat_net_get(const struct nat *nat, unsigned id, struct nat_net_cfg *cfg)
{
	if (id >= nat->lim.max_nets || !nat->nets[id].used)
		return -ENOENT;
	*cfg = nat->nets[id].cfg;
	return 0;
}

static bool pred_net(const struct nat_sess *s, const void *ctx)
{
	return s->net == *(const unsigned *)ctx;
}

/**
 * nat_net_del() - delete a network with its prefixes, external addresses,
 * mappings and sessions
 * @nat:	engine
 * @id:		network id
 *
 * Return: 0, -ENOENT
 */
int nat_net_del(struct nat *nat, unsigned id)
{
	struct nat_net *n;
	unsigned i;
	int ret = nat_net_check(nat, id);

	if (ret)
		return ret;
	n = &nat->nets[id];
	for (i = 0; i < nat->lim.max_static; i++)
		if (nat->statics[i].used && nat->statics[i].net == id)
			static_destroy(nat, i);
	flow_kill_if(nat, pred_net, &id);
	for (i = 0; i < n->n_ext; i++)
		ext_unref(nat, n->ext[i].ext);
	for (i = 0; i < nat->lim.max_prefixes; i++)
		if (nat->prefixes[i].used && nat->prefixes[i].net == id)
			nat->prefixes[i].used = false;
	n->used = false;
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_prefix_add() - add an internal prefix to a network
 * @nat:	engine
 * @net:	network id
 * @addr:	prefix address, host bits zero
 * @plen:	prefix length, 1 to 30
 *
 * Return: 0, -ENOENT, -EINVAL, -EADDRINUSE (overlaps a prefix or an
 * external address), -ENOSPC
 */
int nat_prefix_add(struct nat *nat, unsigned net, uint32_t addr,
		   unsigned plen)
{
	char a[LIB_ADDR_LEN], b[LIB_ADDR_LEN];
	uint32_t mask;
	unsigned i;
	int ret = nat_net_check(nat, net), free_slot = -1;

	if (ret)
		return ret;
	lib_addr_fmt(a, addr);
	if (plen < 1 || plen > 30) {
		nat_err(nat, "prefix %s/%u: length must be 1 to 30", a, plen);
		return -EINVAL;
	}
	mask = lib_prefix_mask(plen);
	if (addr & ~mask) {
		lib_addr_fmt(b, addr & mask);
		nat_err(nat, "prefix %s/%u has host bits set; did you mean "
			     "%s/%u?", a, plen, b, plen);
		return -EINVAL;
	}
	if (!pkt_addr_unicast(addr) || !pkt_addr_unicast(addr | ~mask)) {
		nat_err(nat, "prefix %s/%u is not unicast address space", a,
			plen);
		return -EINVAL;
	}
	for (i = 0; i < nat->lim.max_prefixes; i++) {
		const struct nat_prefix *px = &nat->prefixes[i];
		uint32_t m2;

		if (!px->used) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		m2 = mask & px->mask;
		if ((addr & m2) == (px->addr & m2)) {
			lib_addr_fmt(b, px->addr);
			nat_err(nat, "prefix %s/%u overlaps prefix %s/%u of "
				     "network '%s'; choose another prefix", a,
				plen, b, px->plen,
				nat->nets[px->net].cfg.name);
			return -EADDRINUSE;
		}
	}
	for (i = 0; i < nat->lim.max_ext; i++) {
		const struct nat_ext *e = &nat->exts[i];

		if (e->nets && (e->addr & mask) == addr) {
			lib_addr_fmt(b, e->addr);
			nat_err(nat, "prefix %s/%u holds external address %s; "
				     "choose another prefix", a, plen, b);
			return -EADDRINUSE;
		}
	}
	if (free_slot < 0) {
		nat_err(nat, "no room for prefix %s/%u: %u prefixes is the "
			     "limit", a, plen, nat->lim.max_prefixes);
		return -ENOSPC;
	}
	nat->prefixes[free_slot] = (struct nat_prefix){
		.addr = addr, .mask = mask, .plen = (uint8_t)plen,
		.net = (uint8_t)net, .used = true,
	};
	/* sessions towards the new prefix would cross the isolation */
	flow_kill_if(nat, pred_isolated, nat);
	nat->err[0] = 0;
	return 0;
}

struct prefix_ctx {
	uint32_t addr, mask;
};

static bool pred_prefix(const struct nat_sess *s, const void *ctx)
{
	const struct prefix_ctx *c = ctx;

	return (s->int_addr & c->mask) == c->addr;
}

/**
 * nat_prefix_del() - remove an internal prefix and its sessions
 * @nat:	engine
 * @net:	network id
 * @addr:	prefix address
 * @plen:	prefix length
 *
 * Return: 0, -ENOENT, -EBUSY (static mappings point into it)
 */
int nat_prefix_del(struct nat *nat, unsigned net, uint32_t addr,
		   unsigned plen)
{
	struct prefix_ctx c;
	char a[LIB_ADDR_LEN], b[LIB_ADDR_LEN];
	unsigned i;
	int ret = nat_net_check(nat, net);

	if (ret)
		return ret;
	lib_addr_fmt(a, addr);
	for (i = 0; i < nat->lim.max_prefixes; i++) {
		struct nat_prefix *px = &nat->prefixes[i];

		if (px->used && px->net == net && px->addr == addr &&
		    px->plen == plen)
			break;
	}
	if (i == nat->lim.max_prefixes) {
		nat_err(nat, "network '%s' has no prefix %s/%u",
			nat->nets[net].cfg.name, a, plen);
		return -ENOENT;
	}
	c.addr = addr;
	c.mask = nat->prefixes[i].mask;
	for (unsigned s = 0; s < nat->lim.max_static; s++) {
		const struct nat_static *sm = &nat->statics[s];

		if (sm->used && sm->net == net &&
		    (sm->m.int_addr & c.mask) == c.addr) {
			lib_addr_fmt(b, sm->m.int_addr);
			nat_err(nat, "prefix %s/%u has mappings to %s; delete "
				     "them first", a, plen, b);
			return -EBUSY;
		}
	}
	nat->prefixes[i].used = false;
	flow_kill_if(nat, pred_prefix, &c);
	nat->err[0] = 0;
	return 0;
}

struct hairpin_ctx {
	struct nat *nat;
	uint32_t addr;
};

static bool pred_mark_hairpin(const struct nat_sess *s, const void *ctx)
{
	const struct hairpin_ctx *c = ctx;

	if (s->rem_addr == c->addr)
		((struct nat_sess *)s)->flags |= SESS_HAIRPIN;
	return false;
}


/**
 * nat_ext_add() - give a network an external address and a dynamic port
 * range on it (Add-NetNatExternalAddress)
 * @nat:	engine
 * @net:	network id
 * @addr:	external address
 * @port_lo:	first port of the range (>= 1)
 * @port_hi:	last port
 *
 * Return: 0, -ENOENT, -EINVAL, -EEXIST, -EADDRINUSE, -ENOSPC
 */
int nat_ext_add(struct nat *nat, unsigned net, uint32_t addr,
		uint16_t port_lo, uint16_t port_hi)
{
	struct nat_net *n;
	struct hairpin_ctx hc;
	char a[LIB_ADDR_LEN];
	int ret = nat_net_check(nat, net), ext, owner;
	unsigned i;

	if (ret)
		return ret;
	n = &nat->nets[net];
	lib_addr_fmt(a, addr);
	if (!pkt_addr_unicast(addr)) {
		nat_err(nat, "external address %s is not a unicast address",
			a);
		return -EINVAL;
	}
	if (!port_lo || port_lo > port_hi) {
		nat_err(nat, "port range %u-%u is not valid: use LOW-HIGH with "
			     "1 <= LOW <= HIGH <= 65535", port_lo, port_hi);
		return -EINVAL;
	}
	owner = nat_prefix_find(nat, addr);
	if (owner >= 0) {
		nat_err(nat, "external address %s lies in an internal prefix "
			     "of network '%s'", a,
			nat->nets[owner].cfg.name);
		return -EADDRINUSE;
	}
	ext = nat_ext_find(nat, addr);
	for (i = 0; ext >= 0 && i < n->n_ext; i++) {
		if (n->ext[i].ext == ext) {
			nat_err(nat, "network '%s' has external address %s "
				     "already", n->cfg.name, a);
			return -EEXIST;
		}
	}
	if (n->n_ext == NET_EXT_MAX) {
		nat_err(nat, "network '%s' has %u external addresses, the "
			     "limit", n->cfg.name, NET_EXT_MAX);
		return -ENOSPC;
	}
	if (ext < 0) {
		for (i = 0; i < nat->lim.max_ext; i++)
			if (!nat->exts[i].nets)
				break;
		if (i == nat->lim.max_ext) {
			nat_err(nat, "no room for external address %s: %u is "
				     "the limit", a, nat->lim.max_ext);
			return -ENOSPC;
		}
		ext = (int)i;
		port_ext_reset(nat, (unsigned)ext);
		nat->exts[ext].addr = addr;
	}
	/* static mappings on every external address must fit here too */
	for (i = 0; i < nat->lim.max_static; i++) {
		const struct nat_static *sm = &nat->statics[i];

		if (sm->used && sm->net == net && !sm->m.ext_addr &&
		    nat->exts[ext].nets &&
		    port_test(nat, (unsigned)ext, sm->m.proto,
			      sm->m.ext_port)) {
			nat_err(nat, "%s port %u on %s is taken, and network "
				     "'%s' maps it on every external address",
				nat_proto_name(sm->m.proto), sm->m.ext_port, a,
				n->cfg.name);
			return -EADDRINUSE;
		}
	}
	nat->exts[ext].nets++;
	n->ext[n->n_ext++] = (struct nat_net_ext){
		.ext = (uint16_t)ext, .lo = port_lo, .hi = port_hi,
	};
	for (i = 0; i < nat->lim.max_static; i++) {
		const struct nat_static *sm = &nat->statics[i];

		if (sm->used && sm->net == net && !sm->m.ext_addr)
			static_place(nat, i, (unsigned)ext);
	}
	hc.nat = nat;
	hc.addr = addr;
	flow_kill_if(nat, pred_mark_hairpin, &hc);
	nat->err[0] = 0;
	return 0;
}

struct ext_ctx {
	uint32_t addr;
	unsigned net;
};

static bool pred_ext(const struct nat_sess *s, const void *ctx)
{
	const struct ext_ctx *c = ctx;

	return s->net == c->net && s->ext_addr == c->addr;
}

/**
 * nat_ext_del() - take an external address from a network, with the
 * sessions and dynamic mappings on it
 * @nat:	engine
 * @net:	network id
 * @addr:	external address
 *
 * Return: 0, -ENOENT, -EBUSY (a static mapping names the address)
 */
int nat_ext_del(struct nat *nat, unsigned net, uint32_t addr)
{
	struct nat_net *n;
	struct ext_ctx c = { addr, net };
	char a[LIB_ADDR_LEN];
	int ret = nat_net_check(nat, net), ext = nat_ext_find(nat, addr);
	unsigned i, j;

	if (ret)
		return ret;
	n = &nat->nets[net];
	lib_addr_fmt(a, addr);
	for (i = 0; ext >= 0 && i < n->n_ext; i++)
		if (n->ext[i].ext == ext)
			break;
	if (ext < 0 || i == n->n_ext) {
		nat_err(nat, "network '%s' has no external address %s",
			n->cfg.name, a);
		return -ENOENT;
	}
	for (j = 0; j < nat->lim.max_static; j++) {
		const struct nat_static *sm = &nat->statics[j];

		if (sm->used && sm->net == net && sm->m.ext_addr == addr) {
			nat_err(nat, "%s port %u on %s is mapped; delete the "
				     "mapping first",
				nat_proto_name(sm->m.proto), sm->m.ext_port, a);
			return -EBUSY;
		}
	}
	/* records of "every address" mappings on this address go */
	for (j = 0; j < nat->lim.max_static; j++) {
		struct nat_static *sm = &nat->statics[j];
		unsigned k;

		if (!sm->used || sm->net != net)
			continue;
		for (k = 0; k < sm->n_maps; k++) {
			if (nat->maps[sm->maps[k]].ext_addr != addr)
				continue;
			map_destroy(nat, sm->maps[k]);
			sm->maps[k] = sm->maps[--sm->n_maps];
			k--;
		}
	}
	n->ext[i] = n->ext[--n->n_ext];
	flow_kill_if(nat, pred_ext, &c);
	ext_unref(nat, (unsigned)ext);
	nat->err[0] = 0;
	return 0;
}
