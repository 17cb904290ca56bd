/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - opt.h: the options of the CLI's commands, one table each
 */
#ifndef HOSTNAT_OPT_H
#define HOSTNAT_OPT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/**
 * enum opt_kind - what the value of an option (or a positional word) is:
 * which parser of src/ctl/parse.c checks it, how it goes into the request,
 * its placeholder in the usage text and what completes it
 */
enum opt_kind {
	OPT_NAME = 0,	/* a network name: parse_name() */
	OPT_ADDR,	/* an IPv4 address: parse_addr() */
	OPT_CIDR,	/* ADDR/LEN: parse_cidr() */
	OPT_PORTS,	/* PORT[-LAST]: parse_ports(); one port as a number */
	OPT_RANGE,	/* LOW-HIGH: parse_range() */
	OPT_ADDR_PORTS,	/* ADDR:PORT[-LAST]: parse_addr_ports() */
	OPT_MAC,	/* parse_mac() */
	OPT_IFNAME,	/* an interface of the host: parse_ifname() */
	OPT_NSIF,	/* an interface inside a namespace: parse_ifname() */
	OPT_EXT,	/* IFNAME|ADDR: ctl_ext_spec_parse() */
	OPT_OWNER,	/* a container id: parse_owner() */
	OPT_NETNS,	/* a namespace name or path: parse_netns() */
	OPT_PROTO,	/* tcp|udp: parse_proto() */
	OPT_PROTO_ANY,	/* tcp|udp|icmp: parse_proto() */
	OPT_LIMIT,	/* sessions per page, 1 to CTL_PAGE_MAX, as a number */
	OPT_CURSOR,	/* opaque, checked by the API (req.c) */
	OPT_ONOFF,	/* on|off, as a JSON boolean */
	OPT_CHOICE,	/* one of the words of its placeholder "a|b" */
	OPT_SET_KEY,	/* a setting of network set: parse_setting_key() */
	OPT_SET_VALUE,	/* its value: parse_setting_value() on "key" */
	OPT_FLAG,	/* no value: true */
	OPT_NKINDS
};

#define OPT_REQ (1u << 0)	/* bare in the usage: the API requires it */
#define OPT_REPEAT (1u << 1)	/* may come again: a JSON list, "..." */
#define OPT_LOCAL (1u << 2)	/* the CLI's own: into @local, not sent */
#define OPT_NEW (1u << 3)	/* a new name: nothing to complete */
#define OPT_ALT (1u << 4)	/* also in the second form ("A | B"), optional */
#define OPT_ALT_ONLY (1u << 5)	/* only in the second form, bare there */

#define OPT_MAX 16		/* rows of one table at most */

/**
 * struct opt - an option of a command, or its next positional word
 * @name:	"--mac"; NULL for a positional word (they come in table order)
 * @kind:	what its value is
 * @key:	its argument of the API request ("mac"), or of @local
 * @flags:	OPT_REQ, OPT_REPEAT, OPT_LOCAL, OPT_NEW, OPT_ALT, OPT_ALT_ONLY
 * @meta:	its placeholder in the usage text; NULL: the kind's
 *
 * A table ends with a row whose @key is NULL.
 */
struct opt {
	const char *name;
	enum opt_kind kind;
	const char *key;
	unsigned flags;
	const char *meta;
};

#define OPT_EINVAL 1	/* opt_parse(): a usage error, show the usage */
#define OPT_EDUP 2	/* opt_parse(): an option given twice, one line */

const char *opt_meta(const struct opt *o);
const struct opt *opt_find(const struct opt *t, const char *name);
void opt_usage(const struct opt *t, char *buf, size_t len);
int opt_parse(const struct opt *t, const struct opt *common, int argc,
	      char **argv, json_t *args, json_t *local, char *err,
	      size_t errlen);
int opt_req_check(const struct opt *t, const char *api, const char *words,
		  json_t *args, char *err, size_t errlen);

#endif /* HOSTNAT_OPT_H */
