// SPDX-License-Identifier: GPL-2.0-or-later
/* hostnat - fastidx.c: the fast path's session index, written by the daemon
 *
 * Theory of operation
 * -------------------
 * The programs find a fast-path session by its packet's key in two arrays
 * that the daemon has mapped (the layout and the readers' rules are in
 * bpf/fastidx.h): a 24-byte record per session, indexed by the engine's
 * session, and an open-addressed index of 8-byte entries, one per session
 * and direction. Together they take 24 + 4 x 8 = 56 bytes per session at
 * the most sessions (the index is at most half full), where a BPF hash map
 * takes two elements of 88 bytes and their buckets.
 *
 * This file is the only writer, on the daemon's one thread. The order of
 * its stores is what keeps a reader on another CPU right:
 * - put: the record is written between an odd and an even generation, then
 *   the inbound entry goes in, then the outbound one (an answer never finds
 *   half a session); a session already there is deleted first;
 * - del: both entries go, then the record is cleared under the generation;
 * - an entry is one aligned 8-byte store; deletion shifts the entries after
 *   it back (no tombstones, so probes stay short), which can only make a
 *   reader miss, and a miss is the slow path.
 * A session whose entry finds no empty place within FASTIDX_PROBES of its
 * home (at most half full, about never) is not added: -ENOSPC, and the
 * session stays on the slow path.
 *
 * The module is pure (no system call): steer.c maps the arrays, and the
 * unit tests run it on memory of their own.
 */
#include <errno.h>
#include <string.h>

#include "fastidx.h"

#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define FENCE() __atomic_thread_fence(__ATOMIC_RELEASE)

static const struct fast_rec none;	/* a record no session has */

/**
 * fastidx_entries() - index entries for @sessions: a power of two, at least
 * 4 per session (both directions at a load of at most 1/2)
 * @sessions:	record slots but slot 0
 *
 * Return: entries, at most 2^31 (0: too many sessions)
 */
uint32_t fastidx_entries(uint32_t sessions)
{
	uint64_t want = 4 * (uint64_t)sessions, n = 64;

	while (n < want)
		n <<= 1;
	return n > 1u << 31 ? 0 : (uint32_t)n;
}

/**
 * fastidx_init() - take two arrays (zeroed, or any content that is thrown
 * away): both are cleared
 * @x:		the index
 * @rec:	@nrec records
 * @nrec:	record slots (slot 0 is never a session's)
 * @t:		@nent entries
 * @nent:	a power of two, fastidx_entries()
 * @seed:	the hash's seed, the same as the programs'
 */
void fastidx_init(struct fastidx *x, struct fast_rec *rec, uint32_t nrec,
		  uint64_t *t, uint32_t nent, uint64_t seed)
{
	x->rec = rec;
	x->nrec = nrec;
	x->t = t;
	x->mask = nent - 1;
	x->seed = seed;
	x->live = 0;
	memset(t, 0, (size_t)nent * sizeof(*t));
	memset(rec, 0, (size_t)nrec * sizeof(*rec));
}

/**
 * fastidx_rec_key() - a session's key in one direction, as its packets
 * arrive: outbound from the endpoint to the remote, inbound from the remote
 * to the external address
 * @r:		the record
 * @dir:	FASTIDX_OUT, FASTIDX_IN
 * @k:		the key
 */
void fastidx_rec_key(const struct fast_rec *r, uint32_t dir,
		     struct fastidx_key *k)
{
	k->proto = r->proto;
	if (dir == FASTIDX_OUT) {
		k->saddr = r->int_addr;
		k->daddr = r->rem_addr;
		k->sport = r->int_port;
		k->dport = r->rem_port;
	} else {
		k->saddr = r->rem_addr;
		k->daddr = r->ext_addr;
		k->sport = r->rem_port;
		k->dport = r->ext_port;
	}
}

static uint64_t key_hash(const struct fastidx *x, const struct fastidx_key *k)
{
	return fastidx_hash(x->seed, k->saddr, k->daddr, k->sport, k->dport,
			    k->proto);
}

static int entry_add(struct fastidx *x, uint64_t e)
{
	uint32_t i = fastidx_home(e, x->mask), p;

	for (p = 0; p < FASTIDX_PROBES; p++, i = (i + 1) & x->mask) {
		if (!x->t[i]) {
			STORE(&x->t[i], e);
			return 0;
		}
	}
	return -ENOSPC;
}

/* Knuth's algorithm R: the entries after @i that may live at @i move back */
static void entry_remove_at(struct fastidx *x, uint32_t i)
{
	uint32_t j = i, home;
	uint64_t e;

	for (;;) {
		j = (j + 1) & x->mask;
		e = x->t[j];
		if (!e)
			break;
		home = fastidx_home(e, x->mask);
		/* it stays when its home is cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		STORE(&x->t[i], e);
		i = j;
	}
	STORE(&x->t[i], 0);
}

static void entry_del(struct fastidx *x, uint64_t e)
{
	uint32_t i = fastidx_home(e, x->mask), p;

	for (p = 0; p < FASTIDX_PROBES; p++, i = (i + 1) & x->mask) {
		if (!x->t[i])
			return;
		if (x->t[i] == e) {
			entry_remove_at(x, i);
			return;
		}
	}
}

static uint64_t rec_entry(const struct fastidx *x, const struct fast_rec *r,
			  uint32_t slot, uint32_t dir)
{
	struct fastidx_key k;

	fastidx_rec_key(r, dir, &k);
	return fastidx_entry(key_hash(x, &k), slot, dir);
}

/* the record's content under an odd generation, then the next even one */
static void rec_write(struct fast_rec *dst, const struct fast_rec *src)
{
	uint32_t g = dst->gen;

	STORE(&dst->gen, g + 1);
	FENCE();
	STORE(&dst->int_addr, src->int_addr);
	STORE(&dst->ext_addr, src->ext_addr);
	STORE(&dst->rem_addr, src->rem_addr);
	STORE(&dst->int_port, src->int_port);
	STORE(&dst->ext_port, src->ext_port);
	STORE(&dst->rem_port, src->rem_port);
	STORE(&dst->proto, src->proto);
	STORE(&dst->flags, src->flags);
	FENCE();
	STORE(&dst->gen, g + 2);
}

/**
 * fastidx_del() - take a session from the fast path (nothing if it is not
 * there)
 * @x:		the index
 * @slot:	its record slot (1 + the engine's index)
 */
void fastidx_del(struct fastidx *x, uint32_t slot)
{
	struct fast_rec *r;

	if (!slot || slot >= x->nrec)
		return;
	r = &x->rec[slot];
	if (!(r->flags & FASTREC_LIVE))
		return;
	entry_del(x, rec_entry(x, r, slot, FASTIDX_OUT));
	entry_del(x, rec_entry(x, r, slot, FASTIDX_IN));
	FENCE();
	rec_write(r, &none);
	x->live--;
}

/**
 * fastidx_put() - give a session to the fast path, or replace it
 * @x:		the index
 * @slot:	its record slot (1 + the engine's index)
 * @r:		its addresses, ports and protocol; FASTREC_HAIRPIN the only
 *		flag that counts (gen is ignored)
 *
 * Return: 0, -ENOSPC (no slot, or an entry with no place: it is not there)
 */
int fastidx_put(struct fastidx *x, uint32_t slot, const struct fast_rec *r)
{
	struct fast_rec v = *r, *cur;
	uint64_t in, out;

	if (!slot || slot >= x->nrec)
		return -ENOSPC;
	v.flags = (uint8_t)((r->flags & FASTREC_HAIRPIN) | FASTREC_LIVE);
	cur = &x->rec[slot];
	v.gen = cur->gen;
	if (!memcmp(cur, &v, sizeof(v)))
		return 0;	/* the same: never a moment without it */
	fastidx_del(x, slot);
	rec_write(&x->rec[slot], &v);
	x->live++;
	in = rec_entry(x, &v, slot, FASTIDX_IN);
	out = rec_entry(x, &v, slot, FASTIDX_OUT);
	FENCE();
	if (entry_add(x, in))
		goto fail;
	if (entry_add(x, out)) {
		entry_del(x, in);
		goto fail;
	}
	return 0;
fail:
	rec_write(&x->rec[slot], &none);
	x->live--;
	return -ENOSPC;
}

/**
 * fastidx_clear() - take every session from the fast path
 * @x:		the index
 */
void fastidx_clear(struct fastidx *x)
{
	uint32_t i;

	for (i = 0; i <= x->mask; i++)
		if (x->t[i])
			STORE(&x->t[i], 0);
	FENCE();
	for (i = 1; i < x->nrec && x->live; i++) {
		if (x->rec[i].flags & FASTREC_LIVE) {
			rec_write(&x->rec[i], &none);
			x->live--;
		}
	}
	x->live = 0;
}

/**
 * fastidx_find() - what a program finds for a packet (the programs' lookup
 * in C, for the tests and for checks)
 * @x:		the index
 * @k:		the packet's key
 * @dir:	FASTIDX_OUT at a bridge port, FASTIDX_IN at an uplink
 *
 * Return: the record slot, 0 for none (the slow path)
 */
uint32_t fastidx_find(const struct fastidx *x, const struct fastidx_key *k,
		      uint32_t dir)
{
	uint64_t h = key_hash(x, k), e;
	uint32_t i = fastidx_home(h, x->mask), p, slot;

	for (p = 0; p < FASTIDX_PROBES; p++, i = (i + 1) & x->mask) {
		e = x->t[i];
		if (!e)
			return 0;
		if (e >> 32 != h >> 32 || (e & 1) != dir)
			continue;
		slot = (uint32_t)e >> 1;
		if (slot && slot < x->nrec &&
		    fastrec_match(&x->rec[slot], dir, k->saddr, k->daddr,
				  k->sport, k->dport, k->proto))
			return slot;
	}
	return 0;
}
