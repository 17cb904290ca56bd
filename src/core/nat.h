/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - host NAT for Linux
 *
 * nat.h - the translation engine's public interface
 *
 * Theory of operation
 * -------------------
 * The engine is a library: it is configured with NAT networks (each with
 * internal prefixes, external addresses with a port range, timeouts and
 * filtering) and static mappings, then handed batches of IPv4 packets with a
 * direction and a clock. It translates each packet in place and returns a
 * verdict per packet. It makes no system call and allocates nothing after
 * nat_create(): every table is sized from struct nat_limits.
 *
 * Directions: NAT_DIR_OUT is a packet sent by an endpoint (source inside an
 * internal prefix); NAT_DIR_IN is a packet from the outside addressed to an
 * external address. An outbound packet whose destination is an external
 * address of this engine is translated twice (out, then in) and comes back
 * with the verdict NAT_FORWARD and the target endpoint as destination:
 * hairpinning, RFC 4787 REQ-9, RFC 5382 REQ-8.
 *
 * Time-driven work (expiry, the 6 s hold of unsolicited SYNs, fragments held
 * until the first fragment of their datagram arrives) is done by nat_poll(),
 * which also hands out packets the engine generated. Call it after each batch
 * and at least every NAT_POLL_INTERVAL_MS.
 *
 * Port ownership is mirrored for the datapath (a tc classifier steers into
 * the engine only the ports the NAT owns now): every change of ownership of
 * a (protocol, external address, port) goes to a bounded log that
 * nat_port_events() drains; nat_port_walk() lists what is owned, to start
 * from or to resynchronise after the log overflowed. Ports the host's own
 * sockets hold (nat_port_hold()) are never given to a new dynamic mapping.
 *
 * Addresses and ports in this interface are in host byte order.
 */
#ifndef HOSTNAT_NAT_H
#define HOSTNAT_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAT_NAME_MAX 32		/* bytes, with the terminating NUL */
#define NAT_POLL_INTERVAL_MS 100 /* ms, longest gap between nat_poll() calls */

/* Defaults that hostnat ships: RFC minimums or better (RFC-REQUIREMENTS.md) */
#define NAT_UDP_TIMEOUT_DEFAULT 300	  /* s, RFC 4787 REQ-5c */
#define NAT_TCP_EST_TIMEOUT_DEFAULT 7440  /* s, RFC 5382 REQ-5 */
#define NAT_TCP_TRANS_TIMEOUT_DEFAULT 240 /* s, RFC 5382 REQ-5 */
#define NAT_TCP_SYN_TIMEOUT_DEFAULT 6	  /* s, RFC 5382 REQ-4 */
#define NAT_ICMP_TIMEOUT_DEFAULT 60	  /* s, RFC 5508 REQ-2 */
/* A UDP session its endpoint opened that no inbound packet ever matched.
 * RFC 4787 REQ-5 allows no mapping timer under 2 min except for well-known
 * destination ports (REQ-5a); it has no exception for unanswered mappings,
 * and RFC-REQUIREMENTS.md promises RFC-clean defaults. So the default is
 * the REQ-5 floor, 120 s; lower values (down to
 * NAT_UDP_UNANSWERED_TIMEOUT_MIN) are accepted as the administrator's
 * deliberate departure from REQ-5, as netfilter's 30 s "unreplied" is. */
#define NAT_UDP_UNANSWERED_TIMEOUT_DEFAULT 120 /* s, RFC 4787 REQ-5 floor */
/* A UDP session created from outside (through a mapping) that the endpoint
 * never answered. Allowed to be short: it is filtering state, not the
 * mapping: a static mapping stays, and a dynamic one lives while the
 * sessions its endpoint opened do, so no mapping timer (RFC 4787 REQ-5)
 * is shortened by it. */
#define NAT_INBOUND_UNANSWERED_TIMEOUT_DEFAULT 30 /* s */
#define NAT_PORT_SHARE_DEFAULT 8	/* an endpoint: 1/8 of the range */
#define NAT_PORT_SHARE_MAX 1024
#define NAT_MAP_INBOUND_MAX_DEFAULT 4096 /* sessions, half the endpoint's */
#define NAT_REMOTE_INBOUND_MAX_DEFAULT 256 /* sessions per remote address */

/* The floors below which a timeout is refused (RFC MUST NOTs) */
#define NAT_UDP_TIMEOUT_MIN 120	     /* s, RFC 4787 REQ-5 */
#define NAT_TCP_EST_TIMEOUT_MIN 7440 /* s, RFC 5382 REQ-5 */
#define NAT_TCP_TRANS_TIMEOUT_MIN 240 /* s, RFC 5382 REQ-5 */
#define NAT_TCP_SYN_TIMEOUT_MIN 6    /* s, RFC 5382 REQ-4 */
#define NAT_ICMP_TIMEOUT_MIN 60	     /* s, RFC 5508 REQ-2 */
#define NAT_UDP_UNANSWERED_TIMEOUT_MIN 30 /* s, below RFC 4787 REQ-5: see above */
#define NAT_INBOUND_UNANSWERED_TIMEOUT_MIN 5 /* s */
#define NAT_TIMEOUT_MAX 864000	     /* s, 10 days */

/**
 * enum nat_proto - transport protocols the engine translates
 */
enum nat_proto {
	NAT_TCP = 0,
	NAT_UDP = 1,
	NAT_ICMP = 2,
	NAT_NPROTO = 3,
};

/**
 * enum nat_filter - inbound filtering, RFC 4787 REQ-8, RFC 5382 REQ-3
 * @NAT_FILTER_EIF:	endpoint-independent: any remote may use a mapping
 * @NAT_FILTER_ADF:	address-dependent: remotes the endpoint sent to
 * @NAT_FILTER_APDF:	address-and-port-dependent: exact remote address:port
 */
enum nat_filter {
	NAT_FILTER_EIF = 0,
	NAT_FILTER_ADF = 1,
	NAT_FILTER_APDF = 2,
};

/**
 * enum nat_dir - which side a packet comes from
 */
enum nat_dir {
	NAT_DIR_OUT = 0,
	NAT_DIR_IN = 1,
};

/**
 * enum nat_verdict - what the caller does with a packet after nat_process()
 * @NAT_FORWARD:	translated in place: send it on (kernel routes it)
 * @NAT_REPLY:		the buffer now holds an ICMP error the engine built in
 *			answer (RFC 5508 REQ-8, REQ-10): send it
 * @NAT_LOCAL:		not for the NAT (no mapping owns it): leave it to the
 *			host, untranslated
 * @NAT_DROP:		drop it; @reason says why and is counted
 * @NAT_HELD:		the engine kept a copy (a fragment that came before
 *			the first one, an unsolicited SYN held for 6 s): the
 *			caller's buffer is free; the engine emits the packet,
 *			or an answer to it, later through nat_poll()
 */
enum nat_verdict {
	NAT_FORWARD = 0,
	NAT_REPLY = 1,
	NAT_LOCAL = 2,
	NAT_DROP = 3,
	NAT_HELD = 4,
};

/**
 * enum nat_drop - why a packet was dropped; each reason has a counter
 */
enum nat_drop {
	NAT_DROP_NONE = 0,
	NAT_DROP_SHORT,		/* shorter than the headers it claims */
	NAT_DROP_IP_VERSION,	/* not IPv4 */
	NAT_DROP_IP_HLEN,	/* IHL below 5 or beyond the packet */
	NAT_DROP_IP_LEN,	/* total length below IHL or beyond the packet */
	NAT_DROP_IP_CSUM,	/* IPv4 header checksum wrong */
	NAT_DROP_IP_OPTIONS,	/* malformed IPv4 options */
	NAT_DROP_IP_ADDR,	/* source or destination is no unicast address */
	NAT_DROP_TTL,		/* TTL 0 */
	NAT_DROP_FRAG_BAD,	/* fragment offset/length impossible */
	NAT_DROP_FRAG_FULL,	/* fragment table or buffer space full */
	NAT_DROP_FRAG_TIMEOUT,	/* first fragment never came */
	NAT_DROP_PROTO,		/* transport protocol not translated */
	NAT_DROP_L4_SHORT,	/* transport header truncated */
	NAT_DROP_L4_BAD,	/* transport header invalid (TCP offset, port 0) */
	NAT_DROP_ICMP_CSUM,	/* ICMP error with a wrong checksum, RFC 5508 REQ-3 */
	NAT_DROP_ICMP_TYPE,	/* ICMP type not translated, RFC 5508 REQ-11 */
	NAT_DROP_ICMP_INNER,	/* embedded packet of an ICMP error invalid */
	NAT_DROP_ICMP_NOSESS,	/* ICMP error for no session, RFC 5508 REQ-4 */
	NAT_DROP_SPOOFED,	/* endpoint source outside every internal prefix */
	NAT_DROP_NOT_OURS,	/* inbound to an address that is not external */
	NAT_DROP_NO_MAPPING,	/* inbound to a port with no mapping */
	NAT_DROP_FILTERED,	/* inbound refused by filtering, RFC 4787 REQ-8 */
	NAT_DROP_TCP_NOSYN,	/* TCP without SYN for no session */
	NAT_DROP_TABLE_FULL,	/* flow table full */
	NAT_DROP_HOST_LIMIT,	/* endpoint at its flow limit */
	NAT_DROP_PORTS_FULL,	/* no free external port */
	NAT_DROP_SYN_HELD_FULL, /* no room to hold an unsolicited SYN */
	NAT_DROP_SYN_SIMOPEN,	/* held SYN superseded by an outbound SYN */
	NAT_DROP_CONFLICT,	/* 5-tuple already used by another session */
	NAT_DROP_NO_ROOM,	/* buffer too small for the ICMP error to build */
	NAT_DROP_ISOLATED,	/* endpoint to an internal prefix: networks are
				 * isolated, only the own host_addr is reached */
	NAT_DROP_PORT_SHARE,	/* endpoint holds its share of the ports of
				 * the external address (port_share) */
	NAT_DROP_FRAG_SRC_LIMIT, /* source holds its share of the fragment
				  * table or buffers (max_frags_per_src...) */
	NAT_DROP_FRAG_EVICTED,	/* held fragment of a datagram evicted to make
				 * room for a newer one (table or buffers full) */
	NAT_DROP_MAP_INBOUND_LIMIT, /* mapping at map_inbound_max sessions from
				     * outside, none unanswered to evict */
	NAT_DROP_REMOTE_LIMIT,	/* remote address at remote_inbound_max
				 * sessions of one mapping */
	NAT_DROP_REASONS
};

/**
 * enum nat_tcp_state - TCP session states, RFC 7857 section 3 / RFC 6146
 */
enum nat_tcp_state {
	NAT_TCP_NONE = 0,	/* not TCP */
	NAT_TCP_OUT_INIT,	/* SYN seen from inside */
	NAT_TCP_IN_INIT,	/* SYN seen from outside (through a mapping) */
	NAT_TCP_ESTABLISHED,	/* SYN seen both ways */
	NAT_TCP_OUT_FIN,	/* FIN seen from inside */
	NAT_TCP_IN_FIN,		/* FIN seen from outside */
	NAT_TCP_BOTH_FIN,	/* FIN seen both ways */
	NAT_TCP_TRANS,		/* RST seen: transitory timer, RFC 7857 */
	NAT_TCP_NSTATES
};

/**
 * struct nat_limits - table sizes, fixed at nat_create()
 * @max_flows:		sessions (one per 5-tuple) in the whole engine
 * @max_flows_per_host:	sessions one internal address may hold
 * @max_hosts:		internal addresses with sessions at once
 * @max_nets:		NAT networks
 * @max_prefixes:	internal prefixes over all networks
 * @max_ext:		external addresses over all networks
 * @max_static:		static mappings over all networks
 * @max_frags:		datagrams tracked by the fragment table
 * @max_frag_held:	fragments held while waiting for their first one
 * @max_frags_per_src:	fragment table entries one source address may hold
 *			(RFC 4787 REQ-14a: one sender cannot fill the
 *			table); 0: no limit of its own
 * @max_frag_held_per_src: held fragments one source address may have; 0: no
 *			limit of its own
 * @max_syn_held:	unsolicited SYNs held for the 6 s hold
 * @max_port_events:	port ownership changes kept between two
 *			nat_port_events() calls (more: the caller resyncs)
 */
struct nat_limits {
	uint32_t max_flows;
	uint32_t max_flows_per_host;
	uint32_t max_hosts;
	uint32_t max_nets;
	uint32_t max_prefixes;
	uint32_t max_ext;
	uint32_t max_static;
	uint32_t max_frags;
	uint32_t max_frag_held;
	uint32_t max_frags_per_src;
	uint32_t max_frag_held_per_src;
	uint32_t max_syn_held;
	uint32_t max_port_events;
};

/**
 * struct nat_timeouts - idle timeouts of a network, in seconds
 * @udp:	UDP mapping, RFC 4787 REQ-5
 * @tcp_est:	TCP established, RFC 5382 REQ-5
 * @tcp_trans:	TCP transitory (opening, closing, after RST), RFC 5382 REQ-5
 * @tcp_syn:	hold of an unsolicited inbound SYN, RFC 5382 REQ-4
 * @icmp:	ICMP query, RFC 5508 REQ-2
 * @udp_unanswered: UDP session opened by the endpoint that no inbound packet
 *		ever matched (at most @udp; see NAT_UDP_UNANSWERED_TIMEOUT_DEFAULT)
 * @inbound_unanswered: UDP session created from outside that the endpoint
 *		never answered (at most @udp)
 */
struct nat_timeouts {
	uint32_t udp;
	uint32_t tcp_est;
	uint32_t tcp_trans;
	uint32_t tcp_syn;
	uint32_t icmp;
	uint32_t udp_unanswered;
	uint32_t inbound_unanswered;
};

/**
 * struct nat_net_cfg - settings of one NAT network
 * @name:		unique name
 * @gateway:		the NAT's own address inside (source of the ICMP
 *			errors it sends to endpoints)
 * @to:			timeouts
 * @filter:		enum nat_filter per enum nat_proto
 * @udp_inbound_refresh: inbound UDP refreshes the mapping, RFC 4787 REQ-6a
 * @icmp_errors:	send the ICMP errors RFC 5508 REQ-8 and RFC 5382 REQ-4
 *			ask for (false: drop silently, RFC 5508 REQ-9)
 * @host_addr:		an unassigned address of one of the network's prefixes
 *			that stands for the host when the host itself reaches
 *			a mapped port through an external address: endpoints
 *			see the host's connections coming from it (0: off)
 * @port_share:		an endpoint (internal address) owns at most
 *			1/@port_share of the dynamic range of an external
 *			address, per protocol, counted over all its dynamic
 *			mappings of that protocol (1: the whole range), so one
 *			endpoint cannot exhaust the ports others need
 *			(RFC 6888 REQ-4: a per-subscriber port limit)
 * @map_inbound_max:	sessions created from outside one mapping may have;
 *			when full, one the endpoint never answered is evicted
 * @remote_inbound_max:	sessions created from outside one remote address may
 *			have on one mapping
 */
struct nat_net_cfg {
	char name[NAT_NAME_MAX];
	uint32_t gateway;
	uint32_t host_addr;
	struct nat_timeouts to;
	uint8_t filter[NAT_NPROTO];
	bool udp_inbound_refresh;
	bool icmp_errors;
	uint16_t port_share;
	uint32_t map_inbound_max;
	uint32_t remote_inbound_max;
};

/**
 * struct nat_map - a static mapping: external address:port -> endpoint
 * @proto:	NAT_TCP or NAT_UDP
 * @ext_addr:	external address, or 0 for every external address of the net
 * @ext_port:	external port; 0 in nat_map_add() asks the engine to pick a
 *		free one (a dynamic mapping), written back on success
 * @int_addr:	endpoint address, inside one of the network's prefixes
 * @int_port:	endpoint port
 * @remote_addr: only remotes inside remote_addr/remote_plen may use it
 * @remote_plen: prefix length of the remote restriction, 0 for any remote
 * @host_only:	only the host itself may use it (its own connections to an
 *		external address); the remote restriction then applies to the
 *		address the host connected from
 */
struct nat_map {
	uint8_t proto;
	uint32_t ext_addr;
	uint16_t ext_port;
	uint32_t int_addr;
	uint16_t int_port;
	uint32_t remote_addr;
	uint8_t remote_plen;
	bool host_only;
};

/**
 * struct nat_pkt - one packet handed to nat_process() or out of nat_poll()
 * @data:	the IPv4 header, then the rest of the packet
 * @len:	bytes of packet at @data
 * @cap:	bytes writable at @data (>= @len); room lets the engine turn
 *		the packet into an ICMP error in place
 * @dir:	enum nat_dir, set by the caller (set by nat_poll() for its own)
 * @csum_partial: the TCP/UDP checksum field holds only the pseudo-header sum
 *		and the device completes it (virtio-net NEEDS_CSUM, GSO)
 * @verdict:	enum nat_verdict, set by the engine
 * @reason:	enum nat_drop when @verdict is NAT_DROP
 * @net:	network the packet was translated for, when known
 */
struct nat_pkt {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;
	uint8_t dir;
	uint8_t csum_partial;
	uint8_t verdict;
	uint8_t reason;
	uint16_t net;
};

/**
 * struct nat_session_info - one session, as listed by nat_session_walk()
 */
struct nat_session_info {
	uint16_t net;		/* network id */
	uint8_t proto;		/* enum nat_proto */
	uint8_t tcp_state;	/* enum nat_tcp_state */
	uint32_t int_addr;	/* endpoint address */
	uint16_t int_port;	/* endpoint port, ICMP query identifier */
	uint16_t ext_port;	/* external port or identifier */
	uint32_t ext_addr;	/* external address */
	uint32_t rem_addr;	/* remote address */
	uint16_t rem_port;	/* remote port, 0 for ICMP */
	bool inbound;		/* created by an inbound packet */
	bool static_map;	/* belongs to a static mapping */
	bool hairpin;		/* remote is an external address of ours */
	uint32_t age;		/* s since creation */
	uint32_t idle;		/* s since the last packet that refreshed it */
	uint32_t expires;	/* s until it expires unless refreshed */
};

/* struct nat_saved.flags */
#define NAT_SAVED_INBOUND 0x01	/* created by an inbound packet */
#define NAT_SAVED_STATIC 0x02	/* of a static mapping */
#define NAT_SAVED_SEEN_IN 0x04	/* an inbound packet matched it */
#define NAT_SAVED_SEEN_OUT 0x08	/* an outbound packet matched it */

/**
 * struct nat_saved - one session as a stopping daemon writes it down
 * (nat_save_walk()) and the next one takes it back (nat_restore()); the
 * handover file's record, 32 bytes, host byte order
 */
struct nat_saved {
	uint32_t int_addr;	/* endpoint address */
	uint32_t ext_addr;	/* external address */
	uint32_t rem_addr;	/* remote address */
	uint16_t int_port;	/* endpoint port or ICMP identifier */
	uint16_t ext_port;	/* external port or identifier */
	uint16_t rem_port;	/* remote port, 0 for ICMP */
	uint8_t proto;		/* enum nat_proto */
	uint8_t tcp_state;	/* enum nat_tcp_state */
	uint8_t net;		/* network id */
	uint8_t flags;		/* NAT_SAVED_* */
	uint8_t npkts;		/* packets the engine saw, up to 255 */
	uint8_t pad;
	uint32_t idle;		/* s since its last packet */
	uint32_t age;		/* s since it was created */
};

/**
 * struct nat_stats - engine-wide counters and gauges
 */
struct nat_stats {
	uint64_t pkts_out;		/* translated outbound */
	uint64_t pkts_in;		/* translated inbound */
	uint64_t pkts_hairpin;		/* translated both ways */
	uint64_t pkts_local;		/* left to the host */
	uint64_t pkts_icmp_err;		/* ICMP errors translated */
	uint64_t pkts_icmp_sent;	/* ICMP errors generated */
	uint64_t frags;			/* fragments translated */
	uint64_t sessions_created;
	uint64_t sessions_expired;
	uint64_t mappings_created;
	uint64_t drops[NAT_DROP_REASONS];
	uint32_t sessions;		/* in use now */
	uint32_t mappings;		/* dynamic and static, in use now */
	uint32_t hosts;			/* internal addresses with sessions */
	uint32_t frag_entries;		/* datagrams in the fragment table */
	uint32_t frag_held;		/* fragments held */
	uint32_t syn_held;		/* unsolicited SYNs held */
	uint64_t frag_evicted;		/* datagrams evicted from the table */
	uint64_t sess_evicted;		/* unanswered inbound sessions evicted */
	uint64_t mem_bytes;		/* bytes the engine allocated */
};

/**
 * struct nat_port_event - a port became owned by the NAT, or stopped being
 * owned, on one external address (shared by every network that uses it)
 */
struct nat_port_event {
	uint8_t owned;		/* 1: now owned, 0: released */
	uint8_t proto;		/* enum nat_proto */
	uint16_t port;		/* port or ICMP identifier */
	uint32_t addr;		/* external address */
};

/**
 * struct nat_fast_event - a session given to the kernel's fast path (ADD),
 * or taken back (DEL), with both of its keys
 * @op:		NAT_FAST_ADD or NAT_FAST_DEL
 * @proto:	NAT_TCP or NAT_UDP
 * @net:	network id
 * @idx:	the session's index: its slot in the seen array
 * @int_addr:	endpoint address and port: the outbound key is
 *		int:int_port -> rem:rem_port, rewritten to ext:ext_port as source
 * @ext_addr:	external address and port: the inbound key is
 *		rem:rem_port -> ext:ext_port, rewritten to int:int_port
 * @rem_addr:	remote address and port
 * @flags:	NAT_FAST_HAIRPIN
 */
struct nat_fast_event {
	uint8_t op;
	uint8_t proto;
	uint16_t net;
	uint32_t idx;
	uint32_t int_addr, ext_addr, rem_addr;
	uint16_t int_port, ext_port, rem_port;
	uint16_t flags;
};

#define NAT_FAST_ADD 1
#define NAT_FAST_DEL 2
/* struct nat_fast_event.flags: the remote is one of the NAT's own external
 * addresses (a hairpin): what the outbound key's rewrite makes is looked up
 * again as an inbound key, of the session on the other side */
#define NAT_FAST_HAIRPIN 1

/**
 * struct nat_sess_event - a session created (NAT_EV_NEW) or ended
 * (NAT_EV_END), for monitors (events.c)
 * @kind:	NAT_EV_NEW or NAT_EV_END
 * @reason:	of an end: enum nat_end_reason; NAT_END_NONE for NEW
 * @proto:	enum nat_proto
 * @net:	network id
 * @state:	TCP state at the event (enum nat_tcp_state)
 * @inbound:	created by an inbound packet
 * @int_addr:	endpoint address and port
 * @ext_addr:	external address and port
 * @rem_addr:	remote address and port (0 for ICMP)
 */
struct nat_sess_event {
	uint8_t kind;
	uint8_t reason;
	uint8_t proto;
	uint8_t net;
	uint8_t state;
	uint8_t inbound;
	uint16_t pad;
	uint32_t int_addr, ext_addr, rem_addr;
	uint16_t int_port, ext_port, rem_port;
	uint16_t pad2;
};

#define NAT_EV_NEW 1
#define NAT_EV_END 2

/**
 * enum nat_end_reason - why a session ended
 */
enum nat_end_reason {
	NAT_END_NONE = 0,
	NAT_END_EXPIRED,	/* its idle timer ran out (the wheel) */
	NAT_END_CLOSED,		/* TCP after FIN both ways or RST, timed out */
	NAT_END_REMOVED,	/* flush, mapping deleted, configuration */
	NAT_END_EVICTED,	/* made room for another (unanswered inbound) */
	NAT_END_N
};

struct nat;

/**
 * struct nat_mem - how the engine gets its memory (default: calloc/free)
 * @alloc:	zeroed, 64-byte aligned memory of @size bytes, or NULL
 * @free:	releases what @alloc returned
 * @ctx:	passed to both
 */
struct nat_mem {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p, size_t size);
	void *ctx;
};

void nat_limits_default(struct nat_limits *lim);
void nat_limits_get(const struct nat *nat, struct nat_limits *lim);
void nat_net_cfg_default(struct nat_net_cfg *cfg, const char *name);

int nat_create(struct nat **natp, const struct nat_limits *lim,
	       const struct nat_mem *mem, uint64_t seed, uint64_t now_ms);
void nat_destroy(struct nat *nat);
const char *nat_error(const struct nat *nat);

int nat_net_add(struct nat *nat, const struct nat_net_cfg *cfg,
		unsigned *id);
int nat_net_del(struct nat *nat, unsigned id);
int nat_net_set(struct nat *nat, unsigned id, const struct nat_net_cfg *cfg);
int nat_net_get(const struct nat *nat, unsigned id, struct nat_net_cfg *cfg);
int nat_net_find(const struct nat *nat, const char *name, unsigned *id);

int nat_prefix_add(struct nat *nat, unsigned net, uint32_t addr,
		   unsigned plen);
int nat_prefix_del(struct nat *nat, unsigned net, uint32_t addr,
		   unsigned plen);

int nat_ext_add(struct nat *nat, unsigned net, uint32_t addr,
		uint16_t port_lo, uint16_t port_hi);
int nat_ext_del(struct nat *nat, unsigned net, uint32_t addr);

int nat_map_add(struct nat *nat, unsigned net, struct nat_map *map);
int nat_map_del(struct nat *nat, unsigned net, uint8_t proto,
		uint32_t ext_addr, uint16_t ext_port);
int nat_map_walk(const struct nat *nat, unsigned net,
		 int (*fn)(unsigned net, const struct nat_map *map, void *ctx),
		 void *ctx);

void nat_process(struct nat *nat, struct nat_pkt *pkts, unsigned n,
		 uint64_t now_ms);
unsigned nat_poll(struct nat *nat, uint64_t now_ms, struct nat_pkt *out,
		  unsigned max);

int nat_session_walk(struct nat *nat, uint64_t now_ms,
		     int (*fn)(const struct nat_session_info *s, void *ctx),
		     void *ctx);
uint32_t nat_session_walk_from(struct nat *nat, uint64_t now_ms,
			       uint32_t start, uint32_t max,
			       int (*fn)(const struct nat_session_info *s,
					 void *ctx),
			       void *ctx);
unsigned nat_session_flush(struct nat *nat, int net);
int nat_save_walk(struct nat *nat, uint64_t now_ms,
		  int (*fn)(const struct nat_saved *r, void *ctx), void *ctx);
int nat_restore(struct nat *nat, uint64_t now_ms, const struct nat_saved *r,
		uint32_t away_s);
void nat_stats_get(const struct nat *nat, struct nat_stats *st);

unsigned nat_port_events(struct nat *nat, struct nat_port_event *out,
			 unsigned max, bool *resync);
int nat_port_walk(const struct nat *nat,
		  int (*fn)(uint8_t proto, uint32_t addr, uint16_t port,
			    void *ctx),
		  void *ctx);
void nat_fast_attach(struct nat *nat, volatile uint32_t *seen,
		     uint32_t nslots, uint64_t now_ms);
void nat_fast_attach_state(struct nat *nat, volatile uint64_t *state);
unsigned nat_fast_events(struct nat *nat, struct nat_fast_event *out,
			 unsigned max, bool *resync);
int nat_fast_walk(struct nat *nat,
		  int (*fn)(const struct nat_fast_event *ev, void *ctx),
		  void *ctx);
void nat_events_enable(struct nat *nat, bool on);
unsigned nat_sess_events(struct nat *nat, struct nat_sess_event *out,
			 unsigned max, uint64_t *lost);
const char *nat_end_reason_name(unsigned reason);
int nat_port_hold(struct nat *nat, uint8_t proto, uint32_t addr,
		  uint16_t port, bool held);
void nat_port_hold_clear(struct nat *nat);

const char *nat_drop_name(unsigned reason);
const char *nat_tcp_state_name(unsigned state);
const char *nat_proto_name(unsigned proto);
const char *nat_filter_name(unsigned filter);

#endif /* HOSTNAT_NAT_H */
