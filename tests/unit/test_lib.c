/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - test_lib.c: the bottom layer's small words (src/lib)
 *
 * The hash values are pinned: they name kernel interfaces (attach.c's
 * host-side "hne" + 8 hex digits, net.c's default bridge "hn-NAME-XXXX")
 * that outlive a daemon, so a new build must find the names an old one made.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "be.h"
#include "hash.h"
#include "name.h"
#include "ring.h"

static void test_addr_fmt_writes_dotted_quad(void **state)
{
	char buf[LIB_ADDR_LEN];

	(void)state;
	lib_addr_fmt(buf, 0xac110004);
	assert_string_equal(buf, "172.17.0.4");
	lib_addr_fmt(buf, 0);
	assert_string_equal(buf, "0.0.0.0");
	lib_addr_fmt(buf, UINT32_MAX);
	assert_string_equal(buf, "255.255.255.255");
}

static void test_prefix_mask_is_zero_for_slash_0(void **state)
{
	(void)state;
	assert_int_equal(lib_prefix_mask(0), 0);
	assert_int_equal(lib_prefix_mask(1), 0x80000000u);
	assert_int_equal(lib_prefix_mask(24), 0xffffff00u);
	assert_int_equal(lib_prefix_mask(31), 0xfffffffeu);
	assert_int_equal(lib_prefix_mask(32), 0xffffffffu);
}

static void test_fnv1a_values_are_pinned(void **state)
{
	(void)state;
	assert_int_equal(lib_fnv1a("", LIB_FNV1A_INIT), 0x811c9dc5u);
	assert_int_equal(lib_fnv1a("a", LIB_FNV1A_INIT), 0xe40c292cu);
	/* net.c: default bridge of network "nat", salt 0 */
	assert_int_equal(lib_fnv1a("nat/0", LIB_FNV1A_INIT) & 0xffff, 0x9e4b);
}

static void test_fnv1a_host_side_name_unchanged(void **state)
{
	/* attach.c's host_if(): netns, "\n", ifname, chained */
	uint32_t h = lib_fnv1a("/var/run/netns/c1", LIB_FNV1A_INIT);
	char name[16];

	(void)state;
	h = lib_fnv1a("eth0", lib_fnv1a("\n", h));
	snprintf(name, sizeof(name), "hne%08x", h);
	assert_string_equal(name, "hne697e8dba");
}

static void test_be_helpers_round_trip(void **state)
{
	uint8_t b[4];

	(void)state;
	put_be32(b, 0x01020304);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[3], 4);
	assert_int_equal(get_be32(b), 0x01020304);
	put_be16(b, 0xabcd);
	assert_int_equal(b[0], 0xab);
	assert_int_equal(get_be16(b), 0xabcd);
}

static void test_ring_keeps_order_and_counts_lost_when_full(void **state)
{
	uint32_t slots[3], v;
	struct lib_ring r;
	uint32_t *p;
	unsigned i;

	(void)state;
	lib_ring_init(&r, slots, sizeof(slots[0]), 3);
	assert_int_equal(lib_ring_pop(&r, &v), 0);
	for (i = 0; i < 5; i++) {
		p = lib_ring_push(&r);
		if (i < 3) {
			assert_non_null(p);
			*p = i;
		} else {
			assert_null(p);	/* full: what is kept stays */
		}
	}
	assert_int_equal(r.lost, 2);
	assert_int_equal(lib_ring_pop(&r, &v), 1);
	assert_int_equal(v, 0);
	p = lib_ring_push(&r);	/* room again: wraps to slot 0 */
	assert_non_null(p);
	*p = 7;
	assert_int_equal(lib_ring_take_lost(&r), 2);
	assert_int_equal(r.lost, 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(lib_ring_pop(&r, &v), 1);
		assert_int_equal(v, i < 2 ? i + 1 : 7);
	}
	assert_int_equal(lib_ring_pop(&r, &v), 0);
}

static void test_ring_reset_forgets_events_and_lost(void **state)
{
	uint64_t slots[2], v;
	struct lib_ring r;

	(void)state;
	lib_ring_init(&r, slots, sizeof(slots[0]), 2);
	assert_non_null(lib_ring_push(&r));
	assert_non_null(lib_ring_push(&r));
	assert_null(lib_ring_push(&r));
	lib_ring_reset(&r);
	assert_int_equal(r.lost, 0);
	assert_int_equal(lib_ring_pop(&r, &v), 0);
	assert_non_null(lib_ring_push(&r));
}

static void test_ring_of_zero_slots_loses_everything(void **state)
{
	struct lib_ring r;
	int v;

	(void)state;
	lib_ring_init(&r, &v, sizeof(v), 0);
	assert_null(lib_ring_push(&r));
	assert_int_equal(r.lost, 1);
	assert_int_equal(lib_ring_pop(&r, &v), 0);
}

static void test_name_starts_with_letter_or_digit(void **state)
{
	(void)state;
	assert_true(lib_name_valid("lab", 32));
	assert_true(lib_name_valid("0lab.a_b-c", 32));
	assert_false(lib_name_valid("-x", 32));	/* reads as an option */
	assert_false(lib_name_valid(".x", 32));
	assert_false(lib_name_valid("_x", 32));
	assert_false(lib_name_valid("", 32));
	assert_false(lib_name_valid(NULL, 32));
	assert_false(lib_name_valid("a/b", 32));
	assert_false(lib_name_valid("a b", 32));
	assert_false(lib_name_valid("a:b", 32));
}

static void test_name_length_is_the_callers_buffer_less_nul(void **state)
{
	char s[65];

	(void)state;
	memset(s, 'a', 64);
	s[64] = '\0';
	assert_false(lib_name_valid(s, 64));	/* 64 bytes: no room for NUL */
	s[63] = '\0';
	assert_true(lib_name_valid(s, 64));
	s[31] = '\0';
	assert_true(lib_name_valid(s, 32));
	s[31] = 'a';
	s[32] = '\0';
	assert_false(lib_name_valid(s, 32));
}

static void test_netns_is_a_name_or_an_absolute_path_without_dotdot(void **state)
{
	(void)state;
	assert_true(lib_netns_valid("ns1", 128));
	assert_true(lib_netns_valid("/run/netns/cni-1234", 128));
	assert_true(lib_netns_valid("/proc/42/ns/net", 128));
	assert_true(lib_netns_valid("a:b@c+d", 128));
	assert_false(lib_netns_valid("/run/netns/../x", 128));
	assert_false(lib_netns_valid("..", 128));
	assert_false(lib_netns_valid("run/netns/x", 128)); /* relative path */
	assert_false(lib_netns_valid("-x", 128));
	assert_false(lib_netns_valid("", 128));
	assert_false(lib_netns_valid("a b", 128));
}

static void test_owner_is_a_container_id(void **state)
{
	(void)state;
	assert_true(lib_owner_valid("0123abcdef", 129));
	assert_true(lib_owner_valid("pod:1.a-b", 129));
	assert_true(lib_owner_valid("-x", 129));
	assert_false(lib_owner_valid("a/b", 129));
	assert_false(lib_owner_valid("a_b", 129));
	assert_false(lib_owner_valid("", 129));
	assert_false(lib_owner_valid(NULL, 129));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_fmt_writes_dotted_quad),
		cmocka_unit_test(test_prefix_mask_is_zero_for_slash_0),
		cmocka_unit_test(test_fnv1a_values_are_pinned),
		cmocka_unit_test(test_fnv1a_host_side_name_unchanged),
		cmocka_unit_test(test_be_helpers_round_trip),
		cmocka_unit_test(test_ring_keeps_order_and_counts_lost_when_full),
		cmocka_unit_test(test_ring_reset_forgets_events_and_lost),
		cmocka_unit_test(test_ring_of_zero_slots_loses_everything),
		cmocka_unit_test(test_name_starts_with_letter_or_digit),
		cmocka_unit_test(test_name_length_is_the_callers_buffer_less_nul),
		cmocka_unit_test(
			test_netns_is_a_name_or_an_absolute_path_without_dotdot),
		cmocka_unit_test(test_owner_is_a_container_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
