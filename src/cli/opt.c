/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - opt.c: the options of the CLI's commands, one table each
 *
 * Theory of operation
 * -------------------
 * Each command of the CLI declares its arguments as one table of struct
 * opt rows: an option ("--mac") or a positional word (NAME, ADDR, KEY),
 * its kind, the argument of the API request it fills and a few flags.
 * Everything about the command line comes from that table, as iproute2's
 * NEXT_ARG()/duparg() and wg's config_read_cmd() have one loop:
 *
 * - opt_parse(), the one loop: each word checked by the parser of
 *   src/ctl/parse.c its kind uses (same messages as the daemon's), put
 *   into the request's JSON arguments, a second value of an option
 *   refused unless its row says OPT_REPEAT (then the values make a list);
 * - opt_usage(), the usage text: required words bare, the others in
 *   brackets, "..." after a repeatable one, and a second form "A | B"
 *   where a command has one (map del, endpoint del by owner);
 * - opt_req_check(), what is required and what goes together: the API's
 *   own command table (src/ctl/req.c, ctl_req_parse()) decides, on the
 *   request about to be sent; its message is put in the command line's
 *   words ('proto' becomes --proto, "map.del" map del);
 * - the completion (hostnat.c) reads the same rows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "parse.h"
#include "req.h"

/* the placeholder of each kind in usage texts; NULL: the row gives it */
static const char *const kind_meta[] = {
	[OPT_NAME] = "NAME",
	[OPT_ADDR] = "ADDR",
	[OPT_CIDR] = "CIDR",
	[OPT_PORTS] = "PORT[-LAST]",
	[OPT_RANGE] = "LOW-HIGH",
	[OPT_ADDR_PORTS] = "ADDR:PORT[-LAST]",
	[OPT_MAC] = "MAC",
	[OPT_IFNAME] = "IFNAME",
	[OPT_NSIF] = "IF",
	[OPT_EXT] = "IFNAME|ADDR",
	[OPT_OWNER] = "ID",
	[OPT_NETNS] = "NETNS|PATH",
	[OPT_PROTO] = "tcp|udp",
	[OPT_PROTO_ANY] = "tcp|udp|icmp",
	[OPT_LIMIT] = "N",
	[OPT_CURSOR] = "CURSOR",
	[OPT_ONOFF] = "on|off",
	[OPT_CHOICE] = NULL,
	[OPT_SET_KEY] = "KEY",
	[OPT_SET_VALUE] = "VALUE",
	[OPT_FLAG] = NULL,
};
_Static_assert(sizeof(kind_meta) / sizeof(kind_meta[0]) == OPT_NKINDS,
	       "a placeholder for every kind of option");

/**
 * opt_meta() - the placeholder of a row's value in the usage text
 * @o:		the row
 *
 * Return: "MAC", "tcp|udp", ...; "" for a flag
 */
const char *opt_meta(const struct opt *o)
{
	if (o->meta)
		return o->meta;
	return kind_meta[o->kind] ? kind_meta[o->kind] : "";
}

/**
 * opt_find() - the row of an option by its name
 * @t:		the table, NULL for none
 * @name:	"--mac"
 *
 * Return: the row, NULL if @t has no such option
 */
const struct opt *opt_find(const struct opt *t, const char *name)
{
	for (; t && t->key; t++)
		if (t->name && !strcmp(t->name, name))
			return t;
	return NULL;
}

/* the words of the placeholder "a|b|c" as "a, b or c" */
static void choice_words(const char *alts, char *buf, size_t len)
{
	size_t n = 0;
	const char *p, *bar;

	buf[0] = '\0';
	for (p = alts; *p; p = bar + 1) {
		bar = strchr(p, '|');
		if (!bar)
			bar = p + strlen(p);
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%.*s",
				      p == alts ? "" : *bar ? ", " : " or ",
				      (int)(bar - p), p);
		if (!*bar)
			break;
	}
}

/* is @s one of the words of "a|b|c"? */
static bool choice_ok(const char *alts, const char *s)
{
	size_t n = strlen(s);
	const char *p = alts;

	while (n && (p = strstr(p, s))) {
		if ((p == alts || p[-1] == '|') && (!p[n] || p[n] == '|'))
			return true;
		p += n;
	}
	return false;
}

/*
 * The value @s of row @o, checked by its kind's parser, as it goes into the
 * request; NULL with the parser's message at @err when it is not valid.
 * @args: what is read so far (a setting's VALUE depends on its KEY).
 */
static json_t *opt_value(const struct opt *o, const char *s, json_t *args,
			 char *err, size_t errlen)
{
	const char *what = o->name ? o->name : opt_meta(o);
	struct ctl_ext_spec ext;
	enum parse_setting key;
	uint16_t lo, hi;
	uint8_t mac[6], b;
	uint32_t a, v;
	char words[96];
	long n;
	char *end;
	int ret = 0;

	switch (o->kind) {
	case OPT_NAME:
		ret = parse_name(s, err, errlen);
		break;
	case OPT_ADDR:
		ret = parse_addr(what, s, &a, err, errlen);
		break;
	case OPT_CIDR:
		ret = parse_cidr(what, s, &a, &b, err, errlen);
		break;
	case OPT_PORTS:
		ret = parse_ports(what, s, &lo, &hi, err, errlen);
		if (!ret && lo == hi)	/* the API takes one port as a number */
			return json_integer(lo);
		break;
	case OPT_RANGE:
		ret = parse_range(what, s, &lo, &hi, err, errlen);
		break;
	case OPT_ADDR_PORTS:
		ret = parse_addr_ports(what, s, &a, &lo, &hi, err, errlen);
		break;
	case OPT_MAC:
		ret = parse_mac(what, s, mac, err, errlen);
		break;
	case OPT_IFNAME:
	case OPT_NSIF:
		ret = parse_ifname(what, s, err, errlen);
		break;
	case OPT_EXT:
		ret = ctl_ext_spec_parse(what, s, &ext, err, errlen);
		break;
	case OPT_OWNER:
		ret = parse_owner(what, s, err, errlen);
		break;
	case OPT_NETNS:
		ret = parse_netns(s, err, errlen);
		break;
	case OPT_PROTO:
	case OPT_PROTO_ANY:
		ret = parse_proto(s, o->kind == OPT_PROTO_ANY, &b, err, errlen);
		break;
	case OPT_LIMIT:
		n = strtol(s, &end, 10);
		if (*end || end == s || n < 1 || n > CTL_PAGE_MAX) {
			snprintf(err, errlen, "%s '%.64s' must be a number from "
				 "1 to %d", what, s, CTL_PAGE_MAX);
			return NULL;
		}
		return json_integer(n);
	case OPT_CURSOR:	/* opaque here: req.c checks it */
		break;
	case OPT_ONOFF:
	case OPT_CHOICE:
		if (!choice_ok(opt_meta(o), s)) {
			choice_words(opt_meta(o), words, sizeof(words));
			snprintf(err, errlen, "%s '%.64s' is not valid: use %s",
				 what, s, words);
			return NULL;
		}
		if (o->kind == OPT_ONOFF)
			return json_boolean(!strcmp(s, "on"));
		break;
	case OPT_SET_KEY:
		ret = parse_setting_key(s, &key, err, errlen);
		break;
	case OPT_SET_VALUE:
		ret = parse_setting_key(json_string_value(json_object_get(args,
							 "key")) ?: "",
					&key, err, errlen);
		if (!ret)
			ret = parse_setting_value(key, s, &v, err, errlen);
		break;
	case OPT_FLAG:
		return json_true();
	case OPT_NKINDS:
		break;
	}
	return ret ? NULL : json_string(s);
}

/**
 * opt_parse() - the one option loop: the arguments of a command into the
 * arguments of its request
 * @t:		the command's table (NULL: it takes no argument)
 * @common:	options every command takes (OPT_FLAG rows, into @local)
 * @argc:	words after the command
 * @argv:	the words
 * @args:	the request's arguments, filled in
 * @local:	the CLI's own options (OPT_LOCAL), filled in
 * @err:	one-line message on failure
 * @errlen:	room at @err
 *
 * Each word is checked with the parser its kind uses; a second value of an
 * option is refused unless its row is OPT_REPEAT. What is required is not
 * checked here: see opt_req_check().
 *
 * Return: 0; OPT_EINVAL for a wrong word; OPT_EDUP for an option given twice
 */
int opt_parse(const struct opt *t, const struct opt *common, int argc,
	      char **argv, json_t *args, json_t *local, char *err,
	      size_t errlen)
{
	const char *first[OPT_MAX] = { NULL };	/* the value of each row */
	const struct opt *o, *pos = t;
	int i;

	for (i = 0; t && t[i].key; i++)
		;
	if (i > OPT_MAX) {	/* a table too long for first[] */
		snprintf(err, errlen, "a command of %d options: at most %d",
			 i, OPT_MAX);
		return OPT_EINVAL;
	}
	for (i = 0; i < argc; i++) {
		const char *w = argv[i], *v = w;
		json_t *val, *dst;

		if (w[0] == '-' && (o = opt_find(common, w))) {
			json_object_set_new(local, o->key, json_true());
			continue;
		}
		if (w[0] == '-') {
			o = opt_find(t, w);
			if (!o) {
				snprintf(err, errlen, "unknown option '%.64s'",
					 w);
				return OPT_EINVAL;
			}
			if (++i == argc) {
				snprintf(err, errlen, "option %s needs a value",
					 w);
				return OPT_EINVAL;
			}
			v = argv[i];
		} else {	/* the next positional row */
			while (pos && pos->key && pos->name)
				pos++;
			if (!pos || !pos->key) {
				snprintf(err, errlen, "unexpected argument "
					 "'%.64s'", w);
				return OPT_EINVAL;
			}
			o = pos++;
		}
		if (first[o - t] && !(o->flags & OPT_REPEAT)) {
			snprintf(err, errlen, "%s given twice ('%.64s', then "
				 "'%.64s'); give it once", o->name, first[o - t],
				 v);
			return OPT_EDUP;
		}
		if (!first[o - t])
			first[o - t] = v;
		val = opt_value(o, v, args, err, errlen);
		if (!val)
			return OPT_EINVAL;
		dst = o->flags & OPT_LOCAL ? local : args;
		if (o->flags & OPT_REPEAT) {
			if (!json_object_get(dst, o->key))
				json_object_set_new(dst, o->key, json_array());
			json_array_append_new(json_object_get(dst, o->key),
					      val);
		} else {
			json_object_set_new(dst, o->key, val);
		}
	}
	return 0;
}

/* one word of a usage text: "NAME", "[--bridge IFNAME]", "[--prefix CIDR]..." */
static size_t usage_word(const struct opt *o, bool bare, char *buf,
			 size_t len)
{
	return (size_t)snprintf(buf, len, " %s%s%s%s%s%s", bare ? "" : "[",
				o->name ? o->name : "",
				o->name && opt_meta(o)[0] ? " " : "",
				opt_meta(o), bare ? "" : "]",
				o->flags & OPT_REPEAT ? "..." : "");
}

/**
 * opt_usage() - the usage text of a command from its table
 * @t:		the table, NULL for none
 * @buf:	the text, "" for a command without arguments
 * @len:	room at @buf
 *
 * Required words (OPT_REQ) are bare, the others bracketed; rows with
 * OPT_ALT or OPT_ALT_ONLY make a second form after " | ".
 */
void opt_usage(const struct opt *t, char *buf, size_t len)
{
	const struct opt *o;
	bool alt = false;
	size_t n = 0;

	buf[0] = '\0';
	for (o = t; o && o->key; o++) {
		alt |= !!(o->flags & OPT_ALT_ONLY);
		if (!(o->flags & OPT_ALT_ONLY) && n < len)
			n += usage_word(o, o->flags & OPT_REQ, buf + n, len - n);
	}
	if (alt && n < len)
		n += (size_t)snprintf(buf + n, len - n, " |");
	for (o = t; alt && o->key; o++)
		if (o->flags & (OPT_ALT | OPT_ALT_ONLY) && n < len)
			n += usage_word(o, o->flags & OPT_ALT_ONLY, buf + n,
					len - n);
	if (buf[0])
		memmove(buf, buf + 1, strlen(buf));
}

/* the row of the request argument @key, NULL if none */
static const struct opt *opt_of_key(const struct opt *t, const char *key,
				    size_t keylen)
{
	for (; t && t->key; t++)
		if (!(t->flags & OPT_LOCAL) && strlen(t->key) == keylen &&
		    !strncmp(t->key, key, keylen))
			return t;
	return NULL;
}

/*
 * A message of req.c in the command line's words: "map.add needs argument
 * 'proto'" -> "map add needs --proto tcp|udp", "'owner'" -> "--owner",
 * "'network'" -> "NAME".
 */
static void req_words(const struct opt *t, const char *api,
		      const char *words, const char *msg, char *out,
		      size_t len)
{
	size_t n = 0, alen = strlen(api);
	const char *p = msg;

	while (*p && n + 1 < len) {
		const char *q = p, *end;
		const struct opt *o = NULL;
		bool one = false;

		if (!strncmp(q, "argument ", 9) || !strncmp(q, "arguments ", 10))
			q = strchr(q, ' ') + 1;
		if (*q == '\'' && (end = strchr(q + 1, '\'')))
			o = opt_of_key(t, q + 1, (size_t)(end - q - 1));
		if (o) {
			/* "needs argument 'x'": name it with its value */
			one = q - p == 9 && n >= 6 &&
			      !strncmp(out + n - 6, "needs ", 6);
			n += (size_t)snprintf(out + n, len - n, "%s%s%s",
					      o->name ? o->name : opt_meta(o),
					      one && o->name ? " " : "",
					      one && o->name ? opt_meta(o) : "");
			p = end + 1;
		} else if (!strncmp(p, api, alen)) {
			n += (size_t)snprintf(out + n, len - n, "%s", words);
			p += alen;
		} else {
			out[n++] = *p++;
		}
	}
	out[n < len ? n : len - 1] = '\0';
}

/**
 * opt_req_check() - check a request as the API will, before it is sent:
 * what is required and what goes together is the API's table (req.c)
 * @t:		the command's table, to name its options in the message
 * @api:	the API command, "map.add"
 * @words:	the command line's words for it, "map add"
 * @args:	the request's arguments
 * @err:	one-line message on failure, in the command line's words
 * @errlen:	room at @err
 *
 * Return: 0, or -EINVAL (-ENOMEM) with @err
 */
int opt_req_check(const struct opt *t, const char *api, const char *words,
		  json_t *args, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s, s:O}", "cmd", api, "args", args);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	char msg[CTL_ERR_MAX];
	struct ctl_req r;
	int ret = -ENOMEM;

	snprintf(err, errlen, "out of memory");
	if (text) {
		ret = ctl_req_parse(text, strlen(text), &r, msg, sizeof(msg));
		if (ret)
			req_words(t, api, words, msg, err, errlen);
	}
	free(text);
	json_decref(req);
	return ret;
}
