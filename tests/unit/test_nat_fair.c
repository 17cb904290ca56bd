/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_fair.c: one endpoint or one remote cannot
 * take what the others need (issue 10)
 *
 * Ports: an endpoint sending from every source port it has gets at most
 * its port_share of the external address per protocol (RFC 6888 REQ-4),
 * dropped as "port_share", and another endpoint still opens new UDP, TCP
 * and ICMP flows. Unanswered UDP sessions time out after udp_unanswered.
 * Inbound: one remote host spraying a static UDP mapping from 8200 ports
 * is held to remote_inbound_max sessions ("remote_limit"); many remotes
 * fill the mapping's map_inbound_max, and then a session the endpoint never
 * answered is evicted for a new client, never one it answered.
 */
#include <errno.h>
#include <string.h>

#include "nattest.h"

#define FLOOD_PORTS 16384	/* the whole default range 49152-65535 */
#define RANGE_LO 49152
#define RANGE_HI 65535
#define WHEEL 65		/* s, expiry happens within the wheel's 64 s */

/* the standard network with the range Linux gives dynamic ports */
static struct nt *nt_range(const struct nat_net_cfg *cfg)
{
	struct nat_net_cfg c;
	struct nt *t = nt_new(NULL);

	if (!cfg) {
		nat_net_cfg_default(&c, "nat");
		c.gateway = NT_GW;
		cfg = &c;
	}
	assert_int_equal(nat_net_add(t->nat, cfg, &t->net), 0);
	assert_int_equal(nat_prefix_add(t->nat, t->net, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, t->net, NT_EXT, RANGE_LO, RANGE_HI),
			 0);
	return t;
}

/* @host sends one packet from each of @n source ports; returns how many
 * were forwarded, the others must be refused for port_share */
static unsigned flood(struct nt *t, uint32_t host, uint8_t proto, unsigned n)
{
	unsigned i, fwd = 0;

	for (i = 0; i < n; i++) {
		uint16_t sport = (uint16_t)(RANGE_LO + i);
		struct nat_pkt *p;

		if (proto == NAT_UDP)
			p = tp_udp(NAT_DIR_OUT, host, sport, REM1, 53);
		else if (proto == NAT_TCP)
			p = tp_tcp(NAT_DIR_OUT, host, sport, REM1, 80,
				   PB_TCP_SYN, 1, 0);
		else
			p = tp_echo(NAT_DIR_OUT, host, REM1, PB_ICMP_ECHO,
				    sport, 1);
		nt_run(t, p);
		if (p->verdict == NAT_FORWARD)
			fwd++;
		else if (p->verdict != NAT_REPLY) /* 3/13, RFC 5508 REQ-8 */
			assert_drop(p, NAT_DROP_PORT_SHARE); /* rate-limited */
		tp_free(p);
	}
	return fwd;
}

/* issue 10: one endpoint takes 1/8 of the ports, another still gets 1000
 * new UDP and TCP flows and ICMP queries */
static void port_share_flood_leaves_ports_for_other_endpoint(void **state)
{
	struct nt *t = nt_range(NULL);
	unsigned share = (FLOOD_PORTS + NAT_PORT_SHARE_DEFAULT - 1) /
			 NAT_PORT_SHARE_DEFAULT;
	struct nat_stats st;
	unsigned i;

	*state = t;
	assert_int_equal(flood(t, HOST_A, NAT_UDP, FLOOD_PORTS), share);
	assert_int_equal(flood(t, HOST_A, NAT_TCP, FLOOD_PORTS), share);
	assert_int_equal(flood(t, HOST_A, NAT_ICMP, 4096), share);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.drops[NAT_DROP_PORT_SHARE],
			 2 * (FLOOD_PORTS - share) + 4096 - share);
	assert_int_equal(st.drops[NAT_DROP_PORTS_FULL], 0);

	for (i = 0; i < 1000; i++) {
		uint16_t sp = (uint16_t)(20000 + i);

		nt_udp_out(t, HOST_B, sp, REM2, 53);
		nt_tcp_out(t, HOST_B, sp, REM2, 443, PB_TCP_SYN);
	}
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.drops[NAT_DROP_PORT_SHARE],
			 2 * (FLOOD_PORTS - share) + 4096 - share);
}

/* the share follows the setting; 1 is the whole range (the old rule) */
static void port_share_setting_applies_and_one_is_whole_range(void **state)
{
	struct nat_net_cfg c;
	struct nt *t;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.port_share = 64;
	t = nt_range(&c);
	*state = t;
	assert_int_equal(flood(t, HOST_A, NAT_UDP, 1000), FLOOD_PORTS / 64);
	c.port_share = 1;
	assert_int_equal(nat_net_set(t->nat, t->net, &c), 0);
	assert_int_equal(flood(t, HOST_A, NAT_UDP, 1000), 1000);
	c.port_share = 0;
	assert_int_equal(nat_net_set(t->nat, t->net, &c), -EINVAL);
	assert_non_null(strstr(nat_error(t->nat), "port share 0"));
}

/* ports of expired mappings count no more against the share */
static void port_share_given_back_when_mappings_expire(void **state)
{
	struct nt *t = nt_range(NULL);
	unsigned share = FLOOD_PORTS / NAT_PORT_SHARE_DEFAULT;

	*state = t;
	assert_int_equal(flood(t, HOST_A, NAT_UDP, share + 10), share);
	nt_advance(t, (NAT_UDP_UNANSWERED_TIMEOUT_DEFAULT + WHEEL) * 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	assert_int_equal(flood(t, HOST_A, NAT_UDP, share + 10), share);
}

/* a UDP session nobody answered goes after udp_unanswered (120 s, the
 * RFC 4787 REQ-5 floor); an answered one lives the full 300 s */
static void rfc4787_req5_unanswered_udp_expires_at_floor(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	uint16_t pb;

	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	pb = nt_udp_out(t, HOST_B, 40000, REM1, 53);
	nt_udp_in_ok(t, REM1, 53, pb, HOST_B, 40000);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, &si));
	assert_true(si.expires >= 119 && si.expires <= 120);
	nt_advance(t, 119 * 1000);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, NULL));
	nt_advance(t, (1 + WHEEL) * 1000);
	assert_false(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, NULL));
	assert_true(nt_session_find(t, NAT_UDP, HOST_B, 40000, REM1, 53, &si));
	assert_true(si.expires >= 300 - 121 - WHEEL);
}

/* the static UDP mapping ext 5000 -> HOST_A:5000 */
static struct nt *nt_udp_server(const struct nat_net_cfg *cfg)
{
	struct nt *t = nt_std(NULL, cfg);
	struct nat_map m = {
		.proto = NAT_UDP, .ext_addr = NT_EXT, .ext_port = 5000,
		.int_addr = HOST_A, .int_port = 5000,
	};

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	return t;
}

/* issue 10: one remote host from 8200 ports gets remote_inbound_max
 * sessions; a second client is still answered */
static void remote_limit_one_host_cannot_fill_mapping(void **state)
{
	struct nt *t = nt_udp_server(NULL);
	struct nat_stats st;
	unsigned i, fwd = 0;

	*state = t;
	for (i = 0; i < 8200; i++) {
		struct nat_pkt *p = nt_udp_in(t, REM1, (uint16_t)(10000 + i),
					      5000);

		if (p->verdict == NAT_FORWARD)
			fwd++;
		else
			assert_drop(p, NAT_DROP_REMOTE_LIMIT);
		tp_free(p);
	}
	assert_int_equal(fwd, NAT_REMOTE_INBOUND_MAX_DEFAULT);
	nt_udp_in_ok(t, REM2, 4444, 5000, HOST_A, 5000);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.drops[NAT_DROP_REMOTE_LIMIT],
			 8200 - NAT_REMOTE_INBOUND_MAX_DEFAULT);
}

/* many remotes fill the mapping's budget: unanswered sessions are evicted
 * for new clients, the one the endpoint answered stays */
static void mapping_budget_evicts_unanswered_keeps_answered(void **state)
{
	struct nat_net_cfg c;
	struct nat_stats st;
	struct nat_pkt *p;
	struct nt *t;
	unsigned i;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.map_inbound_max = 100;
	t = nt_udp_server(&c);
	*state = t;
	/* a client the server answers */
	nt_udp_in_ok(t, REM1, 7777, 5000, HOST_A, 5000);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 5000, REM1, 7777);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	tp_free(p);
	/* 8200 sprayers, one port each, from 45.x.y.7 */
	for (i = 0; i < 8200; i++)
		nt_udp_in_ok(t, IPV4(45, 1 + i / 250, 1 + i % 250, 7), 1000, 5000,
			     HOST_A, 5000);
	assert_int_equal(nt_sessions(t, NULL, 0), 100);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 5000, REM1, 7777,
				    NULL));
	nt_udp_in_ok(t, REM2, 4444, 5000, HOST_A, 5000);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.sess_evicted, 8200 - 99 + 1);
	/* all answered: nothing to evict, the next is refused and counted */
	c.map_inbound_max = 1;
	assert_int_equal(nat_net_set(t->nat, t->net, &c), 0);
	nt_advance(t, (NAT_INBOUND_UNANSWERED_TIMEOUT_DEFAULT + WHEEL) * 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 1); /* the answered one */
	p = nt_udp_in(t, REM2, 4445, 5000);
	assert_drop(p, NAT_DROP_MAP_INBOUND_LIMIT);
	tp_free(p);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(port_share_flood_leaves_ports_for_other_endpoint),
		T(port_share_setting_applies_and_one_is_whole_range),
		T(port_share_given_back_when_mappings_expire),
		NT_STD(rfc4787_req5_unanswered_udp_expires_at_floor),
		T(remote_limit_one_host_cannot_fill_mapping),
		T(mapping_budget_evicts_unanswered_keeps_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
