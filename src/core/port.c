/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - port.c: external port (and ICMP identifier) ownership
 *
 * Theory of operation
 * -------------------
 * Each external address has one bitmap of 65536 bits per protocol; a set
 * bit means a mapping owns that port on that address. The bitmap belongs to
 * the address, not to a network, so networks sharing the host's address
 * share its ports without coordinating, and a port is never given to two
 * mappings (RFC 4787 REQ-3, RFC 5382 REQ-7: no port overloading).
 *
 * Choice of a port for a new dynamic mapping, in order:
 *  1. the endpoint's own port, if it is in the network's range and free
 *     (port preservation);
 *  2. a random port in the same class as the endpoint's (0-1023 or
 *     1024-65535, RFC 4787 REQ-3a) with the same parity (REQ-4), found by
 *     scanning the bitmap a word at a time from a random start (RFC 6056
 *     section 3.3.1, random start with a linear search);
 *  3. the same without parity; 4. any free port of the range.
 * A port is free when no mapping owns it and no host socket holds it.
 *
 * Held ports: the daemon scans the host's sockets and tells the engine which
 * ports of the dynamic ranges they bind (nat_port_hold()): a second bitmap
 * per address and protocol, and one for sockets bound to every address
 * (kept for addresses added later). Port choice skips them, so the NAT
 * never takes a port from the host; a mapping that owned the port before
 * keeps it until it goes. Held ports are not owned: no event, not walked.
 * The daemon replaces the whole set at each scan with nat_port_hold_clear()
 * and one nat_port_hold() per socket, between two nat_process() calls.
 *
 * Ownership log: port_set() and port_clear() are the only writers of the
 * ownership bitmaps, and each change of a bit (never a write that leaves it
 * as it was) appends one event to a ring of max_port_events, in O(1). The
 * datapath drains it (nat_port_events()) to mirror ownership into the
 * classifier's map. When the ring is full the log is marked lost and takes
 * no more events until the next drain, which tells the caller to rebuild
 * its copy from nat_port_walk(): the walk and the events after it are then
 * exactly the bitmaps again.
 */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "core.h"

#define EVEN_BITS 0x5555555555555555ull

/* first port in [lo, hi] from @start on that no mapping owns and no host
 * socket holds, wrapping once; -1 if none */
static int scan(const uint64_t *bits, const uint64_t *held,
		const uint64_t *held_any, uint32_t lo, uint32_t hi,
		uint32_t start, int parity)
{
	uint64_t pmask = parity < 0 ? ~0ull : parity ? ~EVEN_BITS : EVEN_BITS;
	uint32_t p = start, n = 0, span = hi - lo + 1;

	while (n < span) {
		uint32_t w = p >> 6, bit = p & 63, end;
		uint64_t freeb = ~(bits[w] | held[w] | held_any[w]) & pmask &
				 (~0ull << bit);

		end = (w << 6) + 63;
		if (end > hi)
			end = hi;
		if (end < 63 + (w << 6))
			freeb &= ~0ull >> (63 - (end & 63));
		if (freeb) {
			uint32_t port = (w << 6) + (uint32_t)__builtin_ctzll(freeb);

			if (port >= lo && port <= hi)
				return (int)port;
		}
		n += end - p + 1;
		p = end + 1;
		if (p > hi)
			p = lo;
	}
	return -1;
}

/**
 * port_alloc() - take a free port on an external address
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @lo:		first port of the range
 * @hi:		last port of the range
 * @want:	the endpoint's port (preserved if possible)
 *
 * Return: the port, now owned, or -1 when every port of the range is owned
 * or held
 */
int port_alloc(struct nat *nat, unsigned ext, uint8_t proto, uint16_t lo,
	       uint16_t hi, uint16_t want)
{
	const struct nat_ext *e = &nat->exts[ext];
	uint32_t clo = lo, chi = hi;
	int port, pass;

	if (lo > hi)
		return -1;
	if (want >= lo && want <= hi && !port_test(nat, ext, proto, want) &&
	    !port_held(nat, ext, proto, want)) {
		port = want;
		goto take;
	}
	/* the class of the endpoint's port, within the range (REQ-3a) */
	if (want < 1024 && proto != NAT_ICMP) {
		chi = hi < 1023 ? hi : 1023;
	} else if (proto != NAT_ICMP) {
		clo = lo > 1024 ? lo : 1024;
	}
	for (pass = 0; pass < 3; pass++) {
		uint32_t a = pass < 2 ? clo : lo, b = pass < 2 ? chi : hi;
		int parity = pass == 0 && proto != NAT_ICMP ? want & 1 : -1;

		if (a > b)
			continue;
		port = scan(e->bits[proto], e->held[proto],
			    nat->held_any[proto], a, b,
			    a + nat_rand(nat) % (b - a + 1), parity);
		if (port >= 0)
			goto take;
	}
	return -1;
take:
	port_set(nat, ext, proto, (uint16_t)port);
	return port;
}

/**
 * port_test() - whether a port is owned
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @port:	port
 *
 * Return: true if owned
 */
bool port_test(const struct nat *nat, unsigned ext, uint8_t proto,
	       uint16_t port)
{
	return nat->exts[ext].bits[proto][port >> 6] >> (port & 63) & 1;
}

/* append one ownership change to the log, O(1) */
static void port_log(struct nat *nat, unsigned ext, uint8_t proto,
		     uint16_t port, bool owned)
{
	/* a full ring stays full until the drain, which discards it */
	struct nat_port_event *ev = lib_ring_push(&nat->pev);

	if (!ev)
		return;
	ev->owned = owned;
	ev->proto = proto;
	ev->port = port;
	ev->addr = nat->exts[ext].addr;
}

/**
 * port_set() - mark a port owned, and log the change
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @port:	port
 */
void port_set(struct nat *nat, unsigned ext, uint8_t proto, uint16_t port)
{
	uint64_t *w = &nat->exts[ext].bits[proto][port >> 6];
	uint64_t bit = 1ull << (port & 63);

	if (*w & bit)
		return;
	*w |= bit;
	port_log(nat, ext, proto, port, true);
}

/**
 * port_clear() - give a port back, and log the change
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @port:	port
 */
void port_clear(struct nat *nat, unsigned ext, uint8_t proto, uint16_t port)
{
	uint64_t *w = &nat->exts[ext].bits[proto][port >> 6];
	uint64_t bit = 1ull << (port & 63);

	if (!(*w & bit))
		return;
	*w &= ~bit;
	port_log(nat, ext, proto, port, false);
}

/**
 * port_held() - whether a host socket holds a port of an external address
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @port:	port
 *
 * Return: true if held on this address or on every address
 */
bool port_held(const struct nat *nat, unsigned ext, uint8_t proto,
	       uint16_t port)
{
	uint64_t w = nat->exts[ext].held[proto][port >> 6] |
		     nat->held_any[proto][port >> 6];

	return w >> (port & 63) & 1;
}

/**
 * port_ext_reset() - empty the bitmaps of an external address slot that is
 * taken or given up; owned ports left over are released through the log
 * @nat:	engine
 * @ext:	external address index
 */
void port_ext_reset(struct nat *nat, unsigned ext)
{
	struct nat_ext *e = &nat->exts[ext];
	unsigned p, w;

	for (p = 0; p < NAT_NPROTO; p++) {
		for (w = 0; w < PORT_WORDS; w++) {
			uint64_t left = e->bits[p][w];

			for (; left; left &= left - 1) {
				unsigned b = (unsigned)__builtin_ctzll(left);

				port_clear(nat, ext, (uint8_t)p,
					   (uint16_t)(w << 6 | b));
			}
		}
		memset(e->held[p], 0, PORT_WORDS * sizeof(uint64_t));
	}
}

/**
 * nat_port_events() - drain the log of port ownership changes
 * @nat:	engine
 * @out:	filled with up to @max events, oldest first
 * @max:	room in @out
 * @resync:	set to true when changes were lost since the last drain (the
 *		log overflowed): the log is then emptied, nothing is returned,
 *		and the caller rebuilds its copy from nat_port_walk() before
 *		it drains again; false otherwise
 *
 * Replaying every event in order onto the result of an earlier walk gives
 * exactly the ports nat_port_walk() lists now.
 *
 * Return: number of events in @out
 */
unsigned nat_port_events(struct nat *nat, struct nat_port_event *out,
			 unsigned max, bool *resync)
{
	unsigned k = 0;

	*resync = nat->pev.lost != 0;
	if (*resync) {
		lib_ring_reset(&nat->pev);
		return 0;
	}
	while (k < max && lib_ring_pop(&nat->pev, &out[k]))
		k++;
	return k;
}

/**
 * nat_port_walk() - call @fn for every port the NAT owns now, on every
 * external address (held ports are not owned)
 * @nat:	engine
 * @fn:		called with the protocol (enum nat_proto), the external
 *		address and the port; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_port_walk(const struct nat *nat,
		  int (*fn)(uint8_t proto, uint32_t addr, uint16_t port,
			    void *ctx),
		  void *ctx)
{
	unsigned i, p, w;

	for (i = 0; i < nat->lim.max_ext; i++) {
		const struct nat_ext *e = &nat->exts[i];

		if (!e->nets)
			continue;
		for (p = 0; p < NAT_NPROTO; p++) {
			for (w = 0; w < PORT_WORDS; w++) {
				uint64_t bits = e->bits[p][w];

				for (; bits; bits &= bits - 1) {
					unsigned b;
					int ret;

					b = (unsigned)__builtin_ctzll(bits);
					ret = fn((uint8_t)p, e->addr,
						 (uint16_t)(w << 6 | b), ctx);
					if (ret)
						return ret;
				}
			}
		}
	}
	return 0;
}

/**
 * nat_port_hold() - tell the engine that a host socket binds a port, so
 * that no new dynamic mapping takes it; a mapping that owns it already
 * keeps it until it goes
 * @nat:	engine
 * @proto:	NAT_TCP, NAT_UDP or NAT_ICMP (identifier)
 * @addr:	external address, or 0 for every external address, those added
 *		later included (a socket bound to the wildcard address)
 * @port:	port or ICMP identifier (TCP and UDP: not 0)
 * @held:	true to hold it, false to let the NAT use it again
 *
 * A hold on one address and a hold on every address are separate: taking
 * one back leaves the other. Static mappings the administrator names the
 * port of are not refused (the control layer checks host sockets itself);
 * a port the engine picks for one is never held.
 *
 * Return: 0, -EINVAL (protocol or port), -ENOENT (not an external address)
 */
int nat_port_hold(struct nat *nat, uint8_t proto, uint32_t addr,
		  uint16_t port, bool held)
{
	uint64_t *map, bit = 1ull << (port & 63);
	int ext;

	if (proto >= NAT_NPROTO) {
		nat_err(nat, "protocol %u cannot hold a port: use tcp, udp or "
			     "icmp", proto);
		return -EINVAL;
	}
	if (!port && proto != NAT_ICMP) {
		nat_err(nat, "%s port 0 cannot be held: use 1 to 65535",
			nat_proto_name(proto));
		return -EINVAL;
	}
	if (addr) {
		ext = nat_ext_find(nat, addr);
		if (ext < 0) {
			char a[LIB_ADDR_LEN];

			lib_addr_fmt(a, addr);
			nat_err(nat, "%s is not an external address; "
				     "hold the port on 0.0.0.0 for every one",
				a);
			return -ENOENT;
		}
		map = nat->exts[ext].held[proto];
	} else {
		map = nat->held_any[proto];
	}
	if (held)
		map[port >> 6] |= bit;
	else
		map[port >> 6] &= ~bit;
	nat->err[0] = 0;
	return 0;
}

/**
 * nat_port_hold_clear() - forget every held port, of every address: the
 * daemon's scan then holds again what it found, before the next batch
 * @nat:	engine
 */
void nat_port_hold_clear(struct nat *nat)
{
	unsigned i, p;

	for (p = 0; p < NAT_NPROTO; p++)
		memset(nat->held_any[p], 0, PORT_WORDS * sizeof(uint64_t));
	for (i = 0; i < nat->lim.max_ext; i++) {
		if (!nat->exts[i].nets)
			continue; /* reset when the slot is taken */
		for (p = 0; p < NAT_NPROTO; p++)
			memset(nat->exts[i].held[p], 0,
			       PORT_WORDS * sizeof(uint64_t));
	}
}
