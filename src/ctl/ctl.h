/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ctl.h: the control layer's interface to the daemon
 *
 * The control layer owns the configuration (networks, prefixes, external
 * addresses, mappings, settings): it loads it from the state directory,
 * applies it to the engine (nat_*) and the kernel (dp_sync()), serves the
 * JSON API on a Unix socket, and writes every change atomically (write,
 * fsync, rename) before it answers. It also keeps each network's address
 * pool and leases file, runs the networks' DHCP servers and attaches
 * container endpoints; the DHCP sockets and their timer are in the same
 * epoll instance as the API (ctl_fd()), so the daemon sees one descriptor.
 */
#ifndef HOSTNAT_CTL_H
#define HOSTNAT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "nat.h"

#define CTL_STATE_DIR_DEFAULT "/var/lib/hostnat"
#define CTL_SOCKET_DEFAULT "/run/hostnat/hostnat.sock"

/**
 * struct ctl_opts - how the daemon was started
 * @state_dir:		directory of the state file
 * @sock_path:		API socket path
 * @default_network:	create the network "nat" when there is no state
 */
struct ctl_opts {
	const char *state_dir;
	const char *sock_path;
	bool default_network;
};

struct ctl;

int ctl_open(struct ctl **cp, struct nat *nat, struct dp *dp,
	     const struct ctl_opts *o);
void ctl_close(struct ctl *c);
long ctl_handover_save(struct ctl *c);
int ctl_fd(const struct ctl *c);
void ctl_run(struct ctl *c);
void ctl_events(struct ctl *c);

/* additions: a request without the socket (tests, fuzzing), the clock */
char *ctl_request(struct ctl *c, const char *line, size_t len);
uint64_t ctl_now_ms(void);

#endif /* HOSTNAT_CTL_H */
