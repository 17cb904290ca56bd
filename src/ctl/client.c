/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - client.c: one request to hostnatd's API socket
 *
 * Theory of operation
 * -------------------
 * The CLI (src/cli/hostnat.c) and the CNI plugin (src/cni/hostnat-cni.c)
 * speak to hostnatd the same way (docs/PROTOCOL.md): connect to the Unix
 * stream socket, send one request line {"cmd": ..., "args": {...}}, read
 * one answer line, a JSON object whose "ok" says whether the request was
 * done; a refusal carries "error" and "errno". This file is that
 * exchange, once: client_call() for a request and its answer,
 * client_connect() and client_send() for a caller that reads on (the
 * CLI's monitor, whose events follow the answer on the same socket).
 *
 * Limits: an answer line is read up to the caller's @max bytes (past it
 * -EMSGSIZE); with a timeout, every send and receive waits at most that
 * long (SO_SNDTIMEO, SO_RCVTIMEO), the CNI plugin's guard against a hung
 * daemon; the CLI waits as long as it takes. The messages say what
 * failed with the socket's path, for the caller to print with its own
 * prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

#define CLIENT_LINE_START 65536	/* bytes, the first buffer of an answer */

/* @len bytes of @buf on @fd, however the kernel cuts them: 0 or -errno */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * client_recv_line() - read one line (the answer) from @fd
 * @fd:		connected socket
 * @max:	bytes at most; a longer line is -EMSGSIZE
 * @line:	the line without its newline, NUL-terminated (free() it)
 *
 * Return: 0, or a negative errno (-ECONNRESET when the peer closed first)
 */
int client_recv_line(int fd, size_t max, char **line)
{
	size_t len = 0, cap = CLIENT_LINE_START;
	char *buf = malloc(cap), *p;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			if (cap >= max) {
				free(buf);
				return -EMSGSIZE;
			}
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n ? -errno : -ECONNRESET;
		}
		buf[len + (size_t)n] = '\0';
		p = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (p) {
			*p = '\0';
			*line = buf;
			return 0;
		}
	}
}

/**
 * client_connect() - connect to hostnatd's API socket
 * @sock:	the socket's path
 * @timeout_s:	s each send and receive may wait, 0 for no limit
 * @e:		why not (cleared first)
 *
 * Return: the descriptor, or a negative errno with @e filled (a path too
 * long for a Unix socket is not @e->unreachable: the caller's mistake)
 */
int client_connect(const char *sock, unsigned timeout_s, struct client_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = (time_t)timeout_s };
	size_t len = strlen(sock);
	int fd, err;

	memset(e, 0, sizeof(*e));
	if (len >= sizeof(sa.sun_path)) {
		snprintf(e->msg, sizeof(e->msg), "socket path %s is too long",
			 sock);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, sock, len + 1);
	e->unreachable = true;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    (timeout_s &&
	     (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		snprintf(e->msg, sizeof(e->msg), "cannot reach hostnatd at %s: "
			 "%s; is hostnatd running?", sock, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	e->unreachable = false;
	return fd;
}

/**
 * client_send() - send one request line
 * @fd:		connected socket
 * @cmd:	the command ("network.list")
 * @args:	its arguments (borrowed), NULL for none
 *
 * Return: 0 or a negative errno
 */
int client_send(int fd, const char *cmd, json_t *args)
{
	json_t *req = json_pack("{s:s, s:o}", "cmd", cmd, "args",
				args ? json_incref(args) : json_object());
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int err = text ? send_all(fd, text, strlen(text)) : -ENOMEM;

	if (!err)
		err = send_all(fd, "\n", 1);
	free(text);
	json_decref(req);
	return err;
}

/**
 * client_call() - one request to hostnatd and its answer
 * @sock:	the API socket's path
 * @timeout_s:	s each send and receive may wait, 0 for no limit
 * @max:	bytes of the answer at most
 * @cmd:	the command
 * @args:	its arguments (borrowed), NULL for none
 * @resp:	the answer, an object with "ok" true (json_decref() it);
 *		NULL on failure
 * @e:		why there is no answer: unreachable, refused or neither
 *
 * Return: 0, or a negative errno with @e filled (-EREMOTEIO: refused)
 */
int client_call(const char *sock, unsigned timeout_s, size_t max,
		const char *cmd, json_t *args, json_t **resp,
		struct client_err *e)
{
	json_t *r = NULL;
	json_error_t jerr;
	char *line = NULL;
	int fd, ret;

	*resp = NULL;
	fd = client_connect(sock, timeout_s, e);
	if (fd < 0)
		return fd;
	ret = client_send(fd, cmd, args);
	if (!ret)
		ret = client_recv_line(fd, max, &line);
	if (ret) {
		e->unreachable = true;
		snprintf(e->msg, sizeof(e->msg), "talking to hostnatd at %s "
			 "failed: %s", sock, strerror(-ret));
		goto out;
	}
	r = json_loads(line, 0, &jerr);
	if (!json_is_object(r)) {
		e->unreachable = true;
		snprintf(e->msg, sizeof(e->msg), "hostnatd at %s sent an "
			 "answer that is not a JSON object: %s", sock,
			 jerr.text);
		ret = -EIO;
		goto out;
	}
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char *m = json_string_value(json_object_get(r, "error"));
		const char *n = json_string_value(json_object_get(r, "errno"));

		e->refused = true;
		snprintf(e->msg, sizeof(e->msg), "%s", m ? m : "");
		snprintf(e->errno_name, sizeof(e->errno_name), "%s",
			 n ? n : "");
		ret = -EREMOTEIO;
		goto out;
	}
	*resp = r;
	r = NULL;
out:
	close(fd);
	free(line);
	json_decref(r);
	return ret;
}
