/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - rate.c: token buckets for the services of the networks
 *
 * Theory of operation
 * -------------------
 * See rate.h: a bucket is the time at which it is full again. With T the
 * interval and B the burst, a bucket whose full_at is F has
 * floor((t - F) / T) + B tokens at time t, capped at B; a request passes
 * while F - (B - 1) * T <= t. Times are ms; a caller with a clock of
 * seconds multiplies by 1000.
 */
#include "rate.h"

static int64_t tolerance(const struct rate_limit *l)
{
	uint32_t burst = l->burst ? l->burst : 1;

	return (int64_t)(burst - 1) * (int64_t)l->interval_ms;
}

/**
 * rate_allows() - whether a bucket has a token now
 * @l:		its shape
 * @b:		its state
 * @now_ms:	ms, current time
 *
 * Return: true if a request may pass (then rate_charge() it)
 */
bool rate_allows(const struct rate_limit *l, const struct rate_bucket *b,
		 int64_t now_ms)
{
	return b->full_at - tolerance(l) <= now_ms;
}

/**
 * rate_charge() - take one token from a bucket
 * @l:		its shape
 * @b:		its state
 * @now_ms:	ms, current time
 */
void rate_charge(const struct rate_limit *l, struct rate_bucket *b,
		 int64_t now_ms)
{
	int64_t from = b->full_at > now_ms ? b->full_at : now_ms;

	b->full_at = from + (int64_t)(l->interval_ms ? l->interval_ms : 1);
}

/**
 * rate_per_second() - the shape of a bucket of @rate tokens a second
 * @rate:	tokens a second, at least 1 (0 is taken as 1)
 * @burst:	tokens at once, at least 1
 *
 * Return: the shape (intervals rounded down to whole ms, at least 1)
 */
struct rate_limit rate_per_second(uint32_t rate, uint32_t burst)
{
	struct rate_limit l = { .interval_ms = 1000u / (rate ? rate : 1),
				.burst = burst ? burst : 1 };

	if (!l.interval_ms)
		l.interval_ms = 1;
	return l;
}
