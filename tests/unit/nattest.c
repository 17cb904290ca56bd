/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/nattest.c: a test bench around one engine instance
 *
 * Theory of operation
 * -------------------
 * See nattest.h. Every failure here stops the test through cmocka, so the
 * tests need not check what these helpers return.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

#define NT_SEED 0x5eed5eed12345678ull

static const char *verdict_name(unsigned v)
{
	static const char *const names[] = { "FORWARD", "REPLY", "LOCAL",
					     "DROP", "HELD" };

	return v < 5 ? names[v] : "?";
}

/**
 * nt_check_verdict() - fail the test unless a packet got a verdict
 * @p:		packet after nat_process()
 * @verdict:	expected enum nat_verdict
 * @reason:	expected enum nat_drop, checked when @verdict is NAT_DROP
 * @file:	caller's file
 * @line:	caller's line
 */
void nt_check_verdict(const struct nat_pkt *p, uint8_t verdict, uint8_t reason,
		      const char *file, int line)
{
	if (p->verdict == verdict &&
	    (verdict != NAT_DROP || p->reason == reason))
		return;
	print_error("verdict %s/%s, expected %s/%s\n", verdict_name(p->verdict),
		    p->verdict == NAT_DROP ? nat_drop_name(p->reason) : "-",
		    verdict_name(verdict),
		    verdict == NAT_DROP ? nat_drop_name(reason) : "-");
	_fail(file, line);
}

/**
 * nt_check_addr() - fail the test unless an address is the expected one
 * @got:	address read
 * @want:	address expected
 * @what:	which field, for the message
 * @file:	caller's file
 * @line:	caller's line
 */
void nt_check_addr(uint32_t got, uint32_t want, const char *what,
		   const char *file, int line)
{
	if (got == want)
		return;
	print_error("%s is %u.%u.%u.%u, expected %u.%u.%u.%u\n", what,
		    got >> 24, got >> 16 & 255, got >> 8 & 255, got & 255,
		    want >> 24, want >> 16 & 255, want >> 8 & 255, want & 255);
	_fail(file, line);
}

/* fail at @file:@line with @what unless @ok */
static void check_true(bool ok, const char *what, const char *file, int line)
{
	if (ok)
		return;
	print_error("%s\n", what);
	_fail(file, line);
}

/* fail at @file:@line unless @got is @want (@want 0: not checked) */
static void check_u16(uint16_t got, uint16_t want, const char *what,
		      const char *file, int line)
{
	if (!want || got == want)
		return;
	print_error("%s is %u, expected %u\n", what, got, want);
	_fail(file, line);
}

/**
 * nt_check_icmp_err() - fail the test unless a packet is the ICMP error
 * described, with its quoted header: the one check of an error's quote
 * (assert_icmp_err())
 * @p:		the ICMP error
 * @e:		what it must say; zero addresses and ports are not checked
 * @file:	caller's file
 * @line:	caller's line
 */
void nt_check_icmp_err(const struct nat_pkt *p, const struct nt_icmp_err *e,
		       const char *file, int line)
{
	const uint8_t *in;

	check_true(pb_ip_csum_ok(p->data, p->len), "outer IP checksum wrong",
		   file, line);
	check_true(pb_icmp_csum_ok(p->data, p->len), "ICMP checksum wrong",
		   file, line);
	nt_check_addr(pb_src(p->data), e->src, "outer src", file, line);
	if (e->dst)
		nt_check_addr(pb_dst(p->data), e->dst, "outer dst", file, line);
	if (pb_icmp_type(p->data) != e->type ||
	    pb_icmp_code(p->data) != e->code) {
		print_error("ICMP %u/%u, expected %u/%u\n",
			    pb_icmp_type(p->data), pb_icmp_code(p->data),
			    e->type, e->code);
		_fail(file, line);
	}
	in = pb_icmp_inner(p->data);
	check_true(pb_ip_csum_ok(in, p->len - (size_t)(in - p->data)),
		   "quoted IP header checksum wrong", file, line);
	if (e->in_src)
		nt_check_addr(pb_src(in), e->in_src, "inner src", file, line);
	if (e->in_dst)
		nt_check_addr(pb_dst(in), e->in_dst, "inner dst", file, line);
	if (pb_proto(in) == PB_IPPROTO_ICMP) {
		check_u16(pb_icmp_id(in), e->in_sport, "inner ICMP id", file,
			  line);
		return;
	}
	check_u16(pb_sport(in), e->in_sport, "inner sport", file, line);
	check_u16(pb_dport(in), e->in_dport, "inner dport", file, line);
}

/**
 * nt_new() - an engine with no network, clock at NT_T0_MS
 * @lim:	limits, NULL for nat_limits_default()
 *
 * Return: the bench
 */
struct nt *nt_new(const struct nat_limits *lim)
{
	struct nat_limits dl;
	struct nt *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	if (!lim) {
		nat_limits_default(&dl);
		lim = &dl;
	}
	t->now = NT_T0_MS;
	assert_int_equal(nat_create(&t->nat, lim, NULL, NT_SEED, t->now), 0);
	assert_non_null(t->nat);
	return t;
}

/**
 * nt_std() - an engine with the standard network
 * @lim:	limits, NULL for nat_limits_default()
 * @cfg:	network settings, NULL for nat_net_cfg_default() "nat" with
 *		gateway NT_GW
 *
 * Return: the bench
 */
struct nt *nt_std(const struct nat_limits *lim, const struct nat_net_cfg *cfg)
{
	struct nat_net_cfg dc;
	struct nt *t = nt_new(lim);

	if (!cfg) {
		nat_net_cfg_default(&dc, "nat");
		dc.gateway = NT_GW;
		cfg = &dc;
	}
	assert_int_equal(nat_net_add(t->nat, cfg, &t->net), 0);
	assert_int_equal(nat_prefix_add(t->nat, t->net, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(
		nat_ext_add(t->nat, t->net, NT_EXT, NT_PORT_LO, NT_PORT_HI), 0);
	return t;
}

/**
 * nt_free() - destroy the engine and the bench
 * @t:		bench
 */
void nt_free(struct nt *t)
{
	if (!t)
		return;
	nat_destroy(t->nat);
	free(t);
}

/**
 * nt_setup_std() - cmocka fixture: the standard engine, nt_std(NULL, NULL),
 * in *@state
 * @state:	cmocka's state of the test
 *
 * Return: 0 (a failed set-up fails the test in nt_std())
 */
int nt_setup_std(void **state)
{
	*state = nt_std(NULL, NULL);
	return 0;
}

/**
 * nt_teardown() - cmocka fixture: free the bench in *@state, if any
 * @state:	cmocka's state of the test
 *
 * Return: 0
 */
int nt_teardown(void **state)
{
	nt_free(*state);
	*state = NULL;
	return 0;
}

/**
 * nt_run() - hand one packet to nat_process() at the bench's clock
 * @t:		bench
 * @p:		packet
 *
 * Return: its verdict
 */
uint8_t nt_run(struct nt *t, struct nat_pkt *p)
{
	nat_process(t->nat, p, 1, t->now);
	assert_true(p->len <= p->cap);
	return p->verdict;
}

/**
 * nt_poll() - call nat_poll() and keep copies of what it hands out
 * @t:		bench
 *
 * Return: packets handed out by this call
 */
unsigned nt_poll(struct nt *t)
{
	struct nat_pkt out[16];
	unsigned n, i, total = 0;

	do {
		n = nat_poll(t->nat, t->now, out, 16);
		assert_true(n <= 16);
		for (i = 0; i < n; i++) {
			struct nat_pkt *k;

			assert_true(out[i].len <= NT_PKT_MAX);
			assert_true(t->npolled < NT_POLL_MAX);
			k = &t->polled[t->npolled];
			*k = out[i];
			memcpy(t->polled_buf[t->npolled], out[i].data,
			       out[i].len);
			k->data = t->polled_buf[t->npolled];
			k->cap = NT_PKT_MAX;
			t->npolled++;
		}
		total += n;
	} while (n == 16);
	return total;
}

/**
 * nt_advance() - move the clock forward, polling every NT_STEP_MS
 * @t:		bench
 * @ms:		how far
 */
void nt_advance(struct nt *t, uint64_t ms)
{
	while (ms) {
		uint64_t step = ms < NT_STEP_MS ? ms : NT_STEP_MS;

		t->now += step;
		ms -= step;
		nt_poll(t);
	}
}

/**
 * nt_polled_clear() - forget the packets kept from nat_poll()
 * @t:		bench
 */
void nt_polled_clear(struct nt *t)
{
	t->npolled = 0;
}

struct walk_ctx {
	struct nat_session_info *out;
	unsigned max;
	unsigned n;
};

static int walk_one(const struct nat_session_info *s, void *ctx)
{
	struct walk_ctx *w = ctx;

	if (w->n < w->max)
		w->out[w->n] = *s;
	w->n++;
	return 0;
}

/**
 * nt_sessions() - list the sessions through nat_session_walk()
 * @t:		bench
 * @out:	filled with up to @max sessions (may be NULL if @max is 0)
 * @max:	room in @out
 *
 * Return: number of sessions (may exceed @max)
 */
unsigned nt_sessions(struct nt *t, struct nat_session_info *out, unsigned max)
{
	struct walk_ctx w = { .out = out, .max = max };

	assert_int_equal(nat_session_walk(t->nat, t->now, walk_one, &w), 0);
	return w.n;
}

struct find_ctx {
	uint8_t proto;
	uint32_t int_addr, rem_addr;
	uint16_t int_port, rem_port;
	struct nat_session_info *out;
	unsigned found;
};

static int find_one(const struct nat_session_info *s, void *ctx)
{
	struct find_ctx *f = ctx;

	if (s->proto == f->proto && s->int_addr == f->int_addr &&
	    s->int_port == f->int_port && s->rem_addr == f->rem_addr &&
	    s->rem_port == f->rem_port) {
		if (f->out)
			*f->out = *s;
		f->found++;
	}
	return 0;
}

/**
 * nt_session_find() - look for one session through nat_session_walk()
 * @t:		bench
 * @proto:	enum nat_proto
 * @int_addr:	endpoint address
 * @int_port:	endpoint port or ICMP identifier
 * @rem_addr:	remote address
 * @rem_port:	remote port, 0 for ICMP
 * @out:	filled when found (may be NULL)
 *
 * Return: true if exactly one session matches
 */
bool nt_session_find(struct nt *t, uint8_t proto, uint32_t int_addr,
		     uint16_t int_port, uint32_t rem_addr, uint16_t rem_port,
		     struct nat_session_info *out)
{
	struct find_ctx f = {
		.proto = proto,
		.int_addr = int_addr,
		.int_port = int_port,
		.rem_addr = rem_addr,
		.rem_port = rem_port,
		.out = out,
	};

	assert_int_equal(nat_session_walk(t->nat, t->now, find_one, &f), 0);
	return f.found == 1;
}

/**
 * nt_drops() - a drop counter from nat_stats_get()
 * @t:		bench
 * @reason:	enum nat_drop
 *
 * Return: the counter
 */
uint64_t nt_drops(struct nt *t, unsigned reason)
{
	struct nat_stats st;

	nat_stats_get(t->nat, &st);
	return st.drops[reason];
}

/**
 * tp_new() - a test packet: a copy of @bytes with NT_ROOM bytes of room
 * @bytes:	packet
 * @len:	its length
 * @dir:	enum nat_dir
 *
 * Return: the packet, freed by tp_free()
 */
struct nat_pkt *tp_new(const uint8_t *bytes, size_t len, uint8_t dir)
{
	struct nat_pkt *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_true(len > 0);
	p->data = malloc(len + NT_ROOM);
	assert_non_null(p->data);
	memcpy(p->data, bytes, len);
	p->len = (uint32_t)len;
	p->cap = (uint32_t)(len + NT_ROOM);
	p->dir = dir;
	p->verdict = 0xff;
	p->reason = 0xff;
	return p;
}

/**
 * tp_copy() - a test packet holding the bytes of another (e.g. one from
 * nat_poll(), to hand back to the engine)
 * @p:		packet
 *
 * Return: the copy, freed by tp_free()
 */
struct nat_pkt *tp_copy(const struct nat_pkt *p)
{
	return tp_new(p->data, p->len, p->dir);
}

/**
 * tp_free() - free a test packet
 * @p:		packet from tp_new()
 */
void tp_free(struct nat_pkt *p)
{
	if (!p)
		return;
	free(p->data);
	free(p);
}

static const uint8_t payload[] = "hostnat test payload";

/**
 * tp_udp() - a UDP test packet with a 20-byte payload, DF=0, ID 0x4242
 * @dir:	enum nat_dir
 * @src:	source address
 * @sport:	source port
 * @dst:	destination address
 * @dport:	destination port
 *
 * Return: the packet
 */
struct nat_pkt *tp_udp(uint8_t dir, uint32_t src, uint16_t sport, uint32_t dst,
		       uint16_t dport)
{
	struct pb_ip ip = { .src = src, .dst = dst, .id = 0x4242 };
	uint8_t b[128];
	size_t len = pb_udp(b, sizeof(b), &ip, sport, dport, payload,
			    sizeof(payload) - 1);

	assert_true(len);
	return tp_new(b, len, dir);
}

/**
 * tp_tcp() - a TCP test segment without payload, DF=1
 * @dir:	enum nat_dir
 * @src:	source address
 * @sport:	source port
 * @dst:	destination address
 * @dport:	destination port
 * @flags:	PB_TCP_* flags
 * @seq:	sequence number
 * @ack:	acknowledgement number
 *
 * Return: the packet
 */
struct nat_pkt *tp_tcp(uint8_t dir, uint32_t src, uint16_t sport, uint32_t dst,
		       uint16_t dport, uint8_t flags, uint32_t seq,
		       uint32_t ack)
{
	struct pb_ip ip = { .src = src, .dst = dst, .id = 0x5151, .df = true };
	uint8_t b[128];
	size_t len = pb_tcp(b, sizeof(b), &ip, sport, dport, flags, seq, ack,
			    NULL, 0);

	assert_true(len);
	return tp_new(b, len, dir);
}

/**
 * tp_echo() - an ICMP echo request or reply with a 20-byte payload
 * @dir:	enum nat_dir
 * @src:	source address
 * @dst:	destination address
 * @type:	PB_ICMP_ECHO or PB_ICMP_ECHOREPLY
 * @id:		identifier
 * @seq:	sequence number
 *
 * Return: the packet
 */
struct nat_pkt *tp_echo(uint8_t dir, uint32_t src, uint32_t dst, uint8_t type,
			uint16_t id, uint16_t seq)
{
	struct pb_ip ip = { .src = src, .dst = dst, .id = 0x6161 };
	uint8_t b[128];
	size_t len = pb_icmp_echo(b, sizeof(b), &ip, type, id, seq, payload,
				  sizeof(payload) - 1);

	assert_true(len);
	return tp_new(b, len, dir);
}

/**
 * tp_icmp_err() - an ICMP error quoting a packet
 * @dir:	enum nat_dir
 * @src:	source address
 * @dst:	destination address
 * @type:	ICMP type
 * @code:	ICMP code
 * @rest:	second word of the ICMP header (MTU for frag needed)
 * @quote:	quoted packet
 * @qlen:	bytes quoted
 *
 * Return: the packet
 */
struct nat_pkt *tp_icmp_err(uint8_t dir, uint32_t src, uint32_t dst,
			    uint8_t type, uint8_t code, uint32_t rest,
			    const uint8_t *quote, size_t qlen)
{
	struct pb_ip ip = { .src = src, .dst = dst, .id = 0x7171 };
	uint8_t b[1600];
	size_t len =
		pb_icmp_error(b, sizeof(b), &ip, type, code, rest, quote, qlen);

	assert_true(len);
	return tp_new(b, len, dir);
}

/**
 * nt_udp_out() - send a UDP packet from an endpoint; it must be translated
 * to the external address with ports and destination otherwise unchanged
 * @t:		bench
 * @src:	endpoint address
 * @sport:	endpoint port
 * @dst:	remote address
 * @dport:	remote port
 *
 * Return: the external port it got
 */
uint16_t nt_udp_out(struct nt *t, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport)
{
	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, src, sport, dst, dport);
	uint16_t port;

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "outbound src");
	assert_addr(pb_dst(p->data), dst, "outbound dst");
	assert_int_equal(pb_dport(p->data), dport);
	assert_csums(p);
	port = pb_sport(p->data);
	assert_int_not_equal(port, 0);
	tp_free(p);
	return port;
}

/**
 * nt_udp_in() - send a UDP packet from a remote to the external address
 * @t:		bench
 * @rem:	remote address
 * @rport:	remote port
 * @ext_port:	external port
 *
 * Return: the packet after nat_process(), freed by tp_free()
 */
struct nat_pkt *nt_udp_in(struct nt *t, uint32_t rem, uint16_t rport,
			  uint16_t ext_port)
{
	struct nat_pkt *p = tp_udp(NAT_DIR_IN, rem, rport, NT_EXT, ext_port);

	nt_run(t, p);
	return p;
}

/**
 * nt_udp_in_ok() - send a UDP packet from a remote; it must reach the
 * endpoint with the remote's address and port intact
 * @t:		bench
 * @rem:	remote address
 * @rport:	remote port
 * @ext_port:	external port
 * @host:	endpoint expected
 * @hport:	endpoint port expected
 */
void nt_udp_in_ok(struct nt *t, uint32_t rem, uint16_t rport, uint16_t ext_port,
		  uint32_t host, uint16_t hport)
{
	struct nat_pkt *p = nt_udp_in(t, rem, rport, ext_port);

	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), host, "inbound dst");
	assert_int_equal(pb_dport(p->data), hport);
	assert_addr(pb_src(p->data), rem, "inbound src");
	assert_int_equal(pb_sport(p->data), rport);
	assert_csums(p);
	tp_free(p);
}

/**
 * nt_tcp_out() - send a TCP segment from an endpoint; it must be translated
 * @t:		bench
 * @src:	endpoint address
 * @sport:	endpoint port
 * @dst:	remote address
 * @dport:	remote port
 * @flags:	PB_TCP_* flags
 *
 * Return: the external port it got
 */
uint16_t nt_tcp_out(struct nt *t, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport, uint8_t flags)
{
	struct nat_pkt *p = tp_tcp(NAT_DIR_OUT, src, sport, dst, dport, flags,
				   1000, flags & PB_TCP_ACK ? 2000 : 0);
	uint16_t port;

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "outbound src");
	assert_addr(pb_dst(p->data), dst, "outbound dst");
	assert_int_equal(pb_dport(p->data), dport);
	assert_int_equal(pb_tcp_flags(p->data), flags);
	assert_int_equal(pb_tcp_seq(p->data), 1000);
	assert_csums(p);
	port = pb_sport(p->data);
	assert_int_not_equal(port, 0);
	tp_free(p);
	return port;
}

/**
 * nt_tcp_in_ok() - send a TCP segment from a remote; it must reach the
 * endpoint
 * @t:		bench
 * @rem:	remote address
 * @rport:	remote port
 * @ext_port:	external port
 * @host:	endpoint expected
 * @hport:	endpoint port expected
 * @flags:	PB_TCP_* flags
 */
void nt_tcp_in_ok(struct nt *t, uint32_t rem, uint16_t rport, uint16_t ext_port,
		  uint32_t host, uint16_t hport, uint8_t flags)
{
	struct nat_pkt *p = tp_tcp(NAT_DIR_IN, rem, rport, NT_EXT, ext_port,
				   flags, 5000, flags & PB_TCP_ACK ? 1001 : 0);

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), host, "inbound dst");
	assert_int_equal(pb_dport(p->data), hport);
	assert_addr(pb_src(p->data), rem, "inbound src");
	assert_int_equal(pb_sport(p->data), rport);
	assert_int_equal(pb_tcp_flags(p->data), flags);
	assert_int_equal(pb_tcp_seq(p->data), 5000);
	assert_csums(p);
	tp_free(p);
}
