/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ipam.c: the address pool of one NAT network
 *
 * Theory of operation
 * -------------------
 * The pool keeps two bitmaps over every address of the prefix: @used (an
 * address is taken: system, static, offered or bound lease, endpoint,
 * declined) and @mem (an address is free but remembered by a past lease).
 * The network and broadcast addresses, and the padding bits of the last
 * word, are set in @used at creation so that a scan for a clear bit only
 * ever finds a usable address. Finding the lowest free address is a scan
 * of words, O(size / 64).
 *
 * Entries live in a table of slots sized at creation; each slot of an
 * address is on the address hash chain, a lease's slot also on the chain
 * of its client identifier, and a static or lease slot on the chain of its
 * MAC. A slot is changed only while detached: detach() takes it off its
 * chains and out of the bitmaps and counters, ipam_slot_attach() puts it back as it
 * now is, so the bitmaps and counters cannot drift from the table. Each
 * address has at most one slot, which bounds the table by the pool size.
 *
 * When the table is full, the free (remembered) lease that ended first is
 * forgotten to make room; when none is left, the allocation fails.
 *
 * Expiry is done lazily: every lease operation calls ipam_expire(), which
 * walks the table only once the earliest expiry time has passed. Offered
 * and bound leases past their time become free (remembered); declined
 * addresses past their quarantine return to the pool.
 *
 * Admission (admit()) of a new lease, in this order, so that a refusal
 * charges nothing:
 *  1. a MAC with max_declines addresses in quarantine is held off
 *     (-EBUSY): one client looping DISCOVER, OFFER, DECLINE would
 *     otherwise take one address per round (RFC 2131 section 3.1.5 lets
 *     a client decline; nothing lets it decline without end);
 *  2. the MAC's leases and declined addresses against max_per_mac
 *     (-EDQUOT): a declined address stays charged to who declined it;
 *  3. DHCP's share, leases and declined addresses, against max_leases:
 *     the reserve beyond it is for endpoints and reservations only. When
 *     it is full, the offer not yet requested that was made first gives
 *     way (evicted: its client is remembered, the address freed) if it is
 *     at least IPAM_OFFER_EVICT_AGE seconds old; else -EDQUOT. So offers
 *     to a flood of made-up clients cannot hold DHCP's share: a real
 *     client's offer lives long enough for its REQUEST, which is never
 *     rate-limited;
 *  4. for an offer, the MAC's own bucket (-ENOBUFS), kept in a 2-way
 *     table of max_macs MACs that forgets the least recently seen;
 *  5. for a client with no entry in the pool (a new client), a token of
 *     the shared new-client bucket; when it is empty, a token of the
 *     retransmission bucket if this MAC was refused for the rate in the
 *     last IPAM_RETRY_WINDOW seconds; else the refusal is noted on the MAC
 *     (-EAGAIN). A flood of DISCOVERs from random MACs empties the shared
 *     bucket, but each of its MACs comes once, while a real client
 *     retransmits (RFC 2131 section 4.1) and is let in by the second
 *     bucket. A flooder that retransmits from every MAC it makes up is
 *     not told apart from real clients: that needs the bridge port, which
 *     the caller does not learn.
 *
 * The state file, its format and its loader, are ipam_file.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "ipam_int.h"
#include "name.h"
#include "rate.h"

static const char *const kind_names[IPAM_KIND_MAX] = {
	[IPAM_SYSTEM] = "system",     [IPAM_STATIC] = "static",
	[IPAM_LEASE] = "lease",	      [IPAM_ENDPOINT] = "endpoint",
	[IPAM_DECLINED] = "declined",
};

static const char *const state_names[IPAM_STATE_MAX] = {
	[IPAM_OFFERED] = "offered",
	[IPAM_BOUND] = "bound",
	[IPAM_FREE] = "free",
};

/* --- hashing ------------------------------------------------------------ */

static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static uint32_t hash_bytes(uint32_t seed, const uint8_t *p, size_t n)
{
	uint32_t h = mix32(seed ^ 0x9e3779b9u ^ (uint32_t)n);
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x01000193u;
	return mix32(h);
}

static uint32_t *addr_head(const struct ipam *ipam, uint32_t addr)
{
	return &ipam->h_addr[mix32(addr ^ ipam->cfg.hash_seed) & ipam->hmask];
}

static uint32_t *id_head(const struct ipam *ipam, const uint8_t *id, size_t len)
{
	return &ipam->h_id[hash_bytes(ipam->cfg.hash_seed, id, len) &
			   ipam->hmask];
}

static uint32_t *mac_head(const struct ipam *ipam, const uint8_t *mac)
{
	return &ipam->h_mac[hash_bytes(~ipam->cfg.hash_seed, mac, 6) &
			    ipam->hmask];
}

/* --- bitmaps ------------------------------------------------------------ */

static void bit_set(uint64_t *map, uint32_t off)
{
	map[off >> 6] |= 1ull << (off & 63);
}

static void bit_clear(uint64_t *map, uint32_t off)
{
	map[off >> 6] &= ~(1ull << (off & 63));
}

static bool bit_test(const uint64_t *map, uint32_t off)
{
	return map[off >> 6] & (1ull << (off & 63));
}

/* Offset of an address in the pool, or 0 (the network address: never
 * usable) when it is outside the prefix or the broadcast address.
 */
static uint32_t pool_off(const struct ipam *ipam, uint32_t addr)
{
	uint32_t off = addr - ipam->net;

	if (off >= ipam->nbits - 1)
		return 0;
	return off;
}

/* lowest clear bit of @used (or of @used | @mem); 0 if none */
static uint32_t lowest_free(const struct ipam *ipam, bool skip_mem)
{
	uint32_t i;

	for (i = 0; i < ipam->nwords; i++) {
		uint64_t w = ipam->used[i];

		if (skip_mem)
			w |= ipam->mem[i];
		if (~w)
			return (i << 6) + (uint32_t)__builtin_ctzll(~w);
	}
	return 0;
}

/* --- slots and their tables --------------------------------------------- */

static bool is_active_lease(const struct ipam_entry *e)
{
	return e->kind == IPAM_LEASE && e->state != IPAM_FREE;
}

static bool is_mem(const struct ipam_entry *e)
{
	return e->kind == IPAM_LEASE && e->state == IPAM_FREE;
}

static bool on_mac_chain(const struct ipam_entry *e)
{
	return e->has_mac && (e->kind == IPAM_STATIC || e->kind == IPAM_LEASE ||
			      e->kind == IPAM_DECLINED);
}

static void chain_del(struct ipam *ipam, uint32_t *head, uint32_t i,
		      size_t link)
{
	uint32_t *p = head;

	while (*p != NIL) {
		uint32_t *next = (uint32_t *)((char *)&ipam->slots[*p] + link);

		if (*p == i) {
			*p = *next;
			*next = NIL;
			return;
		}
		p = next;
	}
}

/* put slot @i into the chains, bitmaps and counters as it now is */
void ipam_slot_attach(struct ipam *ipam, uint32_t i)
{
	struct slot *s = &ipam->slots[i];
	struct ipam_entry *e = &s->e;
	uint32_t off = e->addr - ipam->net, *h;

	h = addr_head(ipam, e->addr);
	s->next_addr = *h;
	*h = i;
	if (e->kind == IPAM_LEASE) {
		h = id_head(ipam, e->id, e->id_len);
		s->next_id = *h;
		*h = i;
	}
	if (on_mac_chain(e)) {
		h = mac_head(ipam, e->mac);
		s->next_mac = *h;
		*h = i;
	}
	if (is_mem(e)) {
		bit_set(ipam->mem, off);
		ipam->nmem++;
	} else {
		bit_set(ipam->used, off);
		ipam->nused++;
		ipam->nkind[e->kind]++;
		if ((is_active_lease(e) || e->kind == IPAM_DECLINED) &&
		    e->expires < ipam->next_expiry)
			ipam->next_expiry = e->expires;
	}
	s->live = 1;
}

/* take slot @i out of the chains, bitmaps and counters */
static void detach(struct ipam *ipam, uint32_t i)
{
	struct slot *s = &ipam->slots[i];
	struct ipam_entry *e = &s->e;
	uint32_t off = e->addr - ipam->net;

	chain_del(ipam, addr_head(ipam, e->addr), i,
		  offsetof(struct slot, next_addr));
	if (e->kind == IPAM_LEASE)
		chain_del(ipam, id_head(ipam, e->id, e->id_len), i,
			  offsetof(struct slot, next_id));
	if (on_mac_chain(e))
		chain_del(ipam, mac_head(ipam, e->mac), i,
			  offsetof(struct slot, next_mac));
	if (is_mem(e)) {
		bit_clear(ipam->mem, off);
		ipam->nmem--;
	} else {
		bit_clear(ipam->used, off);
		ipam->nused--;
		ipam->nkind[e->kind]--;
	}
	s->live = 0;
}

void ipam_slot_free(struct ipam *ipam, uint32_t i)
{
	if (ipam->slots[i].live)
		detach(ipam, i);
	memset(&ipam->slots[i].e, 0, sizeof(ipam->slots[i].e));
	ipam->free_slots[ipam->nfree++] = i;
}

/* a free slot, forgetting the free lease that ended first if need be */
static int slot_new(struct ipam *ipam, uint32_t *out)
{
	uint32_t i, best = NIL;

	if (!ipam->nfree) {
		for (i = 0; i < ipam->cfg.max_entries; i++) {
			const struct slot *s = &ipam->slots[i];

			if (s->live && is_mem(&s->e) &&
			    (best == NIL ||
			     s->e.expires < ipam->slots[best].e.expires))
				best = i;
		}
		if (best == NIL)
			return -ENOSPC;
		ipam_slot_free(ipam, best);
	}
	*out = ipam->free_slots[--ipam->nfree];
	memset(&ipam->slots[*out].e, 0, sizeof(ipam->slots[*out].e));
	return 0;
}

uint32_t ipam_slot_by_addr(const struct ipam *ipam, uint32_t addr)
{
	uint32_t i = *addr_head(ipam, addr);

	while (i != NIL && ipam->slots[i].e.addr != addr)
		i = ipam->slots[i].next_addr;
	return i;
}

uint32_t ipam_slot_by_id(const struct ipam *ipam, const struct key *k)
{
	uint32_t i = *id_head(ipam, k->id, k->len);

	while (i != NIL) {
		const struct ipam_entry *e = &ipam->slots[i].e;

		if (e->id_len == k->len && !memcmp(e->id, k->id, k->len))
			return i;
		i = ipam->slots[i].next_id;
	}
	return NIL;
}

/* first slot on the MAC chain of @mac with @kind; @state < 0: any state,
 * else for leases the state wanted (IPAM_FREE) or any active (IPAM_BOUND)
 */
uint32_t ipam_slot_by_mac(const struct ipam *ipam, const uint8_t *mac,
			 unsigned kind, int state)
{
	uint32_t i = *mac_head(ipam, mac);

	for (; i != NIL; i = ipam->slots[i].next_mac) {
		const struct ipam_entry *e = &ipam->slots[i].e;

		if (e->kind != kind || memcmp(e->mac, mac, 6))
			continue;
		if (state < 0 || (state == IPAM_FREE) == is_mem(e))
			return i;
	}
	return NIL;
}

/* what @mac holds: active leases and declined addresses (*@declined) */
static uint32_t count_mac_leases(const struct ipam *ipam, const uint8_t *mac,
				 uint32_t *declined)
{
	uint32_t i = *mac_head(ipam, mac), n = 0;

	*declined = 0;
	for (; i != NIL; i = ipam->slots[i].next_mac) {
		const struct ipam_entry *e = &ipam->slots[i].e;

		if (memcmp(e->mac, mac, 6))
			continue;
		if (is_active_lease(e))
			n++;
		else if (e->kind == IPAM_DECLINED)
			(*declined)++;
	}
	return n + *declined;
}

/* --- names -------------------------------------------------------------- */

/* the rules are src/lib's (name.c), with the pool's lengths */
bool ipam_name_valid(const char *s)
{
	return lib_name_valid(s, IPAM_NAME_MAX);
}

bool ipam_netns_valid(const char *s)
{
	return lib_netns_valid(s, IPAM_NETNS_MAX);
}

bool ipam_owner_valid(const char *s)
{
	return lib_owner_valid(s, IPAM_OWNER_MAX);
}

/* a host name a client sent (option 12): keep the name characters, drop
 * the rest (NULs, spaces, escapes), start at an alphanumeric one
 */
static void hostname_copy(char *dst, const uint8_t *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n < IPAM_NAME_MAX - 1; i++) {
		if (!lib_name_char(src[i]) ||
		    (!n && (src[i] == '.' || src[i] == '_' || src[i] == '-')))
			continue;
		dst[n++] = (char)src[i];
	}
	dst[n] = '\0';
}

bool ipam_mac_valid(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return mac && !(mac[0] & 1) && memcmp(mac, zero, 6);
}

static int client_key(const struct ipam_client *c, struct key *k)
{
	if (!c || !c->mac)
		return -EINVAL;
	if (c->id) {
		if (c->id_len < 2 || c->id_len > IPAM_ID_MAX)
			return -EINVAL;
		k->len = (uint8_t)c->id_len;
		memcpy(k->id, c->id, c->id_len);
	} else {
		/* RFC 2131 section 4.2: htype and chaddr identify the client */
		k->len = 7;
		k->id[0] = 1;
		memcpy(k->id + 1, c->mac, 6);
	}
	return 0;
}

/* --- creation and queries ----------------------------------------------- */

/**
 * ipam_create() - make an empty pool
 * @out:	the new pool
 * @cfg:	prefix and limits; zero limits take the defaults
 *
 * Return: 0, -EINVAL for a prefix that is not /8 to /30 or has host bits
 * set, -ENOMEM
 */
int ipam_create(struct ipam **out, const struct ipam_config *cfg)
{
	struct ipam *ipam;
	uint32_t i, nb, nm;

	if (!out || !cfg || cfg->plen < IPAM_PLEN_MIN ||
	    cfg->plen > IPAM_PLEN_MAX || (cfg->net & (UINT32_MAX >> cfg->plen)))
		return -EINVAL;
	ipam = calloc(1, sizeof(*ipam));
	if (!ipam)
		return -ENOMEM;
	ipam->cfg = *cfg;
	ipam->net = cfg->net;
	ipam->nbits = 1u << (32 - cfg->plen);
	ipam->size = ipam->nbits - 2;
	ipam->nwords = (ipam->nbits + 63) / 64;
	if (!ipam->cfg.max_entries)
		ipam->cfg.max_entries = IPAM_ENTRIES_DEFAULT;
	if (ipam->cfg.max_entries > ipam->size)
		ipam->cfg.max_entries = ipam->size;
	if (!ipam->cfg.max_leases)
		ipam->cfg.max_leases =
			ipam->size - (uint32_t)((uint64_t)ipam->size *
						IPAM_RESERVE_PCT_DEFAULT / 100);
	if (ipam->cfg.max_leases > ipam->size)
		ipam->cfg.max_leases = ipam->size;
	if (!ipam->cfg.max_per_mac)
		ipam->cfg.max_per_mac = IPAM_PER_MAC_DEFAULT;
	if (!ipam->cfg.rate)
		ipam->cfg.rate = IPAM_RATE_DEFAULT;
	if (!ipam->cfg.burst)
		ipam->cfg.burst = IPAM_BURST_DEFAULT;
	if (!ipam->cfg.retry_rate)
		ipam->cfg.retry_rate = IPAM_RETRY_RATE_DEFAULT;
	if (!ipam->cfg.retry_burst)
		ipam->cfg.retry_burst = IPAM_RETRY_BURST_DEFAULT;
	if (!ipam->cfg.mac_burst)
		ipam->cfg.mac_burst = IPAM_MAC_BURST_DEFAULT;
	if (!ipam->cfg.mac_interval)
		ipam->cfg.mac_interval = IPAM_MAC_INTERVAL_DEFAULT;
	if (!ipam->cfg.max_macs)
		ipam->cfg.max_macs = IPAM_MACS_DEFAULT;
	if (!ipam->cfg.max_declines)
		ipam->cfg.max_declines = IPAM_DECLINES_DEFAULT;
	if (!ipam->cfg.max_declined)
		ipam->cfg.max_declined = (uint32_t)(
			(uint64_t)ipam->cfg.max_leases *
			IPAM_DECLINED_PCT_DEFAULT / 100);
	if (!ipam->cfg.max_declined)
		ipam->cfg.max_declined = 1;
	ipam->new_rate = rate_per_second(ipam->cfg.rate, ipam->cfg.burst);
	ipam->retry_rate = rate_per_second(ipam->cfg.retry_rate,
					   ipam->cfg.retry_burst);
	ipam->mac_rate.interval_ms =
		ipam->cfg.mac_interval > UINT32_MAX / 1000 ?
			UINT32_MAX :
			ipam->cfg.mac_interval * 1000;
	ipam->mac_rate.burst = ipam->cfg.mac_burst;
	ipam->offer_hold = 0;
	for (nb = 1; nb < ipam->cfg.max_entries; nb <<= 1)
		;
	ipam->hmask = nb - 1;
	for (nm = 2; nm < ipam->cfg.max_macs && nm < (1u << 24); nm <<= 1)
		;
	ipam->macmask = nm / 2 - 1;

	ipam->used = calloc(ipam->nwords, sizeof(uint64_t));
	ipam->mem = calloc(ipam->nwords, sizeof(uint64_t));
	ipam->slots = calloc(ipam->cfg.max_entries, sizeof(struct slot));
	ipam->free_slots = calloc(ipam->cfg.max_entries, sizeof(uint32_t));
	ipam->h_addr = malloc(nb * sizeof(uint32_t));
	ipam->h_id = malloc(nb * sizeof(uint32_t));
	ipam->h_mac = malloc(nb * sizeof(uint32_t));
	ipam->macs = calloc(nm, sizeof(struct mac_slot));
	if (!ipam->used || !ipam->mem || !ipam->slots || !ipam->free_slots ||
	    !ipam->h_addr || !ipam->h_id || !ipam->h_mac || !ipam->macs) {
		ipam_destroy(ipam);
		return -ENOMEM;
	}
	for (i = 0; i < nb; i++)
		ipam->h_addr[i] = ipam->h_id[i] = ipam->h_mac[i] = NIL;
	/* slots are handed out lowest first */
	for (i = 0; i < ipam->cfg.max_entries; i++)
		ipam->free_slots[i] = ipam->cfg.max_entries - 1 - i;
	ipam->nfree = ipam->cfg.max_entries;

	/* network, broadcast and the padding of the last word: never free */
	bit_set(ipam->used, 0);
	for (i = ipam->nbits - 1; i < ipam->nwords * 64; i++)
		bit_set(ipam->used, i);
	ipam->next_expiry = INT64_MAX;
	*out = ipam;
	return 0;
}

/**
 * ipam_destroy() - free a pool
 * @ipam:	pool, or NULL
 */
void ipam_destroy(struct ipam *ipam)
{
	if (!ipam)
		return;
	free(ipam->used);
	free(ipam->mem);
	free(ipam->slots);
	free(ipam->free_slots);
	free(ipam->h_addr);
	free(ipam->h_id);
	free(ipam->h_mac);
	free(ipam->macs);
	free(ipam);
}

/**
 * ipam_net() - network address of the pool's prefix
 * @ipam:	pool
 *
 * Return: the address, host order
 */
uint32_t ipam_net(const struct ipam *ipam)
{
	return ipam->net;
}

/**
 * ipam_plen() - prefix length of the pool
 * @ipam:	pool
 *
 * Return: 8 to 30
 */
unsigned ipam_plen(const struct ipam *ipam)
{
	return ipam->cfg.plen;
}

/**
 * ipam_contains() - tell whether an address is a usable one of the pool
 * @ipam:	pool
 * @addr:	address
 *
 * Return: true for a host address of the prefix (not network, broadcast)
 */
bool ipam_contains(const struct ipam *ipam, uint32_t addr)
{
	return pool_off(ipam, addr) != 0;
}

/**
 * ipam_stats() - size, use and refusals of a pool
 * @ipam:	pool
 * @st:		filled in
 *
 * Offers and leases past their time count until ipam_expire() runs: call
 * it first for an exact listing.
 */
void ipam_stats(const struct ipam *ipam, struct ipam_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = ipam->size;
	st->used = ipam->nused;
	st->free = ipam->size - ipam->nused;
	memcpy(st->kind, ipam->nkind, sizeof(st->kind));
	st->remembered = ipam->nmem;
	st->entries = ipam->cfg.max_entries - ipam->nfree;
	st->max_entries = ipam->cfg.max_entries;
	st->max_leases = ipam->cfg.max_leases;
	st->refused_limit = ipam->refused_limit;
	st->refused_rate = ipam->refused_rate;
	st->refused_full = ipam->refused_full;
	st->refused_client_rate = ipam->refused_client_rate;
	st->refused_declined = ipam->refused_declined;
	st->admitted_retry = ipam->admitted_retry;
	st->offers_evicted = ipam->offers_evicted;
	st->quarantines_ended = ipam->quarantines_ended;
}

/**
 * ipam_lookup() - the entry of an address
 * @ipam:	pool
 * @addr:	address
 *
 * Return: the entry (a free lease if the address is only remembered), or
 * NULL when the address has none
 */
const struct ipam_entry *ipam_lookup(const struct ipam *ipam, uint32_t addr)
{
	uint32_t i = ipam_slot_by_addr(ipam, addr);

	return i == NIL ? NULL : &ipam->slots[i].e;
}

/**
 * ipam_iter() - walk the entries in address order
 * @ipam:	pool
 * @pos:	cursor, 0 to start; advanced past the entry returned
 *
 * Free leases (remembered addresses) are walked too. The pool must not
 * change during a walk; call ipam_expire() first for an exact listing.
 *
 * Return: the next entry, or NULL at the end
 */
const struct ipam_entry *ipam_iter(const struct ipam *ipam, uint32_t *pos)
{
	uint32_t off = *pos ? *pos : 1;

	while (off < ipam->nbits - 1) {
		uint32_t w = off >> 6;
		uint64_t bits =
			(ipam->used[w] | ipam->mem[w]) & (~0ull << (off & 63));

		if (!bits) {
			off = (w + 1) << 6;
			continue;
		}
		off = (w << 6) + (uint32_t)__builtin_ctzll(bits);
		if (off >= ipam->nbits - 1)
			break;
		*pos = off + 1;
		return ipam_lookup(ipam, ipam->net + off);
	}
	*pos = ipam->nbits;
	return NULL;
}

/**
 * ipam_kind_name() - name of an entry kind
 * @kind:	enum ipam_kind
 *
 * Return: "system", "static", ..., or "?"
 */
const char *ipam_kind_name(unsigned kind)
{
	return kind < IPAM_KIND_MAX ? kind_names[kind] : "?";
}

/**
 * ipam_state_name() - name of a lease state
 * @state:	enum ipam_state
 *
 * Return: "offered", "bound", "free", or "?"
 */
const char *ipam_state_name(unsigned state)
{
	return state < IPAM_STATE_MAX ? state_names[state] : "?";
}

/**
 * ipam_find_name() - the entry of a kind with a name
 * @ipam:	pool
 * @kind:	enum ipam_kind (system, static or endpoint)
 * @name:	its name
 *
 * Return: the entry or NULL
 */
const struct ipam_entry *ipam_find_name(const struct ipam *ipam, unsigned kind,
					const char *name)
{
	uint32_t i;

	for (i = 0; i < ipam->cfg.max_entries; i++) {
		const struct slot *s = &ipam->slots[i];

		if (s->live && s->e.kind == kind && !strcmp(s->e.name, name))
			return &s->e;
	}
	return NULL;
}

/* --- admin entries ------------------------------------------------------ */

/* make @addr available for a new entry: forget whoever remembers it */
static int take_addr(struct ipam *ipam, uint32_t addr)
{
	uint32_t i;

	if (!ipam_contains(ipam, addr))
		return -ERANGE;
	if (bit_test(ipam->used, addr - ipam->net))
		return -EADDRINUSE;
	i = ipam_slot_by_addr(ipam, addr);
	if (i != NIL)
		ipam_slot_free(ipam, i);
	return 0;
}

/* the lowest free address, preferring those nobody remembers; 0 if none */
static uint32_t pick_lowest(const struct ipam *ipam)
{
	uint32_t off = lowest_free(ipam, true);

	if (!off)
		off = lowest_free(ipam, false);
	return off ? ipam->net + off : 0;
}

/**
 * ipam_system_add() - keep an address for the daemon (gateway, host)
 * @ipam:	pool
 * @addr:	address in the pool
 * @name:	what it is ("gateway")
 *
 * Adding an address that is already a system entry renames it.
 *
 * Return: 0, -EINVAL for a bad name, -ERANGE outside the pool,
 * -EADDRINUSE if used otherwise, -ENOSPC when the table is full
 */
int ipam_system_add(struct ipam *ipam, uint32_t addr, const char *name)
{
	uint32_t i;
	int ret;

	if (!ipam_name_valid(name))
		return -EINVAL;
	i = ipam_slot_by_addr(ipam, addr);
	if (i != NIL && ipam->slots[i].e.kind == IPAM_SYSTEM) {
		strcpy(ipam->slots[i].e.name, name);
		return 0;
	}
	ret = take_addr(ipam, addr);
	if (ret)
		return ret;
	ret = slot_new(ipam, &i);
	if (ret)
		return ret;
	ipam->slots[i].e.addr = addr;
	ipam->slots[i].e.kind = IPAM_SYSTEM;
	strcpy(ipam->slots[i].e.name, name);
	ipam_slot_attach(ipam, i);
	return 0;
}

/**
 * ipam_static_add() - reserve an address for a MAC address
 * @ipam:	pool
 * @name:	reservation name, unique among reservations
 * @mac:	unicast MAC address, one reservation each
 * @addr:	address in the pool; free, or leased to that MAC
 *
 * A lease the MAC holds on @addr becomes the reservation; a lease it holds
 * on another address is left to run out (the client is refused it at its
 * next renewal and comes back for the reserved address).
 *
 * Return: 0, -EINVAL for a bad name or MAC, -EEXIST for a name or MAC
 * already reserved, -ERANGE outside the pool, -EADDRINUSE when used
 * otherwise, -ENOSPC when the table is full
 */
int ipam_static_add(struct ipam *ipam, const char *name, const uint8_t mac[6],
		    uint32_t addr)
{
	struct ipam_entry *e;
	uint32_t i;
	int ret;

	if (!ipam_name_valid(name) || !ipam_mac_valid(mac))
		return -EINVAL;
	if (ipam_find_name(ipam, IPAM_STATIC, name) ||
	    ipam_slot_by_mac(ipam, mac, IPAM_STATIC, -1) != NIL)
		return -EEXIST;
	i = ipam_slot_by_addr(ipam, addr);
	if (i != NIL && is_active_lease(&ipam->slots[i].e) &&
	    !memcmp(ipam->slots[i].e.mac, mac, 6)) {
		detach(ipam, i);
	} else {
		ret = take_addr(ipam, addr);
		if (ret)
			return ret;
		ret = slot_new(ipam, &i);
		if (ret)
			return ret;
	}
	e = &ipam->slots[i].e;
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	e->kind = IPAM_STATIC;
	e->has_mac = 1;
	memcpy(e->mac, mac, 6);
	strcpy(e->name, name);
	ipam_slot_attach(ipam, i);
	return 0;
}

/**
 * ipam_static_del() - drop a reservation; its address returns to the pool
 * @ipam:	pool
 * @name:	reservation name
 *
 * Return: 0, -ENOENT
 */
int ipam_static_del(struct ipam *ipam, const char *name)
{
	const struct ipam_entry *e = ipam_find_name(ipam, IPAM_STATIC, name);

	if (!e)
		return -ENOENT;
	ipam_slot_free(ipam, (uint32_t)((const struct slot *)(const void *)e -
				   ipam->slots));
	return 0;
}

/**
 * ipam_static_find() - the reservation of a MAC address
 * @ipam:	pool
 * @mac:	MAC address
 *
 * Return: the entry or NULL
 */
const struct ipam_entry *ipam_static_find(const struct ipam *ipam,
					  const uint8_t mac[6])
{
	uint32_t i = ipam_slot_by_mac(ipam, mac, IPAM_STATIC, -1);

	return i == NIL ? NULL : &ipam->slots[i].e;
}

/**
 * ipam_endpoint_add() - give an address to a container endpoint
 * @ipam:	pool
 * @name:	endpoint name, unique among endpoints
 * @netns:	its network namespace (name or path)
 * @mac:	its MAC address, or NULL
 * @want:	the address asked for, or 0 for the lowest free one
 * @addr:	the address given
 *
 * Endpoints are not held to the lease cap: the reserve is theirs.
 *
 * Return: 0, -EINVAL for a bad name, netns or MAC, -EEXIST for a name in
 * use, -ERANGE if @want is outside the pool, -EADDRINUSE if it is used,
 * -ENOSPC when the pool or the table is full
 */
int ipam_endpoint_add(struct ipam *ipam, const char *name, const char *netns,
		      const uint8_t *mac, uint32_t want, uint32_t *addr)
{
	struct ipam_entry *e;
	uint32_t i, a = want;
	int ret;

	if (!ipam_name_valid(name) || !ipam_netns_valid(netns) ||
	    (mac && !ipam_mac_valid(mac)))
		return -EINVAL;
	if (ipam_find_name(ipam, IPAM_ENDPOINT, name))
		return -EEXIST;
	if (!a) {
		a = pick_lowest(ipam);
		if (!a) {
			ipam->refused_full++;
			return -ENOSPC;
		}
	}
	ret = take_addr(ipam, a);
	if (ret)
		return ret;
	ret = slot_new(ipam, &i);
	if (ret) {
		ipam->refused_full++;
		return ret;
	}
	e = &ipam->slots[i].e;
	e->addr = a;
	e->kind = IPAM_ENDPOINT;
	if (mac) {
		e->has_mac = 1;
		memcpy(e->mac, mac, 6);
	}
	strcpy(e->name, name);
	strcpy(e->netns, netns);
	ipam_slot_attach(ipam, i);
	*addr = a;
	return 0;
}

/**
 * ipam_endpoint_del() - free the address of an endpoint
 * @ipam:	pool
 * @name:	endpoint name
 *
 * Return: 0, -ENOENT
 */
int ipam_endpoint_del(struct ipam *ipam, const char *name)
{
	const struct ipam_entry *e = ipam_find_name(ipam, IPAM_ENDPOINT, name);

	if (!e)
		return -ENOENT;
	ipam_slot_free(ipam, (uint32_t)((const struct slot *)(const void *)e -
				   ipam->slots));
	return 0;
}

/**
 * ipam_endpoint_set_owner() - record who owns an endpoint (a container id)
 * @ipam:	pool
 * @name:	endpoint name
 * @owner:	[A-Za-z0-9._:-], 1 to IPAM_OWNER_MAX - 1 bytes; "" for none
 *
 * Return: 0, -ENOENT, -EINVAL for a bad owner
 */
int ipam_endpoint_set_owner(struct ipam *ipam, const char *name,
			    const char *owner)
{
	struct ipam_entry *e = (struct ipam_entry *)ipam_find_name(
		ipam, IPAM_ENDPOINT, name);

	if (!e)
		return -ENOENT;
	if (owner[0] && !ipam_owner_valid(owner))
		return -EINVAL;
	snprintf(e->owner, sizeof(e->owner), "%s", owner);
	return 0;
}

/* --- leases ------------------------------------------------------------- */

/**
 * ipam_expire() - end offers, leases and quarantines whose time is past
 * @ipam:	pool
 * @now:	s, current time
 */
void ipam_expire(struct ipam *ipam, int64_t now)
{
	int64_t next = INT64_MAX;
	uint32_t i;

	if (now < ipam->next_expiry)
		return;
	for (i = 0; i < ipam->cfg.max_entries; i++) {
		struct ipam_entry *e = &ipam->slots[i].e;

		if (!ipam->slots[i].live)
			continue;
		if (is_active_lease(e) && e->expires <= now) {
			detach(ipam, i);
			e->state = IPAM_FREE;
			ipam_slot_attach(ipam, i);
		} else if (e->kind == IPAM_DECLINED && e->expires <= now) {
			ipam_slot_free(ipam, i);
			continue;
		}
		if ((is_active_lease(e) || e->kind == IPAM_DECLINED) &&
		    e->expires < next)
			next = e->expires;
	}
	ipam->next_expiry = next;
}

/* the MAC's entry in the table of MACs that asked: found, or made in the
 * free or least recently seen way of its set
 */
static struct mac_slot *mac_get(struct ipam *ipam, const uint8_t *mac,
				int64_t now)
{
	uint32_t set = hash_bytes(ipam->cfg.hash_seed ^ 0x5bd1e995u, mac, 6) &
		       ipam->macmask;
	struct mac_slot *w = &ipam->macs[2 * set], *m;

	if (w[0].live && !memcmp(w[0].mac, mac, 6))
		m = &w[0];
	else if (w[1].live && !memcmp(w[1].mac, mac, 6))
		m = &w[1];
	else {
		m = !w[0].live || (w[1].live && w[0].seen <= w[1].seen) ? &w[0]
									: &w[1];
		memset(m, 0, sizeof(*m));
		memcpy(m->mac, mac, 6);
		m->live = 1;
	}
	m->seen = now;
	return m;
}

/* DHCP's share: leases and quarantined addresses */
static uint32_t dhcp_share(const struct ipam *ipam)
{
	return ipam->nkind[IPAM_LEASE] + ipam->nkind[IPAM_DECLINED];
}

/* the offer made first that may give way to a new one (not @skip's, at
 * least IPAM_OFFER_EVICT_AGE old); NIL if none
 */
static uint32_t oldest_offer(const struct ipam *ipam, int64_t now,
			     uint32_t skip)
{
	uint32_t i, best = NIL;

	for (i = 0; i < ipam->cfg.max_entries; i++) {
		const struct slot *s = &ipam->slots[i];

		if (!s->live || i == skip || s->e.kind != IPAM_LEASE ||
		    s->e.state != IPAM_OFFERED)
			continue;
		if (best == NIL || s->e.expires < ipam->slots[best].e.expires)
			best = i;
	}
	if (best != NIL && ipam->slots[best].e.expires - ipam->offer_hold +
					   IPAM_OFFER_EVICT_AGE >
				   now)
		best = NIL;
	return best;
}

/**
 * struct ticket - what admit() found a new lease may be charged to
 * @m:		the MAC's entry in the table, or NULL (not needed)
 * @evict:	the offer that gives way, or NIL
 * @offer:	charge the MAC's bucket of offers
 * @fresh:	charge the new-client bucket
 * @retry:	charge the retransmission bucket
 */
struct ticket {
	struct mac_slot *m;
	uint32_t evict;
	bool offer;
	bool fresh;
	bool retry;
};

/*
 * May one more lease be active for @mac: an offer if @offer, for a new
 * client if @fresh, on an address whose active lease it takes over if
 * @displaces, not evicting the client's own slot @own. See "Admission"
 * above. Counts a refusal; charges nothing (admit_charge() does).
 */
static int admit(struct ipam *ipam, const uint8_t *mac, bool offer, bool fresh,
		 bool displaces, uint32_t own, int64_t now, struct ticket *t)
{
	int64_t ms = now * 1000;
	uint32_t declined;

	memset(t, 0, sizeof(*t));
	t->evict = NIL;
	if (count_mac_leases(ipam, mac, &declined) >= ipam->cfg.max_per_mac ||
	    declined >= ipam->cfg.max_declines) {
		if (declined >= ipam->cfg.max_declines) {
			ipam->refused_declined++;
			return -EBUSY;
		}
		ipam->refused_limit++;
		return -EDQUOT;
	}
	if (!displaces && dhcp_share(ipam) >= ipam->cfg.max_leases) {
		t->evict = oldest_offer(ipam, now, own);
		if (t->evict == NIL) {
			ipam->refused_limit++;
			return -EDQUOT;
		}
	}
	if (offer || fresh)
		t->m = mac_get(ipam, mac, now);
	if (offer) {
		if (!rate_allows(&ipam->mac_rate, &t->m->offers, ms)) {
			ipam->refused_client_rate++;
			return -ENOBUFS;
		}
		t->offer = true;
	}
	if (!fresh)
		return 0;
	if (rate_allows(&ipam->new_rate, &ipam->new_bucket, ms)) {
		t->fresh = true;
		return 0;
	}
	if (t->m->refused_at && now - t->m->refused_at <= IPAM_RETRY_WINDOW &&
	    rate_allows(&ipam->retry_rate, &ipam->retry_bucket, ms)) {
		t->retry = true;
		return 0;
	}
	t->m->refused_at = now;
	ipam->refused_rate++;
	return -EAGAIN;
}

/* a new lease is made: charge what admit() said, evict the offer */
static void admit_charge(struct ipam *ipam, const struct ticket *t,
			 int64_t now)
{
	int64_t ms = now * 1000;

	if (t->offer)
		rate_charge(&ipam->mac_rate, &t->m->offers, ms);
	if (t->fresh)
		rate_charge(&ipam->new_rate, &ipam->new_bucket, ms);
	if (t->retry) {
		rate_charge(&ipam->retry_rate, &ipam->retry_bucket, ms);
		ipam->admitted_retry++;
	}
	if (t->m)
		t->m->refused_at = 0;
}

/* make slot @i (detached or new) an active lease of @k at @addr */
static void lease_set(struct ipam *ipam, uint32_t i, const struct key *k,
		      const struct ipam_client *c, uint32_t addr,
		      unsigned state, int64_t expires)
{
	struct ipam_entry *e = &ipam->slots[i].e;
	char name[IPAM_NAME_MAX];

	strcpy(name, e->name);
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	e->kind = IPAM_LEASE;
	e->state = (uint8_t)state;
	e->has_mac = 1;
	memcpy(e->mac, c->mac, 6);
	e->id_len = k->len;
	memcpy(e->id, k->id, k->len);
	e->expires = expires;
	if (c->hostname)
		hostname_copy(e->name, c->hostname, c->hostname_len);
	else
		strcpy(e->name, name);
	ipam_slot_attach(ipam, i);
}

/* the client's lease moves elsewhere (a reservation): it ends now */
static void lease_end(struct ipam *ipam, uint32_t i, int64_t now)
{
	struct ipam_entry *e = &ipam->slots[i].e;

	if (!is_active_lease(e))
		return;
	detach(ipam, i);
	e->state = IPAM_FREE;
	e->expires = now;
	ipam_slot_attach(ipam, i);
}

/*
 * Give the client @k a lease on @addr (free, or remembered by @e, the
 * client's own free lease, which may be NULL): check the limits, forget
 * whoever else remembers @addr, reuse @e's slot or take a new one.
 */
static int lease_new(struct ipam *ipam, uint32_t ei, const struct key *k,
		     const struct ipam_client *c, uint32_t addr, unsigned state,
		     int64_t now, int64_t expires)
{
	bool fresh = ei == NIL && ipam_slot_by_mac(ipam, c->mac, IPAM_LEASE, -1) == NIL;
	uint32_t owner = ipam_slot_by_addr(ipam, addr), i = ei;
	bool displaces = owner != NIL && owner != ei &&
			 is_active_lease(&ipam->slots[owner].e);
	struct ticket t;
	int ret;

	ret = admit(ipam, c->mac, state == IPAM_OFFERED, fresh, displaces, ei,
		    now, &t);
	if (ret)
		return ret;
	if (displaces)
		ipam->offers_evicted++;
	if (t.evict != NIL) {
		/* the offer made first gives way; its client is remembered */
		lease_end(ipam, t.evict, now);
		ipam->offers_evicted++;
	}
	/* slot_new() changes nothing when it fails; freeing @owner before
	 * it leaves a slot to take
	 */
	if (owner != NIL && owner != ei)
		ipam_slot_free(ipam, owner);
	if (i == NIL) {
		ret = slot_new(ipam, &i);
		if (ret) {
			ipam->refused_full++;
			return ret;
		}
	} else {
		detach(ipam, i);
	}
	admit_charge(ipam, &t, now);
	lease_set(ipam, i, k, c, addr, state, expires);
	return 0;
}

/* is @addr one a client may be given: in the pool and not used */
static bool addr_free(const struct ipam *ipam, uint32_t addr)
{
	uint32_t off = pool_off(ipam, addr);

	return off && !bit_test(ipam->used, off);
}

/**
 * ipam_lease_offer() - choose the address to offer a client (DHCPDISCOVER)
 * @ipam:	pool
 * @c:		the client
 * @requested:	address it asks for (option 50), or 0
 * @now:	s, current time
 * @hold:	s, how long an offer keeps its address
 * @addr:	the address to offer
 *
 * A client with a reservation is offered it; one with an offer or a lease
 * keeps its address. Otherwise, RFC 2131 section 4.3.1: the requested
 * address if free, else the client's previous one, else the lowest free.
 *
 * Return: 0, -EINVAL for a bad client, -EDQUOT over a lease cap (DHCP's
 * share, or the MAC's), -EBUSY for a MAC held off for its declines,
 * -ENOBUFS over the MAC's rate of new offers, -EAGAIN over the new-client
 * rate, -ENOSPC when no address or entry is left
 */
int ipam_lease_offer(struct ipam *ipam, const struct ipam_client *c,
		     uint32_t requested, int64_t now, uint32_t hold,
		     uint32_t *addr)
{
	uint32_t st, ei, a = 0;
	struct ipam_entry *e = NULL;
	struct key k;
	int ret;

	ret = client_key(c, &k);
	if (ret)
		return ret;
	ipam_expire(ipam, now);
	ipam->offer_hold = hold;
	ei = ipam_slot_by_id(ipam, &k);
	if (ei != NIL)
		e = &ipam->slots[ei].e;
	st = ipam_slot_by_mac(ipam, c->mac, IPAM_STATIC, -1);
	if (st != NIL) {
		if (e)
			lease_end(ipam, ei, now);
		*addr = ipam->slots[st].e.addr;
		return 0;
	}
	if (e && is_active_lease(e)) {
		if (e->state == IPAM_OFFERED && e->expires < now + hold) {
			detach(ipam, ei);
			e->expires = now + hold;
			ipam_slot_attach(ipam, ei);
		}
		*addr = e->addr;
		return 0;
	}

	if (requested && addr_free(ipam, requested)) {
		a = requested;
	} else if (e) {
		a = e->addr; /* remembered for this client: free */
	} else {
		uint32_t m = ipam_slot_by_mac(ipam, c->mac, IPAM_LEASE, IPAM_FREE);

		a = m != NIL ? ipam->slots[m].e.addr : pick_lowest(ipam);
	}
	if (!a) {
		/* no address free: the offer made first may give way */
		uint32_t o = oldest_offer(ipam, now, ei);

		if (o != NIL)
			a = ipam->slots[o].e.addr;
	}
	if (!a) {
		ipam->refused_full++;
		return -ENOSPC;
	}
	ret = lease_new(ipam, ei, &k, c, a, IPAM_OFFERED, now, now + hold);
	if (ret)
		return ret;
	*addr = a;
	return 0;
}

/**
 * ipam_lease_bind() - bind a client's lease on an address (DHCPREQUEST)
 * @ipam:	pool
 * @c:		the client
 * @addr:	address the client asks for (option 50 or ciaddr)
 * @now:	s, current time
 * @lease_time:	s, length of the lease
 * @known_only:	refuse a client the pool has no record of (a server that
 *		is not authoritative, RFC 2131 section 4.3.2 INIT-REBOOT)
 *
 * A client with a reservation gets only its reserved address. A client
 * with an offer or a lease gets only that address. Another client gets
 * @addr if it is free (a client that kept its lease across a restart of
 * ours, or whose lease ran out while it was away).
 *
 * Return: 0 (bound: an ACK), -EINVAL for a bad client, -EPERM when the
 * client has a reservation for another address, -ERANGE outside the pool,
 * -ESTALE when the client's lease is on another address, -ENOENT for an
 * unknown client with @known_only, -EADDRINUSE when the address is used,
 * -EDQUOT, -EBUSY, -EAGAIN, -ENOSPC as for ipam_lease_offer()
 */
int ipam_lease_bind(struct ipam *ipam, const struct ipam_client *c,
		    uint32_t addr, int64_t now, uint32_t lease_time,
		    bool known_only)
{
	struct ipam_entry *e = NULL;
	uint32_t st, ei;
	struct key k;
	int ret;

	ret = client_key(c, &k);
	if (ret)
		return ret;
	ipam_expire(ipam, now);
	ei = ipam_slot_by_id(ipam, &k);
	if (ei != NIL)
		e = &ipam->slots[ei].e;
	st = ipam_slot_by_mac(ipam, c->mac, IPAM_STATIC, -1);
	if (st != NIL) {
		if (ipam->slots[st].e.addr != addr)
			return -EPERM;
		if (e)
			lease_end(ipam, ei, now);
		return 0;
	}
	if (!ipam_contains(ipam, addr))
		return -ERANGE;
	if (e && is_active_lease(e)) {
		if (e->addr != addr)
			return -ESTALE;
		detach(ipam, ei);
		lease_set(ipam, ei, &k, c, addr, IPAM_BOUND, now + lease_time);
		return 0;
	}
	if (!e && known_only)
		return -ENOENT;
	if (!addr_free(ipam, addr))
		return -EADDRINUSE;
	return lease_new(ipam, ei, &k, c, addr, IPAM_BOUND, now,
			 now + lease_time);
}

/**
 * ipam_lease_release() - free a client's lease (DHCPRELEASE)
 * @ipam:	pool
 * @c:		the client
 * @addr:	the address it releases (ciaddr)
 * @now:	s, current time
 *
 * The address stays remembered for the client. Releasing a reserved
 * address does nothing: the reservation stands.
 *
 * Return: 0, -EINVAL for a bad client, -ENOENT if the client holds no
 * lease on @addr
 */
int ipam_lease_release(struct ipam *ipam, const struct ipam_client *c,
		       uint32_t addr, int64_t now)
{
	const struct ipam_entry *st;
	struct key k;
	uint32_t ei;
	int ret;

	ret = client_key(c, &k);
	if (ret)
		return ret;
	st = ipam_static_find(ipam, c->mac);
	if (st && st->addr == addr)
		return 0;
	ei = ipam_slot_by_id(ipam, &k);
	if (ei == NIL || !is_active_lease(&ipam->slots[ei].e) ||
	    ipam->slots[ei].e.addr != addr)
		return -ENOENT;
	lease_end(ipam, ei, now);
	return 0;
}

/**
 * ipam_lease_cancel() - drop a client's pending offer (it chose another
 *			 server, RFC 2131 section 4.3.2)
 * @ipam:	pool
 * @c:		the client
 * @now:	s, current time
 *
 * Return: 0, -EINVAL for a bad client, -ENOENT without an offer
 */
int ipam_lease_cancel(struct ipam *ipam, const struct ipam_client *c,
		      int64_t now)
{
	struct key k;
	uint32_t ei;
	int ret;

	ret = client_key(c, &k);
	if (ret)
		return ret;
	ei = ipam_slot_by_id(ipam, &k);
	if (ei == NIL || ipam->slots[ei].e.kind != IPAM_LEASE ||
	    ipam->slots[ei].e.state != IPAM_OFFERED)
		return -ENOENT;
	lease_end(ipam, ei, now);
	return 0;
}

/**
 * ipam_lease_decline() - quarantine an address a client found in use
 *			  (DHCPDECLINE, RFC 2131 section 4.3.3)
 * @ipam:	pool
 * @c:		the client
 * @addr:	the address declined (option 50)
 * @now:	s, current time
 * @hold:	s, quarantine
 *
 * The client's lease is dropped, and with it the memory of the address.
 * The quarantined address stays charged to the client's MAC (its
 * max_per_mac, and max_declines before it is held off) and to DHCP's
 * share. When max_declined quarantines stand already, the one that ends
 * first ends now: a flood of declines cannot keep the pool out of use.
 *
 * Return: 0, -EINVAL for a bad client, -EPERM for a reserved address (the
 * reservation stands), -ENOENT if the client holds no lease on @addr
 */
int ipam_lease_decline(struct ipam *ipam, const struct ipam_client *c,
		       uint32_t addr, int64_t now, uint32_t hold)
{
	const struct ipam_entry *st;
	struct ipam_entry *e;
	struct key k;
	uint32_t ei;
	int ret;

	ret = client_key(c, &k);
	if (ret)
		return ret;
	st = ipam_static_find(ipam, c->mac);
	if (st && st->addr == addr)
		return -EPERM;
	ei = ipam_slot_by_id(ipam, &k);
	if (ei == NIL || !is_active_lease(&ipam->slots[ei].e) ||
	    ipam->slots[ei].e.addr != addr)
		return -ENOENT;
	if (ipam->nkind[IPAM_DECLINED] >= ipam->cfg.max_declined) {
		uint32_t i, first = NIL;

		for (i = 0; i < ipam->cfg.max_entries; i++)
			if (ipam->slots[i].live &&
			    ipam->slots[i].e.kind == IPAM_DECLINED &&
			    (first == NIL || ipam->slots[i].e.expires <
						     ipam->slots[first].e.expires))
				first = i;
		if (first != NIL) {
			ipam_slot_free(ipam, first);
			ipam->quarantines_ended++;
		}
	}
	e = &ipam->slots[ei].e;
	detach(ipam, ei);
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	e->kind = IPAM_DECLINED;
	e->has_mac = 1;
	memcpy(e->mac, c->mac, 6);
	e->expires = now + hold;
	ipam_slot_attach(ipam, ei);
	return 0;
}

/**
 * ipam_lease_find() - the lease (any state) of a client
 * @ipam:	pool
 * @c:		the client
 *
 * Return: the entry or NULL
 */
const struct ipam_entry *ipam_lease_find(const struct ipam *ipam,
					 const struct ipam_client *c)
{
	struct key k;
	uint32_t i;

	if (client_key(c, &k))
		return NULL;
	i = ipam_slot_by_id(ipam, &k);
	return i == NIL ? NULL : &ipam->slots[i].e;
}

/**
 * ipam_set_max_per_mac() - change how many leases one client (MAC) may hold
 * @ipam:	pool
 * @max:	leases, 0 for the default
 *
 * Leases held already stay; the limit applies to the next ones.
 */
void ipam_set_max_per_mac(struct ipam *ipam, uint32_t max)
{
	ipam->cfg.max_per_mac = max ? max : IPAM_PER_MAC_DEFAULT;
}
