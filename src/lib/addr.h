/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - addr.h: IPv4 addresses and prefixes, the one place for them
 *
 * Every layer formats an address and masks a prefix; they do it here, so
 * that a message in the engine, the datapath, the services and the control
 * layer spells an address the same way and no prefix mask forgets /0 (a
 * shift by 32 is undefined in C).
 */
#ifndef HOSTNAT_LIB_ADDR_H
#define HOSTNAT_LIB_ADDR_H

#include <stdint.h>

#define LIB_ADDR_LEN 16 /* bytes of "255.255.255.255" and NUL */

/**
 * lib_prefix_mask() - the network mask of a prefix length
 * @plen:	prefix length, 0 to 32
 *
 * Return: the mask in host order; 0 for /0, which ~0u << 32 would not give
 */
static inline uint32_t lib_prefix_mask(unsigned plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

void lib_addr_fmt(char buf[LIB_ADDR_LEN], uint32_t addr);

#endif /* HOSTNAT_LIB_ADDR_H */
