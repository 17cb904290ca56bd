/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - hostnat.c: the command-line tool
 *
 * Theory of operation
 * -------------------
 * hostnat turns a command line into one API request to hostnatd (a JSON
 * line on the Unix socket, docs/PROTOCOL.md), waits for the one response
 * line (src/ctl/client.c, shared with the CNI plugin), and prints the
 * result: aligned tables and short texts
 * for people; with -j (--json) the daemon's result as one compact JSON
 * document, as `ip -j` prints, indented with -p (--pretty).
 *
 * The commands are one table, cmds[], of { object, command, API command,
 * options, handler, show, help } rows, as wg and ip have it: dispatch and
 * usage text come from it. Each row's options are a table of their own
 * (struct opt, opt.c): one loop, opt_parse(), reads every command's words
 * with the parsers the daemon uses (src/ctl/parse.c) and refuses an option
 * given twice; what is required is the API's table (src/ctl/req.c), asked
 * by opt_req_check() on the request before it is sent. So a typo is
 * reported with the rejected word and nothing is sent; the daemon checks
 * again. Most commands need no handler: the request is sent and the
 * answer printed by the row's show function.
 *
 * `hostnat __complete WORD...`, not in the usage, prints the candidates
 * for the last word from the same tables (dist/bash-completion/hostnat).
 *
 * Exit status: 0 done; 1 the daemon refused or could not be reached (one
 * line "hostnat: <message>" on stderr); 2 the command line is wrong (the
 * message and the command's usage on stderr).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "ctl.h"
#include "prom.h"
#include "opt.h"
#include "parse.h"
#include "req.h"

#ifndef HOSTNAT_VERSION
#define HOSTNAT_VERSION "0.1.0"
#endif

#define EXIT_REFUSED 1		/* the daemon said no, or is not there */
#define EXIT_USAGE 2		/* the command line is wrong */
#define RESP_MAX (256u << 20)	/* bytes, largest response read */

struct cli {
	const char *sock;	/* API socket path */
	bool json;		/* print results as JSON */
	bool pretty;		/* JSON indented */
};

struct cmd;
typedef int (*handler_fn)(const struct cli *cli, const struct cmd *c,
			  json_t *args, json_t *local);

/**
 * struct cmd - a command of the CLI
 * @object:	first word
 * @command:	second word, NULL if none
 * @api:	the API command it sends, NULL for none
 * @opts:	its arguments (opt.h), NULL for none: the usage text and the
 *		completion come from them
 * @fn:		does it with the request's @args and the CLI's own options
 *		@local; NULL: send @args, print the answer with @show
 * @show:	prints the answer for people, NULL: nothing
 * @help:	one line
 */
struct cmd {
	const char *object;
	const char *command;
	const char *api;
	const struct opt *opts;
	handler_fn fn;
	void (*show)(json_t *res);
	const char *help;
};

static const struct cmd cmds[];
static const struct opt out_opts[];

/* ---- messages --------------------------------------------------------- */

#define USAGE_OPTS "[--socket PATH] [-j|--json] [-p|--pretty]"

static void print_usage_of(FILE *f, const struct cmd *c)
{
	char args[512];

	opt_usage(c->opts, args, sizeof(args));
	fprintf(f, "usage: hostnat " USAGE_OPTS " %s%s%s%s%s\n", c->object,
		c->command ? " " : "", c->command ? c->command : "",
		args[0] ? " " : "", args);
}

static int usage_err(const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_err(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fputs("hostnat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		print_usage_of(stderr, c);
	return EXIT_USAGE;
}

static void usage(FILE *f)
{
	const struct cmd *c;
	unsigned k;

	fputs("usage: hostnat " USAGE_OPTS " OBJECT COMMAND [ARGS]\n\n", f);
	for (c = cmds; c->object; c++) {
		char words[48], args[512];

		snprintf(words, sizeof(words), "%s%s%s", c->object,
			 c->command ? " " : "", c->command ? c->command : "");
		fprintf(f, "  %-16s %s\n", words, c->help);
		opt_usage(c->opts, args, sizeof(args));
		if (args[0])
			fprintf(f, "  %-16s   %s\n", "", args);
	}
	fprintf(f, "\n  --socket PATH    API socket of hostnatd (default %s)\n"
		   "  -j, --json       print the daemon's answer as JSON, one "
		   "line\n"
		   "  -p, --pretty     print the JSON indented (implies -j)\n"
		   "\nnetwork set keys:\n", CTL_SOCKET_DEFAULT);
	for (k = 0; k < SET_NKEYS; k++)
		fprintf(f, "  %-24s %s\n",
			parse_setting_name((enum parse_setting)k),
			parse_setting_help((enum parse_setting)k));
}

/* ---- talking to the daemon -------------------------------------------- */

/* print what @e says went wrong, with the CLI's prefix */
static void client_perror(const struct client_err *e)
{
	fprintf(stderr, "hostnat: %s\n",
		e->refused && !e->msg[0] ? "request refused" : e->msg);
}

/*
 * Send command @cmd with @args (borrowed) and return the whole response
 * in *@out (json_decref() it). On failure the message is printed.
 */
static int rpc_resp(const struct cli *cli, const char *cmd, json_t *args,
		    json_t **out)
{
	struct client_err e;

	if (client_call(cli->sock, 0, RESP_MAX, cmd, args, out, &e)) {
		client_perror(&e);
		return EXIT_REFUSED;
	}
	return 0;
}

/*
 * Send command @cmd with @args (borrowed) and return its result in *@res
 * (json_decref() it). On failure the message is printed.
 */
static int rpc(const struct cli *cli, const char *cmd, json_t *args,
	       json_t **res)
{
	json_t *resp;
	int ret = rpc_resp(cli, cmd, args, &resp);

	*res = ret ? NULL : json_incref(json_object_get(resp, "result"));
	json_decref(resp);
	return ret;
}

/* ---- output ----------------------------------------------------------- */

#define TABLE_COLS 8

struct table {
	unsigned ncol;
	unsigned nrow;
	char **cell;		/* nrow * ncol strings */
};

static void table_row(struct table *t, ...)
{
	char **p = realloc(t->cell, (t->nrow + 1) * t->ncol * sizeof(*p));
	va_list ap;
	unsigned i;

	if (!p)
		return;
	t->cell = p;
	va_start(ap, t);
	for (i = 0; i < t->ncol; i++) {
		const char *s = va_arg(ap, const char *);

		p[t->nrow * t->ncol + i] = strdup(s ? s : "-");
	}
	va_end(ap);
	t->nrow++;
}

static void table_print(struct table *t)
{
	size_t w[TABLE_COLS] = { 0 };
	unsigned r, i;

	for (r = 0; r < t->nrow; r++)
		for (i = 0; i < t->ncol; i++) {
			const char *s = t->cell[r * t->ncol + i];
			size_t n = s ? strlen(s) : 0;

			if (n > w[i])
				w[i] = n;
		}
	for (r = 0; r < t->nrow; r++) {
		for (i = 0; i < t->ncol; i++) {
			const char *s = t->cell[r * t->ncol + i];

			if (i + 1 == t->ncol)
				printf("%s\n", s ? s : "");
			else
				printf("%-*s  ", (int)w[i], s ? s : "");
		}
	}
	for (r = 0; r < t->nrow * t->ncol; r++)
		free(t->cell[r]);
	free(t->cell);
	t->cell = NULL;
	t->nrow = 0;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static long long jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "a, b, c" of a list of strings, or of member @key of a list */
static void join(char *buf, size_t len, json_t *list, const char *key)
{
	size_t i, n = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(list, i, v) {
		const char *s = key ? jstr(v, key) : json_string_value(v);

		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      i ? "," : "", s ? s : "?");
	}
	if (!n)
		snprintf(buf, len, "-");
}

/* one JSON document: compact on one line (ip -j), or indented (-p) */
static void print_json(const struct cli *cli, json_t *j)
{
	char *s = json_dumps(j, (cli->pretty ? JSON_INDENT(2) : JSON_COMPACT) |
				    JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	if (s)
		printf("%s\n", s);
	free(s);
}

static void map_cells(json_t *m, char *ext, size_t elen, char *in,
		      size_t ilen)
{
	const char *ea = json_string_value(json_object_get(m,
							   "external_address"));

	long long ep = jint(m, "external_port"),
		  ee = jint(m, "external_port_end"),
		  ip = jint(m, "internal_port"),
		  ie = jint(m, "internal_port_end");

	if (ee > ep)
		snprintf(ext, elen, "%s:%lld-%lld", ea ? ea : "*", ep, ee);
	else
		snprintf(ext, elen, "%s:%lld", ea ? ea : "*", ep);
	if (ie > ip)
		snprintf(in, ilen, "%s:%lld-%lld",
			 jstr(m, "internal_address"), ip, ie);
	else
		snprintf(in, ilen, "%s:%lld", jstr(m, "internal_address"),
			 ip);
}

static void print_maps(json_t *list, bool with_net)
{
	struct table t = { .ncol = 7 };
	size_t i;
	json_t *m;

	/* without the network column: the cells shift left by one */
	if (!with_net)
		t.ncol = 6;
	table_row(&t, with_net ? "NETWORK" : "PROTO",
		  with_net ? "PROTO" : "EXTERNAL",
		  with_net ? "EXTERNAL" : "INTERNAL",
		  with_net ? "INTERNAL" : "REMOTE",
		  with_net ? "REMOTE" : "TYPE", with_net ? "TYPE" : "OWNER",
		  "OWNER");
	json_array_foreach(list, i, m) {
		char ext[64], in[64];
		const char *type = json_is_true(json_object_get(m, "dynamic")) ?
					   "dynamic" : "static";

		map_cells(m, ext, sizeof(ext), in, sizeof(in));
		if (with_net)
			table_row(&t, jstr(m, "network"), jstr(m, "proto"), ext,
				  in, jstr(m, "remote"), type,
				  jstr(m, "owner"));
		else
			table_row(&t, jstr(m, "proto"), ext, in,
				  jstr(m, "remote"), type, jstr(m, "owner"),
				  NULL);
	}
	table_print(&t);
}

/* ---- output of each command ------------------------------------------- */

static void show_net_list(json_t *res)
{
	struct table t = { .ncol = 6 };
	size_t i;
	json_t *n;

	table_row(&t, "NAME", "STATE", "PREFIXES", "BRIDGE", "GATEWAY",
		  "EXTERNALS");
	json_array_foreach(res, i, n) {
		char px[512], ex[512];

		join(px, sizeof(px), json_object_get(n, "prefixes"), NULL);
		join(ex, sizeof(ex), json_object_get(n, "externals"),
		     "address");
		table_row(&t, jstr(n, "name"), jstr(n, "state"), px,
			  jstr(n, "bridge"), jstr(n, "gateway"), ex);
	}
	table_print(&t);
}

static void show_pool(json_t *p)
{
	struct table t = { .ncol = 6 };
	size_t i;
	json_t *e;

	if (!json_is_object(p))
		return;
	printf("  %-24s %s: %lld addresses, %lld used, %lld free\n", "pool",
	       jstr(p, "prefix"), jint(p, "size"), jint(p, "used"),
	       jint(p, "free"));
	printf("\n");
	table_row(&t, "KIND", "ADDRESS", "MAC", "NAME", "STATE", "EXPIRES");
	json_array_foreach(json_object_get(p, "entries"), i, e) {
		char exp[32] = "-";
		json_t *x = json_object_get(e, "expiry");

		if (json_is_integer(x)) {
			time_t tt = (time_t)json_integer_value(x);
			struct tm tm;

			if (localtime_r(&tt, &tm))
				strftime(exp, sizeof(exp), "%F %T", &tm);
		}
		table_row(&t, jstr(e, "kind"), jstr(e, "address"),
			  json_is_string(json_object_get(e, "mac")) ?
				  jstr(e, "mac") : "-",
			  jstr(e, "name")[0] ? jstr(e, "name") : "-",
			  json_is_string(json_object_get(e, "state")) ?
				  jstr(e, "state") : "-", exp);
	}
	table_print(&t);
}

static void show_net(json_t *n)
{
	const char *key;
	json_t *v, *ex = json_object_get(n, "externals");
	char px[512];
	size_t i;

	join(px, sizeof(px), json_object_get(n, "prefixes"), NULL);
	printf("network %s\n", jstr(n, "name"));
	printf("  %-24s %s\n", "state", jstr(n, "state"));
	if (json_is_string(json_object_get(n, "closed_reason")))
		printf("  %-24s %s\n", "closed because",
		       jstr(n, "closed_reason"));
	printf("  %-24s %s\n", "prefixes", px);
	printf("  %-24s %s (%s)\n", "bridge", jstr(n, "bridge"),
	       json_is_true(json_object_get(n, "own_bridge")) ?
		       "created by hostnat" : "existing");
	printf("  %-24s %s\n", "gateway", jstr(n, "gateway"));
	printf("  %-24s %s\n", "host address", jstr(n, "host_address"));
	if (!json_array_size(ex))
		printf("  %-24s none\n", "external");
	json_array_foreach(ex, i, v)
		printf("  %-24s %s on %s, ports %lld-%lld\n", "external",
		       jstr(v, "address"), jstr(v, "interface"),
		       jint(v, "port_low"), jint(v, "port_high"));
	json_object_foreach(json_object_get(n, "settings"), key, v) {
		enum parse_setting k;
		char val[32], e[CTL_ERR_MAX];

		if (json_is_integer(v) &&
		    !parse_setting_key(key, &k, e, sizeof(e))) {
			/* with the setting's own unit (s, a count, 1/N) */
			parse_setting_fmt(k, (uint32_t)json_integer_value(v),
					  val, sizeof(val));
			printf("  %-24s %s\n", key, val);
		} else if (json_is_integer(v))	/* a key this CLI lacks */
			printf("  %-24s %lld\n", key,
			       (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("  %-24s %s\n", key,
			       json_is_true(v) ? "on" : "off");
		else
			printf("  %-24s %s\n", key, json_string_value(v));
	}
	if (json_object_get(n, "sessions"))
		printf("  %-24s %lld\n", "sessions", jint(n, "sessions"));
	json_array_foreach(json_object_get(n, "overlaps"), i, v)
		printf("  %-24s %s\n", "warning", json_string_value(v));
	show_pool(json_object_get(n, "pool"));
	if (json_array_size(json_object_get(n, "mappings"))) {
		printf("\n");
		print_maps(json_object_get(n, "mappings"), false);
	}
}

static void show_port(json_t *m)
{
	printf("%lld\n", jint(m, "external_port"));
}

/* the answer of a deletion by owner: {"deleted": N, ...} */
static void show_deleted(json_t *res)
{
	printf("deleted %lld\n", jint(res, "deleted"));
}

static void show_maps(json_t *res)
{
	print_maps(res, true);
}

static void show_exts(json_t *res)
{
	struct table t = { .ncol = 4 };
	size_t i;
	json_t *e;

	table_row(&t, "NETWORK", "ADDRESS", "INTERFACE", "PORTS");
	json_array_foreach(res, i, e) {
		char ports[16];

		snprintf(ports, sizeof(ports), "%lld-%lld", jint(e, "port_low"),
			 jint(e, "port_high"));
		table_row(&t, jstr(e, "network"), jstr(e, "address"),
			  jstr(e, "interface"), ports);
	}
	table_print(&t);
}

static void show_sessions(json_t *res)
{
	struct table t = { .ncol = 8 };
	size_t i;
	json_t *s;

	table_row(&t, "NETWORK", "PROTO", "INTERNAL", "EXTERNAL", "REMOTE",
		  "STATE", "AGE", "IDLE");
	json_array_foreach(res, i, s) {
		char in[32], ex[32], re[32], age[16], idle[16];

		snprintf(in, sizeof(in), "%s:%lld", jstr(s, "internal_address"),
			 jint(s, "internal_port"));
		snprintf(ex, sizeof(ex), "%s:%lld", jstr(s, "external_address"),
			 jint(s, "external_port"));
		snprintf(re, sizeof(re), "%s:%lld", jstr(s, "remote_address"),
			 jint(s, "remote_port"));
		snprintf(age, sizeof(age), "%llds", jint(s, "age"));
		snprintf(idle, sizeof(idle), "%llds", jint(s, "idle"));
		table_row(&t, jstr(s, "network"), jstr(s, "proto"), in, ex, re,
			  jstr(s, "state"), age, idle);
	}
	table_print(&t);
}

static void show_counts(const char *what, json_t *o)
{
	const char *key;
	json_t *v;

	printf("  %s:", what);
	if (!json_object_size(o))
		printf(" none");
	json_object_foreach(o, key, v)
		printf(" %s %lld", key, (long long)json_integer_value(v));
	printf("\n");
}

static void show_dhcp_stats(const char *net, json_t *d)
{
	if (!json_is_object(d))
		return;
	printf("\nnetwork %s dhcp (%s):\n", net,
	       json_is_true(json_object_get(d, "running")) ? "running" :
							     "no socket");
	show_counts("received", json_object_get(d, "received"));
	show_counts("sent", json_object_get(d, "sent"));
	printf("  dropped: %lld\n", jint(d, "dropped"));
	show_counts("drops", json_object_get(d, "drops"));
	show_counts("malformed", json_object_get(d, "malformed"));
}

static void show_stats(json_t *res)
{
	json_t *eng = json_object_get(res, "engine"), *v;
	struct table t = { .ncol = 6 };
	const char *key;
	bool drops = false;
	size_t i;

	json_object_foreach(eng, key, v)
		if (json_is_integer(v))
			printf("%-20s %lld\n", key,
			       (long long)json_integer_value(v));
	printf("drops:\n");
	json_object_foreach(json_object_get(eng, "drops"), key, v) {
		if (!json_integer_value(v))
			continue;
		printf("  %-24s %lld\n", key, (long long)json_integer_value(v));
		drops = true;
	}
	if (!drops)
		printf("  none\n");
	printf("\n");
	table_row(&t, "NETWORK", "SESSIONS", "TCP", "UDP", "ICMP", "MAPPINGS");
	json_array_foreach(json_object_get(res, "networks"), i, v) {
		char n[5][24];
		static const char *const k[] = { "sessions", "tcp", "udp",
						 "icmp", "mappings" };

		for (unsigned j = 0; j < 5; j++)
			snprintf(n[j], sizeof(n[j]), "%lld", jint(v, k[j]));
		table_row(&t, jstr(v, "name"), n[0], n[1], n[2], n[3], n[4]);
	}
	table_print(&t);
	json_array_foreach(json_object_get(res, "networks"), i, v)
		show_dhcp_stats(jstr(v, "name"), json_object_get(v, "dhcp"));
}

static void show_prom(json_t *res)
{
	prom_print(stdout, res);
}

static void show_leases(json_t *res)
{
	struct table t = { .ncol = 7 };
	size_t i;
	json_t *e;

	if (json_is_object(res))
		res = json_object_get(res, "ended") ?
			json_object_get(res, "ended") : res;
	if (json_is_object(res)) {
		json_t *one = json_array();

		json_array_append(one, res);
		show_leases(one);
		json_decref(one);
		return;
	}
	table_row(&t, "NETWORK", "KIND", "ADDRESS", "MAC", "NAME", "STATE",
		  "EXPIRES");
	json_array_foreach(res, i, e) {
		char exp[32] = "-";
		json_t *x = json_object_get(e, "expiry");

		if (json_is_integer(x)) {
			time_t tt = (time_t)json_integer_value(x);
			struct tm tm;

			if (localtime_r(&tt, &tm))
				strftime(exp, sizeof(exp), "%F %T", &tm);
		}
		table_row(&t, jstr(e, "network"), jstr(e, "kind"),
			  jstr(e, "address"), jstr(e, "mac"),
			  jstr(e, "name")[0] ? jstr(e, "name") : "-",
			  jstr(e, "state"), exp);
	}
	table_print(&t);
}

static void show_endpoints(json_t *res)
{
	struct table t = { .ncol = 8 };
	size_t i;
	json_t *e;

	if (json_is_object(res)) {
		json_t *one = json_array();

		json_array_append(one, res);
		show_endpoints(one);
		json_decref(one);
		return;
	}
	table_row(&t, "NETWORK", "NETNS", "IFNAME", "ADDRESS", "MAC", "HOST-IF",
		  "OWNER", "STATE");
	json_array_foreach(res, i, e) {
		char st[128];
		json_t *why = json_object_get(e, "reason");

		if (json_is_true(json_object_get(e, "present")))
			snprintf(st, sizeof(st), "present");
		else if (json_is_string(why))
			snprintf(st, sizeof(st), "missing (%s)",
				 json_string_value(why));
		else
			snprintf(st, sizeof(st), "missing");
		table_row(&t, jstr(e, "network"), jstr(e, "netns"),
			  jstr(e, "ifname"), jstr(e, "address"), jstr(e, "mac"),
			  jstr(e, "host_interface"), jstr(e, "owner"), st);
	}
	table_print(&t);
}

static void show_version(json_t *res)
{
	printf("hostnat %s, hostnatd %s (protocol %lld)\n", HOSTNAT_VERSION,
	       jstr(res, "version"), jint(res, "protocol"));
}

/* ---- handlers --------------------------------------------------------- */

/* send @args, print the result with @show (or as JSON) */
static int finish(const struct cli *cli, const char *cmd, json_t *args,
		  void (*show)(json_t *res))
{
	json_t *res;
	int ret = rpc(cli, cmd, args, &res);

	if (ret)
		return ret;
	if (cli->json)
		print_json(cli, res);
	else if (show)
		show(res);
	json_decref(res);
	return 0;
}

static int do_map_add(const struct cli *cli, const struct cmd *c,
		      json_t *args, json_t *local)
{
	(void)local;
	/* no port asked for: say which one was picked */
	return finish(cli, c->api, args, json_object_get(args, "external_port") ?
		      NULL : show_port);
}

static int do_map_del(const struct cli *cli, const struct cmd *c,
		      json_t *args, json_t *local)
{
	(void)local;
	return finish(cli, c->api, args, json_object_get(args, "owner") ?
		      show_deleted : NULL);
}

#define SESSION_PAGE_ALL 10000	/* sessions per page when fetching all */

/*
 * session list: without --limit, every page in turn (SESSION_PAGE_ALL
 * sessions each) into one list, printed as a table or, with --json, as
 * one JSON list. With --limit N, one page of N sessions (from --after C):
 * the table, then "more: --after C" on stderr when more remain; with
 * --json, {"sessions": [...], "next": C or null}.
 */
static int do_session_list(const struct cli *cli, const struct cmd *c,
			   json_t *args, json_t *local)
{
	json_t *all = NULL, *resp = NULL, *next;
	int ret;

	(void)local;
	if (json_object_get(args, "limit")) {	/* one page */
		ret = rpc_resp(cli, c->api, args, &resp);
		if (ret)
			return ret;
		next = json_object_get(resp, "next");
		if (cli->json) {
			json_t *o = json_pack("{s:O, s:O}", "sessions",
					      json_object_get(resp, "result"),
					      "next", next ? next : json_null());

			print_json(cli, o);
			json_decref(o);
		} else {
			show_sessions(json_object_get(resp, "result"));
			if (json_is_string(next))
				fprintf(stderr, "more: --after %s\n",
					json_string_value(next));
		}
		json_decref(resp);
		return 0;
	}
	all = json_array();
	json_object_set_new(args, "limit", json_integer(SESSION_PAGE_ALL));
	for (;;) {		/* every page */
		ret = rpc_resp(cli, c->api, args, &resp);
		if (ret)
			goto out;
		json_array_extend(all, json_object_get(resp, "result"));
		next = json_object_get(resp, "next");
		if (!json_is_string(next))
			break;
		json_object_set(args, "after", next);
		json_decref(resp);
		resp = NULL;
	}
	if (cli->json)
		print_json(cli, all);
	else
		show_sessions(all);
out:
	json_decref(resp);
	json_decref(all);
	return ret;
}

static int do_stats(const struct cli *cli, const struct cmd *c, json_t *args,
		    json_t *local)
{
	const char *fmt = json_string_value(json_object_get(local, "format"));
	bool prom = fmt && !strcmp(fmt, "prometheus");

	if (cli->json && prom)
		return usage_err(c, "--json and --format prometheus are two "
				 "formats: give one");
	return finish(cli, c->api, args, prom ? show_prom : show_stats);
}

/* one event of the monitor, as conntrack -E prints it */
static void show_event(json_t *e)
{
	const char *ev = jstr(e, "event"), *net = jstr(e, "network");
	json_t *res = json_object_get(e, "result"), *m;
	size_t i;

	if (!strcmp(ev, "session.new") || !strcmp(ev, "session.end")) {
		char tag[32];
		bool in = json_is_true(json_object_get(e, "inbound"));

		if (ev[8] == 'n')
			snprintf(tag, sizeof(tag), "[NEW]");
		else
			snprintf(tag, sizeof(tag), "[END %s]",
				 jstr(e, "reason"));
		printf("%s %s %s %s %s via %s (net %s)\n", tag,
		       jstr(e, "proto"), jstr(e, "internal"), in ? "<-" : "->",
		       jstr(e, "remote"), jstr(e, "external"), net);
	} else if (!strcmp(ev, "mapping.add")) {
		char ext[64], in[64];

		map_cells(res, ext, sizeof(ext), in, sizeof(in));
		printf("[MAP ADD] %s %s -> %s (net %s)\n", jstr(res, "proto"),
		       ext, in, jstr(res, "network"));
	} else if (!strcmp(ev, "mapping.del")) {
		json_t *list = json_object_get(res, "mappings");

		if (!list)	/* one mapping, by its port */
			list = json_pack("[O]", res);
		else
			json_incref(list);
		json_array_foreach(list, i, m) {
			char ext[64], in[64];

			map_cells(m, ext, sizeof(ext), in, sizeof(in));
			printf("[MAP DEL] %s %s -> %s (net %s)\n",
			       jstr(m, "proto"), ext, in, jstr(m, "network"));
		}
		json_decref(list);
	} else if (!strncmp(ev, "network.", 8)) {
		printf("[NET %s] %s\n", !strcmp(ev + 8, "add") ? "ADD" :
		       !strcmp(ev + 8, "del") ? "DEL" : "SET", net);
	} else if (!strcmp(ev, "overlap")) {
		printf("[OVERLAP] %s (net %s)\n", jstr(e, "overlap"), net);
	} else if (!strncmp(ev, "lease.", 6)) {
		printf("[%s] %s %s (net %s)\n",
		       !strcmp(ev + 6, "bound") ? "LEASE" : "RELEASE",
		       jstr(e, "address"), jstr(e, "mac"), net);
	} else if (!strcmp(ev, "lost")) {
		printf("[LOST] %lld events\n", jint(e, "count"));
	} else {
		printf("[%s]\n", ev);
	}
}

static int do_monitor(const struct cli *cli, const struct cmd *c,
		      json_t *args, json_t *local)
{
	struct client_err ce;
	char *line = NULL;
	size_t cap = 0;
	bool first = true;
	FILE *f;
	int fd, ret = EXIT_REFUSED;

	(void)local;
	fd = client_connect(cli->sock, 0, &ce);
	if (fd < 0) {
		client_perror(&ce);
		return EXIT_REFUSED;
	}
	if (client_send(fd, c->api, args) || !(f = fdopen(fd, "r"))) {
		fprintf(stderr, "hostnat: talking to hostnatd at %s failed: "
			"%s\n", cli->sock, strerror(errno));
		close(fd);
		return EXIT_REFUSED;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (getline(&line, &cap, f) > 0) {
		json_t *e = json_loads(line, 0, NULL);

		if (first) {	/* the answer to "monitor" */
			first = false;
			if (!json_is_true(json_object_get(e, "ok"))) {
				const char *m = json_string_value(
					json_object_get(e, "error"));

				fprintf(stderr, "hostnat: %s\n",
					m ? m : "monitor refused");
				json_decref(e);
				break;
			}
			ret = 0;
		} else if (cli->json) {
			fputs(line, stdout);
		} else if (json_is_object(e)) {
			show_event(e);
		}
		json_decref(e);
	}
	free(line);
	fclose(f);
	return ret;
}

static int do_help(const struct cli *cli, const struct cmd *c, json_t *args,
		   json_t *local)
{
	(void)cli;
	(void)c;
	(void)args;
	(void)local;
	usage(stdout);
	return 0;
}

/* ---- completion ------------------------------------------------------- */

/*
 * hostnat __complete WORD...: the candidates for the last WORD (empty for
 * a new word), one a line, for dist/bash-completion/hostnat. Hidden: not a
 * row of cmds[] and not in the usage. Every word comes from where the CLI
 * itself takes it, so that a new row, option or setting completes without
 * a second list: objects and commands from cmds[], options and their
 * finite values ("tcp|udp", "on|off") from each row's option table, setting
 * names and values from the settings table of src/ctl/parse.c, network
 * names from the daemon (network.list; nothing, quietly, when it does not
 * answer within COMPLETE_TIMEOUT_S), namespaces from /run/netns and
 * interfaces from /sys/class/net.
 */

#define COMPLETE_TIMEOUT_S 2	/* s, a daemon that does not answer */

static void cand(const char *cur, const char *word)
{
	if (!strncmp(word, cur, strlen(cur)))
		printf("%s\n", word);
}

/* "tcp|udp" -> tcp, udp; a placeholder in capitals ("ADDR") is no list */
static void cand_alternatives(const char *cur, const char *alts)
{
	char buf[48], *w, *save = NULL;

	if (!alts[0] || alts[strspn(alts, "abcdefghijklmnopqrstuvwxyz|")])
		return;
	snprintf(buf, sizeof(buf), "%s", alts);
	for (w = strtok_r(buf, "|", &save); w; w = strtok_r(NULL, "|", &save))
		cand(cur, w);
}

/* the names of a directory (network namespaces, interfaces) */
static void cand_dir(const char *cur, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			cand(cur, e->d_name);
	closedir(d);
}

/* the networks of a running daemon; nothing when it does not answer */
static void cand_networks(const struct cli *cli, const char *cur)
{
	json_t *res, *n;
	size_t i;

	if (rpc(cli, "network.list", NULL, &res))
		return;
	json_array_foreach(res, i, n)
		if (json_is_string(json_object_get(n, "name")))
			cand(cur, jstr(n, "name"));
	json_decref(res);
}

/* the settings of "network set", or the finite values of one of them */
static void cand_settings(const char *cur, const char *key_word)
{
	char err[CTL_ERR_MAX];
	enum parse_setting key;
	const char *seen[8] = { NULL };
	unsigned k, v;

	if (!key_word) {
		/* the snake_case names; a word begun the old way, with
		 * '-' ("udp-t"), completes to them as well */
		char snake[64];
		size_t i;

		snprintf(snake, sizeof(snake), "%s", cur);
		for (i = 0; snake[i]; i++)
			if (snake[i] == '-')
				snake[i] = '_';
		for (k = 0; k < SET_NKEYS; k++)
			cand(snake, parse_setting_name((enum parse_setting)k));
		return;
	}
	if (parse_setting_key(key_word, &key, err, sizeof(err)) ||
	    parse_setting_is_number(key))
		return;
	/* the values of a word setting are 0, 1, ...: stop at a repeat */
	for (v = 0; v < 8; v++) {
		const char *s = parse_setting_str(key, v);

		if (!s || !strcmp(s, "?") || (v && !strcmp(s, seen[v - 1])))
			break;
		seen[v] = s;
		cand(cur, s);
	}
}

/* the value of option @o */
static void cand_value(const char *cur, const struct opt *o)
{
	if (o->kind == OPT_NETNS)
		cand_dir(cur, "/run/netns");
	else if (o->kind == OPT_IFNAME || o->kind == OPT_EXT)
		cand_dir(cur, "/sys/class/net");
	else
		cand_alternatives(cur, opt_meta(o));
}

/* a positional word */
static void cand_positional(const struct cli *cli, const char *cur,
			    const struct opt *o, const char *key_word)
{
	if (o->flags & OPT_NEW)
		return;
	if (o->kind == OPT_NAME)
		cand_networks(cli, cur);
	else if (o->kind == OPT_SET_KEY)
		cand_settings(cur, NULL);
	else if (o->kind == OPT_SET_VALUE && key_word)
		cand_settings(cur, key_word);
	else
		cand_value(cur, o);
}

/* the arguments of command @c: argv[0..argc-2] given, argv[argc-1] now */
static void complete_args(const struct cli *cli, const struct cmd *c, int argc,
			  char **argv)
{
	const char *cur = argv[argc - 1], *key_word = NULL;
	bool used[OPT_MAX] = { false };
	const struct opt *o, *pos = c->opts;
	int i;

	for (i = 0; i < argc - 1; i++) {
		o = opt_find(c->opts, argv[i]);
		if (o && o - c->opts < OPT_MAX) {
			used[o - c->opts] = true;
			if (i + 1 == argc - 1) {	/* its value now */
				cand_value(cur, o);
				return;
			}
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		while (pos && pos->key && pos->name)
			pos++;
		if (pos && pos->key && pos->kind == OPT_SET_KEY)
			key_word = argv[i];
		if (pos && pos->key)
			pos++;
	}
	if (cur[0] == '-') {
		for (o = c->opts; o && o->key; o++)
			if (o->name && o - c->opts < OPT_MAX &&
			    (!used[o - c->opts] || o->flags & OPT_REPEAT))
				cand(cur, o->name);
		return;
	}
	while (pos && pos->key && pos->name)
		pos++;
	if (pos && pos->key)
		cand_positional(cli, cur, pos, key_word);
}

static int do_complete(struct cli *cli, int argc, char **argv)
{
	const struct cmd *c, *r;
	const struct opt *o;
	const char *cur;
	int i = 0, null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	/* quiet: a message would land in the user's command line */
	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	alarm(COMPLETE_TIMEOUT_S);
	if (argc < 1)
		return 0;
	cur = argv[argc - 1];
	while (i < argc - 1 && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--socket")) {
			if (i + 1 == argc - 1)
				return 0;	/* a path: the shell's */
			cli->sock = argv[++i];
		}
		i++;
	}
	if (i == argc - 1) {			/* the object */
		if (cur[0] == '-') {
			cand(cur, "--socket");
			cand(cur, "--help");
			for (o = out_opts; o->key; o++)
				if (o->name[1] == '-')
					cand(cur, o->name);
			return 0;
		}
		for (c = cmds; c->object; c++) {
			for (r = cmds; r < c && strcmp(r->object, c->object);
			     r++)
				;
			if (r == c)
				cand(cur, c->object);
		}
		return 0;
	}
	for (c = cmds; c->object; c++) {
		if (strcmp(c->object, argv[i]))
			continue;
		if (!c->command) {
			complete_args(cli, c, argc - i - 1, argv + i + 1);
			return 0;
		}
		if (i + 1 == argc - 1)		/* the command */
			cand(cur, c->command);
		else if (!strcmp(c->command, argv[i + 1]))
			complete_args(cli, c, argc - i - 2, argv + i + 2);
	}
	return 0;
}

/* ---- the commands ----------------------------------------------------- */

/*
 * The options of each command, one row each (src/cli/opt.h): positional
 * words in order, then options. OPT_REQ marks what the API requires (the
 * usage text shows it bare); req.c decides, opt_req_check() asks it.
 */
#define R OPT_REQ
static const struct opt o_name_req[] = {	/* network del, show */
	{ NULL, OPT_NAME, "name", R, NULL },
	{ 0 },
};
static const struct opt o_net[] = {	/* the lists: [NAME] */
	{ NULL, OPT_NAME, "network", 0, NULL },
	{ 0 },
};
static const struct opt o_network_add[] = {
	{ NULL, OPT_NAME, "name", R | OPT_NEW, NULL },
	{ "--prefix", OPT_CIDR, "prefixes", OPT_REPEAT, NULL },
	{ "--bridge", OPT_IFNAME, "bridge", 0, NULL },
	{ "--gateway", OPT_ADDR, "gateway", 0, NULL },
	{ "--external", OPT_EXT, "externals", OPT_REPEAT, NULL },
	{ "--dhcp", OPT_ONOFF, "dhcp", 0, NULL },
	{ 0 },
};
static const struct opt o_network_set[] = {
	{ NULL, OPT_NAME, "name", R, NULL },
	{ NULL, OPT_SET_KEY, "key", R, NULL },
	{ NULL, OPT_SET_VALUE, "value", R, NULL },
	{ 0 },
};
static const struct opt o_map_add[] = {
	{ NULL, OPT_NAME, "network", R, NULL },
	{ "--proto", OPT_PROTO, "proto", R, NULL },
	{ "--internal", OPT_ADDR_PORTS, "internal", R, NULL },
	{ "--external-port", OPT_PORTS, "external_port", 0, NULL },
	{ "--external-address", OPT_ADDR, "external_address", 0, NULL },
	{ "--remote", OPT_CIDR, "remote", 0, NULL },
	{ "--owner", OPT_OWNER, "owner", 0, NULL },
	{ 0 },
};
/* NAME --proto P --external-port PORT [...] | [NAME] --owner ID */
static const struct opt o_map_del[] = {
	{ NULL, OPT_NAME, "network", R | OPT_ALT, NULL },
	{ "--proto", OPT_PROTO, "proto", R, NULL },
	{ "--external-port", OPT_PORTS, "external_port", R, NULL },
	{ "--external-address", OPT_ADDR, "external_address", 0, NULL },
	{ "--owner", OPT_OWNER, "owner", OPT_ALT_ONLY, NULL },
	{ 0 },
};
static const struct opt o_external_add[] = {
	{ NULL, OPT_NAME, "network", R, NULL },
	{ NULL, OPT_EXT, "external", R, "ADDR" },
	{ "--ports", OPT_RANGE, "ports", 0, NULL },
	{ 0 },
};
static const struct opt o_external_del[] = {
	{ NULL, OPT_NAME, "network", R, NULL },
	{ NULL, OPT_EXT, "external", R, "ADDR" },
	{ 0 },
};
static const struct opt o_session_list[] = {
	{ NULL, OPT_NAME, "network", 0, NULL },
	{ "--proto", OPT_PROTO_ANY, "proto", 0, NULL },
	{ "--internal", OPT_ADDR, "internal", 0, NULL },
	{ "--limit", OPT_LIMIT, "limit", 0, NULL },
	{ "--after", OPT_CURSOR, "after", 0, NULL },
	{ 0 },
};
static const struct opt o_lease_add[] = {
	{ NULL, OPT_NAME, "network", R, NULL },
	{ "--mac", OPT_MAC, "mac", R, NULL },
	{ "--address", OPT_ADDR, "address", R, NULL },
	{ 0 },
};
static const struct opt o_lease_del[] = {
	{ NULL, OPT_NAME, "network", R, NULL },
	{ "--mac", OPT_MAC, "mac", R, NULL },
	{ 0 },
};
static const struct opt o_endpoint_add[] = {
	{ NULL, OPT_NAME, "network", R, NULL },
	{ "--netns", OPT_NETNS, "netns", R, NULL },
	{ "--ifname", OPT_NSIF, "ifname", 0, NULL },
	{ "--address", OPT_ADDR, "address", 0, NULL },
	{ "--mac", OPT_MAC, "mac", 0, NULL },
	{ "--owner", OPT_OWNER, "owner", 0, NULL },
	{ 0 },
};
/* NAME --netns NS [--ifname IF] | [NAME] --owner ID [--ifname IF] */
static const struct opt o_endpoint_del[] = {
	{ NULL, OPT_NAME, "network", R | OPT_ALT, NULL },
	{ "--netns", OPT_NETNS, "netns", R, NULL },
	{ "--owner", OPT_OWNER, "owner", OPT_ALT_ONLY, NULL },
	{ "--ifname", OPT_NSIF, "ifname", OPT_ALT, NULL },
	{ 0 },
};
static const struct opt o_stats[] = {
	{ NULL, OPT_NAME, "network", 0, NULL },
	{ "--format", OPT_CHOICE, "format", OPT_LOCAL, "text|prometheus" },
	{ 0 },
};
#undef R

/* the output options, before the object or after the command */
static const struct opt out_opts[] = {
	{ "-j", OPT_FLAG, "json", OPT_LOCAL, NULL },
	{ "--json", OPT_FLAG, "json", OPT_LOCAL, NULL },
	{ "-p", OPT_FLAG, "pretty", OPT_LOCAL, NULL },
	{ "--pretty", OPT_FLAG, "pretty", OPT_LOCAL, NULL },
	{ 0 },
};

static const struct cmd cmds[] = {
	{ "network", "add", "network.add", o_network_add, NULL, NULL,
	  "create a NAT network" },
	{ "network", "del", "network.del", o_name_req, NULL, NULL,
	  "delete a network with its mappings" },
	{ "network", "list", "network.list", NULL, NULL, show_net_list,
	  "list the networks" },
	{ "network", "show", "network.show", o_name_req, NULL, show_net,
	  "show a network: settings, mappings, sessions" },
	{ "network", "set", "network.set", o_network_set, NULL, NULL,
	  "change a setting of a network" },
	{ "map", "add", "map.add", o_map_add, do_map_add, NULL,
	  "map an external port to an endpoint (no port: one is picked)" },
	{ "map", "del", "map.del", o_map_del, do_map_del, NULL,
	  "delete a mapping, or all of an owner's" },
	{ "map", "list", "map.list", o_net, NULL, show_maps,
	  "list the mappings" },
	{ "external", "add", "external.add", o_external_add, NULL, NULL,
	  "give a network an external address (or interface)" },
	{ "external", "del", "external.del", o_external_del, NULL, NULL,
	  "take an external address from a network" },
	{ "external", "list", "external.list", o_net, NULL, show_exts,
	  "list the external addresses" },
	{ "session", "list", "session.list", o_session_list, do_session_list,
	  NULL, "list the sessions (all, or one page of N; --json then gives "
	  "{sessions, next})" },
	{ "lease", "add", "lease.add", o_lease_add, NULL, show_leases,
	  "reserve an address of a network's pool for a MAC address" },
	{ "lease", "del", "lease.del", o_lease_del, NULL, show_leases,
	  "delete a MAC's reservation, or end its leases" },
	{ "lease", "list", "lease.list", o_net, NULL, show_leases,
	  "list reservations and DHCP leases" },
	{ "endpoint", "add", "endpoint.add", o_endpoint_add, NULL,
	  show_endpoints,
	  "attach a network namespace: veth, address, default route" },
	{ "endpoint", "del", "endpoint.del", o_endpoint_del, NULL, show_deleted,
	  "detach a network namespace (or all of an owner's) and free its "
	  "address" },
	{ "endpoint", "list", "endpoint.list", o_net, NULL, show_endpoints,
	  "list the endpoints (present or missing)" },
	{ "stats", NULL, "stats", o_stats, do_stats, NULL,
	  "show the counters" },
	{ "monitor", NULL, "monitor", NULL, do_monitor, NULL,
	  "print events as they come: sessions, mappings, networks, "
	  "overlaps, leases (--json: one JSON line each)" },
	{ "version", NULL, "version", NULL, NULL, show_version,
	  "show the versions" },
	{ "help", NULL, NULL, NULL, do_help, NULL, "show this help" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

/*
 * Command @c with the words after it: the one option loop, the API's
 * check of the request, then the command's handler (or: send it, print
 * the answer with @c->show). Nothing is sent when a word is wrong.
 */
static int run_cmd(struct cli *cli, const struct cmd *c, int argc,
		   char **argv)
{
	json_t *args = json_object(), *local = json_object();
	char err[CTL_ERR_MAX], words[48];
	int ret;

	snprintf(words, sizeof(words), "%s%s%s", c->object,
		 c->command ? " " : "", c->command ? c->command : "");
	ret = opt_parse(c->opts, out_opts, argc, argv, args, local, err,
			sizeof(err));
	if (ret == OPT_EDUP) {		/* one line, as ip's duparg() */
		fprintf(stderr, "hostnat: %s\n", err);
		ret = EXIT_USAGE;
		goto out;
	}
	if (!ret && c->api)
		ret = opt_req_check(c->opts, c->api, words, args, err,
				    sizeof(err));
	if (ret) {
		ret = usage_err(c, "%s", err);
		goto out;
	}
	cli->pretty |= json_is_true(json_object_get(local, "pretty"));
	cli->json |= cli->pretty || json_is_true(json_object_get(local, "json"));
	if (c->fn)
		ret = c->fn(cli, c, args, local);
	else
		ret = finish(cli, c->api, args, c->show);
out:
	json_decref(args);
	json_decref(local);
	return ret;
}

int main(int argc, char **argv)
{
	struct cli cli = { .sock = CTL_SOCKET_DEFAULT };
	const struct opt *o;
	const struct cmd *c;
	bool object_known = false;
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "__complete"))
		return do_complete(&cli, argc - 2, argv + 2);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((o = opt_find(out_opts, argv[i]))) {
			cli.json = true;	/* -p: indented JSON */
			cli.pretty |= !strcmp(o->key, "pretty");
		} else if (!strcmp(argv[i], "--socket")) {
			if (i + 1 == argc)
				return usage_err(NULL, "option --socket needs "
						 "a PATH");
			cli.sock = argv[++i];
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage_err(NULL, "unknown option '%s'", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (c = cmds; c->object; c++) {
		if (strcmp(c->object, argv[i]))
			continue;
		object_known = true;
		if (!c->command)
			return run_cmd(&cli, c, argc - i - 1, argv + i + 1);
		if (i + 1 < argc && !strcmp(c->command, argv[i + 1])) {
			if (i + 2 < argc && (!strcmp(argv[i + 2], "--help") ||
					     !strcmp(argv[i + 2], "help"))) {
				print_usage_of(stdout, c);
				return 0;
			}
			return run_cmd(&cli, c, argc - i - 2, argv + i + 2);
		}
	}
	if (!object_known) {
		usage_err(NULL, "unknown object '%s'", argv[i]);
	} else {
		if (i + 1 < argc)
			usage_err(NULL, "unknown command '%s' for %s",
				  argv[i + 1], argv[i]);
		else
			usage_err(NULL, "%s needs a command", argv[i]);
		for (c = cmds; c->object; c++)
			if (!strcmp(c->object, argv[i]))
				print_usage_of(stderr, c);
		return EXIT_USAGE;
	}
	usage(stderr);
	return EXIT_USAGE;
}
