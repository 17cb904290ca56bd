/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ipam_int.h: the pool's internals, shared by ipam.c and ipam_file.c
 *
 * Only the pool (ipam.c) and its state file (ipam_file.c) see these: the
 * table of slots, the hash chains, and the helpers that keep them and the
 * bitmaps in step. Everyone else uses ipam.h.
 */
#ifndef HOSTNAT_IPAM_INT_H
#define HOSTNAT_IPAM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ipam.h"
#include "rate.h"

#define NIL UINT32_MAX /* end of a hash chain, no slot */

/**
 * struct slot - an entry and its place in the tables
 * @e:		the entry
 * @live:	attached: on the chains and counted
 * @next_addr:	next slot on the address chain
 * @next_id:	next slot on the client identifier chain (leases)
 * @next_mac:	next slot on the MAC chain (static and lease)
 */
struct slot {
	struct ipam_entry e;
	uint8_t live;
	uint32_t next_addr;
	uint32_t next_id;
	uint32_t next_mac;
};

/**
 * struct mac_slot - what the pool keeps of a MAC address that asked
 * @mac:	the MAC
 * @live:	in use
 * @seen:	s, last asked
 * @refused_at:	s, last refused for the new-client rate; 0: not since
 *		last admitted
 * @offers:	its bucket of new offers
 */
struct mac_slot {
	uint8_t mac[6];
	uint8_t live;
	int64_t seen;
	int64_t refused_at;
	struct rate_bucket offers;
};

/**
 * struct ipam - one pool
 * @cfg:	configuration with defaults applied
 * @net:	network address
 * @nbits:	addresses in the prefix, network and broadcast included
 * @size:	usable addresses
 * @nwords:	64-bit words per bitmap
 * @used:	address taken (bit per offset from @net)
 * @mem:	address free but remembered by a past lease
 * @slots:	entry table, @cfg.max_entries slots
 * @free_slots:	stack of unused slot indices
 * @nfree:	depth of @free_slots
 * @h_addr:	hash chain heads by address
 * @h_id:	hash chain heads by client identifier
 * @h_mac:	hash chain heads by MAC
 * @hmask:	hash table size minus one
 * @nused:	usable addresses in use
 * @nkind:	attached entries per kind (leases: offered and bound only)
 * @nmem:	free leases remembered
 * @next_expiry: s, earliest expiry of an offered or bound lease or of a
 *		quarantine; INT64_MAX if none
 * @macs:	MACs that asked, 2-way sets of @macmask + 1
 * @macmask:	number of sets minus one
 * @new_rate:	shape of the new-client bucket
 * @retry_rate:	shape of the retransmission bucket
 * @mac_rate:	shape of each MAC's bucket of new offers
 * @new_bucket:	new clients
 * @retry_bucket: new clients that come back after a refusal
 * @offer_hold:	s, hold of the last offer made (to tell an offer's age)
 * @refused_limit: leases refused by the pool or per-MAC cap
 * @refused_rate: leases refused by the new-client rate
 * @refused_full: allocations refused for want of an address or slot
 * @refused_client_rate: offers refused by the MAC's own bucket
 * @refused_declined: offers refused to a MAC held off for its declines
 * @admitted_retry: new clients admitted from the retransmission bucket
 * @offers_evicted: offers that gave way to a new one
 * @quarantines_ended: quarantines ended early for a new one
 */
struct ipam {
	struct ipam_config cfg;
	uint32_t net;
	uint32_t nbits;
	uint32_t size;
	uint32_t nwords;
	uint64_t *used;
	uint64_t *mem;
	struct slot *slots;
	uint32_t *free_slots;
	uint32_t nfree;
	uint32_t *h_addr;
	uint32_t *h_id;
	uint32_t *h_mac;
	uint32_t hmask;
	uint32_t nused;
	uint32_t nkind[IPAM_KIND_MAX];
	uint32_t nmem;
	int64_t next_expiry;
	struct mac_slot *macs;
	uint32_t macmask;
	struct rate_limit new_rate;
	struct rate_limit retry_rate;
	struct rate_limit mac_rate;
	struct rate_bucket new_bucket;
	struct rate_bucket retry_bucket;
	uint32_t offer_hold;
	uint64_t refused_limit;
	uint64_t refused_rate;
	uint64_t refused_full;
	uint64_t refused_client_rate;
	uint64_t refused_declined;
	uint64_t admitted_retry;
	uint64_t offers_evicted;
	uint64_t quarantines_ended;
};

/* A client identity: option 61, or htype (1, Ethernet) + chaddr */
struct key {
	uint8_t len;
	uint8_t id[IPAM_ID_MAX];
};

/* ipam.c: the slot table, its chains and the checks of names (name.c) */
void ipam_slot_attach(struct ipam *ipam, uint32_t i);
void ipam_slot_free(struct ipam *ipam, uint32_t i);
uint32_t ipam_slot_by_addr(const struct ipam *ipam, uint32_t addr);
uint32_t ipam_slot_by_id(const struct ipam *ipam, const struct key *k);
uint32_t ipam_slot_by_mac(const struct ipam *ipam, const uint8_t *mac,
			  unsigned kind, int state);
bool ipam_name_valid(const char *s);
bool ipam_netns_valid(const char *s);
bool ipam_owner_valid(const char *s);
bool ipam_mac_valid(const uint8_t *mac);

#endif /* HOSTNAT_IPAM_INT_H */
