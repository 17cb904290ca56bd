/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - htab.h: bucketised hash index of 32-bit values
 *
 * Theory of operation
 * -------------------
 * A table of 64-byte buckets (one cache line), each holding seven slots of a
 * 32-bit signature and a 32-bit value (an index into a pool the caller owns).
 * A key's hash picks the home bucket (multiply-shift, so any bucket count
 * works and memory is not rounded up to a power of two) and a signature; the
 * caller compares the full key of each value whose signature matches.
 * A full bucket overflows into the next one and counts that in its @ovf, so
 * a lookup stops at the first bucket with no overflow: there are no
 * tombstones and a delete leaves nothing behind. The table is sized at setup
 * for its maximum count at a load of at most 85 %, and inserting beyond that
 * maximum is refused, so probes stay short.
 *
 * The hash is keyed by a secret seed: remote hosts choose ports and
 * addresses, and must not be able to aim at one bucket.
 */
#ifndef HOSTNAT_HTAB_H
#define HOSTNAT_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTAB_SLOTS 7
#define HTAB_NONE 0xffffffffu

/**
 * struct htab_bucket - one cache line of slots
 * @sig:	signatures, 0 for an empty slot
 * @ovf:	entries whose home is here or earlier that live further on
 * @val:	values
 */
struct htab_bucket {
	uint32_t sig[HTAB_SLOTS];
	uint32_t ovf;
	uint32_t val[HTAB_SLOTS];
	uint32_t pad;
};

/**
 * struct htab - the index
 * @b:		buckets
 * @nb:		number of buckets
 * @count:	entries now
 * @max:	entries at most
 */
struct htab {
	struct htab_bucket *b;
	uint32_t nb;
	uint32_t count;
	uint32_t max;
};

/**
 * struct htab_it - iterator over the values whose signature matches
 */
struct htab_it {
	uint32_t b;
	uint32_t slot;
	uint32_t sig;
	uint32_t left;
};

size_t htab_size(uint32_t max);
void htab_init(struct htab *h, void *mem, uint32_t max);
int htab_insert(struct htab *h, uint64_t hash, uint32_t val);
int htab_remove(struct htab *h, uint64_t hash, uint32_t val);
void htab_clear(struct htab *h);

static inline uint32_t htab_home(const struct htab *h, uint64_t hash)
{
	return (uint32_t)(((hash & 0xffffffffu) * h->nb) >> 32);
}

static inline uint32_t htab_sig(uint64_t hash)
{
	return (uint32_t)(hash >> 32) | 1;
}

static inline void htab_prefetch(const struct htab *h, uint64_t hash)
{
	__builtin_prefetch(&h->b[htab_home(h, hash)]);
}

static inline void htab_it_init(const struct htab *h, uint64_t hash,
				struct htab_it *it)
{
	it->b = htab_home(h, hash);
	it->slot = 0;
	it->sig = htab_sig(hash);
	it->left = h->nb;
}

/**
 * htab_it_next() - next value whose signature matches the iterator's
 * @h:		table
 * @it:		iterator from htab_it_init()
 *
 * Return: a candidate value, HTAB_NONE when there are no more
 */
static inline uint32_t htab_it_next(const struct htab *h, struct htab_it *it)
{
	for (;;) {
		const struct htab_bucket *bk = &h->b[it->b];

		while (it->slot < HTAB_SLOTS) {
			uint32_t s = it->slot++;

			if (bk->sig[s] == it->sig)
				return bk->val[s];
		}
		if (!bk->ovf || !--it->left)
			return HTAB_NONE;
		it->slot = 0;
		if (++it->b == h->nb)
			it->b = 0;
	}
}

/**
 * hash_mix() - keyed 128-bit-multiply mix of two 64-bit words
 * @a:		first word of the key
 * @b:		second word of the key
 * @seed:	two secret words
 *
 * Return: 64-bit hash
 */
static inline uint64_t hash_mix(uint64_t a, uint64_t b, const uint64_t *seed)
{
	__uint128_t m = (__uint128_t)(a ^ seed[0]) * (b ^ seed[1]);
	uint64_t x = (uint64_t)m ^ (uint64_t)(m >> 64);

	m = (__uint128_t)(x ^ seed[2]) * (a ^ 0x9e3779b97f4a7c15ull);
	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

#endif /* HOSTNAT_HTAB_H */
