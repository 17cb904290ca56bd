/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_limits.c: resource limits, RFC 5508 REQ-8
 *
 * Shrinks the engine's tables (flows per endpoint, flows in all, external
 * ports, held SYNs) and checks that the one that runs out is refused
 * cleanly, counted under its reason, answered with ICMP 3/13 from the
 * network's gateway when ICMP errors are on (RFC 5508 REQ-8), while other
 * endpoints and existing flows carry on; and that expired or flushed
 * sessions give their room and ports back.
 */
#include <string.h>

#include "nattest.h"

static struct nt *nt_limited(const struct nat_limits *lim, bool icmp_errors,
			     uint16_t port_lo, uint16_t port_hi)
{
	struct nat_net_cfg c;
	struct nt *t = nt_new(lim);

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.icmp_errors = icmp_errors;
	assert_int_equal(nat_net_add(t->nat, &c, &t->net), 0);
	assert_int_equal(nat_prefix_add(t->nat, t->net, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, t->net, NT_EXT, port_lo, port_hi),
			 0);
	return t;
}

/* a new UDP flow that must be refused: drop @reason, or ICMP 3/13 */
static void refused(struct nt *t, uint32_t host, uint16_t sport, uint16_t dport,
		    bool icmp, uint8_t reason)
{
	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, host, sport, REM1, dport);
	uint8_t orig[128];
	uint32_t olen = p->len;
	uint64_t before = nt_drops(t, reason);

	memcpy(orig, p->data, olen);
	nt_run(t, p);
	if (!icmp) {
		assert_drop(p, reason);
	} else {
		/* RFC 5508 REQ-8: 3/13 from the gateway, quoting the packet */
		assert_verdict(p, NAT_REPLY);
		assert_int_equal(p->len, pb_totlen(p->data));
		assert_icmp_err(p, .src = NT_GW, .dst = host,
				.type = PB_ICMP_UNREACH,
				.code = PB_UNREACH_ADMIN);
		assert_memory_equal(pb_icmp_inner(p->data), orig, 28);
	}
	assert_int_equal(nt_drops(t, reason), before + 1);
	tp_free(p);
}

/* one endpoint at max_flows_per_host is refused; others are not */
static void host_flow_limit_refuses_one_endpoint_only(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	uint16_t i;

	nat_limits_default(&lim);
	lim.max_flows_per_host = 4;
	t = nt_limited(&lim, false, NT_PORT_LO, NT_PORT_HI);
	*state = t;
	for (i = 0; i < 4; i++)
		nt_udp_out(t, HOST_A, 40000, REM1, (uint16_t)(1000 + i));
	refused(t, HOST_A, 40000, 2000, false, NAT_DROP_HOST_LIMIT);
	refused(t, HOST_A, 40001, 2000, false, NAT_DROP_HOST_LIMIT);
	/* B still gets new flows, A's flows still pass */
	nt_udp_out(t, HOST_B, 40000, REM1, 2000);
	nt_udp_out(t, HOST_A, 40000, REM1, 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 5);
}

/* RFC 5508 REQ-8: the refused endpoint is told with ICMP 3/13 */
static void rfc5508_req8_host_limit_answered_with_icmp_3_13(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	uint16_t i;

	nat_limits_default(&lim);
	lim.max_flows_per_host = 4;
	t = nt_limited(&lim, true, NT_PORT_LO, NT_PORT_HI);
	*state = t;
	for (i = 0; i < 4; i++)
		nt_udp_out(t, HOST_A, 40000, REM1, (uint16_t)(1000 + i));
	refused(t, HOST_A, 40000, 2000, true, NAT_DROP_HOST_LIMIT);
	nt_udp_out(t, HOST_C, 40000, REM1, 2000);
}

/* the whole table full: every endpoint refused until sessions expire */
static void table_full_refuses_new_flows_until_expiry(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	struct nat_pkt *p;

	nat_limits_default(&lim);
	lim.max_flows = 4;
	t = nt_limited(&lim, false, NT_PORT_LO, NT_PORT_HI);
	*state = t;
	nt_udp_out(t, HOST_A, 40000, REM1, 1);
	nt_udp_out(t, HOST_A, 40000, REM1, 2);
	nt_udp_out(t, HOST_B, 40000, REM1, 1);
	nt_udp_out(t, HOST_B, 40000, REM1, 2);
	refused(t, HOST_C, 40000, 1, false, NAT_DROP_TABLE_FULL);
	refused(t, HOST_A, 40000, 3, false, NAT_DROP_TABLE_FULL);

	/* an inbound packet that would make a session (EIF) is refused too */
	p = nt_udp_in(t, REM2, 53, 40000);
	assert_drop(p, NAT_DROP_TABLE_FULL);
	tp_free(p);

	nt_advance(t, (300 + 65) * 1000ull);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	nt_udp_out(t, HOST_C, 40000, REM1, 1);
}

/* two external ports: the third endpoint to the same server finds none;
 * expiry gives the ports back */
static void port_range_exhausted_ports_full_then_freed_by_expiry(void **state)
{
	struct nt *t = nt_limited(NULL, false, 20000, 20001);
	uint16_t pa, pb, pc;

	*state = t;
	pa = nt_udp_out(t, HOST_A, 5000, REM1, 53);
	pb = nt_udp_out(t, HOST_B, 5000, REM1, 53);
	assert_true(pa >= 20000 && pa <= 20001);
	assert_true(pb >= 20000 && pb <= 20001);
	assert_int_not_equal(pa, pb);
	refused(t, HOST_C, 5000, 53, false, NAT_DROP_PORTS_FULL);
	/* A and B keep their mappings */
	assert_int_equal(nt_udp_out(t, HOST_A, 5000, REM2, 53), pa);
	nt_udp_in_ok(t, REM1, 53, pb, HOST_B, 5000);

	nt_advance(t, (300 + 65) * 1000ull);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	pc = nt_udp_out(t, HOST_C, 5000, REM1, 53);
	assert_true(pc >= 20000 && pc <= 20001);
	nt_udp_in_ok(t, REM1, 53, pc, HOST_C, 5000);
}

/* RFC 5508 REQ-8: no port is a resource failure too */
static void rfc5508_req8_ports_full_answered_with_icmp_3_13(void **state)
{
	struct nt *t = nt_limited(NULL, true, 20000, 20001);

	*state = t;
	nt_udp_out(t, HOST_A, 5000, REM1, 53);
	nt_udp_out(t, HOST_B, 5000, REM1, 53);
	refused(t, HOST_C, 5000, 53, true, NAT_DROP_PORTS_FULL);
}

/* nat_session_flush() ends every session and frees their ports */
static void session_flush_frees_sessions_and_ports(void **state)
{
	struct nt *t = nt_limited(NULL, false, 20000, 20001);
	struct nat_stats st;

	*state = t;
	nt_udp_out(t, HOST_A, 5000, REM1, 53);
	nt_udp_out(t, HOST_B, 5000, REM1, 53);
	refused(t, HOST_C, 5000, 53, false, NAT_DROP_PORTS_FULL);
	assert_int_equal(nat_session_flush(t->nat, -1), 2);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.mappings, 0);
	nt_udp_out(t, HOST_C, 5000, REM1, 53);
}

/* RFC 5382 REQ-4 needs room to hold SYNs; beyond it they are dropped */
static void syn_hold_table_full_drops_syn_held_full(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	struct nat_pkt *p;
	uint16_t i;

	nat_limits_default(&lim);
	lim.max_syn_held = 2;
	t = nt_limited(&lim, true, NT_PORT_LO, NT_PORT_HI);
	*state = t;
	for (i = 0; i < 3; i++) {
		p = tp_tcp(NAT_DIR_IN, REM1, (uint16_t)(5000 + i), NT_EXT,
			   (uint16_t)(30000 + i), PB_TCP_SYN, 1, 0);
		nt_run(t, p);
		if (i < 2)
			assert_verdict(p, NAT_HELD);
		else
			assert_drop(p, NAT_DROP_SYN_HELD_FULL);
		tp_free(p);
	}
	/* the two held ones are answered after 6 s, then there is room */
	nt_advance(t, 7000);
	assert_int_equal(t->npolled, 2);
	p = tp_tcp(NAT_DIR_IN, REM1, 5009, NT_EXT, 30009, PB_TCP_SYN, 1, 0);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(host_flow_limit_refuses_one_endpoint_only),
		T(rfc5508_req8_host_limit_answered_with_icmp_3_13),
		T(table_full_refuses_new_flows_until_expiry),
		T(port_range_exhausted_ports_full_then_freed_by_expiry),
		T(rfc5508_req8_ports_full_answered_with_icmp_3_13),
		T(session_flush_frees_sessions_and_ports),
		T(syn_hold_table_full_drops_syn_held_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
