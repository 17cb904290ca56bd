/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - priv.c: what hostnatd may do after its start-up
 *
 * Theory of operation
 * -------------------
 * hostnatd parses packets and API requests from anyone: once it serves,
 * it keeps only what serving needs. Start-up runs with what the unit
 * gives (TUN devices, BPF load, the kernel state it adopts); then
 * priv_drop(), in this order:
 *  1. capabilities: effective, permitted and bounding sets become
 *     CAP_NET_ADMIN (bridges, routes, rules, addresses, tc filters,
 *     /proc/sys/net: files of uid 0, written as their owner, so no
 *     CAP_DAC_OVERRIDE), CAP_NET_RAW (the DHCP packet sockets) and CAP_BPF
 *     (the bpf() calls on the maps); inheritable and ambient empty. The
 *     result is read back from the kernel and checked;
 *  2. no_new_privs (PR_SET_NO_NEW_PRIVS): no exec can give any back;
 *  3. a seccomp allow-list of the system calls serving makes (daemon_calls
 *     below, found by running tests/net with --seccomp-log), socket()
 *     only for AF_UNIX, AF_NETLINK, AF_PACKET and AF_INET, ioctl() only
 *     for the interface queries and TUNSETPERSIST in daemon_ioctls,
 *     tgkill() only to itself.
 * Anything else kills the process (SCMP_ACT_KILL_PROCESS), not EPERM: a
 * daemon that does what it never does is most likely being exploited, and
 * an EPERM would let an exploit probe on, or leave a half-working daemon
 * behind; the datapath fails closed when hostnatd is gone (its rules lead
 * to a blackhole), systemd restarts it and it adopts the kernel state.
 * The kill is logged by the kernel (audit type 1326, with the system
 * call's number). --seccomp-log (priv_set_log_only()) logs and allows
 * instead, to find a call that is missing.
 *
 * The namespace helper (src/dp/nsexec.c), forked before the drop, calls
 * priv_confine_helper(): CAP_SYS_ADMIN (setns), CAP_SYS_PTRACE (opening
 * /proc/PID/ns/net of a more privileged process), CAP_NET_ADMIN (the
 * interfaces inside the namespace), no_new_privs and its own, smaller
 * allow-list (helper_calls).
 *
 * Neither list has execve, ptrace, mount, module or keyring calls, or a
 * way to open a socket of another family.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "log.h"
#include "priv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool log_only;		/* --seccomp-log: log, do not kill */

/* what serving needs, and why (see the theory of operation) */
static const unsigned daemon_caps[] = {
	CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF,
};

/* the namespace helper: setns(), /proc/PID/ns/net, work inside */
static const unsigned helper_caps[] = {
	CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_ADMIN,
};

/* the system calls of the event loop, the API, the datapath's netlink,
 * BPF, /proc and state files, and of libc (a name unknown on an
 * architecture is skipped) */
static const char *const daemon_calls[] = {
	/* the event loop, the devices, the API, DHCP */
	"epoll_wait", "epoll_pwait", "epoll_ctl", "read", "write", "readv",
	"writev", "close", "accept4", "recvmsg", "sendmsg", "recvfrom",
	"sendto", "bind", "getsockname", "setsockopt", "getsockopt",
	"shutdown", "epoll_create1", "signalfd4", "timerfd_create",
	"timerfd_settime",
	/* the datapath: the maps */
	"bpf",
	/* /proc/sys/net, /proc/net, the state directory */
	"openat", "newfstatat", "fstat", "lseek", "fcntl", "getdents64",
	"readlink", "rename", "unlink", "mkdir", "fsync", "fdatasync",
	/* the same where only the *at forms exist (arm64, riscv64) */
	"readlinkat", "renameat", "renameat2", "unlinkat", "mkdirat", "statx",
	/* libc: time, memory, signals, exit */
	"clock_gettime", "gettimeofday", "mmap", "munmap", "madvise",
	"mremap", "brk", "rt_sigreturn", "rt_sigprocmask", "getpid",
	"gettid", "getrandom", "wait4", "exit", "exit_group",
	/* sd_notify() (libsystemd 252): socket(AF_UNIX), get/setsockopt,
	 * sendmsg, close, and the ids it compares for its credentials;
	 * tests/net/t_notify.sh runs it in kill mode */
	"getuid", "geteuid", "getgid", "getegid",
};

/* the helper: requests, open, fork and setns, rtnetlink inside */
static const char *const helper_calls[] = {
	"recvmsg", "sendmsg", "read", "write", "close", "openat", "pipe2",
	"clone", "wait4", "setns", "bind", "getsockname", "setsockopt",
	"sendto", "recvfrom", "mmap", "munmap", "brk", "rt_sigreturn",
	"rt_sigprocmask", "getpid", "gettid", "set_robust_list", "exit",
	"exit_group",
};

/* socket() families of the daemon and of the helper */
static const int daemon_families[] = {
	AF_UNIX, AF_NETLINK, AF_PACKET, AF_INET,
};
static const int helper_families[] = {
	AF_UNIX, AF_NETLINK, AF_INET,
};

/* ioctl() requests: interface flags, index, name (libc's
 * if_nametoindex(), if_indextoname()), ethtool (link kind), namespace
 * type; a clean stop keeps the TUN devices (tun_persist()) */
static const unsigned long daemon_ioctls[] = {
	SIOCGIFFLAGS, SIOCGIFINDEX, SIOCGIFNAME, SIOCETHTOOL, NS_GET_NSTYPE,
	TUNSETPERSIST,
};
static const unsigned long helper_ioctls[] = {
	SIOCGIFINDEX, NS_GET_NSTYPE,
};

/**
 * struct filter - one process's seccomp allow-list
 * @calls:	system calls allowed whatever their arguments
 * @ncalls:	their number
 * @families:	socket() families
 * @nfamilies:	their number
 * @ioctls:	ioctl() requests
 * @nioctls:	their number
 */
struct filter {
	const char *const *calls;
	size_t ncalls;
	const int *families;
	size_t nfamilies;
	const unsigned long *ioctls;
	size_t nioctls;
};

/**
 * priv_set_log_only() - log system calls outside the allow-lists instead
 * of killing the process (to find one that is missing)
 * @on:		log only
 */
void priv_set_log_only(bool on)
{
	log_only = on;
}

/* keep exactly @caps in the effective, permitted and bounding sets */
static int caps_keep(const unsigned *caps, unsigned n, const char *who)
{
	unsigned i, k;
	int rc;

	capng_clear(CAPNG_SELECT_ALL);
	for (i = 0; i < n; i++) {
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
				 CAPNG_BOUNDING_SET, caps[i])) {
			log_msg(LOG_ERR, "%s: capability %s unknown to this "
				"kernel (hostnatd needs Linux 5.8 or later)",
				who, capng_capability_to_name(caps[i]));
			return -EINVAL;
		}
	}
	/* the bounding set first, while CAP_SETPCAP is there */
	rc = capng_apply(CAPNG_SELECT_ALL);
	if (rc) {
		log_msg(LOG_ERR, "%s: cannot drop capabilities (libcap-ng "
			"error %d); shrinking the bounding set needs "
			"CAP_SETPCAP at start (the unit's "
			"CapabilityBoundingSet=)", who, rc);
		return -EPERM;
	}
	/* check what the kernel says, not what we asked for */
	if (capng_get_caps_process()) {
		log_msg(LOG_ERR, "%s: cannot read back the capabilities", who);
		return -EIO;
	}
	for (i = 0; i <= CAP_LAST_CAP; i++) {
		bool want = false;

		for (k = 0; k < n; k++)
			want |= caps[k] == i;
		if (capng_have_capability(CAPNG_EFFECTIVE, i) != want ||
		    capng_have_capability(CAPNG_PERMITTED, i) != want ||
		    capng_have_capability(CAPNG_BOUNDING_SET, i) != want) {
			log_msg(LOG_ERR, "%s: capability %s is still %s after "
				"the drop", who, capng_capability_to_name(i),
				want ? "missing" : "held");
			return -EPERM;
		}
	}
	return 0;
}

/* no_new_privs, then the allow-list */
static int filter_load(const struct filter *f, const char *who)
{
	uint32_t def = log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx;
	size_t i;
	int nr, ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		log_msg(LOG_ERR, "%s: cannot set no_new_privs: %s", who,
			strerror(errno));
		return ret;
	}
	ctx = seccomp_init(def);
	if (!ctx) {
		log_msg(LOG_ERR, "%s: cannot create the seccomp filter", who);
		return -ENOMEM;
	}
	ret = 0;
	for (i = 0; i < f->ncalls && !ret; i++) {
		nr = seccomp_syscall_resolve_name(f->calls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a system call on this architecture */
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	for (i = 0; i < f->nfamilies && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ,
					       (scmp_datum_t)f->families[i]));
	/* the request is an int to the kernel: compare the low 32 bits */
	for (i = 0; i < f->nioctls && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					       (scmp_datum_t)f->ioctls[i]));
	/* abort(): a signal to itself only */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				       SCMP_A0(SCMP_CMP_EQ,
					       (scmp_datum_t)getpid()));
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	if (ret)
		log_msg(LOG_ERR, "%s: cannot load the seccomp filter: %s", who,
			strerror(-ret));
	return ret;
}

/**
 * priv_confine_helper() - confine the namespace helper (run in it, by
 * nsexec_start()): its capabilities, no_new_privs, its allow-list
 *
 * Return: 0 or -errno (logged)
 */
int priv_confine_helper(void)
{
	static const struct filter f = {
		helper_calls, ARRAY_SIZE(helper_calls),
		helper_families, ARRAY_SIZE(helper_families),
		helper_ioctls, ARRAY_SIZE(helper_ioctls),
	};
	int ret;

	ret = caps_keep(helper_caps, (unsigned)ARRAY_SIZE(helper_caps),
			"namespace helper");
	return ret ? ret : filter_load(&f, "namespace helper");
}

/**
 * priv_drop() - keep only what serving needs: the capabilities, then
 * no_new_privs and the seccomp allow-list
 *
 * Return: 0 or -errno (logged); the caller must not serve on failure
 */
int priv_drop(void)
{
	static const struct filter f = {
		daemon_calls, ARRAY_SIZE(daemon_calls),
		daemon_families, ARRAY_SIZE(daemon_families),
		daemon_ioctls, ARRAY_SIZE(daemon_ioctls),
	};
	int ret;

	ret = caps_keep(daemon_caps, (unsigned)ARRAY_SIZE(daemon_caps),
			"hostnatd");
	return ret ? ret : filter_load(&f, "hostnatd");
}
