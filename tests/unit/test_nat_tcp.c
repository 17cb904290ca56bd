/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_tcp.c: TCP translation, RFC 5382 and 7857
 *
 * Real TCP segments through the engine: session creation and the RFC 7857 /
 * RFC 6146 state machine as nat_session_walk() reports it (SYN, FIN, RST),
 * the established and transitory idle timeouts, the 6 s hold of an
 * unsolicited inbound SYN and the ICMP port unreachable that follows it,
 * simultaneous open, and static mappings with and without a remote
 * restriction.
 */
#include <string.h>

#include "nattest.h"

#define SYN PB_TCP_SYN
#define ACK PB_TCP_ACK
#define FIN PB_TCP_FIN
#define RST PB_TCP_RST

static uint8_t tcp_state(struct nt *t, uint32_t host, uint16_t hport,
			 uint32_t rem, uint16_t rport)
{
	struct nat_session_info si;

	assert_true(nt_session_find(t, NAT_TCP, host, hport, rem, rport, &si));
	return si.tcp_state;
}

#define assert_tcp_state(t, h, hp, r, rp, want)                     \
	do {                                                        \
		uint8_t st_ = tcp_state((t), (h), (hp), (r), (rp)); \
		if (st_ != (want))                                  \
			print_error("tcp_state %s, expected %s\n",  \
				    nat_tcp_state_name(st_),        \
				    nat_tcp_state_name(want));      \
		assert_int_equal(st_, (want));                      \
	} while (0)

/* three-way handshake A:40001 <-> REM1:80; returns the external port */
static uint16_t establish(struct nt *t)
{
	uint16_t port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);

	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, SYN | ACK);
	assert_int_equal(nt_tcp_out(t, HOST_A, 40001, REM1, 80, ACK), port);
	return port;
}

static void rfc5382_outbound_syn_creates_session_out_init(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	uint16_t port;

	port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	assert_int_equal(port, 40001); /* free: preserved */
	assert_true(nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, &si));
	assert_int_equal(si.tcp_state, NAT_TCP_OUT_INIT);
	assert_int_equal(si.ext_port, port);
	assert_int_equal(si.ext_addr, NT_EXT);
	assert_false(si.inbound);
	assert_int_equal(nt_sessions(t, NULL, 0), 1);
}

/* RFC 5382 REQ-2: the handshake passes; SYN seen both ways: established */
static void rfc5382_req2_synack_passes_session_established(void **state)
{
	struct nt *t = *state;
	uint16_t port;

	port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, SYN | ACK);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_ESTABLISHED);
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, ACK);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, ACK | PB_TCP_PSH);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_ESTABLISHED);
}

/* RFC 7857 section 2.1 / RFC 6146: FIN both ways, then the transitory
 * timer (RFC 5382 REQ-5: at least 4 minutes) */
static void rfc7857_fin_both_ways_both_fin_then_transitory_timeout(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t port;

	port = establish(t);
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, FIN | ACK);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_OUT_FIN);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, FIN | ACK);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_BOTH_FIN);
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, ACK);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_BOTH_FIN);

	nt_advance(t, 239 * 1000);
	assert_true(nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, NULL));
	nt_advance(t, (240 + 65 - 239) * 1000);
	assert_false(
		nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, NULL));
	p = tp_tcp(NAT_DIR_IN, REM1, 80, NT_EXT, port, ACK, 1, 1);
	nt_run(t, p);
	assert_int_equal(p->verdict, NAT_DROP);
	tp_free(p);
}

/* RFC 7857 section 2.1: an RST (maybe spoofed) does not delete the session,
 * it moves it to the transitory timer */
static void rfc7857_rst_moves_session_to_trans_not_deleted(void **state)
{
	struct nt *t = *state;
	uint16_t port;

	port = establish(t);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, RST);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_TRANS);
	/* the session still carries the connection both ways */
	assert_int_equal(nt_tcp_out(t, HOST_A, 40001, REM1, 80, ACK), port);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, ACK);
}

/* RFC 7857 section 2.1, RFC 5382 REQ-5: after an RST the session expires on
 * the transitory timer (240 s), not the established one */
static void rfc7857_rst_session_expires_on_transitory_timer(void **state)
{
	struct nt *t = *state;

	establish(t);
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, RST);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_TRANS);
	nt_advance(t, 239 * 1000);
	assert_true(nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, NULL));
	nt_advance(t, (240 + 65 - 239) * 1000);
	assert_false(
		nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, NULL));
}

/* RFC 5382 REQ-5: established idle timeout at least 2 h 4 min (7440 s);
 * the expiry wheel removes it at most 64 s after */
static void
rfc5382_req5_established_survives_7439s_expires_by_7504s(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	struct nat_pkt *p;
	uint16_t port;

	port = establish(t);
	nt_advance(t, 7439ull * 1000);
	assert_true(nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, &si));
	assert_int_equal(si.tcp_state, NAT_TCP_ESTABLISHED);
	assert_true(si.idle >= 7438);
	nt_advance(t, (7440ull + 65 - 7439) * 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	p = tp_tcp(NAT_DIR_IN, REM1, 80, NT_EXT, port, ACK, 1, 1);
	nt_run(t, p);
	assert_int_equal(p->verdict, NAT_DROP);
	tp_free(p);
}

static void outbound_non_syn_without_session_dropped_tcp_nosyn(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, ACK, 1, 1);

	nt_run(t, p);
	assert_drop(p, NAT_DROP_TCP_NOSYN);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
	tp_free(p);
}

static void inbound_non_syn_without_mapping_dropped(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_tcp(NAT_DIR_IN, REM1, 80, NT_EXT, 40001, ACK, 1, 1);

	nt_run(t, p);
	assert_drop(p, NAT_DROP_NO_MAPPING);
	tp_free(p);
}

/* check one packet from nat_poll() is ICMP port unreachable about @syn */
static void check_port_unreachable(const struct nat_pkt *k, const uint8_t *syn,
				   size_t synlen)
{
	uint8_t *icmp = k->data;
	uint8_t *in;
	size_t qlen;

	assert_verdict(k, NAT_REPLY);
	assert_int_equal(pb_proto(icmp), PB_IPPROTO_ICMP);
	assert_icmp_err(k, .src = NT_EXT, .dst = REM1, .type = PB_ICMP_UNREACH,
			.code = PB_UNREACH_PORT);
	assert_true(pb_totlen(icmp) <= 576); /* RFC 1812 4.3.2.3 */
	qlen = pb_totlen(icmp) - pb_hlen(icmp) - 8;
	assert_true(qlen >= 28); /* IP header + 64 bits, RFC 792 */
	in = pb_icmp_inner(icmp);
	assert_memory_equal(in, syn, qlen < synlen ? qlen : synlen);
}

/* RFC 5382 REQ-4: unsolicited SYN held 6 s, then ICMP port unreachable */
static void
rfc5382_req4_unsolicited_syn_held_6s_then_port_unreachable(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, 40002, SYN, 777, 0);
	uint8_t syn[64];
	size_t synlen = p->len;
	struct nat_stats st;

	memcpy(syn, p->data, synlen);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.syn_held, 1);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);

	nt_poll(t);
	nt_advance(t, 5900);
	assert_int_equal(t->npolled, 0); /* MUST NOT answer within 6 s */
	nt_advance(t, 1100);
	assert_int_equal(t->npolled, 1);
	check_port_unreachable(&t->polled[0], syn, synlen);
	nt_advance(t, 10000);
	assert_int_equal(t->npolled, 1); /* only once */
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.syn_held, 0);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

/* RFC 5382 REQ-4 "for at least 6 seconds", from the SYN's arrival, also
 * when it arrives in the middle of the engine's one-second tick */
static void rfc5382_req4_no_icmp_within_6s_of_mid_second_syn(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint64_t waited = 0;

	nt_advance(t, 10500);
	p = tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, 40002, SYN, 777, 0);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nt_poll(t);
	while (!t->npolled && waited < 10000) {
		nt_advance(t, NT_STEP_MS);
		waited += NT_STEP_MS;
	}
	print_message("ICMP port unreachable %llu ms after the SYN\n",
		      (unsigned long long)waited);
	assert_int_equal(t->npolled, 1);
	if (waited < 6000)
		print_error("sent %llu ms early\n",
			    (unsigned long long)(6000 - waited));
	assert_true(waited >= 6000);
}

/* RFC 5382 REQ-4 / REQ-2a: an outbound SYN within 6 s for the same external
 * port and remote supersedes the held SYN: dropped, nothing sent; and the
 * simultaneous open then works */
static void rfc5382_req4_simultaneous_open_drops_held_syn_silently(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p =
		tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, 40002, SYN, 777, 0);
	struct nat_stats st;

	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nt_advance(t, 2000);
	assert_int_equal(nt_tcp_out(t, HOST_A, 40002, REM1, 5555, SYN), 40002);
	nt_advance(t, 10000);
	assert_int_equal(t->npolled, 0);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.syn_held, 0);
	assert_int_equal(st.drops[NAT_DROP_SYN_SIMOPEN], 1);
	assert_int_equal(st.pkts_icmp_sent, 0);

	/* the remote's SYN retransmitted now meets the session */
	nt_tcp_in_ok(t, REM1, 5555, 40002, HOST_A, 40002, SYN);
	assert_tcp_state(t, HOST_A, 40002, REM1, 5555, NAT_TCP_ESTABLISHED);
}

/* RFC 5382 REQ-4a, RFC 5508 REQ-9: no ICMP when the network says so */
static void
rfc5382_req4a_held_syn_dropped_silently_without_icmp_errors(void **state)
{
	struct nat_net_cfg c;
	struct nt *t;
	struct nat_pkt *p;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.icmp_errors = false;
	t = nt_std(NULL, &c);
	*state = t;
	p = tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, 40002, SYN, 777, 0);
	nt_run(t, p);
	assert_true(p->verdict == NAT_HELD || p->verdict == NAT_DROP);
	tp_free(p);
	nt_advance(t, 10000);
	assert_int_equal(t->npolled, 0);
}

/* a static mapping forwards an inbound SYN at once, with the client's real
 * address as source; the reply leaves from the mapped external port */
static void
static_map_inbound_syn_reaches_endpoint_reply_from_ext_port(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = NT_EXT,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
	};
	struct nat_session_info si;
	struct nat_pkt *p;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	nt_tcp_in_ok(t, REM1, 6000, 8080, HOST_B, 80, SYN);
	assert_true(nt_session_find(t, NAT_TCP, HOST_B, 80, REM1, 6000, &si));
	assert_true(si.inbound);
	assert_true(si.static_map);
	assert_int_equal(si.ext_port, 8080);
	assert_int_equal(si.tcp_state, NAT_TCP_IN_INIT);

	p = tp_tcp(NAT_DIR_OUT, HOST_B, 80, REM1, 6000, SYN | ACK, 9000, 5001);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_addr(pb_src(p->data), NT_EXT, "src");
	assert_int_equal(pb_sport(p->data), 8080);
	assert_addr(pb_dst(p->data), REM1, "dst");
	assert_int_equal(pb_dport(p->data), 6000);
	assert_int_equal(pb_tcp_seq(p->data), 9000);
	assert_int_equal(pb_tcp_ack(p->data), 5001);
	assert_csums(p);
	tp_free(p);
	assert_tcp_state(t, HOST_B, 80, REM1, 6000, NAT_TCP_ESTABLISHED);
	nt_tcp_in_ok(t, REM1, 6000, 8080, HOST_B, 80, ACK);
}

/* a static mapping restricted to 203.0.113.5/32 refuses other remotes */
static void static_map_remote_restriction_refuses_other_remotes(void **state)
{
	struct nt *t = *state;
	struct nat_map m = {
		.proto = NAT_TCP,
		.ext_addr = NT_EXT,
		.ext_port = 8080,
		.int_addr = HOST_B,
		.int_port = 80,
		.remote_addr = REM1,
		.remote_plen = 32,
	};
	struct nat_map u = m;
	struct nat_pkt *p;

	assert_int_equal(nat_map_add(t->nat, t->net, &m), 0);
	u.proto = NAT_UDP;
	assert_int_equal(nat_map_add(t->nat, t->net, &u), 0);

	p = tp_tcp(NAT_DIR_IN, REM2, 6000, NT_EXT, 8080, SYN, 1, 0);
	nt_run(t, p);
	assert_true(p->verdict == NAT_DROP || p->verdict == NAT_HELD);
	tp_free(p);
	assert_false(nt_session_find(t, NAT_TCP, HOST_B, 80, REM2, 6000, NULL));

	p = nt_udp_in(t, REM2, 6000, 8080);
	assert_int_equal(p->verdict, NAT_DROP);
	if (p->reason != NAT_DROP_FILTERED && p->reason != NAT_DROP_NO_MAPPING)
		print_error("reason %s\n", nat_drop_name(p->reason));
	assert_true(p->reason == NAT_DROP_FILTERED ||
		    p->reason == NAT_DROP_NO_MAPPING);
	tp_free(p);

	/* the allowed remote gets through */
	nt_tcp_in_ok(t, REM1, 6000, 8080, HOST_B, 80, SYN);
	nt_udp_in_ok(t, REM1, 6000, 8080, HOST_B, 80);
}

/* RFC 5382 REQ-1 (EIM) and REQ-7 (no port overloading) for TCP */
static void rfc5382_req1_eim_and_req7_no_overloading(void **state)
{
	struct nt *t = *state;
	uint16_t a1, a2, b1;

	a1 = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	a2 = nt_tcp_out(t, HOST_A, 40001, REM2, 443, SYN);
	b1 = nt_tcp_out(t, HOST_B, 40001, REM1, 80, SYN);
	assert_int_equal(a1, a2);
	assert_int_not_equal(a1, b1);
	nt_tcp_in_ok(t, REM1, 80, b1, HOST_B, 40001, SYN | ACK);
	nt_tcp_in_ok(t, REM1, 80, a1, HOST_A, 40001, SYN | ACK);
}

/* checksum offload on a TCP SYN whose port must change */
static void csum_partial_tcp_syn_holds_new_pseudo_sum(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;
	uint16_t tlen, want;

	assert_int_equal(nt_tcp_out(t, HOST_B, 40001, REM1, 80, SYN), 40001);
	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, SYN, 1, 0);
	tlen = (uint16_t)(p->len - 20);
	pb_put_be16(pb_l4(p->data) + 16,
		    pb_pseudo_sum(HOST_A, REM1, PB_IPPROTO_TCP, tlen));
	p->csum_partial = 1;
	want = pb_pseudo_sum(NT_EXT, REM1, PB_IPPROTO_TCP, tlen);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	assert_int_not_equal(pb_sport(p->data), 40001);
	assert_true(pb_ip_csum_ok(p->data, p->len));
	assert_int_equal(pb_tcp_csum(p->data), want);
	tp_free(p);
}

static void tcp_bad_header_dropped_with_reason(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;

	/* data offset 4 words */
	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, SYN, 1, 0);
	pb_l4(p->data)[12] = 4 << 4;
	pb_l4_fix_csum(p->data);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_L4_BAD);
	tp_free(p);

	/* data offset 15 words in a 20-byte segment */
	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, SYN, 1, 0);
	pb_l4(p->data)[12] = 15 << 4;
	pb_l4_fix_csum(p->data);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_L4_SHORT);
	tp_free(p);

	/* 12 bytes of TCP header */
	p = tp_tcp(NAT_DIR_OUT, HOST_A, 40001, REM1, 80, SYN, 1, 0);
	pb_put_be16(p->data + 2, 32);
	pb_ip_fix_csum(p->data);
	p->len = 32;
	nt_run(t, p);
	assert_drop(p, NAT_DROP_L4_SHORT);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

/* RFC 5382 REQ-2, RFC 6146: a new connection on the same 5-tuple after a
 * close passes and establishes again */
static void rfc5382_req2_new_syn_after_close_reuses_session(void **state)
{
	struct nt *t = *state;
	uint16_t port;

	port = establish(t);
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, FIN | ACK);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, FIN | ACK);
	nt_tcp_out(t, HOST_A, 40001, REM1, 80, ACK);
	nt_advance(t, 5000);
	assert_int_equal(nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN), port);
	nt_tcp_in_ok(t, REM1, 80, port, HOST_A, 40001, SYN | ACK);
	assert_tcp_state(t, HOST_A, 40001, REM1, 80, NAT_TCP_ESTABLISHED);
}

/* RFC 5382 REQ-3 (EIF, the default): another remote may open a connection
 * to an existing mapping; its SYN is not unsolicited */
static void rfc5382_req3_eif_inbound_syn_to_mapping_forwarded(void **state)
{
	struct nt *t = *state;
	struct nat_session_info si;
	uint16_t port;

	port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	nt_tcp_in_ok(t, REM2, 5555, port, HOST_A, 40001, SYN);
	assert_true(
		nt_session_find(t, NAT_TCP, HOST_A, 40001, REM2, 5555, &si));
	assert_true(si.inbound);
	assert_int_equal(si.ext_port, port);
}

/* RFC 5382 REQ-3a/REQ-4: with APDF the same SYN is unsolicited: held, then
 * answered with ICMP port unreachable */
static void
rfc5382_req4_apdf_filtered_syn_held_then_port_unreachable(void **state)
{
	struct nat_net_cfg c;
	struct nt *t;
	struct nat_pkt *p;
	uint8_t syn[64];
	size_t synlen;
	uint16_t port;

	nat_net_cfg_default(&c, "nat");
	c.gateway = NT_GW;
	c.filter[NAT_TCP] = NAT_FILTER_APDF;
	t = nt_std(NULL, &c);
	*state = t;
	port = nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	p = tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, port, SYN, 1, 0);
	synlen = p->len;
	memcpy(syn, p->data, synlen);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nt_advance(t, 7000);
	assert_int_equal(t->npolled, 1);
	check_port_unreachable(&t->polled[0], syn, synlen);
	assert_false(
		nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 5555, NULL));
}

/* a retransmitted unsolicited SYN is not answered twice */
static void rfc5382_req4_retransmitted_held_syn_answered_once(void **state)
{
	struct nt *t = *state;
	struct nat_pkt *p;

	p = tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, 40002, SYN, 777, 0);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nt_advance(t, 1000);
	p = tp_tcp(NAT_DIR_IN, REM1, 5555, NT_EXT, 40002, SYN, 777, 0);
	nt_run(t, p);
	assert_true(p->verdict == NAT_HELD || p->verdict == NAT_DROP);
	tp_free(p);
	nt_advance(t, 10000);
	assert_int_equal(t->npolled, 1);
}

/* RFC 5382 REQ-5: a connection being opened is transitory: 4 min at least */
static void rfc5382_req5_unanswered_syn_session_lives_240s(void **state)
{
	struct nt *t = *state;

	nt_tcp_out(t, HOST_A, 40001, REM1, 80, SYN);
	nt_advance(t, 239 * 1000);
	assert_true(nt_session_find(t, NAT_TCP, HOST_A, 40001, REM1, 80, NULL));
	nt_advance(t, (240 + 65 - 239) * 1000);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		NT_STD(rfc5382_outbound_syn_creates_session_out_init),
		NT_STD(rfc5382_req2_synack_passes_session_established),
		NT_STD(rfc7857_fin_both_ways_both_fin_then_transitory_timeout),
		NT_STD(rfc7857_rst_moves_session_to_trans_not_deleted),
		NT_STD(rfc7857_rst_session_expires_on_transitory_timer),
		NT_STD(rfc5382_req5_established_survives_7439s_expires_by_7504s),
		NT_STD(outbound_non_syn_without_session_dropped_tcp_nosyn),
		NT_STD(inbound_non_syn_without_mapping_dropped),
		NT_STD(rfc5382_req4_unsolicited_syn_held_6s_then_port_unreachable),
		NT_STD(rfc5382_req4_no_icmp_within_6s_of_mid_second_syn),
		NT_STD(rfc5382_req4_simultaneous_open_drops_held_syn_silently),
		T(rfc5382_req4a_held_syn_dropped_silently_without_icmp_errors),
		NT_STD(static_map_inbound_syn_reaches_endpoint_reply_from_ext_port),
		NT_STD(static_map_remote_restriction_refuses_other_remotes),
		NT_STD(rfc5382_req1_eim_and_req7_no_overloading),
		NT_STD(csum_partial_tcp_syn_holds_new_pseudo_sum),
		NT_STD(tcp_bad_header_dropped_with_reason),
		NT_STD(rfc5382_req2_new_syn_after_close_reuses_session),
		NT_STD(rfc5382_req3_eif_inbound_syn_to_mapping_forwarded),
		T(rfc5382_req4_apdf_filtered_syn_held_then_port_unreachable),
		NT_STD(rfc5382_req4_retransmitted_held_syn_answered_once),
		NT_STD(rfc5382_req5_unanswered_syn_session_lives_240s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
