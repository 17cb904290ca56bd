/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - events.c: what `hostnat monitor` streams, as JSON lines
 *
 * Theory of operation
 * -------------------
 * A client that sends "monitor" subscribes (ctl.c): from then on its
 * connection carries one JSON object per line per event, until it goes
 * away. The events come from two places:
 *  - the engine's log of sessions created and ended (src/core/events.c),
 *    drained by ev_drain() each time the daemon has run a burst or the
 *    control layer wakes up: "session.new", "session.end" with its reason;
 *  - the control layer itself, after a change is committed: mappings added
 *    and removed, networks added, removed and set (ev_cmd() from
 *    cmd_exec()), overlaps found with the host (host.c), DHCP leases bound
 *    and released (dhcpd.c).
 * Each event is formatted once and handed to ctl.c's fan-out (x->emit),
 * which queues it for every monitor: a monitor's queue is capped, what does
 * not fit is counted and the monitor is told with a "lost" event when it
 * reads again. Nothing here runs unless someone subscribes (x->monitors):
 * the engine logs nothing then either (nat_events_enable()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"

#define EV_BATCH 64		/* session events drained per call */
#define EV_DRAIN_MAX 4096	/* session events per ev_drain() */

/**
 * ev_emit() - hand one event to every monitor (steals @o)
 * @x:		context
 * @o:		the event object, its "event" member first; NULL is ignored
 */
void ev_emit(struct cmd_ctx *x, json_t *o)
{
	char *s;

	if (!o)
		return;
	if (x->monitors && x->emit) {
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			x->emit(x->emit_ctx, s);
		free(s);
	}
	json_decref(o);
}


static json_t *jap(uint32_t a, uint16_t port)
{
	char buf[LIB_ADDR_LEN + 8];

	lib_addr_fmt(buf, a);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ":%u", port);
	return json_string(buf);
}

static json_t *sess_json(const struct cmd_ctx *x,
			 const struct nat_sess_event *e)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "event",
			      e->kind == NAT_EV_NEW ? "session.new" :
						      "session.end",
			      "network", model_net_name(&x->cur, e->net), "proto",
			      nat_proto_name(e->proto), "internal",
			      jap(e->int_addr, e->int_port), "external",
			      jap(e->ext_addr, e->ext_port), "remote",
			      jap(e->rem_addr, e->rem_port), "inbound",
			      e->inbound);

	if (o && e->proto == NAT_TCP && e->kind == NAT_EV_END)
		json_object_set_new(o, "state",
				    json_string(nat_tcp_state_name(e->state)));
	if (o && e->kind == NAT_EV_END)
		json_object_set_new(o, "reason",
				    json_string(nat_end_reason_name(e->reason)));
	return o;
}

/**
 * ev_drain() - the engine's session events to the monitors
 * @x:		context
 */
void ev_drain(struct cmd_ctx *x)
{
	struct nat_sess_event ev[EV_BATCH];
	unsigned n, i, total = 0;
	uint64_t lost;

	nat_events_enable(x->nat, x->monitors > 0);
	if (!x->monitors)
		return;
	do {
		n = nat_sess_events(x->nat, ev, EV_BATCH, &lost);
		if (lost)
			ev_emit(x, json_pack("{s:s, s:I}", "event", "lost",
					     "count", (json_int_t)lost));
		for (i = 0; i < n; i++)
			ev_emit(x, sess_json(x, &ev[i]));
		total += n;
	} while (n == EV_BATCH && total < EV_DRAIN_MAX);
}

/**
 * ev_cmd() - a committed request, as an event if it changed what monitors
 * are told of
 * @x:		context
 * @r:		the request
 * @res:	its result
 */
void ev_cmd(struct cmd_ctx *x, const struct ctl_req *r, const json_t *res)
{
	const char *name;
	json_t *o;

	if (!x->monitors)
		return;
	switch (r->cmd) {
	case CMD_MAP_ADD:
		name = "mapping.add";
		break;
	case CMD_MAP_DEL:
		name = "mapping.del";
		break;
	case CMD_NET_ADD:
		name = "network.add";
		break;
	case CMD_NET_DEL:
		name = "network.del";
		break;
	case CMD_NET_SET:
		name = "network.set";
		break;
	default:
		return;
	}
	o = json_pack("{s:s}", "event", name);
	if (o && r->has_net)
		json_object_set_new(o, "network", json_string(r->net));
	if (o && res)
		json_object_set(o, "result", (json_t *)res);
	ev_emit(x, o);
}

/**
 * ev_overlap() - an overlap of a network's prefix with the host, new
 * @x:		context
 * @net:	the network's name
 * @what:	the overlap, as the log says it
 */
void ev_overlap(struct cmd_ctx *x, const char *net, const char *what)
{
	if (x->monitors)
		ev_emit(x, json_pack("{s:s, s:s, s:s}", "event", "overlap",
				     "network", net, "overlap", what));
}

/**
 * ev_lease() - a DHCP lease bound (ACK sent) or released
 * @x:		context
 * @net:	the network's name
 * @bound:	true: bound; false: released
 * @addr:	the address
 * @mac:	the client's MAC
 */
void ev_lease(struct cmd_ctx *x, const char *net, bool bound, uint32_t addr,
	      const uint8_t mac[6])
{
	char a[LIB_ADDR_LEN], m[18];

	if (!x->monitors)
		return;
	lib_addr_fmt(a, addr);
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	ev_emit(x, json_pack("{s:s, s:s, s:s, s:s}", "event",
			     bound ? "lease.bound" : "lease.released",
			     "network", net, "address", a, "mac", m));
}
