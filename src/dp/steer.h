/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - steer.h: the tc BPF programs' loader and maps (steer.c)
 */
#ifndef HOSTNAT_STEER_H
#define HOSTNAT_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "fastidx.h"

#define STEER_ROLE_UPLINK 1
#define STEER_ROLE_BRIDGE 2
#define STEER_ROLE_LO 3
#define STEER_ROLE_TUN 4
#define STEER_ROLE_PORT 5
/* a bridge port that is a veth whose peer is in another namespace: the
 * fast path delivers into the peer (bpf_redirect_peer()) */
#define STEER_IF_PEER 1
#define STEER_MAX_EXT 16	/* external addresses pushed at once (DP_MAX_EXT) */
/* own_map's bitmaps (steer.bpf.c OWN_SLOTS): one per external address
 * pushed, and as many for addresses gone whose ports are still being
 * given back (the engine holds at most its max_ext at once) */
#define STEER_EXT_SLOTS (2 * STEER_MAX_EXT)
#define STEER_OWN_WORDS 1024	/* u64 per bitmap: 65536 ports */
#define STEER_MAX_NETS 32
#define STEER_MAX_IFS 256
#define STEER_IF_SLOTS 4096	/* if_map's slots (steer.bpf.c IF_SLOTS) */
#define STEER_FAST_STAT_N 6	/* fast_stats: packets, bytes out, in, hairpin */
#define STEER_LOCAL_MAX 8192	/* local_map's size */

#define STEER_NET_ISOLATION 1
#define STEER_NET_BINDING 2
#define STEER_NET_CLOSED 4

#define STEER_DROP_N 4	/* = DP_DROP_N, in that order */

/**
 * struct steer_net - a network as the bridge program sees it
 * @id:		network id
 * @bridge:	its bridge's ifindex
 * @flags:	STEER_NET_*
 * @host_addr:	the host's stand-in address, host order, 0 if none
 * @mac:	the bridge's MAC address
 * @max_addrs:	addresses not bound one bridge port may send from
 */
struct steer_net {
	unsigned id;
	unsigned bridge;
	uint32_t flags;
	uint32_t host_addr;
	uint8_t mac[6];
	uint32_t max_addrs;
};

/**
 * struct steer_bind - an address bound to a MAC address
 * @net:	network id
 * @addr:	address, host order
 * @mac:	MAC address
 */
struct steer_bind {
	unsigned net;
	uint32_t addr;
	uint8_t mac[6];
};

/**
 * struct steer_local - a mapped port as the host reaches it on any of its
 * own addresses
 * @proto:	0 TCP, 1 UDP
 * @port:	the port
 * @ext:	the external address the engine knows the mapping by, host order
 */
struct steer_local {
	uint8_t proto;
	uint16_t port;
	uint32_t ext;
};

/**
 * struct steer_fast - a session for the fast path: its two keys
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @idx:	the session's index in the engine
 * @int_addr:	endpoint address and port (host order)
 * @ext_addr:	external address and port
 * @rem_addr:	remote address and port
 * @hairpin:	the remote is an external address (the program looks the
 *		rewritten packet up again, as the other side's inbound key)
 */
struct steer_fast {
	uint8_t proto;
	bool hairpin;
	uint32_t idx;
	uint32_t int_addr, ext_addr, rem_addr;
	uint16_t int_port, ext_port, rem_port;
};

/**
 * struct steer_slot - an external address's bitmaps in own_map
 * @addr:	the address, host order
 * @nbits:	bits set over its three bitmaps
 * @used:	the slot is the address's
 * @pushed:	the address is in ext_map (with this slot)
 */
struct steer_slot {
	uint32_t addr;
	uint32_t nbits;
	bool used;
	bool pushed;
};

/**
 * struct steer - the loaded programs and their maps
 */
struct steer {
	struct bpf_object *obj;
	int prog_fd;
	int if_map, if_more_map, net_map, ext_map, own_map, prefix_map;
	int bind_map, target_map, drop_map, local_map, port_map;
	int fast_stats;
	uint32_t max_flows;		/* sessions seen_map has slots for */
	volatile uint64_t *seen;	/* seen_map, mapped (slot 0: heartbeat) */
	size_t seen_len;
	volatile uint64_t *state;	/* state_map, mapped: TCP states of
					 * fast sessions (slot 1 + index) */
	size_t state_len;
	uint64_t *own;			/* own_map, mapped: the owned ports */
	size_t own_len;
	struct fast_rec *rec;		/* rec_map, mapped: fast sessions */
	size_t rec_len;
	uint64_t *idx;			/* idx_map, mapped: their keys */
	size_t idx_len;
	struct fastidx fidx;		/* the two as an index (fastidx.c) */
	struct steer_slot slot[STEER_EXT_SLOTS];
	unsigned slot_next;		/* where the search for a free one starts */
	unsigned attached[STEER_MAX_IFS];	/* ifindexes attached to */
	unsigned nattached;
	struct steer_bind *pushed;	/* bind_map's content, sorted */
	unsigned npushed;
};

int steer_open(struct steer *s, unsigned out_ifindex, unsigned in_ifindex,
	       uint32_t max_flows);
int steer_fast_put(struct steer *s, const struct steer_fast *f, bool add);
void steer_fast_clear(struct steer *s);
void steer_fast_alive(struct steer *s, uint32_t until_s);
void steer_route_changed(struct steer *s);
void steer_fast_stats(const struct steer *s, uint64_t out[STEER_FAST_STAT_N]);
void steer_close(struct steer *s, bool keep);
void steer_cleanup_leftovers(const struct steer *keep);
int steer_attach(struct steer *s, unsigned ifindex, unsigned role,
		 unsigned l2len, unsigned net, unsigned flags);
void steer_detach(struct steer *s, unsigned ifindex);
bool steer_is_attached(const struct steer *s, unsigned ifindex);
int steer_set_ext(struct steer *s, const uint32_t *addrs, unsigned n);
int steer_set_nets(struct steer *s, const struct steer_net *nets, unsigned n);
int steer_set_prefixes(struct steer *s, const uint32_t *addr,
		       const uint8_t *plen, const unsigned *net, unsigned n);
int steer_set_local(struct steer *s, const struct steer_local *l, unsigned n);
int steer_set_binds(struct steer *s, const struct steer_bind *b, unsigned n);
int steer_own(struct steer *s, uint8_t proto, uint32_t addr, uint16_t port,
	      bool owned);
unsigned steer_own_replace(struct steer *s, const uint8_t *proto,
			   const uint32_t *addr, const uint16_t *port,
			   unsigned n);
void steer_drops(const struct steer *s, uint64_t drops[STEER_DROP_N]);

#endif /* HOSTNAT_STEER_H */
