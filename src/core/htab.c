/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - htab.c: insert and remove for the bucketised hash index
 *
 * Theory of operation: see htab.h. Insert walks from the home bucket to the
 * first free slot and raises @ovf on every full bucket it passes; remove
 * finds the value the same way and lowers @ovf on the same buckets, so the
 * counters always say how many entries live past each bucket.
 */
#include <errno.h>
#include <string.h>

#include "htab.h"

#define HTAB_LOAD_PCT 85 /* %, the most slots in use */

/**
 * htab_size() - bytes of buckets for a table of @max entries
 * @max:	entries at most
 *
 * Return: size in bytes
 */
size_t htab_size(uint32_t max)
{
	uint64_t slots = (uint64_t)max * 100 / HTAB_LOAD_PCT + HTAB_SLOTS;
	uint64_t nb = (slots + HTAB_SLOTS - 1) / HTAB_SLOTS;

	return (size_t)nb * sizeof(struct htab_bucket);
}

/**
 * htab_init() - set up a table in memory of htab_size(@max) bytes
 * @h:		table
 * @mem:	zeroed, 64-byte aligned memory
 * @max:	entries at most
 */
void htab_init(struct htab *h, void *mem, uint32_t max)
{
	h->b = mem;
	h->nb = (uint32_t)(htab_size(max) / sizeof(struct htab_bucket));
	h->count = 0;
	h->max = max;
}

/**
 * htab_clear() - remove every entry
 * @h:		table
 */
void htab_clear(struct htab *h)
{
	memset(h->b, 0, (size_t)h->nb * sizeof(*h->b));
	h->count = 0;
}

/**
 * htab_insert() - add a value under a hash (duplicates are the caller's
 * business)
 * @h:		table
 * @hash:	hash of the value's key
 * @val:	value, not HTAB_NONE
 *
 * Return: 0, -ENOSPC when the table holds its maximum already
 */
int htab_insert(struct htab *h, uint64_t hash, uint32_t val)
{
	uint32_t b = htab_home(h, hash), sig = htab_sig(hash), n;

	if (h->count >= h->max)
		return -ENOSPC;
	for (n = 0; n < h->nb; n++) {
		struct htab_bucket *bk = &h->b[b];
		unsigned s;

		for (s = 0; s < HTAB_SLOTS; s++) {
			if (!bk->sig[s]) {
				bk->sig[s] = sig;
				bk->val[s] = val;
				h->count++;
				return 0;
			}
		}
		bk->ovf++;
		if (++b == h->nb)
			b = 0;
	}
	return -ENOSPC; /* not reached: load is bounded */
}

/**
 * htab_remove() - remove a value stored under a hash
 * @h:		table
 * @hash:	hash it was inserted with
 * @val:	the value
 *
 * Return: 0, -ENOENT if it is not there
 */
int htab_remove(struct htab *h, uint64_t hash, uint32_t val)
{
	uint32_t home = htab_home(h, hash), sig = htab_sig(hash);
	uint32_t b = home, n;

	for (n = 0; n < h->nb; n++) {
		struct htab_bucket *bk = &h->b[b];
		unsigned s;

		for (s = 0; s < HTAB_SLOTS; s++) {
			if (bk->sig[s] == sig && bk->val[s] == val) {
				bk->sig[s] = 0;
				h->count--;
				while (home != b) {
					h->b[home].ovf--;
					if (++home == h->nb)
						home = 0;
				}
				return 0;
			}
		}
		if (!bk->ovf)
			return -ENOENT;
		if (++b == h->nb)
			b = 0;
	}
	return -ENOENT;
}
