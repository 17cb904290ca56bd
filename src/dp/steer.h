/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - steer.h: the tc BPF steering classifier's loader (steer.c)
 */
#ifndef HOSTNAT_STEER_H
#define HOSTNAT_STEER_H

#include <stdbool.h>
#include <stdint.h>

#define STEER_ROLE_UPLINK 1
#define STEER_ROLE_BRIDGE 2
#define STEER_ROLE_LO 3
#define STEER_MAX_EXT 32
#define STEER_PORTS (3 * 65536)

/**
 * struct steer - the loaded classifier and its maps
 */
struct steer {
	struct bpf_object *obj;
	int prog_fd;
	int if_map, ext_map, port_map, prefix_map, target_map;
	uint32_t *ports;	/* shadow of port_map */
	unsigned attached[256];	/* ifindexes it is attached to */
	unsigned nattached;
};

int steer_open(struct steer *s, unsigned out_ifindex, unsigned in_ifindex);
void steer_close(struct steer *s);
void steer_cleanup_leftovers(void);
int steer_attach(struct steer *s, unsigned ifindex, unsigned role,
		 unsigned l2len);
void steer_detach(struct steer *s, unsigned ifindex);
bool steer_is_attached(const struct steer *s, unsigned ifindex);
int steer_set_ext(struct steer *s, const uint32_t *addrs, unsigned n);
int steer_set_ports(struct steer *s, const uint32_t *ports);
int steer_set_prefixes(struct steer *s, const uint32_t *addr,
		       const uint8_t *plen, unsigned n);

#endif /* HOSTNAT_STEER_H */
