/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - save.c: the sessions handed from one daemon to the next
 *
 * Theory of operation
 * -------------------
 * A daemon that stops cleanly writes down every live session
 * (nat_save_walk(), one struct nat_saved each); the next one, once its
 * networks and static mappings are back and before any packet is read,
 * gives each record to nat_restore(). A restored session has the external
 * address and port it had, its TCP state, its answered flags and its
 * packet count, so the flows it carries go on as if nothing happened: no
 * new port the remote side would not know, no reset.
 *
 * The records come from a file, so each is checked as hostile: the network
 * must exist, the endpoint address must lie in that network's prefixes,
 * the external address must be one the network uses, the port within its
 * range, the remote address neither 0 nor internal (but the host's
 * stand-in), the state one of its protocol's, and the session not one
 * that would have expired by now. A dynamic mapping is made on the
 * recorded port only if that port is free, no host socket holds it and
 * the endpoint's port share allows it; a session of a static mapping
 * needs that static mapping as it is now, and its remote restriction
 * must admit it. The limits of a new session apply (table, endpoint,
 * remote). What is not checked, as at a filter change at run time: the
 * address-dependent filtering of sessions from outside on dynamic
 * mappings. A record that fails is refused alone; a hairpin session whose
 * other side's mapping comes later in the file is tried again after the
 * others (-EAGAIN).
 *
 * Times are carried as ages (seconds idle, seconds since creation) at the
 * moment of the save, plus the time the daemons were away; a record idle
 * for its timeout or longer is refused. The new engine's clock starts at
 * 0, so an age is cut to the engine's age: a session expires no sooner
 * than it would have, and up to one timeout later.
 */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "core.h"

static uint8_t saved_flags(const struct nat_sess *s)
{
	uint8_t f = 0;

	if (s->flags & SESS_INBOUND)
		f |= NAT_SAVED_INBOUND;
	if (s->flags & SESS_STATIC)
		f |= NAT_SAVED_STATIC;
	if (s->flags & SESS_SEEN_IN)
		f |= NAT_SAVED_SEEN_IN;
	if (s->flags & SESS_SEEN_OUT)
		f |= NAT_SAVED_SEEN_OUT;
	return f;
}

/**
 * nat_save_walk() - call @fn with each live session as a record for
 * nat_restore() (the fast path's last-use times folded in)
 * @nat:	engine
 * @now_ms:	the caller's monotonic clock, in ms
 * @fn:		called per session; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_save_walk(struct nat *nat, uint64_t now_ms,
		  int (*fn)(const struct nat_saved *r, void *ctx), void *ctx)
{
	uint32_t i;

	nat_clock(nat, now_ms);
	for (i = 0; i < nat->lim.max_flows; i++) {
		const struct nat_sess *s = &nat->sess[i];
		struct nat_saved r;
		uint32_t last;
		int ret;

		if (!(s->flags & SESS_LIVE))
			continue;
		last = fast_last(nat, i);
		r = (struct nat_saved){
			.int_addr = s->int_addr,
			.ext_addr = s->ext_addr,
			.rem_addr = s->rem_addr,
			.int_port = s->int_port,
			.ext_port = s->ext_port,
			.rem_port = s->rem_port,
			.proto = s->proto,
			.tcp_state = fast_state_of(nat, i), /* the kernel may have moved it */
			.net = s->net,
			.flags = saved_flags(s),
			.npkts = s->npkts,
			.idle = nat->now > last ? nat->now - last : 0,
			.age = nat->now > s->created ? nat->now - s->created : 0,
		};
		ret = fn(&r, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/* a record's flags as the session's SESS_INBOUND, SESS_SEEN_IN/OUT */
static uint8_t sess_flags(const struct nat_saved *r)
{
	return (uint8_t)((r->flags & NAT_SAVED_INBOUND ? SESS_INBOUND : 0) |
			 (r->flags & NAT_SAVED_SEEN_IN ? SESS_SEEN_IN : 0) |
			 (r->flags & NAT_SAVED_SEEN_OUT ? SESS_SEEN_OUT : 0));
}

/* the index in @n->ext of external address @ext, -1 if @n does not use it */
static int net_ext_slot(const struct nat_net *n, int ext)
{
	unsigned k;

	for (k = 0; k < n->n_ext; k++)
		if (n->ext[k].ext == ext)
			return (int)k;
	return -1;
}

/* whether a record is one this engine could have made, as it is now */
static bool saved_valid(const struct nat *nat, const struct nat_saved *r)
{
	if (r->net >= nat->lim.max_nets || !nat->nets[r->net].used)
		return false;
	if (r->flags & ~(NAT_SAVED_INBOUND | NAT_SAVED_STATIC |
			 NAT_SAVED_SEEN_IN | NAT_SAVED_SEEN_OUT))
		return false;
	switch (r->proto) {
	case NAT_TCP:
		if (r->tcp_state == NAT_TCP_NONE ||
		    r->tcp_state >= NAT_TCP_NSTATES || !r->rem_port)
			return false;
		break;
	case NAT_UDP:
		if (r->tcp_state != NAT_TCP_NONE || !r->rem_port)
			return false;
		break;
	case NAT_ICMP:
		if (r->tcp_state != NAT_TCP_NONE || r->rem_port ||
		    (r->flags & NAT_SAVED_INBOUND))
			return false;
		break;
	default:
		return false;
	}
	if (nat_prefix_find(nat, r->int_addr) != r->net)
		return false;
	/* the remote side: not unspecified, not inside any network but the
	 * host's stand-in address (the host's own connections to mappings),
	 * and no ICMP query to an external address (the host's to answer) */
	if (!r->rem_addr || nat_isolated(nat, r->net, r->rem_addr))
		return false;
	if (r->proto == NAT_ICMP && nat_ext_find(nat, r->rem_addr) >= 0)
		return false;
	return true;
}

/* whether a static mapping's remote restriction admits the record's
 * remote side, as in_filter() does for a packet (the host's connections
 * come from its stand-in address) */
static bool static_admits(const struct nat *nat, uint32_t mi,
			  const struct nat_saved *r)
{
	const struct nat_map *m = &nat->statics[nat->maps[mi].stat].m;
	uint32_t mask = lib_prefix_mask(m->remote_plen);

	if (r->rem_addr == nat->nets[r->net].cfg.host_addr)
		return true;
	if (m->host_only)
		return false;
	return (r->rem_addr & mask) == (m->remote_addr & mask);
}

/* the record's timeout in the engine as it is now (flow_timeout()) */
static uint32_t saved_timeout(const struct nat *nat, const struct nat_saved *r)
{
	struct nat_sess probe = {
		.proto = r->proto,
		.state = r->tcp_state,
		.net = r->net,
		.flags = sess_flags(r),
	};

	return flow_timeout(nat, &probe);
}

static int restore(struct nat *nat, uint64_t now_ms,
		   const struct nat_saved *r, uint32_t away_s);

/**
 * nat_restore() - bring back a session an earlier daemon saved
 * @nat:	engine, with its networks and static mappings in place
 * @now_ms:	the caller's monotonic clock, in ms
 * @r:		the record (untrusted)
 * @away_s:	seconds between the save and now, added to its ages
 *
 * Return: 0; -EINVAL for a record this engine could not have made,
 * -ETIMEDOUT for one whose session would have expired by now, -ENOENT when
 * its network, external address or static mapping is not there (any more)
 * or that mapping's remote restriction does not admit it, -EAGAIN for a
 * hairpin session whose other mapping is not there (yet: try again after
 * the other records), -EEXIST when its port or its 5-tuple is taken,
 * -ENOSPC when a limit (table, endpoint, port share, remote) refuses it
 */
int nat_restore(struct nat *nat, uint64_t now_ms, const struct nat_saved *r,
		uint32_t away_s)
{
	int ret = restore(nat, now_ms, r, away_s);

	/* the engine's drop reasons as errno values, which do not collide */
	if (ret == -NAT_DROP_CONFLICT)
		return -EEXIST;
	if (ret < 0 && ret != -EINVAL && ret != -ETIMEDOUT &&
	    ret != -ENOENT && ret != -EAGAIN && ret != -EEXIST)
		return -ENOSPC;
	return ret;
}

/* nat_restore() in the engine's own codes (NAT_DROP_* reasons negated) */
static int restore(struct nat *nat, uint64_t now_ms,
		   const struct nat_saved *r, uint32_t away_s)
{
	const struct nat_net *n;
	struct sess_init init;
	const struct nat_net_ext *ne;
	uint32_t mi, si, idle, age;
	bool made = false;
	int ext, slot, ret;

	nat_clock(nat, now_ms);
	if (!saved_valid(nat, r))
		return -EINVAL;
	/* 1. its time: idle through the save, the absence and its timeout */
	idle = r->idle > UINT32_MAX - away_s ? UINT32_MAX : r->idle + away_s;
	age = r->age > UINT32_MAX - away_s ? UINT32_MAX : r->age + away_s;
	if (idle >= saved_timeout(nat, r))
		return -ETIMEDOUT;
	/* 2. a hairpin session needs the mapping it goes to */
	if (nat_ext_find(nat, r->rem_addr) >= 0 &&
	    map_lookup(nat, KEY_MAP_IN, r->proto, r->rem_addr,
		       r->rem_port) == NONE32)
		return -EAGAIN;
	/* 3. its mapping: the static one as it is now, the endpoint's
	 * dynamic one from an earlier record, or one made on its port */
	n = &nat->nets[r->net];
	ext = nat_ext_find(nat, r->ext_addr);
	slot = ext >= 0 ? net_ext_slot(n, ext) : -1;
	if (slot < 0)
		return -ENOENT;
	ne = &n->ext[slot];
	if (r->flags & NAT_SAVED_STATIC) {
		mi = map_lookup(nat, KEY_MAP_IN, r->proto, r->ext_addr,
				r->ext_port);
		if (mi == NONE32 || !(nat->maps[mi].flags & MAP_STATIC) ||
		    nat->maps[mi].net != r->net ||
		    nat->maps[mi].int_addr != r->int_addr ||
		    nat->maps[mi].int_port != r->int_port)
			return -ENOENT;
		if ((r->flags & NAT_SAVED_INBOUND) && !static_admits(nat, mi, r))
			return -ENOENT;
	} else {
		mi = map_lookup(nat, KEY_MAP_OUT, r->proto, r->int_addr,
				r->int_port);
		if (mi != NONE32) {
			/* the endpoint's mapping, from an earlier record */
			const struct nat_mapping *mp = &nat->maps[mi];

			if ((mp->flags & MAP_STATIC) || mp->net != r->net ||
			    mp->ext_addr != r->ext_addr ||
			    mp->ext_port != r->ext_port)
				return -EEXIST;
		} else {
			if (r->ext_port < ne->lo || r->ext_port > ne->hi)
				return -EINVAL;
			if (map_lookup(nat, KEY_MAP_IN, r->proto, r->ext_addr,
				       r->ext_port) != NONE32)
				return -EEXIST;
			ret = map_create_at(nat, r->net, r->proto, r->int_addr,
					    r->int_port, (unsigned)slot,
					    r->ext_port, &mi);
			if (ret == -NAT_DROP_CONFLICT)
				return -EEXIST;
			if (ret)
				return ret;
			made = true;
		}
	}
	/* 4. the session, with what it was */
	init = (struct sess_init){
		.state = r->tcp_state,
		.seen = sess_flags(r) & (SESS_SEEN_IN | SESS_SEEN_OUT),
		.npkts = r->npkts,
		.last = idle < nat->now ? nat->now - idle : 0,
		.created = age < nat->now ? nat->now - age : 0,
	};
	ret = sess_create_from(nat, mi, r->rem_addr, r->rem_port,
			       r->flags & NAT_SAVED_INBOUND, &init, &si);
	if (ret) {
		if (made)
			map_destroy(nat, mi);
		return ret;
	}
	return 0;
}
