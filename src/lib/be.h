/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - be.h: big-endian byte helpers
 *
 * Packet and message bytes (IPv4, TCP, UDP, ICMP in the engine; DHCP in the
 * services) are read and written through these, which handle byte order and
 * alignment: never a cast of a packet pointer to a wider type.
 */
#ifndef HOSTNAT_LIB_BE_H
#define HOSTNAT_LIB_BE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

#endif /* HOSTNAT_LIB_BE_H */
