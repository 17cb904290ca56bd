/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_nat_frag.c: IPv4 fragments, RFC 4787 REQ-14
 *
 * A 108-byte UDP datagram (and a 108-byte ICMP echo) split into fragments
 * at payload offsets 0, 40 and 80 goes through the engine in order and out
 * of order (the last fragment held until the first one gives the
 * translation, then released by nat_poll()). Every fragment must come out
 * with the new source, one common new IP ID, its offset and MF kept; put
 * back together, the datagram's transport checksum must verify, which proves
 * the first fragment's checksum was fixed for the whole datagram. Also: bad
 * fragments, the timeout of a held fragment, and a flood (REQ-14a).
 */
#include <string.h>

#include "nattest.h"

#define NFRAG 3
#define DGRAM_PAYLOAD 100 /* bytes after the UDP/ICMP header */

static const size_t cut_off[NFRAG] = { 0, 40, 80 };
static const size_t cut_len[NFRAG] = { 40, 40, 28 };

struct frags {
	uint8_t b[NFRAG][256];
	size_t len[NFRAG];
};

static size_t dgram_udp(uint8_t *b, size_t cap, uint32_t src, uint16_t sport,
			uint32_t dst, uint16_t dport, uint16_t id)
{
	struct pb_ip ip = { .src = src, .dst = dst, .id = id };
	uint8_t data[DGRAM_PAYLOAD];
	unsigned i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	return pb_udp(b, cap, &ip, sport, dport, data, sizeof(data));
}

static void split(const uint8_t *dgram, struct frags *f)
{
	unsigned i;

	for (i = 0; i < NFRAG; i++) {
		f->len[i] = pb_frag(f->b[i], sizeof(f->b[i]), dgram, cut_off[i],
				    cut_len[i], i < NFRAG - 1);
		assert_true(f->len[i]);
	}
}

/* check fragment @i came out translated with source @src, destination @dst */
static void check_frag(const struct nat_pkt *p, unsigned i, uint32_t src,
		       uint32_t dst)
{
	assert_true(pb_ip_csum_ok(p->data, p->len));
	assert_addr(pb_src(p->data), src, "frag src");
	assert_addr(pb_dst(p->data), dst, "frag dst");
	assert_int_equal(pb_frag_off(p->data), cut_off[i]);
	assert_int_equal(pb_mf(p->data), i < NFRAG - 1);
	assert_int_equal(pb_totlen(p->data), 20 + cut_len[i]);
}

/* reassemble and check the transport checksum of the whole datagram */
static void check_reassembled(struct frags *out)
{
	const uint8_t *fp[NFRAG];
	uint8_t d[512];
	size_t dlen;
	unsigned i;

	for (i = 0; i < NFRAG; i++)
		fp[i] = out->b[i];
	dlen = pb_reassemble(d, sizeof(d), fp, out->len, NFRAG);
	assert_int_equal(dlen, 20 + 8 + DGRAM_PAYLOAD);
	if (pb_proto(d) == PB_IPPROTO_ICMP)
		assert_true(pb_icmp_csum_ok(d, dlen));
	else
		assert_true(pb_l4_csum_ok(d, dlen));
}

static void keep(struct frags *out, unsigned i, const struct nat_pkt *p)
{
	assert_true(p->len <= sizeof(out->b[i]));
	memcpy(out->b[i], p->data, p->len);
	out->len[i] = p->len;
}

/* RFC 4787 REQ-14: in-order fragments all translated, one new ID */
static void rfc4787_req14_outbound_fragments_in_order_translated(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in, out;
	struct nat_stats st;
	uint16_t id = 0;
	unsigned i;

	dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53, 0x4242);
	split(d, &in);
	for (i = 0; i < NFRAG; i++) {
		struct nat_pkt *p = tp_new(in.b[i], in.len[i], NAT_DIR_OUT);

		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		check_frag(p, i, NT_EXT, REM1);
		if (i == 0) {
			id = pb_ipid(p->data);
			assert_int_equal(pb_sport(p->data), 40000);
			assert_int_equal(pb_dport(p->data), 53);
		} else {
			assert_int_equal(pb_ipid(p->data), id);
			/* no port in a later fragment: payload untouched */
			assert_memory_equal(p->data + 20, in.b[i] + 20,
					    cut_len[i]);
		}
		keep(&out, i, p);
		tp_free(p);
	}
	check_reassembled(&out);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.frags, NFRAG);
}

/* RFC 4787 REQ-14: the last fragment first is held until the first one
 * arrives, then nat_poll() hands it out translated */
static void rfc4787_req14_out_of_order_last_held_until_first(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in, out;
	struct nat_pkt *p;
	struct nat_stats st;
	uint16_t id;

	dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53, 0x4343);
	split(d, &in);

	p = tp_new(in.b[2], in.len[2], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nt_poll(t);
	assert_int_equal(t->npolled, 0);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.frag_held, 1);

	p = tp_new(in.b[0], in.len[0], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	check_frag(p, 0, NT_EXT, REM1);
	id = pb_ipid(p->data);
	keep(&out, 0, p);
	tp_free(p);

	nt_poll(t);
	assert_int_equal(t->npolled, 1);
	assert_verdict(&t->polled[0], NAT_FORWARD);
	check_frag(&t->polled[0], 2, NT_EXT, REM1);
	assert_int_equal(pb_ipid(t->polled[0].data), id);
	keep(&out, 2, &t->polled[0]);

	p = tp_new(in.b[1], in.len[1], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	check_frag(p, 1, NT_EXT, REM1);
	assert_int_equal(pb_ipid(p->data), id);
	keep(&out, 1, p);
	tp_free(p);
	check_reassembled(&out);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.frag_held, 0);
}

/* RFC 4787 REQ-14: a fragmented reply from outside reaches the endpoint */
static void rfc4787_req14_inbound_fragments_of_reply_translated(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in, out;
	uint16_t port, id = 0;
	unsigned i;

	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	dgram_udp(d, sizeof(d), REM1, 53, NT_EXT, port, 0x5151);
	split(d, &in);
	for (i = 0; i < NFRAG; i++) {
		struct nat_pkt *p = tp_new(in.b[i], in.len[i], NAT_DIR_IN);

		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		check_frag(p, i, REM1, HOST_A);
		if (i == 0) {
			id = pb_ipid(p->data);
			assert_int_equal(pb_dport(p->data), 40000);
			assert_int_equal(pb_sport(p->data), 53);
		} else {
			assert_int_equal(pb_ipid(p->data), id);
		}
		keep(&out, i, p);
		tp_free(p);
	}
	check_reassembled(&out);
}

/* RFC 5508 REQ-1 / RFC 4787 REQ-14: a large ping, fragments out of order
 * (middle, first, last): the identifier lives in the first fragment and the
 * ICMP checksum covers all of them */
static void rfc4787_req14_fragmented_echo_translated_out_of_order(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 0x6060 };
	uint8_t data[DGRAM_PAYLOAD], d[256];
	struct frags in, out;
	struct nat_pkt *p;
	uint16_t id;
	unsigned i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xf0 ^ i);
	assert_true(pb_icmp_echo(d, sizeof(d), &ip, PB_ICMP_ECHO, 0x1234, 1,
				 data, sizeof(data)));
	split(d, &in);

	p = tp_new(in.b[1], in.len[1], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);

	p = tp_new(in.b[0], in.len[0], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	check_frag(p, 0, NT_EXT, REM1);
	assert_int_equal(pb_icmp_type(p->data), PB_ICMP_ECHO);
	id = pb_ipid(p->data);
	keep(&out, 0, p);
	tp_free(p);
	nt_poll(t);
	assert_int_equal(t->npolled, 1);
	check_frag(&t->polled[0], 1, NT_EXT, REM1);
	assert_int_equal(pb_ipid(t->polled[0].data), id);
	keep(&out, 1, &t->polled[0]);

	p = tp_new(in.b[2], in.len[2], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	check_frag(p, 2, NT_EXT, REM1);
	assert_int_equal(pb_ipid(p->data), id);
	keep(&out, 2, p);
	tp_free(p);
	check_reassembled(&out);
}

/* RFC 1858 / RFC 4787 REQ-14a: a first fragment must hold the transport
 * header (8 bytes cannot hold TCP's 20) */
static void
first_fragment_shorter_than_tcp_header_dropped_frag_bad(void **state)
{
	struct nt *t = *state;
	struct pb_ip ip = { .src = HOST_A, .dst = REM1, .id = 0x7070 };
	uint8_t data[40] = { 0 }, d[256], f[64];
	size_t flen;
	struct nat_pkt *p;

	assert_true(pb_tcp(d, sizeof(d), &ip, 40001, 80, PB_TCP_SYN, 1, 0, data,
			   sizeof(data)));
	flen = pb_frag(f, sizeof(f), d, 0, 8, true);
	assert_true(flen);
	p = tp_new(f, flen, NAT_DIR_OUT);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_FRAG_BAD);
	tp_free(p);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

/* RFC 791: fragments other than the last carry multiples of 8 bytes, and a
 * datagram ends before 65536 */
static void impossible_fragments_dropped_frag_bad(void **state)
{
	struct nt *t = *state;
	uint8_t d[256], f[256];
	size_t flen;
	struct nat_pkt *p;

	dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53, 0x7171);
	flen = pb_frag(f, sizeof(f), d, 0, 44, true); /* 44: not 8k */
	p = tp_new(f, flen, NAT_DIR_OUT);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_FRAG_BAD);
	tp_free(p);

	flen = pb_frag(f, sizeof(f), d, 80, 28, false);
	pb_put_be16(f + 6, 0x1fff); /* offset 65528 + 28 bytes */
	pb_ip_fix_csum(f);
	p = tp_new(f, flen, NAT_DIR_OUT);
	nt_run(t, p);
	assert_drop(p, NAT_DROP_FRAG_BAD);
	tp_free(p);
}

/* a held fragment whose first fragment never comes is dropped and counted,
 * never sent untranslated */
static void held_fragment_without_first_dropped_after_timeout(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in;
	struct nat_pkt *p;
	struct nat_stats st;

	dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53, 0x8181);
	split(d, &in);
	p = tp_new(in.b[2], in.len[2], NAT_DIR_OUT);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	nt_advance(t, 60 * 1000);
	assert_int_equal(t->npolled, 0);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.drops[NAT_DROP_FRAG_TIMEOUT], 1);
	assert_int_equal(st.frag_held, 0);
	assert_int_equal(st.frag_entries, 0);
}

/* RFC 4787 REQ-14a: a flood of fragments cannot exhaust more than the
 * fragment limits, is counted, and leaves the engine working */
static void rfc4787_req14a_fragment_flood_bounded_by_limits(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	uint8_t d[256];
	struct frags in, out;
	struct nat_stats st;
	unsigned i, held = 0, full = 0;

	nat_limits_default(&lim);
	lim.max_frags = 8;
	lim.max_frag_held = 8;
	t = nt_std(&lim, NULL);
	*state = t;

	for (i = 0; i < 200; i++) {
		struct nat_pkt *p;

		dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53,
			  (uint16_t)(1000 + i));
		split(d, &in);
		p = tp_new(in.b[2], in.len[2], NAT_DIR_OUT);
		nt_run(t, p);
		/* the newest datagram always gets in: the oldest is evicted
		 * (before: dropped once full, nothing evicted) */
		assert_verdict(p, NAT_HELD);
		held++;
		tp_free(p);
	}
	assert_int_equal(held, 200);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.drops[NAT_DROP_FRAG_FULL], full);
	assert_int_equal(st.drops[NAT_DROP_FRAG_EVICTED], 192);
	assert_int_equal(st.frag_evicted, 192);
	assert_true(st.frag_held <= 8);
	assert_true(st.frag_entries <= 8);

	/* unfragmented traffic is unaffected */
	nt_udp_out(t, HOST_B, 40000, REM1, 53);

	/* and once the flood timed out, a datagram in order goes through */
	nt_advance(t, 60 * 1000);
	nt_polled_clear(t);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.frag_held, 0);
	dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53, 0x9999);
	split(d, &in);
	for (i = 0; i < NFRAG; i++) {
		struct nat_pkt *p = tp_new(in.b[i], in.len[i], NAT_DIR_OUT);

		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		check_frag(p, i, NT_EXT, REM1);
		keep(&out, i, p);
		tp_free(p);
	}
	check_reassembled(&out);
}

/* RFC 4787 REQ-14a: a flood of first fragments (each opening an entry) */
static void rfc4787_req14a_first_fragment_flood_no_crash(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	uint8_t d[256];
	struct frags in;
	unsigned i;

	nat_limits_default(&lim);
	lim.max_frags = 8;
	lim.max_frag_held = 8;
	t = nt_std(&lim, NULL);
	*state = t;
	for (i = 0; i < 200; i++) {
		struct nat_pkt *p;

		dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53,
			  (uint16_t)(3000 + i));
		split(d, &in);
		p = tp_new(in.b[0], in.len[0], NAT_DIR_OUT);
		nt_run(t, p);
		assert_true(p->verdict == NAT_FORWARD ||
			    p->verdict == NAT_DROP);
		if (p->verdict == NAT_FORWARD)
			check_frag(p, 0, NT_EXT, REM1);
		tp_free(p);
	}
	nt_advance(t, 1000);
	nt_udp_out(t, HOST_A, 40000, REM1, 53);
}

/* RFC 4787 REQ-14 inbound, out of order: two held fragments released one
 * per nat_poll() call when it is asked for one at a time */
static void rfc4787_req14_inbound_out_of_order_released_max_one(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in, out;
	struct nat_pkt *p, o[4];
	uint16_t port, id;
	unsigned i, n;

	memset(&out, 0, sizeof(out));
	port = nt_udp_out(t, HOST_A, 40000, REM1, 53);
	dgram_udp(d, sizeof(d), REM1, 53, NT_EXT, port, 0x5252);
	split(d, &in);
	for (i = 2; i >= 1; i--) {
		p = tp_new(in.b[i], in.len[i], NAT_DIR_IN);
		nt_run(t, p);
		assert_verdict(p, NAT_HELD);
		tp_free(p);
	}
	p = tp_new(in.b[0], in.len[0], NAT_DIR_IN);
	nt_run(t, p);
	assert_verdict(p, NAT_FORWARD);
	check_frag(p, 0, REM1, HOST_A);
	assert_int_equal(pb_dport(p->data), 40000);
	id = pb_ipid(p->data);
	keep(&out, 0, p);
	tp_free(p);

	for (n = 0; n < 2; n++) {
		assert_int_equal(nat_poll(t->nat, t->now, o, 1), 1);
		assert_verdict(&o[0], NAT_FORWARD);
		i = pb_frag_off(o[0].data) == cut_off[1] ? 1 : 2;
		check_frag(&o[0], i, REM1, HOST_A);
		assert_int_equal(pb_ipid(o[0].data), id);
		keep(&out, i, &o[0]);
	}
	assert_int_equal(nat_poll(t->nat, t->now, o, 4), 0);
	assert_int_not_equal(out.len[1], 0);
	assert_int_not_equal(out.len[2], 0);
	check_reassembled(&out);
}

/* the same out-of-order datagram handed over in one nat_process() batch */
static void rfc4787_req14_out_of_order_fragments_in_one_batch(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in, out;
	struct nat_pkt *p[NFRAG];
	struct nat_pkt batch[NFRAG];
	static const unsigned order[NFRAG] = { 2, 0, 1 };
	unsigned i;

	dgram_udp(d, sizeof(d), HOST_A, 40000, REM1, 53, 0x5353);
	split(d, &in);
	for (i = 0; i < NFRAG; i++) {
		p[i] = tp_new(in.b[order[i]], in.len[order[i]], NAT_DIR_OUT);
		batch[i] = *p[i];
	}
	nat_process(t->nat, batch, NFRAG, t->now);
	assert_verdict(&batch[0], NAT_HELD);
	assert_verdict(&batch[1], NAT_FORWARD);
	assert_verdict(&batch[2], NAT_FORWARD);
	check_frag(&batch[1], 0, NT_EXT, REM1);
	check_frag(&batch[2], 1, NT_EXT, REM1);
	assert_int_equal(pb_ipid(batch[1].data), pb_ipid(batch[2].data));
	keep(&out, 0, &batch[1]);
	keep(&out, 1, &batch[2]);
	nt_poll(t);
	assert_int_equal(t->npolled, 1);
	check_frag(&t->polled[0], 2, NT_EXT, REM1);
	assert_int_equal(pb_ipid(t->polled[0].data), pb_ipid(batch[1].data));
	keep(&out, 2, &t->polled[0]);
	check_reassembled(&out);
	for (i = 0; i < NFRAG; i++)
		tp_free(p[i]);
}

/* fragments of a datagram whose first fragment was refused never pass,
 * in either order: they cannot be translated */
static void fragments_of_refused_datagram_never_forwarded(void **state)
{
	struct nt *t = *state;
	uint8_t d[256];
	struct frags in;
	struct nat_pkt *p;
	unsigned i;

	/* inbound to a port with no mapping: first fragment first */
	dgram_udp(d, sizeof(d), REM1, 53, NT_EXT, 33333, 0x1111);
	split(d, &in);
	for (i = 0; i < NFRAG; i++) {
		p = tp_new(in.b[i], in.len[i], NAT_DIR_IN);
		nt_run(t, p);
		if (i == 0)
			assert_drop(p, NAT_DROP_NO_MAPPING);
		else
			assert_true(p->verdict == NAT_DROP ||
				    p->verdict == NAT_HELD);
		tp_free(p);
	}
	/* spoofed outbound source: last fragment first */
	dgram_udp(d, sizeof(d), IPV4(10, 9, 9, 9), 40000, REM1, 53, 0x2222);
	split(d, &in);
	for (i = NFRAG; i-- > 0;) {
		p = tp_new(in.b[i], in.len[i], NAT_DIR_OUT);
		nt_run(t, p);
		if (i == 0)
			assert_drop(p, NAT_DROP_SPOOFED);
		else
			assert_true(p->verdict == NAT_DROP ||
				    p->verdict == NAT_HELD);
		tp_free(p);
	}
	nt_advance(t, 60 * 1000);
	for (i = 0; i < t->npolled; i++)
		assert_int_not_equal(t->polled[i].verdict, NAT_FORWARD);
	assert_int_equal(nt_sessions(t, NULL, 0), 0);
}

/* one bogus 28-byte fragment (offset 40, MF) from @src to the external
 * address, identification @id: a datagram whose first fragment never comes */
static void bogus_frag_in(struct nt *t, uint32_t src, uint16_t id)
{
	uint8_t d[256], f[64];
	struct nat_pkt *p;
	size_t n;

	dgram_udp(d, sizeof(d), src, 1000, NT_EXT, 5000, id);
	n = pb_frag(f, sizeof(f), d, 40, 8, true);
	assert_int_equal(n, 28);
	p = tp_new(f, n, NAT_DIR_IN);
	nt_run(t, p);
	assert_true(p->verdict == NAT_HELD || p->verdict == NAT_DROP);
	tp_free(p);
}

/* a fragmented datagram sent out of order (last first, held) and then in
 * order must come out whole: from @src to @dst in direction @dir */
static void frag_dgram_passes(struct nt *t, uint8_t dir, uint32_t src,
			      uint16_t sport, uint32_t dst, uint16_t dport,
			      uint16_t id, uint32_t want_src, uint32_t want_dst)
{
	uint8_t d[256];
	struct frags in, out;
	struct nat_pkt *p;
	unsigned i;

	dgram_udp(d, sizeof(d), src, sport, dst, dport, id);
	split(d, &in);
	p = tp_new(in.b[2], in.len[2], dir);
	nt_run(t, p);
	assert_verdict(p, NAT_HELD);
	tp_free(p);
	for (i = 0; i < 2; i++) {
		p = tp_new(in.b[i], in.len[i], dir);
		nt_run(t, p);
		assert_verdict(p, NAT_FORWARD);
		check_frag(p, i, want_src, want_dst);
		keep(&out, i, p);
		tp_free(p);
	}
	nt_polled_clear(t);
	nt_advance(t, NT_STEP_MS);
	assert_int_equal(t->npolled, 1);
	check_frag(&t->polled[0], 2, want_src, want_dst);
	keep(&out, 2, &t->polled[0]);
	check_reassembled(&out);
}

/* issue 10, RFC 4787 REQ-14a: 4200 bogus fragments from one remote take at
 * most its share of the table; endpoints' fragmented datagrams and another
 * remote's still pass */
static void rfc4787_req14a_one_source_flood_limited_to_its_share(void **state)
{
	struct nt *t = *state;
	struct nat_limits lim;
	struct nat_stats st;
	uint16_t port;
	unsigned i;

	nat_limits_default(&lim);
	for (i = 0; i < 4200; i++)
		bogus_frag_in(t, REM1, (uint16_t)i);
	nat_stats_get(t->nat, &st);
	assert_int_equal(st.frag_entries, lim.max_frags_per_src);
	assert_int_equal(st.frag_held, lim.max_frag_held_per_src);
	assert_int_equal(st.drops[NAT_DROP_FRAG_SRC_LIMIT],
			 4200 - lim.max_frag_held_per_src);
	assert_int_equal(st.drops[NAT_DROP_FRAG_FULL], 0);

	/* outbound from an endpoint, then the reply of another remote */
	frag_dgram_passes(t, NAT_DIR_OUT, HOST_A, 40000, REM2, 53, 0x1111,
			  NT_EXT, REM2);
	port = nt_udp_out(t, HOST_A, 40000, REM2, 53);
	frag_dgram_passes(t, NAT_DIR_IN, REM2, 53, NT_EXT, port, 0x2222, REM2,
			  HOST_A);
}

/* RFC 4787 REQ-14a: many sources fill the table and the buffers: the
 * oldest datagrams are evicted and counted, new ones still pass */
static void rfc4787_req14a_full_table_evicts_oldest(void **state)
{
	struct nt *t = *state;
	struct nat_limits lim;
	struct nat_stats st;
	unsigned i;

	nat_limits_default(&lim);
	for (i = 0; i < 4200; i++)
		bogus_frag_in(t, IPV4(45, 1 + i / 250, 1 + i % 250, 9), 7);
	nat_stats_get(t->nat, &st);
	/* each bogus datagram holds one buffer: the buffers bound it */
	assert_int_equal(st.frag_entries, lim.max_frag_held);
	assert_int_equal(st.frag_held, lim.max_frag_held);
	assert_int_equal(st.frag_evicted, 4200 - lim.max_frag_held);
	assert_int_equal(st.drops[NAT_DROP_FRAG_EVICTED], 4200 - lim.max_frag_held);
	assert_int_equal(st.drops[NAT_DROP_FRAG_FULL], 0);

	frag_dgram_passes(t, NAT_DIR_OUT, HOST_A, 40000, REM2, 53, 0x3333,
			  NT_EXT, REM2);
}

#define T(f) cmocka_unit_test_teardown(f, nt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		NT_STD(rfc4787_req14_outbound_fragments_in_order_translated),
		NT_STD(rfc4787_req14_out_of_order_last_held_until_first),
		NT_STD(rfc4787_req14_inbound_fragments_of_reply_translated),
		NT_STD(rfc4787_req14_fragmented_echo_translated_out_of_order),
		NT_STD(first_fragment_shorter_than_tcp_header_dropped_frag_bad),
		NT_STD(impossible_fragments_dropped_frag_bad),
		NT_STD(held_fragment_without_first_dropped_after_timeout),
		T(rfc4787_req14a_fragment_flood_bounded_by_limits),
		T(rfc4787_req14a_first_fragment_flood_no_crash),
		NT_STD(rfc4787_req14_inbound_out_of_order_released_max_one),
		NT_STD(rfc4787_req14_out_of_order_fragments_in_one_batch),
		NT_STD(fragments_of_refused_datagram_never_forwarded),
		NT_STD(rfc4787_req14a_one_source_flood_limited_to_its_share),
		NT_STD(rfc4787_req14a_full_table_evicts_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
