/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - core.h: the engine's state, shared by the files of src/core
 *
 * Theory of operation
 * -------------------
 * State lives in pools allocated once at nat_create():
 *  - sessions (struct nat_sess, 48 bytes): one per 5-tuple, found by a hash
 *    index holding two keys per session, (proto, internal addr:port, remote
 *    addr:port) for outbound and (proto, external addr:port, remote) for
 *    inbound, so each packet costs one index probe and one session read;
 *  - mappings (struct nat_mapping, 32 bytes): the endpoint-independent
 *    binding internal addr:port <-> external addr:port (RFC 4787 REQ-1), with
 *    its own index (two keys) and the list of its sessions; a dynamic mapping
 *    lives while it has sessions, a static one until it is deleted;
 *  - hosts: per internal address session counts, for the per-endpoint limit;
 *  - external addresses, each with one port bitmap per protocol shared by
 *    every network that uses the address: a port is owned by one mapping;
 *    a second bitmap marks the ports the host's sockets hold (port.c);
 *  - the log of port ownership changes for the datapath (port.c).
 * Expiry uses a wheel of one-second slots (WHEEL_SLOTS s ahead at most):
 * each session sits in the slot of its expiry, or of the wheel's horizon,
 * and refreshing a session only writes its @last; when a slot comes due,
 * each session in it is either expired or moved to the slot its @last now
 * says, so expiry never scans the table and a packet never touches a list.
 */
#ifndef HOSTNAT_CORE_H
#define HOSTNAT_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "htab.h"
#include "ring.h"
#include "nat.h"
#include "pkt.h"

#define NONE32 0xffffffffu
#define WHEEL_SLOTS 64		/* s, horizon of the expiry wheel */
#define NET_EXT_MAX 16		/* external addresses per network */
#define OUTQ_MAX 256		/* packets queued for nat_poll() */
#define GEN_BUF 576		/* bytes, an ICMP error we build, RFC 1812 */
#define FRAG_BUF 2048		/* bytes, largest fragment the engine holds */
#define FRAG_HELD_PER_DGRAM 64	/* fragments held for one datagram */
#define FRAG_TIMEOUT 10		/* s, fragment state without news */
#define ADF_WALK_MAX 1024	/* sessions looked at for an ADF decision */
#define ICMP_RATE 1000		/* ICMP errors generated per s at most */
#define ICMP_BURST 100		/* ICMP errors in a burst */

/* key kinds, mixed into the hash and checked on lookup */
enum key_kind {
	KEY_SESS_OUT = 0,
	KEY_SESS_IN = 1,
	KEY_MAP_OUT = 2,
	KEY_MAP_IN = 3,
	KEY_HOST = 4,
	KEY_FRAG = 5,
	KEY_SYN = 6,
};

/* struct nat_sess.flags */
#define SESS_LIVE 0x01		/* in the index (not expired or killed) */
#define SESS_INBOUND 0x02	/* created by an inbound packet */
#define SESS_HAIRPIN 0x04	/* remote is one of our external addresses */
#define SESS_WHEEL 0x08		/* in a wheel slot */
#define SESS_STATIC 0x10	/* of a static mapping */
#define SESS_HOSTREM 0x20	/* remote is the host's stand-in address */
#define SESS_SEEN_IN 0x40	/* an inbound packet matched it */
#define SESS_SEEN_OUT 0x80	/* an outbound packet matched it */
#define EVICT_WALK_MAX 256	/* sessions of a mapping looked at to find an
				 * unanswered one to evict */
#define FRAG_EVICT_WALK_MAX 64	/* entries looked at to find held buffers */

/* struct nat_sess.fast */
#define FAST_ON 1		/* its keys are the fast path's */
#define FAST_DYING 2		/* expired: keys being deleted, last use
				 * re-checked before it is freed */

/* answered: the other side spoke (inbound-created: the endpoint answered;
 * endpoint-created: an inbound packet matched) */
static inline bool sess_answered(uint8_t flags)
{
	return flags & (flags & SESS_INBOUND ? SESS_SEEN_OUT : SESS_SEEN_IN);
}

/**
 * struct nat_sess - one session (5-tuple); 48 bytes
 */
struct nat_sess {
	uint32_t rem_addr;	/* remote address */
	uint32_t int_addr;	/* endpoint address */
	uint32_t ext_addr;	/* external address */
	uint16_t rem_port;	/* remote port, 0 for ICMP */
	uint16_t int_port;	/* endpoint port or ICMP identifier */
	uint16_t ext_port;	/* external port or ICMP identifier */
	uint8_t proto;		/* enum nat_proto */
	uint8_t state;		/* enum nat_tcp_state */
	uint32_t map;		/* its mapping */
	uint32_t last;		/* s, engine clock: last refresh */
	uint32_t created;	/* s, engine clock */
	uint32_t wheel_next;	/* next in wheel slot, or free list */
	uint32_t m_next;	/* next session of the same mapping */
	uint32_t m_prev;	/* previous session of the same mapping */
	uint8_t flags;		/* SESS_* */
	uint8_t net;		/* network id */
	uint8_t fast;		/* FAST_ON: the fast path may carry it,
				 * FAST_DYING: its keys are being deleted
				 * (fast.c); 0: neither */
	uint8_t npkts;		/* packets the engine saw, up to 255 */
};

/* struct nat_mapping.flags */
#define MAP_LIVE 0x01
#define MAP_STATIC 0x02
#define MAP_OUTKEY 0x04		/* holds the outbound key of its endpoint */

/**
 * struct nat_mapping - endpoint-independent binding; 32 bytes
 */
struct nat_mapping {
	uint32_t int_addr;	/* endpoint address */
	uint32_t ext_addr;	/* external address */
	uint16_t int_port;	/* endpoint port or ICMP identifier */
	uint16_t ext_port;	/* external port or identifier */
	uint8_t proto;		/* enum nat_proto */
	uint8_t net;		/* network id */
	uint8_t flags;		/* MAP_* */
	uint8_t pad;
	uint32_t nsess;		/* sessions using it */
	uint32_t nsess_in;	/* of which created from outside */
	uint32_t sess_head;	/* first session, or the free list */
	uint32_t stat;		/* static mapping index, NONE32 if dynamic */
};

/**
 * struct nat_host - per endpoint address counts, for its flow limit
 */
struct nat_host {
	uint32_t addr;		/* endpoint address */
	uint32_t nsess;		/* sessions */
	uint32_t nsess_in;	/* of which created from outside */
	uint32_t nmap[NAT_NPROTO]; /* dynamic mappings (ports) per protocol */
	uint32_t next_free;	/* free list */
};

/**
 * struct nat_prefix - an internal prefix of a network
 */
struct nat_prefix {
	uint32_t addr;		/* first address */
	uint32_t mask;		/* netmask */
	uint8_t plen;		/* prefix length */
	uint8_t net;		/* network id */
	bool used;
};

/**
 * struct nat_ext - an external address and its port ownership
 * @addr:	the address
 * @nets:	networks using it
 * @bits:	one bit per port (ICMP identifier) and protocol: owned
 * @held:	one bit per port and protocol: a host socket holds it, no new
 *		dynamic mapping may take it (not owned)
 */
struct nat_ext {
	uint32_t addr;
	uint32_t nets;
	uint64_t *bits[NAT_NPROTO];
	uint64_t *held[NAT_NPROTO];
};

#define PORT_WORDS (65536 / 64)	/* uint64_t words of one port bitmap */

/**
 * struct nat_net_ext - an external address as one network uses it
 */
struct nat_net_ext {
	uint16_t ext;		/* index into nat->exts */
	uint16_t lo;		/* first port of the dynamic range */
	uint16_t hi;		/* last port */
};

/**
 * struct nat_net - a NAT network
 */
struct nat_net {
	bool used;
	struct nat_net_cfg cfg;
	struct nat_net_ext ext[NET_EXT_MAX];
	unsigned n_ext;
};

/**
 * struct nat_static - a static mapping and its mapping records (one per
 * external address it applies to)
 */
struct nat_static {
	bool used;
	uint8_t net;
	struct nat_map m;
	uint32_t maps[NET_EXT_MAX];
	unsigned n_maps;
};

/**
 * struct frag_ent - one fragmented datagram being translated
 */
struct frag_ent {
	uint32_t src, dst;	/* as received: the key */
	uint16_t id;		/* IPv4 identification as received */
	uint8_t proto;		/* IP protocol */
	uint8_t known;		/* translation known (first fragment seen) */
	uint32_t new_src, new_dst; /* translation */
	uint16_t new_id;	/* identification after translation */
	uint8_t verdict;	/* verdict of the first fragment */
	uint8_t nheld;		/* fragments held */
	uint32_t held;		/* first held buffer, chained */
	uint32_t seen;		/* bytes of payload seen */
	uint32_t total;		/* datagram payload length, 0 until known */
	uint32_t last;		/* s, engine clock */
	uint32_t next_free;
	uint32_t age_prev, age_next; /* age list, oldest first (eviction) */
	bool used;
};

/**
 * struct syn_ent - an unsolicited inbound SYN held for RFC 5382 REQ-4
 */
struct syn_ent {
	uint32_t ext_addr, rem_addr;
	uint16_t ext_port, rem_port;
	uint64_t due_ms;	/* ms, engine clock: when to answer */
	uint32_t next_free;
	uint16_t qlen;		/* bytes quoted */
	uint8_t net;
	bool used;
	uint8_t quote[IP_HLEN_MAX + 8];
};

/**
 * struct outq_ent - a packet waiting for nat_poll()
 */
struct outq_ent {
	struct nat_pkt pkt;
	uint32_t frag_buf;	/* held-fragment buffer to free, or NONE32 */
};

/**
 * struct nat - the engine
 */
struct nat {
	struct nat_limits lim;
	struct nat_mem mem;
	uint64_t seed[3];
	uint64_t rng;
	uint64_t t0_ms;
	uint32_t now;			/* s since nat_create() */
	uint64_t now_ms;		/* ms since nat_create() */
	uint16_t ipid;			/* next IPv4 identification we set */
	uint32_t icmp_tokens;		/* token bucket, ICMP_RATE */
	uint32_t icmp_refill;		/* s of the last refill */
	char err[256];
	struct nat_stats st;

	struct nat_net *nets;
	struct nat_prefix *prefixes;
	struct nat_ext *exts;
	struct nat_static *statics;
	uint64_t *held_any[NAT_NPROTO];	/* held on every external address */

	struct lib_ring pev;		/* port log: struct nat_port_event,
					 * max_port_events; lost: resync */

	struct lib_ring fev;		/* fast-path log: struct
					 * nat_fast_event, max_port_events
					 * (fast.c); lost: resync */
	struct lib_ring sev;		/* monitor log: struct nat_sess_event,
					 * max_port_events (events.c) */
	bool sev_on;			/* someone subscribes: log */
	volatile uint32_t *fast_seen;	/* NULL: no fast path */
	uint32_t fast_base;		/* t0 in CLOCK_MONOTONIC seconds */
	uint32_t fast_n;		/* sessions fast_seen has room for */
	volatile uint64_t *fast_state;	/* TCP state of fast session i, moved
					 * by the datapath too; NULL: none */

	struct nat_sess *sess;
	uint32_t sess_free;
	struct htab sess_h;
	uint32_t wheel[WHEEL_SLOTS];
	uint32_t wheel_tick;		/* last tick processed */

	struct nat_mapping *maps;
	uint32_t maps_max;
	uint32_t map_free;
	struct htab map_h;

	struct nat_host *hosts;
	uint32_t host_free;
	struct htab host_h;

	struct frag_ent *frags;
	uint32_t frag_free;
	struct htab frag_h;
	uint8_t *frag_buf;		/* max_frag_held * FRAG_BUF */
	uint32_t *frag_buf_next;	/* chain / free list */
	uint16_t *frag_buf_len;
	uint32_t frag_buf_free;
	uint32_t frag_old, frag_new;	/* age list: oldest and newest entry */
	uint32_t *frag_src_ent;		/* entries per hashed source address */
	uint32_t *frag_src_buf;		/* held buffers per hashed source */
	uint32_t frag_src_mask;		/* counters - 1 (a power of two) */

	uint32_t *rem_cnt;		/* inbound sessions per hashed
					 * (mapping, remote address) */
	uint32_t rem_mask;		/* counters - 1 (a power of two) */

	struct syn_ent *syns;
	uint32_t syn_free;
	struct htab syn_h;

	struct outq_ent outq[OUTQ_MAX];
	uint32_t outq_head, outq_n, outq_given;
	uint8_t (*gen)[GEN_BUF];	/* OUTQ_MAX buffers for built packets */
	uint32_t gen_next;

	void *allocs[32];
	size_t alloc_sizes[32];
	unsigned nallocs;
};

static inline uint64_t key_hash(const struct nat *nat, enum key_kind kind,
				uint8_t proto, uint32_t laddr, uint16_t lport,
				uint32_t raddr, uint16_t rport)
{
	return hash_mix((uint64_t)laddr << 32 | raddr,
			(uint64_t)lport << 48 | (uint64_t)rport << 32 |
				(uint32_t)proto << 8 | kind,
			nat->seed);
}

static inline void nat_drop(struct nat *nat, struct nat_pkt *p,
			    unsigned reason)
{
	p->verdict = NAT_DROP;
	p->reason = (uint8_t)reason;
	nat->st.drops[reason]++;
}

static inline uint32_t nat_rand(struct nat *nat)
{
	/* splitmix64: port choice only needs to be unpredictable enough to
	 * follow RFC 6056, the seed is the secret */
	uint64_t z = (nat->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* nat.c */
void nat_err(struct nat *nat, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nat_prefix_find(const struct nat *nat, uint32_t addr);
int nat_ext_find(const struct nat *nat, uint32_t addr);
bool nat_port_owned(const struct nat *nat, uint32_t addr, uint8_t proto,
		    uint16_t port);
bool nat_isolated(const struct nat *nat, unsigned net, uint32_t dst);
bool nat_icmp_token(struct nat *nat);
struct nat_pkt *nat_outq_push(struct nat *nat);
void nat_clock(struct nat *nat, uint64_t now_ms);

/* config.c */
int nat_net_check(struct nat *nat, unsigned id);

/* static.c */
int static_place(struct nat *nat, uint32_t st, unsigned ext_idx);
void static_destroy(struct nat *nat, uint32_t st);

/* flow.c */
int flow_setup(struct nat *nat);
uint32_t sess_lookup(const struct nat *nat, enum key_kind kind, uint8_t proto,
		     uint32_t laddr, uint16_t lport, uint32_t raddr,
		     uint16_t rport);
uint32_t map_lookup(const struct nat *nat, enum key_kind kind, uint8_t proto,
		    uint32_t addr, uint16_t port);
int sess_create(struct nat *nat, uint32_t map, uint32_t rem_addr,
		uint16_t rem_port, bool inbound, uint32_t *sidx);
int map_create_dynamic(struct nat *nat, unsigned net, uint8_t proto,
		       uint32_t int_addr, uint16_t int_port, uint32_t *midx);
int map_create_at(struct nat *nat, unsigned net, uint8_t proto,
		  uint32_t int_addr, uint16_t int_port, unsigned slot,
		  uint16_t port, uint32_t *midx);
/* what a restored session was (sess_create_from()) */
struct sess_init {
	uint8_t state;		/* enum nat_tcp_state */
	uint8_t seen;		/* SESS_SEEN_IN, SESS_SEEN_OUT */
	uint8_t npkts;
	uint32_t last, created;	/* s, engine clock */
};
int sess_create_from(struct nat *nat, uint32_t map, uint32_t rem_addr,
		     uint16_t rem_port, bool inbound,
		     const struct sess_init *init, uint32_t *sidx);
int map_create_static(struct nat *nat, unsigned net, uint32_t stat,
		      uint32_t ext_addr, uint32_t *midx);
void map_destroy(struct nat *nat, uint32_t midx);
void map_claim_outkey(struct nat *nat, uint32_t midx);
void flow_rebuild(struct nat *nat);
void fast_publish(struct nat *nat, uint32_t si);
void fast_unlink(struct nat *nat, uint32_t si);
void fast_dying(struct nat *nat, uint32_t si);
void fast_revive(struct nat *nat, uint32_t si);
uint32_t fast_last(const struct nat *nat, uint32_t si);
uint8_t fast_state_of(const struct nat *nat, uint32_t si);
void fast_state_pull(struct nat *nat, uint32_t si);
void fast_tcp_track(struct nat *nat, uint32_t si, bool outbound,
		    uint8_t flags);
void ev_sess(struct nat *nat, uint32_t si, uint8_t kind, uint8_t reason);
uint32_t flow_timeout(const struct nat *nat, const struct nat_sess *s);
void flow_expire(struct nat *nat, unsigned budget);
unsigned flow_kill_if(struct nat *nat,
		      bool (*pred)(const struct nat_sess *s, const void *ctx),
		      const void *ctx);
bool flow_host_room(struct nat *nat, uint32_t addr, bool inbound);
bool map_adf_allows(const struct nat *nat, uint32_t midx, uint32_t rem_addr);

/* port.c */
int port_alloc(struct nat *nat, unsigned ext, uint8_t proto, uint16_t lo,
	       uint16_t hi, uint16_t want);
bool port_test(const struct nat *nat, unsigned ext, uint8_t proto,
	       uint16_t port);
void port_set(struct nat *nat, unsigned ext, uint8_t proto, uint16_t port);
void port_clear(struct nat *nat, unsigned ext, uint8_t proto, uint16_t port);
bool port_held(const struct nat *nat, unsigned ext, uint8_t proto,
	       uint16_t port);
void port_ext_reset(struct nat *nat, unsigned ext);

/* tcp.c */
void tcp_track(struct nat_sess *s, bool outbound, uint8_t flags);

/* translate.c */
void xlate_src(uint8_t *ip, struct pkt_info *pi, bool partial, uint32_t addr,
	       uint16_t port);
void xlate_dst(uint8_t *ip, struct pkt_info *pi, bool partial, uint32_t addr,
	       uint16_t port);
void xlate_ipid(uint8_t *ip, uint16_t id);

/* icmp.c */
void icmp_err_out(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi);
void icmp_err_in(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
		 bool hairpin);
int icmp_build_error(struct nat *nat, uint8_t *buf, uint32_t cap,
		     const uint8_t *orig, uint32_t origlen, uint8_t type,
		     uint8_t code, uint32_t src, uint32_t dst);
void icmp_reply(struct nat *nat, struct nat_pkt *p, const struct pkt_info *pi,
		uint8_t type, uint8_t code, uint32_t src, unsigned reason);

/* frag.c */
int frag_setup(struct nat *nat);
void frag_first(struct nat *nat, const struct pkt_info *pi_orig,
		const uint8_t *ip, uint8_t verdict);
void frag_other(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi);
void frag_expire(struct nat *nat);
void frag_buf_put(struct nat *nat, uint32_t b);

/* synhold.c */
int syn_setup(struct nat *nat);
void syn_hold(struct nat *nat, struct nat_pkt *p, const struct pkt_info *pi,
	      unsigned net);
void syn_cancel(struct nat *nat, uint32_t ext_addr, uint16_t ext_port,
		uint32_t rem_addr, uint16_t rem_port);
void syn_expire(struct nat *nat);

/* translate.c: the packet path */
void xlate_out(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi);
void xlate_in(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
	      bool hairpin);
void xlate_out_sess(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
		    uint32_t si);
void xlate_in_sess(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
		   uint32_t si, bool hairpin);

/* nat.c allocation helper used at setup */
void *nat_alloc(struct nat *nat, size_t size);

#endif /* HOSTNAT_CORE_H */
