/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - nat.c: the engine's interface: set-up, configuration, batches
 *
 * Theory of operation
 * -------------------
 * nat_create() allocates every table from struct nat_limits, once; nothing
 * is allocated later. Configuration calls (networks, prefixes, external
 * addresses, static mappings) check their input completely before they
 * change anything, and on refusal leave a message for nat_error() that
 * names the offending value and the thing it collides with.
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
 * engine produced (released fragments, generated ICMP errors).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	nat->pev = nat_alloc(nat, (size_t)l.max_port_events *
					  sizeof(*nat->pev));
	nat->fev = nat_alloc(nat, (size_t)l.max_port_events *
					  sizeof(*nat->fev));
	nat->sev = nat_alloc(nat, (size_t)l.max_port_events *
					  sizeof(*nat->sev));
	if (!nat->nets || !nat->prefixes || !nat->exts || !nat->statics ||
	    !nat->gen || !nat->pev || !nat->fev || !nat->sev)
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

/* one network less uses an external address: the slot goes with the last */
static void ext_unref(struct nat *nat, unsigned ext)
{
	if (!--nat->exts[ext].nets)
		port_ext_reset(nat, ext);
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

static void nat_clock(struct nat *nat, uint64_t now_ms)
{
	uint64_t s = now_ms > nat->t0_ms ? (now_ms - nat->t0_ms) / 1000 : 0;

	if (s > 0xfffffff0u)
		s = 0xfffffff0u;
	if ((uint32_t)s > nat->now)
		nat->now = (uint32_t)s;
	if (now_ms > nat->t0_ms && now_ms - nat->t0_ms > nat->now_ms)
		nat->now_ms = now_ms - nat->t0_ms;
}

/* ---- configuration ---------------------------------------------------- */

static bool name_ok(const char *name)
{
	size_t i, n = strnlen(name, NAT_NAME_MAX);

	if (!n || n == NAT_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

static void fmt_addr(char *buf, size_t len, uint32_t a)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
}

static int cfg_check(struct nat *nat, const struct nat_net_cfg *cfg)
{
	const struct nat_timeouts *to = &cfg->to;
	unsigned p;

	if (!name_ok(cfg->name)) {
		nat_err(nat, "network name '%.*s' is not valid: use 1 to %d "
			     "letters, digits, '-', '_' or '.'",
			NAT_NAME_MAX - 1, cfg->name, NAT_NAME_MAX - 1);
		return -EINVAL;
	}
#define TO_CHECK(field, min, what)                                            \
	if (to->field < (min) || to->field > NAT_TIMEOUT_MAX) {                \
		nat_err(nat, "%s %u s is out of range: use %u to %u s (%s)",   \
			#field, to->field, (unsigned)(min), NAT_TIMEOUT_MAX,    \
			what);                                                 \
		return -EINVAL;                                                \
	}
	TO_CHECK(udp, NAT_UDP_TIMEOUT_MIN, "RFC 4787 REQ-5");
	TO_CHECK(tcp_est, NAT_TCP_EST_TIMEOUT_MIN, "RFC 5382 REQ-5");
	TO_CHECK(tcp_trans, NAT_TCP_TRANS_TIMEOUT_MIN, "RFC 5382 REQ-5");
	TO_CHECK(tcp_syn, NAT_TCP_SYN_TIMEOUT_MIN, "RFC 5382 REQ-4");
	TO_CHECK(icmp, NAT_ICMP_TIMEOUT_MIN, "RFC 5508 REQ-2");
	TO_CHECK(udp_unanswered, NAT_UDP_UNANSWERED_TIMEOUT_MIN,
		 "below 120 s departs from RFC 4787 REQ-5");
	TO_CHECK(inbound_unanswered, NAT_INBOUND_UNANSWERED_TIMEOUT_MIN,
		 "sessions from outside the endpoint never answered");
#undef TO_CHECK
	if (!cfg->port_share || cfg->port_share > NAT_PORT_SHARE_MAX) {
		nat_err(nat, "port share %u is out of range: use 1 (the whole "
			     "range) to %u (1/%u of it per endpoint)",
			cfg->port_share, NAT_PORT_SHARE_MAX, NAT_PORT_SHARE_MAX);
		return -EINVAL;
	}
	if (!cfg->map_inbound_max || !cfg->remote_inbound_max) {
		nat_err(nat, "inbound session limits %u per mapping, %u per "
			     "remote must be at least 1",
			cfg->map_inbound_max, cfg->remote_inbound_max);
		return -EINVAL;
	}
	for (p = 0; p < NAT_NPROTO; p++) {
		if (cfg->filter[p] > NAT_FILTER_APDF) {
			nat_err(nat, "filtering %u for %s is not valid: use "
				     "eif, adf or apdf", cfg->filter[p],
				nat_proto_name(p));
			return -EINVAL;
		}
	}
	if (cfg->gateway && !pkt_addr_unicast(cfg->gateway)) {
		char a[16];

		fmt_addr(a, sizeof(a), cfg->gateway);
		nat_err(nat, "gateway %s is not a unicast address", a);
		return -EINVAL;
	}
	return 0;
}

static int net_check(struct nat *nat, unsigned id)
{
	if (id >= nat->lim.max_nets || !nat->nets[id].used) {
		nat_err(nat, "network %u does not exist", id);
		return -ENOENT;
	}
	return 0;
}

/**
 * nat_net_find() - look a network up by name
 * @nat:	engine
 * @name:	name
 * @id:		its id
 *
 * Return: 0, -ENOENT
 */
int nat_net_find(const struct nat *nat, const char *name, unsigned *id)
{
	unsigned i;

	for (i = 0; i < nat->lim.max_nets; i++) {
		if (nat->nets[i].used &&
		    !strncmp(nat->nets[i].cfg.name, name, NAT_NAME_MAX)) {
			*id = i;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * nat_net_add() - add a NAT network (no prefixes, no external addresses
 * yet)
 * @nat:	engine
 * @cfg:	settings; the name must be unused
 * @id:		the new network's id
 *
 * Return: 0, -EINVAL (settings), -EEXIST (name), -ENOSPC (max_nets)
 */
int nat_net_add(struct nat *nat, const struct nat_net_cfg *cfg,
		unsigned *id)
{
	unsigned i, dummy;
	int ret = cfg_check(nat, cfg);

	if (ret)
		return ret;
	if (!nat_net_find(nat, cfg->name, &dummy)) {
		nat_err(nat, "network '%s' exists already", cfg->name);
		return -EEXIST;
	}
	for (i = 0; i < nat->lim.max_nets; i++) {
		struct nat_net *n = &nat->nets[i];

		if (n->used)
			continue;
		memset(n, 0, sizeof(*n));
		n->cfg = *cfg;
		n->used = true;
		*id = i;
		nat->err[0] = 0;
		return 0;
	}
	nat_err(nat, "no room for network '%s': %u networks is the limit",
		cfg->name, nat->lim.max_nets);
	return -ENOSPC;
}

/* a session towards an address its endpoint may not reach (after the
 * prefixes or the host_addr changed under it), see nat_isolated() */
static bool pred_isolated(const struct nat_sess *s, const void *ctx)
{
	const struct nat *nat = ctx;

	return nat_isolated(nat, s->net, s->rem_addr);
}

/**
 * nat_net_set() - change a network's settings; sessions follow the new
 * timeouts and filtering at once
 * @nat:	engine
 * @id:		network id
 * @cfg:	new settings (the name may change if the new one is unused)
 *
 * Return: 0, -ENOENT, -EINVAL, -EEXIST
 */
int nat_net_set(struct nat *nat, unsigned id, const struct nat_net_cfg *cfg)
{
	uint32_t old_host;
	unsigned other;
	int ret = net_check(nat, id);

	if (!ret)
		ret = cfg_check(nat, cfg);
	if (ret)
		return ret;
	if (!nat_net_find(nat, cfg->name, &other) && other != id) {
		nat_err(nat, "network '%s' exists already", cfg->name);
		return -EEXIST;
	}
	old_host = nat->nets[id].cfg.host_addr;
	nat->nets[id].cfg = *cfg;
	/* sessions with the old stand-in would now cross the isolation */
	if (old_host && old_host != cfg->host_addr)
		flow_kill_if(nat, pred_isolated, nat);
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_net_get() - a network's settings
 * @nat:	engine
 * @id:		network id
 * @cfg:	filled in
 *
 * Return: 0, -ENOENT
 */
int nat_net_get(const struct nat *nat, unsigned id, struct nat_net_cfg *cfg)
{
	if (id >= nat->lim.max_nets || !nat->nets[id].used)
		return -ENOENT;
	*cfg = nat->nets[id].cfg;
	return 0;
}

static bool pred_net(const struct nat_sess *s, const void *ctx)
{
	return s->net == *(const unsigned *)ctx;
}

static void static_destroy(struct nat *nat, uint32_t st)
{
	struct nat_static *sm = &nat->statics[st];
	unsigned i;

	for (i = 0; i < sm->n_maps; i++)
		map_destroy(nat, sm->maps[i]);
	sm->n_maps = 0;
	sm->used = false;
}

/**
 * nat_net_del() - delete a network with its prefixes, external addresses,
 * mappings and sessions
 * @nat:	engine
 * @id:		network id
 *
 * Return: 0, -ENOENT
 */
int nat_net_del(struct nat *nat, unsigned id)
{
	struct nat_net *n;
	unsigned i;
	int ret = net_check(nat, id);

	if (ret)
		return ret;
	n = &nat->nets[id];
	for (i = 0; i < nat->lim.max_static; i++)
		if (nat->statics[i].used && nat->statics[i].net == id)
			static_destroy(nat, i);
	flow_kill_if(nat, pred_net, &id);
	for (i = 0; i < n->n_ext; i++)
		ext_unref(nat, n->ext[i].ext);
	for (i = 0; i < nat->lim.max_prefixes; i++)
		if (nat->prefixes[i].used && nat->prefixes[i].net == id)
			nat->prefixes[i].used = false;
	n->used = false;
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_prefix_add() - add an internal prefix to a network
 * @nat:	engine
 * @net:	network id
 * @addr:	prefix address, host bits zero
 * @plen:	prefix length, 1 to 30
 *
 * Return: 0, -ENOENT, -EINVAL, -EADDRINUSE (overlaps a prefix or an
 * external address), -ENOSPC
 */
int nat_prefix_add(struct nat *nat, unsigned net, uint32_t addr,
		   unsigned plen)
{
	char a[16], b[16];
	uint32_t mask;
	unsigned i;
	int ret = net_check(nat, net), free_slot = -1;

	if (ret)
		return ret;
	fmt_addr(a, sizeof(a), addr);
	if (plen < 1 || plen > 30) {
		nat_err(nat, "prefix %s/%u: length must be 1 to 30", a, plen);
		return -EINVAL;
	}
	mask = ~0u << (32 - plen);
	if (addr & ~mask) {
		fmt_addr(b, sizeof(b), addr & mask);
		nat_err(nat, "prefix %s/%u has host bits set; did you mean "
			     "%s/%u?", a, plen, b, plen);
		return -EINVAL;
	}
	if (!pkt_addr_unicast(addr) || !pkt_addr_unicast(addr | ~mask)) {
		nat_err(nat, "prefix %s/%u is not unicast address space", a,
			plen);
		return -EINVAL;
	}
	for (i = 0; i < nat->lim.max_prefixes; i++) {
		const struct nat_prefix *px = &nat->prefixes[i];
		uint32_t m2;

		if (!px->used) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		m2 = mask & px->mask;
		if ((addr & m2) == (px->addr & m2)) {
			fmt_addr(b, sizeof(b), px->addr);
			nat_err(nat, "prefix %s/%u overlaps prefix %s/%u of "
				     "network '%s'; choose another prefix", a,
				plen, b, px->plen,
				nat->nets[px->net].cfg.name);
			return -EADDRINUSE;
		}
	}
	for (i = 0; i < nat->lim.max_ext; i++) {
		const struct nat_ext *e = &nat->exts[i];

		if (e->nets && (e->addr & mask) == addr) {
			fmt_addr(b, sizeof(b), e->addr);
			nat_err(nat, "prefix %s/%u holds external address %s; "
				     "choose another prefix", a, plen, b);
			return -EADDRINUSE;
		}
	}
	if (free_slot < 0) {
		nat_err(nat, "no room for prefix %s/%u: %u prefixes is the "
			     "limit", a, plen, nat->lim.max_prefixes);
		return -ENOSPC;
	}
	nat->prefixes[free_slot] = (struct nat_prefix){
		.addr = addr, .mask = mask, .plen = (uint8_t)plen,
		.net = (uint8_t)net, .used = true,
	};
	/* sessions towards the new prefix would cross the isolation */
	flow_kill_if(nat, pred_isolated, nat);
	nat->err[0] = 0;
	return 0;
}

struct prefix_ctx {
	uint32_t addr, mask;
};

static bool pred_prefix(const struct nat_sess *s, const void *ctx)
{
	const struct prefix_ctx *c = ctx;

	return (s->int_addr & c->mask) == c->addr;
}

/**
 * nat_prefix_del() - remove an internal prefix and its sessions
 * @nat:	engine
 * @net:	network id
 * @addr:	prefix address
 * @plen:	prefix length
 *
 * Return: 0, -ENOENT, -EBUSY (static mappings point into it)
 */
int nat_prefix_del(struct nat *nat, unsigned net, uint32_t addr,
		   unsigned plen)
{
	struct prefix_ctx c;
	char a[16], b[16];
	unsigned i;
	int ret = net_check(nat, net);

	if (ret)
		return ret;
	fmt_addr(a, sizeof(a), addr);
	for (i = 0; i < nat->lim.max_prefixes; i++) {
		struct nat_prefix *px = &nat->prefixes[i];

		if (px->used && px->net == net && px->addr == addr &&
		    px->plen == plen)
			break;
	}
	if (i == nat->lim.max_prefixes) {
		nat_err(nat, "network '%s' has no prefix %s/%u",
			nat->nets[net].cfg.name, a, plen);
		return -ENOENT;
	}
	c.addr = addr;
	c.mask = nat->prefixes[i].mask;
	for (unsigned s = 0; s < nat->lim.max_static; s++) {
		const struct nat_static *sm = &nat->statics[s];

		if (sm->used && sm->net == net &&
		    (sm->m.int_addr & c.mask) == c.addr) {
			fmt_addr(b, sizeof(b), sm->m.int_addr);
			nat_err(nat, "prefix %s/%u has mappings to %s; delete "
				     "them first", a, plen, b);
			return -EBUSY;
		}
	}
	nat->prefixes[i].used = false;
	flow_kill_if(nat, pred_prefix, &c);
	nat->err[0] = 0;
	return 0;
}

struct hairpin_ctx {
	struct nat *nat;
	uint32_t addr;
};

static bool pred_mark_hairpin(const struct nat_sess *s, const void *ctx)
{
	const struct hairpin_ctx *c = ctx;

	if (s->rem_addr == c->addr)
		((struct nat_sess *)s)->flags |= SESS_HAIRPIN;
	return false;
}

static int static_place(struct nat *nat, uint32_t st, unsigned ext_idx);

/**
 * nat_ext_add() - give a network an external address and a dynamic port
 * range on it (Add-NetNatExternalAddress)
 * @nat:	engine
 * @net:	network id
 * @addr:	external address
 * @port_lo:	first port of the range (>= 1)
 * @port_hi:	last port
 *
 * Return: 0, -ENOENT, -EINVAL, -EEXIST, -EADDRINUSE, -ENOSPC
 */
int nat_ext_add(struct nat *nat, unsigned net, uint32_t addr,
		uint16_t port_lo, uint16_t port_hi)
{
	struct nat_net *n;
	struct hairpin_ctx hc;
	char a[16];
	int ret = net_check(nat, net), ext, owner;
	unsigned i;

	if (ret)
		return ret;
	n = &nat->nets[net];
	fmt_addr(a, sizeof(a), addr);
	if (!pkt_addr_unicast(addr)) {
		nat_err(nat, "external address %s is not a unicast address",
			a);
		return -EINVAL;
	}
	if (!port_lo || port_lo > port_hi) {
		nat_err(nat, "port range %u-%u is not valid: use LOW-HIGH with "
			     "1 <= LOW <= HIGH <= 65535", port_lo, port_hi);
		return -EINVAL;
	}
	owner = nat_prefix_find(nat, addr);
	if (owner >= 0) {
		nat_err(nat, "external address %s lies in an internal prefix "
			     "of network '%s'", a,
			nat->nets[owner].cfg.name);
		return -EADDRINUSE;
	}
	ext = nat_ext_find(nat, addr);
	for (i = 0; ext >= 0 && i < n->n_ext; i++) {
		if (n->ext[i].ext == ext) {
			nat_err(nat, "network '%s' has external address %s "
				     "already", n->cfg.name, a);
			return -EEXIST;
		}
	}
	if (n->n_ext == NET_EXT_MAX) {
		nat_err(nat, "network '%s' has %u external addresses, the "
			     "limit", n->cfg.name, NET_EXT_MAX);
		return -ENOSPC;
	}
	if (ext < 0) {
		for (i = 0; i < nat->lim.max_ext; i++)
			if (!nat->exts[i].nets)
				break;
		if (i == nat->lim.max_ext) {
			nat_err(nat, "no room for external address %s: %u is "
				     "the limit", a, nat->lim.max_ext);
			return -ENOSPC;
		}
		ext = (int)i;
		port_ext_reset(nat, (unsigned)ext);
		nat->exts[ext].addr = addr;
	}
	/* static mappings on every external address must fit here too */
	for (i = 0; i < nat->lim.max_static; i++) {
		const struct nat_static *sm = &nat->statics[i];

		if (sm->used && sm->net == net && !sm->m.ext_addr &&
		    nat->exts[ext].nets &&
		    port_test(nat, (unsigned)ext, sm->m.proto,
			      sm->m.ext_port)) {
			nat_err(nat, "%s port %u on %s is taken, and network "
				     "'%s' maps it on every external address",
				nat_proto_name(sm->m.proto), sm->m.ext_port, a,
				n->cfg.name);
			return -EADDRINUSE;
		}
	}
	nat->exts[ext].nets++;
	n->ext[n->n_ext++] = (struct nat_net_ext){
		.ext = (uint16_t)ext, .lo = port_lo, .hi = port_hi,
	};
	for (i = 0; i < nat->lim.max_static; i++) {
		const struct nat_static *sm = &nat->statics[i];

		if (sm->used && sm->net == net && !sm->m.ext_addr)
			static_place(nat, i, (unsigned)ext);
	}
	hc.nat = nat;
	hc.addr = addr;
	flow_kill_if(nat, pred_mark_hairpin, &hc);
	nat->err[0] = 0;
	return 0;
}

struct ext_ctx {
	uint32_t addr;
	unsigned net;
};

static bool pred_ext(const struct nat_sess *s, const void *ctx)
{
	const struct ext_ctx *c = ctx;

	return s->net == c->net && s->ext_addr == c->addr;
}

/**
 * nat_ext_del() - take an external address from a network, with the
 * sessions and dynamic mappings on it
 * @nat:	engine
 * @net:	network id
 * @addr:	external address
 *
 * Return: 0, -ENOENT, -EBUSY (a static mapping names the address)
 */
int nat_ext_del(struct nat *nat, unsigned net, uint32_t addr)
{
	struct nat_net *n;
	struct ext_ctx c = { addr, net };
	char a[16];
	int ret = net_check(nat, net), ext = nat_ext_find(nat, addr);
	unsigned i, j;

	if (ret)
		return ret;
	n = &nat->nets[net];
	fmt_addr(a, sizeof(a), addr);
	for (i = 0; ext >= 0 && i < n->n_ext; i++)
		if (n->ext[i].ext == ext)
			break;
	if (ext < 0 || i == n->n_ext) {
		nat_err(nat, "network '%s' has no external address %s",
			n->cfg.name, a);
		return -ENOENT;
	}
	for (j = 0; j < nat->lim.max_static; j++) {
		const struct nat_static *sm = &nat->statics[j];

		if (sm->used && sm->net == net && sm->m.ext_addr == addr) {
			nat_err(nat, "%s port %u on %s is mapped; delete the "
				     "mapping first",
				nat_proto_name(sm->m.proto), sm->m.ext_port, a);
			return -EBUSY;
		}
	}
	/* records of "every address" mappings on this address go */
	for (j = 0; j < nat->lim.max_static; j++) {
		struct nat_static *sm = &nat->statics[j];
		unsigned k;

		if (!sm->used || sm->net != net)
			continue;
		for (k = 0; k < sm->n_maps; k++) {
			if (nat->maps[sm->maps[k]].ext_addr != addr)
				continue;
			map_destroy(nat, sm->maps[k]);
			sm->maps[k] = sm->maps[--sm->n_maps];
			k--;
		}
	}
	n->ext[i] = n->ext[--n->n_ext];
	flow_kill_if(nat, pred_ext, &c);
	ext_unref(nat, (unsigned)ext);
	nat->err[0] = 0;
	return 0;
}

/* ---- static mappings -------------------------------------------------- */

static const struct nat_net_ext *net_ext(const struct nat_net *n, int ext)
{
	unsigned i;

	for (i = 0; i < n->n_ext; i++)
		if (n->ext[i].ext == ext)
			return &n->ext[i];
	return NULL;
}

/* create the mapping record of static @st on external address @ext_idx */
static int static_place(struct nat *nat, uint32_t st, unsigned ext_idx)
{
	struct nat_static *sm = &nat->statics[st];
	uint32_t mi;
	int ret;

	port_set(nat, ext_idx, sm->m.proto, sm->m.ext_port);
	ret = map_create_static(nat, sm->net, st, nat->exts[ext_idx].addr,
				&mi);
	if (ret) {
		port_clear(nat, ext_idx, sm->m.proto, sm->m.ext_port);
		return ret;
	}
	sm->maps[sm->n_maps++] = mi;
	return 0;
}

/**
 * nat_map_add() - add a static mapping; with @map->ext_port 0 the engine
 * picks a free port in the network's range (a dynamic mapping)
 * @nat:	engine
 * @net:	network id
 * @map:	the mapping; @ext_port is written back
 *
 * A dynamic session that holds the port, or the endpoint's addr:port, is
 * removed: an administrator's mapping wins over traffic.
 *
 * Return: 0, -ENOENT, -EINVAL, -EADDRINUSE (port mapped already), -ENOSPC
 */
int nat_map_add(struct nat *nat, unsigned net, struct nat_map *map)
{
	struct nat_net *n;
	struct nat_map m;
	int ext[NET_EXT_MAX];
	unsigned next = 0, i;
	char a[16], b[16];
	int ret = net_check(nat, net);
	uint32_t st, mi;

	if (ret)
		return ret;
	n = &nat->nets[net];
	m = *map;
	fmt_addr(a, sizeof(a), m.int_addr);
	if (m.proto != NAT_TCP && m.proto != NAT_UDP) {
		nat_err(nat, "protocol %u cannot be mapped: use tcp or udp",
			m.proto);
		return -EINVAL;
	}
	if (nat_prefix_find(nat, m.int_addr) != (int)net) {
		nat_err(nat, "internal address %s is not in a prefix of "
			     "network '%s'", a, n->cfg.name);
		return -EINVAL;
	}
	if (!m.int_port) {
		nat_err(nat, "internal port 0 is not valid: use 1 to 65535");
		return -EINVAL;
	}
	if (m.remote_plen > 32) {
		nat_err(nat, "remote prefix length %u is not valid: use 0 to "
			     "32", m.remote_plen);
		return -EINVAL;
	}
	m.remote_addr &= m.remote_plen ? ~0u << (32 - m.remote_plen) : 0;
	if (m.ext_addr) {
		int e = nat_ext_find(nat, m.ext_addr);

		fmt_addr(b, sizeof(b), m.ext_addr);
		if (e < 0 || !net_ext(n, e)) {
			nat_err(nat, "%s is not an external address of network "
				     "'%s'", b, n->cfg.name);
			return -EINVAL;
		}
		ext[next++] = e;
	} else {
		for (i = 0; i < n->n_ext; i++)
			ext[next++] = n->ext[i].ext;
	}
	for (st = 0; st < nat->lim.max_static; st++)
		if (!nat->statics[st].used)
			break;
	if (st == nat->lim.max_static) {
		nat_err(nat, "no room for another mapping: %u is the limit",
			nat->lim.max_static);
		return -ENOSPC;
	}
	if (!m.ext_port) {
		const struct nat_net_ext *ne;
		uint32_t lo, hi, span, start, k;

		if (!next) {
			nat_err(nat, "network '%s' has no external address to "
				     "map a port on", n->cfg.name);
			return -EINVAL;
		}
		ne = net_ext(n, ext[0]);
		lo = ne->lo;
		hi = ne->hi;
		span = hi - lo + 1;
		start = nat_rand(nat) % span;
		for (k = 0; k < span; k++) {
			uint16_t p = (uint16_t)(lo + (start + k) % span);
			unsigned j;

			for (j = 0; j < next; j++)
				if (port_test(nat, (unsigned)ext[j], m.proto,
					      p) ||
				    port_held(nat, (unsigned)ext[j], m.proto, p))
					break;
			if (j == next) {
				m.ext_port = p;
				break;
			}
		}
		if (!m.ext_port) {
			nat_err(nat, "no free %s port in %u-%u on network '%s'",
				nat_proto_name(m.proto), lo, hi, n->cfg.name);
			return -ENOSPC;
		}
	}
	/* a port held by another mapping of an administrator is refused */
	for (i = 0; i < next; i++) {
		mi = map_lookup(nat, KEY_MAP_IN, m.proto, nat->exts[ext[i]].addr,
				m.ext_port);
		if (mi != NONE32 && (nat->maps[mi].flags & MAP_STATIC)) {
			const struct nat_mapping *o = &nat->maps[mi];

			fmt_addr(b, sizeof(b), o->ext_addr);
			fmt_addr(a, sizeof(a), o->int_addr);
			nat_err(nat, "%s port %u on %s is mapped to %s:%u "
				     "(network '%s') already; choose another "
				     "port or delete that mapping",
				nat_proto_name(m.proto), m.ext_port, b, a,
				o->int_port, nat->nets[o->net].cfg.name);
			return -EADDRINUSE;
		}
	}
	/* dynamic mappings on the port or of the endpoint give way */
	for (i = 0; i < next; i++) {
		mi = map_lookup(nat, KEY_MAP_IN, m.proto, nat->exts[ext[i]].addr,
				m.ext_port);
		if (mi != NONE32)
			map_destroy(nat, mi);
	}
	mi = map_lookup(nat, KEY_MAP_OUT, m.proto, m.int_addr, m.int_port);
	if (mi != NONE32 && !(nat->maps[mi].flags & MAP_STATIC))
		map_destroy(nat, mi);

	nat->statics[st] = (struct nat_static){
		.used = true, .net = (uint8_t)net, .m = m,
	};
	for (i = 0; i < next; i++) {
		ret = static_place(nat, st, (unsigned)ext[i]);
		if (ret) {
			static_destroy(nat, st);
			nat_err(nat, "no room for the mapping's records");
			return -ENOSPC;
		}
	}
	flow_rebuild(nat);
	map->ext_port = m.ext_port;
	map->remote_addr = m.remote_addr;
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_map_del() - delete a static mapping and its sessions
 * @nat:	engine
 * @net:	network id
 * @proto:	NAT_TCP or NAT_UDP
 * @ext_addr:	external address as given to nat_map_add() (0: every one)
 * @ext_port:	external port
 *
 * Return: 0, -ENOENT
 */
int nat_map_del(struct nat *nat, unsigned net, uint8_t proto,
		uint32_t ext_addr, uint16_t ext_port)
{
	struct nat_map m;
	uint32_t st, j;
	int ret = net_check(nat, net);

	if (ret)
		return ret;
	for (st = 0; st < nat->lim.max_static; st++) {
		const struct nat_static *sm = &nat->statics[st];

		if (sm->used && sm->net == net && sm->m.proto == proto &&
		    sm->m.ext_addr == ext_addr && sm->m.ext_port == ext_port)
			break;
	}
	if (st == nat->lim.max_static) {
		char a[16];

		fmt_addr(a, sizeof(a), ext_addr);
		nat_err(nat, "network '%s' has no %s mapping on %s port %u",
			nat->nets[net].cfg.name,
			proto < NAT_NPROTO ? nat_proto_name(proto) : "?",
			ext_addr ? a : "every address", ext_port);
		return -ENOENT;
	}
	m = nat->statics[st].m;
	static_destroy(nat, st);
	/* another mapping of the same endpoint takes over its outbound key */
	for (j = 0; j < nat->lim.max_static; j++) {
		struct nat_static *sm = &nat->statics[j];

		if (sm->used && sm->m.proto == m.proto &&
		    sm->m.int_addr == m.int_addr &&
		    sm->m.int_port == m.int_port && sm->n_maps &&
		    map_lookup(nat, KEY_MAP_OUT, m.proto, m.int_addr,
			       m.int_port) == NONE32)
			map_claim_outkey(nat, sm->maps[0]);
	}
	flow_rebuild(nat);
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_map_walk() - call @fn for each static mapping
 * @nat:	engine
 * @net:	network id, or -1u for all networks
 * @fn:		called per mapping; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_map_walk(const struct nat *nat, unsigned net,
		 int (*fn)(unsigned net, const struct nat_map *map, void *ctx),
		 void *ctx)
{
	uint32_t st;

	for (st = 0; st < nat->lim.max_static; st++) {
		const struct nat_static *sm = &nat->statics[st];
		int ret;

		if (!sm->used || (net != -1u && sm->net != net))
			continue;
		ret = fn(sm->net, &sm->m, ctx);
		if (ret)
			return ret;
	}
	return 0;
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

static void process_batch(struct nat *nat, struct nat_pkt *pkts, unsigned n)
{
	struct pkt_info pi[BATCH];
	struct htab_it it[BATCH];
	uint64_t h[BATCH];
	uint32_t cand[BATCH];
	uint8_t kind[BATCH];
	bool bad[BATCH];
	unsigned i;

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

/* ---- listing and counters --------------------------------------------- */

static void sess_info(const struct nat *nat, const struct nat_sess *s,
		      struct nat_session_info *si)
{
	uint32_t to = flow_timeout(nat, s), idle = nat->now - s->last;

	*si = (struct nat_session_info){
		.net = s->net,
		.proto = s->proto,
		.tcp_state = s->state,
		.int_addr = s->int_addr,
		.int_port = s->int_port,
		.ext_addr = s->ext_addr,
		.ext_port = s->ext_port,
		.rem_addr = s->rem_addr,
		.rem_port = s->rem_port,
		.inbound = !!(s->flags & SESS_INBOUND),
		.static_map = !!(s->flags & SESS_STATIC),
		.hairpin = !!(s->flags & SESS_HAIRPIN),
		.age = nat->now - s->created,
		.idle = idle,
		.expires = idle < to ? to - idle : 0,
	};
}

/**
 * nat_session_walk() - call @fn for each session
 * @nat:	engine
 * @now_ms:	the caller's clock, for ages
 * @fn:		called per session; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_session_walk(struct nat *nat, uint64_t now_ms,
		     int (*fn)(const struct nat_session_info *s, void *ctx),
		     void *ctx)
{
	uint32_t i;

	nat_clock(nat, now_ms);
	for (i = 0; i < nat->lim.max_flows; i++) {
		struct nat_session_info si;
		int ret;

		if (!(nat->sess[i].flags & SESS_LIVE))
			continue;
		sess_info(nat, &nat->sess[i], &si);
		ret = fn(&si, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * nat_session_walk_from() - call @fn for the sessions in a part of the
 * session table, so that a long listing can be made in slices between
 * packet bursts (sessions keep their slot for life: a session that lives
 * through all the slices is seen exactly once)
 * @nat:	engine
 * @now_ms:	the caller's clock, for ages
 * @start:	first slot to look at (0: the beginning)
 * @max:	slots to look at, at most
 * @fn:		called per session; a non-zero return stops the walk before
 *		that session, which the next call starts with
 * @ctx:	passed to @fn
 *
 * Return: the slot to resume from, 0 when the end of the table was reached
 */
uint32_t nat_session_walk_from(struct nat *nat, uint64_t now_ms,
			       uint32_t start, uint32_t max,
			       int (*fn)(const struct nat_session_info *s,
					 void *ctx),
			       void *ctx)
{
	uint32_t i, end = nat->lim.max_flows;

	if (start < end && max < end - start)
		end = start + max;
	nat_clock(nat, now_ms);
	for (i = start; i < end; i++) {
		struct nat_session_info si;

		if (!(nat->sess[i].flags & SESS_LIVE))
			continue;
		sess_info(nat, &nat->sess[i], &si);
		if (fn(&si, ctx))
			return i;
	}
	return i < nat->lim.max_flows ? i : 0;
}

static bool pred_flush(const struct nat_sess *s, const void *ctx)
{
	int net = *(const int *)ctx;

	return net < 0 || s->net == net;
}

/**
 * nat_session_flush() - remove sessions (and the dynamic mappings they
 * hold)
 * @nat:	engine
 * @net:	network id, or -1 for all
 *
 * Return: sessions removed
 */
unsigned nat_session_flush(struct nat *nat, int net)
{
	return flow_kill_if(nat, pred_flush, &net);
}

/**
 * nat_stats_get() - counters and gauges
 * @nat:	engine
 * @st:		filled in
 */
void nat_stats_get(const struct nat *nat, struct nat_stats *st)
{
	*st = nat->st;
}

/**
 * nat_limits_get() - the limits the engine was created with
 * @nat:	engine
 * @lim:	filled in
 */
void nat_limits_get(const struct nat *nat, struct nat_limits *lim)
{
	*lim = nat->lim;
}

static const char *const drop_names[] = {
	[NAT_DROP_NONE] = "none",
	[NAT_DROP_SHORT] = "short",
	[NAT_DROP_IP_VERSION] = "ip-version",
	[NAT_DROP_IP_HLEN] = "ip-header-length",
	[NAT_DROP_IP_LEN] = "ip-total-length",
	[NAT_DROP_IP_CSUM] = "ip-checksum",
	[NAT_DROP_IP_OPTIONS] = "ip-options",
	[NAT_DROP_IP_ADDR] = "ip-address",
	[NAT_DROP_TTL] = "ttl",
	[NAT_DROP_FRAG_BAD] = "fragment-bad",
	[NAT_DROP_FRAG_FULL] = "fragment-table-full",
	[NAT_DROP_FRAG_TIMEOUT] = "fragment-timeout",
	[NAT_DROP_PROTO] = "protocol",
	[NAT_DROP_L4_SHORT] = "transport-short",
	[NAT_DROP_L4_BAD] = "transport-bad",
	[NAT_DROP_ICMP_CSUM] = "icmp-checksum",
	[NAT_DROP_ICMP_TYPE] = "icmp-type",
	[NAT_DROP_ICMP_INNER] = "icmp-embedded-bad",
	[NAT_DROP_ICMP_NOSESS] = "icmp-no-session",
	[NAT_DROP_SPOOFED] = "spoofed-source",
	[NAT_DROP_NOT_OURS] = "not-external-address",
	[NAT_DROP_NO_MAPPING] = "no-mapping",
	[NAT_DROP_FILTERED] = "filtered",
	[NAT_DROP_TCP_NOSYN] = "tcp-no-syn",
	[NAT_DROP_TABLE_FULL] = "table-full",
	[NAT_DROP_HOST_LIMIT] = "endpoint-limit",
	[NAT_DROP_PORTS_FULL] = "ports-exhausted",
	[NAT_DROP_SYN_HELD_FULL] = "syn-hold-full",
	[NAT_DROP_SYN_SIMOPEN] = "syn-superseded",
	[NAT_DROP_CONFLICT] = "tuple-conflict",
	[NAT_DROP_NO_ROOM] = "no-room-for-icmp",
	[NAT_DROP_ISOLATED] = "isolated",
	[NAT_DROP_PORT_SHARE] = "port-share",
	[NAT_DROP_FRAG_SRC_LIMIT] = "fragment-source-limit",
	[NAT_DROP_FRAG_EVICTED] = "fragment-evicted",
	[NAT_DROP_MAP_INBOUND_LIMIT] = "mapping-inbound-limit",
	[NAT_DROP_REMOTE_LIMIT] = "remote-limit",
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
