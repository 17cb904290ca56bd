// SPDX-License-Identifier: GPL-2.0-or-later
/* hostnat - fuzz_req.c: libFuzzer target for the API request parser
 *
 * Theory of operation
 * -------------------
 * An input is one request line as a client sends it (without the newline)
 * and goes to ctl_req_parse() (src/ctl/req.c), the first code that sees
 * what a client writes to the API socket. Checked with abort():
 *  - the result is 0, -EINVAL, -EPROTO or -ENOMEM;
 *  - a refusal comes with a one-line message that fits its buffer; a
 *    success leaves the message alone;
 *  - a request that parses names a command in range, and what it carries
 *    obeys the grammar: a network name passes parse_name(), a session page
 *    is 1 to CTL_PAGE_MAX sessions, counts of prefixes and external
 *    addresses fit their arrays, a protocol is a known one;
 *  - parsing the same line again gives the same request, byte for byte.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *why, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_req: %s\ninput: %.*s\n", why, (int)size,
		(const char *)data);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_req r, r2;
	char err[CTL_ERR_MAX], err2[CTL_ERR_MAX], perr[CTL_ERR_MAX];
	int ret, ret2;

	memset(err, 0x5a, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	ret = ctl_req_parse((const char *)data, size, &r, err, sizeof(err));
	if (ret && ret != -EINVAL && ret != -EPROTO && ret != -ENOMEM)
		die("unexpected return value", data, size);
	if (ret && (!err[0] || strlen(err) >= sizeof(err)))
		die("refusal without a message", data, size);
	if (!ret) {
		if ((unsigned)r.cmd >= CMD_N ||
		    !strcmp(ctl_cmd_name(r.cmd), "?"))
			die("command out of range", data, size);
		if (r.has_net && parse_name(r.net, perr, sizeof(perr)))
			die("network name that parse_name() refuses", data,
			    size);
		if (r.cmd == CMD_SESSION_LIST &&
		    (r.limit < 1 || r.limit > CTL_PAGE_MAX))
			die("session page size out of range", data, size);
		if (r.nprefix > DP_NET_PREFIXES || r.next > CTL_NET_EXT_MAX)
			die("list longer than its array", data, size);
		if (r.has_proto && r.proto >= NAT_NPROTO)
			die("protocol out of range", data, size);
	}
	ret2 = ctl_req_parse((const char *)data, size, &r2, err2,
			     sizeof(err2));
	if (ret2 != ret || (!ret && memcmp(&r, &r2, sizeof(r))) ||
	    (ret && strcmp(err, err2)))
		die("a second parse differs", data, size);
	return 0;
}
