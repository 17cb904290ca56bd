/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/svc/test_rate.c: token buckets (GCRA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rate.h"

#define T0 1700000000000LL /* ms */

/* requests that pass at @now_ms, taken until one is refused */
static unsigned drain(const struct rate_limit *l, struct rate_bucket *b,
		      int64_t now_ms)
{
	unsigned n = 0;

	while (rate_allows(l, b, now_ms) && n < 100000) {
		rate_charge(l, b, now_ms);
		n++;
	}
	return n;
}

static void full_bucket_passes_burst_at_once(void **state)
{
	struct rate_limit l = rate_per_second(10, 32);
	struct rate_bucket b = { 0 };

	(void)state;
	assert_int_equal(drain(&l, &b, T0), 32);
	assert_false(rate_allows(&l, &b, T0));
}

static void empty_bucket_refills_at_rate_up_to_burst(void **state)
{
	struct rate_limit l = rate_per_second(10, 32);
	struct rate_bucket b = { 0 };

	(void)state;
	drain(&l, &b, T0);
	assert_int_equal(drain(&l, &b, T0 + 1000), 10);
	assert_int_equal(drain(&l, &b, T0 + 1500), 5);
	/* a long pause fills it, never beyond the burst */
	assert_int_equal(drain(&l, &b, T0 + 3600 * 1000), 32);
}

static void slow_bucket_of_seconds(void **state)
{
	struct rate_limit l = { .interval_ms = 15000, .burst = 4 };
	struct rate_bucket b = { 0 };

	(void)state;
	assert_int_equal(drain(&l, &b, T0), 4);
	assert_int_equal(drain(&l, &b, T0 + 14000), 0);
	assert_int_equal(drain(&l, &b, T0 + 15000), 1);
}

static void refused_request_charges_nothing(void **state)
{
	struct rate_limit l = rate_per_second(1, 1);
	struct rate_bucket b = { 0 };
	int i;

	(void)state;
	rate_charge(&l, &b, T0);
	for (i = 0; i < 100; i++)
		assert_false(rate_allows(&l, &b, T0 + 500));
	assert_true(rate_allows(&l, &b, T0 + 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_bucket_passes_burst_at_once),
		cmocka_unit_test(empty_bucket_refills_at_rate_up_to_burst),
		cmocka_unit_test(slow_bucket_of_seconds),
		cmocka_unit_test(refused_request_charges_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
