/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - client.h: one request to hostnatd's API socket, for the CLI
 * and the CNI plugin
 */
#ifndef HOSTNAT_CLIENT_H
#define HOSTNAT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "req.h"

#define CLIENT_ERR_MAX (CTL_ERR_MAX + 128) /* bytes of a client's message */

/**
 * struct client_err - why a request did not give a result
 * @unreachable:	hostnatd could not be reached or did not answer
 * @refused:		hostnatd answered and refused
 * @errno_name:		hostnatd's "errno" when it refused ("ENOENT"), or ""
 * @msg:		the message: hostnatd's "error" when it refused (""
 *			when it gave none), else what failed and where
 */
struct client_err {
	bool unreachable;
	bool refused;
	char errno_name[32];
	char msg[CLIENT_ERR_MAX];
};

int client_connect(const char *sock, unsigned timeout_s, struct client_err *e);
int client_send(int fd, const char *cmd, json_t *args);
int client_recv_line(int fd, size_t max, char **line);
int client_call(const char *sock, unsigned timeout_s, size_t max,
		const char *cmd, json_t *args, json_t **resp,
		struct client_err *e);

#endif /* HOSTNAT_CLIENT_H */
