/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/test_pktbuild.c: the tests' packet oracle itself
 *
 * The engine's tests are only as good as pktbuild.c, so its checksums are
 * checked here against packets whose bytes are known from outside: an IPv4
 * header with a published checksum, the RFC 1071 example sum, and a UDP
 * datagram checked by hand-computed one's complement arithmetic. Fragments
 * must reassemble to the datagram they came from.
 */
#include <string.h>

#include "nattest.h"

/* a widely published IPv4 header: checksum 0xb861 */
static const uint8_t hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void ip_checksum_matches_published_header(void **state)
{
	uint8_t h[20];

	(void)state;
	assert_true(pb_ip_csum_ok(hdr, sizeof(hdr)));
	memcpy(h, hdr, sizeof(h));
	pb_ip_fix_csum(h);
	assert_int_equal(pb_get_be16(h + 10), 0xb861);
	h[11] ^= 1;
	assert_false(pb_ip_csum_ok(h, sizeof(h)));
}

/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 */
static void rfc1071_example_sum(void **state)
{
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(pb_fold(pb_sum(0, b, sizeof(b))), 0xddf2);
}

static void udp_checksum_built_and_checked(void **state)
{
	struct pb_ip ip = { .src = IPV4(10, 0, 0, 1),
			    .dst = IPV4(10, 0, 0, 2),
			    .id = 1 };
	uint8_t b[64];
	size_t len = pb_udp(b, sizeof(b), &ip, 1, 2, (const uint8_t *)"a", 1);
	uint32_t s;

	(void)state;
	assert_int_equal(len, 29);
	/* by hand: pseudo 0a00+0001+0a00+0002+0011+0009, header
	 * 0001+0002+0009, data 6100 */
	s = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0011 + 0x0009 + 0x0001 +
	    0x0002 + 0x0009 + 0x6100;
	assert_int_equal(pb_udp_csum(b), (uint16_t)~pb_fold(s));
	assert_true(pb_l4_csum_ok(b, len));
	b[28] ^= 0x10;
	assert_false(pb_l4_csum_ok(b, len));
	pb_put_be16(pb_l4(b) + 6, 0); /* no checksum */
	assert_true(pb_l4_csum_ok(b, len));
}

static void fragments_reassemble_to_the_datagram(void **state)
{
	struct pb_ip ip = { .src = IPV4(10, 0, 0, 1),
			    .dst = IPV4(10, 0, 0, 2),
			    .id = 77 };
	uint8_t data[100], d[256], f[3][128], r[256];
	const uint8_t *fp[3] = { f[2], f[0], f[1] };
	size_t len, fl[3], fln[3], rlen;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	len = pb_udp(d, sizeof(d), &ip, 1000, 2000, data, sizeof(data));
	fl[0] = pb_frag(f[0], 128, d, 0, 40, true);
	fl[1] = pb_frag(f[1], 128, d, 40, 40, true);
	fl[2] = pb_frag(f[2], 128, d, 80, 28, false);
	for (i = 0; i < 3; i++) {
		assert_true(pb_ip_csum_ok(f[i], fl[i]));
		assert_int_equal(pb_ipid(f[i]), 77);
	}
	assert_true(pb_mf(f[0]) && pb_mf(f[1]) && !pb_mf(f[2]));
	assert_int_equal(pb_frag_off(f[1]), 40);
	fln[0] = fl[2];
	fln[1] = fl[0];
	fln[2] = fl[1];
	rlen = pb_reassemble(r, sizeof(r), fp, fln, 3);
	assert_int_equal(rlen, len);
	assert_memory_equal(r, d, len);
	assert_int_equal(pb_frag(f[0], 128, d, 4, 8, true), 0); /* not 8k */
}

static void icmp_error_quotes_packet(void **state)
{
	struct pb_ip ip = { .src = IPV4(10, 0, 0, 1),
			    .dst = IPV4(10, 0, 0, 2),
			    .id = 1 };
	uint8_t q[64], b[128];
	size_t qlen = pb_udp(q, sizeof(q), &ip, 1, 2, NULL, 0);
	size_t len;

	(void)state;
	ip.src = IPV4(10, 0, 0, 2);
	ip.dst = IPV4(10, 0, 0, 1);
	len = pb_icmp_error(b, sizeof(b), &ip, PB_ICMP_UNREACH,
			    PB_UNREACH_NEEDFRAG, 1400, q, qlen);
	assert_int_equal(len, 20 + 8 + qlen);
	assert_true(pb_icmp_csum_ok(b, len));
	assert_int_equal(pb_icmp_mtu(b), 1400);
	assert_memory_equal(pb_icmp_inner(b), q, qlen);
	b[len - 1] ^= 1;
	assert_false(pb_icmp_csum_ok(b, len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip_checksum_matches_published_header),
		cmocka_unit_test(rfc1071_example_sum),
		cmocka_unit_test(udp_checksum_built_and_checked),
		cmocka_unit_test(fragments_reassemble_to_the_datagram),
		cmocka_unit_test(icmp_error_quotes_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
