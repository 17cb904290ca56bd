/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tun.h: TUN devices with virtio-net headers (tun.c)
 */
#ifndef HOSTNAT_TUN_H
#define HOSTNAT_TUN_H

#include <stdbool.h>
#include <stdint.h>

#define TUN_VNET_HLEN 10	/* bytes, struct virtio_net_hdr */
#define TUN_MTU 65535		/* bytes: any bridge's frames fit */

int tun_open(const char *name, unsigned *ifindex);
int tun_persist(int fd, bool on);
int tun_read(int fd, uint8_t *buf, uint32_t size);
int tun_write(int fd, const uint8_t *vnet, const uint8_t *pkt, uint32_t len);

#endif /* HOSTNAT_TUN_H */
