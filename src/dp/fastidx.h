/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fastidx.h: the daemon's side of the fast path's session index
 * (fastidx.c); the layout is bpf/fastidx.h
 */
#ifndef HOSTNAT_DP_FASTIDX_H
#define HOSTNAT_DP_FASTIDX_H

#include <stdint.h>

#include "bpf/fastidx.h"

/**
 * struct fastidx - the two arrays as the daemon has them mapped
 * @rec:	records, slot 0 unused (rec_map)
 * @nrec:	slots of @rec
 * @t:		index entries (idx_map)
 * @mask:	entries of @t minus 1 (a power of two minus 1)
 * @seed:	the hash's seed, the programs' too (target_map)
 * @live:	records in use
 */
struct fastidx {
	struct fast_rec *rec;
	uint32_t nrec;
	uint64_t *t;
	uint32_t mask;
	uint64_t seed;
	uint32_t live;
};

/**
 * struct fastidx_key - one direction's key, as the packet carries it
 * @saddr:	source address, network order
 * @daddr:	destination address, network order
 * @sport:	source port, host order
 * @dport:	destination port, host order
 * @proto:	IPPROTO_TCP, IPPROTO_UDP
 */
struct fastidx_key {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
};

uint32_t fastidx_entries(uint32_t sessions);
void fastidx_init(struct fastidx *x, struct fast_rec *rec, uint32_t nrec,
		  uint64_t *t, uint32_t nent, uint64_t seed);
int fastidx_put(struct fastidx *x, uint32_t slot, const struct fast_rec *r);
void fastidx_del(struct fastidx *x, uint32_t slot);
void fastidx_clear(struct fastidx *x);
uint32_t fastidx_find(const struct fastidx *x, const struct fastidx_key *k,
		      uint32_t dir);
void fastidx_rec_key(const struct fast_rec *r, uint32_t dir,
		     struct fastidx_key *k);

#endif /* HOSTNAT_DP_FASTIDX_H */
