/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - rate.h: token buckets for the services of the networks
 *
 * Theory of operation
 * -------------------
 * A bucket of @burst tokens refilled at one token every @interval_ms,
 * kept as one number: the time at which it would be full again (the
 * generic cell rate algorithm, ITU-T I.371). A request at time t passes
 * if full_at - (burst - 1) * interval_ms <= t, and then moves full_at one
 * interval later (from t if it was in the past). Nothing to refill, no
 * division on the packet path, exact with whole seconds as the clock.
 *
 * Checking and charging are separate calls, so that a caller that must
 * pass several buckets (a client's own and a shared one) charges none of
 * them when one refuses.
 */
#ifndef HOSTNAT_RATE_H
#define HOSTNAT_RATE_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct rate_limit - the shape of a bucket
 * @interval_ms: ms, one token comes back every so often (at least 1)
 * @burst:	tokens a full bucket holds (at least 1)
 */
struct rate_limit {
	uint32_t interval_ms;
	uint32_t burst;
};

/**
 * struct rate_bucket - the state of one bucket
 * @full_at:	ms, when it holds @burst tokens again; 0: full
 */
struct rate_bucket {
	int64_t full_at;
};

bool rate_allows(const struct rate_limit *l, const struct rate_bucket *b,
		 int64_t now_ms);
void rate_charge(const struct rate_limit *l, struct rate_bucket *b,
		 int64_t now_ms);
struct rate_limit rate_per_second(uint32_t rate, uint32_t burst);

#endif /* HOSTNAT_RATE_H */
