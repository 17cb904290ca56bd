/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fastidx.h: the fast path's sessions as the programs find them,
 * shared by steer.bpf.c (the readers) and fastidx.c (the daemon, the one
 * writer)
 *
 * Two arrays, both mapped into the daemon:
 * - rec_map: a record of 24 bytes per session (slot 1 + the engine's
 *   index): the three addresses and ports, the protocol, and a generation
 *   counter that is odd while the daemon rewrites the record;
 * - idx_map: a power of two of 8-byte entries, at least 4 per session (at
 *   most half full), open addressing with linear probing. An entry is the
 *   high 32 bits of a seeded 64-bit hash of one direction's key (the
 *   packet's addresses, ports, protocol) over the slot and the direction:
 *   (hash >> 32) << 32 | slot << 1 | dir; 0 is an empty entry. An entry
 *   lives at most FASTIDX_PROBES places after its home, the hash's high
 *   bits under the mask, so both the readers and the writer give up there.
 *
 * A reader only believes a record it read between two equal even
 * generations and whose key is the packet's: a torn, stale or reused record
 * is never used. Entries are removed by backward shift (Knuth's algorithm
 * R), during which a reader may miss an entry: a miss is the slow path, the
 * engine, which knows the session. The readers rely on x86-64's ordering of
 * loads (the programs have no read barrier; the daemon's fences order its
 * stores).
 */
#ifndef HOSTNAT_FASTIDX_H
#define HOSTNAT_FASTIDX_H

#include <linux/types.h>

#define FASTIDX_PROBES 32	/* places after an entry's home, at most */
#define FASTIDX_OUT 0		/* the endpoint's packets, at its port */
#define FASTIDX_IN 1		/* the remote's, at an uplink */

#define FASTREC_LIVE 1		/* the record is a session's */
#define FASTREC_HAIRPIN 2	/* its remote is an external address */

/* one session: addresses in network order, ports in host order */
struct fast_rec {
	__u32 gen;	/* even: stable; odd: being written */
	__u32 int_addr;	/* the endpoint */
	__u32 ext_addr;	/* the NAT's address for it */
	__u32 rem_addr;	/* the remote */
	__u16 int_port;
	__u16 ext_port;
	__u16 rem_port;
	__u8 proto;	/* IPPROTO_TCP, IPPROTO_UDP */
	__u8 flags;	/* FASTREC_* */
};

/* murmur3's 64-bit finaliser: every input bit moves every output bit */
static inline __u64 fastidx_mix(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* a key as the packet carries it: @saddr, @daddr network order, ports host
 * order; @seed is the daemon's, random at every start */
static inline __u64 fastidx_hash(__u64 seed, __u32 saddr, __u32 daddr,
				 __u16 sport, __u16 dport, __u8 proto)
{
	__u64 h = fastidx_mix(seed ^ ((__u64)saddr << 32 | daddr));

	return fastidx_mix(h ^ ((__u64)sport << 48 | (__u64)dport << 32 |
				(__u64)proto << 24 | 0x5a));
}

static inline __u64 fastidx_entry(__u64 hash, __u32 slot, __u32 dir)
{
	return (hash >> 32) << 32 | (__u64)slot << 1 | (dir & 1);
}

/* where the probe for an entry or a hash starts */
static inline __u32 fastidx_home(__u64 entry_or_hash, __u32 mask)
{
	return (__u32)(entry_or_hash >> 32) & mask;
}

/* whether @r (a stable copy) is the session of the packet's key in @dir */
static inline int fastrec_match(const struct fast_rec *r, __u32 dir,
				__u32 saddr, __u32 daddr, __u16 sport,
				__u16 dport, __u8 proto)
{
	if (!(r->flags & FASTREC_LIVE) || r->proto != proto)
		return 0;
	if (dir == FASTIDX_OUT)
		return r->int_addr == saddr && r->rem_addr == daddr &&
		       r->int_port == sport && r->rem_port == dport;
	return r->rem_addr == saddr && r->ext_addr == daddr &&
	       r->rem_port == sport && r->ext_port == dport;
}

#endif /* HOSTNAT_FASTIDX_H */
