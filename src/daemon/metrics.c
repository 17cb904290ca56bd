/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - metrics.c: hostnatd --metrics ADDR:PORT, /metrics over HTTP
 *
 * Theory of operation
 * -------------------
 * Off unless asked for; given a port alone it listens on 127.0.0.1. One
 * libmicrohttpd daemon without threads of its own: its epoll descriptor
 * sits in hostnatd's event loop (metrics_fd()), and metrics_run() lets it
 * work when that descriptor is ready and on every tick (its timeouts). A
 * GET of /metrics asks the control layer for "stats" as any client would
 * (ctl_request()) and answers with prom_print()'s text; anything else is
 * 404 (another path) or 405 (another method). It serves at most
 * METRICS_CONNS connections, METRICS_PER_IP of them from one address, and
 * drops one idle for METRICS_IDLE_S: a scraper cannot hold the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "ctl.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "prom.h"

#define METRICS_CONNS 16
#define METRICS_PER_IP 4
#define METRICS_IDLE_S 10

struct metrics {
	struct MHD_Daemon *d;
	struct ctl *ctl;
};

/* the stats as Prometheus text, malloc'd; NULL on failure */
static char *metrics_text(struct ctl *ctl, size_t *len)
{
	static const char req[] = "{\"cmd\":\"stats\"}";
	char *line = ctl_request(ctl, req, sizeof(req) - 1), *buf = NULL;
	json_t *resp = line ? json_loads(line, 0, NULL) : NULL;
	FILE *f;

	free(line);
	if (!resp || !json_is_true(json_object_get(resp, "ok")))
		goto out;
	f = open_memstream(&buf, len);
	if (!f)
		goto out;
	prom_print(f, json_object_get(resp, "result"));
	if (fclose(f)) {
		free(buf);
		buf = NULL;
	}
out:
	json_decref(resp);
	return buf;
}

/* libmicrohttpd's handler: GET /metrics answered, anything else refused */
static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	const char *msg;
	unsigned code;
	enum MHD_Result ret;
	size_t len = 0;
	char *text = NULL;

	(void)version;
	(void)upload;
	if (!*state) {		/* headers only, so far */
		*state = m;
		return MHD_YES;
	}
	if (*upload_len) {	/* a body: not ours to read */
		*upload_len = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		msg = "only GET /metrics\n";
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
		msg = "hostnatd serves /metrics only\n";
	} else if (!(text = metrics_text(m->ctl, &len))) {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		msg = "hostnatd could not read its counters\n";
	} else {
		code = MHD_HTTP_OK;
		msg = NULL;
	}
	if (text)
		r = MHD_create_response_from_buffer(len, text,
						    MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(strlen(msg), (void *)msg,
						    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				text ? "text/plain; version=0.0.4; "
				       "charset=utf-8" : "text/plain");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

/**
 * metrics_parse() - read --metrics: PORT or ADDR:PORT (IPv4)
 * @s:		the value
 * @sa:		filled in (127.0.0.1 for a port alone)
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int metrics_parse(const char *s, struct sockaddr_in *sa, char *err,
		  size_t errlen)
{
	uint32_t addr = INADDR_LOOPBACK;
	uint16_t port;

	if (strchr(s, ':') ? parse_addr_port("--metrics", s, &addr, &port,
					     err, errlen) :
			     parse_port("--metrics", s, &port, err, errlen))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(addr);
	sa->sin_port = htons(port);
	return 0;
}

/**
 * metrics_open() - listen for scrapes
 * @mp:		the server, on success
 * @sa:		where to listen
 * @ctl:	the control layer to ask
 *
 * Return: 0, -errno
 */
int metrics_open(struct metrics **mp, const struct sockaddr_in *sa,
		 struct ctl *ctl)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->ctl = ctl;
	m->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO, 0, NULL, NULL,
				answer, m,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)METRICS_CONNS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)METRICS_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)METRICS_IDLE_S,
				MHD_OPTION_END);
	if (!m->d) {
		int ret = errno ? -errno : -EADDRINUSE;

		free(m);
		return ret;
	}
	*mp = m;
	return 0;
}

/**
 * metrics_fd() - the descriptor that is readable when the server has work
 * @m:		server
 *
 * Return: an epoll descriptor, or -1
 */
int metrics_fd(const struct metrics *m)
{
	const union MHD_DaemonInfo *i =
		MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

/**
 * metrics_run() - answer what is ready, time out idle connections
 * @m:		server
 */
void metrics_run(struct metrics *m)
{
	MHD_run(m->d);
}

/**
 * metrics_close() - stop listening
 * @m:		server, or NULL
 */
void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
