/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_fast.c: which sessions the engine gives to
 * the kernel's fast path, and when
 *
 * The engine under test has the fast path's bookkeeping attached to arrays
 * of this file (the times of last use and the TCP states the programs
 * would write); its log of ADD and DEL events is drained after each packet
 * and checked: a TCP connection is given once the handshake's answer
 * passed (the remote's SYN-ACK, or the endpoint's for one through a
 * mapping: an unanswered SYN, a flood's, costs no map update), UDP once
 * answered, never ICMP; a hairpin's two sessions marked and chained; the keys are the session's; its state is in the
 * shared array before its keys are out; a session the wheel expires is
 * taken back (DEL) before it is freed, and one the programs used meanwhile
 * is given again.
 */
#include <string.h>

#include "nattest.h"

#define SYN PB_TCP_SYN
#define ACK PB_TCP_ACK

#define SLOTS 64

static uint32_t seen[2 * SLOTS];
static uint64_t tcpst[SLOTS];

static int setup(void **state)
{
	int ret = nt_setup_std(state);
	struct nt *t;

	if (ret)
		return ret;
	t = *state;
	memset(seen, 0, sizeof(seen));
	memset(tcpst, 0, sizeof(tcpst));
	nat_fast_attach(t->nat, seen, SLOTS, t->now);
	nat_fast_attach_state(t->nat, tcpst);
	return 0;
}

/* the events logged since the last call; at most @max */
static unsigned events(struct nt *t, struct nat_fast_event *ev, unsigned max)
{
	bool resync = false;
	unsigned n = nat_fast_events(t->nat, ev, max, &resync);

	assert_false(resync);
	return n;
}

static void tcp_out_given_at_its_answer(void **state)
{
	struct nt *t = *state;
	struct nat_fast_event ev[4];
	uint16_t port;

	port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	assert_int_equal(events(t, ev, 4), 0);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, SYN | ACK);
	assert_int_equal(events(t, ev, 4), 1);
	assert_int_equal(ev[0].op, NAT_FAST_ADD);
	assert_int_equal(ev[0].proto, NAT_TCP);
	assert_int_equal(ev[0].int_addr, HOST_A);
	assert_int_equal(ev[0].int_port, 40001);
	assert_int_equal(ev[0].ext_addr, NT_EXT);
	assert_int_equal(ev[0].ext_port, port);
	assert_int_equal(ev[0].rem_addr, REM1);
	assert_int_equal(ev[0].rem_port, 80);
	assert_int_equal(ev[0].flags, 0);
	assert_true(ev[0].idx < SLOTS);
	/* its state is the engine's before its keys are out */
	assert_int_equal(tcpst[ev[0].idx], NAT_TCP_ESTABLISHED);
	/* the rest of the connection is the kernel's: nothing more logged */
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, ACK);
	assert_int_equal(events(t, ev, 4), 0);
}

static void tcp_in_given_only_once_the_endpoint_answered(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = NT_EXT,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
	};
	struct nat_fast_event ev[4];
	struct nat_pkt *p;
	unsigned i;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	/* a flood of SYNs from outside: sessions, no map updates */
	for (i = 0; i < 8; i++)
		nt_tcp_in_ok(t, REM1, (uint16_t)(6000 + i), 8080, HOST_B, 80,
			     SYN);
	assert_int_equal(events(t, ev, 4), 0);
	p = tp_tcp(NAT_DIR_OUT, HOST_B, 80, REM1, 6000, SYN | ACK, 9000, 5001);
	nt_run(t, p);
	assert_int_equal(p->verdict, NAT_FORWARD);
	tp_free(p);
	assert_int_equal(events(t, ev, 4), 1);
	assert_int_equal(ev[0].op, NAT_FAST_ADD);
	assert_int_equal(ev[0].rem_port, 6000);
	assert_int_equal(ev[0].ext_port, 8080);
	assert_int_equal(ev[0].int_addr, HOST_B);
	assert_int_equal(tcpst[ev[0].idx], NAT_TCP_ESTABLISHED);
}

static void udp_given_once_answered_icmp_never(void **state)
{
	struct nt *t = *state;
	struct nat_fast_event ev[4];
	struct nat_pkt *p;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 5000, REM1, 53);
	nt_udp_out(t, HOST_A, 5000, REM1, 53);
	assert_int_equal(events(t, ev, 4), 0);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 5000);
	assert_int_equal(events(t, ev, 4), 1);
	assert_int_equal(ev[0].op, NAT_FAST_ADD);
	assert_int_equal(ev[0].proto, NAT_UDP);
	assert_int_equal(ev[0].ext_port, port);

	p = tp_echo(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_ECHO, 77, 1);
	nt_run(t, p);
	assert_int_equal(p->verdict, NAT_FORWARD);
	tp_free(p);
	assert_int_equal(events(t, ev, 4), 0);
}

/* a UDP hairpin A -> EXT:8080 -> B:80: two sessions, each given once
 * answered, each marked a hairpin, with keys that chain: A's outbound
 * rewrite is B's session's inbound key, and the other way round */
static void hairpin_two_sessions_given_marked_keys_chain(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
	};
	struct nat_fast_event ev[4], *a = NULL, *b = NULL;
	struct nat_pkt *p;
	unsigned n, i;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NT_EXT, 8080);
	nt_run(t, p);
	assert_int_equal(p->verdict, NAT_FORWARD);
	tp_free(p);
	assert_int_equal(events(t, ev, 4), 0);	/* not answered yet */
	p = tp_udp(NAT_DIR_OUT, HOST_B, 80, NT_EXT, 40000);
	nt_run(t, p);
	assert_int_equal(p->verdict, NAT_FORWARD);
	tp_free(p);
	n = events(t, ev, 4);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_int_equal(ev[i].op, NAT_FAST_ADD);
		assert_int_equal(ev[i].flags, NAT_FAST_HAIRPIN);
		if (ev[i].int_addr == HOST_A)
			a = &ev[i];
		else if (ev[i].int_addr == HOST_B)
			b = &ev[i];
	}
	assert_non_null(a);
	assert_non_null(b);
	/* A's packet, rewritten to EXT:a->ext_port -> EXT:8080, is B's
	 * inbound key (remote EXT:a->ext_port, to EXT:8080) */
	assert_int_equal(a->rem_addr, NT_EXT);
	assert_int_equal(a->rem_port, 8080);
	assert_int_equal(b->rem_addr, a->ext_addr);
	assert_int_equal(b->rem_port, a->ext_port);
	assert_int_equal(b->ext_port, 8080);
	assert_int_equal(b->int_port, 80);
	/* and B's answer, rewritten to EXT:8080 -> EXT:a->ext_port, is A's */
	assert_int_equal(a->ext_port, b->rem_port);
	assert_int_equal(a->int_port, 40000);
}

/* advance a second at a time, up to @max s, until session @idx is taken
 * back (DEL); return the seconds it took, or 0 */
static unsigned until_del(struct nt *t, uint32_t idx, unsigned max)
{
	struct nat_fast_event ev[8];
	unsigned s, n, i;

	for (s = 1; s <= max; s++) {
		nt_advance(t, 1000);
		n = events(t, ev, 8);
		for (i = 0; i < n; i++)
			if (ev[i].op == NAT_FAST_DEL && ev[i].idx == idx)
				return s;
	}
	return 0;
}

static void expired_taken_back_before_freed_revived_if_used(void **state)
{
	struct nt *t = *state;
	struct nat_fast_event ev[8];
	unsigned n, i, adds = 0, took;
	uint32_t idx;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 5001, REM1, 53);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 5001);
	assert_int_equal(events(t, ev, 8), 1);
	idx = ev[0].idx;
	/* at the UDP timeout (300 s) the wheel takes it back; the session
	 * is still there (dying) */
	took = until_del(t, idx, 400);
	assert_in_range(took, 299, 302);
	assert_int_equal(nt_sessions(t, NULL, 0), 1);
	/* the programs carried a packet before the keys went: revived */
	seen[2 * idx] = (uint32_t)(t->now / 1000);
	nt_advance(t, 2000);
	n = events(t, ev, 8);
	for (i = 0; i < n; i++)
		adds += ev[i].op == NAT_FAST_ADD && ev[i].idx == idx;
	assert_int_equal(adds, 1);
	assert_int_equal(nt_sessions(t, NULL, 0), 1);
	/* left alone: taken back 300 s after that packet, then freed */
	took = until_del(t, idx, 400);
	assert_in_range(took, 296, 302);
	assert_int_equal(nt_sessions(t, NULL, 0), 1);
	nt_advance(t, 2000);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

#define F(f) cmocka_unit_test_setup_teardown(f, setup, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		F(tcp_out_given_at_its_answer),
		F(tcp_in_given_only_once_the_endpoint_answered),
		F(udp_given_once_answered_icmp_never),
		F(hairpin_two_sessions_given_marked_keys_chain),
		F(expired_taken_back_before_freed_revived_if_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
