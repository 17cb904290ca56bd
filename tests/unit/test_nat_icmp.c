/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_icmp.c: ICMP translation, RFC 5508
 *
 * ICMP echo sessions (identifier mapping, RFC 5508 REQ-1/1a), ICMP errors
 * from outside about UDP, TCP and echo sessions (outer destination, quoted
 * header, quoted checksum and ICMP checksum fixed, type and code kept,
 * REQ-4), errors from endpoints (outer source rewritten, REQ-5), validation
 * (REQ-3/3a/3b), no refresh by errors (REQ-6), echo to the NAT itself, and
 * the ICMP 3/13 the engine sends when it cannot create a session (REQ-8).
 */
#include <stdlib.h>
#include <string.h>

#include "nattest.h"

/* send @p outbound; it must be forwarded; copy its translated bytes */
static size_t out_capture(struct nt *t, struct nat_pkt *p, uint8_t *buf)
{
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	memcpy(buf, p->data, p->len);
	return p->len;
}

static uint16_t echo_out(struct nt *t, uint32_t host, uint16_t id, uint32_t rem)
{
	struct nat_pkt *p =
		tp_echo(NAT_DIR_OUT, host, rem, PB_ICMP_ECHO, id, 1);
	uint16_t xid;

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_addr(pb_dst(p->data), rem, "dst");
	assert_int_equal(pb_icmp_type(p->data), PB_ICMP_ECHO);
	assert_int_equal(pb_icmp_seq(p->data), 1);
	assert_csums(p);
	xid = pb_icmp_id(p->data);
	tp_free(p);
	return xid;
}

static void echo_in_ok(struct nt *t, uint32_t rem, uint16_t xid, uint32_t host,
		       uint16_t id)
{
	struct nat_pkt *p =
		tp_echo(NAT_DIR_IN, rem, NT_EXT, PB_ICMP_ECHOREPLY, xid, 1);

	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), rem, "src");
	assert_addr(pb_dst(p->data), host, "dst");
	assert_int_equal(pb_icmp_type(p->data), PB_ICMP_ECHOREPLY);
	assert_int_equal(pb_icmp_id(p->data), id);
	assert_int_equal(pb_icmp_seq(p->data), 1);
	assert_csums(p);
	tp_free(p);
}

/* RFC 5508 REQ-1 */
static void rfc5508_req1_echo_request_out_id_translated_csum_valid(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_echo(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_ECHO, 0x1234, 7);
	uint8_t payload[20];
	struct nat_session_info si;

	memcpy(payload, pb_l4(p->data) + 8, 20);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_addr(pb_dst(p->data), REM1, "dst");
	assert_int_equal(pb_icmp_type(p->data), PB_ICMP_ECHO);
	assert_int_equal(pb_icmp_code(p->data), 0);
	assert_int_equal(pb_icmp_seq(p->data), 7);
	assert_int_not_equal(pb_icmp_id(p->data), 0);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	assert_true(pb_icmp_csum_ok(p->data, p->len));
	assert_memory_equal(pb_l4(p->data) + 8, payload, 20);
	assert_true(nt_session_find(t, NAT_ICMP, HOST_A, 0x1234, REM1, 0, &si));
	assert_int_equal(si.ext_port, pb_icmp_id(p->data));
	assert_int_equal(si.ext_addr, NT_EXT);
	tp_free(p);
}

/* RFC 5508 REQ-1: the reply comes back to the endpoint with its own id */
static void rfc5508_req1_echo_reply_in_translated_to_endpoint(void **state)
{
	struct nt *t = *state;
	uint16_t xid;

	xid = echo_out(t, HOST_A, 0x1234, REM1);
	echo_in_ok(t, REM1, xid, HOST_A, 0x1234);
}

static void rfc5508_req1a_same_id_to_two_hosts_same_external_id(void **state)
{
	struct nt *t = *state;
	uint16_t x1, x2;

	x1 = echo_out(t, HOST_A, 0x1234, REM1);
	x2 = echo_out(t, HOST_A, 0x1234, REM2);
	assert_int_equal(x1, x2);
	echo_in_ok(t, REM2, x2, HOST_A, 0x1234);
	echo_in_ok(t, REM1, x1, HOST_A, 0x1234);
}

/* two endpoints with the same identifier to one host: distinct ids */
static void rfc5508_req1_two_endpoints_same_id_get_distinct_ids(void **state)
{
	struct nt *t = *state;
	uint16_t xa, xb;

	xa = echo_out(t, HOST_A, 0x1234, REM1);
	xb = echo_out(t, HOST_B, 0x1234, REM1);
	assert_int_not_equal(xa, xb);
	echo_in_ok(t, REM1, xb, HOST_B, 0x1234);
	echo_in_ok(t, REM1, xa, HOST_A, 0x1234);
}

static void echo_reply_without_session_dropped(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_echo(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_ECHOREPLY, 0x4321, 1);

	nt_run(t, p);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
}

/* RFC 5508 REQ-4, RFC 4787 REQ-12b: port unreachable about a UDP session,
 * the whole datagram quoted */
static void rfc5508_req4_port_unreachable_about_udp_translated(void **state)
{
	struct nt *t = *state;
	uint8_t sent[128];
	size_t slen;
	struct nat_pkt *p;

	nt_udp_out(t, HOST_B, 40000, REM1, 53); /* A's port must change */
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	slen = out_capture(t, p, sent);
	assert_int_not_equal(pb_sport(sent), 40000);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, sent, slen);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = REM1, .dst = HOST_A, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_PORT, .in_src = HOST_A,
			.in_dst = REM1, .in_sport = 40000, .in_dport = 53);
	assert_int_equal(p->len, 20 + 8 + slen);
	/* the whole datagram is quoted: it stays self-consistent, its UDP
	 * checksum fixed for the restored address and port */
	assert_true(pb_l4_csum_ok(pb_icmp_inner(p->data), slen));
	/* the quoted payload is untouched */
	assert_memory_equal(pb_icmp_inner(p->data) + 28, sent + 28, slen - 28);
	tp_free(p);
}

/* RFC 5508 REQ-4, RFC 5382 REQ-9: time exceeded from a router about a TCP
 * SYN, IP header + 8 bytes quoted (RFC 792) */
static void rfc5508_req4_time_exceeded_about_tcp_translated(void **state)
{
	struct nt *t = *state;
	uint8_t sent[128];
	struct nat_pkt *p;

	nt_tcp_out(t, HOST_B, 40001, REM1, 80, PB_TCP_SYN);
	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, PB_TCP_SYN, 1, 0);
	out_capture(t, p, sent);
	assert_int_not_equal(pb_sport(sent), 40001);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_IN, ROUTER, NT_EXT, PB_ICMP_TIMXCEED, 0, 0,
			sent, 28);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = ROUTER, .dst = HOST_A,
			.type = PB_ICMP_TIMXCEED, .code = 0, .in_src = HOST_A,
			.in_dst = REM1, .in_sport = 40001, .in_dport = 80);
	/* sequence number in the quote untouched */
	assert_int_equal(pb_get_be32(pb_icmp_inner(p->data) + 24), 1);
	assert_int_equal(p->len, 20 + 8 + 28);
	tp_free(p);
}

/* RFC 5508 REQ-4, RFC 5382 REQ-9: port unreachable quoting a whole TCP
 * segment (RFC 1812 routers quote as much as fits): the quote stays
 * self-consistent, its TCP checksum fixed */
static void rfc5508_req4_unreachable_quoting_whole_tcp_segment(void **state)
{
	struct nt *t = *state;
	uint8_t sent[128];
	size_t slen;
	struct nat_pkt *p;

	nt_tcp_out(t, HOST_B, 40001, REM1, 80, PB_TCP_SYN);
	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, PB_TCP_SYN, 1, 0);
	slen = out_capture(t, p, sent);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, sent, slen);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = REM1, .dst = HOST_A, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_PORT, .in_src = HOST_A,
			.in_dst = REM1, .in_sport = 40001);
	assert_true(pb_l4_csum_ok(pb_icmp_inner(p->data), slen));
	tp_free(p);
}

/* RFC 5508 REQ-4: fragmentation needed about an echo request: identifier
 * restored, next-hop MTU kept (RFC 1191) */
static void rfc5508_req4_frag_needed_about_echo_keeps_mtu(void **state)
{
	struct nt *t = *state;
	uint8_t sent[128];
	struct nat_pkt *p;

	echo_out(t, HOST_B, 0x1234, REM1); /* A's identifier must change */
	p = tp_echo(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_ECHO, 0x1234, 9);
	out_capture(t, p, sent);
	assert_int_not_equal(pb_icmp_id(sent), 0x1234);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_IN, ROUTER, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_NEEDFRAG, 1400, sent, 28);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = ROUTER, .dst = HOST_A,
			.type = PB_ICMP_UNREACH, .code = PB_UNREACH_NEEDFRAG,
			.in_src = HOST_A, .in_dst = REM1, .in_sport = 0x1234);
	assert_int_equal(pb_icmp_mtu(p->data), 1400);
	assert_int_equal(pb_get_be16(pb_l4(p->data) + 4), 0);
	assert_int_equal(pb_icmp_seq(pb_icmp_inner(p->data)), 9);
	tp_free(p);
}

/* RFC 5508 REQ-4 with a UDP session: frag needed keeps the MTU too */
static void rfc5508_req4_frag_needed_about_udp_keeps_mtu(void **state)
{
	struct nt *t = *state;
	uint8_t sent[128];
	struct nat_pkt *p;

	p = tp_udp(NAT_DIR_OUT, HOST_B, 40000, REM1, 53);
	out_capture(t, p, sent);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_IN, ROUTER, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_NEEDFRAG, 576, sent, 28);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = ROUTER, .dst = HOST_B,
			.type = PB_ICMP_UNREACH, .code = PB_UNREACH_NEEDFRAG,
			.in_src = HOST_B, .in_dst = REM1, .in_sport = 40000);
	assert_int_equal(pb_icmp_mtu(p->data), 576);
	tp_free(p);
}

/* RFC 5508 REQ-3b: options in the quoted header are skipped, not read as
 * the transport header */
static void rfc5508_req3b_embedded_ip_options_skipped(void **state)
{
	static const uint8_t opt[4] = { 1, 1, 1, 0 };
	struct nt *t = *state;
	struct pb_ip ip = {
		.src = HOST_A, .dst = REM1, .id = 3, .opt = opt, .optlen = 4
	};
	uint8_t b[128], sent[128];
	size_t len = pb_udp(b, sizeof(b), &ip, 40000, 53, NULL, 0);
	struct nat_pkt *p = tp_new(b, len, NAT_DIR_OUT);
	uint8_t *in;

	out_capture(t, p, sent);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, sent, 32);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = REM1, .dst = HOST_A, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_PORT, .in_src = HOST_A,
			.in_dst = REM1, .in_sport = 40000);
	in = pb_icmp_inner(p->data);
	assert_int_equal(pb_hlen(in), 24);
	assert_memory_equal(in + 20, opt, 4);
	assert_int_equal(pb_dport(in), 53);
	tp_free(p);
}

/* RFC 5508 REQ-5: an endpoint's error about an inbound-created session
 * leaves with the external address as outer source and the quote restored
 * to what the remote sent */
static void rfc5508_req5_outbound_error_outer_src_external(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_UDP,
		.ext_addr = NT_EXT,
		.ext_port = 5353,
		.int_addr = HOST_B,
		.int_port = 53,
	};
	uint8_t recvd[128];
	size_t rlen;
	struct nat_pkt *p;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	p = tp_udp(NAT_DIR_IN, REM1, 7000, NT_EXT, 5353);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_B, "dst");
	rlen = p->len;
	memcpy(recvd, p->data, rlen);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_OUT, HOST_B, REM1, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, recvd, rlen);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = NT_EXT, .dst = REM1, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_PORT, .in_src = REM1,
			.in_dst = NT_EXT, .in_sport = 7000, .in_dport = 5353);
	/* the whole datagram quoted */
	assert_true(pb_l4_csum_ok(pb_icmp_inner(p->data), rlen));
	tp_free(p);
}

/* RFC 5508 REQ-5 for a dynamic session: A answers a reply with an error */
static void rfc5508_req5_outbound_error_about_reply_translated(void **state)
{
	struct nt *t = *state;
	uint8_t recvd[128];
	size_t rlen;
	struct nat_pkt *p;
	uint16_t port;

	assert_int_equal(nt_udp_out(t, HOST_B, 40000, REM1, 53), 40000);
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53); /* a changed port */
	p = tp_udp(NAT_DIR_IN, REM1, 53, NT_EXT, port);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	rlen = p->len;
	memcpy(recvd, p->data, rlen);
	tp_free(p);

	p = tp_icmp_err(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, recvd, 28);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_icmp_err(p, .src = NT_EXT, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_PORT, .in_src = REM1,
			.in_dst = NT_EXT, .in_dport = port);
	tp_free(p);
}

/* an error about the UDP session A:40000 -> REM1:53, to break on purpose */
static struct nat_pkt *udp_error(struct nt *t)
{
	uint8_t sent[128];
	struct nat_pkt *p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 53);
	size_t slen = out_capture(t, p, sent);

	tp_free(p);
	return tp_icmp_err(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_UNREACH,
			   PB_UNREACH_PORT, 0, sent, slen);
}

static void rfc5508_req3_bad_icmp_checksum_dropped(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint8_t *l4;

	p = udp_error(t);
	l4 = pb_l4(p->data);
	pb_put_be16(l4 + 2, (uint16_t)(pb_get_be16(l4 + 2) ^ 0x0101));
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ICMP_CSUM);
	tp_free(p);
}

static void rfc5508_req3a_bad_embedded_ip_checksum_dropped(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint8_t *in;

	p = udp_error(t);
	in = pb_icmp_inner(p->data);
	pb_put_be16(in + 10, (uint16_t)(pb_get_be16(in + 10) ^ 0x0101));
	pb_icmp_fix_csum(p->data); /* only the embedded checksum is wrong */
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ICMP_INNER);
	tp_free(p);
}

/* RFC 5508 REQ-4: no session for the quoted packet, port in our range */
static void rfc5508_req4_error_without_session_dropped_nosess(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = NT_EXT, .dst = REM1, .id = 1 };
	uint8_t q[64];
	size_t qlen = pb_udp(q, sizeof(q), &ip, 30000, 53, NULL, 0);
	struct nat_pkt *p =
		tp_icmp_err(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_UNREACH,
			    PB_UNREACH_PORT, 0, q, qlen);

	nt_udp_out(t, HOST_A, 40000, REM1, 53); /* some other session */
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ICMP_NOSESS);
	tp_free(p);
}

/* RFC 5508 REQ-6: an error about a query session does not refresh it */
static void rfc5508_req6_error_does_not_refresh_query_session(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	uint8_t sent[128];
	struct nat_pkt *p;

	p = tp_echo(NAT_DIR_OUT, HOST_A, REM1, PB_ICMP_ECHO, 0x1234, 1);
	out_capture(t, p, sent);
	tp_free(p);
	nt_advance(t, 30000);

	p = tp_icmp_err(NAT_DIR_IN, ROUTER, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_NEEDFRAG, 1400, sent, 28);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_dst(p->data), HOST_A, "dst");
	tp_free(p);
	assert_true(nt_session_find(t, NAT_ICMP, HOST_A, 0x1234, REM1, 0, &si));
	assert_true(si.idle >= 29);
	assert_true(si.expires <= 31);
}

/* RFC 4787 REQ-12, RFC 5382 REQ-10: an ICMP error does not end the mapping */
static void rfc4787_req12_icmp_error_does_not_terminate_mapping(void **state)
{
	struct nt *t = *state;
	uint8_t sent[128];
	struct nat_pkt *p;
	uint16_t uport, tport;

	p = udp_error(t);
	uport = pb_sport(pb_icmp_inner(p->data));
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	tp_free(p);
	assert_true(nt_session_find(t, NAT_UDP, HOST_A, 40000, REM1, 53, NULL));
	nt_udp_in_ok(t, REM1, 53, uport, HOST_A, 40000);

	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, PB_TCP_SYN, 1, 0);
	out_capture(t, p, sent);
	tport = pb_sport(sent);
	tp_free(p);
	p = tp_icmp_err(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_UNREACH,
			PB_UNREACH_PORT, 0, sent, 28);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	tp_free(p);
	assert_true(nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, NULL));
	nt_tcp_in_ok(t, REM1, 80, tport, HOST_A, 40001,
		     PB_TCP_SYN | PB_TCP_ACK);
}

/* the NAT's own address answers pings: the host does, untranslated */
static void echo_request_to_external_address_is_local(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_echo(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_ECHO, 0x1234, 1);
	uint8_t before[128];
	uint32_t len = p->len;

	memcpy(before, p->data, len);
	nt_run(t, p);
	assert_verdict(p, NAT_LOCAL);
	assert_int_equal(p->len, len);
	assert_memory_equal(p->data, before, len);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	tp_free(p);
}

static void icmp_timestamp_request_not_translated(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 1 };
	uint8_t msg[20] = { 13, 0 }, b[64];
	size_t len;
	struct nat_pkt *p;

	pb_put_be16(msg + 4, 0x1234);
	len = pb_ipv4(b, sizeof(b), &ip, PB_IPPROTO_ICMP, msg, sizeof(msg));
	pb_icmp_fix_csum(b);
	p = tp_new(b, len, NAT_DIR_OUT);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_ICMP_TYPE);
	tp_free(p);
}

/* check @p now holds ICMP 3/13 from the gateway to @host quoting @orig */
static void check_admin_prohibited(const struct nat_pkt *p, uint32_t host,
				   const uint8_t *orig, size_t olen)
{
	size_t qlen;

	assert_verdict(p, NAT_REPLY);
	assert_int_equal(p->len, pb_totlen(p->data));
	assert_int_equal(pb_proto(p->data), PB_IPPROTO_ICMP);
	assert_icmp_err(p, .src = NT_GW, .dst = host, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_ADMIN);
	assert_true(pb_ttl(p->data) > 1);
	assert_true(p->len <= 576); /* RFC 1812 4.3.2.3 */
	qlen = p->len - pb_hlen(p->data) - 8;
	assert_true(qlen >= 28);
	assert_memory_equal(pb_icmp_inner(p->data), orig,
			    qlen < olen ? qlen : olen);
}

/* RFC 5508 REQ-8: no room for a session: ICMP 3/13 to the endpoint */
static void rfc5508_req8_table_full_replies_icmp_3_13_from_gateway(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	struct nat_pkt *p;
	uint8_t orig[128];
	size_t olen;

	nat_limits_default(&lim);
	lim.max_flows = 2;
	t = nt_std(&lim, NULL);
	*state = t;
	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	nt_udp_out(t, HOST_A, 40000, REM1, 54);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 55);
	olen = p->len;
	memcpy(orig, p->data, olen);
	nt_run(t, p);
	check_admin_prohibited(p, HOST_A, orig, olen);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 2);
	assert_int_equal(nt_drops(t, NAT_DROP_TABLE_FULL), 1);
}

/* RFC 5508 REQ-9: with ICMP errors off, the same packet is just dropped */
static void rfc5508_req9_table_full_drops_when_icmp_errors_off(void **state)
{
	struct nat_limits lim;
	struct nat_net_cfg c;
	struct nt *t;
	struct nat_pkt *p;

	nat_limits_default(&lim);
	lim.max_flows = 2;
	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.icmp_errors = false;
	t = nt_std(&lim, &c);
	*state = t;
	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	nt_udp_out(t, HOST_A, 40000, REM1, 54);
	p = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 55);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_TABLE_FULL);
	tp_free(p);
}

/* RFC 1812 4.3.2.3: the 3/13 for a large packet quotes only what fits in
 * 576 bytes */
static void rfc5508_req8_icmp_3_13_for_large_packet_fits_576(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 9 };
	static uint8_t data[1372], b[1400];
	size_t len;
	struct nat_pkt *p;

	nat_limits_default(&lim);
	lim.max_flows = 1;
	t = nt_std(&lim, NULL);
	*state = t;
	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	memset(data, 0x5a, sizeof(data));
	len = pb_udp(b, sizeof(b), &ip, 40000, 54, data, sizeof(data));
	assert_int_equal(len, 1400);
	p = tp_new(b, len, NAT_DIR_OUT);
	nt_run(t, p);
	check_admin_prohibited(p, HOST_A, b, len);
	assert_true(p->len >= 20 + 8 + 28);
	tp_free(p);
}

/* no room after the packet for the ICMP error: dropped, nothing written
 * past @cap (the buffer is exactly the packet: AddressSanitizer watches) */
static void icmp_error_without_room_in_buffer_dropped(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	struct nat_pkt *src, p;

	nat_limits_default(&lim);
	lim.max_flows = 1;
	t = nt_std(&lim, NULL);
	*state = t;
	nt_udp_out(t, HOST_A, 40000, REM1, 53);
	src = tp_udp(NAT_DIR_OUT, HOST_A, 40000, REM1, 54);
	p = *src;
	p.data = malloc(src->len);
	assert_non_null(p.data);
	memcpy(p.data, src->data, src->len);
	p.cap = p.len;
	nat_process(t->nat, &p, 1, t->now);
	assert_int_equal(p.verdict, NAT_DROP);
	if (p.reason != NAT_DROP_NO_ROOM && p.reason != NAT_DROP_TABLE_FULL)
		print_error("reason %s\n", nat_drop_name(p.reason));
	assert_true(p.reason == NAT_DROP_NO_ROOM ||
		    p.reason == NAT_DROP_TABLE_FULL);
	assert_true(p.len <= p.cap);
	free(p.data);
	tp_free(src);
}

/* RFC 5508 REQ-2: an ICMP query session lives 60 s idle, not less */
static void rfc5508_req2_query_session_lives_60s(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t xid;

	xid = echo_out(t, HOST_A, 0x1234, REM1);
	nt_advance(t, 59 * 1000);
	assert_true(
		nt_session_find(t, NAT_ICMP, HOST_A, 0x1234, REM1, 0, NULL));
	nt_advance(t, (60 + 65 - 59) * 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	p = tp_echo(NAT_DIR_IN, REM1, NT_EXT, PB_ICMP_ECHOREPLY, xid, 1);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		NT_STD(rfc5508_req1_echo_request_out_id_translated_csum_valid),
		NT_STD(rfc5508_req1_echo_reply_in_translated_to_endpoint),
		NT_STD(rfc5508_req1a_same_id_to_two_hosts_same_external_id),
		NT_STD(rfc5508_req1_two_endpoints_same_id_get_distinct_ids),
		NT_STD(echo_reply_without_session_dropped),
		NT_STD(rfc5508_req4_port_unreachable_about_udp_translated),
		NT_STD(rfc5508_req4_time_exceeded_about_tcp_translated),
		NT_STD(rfc5508_req4_unreachable_quoting_whole_tcp_segment),
		NT_STD(rfc5508_req4_frag_needed_about_echo_keeps_mtu),
		NT_STD(rfc5508_req4_frag_needed_about_udp_keeps_mtu),
		NT_STD(rfc5508_req3b_embedded_ip_options_skipped),
		NT_STD(rfc5508_req5_outbound_error_outer_src_external),
		NT_STD(rfc5508_req5_outbound_error_about_reply_translated),
		NT_STD(rfc5508_req3_bad_icmp_checksum_dropped),
		NT_STD(rfc5508_req3a_bad_embedded_ip_checksum_dropped),
		NT_STD(rfc5508_req4_error_without_session_dropped_nosess),
		NT_STD(rfc5508_req6_error_does_not_refresh_query_session),
		NT_STD(rfc4787_req12_icmp_error_does_not_terminate_mapping),
		NT_STD(echo_request_to_external_address_is_local),
		NT_STD(icmp_timestamp_request_not_translated),
		T(rfc5508_req8_table_full_replies_icmp_3_13_from_gateway),
		T(rfc5508_req9_table_full_drops_when_icmp_errors_off),
		T(rfc5508_req8_icmp_3_13_for_large_packet_fits_576),
		T(icmp_error_without_room_in_buffer_dropped),
		NT_STD(rfc5508_req2_query_session_lives_60s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
