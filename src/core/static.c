/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - static.c: static mappings (published ports)
 *
 * Theory of operation
 * -------------------
 * A static mapping (struct nat_static) is what nat_map_add() was given: an
 * internal address and port range, the external port range, the protocol,
 * optionally an external address, a remote restriction and host_only. It
 * lives as one mapping record per external address it is placed on
 * (static_place()): on the one it names, else on every external address of
 * its network, including those added later (config.c calls static_place()
 * from nat_ext_add()). Its ports are reserved in the address's bitmap, so
 * no dynamic mapping takes them (RFC 4787 REQ-3: no port overloading).
 *
 * nat_map_add() checks everything first (the network, the addresses, the
 * ranges, overlap with another static mapping on the same external port,
 * ports held by the host's sockets) and refuses with a message naming the
 * collision; a placement that fails half-way is rolled back with
 * static_destroy(). nat_map_del() removes the records and their sessions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "core.h"
#include "csum.h"

/* remove every mapping record of static @st and free its slot */
void static_destroy(struct nat *nat, uint32_t st)
{
	struct nat_static *sm = &nat->statics[st];
	unsigned i;

	for (i = 0; i < sm->n_maps; i++)
		map_destroy(nat, sm->maps[i]);
	sm->n_maps = 0;
	sm->used = false;
}

static const struct nat_net_ext *net_ext(const struct nat_net *n, int ext)
{
	unsigned i;

	for (i = 0; i < n->n_ext; i++)
		if (n->ext[i].ext == ext)
			return &n->ext[i];
	return NULL;
}

/* create the mapping record of static @st on external address @ext_idx */
int static_place(struct nat *nat, uint32_t st, unsigned ext_idx)
{
	struct nat_static *sm = &nat->statics[st];
	uint32_t mi;
	int ret;

	port_set(nat, ext_idx, sm->m.proto, sm->m.ext_port);
	ret = map_create_static(nat, sm->net, st, nat->exts[ext_idx].addr,
				&mi);
	if (ret) {
		port_clear(nat, ext_idx, sm->m.proto, sm->m.ext_port);
		return ret;
	}
	sm->maps[sm->n_maps++] = mi;
	return 0;
}

/**
 * nat_map_add() - add a static mapping; with @map->ext_port 0 the engine
 * picks a free port in the network's range (a dynamic mapping)
 * @nat:	engine
 * @net:	network id
 * @map:	the mapping; @ext_port is written back
 *
 * A dynamic session that holds the port, or the endpoint's addr:port, is
 * removed: an administrator's mapping wins over traffic.
 *
 * Return: 0, -ENOENT, -EINVAL, -EADDRINUSE (port mapped already), -ENOSPC
 */
int nat_map_add(struct nat *nat, unsigned net, struct nat_map *map)
{
	struct nat_net *n;
	struct nat_map m;
	int ext[NET_EXT_MAX];
	unsigned next = 0, i;
	char a[LIB_ADDR_LEN], b[LIB_ADDR_LEN];
	int ret = nat_net_check(nat, net);
	uint32_t st, mi;

	if (ret)
		return ret;
	n = &nat->nets[net];
	m = *map;
	lib_addr_fmt(a, m.int_addr);
	if (m.proto != NAT_TCP && m.proto != NAT_UDP) {
		nat_err(nat, "protocol %u cannot be mapped: use tcp or udp",
			m.proto);
		return -EINVAL;
	}
	if (nat_prefix_find(nat, m.int_addr) != (int)net) {
		nat_err(nat, "internal address %s is not in a prefix of "
			     "network '%s'", a, n->cfg.name);
		return -EINVAL;
	}
	if (!m.int_port) {
		nat_err(nat, "internal port 0 is not valid: use 1 to 65535");
		return -EINVAL;
	}
	if (m.remote_plen > 32) {
		nat_err(nat, "remote prefix length %u is not valid: use 0 to "
			     "32", m.remote_plen);
		return -EINVAL;
	}
	m.remote_addr &= lib_prefix_mask(m.remote_plen);
	if (m.ext_addr) {
		int e = nat_ext_find(nat, m.ext_addr);

		lib_addr_fmt(b, m.ext_addr);
		if (e < 0 || !net_ext(n, e)) {
			nat_err(nat, "%s is not an external address of network "
				     "'%s'", b, n->cfg.name);
			return -EINVAL;
		}
		ext[next++] = e;
	} else {
		for (i = 0; i < n->n_ext; i++)
			ext[next++] = n->ext[i].ext;
	}
	for (st = 0; st < nat->lim.max_static; st++)
		if (!nat->statics[st].used)
			break;
	if (st == nat->lim.max_static) {
		nat_err(nat, "no room for another mapping: %u is the limit",
			nat->lim.max_static);
		return -ENOSPC;
	}
	if (!m.ext_port) {
		const struct nat_net_ext *ne;
		uint32_t lo, hi, span, start, k;

		if (!next) {
			nat_err(nat, "network '%s' has no external address to "
				     "map a port on", n->cfg.name);
			return -EINVAL;
		}
		ne = net_ext(n, ext[0]);
		lo = ne->lo;
		hi = ne->hi;
		span = hi - lo + 1;
		start = nat_rand(nat) % span;
		for (k = 0; k < span; k++) {
			uint16_t p = (uint16_t)(lo + (start + k) % span);
			unsigned j;

			for (j = 0; j < next; j++)
				if (port_test(nat, (unsigned)ext[j], m.proto,
					      p) ||
				    port_held(nat, (unsigned)ext[j], m.proto, p))
					break;
			if (j == next) {
				m.ext_port = p;
				break;
			}
		}
		if (!m.ext_port) {
			nat_err(nat, "no free %s port in %u-%u on network '%s'",
				nat_proto_name(m.proto), lo, hi, n->cfg.name);
			return -ENOSPC;
		}
	}
	/* a port held by another mapping of an administrator is refused */
	for (i = 0; i < next; i++) {
		mi = map_lookup(nat, KEY_MAP_IN, m.proto, nat->exts[ext[i]].addr,
				m.ext_port);
		if (mi != NONE32 && (nat->maps[mi].flags & MAP_STATIC)) {
			const struct nat_mapping *o = &nat->maps[mi];

			lib_addr_fmt(b, o->ext_addr);
			lib_addr_fmt(a, o->int_addr);
			nat_err(nat, "%s port %u on %s is mapped to %s:%u "
				     "(network '%s') already; choose another "
				     "port or delete that mapping",
				nat_proto_name(m.proto), m.ext_port, b, a,
				o->int_port, nat->nets[o->net].cfg.name);
			return -EADDRINUSE;
		}
	}
	/* dynamic mappings on the port or of the endpoint give way */
	for (i = 0; i < next; i++) {
		mi = map_lookup(nat, KEY_MAP_IN, m.proto, nat->exts[ext[i]].addr,
				m.ext_port);
		if (mi != NONE32)
			map_destroy(nat, mi);
	}
	mi = map_lookup(nat, KEY_MAP_OUT, m.proto, m.int_addr, m.int_port);
	if (mi != NONE32 && !(nat->maps[mi].flags & MAP_STATIC))
		map_destroy(nat, mi);

	nat->statics[st] = (struct nat_static){
		.used = true, .net = (uint8_t)net, .m = m,
	};
	for (i = 0; i < next; i++) {
		ret = static_place(nat, st, (unsigned)ext[i]);
		if (ret) {
			static_destroy(nat, st);
			nat_err(nat, "no room for the mapping's records");
			return -ENOSPC;
		}
	}
	flow_rebuild(nat);
	map->ext_port = m.ext_port;
	map->remote_addr = m.remote_addr;
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_map_del() - delete a static mapping and its sessions
 * @nat:	engine
 * @net:	network id
 * @proto:	NAT_TCP or NAT_UDP
 * @ext_addr:	external address as given to nat_map_add() (0: every one)
 * @ext_port:	external port
 *
 * Return: 0, -ENOENT
 */
int nat_map_del(struct nat *nat, unsigned net, uint8_t proto,
		uint32_t ext_addr, uint16_t ext_port)
{
	struct nat_map m;
	uint32_t st, j;
	int ret = nat_net_check(nat, net);

	if (ret)
		return ret;
	for (st = 0; st < nat->lim.max_static; st++) {
		const struct nat_static *sm = &nat->statics[st];

		if (sm->used && sm->net == net && sm->m.proto == proto &&
		    sm->m.ext_addr == ext_addr && sm->m.ext_port == ext_port)
			break;
	}
	if (st == nat->lim.max_static) {
		char a[LIB_ADDR_LEN];

		lib_addr_fmt(a, ext_addr);
		nat_err(nat, "network '%s' has no %s mapping on %s port %u",
			nat->nets[net].cfg.name,
			proto < NAT_NPROTO ? nat_proto_name(proto) : "?",
			ext_addr ? a : "every address", ext_port);
		return -ENOENT;
	}
	m = nat->statics[st].m;
	static_destroy(nat, st);
	/* another mapping of the same endpoint takes over its outbound key */
	for (j = 0; j < nat->lim.max_static; j++) {
		struct nat_static *sm = &nat->statics[j];

		if (sm->used && sm->m.proto == m.proto &&
		    sm->m.int_addr == m.int_addr &&
		    sm->m.int_port == m.int_port && sm->n_maps &&
		    map_lookup(nat, KEY_MAP_OUT, m.proto, m.int_addr,
			       m.int_port) == NONE32)
			map_claim_outkey(nat, sm->maps[0]);
	}
	flow_rebuild(nat);
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_map_walk() - call @fn for each static mapping
 * @nat:	engine
 * @net:	network id, or -1u for all networks
 * @fn:		called per mapping; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_map_walk(const struct nat *nat, unsigned net,
		 int (*fn)(unsigned net, const struct nat_map *map, void *ctx),
		 void *ctx)
{
	uint32_t st;

	for (st = 0; st < nat->lim.max_static; st++) {
		const struct nat_static *sm = &nat->statics[st];
		int ret;

		if (!sm->used || (net != -1u && sm->net != net))
			continue;
		ret = fn(sm->net, &sm->m, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
