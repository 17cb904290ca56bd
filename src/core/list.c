/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - list.c: listing sessions, flushing them, counters
 *
 * Theory of operation
 * -------------------
 * The control layer lists sessions by walking the session table in index
 * order and reading each live one into a struct nat_sess_info (addresses,
 * ports, state, the seconds left before expiry, computed against the
 * engine's clock brought up to the caller's time). nat_session_walk_from()
 * stops after a page and returns where to resume, so a long table is
 * listed in pieces between packet batches and each session is seen once.
 * nat_session_flush() removes every session of a network, or all of them.
 * nat_stats_get() and nat_limits_get() copy out the counters and the
 * limits the engine was created with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "core.h"
#include "csum.h"

static void sess_info(const struct nat *nat, const struct nat_sess *s,
		      struct nat_session_info *si)
{
	/* with the fast path's packets: the kernel's last-use times and
	 * the TCP state it moved them to */
	uint32_t i = (uint32_t)(s - nat->sess);
	struct nat_sess now = *s;
	uint32_t to, idle = nat->now - fast_last(nat, i);

	now.state = fast_state_of(nat, i);
	to = flow_timeout(nat, &now);

	*si = (struct nat_session_info){
		.net = s->net,
		.proto = s->proto,
		.tcp_state = now.state,
		.int_addr = s->int_addr,
		.int_port = s->int_port,
		.ext_addr = s->ext_addr,
		.ext_port = s->ext_port,
		.rem_addr = s->rem_addr,
		.rem_port = s->rem_port,
		.inbound = !!(s->flags & SESS_INBOUND),
		.static_map = !!(s->flags & SESS_STATIC),
		.hairpin = !!(s->flags & SESS_HAIRPIN),
		.age = nat->now - s->created,
		.idle = idle,
		.expires = idle < to ? to - idle : 0,
	};
}

/**
 * nat_session_walk() - call @fn for each session
 * @nat:	engine
 * @now_ms:	the caller's clock, for ages
 * @fn:		called per session; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_session_walk(struct nat *nat, uint64_t now_ms,
		     int (*fn)(const struct nat_session_info *s, void *ctx),
		     void *ctx)
{
	uint32_t i;

	nat_clock(nat, now_ms);
	for (i = 0; i < nat->lim.max_flows; i++) {
		struct nat_session_info si;
		int ret;

		if (!(nat->sess[i].flags & SESS_LIVE))
			continue;
		sess_info(nat, &nat->sess[i], &si);
		ret = fn(&si, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * nat_session_walk_from() - call @fn for the sessions in a part of the
 * session table, so that a long listing can be made in slices between
 * packet bursts (sessions keep their slot for life: a session that lives
 * through all the slices is seen exactly once)
 * @nat:	engine
 * @now_ms:	the caller's clock, for ages
 * @start:	first slot to look at (0: the beginning)
 * @max:	slots to look at, at most
 * @fn:		called per session; a non-zero return stops the walk before
 *		that session, which the next call starts with
 * @ctx:	passed to @fn
 *
 * Return: the slot to resume from, 0 when the end of the table was reached
 */
uint32_t nat_session_walk_from(struct nat *nat, uint64_t now_ms,
			       uint32_t start, uint32_t max,
			       int (*fn)(const struct nat_session_info *s,
					 void *ctx),
			       void *ctx)
{
	uint32_t i, end = nat->lim.max_flows;

	if (start < end && max < end - start)
		end = start + max;
	nat_clock(nat, now_ms);
	for (i = start; i < end; i++) {
		struct nat_session_info si;

		if (!(nat->sess[i].flags & SESS_LIVE))
			continue;
		sess_info(nat, &nat->sess[i], &si);
		if (fn(&si, ctx))
			return i;
	}
	return i < nat->lim.max_flows ? i : 0;
}

static bool pred_flush(const struct nat_sess *s, const void *ctx)
{
	int net = *(const int *)ctx;

	return net < 0 || s->net == net;
}

/**
 * nat_session_flush() - remove sessions (and the dynamic mappings they
 * hold)
 * @nat:	engine
 * @net:	network id, or -1 for all
 *
 * Return: sessions removed
 */
unsigned nat_session_flush(struct nat *nat, int net)
{
	return flow_kill_if(nat, pred_flush, &net);
}

/**
 * nat_stats_get() - counters and gauges
 * @nat:	engine
 * @st:		filled in
 */
void nat_stats_get(const struct nat *nat, struct nat_stats *st)
{
	*st = nat->st;
}

/**
 * nat_limits_get() - the limits the engine was created with
 * @nat:	engine
 * @lim:	filled in
 */
void nat_limits_get(const struct nat *nat, struct nat_limits *lim)
{
	*lim = nat->lim;
}
