/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - synhold.c: unsolicited inbound SYNs, RFC 5382 REQ-4
 *
 * Theory of operation
 * -------------------
 * An inbound SYN that no mapping accepts (no mapping on an owned port, or
 * one that filtering refuses) is "unsolicited". RFC 5382 REQ-4: the NAT
 * must not answer it for at least 6 seconds; if the endpoint sends a SYN for
 * the same connection meanwhile (a simultaneous open, as TCP hole punching
 * does), the held SYN is dropped silently and the connection proceeds;
 * otherwise the NAT should answer with ICMP port unreachable (3, 3).
 *
 * A held SYN keeps only what its answer quotes (IPv4 header and 8 bytes).
 * The table is bounded (max_syn_held); a SYN that finds it full is dropped
 * without answer, which REQ-4a allows, and counted. A retransmitted SYN
 * keeps the first one's deadline. nat_poll() sends the answers that are due,
 * within the ICMP rate limit, through its queue.
 */
#include <errno.h>
#include <string.h>

#include "core.h"

/**
 * syn_setup() - allocate the table of held SYNs
 * @nat:	engine
 *
 * Return: 0, -ENOMEM
 */
int syn_setup(struct nat *nat)
{
	uint32_t n = nat->lim.max_syn_held, i;
	void *m;

	nat->syns = nat_alloc(nat, (size_t)n * sizeof(*nat->syns));
	m = nat_alloc(nat, htab_size(n));
	if (!nat->syns || !m)
		return -ENOMEM;
	htab_init(&nat->syn_h, m, n);
	for (i = 0; i < n; i++)
		nat->syns[i].next_free = i + 1 < n ? i + 1 : NONE32;
	nat->syn_free = n ? 0 : NONE32;
	return 0;
}

static uint64_t syn_hash(const struct nat *nat, uint32_t ext_addr,
			 uint16_t ext_port, uint32_t rem_addr,
			 uint16_t rem_port)
{
	return key_hash(nat, KEY_SYN, NAT_TCP, ext_addr, ext_port, rem_addr,
			rem_port);
}

static uint32_t syn_find(const struct nat *nat, uint32_t ext_addr,
			 uint16_t ext_port, uint32_t rem_addr,
			 uint16_t rem_port)
{
	struct htab_it it;
	uint32_t v;

	htab_it_init(&nat->syn_h,
		     syn_hash(nat, ext_addr, ext_port, rem_addr, rem_port),
		     &it);
	while ((v = htab_it_next(&nat->syn_h, &it)) != HTAB_NONE) {
		const struct syn_ent *e = &nat->syns[v];

		if (e->ext_addr == ext_addr && e->ext_port == ext_port &&
		    e->rem_addr == rem_addr && e->rem_port == rem_port)
			return v;
	}
	return NONE32;
}

static void syn_del(struct nat *nat, uint32_t i)
{
	struct syn_ent *e = &nat->syns[i];

	htab_remove(&nat->syn_h, syn_hash(nat, e->ext_addr, e->ext_port,
					  e->rem_addr, e->rem_port), i);
	e->used = false;
	e->next_free = nat->syn_free;
	nat->syn_free = i;
	nat->st.syn_held--;
}

/**
 * syn_hold() - hold an unsolicited inbound SYN
 * @nat:	engine
 * @p:		the SYN; its verdict becomes NAT_HELD (or NAT_DROP when full)
 * @pi:		parsed SYN
 * @net:	network whose settings answer it
 */
void syn_hold(struct nat *nat, struct nat_pkt *p, const struct pkt_info *pi,
	      unsigned net)
{
	uint32_t i = syn_find(nat, pi->dst, pi->dport, pi->src, pi->sport);
	struct syn_ent *e;

	if (i != NONE32) {
		p->verdict = NAT_HELD; /* retransmission: first deadline */
		return;
	}
	i = nat->syn_free;
	if (i == NONE32) {
		nat_drop(nat, p, NAT_DROP_SYN_HELD_FULL);
		return;
	}
	e = &nat->syns[i];
	nat->syn_free = e->next_free;
	e->ext_addr = pi->dst;
	e->ext_port = pi->dport;
	e->rem_addr = pi->src;
	e->rem_port = pi->sport;
	e->due_ms = nat->now_ms + nat->nets[net].cfg.to.tcp_syn * 1000ull;
	e->net = (uint8_t)net;
	e->qlen = (uint16_t)(pi->hlen + 8);
	memcpy(e->quote, p->data, e->qlen);
	e->used = true;
	htab_insert(&nat->syn_h, syn_hash(nat, e->ext_addr, e->ext_port,
					  e->rem_addr, e->rem_port), i);
	nat->st.syn_held++;
	p->verdict = NAT_HELD;
}

/**
 * syn_cancel() - an outbound SYN opens the connection a held SYN asked
 * for: drop the held one silently (RFC 5382 REQ-4)
 * @nat:	engine
 * @ext_addr:	external address of the connection
 * @ext_port:	external port
 * @rem_addr:	remote address
 * @rem_port:	remote port
 */
void syn_cancel(struct nat *nat, uint32_t ext_addr, uint16_t ext_port,
		uint32_t rem_addr, uint16_t rem_port)
{
	uint32_t i = syn_find(nat, ext_addr, ext_port, rem_addr, rem_port);

	if (i == NONE32)
		return;
	syn_del(nat, i);
	nat->st.drops[NAT_DROP_SYN_SIMOPEN]++;
}

/**
 * syn_expire() - answer the held SYNs whose hold is over
 * @nat:	engine
 */
void syn_expire(struct nat *nat)
{
	uint32_t i;

	if (!nat->st.syn_held)
		return;
	for (i = 0; i < nat->lim.max_syn_held; i++) {
		struct syn_ent *e = &nat->syns[i];
		struct nat_pkt *q;
		int len;

		if (!e->used || e->due_ms > nat->now_ms)
			continue;
		if (nat->nets[e->net].used && nat->nets[e->net].cfg.icmp_errors &&
		    nat_icmp_token(nat)) {
			q = nat_outq_push(nat);
			if (!q)
				return; /* queue full: next poll */
			len = icmp_build_error(nat, q->data, GEN_BUF, e->quote,
					       e->qlen, ICMP_UNREACH,
					       ICMP_UNREACH_PORT, e->ext_addr,
					       e->rem_addr);
			if (len < 0) {
				q->verdict = NAT_DROP;
				q->len = 0;
			} else {
				q->len = (uint32_t)len;
				q->verdict = NAT_REPLY;
			}
		}
		syn_del(nat, i);
	}
}
