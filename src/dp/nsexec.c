/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - nsexec.c: work inside other network namespaces, through a
 * privileged helper
 *
 * Theory of operation
 * -------------------
 * Two things of `endpoint add` need more than the daemon keeps after its
 * start-up (CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF): opening a namespace
 * given as /proc/PID/ns/net (a ptrace access check: CAP_SYS_PTRACE when
 * the process there holds capabilities the opener does not) and setns()
 * into it (CAP_SYS_ADMIN). nsexec_start(), called before the daemon drops
 * its capabilities, forks a helper that keeps exactly those two and
 * CAP_NET_ADMIN (the work inside the namespace), confined by the
 * daemon's callback (capabilities, no_new_privs, its own seccomp filter).
 * It holds no other file descriptor than its end of a SOCK_SEQPACKET
 * socketpair and stderr, and does two things on request:
 *  - NSX_OPEN: open a name under /run/netns or a path, check that it is a
 *    network namespace (NS_GET_NSTYPE: nothing else ever goes back, so
 *    the helper cannot be used to read a file), and pass the descriptor
 *    back (SCM_RIGHTS);
 *  - NSX_CONFIGURE: with a namespace descriptor passed in, fork a child
 *    that setns()es into it and sets lo and the interface up, adds the
 *    address and the default route, then exits: the helper's own
 *    namespace never changes.
 * Messages are fixed-size structs (one datagram each, at most one
 * descriptor); both sides refuse anything of another size, magic,
 * operation, unterminated name, out-of-range value or unexpected
 * descriptor. A sequence number pairs each answer with its request, so an
 * answer that comes after the daemon stopped waiting (NSX_TIMEOUT_S) is
 * dropped. The helper exits when the daemon closes its end or dies
 * (PR_SET_PDEATHSIG).
 *
 * Without nsexec_start() (tests, tools) the same work runs in the calling
 * process, as it did before the helper existed.
 */
#define _GNU_SOURCE		/* setns(), close_range() */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nl.h"
#include "nsexec.h"

#define NETNS_RUN_DIR "/run/netns"	/* where ip netns names live */
#define NSX_MAGIC 0x484e5801u		/* "HNX" and version 1 */
#define NSX_TIMEOUT_S 10		/* s, the daemon waits per answer */
#define NSX_FD 3			/* the helper's end of the socket */

/* the requests: an operation, and NSX_READY once the helper is confined */
enum nsx_op {
	NSX_READY = 1,
	NSX_OPEN = 2,
	NSX_CONFIGURE = 3,
};

/**
 * struct nsx_req - a request from the daemon to the helper
 * @magic:	NSX_MAGIC
 * @seq:	sequence number, echoed in the answer
 * @op:		NSX_OPEN or NSX_CONFIGURE
 * @addr:	NSX_CONFIGURE: address of @ifname, host order, not 0
 * @gateway:	NSX_CONFIGURE: default route, host order, not 0
 * @plen:	NSX_CONFIGURE: prefix length of @addr, 1 to 32
 * @ifname:	NSX_CONFIGURE: the interface inside, NUL-terminated
 * @netns:	NSX_OPEN: name or path, NUL-terminated
 */
struct nsx_req {
	uint32_t magic;
	uint32_t seq;
	uint32_t op;
	uint32_t addr;
	uint32_t gateway;
	uint32_t plen;
	char ifname[DP_IFNAMSIZ];
	char netns[DP_NETNS_MAX];
};

/**
 * struct nsx_rep - the helper's answer
 * @magic:	NSX_MAGIC
 * @seq:	the request's
 * @op:		the request's
 * @err:	0 or a negative errno
 * @step:	NSX_CONFIGURE: index in steps[] of what failed
 */
struct nsx_rep {
	uint32_t magic;
	uint32_t seq;
	uint32_t op;
	int32_t err;
	uint32_t step;
};

_Static_assert(sizeof(struct nsx_req) == 24 + DP_IFNAMSIZ + DP_NETNS_MAX,
	       "no padding in the request");
_Static_assert(sizeof(struct nsx_rep) == 20, "no padding in the answer");

static const char *const steps[] = {
	"enter the namespace", "open rtnetlink", "find the interface",
	"set lo up", "add the address", "set the interface up",
	"add the default route",
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static int nsx_sock = -1;	/* the daemon's end, -1: work in-process */
static pid_t nsx_pid = -1;	/* the helper */
static uint32_t nsx_seq;	/* last request's sequence number */

/* 0 if @fd is a network namespace, else -EINVAL or -errno */
static int ns_check(int fd)
{
	int type = ioctl(fd, NS_GET_NSTYPE);

	if (type < 0)
		return errno == ENOTTY ? -EINVAL : -errno;
	return type == CLONE_NEWNET ? 0 : -EINVAL;
}

/* open a name under /run/netns or a path; only a network namespace */
static int ns_open(const char *netns, int *fd)
{
	char path[DP_NETNS_MAX + sizeof(NETNS_RUN_DIR) + 1];
	int ret;

	if (strchr(netns, '/'))
		snprintf(path, sizeof(path), "%s", netns);
	else
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", netns);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	ret = ns_check(*fd);
	if (ret) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

/* in the child, inside the namespace: lo, interface, address, route */
static int ns_configure(const struct dp_endpoint *ep, unsigned *step)
{
	unsigned lo, idx;
	struct nl nl;
	int ret;

	*step = 1;
	ret = nl_open(&nl);
	if (ret)
		return ret;
	*step = 2;
	lo = if_nametoindex("lo");
	idx = if_nametoindex(ep->ifname);
	ret = lo && idx ? 0 : -ENODEV;
	if (!ret) {
		*step = 3;
		ret = nl_link_up(&nl, lo);
	}
	if (!ret) {
		*step = 4;
		ret = nl_addr(&nl, true, idx, ep->addr, ep->plen);
	}
	if (!ret) {
		*step = 5;
		ret = nl_link_up(&nl, idx);
	}
	if (!ret) {
		*step = 6;
		ret = nl_route_default(&nl, ep->gateway, idx);
	}
	nl_close(&nl);
	return ret;
}

/* fork, setns(), configure; the index of the step that failed in *step */
static int ns_run(int nsfd, const struct dp_endpoint *ep, unsigned *step)
{
	int pipefd[2], status, ret;
	unsigned char code = 0;
	pid_t pid;

	*step = 0;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (!pid) {
		unsigned s = 0;

		close(pipefd[0]);
		ret = setns(nsfd, CLONE_NEWNET) ? -errno : 0;
		if (!ret)
			ret = ns_configure(ep, &s);
		code = (unsigned char)s;
		if (write(pipefd[1], &code, 1) != 1)
			ret = ret ? ret : -EIO;
		_exit(ret ? (-ret & 0xff) : 0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &code, 1) != 1 || code >= NSTEPS)
		code = 0;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*step = code;
	if (!WIFEXITED(status))
		return -EINTR;
	return -WEXITSTATUS(status);
}

/* one datagram of exactly @len bytes and at most one descriptor (@fd) */
static int msg_send(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* one datagram into @buf: its length, 0 at end of file, -errno; -EBADMSG
 * if truncated or with anything but one descriptor; the descriptor in
 * *fd (-1 if none) */
static ssize_t msg_recv(int sock, void *buf, size_t len, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	bool bad = false;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)) && *fd < 0)
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
		else
			bad = true;
	}
	if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EBADMSG;
	}
	return n;
}

/* a request as the helper accepts it: 0 or -EINVAL */
static int req_check(const struct nsx_req *req, ssize_t n, int fd)
{
	if (n != (ssize_t)sizeof(*req) || req->magic != NSX_MAGIC)
		return -EINVAL;
	switch (req->op) {
	case NSX_OPEN:
		if (fd >= 0 || !req->netns[0] ||
		    !memchr(req->netns, '\0', sizeof(req->netns)))
			return -EINVAL;
		return 0;
	case NSX_CONFIGURE:
		if (fd < 0 || !req->ifname[0] ||
		    !memchr(req->ifname, '\0', sizeof(req->ifname)) ||
		    strchr(req->ifname, '/') || !req->addr || !req->gateway ||
		    req->plen < 1 || req->plen > 32)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* the helper: answer requests until the daemon closes its end */
static void __attribute__((noreturn)) helper_serve(int sock)
{
	for (;;) {
		struct nsx_rep rep = { .magic = NSX_MAGIC };
		struct dp_endpoint ep;
		int fd, out = -1;
		struct nsx_req req;
		ssize_t n;

		n = msg_recv(sock, &req, sizeof(req), &fd);
		if (!n)
			_exit(0);
		if (n < 0 && n != -EBADMSG)
			_exit(1);
		rep.seq = n > 0 ? req.seq : 0;
		rep.op = n > 0 ? req.op : 0;
		rep.err = n < 0 ? -EINVAL : req_check(&req, n, fd);
		if (!rep.err && req.op == NSX_OPEN) {
			rep.err = ns_open(req.netns, &out);
		} else if (!rep.err) {
			memset(&ep, 0, sizeof(ep));
			memcpy(ep.ifname, req.ifname, sizeof(ep.ifname));
			ep.addr = req.addr;
			ep.gateway = req.gateway;
			ep.plen = (uint8_t)req.plen;
			rep.err = ns_run(fd, &ep, &rep.step);
		}
		if (fd >= 0)
			close(fd);
		if (msg_send(sock, &rep, sizeof(rep), out))
			_exit(1);
		if (out >= 0)
			close(out);
	}
}

/* one request and its answer; the descriptor that came back in *out */
static int call(struct nsx_req *req, int fd, struct nsx_rep *rep, int *out)
{
	int ret, rfd;
	ssize_t n;

	*out = -1;
	req->magic = NSX_MAGIC;
	req->seq = ++nsx_seq;
	ret = msg_send(nsx_sock, req, sizeof(*req), fd);
	if (ret)
		goto gone;
	for (;;) {
		n = msg_recv(nsx_sock, rep, sizeof(*rep), &rfd);
		if (n == -EAGAIN) {
			fprintf(stderr, "hostnatd: the namespace helper (pid %d) "
				"did not answer in %d s\n", (int)nsx_pid,
				NSX_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		if (n <= 0) {
			ret = n ? (int)n : -EPIPE;
			goto gone;
		}
		if (n != (ssize_t)sizeof(*rep) || rep->magic != NSX_MAGIC)
			goto bad;
		if (rep->seq == req->seq)
			break;
		if (rfd >= 0) /* the late answer to a request given up */
			close(rfd);
	}
	if (rep->op != req->op || rep->err > 0 || rep->err < -4095 ||
	    rep->step >= NSTEPS ||
	    (rfd >= 0) != (req->op == NSX_OPEN && !rep->err))
		goto bad;
	if (rfd >= 0 && ns_check(rfd))
		goto bad;
	*out = rfd;
	return 0;
bad:
	if (rfd >= 0)
		close(rfd);
	fprintf(stderr, "hostnatd: the namespace helper (pid %d) gave a "
		"malformed answer\n", (int)nsx_pid);
	return -EBADMSG;
gone:
	fprintf(stderr, "hostnatd: the namespace helper (pid %d) is gone: "
		"%s; restart hostnatd\n", (int)nsx_pid, strerror(-ret));
	return ret;
}

/**
 * nsexec_start() - fork the namespace helper; call before dropping the
 * capabilities it needs (CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_ADMIN)
 * @confine:	run in the helper before it serves (drop what it does not
 *		need, filter its system calls); 0 or -errno. NULL: none
 *
 * Return: 0 once the helper is confined and waits for requests, -errno
 */
int nsexec_start(int (*confine)(void))
{
	struct timeval tv = { .tv_sec = NSX_TIMEOUT_S };
	pid_t parent = getpid(), pid;
	struct nsx_rep rep;
	int sv[2], ret, fd;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (!pid) {
		struct nsx_rep ready = { .magic = NSX_MAGIC, .op = NSX_READY };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* nothing of the daemon's but stdin, stdout, stderr */
		if (dup2(sv[1], NSX_FD) < 0)
			_exit(1);
		close_range(NSX_FD + 1, ~0u, 0);
		prctl(PR_SET_NAME, "hostnatd-ns");
		ready.err = confine ? confine() : 0;
		if (ready.err > 0 || ready.err < -4095)
			ready.err = -EINVAL;
		if (msg_send(NSX_FD, &ready, sizeof(ready), -1) || ready.err)
			_exit(1);
		helper_serve(NSX_FD);
	}
	close(sv[1]);
	if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		ret = -errno;
		goto fail;
	}
	n = msg_recv(sv[0], &rep, sizeof(rep), &fd);
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(rep) || rep.magic != NSX_MAGIC ||
	    rep.op != NSX_READY || rep.err > 0) {
		ret = n < 0 ? (int)n : -EPIPE;
		goto fail;
	}
	if (rep.err) {
		ret = rep.err;
		goto fail;
	}
	nsx_sock = sv[0];
	nsx_pid = pid;
	return 0;
fail:
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return ret;
}

/**
 * nsexec_stop() - end the namespace helper: close its socket, reap it
 */
void nsexec_stop(void)
{
	if (nsx_sock < 0)
		return;
	close(nsx_sock);
	nsx_sock = -1;
	while (waitpid(nsx_pid, NULL, 0) < 0 && errno == EINTR)
		;
	nsx_pid = -1;
}

/**
 * nsexec_open() - open a network namespace
 * @netns:	a name under /run/netns (ip netns), or a path such as
 *		/proc/PID/ns/net
 * @fd:		its descriptor (O_CLOEXEC), -1 on failure
 *
 * Return: 0, -ENOENT, -EINVAL (not a network namespace), -errno
 */
int nsexec_open(const char *netns, int *fd)
{
	struct nsx_req req = { .op = NSX_OPEN };
	struct nsx_rep rep;
	int ret;

	*fd = -1;
	if (nsx_sock < 0)
		return ns_open(netns, fd);
	if (strlen(netns) >= sizeof(req.netns))
		return -ENAMETOOLONG;
	snprintf(req.netns, sizeof(req.netns), "%s", netns);
	ret = call(&req, -1, &rep, fd);
	return ret ? ret : rep.err;
}

/**
 * nsexec_configure() - inside a network namespace, set lo and an
 * endpoint's interface up, add its address and default route
 * @nsfd:	the namespace (from nsexec_open())
 * @ep:		the endpoint: ifname, addr, plen, gateway are used
 * @step:	on failure, what failed ("add the address")
 *
 * Return: 0 or -errno
 */
int nsexec_configure(int nsfd, const struct dp_endpoint *ep,
		     const char **step)
{
	struct nsx_req req = { .op = NSX_CONFIGURE };
	struct nsx_rep rep;
	unsigned s = 0;
	int ret, fd;

	*step = steps[0];
	if (nsx_sock < 0) {
		ret = ns_run(nsfd, ep, &s);
		*step = steps[s < NSTEPS ? s : 0];
		return ret;
	}
	snprintf(req.ifname, sizeof(req.ifname), "%s", ep->ifname);
	req.addr = ep->addr;
	req.gateway = ep->gateway;
	req.plen = ep->plen;
	ret = call(&req, nsfd, &rep, &fd);
	if (ret)
		return ret;
	*step = steps[rep.step];
	return rep.err;
}
