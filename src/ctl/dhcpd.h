/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dhcpd.h: the DHCP servers of the networks, on their bridges
 */
#ifndef HOSTNAT_DHCPD_H
#define HOSTNAT_DHCPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct cmd_ctx;
struct dhcpd;

#define DHCPD_TICK 1		/* s, lease expiry, saving, socket retries */

int dhcpd_open(struct dhcpd **out, struct cmd_ctx *x, int epfd);
void dhcpd_close(struct dhcpd *d);
void dhcpd_sync(struct dhcpd *d);
bool dhcpd_event(struct dhcpd *d, void *tag);
void dhcpd_flush(struct dhcpd *d);
void dhcpd_dirty(struct dhcpd *d, unsigned slot);
json_t *dhcpd_json(const struct dhcpd *d, unsigned slot);
unsigned dhcpd_resolvers(uint32_t *dns, unsigned max, char *domain,
			 size_t len);

#endif /* HOSTNAT_DHCPD_H */
