/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ctl.c: the API socket
 *
 * Theory of operation
 * -------------------
 * hostnatd serves its API on a Unix stream socket (mode 0600: root only).
 * A client writes requests, one JSON object per line, and reads one
 * response line for each, in order (docs/PROTOCOL.md). The server never
 * blocks: ctl_fd() is an epoll instance of its own holding the listening
 * socket and every client, which the daemon adds to its event loop;
 * ctl_run() then handles whatever is ready and returns.
 *
 * The daemon has one thread: the time spent here is time the packets
 * wait. So the server bounds what any client can make it do at once:
 *  - one request per event per client: a client that sends many lines in
 *    one go has them answered one by one, as its socket takes the
 *    answers, between packet bursts;
 *  - session.list is made in slices (session_step(): CTL_SLICE_SLOTS
 *    slots of the session table, CTL_SLICE_SESSIONS sessions) while less
 *    than CTL_OUT_LOW bytes wait to be sent, so a page of any size costs
 *    little memory and no long pause;
 *  - ctl_run() stops after CTL_RUN_BUDGET_US of work; epoll is level
 *    triggered, the rest is done on the next call;
 *  - output waiting to be sent is capped: a client that does not read
 *    while its answers pile up past CTL_OUT_MAX is dropped (logged once);
 *    one answer alone may be bigger (it is sent in full);
 *  - a client that sends no complete request, or reads nothing of its
 *    answers, for CTL_IDLE_TIMEOUT_MS is dropped (a 1 s timer looks);
 *  - at most CTL_CLIENTS_MAX clients: when a new one finds every slot
 *    taken, the client idle the longest (nothing asked, nothing to send)
 *    gives its slot up, else one whose answer has not moved for
 *    CTL_STALL_MS; only when all are busy and moving is the new one told
 *    "busy". So idle connections cannot lock the CLI out.
 * Per client: an input buffer of CTL_REQ_MAX bytes (a longer request is
 * answered with an error and the client dropped) and an output queue. A
 * line that is not JSON gets an error answer and the client is dropped
 * once the answer is out; at end of input, what was sent is answered.
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
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"
#include "dhcpd.h"
#include "log.h"

#define CTL_CLIENTS_MAX 64	/* clients connected at once */
#define CTL_EVENTS 32		/* epoll events handled per ctl_run() pass */
#define CTL_RUN_PASSES 4	/* passes per ctl_run(): then back to packets */
#define CTL_RUN_BUDGET_US 1000	/* us of work per ctl_run(), one request or
				 * slice may go over */
#define CTL_OUT_MAX (1u << 20)	/* bytes queued per client behind unsent
				 * answers: more and the client is dropped */
#define CTL_OUT_LOW (64u << 10)	/* bytes: a session page goes on below */
#define CTL_OUT_KEEP (64u << 10) /* bytes of output buffer kept when idle */
#define CTL_SLICE_SLOTS 4096	/* session table slots per slice */
#define CTL_SLICE_SESSIONS 16	/* sessions formatted per slice */
#define CTL_IDLE_TIMEOUT_MS 30000 /* ms without a request or a read */
#define CTL_STALL_MS 1000	/* ms: a busy client that long without
				 * progress may give its slot to a new one */
#define CTL_TICK_MS 1000	/* ms between looks for idle clients */
#define CTL_LOG_EVERY_MS 10000	/* ms: slot evictions logged at most so often */
#define CTL_MON_MAX (256u << 10) /* bytes of events queued per monitor: more
				  * are lost (counted, told when it reads) */

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
 * @eof:	the client shut its side: answer what is buffered, then drop
 * @paging:	a session.list page is being made (@it)
 * @first:	no session of the page is out yet (no comma before the next)
 * @it:		the page
 * @active_ms:	last complete request or bytes sent (ctl_now_ms())
 * @events:	the epoll events asked for now
 * @local:	no socket (ctl_request()): all output stays queued, no cap
 * @monitor:	subscribed to events ("monitor"): takes no more requests
 * @mon_lost:	events that did not fit its queue, not told yet
 */
struct ctl_client {
	int fd;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	bool closing;
	bool eof;
	bool paging;
	bool first;
	struct session_iter it;
	uint64_t active_ms;
	uint32_t events;
	bool local;
	bool monitor;
	uint64_t mon_lost;
};

/**
 * struct ctl - the control layer
 * @x:		commands' context: engine, datapath, configuration
 * @epfd:	epoll instance of the listening socket and the clients
 * @lfd:	listening socket
 * @wfd:	host address/route notifications
 * @wtag:	its epoll tag
 * @tfd:	timer for idle clients (CTL_TICK_MS)
 * @ttag:	its epoll tag
 * @sock_path:	its path, removed at close
 * @evict_log_ms: when a slot eviction was last logged
 * @evicted:	evictions not logged since
 * @cl:		clients
 */
struct ctl {
	struct cmd_ctx x;
	int epfd;
	int lfd;
	int wfd;
	char wtag;
	int tfd;
	char ttag;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint64_t evict_log_ms;
	unsigned evicted;
	struct ctl_client cl[CTL_CLIENTS_MAX];
};

static void mon_emit(void *ctx, const char *line);

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

/*
 * Listen on the API socket at @path, mode 0600, its directory made; a
 * stale socket (nobody answers) is replaced, a live one or another file
 * refused.
 */
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

/* the idle clients' timer, in the same epoll instance */
static int timer_open(struct ctl *c)
{
	struct itimerspec it = {
		.it_interval = { .tv_sec = CTL_TICK_MS / 1000,
				 .tv_nsec = (CTL_TICK_MS % 1000) * 1000000L },
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ttag };

	it.it_value = it.it_interval;
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->tfd < 0 || timerfd_settime(c->tfd, 0, &it, NULL) ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->tfd, &ev)) {
		log_msg(LOG_ERR, "cannot set up the API's idle timer: %s",
			strerror(errno));
		return -errno;
	}
	return 0;
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
	c->tfd = -1;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		c->cl[i].fd = -1;
	c->x.nat = nat;
	c->x.dp = dp;
	c->x.emit = mon_emit;
	c->x.emit_ctx = c;
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
	ret = timer_open(c);
	if (ret)
		goto fail;
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
	if (cl->monitor && c->x.monitors)
		c->x.monitors--;
	close(cl->fd);		/* also leaves the epoll set */
	free(cl->in);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/**
 * ctl_handover_save() - a clean stop: write the engine's sessions down for
 * the next daemon (handover.c)
 * @c:		control layer
 *
 * Return: sessions written, or -errno (logged)
 */
long ctl_handover_save(struct ctl *c)
{
	return handover_save(c->x.nat, c->x.state_dir);
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
	if (c->tfd >= 0)
		close(c->tfd);
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

static size_t queued(const struct ctl_client *cl)
{
	return cl->outlen - cl->outoff;
}

/* queue @len bytes (and a newline when @nl); -ENOBUFS when the client has
 * not read its earlier answers and this would pass CTL_OUT_MAX */
static int out_put(struct ctl_client *cl, const char *s, size_t len, bool nl)
{
	size_t need = len + nl;

	if (!cl->local && queued(cl) && queued(cl) + need > CTL_OUT_MAX)
		return -ENOBUFS;
	if (cl->outoff && cl->outlen + need > cl->outcap) {
		memmove(cl->out, cl->out + cl->outoff, queued(cl));
		cl->outlen -= cl->outoff;
		cl->outoff = 0;
	}
	if (cl->outlen + need > cl->outcap) {
		size_t cap = cl->outcap ? cl->outcap : 4096;
		char *p;

		while (cap < cl->outlen + need)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p)
			return -ENOMEM;
		cl->out = p;
		cl->outcap = cap;
	}
	memcpy(cl->out + cl->outlen, s, len);
	cl->outlen += len;
	if (nl)
		cl->out[cl->outlen++] = '\n';
	return 0;
}

static int out_line(struct ctl_client *cl, const char *s)
{
	return out_put(cl, s, strlen(s), true);
}

/* a session of the page being made, comma first but for the first */
static int page_session(json_t *o, void *ctx)
{
	struct ctl_client *cl = ctx;
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = cl->first ? 0 : out_put(cl, ",", 1, false);
	if (!ret)
		ret = out_put(cl, s, strlen(s), false);
	free(s);
	cl->first = false;
	return ret;
}

/* one slice of the page; at its end, the closing brackets and "next" */
static int page_slice(struct ctl *c, struct ctl_client *cl, uint32_t slots,
		      uint32_t max)
{
	char tail[32 + CTL_CURSOR_MAX];
	int ret = session_step(&c->x, &cl->it, slots, max, page_session,
				   cl);

	if (ret <= 0)
		return ret;
	if (cl->it.end)
		snprintf(tail, sizeof(tail), "]}");
	else
		snprintf(tail, sizeof(tail), "],\"next\":\"%" PRIu32 "\"}",
			 cl->it.next);
	cl->paging = false;
	return out_line(cl, tail);
}

/* answer one request line: a session page is begun, the rest answered */
static int respond(struct ctl *c, struct ctl_client *cl, const char *line,
		   size_t len)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}";
	char err[CTL_ERR_MAX];
	struct ctl_req *r = malloc(sizeof(*r));
	bool drop, parsed, mon;
	char *resp;
	int ret;

	parsed = r && !ctl_req_parse(line, len, r, err, sizeof(err));
	mon = parsed && r->cmd == CMD_MONITOR;
	if (parsed && r->cmd == CMD_SESSION_LIST &&
	    !session_begin(&c->x, r, &cl->it)) {
		free(r);
		cl->paging = true;
		cl->first = true;
		return out_put(cl, "{\"ok\":true,\"result\":[", 21, false);
	}
	free(r);
	/* anything else, and every refusal, as cmd_handle() answers it */
	resp = cmd_handle(&c->x, line, len, &drop);
	dhcpd_sync(c->x.dhcpd);
	if (!resp)
		return out_line(cl, oom);
	ret = out_line(cl, resp);
	free(resp);
	if (drop)
		cl->closing = true;
	if (!ret && mon && !cl->local && !cl->monitor) {
		/* from now on the connection carries events (events.c) */
		cl->monitor = true;
		c->x.monitors++;
		nat_events_enable(c->x.nat, true);
	}
	return ret;
}

/* a complete line waits in the input buffer */
static bool has_line(const struct ctl_client *cl)
{
	return cl->inlen && memchr(cl->in, '\n', cl->inlen);
}

/* nothing asked, nothing to send: may give its slot to a new client */
static bool client_idle(const struct ctl_client *cl)
{
	return !cl->monitor && !queued(cl) && !cl->paging && !has_line(cl) && !cl->closing;
}

/* readable while there is room for input; writable while there is
 * something to send or to do (a page, a buffered request) */
static void client_events(struct ctl *c, struct ctl_client *cl)
{
	struct epoll_event ev = { .data.ptr = cl };

	if (!cl->closing && !cl->eof && cl->inlen < CTL_REQ_MAX)
		ev.events |= EPOLLIN;
	if (queued(cl) || cl->paging || cl->closing || cl->mon_lost ||
	    (has_line(cl) && !cl->closing))
		ev.events |= EPOLLOUT;
	if (ev.events == cl->events)
		return;
	cl->events = ev.events;
	epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
}

/* send what is pending; 0 when done or blocked, -errno when broken */
static int client_flush(struct ctl_client *cl)
{
	while (queued(cl)) {
		ssize_t n = send(cl->fd, cl->out + cl->outoff, queued(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		cl->outoff += (size_t)n;
		cl->active_ms = ctl_now_ms();
	}
	cl->outoff = cl->outlen = 0;
	if (cl->outcap > CTL_OUT_KEEP) {	/* after one big answer */
		free(cl->out);
		cl->out = NULL;
		cl->outcap = 0;
	}
	return 0;
}

/* answer the first complete line of the input buffer, if there is one */
static int client_line(struct ctl *c, struct ctl_client *cl)
{
	char *nl = cl->inlen ? memchr(cl->in, '\n', cl->inlen) : NULL;
	size_t len, used;
	int ret = 0;

	char msg[96];

	if (!nl) {
		if (cl->inlen < CTL_REQ_MAX)
			return 0;
		snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"request "
			 "is longer than %d bytes\"}", CTL_REQ_MAX - 1);
		cl->closing = true;
		return out_line(cl, msg);
	}
	len = (size_t)(nl - cl->in);
	used = len + 1;
	if (len && cl->in[len - 1] == '\r')
		len--;
	cl->active_ms = ctl_now_ms();
	if (len)
		ret = respond(c, cl, cl->in, len);
	memmove(cl->in, cl->in + used, cl->inlen - used);
	cl->inlen -= used;
	return ret;
}

/* take what the socket holds, as far as there is room; 0 or -errno */
static int client_read(struct ctl_client *cl)
{
	ssize_t n;

	if (!cl->in) {
		cl->in = malloc(CTL_REQ_MAX);
		if (!cl->in)
			return -ENOMEM;
	}
	if (cl->inlen == CTL_REQ_MAX || cl->eof)
		return 0;
	n = recv(cl->fd, cl->in + cl->inlen, CTL_REQ_MAX - cl->inlen,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n > 0) {
		cl->inlen += (size_t)n;
		return 0;
	}
	/* end of input (or an error): answer what was sent, then drop */
	cl->eof = true;
	if (cl->inlen && cl->inlen < CTL_REQ_MAX &&
	    cl->in[cl->inlen - 1] != '\n')
		cl->in[cl->inlen++] = '\n';
	return 0;
}

static void client_drop(struct ctl *c, struct ctl_client *cl, int why)
{
	if (why == -ENOBUFS)
		log_msg(LOG_WARNING, "API client dropped: it does not read its "
			"answers (%zu bytes waiting, %u is the limit)",
			queued(cl), CTL_OUT_MAX);
	else if (why == -ETIMEDOUT)
		log_msg(LOG_INFO, "API client dropped: nothing asked or read "
			"for %d s", CTL_IDLE_TIMEOUT_MS / 1000);
	else if (why && why != -EPIPE && why != -ECONNRESET)
		log_msg(LOG_INFO, "API client dropped: %s", strerror(-why));
	client_close(c, cl);
}

/* "lost" first when events did not fit and the queue has room again */
static int mon_tell_lost(struct ctl_client *cl)
{
	char msg[64];

	if (!cl->mon_lost || queued(cl) > CTL_MON_MAX / 2)
		return 0;
	snprintf(msg, sizeof(msg), "{\"event\":\"lost\",\"count\":%" PRIu64
		 "}", cl->mon_lost);
	cl->mon_lost = 0;
	return out_line(cl, msg);
}

/* a monitor's event: its input is read and ignored (to see it go away),
 * what is queued sent */
static void monitor_event(struct ctl *c, struct ctl_client *cl, uint32_t ev)
{
	int ret = 0;

	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ret = client_read(cl);
	cl->inlen = 0;
	if (!ret)
		ret = client_flush(cl);
	if (!ret)
		ret = mon_tell_lost(cl);
	if (ret || cl->eof) {
		client_drop(c, cl, ret);
		return;
	}
	client_events(c, cl);
}

/* one event line for every monitor (cmd_ctx.emit): queued, or counted as
 * lost past CTL_MON_MAX; never a wait */
static void mon_emit(void *ctx, const char *line)
{
	struct ctl *c = ctx;
	size_t len = strlen(line);
	unsigned i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *cl = &c->cl[i];

		if (cl->fd < 0 || !cl->monitor)
			continue;
		if (cl->mon_lost || queued(cl) + len + 1 > CTL_MON_MAX ||
		    out_put(cl, line, len, true))
			cl->mon_lost++;
		client_events(c, cl);
	}
}

/* one event of a client: read, at most one request or page slice, send */
static void client_event(struct ctl *c, struct ctl_client *cl, uint32_t ev)
{
	int ret = 0;

	if (cl->monitor) {
		monitor_event(c, cl, ev);
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ret = client_read(cl);
	if (!ret && cl->paging) {
		if (queued(cl) < CTL_OUT_LOW)
			ret = page_slice(c, cl, CTL_SLICE_SLOTS,
					 CTL_SLICE_SESSIONS);
	} else if (!ret && !cl->closing) {
		ret = client_line(c, cl);
	}
	if (!ret)
		ret = client_flush(cl);
	if (ret || (!queued(cl) && !cl->paging &&
		    (cl->closing || (cl->eof && !has_line(cl))))) {
		client_drop(c, cl, ret);
		return;
	}
	client_events(c, cl);
}

/* every slot taken: the one to give its slot to a new client, or NULL */
static struct ctl_client *client_victim(struct ctl *c, uint64_t now)
{
	struct ctl_client *idle = NULL, *stalled = NULL;
	unsigned i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *cl = &c->cl[i];

		if (client_idle(cl)) {
			if (!idle || cl->active_ms < idle->active_ms)
				idle = cl;
		} else if (now - cl->active_ms >= CTL_STALL_MS) {
			if (!stalled || cl->active_ms < stalled->active_ms)
				stalled = cl;
		}
	}
	return idle ? idle : stalled;
}

/* a new client: a free slot, or the one idle the longest gives way to it;
 * with no slot at all, it is told "busy" and closed */
static void client_accept(struct ctl *c)
{
	static const char busy[] = "{\"ok\":false,\"error\":\"busy: 64 "
				   "clients are being answered; try again "
				   "later\"}\n";
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t now = ctl_now_ms();
	struct ctl_client *cl = NULL, *v;
	unsigned i;
	int fd;

	fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX && !cl; i++)
		if (c->cl[i].fd < 0)
			cl = &c->cl[i];
	if (!cl && (v = client_victim(c, now))) {
		c->evicted++;
		if (now - c->evict_log_ms >= CTL_LOG_EVERY_MS) {
			log_msg(LOG_NOTICE, "API: %d clients connected, the "
				"limit; %u gave their slot to a new client "
				"(the one idle or stalled the longest)",
				CTL_CLIENTS_MAX, c->evicted);
			c->evict_log_ms = now;
			c->evicted = 0;
		}
		client_close(c, v);
		cl = v;
	}
	if (!cl) {
		if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL) < 0)
			log_msg(LOG_DEBUG, "client refused: %s",
				strerror(errno));
		close(fd);
		return;
	}
	ev.data.ptr = cl;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->events = EPOLLIN;
	cl->active_ms = now;
}

/* the timer: drop clients that asked and read nothing for too long */
static void clients_expire(struct ctl *c)
{
	uint64_t now = ctl_now_ms(), ticks;
	unsigned i;

	if (read(c->tfd, &ticks, sizeof(ticks)) < 0)
		return;
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (c->cl[i].fd >= 0 && !c->cl[i].monitor &&
		    now - c->cl[i].active_ms >= CTL_IDLE_TIMEOUT_MS)
			client_drop(c, &c->cl[i], -ETIMEDOUT);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/**
 * ctl_run() - handle what is ready on the API socket, without blocking,
 * for about CTL_RUN_BUDGET_US at most
 * @c:		control layer
 */
void ctl_run(struct ctl *c)
{
	struct epoll_event ev[CTL_EVENTS];
	uint64_t start = now_us();
	unsigned pass;
	int n, i;

	ev_drain(&c->x);
	for (pass = 0; pass < CTL_RUN_PASSES; pass++) {
		n = epoll_wait(c->epfd, ev, CTL_EVENTS, 0);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			struct ctl_client *cl = ev[i].data.ptr;

			/* level triggered: what is left comes back */
			if (now_us() - start >= CTL_RUN_BUDGET_US)
				return;
			if (!cl) {
				client_accept(c);
				continue;
			}
			if (ev[i].data.ptr == &c->wtag) {
				unsigned any, links,
					 hc = dp_watch_drain(c->wfd, &any, &links);

				if (any)
					dp_routes_changed(c->x.dp);
				if (links)
					dp_links_changed(c->x.dp);
				if (hc)
					host_changed(&c->x);
				continue;
			}
			if (ev[i].data.ptr == &c->ttag) {
				clients_expire(c);
				if (c->x.host_again)
					host_changed(&c->x);
				continue;
			}
			if (dhcpd_event(c->x.dhcpd, cl))
				continue;
			if (cl->fd < 0)
				continue;
			client_event(c, cl, ev[i].events);
		}
	}
}

/**
 * ctl_events() - hand the engine's session events to the monitors; the
 * daemon calls it after each burst (cheap when nobody subscribes)
 * @c:		control layer
 */
void ctl_events(struct ctl *c)
{
	if (c->x.monitors)
		ev_drain(&c->x);
}

/**
 * ctl_request() - answer one request line as if a client had sent it (for
 * tests and tools: no socket involved; a session page is made in slices
 * as for a client)
 * @c:		control layer
 * @line:	the request, without newline
 * @len:	bytes at @line
 *
 * Return: the response line without newline (free() it), NULL if out of
 * memory
 */
char *ctl_request(struct ctl *c, const char *line, size_t len)
{
	struct ctl_client cl = { .fd = -1, .local = true };
	int ret = respond(c, &cl, line, len);

	while (!ret && cl.paging)
		ret = page_slice(c, &cl, CTL_SLICE_SLOTS, CTL_SLICE_SESSIONS);
	if (ret || !cl.outlen) {
		free(cl.out);
		return NULL;
	}
	cl.out[cl.outlen - 1] = '\0';	/* the newline */
	return cl.out;
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
