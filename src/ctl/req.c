/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - req.c: one API request line, parsed and validated
 *
 * Theory of operation
 * -------------------
 * A request is one line holding one JSON object:
 *
 *	{"cmd": "map.add", "args": {"network": "nat", "proto": "tcp", ...}}
 *
 * ctl_req_parse() turns it into a struct ctl_req or refuses it with one
 * line that names the offending value. It checks everything that can be
 * checked without the engine or the host: the command exists, every
 * argument is known to that command, has the right JSON type and a valid
 * value (parse.c), and the required ones are there. It has no side effect
 * and keeps no state, so it is the entry point for fuzzing the API.
 *
 * The commands and their arguments are one table (cmds[]): the argument
 * names of the protocol, which are required, and the function that reads
 * each. Arguments are read in table order, so that a later argument may
 * depend on an earlier one ("value" on "key" in network.set).
 *
 * Two kinds of refusal: -EPROTO when the line is no JSON object at all
 * (the server answers and then drops the client: it does not speak the
 * protocol), -EINVAL when it is a well-formed request with a bad value.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "req.h"

#define ARGS_MAX 8		/* arguments of one command at most */

typedef int (*arg_fn)(const char *key, json_t *v, struct ctl_req *r,
		      char *err, size_t errlen);

struct arg {
	const char *name;	/* argument name in "args" */
	arg_fn fn;		/* reads it into the request */
	bool required;		/* must be given */
};

struct cmd {
	const char *name;	/* "cmd" value */
	struct arg args[ARGS_MAX];
};

static const char *cur_cmd(const struct ctl_req *r);

static int want_string(const char *key, json_t *v, const struct ctl_req *r,
		       const char **s, char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		snprintf(err, errlen, "argument '%s' of %s must be a string",
			 key, cur_cmd(r));
		return -EINVAL;
	}
	*s = json_string_value(v);
	return 0;
}

static int a_net(const char *key, json_t *v, struct ctl_req *r, char *err,
		 size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_name(s, err, errlen);
	if (ret)
		return ret;
	snprintf(r->net, sizeof(r->net), "%s", s);
	r->has_net = true;
	return 0;
}

static int a_prefixes(const char *key, json_t *v, struct ctl_req *r,
		      char *err, size_t errlen)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || !json_array_size(v) ||
	    json_array_size(v) > DP_NET_PREFIXES) {
		snprintf(err, errlen, "argument '%s' of %s must be a list of 1 "
			 "to %d prefixes", key, cur_cmd(r), DP_NET_PREFIXES);
		return -EINVAL;
	}
	json_array_foreach(v, i, e) {
		const char *s;
		int ret = want_string(key, e, r, &s, err, errlen);

		if (!ret)
			ret = parse_cidr("prefix", s, &r->prefix[i],
					 &r->plen[i], err, errlen);
		if (ret)
			return ret;
	}
	r->nprefix = (unsigned)json_array_size(v);
	r->has_prefixes = true;
	return 0;
}

static int a_bridge(const char *key, json_t *v, struct ctl_req *r, char *err,
		    size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_ifname("bridge", s, err, errlen);
	if (ret)
		return ret;
	snprintf(r->bridge, sizeof(r->bridge), "%s", s);
	r->has_bridge = true;
	return 0;
}

static int a_gateway(const char *key, json_t *v, struct ctl_req *r,
		     char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_addr("gateway", s, &r->gateway, err, errlen);
	if (!ret)
		r->has_gateway = true;
	return ret;
}

/* true/false, or "on"/"off" */
static int a_dhcp(const char *key, json_t *v, struct ctl_req *r, char *err,
		  size_t errlen)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	if (json_is_boolean(v) || !strcmp(s, "on") || !strcmp(s, "off")) {
		r->dhcp = json_is_boolean(v) ? json_is_true(v) :
					       !strcmp(s, "on");
		r->has_dhcp = true;
		return 0;
	}
	snprintf(err, errlen, "argument '%s' of %s must be true or false (or "
		 "\"on\" or \"off\")", key, cur_cmd(r));
	return -EINVAL;
}

/**
 * ctl_ext_spec_parse() - read an external address as given: an IPv4
 * address, or an interface name (its primary IPv4 address)
 * @what:	what the value is, for the message
 * @s:		the text
 * @e:		filled in (ports untouched)
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int ctl_ext_spec_parse(const char *what, const char *s,
		       struct ctl_ext_spec *e, char *err, size_t errlen)
{
	char dummy[CTL_ERR_MAX];

	if (!parse_addr(what, s, &e->addr, dummy, sizeof(dummy))) {
		e->is_if = false;
		e->ifname[0] = '\0';
		return 0;
	}
	if (*s >= '0' && *s <= '9' && strchr(s, '.')) {
		/* looks like an address: say what is wrong with it */
		return parse_addr(what, s, &e->addr, err, errlen);
	}
	if (parse_ifname(what, s, dummy, sizeof(dummy))) {
		snprintf(err, errlen, "%s '%.64s' is neither an IPv4 address "
			 "nor an interface name", what, s);
		return -EINVAL;
	}
	e->is_if = true;
	e->addr = 0;
	snprintf(e->ifname, sizeof(e->ifname), "%s", s);
	return 0;
}

static int a_externals(const char *key, json_t *v, struct ctl_req *r,
		       char *err, size_t errlen)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > CTL_NET_EXT_MAX) {
		snprintf(err, errlen, "argument '%s' of %s must be a list of 0 "
			 "to %d addresses or interface names", key, cur_cmd(r),
			 CTL_NET_EXT_MAX);
		return -EINVAL;
	}
	json_array_foreach(v, i, e) {
		const char *s;
		int ret = want_string(key, e, r, &s, err, errlen);

		if (!ret)
			ret = ctl_ext_spec_parse("external", s, &r->ext[i],
						 err, errlen);
		if (ret)
			return ret;
		r->ext[i].has_ports = false;
	}
	r->next = (unsigned)json_array_size(v);
	r->has_externals = true;
	return 0;
}

static int a_external(const char *key, json_t *v, struct ctl_req *r,
		      char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = ctl_ext_spec_parse("external", s, &r->ext[0], err,
					 errlen);
	if (ret)
		return ret;
	r->ext[0].has_ports = false;
	r->next = 1;
	r->has_externals = true;
	return 0;
}

static int a_ports(const char *key, json_t *v, struct ctl_req *r, char *err,
		   size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_range("ports", s, &r->ext[0].lo, &r->ext[0].hi, err,
				  errlen);
	if (!ret)
		r->ext[0].has_ports = true;
	return ret;
}

static int a_key(const char *key, json_t *v, struct ctl_req *r, char *err,
		 size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_setting_key(s, &r->key, err, errlen);
	return ret;
}

/* a string, or a number for a timeout, or a boolean for an on/off */
static int a_value(const char *key, json_t *v, struct ctl_req *r, char *err,
		   size_t errlen)
{
	char buf[32];
	const char *s = buf;

	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v) && parse_setting_is_number(r->key))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_boolean(v) && parse_setting_is_bool(r->key))
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "on" : "off");
	else {
		snprintf(err, errlen, "argument '%s' of %s for %s must be a %s",
			 key, cur_cmd(r), parse_setting_name(r->key),
			 parse_setting_is_number(r->key) ? "number or string" :
							   "string");
		return -EINVAL;
	}
	return parse_setting_value(r->key, s, &r->value, err, errlen);
}

static int proto_arg(const char *key, json_t *v, struct ctl_req *r,
		     bool icmp, char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_proto(s, icmp, &r->proto, err, errlen);
	if (!ret)
		r->has_proto = true;
	return ret;
}

static int a_proto_map(const char *key, json_t *v, struct ctl_req *r,
		       char *err, size_t errlen)
{
	return proto_arg(key, v, r, false, err, errlen);
}

static int a_proto_any(const char *key, json_t *v, struct ctl_req *r,
		       char *err, size_t errlen)
{
	return proto_arg(key, v, r, true, err, errlen);
}

static int a_internal_ap(const char *key, json_t *v, struct ctl_req *r,
			 char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_addr_ports("internal", s, &r->int_addr,
				       &r->int_port, &r->int_port_hi, err,
				       errlen);
	if (!ret)
		r->has_internal = true;
	return ret;
}

static int a_internal_addr(const char *key, json_t *v, struct ctl_req *r,
			   char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_addr("internal", s, &r->int_addr, err, errlen);
	if (!ret)
		r->has_internal = true;
	return ret;
}

static int a_ext_port(const char *key, json_t *v, struct ctl_req *r,
		      char *err, size_t errlen)
{
	json_int_t p = json_is_integer(v) ? json_integer_value(v) : -1;

	if (json_is_string(v) && strchr(json_string_value(v), '-')) {
		char what[48];

		snprintf(what, sizeof(what), "argument '%s' of %s", key,
			 cur_cmd(r));
		if (parse_ports(what, json_string_value(v), &r->ext_port,
				&r->ext_port_hi, err, errlen))
			return -EINVAL;
		r->has_ext_port = true;
		return 0;
	}
	if (p < 1 || p > 65535) {
		snprintf(err, errlen, "argument '%s' of %s must be a port "
			 "number from 1 to 65535 or a range \"LOW-HIGH\"",
			 key, cur_cmd(r));
		return -EINVAL;
	}
	r->ext_port = r->ext_port_hi = (uint16_t)p;
	r->has_ext_port = true;
	return 0;
}

static int a_ext_addr(const char *key, json_t *v, struct ctl_req *r,
		      char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_addr("external address", s, &r->ext_addr, err,
				 errlen);
	if (!ret)
		r->has_ext_addr = true;
	return ret;
}

static int a_remote(const char *key, json_t *v, struct ctl_req *r,
		    char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_cidr("remote", s, &r->remote_addr, &r->remote_plen,
				 err, errlen);
	return ret;
}

static int a_limit(const char *key, json_t *v, struct ctl_req *r,
		   char *err, size_t errlen)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;

	if (n < 1 || n > CTL_PAGE_MAX) {
		snprintf(err, errlen, "argument '%s' of %s must be a number "
			 "from 1 to %d (sessions per page; page on with "
			 "\"after\")", key, cur_cmd(r), CTL_PAGE_MAX);
		return -EINVAL;
	}
	r->limit = (uint32_t)n;
	return 0;
}

/* a cursor is what an earlier page returned as "next": decimal digits */
static int a_after(const char *key, json_t *v, struct ctl_req *r,
		   char *err, size_t errlen)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t len = s ? strlen(s) : 0;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		n = n * 10 + (uint64_t)(s[i] - '0');
	if (!len || i < len || len >= CTL_CURSOR_MAX - 1 || n > UINT32_MAX) {
		snprintf(err, errlen, "argument '%s' of %s must be the "
			 "\"next\" cursor of the previous page", key,
			 cur_cmd(r));
		return -EINVAL;
	}
	r->after = (uint32_t)n;
	r->has_after = true;
	return 0;
}

static int a_mac(const char *key, json_t *v, struct ctl_req *r, char *err,
		 size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_mac("MAC address", s, r->mac, err, errlen);
	if (!ret)
		r->has_mac = true;
	return ret;
}

static int a_address(const char *key, json_t *v, struct ctl_req *r,
		     char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_addr("address", s, &r->addr, err, errlen);
	if (!ret)
		r->has_addr = true;
	return ret;
}

static int a_netns(const char *key, json_t *v, struct ctl_req *r,
		   char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_netns(s, err, errlen);
	if (ret)
		return ret;
	snprintf(r->netns, sizeof(r->netns), "%s", s);
	r->has_netns = true;
	return 0;
}

static int a_ifname(const char *key, json_t *v, struct ctl_req *r,
		    char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_ifname("interface", s, err, errlen);
	if (ret)
		return ret;
	snprintf(r->ifname, sizeof(r->ifname), "%s", s);
	r->has_ifname = true;
	return 0;
}

static int a_owner(const char *key, json_t *v, struct ctl_req *r,
		   char *err, size_t errlen)
{
	const char *s;
	int ret = want_string(key, v, r, &s, err, errlen);

	if (!ret)
		ret = parse_owner("owner", s, err, errlen);
	if (ret)
		return ret;
	snprintf(r->owner, sizeof(r->owner), "%s", s);
	r->has_owner = true;
	return 0;
}

#define REQ true
static const struct cmd cmds[] = {
	[CMD_PING] = { "ping", { { 0 } } },
	[CMD_VERSION] = { "version", { { 0 } } },
	[CMD_NET_ADD] = { "network.add", {
		{ "name", a_net, REQ },
		{ "prefixes", a_prefixes, false },
		{ "bridge", a_bridge, false },
		{ "gateway", a_gateway, false },
		{ "externals", a_externals, false },
		{ "dhcp", a_dhcp, false },
	} },
	[CMD_NET_DEL] = { "network.del", { { "name", a_net, REQ } } },
	[CMD_NET_LIST] = { "network.list", { { 0 } } },
	[CMD_NET_SHOW] = { "network.show", { { "name", a_net, REQ } } },
	[CMD_NET_SET] = { "network.set", {
		{ "name", a_net, REQ },
		{ "key", a_key, REQ },
		{ "value", a_value, REQ },
	} },
	[CMD_MAP_ADD] = { "map.add", {
		{ "network", a_net, REQ },
		{ "proto", a_proto_map, REQ },
		{ "internal", a_internal_ap, REQ },
		{ "external_port", a_ext_port, false },
		{ "external_address", a_ext_addr, false },
		{ "remote", a_remote, false },
		{ "owner", a_owner, false },
	} },
	/* by network, proto and external_port; or all of an owner's */
	[CMD_MAP_DEL] = { "map.del", {
		{ "network", a_net, false },
		{ "proto", a_proto_map, false },
		{ "external_port", a_ext_port, false },
		{ "external_address", a_ext_addr, false },
		{ "owner", a_owner, false },
	} },
	[CMD_MAP_LIST] = { "map.list", { { "network", a_net, false } } },
	[CMD_EXT_ADD] = { "external.add", {
		{ "network", a_net, REQ },
		{ "external", a_external, REQ },
		{ "ports", a_ports, false },
	} },
	[CMD_EXT_DEL] = { "external.del", {
		{ "network", a_net, REQ },
		{ "external", a_external, REQ },
	} },
	[CMD_EXT_LIST] = { "external.list", { { "network", a_net, false } } },
	[CMD_SESSION_LIST] = { "session.list", {
		{ "network", a_net, false },
		{ "proto", a_proto_any, false },
		{ "internal", a_internal_addr, false },
		{ "limit", a_limit, false },
		{ "after", a_after, false },
	} },
	[CMD_STATS] = { "stats", { { "network", a_net, false } } },
	[CMD_LEASE_ADD] = { "lease.add", {
		{ "network", a_net, REQ },
		{ "mac", a_mac, REQ },
		{ "address", a_address, REQ },
	} },
	[CMD_LEASE_DEL] = { "lease.del", {
		{ "network", a_net, REQ },
		{ "mac", a_mac, REQ },
	} },
	[CMD_LEASE_LIST] = { "lease.list", { { "network", a_net, false } } },
	[CMD_ENDPOINT_ADD] = { "endpoint.add", {
		{ "network", a_net, REQ },
		{ "netns", a_netns, REQ },
		{ "ifname", a_ifname, false },
		{ "address", a_address, false },
		{ "mac", a_mac, false },
		{ "owner", a_owner, false },
	} },
	/* by network and netns (and ifname); or all of an owner's */
	[CMD_ENDPOINT_DEL] = { "endpoint.del", {
		{ "network", a_net, false },
		{ "netns", a_netns, false },
		{ "ifname", a_ifname, false },
		{ "owner", a_owner, false },
	} },
	[CMD_MONITOR] = { "monitor", { { 0 } } },
	[CMD_ENDPOINT_LIST] = { "endpoint.list", {
		{ "network", a_net, false },
	} },
};
#undef REQ
static_assert(sizeof(cmds) / sizeof(cmds[0]) == CMD_N,
	      "one row per command of enum ctl_cmd");

/* what the table cannot say: arguments needed together, or instead */
static int check_args(const struct ctl_req *r, char *err, size_t errlen)
{
	switch (r->cmd) {
	case CMD_MAP_DEL:
		if (r->has_owner && !r->has_proto && !r->has_ext_port)
			return 0;
		if (r->has_owner) {
			snprintf(err, errlen, "map.del takes 'owner' alone (or "
				 "with 'network'), or 'network', 'proto' and "
				 "'external_port'");
			return -EINVAL;
		}
		if (!r->has_net || !r->has_proto || !r->has_ext_port) {
			snprintf(err, errlen, "map.del needs arguments "
				 "'network', 'proto' and 'external_port', or "
				 "'owner'");
			return -EINVAL;
		}
		return 0;
	case CMD_ENDPOINT_DEL:
		if (r->has_owner && !r->has_netns)
			return 0;
		if (r->has_owner) {
			snprintf(err, errlen, "endpoint.del takes 'owner' or "
				 "'netns', not both");
			return -EINVAL;
		}
		if (!r->has_net || !r->has_netns) {
			snprintf(err, errlen, "endpoint.del needs arguments "
				 "'network' and 'netns', or 'owner'");
			return -EINVAL;
		}
		return 0;
	default:
		return 0;
	}
}

/**
 * ctl_cmd_name() - the protocol name of a command
 * @cmd:	command
 *
 * Return: "network.add" etc., "?" if out of range
 */
const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned)cmd < CMD_N && cmds[cmd].name ? cmds[cmd].name : "?";
}

/**
 * ctl_cmd_arg() - an argument of a command, as req.c's table has it
 * @cmd:	command
 * @i:		which argument, from 0
 * @required:	set: the argument must be given (NULL: not asked)
 *
 * Return: the argument's name, NULL past the last one (or for a command
 * out of range)
 */
const char *ctl_cmd_arg(enum ctl_cmd cmd, unsigned i, bool *required)
{
	if ((unsigned)cmd >= CMD_N || i >= ARGS_MAX || !cmds[cmd].args[i].name)
		return NULL;
	if (required)
		*required = cmds[cmd].args[i].required;
	return cmds[cmd].args[i].name;
}

static const char *cur_cmd(const struct ctl_req *r)
{
	return ctl_cmd_name(r->cmd);
}

/* is command @i of the same object as the one before ("map.del" after
 * "map.add")? */
static bool same_object(unsigned i)
{
	const char *dot = strchr(cmds[i].name, '.');

	return dot && i && !strncmp(cmds[i - 1].name, cmds[i].name,
				    (size_t)(dot - cmds[i].name) + 1);
}

/*
 * The refusal of an unknown command, listing the commands from the table:
 * those of one object together ("map.add|del|list"), in table order.
 */
static void no_such_cmd(const char *name, char *err, size_t errlen)
{
	unsigned i, last = 0;
	size_t off = 0;
	int w;

#define PUT(...)							\
	do {								\
		w = snprintf(err + off, errlen - off, __VA_ARGS__);	\
		off += w > 0 && (size_t)w < errlen - off ? (size_t)w :	\
		       errlen - off - 1;				\
	} while (0)
	PUT("command '%.64s' does not exist: use", name);
	for (i = 0; i < CMD_N; i++)
		if (!same_object(i))
			last = i;
	for (i = 0; i < CMD_N && off + 1 < errlen; i++) {
		if (same_object(i))
			PUT("|%s", strchr(cmds[i].name, '.') + 1);
		else
			PUT("%s %s", !i ? "" : i == last ? " or" : ",",
			    cmds[i].name);
	}
#undef PUT
}

static int parse_args(const struct cmd *c, json_t *args, struct ctl_req *r,
		      char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	unsigned i;
	int ret;

	json_object_foreach(args, key, v) {
		for (i = 0; i < ARGS_MAX && c->args[i].name; i++)
			if (!strcmp(key, c->args[i].name))
				break;
		if (i == ARGS_MAX || !c->args[i].name) {
			snprintf(err, errlen, "%s takes no argument '%.64s'",
				 c->name, key);
			return -EINVAL;
		}
	}
	for (i = 0; i < ARGS_MAX && c->args[i].name; i++) {
		v = json_object_get(args, c->args[i].name);
		if (!v) {
			if (!c->args[i].required)
				continue;
			snprintf(err, errlen, "%s needs argument '%s'",
				 c->name, c->args[i].name);
			return -EINVAL;
		}
		ret = c->args[i].fn(c->args[i].name, v, r, err, errlen);
		if (ret)
			return ret;
	}
	return check_args(r, err, errlen);
}

/**
 * ctl_req_parse() - parse and validate one request line, without side
 * effects
 * @line:	the request, without its newline (need not be terminated)
 * @len:	bytes at @line
 * @req:	filled in
 * @err:	one-line message on failure
 * @errlen:	room at @err
 *
 * Return: 0; -EINVAL for a request with a bad command or argument; -EPROTO
 * for a line that is not one JSON object (the client does not speak the
 * protocol)
 */
int ctl_req_parse(const char *line, size_t len, struct ctl_req *req,
		  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *cmd, *args;
	const char *key, *name;
	json_t *v;
	unsigned i;
	int ret = -EPROTO;

	memset(req, 0, sizeof(*req));
	req->limit = CTL_PAGE_DEFAULT;
	if (len >= CTL_REQ_MAX) {
		snprintf(err, errlen, "request is longer than %d bytes",
			 CTL_REQ_MAX - 1);
		return -EPROTO;
	}
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "request is not valid JSON: %s at "
			 "column %d; send one JSON object per line",
			 jerr.text, jerr.column);
		return -EPROTO;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "request is not a JSON object; send "
			 "{\"cmd\": ..., \"args\": {...}}");
		goto out;
	}
	ret = -EINVAL;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "cmd") && strcmp(key, "args")) {
			snprintf(err, errlen, "request has an unknown member "
				 "'%.64s': use only \"cmd\" and \"args\"", key);
			goto out;
		}
	}
	cmd = json_object_get(root, "cmd");
	args = json_object_get(root, "args");
	if (!json_is_string(cmd)) {
		snprintf(err, errlen, "request has no \"cmd\" string");
		goto out;
	}
	name = json_string_value(cmd);
	for (i = 0; i < CMD_N; i++)
		if (!strcmp(name, cmds[i].name))
			break;
	if (i == CMD_N) {
		no_such_cmd(name, err, errlen);
		goto out;
	}
	req->cmd = (enum ctl_cmd)i;
	if (args && !json_is_object(args)) {
		snprintf(err, errlen, "\"args\" of %s must be an object",
			 cmds[i].name);
		goto out;
	}
	if (!args) {
		args = json_object();
		if (!args) {
			snprintf(err, errlen, "out of memory");
			ret = -ENOMEM;
			goto out;
		}
		ret = parse_args(&cmds[i], args, req, err, errlen);
		json_decref(args);
	} else {
		ret = parse_args(&cmds[i], args, req, err, errlen);
	}
out:
	json_decref(root);
	return ret;
}
