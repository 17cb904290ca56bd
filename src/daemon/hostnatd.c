/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - hostnatd.c: the daemon: start-up, event loop, clean shutdown
 *
 * Theory of operation
 * -------------------
 * Start-up: fork the namespace helper of `endpoint add` (src/dp/nsexec.c,
 * confined by priv_confine_helper()), create the engine (tables sized
 * once), open the datapath (which first removes what a crashed daemon left
 * in the kernel), open the control layer (loads the state and applies it,
 * or creates the default network), drop privileges (priv_drop(): only
 * CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF, no_new_privs, a seccomp allow-list;
 * a failure there ends the start), then serve. With --foreground it stays attached to the
 * terminal (systemd's way); otherwise it forks after start-up succeeded,
 * and the parent exits 0 only once the child is serving.
 *
 * One thread, one epoll: the two TUN devices, the API (the control layer's
 * own epoll fd), a timer every NAT_POLL_INTERVAL_MS and a signalfd.
 * A readable device is drained in bursts of BURST packets: read, translate
 * the burst (nat_process), write back (dp_tx), then hand out what the
 * engine produced (nat_poll: released fragments, ICMP errors). The timer
 * drives expiry and held-SYN answers when traffic is idle.
 *
 * After each burst the engine's port log goes to the kernel programs
 * (dp_ports_sync) before the burst is written back, so that answers find
 * their mapping steered; once a second dp_tick() attaches the programs to
 * new bridge ports and tells the engine the host's own sockets in the
 * NAT's port ranges.
 *
 * systemd's notify protocol (sd_notify(3); nothing is sent without
 * NOTIFY_SOCKET, as under Type=simple or from a shell): READY=1 once the
 * networks are applied, the API socket listens and the privileges are
 * dropped, with a STATUS= line "serving N networks on SOCKET"; STATUS=
 * again when the number of networks changes (checked once a second), and
 * STOPPING=1 when a signal ends the loop. sd_notify() opens an AF_UNIX
 * datagram socket and sends one message (socket, get/setsockopt, the
 * process's ids, sendmsg, close), all in the seccomp allow-list of
 * src/daemon/priv.c.
 *
 * SIGTERM/SIGINT (systemctl stop and restart): leave the loop, write the
 * engine's sessions to the state directory (ctl_handover_save()), close
 * the API, stop the datapath with its programs left attached (dp_close:
 * the devices go; the programs, the fail-closed rules and the bridges
 * stay), free the engine. Settled flows go on in the programs for the
 * grace period (--fast-grace, DP_FAST_GRACE_S), packets for the NAT's
 * ports are dropped rather than answered by the host; the next start
 * takes the sessions back before it replaces the programs, so its flows
 * keep their ports and state. SIGKILL leaves the programs too, without
 * the sessions: after the grace period nothing is translated until a new
 * daemon starts, afresh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ctl.h"
#include "dp.h"
#include "log.h"
#include "nat.h"
#include "nsexec.h"
#include "metrics.h"
#include "priv.h"

#define BURST 64		/* packets per read burst */
#define DEV_PREFIX "hn"		/* TUN devices hn-out, hn-in */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* engine tables: anonymous memory on huge pages where the kernel has them */
static void *mem_alloc(void *ctx, size_t size)
{
	void *p;

	(void)ctx;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (size >= (2u << 20))
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static void mem_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	munmap(p, size);
}

/* the networks the engine holds, for systemd's STATUS= line */
static unsigned net_count(const struct nat *nat, uint32_t max_nets)
{
	struct nat_net_cfg cfg;
	unsigned id, n = 0;

	for (id = 0; id < max_nets; id++)
		n += !nat_net_get(nat, id, &cfg);
	return n;
}

/*
 * Tell systemd (when it listens: NOTIFY_SOCKET) what hostnatd does:
 * @state ("READY=1\n", "STOPPING=1\n" or "") and the STATUS= line. A
 * failure is logged once; it never stops the daemon.
 */
static void notify(const char *state, unsigned nets, const char *sock)
{
	static bool warned;
	int ret = sd_notifyf(0, "%sSTATUS=serving %u network%s on %s", state,
			     nets, nets == 1 ? "" : "s", sock);

	if (ret < 0 && !warned) {
		log_msg(LOG_WARNING, "cannot notify systemd at %s: %s",
			getenv("NOTIFY_SOCKET") ? getenv("NOTIFY_SOCKET") : "?",
			strerror(-ret));
		warned = true;
	}
}

/* the options, as --help prints them */
static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hostnatd [--state-dir DIR] [--socket PATH] "
		"[--no-default-network] [--foreground]\n"
		"                [--max-flows N] [--verbose] [--seccomp-log]\n"
		"                [--metrics [ADDR:]PORT] [--no-fast-path] "
		"[--fast-grace S]\n"
		"       hostnatd --release [--state-dir DIR]\n"
		"  --state-dir DIR        configuration and leases (default "
		"%s)\n"
		"  --socket PATH          API socket (default %s)\n"
		"  --no-default-network   do not create the network 'nat' on "
		"first start\n"
		"  --foreground           do not fork (for systemd)\n"
		"  --max-flows N          size of the session table (default "
		"262144)\n"
		"  --verbose              log debug messages\n"
		"  --metrics [ADDR:]PORT  serve Prometheus metrics on "
		"http://ADDR:PORT/metrics\n"
		"                         (off by default; ADDR 127.0.0.1 "
		"when not given)\n"
		"  --no-fast-path         every packet through hostnatd (no "
		"translation in the\n"
		"                         kernel's programs), for comparison "
		"and debugging\n"
		"  --fast-grace S         seconds the kernel's programs go on "
		"translating settled\n"
		"                         flows after a clean stop or while "
		"hostnatd hangs\n"
		"                         (default 5, 0 to 3600): what a restart "
		"may take without\n"
		"                         flows noticing\n"
		"  --release              do not start: remove what a clean stop "
		"left for the\n"
		"                         next start (the programs, the TUN "
		"devices, the reserved\n"
		"                         ports, the sessions file); hostnatd "
		"must not run\n"
		"  --seccomp-log          log system calls outside the "
		"allow-list instead of\n"
		"                         ending the process (to find one "
		"that is missing)\n",
		CTL_STATE_DIR_DEFAULT, CTL_SOCKET_DEFAULT);
}

static void drain(struct nat *nat, struct dp *dp, enum dp_dev dev,
		  struct nat_pkt *pkts)
{
	unsigned n, k, rounds = 0;

	/* bounded, so that one busy device cannot starve the other */
	while (rounds++ < 8) {
		n = dp_rx(dp, dev, pkts, BURST);
		if (!n)
			break;
		nat_process(nat, pkts, n, now_ms());
		/* mappings steered before their answers can come back */
		dp_ports_sync(dp, nat);
		dp_tx(dp, dev, pkts, n);
		/* the batch is out: the sessions' next packets may overtake
		 * nothing when they take the fast path */
		dp_fast_sync(dp, nat);
		k = nat_poll(nat, now_ms(), pkts, BURST);
		dp_ports_sync(dp, nat);
		if (k)
			dp_tx(dp, DP_IN, pkts, k);
		dp_fast_sync(dp, nat);
		if (n < BURST)
			break; /* the device is empty: no read to learn it */
	}
}

/* the event loop until a signal: the TUN devices, the API, the timer (expiry,
 * held SYNs, once a second the host's sockets and the heartbeat), metrics */
static int serve(struct nat *nat, struct dp *dp, struct ctl *ctl,
		 const struct nat_limits *lim, const char *sock,
		 struct metrics *met)
{
	struct nat_pkt pkts[BURST];
	struct itimerspec it = {
		.it_interval = { 0, NAT_POLL_INTERVAL_MS * 1000000L },
		.it_value = { 0, NAT_POLL_INTERVAL_MS * 1000000L },
	};
	struct epoll_event ev, evs[8];
	sigset_t mask;
	int ep, tfd, sfd, i, n, ret = 0;
	unsigned tick = 0, nets = net_count(nat, lim->max_nets), m;
	bool stop = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &it, NULL)) {
		log_msg(LOG_ERR, "event loop set-up failed: %s",
			strerror(errno));
		ret = -errno;
		goto out;
	}
	ev.events = EPOLLIN;
	ev.data.u32 = 0;
	epoll_ctl(ep, EPOLL_CTL_ADD, dp_fd(dp, DP_OUT), &ev);
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, dp_fd(dp, DP_IN), &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, ctl_fd(ctl), &ev);
	ev.data.u32 = 3;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.u32 = 4;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (met && metrics_fd(met) >= 0) {
		ev.data.u32 = 5;
		epoll_ctl(ep, EPOLL_CTL_ADD, metrics_fd(met), &ev);
	}

	while (!stop) {
		n = epoll_wait(ep, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "epoll_wait: %s", strerror(errno));
			ret = -errno;
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t ticks;
			struct signalfd_siginfo si;
			unsigned k;

			switch (evs[i].data.u32) {
			case 0:
				drain(nat, dp, DP_OUT, pkts);
				ctl_events(ctl);	/* monitors */
				break;
			case 1:
				drain(nat, dp, DP_IN, pkts);
				ctl_events(ctl);
				break;
			case 2:
				ctl_run(ctl);
				dp_ports_sync(dp, nat);
				dp_fast_sync(dp, nat);
				break;
			case 3:
				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					break;
				k = nat_poll(nat, now_ms(), pkts, BURST);
				dp_ports_sync(dp, nat);
				if (k)
					dp_tx(dp, DP_IN, pkts, k);
				dp_fast_sync(dp, nat);	/* expired sessions */
				ctl_events(ctl);
				if (met)	/* its idle timeouts */
					metrics_run(met);
				if (++tick % (1000 / NAT_POLL_INTERVAL_MS))
					break;
				/* the host's own sockets in the NAT's ranges */
				dp_tick(dp, nat);
				dp_fast_alive(dp, now_ms());
				m = net_count(nat, lim->max_nets);
				if (m != nets)
					notify("", nets = m, sock);
				break;
			case 5:
				metrics_run(met);
				break;
			default:
				while (read(sfd, &si, sizeof(si)) ==
				       (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						continue;
					log_msg(LOG_INFO, "signal %u: shutting "
							  "down", si.ssi_signo);
					stop = true;
				}
				if (stop)
					sd_notify(0, "STOPPING=1\n"
						     "STATUS=shutting down");
				break;
			}
		}
	}
out:
	if (ep >= 0)
		close(ep);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "no-default-network", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "seccomp-log", no_argument, NULL, 'L' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "no-fast-path", no_argument, NULL, 'F' },
		{ "fast-grace", required_argument, NULL, 'G' },
		{ "release", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts co = {
		.state_dir = CTL_STATE_DIR_DEFAULT,
		.sock_path = CTL_SOCKET_DEFAULT,
		.default_network = true,
	};
	struct nat_mem mem = { mem_alloc, mem_free, NULL };
	struct nat_limits lim;
	struct nat *nat = NULL;
	struct dp *dp = NULL;
	struct ctl *ctl = NULL;
	struct metrics *met = NULL;
	struct sockaddr_in met_sa;
	bool foreground = false, want_metrics = false, fast = true;
	bool clean = false, release = false;
	unsigned long grace = DP_FAST_GRACE_S;
	char merr[256];
	int c, ret, ready[2] = { -1, -1 };
	uint64_t seed;
	char *end;

	nat_limits_default(&lim);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			co.state_dir = optarg;
			break;
		case 'S':
			co.sock_path = optarg;
			break;
		case 'n':
			co.default_network = false;
			break;
		case 'f':
			foreground = true;
			break;
		case 'm':
			errno = 0;
			lim.max_flows = (uint32_t)strtoul(optarg, &end, 10);
			if (errno || *end || lim.max_flows < 1024 ||
			    lim.max_flows > (1u << 26)) {
				fprintf(stderr, "hostnatd: --max-flows '%s': use "
						"a number from 1024 to %u\n",
					optarg, 1u << 26);
				return 2;
			}
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'L':
			priv_set_log_only(true);
			break;
		case 'F':
			fast = false;
			break;
		case 'R':
			release = true;
			break;
		case 'G':
			errno = 0;
			grace = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' ||
			    grace > 3600) {
				fprintf(stderr, "hostnatd: --fast-grace '%s': use "
						"seconds from 0 to 3600\n", optarg);
				return 2;
			}
			break;
		case 'M':
			if (metrics_parse(optarg, &met_sa, merr, sizeof(merr))) {
				fprintf(stderr, "hostnatd: %s (use PORT or "
						"ADDRESS:PORT, like 9469 or "
						"127.0.0.1:9469)\n", merr);
				return 2;
			}
			want_metrics = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hostnatd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "hostnatd: must run as root (it configures "
				"devices, routes and BPF)\n");
		return 1;
	}
	if (release) {
		/* no daemon: what a clean stop kept for the next one goes */
		struct sockaddr_un su = { .sun_family = AF_UNIX };
		char path[PATH_MAX];
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		snprintf(su.sun_path, sizeof(su.sun_path), "%s", co.sock_path);
		if (fd >= 0 && !connect(fd, (struct sockaddr *)&su, sizeof(su))) {
			fprintf(stderr, "hostnatd: --release: a hostnatd serves "
					"on %s; stop it first\n", co.sock_path);
			close(fd);
			return 1;
		}
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof(path), "%s/sessions", co.state_dir);
		unlink(path);
		ret = dp_release(DEV_PREFIX);
		if (ret)
			fprintf(stderr, "hostnatd: --release: %s\n",
				strerror(-ret));
		return ret ? 1 : 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (lim.max_flows_per_host > lim.max_flows)
		lim.max_flows_per_host = lim.max_flows;

	if (!foreground) {
		pid_t pid;
		char b;

		if (pipe(ready))
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			close(ready[1]);
			/* exit status tells whether start-up worked */
			return read(ready[0], &b, 1) == 1 ? 0 : 1;
		}
		close(ready[0]);
		setsid();
	}

	/* before anything else is open: the helper keeps CAP_SYS_ADMIN */
	ret = nsexec_start(priv_confine_helper);
	if (ret) {
		log_msg(LOG_ERR, "cannot start the namespace helper: %s",
			strerror(-ret));
		goto out;
	}
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)now_ms() ^ (uint64_t)getpid() << 32;
	ret = nat_create(&nat, &lim, &mem, seed, now_ms());
	if (ret) {
		log_msg(LOG_ERR, "cannot create the engine for %u flows: %s",
			lim.max_flows, strerror(-ret));
		goto out;
	}
	ret = dp_open_flows(&dp, DEV_PREFIX, lim.max_flows);
	if (ret)
		goto out;
	dp_fast_grace(dp, (unsigned)grace);
	dp_tick(dp, nat);
#if !defined(__x86_64__)
	/* the programs read a session's record between two reads of its
	 * generation with no barrier (fastidx.h): only x86-64's ordering of
	 * loads makes that a consistent read */
	if (fast) {
		log_msg(LOG_NOTICE, "the fast path needs an x86-64 host (its "
			"programs rely on its ordering of loads); every "
			"packet goes through hostnatd here");
		fast = false;
	}
#endif
	if (fast)
		dp_fast_attach(dp, nat, now_ms());
	ret = ctl_open(&ctl, nat, dp, &co);
	if (ret)
		goto out;
	dp_ports_sync(dp, nat);
	if (want_metrics) {
		ret = metrics_open(&met, &met_sa, ctl);
		if (ret) {
			log_msg(LOG_ERR, "cannot serve metrics on %s:%u: %s",
				inet_ntoa(met_sa.sin_addr),
				ntohs(met_sa.sin_port), strerror(-ret));
			goto out;
		}
		log_msg(LOG_INFO, "metrics on http://%s:%u/metrics",
			inet_ntoa(met_sa.sin_addr), ntohs(met_sa.sin_port));
	}
	ret = priv_drop();
	if (ret)
		goto out;
	log_msg(LOG_INFO, "serving on %s, state in %s", co.sock_path,
		co.state_dir);
	if (ready[1] >= 0) {
		if (write(ready[1], "1", 1) != 1)
			log_msg(LOG_WARNING, "cannot tell the parent we are "
					     "ready");
		close(ready[1]);
		ready[1] = -1;
	}
	notify("READY=1\n", net_count(nat, lim.max_nets), co.sock_path);
	ret = serve(nat, dp, ctl, &lim, co.sock_path, met);
	if (!ret) {
		/* a clean stop: the next daemon takes over the flows */
		long n = ctl_handover_save(ctl);

		if (n >= 0)
			log_msg(LOG_INFO, "saved %ld sessions for the next "
				"start", n);
		/* nothing to carry (no network) or to hand over (the save
		 * failed): the programs go, as after a failed start */
		clean = n >= 0 && net_count(nat, lim.max_nets) > 0;
	}
out:
	metrics_close(met);
	ctl_close(ctl);
	dp_close(dp, clean);
	nat_destroy(nat);
	nsexec_stop();
	if (ready[1] >= 0)
		close(ready[1]);
	return ret ? 1 : 0;
}
