/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - parse.c: parsers of the words of the API and the command line
 *
 * Theory of operation
 * -------------------
 * Every value a person or a program hands to hostnat (an address, a prefix,
 * a port, a port range, a network or interface name, a protocol, a setting
 * of "network set") is read by one function here, shared by the daemon's
 * API (req.c), the state file (model.c) and the command-line tool, so that
 * all three accept and refuse exactly the same words.
 *
 * The parsers are strict: dotted quads only (no "10.1", no leading zeros
 * that inet_aton would read as octal), decimal numbers without sign or
 * spaces, prefixes without host bits. A refusal leaves one line in @err
 * that names the rejected token, says why, and what to write instead; @what
 * says which argument it was ("prefix", "--external-port", ...).
 *
 * Nothing here allocates or makes a system call: the functions are safe to
 * fuzz.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "parse.h"

enum setting_type {
	SETTING_SECONDS,	/* a number of seconds */
	SETTING_COUNT,		/* a number of things */
	SETTING_FILTER,		/* eif, adf or apdf */
	SETTING_BOOL,		/* on or off */
};

/*
 * The unit of a setting's value, as the API (network.show's "units") and
 * the CLI show it beside the number: PARSE_UNIT_S for seconds,
 * PARSE_UNIT_COUNT for a number of things (the help text says which),
 * PARSE_UNIT_FRACTION for a divisor N meaning 1/N of a whole; NULL for a
 * setting whose value is a word (on/off, eif/adf/apdf).
 */
static const struct {
	const char *name;	/* key, snake_case: JSON, "network set" */
	enum setting_type type;	/* what its value is */
	const char *unit;	/* of a number: PARSE_UNIT_*; NULL for a word */
	const char *help;	/* its value, for the usage text */
} settings[] = {
	[SET_UDP_TIMEOUT] = { "udp_timeout", SETTING_SECONDS, PARSE_UNIT_S,
			      "seconds" },
	[SET_TCP_EST_TIMEOUT] = { "tcp_established_timeout", SETTING_SECONDS,
				  PARSE_UNIT_S, "seconds" },
	[SET_TCP_TRANS_TIMEOUT] = { "tcp_transitory_timeout", SETTING_SECONDS,
				    PARSE_UNIT_S, "seconds" },
	[SET_ICMP_TIMEOUT] = { "icmp_timeout", SETTING_SECONDS, PARSE_UNIT_S,
			       "seconds" },
	[SET_TCP_FILTERING] = { "tcp_filtering", SETTING_FILTER, NULL,
				"eif|adf|apdf" },
	[SET_UDP_FILTERING] = { "udp_filtering", SETTING_FILTER, NULL,
				"eif|adf|apdf" },
	[SET_UDP_INBOUND_REFRESH] = { "udp_inbound_refresh", SETTING_BOOL, NULL,
				      "on|off" },
	[SET_DHCP] = { "dhcp", SETTING_BOOL, NULL, "on|off" },
	[SET_DHCP_LEASE_TIME] = { "dhcp_lease_time", SETTING_SECONDS,
				  PARSE_UNIT_S, "seconds" },
	[SET_DHCP_CLIENT_LIMIT] = { "dhcp_client_limit", SETTING_COUNT,
				    PARSE_UNIT_COUNT,
				    "leases one client may hold" },
	[SET_ISOLATION] = { "isolation", SETTING_BOOL, NULL,
			    "on|off: no routing to other networks" },
	[SET_SOURCE_BINDING] = { "source_binding", SETTING_BOOL, NULL,
				 "on|off: a given address only from its MAC" },
	[SET_PORT_SHARE] = { "port_share", SETTING_COUNT, PARSE_UNIT_FRACTION,
			     "N: an endpoint takes at most 1/N of an external "
			     "address's ports per protocol (1: all)" },
	[SET_UDP_UNANSWERED_TIMEOUT] = { "udp_unanswered_timeout",
					 SETTING_SECONDS, PARSE_UNIT_S,
					 "seconds: UDP flows never answered" },
	[SET_INBOUND_UNANSWERED_TIMEOUT] = { "inbound_unanswered_timeout",
					     SETTING_SECONDS, PARSE_UNIT_S,
					     "seconds: UDP flows from outside "
					     "the endpoint never answered" },
	[SET_MAPPING_INBOUND_LIMIT] = { "mapping_inbound_limit", SETTING_COUNT,
					PARSE_UNIT_COUNT,
					"flows from outside one mapping may "
					"have" },
	[SET_REMOTE_INBOUND_LIMIT] = { "remote_inbound_limit", SETTING_COUNT,
				       PARSE_UNIT_COUNT,
				       "flows from outside one remote address "
				       "may have on one mapping" },
	[SET_ENDPOINT_ADDRESSES] = { "endpoint_addresses", SETTING_COUNT,
				     PARSE_UNIT_COUNT,
				     "N: addresses not given out by hostnat "
				     "one bridge port may use (1-8)" },
};
static_assert(sizeof(settings) / sizeof(settings[0]) == SET_NKEYS,
	      "one row per setting");

static const char *const filter_names[] = { "eif", "adf", "apdf" };

/**
 * parse_uint() - read a decimal number, digits only
 * @s:		the text
 * @max:	largest value accepted
 * @v:		the number
 *
 * Return: 0, -EINVAL (not digits, empty, leading zero), -ERANGE (> @max)
 */
int parse_uint(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			return -ERANGE;
	}
	*v = (uint32_t)n;
	return 0;
}

/* one dotted quad at the start of @s; *@end is what follows */
static int quad(const char *s, uint32_t *addr, const char **end)
{
	uint32_t a = 0;
	unsigned i;

	for (i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;

		if (i && *s++ != '.')
			return -EINVAL;
		while (*s >= '0' && *s <= '9') {
			if (digits && v == 0)
				return -EINVAL;	/* "01": octal to some */
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		a = a << 8 | v;
	}
	*addr = a;
	*end = s;
	return 0;
}

/**
 * parse_addr() - read an IPv4 address in dotted-quad notation
 * @what:	what the value is, for the message
 * @s:		the text
 * @addr:	the address, host order
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_addr(const char *what, const char *s, uint32_t *addr, char *err,
	       size_t errlen)
{
	const char *end;

	if (quad(s, addr, &end) || *end) {
		snprintf(err, errlen, "%s '%.64s' is not an IPv4 address: use "
			 "a dotted quad like 192.0.2.1", what, s);
		return -EINVAL;
	}
	return 0;
}

/**
 * parse_cidr() - read a prefix ADDR/LEN; host bits must be zero
 * @what:	what the value is, for the message
 * @s:		the text
 * @addr:	the prefix address, host order
 * @plen:	the prefix length, 0 to 32
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_cidr(const char *what, const char *s, uint32_t *addr,
	       uint8_t *plen, char *err, size_t errlen)
{
	const char *end;
	uint32_t a, len, mask;
	char fix[PARSE_CIDR_LEN];

	if (quad(s, &a, &end) || *end != '/' ||
	    parse_uint(end + 1, 32, &len)) {
		snprintf(err, errlen, "%s '%.64s' is not a prefix: use "
			 "ADDRESS/LENGTH like 172.16.0.0/16, length 0 to 32",
			 what, s);
		return -EINVAL;
	}
	mask = lib_prefix_mask(len);
	if (a & ~mask) {
		fmt_cidr(fix, a & mask, len);
		snprintf(err, errlen, "%s '%.64s' has host bits set; did you "
			 "mean %s?", what, s, fix);
		return -EINVAL;
	}
	*addr = a;
	*plen = (uint8_t)len;
	return 0;
}

/**
 * parse_port() - read a port number, 1 to 65535
 * @what:	what the value is, for the message
 * @s:		the text
 * @port:	the port
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_port(const char *what, const char *s, uint16_t *port, char *err,
	       size_t errlen)
{
	uint32_t v;

	if (parse_uint(s, 65535, &v) || !v) {
		snprintf(err, errlen, "%s '%.64s' is not a port: use a number "
			 "from 1 to 65535", what, s);
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

/**
 * parse_range() - read a port range LOW-HIGH, 1 <= LOW <= HIGH <= 65535
 * @what:	what the value is, for the message
 * @s:		the text
 * @lo:		first port
 * @hi:		last port
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_range(const char *what, const char *s, uint16_t *lo, uint16_t *hi,
		char *err, size_t errlen)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	uint32_t a, b;
	size_t n;

	if (!dash || (n = (size_t)(dash - s)) >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_uint(buf, 65535, &a) || parse_uint(dash + 1, 65535, &b) ||
	    !a || a > b)
		goto bad;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	snprintf(err, errlen, "%s '%.64s' is not a port range: use LOW-HIGH "
		 "with 1 <= LOW <= HIGH <= 65535, like 49152-65535", what, s);
	return -EINVAL;
}

/**
 * parse_ports() - read PORT or a range LOW-HIGH of ports
 * @what:	what the value is, for the message
 * @s:		the text
 * @lo:		the port, or the first of the range
 * @hi:		the last port (@lo for one port)
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_ports(const char *what, const char *s, uint16_t *lo, uint16_t *hi,
		char *err, size_t errlen)
{
	if (!strchr(s, '-')) {
		int ret = parse_port(what, s, lo, err, errlen);

		if (!ret)
			*hi = *lo;
		return ret;
	}
	return parse_range(what, s, lo, hi, err, errlen);
}

/**
 * parse_addr_ports() - read ADDR:PORT or ADDR:LOW-HIGH
 * @what:	what the value is, for the message
 * @s:		the text
 * @addr:	the address, host order
 * @lo:		the port, or the first of the range
 * @hi:		the last port (@lo for one port)
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_addr_ports(const char *what, const char *s, uint32_t *addr,
		     uint16_t *lo, uint16_t *hi, char *err, size_t errlen)
{
	const char *end;
	uint32_t a;

	if (quad(s, &a, &end) || *end != ':' ||
	    parse_ports(what, end + 1, lo, hi, err, errlen)) {
		snprintf(err, errlen, "%s '%.64s' is not ADDRESS:PORT or "
			 "ADDRESS:LOW-HIGH: use something like 172.16.0.2:80 "
			 "or 172.16.0.2:8000-8010, ports 1 to 65535", what, s);
		return -EINVAL;
	}
	*addr = a;
	return 0;
}

/**
 * parse_addr_port() - read ADDR:PORT
 * @what:	what the value is, for the message
 * @s:		the text
 * @addr:	the address, host order
 * @port:	the port, 1 to 65535
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_addr_port(const char *what, const char *s, uint32_t *addr,
		    uint16_t *port, char *err, size_t errlen)
{
	const char *end;
	uint32_t a, p;

	if (quad(s, &a, &end) || *end != ':' ||
	    parse_uint(end + 1, 65535, &p) || !p) {
		snprintf(err, errlen, "%s '%.64s' is not ADDRESS:PORT: use "
			 "something like 172.16.0.2:80, port 1 to 65535",
			 what, s);
		return -EINVAL;
	}
	*addr = a;
	*port = (uint16_t)p;
	return 0;
}

/**
 * parse_name() - check a network name: 1 to 31 letters, digits, '-', '_'
 * or '.', starting with a letter or digit
 * @s:		the name
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_name(const char *s, char *err, size_t errlen)
{
	if (!lib_name_valid(s, NAT_NAME_MAX)) {
		snprintf(err, errlen, "network name '%.64s' is not valid: use 1 "
			 "to %d letters, digits, '-', '_' or '.', starting "
			 "with a letter or digit", s, NAT_NAME_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

/**
 * parse_ifname() - check an interface name as the kernel would
 * (dev_valid_name(): 1 to 15 bytes, no '/', ':' or white space, not "."
 * or "..")
 * @what:	what the value is, for the message
 * @s:		the name
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_ifname(const char *what, const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);
	bool ok = n && n < PARSE_IFNAMSIZ && strcmp(s, ".") &&
		  strcmp(s, "..");

	for (i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		ok = c > ' ' && c < 0x7f && c != '/' && c != ':';
	}
	if (!ok) {
		snprintf(err, errlen, "%s '%.64s' is not an interface name: use "
			 "1 to %d printable characters without '/', ':' or "
			 "spaces", what, s, PARSE_IFNAMSIZ - 1);
		return -EINVAL;
	}
	return 0;
}

/**
 * parse_proto() - read a protocol name
 * @s:		"tcp", "udp", or "icmp" when @icmp
 * @icmp:	whether "icmp" is accepted (sessions: yes; mappings: no)
 * @proto:	enum nat_proto
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_proto(const char *s, bool icmp, uint8_t *proto, char *err,
		size_t errlen)
{
	if (!strcmp(s, "tcp"))
		*proto = NAT_TCP;
	else if (!strcmp(s, "udp"))
		*proto = NAT_UDP;
	else if (icmp && !strcmp(s, "icmp"))
		*proto = NAT_ICMP;
	else {
		snprintf(err, errlen, "protocol '%.64s' is not valid: use %s",
			 s, icmp ? "tcp, udp or icmp" : "tcp or udp");
		return -EINVAL;
	}
	return 0;
}

/* whether @s spells the snake_case @name, '-' taken for '_': the keys were
 * kebab-case before (state files, scripts, "network set udp-timeout") */
static bool setting_key_eq(const char *s, const char *name)
{
	for (; *s && *name; s++, name++) {
		if (*s != *name && !(*s == '-' && *name == '_'))
			return false;
	}
	return *s == *name;
}

/**
 * parse_setting_key() - read a key of "network set", a state file or
 * network.set: the snake_case name, or the old kebab-case spelling
 * @s:		the key ("udp_timeout"; "udp-timeout" as well)
 * @key:	which setting
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_setting_key(const char *s, enum parse_setting *key, char *err,
		      size_t errlen)
{
	unsigned k;

	for (k = 0; k < SET_NKEYS; k++) {
		if (setting_key_eq(s, settings[k].name)) {
			*key = (enum parse_setting)k;
			return 0;
		}
	}
	{
		size_t off;
		int w = snprintf(err, errlen, "setting '%.64s' does not exist: "
				 "use", s);

		off = w > 0 ? (size_t)w : 0;
		for (k = 0; k < SET_NKEYS && off < errlen; k++) {
			w = snprintf(err + off, errlen - off, "%s %s",
				     !k ? "" : k + 1 == SET_NKEYS ? " or" : ",",
				     settings[k].name);
			off += w > 0 ? (size_t)w : 0;
		}
	}
	return -EINVAL;
}

/**
 * parse_setting_name() - the name of a setting
 * @key:	which setting
 *
 * Return: its key as "network set" takes it
 */
const char *parse_setting_name(enum parse_setting key)
{
	return (unsigned)key < SET_NKEYS ? settings[key].name : "?";
}

/**
 * parse_setting_is_number() - whether a setting's value is a number
 * @key:	which setting
 *
 * Return: true for the timeouts (seconds) and the counts
 */
bool parse_setting_is_number(enum parse_setting key)
{
	return (unsigned)key < SET_NKEYS &&
	       (settings[key].type == SETTING_SECONDS ||
		settings[key].type == SETTING_COUNT);
}

/**
 * parse_setting_value() - read the value of a setting
 * @key:	which setting
 * @s:		seconds for a timeout, eif/adf/apdf for a filtering,
 *		on/off for udp_inbound_refresh
 * @v:		the value: seconds, enum nat_filter, or 0/1
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * The ranges of timeouts are the engine's to check (RFC floors).
 *
 * Return: 0, -EINVAL
 */
int parse_setting_value(enum parse_setting key, const char *s, uint32_t *v,
			char *err, size_t errlen)
{
	unsigned f;

	switch (key) {
	case SET_UDP_TIMEOUT:
	case SET_TCP_EST_TIMEOUT:
	case SET_TCP_TRANS_TIMEOUT:
	case SET_ICMP_TIMEOUT:
	case SET_UDP_UNANSWERED_TIMEOUT:
	case SET_INBOUND_UNANSWERED_TIMEOUT:
		if (!parse_uint(s, UINT32_MAX, v))
			return 0;
		snprintf(err, errlen, "%s '%.64s' is not valid: use a number "
			 "of seconds", settings[key].name, s);
		return -EINVAL;
	case SET_TCP_FILTERING:
	case SET_UDP_FILTERING:
		for (f = 0; f < 3; f++) {
			if (!strcmp(s, filter_names[f])) {
				*v = f;
				return 0;
			}
		}
		snprintf(err, errlen, "%s '%.64s' is not valid: use eif "
			 "(endpoint-independent), adf (address-dependent) or "
			 "apdf (address and port-dependent)",
			 settings[key].name, s);
		return -EINVAL;
	case SET_DHCP_LEASE_TIME:
		if (!parse_uint(s, UINT32_MAX, v) &&
		    *v >= PARSE_DHCP_LEASE_MIN && *v <= PARSE_DHCP_LEASE_MAX)
			return 0;
		snprintf(err, errlen, "%s '%.64s' is not valid: use a number "
			 "of seconds from %d to %d", settings[key].name, s,
			 PARSE_DHCP_LEASE_MIN, PARSE_DHCP_LEASE_MAX);
		return -EINVAL;
	case SET_DHCP_CLIENT_LIMIT:
		if (!parse_uint(s, UINT32_MAX, v) && *v >= 1 &&
		    *v <= PARSE_DHCP_CLIENT_LIMIT_MAX)
			return 0;
		snprintf(err, errlen, "%s '%.64s' is not valid: use the number "
			 "of leases one client may hold, 1 to %d",
			 settings[key].name, s, PARSE_DHCP_CLIENT_LIMIT_MAX);
		return -EINVAL;
	case SET_PORT_SHARE:
		if (!parse_uint(s, UINT32_MAX, v) && *v >= 1 &&
		    *v <= NAT_PORT_SHARE_MAX)
			return 0;
		snprintf(err, errlen, "%s '%.64s' is not valid: use N from 1 "
			 "(the whole range) to %d (1/%d of it per endpoint)",
			 settings[key].name, s, NAT_PORT_SHARE_MAX,
			 NAT_PORT_SHARE_MAX);
		return -EINVAL;
	case SET_ENDPOINT_ADDRESSES:
		if (!parse_uint(s, UINT32_MAX, v) && *v >= 1 &&
		    *v <= PARSE_ENDPOINT_ADDRESSES_MAX)
			return 0;
		snprintf(err, errlen, "%s '%.64s' is not valid: use a number "
			 "of addresses from 1 to %d", settings[key].name, s,
			 PARSE_ENDPOINT_ADDRESSES_MAX);
		return -EINVAL;
	case SET_MAPPING_INBOUND_LIMIT:
	case SET_REMOTE_INBOUND_LIMIT:
		if (!parse_uint(s, UINT32_MAX, v) && *v >= 1)
			return 0;
		snprintf(err, errlen, "%s '%.64s' is not valid: use a number "
			 "of flows, at least 1", settings[key].name, s);
		return -EINVAL;
	case SET_UDP_INBOUND_REFRESH:
	case SET_DHCP:
	case SET_ISOLATION:
	case SET_SOURCE_BINDING:
		if (!strcmp(s, "on") || !strcmp(s, "off")) {
			*v = !strcmp(s, "on");
			return 0;
		}
		snprintf(err, errlen, "%s '%.64s' is not valid: use on or off",
			 settings[key].name, s);
		return -EINVAL;
	default:
		snprintf(err, errlen, "setting %u does not exist", key);
		return -EINVAL;
	}
}

/**
 * parse_setting_is_bool() - whether a setting is on or off
 * @key:	which setting
 *
 * Return: true for udp_inbound_refresh, dhcp, isolation, source_binding
 */
bool parse_setting_is_bool(enum parse_setting key)
{
	return (unsigned)key < SET_NKEYS && settings[key].type == SETTING_BOOL;
}

/**
 * parse_setting_help() - what a setting's value is, for the usage text
 * @key:	which setting
 *
 * Return: "seconds", "on|off", ...
 */
const char *parse_setting_help(enum parse_setting key)
{
	return (unsigned)key < SET_NKEYS ? settings[key].help : "?";
}

/**
 * parse_setting_unit() - the unit of a setting's value
 * @key:	which setting
 *
 * Return: PARSE_UNIT_S, PARSE_UNIT_COUNT, PARSE_UNIT_FRACTION, or NULL for
 * a setting whose value is a word (on/off, eif/adf/apdf)
 */
const char *parse_setting_unit(enum parse_setting key)
{
	return (unsigned)key < SET_NKEYS ? settings[key].unit : NULL;
}

/**
 * parse_setting_fmt() - a setting's value for people, with its unit
 * @key:	which setting
 * @v:		value, as parse_setting_value() returns it
 * @buf:	the text: "300 s", "4", "1/8", "on", "eif"
 * @len:	room at @buf
 */
void parse_setting_fmt(enum parse_setting key, uint32_t v, char *buf,
		       size_t len)
{
	const char *unit = parse_setting_unit(key);

	if (!unit)
		snprintf(buf, len, "%s", parse_setting_str(key, v) ?
			 parse_setting_str(key, v) : "?");
	else if (!strcmp(unit, PARSE_UNIT_S))
		snprintf(buf, len, "%u s", v);
	else if (!strcmp(unit, PARSE_UNIT_FRACTION))
		snprintf(buf, len, "1/%u", v);
	else
		snprintf(buf, len, "%u", v);
}

/**
 * parse_svc_default() - the defaults of a network's own settings: DHCP on,
 * leases of PARSE_DHCP_LEASE_DEFAULT seconds, isolation and source binding
 * on (a network reaches only the outside, and an address given out is
 * usable only by its MAC, unless the admin says otherwise)
 * @svc:	filled in
 */
void parse_svc_default(struct parse_svc_cfg *svc)
{
	svc->dhcp = 1;
	svc->dhcp_lease_time = PARSE_DHCP_LEASE_DEFAULT;
	svc->dhcp_client_limit = PARSE_DHCP_CLIENT_LIMIT_DEFAULT;
	svc->isolation = 1;
	svc->source_binding = 1;
	svc->endpoint_addresses = PARSE_ENDPOINT_ADDRESSES_DEFAULT;
}

/**
 * parse_setting_get() - read a setting out of a network's settings
 * @cfg:	the engine's settings
 * @svc:	hostnat's own settings
 * @key:	which
 * @v:		its value as parse_setting_value() returns it
 */
void parse_setting_get(const struct nat_net_cfg *cfg,
		       const struct parse_svc_cfg *svc, enum parse_setting key,
		       uint32_t *v)
{
	switch (key) {
	case SET_DHCP:
		*v = svc->dhcp;
		break;
	case SET_DHCP_LEASE_TIME:
		*v = svc->dhcp_lease_time;
		break;
	case SET_DHCP_CLIENT_LIMIT:
		*v = svc->dhcp_client_limit;
		break;
	case SET_ISOLATION:
		*v = svc->isolation;
		break;
	case SET_SOURCE_BINDING:
		*v = svc->source_binding;
		break;
	case SET_ENDPOINT_ADDRESSES:
		*v = svc->endpoint_addresses;
		break;
	case SET_UDP_TIMEOUT:
		*v = cfg->to.udp;
		break;
	case SET_TCP_EST_TIMEOUT:
		*v = cfg->to.tcp_est;
		break;
	case SET_TCP_TRANS_TIMEOUT:
		*v = cfg->to.tcp_trans;
		break;
	case SET_ICMP_TIMEOUT:
		*v = cfg->to.icmp;
		break;
	case SET_TCP_FILTERING:
		*v = cfg->filter[NAT_TCP];
		break;
	case SET_UDP_FILTERING:
		*v = cfg->filter[NAT_UDP];
		break;
	case SET_UDP_INBOUND_REFRESH:
		*v = cfg->udp_inbound_refresh;
		break;
	case SET_PORT_SHARE:
		*v = cfg->port_share;
		break;
	case SET_UDP_UNANSWERED_TIMEOUT:
		*v = cfg->to.udp_unanswered;
		break;
	case SET_INBOUND_UNANSWERED_TIMEOUT:
		*v = cfg->to.inbound_unanswered;
		break;
	case SET_MAPPING_INBOUND_LIMIT:
		*v = cfg->map_inbound_max;
		break;
	case SET_REMOTE_INBOUND_LIMIT:
		*v = cfg->remote_inbound_max;
		break;
	default:
		*v = 0;
	}
}

/**
 * parse_setting_put() - write a setting into a network's settings
 * @cfg:	the engine's settings
 * @svc:	hostnat's own settings
 * @key:	which
 * @v:		its value as parse_setting_value() returns it
 */
void parse_setting_put(struct nat_net_cfg *cfg, struct parse_svc_cfg *svc,
		       enum parse_setting key, uint32_t v)
{
	switch (key) {
	case SET_DHCP:
		svc->dhcp = !!v;
		break;
	case SET_DHCP_LEASE_TIME:
		svc->dhcp_lease_time = v;
		break;
	case SET_DHCP_CLIENT_LIMIT:
		svc->dhcp_client_limit = v;
		break;
	case SET_ISOLATION:
		svc->isolation = !!v;
		break;
	case SET_SOURCE_BINDING:
		svc->source_binding = !!v;
		break;
	case SET_ENDPOINT_ADDRESSES:
		svc->endpoint_addresses = v;
		break;
	case SET_UDP_TIMEOUT:
		cfg->to.udp = v;
		break;
	case SET_TCP_EST_TIMEOUT:
		cfg->to.tcp_est = v;
		break;
	case SET_TCP_TRANS_TIMEOUT:
		cfg->to.tcp_trans = v;
		break;
	case SET_ICMP_TIMEOUT:
		cfg->to.icmp = v;
		break;
	case SET_TCP_FILTERING:
		cfg->filter[NAT_TCP] = (uint8_t)v;
		break;
	case SET_UDP_FILTERING:
		cfg->filter[NAT_UDP] = (uint8_t)v;
		break;
	case SET_UDP_INBOUND_REFRESH:
		cfg->udp_inbound_refresh = v;
		break;
	case SET_PORT_SHARE:
		cfg->port_share = (uint16_t)v;
		break;
	case SET_UDP_UNANSWERED_TIMEOUT:
		cfg->to.udp_unanswered = v;
		break;
	case SET_INBOUND_UNANSWERED_TIMEOUT:
		cfg->to.inbound_unanswered = v;
		break;
	case SET_MAPPING_INBOUND_LIMIT:
		cfg->map_inbound_max = v;
		break;
	case SET_REMOTE_INBOUND_LIMIT:
		cfg->remote_inbound_max = v;
		break;
	default:
		break;
	}
}

/**
 * parse_setting_str() - a non-numeric setting's value as text
 * @key:	which setting
 * @v:		value
 *
 * Return: "eif", "adf", "apdf", "on", "off", or NULL for a number
 */
const char *parse_setting_str(enum parse_setting key, uint32_t v)
{
	if (key == SET_TCP_FILTERING || key == SET_UDP_FILTERING)
		return v < 3 ? filter_names[v] : "?";
	if (parse_setting_is_bool(key))
		return v ? "on" : "off";
	return NULL;
}

/**
 * parse_netns() - check a network namespace: a name under /run/netns, or an
 * absolute path; [A-Za-z0-9._/:@+-], no ".." component
 * @s:		the text
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_netns(const char *s, char *err, size_t errlen)
{
	if (lib_netns_valid(s, PARSE_NETNS_MAX))
		return 0;
	snprintf(err, errlen, "network namespace '%.64s' is not valid: give a "
		 "name under /run/netns (letters, digits, . _ - : @ +) or an "
		 "absolute path shorter than %d bytes", s, PARSE_NETNS_MAX);
	return -EINVAL;
}

/**
 * parse_owner() - check an owner: who made an endpoint or mapping, such as
 * a container id; 1 to PARSE_OWNER_MAX - 1 bytes of [A-Za-z0-9._:-]
 * @what:	what the value is, for the message
 * @s:		the text
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_owner(const char *what, const char *s, char *err, size_t errlen)
{
	if (lib_owner_valid(s, PARSE_OWNER_MAX))
		return 0;
	snprintf(err, errlen, "%s '%.64s%s' is not valid: give 1 to %d "
		 "letters, digits, '.', ':' or '-' (a container id)", what, s,
		 strlen(s) > 64 ? "..." : "", PARSE_OWNER_MAX - 1);
	return -EINVAL;
}

/**
 * parse_mac() - read a unicast MAC address, aa:bb:cc:dd:ee:ff
 * @what:	what the value is, for the message
 * @s:		the text
 * @mac:	the address
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int parse_mac(const char *what, const char *s, uint8_t mac[6], char *err,
	      size_t errlen)
{
	unsigned i;

	for (i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		unsigned hi, lo;

		if (!isxdigit((unsigned char)p[0]) ||
		    !isxdigit((unsigned char)p[1]) ||
		    p[2] != (i == 5 ? '\0' : ':'))
			break;
		hi = (unsigned)(isdigit((unsigned char)p[0]) ? p[0] - '0' :
				(tolower((unsigned char)p[0]) - 'a' + 10));
		lo = (unsigned)(isdigit((unsigned char)p[1]) ? p[1] - '0' :
				(tolower((unsigned char)p[1]) - 'a' + 10));
		mac[i] = (uint8_t)(hi << 4 | lo);
		if (i == 5)
			break;
	}
	if (i < 5 || s[17] != '\0') {
		snprintf(err, errlen, "%s '%.64s' is not a MAC address: use "
			 "six hex bytes like 02:00:00:00:00:01", what, s);
		return -EINVAL;
	}
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] |
			      mac[5])) {
		snprintf(err, errlen, "%s '%.64s' is a multicast or zero "
			 "address: give a unicast MAC address", what, s);
		return -EINVAL;
	}
	return 0;
}

/**
 * fmt_mac() - write a MAC address as aa:bb:cc:dd:ee:ff
 * @buf:	PARSE_MAC_LEN bytes
 * @mac:	the address
 */
void fmt_mac(char buf[PARSE_MAC_LEN], const uint8_t mac[6])
{
	snprintf(buf, PARSE_MAC_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/**
 * fmt_cidr() - write a prefix as ADDR/LEN
 * @buf:	PARSE_CIDR_LEN bytes
 * @addr:	prefix address, host order
 * @plen:	prefix length
 */
void fmt_cidr(char buf[PARSE_CIDR_LEN], uint32_t addr, unsigned plen)
{
	char a[LIB_ADDR_LEN];

	lib_addr_fmt(a, addr);
	snprintf(buf, PARSE_CIDR_LEN, "%s/%u", a, plen & 63);
}
