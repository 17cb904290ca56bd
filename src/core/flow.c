/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - flow.c: sessions, mappings, per-endpoint counts and expiry
 *
 * Theory of operation
 * -------------------
 * See core.h for the pools and indexes. This file owns their life cycle:
 *
 * Mappings (RFC 4787 REQ-1, RFC 5382 REQ-1): a dynamic mapping is created by
 * the first outbound packet of an endpoint's addr:port and reused for every
 * destination after it; it takes one port from its external address's
 * bitmap (no port overloading, RFC 4787 REQ-3, RFC 5382 REQ-7) and gives it
 * back when its last session expires. The external address is chosen by a
 * hash of the endpoint address, so all of an endpoint's mappings share one
 * external address while it has ports (paired pooling, RFC 4787 REQ-2). A
 * static mapping has one mapping record per external address it covers and
 * lives until it is deleted.
 *
 * Ports: an endpoint owns at most 1/port_share of an external address's
 * dynamic range per protocol (RFC 6888 REQ-4, a per-subscriber port limit),
 * so an endpoint that opens flows from every source port it has cannot
 * leave the others of every network on that address without ports. The
 * count is the endpoint's dynamic mappings of the protocol over all
 * addresses, checked against the share of the address a port is taken
 * from: it never holds more than its share of any one address.
 *
 * Sessions: one per (mapping, remote addr:port), created by an outbound
 * packet, or by an inbound one that filtering lets through. Each endpoint
 * may hold at most max_flows_per_host sessions and at most half of that
 * created from outside, so neither a busy endpoint nor a flood aimed at one
 * endpoint's mapping can take the table from the others. Sessions created
 * from outside have limits of their own: map_inbound_max per mapping and
 * remote_inbound_max per (mapping, remote address), the latter counted in
 * a table of hashed counters (rem_cnt; two pairs that share a counter share
 * its limit, which only makes it stricter). When the mapping's budget or
 * the endpoint's inbound half is full, a session from outside that the
 * endpoint never answered is evicted to make room (the newest found among
 * the first EVICT_WALK_MAX of the mapping): one remote host, or many, that
 * sprays a mapping cannot keep out a client the endpoint would answer.
 *
 * Unanswered sessions time out sooner: a UDP session the endpoint opened
 * that no inbound packet matched after udp_unanswered seconds, one created
 * from outside that the endpoint never answered after inbound_unanswered
 * (see nat.h for why each is allowed).
 *
 * Timers: a session's timeout follows its protocol and TCP state (the
 * network's struct nat_timeouts). flow_expire() walks the wheel slots that
 * came due since its last call, for a bounded amount of work per call.
 * Deleting sessions outside the wheel (an administrator's command) rebuilds
 * the wheel and the free list in one pass over the pool.
 */
#include <errno.h>
#include <string.h>

#include "core.h"

static void wheel_place(struct nat *nat, uint32_t sidx, uint32_t when)
{
	struct nat_sess *s = &nat->sess[sidx];
	uint32_t horizon = nat->now + WHEEL_SLOTS - 1;
	unsigned slot;

	if (when > horizon)
		when = horizon;
	if (when <= nat->wheel_tick)
		when = nat->wheel_tick + 1;
	slot = when % WHEEL_SLOTS;
	s->wheel_next = nat->wheel[slot];
	nat->wheel[slot] = sidx;
	s->flags |= SESS_WHEEL;
}

/**
 * flow_setup() - allocate the session, mapping and host pools
 * @nat:	engine, with @lim set
 *
 * Return: 0, -ENOMEM
 */
int flow_setup(struct nat *nat)
{
	const struct nat_limits *l = &nat->lim;
	void *m;
	uint32_t i;

	nat->sess = nat_alloc(nat, (size_t)l->max_flows * sizeof(*nat->sess));
	m = nat_alloc(nat, htab_size(2 * l->max_flows));
	if (!nat->sess || !m)
		return -ENOMEM;
	htab_init(&nat->sess_h, m, 2 * l->max_flows);
	for (i = 0; i < l->max_flows; i++)
		nat->sess[i].wheel_next = i + 1 < l->max_flows ? i + 1 : NONE32;
	nat->sess_free = 0;
	for (i = 0; i < WHEEL_SLOTS; i++)
		nat->wheel[i] = NONE32;
	nat->wheel_tick = 0;

	nat->maps_max = l->max_flows + l->max_static * NET_EXT_MAX;
	nat->maps = nat_alloc(nat, (size_t)nat->maps_max * sizeof(*nat->maps));
	m = nat_alloc(nat, htab_size(2 * nat->maps_max));
	if (!nat->maps || !m)
		return -ENOMEM;
	htab_init(&nat->map_h, m, 2 * nat->maps_max);
	for (i = 0; i < nat->maps_max; i++)
		nat->maps[i].sess_head = i + 1 < nat->maps_max ? i + 1 : NONE32;
	nat->map_free = 0;

	for (i = 1024; i < l->max_flows / 4 && i < 1u << 24; i <<= 1)
		;
	nat->rem_cnt = nat_alloc(nat, (size_t)i * sizeof(*nat->rem_cnt));
	if (!nat->rem_cnt)
		return -ENOMEM;
	nat->rem_mask = i - 1;

	nat->hosts = nat_alloc(nat, (size_t)l->max_hosts * sizeof(*nat->hosts));
	m = nat_alloc(nat, htab_size(l->max_hosts));
	if (!nat->hosts || !m)
		return -ENOMEM;
	htab_init(&nat->host_h, m, l->max_hosts);
	for (i = 0; i < l->max_hosts; i++)
		nat->hosts[i].next_free = i + 1 < l->max_hosts ? i + 1 : NONE32;
	nat->host_free = 0;
	return 0;
}

/**
 * sess_lookup() - find a session by one of its two keys
 * @nat:	engine
 * @kind:	KEY_SESS_OUT (@laddr:@lport internal) or KEY_SESS_IN (external)
 * @proto:	enum nat_proto
 * @laddr:	our side's address
 * @lport:	our side's port
 * @raddr:	remote address
 * @rport:	remote port
 *
 * Return: session index, NONE32 if there is none
 */
uint32_t sess_lookup(const struct nat *nat, enum key_kind kind, uint8_t proto,
		     uint32_t laddr, uint16_t lport, uint32_t raddr,
		     uint16_t rport)
{
	uint64_t h = key_hash(nat, kind, proto, laddr, lport, raddr, rport);
	struct htab_it it;
	uint32_t v;

	htab_it_init(&nat->sess_h, h, &it);
	while ((v = htab_it_next(&nat->sess_h, &it)) != HTAB_NONE) {
		const struct nat_sess *s = &nat->sess[v >> 1];

		if ((v & 1) != kind || s->rem_addr != raddr ||
		    s->rem_port != rport || s->proto != proto)
			continue;
		if (kind == KEY_SESS_OUT ? s->int_addr == laddr &&
						   s->int_port == lport
					 : s->ext_addr == laddr &&
						   s->ext_port == lport)
			return v >> 1;
	}
	return NONE32;
}

/**
 * map_lookup() - find a mapping by endpoint or by external address:port
 * @nat:	engine
 * @kind:	KEY_MAP_OUT (endpoint) or KEY_MAP_IN (external)
 * @proto:	enum nat_proto
 * @addr:	address
 * @port:	port or ICMP identifier
 *
 * Return: mapping index, NONE32 if there is none
 */
uint32_t map_lookup(const struct nat *nat, enum key_kind kind, uint8_t proto,
		    uint32_t addr, uint16_t port)
{
	uint64_t h = key_hash(nat, kind, proto, addr, port, 0, 0);
	struct htab_it it;
	uint32_t v;

	htab_it_init(&nat->map_h, h, &it);
	while ((v = htab_it_next(&nat->map_h, &it)) != HTAB_NONE) {
		const struct nat_mapping *mp = &nat->maps[v >> 1];

		if ((v & 1) != (kind == KEY_MAP_IN) || mp->proto != proto)
			continue;
		if (kind == KEY_MAP_OUT ? mp->int_addr == addr &&
						  mp->int_port == port
					: mp->ext_addr == addr &&
						  mp->ext_port == port)
			return v >> 1;
	}
	return NONE32;
}

static uint32_t host_find(const struct nat *nat, uint32_t addr)
{
	uint64_t h = key_hash(nat, KEY_HOST, 0, addr, 0, 0, 0);
	struct htab_it it;
	uint32_t v;

	htab_it_init(&nat->host_h, h, &it);
	while ((v = htab_it_next(&nat->host_h, &it)) != HTAB_NONE)
		if (nat->hosts[v].addr == addr)
			return v;
	return NONE32;
}

/**
 * flow_host_room() - whether an endpoint may have one more session
 * @nat:	engine
 * @addr:	endpoint address
 * @inbound:	the session would be created from outside
 *
 * Return: true if it is under its limits
 */
bool flow_host_room(struct nat *nat, uint32_t addr, bool inbound)
{
	uint32_t hi = host_find(nat, addr);
	const struct nat_host *h;

	if (hi == NONE32)
		return nat->host_free != NONE32;
	h = &nat->hosts[hi];
	if (h->nsess >= nat->lim.max_flows_per_host)
		return false;
	if (inbound && h->nsess_in >= nat->lim.max_flows_per_host / 2)
		return false;
	return true;
}

static uint32_t host_get(struct nat *nat, uint32_t addr)
{
	uint32_t hi = host_find(nat, addr);
	struct nat_host *h;

	if (hi != NONE32)
		return hi;
	hi = nat->host_free;
	if (hi == NONE32)
		return NONE32;
	h = &nat->hosts[hi];
	nat->host_free = h->next_free;
	h->addr = addr;
	h->nsess = h->nsess_in = 0;
	memset(h->nmap, 0, sizeof(h->nmap));
	htab_insert(&nat->host_h, key_hash(nat, KEY_HOST, 0, addr, 0, 0, 0),
		    hi);
	nat->st.hosts++;
	return hi;
}

/* free a host record that counts nothing any more */
static void host_release(struct nat *nat, uint32_t hi)
{
	struct nat_host *h = &nat->hosts[hi];
	unsigned p;

	if (h->nsess)
		return;
	for (p = 0; p < NAT_NPROTO; p++)
		if (h->nmap[p])
			return;
	htab_remove(&nat->host_h, key_hash(nat, KEY_HOST, 0, h->addr, 0, 0, 0),
		    hi);
	h->next_free = nat->host_free;
	nat->host_free = hi;
	nat->st.hosts--;
}

static void host_put(struct nat *nat, uint32_t addr, bool inbound)
{
	uint32_t hi = host_find(nat, addr);
	struct nat_host *h;

	if (hi == NONE32)
		return;
	h = &nat->hosts[hi];
	h->nsess--;
	if (inbound)
		h->nsess_in--;
	host_release(nat, hi);
}

static uint32_t map_get(struct nat *nat)
{
	uint32_t mi = nat->map_free;

	if (mi != NONE32) {
		nat->map_free = nat->maps[mi].sess_head;
		nat->st.mappings++;
	}
	return mi;
}

static void map_put(struct nat *nat, uint32_t mi)
{
	struct nat_mapping *mp = &nat->maps[mi];

	mp->flags = 0;
	mp->sess_head = nat->map_free;
	nat->map_free = mi;
	nat->st.mappings--;
}

static uint64_t map_hash(const struct nat *nat, const struct nat_mapping *mp,
			 enum key_kind kind)
{
	if (kind == KEY_MAP_OUT)
		return key_hash(nat, kind, mp->proto, mp->int_addr,
				mp->int_port, 0, 0);
	return key_hash(nat, kind, mp->proto, mp->ext_addr, mp->ext_port, 0, 0);
}

static void map_link(struct nat *nat, uint32_t mi, bool outkey)
{
	struct nat_mapping *mp = &nat->maps[mi];

	htab_insert(&nat->map_h, map_hash(nat, mp, KEY_MAP_IN), mi << 1 | 1);
	if (outkey) {
		htab_insert(&nat->map_h, map_hash(nat, mp, KEY_MAP_OUT),
			    mi << 1);
		mp->flags |= MAP_OUTKEY;
	}
	mp->flags |= MAP_LIVE;
}

static int map_install(struct nat *nat, unsigned net, uint8_t proto,
		       uint32_t int_addr, uint16_t int_port, uint32_t hi,
		       unsigned ext, uint16_t port, uint32_t *midx);

/**
 * map_create_dynamic() - bind an endpoint addr:port to a free external port
 * @nat:	engine
 * @net:	network id
 * @proto:	enum nat_proto
 * @int_addr:	endpoint address
 * @int_port:	endpoint port (ICMP identifier)
 * @midx:	the new mapping
 *
 * Return: 0, -NAT_DROP_PORTS_FULL, -NAT_DROP_PORT_SHARE (the endpoint owns
 * its share of every address it could take a port from),
 * -NAT_DROP_HOST_LIMIT (no endpoint record) or -NAT_DROP_TABLE_FULL
 */
int map_create_dynamic(struct nat *nat, unsigned net, uint8_t proto,
		       uint32_t int_addr, uint16_t int_port, uint32_t *midx)
{
	const struct nat_net *n = &nat->nets[net];
	uint64_t h = key_hash(nat, KEY_HOST, 0, int_addr, 0, 0, 1);
	unsigned first, i, share_n = n->cfg.port_share;
	bool share_hit = false;
	int port = -1;
	uint32_t hi;

	if (!n->n_ext)
		return -NAT_DROP_PORTS_FULL;
	hi = host_get(nat, int_addr);
	if (hi == NONE32)
		return -NAT_DROP_HOST_LIMIT;
	first = (unsigned)((h & 0xffffffff) * n->n_ext >> 32);
	for (i = 0; i < n->n_ext && port < 0; i++) {
		const struct nat_net_ext *ne = &n->ext[(first + i) % n->n_ext];
		uint32_t range = (uint32_t)ne->hi - ne->lo + 1;

		if (ne->lo > ne->hi)
			continue;
		/* RFC 6888 REQ-4: the endpoint's share of this address */
		if (share_n > 1 &&
		    nat->hosts[hi].nmap[proto] >= (range + share_n - 1) / share_n) {
			share_hit = true;
			continue;
		}
		port = port_alloc(nat, ne->ext, proto, ne->lo, ne->hi,
				  int_port);
		if (port >= 0)
			first = (first + i) % n->n_ext;
	}
	if (port < 0) {
		host_release(nat, hi);
		return share_hit ? -NAT_DROP_PORT_SHARE : -NAT_DROP_PORTS_FULL;
	}
	return map_install(nat, net, proto, int_addr, int_port, hi,
			   n->ext[first].ext, (uint16_t)port, midx);
}

/* the mapping record of a dynamic mapping whose port @port on external
 * address @ext is already owned (port_set()) and whose endpoint record @hi
 * is taken; undoes both when the table is full */
static int map_install(struct nat *nat, unsigned net, uint8_t proto,
		       uint32_t int_addr, uint16_t int_port, uint32_t hi,
		       unsigned ext, uint16_t port, uint32_t *midx)
{
	struct nat_mapping *mp;
	uint32_t mi = map_get(nat);

	if (mi == NONE32) {
		port_clear(nat, ext, proto, port);
		host_release(nat, hi);
		return -NAT_DROP_TABLE_FULL;
	}
	nat->hosts[hi].nmap[proto]++;
	mp = &nat->maps[mi];
	mp->int_addr = int_addr;
	mp->int_port = int_port;
	mp->ext_addr = nat->exts[ext].addr;
	mp->ext_port = port;
	mp->proto = proto;
	mp->net = (uint8_t)net;
	mp->flags = 0;
	mp->nsess = mp->nsess_in = 0;
	mp->sess_head = NONE32;
	mp->stat = NONE32;
	map_link(nat, mi, true);
	nat->st.mappings_created++;
	*midx = mi;
	return 0;
}

/**
 * map_create_at() - a dynamic mapping on a given external port, as an
 * earlier daemon had it (save.c); the port must be free and not held
 * @nat:	engine
 * @net:	network id
 * @proto:	enum nat_proto
 * @int_addr:	endpoint address
 * @int_port:	endpoint port (ICMP identifier)
 * @slot:	the external address, as an index into the network's list
 * @port:	external port
 * @midx:	the new mapping
 *
 * Return: 0, -NAT_DROP_CONFLICT (the port is taken or held),
 * -NAT_DROP_PORT_SHARE (the endpoint owns its share of the address),
 * -NAT_DROP_HOST_LIMIT or -NAT_DROP_TABLE_FULL
 */
int map_create_at(struct nat *nat, unsigned net, uint8_t proto,
		  uint32_t int_addr, uint16_t int_port, unsigned slot,
		  uint16_t port, uint32_t *midx)
{
	const struct nat_net *n = &nat->nets[net];
	const struct nat_net_ext *ne = &n->ext[slot];
	unsigned ext = ne->ext, share_n = n->cfg.port_share;
	uint32_t hi, range = (uint32_t)ne->hi - ne->lo + 1;

	if (port_test(nat, ext, proto, port) ||
	    port_held(nat, ext, proto, port))
		return -NAT_DROP_CONFLICT;
	hi = host_get(nat, int_addr);
	if (hi == NONE32)
		return -NAT_DROP_HOST_LIMIT;
	/* RFC 6888 REQ-4, as map_create_dynamic() counts it */
	if (share_n > 1 &&
	    nat->hosts[hi].nmap[proto] >= (range + share_n - 1) / share_n) {
		host_release(nat, hi);
		return -NAT_DROP_PORT_SHARE;
	}
	port_set(nat, ext, proto, port);
	return map_install(nat, net, proto, int_addr, int_port, hi, ext, port,
			   midx);
}

/**
 * map_create_static() - the mapping record of a static mapping on one
 * external address (the port is already owned by the caller)
 * @nat:	engine
 * @net:	network id
 * @stat:	static mapping index
 * @ext_addr:	external address of this record
 * @midx:	the new mapping
 *
 * Return: 0, -ENOSPC
 */
int map_create_static(struct nat *nat, unsigned net, uint32_t stat,
		      uint32_t ext_addr, uint32_t *midx)
{
	const struct nat_map *m = &nat->statics[stat].m;
	struct nat_mapping *mp;
	uint32_t mi = map_get(nat);

	if (mi == NONE32)
		return -ENOSPC;
	mp = &nat->maps[mi];
	mp->int_addr = m->int_addr;
	mp->int_port = m->int_port;
	mp->ext_addr = ext_addr;
	mp->ext_port = m->ext_port;
	mp->proto = m->proto;
	mp->net = (uint8_t)net;
	mp->flags = MAP_STATIC;
	mp->nsess = mp->nsess_in = 0;
	mp->sess_head = NONE32;
	mp->stat = stat;
	map_link(nat, mi, map_lookup(nat, KEY_MAP_OUT, m->proto, m->int_addr,
				     m->int_port) == NONE32);
	nat->st.mappings_created++;
	*midx = mi;
	return 0;
}

static void map_unlink(struct nat *nat, uint32_t mi)
{
	struct nat_mapping *mp = &nat->maps[mi];
	int ext = nat_ext_find(nat, mp->ext_addr);

	htab_remove(&nat->map_h, map_hash(nat, mp, KEY_MAP_IN), mi << 1 | 1);
	if (mp->flags & MAP_OUTKEY)
		htab_remove(&nat->map_h, map_hash(nat, mp, KEY_MAP_OUT),
			    mi << 1);
	if (ext >= 0)
		port_clear(nat, (unsigned)ext, mp->proto, mp->ext_port);
	if (mp->stat == NONE32) {
		/* a dynamic mapping's port counted in its endpoint's share */
		uint32_t hi = host_find(nat, mp->int_addr);

		if (hi != NONE32) {
			nat->hosts[hi].nmap[mp->proto]--;
			host_release(nat, hi);
		}
	}
	map_put(nat, mi);
}

/* the counter of inbound sessions of one (mapping, remote address) */
static uint32_t *rem_counter(const struct nat *nat, uint8_t proto,
			     uint32_t ext_addr, uint16_t ext_port,
			     uint32_t rem_addr)
{
	uint64_t h = key_hash(nat, KEY_HOST, proto, ext_addr, ext_port,
			      rem_addr, 0x5eed);

	return &nat->rem_cnt[(h >> 32) & nat->rem_mask];
}

/* a session's end, for monitors: out of the wheel, a TCP session that
 * saw FIN both ways or RST closed, any other expired */
static uint8_t end_reason_expired(const struct nat_sess *s)
{
	if (s->proto == NAT_TCP && (s->state == NAT_TCP_BOTH_FIN ||
				    s->state == NAT_TCP_TRANS))
		return NAT_END_CLOSED;
	return NAT_END_EXPIRED;
}

/* the one place sessions end; @reason: enum nat_end_reason, logged */
static void sess_unlink(struct nat *nat, uint32_t si, uint8_t reason)
{
	struct nat_sess *s = &nat->sess[si];
	struct nat_mapping *mp = &nat->maps[s->map];

	fast_state_pull(nat, si);	/* where the fast path left it */
	ev_sess(nat, si, NAT_EV_END, reason);
	fast_unlink(nat, si);	/* its keys out of the kernel first */

	htab_remove(&nat->sess_h,
		    key_hash(nat, KEY_SESS_OUT, s->proto, s->int_addr,
			     s->int_port, s->rem_addr, s->rem_port),
		    si << 1);
	htab_remove(&nat->sess_h,
		    key_hash(nat, KEY_SESS_IN, s->proto, s->ext_addr,
			     s->ext_port, s->rem_addr, s->rem_port),
		    si << 1 | 1);
	if (s->m_prev != NONE32)
		nat->sess[s->m_prev].m_next = s->m_next;
	else
		mp->sess_head = s->m_next;
	if (s->m_next != NONE32)
		nat->sess[s->m_next].m_prev = s->m_prev;
	host_put(nat, s->int_addr, s->flags & SESS_INBOUND);
	if (s->flags & SESS_INBOUND) {
		mp->nsess_in--;
		(*rem_counter(nat, s->proto, s->ext_addr, s->ext_port,
			      s->rem_addr))--;
	}
	s->flags &= (uint8_t)~SESS_LIVE;
	nat->st.sessions--;
	if (!--mp->nsess && !(mp->flags & MAP_STATIC))
		map_unlink(nat, s->map);
}

/* make room for a session from outside on a mapping: unlink one session
 * from outside that the endpoint never answered; never the last session of
 * a dynamic mapping (the mapping would go with it) */
static bool map_evict_unanswered(struct nat *nat, uint32_t map)
{
	struct nat_mapping *mp = &nat->maps[map];
	uint32_t si = mp->sess_head;
	unsigned n = 0;

	if (mp->nsess < 2 && mp->stat == NONE32)
		return false;
	while (si != NONE32 && n++ < EVICT_WALK_MAX) {
		const struct nat_sess *s = &nat->sess[si];

		if ((s->flags & SESS_INBOUND) && !sess_answered(s->flags)) {
			sess_unlink(nat, si, NAT_END_EVICTED);
			nat->st.sess_evicted++;
			return true;
		}
		si = s->m_next;
	}
	return false;
}

/**
 * sess_create() - a session of a mapping towards one remote addr:port
 * @nat:	engine
 * @map:	mapping index
 * @rem_addr:	remote address
 * @rem_port:	remote port (0 for ICMP)
 * @inbound:	created by an inbound packet
 * @sidx:	the new session
 *
 * Return: 0, or -NAT_DROP_TABLE_FULL, -NAT_DROP_HOST_LIMIT,
 * -NAT_DROP_CONFLICT, -NAT_DROP_REMOTE_LIMIT, -NAT_DROP_MAP_INBOUND_LIMIT
 */
int sess_create(struct nat *nat, uint32_t map, uint32_t rem_addr,
		uint16_t rem_port, bool inbound, uint32_t *sidx)
{
	return sess_create_from(nat, map, rem_addr, rem_port, inbound, NULL,
				sidx);
}

/**
 * sess_create_from() - sess_create() for a session that lived before, in
 * an earlier daemon (save.c): its TCP state, answered flags, packet count
 * and times come from @init instead of starting afresh
 * @nat:	engine
 * @map:	its mapping
 * @rem_addr:	remote address
 * @rem_port:	remote port (0 for ICMP)
 * @inbound:	created by an inbound packet
 * @init:	what the session was, or NULL for a new one
 * @sidx:	the new session
 *
 * Return: as sess_create()
 */
int sess_create_from(struct nat *nat, uint32_t map, uint32_t rem_addr,
		     uint16_t rem_port, bool inbound,
		     const struct sess_init *init, uint32_t *sidx)
{
	struct nat_mapping *mp = &nat->maps[map];
	uint32_t si, hi, *rc = NULL;
	struct nat_sess *s;

	if (nat->sess_free == NONE32)
		return -NAT_DROP_TABLE_FULL;
	if (inbound) {
		const struct nat_net_cfg *cfg = &nat->nets[mp->net].cfg;

		rc = rem_counter(nat, mp->proto, mp->ext_addr, mp->ext_port,
				 rem_addr);
		if (*rc >= cfg->remote_inbound_max)
			return -NAT_DROP_REMOTE_LIMIT;
		if (mp->nsess_in >= cfg->map_inbound_max &&
		    !map_evict_unanswered(nat, map))
			return -NAT_DROP_MAP_INBOUND_LIMIT;
		if (!flow_host_room(nat, mp->int_addr, true) &&
		    !map_evict_unanswered(nat, map))
			return -NAT_DROP_HOST_LIMIT;
	} else if (!flow_host_room(nat, mp->int_addr, false)) {
		return -NAT_DROP_HOST_LIMIT;
	}
	if (sess_lookup(nat, KEY_SESS_OUT, mp->proto, mp->int_addr,
			mp->int_port, rem_addr, rem_port) != NONE32 ||
	    sess_lookup(nat, KEY_SESS_IN, mp->proto, mp->ext_addr,
			mp->ext_port, rem_addr, rem_port) != NONE32)
		return -NAT_DROP_CONFLICT;
	hi = host_get(nat, mp->int_addr);
	if (hi == NONE32)
		return -NAT_DROP_HOST_LIMIT;

	si = nat->sess_free;
	s = &nat->sess[si];
	nat->sess_free = s->wheel_next;
	s->rem_addr = rem_addr;
	s->rem_port = rem_port;
	s->int_addr = mp->int_addr;
	s->int_port = mp->int_port;
	s->ext_addr = mp->ext_addr;
	s->ext_port = mp->ext_port;
	s->proto = mp->proto;
	s->state = mp->proto == NAT_TCP ? NAT_TCP_OUT_INIT : NAT_TCP_NONE;
	s->map = map;
	s->last = s->created = nat->now;
	s->net = mp->net;
	s->flags = SESS_LIVE;
	s->fast = 0;
	s->npkts = 0;
	if (inbound)
		s->flags |= SESS_INBOUND;
	if (mp->flags & MAP_STATIC)
		s->flags |= SESS_STATIC;
	if (nat_ext_find(nat, rem_addr) >= 0)
		s->flags |= SESS_HAIRPIN;
	if (rem_addr && rem_addr == nat->nets[mp->net].cfg.host_addr)
		s->flags |= SESS_HOSTREM;
	if (init) {
		s->state = init->state;
		s->flags |= init->seen & (SESS_SEEN_IN | SESS_SEEN_OUT);
		s->npkts = init->npkts;
		s->last = init->last;
		s->created = init->created;
	}
	s->m_prev = NONE32;
	s->m_next = mp->sess_head;
	if (s->m_next != NONE32)
		nat->sess[s->m_next].m_prev = si;
	mp->sess_head = si;
	mp->nsess++;

	htab_insert(&nat->sess_h,
		    key_hash(nat, KEY_SESS_OUT, s->proto, s->int_addr,
			     s->int_port, rem_addr, rem_port),
		    si << 1);
	htab_insert(&nat->sess_h,
		    key_hash(nat, KEY_SESS_IN, s->proto, s->ext_addr,
			     s->ext_port, rem_addr, rem_port),
		    si << 1 | 1);
	nat->hosts[hi].nsess++;
	if (inbound) {
		nat->hosts[hi].nsess_in++;
		mp->nsess_in++;
		(*rc)++;
	}
	wheel_place(nat, si, nat->now + flow_timeout(nat, s));
	nat->st.sessions++;
	nat->st.sessions_created++;
	ev_sess(nat, si, NAT_EV_NEW, NAT_END_NONE);
	*sidx = si;
	return 0;
}

/**
 * flow_timeout() - idle timeout of a session in its present state
 * @nat:	engine
 * @s:		session
 *
 * Return: seconds
 */
uint32_t flow_timeout(const struct nat *nat, const struct nat_sess *s)
{
	const struct nat_timeouts *to = &nat->nets[s->net].cfg.to;

	uint32_t t;

	switch (s->proto) {
	case NAT_UDP:
		if (sess_answered(s->flags))
			return to->udp;
		t = s->flags & SESS_INBOUND ? to->inbound_unanswered
					    : to->udp_unanswered;
		return t < to->udp ? t : to->udp;
	case NAT_ICMP:
		return to->icmp;
	default:
		break;
	}
	switch (s->state) {
	case NAT_TCP_ESTABLISHED:
	case NAT_TCP_OUT_FIN:
	case NAT_TCP_IN_FIN:
		return to->tcp_est;
	default:
		return to->tcp_trans;
	}
}

static void sess_free(struct nat *nat, uint32_t si)
{
	struct nat_sess *s = &nat->sess[si];

	s->flags = 0;
	s->wheel_next = nat->sess_free;
	nat->sess_free = si;
}

/**
 * flow_expire() - expire the sessions whose time has come
 * @nat:	engine, with @now set
 * @budget:	sessions to look at, at most
 */
void flow_expire(struct nat *nat, unsigned budget)
{
	while (nat->wheel_tick < nat->now) {
		uint32_t tick = nat->wheel_tick + 1;
		unsigned slot = tick % WHEEL_SLOTS;
		uint32_t si = nat->wheel[slot];

		nat->wheel[slot] = NONE32;
		while (si != NONE32) {
			struct nat_sess *s = &nat->sess[si];
			uint32_t next = s->wheel_next, exp;

			if (!budget--) {
				/* put the rest back, resume next call */
				uint32_t tail = si;

				while (nat->sess[tail].wheel_next != NONE32)
					tail = nat->sess[tail].wheel_next;
				nat->sess[tail].wheel_next = nat->wheel[slot];
				nat->wheel[slot] = si;
				return;
			}
			s->flags &= (uint8_t)~SESS_WHEEL;
			if (!(s->flags & SESS_LIVE)) {
				sess_free(nat, si);
			} else {
				if (s->fast) {	/* the fast path's packets */
					s->last = fast_last(nat, si);
					fast_state_pull(nat, si);
				}
				exp = s->last + flow_timeout(nat, s);
				if (exp <= nat->now && s->fast == FAST_ON) {
					/* keys out, then a second look */
					fast_dying(nat, si);
					wheel_place(nat, si, nat->now + 1);
				} else if (exp <= nat->now) {
					sess_unlink(nat, si,
						    end_reason_expired(s));
					sess_free(nat, si);
					nat->st.sessions_expired++;
				} else {
					/* used meanwhile: in the kernel again */
					fast_revive(nat, si);
					wheel_place(nat, si, exp);
				}
			}
			si = next;
		}
		nat->wheel_tick = tick;
	}
}

/**
 * flow_rebuild() - rebuild the wheel and the free list from the pool, so
 * that sessions removed outside the wheel are free at once
 * @nat:	engine
 */
void flow_rebuild(struct nat *nat)
{
	uint32_t i;

	for (i = 0; i < WHEEL_SLOTS; i++)
		nat->wheel[i] = NONE32;
	nat->sess_free = NONE32;
	nat->wheel_tick = nat->now;
	for (i = nat->lim.max_flows; i-- > 0;) {
		struct nat_sess *s = &nat->sess[i];

		if (s->flags & SESS_LIVE)
			wheel_place(nat, i, s->last + flow_timeout(nat, s));
		else
			sess_free(nat, i);
	}
}

/**
 * flow_kill_if() - remove every session a predicate picks, and free them
 * @nat:	engine
 * @pred:	returns true for the sessions to remove
 * @ctx:	passed to @pred
 *
 * Return: sessions removed
 */
unsigned flow_kill_if(struct nat *nat,
		      bool (*pred)(const struct nat_sess *s, const void *ctx),
		      const void *ctx)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < nat->lim.max_flows; i++) {
		struct nat_sess *s = &nat->sess[i];

		if ((s->flags & SESS_LIVE) && pred(s, ctx)) {
			sess_unlink(nat, i, NAT_END_REMOVED);
			n++;
		}
	}
	flow_rebuild(nat);
	return n;
}

/**
 * map_destroy() - remove a mapping and its sessions (the caller runs
 * flow_kill_if() or knows the mapping has no sessions)
 * @nat:	engine
 * @midx:	mapping
 */
void map_destroy(struct nat *nat, uint32_t midx)
{
	struct nat_mapping *mp = &nat->maps[midx];

	mp->flags &= (uint8_t)~MAP_STATIC; /* last session unlinks it */
	if (!mp->nsess) {
		map_unlink(nat, midx);
		return;
	}
	while (mp->sess_head != NONE32 && (mp->flags & MAP_LIVE)) {
		uint32_t si = mp->sess_head;

		sess_unlink(nat, si, NAT_END_REMOVED);
	}
}

/**
 * map_adf_allows() - address-dependent filtering: has the endpoint of this
 * mapping sent to @rem_addr? (RFC 4787 REQ-8)
 * @nat:	engine
 * @midx:	mapping
 * @rem_addr:	remote address
 *
 * Return: true if a session of the mapping has that remote address; the walk
 * is bounded by ADF_WALK_MAX sessions
 */
bool map_adf_allows(const struct nat *nat, uint32_t midx, uint32_t rem_addr)
{
	uint32_t si = nat->maps[midx].sess_head;
	unsigned n = 0;

	while (si != NONE32 && n++ < ADF_WALK_MAX) {
		const struct nat_sess *s = &nat->sess[si];

		if (s->rem_addr == rem_addr && !(s->flags & SESS_INBOUND))
			return true;
		si = s->m_next;
	}
	return false;
}

/**
 * map_claim_outkey() - let a static mapping record carry its endpoint's
 * outbound key, after the record that had it went away
 * @nat:	engine
 * @midx:	mapping
 */
void map_claim_outkey(struct nat *nat, uint32_t midx)
{
	struct nat_mapping *mp = &nat->maps[midx];

	if (mp->flags & MAP_OUTKEY)
		return;
	htab_insert(&nat->map_h, map_hash(nat, mp, KEY_MAP_OUT), midx << 1);
	mp->flags |= MAP_OUTKEY;
}
