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
 */
#include "core.h"

#define EVEN_BITS 0x5555555555555555ull

/* first free port in [lo, hi] from @start on, wrapping once; -1 if none */
static int scan(const uint64_t *bits, uint32_t lo, uint32_t hi,
		uint32_t start, int parity)
{
	uint64_t pmask = parity < 0 ? ~0ull : parity ? ~EVEN_BITS : EVEN_BITS;
	uint32_t p = start, n = 0, span = hi - lo + 1;

	while (n < span) {
		uint32_t w = p >> 6, bit = p & 63, end;
		uint64_t freeb = ~bits[w] & pmask & (~0ull << bit);

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
 * Return: the port, now owned, or -1 when the range is full
 */
int port_alloc(struct nat *nat, unsigned ext, uint8_t proto, uint16_t lo,
	       uint16_t hi, uint16_t want)
{
	uint64_t *bits = nat->exts[ext].bits[proto];
	uint32_t clo = lo, chi = hi;
	int port, pass;

	if (lo > hi)
		return -1;
	if (want >= lo && want <= hi && !port_test(nat, ext, proto, want)) {
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
		port = scan(bits, a, b, a + nat_rand(nat) % (b - a + 1),
			    parity);
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

/**
 * port_set() - mark a port owned
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @port:	port
 */
void port_set(struct nat *nat, unsigned ext, uint8_t proto, uint16_t port)
{
	nat->exts[ext].bits[proto][port >> 6] |= 1ull << (port & 63);
}

/**
 * port_clear() - give a port back
 * @nat:	engine
 * @ext:	external address index
 * @proto:	enum nat_proto
 * @port:	port
 */
void port_clear(struct nat *nat, unsigned ext, uint8_t proto, uint16_t port)
{
	nat->exts[ext].bits[proto][port >> 6] &= ~(1ull << (port & 63));
}
