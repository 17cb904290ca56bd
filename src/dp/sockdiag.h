/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - sockdiag.h: the host's own sockets by sock_diag (sockdiag.c)
 */
#ifndef HOSTNAT_SOCKDIAG_H
#define HOSTNAT_SOCKDIAG_H

#include <stdbool.h>
#include <stdint.h>

struct nl;

typedef void (*sockdiag_fn)(uint16_t port, bool v4, void *ctx);

int sockdiag_ports(struct nl *d, int family, uint8_t proto,
		   uint32_t states, uint16_t lo, uint16_t hi, sockdiag_fn fn,
		   void *ctx);

#endif /* HOSTNAT_SOCKDIAG_H */
