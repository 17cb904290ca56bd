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
 * bounded; past a bound a fragment is dropped, nothing is evicted. A
 * datagram's entry goes as soon as all its bytes have been seen, or after
 * FRAG_TIMEOUT seconds without a fragment.
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
	return 0;
}

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

static uint32_t frag_new(struct nat *nat, const struct pkt_info *pi)
{
	uint32_t fi = nat->frag_free;
	struct frag_ent *f;

	if (fi == NONE32)
		return NONE32;
	f = &nat->frags[fi];
	nat->frag_free = f->next_free;
	memset(f, 0, sizeof(*f));
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

static void frag_del(struct nat *nat, uint32_t fi, bool timeout)
{
	struct frag_ent *f = &nat->frags[fi];

	while (f->held != NONE32) {
		uint32_t b = f->held;

		f->held = nat->frag_buf_next[b];
		frag_buf_put(nat, b);
		if (timeout)
			nat->st.drops[NAT_DROP_FRAG_TIMEOUT]++;
	}
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

	if (fi == NONE32)
		fi = frag_new(nat, orig);
	if (fi == NONE32) {
		nat->st.drops[NAT_DROP_FRAG_FULL]++; /* later ones will drop */
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
		frag_del(nat, fi, false);
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
	uint32_t b;

	if (fi != NONE32 && nat->frags[fi].known) {
		f = &nat->frags[fi];
		f->last = nat->now;
		p->verdict = f->verdict;
		if (f->verdict == NAT_FORWARD)
			frag_apply(f, p->data);
		nat->st.frags++;
		if (frag_account(f, pi))
			frag_del(nat, fi, false);
		return;
	}
	if (fi == NONE32) {
		fi = frag_new(nat, pi);
		if (fi == NONE32) {
			nat_drop(nat, p, NAT_DROP_FRAG_FULL);
			return;
		}
	}
	f = &nat->frags[fi];
	b = nat->frag_buf_free;
	if (f->nheld >= FRAG_HELD_PER_DGRAM || pi->len > FRAG_BUF ||
	    b == NONE32) {
		nat_drop(nat, p, NAT_DROP_FRAG_FULL);
		return;
	}
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
			frag_del(nat, i, true);
	}
}
