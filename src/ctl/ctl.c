/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ctl.c: the API socket
 *
 * Theory of operation
 * -------------------
 * hostnatd serves its API on a Unix stream socket (mode 0600: root only).
 * A client writes requests, one JSON object per line, and reads one
 * response line for each, in order (PROTOCOL in cmd.c). The server never
 * blocks: ctl_fd() is an epoll instance of its own holding the listening
 * socket and every client, which the daemon adds to its event loop;
 * ctl_run() then handles whatever is ready and returns.
 *
 * Per client: an input buffer of CTL_REQ_MAX bytes (a longer request is
 * answered with an error and the client dropped), and an output buffer
 * that grows with the responses. While a client has output pending, the
 * server waits for it to become writable and reads nothing more from it,
 * so a client that does not read cannot make the daemon buffer without
 * bound. A line that is not JSON gets an error answer and the client is
 * dropped once the answer is out. At most CTL_CLIENTS_MAX clients at once;
 * one more is told so and closed.
 *
 * At start, ctl_open() creates the socket's directory (0755), refuses to
 * start when another daemon answers on the socket, removes a stale socket
 * file, and applies the state (cmd_load()).
 *
 * The same epoll instance holds the DHCP servers' sockets and timer
 * (dhcpd.c); ctl_run() passes their events on, and brings the servers in
 * line with the configuration after every request (dhcpd_sync()).
 */
#define _GNU_SOURCE		/* accept4() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"
#include "dhcpd.h"
#include "log.h"

#define CTL_CLIENTS_MAX 64	/* clients connected at once */
#define CTL_EVENTS 32		/* epoll events handled per ctl_run() pass */
#define CTL_RUN_PASSES 4	/* passes per ctl_run(): then back to packets */

/**
 * struct ctl_client - one connection
 * @fd:		socket, -1 when the slot is free
 * @in:		bytes received, CTL_REQ_MAX of room
 * @inlen:	bytes at @in
 * @out:	responses not yet sent
 * @outlen:	bytes at @out
 * @outoff:	bytes of @out already sent
 * @outcap:	room at @out
 * @closing:	drop once @out is sent (protocol error or end of input)
 */
struct ctl_client {
	int fd;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	bool closing;
};

/**
 * struct ctl - the control layer
 * @x:		commands' context: engine, datapath, configuration
 * @epfd:	epoll instance of the listening socket and the clients
 * @lfd:	listening socket
 * @sock_path:	its path, removed at close
 * @cl:		clients
 */
struct ctl {
	struct cmd_ctx x;
	int epfd;
	int lfd;
	int wfd;	/* host address/route notifications */
	char wtag;	/* its epoll tag */
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client cl[CTL_CLIENTS_MAX];
};

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static int sock_open(struct ctl *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	struct stat st;
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg(LOG_ERR, "socket path %s is longer than %zu bytes; "
			"choose a shorter one", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		ret = mkdir_p(dir, 0755);
		if (ret) {
			log_msg(LOG_ERR, "cannot create directory %s: %s", dir,
				strerror(-ret));
			return ret;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			log_msg(LOG_ERR, "%s exists and is not a socket; "
				"remove it or choose another socket path", path);
			ret = -EEXIST;
			goto fail;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    errno == EAGAIN) {
			log_msg(LOG_ERR, "another hostnatd answers on %s; stop "
				"it first", path);
			ret = -EADDRINUSE;
			goto fail;
		}
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd < 0)
			return -errno;
		unlink(path);	/* stale: its daemon is gone */
	}
	old = umask(0177);	/* the socket file is created 0600 */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || listen(fd, CTL_CLIENTS_MAX)) {
		ret = -errno;
		log_msg(LOG_ERR, "cannot listen on %s: %s", path,
			strerror(-ret));
		goto fail;
	}
	c->lfd = fd;
	snprintf(c->sock_path, sizeof(c->sock_path), "%s", path);
	return 0;
fail:
	close(fd);
	return ret;
}

/**
 * ctl_open() - load the configuration, apply it, and open the API socket
 * @cp:		the new control layer
 * @nat:	the engine (empty)
 * @dp:		the datapath
 * @o:		options; NULL members take the defaults
 *
 * Errors are logged (log_msg()) with what failed and what to do; a corrupt
 * or unreadable state file is never overwritten.
 *
 * Return: 0, -errno
 */
int ctl_open(struct ctl **cp, struct nat *nat, struct dp *dp,
	     const struct ctl_opts *o)
{
	const char *dir = o && o->state_dir ? o->state_dir :
					      CTL_STATE_DIR_DEFAULT;
	const char *sock = o && o->sock_path ? o->sock_path :
					       CTL_SOCKET_DEFAULT;
	char err[CTL_ERR_MAX];
	struct epoll_event ev = { .events = EPOLLIN };
	struct ctl *c;
	unsigned i;
	int ret;

	*cp = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->epfd = -1;
	c->lfd = -1;
	c->wfd = -1;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		c->cl[i].fd = -1;
	c->x.nat = nat;
	c->x.dp = dp;
	if (snprintf(c->x.state_dir, sizeof(c->x.state_dir), "%s", dir) >=
	    (int)sizeof(c->x.state_dir)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	ret = mkdir_p(dir, 0755);
	if (ret) {
		log_msg(LOG_ERR, "cannot create state directory %s: %s", dir,
			strerror(-ret));
		goto fail;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = sock_open(c, sock);
	if (ret)
		goto fail;
	ev.data.ptr = NULL;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev)) {
		ret = -errno;
		goto fail;
	}
	c->wfd = dp_watch_open(dp);
	if (c->wfd >= 0) {
		struct epoll_event wev = { .events = EPOLLIN,
					   .data.ptr = &c->wtag };

		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->wfd, &wev))
			log_msg(LOG_WARNING, "cannot watch the host's "
				"addresses: %s", strerror(errno));
	}
	ret = dhcpd_open(&c->x.dhcpd, &c->x, c->epfd);
	if (ret) {
		log_msg(LOG_ERR, "cannot set up the DHCP servers' timer: %s",
			strerror(-ret));
		goto fail;
	}
	ret = cmd_load(&c->x, o ? o->default_network : false, err,
		       sizeof(err));
	if (ret) {
		log_msg(LOG_ERR, "%s", err);
		goto fail;
	}
	dhcpd_sync(c->x.dhcpd);
	*cp = c;
	return 0;
fail:
	ctl_close(c);
	return ret;
}

static void client_close(struct ctl *c, struct ctl_client *cl)
{
	(void)c;
	close(cl->fd);		/* also leaves the epoll set */
	free(cl->in);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/**
 * ctl_close() - close the API socket and free the control layer; the engine
 * and the kernel keep their configuration (the daemon tears them down)
 * @c:		control layer, or NULL
 */
void ctl_close(struct ctl *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd >= 0)
			client_close(c, &c->cl[i]);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->sock_path);
	}
	dhcpd_close(c->x.dhcpd);
	if (c->wfd >= 0)
		close(c->wfd);
	if (c->epfd >= 0)
		close(c->epfd);
	cmd_close(&c->x);
	free(c);
}

/**
 * ctl_fd() - the descriptor the daemon waits on (readable: call ctl_run())
 * @c:		control layer
 *
 * Return: an epoll file descriptor
 */
int ctl_fd(const struct ctl *c)
{
	return c->epfd;
}

static int out_append(struct ctl_client *cl, const char *s, size_t len)
{
	if (cl->outlen + len + 1 > cl->outcap) {
		size_t cap = cl->outcap ? cl->outcap : 4096;
		char *p;

		while (cap < cl->outlen + len + 1)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p)
			return -ENOMEM;
		cl->out = p;
		cl->outcap = cap;
	}
	memcpy(cl->out + cl->outlen, s, len);
	cl->outlen += len;
	cl->out[cl->outlen++] = '\n';
	return 0;
}

static int respond(struct ctl *c, struct ctl_client *cl, const char *line,
		   size_t len)
{
	bool drop;
	char *resp = cmd_handle(&c->x, line, len, &drop);
	int ret;

	dhcpd_sync(c->x.dhcpd);
	if (!resp) {
		static const char oom[] =
			"{\"ok\":false,\"error\":\"out of memory\"}";

		return out_append(cl, oom, sizeof(oom) - 1);
	}
	ret = out_append(cl, resp, strlen(resp));
	free(resp);
	if (drop)
		cl->closing = true;
	return ret;
}

/* wait for readable or, with output pending, writable only */
static void client_events(struct ctl *c, struct ctl_client *cl)
{
	struct epoll_event ev = {
		.events = cl->outoff < cl->outlen ? EPOLLOUT : EPOLLIN,
		.data.ptr = cl,
	};

	epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
}

/* send what is pending; 0 when done or blocked, -errno when broken */
static int client_flush(struct ctl_client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t n = send(cl->fd, cl->out + cl->outoff,
				 cl->outlen - cl->outoff, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		cl->outoff += (size_t)n;
	}
	cl->outoff = cl->outlen = 0;
	return 0;
}

/* answer every complete line in the input buffer */
static int client_lines(struct ctl *c, struct ctl_client *cl)
{
	size_t start = 0;
	char *nl;
	int ret = 0;

	while (!cl->closing &&
	       (nl = memchr(cl->in + start, '\n', cl->inlen - start))) {
		size_t len = (size_t)(nl - (cl->in + start));

		if (len && cl->in[start + len - 1] == '\r')
			len--;
		if (len)
			ret = respond(c, cl, cl->in + start, len);
		start = (size_t)(nl - cl->in) + 1;
		if (ret)
			break;
	}
	memmove(cl->in, cl->in + start, cl->inlen - start);
	cl->inlen -= start;
	if (!cl->closing && cl->inlen == CTL_REQ_MAX) {
		char msg[96];

		snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"request "
			 "is longer than %d bytes\"}", CTL_REQ_MAX - 1);
		ret = out_append(cl, msg, strlen(msg));
		cl->closing = true;
	}
	return ret;
}

static void client_read(struct ctl *c, struct ctl_client *cl)
{
	ssize_t n;

	if (!cl->in) {
		cl->in = malloc(CTL_REQ_MAX);
		if (!cl->in)
			goto drop;
	}
	n = recv(cl->fd, cl->in + cl->inlen, CTL_REQ_MAX - cl->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 && cl->inlen < CTL_REQ_MAX)
		cl->in[cl->inlen++] = '\n';	/* end of input: answer it */
	else if (n > 0)
		cl->inlen += (size_t)n;
	if (client_lines(c, cl))
		goto drop;
	if (n <= 0)
		cl->closing = true;
	return;
drop:
	cl->closing = true;
	cl->outoff = cl->outlen = 0;
}

static void client_accept(struct ctl *c)
{
	static const char full[] = "{\"ok\":false,\"error\":\"too many "
				   "clients: 64 is the limit; try again "
				   "later\"}\n";
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned i;
	int fd;

	fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd < 0)
			break;
	if (i == CTL_CLIENTS_MAX) {
		if (send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL) < 0)
			log_msg(LOG_DEBUG, "client refused: %s",
				strerror(errno));
		close(fd);
		return;
	}
	ev.data.ptr = &c->cl[i];
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return;
	}
	c->cl[i].fd = fd;
}

/**
 * ctl_run() - handle what is ready on the API socket, without blocking
 * @c:		control layer
 */
void ctl_run(struct ctl *c)
{
	struct epoll_event ev[CTL_EVENTS];
	unsigned pass;
	int n, i;

	for (pass = 0; pass < CTL_RUN_PASSES; pass++) {
		n = epoll_wait(c->epfd, ev, CTL_EVENTS, 0);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			struct ctl_client *cl = ev[i].data.ptr;

			if (!cl) {
				client_accept(c);
				continue;
			}
			if (ev[i].data.ptr == &c->wtag) {
				if (dp_watch_drain(c->wfd))
					cmd_host_changed(&c->x);
				continue;
			}
			if (dhcpd_event(c->x.dhcpd, cl))
				continue;
			if (cl->fd < 0)
				continue;
			if (ev[i].events & EPOLLIN)
				client_read(c, cl);
			if (client_flush(cl) ||
			    (cl->closing && cl->outoff == cl->outlen) ||
			    (ev[i].events & (EPOLLERR | EPOLLHUP) &&
			     !(ev[i].events & EPOLLIN))) {
				client_close(c, cl);
				continue;
			}
			client_events(c, cl);
		}
	}
}

/**
 * ctl_request() - answer one request line as if a client had sent it (for
 * tests and tools: no socket involved)
 * @c:		control layer
 * @line:	the request, without newline
 * @len:	bytes at @line
 *
 * Return: the response line without newline (free() it), NULL if out of
 * memory
 */
char *ctl_request(struct ctl *c, const char *line, size_t len)
{
	bool drop;
	char *resp = cmd_handle(&c->x, line, len, &drop);

	dhcpd_sync(c->x.dhcpd);
	return resp;
}

/**
 * ctl_now_ms() - the clock the control layer hands to the engine
 * (nat_session_walk()): CLOCK_MONOTONIC in milliseconds; the daemon must
 * give nat_process() and nat_poll() the same clock
 *
 * Return: milliseconds
 */
uint64_t ctl_now_ms(void)
{
	return cmd_now_ms();
}
