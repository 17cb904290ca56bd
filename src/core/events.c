/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - events.c: the log of sessions created and ended, for monitors
 *
 * Theory of operation
 * -------------------
 * `hostnat monitor` streams sessions as they come and go, like
 * `conntrack -E`. The engine appends one event to a ring of
 * max_port_events when a session is created (sess_create()) and when it
 * ends (sess_unlink(), the one place sessions end), with the reason:
 * expired (the wheel), closed (the wheel, a TCP session after FIN both
 * ways or RST), removed (flush, a mapping deleted, a configuration change),
 * evicted (made room for another). The control layer drains the ring
 * (nat_sess_events()) and hands the events to its subscribers.
 *
 * The packet path never waits for a monitor: the ring is written only
 * while the control layer says someone subscribes (nat_events_enable()),
 * each append is O(1), and an event that finds the ring full is not kept,
 * only counted: the next drain reports how many were lost, and the ring
 * takes events again as soon as it has room. Events that were kept are
 * never overwritten, so what a monitor sees is in order, with holes
 * counted.
 */
#include <string.h>

#include "core.h"

/**
 * ev_sess() - log a session's creation or end, if someone subscribes
 * @nat:	engine
 * @si:		the session (still holding its addresses)
 * @kind:	NAT_EV_NEW or NAT_EV_END
 * @reason:	enum nat_end_reason (NAT_END_NONE for NEW)
 */
void ev_sess(struct nat *nat, uint32_t si, uint8_t kind, uint8_t reason)
{
	const struct nat_sess *s = &nat->sess[si];
	struct nat_sess_event *ev;

	if (!nat->sev_on)
		return;
	ev = lib_ring_push(&nat->sev);
	if (!ev)
		return;	/* counted in nat->sev.lost */
	*ev = (struct nat_sess_event){
		.kind = kind,
		.reason = reason,
		.proto = s->proto,
		.net = s->net,
		.state = s->state,
		.inbound = !!(s->flags & SESS_INBOUND),
		.int_addr = s->int_addr,
		.ext_addr = s->ext_addr,
		.rem_addr = s->rem_addr,
		.int_port = s->int_port,
		.ext_port = s->ext_port,
		.rem_port = s->rem_port,
	};
}

/**
 * nat_events_enable() - log session events from now on, or stop (and
 * forget what is logged)
 * @nat:	engine
 * @on:		at least one monitor subscribes
 */
void nat_events_enable(struct nat *nat, bool on)
{
	if (nat->sev_on == on)
		return;
	nat->sev_on = on;
	if (!on)
		lib_ring_reset(&nat->sev);
}

/**
 * nat_sess_events() - drain the log of sessions created and ended
 * @nat:	engine
 * @out:	filled with up to @max events, oldest first
 * @max:	room at @out
 * @lost:	set to the events not logged (ring full) since the last
 *		drain; they were lost before the events left in the ring
 *		after this call
 *
 * Return: number of events in @out
 */
unsigned nat_sess_events(struct nat *nat, struct nat_sess_event *out,
			 unsigned max, uint64_t *lost)
{
	unsigned k = 0;

	*lost = lib_ring_take_lost(&nat->sev);
	while (k < max && lib_ring_pop(&nat->sev, &out[k]))
		k++;
	return k;
}

static const char *const end_names[NAT_END_N] = {
	[NAT_END_NONE] = "none",
	[NAT_END_EXPIRED] = "expired",
	[NAT_END_CLOSED] = "closed",
	[NAT_END_REMOVED] = "removed",
	[NAT_END_EVICTED] = "evicted",
};

/**
 * nat_end_reason_name() - the name of an end reason
 * @reason:	enum nat_end_reason
 *
 * Return: "expired", "closed", "removed", "evicted", or "?"
 */
const char *nat_end_reason_name(unsigned reason)
{
	return reason < NAT_END_N && end_names[reason] ? end_names[reason]
						       : "?";
}
