/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - test_fastidx.c: the fast path's session index (src/dp/fastidx.c)
 *
 * The index runs on memory of the test's own. Besides what a session's keys
 * find, every test checks the invariants the programs rely on: one entry
 * per live session and direction, each within FASTIDX_PROBES of its home
 * with no empty place between (so a reader that stops at an empty entry
 * never misses one), and every record's generation even at rest.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "fastidx.h"

#define NREC 257	/* 256 sessions: 1024 entries */

struct fix {
	struct fastidx x;
	struct fast_rec rec[NREC];
	uint64_t t[1024];
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	assert_int_equal(fastidx_entries(NREC - 1), 1024);
	memset(f->t, 0xa5, sizeof(f->t));	/* init clears whatever is there */
	memset(f->rec, 0x5a, sizeof(f->rec));
	fastidx_init(&f->x, f->rec, NREC, f->t, 1024, 0x0123456789abcdefULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* the session of slot @i in a family of distinct ones */
static struct fast_rec sess(uint32_t i, uint32_t variant)
{
	struct fast_rec r = {
		.int_addr = htonl(0x0a000000 + (i & 0xffff) + 2),
		.ext_addr = htonl(0xc6336401),
		.rem_addr = htonl(0xcb007100 + (variant & 0xff)),
		.int_port = (uint16_t)(40000 + i),
		.ext_port = (uint16_t)(1024 + i + variant * 300),
		.rem_port = 443,
		.proto = IPPROTO_TCP,
	};
	return r;
}

static uint32_t find(const struct fastidx *x, const struct fast_rec *r,
		     uint32_t dir)
{
	struct fastidx_key k;

	fastidx_rec_key(r, dir, &k);
	return fastidx_find(x, &k, dir);
}

/* the invariants; returns the entries in use */
static unsigned check(const struct fastidx *x)
{
	unsigned used = 0, i, live = 0;

	for (i = 0; i <= x->mask; i++) {
		uint64_t e = x->t[i];
		uint32_t home, d, slot, dir, j;
		struct fastidx_key k;

		if (!e)
			continue;
		used++;
		home = fastidx_home(e, x->mask);
		d = (i - home) & x->mask;
		assert_true(d < FASTIDX_PROBES);
		for (j = home; j != i; j = (j + 1) & x->mask)
			assert_true(x->t[j] != 0);	/* no gap before it */
		slot = (uint32_t)e >> 1;
		dir = e & 1;
		assert_true(slot > 0 && slot < x->nrec);
		assert_true(x->rec[slot].flags & FASTREC_LIVE);
		fastidx_rec_key(&x->rec[slot], dir, &k);
		assert_true(fastidx_entry(fastidx_hash(x->seed, k.saddr, k.daddr,
						       k.sport, k.dport,
						       k.proto),
					  slot, dir) == e);
	}
	for (i = 0; i < x->nrec; i++) {
		assert_int_equal(x->rec[i].gen & 1, 0);
		live += !!(x->rec[i].flags & FASTREC_LIVE);
	}
	assert_int_equal(live, x->live);
	assert_int_equal(used, 2 * live);
	return used;
}

static void test_entries_are_a_power_of_two_four_per_session(void **state)
{
	(void)state;
	assert_int_equal(fastidx_entries(1), 64);
	assert_int_equal(fastidx_entries(16), 64);
	assert_int_equal(fastidx_entries(17), 128);
	assert_int_equal(fastidx_entries(262144), 1048576);
	assert_int_equal(fastidx_entries(262145), 2097152);
	assert_int_equal(fastidx_entries(1u << 29), 1u << 31);
	assert_int_equal(fastidx_entries((1u << 29) + 1), 0);
}

static void test_put_finds_both_directions_and_only_them(void **state)
{
	struct fix *f = *state;
	struct fast_rec r = sess(7, 0), other = sess(8, 0);
	struct fastidx_key k;

	assert_int_equal(fastidx_put(&f->x, 8, &r), 0);
	assert_int_equal(find(&f->x, &r, FASTIDX_OUT), 8);
	assert_int_equal(find(&f->x, &r, FASTIDX_IN), 8);
	assert_int_equal(find(&f->x, &other, FASTIDX_OUT), 0);
	assert_int_equal(find(&f->x, &other, FASTIDX_IN), 0);
	/* the outbound key at an uplink, the inbound one at a port: none */
	fastidx_rec_key(&r, FASTIDX_OUT, &k);
	assert_int_equal(fastidx_find(&f->x, &k, FASTIDX_IN), 0);
	fastidx_rec_key(&r, FASTIDX_IN, &k);
	assert_int_equal(fastidx_find(&f->x, &k, FASTIDX_OUT), 0);
	/* one field off is another key */
	fastidx_rec_key(&r, FASTIDX_IN, &k);
	k.proto = IPPROTO_UDP;
	assert_int_equal(fastidx_find(&f->x, &k, FASTIDX_IN), 0);
	fastidx_rec_key(&r, FASTIDX_IN, &k);
	k.dport++;
	assert_int_equal(fastidx_find(&f->x, &k, FASTIDX_IN), 0);
	assert_true(f->rec[8].flags & FASTREC_LIVE);
	assert_int_equal(f->rec[8].gen, 2);
	assert_int_equal(check(&f->x), 2);
}

static void test_del_takes_both_keys_and_clears_the_record(void **state)
{
	struct fix *f = *state;
	struct fast_rec r = sess(3, 0);

	assert_int_equal(fastidx_put(&f->x, 4, &r), 0);
	fastidx_del(&f->x, 4);
	assert_int_equal(find(&f->x, &r, FASTIDX_OUT), 0);
	assert_int_equal(find(&f->x, &r, FASTIDX_IN), 0);
	assert_false(f->rec[4].flags & FASTREC_LIVE);
	assert_int_equal(f->rec[4].int_addr, 0);
	assert_int_equal(f->rec[4].gen, 4);
	fastidx_del(&f->x, 4);	/* twice: nothing */
	fastidx_del(&f->x, 0);
	fastidx_del(&f->x, NREC);
	assert_int_equal(f->rec[4].gen, 4);
	assert_int_equal(check(&f->x), 0);
}

static void test_put_replaces_and_same_put_changes_nothing(void **state)
{
	struct fix *f = *state;
	struct fast_rec a = sess(5, 0), b = sess(5, 1);

	assert_int_equal(fastidx_put(&f->x, 6, &a), 0);
	assert_int_equal(fastidx_put(&f->x, 6, &a), 0);
	assert_int_equal(f->rec[6].gen, 2);	/* never rewritten */
	assert_int_equal(fastidx_put(&f->x, 6, &b), 0);
	assert_int_equal(find(&f->x, &a, FASTIDX_OUT), 0);
	assert_int_equal(find(&f->x, &a, FASTIDX_IN), 0);
	assert_int_equal(find(&f->x, &b, FASTIDX_OUT), 6);
	assert_int_equal(find(&f->x, &b, FASTIDX_IN), 6);
	assert_int_equal(check(&f->x), 2);
	/* the hairpin flag is part of the record */
	b.flags = FASTREC_HAIRPIN;
	assert_int_equal(fastidx_put(&f->x, 6, &b), 0);
	assert_true(f->rec[6].flags & FASTREC_HAIRPIN);
	b.flags = 0xf0;	/* flags of no meaning are not taken */
	assert_int_equal(fastidx_put(&f->x, 6, &b), 0);
	assert_int_equal(f->rec[6].flags, FASTREC_LIVE);
	assert_int_equal(check(&f->x), 2);
}

static void test_slot_out_of_range_is_refused(void **state)
{
	struct fix *f = *state;
	struct fast_rec r = sess(1, 0);

	assert_int_equal(fastidx_put(&f->x, 0, &r), -ENOSPC);
	assert_int_equal(fastidx_put(&f->x, NREC, &r), -ENOSPC);
	assert_int_equal(check(&f->x), 0);
}

static void test_same_key_twice_each_deleted_alone(void **state)
{
	struct fix *f = *state;
	struct fast_rec r = sess(9, 0);

	assert_int_equal(fastidx_put(&f->x, 10, &r), 0);
	assert_int_equal(fastidx_put(&f->x, 11, &r), 0);
	assert_int_equal(find(&f->x, &r, FASTIDX_OUT), 10);
	fastidx_del(&f->x, 10);
	assert_int_equal(find(&f->x, &r, FASTIDX_OUT), 11);
	assert_int_equal(find(&f->x, &r, FASTIDX_IN), 11);
	assert_int_equal(check(&f->x), 2);
}

static uint32_t in_home(const struct fastidx *x, const struct fast_rec *r)
{
	struct fastidx_key k;

	fastidx_rec_key(r, FASTIDX_IN, &k);
	return fastidx_home(fastidx_hash(x->seed, k.saddr, k.daddr, k.sport,
					 k.dport, k.proto),
			    x->mask);
}

/* sessions whose inbound keys share one home: the probe cap is reached,
 * the session that finds no place is not there at all, and one deletion
 * (entries shifted back) makes room for it */
static void test_crowded_home_refuses_then_makes_room(void **state)
{
	struct fix *f = *state;
	struct fast_rec r[64];
	uint32_t n = 0, port, home = 0, s, failed = 0;
	int ret;

	for (port = 1; port < 65535 && n < 64; port++) {
		struct fast_rec c = sess(1, 0);

		c.rem_port = (uint16_t)port;
		if (!n)
			home = in_home(&f->x, &c);
		if (in_home(&f->x, &c) == home)
			r[n++] = c;
	}
	assert_int_equal(n, 64);
	for (s = 0; s < 64; s++) {
		ret = fastidx_put(&f->x, s + 1, &r[s]);
		if (ret) {
			assert_int_equal(ret, -ENOSPC);
			failed = s + 1;
			break;
		}
	}
	assert_true(failed > 0 && failed <= FASTIDX_PROBES + 1);
	assert_int_equal(find(&f->x, &r[failed - 1], FASTIDX_IN), 0);
	assert_int_equal(find(&f->x, &r[failed - 1], FASTIDX_OUT), 0);
	assert_false(f->rec[failed].flags & FASTREC_LIVE);
	for (s = 0; s + 1 < failed; s++) {
		assert_int_equal(find(&f->x, &r[s], FASTIDX_IN), s + 1);
		assert_int_equal(find(&f->x, &r[s], FASTIDX_OUT), s + 1);
	}
	check(&f->x);
	/* the first, at the home itself: every other one moves back */
	fastidx_del(&f->x, 1);
	check(&f->x);
	for (s = 1; s + 1 < failed; s++)
		assert_int_equal(find(&f->x, &r[s], FASTIDX_IN), s + 1);
	assert_int_equal(fastidx_put(&f->x, failed, &r[failed - 1]), 0);
	assert_int_equal(find(&f->x, &r[failed - 1], FASTIDX_IN), failed);
	check(&f->x);
}

/* the index at the wrap of the table: entries after the last place go on
 * at the first, and a deletion shifts them back across it */
static void test_probes_wrap_around_the_end(void **state)
{
	struct fix *f = *state;
	struct fast_rec r[8];
	uint32_t n = 0, port, s;

	for (port = 1; port < 65535 * 4 && n < 8; port++) {
		struct fast_rec c = sess(2, 0);

		c.rem_port = (uint16_t)port;
		c.rem_addr = htonl(0xcb007100 + port / 65535);
		if (in_home(&f->x, &c) == f->x.mask)
			r[n++] = c;
	}
	assert_int_equal(n, 8);
	for (s = 0; s < 8; s++)
		assert_int_equal(fastidx_put(&f->x, s + 1, &r[s]), 0);
	check(&f->x);
	fastidx_del(&f->x, 1);
	fastidx_del(&f->x, 4);
	check(&f->x);
	for (s = 0; s < 8; s++)
		assert_int_equal(find(&f->x, &r[s], FASTIDX_IN),
				 s == 0 || s == 3 ? 0 : s + 1);
}

static void test_clear_takes_everything(void **state)
{
	struct fix *f = *state;
	uint32_t s;

	for (s = 1; s < NREC; s++) {
		struct fast_rec r = sess(s, 0);

		assert_int_equal(fastidx_put(&f->x, s, &r), 0);
	}
	assert_int_equal(check(&f->x), 2 * (NREC - 1));
	fastidx_clear(&f->x);
	assert_int_equal(check(&f->x), 0);
	for (s = 1; s < NREC; s++) {
		struct fast_rec r = sess(s, 0);

		assert_int_equal(find(&f->x, &r, FASTIDX_OUT), 0);
		assert_int_equal(f->rec[s].gen, 4);
	}
}

/* random puts, replacements and deletions against a model of what each
 * slot holds, with the index full (every session) at times */
static void test_random_against_a_model(void **state)
{
	struct fix *f = *state;
	uint32_t variant[NREC] = { 0 }, i, s;
	unsigned seed = 12345;

	for (i = 0; i < 20000; i++) {
		s = 1 + (uint32_t)rand_r(&seed) % (NREC - 1);
		if (rand_r(&seed) % 3) {
			uint32_t v = 1 + (uint32_t)rand_r(&seed) % 3;
			struct fast_rec r = sess(s, v);

			assert_int_equal(fastidx_put(&f->x, s, &r), 0);
			variant[s] = v;
		} else {
			fastidx_del(&f->x, s);
			variant[s] = 0;
		}
		if (i % 1000)
			continue;
		check(&f->x);
		for (s = 1; s < NREC; s++) {
			uint32_t v;

			for (v = 1; v <= 3; v++) {
				struct fast_rec r = sess(s, v);
				uint32_t want = variant[s] == v ? s : 0;

				assert_int_equal(find(&f->x, &r, FASTIDX_OUT),
						 want);
				assert_int_equal(find(&f->x, &r, FASTIDX_IN),
						 want);
			}
		}
	}
	check(&f->x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_are_a_power_of_two_four_per_session),
		cmocka_unit_test_setup_teardown(
			test_put_finds_both_directions_and_only_them, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_del_takes_both_keys_and_clears_the_record, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_put_replaces_and_same_put_changes_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_slot_out_of_range_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_same_key_twice_each_deleted_alone, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_crowded_home_refuses_then_makes_room, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_probes_wrap_around_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_takes_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_a_model,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
