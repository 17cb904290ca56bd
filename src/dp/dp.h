/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dp.h: the datapath's interface
 *
 * Theory of operation
 * -------------------
 * The datapath puts the engine in the kernel's packet path and takes it out
 * again. It owns two TUN devices (IFF_VNET_HDR, so GSO super-packets pass
 * whole):
 *  - DP_OUT ("<prefix>-out"): endpoint traffic, steered in by a policy
 *    route per network (iif <bridge> lookup <table>, any source; table:
 *    default dev <prefix>-out, and a blackhole default behind it so that
 *    traffic is dropped, never leaked, when the daemon is gone), plus
 *    endpoint packets to an external address on a NAT-owned port
 *    (hairpin), redirected by a tc classifier on the bridge;
 *  - DP_IN ("<prefix>-in"): packets to an external address on a NAT-owned
 *    port, redirected by a tc classifier at ingress of each uplink, and of
 *    lo for the host's own connections to its mapped ports.
 * So the device a packet is read from is its direction: nothing from the
 * outside can pass as an endpoint's packet.
 * Every translated packet is written back into the device it came from and
 * the kernel routes it.
 *
 * Kernel configuration is declarative: the control layer describes the whole
 * desired state (struct dp_state) and dp_sync() makes the kernel match it,
 * adding and removing what differs. dp_open() first removes whatever an
 * earlier daemon left behind (a crash); dp_close() removes the devices and,
 * unless the stop is clean, the programs.
 */
#ifndef HOSTNAT_DP_H
#define HOSTNAT_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat.h"

#define DP_IFNAMSIZ 16
#define DP_NET_PREFIXES 16	/* prefixes per network */
#define DP_MAX_NETS 32
#define DP_MAX_EXT 16
#define DP_MAX_STATIC 4096
#define DP_FAST_GRACE_S 5	/* s the fast path outlives a silent daemon */

enum dp_dev {
	DP_OUT = 0,
	DP_IN = 1,
	DP_NDEV = 2,
};

/**
 * struct dp_net - a NAT network as the kernel must see it
 * @id:		network id (also picks its routing table)
 * @name:	network name
 * @bridge:	bridge interface name
 * @own_bridge:	hostnat creates the bridge (and deletes it on removal)
 * @gateway:	gateway address, held by the bridge
 * @gw_plen:	prefix length of the gateway address
 * @host_addr:	address that stands for the host (routed to DP_OUT, answered
 *		by proxy ARP on the bridge), 0 if none
 * @prefix:	internal prefixes
 * @plen:	their lengths
 * @nprefix:	number of prefixes
 * @isolation:	true (default): nothing routes between this network and
 *		another; false on both networks: they route to each other
 * @source_binding: true (default): an address in @bind may be used as a
 *		source only by its MAC address
 * @endpoint_addresses: with @source_binding, addresses not in @bind that
 *		one bridge port may send from (each is that port's alone
 *		while in use)
 * @closed:	the network's configuration could not be loaded: only its
 *		fail-closed state is installed (nothing from its bridge is
 *		routed or translated), no address, no steering
 */
struct dp_net {
	unsigned id;
	char name[NAT_NAME_MAX];
	char bridge[DP_IFNAMSIZ];
	bool own_bridge;
	uint32_t gateway;
	uint8_t gw_plen;
	uint32_t host_addr;
	uint32_t prefix[DP_NET_PREFIXES];
	uint8_t plen[DP_NET_PREFIXES];
	unsigned nprefix;
	bool isolation;
	bool source_binding;
	uint8_t endpoint_addresses;
	bool closed;
};

#define DP_MAX_BINDS 65536

/**
 * struct dp_bind - an address that hostnat gave out (a lease, an endpoint,
 * a reservation), bound to the MAC address it was given to
 * @net:	network id (struct dp_net.id)
 * @addr:	the address, host order
 * @mac:	the MAC address that may send with it
 */
struct dp_bind {
	unsigned net;
	uint32_t addr;
	uint8_t mac[6];
};

/**
 * struct dp_ext - an external address and the ports the NAT owns on it
 * @addr:	the address (on the host)
 * @uplink:	interface that holds it: its ingress is steered
 * @lo:		dynamic port range per enum nat_proto (ICMP: identifiers)
 * @hi:		last port of that range
 */
struct dp_ext {
	uint32_t addr;
	char uplink[DP_IFNAMSIZ];
	uint16_t lo[NAT_NPROTO];
	uint16_t hi[NAT_NPROTO];
};

/**
 * struct dp_static - one statically mapped port
 * @proto:	NAT_TCP or NAT_UDP
 * @addr:	external address, 0 for all
 * @port:	external port
 */
struct dp_static {
	uint8_t proto;
	uint32_t addr;
	uint16_t port;
};

/**
 * struct dp_state - everything the kernel must be set up for
 */
/**
 * struct dp_local - a mapped port that the host reaches on any address of
 * its own (127.0.0.1, a gateway, another interface), as if through @ext
 * @proto:	NAT_TCP or NAT_UDP
 * @port:	external port
 * @ext:	the external address the engine knows the mapping by
 */
struct dp_local {
	uint8_t proto;
	uint16_t port;
	uint32_t ext;
};

struct dp_state {
	struct dp_net net[DP_MAX_NETS];
	unsigned nnet;
	struct dp_ext ext[DP_MAX_EXT];
	unsigned next;
	struct dp_static stat[DP_MAX_STATIC];
	unsigned nstat;
	struct dp_local local[DP_MAX_STATIC];
	unsigned nlocal;
	struct dp_bind *bind;	/* owned by the caller, may be NULL */
	unsigned nbind;
};

/**
 * enum dp_drop - packets the kernel programs drop, by reason (dp_counters())
 */
enum dp_drop {
	DP_DROP_SPOOFED = 0,	/* "spoofed_source": source not of the bridge's
				 * network, or a bound address from another MAC */
	DP_DROP_ISOLATED,	/* "isolated": between two networks */
	DP_DROP_UNSOLICITED,	/* "to_internal": to an internal address from
				 * anywhere but its bridge */
	DP_DROP_ADDRS,		/* "endpoint_addresses": a bridge port sends
				 * from more addresses than its network allows */
	DP_DROP_N
};

/**
 * struct dp_addr - an IPv4 address or route of the host
 * @ifname:	interface
 * @addr:	address (or route destination)
 * @plen:	prefix length
 * @route:	true for a route, false for an address
 */
struct dp_addr {
	char ifname[DP_IFNAMSIZ];
	uint32_t addr;
	uint8_t plen;
	bool route;
};

#define DP_NETNS_MAX 128	/* bytes, with NUL: netns name or path */

/**
 * struct dp_endpoint - a container endpoint: a veth pair from a bridge into
 * a network namespace (endpoint.c)
 * @netns:	namespace: a name under /run/netns, or a path (/proc/PID/ns/net)
 * @ifname:	the interface inside it
 * @host_if:	the host side, attached to @bridge
 * @bridge:	the network's bridge
 * @has_mac:	@mac is set; else the kernel picks one
 * @mac:	MAC address of @ifname
 * @addr:	address of @ifname, host order
 * @plen:	its prefix length
 * @gateway:	default route, host order
 */
struct dp_endpoint {
	char netns[DP_NETNS_MAX];
	char ifname[DP_IFNAMSIZ];
	char host_if[DP_IFNAMSIZ];
	char bridge[DP_IFNAMSIZ];
	bool has_mac;
	uint8_t mac[6];
	uint32_t addr;
	uint8_t plen;
	uint32_t gateway;
};

struct dp;

int dp_open(struct dp **dpp, const char *devprefix);
int dp_open_flows(struct dp **dpp, const char *devprefix, uint32_t max_flows);
void dp_fast_attach(struct dp *dp, struct nat *nat, uint64_t now_ms);
void dp_fast_sync(struct dp *dp, struct nat *nat);
void dp_fast_alive(struct dp *dp, uint64_t now_ms);
/* dp_fast_counters(): packets and bytes out, in, hairpin */
#define DP_FAST_N 6
void dp_fast_counters(const struct dp *dp, uint64_t out[DP_FAST_N]);
void dp_fast_grace(struct dp *dp, unsigned s);
int dp_release(const char *devprefix);
void dp_close(struct dp *dp, bool keep);
int dp_sync(struct dp *dp, const struct dp_state *st);
const char *dp_error(const struct dp *dp);
void dp_counters(struct dp *dp, uint64_t drops[DP_DROP_N]);
const char *dp_drop_name(unsigned reason);

void dp_ports_sync(struct dp *dp, struct nat *nat);
void dp_tick(struct dp *dp, struct nat *nat);

int dp_fd(const struct dp *dp, enum dp_dev dev);
unsigned dp_rx(struct dp *dp, enum dp_dev dev, struct nat_pkt *pkts,
	       unsigned max);
void dp_tx(struct dp *dp, enum dp_dev dev, struct nat_pkt *pkts, unsigned n);

int dp_host_addrs(struct dp *dp, struct dp_addr *out, unsigned max);
int dp_default_uplink(struct dp *dp, char ifname[DP_IFNAMSIZ],
		      uint32_t *addr);
int dp_if_addr(struct dp *dp, const char *ifname, uint32_t *addr);
int dp_addr_if(struct dp *dp, uint32_t addr, char ifname[DP_IFNAMSIZ]);
int dp_port_in_use(struct dp *dp, uint8_t proto, uint32_t addr, uint16_t port);
int dp_watch_open(struct dp *dp);
unsigned dp_watch_drain(int fd, unsigned *any, unsigned *links);
void dp_routes_changed(struct dp *dp);
void dp_links_changed(struct dp *dp);

int dp_bridge_check(struct dp *dp, const char *name, char *err,
		    size_t errlen);

int dp_endpoint_add(struct dp *dp, const struct dp_endpoint *ep, char *err,
		    size_t errlen);
int dp_endpoint_del(struct dp *dp, const char *host_if, char *err,
		    size_t errlen);
bool dp_endpoint_present(struct dp *dp, const char *host_if);
int dp_endpoint_state(struct dp *dp, const char *host_if, const char *bridge);
int dp_endpoint_reattach(struct dp *dp, const char *host_if,
			 const char *bridge, char *err, size_t errlen);

#endif /* HOSTNAT_DP_H */
