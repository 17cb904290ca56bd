/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_ports.c: port ownership for the datapath,
 * host-held ports, isolation of the internal prefixes
 *
 * The datapath mirrors the ports the NAT owns into the classifier's map
 * from nat_port_events() (and nat_port_walk() to start or resync): the
 * events replayed in order must give exactly what the walk lists, whatever
 * happened (mappings created, expired, flushed, static mappings, external
 * addresses and networks removed), and a port is never owned twice. Ports
 * the host's sockets hold (nat_port_hold()) are never taken by a new
 * dynamic mapping. Endpoints never reach an internal prefix through the NAT,
 * except their network's host_addr (NAT_DROP_ISOLATED).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

#define NET2_PREFIX IPV4(10, 2, 0, 0)
#define NET2_PLEN 16
#define NET2_HOST IPV4(10, 2, 0, 9)
#define HOST_ADDR IPV4(172, 16, 0, 2) /* the host's stand-in in "nat" */
#define NET2_HOST_ADDR IPV4(10, 2, 0, 2)
#define EXT2 IPV4(198, 51, 100, 3)

/* ---- a replayed copy of the ownership, as the datapath keeps it -------- */

#define RP_ADDRS 4

/**
 * struct replay - ports owned per address and protocol, rebuilt from events
 * @addr:	the addresses seen, slot by slot
 * @naddr:	slots used
 * @owned:	one byte per (slot, protocol, port)
 * @n:		ports owned
 * @resyncs:	times nat_port_events() asked for a resync
 * @events:	events applied
 */
struct replay {
	uint32_t addr[RP_ADDRS];
	unsigned naddr;
	uint8_t owned[RP_ADDRS][NAT_NPROTO][65536];
	unsigned n;
	unsigned resyncs;
	unsigned events;
};

static uint8_t *rp_cell(struct replay *r, uint8_t proto, uint32_t addr,
			uint16_t port)
{
	unsigned i;

	assert_true(proto < NAT_NPROTO);
	for (i = 0; i < r->naddr; i++)
		if (r->addr[i] == addr)
			return &r->owned[i][proto][port];
	assert_true(r->naddr < RP_ADDRS);
	r->addr[r->naddr] = addr;
	return &r->owned[r->naddr++][proto][port];
}

static int rp_fill(uint8_t proto, uint32_t addr, uint16_t port, void *ctx)
{
	struct replay *r = ctx;
	uint8_t *c = rp_cell(r, proto, addr, port);

	assert_int_equal(*c, 0); /* the walk lists a port once */
	*c = 1;
	r->n++;
	return 0;
}

/* the datapath's start, and what it does on resync */
static void rp_rebuild(struct replay *r, struct nat *nat)
{
	memset(r->owned, 0, sizeof(r->owned));
	r->n = 0;
	assert_int_equal(nat_port_walk(nat, rp_fill, r), 0);
}

/* drain the log (a few events per call) and apply it; a port is never
 * owned twice nor released unowned */
static unsigned rp_drain(struct replay *r, struct nat *nat)
{
	struct nat_port_event ev[7];
	unsigned n, i, total = 0;
	bool resync;

	for (;;) {
		resync = false;
		n = nat_port_events(nat, ev, 7, &resync);
		if (resync) {
			assert_int_equal(n, 0);
			r->resyncs++;
			rp_rebuild(r, nat);
			continue;
		}
		if (!n)
			return total;
		for (i = 0; i < n; i++) {
			uint8_t *c =
				rp_cell(r, ev[i].proto, ev[i].addr, ev[i].port);

			if (ev[i].owned) {
				assert_int_equal(*c, 0);
				*c = 1;
				r->n++;
			} else {
				assert_int_equal(*c, 1);
				*c = 0;
				r->n--;
			}
		}
		total += n;
		r->events += n;
	}
}

static int rp_check_one(uint8_t proto, uint32_t addr, uint16_t port, void *ctx)
{
	struct replay *r = ctx;

	if (!*rp_cell(r, proto, addr, port)) {
		print_error("walk lists %s %u.%u.%u.%u:%u, the events do not\n",
			    nat_proto_name(proto), addr >> 24, addr >> 16 & 255,
			    addr >> 8 & 255, addr & 255, port);
		return 1;
	}
	r->n--; /* counted down, restored below */
	return 0;
}

/* the replayed copy is exactly what the engine owns now */
static void rp_check(struct replay *r, struct nat *nat)
{
	unsigned n = r->n;

	assert_int_equal(nat_port_walk(nat, rp_check_one, r), 0);
	assert_int_equal(r->n, 0);
	r->n = n;
}

static int session_owned(const struct nat_session_info *s, void *ctx)
{
	struct replay *r = ctx;

	if (!*rp_cell(r, s->proto, s->ext_addr, s->ext_port)) {
		print_error("session on %s port %u is not owned\n",
			    nat_proto_name(s->proto), s->ext_port);
		return 1;
	}
	return 0;
}

static struct replay *rp_new(void)
{
	struct replay *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

struct port_seen {
	uint8_t proto;
	uint32_t addr;
	uint16_t port;
	bool found;
};

static int find_port(uint8_t proto, uint32_t addr, uint16_t port, void *ctx)
{
	struct port_seen *s = ctx;

	if (proto == s->proto && addr == s->addr && port == s->port)
		s->found = true;
	return 0;
}

/* whether nat_port_walk() lists a port */
static bool walk_has(struct nt *t, uint8_t proto, uint32_t addr, uint16_t port)
{
	struct port_seen s = { proto, addr, port, false };

	assert_int_equal(nat_port_walk(t->nat, find_port, &s), 0);
	return s.found;
}

/* the next event must be exactly this one */
static void assert_event(struct nt *t, uint8_t owned, uint8_t proto,
			 uint32_t addr, uint16_t port)
{
	struct nat_port_event ev;
	bool resync = true;

	assert_int_equal(nat_port_events(t->nat, &ev, 1, &resync), 1);
	assert_false(resync);
	assert_int_equal(ev.owned, owned);
	assert_int_equal(ev.proto, proto);
	assert_addr(ev.addr, addr, "event address");
	assert_int_equal(ev.port, port);
}

static void assert_no_event(struct nt *t)
{
	struct nat_port_event ev;
	bool resync = true;

	assert_int_equal(nat_port_events(t->nat, &ev, 1, &resync), 0);
	assert_false(resync);
}

/* ---- the ownership log ------------------------------------------------- */

static void port_events_report_dynamic_mapping_created_and_expired(void **state)
{
	struct nt *t = *state;
	uint16_t port;

	assert_no_event(t);
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	assert_event(t, 1, NAT_UDP, NT_EXT, port);
	assert_no_event(t);
	/* a second session of the same mapping owns nothing new */
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM2, 53), port);
	assert_no_event(t);
	assert_true(walk_has(t, NAT_UDP, NT_EXT, port));

	nt_advance(t, (NAT_UDP_TIMEOUT_DEFAULT + 2) * 1000ull);
	assert_event(t, 0, NAT_UDP, NT_EXT, port);
	assert_no_event(t);
	assert_false(walk_has(t, NAT_UDP, NT_EXT, port));
}

static void port_events_cover_tcp_and_icmp_identifiers(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t port, id;

	port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, PB_TCP_SYN);
	assert_event(t, 1, NAT_TCP, NT_EXT, port);
	p = tp_echo(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_ECHO, 0x4242, 1);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	id = pb_get_be16(pb_l4(p->data) + 4);
	tp_free(p);
	assert_event(t, 1, NAT_ICMP, NT_EXT, id);
	assert_true(walk_has(t, NAT_TCP, NT_EXT, port));
	assert_true(walk_has(t, NAT_ICMP, NT_EXT, id));
	assert_false(walk_has(t, NAT_UDP, NT_EXT, port));
}

static void port_events_report_flush_of_sessions(void **state)
{
	struct nt *t = *state;
	uint16_t a, b;

	a = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	b = nt_udp_out(t, HOST_B, 40000, REM1, 53);
	assert_int_not_equal(a, b);
	assert_event(t, 1, NAT_UDP, NT_EXT, a);
	assert_event(t, 1, NAT_UDP, NT_EXT, b);
	assert_int_equal(nat_session_flush(t->nat, -1), 2);
	assert_event(t, 0, NAT_UDP, NT_EXT, a);
	assert_event(t, 0, NAT_UDP, NT_EXT, b);
	assert_no_event(t);
}

static void port_events_report_static_mapping_added_and_deleted(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = 0,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
	};

	assert_int_equal(nat_ext_add(t->nat, t->net, EXT2, 1024, 65535), 0);
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	/* one per external address it covers */
	assert_event(t, 1, NAT_TCP, NT_EXT, 8080);
	assert_event(t, 1, NAT_TCP, EXT2, 8080);
	assert_no_event(t);
	assert_int_equal(nat_map_del(t->nat, t->net, NAT_TCP, 0, 8080), 0);
	assert_event(t, 0, NAT_TCP, NT_EXT, 8080);
	assert_event(t, 0, NAT_TCP, EXT2, 8080);
	assert_no_event(t);
}

/* the administrator's mapping takes the port of a dynamic one: released,
 * then owned again, never owned twice */
static void
port_events_static_mapping_taking_dynamic_port_releases_first(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.int_addr = HOST_B,
		.int_port = 53,
	};
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	assert_event(t, 1, NAT_UDP, NT_EXT, port);
	m.ext_port = port;
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	assert_event(t, 0, NAT_UDP, NT_EXT, port);
	assert_event(t, 1, NAT_UDP, NT_EXT, port);
	assert_no_event(t);
	assert_true(walk_has(t, NAT_UDP, NT_EXT, port));
}

static void port_events_report_external_address_removed(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = 0,
		.ext_port = 5353,
		.int_addr = HOST_B,
		.int_port = 53,
	};
	uint16_t port;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	assert_event(t, 1, NAT_UDP, NT_EXT, 5353);
	assert_event(t, 1, NAT_UDP, NT_EXT, port);
	assert_int_equal(nat_ext_del(t->nat, t->net, NT_EXT), 0);
	assert_event(t, 0, NAT_UDP, NT_EXT, 5353);
	assert_event(t, 0, NAT_UDP, NT_EXT, port);
	assert_no_event(t);
	assert_false(walk_has(t, NAT_UDP, NT_EXT, port));
}

/* two networks share one address: one bitmap, events per address; deleting
 * one network releases its ports only */
static void port_events_of_shared_address_are_per_address(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg cfg;
	struct replay *r = rp_new();
	unsigned n2;
	uint16_t a, b;

	nat_net_cfg_default(&cfg, "two");
	assert_int_equal(nat_net_add(t->nat, &cfg, &n2), 0);
	assert_int_equal(nat_prefix_add(t->nat, n2, NET2_PREFIX, NET2_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, n2, NT_EXT, 1024, 65535), 0);
	rp_rebuild(r, t->nat);
	assert_int_equal(r->n, 0);

	a = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	b = nt_udp_out(t, NET2_HOST, 40000, REM1, 53);
	assert_int_equal(a, 40000);
	assert_int_not_equal(b, 40000); /* the port is the address's, taken */
	assert_int_equal(rp_drain(r, t->nat), 2);
	assert_int_equal(r->addr[0], NT_EXT);
	assert_int_equal(r->naddr, 1);

	assert_int_equal(nat_net_del(t->nat, n2), 0);
	assert_event(t, 0, NAT_UDP, NT_EXT, b);
	assert_no_event(t);
	assert_true(walk_has(t, NAT_UDP, NT_EXT, a));
	assert_false(walk_has(t, NAT_UDP, NT_EXT, b));
	free(r);
}

static void port_events_report_network_deleted(void **state)
{
	struct nt *t = *state;
	struct replay *r = rp_new();
	uint16_t a;

	a = nt_tcp_out(t, HOST_A, 40000, REM1, 80, PB_TCP_SYN);
	rp_drain(r, t->nat);
	assert_int_equal(r->n, 1);
	assert_int_equal(nat_net_del(t->nat, t->net), 0);
	assert_int_equal(rp_drain(r, t->nat), 1);
	assert_int_equal(r->n, 0);
	assert_false(walk_has(t, NAT_TCP, NT_EXT, a));
	free(r);
}

/* a full log is discarded: the caller hears it once and rebuilds */
static void port_events_overflow_asks_for_resync_once(void **state)
{
	struct nat_limits lim;
	struct nat_port_event ev[8];
	struct replay *r = rp_new();
	struct nt *t;
	bool resync = false;
	unsigned i;
	uint16_t port;

	nat_limits_default(&lim);
	lim.max_port_events = 4;
	t = nt_std(&lim, NULL);
	*state = t;
	for (i = 0; i < 5; i++)
		nt_udp_out(t, HOST_A, (uint16_t)(40000 + i), REM1, 53);
	assert_int_equal(nat_port_events(t->nat, ev, 8, &resync), 0);
	assert_true(resync);
	assert_int_equal(nat_port_events(t->nat, ev, 8, &resync), 0);
	assert_false(resync);
	rp_rebuild(r, t->nat);
	assert_int_equal(r->n, 5);

	/* changes after the walk come as events again */
	port = nt_udp_out(t, HOST_B, 40000, REM1, 53);
	assert_event(t, 1, NAT_UDP, NT_EXT, port);
	free(r);
}

/* exactly full is not overflowed; events come out in order, in parts */
static void port_events_drain_in_order_across_calls(void **state)
{
	struct nat_limits lim;
	struct nat_port_event ev[3];
	struct nt *t;
	bool resync = true;
	unsigned i, n, k = 0;
	uint16_t ports[6];

	nat_limits_default(&lim);
	lim.max_port_events = 6;
	t = nt_std(&lim, NULL);
	*state = t;
	for (i = 0; i < 6; i++)
		ports[i] =
			nt_udp_out(t, HOST_A, (uint16_t)(40000 + i), REM1, 53);
	while ((n = nat_port_events(t->nat, ev, 3, &resync))) {
		assert_false(resync);
		for (i = 0; i < n; i++, k++) {
			assert_int_equal(ev[i].owned, 1);
			assert_int_equal(ev[i].port, ports[k]);
		}
	}
	assert_false(resync);
	assert_int_equal(k, 6);
	/* the ring wraps */
	assert_int_equal(nat_session_flush(t->nat, -1), 6);
	for (k = 0; (n = nat_port_events(t->nat, ev, 3, &resync)); k += n)
		assert_false(resync);
	assert_int_equal(k, 6);
}

static void port_events_limit_zero_is_refused(void **state)
{
	struct nat_limits lim;
	struct nat *nat = NULL;

	(void)state;
	nat_limits_default(&lim);
	assert_int_equal(lim.max_port_events, 65536);
	lim.max_port_events = 0;
	assert_int_equal(nat_create(&nat, &lim, NULL, 1, 0), -EINVAL);
	lim.max_port_events = (1u << 24) + 1;
	assert_int_equal(nat_create(&nat, &lim, NULL, 1, 0), -EINVAL);
	assert_null(nat);
}

/* ---- a random workload: the events replayed equal the walk ------------- */

#define RW_EXT_A IPV4(198, 51, 100, 10) /* network a only */
#define RW_EXT_S IPV4(198, 51, 100, 20) /* shared by a and b */
#define RW_EXT_B IPV4(198, 51, 100, 30) /* network b only */
#define RW_LO 1024
#define RW_HI 1279 /* a small range: collisions and exhaustion happen */

struct rw {
	struct nt *t;
	unsigned id[2];
	bool alive[2];
	uint64_t rng;
};

static uint32_t rw_rand(struct rw *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng >> 16);
}

static const uint32_t rw_prefix[2] = { IPV4(10, 1, 0, 0), IPV4(10, 2, 0, 0) };
static const uint32_t rw_exts[2][2] = { { RW_EXT_A, RW_EXT_S },
					{ RW_EXT_S, RW_EXT_B } };

static void rw_net_make(struct rw *w, unsigned k)
{
	struct nat_net_cfg cfg;
	unsigned i;

	nat_net_cfg_default(&cfg, k ? "b" : "a");
	assert_int_equal(nat_net_add(w->t->nat, &cfg, &w->id[k]), 0);
	assert_int_equal(nat_prefix_add(w->t->nat, w->id[k], rw_prefix[k], 16),
			 0);
	for (i = 0; i < 2; i++)
		nat_ext_add(w->t->nat, w->id[k], rw_exts[k][i], RW_LO, RW_HI);
	w->alive[k] = true;
}

struct map_pick {
	unsigned want, n;
	unsigned net;
	struct nat_map m;
};

static int pick_map(unsigned net, const struct nat_map *m, void *ctx)
{
	struct map_pick *p = ctx;

	if (p->n++ == p->want) {
		p->net = net;
		p->m = *m;
		return 1;
	}
	return 0;
}

static void rw_step(struct rw *w)
{
	struct nat *nat = w->t->nat;
	unsigned op = rw_rand(w) % 100, k = rw_rand(w) % 2;
	uint32_t host = rw_prefix[k] | (1 + rw_rand(w) % 8);
	uint16_t sport = (uint16_t)(1000 + rw_rand(w) % 300);
	uint32_t rem = rw_rand(w) & 1 ? REM1 : REM2;
	struct nat_pkt *p;

	if (!w->alive[k] && op < 90) {
		rw_net_make(w, k);
		return;
	}
	if (op < 50) {
		switch (rw_rand(w) % 3) {
		case 0:
			p = tp_udp(NAT_DIR_OUT, host, sport, rem, 53);
			break;
		case 1:
			p = tp_tcp(NAT_DIR_OUT, host, sport, rem, 80,
				   PB_TCP_SYN, 1, 0);
			break;
		default:
			p = tp_echo(NAT_DIR_OUT, host, rem, PB_ICMP_ECHO, sport,
				    1);
			break;
		}
		nt_run(w->t, p);
		tp_free(p);
	} else if (op < 60) {
		unsigned s = rw_rand(w) % 400;

		while (s--) {
			w->t->now += 1000;
			nt_poll(w->t);
			nt_polled_clear(w->t);
		}
	} else if (op < 63) {
		nat_session_flush(nat, rw_rand(w) % 3 ? (int)w->id[k] : -1);
	} else if (op < 73) {
		struct nat_map m = {
			.proto = rw_rand(w) & 1 ? NAT_TCP : NAT_UDP,
			.ext_addr =
				rw_rand(w) % 3 ? rw_exts[k][rw_rand(w) % 2] : 0,
			.ext_port =
				rw_rand(w) % 4
					? (uint16_t)(RW_LO + rw_rand(w) % 300)
					: 0,
			.int_addr = host,
			.int_port = sport,
		};

		nat_map_add(nat, w->id[k], &m);
	} else if (op < 78) {
		struct map_pick mp = { .want = rw_rand(w) % 8 };

		if (nat_map_walk(nat, -1u, pick_map, &mp))
			assert_int_equal(nat_map_del(nat, mp.net, mp.m.proto,
						     mp.m.ext_addr,
						     mp.m.ext_port),
					 0);
	} else if (op < 83) {
		nat_ext_del(nat, w->id[k], rw_exts[k][rw_rand(w) % 2]);
	} else if (op < 88) {
		nat_ext_add(nat, w->id[k], rw_exts[k][rw_rand(w) % 2], RW_LO,
			    RW_HI);
	} else if (op < 90) {
		assert_int_equal(nat_net_del(nat, w->id[k]), 0);
		w->alive[k] = false;
	} else if (op < 97) {
		nat_port_hold(nat, (uint8_t)(rw_rand(w) % 3),
			      rw_rand(w) % 2 ? rw_exts[k][rw_rand(w) % 2] : 0,
			      (uint16_t)(RW_LO + rw_rand(w) % 300),
			      rw_rand(w) % 4 != 0);
	} else {
		nat_port_hold_clear(nat);
	}
}

static void rw_run(unsigned max_events, uint64_t seed, unsigned steps,
		   bool want_resync)
{
	struct nat_limits lim;
	struct replay *r = rp_new();
	struct rw w = { .rng = seed };
	unsigned i;

	nat_limits_default(&lim);
	lim.max_flows = 8192;
	lim.max_port_events = max_events;
	w.t = nt_new(&lim);
	rw_net_make(&w, 0);
	rw_net_make(&w, 1);
	rp_rebuild(r, w.t->nat);
	for (i = 0; i < steps; i++) {
		rw_step(&w);
		rp_drain(r, w.t->nat);
		rp_check(r, w.t->nat);
		assert_int_equal(
			nat_session_walk(w.t->nat, w.t->now, session_owned, r),
			0);
	}
	print_message("random workload: %u steps, %u events, %u resyncs, "
		      "%u ports owned at the end\n",
		      steps, r->events, r->resyncs, r->n);
	assert_true(r->events > steps / 4);
	if (want_resync)
		assert_true(r->resyncs > 0);
	else
		assert_int_equal(r->resyncs, 0);
	nt_free(w.t);
	free(r);
}

static void port_events_replayed_equal_walk_after_random_workload(void **state)
{
	(void)state;
	rw_run(65536, 0x9e3779b97f4a7c15ull, 3000, false);
	rw_run(65536, 0x0123456789abcdefull, 3000, false);
}

static void port_events_with_small_log_resync_to_walk(void **state)
{
	(void)state;
	rw_run(8, 0xfeedfacecafebeefull, 2000, true);
}

/* ---- host-held ports --------------------------------------------------- */

static void port_hold_stops_port_preservation(void **state)
{
	struct nt *t = *state;

	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), 40000);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, NT_EXT, 40001, true),
			 0);
	assert_int_not_equal(nt_udp_out(t, HOST_A, 40001, REM1, 53), 40001);
	/* the hold is per protocol */
	assert_int_equal(nt_tcp_out(t, HOST_A, 40001, REM1, 80, PB_TCP_SYN),
			 40001);
}

/* held ports are skipped by the random choice too: the range runs out */
static void port_hold_stops_random_choice(void **state)
{
	struct nt *t = nt_new(NULL);
	struct nat_net_cfg cfg;
	struct nat_pkt *p;
	uint16_t port;
	unsigned i;

	*state = t;
	nat_net_cfg_default(&cfg, "nat");
	cfg.gateway = NT_GW;
	assert_int_equal(nat_net_add(t->nat, &cfg, &t->net), 0);
	assert_int_equal(nat_prefix_add(t->nat, t->net, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, t->net, NT_EXT, 2000, 2007), 0);
	for (i = 2000; i <= 2007; i++)
		if (i != 2005)
			assert_int_equal(nat_port_hold(t->nat, NAT_UDP,
						       i & 1 ? 0 : NT_EXT,
						       (uint16_t)i, true),
					 0);
	port = nt_udp_out(t, HOST_A, 2000, REM1, 53);
	assert_int_equal(port, 2005);
	p = tp_udp(NAT_DIR_OUT, HOST_B, 2002, REM1, 53);
	nt_run(t, p);
	assert_int_not_equal(p->verdict, NAT_FORWARD);
	tp_free(p);
	assert_int_equal(nt_drops(t, NAT_DROP_PORTS_FULL), 1);

	/* let go of one: it is used again */
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, NT_EXT, 2002, false),
			 0);
	assert_int_equal(nt_udp_out(t, HOST_B, 2002, REM1, 53), 2002);
}

static void port_hold_of_icmp_identifier_changes_identifier(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;

	assert_int_equal(nat_port_hold(t->nat, NAT_ICMP, 0, 0x4242, true), 0);
	p = tp_echo(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_ECHO, 0x4242, 1);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_not_equal(pb_get_be16(pb_l4(p->data) + 4), 0x4242);
	assert_csums(p);
	tp_free(p);
}

/* a mapping that owned the port before keeps it until it expires */
static void port_hold_keeps_existing_mapping_until_it_expires(void **state)
{
	struct nt *t = *state;

	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), 40000);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, 0, 40000, true), 0);
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), 40000);
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM2, 53), 40000);
	nt_udp_in_ok(t, REM1, 53, 40000, HOST_A, 40000);
	assert_true(walk_has(t, NAT_UDP, NT_EXT, 40000));

	nt_advance(t, (NAT_UDP_TIMEOUT_DEFAULT + 2) * 1000ull);
	assert_false(walk_has(t, NAT_UDP, NT_EXT, 40000));
	assert_int_not_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), 40000);
}

/* a packet to a held port that no mapping owns is the host's socket's */
static void inbound_to_held_port_without_mapping_is_local(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;

	p = nt_udp_in(t, REM1, 53, 40000);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, 0, 40000, true), 0);
	p = nt_udp_in(t, REM1, 53, 40000);
	assert_verdict(p, NAT_LOCAL);
	tp_free(p);
	/* a mapping that owns it still gets its packets */
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, 0, 40000, false), 0);
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), 40000);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, 0, 40000, true), 0);
	nt_udp_in_ok(t, REM1, 53, 40000, HOST_A, 40000);
}

/* held is not owned: no event, not in the walk */
static void port_hold_is_not_ownership(void **state)
{
	struct nt *t = *state;

	assert_int_equal(nat_port_hold(t->nat, NAT_TCP, NT_EXT, 8080, true), 0);
	assert_int_equal(nat_port_hold(t->nat, NAT_TCP, 0, 8081, true), 0);
	assert_no_event(t);
	assert_false(walk_has(t, NAT_TCP, NT_EXT, 8080));
	assert_false(walk_has(t, NAT_TCP, NT_EXT, 8081));
	assert_int_equal(nat_port_hold(t->nat, NAT_TCP, NT_EXT, 8080, false),
			 0);
	assert_no_event(t);
}

/* a hold on every address holds on addresses added afterwards, and one
 * address's hold is its own */
static void port_hold_on_every_address_covers_later_addresses(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg cfg;
	unsigned n2;

	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, 0, 40000, true), 0);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, NT_EXT, 40001, true),
			 0);
	nat_net_cfg_default(&cfg, "two");
	assert_int_equal(nat_net_add(t->nat, &cfg, &n2), 0);
	assert_int_equal(nat_prefix_add(t->nat, n2, NET2_PREFIX, NET2_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, n2, EXT2, 1024, 65535), 0);

	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, NET2_HOST, 40000, REM1, 53);

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), EXT2, "src");
	assert_int_not_equal(pb_sport(p->data), 40000);
	tp_free(p);
	p = tp_udp(NAT_DIR_OUT, NET2_HOST, 40001, REM1, 53);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(pb_sport(p->data), 40001); /* held on NT_EXT only */
	tp_free(p);
}

/* the daemon's scan replaces the whole set */
static void port_hold_clear_forgets_every_hold(void **state)
{
	struct nt *t = *state;

	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, 0, 40000, true), 0);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, NT_EXT, 40001, true),
			 0);
	nat_port_hold_clear(t->nat);
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), 40000);
	assert_int_equal(nt_udp_out(t, HOST_A, 40001, REM1, 53), 40001);
}

/* a port the engine picks for a mapping is never a held one */
static void port_hold_skipped_when_engine_picks_static_port(void **state)
{
	struct nt *t = nt_new(NULL);
	struct nat_net_cfg cfg;
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = NT_EXT,
		.ext_port = 0,
		.int_addr = HOST_B,
		.int_port = 80,
	};

	*state = t;
	nat_net_cfg_default(&cfg, "nat");
	assert_int_equal(nat_net_add(t->nat, &cfg, &t->net), 0);
	assert_int_equal(nat_prefix_add(t->nat, t->net, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, t->net, NT_EXT, 3000, 3001), 0);
	assert_int_equal(nat_port_hold(t->nat, NAT_TCP, NT_EXT, 3000, true), 0);
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	assert_int_equal(m.ext_port, 3001);
	m.ext_port = 0;
	m.int_port = 81;
	assert_int_equal(nat_map_add(t->nat, t->net, &m), -ENOSPC);
}

static void port_hold_refuses_bad_protocol_port_and_address(void **state)
{
	struct nt *t = *state;

	assert_int_equal(nat_port_hold(t->nat, NAT_NPROTO, NT_EXT, 1, true),
			 -EINVAL);
	assert_string_not_equal(nat_error(t->nat), "");
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, NT_EXT, 0, true),
			 -EINVAL);
	assert_int_equal(nat_port_hold(t->nat, NAT_UDP, NT_EXT_OTHER, 53, true),
			 -ENOENT);
	assert_non_null(strstr(nat_error(t->nat), "198.51.100.77"));
	assert_int_equal(nat_port_hold(t->nat, NAT_ICMP, NT_EXT, 0, true), 0);
	assert_string_equal(nat_error(t->nat), "");
}

/* ---- isolation of the internal prefixes -------------------------------- */

/* the standard network (host_addr HOST_ADDR) and "two" on 10.2.0.0/16
 * (host_addr NET2_HOST_ADDR), sharing the external address */
static struct nt *nt_two(unsigned *n2)
{
	struct nat_net_cfg cfg;
	struct nt *t;

	nat_net_cfg_default(&cfg, "nat");
	cfg.gateway = NT_GW;
	cfg.host_addr = HOST_ADDR;
	t = nt_std(NULL, &cfg);
	nat_net_cfg_default(&cfg, "two");
	cfg.host_addr = NET2_HOST_ADDR;
	assert_int_equal(nat_net_add(t->nat, &cfg, n2), 0);
	assert_int_equal(nat_prefix_add(t->nat, *n2, NET2_PREFIX, NET2_PLEN),
			 0);
	assert_int_equal(nat_ext_add(t->nat, *n2, NT_EXT, 1024, 65535), 0);
	return t;
}

static void outbound_udp_to_other_network_dropped_isolated(void **state)
{
	unsigned n2;
	struct nt *t = nt_two(&n2);
	struct nat_pkt *p;

	*state = t;
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NET2_HOST, 53);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
	p = tp_udp(NAT_DIR_OUT, NET2_HOST, 40000, HOST_A, 53);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	assert_int_equal(nt_drops(t, NAT_DROP_ISOLATED), 2);
	assert_no_event(t);
}

static void outbound_tcp_syn_to_own_prefix_dropped_isolated(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;

	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40000, HOST_B, 22, PB_TCP_SYN, 1, 0);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
	p = tp_echo(NAT_DIR_OUT, HOST_A, HOST_B, PB_ICMP_ECHO, 7, 1);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

static void outbound_to_other_network_host_addr_dropped_isolated(void **state)
{
	unsigned n2;
	struct nt *t = nt_two(&n2);
	struct nat_pkt *p;

	*state = t;
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NET2_HOST_ADDR, 53);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
	/* its own stand-in is the host's, untranslated */
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, HOST_ADDR, 53);
	nt_run(t, p);
	assert_verdict(p, NAT_LOCAL);
	tp_free(p);
}

/* the host reaches a mapped port through the external address; the
 * endpoint's answers to host_addr still go back to the host */
static void host_access_through_host_addr_still_works(void **state)
{
	unsigned n2;
	struct nt *t = nt_two(&n2);
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = NT_EXT,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
	};
	struct nat_pkt *p;

	*state = t;
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	p = tp_tcp(NAT_DIR_IN, NT_EXT, 45000, NT_EXT, 8080, PB_TCP_SYN, 1, 0);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), HOST_ADDR, "src");
	assert_addr(pb_dst(p->data), HOST_B, "dst");
	assert_int_equal(pb_dport(p->data), 80);
	assert_csums(p);
	tp_free(p);

	p = tp_tcp(NAT_DIR_OUT, HOST_B, 80, HOST_ADDR, 45000,
		   PB_TCP_SYN | PB_TCP_ACK, 9, 2);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_sport(p->data), 8080);
	assert_addr(pb_dst(p->data), NT_EXT, "dst");
	assert_int_equal(pb_dport(p->data), 45000);
	assert_csums(p);
	tp_free(p);
	assert_int_equal(nt_drops(t, NAT_DROP_ISOLATED), 0);
}

/* an ICMP error quoting a real session cannot be aimed into a prefix */
static void icmp_error_aimed_at_other_network_dropped_isolated(void **state)
{
	unsigned n2;
	struct nt *t = nt_two(&n2);
	uint8_t recvd[128];
	uint32_t rlen;
	struct nat_pkt *p;
	uint16_t port;

	*state = t;
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	p = tp_udp(NAT_DIR_IN, REM1, 53, NT_EXT, port);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	rlen = p->len;
	memcpy(recvd, p->data, rlen);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_OUT, HOST_A, NET2_HOST, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, recvd, rlen);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
	/* the same error to the remote it is about passes */
	p = tp_icmp_err(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, recvd, rlen);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	tp_free(p);
}

/* a session towards addresses a new prefix covers goes with the change */
static void prefix_add_removes_sessions_towards_it(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg cfg;
	struct nat_pkt *p;
	unsigned n2;

	nt_udp_out(t, HOST_A, 40000, NET2_HOST, 53);
	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	assert_int_equal(nt_sessions(t, NULL, 0), 2);
	nat_net_cfg_default(&cfg, "two");
	assert_int_equal(nat_net_add(t->nat, &cfg, &n2), 0);
	assert_int_equal(nat_prefix_add(t->nat, n2, NET2_PREFIX, NET2_PLEN), 0);
	assert_int_equal(nt_sessions(t, NULL, 0), 1);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, NULL));
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NET2_HOST, 53);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
}

/* changing host_addr ends the sessions with the old stand-in */
static void host_addr_change_removes_sessions_with_old_one(void **state)
{
	unsigned n2;
	struct nt *t = nt_two(&n2);
	struct nat_net_cfg cfg;
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.ext_port = 8053,
		.int_addr = HOST_B,
		.int_port = 53,
	};
	struct nat_pkt *p;

	*state = t;
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	p = tp_udp(NAT_DIR_IN, NT_EXT, 45000, NT_EXT, 8053);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), HOST_ADDR, "src");
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 1);
	assert_int_equal(nat_net_get(t->nat, t->net, &cfg), 0);
	cfg.host_addr = IPV4(172, 16, 0, 3);
	assert_int_equal(nat_net_set(t->nat, t->net, &cfg), 0);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	p = tp_udp(NAT_DIR_OUT, HOST_B, 53, HOST_ADDR, 45000);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ISOLATED);
	tp_free(p);
}

/* another network's endpoint is reached only through a mapping on an
 * external address, as from anywhere else: that is hairpinning */
static void hairpin_to_other_network_mapping_still_translated(void **state)
{
	unsigned n2;
	struct nt *t = nt_two(&n2);
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.ext_port = 9000,
		.int_addr = NET2_HOST,
		.int_port = 53,
	};
	struct nat_pkt *p;
	uint16_t pa;

	*state = t;
	assert_int_equal(nat_map_add(t->nat, n2, &m), 0);
	pa = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NT_EXT, 9000);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_sport(p->data), pa);
	assert_addr(pb_dst(p->data), NET2_HOST, "dst");
	tp_free(p);
}

static void drop_reason_isolated_is_named(void **state)
{
	(void)state;
	assert_string_equal(nat_drop_name(NAT_DROP_ISOLATED), "isolated");
	/* the reasons of the fairness limits follow it, each named */
	assert_string_equal(nat_drop_name(NAT_DROP_PORT_SHARE), "port_share");
	assert_string_equal(nat_drop_name(NAT_DROP_REMOTE_LIMIT),
			    "remote_limit");
	assert_int_equal(NAT_DROP_REMOTE_LIMIT + 1, NAT_DROP_REASONS);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		NT_STD(port_events_report_dynamic_mapping_created_and_expired),
		NT_STD(port_events_cover_tcp_and_icmp_identifiers),
		NT_STD(port_events_report_flush_of_sessions),
		NT_STD(port_events_report_static_mapping_added_and_deleted),
		NT_STD(port_events_static_mapping_taking_dynamic_port_releases_first),
		NT_STD(port_events_report_external_address_removed),
		NT_STD(port_events_of_shared_address_are_per_address),
		NT_STD(port_events_report_network_deleted),
		T(port_events_overflow_asks_for_resync_once),
		T(port_events_drain_in_order_across_calls),
		cmocka_unit_test(port_events_limit_zero_is_refused),
		cmocka_unit_test(
			port_events_replayed_equal_walk_after_random_workload),
		cmocka_unit_test(port_events_with_small_log_resync_to_walk),
		NT_STD(port_hold_stops_port_preservation),
		T(port_hold_stops_random_choice),
		NT_STD(port_hold_of_icmp_identifier_changes_identifier),
		NT_STD(port_hold_keeps_existing_mapping_until_it_expires),
		NT_STD(inbound_to_held_port_without_mapping_is_local),
		NT_STD(port_hold_is_not_ownership),
		NT_STD(port_hold_on_every_address_covers_later_addresses),
		NT_STD(port_hold_clear_forgets_every_hold),
		T(port_hold_skipped_when_engine_picks_static_port),
		NT_STD(port_hold_refuses_bad_protocol_port_and_address),
		T(outbound_udp_to_other_network_dropped_isolated),
		NT_STD(outbound_tcp_syn_to_own_prefix_dropped_isolated),
		T(outbound_to_other_network_host_addr_dropped_isolated),
		T(host_access_through_host_addr_still_works),
		T(icmp_error_aimed_at_other_network_dropped_isolated),
		NT_STD(prefix_add_removes_sessions_towards_it),
		T(host_addr_change_removes_sessions_with_old_one),
		T(hairpin_to_other_network_mapping_still_translated),
		cmocka_unit_test(drop_reason_isolated_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
