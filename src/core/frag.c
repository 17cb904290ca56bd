/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - frag.c: translating fragmented datagrams
 *
 * Theory of operation
 * -------------------
 * Only the first fragment of a datagram carries the ports, so only it can
 * find a session; the others are translated the way it was (RFC 4787
 * REQ-14), without reassembly. When the first fragment has been translated,
 * frag_first() records, under the datagram's identity as received (source,
 * destination, protocol, identification), the addresses and identification
 * it left with. Every later fragment with that identity gets the same.
 *
 * A fragment that comes before its first fragment (out of order) is copied
 * into a held buffer (NAT_HELD) and sent through nat_poll() once the first
 * one has been translated; if the first does not come within FRAG_TIMEOUT
 * seconds, the held fragments are dropped and counted.
 *
 * Resistance to floods (RFC 4787 REQ-14a): the number of datagrams tracked
 * (max_frags), of fragments held overall (max_frag_held) and per datagram
 * (FRAG_HELD_PER_DGRAM) and the size of a held fragment (FRAG_BUF) are all
 * bounded. One source address (as received: a remote outside, an endpoint
 * inside) may hold at most max_frags_per_src entries and
 * max_frag_held_per_src held fragments, counted in a table of hashed
 * counters (sources that share a counter share its limit); past that its
 * fragments are dropped (NAT_DROP_FRAG_SRC_LIMIT), so a flood of bogus
 * fragments from one sender leaves the table to the others. When the table
 * or the buffers are full all the same (many senders), the oldest entry
 * (for buffers: the oldest of the first FRAG_EVICT_WALK_MAX that holds
 * any) is evicted, its held fragments dropped (NAT_DROP_FRAG_EVICTED): a
 * new datagram always gets in, and a stale one goes first. A datagram's
 * entry goes as soon as all its bytes have been seen, or after FRAG_TIMEOUT
 * seconds without a fragment.
 */
#include <errno.h>
#include <string.h>

#include "core.h"
#include "csum.h"

/**
 * frag_setup() - allocate the fragment table and held buffers
 * @nat:	engine
 *
 * Return: 0, -ENOMEM
 */
int frag_setup(struct nat *nat)
{
	uint32_t nf = nat->lim.max_frags, nb = nat->lim.max_frag_held, i;
	void *m;

	nat->frags = nat_alloc(nat, (size_t)nf * sizeof(*nat->frags));
	m = nat_alloc(nat, htab_size(nf));
	nat->frag_buf = nat_alloc(nat, (size_t)nb * FRAG_BUF);
	nat->frag_buf_next = nat_alloc(nat, (size_t)nb * sizeof(uint32_t));
	nat->frag_buf_len = nat_alloc(nat, (size_t)nb * sizeof(uint16_t));
	if (!nat->frags || !m || !nat->frag_buf || !nat->frag_buf_next ||
	    !nat->frag_buf_len)
		return -ENOMEM;
	htab_init(&nat->frag_h, m, nf);
	for (i = 0; i < nf; i++)
		nat->frags[i].next_free = i + 1 < nf ? i + 1 : NONE32;
	nat->frag_free = nf ? 0 : NONE32;
	for (i = 0; i < nb; i++)
		nat->frag_buf_next[i] = i + 1 < nb ? i + 1 : NONE32;
	nat->frag_buf_free = nb ? 0 : NONE32;
	nat->frag_old = nat->frag_new = NONE32;
	for (i = 64; i < nf && i < 1u << 20; i <<= 1)
		;
	nat->frag_src_ent = nat_alloc(nat, (size_t)i * sizeof(uint32_t));
	nat->frag_src_buf = nat_alloc(nat, (size_t)i * sizeof(uint32_t));
	if (!nat->frag_src_ent || !nat->frag_src_buf)
		return -ENOMEM;
	nat->frag_src_mask = i - 1;
	return 0;
}

static uint32_t frag_src(const struct nat *nat, uint32_t src)
{
	return (uint32_t)(key_hash(nat, KEY_FRAG, 0xff, src, 0, 0, 0) >> 32) &
	       nat->frag_src_mask;
}

static void frag_age_unlink(struct nat *nat, uint32_t fi)
{
	struct frag_ent *f = &nat->frags[fi];

	if (f->age_prev != NONE32)
		nat->frags[f->age_prev].age_next = f->age_next;
	else
		nat->frag_old = f->age_next;
	if (f->age_next != NONE32)
		nat->frags[f->age_next].age_prev = f->age_prev;
	else
		nat->frag_new = f->age_prev;
}

static void frag_del(struct nat *nat, uint32_t fi, unsigned reason);

static uint64_t frag_hash(const struct nat *nat, uint32_t src, uint32_t dst,
			  uint16_t id, uint8_t proto)
{
	return key_hash(nat, KEY_FRAG, proto, src, id, dst, 0);
}

static uint32_t frag_find(const struct nat *nat, uint32_t src, uint32_t dst,
			  uint16_t id, uint8_t proto)
{
	struct htab_it it;
	uint32_t v;

	htab_it_init(&nat->frag_h, frag_hash(nat, src, dst, id, proto), &it);
	while ((v = htab_it_next(&nat->frag_h, &it)) != HTAB_NONE) {
		const struct frag_ent *f = &nat->frags[v];

		if (f->src == src && f->dst == dst && f->id == id &&
		    f->proto == proto)
			return v;
	}
	return NONE32;
}

/* a new entry; NONE32 with *reason set when there can be none */
static uint32_t frag_new(struct nat *nat, const struct pkt_info *pi,
			 unsigned *reason)
{
	uint32_t lim = nat->lim.max_frags_per_src, c = frag_src(nat, pi->src);
	uint32_t fi;
	struct frag_ent *f;

	if (lim && nat->frag_src_ent[c] >= lim) {
		*reason = NAT_DROP_FRAG_SRC_LIMIT;
		return NONE32;
	}
	if (nat->frag_free == NONE32 && nat->frag_old != NONE32) {
		nat->st.frag_evicted++;
		frag_del(nat, nat->frag_old, NAT_DROP_FRAG_EVICTED);
	}
	fi = nat->frag_free;
	if (fi == NONE32) {
		*reason = NAT_DROP_FRAG_FULL; /* max_frags 0 */
		return NONE32;
	}
	f = &nat->frags[fi];
	nat->frag_free = f->next_free;
	memset(f, 0, sizeof(*f));
	f->age_next = NONE32;
	f->age_prev = nat->frag_new;
	if (nat->frag_new != NONE32)
		nat->frags[nat->frag_new].age_next = fi;
	else
		nat->frag_old = fi;
	nat->frag_new = fi;
	nat->frag_src_ent[c]++;
	f->src = pi->src;
	f->dst = pi->dst;
	f->id = pi->ipid;
	f->proto = pi->proto;
	f->held = NONE32;
	f->last = nat->now;
	f->used = true;
	htab_insert(&nat->frag_h, frag_hash(nat, f->src, f->dst, f->id,
					    f->proto), fi);
	nat->st.frag_entries++;
	return fi;
}

/**
 * frag_buf_put() - give a held-fragment buffer back
 * @nat:	engine
 * @b:		buffer index
 */
void frag_buf_put(struct nat *nat, uint32_t b)
{
	nat->frag_buf_next[b] = nat->frag_buf_free;
	nat->frag_buf_free = b;
	nat->st.frag_held--;
}

/* forget a datagram; its held fragments are counted under @reason (0: it
 * is complete, nothing is lost) */
static void frag_del(struct nat *nat, uint32_t fi, unsigned reason)
{
	struct frag_ent *f = &nat->frags[fi];
	uint32_t c = frag_src(nat, f->src);

	while (f->held != NONE32) {
		uint32_t b = f->held;

		f->held = nat->frag_buf_next[b];
		frag_buf_put(nat, b);
		nat->frag_src_buf[c]--;
		if (reason)
			nat->st.drops[reason]++;
	}
	nat->frag_src_ent[c]--;
	frag_age_unlink(nat, fi);
	htab_remove(&nat->frag_h, frag_hash(nat, f->src, f->dst, f->id,
					    f->proto), fi);
	f->used = false;
	f->next_free = nat->frag_free;
	nat->frag_free = fi;
	nat->st.frag_entries--;
}

/* account for a fragment's bytes; true when the datagram is complete */
static bool frag_account(struct frag_ent *f, const struct pkt_info *pi)
{
	f->seen += pi->l4len;
	if (!pi->mf)
		f->total = (uint32_t)pi->frag_off * 8 + pi->l4len;
	return f->total && f->seen >= f->total;
}

static void frag_apply(const struct frag_ent *f, uint8_t *ip)
{
	uint16_t c = get_be16(ip + 10);

	c = csum_update32(c, get_be32(ip + 12), f->new_src);
	c = csum_update32(c, get_be32(ip + 16), f->new_dst);
	c = csum_update16(c, get_be16(ip + 4), f->new_id);
	put_be32(ip + 12, f->new_src);
	put_be32(ip + 16, f->new_dst);
	put_be16(ip + 4, f->new_id);
	put_be16(ip + 10, c);
}

/**
 * frag_first() - record how the first fragment of a datagram was
 * translated, and release the fragments held for it
 * @nat:	engine
 * @orig:	the first fragment as it was received
 * @ip:		the first fragment after translation
 * @verdict:	NAT_FORWARD or NAT_LOCAL
 */
void frag_first(struct nat *nat, const struct pkt_info *orig,
		const uint8_t *ip, uint8_t verdict)
{
	uint32_t fi = frag_find(nat, orig->src, orig->dst, orig->ipid,
				orig->proto);
	struct frag_ent *f;

	unsigned reason = 0;

	if (fi == NONE32)
		fi = frag_new(nat, orig, &reason);
	if (fi == NONE32) {
		nat->st.drops[reason]++; /* later ones will drop */
		return;
	}
	f = &nat->frags[fi];
	if (f->known)
		return; /* a duplicate first fragment */
	f->known = 1;
	f->verdict = verdict;
	f->new_src = get_be32(ip + 12);
	f->new_dst = get_be32(ip + 16);
	f->new_id = get_be16(ip + 4);
	f->last = nat->now;
	nat->st.frags++;

	while (f->held != NONE32) {
		uint32_t b = f->held;
		struct nat_pkt *q = nat_outq_push(nat);
		uint8_t *buf = nat->frag_buf + (size_t)b * FRAG_BUF;

		f->held = nat->frag_buf_next[b];
		nat->frag_src_buf[frag_src(nat, f->src)]--;
		if (!q) {
			frag_buf_put(nat, b);
			nat->st.drops[NAT_DROP_FRAG_FULL]++;
			continue;
		}
		if (verdict == NAT_FORWARD)
			frag_apply(f, buf);
		q->data = buf;
		q->len = nat->frag_buf_len[b];
		q->cap = FRAG_BUF;
		q->verdict = verdict;
		q->dir = 0;
		q->net = 0;
		nat->outq[(nat->outq_head + nat->outq_n - 1) % OUTQ_MAX]
			.frag_buf = b;
		nat->st.frags++;
	}
	f->seen += orig->l4len;
	if (f->total && f->seen >= f->total)
		frag_del(nat, fi, 0);
}

/* a held buffer for a fragment of @keep: evict the oldest other datagram
 * that holds some when there is none free */
static uint32_t frag_buf_get(struct nat *nat, uint32_t keep)
{
	uint32_t fi = nat->frag_old;
	unsigned n = 0;

	while (nat->frag_buf_free == NONE32 && fi != NONE32 &&
	       n++ < FRAG_EVICT_WALK_MAX) {
		uint32_t next = nat->frags[fi].age_next;

		if (fi != keep && nat->frags[fi].held != NONE32) {
			nat->st.frag_evicted++;
			frag_del(nat, fi, NAT_DROP_FRAG_EVICTED);
		}
		fi = next;
	}
	return nat->frag_buf_free;
}

/**
 * frag_other() - translate, or hold, a fragment other than the first
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet
 */
void frag_other(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi)
{
	uint32_t fi = frag_find(nat, pi->src, pi->dst, pi->ipid, pi->proto);
	struct frag_ent *f;
	uint32_t b, c;

	if (fi != NONE32 && nat->frags[fi].known) {
		f = &nat->frags[fi];
		f->last = nat->now;
		p->verdict = f->verdict;
		if (f->verdict == NAT_FORWARD)
			frag_apply(f, p->data);
		nat->st.frags++;
		if (frag_account(f, pi))
			frag_del(nat, fi, 0);
		return;
	}
	if (fi == NONE32) {
		unsigned reason = 0;

		fi = frag_new(nat, pi, &reason);
		if (fi == NONE32) {
			nat_drop(nat, p, reason);
			return;
		}
	}
	f = &nat->frags[fi];
	c = frag_src(nat, f->src);
	if (nat->lim.max_frag_held_per_src &&
	    nat->frag_src_buf[c] >= nat->lim.max_frag_held_per_src) {
		nat_drop(nat, p, NAT_DROP_FRAG_SRC_LIMIT);
		return;
	}
	if (f->nheld >= FRAG_HELD_PER_DGRAM || pi->len > FRAG_BUF) {
		nat_drop(nat, p, NAT_DROP_FRAG_FULL);
		return;
	}
	b = frag_buf_get(nat, fi);
	if (b == NONE32) {
		nat_drop(nat, p, NAT_DROP_FRAG_FULL);
		return;
	}
	nat->frag_src_buf[c]++;
	nat->frag_buf_free = nat->frag_buf_next[b];
	memcpy(nat->frag_buf + (size_t)b * FRAG_BUF, p->data, pi->len);
	nat->frag_buf_len[b] = pi->len;
	nat->frag_buf_next[b] = f->held;
	f->held = b;
	f->nheld++;
	nat->st.frag_held++;
	frag_account(f, pi);
	p->verdict = NAT_HELD;
}

/**
 * frag_expire() - drop datagrams whose fragments stopped coming
 * @nat:	engine
 */
void frag_expire(struct nat *nat)
{
	uint32_t i;

	if (!nat->st.frag_entries)
		return;
	for (i = 0; i < nat->lim.max_frags; i++) {
		struct frag_ent *f = &nat->frags[i];

		if (f->used && nat->now - f->last >= FRAG_TIMEOUT)
			frag_del(nat, i, NAT_DROP_FRAG_TIMEOUT);
	}
}
