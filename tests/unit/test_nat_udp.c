/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_udp.c: UDP translation, RFC 4787
 *
 * Sends real UDP packets through the engine and checks the bytes that come
 * out: address and port translation both ways, checksums (full, zero,
 * partial/offloaded), endpoint-independent mapping, no port overloading,
 * port range preservation, the three filtering modes, refresh and expiry,
 * and the drop reason of every kind of malformed packet.
 */
#include <string.h>

#include "nattest.h"

static const uint8_t data21[] = "twenty-one bytes long";

/* RFC 4787 REQ-3 (port preserved when free), checksums valid after */
static void
rfc4787_req3_outbound_udp_src_translated_port_preserved(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 0x1234 };
	uint8_t b[128];
	size_t len = pb_udp(b, sizeof(b), &ip, 40000, 53, data21,
			    sizeof(data21) - 1);
	struct nat_pkt *p = tp_new(b, len, NAT_DIR_OUT);

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(p->net, t->net);
	assert_int_equal(p->len, len);
	assert_int_equal(pb_totlen(p->data), len);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_addr(pb_dst(p->data), REM1, "dst");
	assert_int_equal(pb_sport(p->data), 40000);
	assert_int_equal(pb_dport(p->data), 53);
	assert_int_equal(pb_proto(p->data), PB_IPPROTO_UDP);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	assert_int_not_equal(pb_udp_csum(p->data), 0);
	assert_true(pb_l4_csum_ok(p->data, p->len));
	/* UDP length and payload untouched (odd length: 21 bytes) */
	assert_int_equal(pb_get_be16(pb_l4(p->data) + 4), 8 + 21);
	assert_memory_equal(pb_l4(p->data) + 8, data21, 21);
	tp_free(p);
}

/* RFC 768: a zero UDP checksum means "none" and must stay zero */
static void udp_zero_checksum_stays_zero_both_ways(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	uint16_t port;

	pb_put_be16(pb_l4(p->data) + 6, 0);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_udp_csum(p->data), 0);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	port = pb_sport(p->data);
	tp_free(p);

	p = tp_udp(NAT_DIR_IN, REM1, 53, NT_EXT, port);
	pb_put_be16(pb_l4(p->data) + 6, 0);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_A, "dst");
	assert_int_equal(pb_dport(p->data), 40000);
	assert_int_equal(pb_udp_csum(p->data), 0);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	tp_free(p);
}

/* set the last two bytes of @data so that a UDP packet with these
 * addresses and ports has a computed checksum of 0, sent as 0xffff */
static void udp_tune_to_ffff(uint32_t src, uint16_t sport, uint32_t dst,
			     uint16_t dport, uint8_t *data, size_t dlen)
{
	struct pb_ip ip = { .src = src, .dst = dst, .id = 1 };
	uint8_t b[128];
	size_t len;

	data[dlen - 2] = data[dlen - 1] = 0;
	len = pb_udp(b, sizeof(b), &ip, sport, dport, data, dlen);
	assert_true(len);
	pb_put_be16(data + dlen - 2, pb_udp_csum(b));
	len = pb_udp(b, sizeof(b), &ip, sport, dport, data, dlen);
	assert_int_equal(pb_udp_csum(b), 0xffff); /* oracle self-check */
}

/* RFC 768: a computed UDP checksum of 0 is sent as 0xffff; an incremental
 * update that lands on 0 would turn the checksum off */
static void udp_checksum_landing_on_zero_sent_as_ffff(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 1 };
	uint8_t data[20] = "checksum lands on 0", b[128];
	size_t len;
	struct nat_pkt *p;

	udp_tune_to_ffff(NT_EXT, 40000, REM1, 53, data, sizeof(data));
	len = pb_udp(b, sizeof(b), &ip, 40000, 53, data, sizeof(data));
	assert_int_not_equal(pb_udp_csum(b), 0xffff);
	p = tp_new(b, len, NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(pb_sport(p->data), 40000);
	assert_int_equal(pb_udp_csum(p->data), 0xffff);
	assert_csums(p);
	tp_free(p);

	/* inbound: the reply whose checksum lands on 0 at the endpoint */
	udp_tune_to_ffff(REM1, 53, HOST_A, 40000, data, sizeof(data));
	ip.src = REM1;
	ip.dst = NT_EXT;
	len = pb_udp(b, sizeof(b), &ip, 53, 40000, data, sizeof(data));
	p = tp_new(b, len, NAT_DIR_IN);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_A, "dst");
	assert_int_equal(pb_udp_csum(p->data), 0xffff);
	assert_csums(p);
	tp_free(p);
}

static void rfc4787_req1_eim_same_port_to_two_servers(void **state)
{
	struct nt *t = *state;
	uint16_t p1, p2;

	p1 = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	p2 = nt_udp_out(t, HOST_A, 40000, REM2, 123);
	assert_int_equal(p1, p2);
	/* and both servers reach the endpoint through it */
	nt_udp_in_ok(t, REM2, 123, p2, HOST_A, 40000);
	nt_udp_in_ok(t, REM1, 53, p1, HOST_A, 40000);
}

/* RFC 4787 REQ-2 (paired pooling), RFC 7857 section 5 (for every
 * protocol): an endpoint keeps one external address for all its sessions */
static void rfc4787_req2_paired_pooling_one_ext_addr_per_endpoint(void **state)
{
	struct nt *t = *state;
	const uint32_t ext2 = IPV4(198, 51, 100, 3);
	struct nat_pkt *p;
	uint32_t first = 0;
	uint16_t i;

	assert_int_equal(nat_ext_add(t->nat, t->net, ext2, 1024, 65535), 0);
	for (i = 0; i < 24; i++) {
		if (i % 3 == 0)
			p = tp_udp(NAT_DIR_OUT, HOST_A, (uint16_t)(40000 + i),
				   IPV4(203, 0, 113, 10 + i), 53);
		else if (i % 3 == 1)
			p = tp_tcp(NAT_DIR_OUT, HOST_A, (uint16_t)(40000 + i),
				   IPV4(203, 0, 113, 10 + i), 80, PB_TCP_SYN, 1,
				   0);
		else
			p = tp_echo(NAT_DIR_OUT, HOST_A,
				    IPV4(203, 0, 113, 10 + i), PB_ICMP_ECHO,
				    (uint16_t)(100 + i), 1);
		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		assert_csums(p);
		if (!first)
			first = pb_src(p->data);
		assert_true(first == NT_EXT || first == ext2);
		assert_addr(pb_src(p->data), first, "src");
		tp_free(p);
	}
}

/* RFC 4787 REQ-3: no port overloading, each endpoint its own port */
static void
rfc4787_req3_two_endpoints_same_port_get_different_ports(void **state)
{
	struct nt *t = *state;
	uint16_t pa, pb;

	pa = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	pb = nt_udp_out(t, HOST_B, 40000, REM1, 53);
	assert_int_equal(pa, 40000);
	assert_int_not_equal(pa, pb);
	assert_true(pb >= NT_PORT_LO);
	nt_udp_in_ok(t, REM1, 53, pb, HOST_B, 40000);
	nt_udp_in_ok(t, REM1, 53, pa, HOST_A, 40000);
}

/* RFC 4787 REQ-3a: a port in 0-1023 maps into 0-1023, and 1024+ stays high */
static void rfc4787_req3a_low_source_port_gets_low_external_port(void **state)
{
	struct nt *t = nt_new(NULL);
	struct nat_net_cfg c;
	uint16_t pa, pb, pc, pd;

	*state = t;
	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	assert_int_equal(nat_net_add(t->nat, &c, &t->net), 0);
	assert_int_equal(nat_prefix_add(t->nat, t->net, NT_PREFIX, NT_PLEN), 0);
	assert_int_equal(nat_ext_add(t->nat, t->net, NT_EXT, 100, 65535), 0);

	pa = nt_udp_out(t, HOST_A, 123, REM1, 123);
	pb = nt_udp_out(t, HOST_B, 123, REM1, 123);
	assert_int_equal(pa, 123); /* free: preserved */
	assert_true(pb >= 100 && pb < 1024);
	assert_int_not_equal(pa, pb);

	pc = nt_udp_out(t, HOST_A, 40000, REM1, 123);
	pd = nt_udp_out(t, HOST_B, 40000, REM1, 123);
	assert_true(pc >= 1024);
	assert_true(pd >= 1024);
	assert_int_not_equal(pc, pd);
}

static void inbound_udp_reply_translated_back_to_endpoint(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = REM1, .dst = NT_EXT, .id = 0x9999 };
	uint8_t b[128];
	size_t len;
	struct nat_pkt *p;
	struct nat_stats st;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	len = pb_udp(b, sizeof(b), &ip, 53, port, data21, sizeof(data21) - 1);
	p = tp_new(b, len, NAT_DIR_IN);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(p->net, t->net);
	assert_addr(pb_src(p->data), REM1, "src");
	assert_addr(pb_dst(p->data), HOST_A, "dst");
	assert_int_equal(pb_sport(p->data), 53);
	assert_int_equal(pb_dport(p->data), 40000);
	assert_int_equal(pb_ipid(p->data), 0x9999); /* inbound: ID kept */
	assert_csums(p);
	assert_memory_equal(pb_l4(p->data) + 8, data21, 21);
	tp_free(p);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.pkts_out, 1);
	assert_int_equal(st.pkts_in, 1);
}

/* a network whose UDP filtering is @filter */
static struct nt *nt_filter(uint8_t filter)
{
	struct nat_net_cfg c;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.filter[NAT_UDP] = filter;
	return nt_std(NULL, &c);
}

static void rfc4787_req8_eif_accepts_any_remote(void **state)
{
	struct nt *t = nt_filter(NAT_FILTER_EIF);
	uint16_t port;

	*state = t;
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	nt_udp_in_ok(t, REM2, 999, port, HOST_A, 40000);
	nt_udp_in_ok(t, REM1, 999, port, HOST_A, 40000);
}

static void
rfc4787_req8_adf_refuses_other_address_accepts_other_port(void **state)
{
	struct nt *t = nt_filter(NAT_FILTER_ADF);
	struct nat_pkt *p;
	uint16_t port;

	*state = t;
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	p = nt_udp_in(t, REM2, 53, port);
	assert_drop(p, NAT_DROP_FILTERED);
	tp_free(p);
	nt_udp_in_ok(t, REM1, 999, port, HOST_A, 40000);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	assert_int_equal(nt_drops(t, NAT_DROP_FILTERED), 1);
}

static void rfc4787_req8_apdf_refuses_other_port(void **state)
{
	struct nt *t = nt_filter(NAT_FILTER_APDF);
	struct nat_pkt *p;
	uint16_t port;

	*state = t;
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	p = nt_udp_in(t, REM1, 999, port);
	assert_drop(p, NAT_DROP_FILTERED);
	tp_free(p);
	p = nt_udp_in(t, REM2, 53, port);
	assert_drop(p, NAT_DROP_FILTERED);
	tp_free(p);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
}

/* RFC 4787 REQ-8a: filtering is a setting of each network */
static void rfc4787_req8a_filtering_set_per_network(void **state)
{
	struct nt *t = *state; /* "nat": EIF */
	struct nat_net_cfg c;
	const uint32_t ext2 = IPV4(198, 51, 100, 3);
	const uint32_t host2 = IPV4(10, 1, 0, 10);
	struct nat_pkt *p;
	unsigned n2;
	uint16_t pa, p2;

	nat_net_cfg_default(&c, "lab");
	c.gateway = IPV4(10, 1, 0, 1);
	c.filter[NAT_UDP] = NAT_FILTER_APDF;
	assert_int_equal(nat_net_add(t->nat, &c, &n2), 0);
	assert_int_equal(nat_prefix_add(t->nat, n2, IPV4(10, 1, 0, 0), 16), 0);
	assert_int_equal(nat_ext_add(t->nat, n2, ext2, 1024, 65535), 0);

	pa = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	p = tp_udp(NAT_DIR_OUT, host2, 40000, REM1, 53);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(p->net, n2);
	assert_addr(pb_src(p->data), ext2, "net2 src");
	p2 = pb_sport(p->data);
	tp_free(p);

	nt_udp_in_ok(t, REM2, 999, pa, HOST_A, 40000); /* EIF */
	p = tp_udp(NAT_DIR_IN, REM2, 999, ext2, p2); /* APDF */
	nt_run(t, p);
	assert_drop(p, NAT_DROP_FILTERED);
	tp_free(p);
}

/* RFC 4787 REQ-6: only outbound refreshes by default (REQ-6a: inbound MAY) */
static void rfc4787_req6_inbound_does_not_refresh_by_default(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	/* answered: the full UDP timer, not udp_unanswered */
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	nt_advance(t, 200 * 1000);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	nt_advance(t, 165 * 1000); /* 365 s after the outbound packet */
	assert_false(
		nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, NULL));
	p = nt_udp_in(t, REM1, 53, port);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
}

/* RFC 4787 REQ-6a: inbound refresh when the network enables it */
static void rfc4787_req6a_inbound_refreshes_when_enabled(void **state)
{
	struct nat_net_cfg c;
	struct nt *t;
	struct nat_session_info si;
	uint16_t port;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.udp_inbound_refresh = true;
	t = nt_std(NULL, &c);
	*state = t;
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	/* answered: the full UDP timer, not udp_unanswered */
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	nt_advance(t, 200 * 1000);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	nt_advance(t, 165 * 1000);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, &si));
	assert_true(si.idle <= 166);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
}

/* RFC 4787 REQ-6: outbound traffic refreshes the mapping */
static void rfc4787_req6_outbound_refreshes_mapping(void **state)
{
	struct nt *t = *state;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	/* answered: the full UDP timer, not udp_unanswered */
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	nt_advance(t, 250 * 1000);
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), port);
	nt_advance(t, 250 * 1000); /* 500 s after creation, 250 s idle */
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
}

/* RFC 4787 REQ-5: a UDP mapping lives at least its timeout (default 300 s,
 * REQ-5c) and goes within the expiry wheel's 64 s after it */
static void
rfc4787_req5_udp_session_expires_after_timeout_not_before(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	struct nat_stats st;
	struct nat_pkt *p;
	uint16_t port;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	/* answered: the full UDP timer, not udp_unanswered */
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, &si));
	assert_int_equal(si.ext_port, port);
	assert_int_equal(si.ext_addr, NT_EXT);
	assert_false(si.inbound);
	assert_true(si.expires >= 299 && si.expires <= 300);

	nt_advance(t, 299 * 1000);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, &si));
	assert_true(si.idle >= 298 && si.idle <= 299);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);

	nt_advance(t, (300 + 65 - 299) * 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	p = nt_udp_in(t, REM1, 53, port);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.sessions_expired, 1);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.mappings, 0);
}

/* RFC 4787 REQ-5b: the timeout is configurable, down to the 120 s floor */
static void rfc4787_req5b_configured_udp_timeout_applies(void **state)
{
	struct nt *t = *state;
	struct nat_net_cfg c;
	struct nat_pkt *p;
	uint16_t port;

	assert_int_equal(nat_net_get(t->nat, t->net, &c), 0);
	c.to.udp = 120;
	assert_int_equal(nat_net_set(t->nat, t->net, &c), 0);
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	nt_advance(t, 119 * 1000);
	nt_udp_in_ok(t, REM1, 53, port, HOST_A, 40000);
	nt_advance(t, 66 * 1000);
	p = nt_udp_in(t, REM1, 53, port);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
}

static void outbound_source_outside_prefixes_dropped_spoofed(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_udp(NAT_DIR_OUT, IPV4(10, 9, 9, 9), 40000, REM1, 53);

	nt_run(t, p);
	assert_drop(p, NAT_DROP_SPOOFED);
	assert_int_equal(nt_drops(t, NAT_DROP_SPOOFED), 1);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	tp_free(p);
}

static void inbound_to_foreign_address_dropped_not_ours(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p = tp_udp(NAT_DIR_IN, REM1, 53, NT_EXT_OTHER, 40000);

	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_NOT_OURS);
	tp_free(p);
}

static void inbound_to_port_without_mapping_dropped_no_mapping(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;

	p = nt_udp_in(t, REM1, 53, 40000);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

/*
 * Checksum offload (virtio NEEDS_CSUM): the field holds the folded pseudo-
 * header sum only. After translation it must be the pseudo-header sum over
 * the new addresses; a port change must not be folded in, since the device
 * sums the ports itself.
 */
static void csum_partial_udp_out_holds_new_pseudo_sum_port_changed(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	uint16_t ulen = (uint16_t)(p->len - 20), want, port;

	/* B takes external port 40000 so A's port must change */
	assert_int_equal(nt_udp_out(t, HOST_B, 40000, REM1, 53), 40000);

	pb_put_be16(pb_l4(p->data) + 6,
		    pb_pseudo_sum(HOST_A, REM1, PB_IPPROTO_UDP, ulen));
	p->csum_partial = 1;
	want = pb_pseudo_sum(NT_EXT, REM1, PB_IPPROTO_UDP, ulen);
	assert_true(want != 0 && want != 0xffff);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	port = pb_sport(p->data);
	assert_int_not_equal(port, 40000);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	assert_int_equal(pb_udp_csum(p->data), want);
	tp_free(p);

	/* inbound the same way: the reply to A's port, partial too */
	p = tp_udp(NAT_DIR_IN, REM1, 53, NT_EXT, port);
	pb_put_be16(pb_l4(p->data) + 6,
		    pb_pseudo_sum(REM1, NT_EXT, PB_IPPROTO_UDP, ulen));
	p->csum_partial = 1;
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_A, "dst");
	assert_int_equal(pb_dport(p->data), 40000);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	assert_int_equal(pb_udp_csum(p->data),
			 pb_pseudo_sum(REM1, HOST_A, PB_IPPROTO_UDP, ulen));
	tp_free(p);
}

/* RFC 6864: an atomic datagram (DF=1) keeps its identification */
static void rfc6864_atomic_datagram_keeps_ip_id(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);

	pb_put_be16(p->data + 6, PB_IP_DF);
	pb_put_be16(p->data + 4, 0x2468);
	pb_ip_fix_csum(p->data);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_true(pb_df(p->data));
	assert_int_equal(pb_ipid(p->data), 0x2468);
	assert_csums(p);
	tp_free(p);
}

/* RFC 6864 section 4 / RFC 7857: two endpoints using the same ID towards
 * the same server share (src, dst, proto) after NAT: the IDs must differ */
static void rfc7857_ip_id_unique_after_translation(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *a = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	struct nat_pkt *b = tp_udp(NAT_DIR_OUT, HOST_B, 40001, REM1, 53);

	assert_int_equal(pb_ipid(a->data), pb_ipid(b->data));
	nt_run(t, a);
	nt_run(t, b);
	assert_verdict(a, NAT_FORWARD);
	assert_verdict(b, NAT_FORWARD);
	assert_int_not_equal(pb_ipid(a->data), pb_ipid(b->data));
	assert_csums(a);
	assert_csums(b);
	tp_free(a);
	tp_free(b);
}

/* valid options are kept and the transport header found after them */
static void ip_options_valid_kept_and_packet_translated(void **state)
{
	static const uint8_t opt[8] = { 1, 1, 1, 0x94, 4, 0, 0, 0 };
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A,
			    .dst = REM1,
			    .id = 1,
			    .opt = opt,
			    .optlen = sizeof(opt) };
	uint8_t b[128];
	size_t len = pb_udp(b, sizeof(b), &ip, 40000, 53, data21, 21);
	struct nat_pkt *p = tp_new(b, len, NAT_DIR_OUT);

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(pb_hlen(p->data), 28);
	assert_memory_equal(p->data + 20, opt, sizeof(opt));
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_sport(p->data), 40000);
	assert_int_equal(pb_dport(p->data), 53);
	assert_csums(p);
	tp_free(p);
}

/* link padding after the IPv4 total length is not part of the datagram */
static void link_padding_after_total_length_ignored(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 1 };
	uint8_t b[128];
	size_t len =
		pb_udp(b, sizeof(b), &ip, 40000, 53, (const uint8_t *)"x", 1);
	struct nat_pkt *p;

	memset(b + len, 0, 17); /* to a 60-byte Ethernet minimum */
	p = tp_new(b, len + 17, NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_equal(pb_totlen(p->data), len);
	assert_true(p->len >= len);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_csums(p);
	tp_free(p);
}

/* nat_process() on a batch larger than any internal chunk: every packet
 * gets its own translation */
static void batch_of_100_new_flows_each_translated(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p[100], batch[100];
	unsigned i;

	for (i = 0; i < 100; i++) {
		p[i] = tp_udp(NAT_DIR_OUT, HOST_A, (uint16_t)(20000 + i), REM1,
			      (uint16_t)(1000 + i));
		batch[i] = *p[i];
	}
	nat_process(t->nat, batch, 100, t->now);
	for (i = 0; i < 100; i++) {
		assert_verdict(&batch[i], NAT_FORWARD);
		assert_addr(pb_src(batch[i].data), NT_EXT, "src");
		assert_int_equal(pb_sport(batch[i].data), 20000 + i);
		assert_int_equal(pb_dport(batch[i].data), 1000 + i);
		assert_csums(&batch[i]);
	}
	assert_int_equal(nt_sessions(t, NULL, 0), 100);
	for (i = 0; i < 100; i++)
		tp_free(p[i]);
}

/* two packets of one new flow in the same batch: the second must use the
 * session the first created (RFC 4787 REQ-1: one mapping) */
static void batch_two_packets_of_new_flow_share_one_session(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *a, *b, batch[3];
	struct nat_pkt *c;

	nt_udp_out(t, HOST_B, 40000, REM1, 53); /* A's port must change */
	a = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	b = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	c = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM2, 53);
	batch[0] = *a;
	batch[1] = *b;
	batch[2] = *c;
	nat_process(t->nat, batch, 3, t->now);
	assert_verdict(&batch[0], NAT_FORWARD);
	assert_verdict(&batch[1], NAT_FORWARD);
	assert_verdict(&batch[2], NAT_FORWARD);
	assert_int_equal(pb_sport(batch[1].data), pb_sport(batch[0].data));
	assert_int_equal(pb_sport(batch[2].data), pb_sport(batch[0].data));
	assert_csums(&batch[0]);
	assert_csums(&batch[1]);
	assert_csums(&batch[2]);
	assert_int_equal(nt_sessions(t, NULL, 0), 3);
	tp_free(a);
	tp_free(b);
	tp_free(c);
}

/* an outbound packet and the reply to it in one batch */
static void batch_outbound_and_its_reply_both_translated(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *a, *b, batch[2];

	a = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	b = tp_udp(NAT_DIR_IN, REM1, 53, NT_EXT, 40000); /* port preserved */
	batch[0] = *a;
	batch[1] = *b;
	nat_process(t->nat, batch, 2, t->now);
	assert_verdict(&batch[0], NAT_FORWARD);
	assert_int_equal(pb_sport(batch[0].data), 40000);
	assert_verdict(&batch[1], NAT_FORWARD);
	assert_addr(pb_dst(batch[1].data), HOST_A, "reply dst");
	assert_int_equal(pb_dport(batch[1].data), 40000);
	assert_csums(&batch[1]);
	tp_free(a);
	tp_free(b);
}

enum mangle {
	M_SHORT,
	M_VERSION,
	M_IHL_4,
	M_IHL_BEYOND,
	M_TOTLEN_BEYOND,
	M_TOTLEN_BELOW_IHL,
	M_IP_CSUM,
	M_OPT_LEN_1,
	M_OPT_LEN_BEYOND,
	M_UDP_LEN_BEYOND,
	M_UDP_LEN_BELOW_8,
	M_UDP_TRUNCATED,
	M_SPORT_0,
	M_DPORT_0,
	M_TTL_0,
	M_DST_MULTICAST,
	M_DST_LOOPBACK,
	M_PROTO_GRE,
};

static const struct {
	enum mangle m;
	uint8_t reason;
	const char *what;
} malformed[] = {
	{ M_SHORT, NAT_DROP_SHORT, "12 bytes" },
	{ M_VERSION, NAT_DROP_IP_VERSION, "version 6" },
	{ M_IHL_4, NAT_DROP_IP_HLEN, "IHL 4" },
	{ M_IHL_BEYOND, NAT_DROP_IP_HLEN, "IHL 15 in 48 bytes" },
	{ M_TOTLEN_BEYOND, NAT_DROP_IP_LEN, "total length > buffer" },
	{ M_TOTLEN_BELOW_IHL, NAT_DROP_IP_LEN, "total length 16" },
	{ M_IP_CSUM, NAT_DROP_IP_CSUM, "IP checksum off by one" },
	{ M_OPT_LEN_1, NAT_DROP_IP_OPTIONS, "option length 1" },
	{ M_OPT_LEN_BEYOND, NAT_DROP_IP_OPTIONS, "option past header" },
	{ M_UDP_LEN_BEYOND, NAT_DROP_L4_BAD, "UDP length > payload" },
	{ M_UDP_LEN_BELOW_8, NAT_DROP_L4_BAD, "UDP length 4" },
	{ M_UDP_TRUNCATED, NAT_DROP_L4_SHORT, "6 bytes of UDP header" },
	{ M_SPORT_0, NAT_DROP_L4_BAD, "source port 0" },
	{ M_DPORT_0, NAT_DROP_L4_BAD, "destination port 0" },
	{ M_TTL_0, NAT_DROP_TTL, "TTL 0" },
	{ M_DST_MULTICAST, NAT_DROP_IP_ADDR, "to 224.0.0.5" },
	{ M_DST_LOOPBACK, NAT_DROP_IP_ADDR, "to 127.0.0.1" },
	{ M_PROTO_GRE, NAT_DROP_PROTO, "protocol 47" },
};

/* build the outbound packet A:40000 -> REM1:53 broken in one way */
static size_t build_malformed(uint8_t *b, size_t cap, enum mangle m)
{
	static const uint8_t opt_len1[4] = { 0x44, 1, 0, 0 };
	static const uint8_t opt_beyond[4] = { 0x07, 12, 4, 0 };
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 7 };
	size_t len;
	uint8_t *l4;

	if (m == M_OPT_LEN_1 || m == M_OPT_LEN_BEYOND) {
		ip.opt = m == M_OPT_LEN_1 ? opt_len1 : opt_beyond;
		ip.optlen = 4;
	}
	if (m == M_DST_MULTICAST)
		ip.dst = IPV4(224, 0, 0, 5);
	if (m == M_DST_LOOPBACK)
		ip.dst = IPV4(127, 0, 0, 1);
	len = pb_udp(b, cap, &ip, 40000, 53, data21, 20);
	assert_true(len);
	l4 = pb_l4(b);

	switch (m) {
	case M_SHORT:
		return 12;
	case M_VERSION:
		b[0] = 0x65;
		break;
	case M_IHL_4:
		b[0] = 0x44;
		break;
	case M_IHL_BEYOND:
		b[0] = 0x4f;
		break;
	case M_TOTLEN_BEYOND:
		pb_put_be16(b + 2, (uint16_t)(len + 10));
		break;
	case M_TOTLEN_BELOW_IHL:
		pb_put_be16(b + 2, 16);
		break;
	case M_IP_CSUM:
		pb_put_be16(b + 10, (uint16_t)(pb_get_be16(b + 10) + 1));
		return len;
	case M_UDP_LEN_BEYOND:
		pb_put_be16(l4 + 4, 100);
		break;
	case M_UDP_LEN_BELOW_8:
		pb_put_be16(l4 + 4, 4);
		break;
	case M_UDP_TRUNCATED:
		pb_put_be16(b + 2, 20 + 6);
		len = 20 + 6;
		break;
	case M_SPORT_0:
		pb_put_be16(l4, 0);
		pb_l4_fix_csum(b);
		break;
	case M_DPORT_0:
		pb_put_be16(l4 + 2, 0);
		pb_l4_fix_csum(b);
		break;
	case M_TTL_0:
		b[8] = 0;
		break;
	case M_PROTO_GRE:
		b[9] = 47;
		break;
	default:
		break;
	}
	if (m != M_IHL_4) /* an IHL of 4 has no checksum to speak of */
		pb_ip_fix_csum(b);
	return len;
}

static void malformed_packets_dropped_each_with_its_reason(void **state)
{
	struct nt *t = *state;
	unsigned i, failed = 0;

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		uint8_t b[128];
		size_t len = build_malformed(b, sizeof(b), malformed[i].m);
		uint64_t before = nt_drops(t, malformed[i].reason);
		struct nat_pkt *p = tp_new(b, len, NAT_DIR_OUT);

		nt_run(t, p);
		if (p->verdict != NAT_DROP ||
		    p->reason != malformed[i].reason ||
		    nt_drops(t, malformed[i].reason) != before + 1) {
			print_error("%s: verdict %u reason %s, expected drop "
				    "%s (counter %llu -> %llu)\n",
				    malformed[i].what, p->verdict,
				    p->verdict == NAT_DROP
					    ? nat_drop_name(p->reason)
					    : "-",
				    nat_drop_name(malformed[i].reason),
				    (unsigned long long)before,
				    (unsigned long long)nt_drops(
					    t, malformed[i].reason));
			failed++;
		}
		tp_free(p);
	}
	assert_int_equal(failed, 0);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		NT_STD(rfc4787_req3_outbound_udp_src_translated_port_preserved),
		NT_STD(udp_zero_checksum_stays_zero_both_ways),
		NT_STD(udp_checksum_landing_on_zero_sent_as_ffff),
		NT_STD(rfc4787_req1_eim_same_port_to_two_servers),
		NT_STD(rfc4787_req2_paired_pooling_one_ext_addr_per_endpoint),
		NT_STD(rfc4787_req3_two_endpoints_same_port_get_different_ports),
		T(rfc4787_req3a_low_source_port_gets_low_external_port),
		NT_STD(inbound_udp_reply_translated_back_to_endpoint),
		T(rfc4787_req8_eif_accepts_any_remote),
		T(rfc4787_req8_adf_refuses_other_address_accepts_other_port),
		T(rfc4787_req8_apdf_refuses_other_port),
		NT_STD(rfc4787_req8a_filtering_set_per_network),
		NT_STD(rfc4787_req6_inbound_does_not_refresh_by_default),
		T(rfc4787_req6a_inbound_refreshes_when_enabled),
		NT_STD(rfc4787_req6_outbound_refreshes_mapping),
		NT_STD(rfc4787_req5_udp_session_expires_after_timeout_not_before),
		NT_STD(rfc4787_req5b_configured_udp_timeout_applies),
		NT_STD(outbound_source_outside_prefixes_dropped_spoofed),
		NT_STD(inbound_to_foreign_address_dropped_not_ours),
		NT_STD(inbound_to_port_without_mapping_dropped_no_mapping),
		NT_STD(csum_partial_udp_out_holds_new_pseudo_sum_port_changed),
		NT_STD(rfc6864_atomic_datagram_keeps_ip_id),
		NT_STD(rfc7857_ip_id_unique_after_translation),
		NT_STD(ip_options_valid_kept_and_packet_translated),
		NT_STD(link_padding_after_total_length_ignored),
		NT_STD(malformed_packets_dropped_each_with_its_reason),
		NT_STD(batch_of_100_new_flows_each_translated),
		NT_STD(batch_two_packets_of_new_flow_share_one_session),
		NT_STD(batch_outbound_and_its_reply_both_translated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
