/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - steer.bpf.c: tc ingress programs that keep hostnat's packets
 * out of the host's forwarding path
 *
 * Theory of operation
 * -------------------
 * One program, attached at tc ingress of every interface hostnat deals
 * with; the interface's role (if_map) says what it does there. The kernel's
 * forwarding path (and so every netfilter forward chain, Docker's and ufw's
 * drop policies included) is never used for NAT traffic: packets go from
 * device to device by redirect.
 *
 * ROLE_BRIDGE (a network's bridge): an endpoint's routed packet is
 *  1. validated: its source must lie in a prefix of this bridge's network
 *     (prefix_map), and an address that hostnat gave out (bind_map) may only
 *     be used by its MAC address; else dropped, counted "spoofed_source";
 *  2. for another network's prefix: dropped ("isolated") unless both
 *     networks have isolation off, then routed straight to that bridge;
 *  3. for the host's stand-in address (host access): into DP_OUT;
 *  4. TTL <= 1: left to the kernel (it answers "time exceeded");
 *  5. for an external address on a port the NAT owns (hairpin): DP_OUT;
 *  6. otherwise looked up in the FIB as the kernel would for this bridge:
 *     local or broadcast -> the host; the network's own table (our policy
 *     rule) -> DP_OUT (the engine translates); anything else (blackhole: the
 *     daemon is gone) -> dropped. Nothing is ever forwarded untranslated.
 * ROLE_PORT (each port of a network's bridge: the host side of a veth, a
 *  tap): the same for routed packets (to the bridge's MAC), before the
 *  bridge, so that br_netfilter neither defragments them nor hands them to
 *  the host's forward chain; the source MAC's port is learned (port_map)
 *  and unicast to another endpoint of the bridge goes straight to its port.
 *  The bridge program stays as the fallback for a port not yet attached.
 * ROLE_UPLINK: sources that are an external address or internal are
 *  spoofed (dropped); anything to an internal prefix is dropped
 *  ("to_internal"); to an external address, only what the NAT owns is
 *  redirected into DP_IN: a port or ICMP identifier set in own_map (one
 *  bit per port in the bitmap of the address's slot, which ext_map gives,
 *  and protocol; the engine publishes exactly its live mappings), the
 *  other fragments of a datagram whose first fragment was redirected
 *  (frag_map), ICMP errors that quote one of those. Everything else is the host's and passes untouched.
 * ROLE_LO: the same steering for the host's own packets to its external
 *  addresses (the host reaching its mapped ports); and a packet to a port
 *  that a mapping publishes (local_map) on any other address of the host
 *  (127.0.0.1, a gateway, another interface) gets the external address as
 *  source and destination and a source port of 10000-32767 (off the
 *  kernel's ephemeral range: never one of the host's own connections from
 *  the external address), as if the host had connected from there, and
 *  goes to DP_IN; loop_map keeps what it had, and at the TUN the engine's
 *  answer gets it back before it goes to the host (route_localnet).
 * ROLE_TUN (DP_OUT, DP_IN: packets the daemon wrote back): looked up in the
 *  main table; a unicast route -> TTL decremented (the host is one hop) and
 *  redirected out of that device (Ethernet header from the FIB's neighbour,
 *  or bpf_redirect_neigh() to resolve it); local -> the host; TTL <= 1,
 *  too big for the next hop, or no route -> the kernel, which sends the
 *  ICMP error (before its forward hook).
 *
 * Every map lives as long as a program that uses it is attached: a daemon
 * killed with SIGKILL leaves the programs working (new flows find no
 * device: dropped).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fastidx.h"
#include "tcp_table.h"	/* generated from the engine's tcp.c */

#define ROLE_UPLINK 1
#define ROLE_BRIDGE 2
#define ROLE_LO 3
#define ROLE_TUN 4
#define ROLE_PORT 5

#define NET_ISOLATION 1
#define NET_BINDING 2
#define NET_CLOSED 4

#define DROP_SPOOFED 0
#define DROP_ISOLATED 1
#define DROP_UNSOLICITED 2
#define DROP_ADDRS 3
#define DROP_N 4

#define MAX_NETS 32
#define AF_INET 2

/* newer than the UAPI headers of the build machine (kernel 6.7+) */
#ifndef BPF_FIB_LOOKUP_SKIP_NEIGH
#define BPF_FIB_LOOKUP_SKIP_NEIGH (1U << 2)
#endif

/* a ROLE_PORT that is a veth whose peer is in another namespace: packets
 * for its endpoint go straight into the peer (bpf_redirect_peer(): no
 * second pass through the host's backlog queue); a tap, or a veth whose
 * peer is here, gets bpf_redirect() */
#define IF_PEER 1

struct if_role {
	__u32 role;	/* ROLE_* */
	__u32 l2len;	/* bytes of link header before IPv4 */
	__u32 net;	/* ROLE_BRIDGE, ROLE_PORT: network id */
	__u32 flags;	/* ROLE_PORT: IF_* */
	__u32 ifindex;	/* whose role it is (if_map's slots are shared) */
};

struct net_info {
	__u32 bridge;	/* ifindex */
	__u32 flags;	/* NET_* */
	__u32 host_addr; /* network order, 0 if none */
	__u8 mac[6];	/* the bridge's */
	__u8 pad[2];
	__u32 max_addrs; /* addresses not bound one port may use, <= PORT_ADDRS */
};

#define PORT_ADDRS 8
#define ADDR_HOLD_S 60	/* s an address stays a port's after its last use */

/* the addresses (not bound to a MAC by hostnat) a bridge port sends from */
struct port_addrs {
	__u32 addr[PORT_ADDRS];	/* network order, 0: free */
	__u32 seen[PORT_ADDRS];	/* s (now_ns() >> 30), last use */
};

struct src_key {
	__u32 net;
	__u32 addr;
};

struct src_val {
	__u32 ifindex;	/* the port that uses the address */
	__u32 seen;	/* s, last use */
};

struct port_val {
	__u32 ifindex;	/* the bridge port a MAC address was seen on */
	__u32 net;
	__u32 flags;	/* the port's IF_* */
};

/* into the peer of veth @ifindex, at its ingress (only from tc ingress,
 * which every caller is) */
static __always_inline long into_peer(struct __sk_buff *skb, __u32 ifindex)
{
	/* the veth would make it the peer's own; the peer redirect does not
	 * on every kernel (a frame to the bridge's MAC came in as another
	 * host's) */
	if (skb->pkt_type != PACKET_HOST)
		bpf_skb_change_type(skb, PACKET_HOST);
	return bpf_redirect_peer(ifindex, 0);
}

/* into an endpoint's bridge port @pv: the peer's ingress when the port
 * allows it */
static __always_inline long to_port(struct __sk_buff *skb,
				    const struct port_val *pv)
{
	if (pv->flags & IF_PEER)
		return into_peer(skb, pv->ifindex);
	return bpf_redirect(pv->ifindex, 0);
}

struct targets {
	__u32 out_ifindex;	/* DP_OUT */
	__u32 in_ifindex;	/* DP_IN */
	__u64 seed;		/* idx_map's hash (fastidx.h) */
	__u32 mask;		/* idx_map's entries - 1 */
	__u32 gen;		/* the daemon's count of changes that kept
				 * answers depend on: the host's addresses,
				 * routes, links, rules and nexthops
				 * (route_map), its own ports, networks,
				 * prefixes, bindings and external addresses
				 * (src_ok_map, learn_ok_map, up_ok_map); an
				 * entry of another count is not used */
};

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct bind_key {
	__u32 net;
	__u32 addr;	/* network order */
};

struct bind_val {
	__u8 mac[6];
	__u8 pad[2];
};

struct frag_key {
	__u32 saddr;
	__u32 daddr;
	__u16 id;
	__u8 proto;
	__u8 pad;
};

/* the roles: slot ifindex % IF_SLOTS in if_map (an array: no hash on
 * every packet), or in if_more_map when another interface holds that slot;
 * written by the daemon (steer_attach()) before it attaches the program */
#define IF_SLOTS 4096

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IF_SLOTS);
	__type(key, __u32);		/* ifindex % IF_SLOTS */
	__type(value, struct if_role);
} if_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);		/* ifindex */
	__type(value, struct if_role);
} if_more_map SEC(".maps");

static __always_inline struct if_role *if_role_of(__u32 ifindex)
{
	__u32 k = ifindex % IF_SLOTS;
	struct if_role *r = bpf_map_lookup_elem(&if_map, &k);

	if (r && r->ifindex == ifindex && ifindex)
		return r;
	return bpf_map_lookup_elem(&if_more_map, &ifindex);
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_NETS);
	__type(key, __u32);		/* network id % MAX_NETS */
	__type(value, struct net_info);
} net_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);		/* external address, network order */
	__type(value, __u32);		/* its slot in own_map, < OWN_SLOTS */
} ext_map SEC(".maps");

/* the ports the NAT owns: a bitmap of 65536 bits (OWN_WORDS u64) per
 * external address slot and protocol (0 TCP, 1 UDP, 2 ICMP), bit port % 64
 * of word (slot * 3 + proto) * OWN_WORDS + port / 64; mapped into the
 * daemon, which sets and clears the bits (atomic or, and); read here with
 * one load. A slot is the daemon's (steer.c), as long as its address is
 * pushed or has a bit set: twice the addresses pushed at once
 * (STEER_EXT_SLOTS), for those whose ports are still being given back */
#define OWN_SLOTS 32
#define OWN_WORDS 1024

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OWN_SLOTS * 3 * OWN_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} own_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__type(key, struct lpm_key);
	__type(value, __u32);		/* network id */
	__uint(map_flags, BPF_F_NO_PREALLOC);
} prefix_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bind_key);
	__type(value, struct bind_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} bind_map SEC(".maps");

/* MAC address (6 bytes, zero-padded) -> the bridge port it sends from,
 * learned by the port programs; a hint like a bridge's FDB */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct port_val);
} port_map SEC(".maps");

/* LRU: ports come and go with new ifindexes and are never deleted here;
 * a port whose list is evicted learns it again (src_map keeps each
 * address its port's meanwhile) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* bridge port ifindex */
	__type(value, struct port_addrs);
} port_addr_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct src_key);
	__type(value, struct src_val);
} src_map SEC(".maps");

/* a steering hint, not flow state: losing one costs a fragment */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct frag_key);
	__type(value, __u32);		/* 1: its first fragment was steered */
} frag_map SEC(".maps");

/* a mapped port as the host reaches it on any address of its own
 * (127.0.0.1 included): proto and port -> the external address that the
 * engine knows it by */
struct local_key {
	__u16 port;	/* host order */
	__u8 proto;	/* 0 TCP, 1 UDP */
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct local_key);
	__type(value, __u32);		/* external address, network order */
	__uint(map_flags, BPF_F_NO_PREALLOC);
} local_map SEC(".maps");

/* the host's connections to a mapped port through an address that is not
 * the external one: the engine sees them from the external address and a
 * source port of their own (LOOP_PORT_LO + ..., off the kernel's ephemeral
 * range, so that they never meet the host's own connections from the
 * external address); loop_map keeps what they had, lfwd_map the way there */
#define LOOP_PORT_LO 10000
#define LOOP_PORT_N 22768	/* 10000-32767 */
/* s a port stays a connection's after its last packet: longer than the
 * engine keeps the session (RFC 5382's 2 h 4 min for an established TCP
 * connection, 240 s once it closes; RFC 4787's 5 min for UDP), so that an
 * idle connection finds its port again and no other takes it meanwhile */
#define LOOP_HOLD_TCP_S 7500
#define LOOP_HOLD_CLOSED_S 300
#define LOOP_HOLD_UDP_S 600
#define LOOP_TRIES 8

struct loop_key {
	__u16 host_port;	/* the source port the engine sees */
	__u16 port;		/* the mapped port */
	__u8 proto;
	__u8 pad[3];
};

struct loop_val {
	__u32 saddr;	/* the host's source address, network order */
	__u32 daddr;	/* the address it connected to */
	__u16 sport;	/* its source port */
	__u8 closed;	/* a TCP FIN or RST went by */
	__u8 pad;
	__u32 seen;	/* s, last use */
};

struct lfwd_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 port;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct loop_key);
	__type(value, struct loop_val);
} loop_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct lfwd_key);
	__type(value, __u32);		/* the source port the engine sees */
} lfwd_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct targets);
} target_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_N);
	__type(key, __u32);
	__type(value, __u64);
} drop_map SEC(".maps");

/* the fast path (fast.c in the engine says which sessions): a record per
 * session and an index of both its keys, written by the daemon (fastidx.c,
 * the layout and the rules for reading in fastidx.h) */
struct fast_val {
	__u32 addr;	/* the new source (out) or destination (in), network order */
	__u16 port;	/* host order */
	__u16 dir;	/* FAST_OUT, FAST_IN, FAST_OUT_HAIRPIN */
	__u32 idx;	/* seen_map slot: 1 + the session's index in the engine */
};

#define FAST_OUT FASTIDX_OUT
#define FAST_IN FASTIDX_IN
/* an outbound key of a hairpin session (its remote is an external
 * address): the rewritten packet is looked up again as an inbound key, the
 * session of the endpoint on the other side */
#define FAST_OUT_HAIRPIN 2
#define FAST_STAT_N 6	/* packets, bytes: out, in, hairpin (STEER_FAST_STAT_N) */

/* slot 1 + session index: the session (slot 0 is none's) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144 + 1);	/* steer_open(): --max-flows + 1 */
	__type(key, __u32);
	__type(value, struct fast_rec);
	__uint(map_flags, BPF_F_MMAPABLE);
} rec_map SEC(".maps");

/* the entries: a power of two, at least 4 per session (targets.mask) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1048576);	/* steer_open(): fastidx_entries() */
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} idx_map SEC(".maps");

/* slot 0: until when the daemon is alive (CLOCK_MONOTONIC s, its
 * heartbeat; after it nothing is carried here); slot 1 + session index:
 * 2 x u32, the last use from the endpoint and to it (CLOCK_MONOTONIC s);
 * mapped into the daemon, which writes the heartbeat and whose engine
 * reads the times */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144 + 1);	/* steer_open(): --max-flows + 1 */
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} seen_map SEC(".maps");

/* slot 1 + session index: the TCP state (enum nat_tcp_state) of a fast
 * session, moved here by tcp_table (the engine's tcp_track() as a table)
 * for the packets the fast path carries, FIN and RST included, and by the
 * engine for those it sees (SYN); mapped into the daemon, whose engine
 * reads it back for expiry, listing and the session's end */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144 + 1);	/* steer_open(): --max-flows + 1 */
	__type(key, __u32);
	__type(value, __u64);	/* an array's slots are 8 bytes apart anyway */
	__uint(map_flags, BPF_F_MMAPABLE);
} state_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FAST_STAT_N);
	__type(key, __u32);
	__type(value, __u64);
} fast_stats SEC(".maps");

/*
 * The fast path's next hops, per CPU: a FIB lookup's answer kept for the
 * same inputs (from which TUN device, source, destination, TOS, protocol)
 * within one ROUTE_TICK_SHIFT tick (134 ms) and one targets.gen (the
 * daemon counts every address, route, link, policy rule and nexthop change
 * it is told of), so that a flow's packets do not each pay the lookup (a
 * third of the fast path's time at 64-byte packets). What no notification
 * tells (a neighbour's new MAC or its failure, the forwarding sysctl) is
 * taken at the next tick.
 */
#define ROUTE_SLOT_BITS 8
#define ROUTE_TICK_SHIFT 27	/* 2^27 ns */

struct route_ent {
	__u32 dst;
	__u32 src;
	__u32 iif;
	__u32 tos_proto;	/* (TOS & 0xfc) << 8 | protocol */
	__u32 gen;		/* targets.gen when filled */
	__u32 tick;		/* ns >> ROUTE_TICK_SHIFT when filled */
	__u32 ifindex;		/* the answer: out of which device */
	__u32 len;		/* the length the lookup passed the route's
				 * MTU check with (0: a GSO packet's) */
	__u8 smac[6];
	__u8 dmac[6];
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << ROUTE_SLOT_BITS);
	__type(key, __u32);
	__type(value, struct route_ent);
} route_map SEC(".maps");

/*
 * The source checks' passes, per CPU: a source address and MAC that passed
 * from_bridge()'s step 1 at a bridge port (or at the bridge, port 0) of a
 * network pass again without its lookups (prefix, binding, port_addr_ok())
 * within the same second of port_addr_ok()'s clock, which so still sees
 * each address in use every second, and under the same targets.gen (the
 * daemon counts every change of its ports, networks, prefixes and
 * bindings). A failure is never kept. A quarter of the lookups of a
 * 64-byte packet on the fast path.
 */
#define SRC_SLOT_BITS 8

struct src_ent {
	__u64 mac;	/* mac_key() of the source MAC */
	__u32 port;	/* the bridge port's ifindex, 0 at the bridge */
	__u32 net;
	__u32 saddr;
	__u32 gen;	/* targets.gen when filled */
	__u32 sec;	/* now_ns() >> 30 when filled */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << SRC_SLOT_BITS);
	__type(key, __u32);
	__type(value, struct src_ent);
} src_ok_map SEC(".maps");

/* what each CPU last found port_map to say of a MAC at a port (learn()),
 * direct-mapped; learn_map: the programs' count of port_map writes */
#define LEARN_SLOT_BITS 8

struct learn_ent {
	__u64 mac;
	__u32 ifindex;
	__u32 net;
	__u32 flags;
	__u32 gen;	/* targets.gen */
	__u32 writes;	/* learn_map's count, read before the lookup */
	__u32 tick;	/* now_ns() >> ROUTE_TICK_SHIFT */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << LEARN_SLOT_BITS);
	__type(key, __u32);
	__type(value, struct learn_ent);
} learn_ok_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} learn_map SEC(".maps");

/* the uplink's checks' passes, per CPU, direct-mapped: a source and
 * destination that passed them (the source neither an external address
 * nor internal, the destination not internal and an external address, of
 * ext_map's slot @slot) pass again within one tick (ROUTE_TICK_SHIFT) and
 * one targets.gen (the daemon raises it after it writes ext_map or the
 * prefixes); a failure is never kept */
#define UP_SLOT_BITS 8

struct up_ent {
	__u32 saddr;
	__u32 daddr;
	__u32 slot;
	__u32 gen;
	__u32 tick;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << UP_SLOT_BITS);
	__type(key, __u32);
	__type(value, struct up_ent);
} up_ok_map SEC(".maps");

/* targets.gen, read once before the lookups that a kept answer stands for
 * and kept with it: an answer made from maps the daemon wrote and counted
 * meanwhile carries the count from before, so it is not used */
static __always_inline __u32 gen_of(const struct targets *tg)
{
	return *(const volatile __u32 *)&tg->gen;
}

/* CLOCK_MONOTONIC in ns as of the last tick: a second's resolution is all
 * any caller needs, and the precise clock (a TSC read, slow in a guest) was
 * an eighth of the fast path's time */
static __always_inline __u64 now_ns(void)
{
	return bpf_ktime_get_coarse_ns();
}

static __always_inline int drop(__u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&drop_map, &reason);

	if (c)
		*c += 1;
	return TC_ACT_SHOT;
}

static __always_inline __u16 be16_at(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       a[4] == b[4] && a[5] == b[5];
}

/* s after the heartbeat's end that the NAT's ports stay the NAT's: a
 * restart that takes longer than the grace period still finds its flows
 * (their packets dropped, not answered by the host's stack with a reset);
 * a daemon that stays away gives the host its ports back */
#define OWN_LINGER_S 60

/* whether a daemon beat within OWN_LINGER_S of now (slot 0 of seen_map,
 * written by every daemon, fast path or not; 0 before the first beat) */
static __always_inline int daemon_recent(void)
{
	__u32 slot = 0, now = (__u32)(now_ns() / 1000000000ull);
	__u64 *alive = bpf_map_lookup_elem(&seen_map, &slot);

	return !alive || !*alive || now <= (__u32)*alive + OWN_LINGER_S;
}

/* whether port @port of protocol @proto is the NAT's on the external
 * address of slot @slot (ext_map's value) */
static __always_inline int owned(__u32 slot, __u32 proto, __u16 port)
{
	__u32 w = (slot * 3 + proto) * OWN_WORDS + port / 64;
	__u64 *bits;

	if (slot >= OWN_SLOTS || proto > 2)
		return 0;
	bits = bpf_map_lookup_elem(&own_map, &w);
	return bits && ((*bits >> (port % 64)) & 1) && daemon_recent();
}

static __always_inline int nat_proto(__u8 ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return 0;
	case IPPROTO_UDP:
		return 1;
	case IPPROTO_ICMP:
		return 2;
	}
	return -1;
}

/*
 * owned_packet() - whether a packet to external address @daddr belongs to
 * the NAT: a fragment of a datagram already steered, a port or identifier
 * of a live mapping, or an ICMP error quoting one. Records first fragments.
 * @ip, @end: the packet's IPv4 header, the end of its linear data
 * @slot: @daddr's slot in own_map (ext_map's value)
 */
static __always_inline int owned_packet(__u8 *ip, void *end, __u32 slot)
{
	__u32 saddr, daddr, ihl = (ip[0] & 0xf) * 4, iihl, one = 1;
	__u16 frag = be16_at(ip + 6);
	struct frag_key fk = {};
	__u8 *l4, *in;
	int p, hit = 0;

	__builtin_memcpy(&saddr, ip + 12, 4);
	__builtin_memcpy(&daddr, ip + 16, 4);
	fk.saddr = saddr;
	fk.daddr = daddr;
	fk.id = be16_at(ip + 4);
	fk.proto = ip[9];
	if (frag & 0x1fff)
		return bpf_map_lookup_elem(&frag_map, &fk) != NULL;
	if (ihl > 60)
		return 0;
	l4 = ip + ihl;
	if ((void *)(l4 + 8) > end)
		return 0;
	p = nat_proto(ip[9]);
	if (p == 0 || p == 1) {
		hit = owned(slot, (__u32)p, be16_at(l4 + 2));
	} else if (p == 2) {
		if (l4[0] == 0) { /* echo reply */
			hit = owned(slot, 2, be16_at(l4 + 4));
		} else if (l4[0] == 3 || l4[0] == 11 || l4[0] == 12) {
			/* the quoted packet went out from daddr */
			in = l4 + 8;
			if ((void *)(in + 20) > end)
				return 0;
			iihl = (in[0] & 0xf) * 4;
			if (iihl < 20 || iihl > 60)
				return 0;
			if ((void *)(in + iihl + 8) > end)
				return 0;
			p = nat_proto(in[9]);
			if (p == 0 || p == 1)
				hit = owned(slot, (__u32)p,
					    be16_at(in + iihl));
			else if (p == 2 && in[iihl] == 8)
				hit = owned(slot, 2, be16_at(in + iihl + 4));
		}
	}
	if (hit && (frag & 0x2000))
		bpf_map_update_elem(&frag_map, &fk, &one, BPF_ANY);
	return hit;
}

static __always_inline __u64 mac_key(const __u8 *m)
{
	return (__u64)m[0] | (__u64)m[1] << 8 | (__u64)m[2] << 16 |
	       (__u64)m[3] << 24 | (__u64)m[4] << 32 | (__u64)m[5] << 40;
}

/* TTL - 1 with the header checksum (RFC 1624); data at L3 + @l2 */
static __always_inline void ttl_dec(struct __sk_buff *skb, __u32 l2, __u8 ttl,
				    __u8 proto)
{
	__u16 old = bpf_htons((__u16)(ttl << 8 | proto));
	__u16 new = bpf_htons((__u16)((ttl - 1) << 8 | proto));
	__u8 t = ttl - 1;

	bpf_l3_csum_replace(skb, l2 + 10, old, new, 2);
	bpf_skb_store_bytes(skb, l2 + 8, &t, 1, 0);
}

/* a routed packet from a TUN device (no link header) out of its device */
static __always_inline int tun_out(struct __sk_buff *skb, __u8 *ip)
{
	struct bpf_fib_lookup fib = {};
	struct bpf_redir_neigh nh = {};
	__u8 ttl = ip[8], proto = ip[9];
	struct port_val *pv;
	struct if_role *br;
	__u8 eth[14];
	__u32 mtu = 0;
	__u64 key;
	long rc;

	if (ttl <= 1)
		return TC_ACT_OK;
	fib.family = AF_INET;
	fib.tos = ip[1];
	fib.l4_protocol = proto;
	fib.tot_len = skb->gso_size ? 0 : be16_at(ip + 2);
	fib.ifindex = skb->ingress_ifindex;
	__builtin_memcpy(&fib.ipv4_src, ip + 12, 4);
	__builtin_memcpy(&fib.ipv4_dst, ip + 16, 4);
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return TC_ACT_OK; /* local, too big, no route: the kernel's */
	if (skb->gso_size &&
	    bpf_check_mtu(skb, fib.ifindex, &mtu, 0, BPF_MTU_CHK_SEGS))
		return TC_ACT_OK;
	ttl_dec(skb, 0, ttl, proto);
	if (bpf_skb_change_head(skb, 14, 0))
		return TC_ACT_SHOT;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		nh.nh_family = AF_INET;
		nh.ipv4_nh = fib.ipv4_dst;
		return bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0);
	}
	__builtin_memcpy(eth, fib.dmac, 6);
	__builtin_memcpy(eth + 6, fib.smac, 6);
	eth[12] = 0x08;
	eth[13] = 0x00;
	if (bpf_skb_store_bytes(skb, 0, eth, 14, 0))
		return TC_ACT_SHOT;
	/* to an endpoint: straight into its bridge port when it is known */
	br = if_role_of(fib.ifindex);
	if (br && br->role == ROLE_BRIDGE) {
		key = mac_key(fib.dmac);
		pv = bpf_map_lookup_elem(&port_map, &key);
		if (pv && pv->net == br->net)
			return to_port(skb, pv);
	}
	return bpf_redirect(fib.ifindex, 0);
}

static __always_inline void fast_count(__u32 dir, __u32 len)
{
	__u32 k = dir * 2;
	__u64 *c = bpf_map_lookup_elem(&fast_stats, &k);

	if (c)
		*c += 1;
	k++;
	c = bpf_map_lookup_elem(&fast_stats, &k);
	if (c)
		*c += len;
}

/*
 * tcp_move() - a TCP packet the fast path carries moves its session's state
 * as the engine's tcp_track() would (tcp_table); compare-and-swap, so that
 * a FIN each way on two CPUs, or the engine's own move, is never lost
 * @idx:	the session's slot
 * @out:	1: from the endpoint
 * @flags:	the packet's TCP flags
 */
static __always_inline void tcp_move(__u32 idx, __u32 out, __u8 flags)
{
	__u64 *st = bpf_map_lookup_elem(&state_map, &idx), cur, next;
	__u32 i;

	if (!st)
		return;
	cur = *st;
	for (i = 0; i < 4; i++) {
		if (cur >= TCP_TABLE_STATES)
			return;	/* not TCP state: the engine's to fix */
		next = tcp_table[cur][out & 1][flags & (TCP_TABLE_FLAGS - 1)];
		if (next == cur)
			return;
		next = __sync_val_compare_and_swap(st, cur, next);
		if (next == cur)
			return;
		cur = next;	/* moved meanwhile: again from there */
	}
}

/* a ones' complement sum of 32-bit words folded to 32 bits (for the
 * helpers' "by difference" form) and to 16 (RFC 1071) */
static __always_inline __u32 csum_fold32(__u64 s)
{
	s = (s & 0xffffffffull) + (s >> 32);
	return (__u32)((s & 0xffffffffull) + (s >> 32));
}

static __always_inline __u16 csum_fold16(__u64 s)
{
	__u32 t = csum_fold32(s);

	t = (t & 0xffff) + (t >> 16);
	return (__u16)((t & 0xffff) + (t >> 16));
}

static __always_inline __u32 word_at(const __u8 *p)
{
	__u32 w;

	__builtin_memcpy(&w, p, 4);
	return w;
}

static __always_inline __u16 half_at(const __u8 *p)
{
	__u16 w;

	__builtin_memcpy(&w, p, 2);
	return w;
}

#define HDRS_LEN (14 + 20 + 4)	/* Ethernet, IPv4 without options, ports */

/*
 * headers() - a fast-path frame's new MACs, IP ID, TTL, addresses and ports
 * written with one store: the IPv4 checksum updated here (RFC 1624), the
 * transport checksum by two helper calls, each with the sum of its changes:
 * the addresses through the pseudo-header, the ports not at all when the
 * checksum is partial (the helper knows which kind the packet has). Every
 * value in network order, as in the packet.
 * @l4sum:	the packet has a transport checksum (UDP may not)
 * @new_id:	give it an IP ID of the NAT's own
 * Return: 0, or -1 (a helper failed, or too short: cannot be after the
 * caller's checks)
 */
static __always_inline int headers(struct __sk_buff *skb, __u8 proto,
				   int l4sum, const struct bpf_fib_lookup *fib,
				   __u32 nsaddr, __u32 ndaddr, __u16 nsport,
				   __u16 ndport, int new_id)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u32 csum_off = 14 + 20 + (proto == IPPROTO_TCP ? 16 : 6);
	__u64 m0 = proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 osaddr, odaddr, oports, nports;
	__u16 oid, nid, ottl, nttl, ocsum;
	__u64 ip, addrs;
	__u8 b[HDRS_LEN];

	if (data + HDRS_LEN > end)
		return -1;
	__builtin_memcpy(b, data, HDRS_LEN);
	oid = half_at(b + 18);
	ottl = half_at(b + 22);
	ocsum = half_at(b + 24);
	osaddr = word_at(b + 26);
	odaddr = word_at(b + 30);
	oports = word_at(b + 34);

	__builtin_memcpy(b, fib->dmac, 6);
	__builtin_memcpy(b + 6, fib->smac, 6);
	nid = new_id ? (__u16)bpf_get_prandom_u32() : oid;
	__builtin_memcpy(b + 18, &nid, 2);
	b[22] -= 1;	/* TTL > 1: the caller's check */
	nttl = half_at(b + 22);
	__builtin_memcpy(b + 26, &nsaddr, 4);
	__builtin_memcpy(b + 30, &ndaddr, 4);
	__builtin_memcpy(b + 34, &nsport, 2);
	__builtin_memcpy(b + 36, &ndport, 2);
	nports = word_at(b + 34);

	/* HC' = ~(~HC + ~m + m') for every changed word m */
	addrs = (__u64)(__u32)~osaddr + nsaddr + (__u32)~odaddr + ndaddr;
	ip = (__u16)~ocsum + addrs + (__u16)~oid + nid + (__u16)~ottl + nttl;
	ocsum = (__u16)~csum_fold16(ip);
	__builtin_memcpy(b + 24, &ocsum, 2);
	if (bpf_skb_store_bytes(skb, 0, b, HDRS_LEN, 0))
		return -1;
	if (!l4sum) {
		/* UDP without a checksum: nothing makes up for the ports in
		 * a complete checksum of the packet (skb->csum; the helper
		 * does nothing to another kind) */
		bpf_csum_update(skb, csum_fold32((__u64)(__u32)~oports + nports));
		return 0;
	}
	if (bpf_l4_csum_replace(skb, csum_off, 0, csum_fold32(addrs),
				BPF_F_PSEUDO_HDR | m0) ||
	    bpf_l4_csum_replace(skb, csum_off, 0,
				csum_fold32((__u64)(__u32)~oports + nports),
				m0))
		return -1;
	return 0;
}

/* the time of a session's last packet that way (only when the second
 * changed: no cache line bounced for nothing) */
static __always_inline void seen_now(__u32 idx, __u32 dir, __u32 now)
{
	__u64 *seen = bpf_map_lookup_elem(&seen_map, &idx);
	__u32 *t;

	if (!seen)
		return;
	t = (__u32 *)seen + (dir & 1);
	if (*t != now)
		*t = now;
}

/*
 * fast_find() - the session of a packet's key in one direction: the index's
 * entries from the key's home on, until an empty one or FASTIDX_PROBES; an
 * entry counts when its hash bits and direction are the key's and its
 * record, read between two equal even generations, has the key (the rules
 * in fastidx.h). Return: 0 and @v filled in, or -1 (the slow path).
 * @tg:		the hash's seed and the index's mask
 * @dir:	FAST_OUT, FAST_IN
 * @v:		what to rewrite: the external address and port (out; dir
 *		FAST_OUT_HAIRPIN for a hairpin) or the endpoint's (in)
 */
static __always_inline int fast_find(const struct targets *tg, __u32 saddr,
				     __u32 daddr, __u16 sport, __u16 dport,
				     __u8 proto, __u32 dir, struct fast_val *v)
{
	__u64 h = fastidx_hash(tg->seed, saddr, daddr, sport, dport, proto);
	__u32 mask = tg->mask, i = fastidx_home(h, mask), p, slot, g;
	const volatile struct fast_rec *vr;
	struct fast_rec r;
	__u64 *ep, e;

	for (p = 0; p < FASTIDX_PROBES; p++) {
		ep = bpf_map_lookup_elem(&idx_map, &i);
		if (!ep)
			return -1;
		e = *(volatile __u64 *)ep;
		if (!e)
			return -1;
		i = (i + 1) & mask;
		if (e >> 32 != h >> 32 || (e & 1) != dir)
			continue;
		slot = (__u32)e >> 1;
		vr = bpf_map_lookup_elem(&rec_map, &slot);
		if (!vr)
			continue;
		g = vr->gen;
		if (g & 1)
			return -1;	/* being written: the engine decides */
		r.int_addr = vr->int_addr;
		r.ext_addr = vr->ext_addr;
		r.rem_addr = vr->rem_addr;
		r.int_port = vr->int_port;
		r.ext_port = vr->ext_port;
		r.rem_port = vr->rem_port;
		r.proto = vr->proto;
		r.flags = vr->flags;
		if (vr->gen != g)
			return -1;
		if (!fastrec_match(&r, dir, saddr, daddr, sport, dport, proto))
			continue;
		v->idx = slot;
		if (dir == FAST_OUT) {
			v->addr = r.ext_addr;
			v->port = r.ext_port;
			v->dir = r.flags & FASTREC_HAIRPIN ? FAST_OUT_HAIRPIN :
							    FAST_OUT;
		} else {
			v->addr = r.int_addr;
			v->port = r.int_port;
			v->dir = FAST_IN;
		}
		return 0;
	}
	return -1;
}

/*
 * route() - bpf_fib_lookup() for the fast path, through route_map: @fib's
 * inputs (family, tos, l4_protocol, tot_len: 0 for a GSO packet, ifindex,
 * ipv4_src, ipv4_dst) in, its ifindex, smac and dmac out. An entry answers
 * when every input but the length is its own (the TOS without its ECN
 * bits, which no lookup reads), it is of this tick and of the daemon's
 * route count, and the length is at most the one its lookup passed the
 * route's MTU check with (a GSO packet, length 0, is checked by the caller
 * against the device per segment); else the lookup is made and a success
 * kept, with this length. Return: 0, or -1 (no route, local, too big, no
 * neighbour yet: the slow path)
 */
static __always_inline int route(struct __sk_buff *skb,
				 const struct targets *tg,
				 struct bpf_fib_lookup *fib, __u32 now_tick)
{
	__u32 dst = fib->ipv4_dst, src = fib->ipv4_src, iif = fib->ifindex;
	__u32 tp = (__u32)(fib->tos & 0xfc) << 8 | fib->l4_protocol;
	__u32 len = fib->tot_len, k, gen = gen_of(tg);
	struct route_ent *e;

	k = ((dst ^ src * 0x85ebca6bu ^ iif * 0xc2b2ae35u ^ tp) *
	     0x9e3779b1u) >> (32 - ROUTE_SLOT_BITS);
	e = bpf_map_lookup_elem(&route_map, &k);
	if (!e)
		return -1;
	if (e->dst == dst && e->src == src && e->iif == iif &&
	    e->tos_proto == tp && e->gen == gen &&
	    e->tick == now_tick && (skb->gso_size || len <= e->len)) {
		fib->ifindex = e->ifindex;
		__builtin_memcpy(fib->smac, e->smac, 6);
		__builtin_memcpy(fib->dmac, e->dmac, 6);
		return 0;
	}
	if (bpf_fib_lookup(skb, fib, sizeof(*fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	/* a packet longer than the entry's, or other inputs: this answer */
	e->dst = dst;
	e->src = src;
	e->iif = iif;
	e->tos_proto = tp;
	e->gen = gen;
	e->tick = now_tick;
	e->ifindex = fib->ifindex;
	e->len = len;
	__builtin_memcpy(e->smac, fib->smac, 6);
	__builtin_memcpy(e->dmac, fib->dmac, 6);
	return 0;
}

/*
 * fast_path() - an ordinary packet of a session the engine gave to the fast
 * path: translated and sent on here, or -1 for the slow path (the engine):
 * no session, not ordinary (an IP option, a fragment, TTL <= 1), too big
 * for the next hop, no route, the daemon not alive. A TCP packet moves the
 * session's state in state_map as tcp_table says (the engine's own
 * tcp_track()): FIN and RST end connections here, a SYN after them starts
 * the next one on the same tuple (port reuse), and the engine reads the
 * state back when its wheel decides expiry. A hairpin (an endpoint's packet
 * to an external address:port that a mapping owns) is two sessions: the
 * sender's outbound key gives the new source, the rewritten tuple is the
 * receiver's session's inbound key, which gives the new destination; both
 * must be there, and the packet goes into the receiver's port.
 * Nothing of the packet is changed before every check has passed.
 * @skb:	the packet, an Ethernet frame
 * @ip:		its IPv4 header (at offset 14)
 * @end:	end of the linear data
 * @tg:		the TUN devices (the FIB lookup is made as if from them, so
 *		that hostnat's rules for the bridge do not apply)
 * @want_dir:	FAST_OUT at a bridge port, FAST_IN at an uplink
 */
static __always_inline int fast_path(struct __sk_buff *skb, __u8 *ip,
				     void *end, struct targets *tg,
				     __u32 want_dir)
{
	struct bpf_fib_lookup fib = {};
	struct fast_val vv = {}, hv = {}, *v = &vv, *h = NULL;
	__u32 saddr, daddr;
	__u16 sport, dport;
	struct port_val *pv;
	struct net_info *ni;
	__u8 *l4 = ip + 20, ttl = ip[8], proto = ip[9], flags = 0;
	__u16 frag = be16_at(ip + 6);
	__u32 slot, now, mtu = 0, out_if, peer = 0, net, into_port;
	__u64 *alive, mac, ns;
	int l4sum = 1, rc;

	if (ip[0] != 0x45 || (frag & 0x3fff) || ttl <= 1)
		return -1;
	if (proto == IPPROTO_TCP) {
		/* every flag, SYN included: a session is only here once
		 * the engine created it and saw it established; a new
		 * connection on its tuple (port reuse after FIN or RST) is
		 * what tcp_table says the engine would make of it */
		if ((void *)(l4 + 20) > end)
			return -1;
		flags = l4[13];
	} else if (proto == IPPROTO_UDP) {
		if ((void *)(l4 + 8) > end)
			return -1;
		l4sum = be16_at(l4 + 6) != 0;	/* none to update */
	} else {
		return -1;
	}
	__builtin_memcpy(&saddr, ip + 12, 4);
	__builtin_memcpy(&daddr, ip + 16, 4);
	sport = be16_at(l4);
	dport = be16_at(l4 + 2);
	if (fast_find(tg, saddr, daddr, sport, dport, proto, want_dir, v))
		return -1;
	if (v->dir == FAST_OUT_HAIRPIN) {
		/* the other side's session: its inbound key is what the
		 * rewrite makes of the packet */
		h = &hv;
		if (fast_find(tg, v->addr, daddr, v->port, dport, proto,
			      FAST_IN, h))
			return -1;
	}
	slot = 0;
	alive = bpf_map_lookup_elem(&seen_map, &slot);
	ns = now_ns();
	now = (__u32)(ns / 1000000000ull);
	if (!alive || now > (__u32)*alive)
		return -1;	/* no heartbeat: the engine decides */

	/* where it goes, with its new addresses */
	fib.family = AF_INET;
	fib.tos = ip[1];
	fib.l4_protocol = proto;
	fib.tot_len = skb->gso_size ? 0 : be16_at(ip + 2);
	if (h) {
		fib.ifindex = tg->in_ifindex;
		fib.ipv4_src = v->addr;
		fib.ipv4_dst = h->addr;
	} else if (want_dir == FAST_OUT) {
		fib.ifindex = tg->out_ifindex;
		fib.ipv4_src = v->addr;
		fib.ipv4_dst = daddr;
	} else {
		fib.ifindex = tg->in_ifindex;
		fib.ipv4_src = saddr;
		fib.ipv4_dst = v->addr;
	}
	if (route(skb, tg, &fib, (__u32)(ns >> ROUTE_TICK_SHIFT)))
		return -1;	/* local, too big, no neighbour yet, no route */
	if (skb->gso_size &&
	    bpf_check_mtu(skb, fib.ifindex, &mtu, 0, BPF_MTU_CHK_SEGS))
		return -1;
	out_if = fib.ifindex;
	into_port = want_dir == FAST_IN || h;
	if (into_port) {
		/* into the endpoint's own port, never back out of an uplink:
		 * the route goes to the bridge of the port's network */
		mac = mac_key(fib.dmac);
		pv = bpf_map_lookup_elem(&port_map, &mac);
		if (!pv)
			return -1;
		net = pv->net % MAX_NETS;
		ni = bpf_map_lookup_elem(&net_map, &net);
		if (!ni || ni->bridge != fib.ifindex)
			return -1;
		out_if = pv->ifindex;
		peer = pv->flags & IF_PEER;
	}

	/* a head of its own, as ip_forward()'s skb_cow() gives every
	 * forwarded packet: a TCP sender's packet is a clone of the one it
	 * keeps for retransmission, and a clone is never coalesced with the
	 * next in the receiver's queues (nothing is copied when it is not a
	 * clone) */
	if (bpf_skb_change_head(skb, 0, 0))
		return TC_ACT_SHOT;	/* no memory: ip_forward() drops it too */
	seen_now(v->idx, want_dir, now);
	if (proto == IPPROTO_TCP)
		tcp_move(v->idx, want_dir == FAST_OUT, flags);
	if (h) {
		seen_now(h->idx, FAST_IN, now);
		if (proto == IPPROTO_TCP)
			tcp_move(h->idx, 0, flags);
	}
	fast_count(h ? FAST_OUT_HAIRPIN : want_dir, skb->len);
	/* not atomic (DF clear): an ID of the NAT's own, so that the
	 * endpoints behind one address never share a sequence (RFC 7857
	 * section 10, RFC 6864), as the engine does */
	if (h)
		rc = headers(skb, proto, l4sum, &fib, v->addr, h->addr,
			     bpf_htons(v->port), bpf_htons(h->port),
			     !(frag & 0x4000));
	else if (want_dir == FAST_OUT)
		rc = headers(skb, proto, l4sum, &fib, v->addr, daddr,
			     bpf_htons(v->port), bpf_htons(dport),
			     !(frag & 0x4000));
	else
		rc = headers(skb, proto, l4sum, &fib, saddr, v->addr,
			     bpf_htons(sport), bpf_htons(v->port), 0);
	if (rc)
		return TC_ACT_SHOT;
	/* a constant either way: the caller must know it is no -1 */
	if (peer)
		return into_peer(skb, out_if) == TC_ACT_REDIRECT ?
		       TC_ACT_REDIRECT : TC_ACT_SHOT;
	return bpf_redirect(out_if, 0) == TC_ACT_REDIRECT ? TC_ACT_REDIRECT :
							      TC_ACT_SHOT;
}

/*
 * port_addr_ok() - with source binding, an address that hostnat did not
 * give out is a bridge port's alone while it uses it (ADDR_HOLD_S after the
 * last packet), and a port uses at most @ni->max_addrs of them: limits kept
 * per address stay limits per endpoint. @now: now_ns() >> 30.
 * Return: 0, or the drop reason.
 */
static __always_inline int port_addr_ok(__u32 port, __u32 net, __u32 saddr,
					struct net_info *ni, __u32 now)
{
	struct src_key sk = { net, saddr };
	struct src_val sv, *cur;
	struct port_addrs *pa, fresh = {};
	__u32 i;
	int slot = -1, room = -1;

	cur = bpf_map_lookup_elem(&src_map, &sk);
	if (cur && cur->ifindex != port && now - cur->seen < ADDR_HOLD_S)
		return DROP_SPOOFED;
	if (cur && cur->ifindex == port && cur->seen == now)
		return -1;	/* passed the whole check this second */
	pa = bpf_map_lookup_elem(&port_addr_map, &port);
	if (!pa) {
		bpf_map_update_elem(&port_addr_map, &port, &fresh, BPF_NOEXIST);
		pa = bpf_map_lookup_elem(&port_addr_map, &port);
		if (!pa)
			return DROP_ADDRS;
	}
	for (i = 0; i < PORT_ADDRS; i++) {
		if (pa->addr[i] == saddr) {
			slot = (int)i;
			break;
		}
		if (room < 0 && i < ni->max_addrs &&
		    (!pa->addr[i] || now - pa->seen[i] >= ADDR_HOLD_S))
			room = (int)i;
	}
	if (slot < 0) {
		if (room < 0)
			return DROP_ADDRS;
		slot = room;
		pa->addr[slot & (PORT_ADDRS - 1)] = saddr;
	}
	if (pa->seen[slot & (PORT_ADDRS - 1)] != now)
		pa->seen[slot & (PORT_ADDRS - 1)] = now;
	if (!cur || cur->ifindex != port || cur->seen != now) {
		sv.ifindex = port;
		sv.seen = now;
		bpf_map_update_elem(&src_map, &sk, &sv, BPF_ANY);
	}
	return -1;
}

/* an endpoint's packet at its bridge */
static __always_inline int from_bridge(struct __sk_buff *skb, __u8 *data,
				       __u8 *ip, void *end,
				       struct if_role *role,
				       struct targets *tg, struct net_info *ni,
				       __u32 port)
{
	__u32 net = role->net % MAX_NETS, saddr, daddr, *pn, dn, *slot;
	struct lpm_key k = { 32, 0 };
	struct bpf_fib_lookup fib = {};
	struct net_info *dni;
	struct bind_key bk;
	struct bind_val *bv;
	long rc;

	if ((void *)(data + 14 + 20) > end)
		return TC_ACT_OK;
	if (data[0] & 1)	/* broadcast, multicast: the host's (DHCP) */
		return TC_ACT_OK;
	if (ni->flags & NET_CLOSED)
		return TC_ACT_SHOT;
	__builtin_memcpy(&saddr, ip + 12, 4);
	__builtin_memcpy(&daddr, ip + 16, 4);

	/* 1. the source belongs to this bridge's network, and to its MAC */
	if (saddr) {
		__u64 mac = mac_key(data + 6);
		__u32 sec = (__u32)(now_ns() >> 30), sl, gen = gen_of(tg);
		struct src_ent *se;

		sl = ((saddr ^ port * 0x85ebca6bu ^ (__u32)mac * 0xc2b2ae35u ^
		       (__u32)(mac >> 32)) * 0x9e3779b1u) >> (32 - SRC_SLOT_BITS);
		se = bpf_map_lookup_elem(&src_ok_map, &sl);
		if (se && se->mac == mac && se->saddr == saddr &&
		    se->port == port && se->net == role->net &&
		    se->gen == gen && se->sec == sec)
			goto checked;	/* passed this second */
		k.addr = saddr;
		pn = bpf_map_lookup_elem(&prefix_map, &k);
		if (!pn || *pn != role->net)
			return drop(DROP_SPOOFED);
		if (ni->flags & NET_BINDING) {
			bk.net = role->net;
			bk.addr = saddr;
			bv = bpf_map_lookup_elem(&bind_map, &bk);
			if (bv && !mac_eq(bv->mac, data + 6))
				return drop(DROP_SPOOFED);
			if (!bv && port) {
				int r = port_addr_ok(port, role->net, saddr,
						     ni, sec);

				if (r >= 0)
					return drop((__u32)r);
			}
		}
		if (se) {
			se->mac = mac;
			se->saddr = saddr;
			se->port = port;
			se->net = role->net;
			se->gen = gen;
			se->sec = sec;
		}
	}
checked:

	/* the fast path: an ordinary packet of a session the engine gave it */
	if (port) {
		int v = fast_path(skb, ip, end, tg, FAST_OUT);

		if (v >= 0)
			return v;
	}

	/* 2., 3. to an internal address */
	k.addr = daddr;
	pn = bpf_map_lookup_elem(&prefix_map, &k);
	if (pn) {
		dn = *pn % MAX_NETS;
		if (dn == net) {
			if (daddr && daddr == ni->host_addr)
				return bpf_redirect(tg->out_ifindex, 0);
			return TC_ACT_OK; /* the gateway, or routed back */
		}
		dni = bpf_map_lookup_elem(&net_map, &dn);
		if (!dni || ((ni->flags | dni->flags) & NET_ISOLATION) ||
		    (dni->flags & NET_CLOSED))
			return drop(DROP_ISOLATED);
		if (ip[8] <= 1)
			return TC_ACT_OK;
		ttl_dec(skb, 14, ip[8], ip[9]);
		return bpf_redirect_neigh(dni->bridge, NULL, 0, 0);
	}

	/* 4. time exceeded comes from the kernel, with the gateway's address */
	if (ip[8] <= 1)
		return TC_ACT_OK;

	/* 5. hairpin: to an external address, on a port the NAT owns */
	slot = bpf_map_lookup_elem(&ext_map, &daddr);
	if (slot) {
		if (owned_packet(ip, end, *slot))
			return bpf_redirect(tg->out_ifindex, 0);
		return TC_ACT_OK;
	}

	/* 6. as the kernel would route it from this bridge */
	fib.family = AF_INET;
	fib.tos = ip[1];
	fib.l4_protocol = ip[9];
	fib.ifindex = ni->bridge;	/* as if it came up from the bridge */
	fib.ipv4_src = saddr;
	fib.ipv4_dst = daddr;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_SKIP_NEIGH);
	if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
		return TC_ACT_OK;
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	    fib.ifindex == tg->out_ifindex)
		return bpf_redirect(tg->out_ifindex, 0);
	return TC_ACT_SHOT;
}

/*
 * learn() - port_map says that @mac is at @pv's port, as a bridge learns:
 * looked up (and written when it said otherwise) at most once per tick per
 * CPU while no CPU writes port_map (learn_map's count, read before the
 * lookup so that a write meanwhile is seen at the next frame) and the
 * daemon changed none of its ports (targets.gen; it deletes a port's MACs
 * when the port goes or is attached again). The count and the entry are
 * read in that order, which x86-64 keeps (the project's target); a CPU
 * that reordered them could miss a move for one tick.
 */
static __always_inline void learn(__u64 mac, const struct port_val *pv,
				  const struct targets *tg)
{
	__u32 zero = 0, tick = (__u32)(now_ns() >> ROUTE_TICK_SHIFT), sl, lg;
	__u32 gen = gen_of(tg);
	__u64 *writes = bpf_map_lookup_elem(&learn_map, &zero);
	struct learn_ent *le;
	struct port_val *cur;

	if (!writes)
		return;
	lg = (__u32)*(volatile __u64 *)writes;
	sl = (((__u32)mac ^ (__u32)(mac >> 32) * 0x85ebca6bu ^
	       pv->ifindex * 0xc2b2ae35u) * 0x9e3779b1u) >> (32 - LEARN_SLOT_BITS);
	le = bpf_map_lookup_elem(&learn_ok_map, &sl);
	if (le && le->mac == mac && le->ifindex == pv->ifindex &&
	    le->net == pv->net && le->flags == pv->flags &&
	    le->gen == gen && le->writes == lg && le->tick == tick)
		return;
	cur = bpf_map_lookup_elem(&port_map, &mac);
	if (!cur || cur->ifindex != pv->ifindex || cur->net != pv->net ||
	    cur->flags != pv->flags) {
		bpf_map_update_elem(&port_map, &mac, pv, BPF_ANY);
		__sync_fetch_and_add(writes, 1);
	}
	if (le) {
		le->mac = mac;
		le->ifindex = pv->ifindex;
		le->net = pv->net;
		le->flags = pv->flags;
		le->gen = gen;
		le->writes = lg;
		le->tick = tick;
	}
}

/*
 * at_port() - a frame from an endpoint at its bridge port, before the
 * bridge (and before br_netfilter, which would defragment it and give it
 * to the host's forward chain): learn where its source MAC is; routed
 * IPv4 (to the bridge's MAC) is the bridge program's business, done here;
 * unicast to another endpoint of the bridge goes straight to its port;
 * the rest is the bridge's.
 */
static __always_inline int at_port(struct __sk_buff *skb, struct if_role *role,
				   struct targets *tg)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u32 net = role->net % MAX_NETS, ifindex = skb->ingress_ifindex;
	struct port_val pv = { ifindex, role->net, role->flags }, *cur;
	struct net_info *ni;
	__u8 *eth = data;
	__u64 key;

	if ((void *)(eth + 14) > end)
		return TC_ACT_OK;
	if (!(eth[6] & 1))
		learn(mac_key(eth + 6), &pv, tg);
	if (eth[0] & 1)
		return TC_ACT_OK;
	ni = bpf_map_lookup_elem(&net_map, &net);
	if (!ni)
		return TC_ACT_OK;
	if (mac_eq(eth, ni->mac)) {
		__u8 *ip = eth + 14;

		if (skb->protocol != bpf_htons(ETH_P_IP) ||
		    (void *)(ip + 20) > end || (ip[0] >> 4) != 4 ||
		    (ip[0] & 0xf) < 5)
			return TC_ACT_OK;
		return from_bridge(skb, eth, ip, end, role, tg, ni, ifindex);
	}
	key = mac_key(eth);
	cur = bpf_map_lookup_elem(&port_map, &key);
	if (cur && cur->net == role->net && cur->ifindex != ifindex)
		return bpf_redirect(cur->ifindex, 0);
	return TC_ACT_OK;
}

/* both addresses and the source (@sport_off 0) or destination (2) port of
 * a TCP or UDP packet at L3 offset @l2 rewritten, the checksums updated (a
 * UDP checksum of 0 stays 0) */
static __always_inline int readdr(struct __sk_buff *skb, __u32 l2, __u32 ihl,
				  __u8 proto, __u32 osrc, __u32 odst,
				  __u32 nsrc, __u32 ndst, __u32 port_off,
				  __u16 oport, __u16 nport)
{
	__u32 csum_off = l2 + ihl + (proto == IPPROTO_TCP ? 16 : 6);
	__u64 flags = BPF_F_PSEUDO_HDR | 4, pflags = 2;
	__u16 ob = bpf_htons(oport), nb = bpf_htons(nport);

	if (proto == IPPROTO_UDP) {
		flags |= BPF_F_MARK_MANGLED_0;
		pflags |= BPF_F_MARK_MANGLED_0;
	}
	if (bpf_l4_csum_replace(skb, csum_off, osrc, nsrc, flags) ||
	    bpf_l4_csum_replace(skb, csum_off, odst, ndst, flags) ||
	    bpf_l4_csum_replace(skb, csum_off, ob, nb, pflags) ||
	    bpf_l3_csum_replace(skb, l2 + 10, osrc, nsrc, 4) ||
	    bpf_l3_csum_replace(skb, l2 + 10, odst, ndst, 4) ||
	    bpf_skb_store_bytes(skb, l2 + 12, &nsrc, 4, 0) ||
	    bpf_skb_store_bytes(skb, l2 + 16, &ndst, 4, 0) ||
	    bpf_skb_store_bytes(skb, l2 + ihl + port_off, &nb, 2, 0))
		return -1;
	return 0;
}

static __always_inline __u32 loop_hold(__u8 proto, const struct loop_val *v)
{
	if (proto != 0)		/* UDP */
		return LOOP_HOLD_UDP_S;
	return v->closed ? LOOP_HOLD_CLOSED_S : LOOP_HOLD_TCP_S;
}

/* a source port for the engine to see one of the host's connections by */
static __always_inline int loop_port(struct lfwd_key *fk, __u32 now)
{
	struct loop_key lk = { .port = fk->port, .proto = fk->proto };
	struct loop_val *cur;
	__u32 h = fk->saddr * 2654435761u ^ fk->daddr * 40503u ^
		  ((__u32)fk->sport << 16 | fk->port), i;

	for (i = 0; i < LOOP_TRIES; i++) {
		lk.host_port = (__u16)(LOOP_PORT_LO +
				       (h + i * 7919u) % LOOP_PORT_N);
		cur = bpf_map_lookup_elem(&loop_map, &lk);
		if (!cur || now - cur->seen >= loop_hold(fk->proto, cur)) {
			if (cur) {
				/* the old owner's way there goes with it */
				struct lfwd_key old = {
					.saddr = cur->saddr,
					.daddr = cur->daddr,
					.sport = cur->sport,
					.port = fk->port,
					.proto = fk->proto,
				};

				bpf_map_delete_elem(&lfwd_map, &old);
			}
			return lk.host_port;
		}
	}
	return -1;
}

/*
 * to_local_port() - the host's packet (at lo) to a port that a mapping
 * publishes, on an address of the host's that is not the mapping's
 * external address (127.0.0.1, the bridge's gateway, another interface):
 * both addresses become the external address and the source port one of
 * loop_port()'s, as if the host had connected from there, and the packet
 * goes to the engine. Return: a tc verdict, or -1 when it is not one.
 */
static __always_inline int to_local_port(struct __sk_buff *skb, __u8 *ip,
					 void *end, __u32 l2, __u32 ihl,
					 struct targets *tg)
{
	__u32 now = (__u32)(now_ns() >> 30), *ext, *np, nport;
	struct local_key lk = {};
	struct lfwd_key fk = {};
	struct loop_key ok = {};
	struct loop_val ov = {};
	__u8 *l4 = ip + ihl;
	int p = nat_proto(ip[9]), r;

	if (p != 0 && p != 1)
		return -1;
	if (be16_at(ip + 6) & 0x3fff)	/* a fragment */
		return -1;
	if ((void *)(l4 + 8) > end)
		return -1;
	lk.port = be16_at(l4 + 2);
	lk.proto = (__u8)p;
	ext = bpf_map_lookup_elem(&local_map, &lk);
	if (!ext || !daemon_recent())	/* a daemon gone: the host's port */
		return -1;
	__builtin_memcpy(&fk.saddr, ip + 12, 4);
	__builtin_memcpy(&fk.daddr, ip + 16, 4);
	fk.sport = be16_at(l4);
	fk.port = lk.port;
	fk.proto = (__u8)p;
	ok.port = lk.port;
	ok.proto = (__u8)p;
	np = bpf_map_lookup_elem(&lfwd_map, &fk);
	if (np) {
		struct loop_val *own;

		nport = *np;
		ok.host_port = (__u16)nport;
		own = bpf_map_lookup_elem(&loop_map, &ok);
		if (own && (own->saddr != fk.saddr || own->daddr != fk.daddr ||
			    own->sport != fk.sport))
			np = NULL;	/* its port was given to another */
	}
	if (!np) {
		r = loop_port(&fk, now);
		if (r < 0)
			return TC_ACT_SHOT;	/* all taken: the host retries */
		nport = (__u32)r;
		bpf_map_update_elem(&lfwd_map, &fk, &nport, BPF_ANY);
	}
	ok.host_port = (__u16)nport;
	ov.saddr = fk.saddr;
	ov.daddr = fk.daddr;
	ov.sport = fk.sport;
	ov.seen = now;
	if (p == 0 && (l4 + 14 <= (__u8 *)end) && (l4[13] & 0x05)) /* FIN RST */
		ov.closed = 1;
	else if (p == 0) {
		struct loop_val *prev = bpf_map_lookup_elem(&loop_map, &ok);

		ov.closed = prev && prev->saddr == fk.saddr &&
			    prev->sport == fk.sport ? prev->closed : 0;
	}
	bpf_map_update_elem(&loop_map, &ok, &ov, BPF_ANY);
	if (readdr(skb, l2, ihl, ip[9], fk.saddr, fk.daddr, *ext, *ext, 0,
		   fk.sport, (__u16)nport))
		return TC_ACT_SHOT;
	return bpf_redirect(tg->in_ifindex, 0);
}

/*
 * from_local_port() - the engine's answer (at a TUN) to one of those: from
 * external address:mapped port to the same external address at a port of
 * loop_port()'s: addresses and port go back to what the host used.
 * Return: 0 when it was not one.
 */
static __always_inline int from_local_port(struct __sk_buff *skb, __u8 *ip,
					   void *end, __u32 ihl)
{
	struct loop_key ok = {};
	struct loop_val *ov;
	__u32 saddr, daddr, osaddr, odaddr;
	__u8 *l4 = ip + ihl;
	int p = nat_proto(ip[9]);
	__u16 osport;

	if (p != 0 && p != 1)
		return 0;
	if ((void *)(l4 + 8) > end)
		return 0;
	__builtin_memcpy(&saddr, ip + 12, 4);
	__builtin_memcpy(&daddr, ip + 16, 4);
	if (saddr != daddr || !bpf_map_lookup_elem(&ext_map, &saddr))
		return 0;
	ok.host_port = be16_at(l4 + 2);
	if (ok.host_port < LOOP_PORT_LO ||
	    ok.host_port >= LOOP_PORT_LO + LOOP_PORT_N)
		return 0;
	ok.port = be16_at(l4);
	ok.proto = (__u8)p;
	ov = bpf_map_lookup_elem(&loop_map, &ok);
	if (!ov)
		return 0;
	osaddr = ov->saddr;
	odaddr = ov->daddr;
	osport = ov->sport;
	readdr(skb, 0, ihl, ip[9], saddr, daddr, odaddr, osaddr, 2,
	       ok.host_port, osport);
	return 1;
}

/*
 * pull_headers() - the headers in the linear part, and no more: IPv4 and
 * TCP without options (all the fast path reads) for most packets; up to an
 * ICMP error's quote for ICMP and for a header with options. Pulling
 * payload breaks fraglist GSO, and for a TCP super-packet, whose linear
 * part is its headers alone, it copies the head of every packet.
 * @skb:	the packet
 * @l2:		bytes of link header before IPv4
 */
static __always_inline void pull_headers(struct __sk_buff *skb, __u32 l2)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u32 have = (__u32)(end - data), want = (l2 & 0x1f) + 20 + 20;
	__u8 *ip = (__u8 *)data + (l2 & 0x1f), h[10] = {};

	if ((void *)(ip + sizeof(h)) <= end)
		__builtin_memcpy(h, ip, sizeof(h));	/* nearly always */
	else	/* with a copy: the linear part does not hold this much */
		bpf_skb_load_bytes(skb, l2 & 0x1f, h, sizeof(h));
	if (h[0] != 0x45 || h[9] == IPPROTO_ICMP)
		want = (l2 & 0x1f) + 60 + 8 + 60 + 8;
	if (want > have && skb->len > have)
		bpf_skb_pull_data(skb, skb->len < want ? skb->len : want);
}

SEC("tc")
int hostnat_steer(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u32 ifindex = skb->ingress_ifindex, zero = 0, l2, ihl;
	struct lpm_key k = { 32, 0 };
	struct net_info *ni;
	struct if_role *role;
	struct targets *tg;
	__u32 daddr, saddr, net, *slot, ext_slot, tick, us, gen;
	struct up_ent *ue;
	int verdict;
	__u8 *ip;

	role = if_role_of(ifindex);
	if (!role)
		return TC_ACT_OK;
	tg = bpf_map_lookup_elem(&target_map, &zero);
	if (!tg)
		return TC_ACT_OK;
	if (role->role == ROLE_PORT) {
		pull_headers(skb, 14);
		return at_port(skb, role, tg);
	}
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	l2 = role->l2len & 0x1f;
	pull_headers(skb, l2);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip = (__u8 *)data + l2;
	if ((void *)(ip + 20) > end)
		return TC_ACT_OK;
	if ((ip[0] >> 4) != 4)
		return TC_ACT_OK;
	ihl = (ip[0] & 0xf) * 4;
	if (ihl < 20)
		return TC_ACT_OK;
	__builtin_memcpy(&daddr, ip + 16, 4);
	__builtin_memcpy(&saddr, ip + 12, 4);

	switch (role->role) {
	case ROLE_TUN:
		if (from_local_port(skb, ip, end, ihl))
			return TC_ACT_OK; /* to the host (route_localnet) */
		return tun_out(skb, ip);
	case ROLE_BRIDGE:
		if (l2 != 14)
			return TC_ACT_SHOT;
		net = role->net % MAX_NETS;
		ni = bpf_map_lookup_elem(&net_map, &net);
		if (!ni)
			return TC_ACT_SHOT;
		return from_bridge(skb, (__u8 *)data, ip, end, role, tg, ni, 0);
	case ROLE_UPLINK:
		tick = (__u32)(now_ns() >> ROUTE_TICK_SHIFT);
		gen = gen_of(tg);
		us = ((saddr * 0x85ebca6bu ^ daddr) * 0x9e3779b1u) >>
		     (32 - UP_SLOT_BITS);
		ue = bpf_map_lookup_elem(&up_ok_map, &us);
		if (ue && ue->saddr == saddr && ue->daddr == daddr &&
		    ue->gen == gen && ue->tick == tick) {
			ext_slot = ue->slot;	/* passed this tick */
		} else {
			k.addr = saddr;
			if (bpf_map_lookup_elem(&ext_map, &saddr) ||
			    bpf_map_lookup_elem(&prefix_map, &k))
				return drop(DROP_SPOOFED);
			k.addr = daddr;
			if (bpf_map_lookup_elem(&prefix_map, &k))
				return drop(DROP_UNSOLICITED);
			slot = bpf_map_lookup_elem(&ext_map, &daddr);
			if (!slot)
				return TC_ACT_OK;
			ext_slot = *slot;
			if (ue) {
				ue->saddr = saddr;
				ue->daddr = daddr;
				ue->slot = ext_slot;
				ue->gen = gen;
				ue->tick = tick;
			}
		}
		/* a frame not sent to this host (another's MAC, a link
		 * broadcast or multicast): no router takes it (RFC 1812
		 * 5.3.4), and the kernel's ip_rcv() drops it */
		if (skb->pkt_type != PACKET_HOST)
			return TC_ACT_OK;
		if (l2 == 14) {
			verdict = fast_path(skb, ip, end, tg, FAST_IN);
			if (verdict >= 0)
				return verdict;
		}
		break;
	case ROLE_LO:
		slot = bpf_map_lookup_elem(&ext_map, &daddr);
		if (slot && owned_packet(ip, end, *slot))
			return bpf_redirect(tg->in_ifindex, 0);
		verdict = to_local_port(skb, ip, end, l2, ihl, tg);
		return verdict < 0 ? TC_ACT_OK : verdict;
	default:
		return TC_ACT_OK;
	}
	/* ROLE_UPLINK, to an external address (ext_slot), not on the fast
	 * path */
	if (!owned_packet(ip, end, ext_slot))
		return TC_ACT_OK;
	return bpf_redirect(tg->in_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
