/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ipam.h: the address pool of one NAT network
 *
 * Theory of operation
 * -------------------
 * One pool covers the host addresses of one IPv4 prefix (/8 to /30); the
 * network and broadcast addresses are never part of it. Every address of
 * the pool has at most one entry, of one kind:
 *
 *  - system:   the gateway, the host's stand-in and whatever else the
 *              daemon keeps for itself (set by the caller);
 *  - static:   a reservation by MAC address, set by the admin; the DHCP
 *              server gives that address, and only that one, to that MAC;
 *  - lease:    a DHCP lease, keyed by the client identifier (RFC 2131
 *              section 2: option 61, or htype + chaddr when absent), with
 *              a state: offered (held briefly after a DHCPOFFER), bound
 *              (until it expires) or free (expired or released: the
 *              address is free again but remembered for the client, so
 *              that it gets the same address back, across restarts too);
 *  - endpoint: an address given to a container endpoint (name, netns);
 *  - declined: an address a client reported in use (DHCPDECLINE, RFC 2131
 *              section 3.1.5), kept out of the pool for a while, and
 *              charged to the MAC that declined it.
 *
 * A used-bitmap says which addresses are taken, a second one which free
 * addresses are remembered for a past client; both are sized at creation,
 * as is the entry table (hash chains by address, by client identifier and
 * by MAC). Nothing is allocated after ipam_create().
 *
 * A new address is chosen in this order: the client's requested address
 * if it is free; the address the client (or, failing that, its MAC) had
 * before; the lowest free address nobody remembers; the lowest free
 * address.
 *
 * Limits keep clients from emptying the pool (see ipam.c for the why):
 *  - DHCP's share: leases (offered + bound) and quarantined (declined)
 *    addresses together are capped pool-wide (default: the pool size minus
 *    a reserve of IPAM_RESERVE_PCT_DEFAULT percent for endpoints and
 *    reservations, which DHCP never takes);
 *  - per MAC: leases and declined addresses together (max_per_mac); a MAC
 *    with max_declines addresses in quarantine is held off until one
 *    quarantine ends; pool-wide, at most max_declined quarantines stand
 *    (the one ending first is ended early to make room);
 *  - rate of new offers: each MAC has its own bucket (mac_burst, one
 *    more every mac_interval seconds); a client the pool knows nothing of
 *    also needs a token of the shared new-client bucket (rate, burst), or,
 *    when it comes back after being refused for that rate (a DHCP client
 *    retransmits, RFC 2131 section 4.1; a flood of made-up MACs does
 *    not), a token of the retransmission bucket (retry_rate, retry_burst).
 *    The MACs' buckets and the note of a refusal live in a table of
 *    max_macs entries that forgets the least recently seen MAC;
 *  - an offer not yet requested older than IPAM_OFFER_EVICT_AGE seconds
 *    gives way to a new one when DHCP's share is full.
 * Answering a client that holds an offer or a lease is never rate-limited.
 *
 * Times are seconds of the caller's clock, which must be the wall clock if
 * leases are saved across restarts (the file holds absolute expiry times).
 * Addresses in this interface are in host byte order.
 */
#ifndef HOSTNAT_IPAM_H
#define HOSTNAT_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define IPAM_PLEN_MIN 8 /* shortest prefix: 16M addresses, 4 MiB bitmaps */
#define IPAM_PLEN_MAX 30 /* longest prefix: two usable addresses */
#define IPAM_NAME_MAX 64 /* bytes, with NUL: names and lease host names */
#define IPAM_NETNS_MAX 128 /* bytes, with NUL: netns name or path */
#define IPAM_ID_MAX 64 /* bytes, longest client identifier kept */
#define IPAM_OWNER_MAX 129 /* bytes, with NUL: an endpoint's owner */
#define IPAM_ENTRIES_DEFAULT 16384 /* entries, or the pool size if smaller */
#define IPAM_RESERVE_PCT_DEFAULT 10 /* % of the pool kept from DHCP leases */
#define IPAM_PER_MAC_DEFAULT 4 /* leases per MAC (one per client id) */
#define IPAM_RATE_DEFAULT 10 /* new clients per second */
#define IPAM_BURST_DEFAULT 32 /* new clients at once */
#define IPAM_RETRY_RATE_DEFAULT 10 /* retransmitting new clients per s */
#define IPAM_RETRY_BURST_DEFAULT 16 /* retransmitting new clients at once */
#define IPAM_RETRY_WINDOW 64 /* s, a refused MAC counts as retransmitting */
#define IPAM_MAC_BURST_DEFAULT 4 /* new offers to one MAC at once */
#define IPAM_MAC_INTERVAL_DEFAULT 15 /* s, one more new offer to a MAC */
#define IPAM_MACS_DEFAULT 4096 /* MACs whose buckets are kept */
#define IPAM_DECLINES_DEFAULT 2 /* quarantines per MAC before held off */
#define IPAM_DECLINED_PCT_DEFAULT 25 /* % of DHCP's share in quarantine */
#define IPAM_OFFER_EVICT_AGE 2 /* s, an offer younger is never evicted */

/**
 * enum ipam_kind - what an address is used for
 * @IPAM_SYSTEM:	kept by the daemon (gateway, host stand-in)
 * @IPAM_STATIC:	reserved by the admin for one MAC address
 * @IPAM_LEASE:		DHCP lease, see enum ipam_state
 * @IPAM_ENDPOINT:	given to a container endpoint
 * @IPAM_DECLINED:	reported in use by a client, quarantined until expiry
 */
enum ipam_kind {
	IPAM_SYSTEM = 0,
	IPAM_STATIC,
	IPAM_LEASE,
	IPAM_ENDPOINT,
	IPAM_DECLINED,
	IPAM_KIND_MAX,
};

/**
 * enum ipam_state - state of a DHCP lease
 * @IPAM_OFFERED:	held for the client after an offer, until expiry
 * @IPAM_BOUND:		acknowledged, until expiry
 * @IPAM_FREE:		expired or released; address free, remembered
 */
enum ipam_state {
	IPAM_OFFERED = 0,
	IPAM_BOUND,
	IPAM_FREE,
	IPAM_STATE_MAX,
};

/**
 * struct ipam_config - a pool and its limits; zero fields take defaults
 * @net:		network address of the prefix
 * @plen:		prefix length, IPAM_PLEN_MIN to IPAM_PLEN_MAX
 * @max_entries:	entry table size (0: IPAM_ENTRIES_DEFAULT, at most
 *			the pool size)
 * @max_leases:		DHCP's share: offered + bound leases and declined
 *			addresses in the pool (0: pool size minus
 *			IPAM_RESERVE_PCT_DEFAULT percent)
 * @max_per_mac:	offered + bound leases and declined addresses per
 *			MAC address
 * @rate:		new clients admitted per second
 * @burst:		new clients admitted at once (bucket depth)
 * @retry_rate:		new clients admitted per second when they come back
 *			after a refusal for @rate
 * @retry_burst:	and at once
 * @mac_burst:		new offers to one MAC at once
 * @mac_interval:	s, one more new offer to that MAC
 * @max_macs:		MACs whose buckets are kept (least recently seen
 *			forgotten first)
 * @max_declines:	addresses in quarantine for one MAC before it is
 *			held off
 * @max_declined:	addresses in quarantine in the pool (0:
 *			IPAM_DECLINED_PCT_DEFAULT percent of @max_leases)
 * @hash_seed:		seed of the hash tables (random, against flooding)
 */
struct ipam_config {
	uint32_t net;
	unsigned plen;
	uint32_t max_entries;
	uint32_t max_leases;
	uint32_t max_per_mac;
	uint32_t rate;
	uint32_t burst;
	uint32_t retry_rate;
	uint32_t retry_burst;
	uint32_t mac_burst;
	uint32_t mac_interval;
	uint32_t max_macs;
	uint32_t max_declines;
	uint32_t max_declined;
	uint32_t hash_seed;
};

/**
 * struct ipam_entry - one used (or remembered) address
 * @addr:	the address
 * @kind:	enum ipam_kind
 * @state:	enum ipam_state, leases only
 * @has_mac:	@mac is set (always for static and lease; declined: the
 *		MAC that declined it, when known)
 * @id_len:	length of @id, leases only (at least 2)
 * @mac:	MAC address
 * @id:		client identifier: option 61, or 0x01 + MAC without it
 * @expires:	s, end of an offer, lease or quarantine; for a free lease,
 *		when it ended; 0 for other kinds
 * @name:	system, static or endpoint name; lease: client host name
 *		(option 12, sanitised), may be empty
 * @netns:	endpoint network namespace (name or path)
 * @owner:	endpoint owner (a container id), may be empty
 */
struct ipam_entry {
	uint32_t addr;
	uint8_t kind;
	uint8_t state;
	uint8_t has_mac;
	uint8_t id_len;
	uint8_t mac[6];
	uint8_t id[IPAM_ID_MAX];
	int64_t expires;
	char name[IPAM_NAME_MAX];
	char netns[IPAM_NETNS_MAX];
	char owner[IPAM_OWNER_MAX];
};

/**
 * struct ipam_client - who asks for a lease
 * @mac:	client hardware address (chaddr)
 * @id:		client identifier (option 61), NULL if none
 * @id_len:	its length, 2 to IPAM_ID_MAX
 * @hostname:	host name (option 12), raw bytes, NULL if none
 * @hostname_len: its length
 */
struct ipam_client {
	const uint8_t *mac;
	const uint8_t *id;
	size_t id_len;
	const uint8_t *hostname;
	size_t hostname_len;
};

/**
 * struct ipam_stats - size and use of a pool
 * @size:	usable addresses (prefix minus network and broadcast)
 * @used:	addresses in use, all kinds
 * @free:	@size - @used
 * @kind:	entries per enum ipam_kind (leases: offered + bound)
 * @remembered:	free leases remembered for their client
 * @entries:	entries in the table, of @max_entries
 * @max_entries: entry table size
 * @max_leases:	DHCP's share in effect (leases + declined)
 * @refused_limit: leases refused by the pool or per-MAC cap
 * @refused_rate: leases refused by the new-client rate
 * @refused_full: allocations refused: no free address or entry
 * @refused_client_rate: offers refused by the MAC's own bucket
 * @refused_declined: offers refused to a MAC held off for its declines
 * @admitted_retry: new clients admitted from the retransmission bucket
 * @offers_evicted: offers not requested that gave way to a new one
 * @quarantines_ended: quarantines ended early for a new one
 */
struct ipam_stats {
	uint32_t size;
	uint32_t used;
	uint32_t free;
	uint32_t kind[IPAM_KIND_MAX];
	uint32_t remembered;
	uint32_t entries;
	uint32_t max_entries;
	uint32_t max_leases;
	uint64_t refused_limit;
	uint64_t refused_rate;
	uint64_t refused_full;
	uint64_t refused_client_rate;
	uint64_t refused_declined;
	uint64_t admitted_retry;
	uint64_t offers_evicted;
	uint64_t quarantines_ended;
};

struct ipam;

int ipam_create(struct ipam **out, const struct ipam_config *cfg);
void ipam_destroy(struct ipam *ipam);
uint32_t ipam_net(const struct ipam *ipam);
unsigned ipam_plen(const struct ipam *ipam);
bool ipam_contains(const struct ipam *ipam, uint32_t addr);
void ipam_stats(const struct ipam *ipam, struct ipam_stats *st);
const struct ipam_entry *ipam_lookup(const struct ipam *ipam, uint32_t addr);
const struct ipam_entry *ipam_iter(const struct ipam *ipam, uint32_t *pos);
const char *ipam_kind_name(unsigned kind);
const char *ipam_state_name(unsigned state);

int ipam_system_add(struct ipam *ipam, uint32_t addr, const char *name);
int ipam_static_add(struct ipam *ipam, const char *name, const uint8_t mac[6],
		    uint32_t addr);
int ipam_static_del(struct ipam *ipam, const char *name);
const struct ipam_entry *ipam_static_find(const struct ipam *ipam,
					  const uint8_t mac[6]);
int ipam_endpoint_add(struct ipam *ipam, const char *name, const char *netns,
		      const uint8_t *mac, uint32_t want, uint32_t *addr);
int ipam_endpoint_del(struct ipam *ipam, const char *name);
int ipam_endpoint_set_owner(struct ipam *ipam, const char *name,
			    const char *owner);
const struct ipam_entry *ipam_find_name(const struct ipam *ipam, unsigned kind,
					const char *name);

int ipam_lease_offer(struct ipam *ipam, const struct ipam_client *c,
		     uint32_t requested, int64_t now, uint32_t hold,
		     uint32_t *addr);
int ipam_lease_bind(struct ipam *ipam, const struct ipam_client *c,
		    uint32_t addr, int64_t now, uint32_t lease_time,
		    bool known_only);
int ipam_lease_release(struct ipam *ipam, const struct ipam_client *c,
		       uint32_t addr, int64_t now);
int ipam_lease_cancel(struct ipam *ipam, const struct ipam_client *c,
		      int64_t now);
int ipam_lease_decline(struct ipam *ipam, const struct ipam_client *c,
		       uint32_t addr, int64_t now, uint32_t hold);
const struct ipam_entry *ipam_lease_find(const struct ipam *ipam,
					 const struct ipam_client *c);
void ipam_expire(struct ipam *ipam, int64_t now);
void ipam_set_max_per_mac(struct ipam *ipam, uint32_t max);

ssize_t ipam_save(const struct ipam *ipam, char *buf, size_t size);
int ipam_save_file(const struct ipam *ipam, FILE *f);
int ipam_load(struct ipam *ipam, const char *text, size_t len, char *err,
	      size_t errlen);
int ipam_load_file(struct ipam *ipam, FILE *f, char *err, size_t errlen);

#endif /* HOSTNAT_IPAM_H */
