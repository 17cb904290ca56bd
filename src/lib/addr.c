/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - addr.c: IPv4 address formatting
 *
 * Theory of operation
 * -------------------
 * One formatter of an address for every layer, as
 * iproute2's format_host() is for ip, tc and bridge. The address is taken in
 * host order (the order the engine and the control layer keep addresses in)
 * and written in dotted-quad notation, always NUL-terminated within
 * LIB_ADDR_LEN bytes. libc only, no system call.
 */
#include <stdio.h>

#include "addr.h"

/**
 * lib_addr_fmt() - write an address in dotted-quad notation
 * @buf:	LIB_ADDR_LEN bytes
 * @addr:	address, host order
 */
void lib_addr_fmt(char buf[LIB_ADDR_LEN], uint32_t addr)
{
	snprintf(buf, LIB_ADDR_LEN, "%u.%u.%u.%u", addr >> 24,
		 (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
}
