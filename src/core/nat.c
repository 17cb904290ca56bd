/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - nat.c: the engine's interface: set-up, packet batches, names
 *
 * Theory of operation
 * -------------------
 * nat_create() allocates every table from struct nat_limits, once; nothing
 * is allocated later. The configuration calls that fill those tables are
 * config.c's (networks, prefixes, external addresses) and static.c's
 * (static mappings); listing and counters are list.c's. nat_err() is where
 * all of them leave the message nat_error() hands out.
 *
 * nat_process() takes packets in batches of BATCH and works in three passes
 * so that the memory latency of the session index overlaps across packets:
 * parse and hash every packet and prefetch its index bucket; read the
 * bucket and prefetch the candidate session; then translate. Packets that
 * are not plain hits (new flows, ICMP errors, fragments other than the
 * first) take the full path in translate.c, icmp.c and frag.c.
 *
 * nat_poll() does what time drives: expiry (bounded work per call), the
 * answers to held SYNs, fragment timeouts; and hands out the packets the
 * engine produced (released fragments, generated ICMP errors). nat_clock()
 * turns the caller's milliseconds into the engine's seconds for both, and
 * for the listing.
 *
 * The names of drop reasons, TCP states, protocols and filters are tables
 * here, one row per value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "core.h"
#include "csum.h"

#define BATCH 32		/* packets per pipeline pass */
#define EXPIRE_BUDGET 65536	/* sessions looked at per nat_poll() */
#define LIMIT_FLOWS_MAX (1u << 28) /* session indexes fit 31 bits */
#define LIMIT_PORT_EVENTS_MAX (1u << 24) /* events, 128 MiB of log */

/**
 * nat_limits_default() - the limits hostnat ships
 * @lim:	filled in
 */
void nat_limits_default(struct nat_limits *lim)
{
	lim->max_flows = 262144;
	lim->max_flows_per_host = 16384;
	lim->max_hosts = 65536;
	lim->max_nets = 32;
	lim->max_prefixes = 64;
	lim->max_ext = 16;
	lim->max_static = 4096;
	lim->max_frags = 4096;
	lim->max_frag_held = 1024;
	lim->max_frags_per_src = 256;	 /* 1/16 of the table */
	lim->max_frag_held_per_src = 64; /* 1/16 of the buffers */
	lim->max_syn_held = 4096;
	lim->max_port_events = 65536;
}

/**
 * nat_net_cfg_default() - the network settings hostnat ships
 * @cfg:	filled in
 * @name:	network name (truncated to NAT_NAME_MAX - 1)
 */
void nat_net_cfg_default(struct nat_net_cfg *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "%s", name ? name : "");
	cfg->to.udp = NAT_UDP_TIMEOUT_DEFAULT;
	cfg->to.tcp_est = NAT_TCP_EST_TIMEOUT_DEFAULT;
	cfg->to.tcp_trans = NAT_TCP_TRANS_TIMEOUT_DEFAULT;
	cfg->to.tcp_syn = NAT_TCP_SYN_TIMEOUT_DEFAULT;
	cfg->to.icmp = NAT_ICMP_TIMEOUT_DEFAULT;
	cfg->to.udp_unanswered = NAT_UDP_UNANSWERED_TIMEOUT_DEFAULT;
	cfg->to.inbound_unanswered = NAT_INBOUND_UNANSWERED_TIMEOUT_DEFAULT;
	cfg->port_share = NAT_PORT_SHARE_DEFAULT;
	cfg->map_inbound_max = NAT_MAP_INBOUND_MAX_DEFAULT;
	cfg->remote_inbound_max = NAT_REMOTE_INBOUND_MAX_DEFAULT;
	cfg->filter[NAT_TCP] = NAT_FILTER_EIF;
	cfg->filter[NAT_UDP] = NAT_FILTER_EIF;
	cfg->filter[NAT_ICMP] = NAT_FILTER_EIF;
	cfg->udp_inbound_refresh = false;
	cfg->icmp_errors = true;
}

/**
 * nat_err() - leave a message for nat_error()
 * @nat:	engine
 * @fmt:	printf format
 */
void nat_err(struct nat *nat, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nat->err, sizeof(nat->err), fmt, ap);
	va_end(ap);
}

/**
 * nat_error() - what the last refused configuration call objected to
 * @nat:	engine
 *
 * Return: a message, empty if the last call succeeded
 */
const char *nat_error(const struct nat *nat)
{
	return nat->err;
}

static void *mem_alloc_default(void *ctx, size_t size)
{
	void *p = NULL;

	(void)ctx;
	if (posix_memalign(&p, 64, size ? size : 64))
		return NULL;
	memset(p, 0, size);
	return p;
}

static void mem_free_default(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

/**
 * nat_alloc() - zeroed memory for a table, at set-up only
 * @nat:	engine
 * @size:	bytes
 *
 * Return: memory, NULL on failure (nat_create() then fails)
 */
void *nat_alloc(struct nat *nat, size_t size)
{
	void *p;

	if (nat->nallocs == sizeof(nat->allocs) / sizeof(nat->allocs[0]))
		return NULL;
	if (!size)
		size = 64;
	p = nat->mem.alloc(nat->mem.ctx, size);
	if (!p)
		return NULL;
	nat->allocs[nat->nallocs] = p;
	nat->alloc_sizes[nat->nallocs++] = size;
	nat->st.mem_bytes += size;
	return p;
}

static int limits_check(const struct nat_limits *l)
{
	if (!l->max_flows || l->max_flows > LIMIT_FLOWS_MAX ||
	    !l->max_flows_per_host || !l->max_hosts ||
	    l->max_hosts > LIMIT_FLOWS_MAX || !l->max_nets ||
	    l->max_nets > 255 || !l->max_prefixes || l->max_prefixes > 65535 ||
	    !l->max_ext || l->max_ext > 4096 || l->max_static > 1u << 20 ||
	    l->max_frags > 1u << 20 || l->max_frag_held > 1u << 20 ||
	    l->max_syn_held > 1u << 20 || !l->max_port_events ||
	    l->max_port_events > LIMIT_PORT_EVENTS_MAX)
		return -EINVAL;
	return 0;
}

/**
 * nat_create() - make an engine
 * @natp:	the new engine
 * @lim:	table sizes (NULL: nat_limits_default())
 * @mem:	memory provider (NULL: posix_memalign/free)
 * @seed:	secret for the hash and port randomisation: take it from a
 *		good random source
 * @now_ms:	the caller's monotonic clock, in ms
 *
 * Return: 0, -EINVAL for limits out of range, -ENOMEM
 */
int nat_create(struct nat **natp, const struct nat_limits *lim,
	       const struct nat_mem *mem, uint64_t seed, uint64_t now_ms)
{
	struct nat_mem m = { mem_alloc_default, mem_free_default, NULL };
	struct nat_limits l;
	struct nat *nat;
	unsigned i, p;
	int ret;

	if (lim)
		l = *lim;
	else
		nat_limits_default(&l);
	if (limits_check(&l))
		return -EINVAL;
	if (mem)
		m = *mem;
	nat = m.alloc(m.ctx, sizeof(*nat));
	if (!nat)
		return -ENOMEM;
	memset(nat, 0, sizeof(*nat));
	nat->lim = l;
	nat->mem = m;
	nat->rng = seed ^ 0x6a09e667f3bcc908ull;
	nat->seed[0] = ((uint64_t)nat_rand(nat) << 32) | nat_rand(nat);
	nat->seed[1] = ((uint64_t)nat_rand(nat) << 32) | nat_rand(nat);
	nat->seed[2] = ((uint64_t)nat_rand(nat) << 32) | nat_rand(nat) | 1;
	nat->t0_ms = now_ms;
	nat->ipid = (uint16_t)nat_rand(nat);
	nat->icmp_tokens = ICMP_BURST;

	ret = -ENOMEM;
	nat->nets = nat_alloc(nat, l.max_nets * sizeof(*nat->nets));
	nat->prefixes = nat_alloc(nat, l.max_prefixes * sizeof(*nat->prefixes));
	nat->exts = nat_alloc(nat, l.max_ext * sizeof(*nat->exts));
	nat->statics = nat_alloc(nat, (l.max_static ? l.max_static : 1) *
					      sizeof(*nat->statics));
	nat->gen = nat_alloc(nat, (size_t)OUTQ_MAX * GEN_BUF);
	lib_ring_init(&nat->pev,
		      nat_alloc(nat, (size_t)l.max_port_events *
					     sizeof(struct nat_port_event)),
		      sizeof(struct nat_port_event), l.max_port_events);
	lib_ring_init(&nat->fev,
		      nat_alloc(nat, (size_t)l.max_port_events *
					     sizeof(struct nat_fast_event)),
		      sizeof(struct nat_fast_event), l.max_port_events);
	lib_ring_init(&nat->sev,
		      nat_alloc(nat, (size_t)l.max_port_events *
					     sizeof(struct nat_sess_event)),
		      sizeof(struct nat_sess_event), l.max_port_events);
	if (!nat->nets || !nat->prefixes || !nat->exts || !nat->statics ||
	    !nat->gen || !nat->pev.slots || !nat->fev.slots ||
	    !nat->sev.slots)
		goto fail;
	for (p = 0; p < NAT_NPROTO; p++) {
		uint64_t *bits = nat_alloc(nat, (size_t)l.max_ext * PORT_WORDS *
							sizeof(uint64_t));

		if (!bits)
			goto fail;
		for (i = 0; i < l.max_ext; i++)
			nat->exts[i].bits[p] = bits + (size_t)i * PORT_WORDS;
	}
	/* held ports: one map per address and protocol, one per protocol
	 * for every address, in one table */
	{
		uint64_t *held = nat_alloc(nat, ((size_t)l.max_ext + 1) *
						NAT_NPROTO * PORT_WORDS *
						sizeof(uint64_t));

		if (!held)
			goto fail;
		for (p = 0; p < NAT_NPROTO; p++) {
			nat->held_any[p] = held;
			held += PORT_WORDS;
			for (i = 0; i < l.max_ext; i++) {
				nat->exts[i].held[p] = held;
				held += PORT_WORDS;
			}
		}
	}
	ret = flow_setup(nat);
	if (!ret)
		ret = frag_setup(nat);
	if (!ret)
		ret = syn_setup(nat);
	if (ret)
		goto fail;
	*natp = nat;
	return 0;
fail:
	nat_destroy(nat);
	return ret;
}

/**
 * nat_destroy() - free an engine and everything it holds
 * @nat:	engine, may be NULL
 */
void nat_destroy(struct nat *nat)
{
	struct nat_mem m;
	unsigned i;

	if (!nat)
		return;
	m = nat->mem;
	for (i = 0; i < nat->nallocs; i++)
		m.free(m.ctx, nat->allocs[i], nat->alloc_sizes[i]);
	m.free(m.ctx, nat, sizeof(*nat));
}

/**
 * nat_prefix_find() - the network whose internal prefix holds an address
 * @nat:	engine
 * @addr:	address
 *
 * Return: network id, -1 if none
 */
int nat_prefix_find(const struct nat *nat, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < nat->lim.max_prefixes; i++) {
		const struct nat_prefix *px = &nat->prefixes[i];

		if (px->used && (addr & px->mask) == px->addr)
			return px->net;
	}
	return -1;
}

/**
 * nat_ext_find() - index of an external address
 * @nat:	engine
 * @addr:	address
 *
 * Return: index into nat->exts, -1 if @addr is not external
 */
int nat_ext_find(const struct nat *nat, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < nat->lim.max_ext; i++)
		if (nat->exts[i].nets && nat->exts[i].addr == addr)
			return (int)i;
	return -1;
}

/**
 * nat_isolated() - whether an endpoint of a network may not reach an address
 * directly: it lies in an internal prefix (of any network, the endpoint's
 * own included) and is not the network's host_addr, the host's stand-in
 * @nat:	engine
 * @net:	the endpoint's network id
 * @dst:	destination address
 *
 * Return: true if a packet to @dst is dropped (NAT_DROP_ISOLATED)
 */
bool nat_isolated(const struct nat *nat, unsigned net, uint32_t dst)
{
	return dst != nat->nets[net].cfg.host_addr &&
	       nat_prefix_find(nat, dst) >= 0;
}

/**
 * nat_port_owned() - whether the NAT owns a port of an address: a mapping
 * holds it, or it lies in the dynamic range of a network using the address
 * and no host socket holds it (nat_port_hold(): then it is the host's)
 * @nat:	engine
 * @addr:	address
 * @proto:	enum nat_proto
 * @port:	port or ICMP identifier
 *
 * Return: true if owned
 */
bool nat_port_owned(const struct nat *nat, uint32_t addr, uint8_t proto,
		    uint16_t port)
{
	int ext = nat_ext_find(nat, addr);
	unsigned i, j;

	if (ext < 0)
		return false;
	if (port_test(nat, (unsigned)ext, proto, port))
		return true;
	if (port_held(nat, (unsigned)ext, proto, port))
		return false;
	for (i = 0; i < nat->lim.max_nets; i++) {
		const struct nat_net *n = &nat->nets[i];

		if (!n->used)
			continue;
		for (j = 0; j < n->n_ext; j++)
			if (n->ext[j].ext == (unsigned)ext &&
			    port >= n->ext[j].lo && port <= n->ext[j].hi)
				return true;
	}
	return false;
}

/**
 * nat_icmp_token() - take one token of the ICMP error rate limit
 * @nat:	engine
 *
 * Return: true if an error may be sent now
 */
bool nat_icmp_token(struct nat *nat)
{
	if (nat->icmp_refill != nat->now) {
		uint64_t t = nat->icmp_tokens +
			     (uint64_t)(nat->now - nat->icmp_refill) * ICMP_RATE;

		nat->icmp_tokens = t > ICMP_BURST ? ICMP_BURST : (uint32_t)t;
		nat->icmp_refill = nat->now;
	}
	if (!nat->icmp_tokens)
		return false;
	nat->icmp_tokens--;
	return true;
}

/**
 * nat_outq_push() - a slot in the queue nat_poll() hands out
 * @nat:	engine
 *
 * Return: the packet slot (data: a GEN_BUF buffer), NULL when full
 */
struct nat_pkt *nat_outq_push(struct nat *nat)
{
	uint32_t slot;
	struct outq_ent *e;

	if (nat->outq_n == OUTQ_MAX)
		return NULL;
	slot = (nat->outq_head + nat->outq_n++) % OUTQ_MAX;
	e = &nat->outq[slot];
	memset(&e->pkt, 0, sizeof(e->pkt));
	e->pkt.data = nat->gen[slot];
	e->pkt.cap = GEN_BUF;
	e->frag_buf = NONE32;
	return &e->pkt;
}

static void outq_release(struct nat *nat)
{
	while (nat->outq_given) {
		struct outq_ent *e = &nat->outq[nat->outq_head];

		if (e->frag_buf != NONE32)
			frag_buf_put(nat, e->frag_buf);
		e->frag_buf = NONE32;
		nat->outq_head = (nat->outq_head + 1) % OUTQ_MAX;
		nat->outq_n--;
		nat->outq_given--;
	}
}

void nat_clock(struct nat *nat, uint64_t now_ms)
{
	uint64_t s = now_ms > nat->t0_ms ? (now_ms - nat->t0_ms) / 1000 : 0;

	if (s > 0xfffffff0u)
		s = 0xfffffff0u;
	if ((uint32_t)s > nat->now)
		nat->now = (uint32_t)s;
	if (now_ms > nat->t0_ms && now_ms - nat->t0_ms > nat->now_ms)
		nat->now_ms = now_ms - nat->t0_ms;
}

/* ---- packets ---------------------------------------------------------- */

static bool sess_match(const struct nat_sess *s, unsigned kind,
		       const struct pkt_info *pi)
{
	uint16_t rport;

	if (s->proto != pi->nproto)
		return false;
	if (kind == KEY_SESS_OUT) {
		rport = pi->nproto == NAT_ICMP ? 0 : pi->dport;
		return s->int_addr == pi->src && s->int_port == pi->sport &&
		       s->rem_addr == pi->dst && s->rem_port == rport;
	}
	rport = pi->nproto == NAT_ICMP ? 0 : pi->sport;
	return s->ext_addr == pi->dst && s->ext_port == pi->dport &&
	       s->rem_addr == pi->src && s->rem_port == rport;
}

/* one batch through the engine in three passes, so that memory loads of
 * one packet overlap the work on the others */
static void process_batch(struct nat *nat, struct nat_pkt *pkts, unsigned n)
{
	struct pkt_info pi[BATCH];
	struct htab_it it[BATCH];
	uint64_t h[BATCH];
	uint32_t cand[BATCH];
	uint8_t kind[BATCH];
	bool bad[BATCH];
	unsigned i;

	/* 1. parse, validate, hash the session key, prefetch its bucket */
	for (i = 0; i < n; i++) {
		struct nat_pkt *p = &pkts[i];
		struct pkt_info *q = &pi[i];
		int ret;

		kind[i] = 0xff;
		bad[i] = true;
		p->verdict = NAT_DROP;
		p->reason = NAT_DROP_NONE;
		p->net = 0;
		if (p->cap < p->len)
			p->cap = p->len;
		if (p->dir > NAT_DIR_IN) {
			nat_drop(nat, p, NAT_DROP_NOT_OURS);
			continue;
		}
		ret = pkt_parse(p->data, p->len, q);
		if (ret) {
			nat_drop(nat, p, (unsigned)-ret);
			continue;
		}
		bad[i] = false;
		p->len = q->len;
		if (q->frag_off || q->icmp_err)
			continue;
		if (p->dir == NAT_DIR_OUT) {
			if (q->nproto == NAT_ICMP && q->icmp_type != ICMP_ECHO)
				continue;
			kind[i] = KEY_SESS_OUT;
			h[i] = key_hash(nat, KEY_SESS_OUT, q->nproto, q->src,
					q->sport, q->dst,
					q->nproto == NAT_ICMP ? 0 : q->dport);
		} else {
			if (q->nproto == NAT_ICMP &&
			    q->icmp_type != ICMP_ECHOREPLY)
				continue;
			kind[i] = KEY_SESS_IN;
			h[i] = key_hash(nat, KEY_SESS_IN, q->nproto, q->dst,
					q->dport, q->src,
					q->nproto == NAT_ICMP ? 0 : q->sport);
		}
		htab_prefetch(&nat->sess_h, h[i]);
	}
	/* 2. read the bucket, prefetch the first candidate session */
	for (i = 0; i < n; i++) {
		if (kind[i] == 0xff)
			continue;
		htab_it_init(&nat->sess_h, h[i], &it[i]);
		cand[i] = htab_it_next(&nat->sess_h, &it[i]);
		if (cand[i] != HTAB_NONE) {
			const char *sp = (const char *)&nat->sess[cand[i] >> 1];

			/* 48-byte sessions may straddle two cache lines */
			__builtin_prefetch(sp);
			__builtin_prefetch(sp + sizeof(struct nat_sess) - 1);
		}
	}
	/* 3. find the session (or make one) and translate */
	for (i = 0; i < n; i++) {
		struct nat_pkt *p = &pkts[i];
		struct pkt_info *q = &pi[i], orig;
		uint32_t si = NONE32, c;
		bool first_frag;

		if (bad[i])
			continue;
		first_frag = q->mf && !q->frag_off;
		if (first_frag)
			orig = *q;
		if (kind[i] != 0xff) {
			for (c = cand[i]; c != HTAB_NONE;
			     c = htab_it_next(&nat->sess_h, &it[i])) {
				/* LIVE: an earlier packet of the batch may
				 * have evicted it (flow.c) */
				if ((c & 1) == kind[i] &&
				    sess_match(&nat->sess[c >> 1], kind[i], q) &&
				    (nat->sess[c >> 1].flags & SESS_LIVE)) {
					si = c >> 1;
					break;
				}
			}
		}
		if (si != NONE32 && kind[i] == KEY_SESS_OUT)
			xlate_out_sess(nat, p, q, si);
		else if (si != NONE32)
			xlate_in_sess(nat, p, q, si, false);
		else if (p->dir == NAT_DIR_OUT)
			xlate_out(nat, p, q);
		else
			xlate_in(nat, p, q, false);
		if (first_frag &&
		    (p->verdict == NAT_FORWARD || p->verdict == NAT_LOCAL))
			frag_first(nat, &orig, p->data, p->verdict);
	}
}

/**
 * nat_process() - translate a batch of packets
 * @nat:	engine
 * @pkts:	packets; each gets a verdict (see enum nat_verdict)
 * @n:		number of packets
 * @now_ms:	the caller's monotonic clock, in ms
 */
void nat_process(struct nat *nat, struct nat_pkt *pkts, unsigned n,
		 uint64_t now_ms)
{
	unsigned i;

	nat_clock(nat, now_ms);
	outq_release(nat);
	for (i = 0; i < n; i += BATCH)
		process_batch(nat, pkts + i, n - i < BATCH ? n - i : BATCH);
}

/**
 * nat_poll() - timers, and the packets the engine produced
 * @nat:	engine
 * @now_ms:	the caller's monotonic clock, in ms
 * @out:	filled with up to @max packets (verdict NAT_FORWARD: send on;
 *		NAT_REPLY: an ICMP error to send; NAT_LOCAL: give to the host);
 *		their data stays valid until the next nat_process() or
 *		nat_poll()
 * @max:	room in @out
 *
 * Return: number of packets in @out
 */
unsigned nat_poll(struct nat *nat, uint64_t now_ms, struct nat_pkt *out,
		  unsigned max)
{
	unsigned i, k = 0;

	nat_clock(nat, now_ms);
	outq_release(nat);
	flow_expire(nat, EXPIRE_BUDGET);
	syn_expire(nat);
	frag_expire(nat);
	for (i = 0; i < nat->outq_n && k < max; i++) {
		const struct nat_pkt *q =
			&nat->outq[(nat->outq_head + i) % OUTQ_MAX].pkt;

		if (q->verdict == NAT_DROP)
			continue;
		out[k++] = *q;
	}
	nat->outq_given = i;
	return k;
}

static const char *const drop_names[] = {
	[NAT_DROP_NONE] = "none",
	[NAT_DROP_SHORT] = "short",
	[NAT_DROP_IP_VERSION] = "ip_version",
	[NAT_DROP_IP_HLEN] = "ip_header_length",
	[NAT_DROP_IP_LEN] = "ip_total_length",
	[NAT_DROP_IP_CSUM] = "ip_checksum",
	[NAT_DROP_IP_OPTIONS] = "ip_options",
	[NAT_DROP_IP_ADDR] = "ip_address",
	[NAT_DROP_TTL] = "ttl",
	[NAT_DROP_FRAG_BAD] = "fragment_bad",
	[NAT_DROP_FRAG_FULL] = "fragment_table_full",
	[NAT_DROP_FRAG_TIMEOUT] = "fragment_timeout",
	[NAT_DROP_PROTO] = "protocol",
	[NAT_DROP_L4_SHORT] = "transport_short",
	[NAT_DROP_L4_BAD] = "transport_bad",
	[NAT_DROP_ICMP_CSUM] = "icmp_checksum",
	[NAT_DROP_ICMP_TYPE] = "icmp_type",
	[NAT_DROP_ICMP_INNER] = "icmp_embedded_bad",
	[NAT_DROP_ICMP_NOSESS] = "icmp_no_session",
	[NAT_DROP_SPOOFED] = "spoofed_source",
	[NAT_DROP_NOT_OURS] = "not_external_address",
	[NAT_DROP_NO_MAPPING] = "no_mapping",
	[NAT_DROP_FILTERED] = "filtered",
	[NAT_DROP_TCP_NOSYN] = "tcp_no_syn",
	[NAT_DROP_TABLE_FULL] = "table_full",
	[NAT_DROP_HOST_LIMIT] = "endpoint_limit",
	[NAT_DROP_PORTS_FULL] = "ports_exhausted",
	[NAT_DROP_SYN_HELD_FULL] = "syn_hold_full",
	[NAT_DROP_SYN_SIMOPEN] = "syn_superseded",
	[NAT_DROP_CONFLICT] = "tuple_conflict",
	[NAT_DROP_NO_ROOM] = "no_room_for_icmp",
	[NAT_DROP_ISOLATED] = "isolated",
	[NAT_DROP_PORT_SHARE] = "port_share",
	[NAT_DROP_FRAG_SRC_LIMIT] = "fragment_source_limit",
	[NAT_DROP_FRAG_EVICTED] = "fragment_evicted",
	[NAT_DROP_MAP_INBOUND_LIMIT] = "mapping_inbound_limit",
	[NAT_DROP_REMOTE_LIMIT] = "remote_limit",
};
_Static_assert(sizeof(drop_names) / sizeof(drop_names[0]) == NAT_DROP_REASONS,
	       "one name per enum nat_drop");

/**
 * nat_drop_name() - short name of a drop reason
 * @reason:	enum nat_drop
 *
 * Return: a name, "?" if out of range
 */
const char *nat_drop_name(unsigned reason)
{
	return reason < NAT_DROP_REASONS ? drop_names[reason] : "?";
}

/**
 * nat_tcp_state_name() - short name of a TCP session state
 * @state:	enum nat_tcp_state
 *
 * Return: a name, "?" if out of range
 */
const char *nat_tcp_state_name(unsigned state)
{
	static const char *const names[NAT_TCP_NSTATES] = {
		"-", "syn-out", "syn-in", "established", "fin-out",
		"fin-in", "fin-both", "transitory",
	};

	return state < NAT_TCP_NSTATES ? names[state] : "?";
}

/**
 * nat_proto_name() - name of a protocol
 * @proto:	enum nat_proto
 *
 * Return: "tcp", "udp", "icmp" or "?"
 */
const char *nat_proto_name(unsigned proto)
{
	static const char *const names[NAT_NPROTO] = { "tcp", "udp", "icmp" };

	return proto < NAT_NPROTO ? names[proto] : "?";
}

/**
 * nat_filter_name() - name of a filtering behaviour
 * @filter:	enum nat_filter
 *
 * Return: "eif", "adf", "apdf" or "?"
 */
const char *nat_filter_name(unsigned filter)
{
	static const char *const names[] = { "eif", "adf", "apdf" };

	return filter <= NAT_FILTER_APDF ? names[filter] : "?";
}
