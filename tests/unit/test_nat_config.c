/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_config.c: configuring the engine
 *
 * Tests the defaults hostnat ships (RFC-REQUIREMENTS.md: UDP 300 s, TCP
 * 7440/240/6 s, ICMP 60 s, EIF), the checks on networks, prefixes, external
 * addresses and timeouts (the RFC floors are refused), and static and
 * dynamic mappings: conflicts, deletion, listing, and that a mapping really
 * carries packets.
 */
#include <errno.h>
#include <string.h>

#include "nattest.h"

#define NET2_PREFIX IPV4(10, 1, 0, 0)
#define NET2_GW IPV4(10, 1, 0, 1)

/* a second network "lab" on 10.1.0.0/16 */
static unsigned add_net2(struct nt *t)
{
	struct nat_net_cfg c;
	unsigned id;

	nat_net_cfg_default(&c, "lab");
	c.gateway = NET2_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &id), 0);
	assert_int_equal(nat_prefix_add(t->nat, id, NET2_PREFIX, 16), 0);
	return id;
}

static void limits_default_are_usable(void **state)
{
	struct nat_limits lim;

	(void)state;
	memset(&lim, 0, sizeof(lim));
	nat_limits_default(&lim);
	assert_true(lim.max_flows > 0);
	assert_true(lim.max_flows_per_host > 0);
	assert_true(lim.max_flows_per_host <= lim.max_flows);
	assert_true(lim.max_hosts > 0);
	assert_true(lim.max_nets > 0);
	assert_true(lim.max_prefixes > 0);
	assert_true(lim.max_ext > 0);
	assert_true(lim.max_static > 0);
	assert_true(lim.max_frags > 0);
	assert_true(lim.max_frag_held > 0);
	assert_true(lim.max_syn_held > 0);
}

/* RFC 4787 REQ-5c, RFC 5382 REQ-4/REQ-5, RFC 5508 REQ-2, REQ-8 (EIF) */
static void net_cfg_default_ships_rfc_timeouts_and_eif(void **state)
{
	struct nat_net_cfg c;
	unsigned i;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	nat_net_cfg_default(&c, "nat");
	assert_string_equal(c.name, "nat");
	assert_int_equal(c.to.udp, 300);
	assert_int_equal(c.to.tcp_est, 7440);
	assert_int_equal(c.to.tcp_trans, 240);
	assert_int_equal(c.to.tcp_syn, 6);
	assert_int_equal(c.to.icmp, 60);
	for (i = 0; i < NAT_NPROTO; i++)
		assert_int_equal(c.filter[i], NAT_FILTER_EIF);
	assert_false(c.udp_inbound_refresh); /* RFC 4787 REQ-6a: MAY */
	assert_true(c.icmp_errors); /* RFC 5508 REQ-8 */
}

static void net_add_duplicate_name_is_eexist(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg c;
	unsigned id;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NET2_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &id), -EEXIST);
}

/* the one rule of src/lib (name.c), as the API's parse_name() has it */
static void net_add_name_starting_with_dash_is_einval(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg c;
	unsigned id;

	nat_net_cfg_default(&c, "-x");
	c.gateway = NET2_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &id), -EINVAL);
	assert_non_null(strstr(nat_error(t->nat), "starting with a letter or "
					 "digit"));
}

static void net_find_and_get_return_what_was_added(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg c;
	unsigned id = 999, id2;

	assert_int_equal(nat_net_find(t->nat, "nat", &id), 0);
	assert_int_equal(id, t->net);
	assert_true(nat_net_find(t->nat, "nosuch", &id2) < 0);
	assert_int_equal(nat_net_get(t->nat, t->net, &c), 0);
	assert_string_equal(c.name, "nat");
	assert_int_equal(c.gateway, NT_GW);
	assert_int_equal(c.to.tcp_est, NAT_TCP_EST_TIMEOUT_DEFAULT);
}

/* a prefix in two networks makes the direction of a packet ambiguous */
static void prefix_overlap_across_networks_refused_naming_both(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg c;
	const char *msg;
	unsigned id;
	int ret;

	nat_net_cfg_default(&c, "lab");
	c.gateway = NET2_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &id), 0);

	ret = nat_prefix_add(t->nat, id, IPV4(172, 16, 5, 0), 24);
	assert_true(ret < 0);
	msg = nat_error(t->nat);
	assert_non_null(msg);
	print_message("nat_error: %s\n", msg);
	assert_non_null(strstr(msg, "172.16.5.0/24"));
	assert_non_null(strstr(msg, "172.16.0.0/16"));

	/* and the other way round: a wider prefix covering the first one */
	ret = nat_prefix_add(t->nat, id, IPV4(172, 0, 0, 0), 8);
	assert_true(ret < 0);
	msg = nat_error(t->nat);
	assert_non_null(strstr(msg, "172.0.0.0/8"));
	assert_non_null(strstr(msg, "172.16.0.0/16"));

	/* a disjoint prefix is fine */
	assert_int_equal(nat_prefix_add(t->nat, id, NET2_PREFIX, 16), 0);
}

/* RFC 4787 REQ-7: internal and external addresses must not overlap */
static void ext_addr_inside_internal_prefix_refused(void **state)
{
	struct nt *t = *state;

	assert_true(nat_ext_add(t->nat, t->net, IPV4(172, 16, 9, 9), 1024,
				65535) < 0);
}

/* RFC 4787 REQ-7, the same rule checked when the prefix comes second */
static void prefix_covering_ext_addr_refused(void **state)
{
	struct nt *t = *state;
	unsigned id = add_net2(t);

	assert_true(nat_prefix_add(t->nat, id, IPV4(198, 51, 100, 0), 24) < 0);
}

static void ext_port_range_reversed_refused(void **state)
{
	struct nt *t = *state;

	assert_true(nat_ext_add(t->nat, t->net, IPV4(198, 51, 100, 3), 5000,
				4000) < 0);
}

static void set_timeout_expect(struct nt *t, size_t field, uint32_t value,
			       int want)
{
	struct nat_net_cfg c, after;
	uint32_t before;

	assert_int_equal(nat_net_get(t->nat, t->net, &c), 0);
	memcpy(&before, (uint8_t *)&c.to + field, sizeof(before));
	memcpy((uint8_t *)&c.to + field, &value, sizeof(value));
	assert_int_equal(nat_net_set(t->nat, t->net, &c), want);
	assert_int_equal(nat_net_get(t->nat, t->net, &after), 0);
	memcpy(&value, (uint8_t *)&after.to + field, sizeof(value));
	if (want)
		assert_int_equal(value, before); /* refused: unchanged */
}

/* RFC 4787 REQ-5, RFC 5382 REQ-4/REQ-5, RFC 5508 REQ-2: MUST NOT be less */
static void timeouts_below_rfc_floor_refused_by_net_set(void **state)
{
	struct nt *t = *state;

	set_timeout_expect(t, offsetof(struct nat_timeouts, udp), 119, -EINVAL);
	set_timeout_expect(t, offsetof(struct nat_timeouts, tcp_est), 7439,
			   -EINVAL);
	set_timeout_expect(t, offsetof(struct nat_timeouts, tcp_trans), 239,
			   -EINVAL);
	set_timeout_expect(t, offsetof(struct nat_timeouts, tcp_syn), 5,
			   -EINVAL);
	set_timeout_expect(t, offsetof(struct nat_timeouts, icmp), 59, -EINVAL);
	set_timeout_expect(t, offsetof(struct nat_timeouts, udp), 0, -EINVAL);
}

static void timeouts_at_rfc_floor_accepted_by_net_set(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg c;

	assert_int_equal(nat_net_get(t->nat, t->net, &c), 0);
	c.to.udp = NAT_UDP_TIMEOUT_MIN;
	c.to.tcp_est = NAT_TCP_EST_TIMEOUT_MIN;
	c.to.tcp_trans = NAT_TCP_TRANS_TIMEOUT_MIN;
	c.to.tcp_syn = NAT_TCP_SYN_TIMEOUT_MIN;
	c.to.icmp = NAT_ICMP_TIMEOUT_MIN;
	assert_int_equal(nat_net_set(t->nat, t->net, &c), 0);
	assert_int_equal(nat_net_get(t->nat, t->net, &c), 0);
	assert_int_equal(c.to.udp, 120);
	assert_int_equal(c.to.tcp_est, 7440);
	assert_int_equal(c.to.tcp_trans, 240);
	assert_int_equal(c.to.tcp_syn, 6);
	assert_int_equal(c.to.icmp, 60);
}

static void timeout_above_max_refused_by_net_set(void **state)
{
	struct nt *t = *state;

	set_timeout_expect(t, offsetof(struct nat_timeouts, udp),
			   NAT_TIMEOUT_MAX + 1, -EINVAL);
}

/* RFC 4787 REQ-5: the floor holds for a new network too */
static void timeouts_below_rfc_floor_refused_by_net_add(void **state)
{
	struct nt *t = nt_new(NULL);
	struct nat_net_cfg c;
	unsigned id;

	*state = t;
	nat_net_cfg_default(&c, "lab");
	c.gateway = NET2_GW;
	c.to.udp = 60;
	assert_int_equal(nat_net_add(t->nat, &c, &id), -EINVAL);
}

static struct nat_map tcp_map(uint32_t ext, uint16_t port, uint32_t host,
			      uint16_t hport)
{
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = ext,
		.ext_port = port,
		.int_addr = host,
		.int_port = hport,
	};

	return m;
}

static void static_map_same_proto_addr_port_twice_eaddrinuse(void **state)
{
	struct nt *t = *state;
	struct nat_map m = tcp_map(NT_EXT, 8080, HOST_B, 80);
	struct nat_map m2 = tcp_map(NT_EXT, 8080, HOST_C, 8000);
	struct nat_map u = m;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	assert_int_equal(nat_map_add(t->nat, t->net, &m2), -EADDRINUSE);
	/* the port is per protocol: UDP 8080 is another mapping */
	u.proto = NAT_UDP;
	assert_int_equal(nat_map_add(t->nat, t->net, &u), 0);
}

/* two networks may share an external address; its ports are shared too */
static void static_map_conflict_across_networks_sharing_ext_addr(void **state)
{
	struct nt *t = nt_new(NULL);
	struct nat_net_cfg c;
	struct nat_map m = tcp_map(NT_EXT, 8080, HOST_B, 80);
	struct nat_map m2 = tcp_map(NT_EXT, 8080, IPV4(10, 1, 0, 50), 80);
	unsigned n1, n2;

	*state = t;
	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &n1), 0);
	assert_int_equal(nat_prefix_add(t->nat, n1, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, n1, NT_EXT, 1024, 40000), 0);
	n2 = add_net2(t);
	assert_int_equal(nat_ext_add(t->nat, n2, NT_EXT, 40001, 65535), 0);

	assert_int_equal(nat_map_add(t->nat, n1, &m), 0);
	assert_int_equal(nat_map_add(t->nat, n2, &m2), -EADDRINUSE);
	m2.ext_port = 8081;
	assert_int_equal(nat_map_add(t->nat, n2, &m2), 0);
}

static void static_map_endpoint_outside_prefixes_refused(void **state)
{
	struct nt *t = *state;
	struct nat_map m = tcp_map(NT_EXT, 8080, IPV4(10, 9, 9, 9), 80);

	assert_true(nat_map_add(t->nat, t->net, &m) < 0);
}

static void static_map_on_foreign_ext_addr_refused(void **state)
{
	struct nt *t = *state;
	struct nat_map m = tcp_map(NT_EXT_OTHER, 8080, HOST_B, 80);

	assert_true(nat_map_add(t->nat, t->net, &m) < 0);
}

/* ext_port 0: the engine picks a free port, writes it back, and it works */
static void dynamic_map_picks_free_port_and_writes_it_back(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.int_addr = HOST_B,
		.int_port = 5353,
	};
	struct nat_map m2 = m;
	struct nat_pkt *p;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	assert_int_not_equal(m.ext_port, 0);
	assert_true(m.ext_port >= NT_PORT_LO);
	m2.int_port = 5354;
	assert_int_equal(nat_map_add(t->nat, t->net, &m2), 0);
	assert_int_not_equal(m2.ext_port, 0);
	assert_int_not_equal(m2.ext_port, m.ext_port);

	p = tp_udp(NAT_DIR_IN, REM1, 7777, NT_EXT, m.ext_port);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_B, "dst");
	assert_int_equal(pb_dport(p->data), 5353);
	assert_addr(pb_src(p->data), REM1, "src");
	assert_int_equal(pb_sport(p->data), 7777);
	assert_csums(p);
	tp_free(p);
}

static void map_del_missing_is_enoent(void **state)
{
	struct nt *t = *state;
	struct nat_map m = tcp_map(NT_EXT, 8080, HOST_B, 80);
	struct nat_pkt *p;

	assert_int_equal(nat_map_del(t->nat, t->net, NAT_TCP, NT_EXT, 8080),
			 -ENOENT);
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	assert_int_equal(nat_map_del(t->nat, t->net, NAT_UDP, NT_EXT, 8080),
			 -ENOENT);
	assert_int_equal(nat_map_del(t->nat, t->net, NAT_TCP, NT_EXT, 8080), 0);
	assert_int_equal(nat_map_del(t->nat, t->net, NAT_TCP, NT_EXT, 8080),
			 -ENOENT);

	/* deleted: an inbound SYN no longer reaches the endpoint */
	p = tp_tcp(NAT_DIR_IN, REM1, 40000, NT_EXT, 8080, PB_TCP_SYN, 1, 0);
	nt_run(t, p);
	assert_int_not_equal(p->verdict, NAT_FORWARD);
	tp_free(p);
}

struct maps_seen {
	struct nat_map m[8];
	unsigned n;
};

static int map_collect(unsigned net, const struct nat_map *map, void *ctx)
{
	struct maps_seen *s = ctx;

	(void)net;
	if (s->n < 8)
		s->m[s->n] = *map;
	s->n++;
	return 0;
}

static const struct nat_map *seen_find(const struct maps_seen *s, uint8_t proto,
				       uint16_t ext_port)
{
	unsigned i;

	for (i = 0; i < s->n && i < 8; i++)
		if (s->m[i].proto == proto && s->m[i].ext_port == ext_port)
			return &s->m[i];
	return NULL;
}

static void map_walk_lists_every_mapping(void **state)
{
	struct nt *t = *state;
	struct nat_map a = tcp_map(NT_EXT, 8080, HOST_B, 80);
	struct nat_map b = tcp_map(NT_EXT, 2222, HOST_C, 22);
	struct nat_map c = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.ext_port = 5353,
		.int_addr = HOST_A,
		.int_port = 53,
		.remote_addr = IPV4(203, 0, 113, 0),
		.remote_plen = 24,
	};
	struct maps_seen s = { .n = 0 };
	const struct nat_map *f;

	assert_int_equal(nat_map_add(t->nat, t->net, &a), 0);
	assert_int_equal(nat_map_add(t->nat, t->net, &b), 0);
	assert_int_equal(nat_map_add(t->nat, t->net, &c), 0);
	assert_int_equal(nat_map_walk(t->nat, t->net, map_collect, &s), 0);
	assert_int_equal(s.n, 3);
	f = seen_find(&s, NAT_TCP, 8080);
	assert_non_null(f);
	assert_int_equal(f->int_addr, HOST_B);
	assert_int_equal(f->int_port, 80);
	f = seen_find(&s, NAT_TCP, 2222);
	assert_non_null(f);
	assert_int_equal(f->int_addr, HOST_C);
	assert_int_equal(f->int_port, 22);
	f = seen_find(&s, NAT_UDP, 5353);
	assert_non_null(f);
	assert_int_equal(f->int_addr, HOST_A);
	assert_int_equal(f->int_port, 53);
	assert_int_equal(f->remote_addr, IPV4(203, 0, 113, 0));
	assert_int_equal(f->remote_plen, 24);

	/* after a delete the walk no longer shows it */
	assert_int_equal(nat_map_del(t->nat, t->net, NAT_TCP, NT_EXT, 2222), 0);
	s.n = 0;
	assert_int_equal(nat_map_walk(t->nat, t->net, map_collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_null(seen_find(&s, NAT_TCP, 2222));
}

/* deleting a network ends its sessions: its packets are no longer ours */
static void net_del_ends_sessions_and_translation(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	assert_int_equal(nat_net_del(t->nat, t->net), 0);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	p = nt_udp_in(t, REM1, 53, port);
	assert_drop(p, NAT_DROP_NOT_OURS);
	tp_free(p);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_SPOOFED);
	tp_free(p);
	assert_int_not_equal(nat_net_del(t->nat, t->net), 0);
}

/* deleting an external address ends the sessions that use it */
static void ext_del_ends_its_sessions(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	assert_int_equal(nat_ext_del(t->nat, t->net, NT_EXT), 0);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	p = nt_udp_in(t, REM1, 53, port);
	assert_drop(p, NAT_DROP_NOT_OURS);
	tp_free(p);
	assert_int_not_equal(nat_ext_del(t->nat, t->net, NT_EXT), 0);
}

/* each network allocates dynamic ports only from its own range of a shared
 * external address */
static void shared_ext_addr_ports_stay_in_each_network_range(void **state)
{
	struct nt *t = nt_new(NULL);
	struct nat_net_cfg c;
	struct nat_pkt *p;
	unsigned n1, n2;
	uint16_t port;

	*state = t;
	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &n1), 0);
	assert_int_equal(nat_prefix_add(t->nat, n1, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, n1, NT_EXT, 1024, 40000), 0);
	n2 = add_net2(t);
	assert_int_equal(nat_ext_add(t->nat, n2, NT_EXT, 40001, 65535), 0);

	p = tp_udp(NAT_DIR_OUT, HOST_A, 50000, REM1, 53);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(p->net, n1);
	port = pb_sport(p->data);
	assert_true(port >= 1024 && port <= 40000);
	tp_free(p);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 50000);

	p = tp_udp(NAT_DIR_OUT, IPV4(10, 1, 0, 10), 5000, REM1, 53);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(p->net, n2);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	port = pb_sport(p->data);
	assert_true(port >= 40001);
	tp_free(p);
	nt_udp_in_ok(t, REM1, 53, port, IPV4(10, 1, 0, 10), 5000);
}

/* a static mapping with ext_addr 0 serves every external address of its
 * network, and answers from the address the client used */
static void static_map_any_ext_addr_serves_each_address(void **state)
{
	struct nt *t = *state;
	const uint32_t ext2 = IPV4(198, 51, 100, 3);
	struct nat_map m = tcp_map(0, 8080, HOST_B, 80);
	struct nat_pkt *p;
	uint32_t ext;

	assert_int_equal(nat_ext_add(t->nat, t->net, ext2, 1024, 65535), 0);
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	for (ext = NT_EXT; ext <= ext2; ext++) {
		uint16_t rport = (uint16_t)(6000 + (ext & 0xff));

		p = tp_tcp(NAT_DIR_IN, REM1, rport, ext, 8080, PB_TCP_SYN, 1,
			   0);
		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		assert_addr(pb_dst(p->data), HOST_B, "dst");
		assert_int_equal(pb_dport(p->data), 80);
		assert_csums(p);
		tp_free(p);

		p = tp_tcp(NAT_DIR_OUT, HOST_B, 80, REM1, rport,
			   PB_TCP_SYN | PB_TCP_ACK, 9, 2);
		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		assert_addr(pb_src(p->data), ext, "reply src");
		assert_int_equal(pb_sport(p->data), 8080);
		assert_csums(p);
		tp_free(p);
	}
}

static void drop_names_exist_for_every_reason(void **state)
{
	unsigned r;

	(void)state;
	for (r = 0; r < NAT_DROP_REASONS; r++) {
		const char *n = nat_drop_name(r);

		assert_non_null(n);
		assert_true(strlen(n) > 0);
		/* snake_case, as every key of the JSON answers */
		assert_int_equal(n[strspn(n, "abcdefghijklmnopqrstuvwxyz"
					  "0123456789_")], 0);
	}
	assert_non_null(nat_tcp_state_name(NAT_TCP_ESTABLISHED));
	assert_non_null(nat_proto_name(NAT_UDP));
	assert_non_null(nat_filter_name(NAT_FILTER_APDF));
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limits_default_are_usable),
		cmocka_unit_test(net_cfg_default_ships_rfc_timeouts_and_eif),
		NT_STD(net_add_duplicate_name_is_eexist),
		NT_STD(net_add_name_starting_with_dash_is_einval),
		NT_STD(net_find_and_get_return_what_was_added),
		NT_STD(prefix_overlap_across_networks_refused_naming_both),
		NT_STD(ext_addr_inside_internal_prefix_refused),
		NT_STD(prefix_covering_ext_addr_refused),
		NT_STD(ext_port_range_reversed_refused),
		NT_STD(timeouts_below_rfc_floor_refused_by_net_set),
		NT_STD(timeouts_at_rfc_floor_accepted_by_net_set),
		NT_STD(timeout_above_max_refused_by_net_set),
		T(timeouts_below_rfc_floor_refused_by_net_add),
		NT_STD(static_map_same_proto_addr_port_twice_eaddrinuse),
		T(static_map_conflict_across_networks_sharing_ext_addr),
		NT_STD(static_map_endpoint_outside_prefixes_refused),
		NT_STD(static_map_on_foreign_ext_addr_refused),
		NT_STD(dynamic_map_picks_free_port_and_writes_it_back),
		NT_STD(map_del_missing_is_enoent),
		NT_STD(map_walk_lists_every_mapping),
		NT_STD(net_del_ends_sessions_and_translation),
		T(shared_ext_addr_ports_stay_in_each_network_range),
		NT_STD(static_map_any_ext_addr_serves_each_address),
		NT_STD(ext_del_ends_its_sessions),
		cmocka_unit_test(drop_names_exist_for_every_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
