/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fake_hostnatd.c: the control layer served over its socket with
 * the real engine and the fake datapath, for testing the CLI without root
 *
 * Theory of operation
 * -------------------
 * fake_hostnatd STATE_DIR SOCKET opens the control layer like hostnatd does
 * (default network on), pretending the host has eth0 with 10.0.0.5/24 and
 * the default route, and serves requests until SIGTERM: an epoll loop on
 * ctl_fd(), as the daemon's loop is. It prints "ready" when it listens.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ctl.h"
#include "fakedp.h"
#include "log.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = { .default_network = true };
	struct epoll_event ev = { .events = EPOLLIN };
	struct nat_limits lim;
	struct nat *nat;
	struct ctl *c;
	struct dp *dp;
	int ep;

	if (argc != 3) {
		fprintf(stderr, "usage: fake_hostnatd STATE_DIR SOCKET\n");
		return 2;
	}
	o.state_dir = argv[1];
	o.sock_path = argv[2];
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	nat_limits_default(&lim);
	lim.max_flows = 1024;
	lim.max_hosts = 256;
	if (nat_create(&nat, &lim, NULL, 1, ctl_now_ms()) || dp_open(&dp, "hn"))
		return 1;
	fakedp_add_addr(dp, "eth0", 0x0a000005, 24);
	fakedp_set_default(dp, "eth0");
	if (ctl_open(&c, nat, dp, &o))
		return 1;
	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, ctl_fd(c), &ev);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (epoll_wait(ep, &ev, 1, 100) > 0)
			ctl_run(c);
	}
	close(ep);
	ctl_close(c);
	dp_close(dp, false);
	nat_destroy(nat);
	return 0;
}
