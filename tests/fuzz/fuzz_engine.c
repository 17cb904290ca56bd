/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fuzz_engine.c: libFuzzer target for the translation engine
 *
 * Theory of operation
 * -------------------
 * One engine is created on the first input and kept for the whole run, so
 * that its tables fill up over many inputs (set FUZZ_FRESH=1 to build a new
 * engine for every input, which makes a crash reproducible from its input
 * alone). It has two networks sharing the external address 198.51.100.2:
 * "a" (172.16.0.0/16, ports 1024-65535, plus 203.0.113.7) and "b"
 * (10.88.0.0/16, ports 2000-3000, address-and-port-dependent filtering), a
 * few static mappings (one restricted to remotes in 192.0.2.0/24) and small
 * limits.
 *
 * An input is a sequence of records, each producing one packet (or, for a
 * burst, many). Every record starts with two bytes:
 *
 *   flags:  bit 0 direction (raw packets), bit 1 csum_partial, bit 2 end the
 *           batch after this packet, bits 3-7 the mode
 *   clock:  0x00-0x7f advance that many ms, 0x80-0xef (v - 0x7f) * 100 ms,
 *           0xf0-0xf7 (v - 0xef) * 30 s, 0xf8-0xff (v - 0xf7) * 1200 s
 *           (steps below and past every timeout)
 *
 * Modes 0-3 are raw: a config byte (alignment, room after the packet), a
 * 16-bit length (11 bits used) and that many bytes of packet. Every other
 * mode is a template: 12 knob bytes choose addresses, ports, flags and
 * lengths of a valid packet built here, with correct checksums, from the
 * configured prefixes, external addresses, static mappings and the sessions
 * seen so far (the translated packets of earlier batches are remembered, so
 * replies, ICMP errors embedding a real packet, hairpins and fragments of a
 * known datagram hit live sessions). A knob then asks for 0-3 byte flips
 * (two more input bytes each), IP options, a TTL of 0 or 1, a tight or
 * roomy buffer and a misaligned start.
 *
 * Packets go to nat_process() in batches of up to BATCH_MAX; nat_poll() runs
 * after each batch. The invariants below are checked with abort(), with the
 * input and output bytes printed in hex first. The checksum code here is our
 * own and shares nothing with the engine.
 *
 *  - every verdict and drop reason is in range; len <= cap for every packet
 *  - NAT_FORWARD, NAT_REPLY and everything nat_poll() returns carries a
 *    valid IPv4 header: version 4, 20 <= IHL <= len, IHL <= total length
 *    <= len, header checksum right
 *  - NAT_FORWARD of an unfragmented packet whose transport checksum was
 *    right (TCP, UDP when not zero, ICMP) keeps it right; with csum_partial
 *    the TCP/UDP field must hold the pseudo-header sum of the new addresses
 *  - a translated ICMP error keeps a right checksum on its embedded header
 *  - NAT_REPLY and engine-built ICMP from nat_poll() have a right checksum
 *  - NAT_LOCAL leaves the packet untouched (bytes past the IPv4 total
 *    length may be cut)
 *  - counters never pass their limits (sessions <= max_flows, ...), and a
 *    periodic session walk finds no host above max_flows_per_host
 *
 * One template mode (M_CONTROL) changes the configuration between batches:
 * mappings added and deleted, sessions flushed, an external address, a
 * prefix and a whole network removed and restored, timeouts and filtering
 * changed, so the packet path also runs against state being torn down.
 *
 * Environment: FUZZ_FRESH=1 a new engine per input; FUZZ_TRACE=1 print each
 * packet, its verdict and each control operation; FUZZ_NO_INNER=1 skip the
 * embedded-header check. tests/fuzz/gen_corpus.py writes the seed corpus.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BATCH_MAX 32 /* packets per nat_process() call */
#define PKT_MAX 2048 /* bytes, largest packet built or copied */
#define ROOM 640 /* bytes after a packet, > a 576-byte ICMP error */
#define MAX_RECORDS 2048 /* records per input */
#define RING 32 /* remembered sessions per side */
#define HDR_KEEP 96 /* bytes of a translated packet kept */
#define LAST_KEEP 8 /* output packets kept for the replay mode */
#define POLL_MAX 16 /* packets per nat_poll() call */
#define WALK_EVERY 512 /* batches between session walks */
#define NKNOB 12 /* knob bytes of a template record */

#define A4(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

#define NET_A_PREFIX A4(172, 16, 0, 0) /* /16 */
#define NET_B_PREFIX A4(10, 88, 0, 0) /* /16 */
#define EXT1 A4(198, 51, 100, 2)
#define EXT2 A4(203, 0, 113, 7)

enum {
	P_ICMP = 1,
	P_TCP = 6,
	P_UDP = 17,
};

enum {
	T_FIN = 0x01,
	T_SYN = 0x02,
	T_RST = 0x04,
	T_PSH = 0x08,
	T_ACK = 0x10,
};

/* Template modes; 19-31 fold back onto 4-18 */
enum {
	M_RAW_LAST = 3,
	M_UDP_OUT = 4,
	M_TCP_OUT,
	M_ICMP_OUT,
	M_UDP_IN,
	M_TCP_IN,
	M_ICMP_IN,
	M_ICMPERR_IN,
	M_ICMPERR_OUT,
	M_FRAG_OUT,
	M_FRAG_IN,
	M_BURST,
	M_REPLAY,
	M_REPLY_OUT,
	M_HAIRPIN,
	M_CONTROL,
	M_NMODES,
};

/**
 * struct sess - a session seen in a translated packet
 * @proto:	IP protocol number
 * @a_addr:	translated packet's source address
 * @a_port:	its source port (ICMP: identifier)
 * @b_addr:	its destination address
 * @b_port:	its destination port (ICMP: identifier)
 * @hdr:	first bytes of the translated packet
 * @hdrlen:	bytes in @hdr
 */
struct sess {
	uint8_t proto;
	uint32_t a_addr;
	uint16_t a_port;
	uint32_t b_addr;
	uint16_t b_port;
	uint8_t hdr[HDR_KEEP];
	uint32_t hdrlen;
};

/**
 * struct ring - the last RING sessions of one side
 * @s:		entries
 * @n:		entries filled
 * @next:	where the next one goes
 */
struct ring {
	struct sess s[RING];
	unsigned n;
	unsigned next;
};

/**
 * struct slot - one packet of the batch being built
 * @base:	heap buffer, exactly @pkt.cap plus the misalignment long, so
 *		that AddressSanitizer sees any write past @cap
 * @in:		copy of the packet as it was handed to the engine
 * @in_len:	bytes in @in
 */
struct slot {
	uint8_t *base;
	uint8_t in[PKT_MAX];
	uint32_t in_len;
};

/**
 * struct smap - a static mapping the templates aim at
 * @proto:	IP protocol number
 * @ext_port:	external port
 * @ok:		the engine accepted it
 */
struct smap {
	uint8_t proto;
	uint16_t ext_port;
	bool ok;
};

/**
 * struct input - cursor over the fuzzer's bytes
 */
struct input {
	const uint8_t *p;
	size_t n;
	size_t off;
};

static struct nat *g_nat;
static struct nat_limits g_lim;
static unsigned g_net[2];
static uint64_t g_now = 1000000; /* ms */
static struct ring g_out; /* translated outbound: ext -> remote */
static struct ring g_in; /* translated inbound: remote -> endpoint */
static struct slot g_slot[BATCH_MAX];
static struct nat_pkt g_pkts[BATCH_MAX];
static unsigned g_nb;
static uint64_t g_batches;
static uint8_t g_last[LAST_KEEP][PKT_MAX];
static uint32_t g_last_len[LAST_KEEP];
static unsigned g_last_n;
static uint8_t g_scratch[PKT_MAX];
static uint16_t g_dyn_port[2]; /* dynamic mappings made by M_CONTROL */
static uint16_t g_rt_port; /* static mapping added by M_CONTROL */
static bool g_ext2_gone; /* M_CONTROL removed 203.0.113.7 from a */
static bool g_pfx_gone; /* M_CONTROL removed b's prefix */
static bool g_b_gone; /* M_CONTROL removed network b */
static bool g_check_inner = true;
static bool g_trace; /* FUZZ_TRACE: print every verdict */

static struct smap g_smap[] = {
	{ P_TCP, 8080, false }, /* a: 198.51.100.2:8080 -> 172.16.0.10:80 */
	{ P_UDP, 5353, false }, /* a: *:5353 -> 172.16.0.11:53 */
	{ P_TCP, 4022, false }, /* a: 198.51.100.2:4022 -> 172.16.0.12:22,
				 * remotes in 192.0.2.0/24 only */
	{ P_UDP, 2500, false }, /* b: 198.51.100.2:2500 -> 10.88.0.5:5000 */
};
#define NSMAP (sizeof(g_smap) / sizeof(g_smap[0]))

static const uint32_t g_remote[8] = {
	A4(192, 0, 2, 1),   A4(192, 0, 2, 2),	A4(192, 0, 2, 200),
	A4(203, 0, 113, 5), A4(203, 0, 113, 6), A4(100, 64, 0, 1),
	A4(8, 8, 8, 8),	    A4(1, 1, 1, 1),
};

/* Addresses no endpoint or remote should use, or that are ours */
static const uint32_t g_odd_src[8] = {
	A4(172, 16, 0, 0), A4(172, 16, 255, 255), A4(172, 17, 0, 1),
	A4(0, 0, 0, 0),	   A4(224, 0, 0, 5),	  A4(127, 0, 0, 1),
	A4(172, 16, 0, 1), A4(10, 88, 0, 1),
};

static const uint32_t g_odd_dst[8] = {
	EXT1,
	EXT2,
	A4(255, 255, 255, 255),
	A4(0, 0, 0, 0),
	A4(224, 0, 0, 1),
	A4(172, 16, 0, 5),
	A4(10, 88, 0, 5),
	A4(127, 0, 0, 1),
};

static const uint16_t g_ports[8] = {
	1024, 1025, 5000, 40000, 53, 80, 443, 65535
};

/* ------------------------------------------------------------------ */
/* Byte access and checksums, independent of the engine               */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
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

/**
 * sum_bytes() - add bytes as big-endian 16-bit words (RFC 1071)
 * @s:		running sum
 * @p:		bytes
 * @n:		count; an odd last byte is padded with zero
 *
 * Return: the new running sum, not folded
 */
static uint64_t sum_bytes(uint64_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint64_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint64_t)p[n - 1] << 8;
	return s;
}

/**
 * fold() - fold a running sum to 16 bits, not complemented
 * @s:		running sum
 *
 * Return: the one's complement sum; 0xffff when the data checks out
 */
static uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint64_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
	return (uint64_t)(src >> 16) + (src & 0xffff) + (dst >> 16) +
	       (dst & 0xffff) + proto + len;
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */

/**
 * struct view - a packet's IPv4 header, as far as it is sane
 */
struct view {
	const uint8_t *d;
	uint32_t hl; /* header length */
	uint32_t tot; /* total length */
	uint8_t proto;
	bool frag; /* any fragment */
	const uint8_t *l4;
	uint32_t l4len;
	uint32_t src;
	uint32_t dst;
};

/**
 * ip_check() - the IPv4 header invariant
 * @d:		packet
 * @len:	bytes of packet
 * @cap:	bytes of buffer
 *
 * Return: NULL when the header is valid, else what is wrong
 */
static const char *ip_check(const uint8_t *d, uint32_t len, uint32_t cap)
{
	uint32_t hl, tot;

	if (len > cap)
		return "len > cap";
	if (len < 20)
		return "shorter than an IPv4 header";
	if (d[0] >> 4 != 4)
		return "IP version is not 4";
	hl = (d[0] & 15u) * 4;
	if (hl < 20 || hl > len)
		return "IHL below 5 or beyond the packet";
	tot = rd16(d + 2);
	if (tot < hl || tot > len)
		return "IP total length below IHL or beyond len";
	if (fold(sum_bytes(0, d, hl)) != 0xffff)
		return "IPv4 header checksum wrong";
	return NULL;
}

static bool view_parse(struct view *v, const uint8_t *d, uint32_t len)
{
	if (len < 20 || d[0] >> 4 != 4)
		return false;
	v->d = d;
	v->hl = (d[0] & 15u) * 4;
	v->tot = rd16(d + 2);
	if (v->hl < 20 || v->tot < v->hl || v->tot > len)
		return false;
	v->proto = d[9];
	v->frag = (rd16(d + 6) & 0x3fff) != 0;
	v->l4 = d + v->hl;
	v->l4len = v->tot - v->hl;
	v->src = rd32(d + 12);
	v->dst = rd32(d + 16);
	return true;
}

enum cs {
	CS_NA, /* nothing to check */
	CS_OK,
	CS_BAD,
	CS_NONE, /* UDP without checksum */
};

/**
 * l4_full() - state of a complete transport checksum
 * @d:		packet
 * @len:	bytes of packet
 *
 * Return: enum cs
 */
static enum cs l4_full(const uint8_t *d, uint32_t len)
{
	struct view v;
	uint32_t ulen;
	uint64_t s;

	if (!view_parse(&v, d, len) || v.frag)
		return CS_NA;
	switch (v.proto) {
	case P_TCP:
		if (v.l4len < 20)
			return CS_NA;
		s = pseudo(v.src, v.dst, P_TCP, v.l4len);
		s = sum_bytes(s, v.l4, v.l4len);
		break;
	case P_UDP:
		if (v.l4len < 8)
			return CS_NA;
		ulen = rd16(v.l4 + 4);
		if (ulen < 8 || ulen > v.l4len)
			return CS_NA;
		if (!rd16(v.l4 + 6))
			return CS_NONE;
		s = pseudo(v.src, v.dst, P_UDP, ulen);
		s = sum_bytes(s, v.l4, ulen);
		break;
	case P_ICMP:
		if (v.l4len < 8)
			return CS_NA;
		s = sum_bytes(0, v.l4, v.l4len);
		break;
	default:
		return CS_NA;
	}
	return fold(s) == 0xffff ? CS_OK : CS_BAD;
}

/**
 * l4_partial() - does the TCP/UDP field hold the pseudo-header sum alone?
 * @d:		packet
 * @len:	bytes of packet
 *
 * With virtio-net NEEDS_CSUM the field holds the folded pseudo-header sum,
 * not complemented, and the device adds the rest; 0 and 0xffff are the same
 * one's complement number.
 *
 * Return: enum cs
 */
static enum cs l4_partial(const uint8_t *d, uint32_t len)
{
	struct view v;
	uint16_t want, have;
	uint32_t l4len;

	if (!view_parse(&v, d, len) || v.frag)
		return CS_NA;
	if (v.proto == P_TCP && v.l4len >= 20) {
		have = rd16(v.l4 + 16);
		l4len = v.l4len;
	} else if (v.proto == P_UDP && v.l4len >= 8) {
		l4len = rd16(v.l4 + 4);
		if (l4len < 8 || l4len > v.l4len)
			return CS_NA;
		have = rd16(v.l4 + 6);
	} else {
		return CS_NA;
	}
	want = fold(pseudo(v.src, v.dst, v.proto, l4len));
	if (have == want ||
	    ((have == 0 || have == 0xffff) && (want == 0 || want == 0xffff)))
		return CS_OK;
	return CS_BAD;
}

static bool icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/**
 * inner_ip() - state of the header checksum inside an ICMP error
 * @d:		packet
 * @len:	bytes of packet
 *
 * Return: CS_NA when the packet is no ICMP error embedding a whole IPv4
 * header, else CS_OK or CS_BAD
 */
static enum cs inner_ip(const uint8_t *d, uint32_t len)
{
	const uint8_t *in;
	struct view v;
	uint32_t ihl;

	if (!view_parse(&v, d, len) || v.frag || v.proto != P_ICMP ||
	    v.l4len < 8 + 20 || !icmp_is_error(v.l4[0]))
		return CS_NA;
	in = v.l4 + 8;
	ihl = (in[0] & 15u) * 4;
	if (in[0] >> 4 != 4 || ihl < 20 || 8 + ihl > v.l4len)
		return CS_NA;
	return fold(sum_bytes(0, in, ihl)) == 0xffff ? CS_OK : CS_BAD;
}

static void hexdump(const char *what, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	fprintf(stderr, "%s (%u bytes):", what, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", p[i]);
	fprintf(stderr, "\n");
}

static void die(const char *what, const struct nat_pkt *p, const struct slot *s)
{
	fprintf(stderr, "fuzz_engine: invariant violated: %s\n", what);
	fprintf(stderr,
		"  dir=%u csum_partial=%u verdict=%u reason=%u (%s) len=%u "
		"cap=%u net=%u\n",
		p->dir, p->csum_partial, p->verdict, p->reason,
		p->reason < NAT_DROP_REASONS ? nat_drop_name(p->reason) : "?",
		p->len, p->cap, p->net);
	if (s)
		hexdump("input", s->in, s->in_len);
	hexdump("output", p->data, p->len <= p->cap ? p->len : p->cap);
	abort();
}

/**
 * check_pkt() - check the invariants of one packet after nat_process()
 * @p:		the packet
 * @s:		its slot, with the input copy
 */
static void check_pkt(const struct nat_pkt *p, const struct slot *s)
{
	const char *why;

	if (p->verdict > NAT_HELD)
		die("verdict out of range", p, s);
	if (p->verdict == NAT_HELD)
		return;
	if (p->len > p->cap)
		die("len > cap", p, s);
	switch (p->verdict) {
	case NAT_DROP:
		if (p->reason == NAT_DROP_NONE || p->reason >= NAT_DROP_REASONS)
			die("drop reason out of range", p, s);
		return;
	case NAT_LOCAL:
		/* untranslated; trailing bytes past the IPv4 total length
		 * may be trimmed
		 */
		if (p->len > s->in_len || memcmp(p->data, s->in, p->len) ||
		    (p->len < s->in_len &&
		     (p->len < 20 || rd16(s->in + 2) != p->len)))
			die("NAT_LOCAL packet was changed", p, s);
		return;
	case NAT_REPLY:
		why = ip_check(p->data, p->len, p->cap);
		if (why)
			die(why, p, s);
		if (p->data[9] != P_ICMP)
			die("NAT_REPLY is not ICMP", p, s);
		if (l4_full(p->data, p->len) != CS_OK)
			die("NAT_REPLY ICMP checksum wrong", p, s);
		return;
	default:
		break;
	}
	/* NAT_FORWARD */
	why = ip_check(p->data, p->len, p->cap);
	if (why)
		die(why, p, s);
	if (!p->csum_partial) {
		if (l4_full(s->in, s->in_len) == CS_OK &&
		    l4_full(p->data, p->len) != CS_OK)
			die("transport checksum broken by translation", p, s);
	} else if (l4_partial(s->in, s->in_len) == CS_OK &&
		   l4_partial(p->data, p->len) != CS_OK) {
		die("csum_partial: field is not the new pseudo-header sum", p,
		    s);
	}
	if (g_check_inner && inner_ip(s->in, s->in_len) == CS_OK &&
	    inner_ip(p->data, p->len) != CS_OK)
		die("ICMP error: embedded IPv4 header checksum broken", p, s);
}

/**
 * check_polled() - invariants of a packet nat_poll() handed out
 * @p:		the packet
 */
static void check_polled(const struct nat_pkt *p)
{
	const char *why = ip_check(p->data, p->len, p->cap);
	struct view v;

	if (why)
		die(why, p, NULL);
	if (p->dir > NAT_DIR_IN)
		die("nat_poll: direction out of range", p, NULL);
	/* Held packets are SYNs and fragments: a whole ICMP message from
	 * nat_poll() is one the engine built
	 */
	if (view_parse(&v, p->data, p->len) && !v.frag && v.proto == P_ICMP &&
	    l4_full(p->data, p->len) != CS_OK)
		die("nat_poll: ICMP checksum wrong", p, NULL);
}

static void check_stats(void)
{
	struct nat_stats st;
	struct nat_pkt p = { 0 };

	nat_stats_get(g_nat, &st);
	p.data = (uint8_t *)"";
	if (st.sessions > g_lim.max_flows)
		die("stats: sessions > max_flows", &p, NULL);
	if (st.hosts > g_lim.max_hosts)
		die("stats: hosts > max_hosts", &p, NULL);
	if (st.frag_entries > g_lim.max_frags)
		die("stats: frag_entries > max_frags", &p, NULL);
	if (st.frag_held > g_lim.max_frag_held)
		die("stats: frag_held > max_frag_held", &p, NULL);
	if (st.syn_held > g_lim.max_syn_held)
		die("stats: syn_held > max_syn_held", &p, NULL);
}

#define HOSTS_HASH 8192

/**
 * struct walk - per-host session counts gathered by a session walk
 */
struct walk {
	uint32_t addr[HOSTS_HASH];
	uint32_t count[HOSTS_HASH];
	uint32_t sessions;
	bool over;
	bool bad_proto;
};

static int walk_fn(const struct nat_session_info *si, void *ctx)
{
	struct walk *w = ctx;
	uint32_t h = (si->int_addr * 2654435761u) >> 19;

	w->sessions++;
	if (si->proto >= NAT_NPROTO)
		w->bad_proto = true;
	while (w->count[h] && w->addr[h] != si->int_addr)
		h = (h + 1) & (HOSTS_HASH - 1);
	w->addr[h] = si->int_addr;
	if (++w->count[h] > g_lim.max_flows_per_host)
		w->over = true;
	return 0;
}

static void check_walk(void)
{
	static struct walk w;
	struct nat_stats st;
	struct nat_pkt p = { 0 };

	memset(&w, 0, sizeof(w));
	p.data = (uint8_t *)"";
	nat_session_walk(g_nat, g_now, walk_fn, &w);
	nat_stats_get(g_nat, &st);
	if (w.over)
		die("session walk: a host holds more than max_flows_per_host",
		    &p, NULL);
	if (w.bad_proto)
		die("session walk: protocol out of range", &p, NULL);
	if (w.sessions != st.sessions)
		die("session walk: count differs from stats.sessions", &p,
		    NULL);
}

/* ------------------------------------------------------------------ */
/* Engine set-up                                                       */

static void *mem_alloc(void *ctx, size_t size)
{
	size_t n = (size + 63) & ~(size_t)63;
	void *p;

	(void)ctx;
	p = aligned_alloc(64, n ? n : 64);
	if (p)
		memset(p, 0, n);
	return p;
}

static void mem_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static void cfg_fail(const char *what, int err)
{
	fprintf(stderr, "fuzz_engine: set-up: %s failed (%d): %s\n", what, err,
		nat_error(g_nat));
	abort();
}

static void map_add(unsigned idx, unsigned net, uint32_t ext, uint32_t iaddr,
		    uint16_t iport, uint32_t raddr, uint8_t rplen)
{
	struct nat_map m = { 0 };
	int err;

	m.proto = g_smap[idx].proto == P_TCP ? NAT_TCP : NAT_UDP;
	m.ext_addr = ext;
	m.ext_port = g_smap[idx].ext_port;
	m.int_addr = iaddr;
	m.int_port = iport;
	m.remote_addr = raddr;
	m.remote_plen = rplen;
	err = nat_map_add(g_nat, g_net[net], &m);
	g_smap[idx].ok = !err;
	if (err)
		fprintf(stderr, "fuzz_engine: static mapping %u: %s\n", idx,
			nat_error(g_nat));
}

/**
 * net_b_setup() - (re)create network b: 10.88.0.0/16, 198.51.100.2 ports
 *		   2000-3000, address-and-port-dependent filtering
 *
 * Return: 0 or the engine's error
 */
static int net_b_setup(void)
{
	struct nat_net_cfg cfg;
	int err;

	nat_net_cfg_default(&cfg, "b");
	cfg.gateway = A4(10, 88, 0, 1);
	cfg.filter[NAT_TCP] = NAT_FILTER_APDF;
	cfg.filter[NAT_UDP] = NAT_FILTER_APDF;
	cfg.filter[NAT_ICMP] = NAT_FILTER_ADF;
	cfg.udp_inbound_refresh = true;
	cfg.icmp_errors = true;
	/* small fairness limits, so that the share, the per-remote limit
	 * and eviction of unanswered inbound sessions are reached */
	cfg.port_share = 64;
	cfg.map_inbound_max = 8;
	cfg.remote_inbound_max = 4;
	err = nat_net_add(g_nat, &cfg, &g_net[1]);
	if (!err)
		err = nat_prefix_add(g_nat, g_net[1], NET_B_PREFIX, 16);
	if (!err)
		err = nat_ext_add(g_nat, g_net[1], EXT1, 2000, 3000);
	if (!err)
		map_add(3, 1, EXT1, A4(10, 88, 0, 5), 5000, 0, 0);
	return err;
}

static void engine_setup(void)
{
	static const struct nat_mem mem = { mem_alloc, mem_free, NULL };
	struct nat_net_cfg cfg;
	int err;

	nat_limits_default(&g_lim);
	g_lim.max_flows = 4096;
	g_lim.max_flows_per_host = 512;
	g_lim.max_hosts = 256;
	g_lim.max_nets = 4;
	g_lim.max_prefixes = 8;
	g_lim.max_ext = 8;
	g_lim.max_static = 16;
	g_lim.max_frags = 64;
	g_lim.max_frag_held = 64;
	g_lim.max_frags_per_src = 16; /* reached, and eviction when full */
	g_lim.max_frag_held_per_src = 16;
	g_lim.max_syn_held = 32;
	err = nat_create(&g_nat, &g_lim, &mem, 0x5eed5eedu, g_now);
	if (err) {
		fprintf(stderr, "fuzz_engine: nat_create failed (%d)\n", err);
		abort();
	}

	nat_net_cfg_default(&cfg, "a");
	cfg.gateway = A4(172, 16, 0, 1);
	cfg.icmp_errors = true;
	err = nat_net_add(g_nat, &cfg, &g_net[0]);
	if (err)
		cfg_fail("nat_net_add a", err);
	err = nat_prefix_add(g_nat, g_net[0], NET_A_PREFIX, 16);
	if (err)
		cfg_fail("nat_prefix_add 172.16.0.0/16", err);

	/* b owns 2000-3000 of 198.51.100.2; a takes the rest, and if the
	 * engine refuses overlapping ranges, the part above b's
	 */
	err = net_b_setup();
	if (err)
		cfg_fail("network b", err);
	err = nat_ext_add(g_nat, g_net[0], EXT1, 1024, 65535);
	if (err)
		err = nat_ext_add(g_nat, g_net[0], EXT1, 3001, 65535);
	if (err)
		cfg_fail("nat_ext_add a 198.51.100.2", err);
	err = nat_ext_add(g_nat, g_net[0], EXT2, 1024, 65535);
	if (err)
		cfg_fail("nat_ext_add a 203.0.113.7", err);

	map_add(0, 0, EXT1, A4(172, 16, 0, 10), 80, 0, 0);
	map_add(1, 0, 0, A4(172, 16, 0, 11), 53, 0, 0);
	map_add(2, 0, EXT1, A4(172, 16, 0, 12), 22, A4(192, 0, 2, 0), 24);
	if (getenv("FUZZ_NO_INNER"))
		g_check_inner = false;
	g_trace = getenv("FUZZ_TRACE") != NULL;
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */

static void ring_put(struct ring *r, const struct view *v)
{
	struct sess *s = &r->s[r->next];

	s->proto = v->proto;
	s->a_addr = v->src;
	s->b_addr = v->dst;
	if (v->proto == P_ICMP) {
		s->a_port = rd16(v->l4 + 4);
		s->b_port = s->a_port;
	} else {
		s->a_port = rd16(v->l4);
		s->b_port = rd16(v->l4 + 2);
	}
	s->hdrlen = v->tot < HDR_KEEP ? v->tot : HDR_KEEP;
	memcpy(s->hdr, v->d, s->hdrlen);
	r->next = (r->next + 1) % RING;
	if (r->n < RING)
		r->n++;
}

static bool is_internal(uint32_t a)
{
	return (a & 0xffff0000u) == NET_A_PREFIX ||
	       (a & 0xffff0000u) == NET_B_PREFIX;
}

/**
 * remember() - keep a translated packet for later templates
 * @d:		packet
 * @len:	bytes
 */
static void remember(const uint8_t *d, uint32_t len)
{
	struct view v;

	if (len <= PKT_MAX) {
		memcpy(g_last[g_last_n % LAST_KEEP], d, len);
		g_last_len[g_last_n % LAST_KEEP] = len;
		g_last_n++;
	}
	if (!view_parse(&v, d, len) || v.frag)
		return;
	if (v.proto == P_ICMP) {
		if (v.l4len < 8 || (v.l4[0] != 0 && v.l4[0] != 8))
			return;
	} else if (v.proto == P_TCP || v.proto == P_UDP) {
		if (v.l4len < 8)
			return;
	} else {
		return;
	}
	ring_put(is_internal(v.dst) ? &g_in : &g_out, &v);
}

static void trace_pkt(const char *tag, const uint8_t *d, uint32_t len)
{
	struct view v;

	fprintf(stderr, " %s", tag);
	if (!view_parse(&v, d, len)) {
		fprintf(stderr, " (not IPv4, %u bytes)", len);
		return;
	}
	fprintf(stderr, " %u %u.%u.%u.%u", v.proto, v.src >> 24,
		(v.src >> 16) & 255, (v.src >> 8) & 255, v.src & 255);
	if (!v.frag && (v.proto == P_TCP || v.proto == P_UDP) && v.l4len >= 4)
		fprintf(stderr, ":%u", rd16(v.l4));
	fprintf(stderr, " > %u.%u.%u.%u", v.dst >> 24, (v.dst >> 16) & 255,
		(v.dst >> 8) & 255, v.dst & 255);
	if (!v.frag && (v.proto == P_TCP || v.proto == P_UDP) && v.l4len >= 4)
		fprintf(stderr, ":%u", rd16(v.l4 + 2));
	if (!v.frag && v.proto == P_ICMP && v.l4len >= 8)
		fprintf(stderr, " type %u id %u", v.l4[0], rd16(v.l4 + 4));
	if (v.frag)
		fprintf(stderr, " frag 0x%04x", rd16(d + 6));
}

/**
 * trace() - print one packet and its verdict (FUZZ_TRACE=1)
 * @p:		the packet after nat_process()
 * @s:		its slot
 */
static void trace(const struct nat_pkt *p, const struct slot *s)
{
	static const char *const verdict[] = { "FORWARD", "REPLY", "LOCAL",
					       "DROP", "HELD" };

	fprintf(stderr, "t=%llu %s%s", (unsigned long long)g_now,
		p->dir ? "in " : "out", p->csum_partial ? " partial" : "");
	trace_pkt("", s->in, s->in_len);
	fprintf(stderr, "\n    -> %s",
		p->verdict <= NAT_HELD ? verdict[p->verdict] : "?");
	if (p->verdict == NAT_DROP && p->reason < NAT_DROP_REASONS)
		fprintf(stderr, " %s", nat_drop_name(p->reason));
	if (p->verdict == NAT_FORWARD || p->verdict == NAT_REPLY)
		trace_pkt("", p->data, p->len);
	fprintf(stderr, "\n");
}

static void poll_all(void)
{
	struct nat_pkt out[POLL_MAX];
	unsigned n, i, rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		memset(out, 0, sizeof(out));
		n = nat_poll(g_nat, g_now, out, POLL_MAX);
		if (n > POLL_MAX) {
			fprintf(stderr,
				"fuzz_engine: nat_poll returned %u > %u\n", n,
				POLL_MAX);
			abort();
		}
		for (i = 0; i < n; i++) {
			if (g_trace) {
				fprintf(stderr, "t=%llu poll %s",
					(unsigned long long)g_now,
					out[i].dir ? "in " : "out");
				trace_pkt("", out[i].data, out[i].len);
				fprintf(stderr, "\n");
			}
			check_polled(&out[i]);
			remember(out[i].data, out[i].len);
		}
		if (n < POLL_MAX)
			break;
	}
}

static void batch_flush(void)
{
	unsigned i;

	if (!g_nb)
		return;
	nat_process(g_nat, g_pkts, g_nb, g_now);
	for (i = 0; i < g_nb; i++) {
		if (g_trace)
			trace(&g_pkts[i], &g_slot[i]);
		check_pkt(&g_pkts[i], &g_slot[i]);
		if (g_pkts[i].verdict == NAT_FORWARD ||
		    g_pkts[i].verdict == NAT_REPLY)
			remember(g_pkts[i].data, g_pkts[i].len);
	}
	for (i = 0; i < g_nb; i++) {
		free(g_slot[i].base);
		g_slot[i].base = NULL;
	}
	g_nb = 0;
	poll_all();
	check_stats();
	if (++g_batches % WALK_EVERY == 0)
		check_walk();
}

/**
 * batch_add() - queue one packet, flushing the batch when it is full
 * @d:		packet bytes
 * @len:	bytes
 * @dir:	enum nat_dir
 * @partial:	csum_partial
 * @cfg:	bits 0-1 misalignment, bits 2-3 room: 0-1 ROOM, 2 none,
 *		3 (cfg >> 4) * 4 bytes
 */
static void batch_add(const uint8_t *d, uint32_t len, unsigned dir,
		      bool partial, uint8_t cfg)
{
	struct slot *s;
	struct nat_pkt *p;
	uint32_t align = cfg & 3u, room;

	if (len > PKT_MAX)
		len = PKT_MAX;
	switch ((cfg >> 2) & 3) {
	case 2:
		room = 0;
		break;
	case 3:
		room = (uint32_t)(cfg >> 4) * 4;
		break;
	default:
		room = ROOM;
		break;
	}
	if (g_nb == BATCH_MAX)
		batch_flush();
	s = &g_slot[g_nb];
	p = &g_pkts[g_nb];
	s->base = malloc(align + len + room + 1);
	if (!s->base)
		abort();
	memcpy(s->base + align, d, len);
	memcpy(s->in, d, len);
	s->in_len = len;
	memset(p, 0, sizeof(*p));
	p->data = s->base + align;
	p->len = len;
	p->cap = len + room;
	p->dir = (uint8_t)dir;
	p->csum_partial = partial;
	p->verdict = 0xff;
	p->reason = 0xff;
	p->net = 0xffff;
	g_nb++;
}

/* ------------------------------------------------------------------ */
/* Templates                                                           */

static uint8_t in_u8(struct input *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

/**
 * struct tmpl - a template record being built
 * @k:		knob bytes
 * @b:		packet being built
 * @hl:		its IPv4 header length
 * @len:	its length
 * @dir:	direction it is sent in
 * @partial:	csum_partial asked for
 */
struct tmpl {
	uint8_t k[NKNOB];
	uint8_t *b;
	uint32_t hl;
	uint32_t len;
	unsigned dir;
	bool partial;
};

static uint32_t pick_int(uint8_t k)
{
	if ((k & 0xe0) == 0xe0)
		return g_odd_src[k & 7];
	if (k & 0x10)
		return NET_B_PREFIX | (2u + (k & 7u));
	return NET_A_PREFIX | (2u + (k & 15u));
}

static uint32_t pick_remote(uint8_t k)
{
	if ((k & 0xf8) == 0xf8)
		return g_odd_dst[k & 7];
	return g_remote[k & 7];
}

static uint16_t pick_port(uint8_t hi, uint8_t lo)
{
	if (hi < 0x80)
		return g_ports[hi & 7];
	if (hi < 0xc0)
		return (uint16_t)(30000 + lo);
	return (uint16_t)((hi & 0x3f) << 8 | lo);
}

/**
 * ring_pick() - a remembered session of a protocol
 * @r:		ring
 * @proto:	IP protocol, 0 for any
 * @k:		how many entries back from the newest to start looking
 *
 * Return: the session, NULL if the ring holds none of @proto
 */
static const struct sess *ring_pick(const struct ring *r, uint8_t proto,
				    uint8_t k)
{
	unsigned i, j;

	for (i = 0; i < r->n; i++) {
		j = (r->next + RING - 1 - (k + i) % r->n) % RING;
		if (!proto || r->s[j].proto == proto)
			return &r->s[j];
	}
	return NULL;
}

/**
 * ip_start() - write an IPv4 header, options included, checksum left out
 * @t:		template; k[10] asks for options and odd TTLs
 * @proto:	IP protocol
 * @src:	source address
 * @dst:	destination address
 */
static void ip_start(struct tmpl *t, uint8_t proto, uint32_t src, uint32_t dst)
{
	uint8_t *b = t->b;
	uint8_t kb = t->k[10];
	uint32_t optlen = 0;

	memset(b, 0, 60);
	if (kb & 0x10) {
		optlen = kb & 0x20 ? 8 : 4;
		if (kb & 0x20) {
			/* record route with a length past the header */
			b[20] = 7;
			b[21] = (uint8_t)(kb & 0x40 ? 0xff : 7);
			b[22] = 4;
		} else {
			b[20] = 1;
			b[21] = 1;
			b[22] = 1;
			b[23] = 0;
		}
	}
	t->hl = 20 + optlen;
	b[0] = (uint8_t)(0x40 | t->hl / 4);
	b[1] = 0;
	wr16(b + 4, (uint16_t)(0x4000 + t->k[8]));
	wr16(b + 6, 0x4000); /* DF */
	b[8] = (kb & 0xc0) == 0xc0 ? (uint8_t)(kb & 1) : 64;
	b[9] = proto;
	wr32(b + 12, src);
	wr32(b + 16, dst);
}

static void ip_finish(uint8_t *b, uint32_t hl, uint32_t tot)
{
	wr16(b + 2, (uint16_t)tot);
	wr16(b + 10, 0);
	wr16(b + 10, (uint16_t)~fold(sum_bytes(0, b, hl)));
}

/**
 * l4_finish() - fill the transport checksum of a whole datagram
 * @b:		packet, IPv4 header complete but for its checksum
 * @hl:		IPv4 header length
 * @l4len:	transport bytes
 * @partial:	write the pseudo-header sum only (TCP, UDP)
 */
static void l4_finish(uint8_t *b, uint32_t hl, uint32_t l4len, bool partial)
{
	uint8_t *l4 = b + hl;
	uint32_t src = rd32(b + 12), dst = rd32(b + 16);
	uint8_t proto = b[9];
	uint16_t c;
	uint64_t s;

	switch (proto) {
	case P_TCP:
		wr16(l4 + 16, 0);
		s = pseudo(src, dst, P_TCP, l4len);
		if (partial) {
			wr16(l4 + 16, fold(s));
			return;
		}
		wr16(l4 + 16, (uint16_t)~fold(sum_bytes(s, l4, l4len)));
		return;
	case P_UDP:
		wr16(l4 + 6, 0);
		s = pseudo(src, dst, P_UDP, l4len);
		if (partial) {
			wr16(l4 + 6, fold(s));
			return;
		}
		c = (uint16_t)~fold(sum_bytes(s, l4, l4len));
		wr16(l4 + 6, c ? c : 0xffff);
		return;
	case P_ICMP:
		wr16(l4 + 2, 0);
		wr16(l4 + 2, (uint16_t)~fold(sum_bytes(0, l4, l4len)));
		return;
	default:
		return;
	}
}

static void payload(uint8_t *p, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/**
 * build_l4() - a TCP, UDP or ICMP echo datagram from the knobs
 * @t:		template
 * @proto:	IP protocol
 * @src:	source address
 * @sport:	source port, ICMP identifier
 * @dst:	destination address
 * @dport:	destination port
 * @icmp_type:	ICMP type for an ICMP echo (0 or 8)
 *
 * k[6] holds the TCP flags, k[7] the payload length.
 */
static void build_l4(struct tmpl *t, uint8_t proto, uint32_t src,
		     uint16_t sport, uint32_t dst, uint16_t dport,
		     uint8_t icmp_type)
{
	static const uint8_t flags[8] = {
		T_SYN, T_SYN | T_ACK, T_ACK,	     T_FIN | T_ACK,
		T_RST, T_RST | T_ACK, T_PSH | T_ACK, 0,
	};
	uint32_t plen = t->k[7] % 128u, l4len;
	uint8_t *l4;

	ip_start(t, proto, src, dst);
	l4 = t->b + t->hl;
	switch (proto) {
	case P_TCP:
		l4len = 20 + plen;
		memset(l4, 0, 20);
		wr16(l4, sport);
		wr16(l4 + 2, dport);
		wr32(l4 + 4, 0x01000000u + t->k[7]);
		wr32(l4 + 8, 0x02000000u + t->k[9]);
		l4[12] = 5 << 4;
		l4[13] = t->k[6] >= 0xf8 ? (uint8_t)(t->k[9] & 0x3f)
					 : flags[t->k[6] & 7];
		wr16(l4 + 14, 65535);
		payload(l4 + 20, plen, t->k[6]);
		break;
	case P_UDP:
		l4len = 8 + plen;
		wr16(l4, sport);
		wr16(l4 + 2, dport);
		wr16(l4 + 4, (uint16_t)l4len);
		payload(l4 + 8, plen, t->k[6]);
		break;
	default:
		l4len = 8 + plen;
		l4[0] = icmp_type;
		l4[1] = 0;
		wr16(l4 + 4, sport);
		wr16(l4 + 6, t->k[9]);
		payload(l4 + 8, plen, t->k[6]);
		break;
	}
	t->len = t->hl + l4len;
	l4_finish(t->b, t->hl, l4len, t->partial);
	ip_finish(t->b, t->hl, t->len);
}

static uint8_t nat_proto_ip(unsigned k)
{
	static const uint8_t p[3] = { P_UDP, P_TCP, P_ICMP };

	return p[k % 3];
}

static void t_out(struct tmpl *t, uint8_t proto)
{
	uint32_t src = pick_int(t->k[0]);
	uint32_t dst = pick_remote(t->k[1]);
	uint16_t sport = pick_port(t->k[2], t->k[3]);
	uint16_t dport = pick_port(t->k[4], t->k[5]);

	t->dir = NAT_DIR_OUT;
	build_l4(t, proto, src, sport, dst, dport, 8);
}

/**
 * t_in() - an inbound packet: a reply to a session, or aimed at a mapping
 * @t:		template
 * @proto:	IP protocol
 *
 * k[4] bits 0-1: 0-1 a remembered session, 2 a static mapping, 3 any port
 */
static void t_in(struct tmpl *t, uint8_t proto)
{
	const struct sess *s = NULL;
	uint32_t src = pick_remote(t->k[1]), dst = t->k[0] & 1 ? EXT2 : EXT1;
	uint16_t sport = pick_port(t->k[2], t->k[3]), dport;
	uint8_t type = 8;

	t->dir = NAT_DIR_IN;
	switch (t->k[4] & 3) {
	case 0:
	case 1:
		s = ring_pick(&g_out, proto, t->k[8]);
		if (s)
			break;
		/* fall through */
	case 2:
		dport = g_smap[t->k[5] % NSMAP].ext_port;
		if (proto == P_ICMP)
			dport = t->k[5];
		break;
	default:
		dport = (uint16_t)((t->k[4] >> 2) << 8 | t->k[5]);
		break;
	}
	if (s) {
		/* the remote answers: from the session's remote, to its
		 * external address and port, unless k[4] bit 7 asks for
		 * another remote (filtering)
		 */
		src = t->k[4] & 0x80 ? src : s->b_addr;
		sport = t->k[4] & 0x40 ? sport : s->b_port;
		dst = s->a_addr;
		dport = s->a_port;
		type = 0;
	}
	if (proto == P_ICMP)
		build_l4(t, P_ICMP, src, dport, dst, 0, type);
	else
		build_l4(t, proto, src, sport, dst, dport, type);
}

/**
 * t_reply_out() - an endpoint answers a session opened from outside
 * @t:		template
 */
static void t_reply_out(struct tmpl *t)
{
	const struct sess *s = ring_pick(&g_in, nat_proto_ip(t->k[4]), t->k[8]);
	uint8_t type = 0;
	uint32_t hl;

	if (!s)
		s = ring_pick(&g_in, 0, t->k[8]);
	if (!s) {
		t_out(t, nat_proto_ip(t->k[4]));
		return;
	}
	t->dir = NAT_DIR_OUT;
	/* answer an echo request, ask again after an echo reply */
	hl = (s->hdr[0] & 15u) * 4;
	if (s->proto == P_ICMP && s->hdrlen >= hl + 8 && s->hdr[hl] == 0)
		type = 8;
	build_l4(t, s->proto, s->b_addr, s->b_port, s->a_addr, s->a_port, type);
}

/**
 * t_hairpin() - an endpoint sends to an external address of ours
 * @t:		template
 */
static void t_hairpin(struct tmpl *t)
{
	const struct sess *s =
		ring_pick(&g_out, nat_proto_ip(t->k[4]), t->k[8]);
	uint32_t src = pick_int(t->k[0]);
	uint16_t sport = pick_port(t->k[2], t->k[3]);
	uint8_t proto;
	uint16_t dport;
	uint32_t dst;

	t->dir = NAT_DIR_OUT;
	if (s && !(t->k[5] & 0x80)) {
		proto = s->proto;
		dst = s->a_addr;
		dport = s->a_port;
	} else {
		const struct smap *m = &g_smap[t->k[5] % NSMAP];

		proto = m->proto;
		dst = t->k[5] & 0x40 ? EXT2 : EXT1;
		dport = m->ext_port;
	}
	if (proto == P_ICMP)
		proto = P_UDP;
	build_l4(t, proto, src, sport, dst, dport, 8);
}

/**
 * t_icmp_err() - an ICMP error embedding a packet the NAT translated
 * @t:		template
 * @dir:	NAT_DIR_IN: a remote or a router answers an outbound packet;
 *		NAT_DIR_OUT: an endpoint answers an inbound one
 *
 * k[6]: type and code, k[7]: bytes of the embedded packet beyond 28,
 * k[1]: bit 7 sends the error from a router rather than the peer.
 */
static void t_icmp_err(struct tmpl *t, unsigned dir)
{
	static const uint8_t tc[8][2] = {
		{ 3, 3 },  { 3, 4 }, { 11, 0 }, { 12, 0 },
		{ 3, 13 }, { 3, 1 }, { 4, 0 },	{ 5, 1 },
	};
	const struct sess *s;
	uint32_t src, dst, emb;
	uint8_t *l4;

	t->dir = dir;
	s = ring_pick(dir == NAT_DIR_IN ? &g_out : &g_in,
		      t->k[4] & 0x80 ? 0 : nat_proto_ip(t->k[4]), t->k[8]);
	if (!s) {
		t_out(t, P_UDP);
		return;
	}
	if (dir == NAT_DIR_IN) {
		src = t->k[1] & 0x80 ? pick_remote(t->k[1] & 0x7f) : s->b_addr;
		dst = s->a_addr;
	} else {
		src = s->b_addr;
		dst = s->a_addr;
	}
	ip_start(t, P_ICMP, src, dst);
	l4 = t->b + t->hl;
	if (t->k[6] >= 0xf0) {
		l4[0] = t->k[9];
		l4[1] = t->k[3];
	} else {
		l4[0] = tc[t->k[6] & 7][0];
		l4[1] = tc[t->k[6] & 7][1];
	}
	wr32(l4 + 4, l4[0] == 3 && l4[1] == 4 ? 1400 : 0);
	emb = 28u + t->k[7] % 64u;
	if (emb > s->hdrlen)
		emb = s->hdrlen;
	memcpy(l4 + 8, s->hdr, emb);
	t->len = t->hl + 8 + emb;
	l4_finish(t->b, t->hl, 8 + emb, false);
	ip_finish(t->b, t->hl, t->len);
}

/**
 * t_frag() - one fragment of a datagram chosen by the knobs
 * @t:		template
 * @dir:	direction
 *
 * The datagram depends on every knob but k[9], so records differing only
 * in k[9] (fragment size and index) are pieces of one datagram. k[8] bits
 * 0-1 pick the IP ID.
 */
static void t_frag(struct tmpl *t, unsigned dir)
{
	uint8_t proto = nat_proto_ip(t->k[4]);
	uint32_t unit, nfrag, idx, off, flen, l4len, hl;
	uint8_t k9 = t->k[9];
	uint8_t *b = t->b;
	uint16_t id;

	t->k[7] = (uint8_t)(16 + t->k[7] % 112);
	t->k[9] = 0;
	if (dir == NAT_DIR_OUT)
		t_out(t, proto);
	else
		t_in(t, proto);
	t->dir = dir;
	hl = t->hl;
	l4len = t->len - hl;
	unit = 8u * (1u + (k9 & 7u));
	nfrag = (l4len + unit - 1) / unit;
	idx = (k9 >> 3) % nfrag;
	off = idx * unit;
	flen = l4len - off < unit ? l4len - off : unit;
	id = (uint16_t)(0x7000 + (t->k[8] & 3));
	memmove(b + hl, b + hl + off, flen);
	wr16(b + 4, id);
	wr16(b + 6, (uint16_t)((idx + 1 < nfrag ? 0x2000 : 0) | off / 8));
	t->len = hl + flen;
	ip_finish(b, hl, t->len);
}

/**
 * t_replay() - send a packet the engine produced again
 * @t:		template; k[8] picks which, flags bit 0 the direction
 * @dir:	direction
 *
 * Return: false when there is none yet
 */
static bool t_replay(struct tmpl *t, unsigned dir)
{
	unsigned i, count = g_last_n < LAST_KEEP ? g_last_n : LAST_KEEP;

	if (!count)
		return false;
	i = (g_last_n - 1 - t->k[8] % count) % LAST_KEEP;
	memcpy(t->b, g_last[i], g_last_len[i]);
	t->len = g_last_len[i];
	t->hl = 20;
	t->dir = dir;
	return true;
}

/**
 * t_burst() - many new flows at once, to fill the tables
 * @t:		template
 * @partial:	csum_partial
 *
 * k[6]: batches of BATCH_MAX packets (1-16), k[0] bit 5: spread over many
 * hosts of net a rather than one, k[1] bit 0: TCP SYNs instead of UDP.
 */
static void t_burst(struct tmpl *t, bool partial)
{
	unsigned n = (1u + t->k[6] % 16u) * BATCH_MAX, i;
	uint8_t proto = t->k[1] & 1 ? P_TCP : P_UDP;
	uint16_t base = (uint16_t)(1024 + (t->k[2] << 8 | t->k[3]) % 60000);
	uint32_t src = pick_int(t->k[0] & 0xdf);

	t->k[6] = 0; /* SYN */
	t->k[7] = 0;
	t->k[10] = 0;
	for (i = 0; i < n; i++) {
		uint32_t s = src;

		if (t->k[0] & 0x20)
			s = NET_A_PREFIX | (0x100u + (i & 0x1ff));
		build_l4(t, proto, s, (uint16_t)(base + i),
			 pick_remote(t->k[1] >> 1), 443, 8);
		batch_add(t->b, t->len, NAT_DIR_OUT, partial, 0);
	}
	batch_flush();
}

static int map_walk_fn(unsigned net, const struct nat_map *m, void *ctx)
{
	(void)ctx;
	if (net != g_net[0] && net != g_net[1]) {
		fprintf(stderr, "fuzz_engine: nat_map_walk: network %u\n", net);
		abort();
	}
	if (m->proto != NAT_TCP && m->proto != NAT_UDP) {
		fprintf(stderr, "fuzz_engine: nat_map_walk: protocol %u\n",
			m->proto);
		abort();
	}
	return 0;
}

/**
 * t_control() - change the configuration while sessions exist
 * @t:		template
 */
static void t_control(struct tmpl *t)
{
	static const char *const what[10] = {
		"dynamic mapping add",	  "dynamic mapping del",
		"session flush",	  "session walk",
		"static mapping add/del", "net set",
		"ext address del/add",	  "mapping walk",
		"prefix del/add",	  "net b del/add",
	};
	struct nat_map m = { 0 };
	unsigned n = t->k[1] & 1, op = t->k[0] % 10u;
	int ret = 0;

	batch_flush();
	switch (op) {
	case 0: /* a dynamic mapping: the engine picks the port */
		if (g_dyn_port[n])
			break;
		m.proto = t->k[2] & 1 ? NAT_TCP : NAT_UDP;
		m.int_addr = n ? NET_B_PREFIX | 7 : NET_A_PREFIX | 7;
		m.int_port = 7000;
		ret = nat_map_add(g_nat, g_net[n], &m);
		if (ret)
			break;
		g_dyn_port[n] = m.ext_port;
		if (!m.ext_port) {
			fprintf(stderr,
				"fuzz_engine: nat_map_add picked port 0\n");
			abort();
		}
		break;
	case 1: /* and its removal */
		if (!g_dyn_port[n])
			break;
		ret = nat_map_del(g_nat, g_net[n], NAT_UDP, 0, g_dyn_port[n]);
		if (ret)
			ret = nat_map_del(g_nat, g_net[n], NAT_TCP, 0,
					  g_dyn_port[n]);
		g_dyn_port[n] = 0;
		break;
	case 2:
		ret = (int)nat_session_flush(g_nat,
					     t->k[1] & 2 ? -1 : (int)g_net[n]);
		break;
	case 3:
		check_walk();
		break;
	case 4: /* a static mapping added, later removed, at run time */
		if (g_rt_port) {
			ret = nat_map_del(g_nat, g_net[0], NAT_UDP, EXT2,
					  g_rt_port);
			g_rt_port = 0;
			break;
		}
		m.proto = NAT_UDP;
		m.ext_addr = EXT2;
		m.ext_port = (uint16_t)(t->k[2] << 8 | t->k[3]);
		m.int_addr = NET_A_PREFIX | 20;
		m.int_port = 9;
		ret = nat_map_add(g_nat, g_net[0], &m);
		if (!ret)
			g_rt_port = m.ext_port;
		break;
	case 6: /* an external address taken away, then back */
		if (!g_ext2_gone) {
			ret = nat_ext_del(g_nat, g_net[0], EXT2);
			g_ext2_gone = !ret;
		} else {
			ret = nat_ext_add(g_nat, g_net[0], EXT2, 1024, 65535);
			g_ext2_gone = ret;
		}
		break;
	case 7:
		ret = nat_map_walk(g_nat, g_net[n], map_walk_fn, NULL);
		break;
	case 8: /* an internal prefix taken away, then back */
		if (g_b_gone)
			break;
		if (!g_pfx_gone) {
			/* its static mapping first: the engine refuses to
			 * orphan one
			 */
			nat_map_del(g_nat, g_net[1], NAT_UDP, EXT1,
				    g_smap[3].ext_port);
			ret = nat_prefix_del(g_nat, g_net[1], NET_B_PREFIX, 16);
			g_pfx_gone = !ret;
		} else {
			ret = nat_prefix_add(g_nat, g_net[1], NET_B_PREFIX, 16);
			g_pfx_gone = ret;
			if (!ret)
				map_add(3, 1, EXT1, A4(10, 88, 0, 5), 5000, 0,
					0);
		}
		break;
	case 9: /* network b deleted with its sessions, then rebuilt */
		if (!g_b_gone) {
			ret = nat_net_del(g_nat, g_net[1]);
			g_b_gone = !ret;
			g_pfx_gone = false;
			g_dyn_port[1] = 0;
		} else {
			ret = net_b_setup();
			g_b_gone = ret;
		}
		break;
	default: /* timeouts and filtering changed on a live network */
	{
		struct nat_net_cfg cfg;

		ret = nat_net_get(g_nat, g_net[n], &cfg);
		if (ret)
			break;
		cfg.to.udp = NAT_UDP_TIMEOUT_MIN + t->k[3];
		cfg.filter[NAT_UDP] = (uint8_t)(t->k[4] % 3);
		ret = nat_net_set(g_nat, g_net[n], &cfg);
		break;
	}
	}
	if (g_trace)
		fprintf(stderr, "t=%llu control: %s (net %u): %d%s%s\n",
			(unsigned long long)g_now, what[op], n, ret,
			ret < 0 ? " " : "", ret < 0 ? nat_error(g_nat) : "");
	check_stats();
}

/**
 * mutate() - byte flips and an optional header checksum fix after them
 * @t:		template; k[10] bits 0-2 (5-7: 1-3 flips), bit 3 fixes the
 *		IPv4 header checksum
 * @in:		input, for the offsets and values
 */
static void mutate(struct tmpl *t, struct input *in)
{
	unsigned n = t->k[10] & 7u, i;
	uint32_t hl;

	n = n > 4 ? n - 4 : 0;
	for (i = 0; i < n && t->len; i++) {
		uint8_t off = in_u8(in), x = in_u8(in);

		t->b[off % t->len] ^= x;
	}
	if (n && (t->k[10] & 8) && t->len >= 20) {
		hl = (t->b[0] & 15u) * 4;
		if (hl >= 20 && hl <= t->len) {
			wr16(t->b + 10, 0);
			wr16(t->b + 10,
			     (uint16_t)~fold(sum_bytes(0, t->b, hl)));
		}
	}
}

/**
 * do_record() - turn one record of the input into packets
 * @in:		input
 *
 * Return: false at the end of the input
 */
static bool do_record(struct input *in)
{
	struct tmpl t;
	uint8_t fl, clk, cfg;
	unsigned mode, i;
	uint64_t adv;
	uint32_t len;

	if (in->off >= in->n)
		return false;
	fl = in_u8(in);
	clk = in_u8(in);
	if (clk < 0x80)
		adv = clk;
	else if (clk < 0xf0)
		adv = (uint64_t)(clk - 0x7f) * 100;
	else if (clk < 0xf8)
		adv = (uint64_t)(clk - 0xef) * 30000;
	else
		adv = (uint64_t)(clk - 0xf7) * 1200000;
	if (adv) {
		batch_flush();
		g_now += adv;
		poll_all();
	}
	mode = fl >> 3;
	if (mode >= M_NMODES)
		mode = M_UDP_OUT + (mode - M_NMODES) % (M_NMODES - M_UDP_OUT);

	if (mode <= M_RAW_LAST) {
		cfg = in_u8(in);
		len = (uint32_t)in_u8(in) << 8;
		len = (len | in_u8(in)) & 0x7ff;
		if (len > in->n - in->off)
			len = (uint32_t)(in->n - in->off);
		batch_add(in->p + in->off, len, fl & 1, fl & 2, cfg);
		in->off += len;
		goto out;
	}

	memset(&t, 0, sizeof(t));
	for (i = 0; i < NKNOB; i++)
		t.k[i] = in_u8(in);
	t.b = g_scratch;
	t.partial = fl & 2;
	switch (mode) {
	case M_UDP_OUT:
		t_out(&t, P_UDP);
		break;
	case M_TCP_OUT:
		t_out(&t, P_TCP);
		break;
	case M_ICMP_OUT:
		t_out(&t, P_ICMP);
		break;
	case M_UDP_IN:
		t_in(&t, P_UDP);
		break;
	case M_TCP_IN:
		t_in(&t, P_TCP);
		break;
	case M_ICMP_IN:
		t_in(&t, P_ICMP);
		break;
	case M_ICMPERR_IN:
		t_icmp_err(&t, NAT_DIR_IN);
		break;
	case M_ICMPERR_OUT:
		t_icmp_err(&t, NAT_DIR_OUT);
		break;
	case M_FRAG_OUT:
		t_frag(&t, NAT_DIR_OUT);
		break;
	case M_FRAG_IN:
		t_frag(&t, NAT_DIR_IN);
		break;
	case M_BURST:
		t_burst(&t, t.partial);
		return true;
	case M_REPLAY:
		if (!t_replay(&t, fl & 1))
			t_out(&t, P_UDP);
		break;
	case M_REPLY_OUT:
		t_reply_out(&t);
		break;
	case M_HAIRPIN:
		t_hairpin(&t);
		break;
	default:
		t_control(&t);
		return true;
	}
	mutate(&t, in);
	batch_add(t.b, t.len, t.dir, t.partial, t.k[11]);
out:
	if (fl & 4)
		batch_flush();
	return true;
}

static void reset_state(void)
{
	if (g_nat)
		nat_destroy(g_nat);
	g_nat = NULL;
	g_now = 1000000;
	memset(&g_out, 0, sizeof(g_out));
	memset(&g_in, 0, sizeof(g_in));
	g_last_n = 0;
	g_dyn_port[0] = 0;
	g_dyn_port[1] = 0;
	g_rt_port = 0;
	g_ext2_gone = false;
	g_pfx_gone = false;
	g_b_gone = false;
	engine_setup();
}

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	the input
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool fresh;
	struct input in = { data, size, 0 };
	unsigned n = 0;

	if (!g_nat) {
		fresh = getenv("FUZZ_FRESH") != NULL;
		reset_state();
	} else if (fresh) {
		reset_state();
	}
	while (n++ < MAX_RECORDS && do_record(&in))
		;
	batch_flush();
	return 0;
}
