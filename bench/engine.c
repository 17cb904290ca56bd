/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - bench/engine.c: micro-benchmark of the translation engine
 *
 * Theory of operation
 * -------------------
 * The engine is driven directly, on one core, with no device or kernel in
 * the way: what is measured is the cost of nat_process() and the nat_poll()
 * that the interface asks for after every batch. Packet building happens
 * outside the timed section.
 *
 * For each flow count F (1k, 100k and 1M; --flows N for one count) a fresh
 * engine is created with max_flows = F plus 1/16 slack, its tables taken
 * from an allocator that maps them with mmap() and asks for transparent huge
 * pages (madvise(MADV_HUGEPAGE)): two networks, 10.0.0.0/9 and
 * 10.128.0.0/9, each with 16 external addresses (the engine's most per
 * network) in the benchmarking range 198.18.0.0/15, so that 1M flows use
 * under half of the external ports; 256 flows per endpoint address, one
 * mapping per flow. Then:
 *
 *  - new flows: F outbound UDP packets, each a new flow (5-tuple), until the
 *    table holds F sessions; repeated after nat_session_flush()
 *  - established UDP out and in, then TCP ACK out and in after a three-way
 *    handshake per flow: 64-byte packets written into a ring of 32 buffers
 *    from a template, flows picked at random (worst case for the caches),
 *    batches of 32, ~1 s per run
 *  - churn: the clock jumps past the UDP timeout and F new flows arrive
 *    while the old ones expire (new flows per second with expiry)
 *  - memory: nat_stats.mem_bytes / max_flows
 *
 * Every measurement runs 3 times; the best and the median are printed. Each
 * verdict is checked: a packet that is not NAT_FORWARD is counted and
 * reported, because a benchmark that measures drops measures nothing.
 *
 * --quick measures 1k and 100k flows with short runs (CI, < 20 s);
 * --json prints the results as one JSON object instead of the table.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "nat.h"

#define BATCH 32 /* packets per nat_process() call */
#define PKT_LEN 64 /* bytes of IPv4 packet */
#define PKT_CAP 128 /* bytes of buffer per packet */
#define REPEAT 3 /* runs per measurement */
#define N_NET 2 /* networks */
#define N_EXT 16 /* external addresses per network */
#define FLOWS_PER_HOST 256 /* flows per endpoint address */
#define HUGE_PAGE (2u << 20) /* bytes, x86-64 transparent huge page */
#define RUN_S 1.0 /* s of engine time per run */
#define RUN_S_QUICK 0.1 /* s, with --quick */
#define BATCHES_PER_MS 256 /* virtual clock: 1 ms per 8192 packets */
#define GOAL_MPPS 10.0 /* Mpps per core at 1M flows */
#define GOAL_BYTES 128.0 /* bytes of engine memory per flow */

#define A4(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

enum kind {
	K_UDP_OUT,
	K_UDP_IN,
	K_TCP_OUT,
	K_TCP_IN,
	K_TCP_SYN,
	K_TCP_SYNACK,
	K_NEW_UDP,
};

/**
 * struct result - one measured line of the table
 * @flows:	flow count
 * @name:	what was measured
 * @unit:	"Mpps", "Mflows/s" or "bytes"
 * @best:	best of the runs
 * @median:	median of the runs
 * @nonfwd:	packets whose verdict was not NAT_FORWARD, all runs
 */
struct result {
	uint32_t flows;
	const char *name;
	const char *unit;
	double best;
	double median;
	uint64_t nonfwd;
};

/**
 * struct bench - one engine under test and its flows
 * @nat:	the engine
 * @lim:	its limits
 * @flows:	flows set up
 * @ext_addr:	per flow, the external address the engine chose
 * @ext_port:	per flow, the external port
 * @now_ms:	virtual clock handed to the engine
 * @rng:	xorshift state for picking flows
 * @udp_timeout: s, the network's UDP timeout
 * @buf:	packet buffers
 * @pkts:	the batch
 * @reasons:	drop reasons seen, over all runs
 * @verdicts:	verdicts other than NAT_FORWARD seen
 */
struct bench {
	struct nat *nat;
	struct nat_limits lim;
	uint32_t flows;
	uint32_t *ext_addr;
	uint16_t *ext_port;
	uint64_t now_ms;
	uint64_t rng;
	uint32_t udp_timeout;
	uint8_t buf[BATCH][PKT_CAP] __attribute__((aligned(64)));
	struct nat_pkt pkts[BATCH];
	uint64_t reasons[NAT_DROP_REASONS];
	uint64_t verdicts[NAT_HELD + 1];
};

static struct result results[64];
static unsigned nresults;
static bool opt_json;
static double run_s = RUN_S;

/* ------------------------------------------------------------------ */
/* Memory: mmap, 2 MiB aligned, transparent huge pages                */

static size_t map_len(size_t size)
{
	size_t unit = size >= HUGE_PAGE ? HUGE_PAGE : 4096;

	return (size + unit - 1) & ~(unit - 1);
}

static void *hp_alloc(void *ctx, size_t size)
{
	size_t len = map_len(size), extra = 0;
	uint8_t *p, *a;

	(void)ctx;
	if (len >= HUGE_PAGE)
		extra = HUGE_PAGE;
	p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = p;
	if (extra) {
		/* trim to a 2 MiB boundary so that whole huge pages fit */
		a = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) &
				~(uintptr_t)(HUGE_PAGE - 1));
		if (a > p)
			munmap(p, (size_t)(a - p));
		if (a + len < p + len + extra)
			munmap(a + len, (size_t)(p + len + extra - (a + len)));
		madvise(a, len, MADV_HUGEPAGE);
	}
	return a;
}

static void hp_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	if (p)
		munmap(p, map_len(size));
}

static const struct nat_mem hp_mem = { hp_alloc, hp_free, NULL };

/* ------------------------------------------------------------------ */
/* Packets                                                             */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t csum(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Flow i: endpoint 10.0.x.y or 10.128.x.y (alternate hosts, one network
 * each), remote 198.19.x.y
 */
static uint32_t flow_int_addr(uint32_t i)
{
	uint32_t h = i / FLOWS_PER_HOST,
		 base = h & 1 ? A4(10, 128, 0, 0) : A4(10, 0, 0, 0);

	h >>= 1;
	return base + (h / 250) * 256 + h % 250 + 2;
}

static uint16_t flow_int_port(uint32_t i, unsigned gen)
{
	return (uint16_t)(10000 + i % FLOWS_PER_HOST + gen * FLOWS_PER_HOST);
}

static uint32_t flow_rem_addr(uint32_t i)
{
	uint32_t r = i % 16000;

	return A4(198, 19, 0, 0) + (r / 250) * 256 + r % 250 + 1;
}

/**
 * build() - write one 64-byte packet of flow @i into @b
 * @bn:		bench, for the flow's external address and port
 * @b:		buffer
 * @kind:	enum kind
 * @i:		flow index
 * @gen:	generation of source ports (churn)
 */
static void build(const struct bench *bn, uint8_t *b, enum kind kind,
		  uint32_t i, unsigned gen)
{
	bool tcp = kind == K_TCP_OUT || kind == K_TCP_IN || kind == K_TCP_SYN ||
		   kind == K_TCP_SYNACK;
	bool in = kind == K_UDP_IN || kind == K_TCP_IN || kind == K_TCP_SYNACK;
	uint32_t src, dst, l4len = PKT_LEN - 20, s;
	uint16_t sport, dport, rport = tcp ? 443 : 53;
	uint8_t *l4 = b + 20;

	if (in) {
		src = flow_rem_addr(i);
		sport = rport;
		dst = bn->ext_addr[i];
		dport = bn->ext_port[i];
	} else {
		src = flow_int_addr(i);
		sport = flow_int_port(i, gen);
		dst = flow_rem_addr(i);
		dport = rport;
	}
	memset(b, 0, PKT_LEN);
	b[0] = 0x45;
	wr16(b + 2, PKT_LEN);
	wr16(b + 6, 0x4000);
	b[8] = 64;
	b[9] = tcp ? 6 : 17;
	wr32(b + 12, src);
	wr32(b + 16, dst);
	wr16(b + 10, csum(0, b, 20));
	wr16(l4, sport);
	wr16(l4 + 2, dport);
	if (tcp) {
		wr32(l4 + 4, 1000 + i);
		l4[12] = 5 << 4;
		switch (kind) {
		case K_TCP_SYN:
			l4[13] = 0x02;
			break;
		case K_TCP_SYNACK:
			l4[13] = 0x12;
			wr32(l4 + 8, 1001 + i);
			break;
		default:
			l4[13] = 0x10;
			wr32(l4 + 8, 2000 + i);
			break;
		}
		wr16(l4 + 14, 65535);
		s = (src >> 16) + (src & 0xffff) + (dst >> 16) +
		    (dst & 0xffff) + 6 + l4len;
		wr16(l4 + 16, csum(s, l4, l4len));
	} else {
		wr16(l4 + 4, (uint16_t)l4len);
		s = (src >> 16) + (src & 0xffff) + (dst >> 16) +
		    (dst & 0xffff) + 17 + l4len;
		wr16(l4 + 6, csum(s, l4, l4len));
		if (!rd16(l4 + 6))
			wr16(l4 + 6, 0xffff);
	}
}

static uint32_t pick_flow(struct bench *bn)
{
	uint64_t x = bn->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	bn->rng = x;
	return (uint32_t)(((x >> 32) * bn->flows) >> 32);
}

/**
 * run_batch() - translate the batch and poll, timed
 * @bn:		bench
 * @n:		packets in the batch
 * @dir:	enum nat_dir
 * @nonfwd:	incremented per packet that was not forwarded
 *
 * Return: ns spent in nat_process() and nat_poll()
 */
static uint64_t run_batch(struct bench *bn, unsigned n, unsigned dir,
			  uint64_t *nonfwd)
{
	struct nat_pkt out[BATCH];
	uint64_t t0, t1;
	unsigned j;

	for (j = 0; j < n; j++) {
		struct nat_pkt *p = &bn->pkts[j];

		p->data = bn->buf[j];
		p->len = PKT_LEN;
		p->cap = PKT_CAP;
		p->dir = (uint8_t)dir;
		p->csum_partial = 0;
		p->verdict = NAT_DROP;
		p->reason = 0;
	}
	t0 = now_ns();
	nat_process(bn->nat, bn->pkts, n, bn->now_ms);
	nat_poll(bn->nat, bn->now_ms, out, BATCH);
	t1 = now_ns();
	for (j = 0; j < n; j++) {
		const struct nat_pkt *p = &bn->pkts[j];

		if (p->verdict == NAT_FORWARD)
			continue;
		(*nonfwd)++;
		if (p->verdict <= NAT_HELD)
			bn->verdicts[p->verdict]++;
		if (p->verdict == NAT_DROP && p->reason < NAT_DROP_REASONS)
			bn->reasons[p->reason]++;
	}
	return t1 - t0;
}

/* ------------------------------------------------------------------ */
/* Measurements                                                        */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void add_result(uint32_t flows, const char *name, const char *unit,
		       double *v, unsigned n, uint64_t nonfwd)
{
	struct result *r;

	if (nresults == sizeof(results) / sizeof(results[0]))
		return;
	r = &results[nresults++];
	qsort(v, n, sizeof(*v), cmp_double);
	r->flows = flows;
	r->name = name;
	r->unit = unit;
	r->best = !strcmp(unit, "bytes") ? v[0] : v[n - 1];
	r->median = v[n / 2];
	r->nonfwd = nonfwd;
}

/**
 * fill() - open flows [0, flows) with packets of @kind, learning their
 *	    external address and port
 * @bn:		bench
 * @kind:	K_NEW_UDP or K_TCP_SYN
 * @gen:	generation of source ports
 * @nonfwd:	packets not forwarded
 *
 * Return: ns spent in the engine
 */
static uint64_t fill(struct bench *bn, enum kind kind, unsigned gen,
		     uint64_t *nonfwd)
{
	uint64_t ns = 0, batches = 0;
	uint32_t i, n, j;

	for (i = 0; i < bn->flows; i += n) {
		n = bn->flows - i < BATCH ? bn->flows - i : BATCH;
		for (j = 0; j < n; j++)
			build(bn, bn->buf[j],
			      kind == K_NEW_UDP ? K_UDP_OUT : kind, i + j, gen);
		ns += run_batch(bn, n, NAT_DIR_OUT, nonfwd);
		for (j = 0; j < n; j++) {
			if (bn->pkts[j].verdict != NAT_FORWARD)
				continue;
			bn->ext_addr[i + j] = rd32(bn->buf[j] + 12);
			bn->ext_port[i + j] = rd16(bn->buf[j] + 20);
		}
		if (++batches % BATCHES_PER_MS == 0)
			bn->now_ms++;
	}
	return ns;
}

/**
 * handshake() - answer every flow's SYN, then send its ACK
 * @bn:		bench
 * @nonfwd:	packets not forwarded
 */
static void handshake(struct bench *bn, uint64_t *nonfwd)
{
	uint32_t i, n, j;

	for (i = 0; i < bn->flows; i += n) {
		n = bn->flows - i < BATCH ? bn->flows - i : BATCH;
		for (j = 0; j < n; j++)
			build(bn, bn->buf[j], K_TCP_SYNACK, i + j, 0);
		run_batch(bn, n, NAT_DIR_IN, nonfwd);
		for (j = 0; j < n; j++)
			build(bn, bn->buf[j], K_TCP_OUT, i + j, 0);
		run_batch(bn, n, NAT_DIR_OUT, nonfwd);
	}
}

/**
 * established() - translations per second over established flows
 * @bn:		bench
 * @kind:	K_UDP_OUT, K_UDP_IN, K_TCP_OUT or K_TCP_IN
 * @name:	line of the table
 */
static void established(struct bench *bn, enum kind kind, const char *name)
{
	unsigned dir =
		kind == K_UDP_IN || kind == K_TCP_IN ? NAT_DIR_IN : NAT_DIR_OUT;
	uint64_t target = (uint64_t)(run_s * 1e9), nonfwd = 0;
	double v[REPEAT];
	unsigned r, j;

	for (r = 0; r < REPEAT; r++) {
		uint64_t ns = 0, pkts = 0;

		while (ns < target) {
			for (j = 0; j < BATCH; j++)
				build(bn, bn->buf[j], kind, pick_flow(bn), 0);
			ns += run_batch(bn, BATCH, dir, &nonfwd);
			pkts += BATCH;
			if ((pkts / BATCH) % BATCHES_PER_MS == 0)
				bn->now_ms++;
		}
		v[r] = (double)pkts * 1e3 / (double)ns;
	}
	add_result(bn->flows, name, "Mpps", v, REPEAT, nonfwd);
}

static int bench_create(struct bench *bn, uint32_t flows)
{
	struct nat_net_cfg cfg;
	unsigned net, k, n;
	char name[16];
	int err = 0;

	memset(bn, 0, sizeof(*bn));
	bn->flows = flows;
	bn->now_ms = 1000;
	bn->rng = 0x9e3779b97f4a7c15ull;
	nat_limits_default(&bn->lim);
	bn->lim.max_flows = flows + flows / 16 + 64;
	bn->lim.max_flows_per_host = 2 * FLOWS_PER_HOST;
	bn->lim.max_hosts = flows / FLOWS_PER_HOST + 64;
	if (bn->lim.max_ext < N_NET * N_EXT)
		bn->lim.max_ext = N_NET * N_EXT;
	if (bn->lim.max_nets < N_NET)
		bn->lim.max_nets = N_NET;
	if (bn->lim.max_prefixes < N_NET)
		bn->lim.max_prefixes = N_NET;
	err = nat_create(&bn->nat, &bn->lim, &hp_mem, 42, bn->now_ms);
	if (err) {
		fprintf(stderr,
			"bench: nat_create for %u flows failed (%d); lower "
			"--flows\n",
			flows, err);
		return err;
	}
	/* 10.0.0.0/9 and 10.128.0.0/9, 16 external addresses each */
	for (n = 0; !err && n < N_NET; n++) {
		snprintf(name, sizeof(name), "bench%u", n);
		nat_net_cfg_default(&cfg, name);
		cfg.gateway = A4(10, 128 * n, 0, 1);
		bn->udp_timeout = cfg.to.udp;
		err = nat_net_add(bn->nat, &cfg, &net);
		if (!err)
			err = nat_prefix_add(bn->nat, net,
					     A4(10, 128 * n, 0, 0), 9);
		for (k = 0; !err && k < N_EXT; k++)
			err = nat_ext_add(bn->nat, net, A4(198, 18, n, 1) + k,
					  1024, 65535);
	}
	if (err) {
		fprintf(stderr,
			"bench: configuring the engine failed (%d): %s\n", err,
			nat_error(bn->nat));
		return err;
	}
	bn->ext_addr = calloc(flows, sizeof(*bn->ext_addr));
	bn->ext_port = calloc(flows, sizeof(*bn->ext_port));
	if (!bn->ext_addr || !bn->ext_port) {
		fprintf(stderr, "bench: out of memory for %u flows\n", flows);
		return -1;
	}
	return 0;
}

static void bench_destroy(struct bench *bn)
{
	unsigned i;
	bool any = false;

	for (i = 0; i < NAT_DROP_REASONS; i++) {
		if (!bn->reasons[i])
			continue;
		fprintf(stderr, "bench: %u flows: %" PRIu64 " dropped: %s\n",
			bn->flows, bn->reasons[i], nat_drop_name(i));
		any = true;
	}
	for (i = 0; i <= NAT_HELD; i++) {
		if (!bn->verdicts[i] || i == NAT_DROP)
			continue;
		fprintf(stderr,
			"bench: %u flows: %" PRIu64 " with verdict %u\n",
			bn->flows, bn->verdicts[i], i);
		any = true;
	}
	if (any)
		fprintf(stderr, "bench: WARNING: packets were not forwarded; "
				"those numbers measure drops\n");
	if (bn->nat)
		nat_destroy(bn->nat);
	free(bn->ext_addr);
	free(bn->ext_port);
}

/**
 * bench_udp() - new flows, established UDP, churn and memory for @flows
 * @flows:	flow count
 *
 * Return: 0 or a negative error
 */
static int bench_udp(uint32_t flows)
{
	static struct bench bn;
	double v[REPEAT];
	uint64_t nonfwd = 0, ns;
	struct nat_stats st;
	unsigned r;
	int err;

	err = bench_create(&bn, flows);
	if (err)
		goto out;
	nat_stats_get(bn.nat, &st);
	v[0] = (double)st.mem_bytes / bn.lim.max_flows;
	add_result(flows, "memory per flow", "bytes", v, 1, 0);

	for (r = 0; r < REPEAT; r++) {
		if (r)
			nat_session_flush(bn.nat, -1);
		ns = fill(&bn, K_NEW_UDP, 0, &nonfwd);
		v[r] = (double)flows * 1e3 / (double)ns;
	}
	add_result(flows, "new UDP flows", "Mflows/s", v, REPEAT, nonfwd);

	established(&bn, K_UDP_OUT, "UDP out");
	established(&bn, K_UDP_IN, "UDP in");

	/* churn: every flow has gone idle past its timeout; new ones come
	 * while the old ones expire
	 */
	nonfwd = 0;
	for (r = 0; r < REPEAT; r++) {
		bn.now_ms += (uint64_t)(bn.udp_timeout + 1) * 1000;
		ns = fill(&bn, K_NEW_UDP, r + 1, &nonfwd);
		v[r] = (double)flows * 1e3 / (double)ns;
	}
	add_result(flows, "new UDP flows, expiry churn", "Mflows/s", v, REPEAT,
		   nonfwd);
out:
	bench_destroy(&bn);
	return err;
}

/**
 * bench_tcp() - established TCP ACKs both ways for @flows
 * @flows:	flow count
 *
 * Return: 0 or a negative error
 */
static int bench_tcp(uint32_t flows)
{
	static struct bench bn;
	uint64_t nonfwd = 0;
	int err;

	err = bench_create(&bn, flows);
	if (err)
		goto out;
	fill(&bn, K_TCP_SYN, 0, &nonfwd);
	handshake(&bn, &nonfwd);
	if (nonfwd)
		fprintf(stderr,
			"bench: %u flows: %" PRIu64
			" handshake packets not forwarded\n",
			flows, nonfwd);
	established(&bn, K_TCP_OUT, "TCP ACK out");
	established(&bn, K_TCP_IN, "TCP ACK in");
out:
	bench_destroy(&bn);
	return err;
}

/* ------------------------------------------------------------------ */
/* Report                                                              */

static const struct result *find(uint32_t flows, const char *name)
{
	unsigned i;

	for (i = 0; i < nresults; i++)
		if (results[i].flows == flows && !strcmp(results[i].name, name))
			return &results[i];
	return NULL;
}

/**
 * goals() - the worst established rate and the memory at @flows
 * @flows:	flow count
 * @mpps:	worst median Mpps of the four established lines
 * @bytes:	memory per flow
 * @drops:	any non-forwarded packet in those lines
 */
static void goals(uint32_t flows, double *mpps, double *bytes, bool *drops)
{
	static const char *const est[] = { "UDP out", "UDP in", "TCP ACK out",
					   "TCP ACK in" };
	const struct result *r;
	unsigned i;

	*mpps = -1;
	*drops = false;
	for (i = 0; i < 4; i++) {
		r = find(flows, est[i]);
		if (!r)
			continue;
		if (*mpps < 0 || r->median < *mpps)
			*mpps = r->median;
		if (r->nonfwd)
			*drops = true;
	}
	r = find(flows, "memory per flow");
	*bytes = r ? r->best : -1;
}

static void print_table(uint32_t goal_flows, bool measured_1m)
{
	double mpps, bytes;
	bool drops;
	unsigned i;

	printf("hostnat engine micro-benchmark: 1 core, %u-byte packets, "
	       "batches of %u,\n"
	       "flows picked at random; engine time only (nat_process + "
	       "nat_poll)\n\n",
	       PKT_LEN, BATCH);
	printf("%9s  %-28s %10s %10s  %-8s %s\n", "flows", "measurement",
	       "best", "median", "unit", "not forwarded");
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		printf("%9u  %-28s %10.2f %10.2f  %-8s %" PRIu64 "\n", r->flows,
		       r->name, r->best, r->median, r->unit, r->nonfwd);
	}
	goals(goal_flows, &mpps, &bytes, &drops);
	printf("\n");
	printf("goal: >= %.0f Mpps per core at 1M flows: %.2f Mpps at %u flows "
	       "(worst median)%s: %s\n",
	       GOAL_MPPS, mpps, goal_flows, drops ? ", WITH DROPS" : "",
	       !measured_1m		     ? "not measured at 1M"
	       : mpps >= GOAL_MPPS && !drops ? "met"
					     : "NOT MET");
	printf("goal: <= %.0f bytes per flow: %.1f bytes at %u flows: %s\n",
	       GOAL_BYTES, bytes, goal_flows,
	       bytes >= 0 && bytes <= GOAL_BYTES ? "met" : "NOT MET");
}

static void print_json(uint32_t goal_flows, bool measured_1m)
{
	double mpps, bytes;
	bool drops;
	unsigned i;

	goals(goal_flows, &mpps, &bytes, &drops);
	printf("{\"packet_bytes\": %u, \"batch\": %u, \"runs\": %u, "
	       "\"results\": [",
	       PKT_LEN, BATCH, REPEAT);
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		printf("%s\n  {\"flows\": %u, \"name\": \"%s\", \"unit\": "
		       "\"%s\", "
		       "\"best\": %.3f, \"median\": %.3f, \"not_forwarded\": "
		       "%" PRIu64 "}",
		       i ? "," : "", r->flows, r->name, r->unit, r->best,
		       r->median, r->nonfwd);
	}
	printf("\n], \"goals\": {\"flows\": %u, \"measured_1m\": %s, "
	       "\"mpps_worst_median\": %.3f, \"mpps_goal\": %.1f, "
	       "\"mpps_met\": %s, "
	       "\"bytes_per_flow\": %.1f, \"bytes_goal\": %.1f, \"bytes_met\": "
	       "%s}}\n",
	       goal_flows, measured_1m ? "true" : "false", mpps, GOAL_MPPS,
	       measured_1m && mpps >= GOAL_MPPS && !drops ? "true" : "false",
	       bytes, GOAL_BYTES,
	       bytes >= 0 && bytes <= GOAL_BYTES ? "true" : "false");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: engine [--flows N] [--quick] [--json]\n"
		"  --flows N   measure at N flows only (default 1000, 100000, "
		"1000000)\n"
		"  --quick     short runs, 1k and 100k flows (CI: < 20 s)\n"
		"  --json      print one JSON object instead of the table\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t counts[3] = { 1000, 100000, 1000000 }, one = 0;
	unsigned ncounts = 3, i;
	bool quick = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "f:qjh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 50000000) {
				fprintf(stderr,
					"bench: --flows %s: give a count from "
					"1 to 50000000\n",
					optarg);
				return 2;
			}
			one = (uint32_t)v;
			break;
		}
		case 'q':
			quick = true;
			break;
		case 'j':
			opt_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (quick) {
		run_s = RUN_S_QUICK;
		ncounts = 2;
	}
	if (one) {
		counts[0] = one;
		ncounts = 1;
	}
	for (i = 0; i < ncounts; i++) {
		if (!opt_json)
			fprintf(stderr, "bench: measuring %u flows...\n",
				counts[i]);
		if (bench_udp(counts[i]) || bench_tcp(counts[i]))
			return 1;
	}
	if (opt_json)
		print_json(counts[ncounts - 1], counts[ncounts - 1] >= 1000000);
	else
		print_table(counts[ncounts - 1],
			    counts[ncounts - 1] >= 1000000);
	return 0;
}
