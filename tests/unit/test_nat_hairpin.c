/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_hairpin.c: hairpinning, RFC 4787 REQ-9,
 * RFC 5382 REQ-8, RFC 5508 REQ-7
 *
 * Endpoint A (172.16.1.10) reaches endpoint B (172.16.1.100) through B's
 * mapping on the external address: one nat_process() call must translate
 * the packet both ways, with A's external address and port as source
 * (REQ-9a/8a), and B's answers must come back to A from the mapped port.
 * A packet to the external address on a port nobody maps is the host's.
 */
#include <string.h>

#include "nattest.h"

/* the standard network with UDP and TCP EXT:8080 -> B:80 */
static struct nt *nt_hairpin(void)
{
	struct nt *t = nt_std(NULL, NULL);
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
	};

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	m.proto = NAT_TCP;
	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	return t;
}

/* cmocka fixture: nt_hairpin() in *@state, freed by nt_teardown() */
static int setup_hairpin(void **state)
{
	*state = nt_hairpin();
	return 0;
}

/* RFC 4787 REQ-9/9a: A -> EXT:8080 arrives at B:80 from A's mapping */
static void rfc4787_req9_udp_hairpin_single_pass_src_is_a_mapping(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	struct nat_stats st;
	uint16_t pa;

	pa = nt_udp_out(t, HOST_A, 40000, REM1, 53); /* A's mapping */

	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NT_EXT, 8080);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_sport(p->data), pa);
	assert_addr(pb_dst(p->data), HOST_B, "dst");
	assert_int_equal(pb_dport(p->data), 80);
	assert_csums(p);
	assert_memory_equal(pb_l4(p->data) + 8, "hostnat test payload", 20);
	tp_free(p);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.pkts_hairpin, 1);

	/* B answers A's external address:port; A sees it from EXT:8080 */
	p = tp_udp(NAT_DIR_OUT, HOST_B, 80, NT_EXT, pa);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "reply src");
	assert_int_equal(pb_sport(p->data), 8080);
	assert_addr(pb_dst(p->data), HOST_A, "reply dst");
	assert_int_equal(pb_dport(p->data), 40000);
	assert_csums(p);
	tp_free(p);
}

/* RFC 4787 REQ-9a with no earlier traffic: the source port is the mapping
 * the hairpin created, and A keeps it towards the outside (REQ-1) */
static void rfc4787_req9a_hairpin_creates_a_mapping_used_outside(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	struct nat_pkt *p;
	uint16_t sport;

	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NT_EXT, 8080);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_addr(pb_dst(p->data), HOST_B, "dst");
	sport = pb_sport(p->data);
	assert_csums(p);
	tp_free(p);
	assert_true(
		nt_session_find(t, NAT_UDP, HOST_A, 40000, NT_EXT, 8080, &si));
	assert_int_equal(si.ext_port, sport);
	assert_true(si.hairpin);
	assert_int_equal(nt_udp_out(t, HOST_A, 40000, REM1, 53), sport);
}

/* RFC 5382 REQ-8/8a: the TCP handshake hairpinned */
static void rfc5382_req8_tcp_hairpin_handshake(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t pa;

	pa = nt_tcp_out(t, HOST_A, 40001, REM1, 443, PB_TCP_SYN);

	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, NT_EXT, 8080, PB_TCP_SYN, 100,
		   0);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "SYN src");
	assert_int_equal(pb_sport(p->data), pa);
	assert_addr(pb_dst(p->data), HOST_B, "SYN dst");
	assert_int_equal(pb_dport(p->data), 80);
	assert_int_equal(pb_tcp_flags(p->data), PB_TCP_SYN);
	assert_int_equal(pb_tcp_seq(p->data), 100);
	assert_csums(p);
	tp_free(p);

	p = tp_tcp(NAT_DIR_OUT, HOST_B, 80, NT_EXT, pa, PB_TCP_SYN | PB_TCP_ACK,
		   900, 101);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "SYN-ACK src");
	assert_int_equal(pb_sport(p->data), 8080);
	assert_addr(pb_dst(p->data), HOST_A, "SYN-ACK dst");
	assert_int_equal(pb_dport(p->data), 40001);
	assert_int_equal(pb_tcp_ack(p->data), 101);
	assert_csums(p);
	tp_free(p);

	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, NT_EXT, 8080, PB_TCP_ACK, 101,
		   901);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_B, "ACK dst");
	assert_int_equal(pb_sport(p->data), pa);
	assert_csums(p);
	tp_free(p);
}

/* RFC 4787 REQ-9 through a dynamic mapping: B's own outbound mapping is
 * reachable from A (EIF) */
static void rfc4787_req9_hairpin_through_dynamic_mapping(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t pb, pa;

	pb = nt_udp_out(t, HOST_B, 5000, REM1, 3478);
	pa = nt_udp_out(t, HOST_A, 6000, REM1, 3478);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 6000, NT_EXT, pb);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_sport(p->data), pa);
	assert_addr(pb_dst(p->data), HOST_B, "dst");
	assert_int_equal(pb_dport(p->data), 5000);
	assert_csums(p);
	tp_free(p);
}

/* a port nobody maps on the external address belongs to the host */
static void hairpin_to_unmapped_port_is_local_untranslated(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint8_t before[128];
	uint32_t len;

	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NT_EXT, 9999);
	len = p->len;
	memcpy(before, p->data, len);
	nt_run(t, p);
	assert_verdict(p, NAT_LOCAL);
	assert_int_equal(p->len, len);
	assert_memory_equal(p->data, before, len);
	tp_free(p);

	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, NT_EXT, 22, PB_TCP_SYN, 1, 0);
	len = p->len;
	memcpy(before, p->data, len);
	nt_run(t, p);
	assert_verdict(p, NAT_LOCAL);
	assert_memory_equal(p->data, before, len);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

/* RFC 5508 REQ-7/7a: B's ICMP error about a hairpinned packet goes to A,
 * the outer destination being the quoted source after translation */
static void rfc5508_req7a_hairpinned_icmp_error_reaches_a(void **state)
{
	struct nt *t = *state;
	uint8_t recvd[128];
	size_t rlen;
	struct nat_pkt *p;

	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, NT_EXT, 8080);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	rlen = p->len;
	memcpy(recvd, p->data, rlen);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_OUT, HOST_B, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, recvd, rlen);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = NT_EXT, .dst = HOST_A,
			.type = PB_ICMP_UNREACH, .code = PB_UNREACH_PORT,
			.in_src = HOST_A, .in_dst = NT_EXT, .in_sport = 40000,
			.in_dport = 8080);
	tp_free(p);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)
#define H(f) cmocka_unit_test_setup_teardown(f, setup_hairpin, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		H(rfc4787_req9_udp_hairpin_single_pass_src_is_a_mapping),
		H(rfc4787_req9a_hairpin_creates_a_mapping_used_outside),
		H(rfc5382_req8_tcp_hairpin_handshake),
		NT_STD(rfc4787_req9_hairpin_through_dynamic_mapping),
		H(hairpin_to_unmapped_port_is_local_untranslated),
		H(rfc5508_req7a_hairpinned_icmp_error_reaches_a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
