/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - hostnat.c: the command-line tool
 *
 * Theory of operation
 * -------------------
 * hostnat turns a command line into one API request to hostnatd (a JSON
 * line on the Unix socket, PROTOCOL in src/ctl/cmd.c), waits for the one
 * response line, and prints the result: aligned tables and short texts
 * for people, the daemon's result as JSON with --json.
 *
 * The commands are one table, cmds[], of { object, command, handler, usage,
 * help } rows, as wg and ip have it: the usage text and the dispatch come
 * from it. Arguments are checked here first, with the same parsers the
 * daemon uses (src/ctl/parse.c), so that a typo is reported with the
 * rejected token before anything is sent; the daemon checks again.
 *
 * `hostnat __complete WORD...`, not in the usage, prints the candidates
 * for the last word from the same table (dist/bash-completion/hostnat).
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
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "prom.h"
#include "ctl.h"
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
};

struct cmd;
typedef int (*handler_fn)(const struct cli *cli, const struct cmd *c,
			  int argc, char **argv);

struct cmd {
	const char *object;	/* first word */
	const char *command;	/* second word, NULL if none */
	handler_fn fn;		/* does it; argv holds what follows */
	const char *usage;	/* arguments */
	const char *help;	/* one line */
};

static const struct cmd cmds[];

/* ---- messages --------------------------------------------------------- */

static void print_usage_of(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: hostnat [--socket PATH] [--json] %s%s%s%s%s\n",
		c->object, c->command ? " " : "", c->command ? c->command : "",
		c->usage[0] ? " " : "", c->usage);
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

	fputs("usage: hostnat [--socket PATH] [--json] OBJECT COMMAND "
	      "[ARGS]\n\n", f);
	for (c = cmds; c->object; c++) {
		char words[48];

		snprintf(words, sizeof(words), "%s%s%s", c->object,
			 c->command ? " " : "", c->command ? c->command : "");
		fprintf(f, "  %-16s %s\n", words, c->help);
		if (c->usage[0])
			fprintf(f, "  %-16s   %s\n", "", c->usage);
	}
	fprintf(f, "\n  --socket PATH    API socket of hostnatd (default %s)\n"
		   "  --json           print the daemon's answer as JSON\n"
		   "\nnetwork set keys:\n", CTL_SOCKET_DEFAULT);
	for (k = 0; k < SET_NKEYS; k++)
		fprintf(f, "  %-24s %s\n",
			parse_setting_name((enum parse_setting)k),
			parse_setting_help((enum parse_setting)k));
}

/* ---- talking to the daemon -------------------------------------------- */

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

/* read one line; *@line is malloc()ed */
static int recv_line(int fd, char **line)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *p;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			if (cap >= RESP_MAX) {
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

/*
 * Send command @cmd with @args (consumed) and return the whole response
 * in *@out (json_decref() it). On failure the message is printed.
 */
static int rpc_resp(const struct cli *cli, const char *cmd, json_t *args,
		    json_t **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *req = json_pack("{s:s, s:o}", "cmd", cmd, "args",
				args ? args : json_object());
	char *text = NULL, *line = NULL;
	json_t *resp = NULL;
	json_error_t jerr;
	int fd = -1, ret = EXIT_REFUSED, err;

	*out = NULL;
	if (req)
		text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		fprintf(stderr, "hostnat: out of memory\n");
		goto out;
	}
	if (strlen(cli->sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hostnat: socket path %s is too long\n",
			cli->sock);
		goto out;
	}
	memcpy(sa.sun_path, cli->sock, strlen(cli->sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "hostnat: cannot reach hostnatd at %s: %s; is "
			"hostnatd running?\n", cli->sock, strerror(errno));
		goto out;
	}
	err = send_all(fd, text, strlen(text));
	if (!err)
		err = send_all(fd, "\n", 1);
	if (!err)
		err = recv_line(fd, &line);
	if (err) {
		fprintf(stderr, "hostnat: talking to hostnatd at %s failed: "
			"%s\n", cli->sock, strerror(-err));
		goto out;
	}
	resp = json_loads(line, 0, &jerr);
	if (!json_is_object(resp)) {
		fprintf(stderr, "hostnat: hostnatd sent an answer that is not "
			"a JSON object: %s\n", jerr.text);
		goto out;
	}
	if (!json_is_true(json_object_get(resp, "ok"))) {
		const char *e = json_string_value(json_object_get(resp,
								  "error"));

		fprintf(stderr, "hostnat: %s\n", e ? e : "request refused");
		goto out;
	}
	*out = resp;
	resp = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(text);
	json_decref(resp);
	json_decref(req);
	return ret;
}

/*
 * Send command @cmd with @args (consumed) and return its result in *@res
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

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				    JSON_ENCODE_ANY);

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

/* ---- argument helpers ------------------------------------------------- */

/* the value of option argv[*i]; usage error if missing */
static const char *optval(const struct cmd *c, int argc, char **argv,
			  int *i)
{
	if (*i + 1 >= argc) {
		usage_err(c, "option %s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int check_name(const struct cmd *c, const char *s)
{
	char err[CTL_ERR_MAX];

	if (parse_name(s, err, sizeof(err)))
		return usage_err(c, "%s", err);
	return 0;
}

/* set args.network (or .name) from the one positional NAME */
static int name_arg(const struct cmd *c, json_t *args, const char *key,
		    const char *s)
{
	int ret = check_name(c, s);

	if (!ret)
		json_object_set_new(args, key, json_string(s));
	return ret;
}

#define BAD(c, ...) (json_decref(args), usage_err(c, __VA_ARGS__))

/* ---- handlers --------------------------------------------------------- */

static int finish(const struct cli *cli, const char *cmd, json_t *args,
		  void (*show)(json_t *res))
{
	json_t *res;
	int ret = rpc(cli, cmd, args, &res);

	if (ret)
		return ret;
	if (cli->json)
		print_json(res);
	else if (show)
		show(res);
	json_decref(res);
	return 0;
}

static int do_network_add(const struct cli *cli, const struct cmd *c,
			  int argc, char **argv)
{
	char err[CTL_ERR_MAX];
	json_t *args = json_object(), *px = json_array(), *ex = json_array();
	bool has_px = false, has_ex = false;
	int i;

	json_object_set_new(args, "prefixes", px);
	json_object_set_new(args, "externals", ex);
	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;
		struct ctl_ext_spec e;
		uint32_t a;
		uint8_t l;

		if (o[0] != '-') {
			if (json_object_get(args, "name"))
				return BAD(c, "unexpected argument '%s'", o);
			if (name_arg(c, args, "name", o))
				return json_decref(args), EXIT_USAGE;
			continue;
		}
		if (!(v = optval(c, argc, argv, &i)))
			return json_decref(args), EXIT_USAGE;
		if (!strcmp(o, "--prefix")) {
			if (parse_cidr("--prefix", v, &a, &l, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_array_append_new(px, json_string(v));
			has_px = true;
		} else if (!strcmp(o, "--bridge")) {
			if (parse_ifname("--bridge", v, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "bridge", json_string(v));
		} else if (!strcmp(o, "--gateway")) {
			if (parse_addr("--gateway", v, &a, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "gateway", json_string(v));
		} else if (!strcmp(o, "--external")) {
			if (ctl_ext_spec_parse("--external", v, &e, err,
					       sizeof(err)))
				return BAD(c, "%s", err);
			json_array_append_new(ex, json_string(v));
			has_ex = true;
		} else if (!strcmp(o, "--dhcp")) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return BAD(c, "--dhcp '%s' is not valid: use "
					   "on or off", v);
			json_object_set_new(args, "dhcp",
					    json_boolean(!strcmp(v, "on")));
		} else {
			return BAD(c, "unknown option '%s'", o);
		}
	}
	if (!json_object_get(args, "name"))
		return BAD(c, "network add needs a NAME");
	if (!has_px)	/* the daemon picks a free private prefix */
		json_object_del(args, "prefixes");
	if (!has_ex)	/* the daemon takes the default route's interface */
		json_object_del(args, "externals");
	return finish(cli, "network.add", args, NULL);
}

/* commands whose only argument is a NAME, required or not */
static int name_only(const struct cli *cli, const struct cmd *c, int argc,
		     char **argv, const char *cmd, const char *key,
		     bool required, void (*show)(json_t *))
{
	json_t *args = json_object();

	if (argc > 1)
		return BAD(c, "unexpected argument '%s'", argv[1]);
	if (argc == 1 && argv[0][0] == '-')
		return BAD(c, "unknown option '%s'", argv[0]);
	if (argc == 1 && name_arg(c, args, key, argv[0]))
		return json_decref(args), EXIT_USAGE;
	if (required && !argc)
		return BAD(c, "%s %s needs a NAME", c->object, c->command);
	return finish(cli, cmd, args, show);
}

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
		if (json_is_integer(v))
			printf("  %-24s %lld s\n", key,
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

static int do_network_del(const struct cli *cli, const struct cmd *c,
			  int argc, char **argv)
{
	return name_only(cli, c, argc, argv, "network.del", "name", true,
			 NULL);
}

static int do_network_list(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	if (argc)
		return usage_err(c, "unexpected argument '%s'", argv[0]);
	return finish(cli, "network.list", NULL, show_net_list);
}

static int do_network_show(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	return name_only(cli, c, argc, argv, "network.show", "name", true,
			 show_net);
}

static int do_network_set(const struct cli *cli, const struct cmd *c,
			  int argc, char **argv)
{
	char err[CTL_ERR_MAX];
	enum parse_setting key;
	uint32_t v;
	json_t *args;

	if (argc != 3)
		return usage_err(c, "network set needs NAME KEY VALUE");
	if (check_name(c, argv[0]))
		return EXIT_USAGE;
	if (parse_setting_key(argv[1], &key, err, sizeof(err)) ||
	    parse_setting_value(key, argv[2], &v, err, sizeof(err)))
		return usage_err(c, "%s", err);
	args = json_pack("{s:s, s:s, s:s}", "name", argv[0], "key", argv[1],
			 "value", argv[2]);
	return finish(cli, "network.set", args, NULL);
}

static void show_port(json_t *m)
{
	printf("%lld\n", jint(m, "external_port"));
}

/* map add and map del share their options */
static int map_args(const struct cmd *c, int argc, char **argv, bool add,
		    json_t *args)
{
	char err[CTL_ERR_MAX];
	uint32_t a;
	uint16_t p, phi;
	uint8_t l, proto;
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;

		if (o[0] != '-') {
			if (json_object_get(args, "network"))
				return usage_err(c, "unexpected argument '%s'",
						 o);
			if (name_arg(c, args, "network", o))
				return EXIT_USAGE;
			continue;
		}
		if (!(v = optval(c, argc, argv, &i)))
			return EXIT_USAGE;
		if (!strcmp(o, "--proto")) {
			if (parse_proto(v, false, &proto, err, sizeof(err)))
				return usage_err(c, "%s", err);
			json_object_set_new(args, "proto", json_string(v));
		} else if (add && !strcmp(o, "--internal")) {
			if (parse_addr_ports("--internal", v, &a, &p, &phi,
					     err, sizeof(err)))
				return usage_err(c, "%s", err);
			json_object_set_new(args, "internal", json_string(v));
		} else if (!strcmp(o, "--external-port")) {
			if (parse_ports("--external-port", v, &p, &phi, err,
					sizeof(err)))
				return usage_err(c, "%s", err);
			json_object_set_new(args, "external_port", p == phi ?
					    json_integer(p) : json_string(v));
		} else if (!strcmp(o, "--external-address")) {
			if (parse_addr("--external-address", v, &a, err,
				       sizeof(err)))
				return usage_err(c, "%s", err);
			json_object_set_new(args, "external_address",
					    json_string(v));
		} else if (add && !strcmp(o, "--remote")) {
			if (parse_cidr("--remote", v, &a, &l, err, sizeof(err)))
				return usage_err(c, "%s", err);
			json_object_set_new(args, "remote", json_string(v));
		} else if (!strcmp(o, "--owner")) {
			if (parse_owner("--owner", v, err, sizeof(err)))
				return usage_err(c, "%s", err);
			json_object_set_new(args, "owner", json_string(v));
		} else {
			return usage_err(c, "unknown option '%s'", o);
		}
	}
	if (!add && json_object_get(args, "owner")) {
		if (json_object_get(args, "proto") ||
		    json_object_get(args, "external_port"))
			return usage_err(c, "map del takes --owner ID alone "
					 "(or with NAME), or --proto and "
					 "--external-port");
		return 0;
	}
	if (!json_object_get(args, "network"))
		return usage_err(c, "map %s needs a NAME", c->command);
	if (!json_object_get(args, "proto"))
		return usage_err(c, "map %s needs --proto tcp|udp", c->command);
	if (add && !json_object_get(args, "internal"))
		return usage_err(c, "map add needs --internal ADDR:PORT");
	if (!add && !json_object_get(args, "external_port"))
		return usage_err(c, "map del needs --external-port PORT");
	return 0;
}

static int do_map_add(const struct cli *cli, const struct cmd *c, int argc,
		      char **argv)
{
	json_t *args = json_object();
	bool dynamic;

	if (map_args(c, argc, argv, true, args))
		return json_decref(args), EXIT_USAGE;
	dynamic = !json_object_get(args, "external_port");
	return finish(cli, "map.add", args, dynamic ? show_port : NULL);
}

/* the answer of a deletion by owner: {"deleted": N, ...} */
static void show_deleted(json_t *res)
{
	printf("deleted %lld\n", jint(res, "deleted"));
}

static int do_map_del(const struct cli *cli, const struct cmd *c, int argc,
		      char **argv)
{
	json_t *args = json_object();

	if (map_args(c, argc, argv, false, args))
		return json_decref(args), EXIT_USAGE;
	return finish(cli, "map.del", args, json_object_get(args, "owner") ?
		      show_deleted : NULL);
}

static void show_maps(json_t *res)
{
	print_maps(res, true);
}

static int do_map_list(const struct cli *cli, const struct cmd *c, int argc,
		       char **argv)
{
	return name_only(cli, c, argc, argv, "map.list", "network", false,
			 show_maps);
}

static int do_external_add(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	char err[CTL_ERR_MAX];
	struct ctl_ext_spec e;
	json_t *args = json_object();
	unsigned pos = 0;
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;

		if (o[0] != '-') {
			if (pos == 0 && name_arg(c, args, "network", o))
				return json_decref(args), EXIT_USAGE;
			if (pos == 1) {
				if (ctl_ext_spec_parse("ADDR", o, &e, err,
						       sizeof(err)))
					return BAD(c, "%s", err);
				json_object_set_new(args, "external",
						    json_string(o));
			}
			if (pos++ > 1)
				return BAD(c, "unexpected argument '%s'", o);
			continue;
		}
		if (strcmp(o, "--ports"))
			return BAD(c, "unknown option '%s'", o);
		if (!(v = optval(c, argc, argv, &i)))
			return json_decref(args), EXIT_USAGE;
		if (parse_range("--ports", v, &e.lo, &e.hi, err, sizeof(err)))
			return BAD(c, "%s", err);
		json_object_set_new(args, "ports", json_string(v));
	}
	if (pos < 2)
		return BAD(c, "external add needs NAME and ADDR");
	return finish(cli, "external.add", args, NULL);
}

static int do_external_del(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	char err[CTL_ERR_MAX];
	struct ctl_ext_spec e;

	if (argc != 2)
		return usage_err(c, "external del needs NAME and ADDR");
	if (check_name(c, argv[0]))
		return EXIT_USAGE;
	if (ctl_ext_spec_parse("ADDR", argv[1], &e, err, sizeof(err)))
		return usage_err(c, "%s", err);
	return finish(cli, "external.del",
		      json_pack("{s:s, s:s}", "network", argv[0], "external",
				argv[1]), NULL);
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

static int do_external_list(const struct cli *cli, const struct cmd *c,
			    int argc, char **argv)
{
	return name_only(cli, c, argc, argv, "external.list", "network",
			 false, show_exts);
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

#define SESSION_PAGE_ALL 10000	/* sessions per page when fetching all */

/*
 * session list: without --limit, every page in turn (SESSION_PAGE_ALL
 * sessions each) into one list, printed as a table or, with --json, as
 * one JSON list. With --limit N, one page of N sessions (from --after C):
 * the table, then "more: --after C" on stderr when more remain; with
 * --json, {"sessions": [...], "next": C or null}.
 */
static int do_session_list(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	char err[CTL_ERR_MAX];
	json_t *args = json_object(), *all = NULL, *resp = NULL, *next;
	json_int_t limit = 0;
	uint32_t a;
	uint8_t p;
	int i, ret;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;

		if (o[0] != '-') {
			if (json_object_get(args, "network"))
				return BAD(c, "unexpected argument '%s'", o);
			if (name_arg(c, args, "network", o))
				return json_decref(args), EXIT_USAGE;
			continue;
		}
		if (!(v = optval(c, argc, argv, &i)))
			return json_decref(args), EXIT_USAGE;
		if (json_object_get(args, o[2] == 'l' ? "limit" :
					  o[2] == 'a' ? "after" :
					  o + 2))
			return BAD(c, "duplicate \"%s\": \"%s\" is the "
				   "second value", o, v);
		if (!strcmp(o, "--proto")) {
			if (parse_proto(v, true, &p, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "proto", json_string(v));
		} else if (!strcmp(o, "--internal")) {
			if (parse_addr("--internal", v, &a, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "internal", json_string(v));
		} else if (!strcmp(o, "--limit")) {
			char *end;
			long n = strtol(v, &end, 10);

			if (*end || end == v || n < 1 || n > CTL_PAGE_MAX)
				return BAD(c, "--limit '%s' must be a number "
					   "from 1 to %d", v, CTL_PAGE_MAX);
			limit = n;
			json_object_set_new(args, "limit", json_integer(n));
		} else if (!strcmp(o, "--after")) {
			json_object_set_new(args, "after", json_string(v));
		} else {
			return BAD(c, "unknown option '%s'", o);
		}
	}
	if (limit) {		/* one page */
		ret = rpc_resp(cli, "session.list", args, &resp);
		if (ret)
			return ret;
		next = json_object_get(resp, "next");
		if (cli->json) {
			json_t *o = json_pack("{s:O, s:O}", "sessions",
					      json_object_get(resp, "result"),
					      "next", next ? next : json_null());

			print_json(o);
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
		json_t *page = json_deep_copy(args);

		ret = rpc_resp(cli, "session.list", page, &resp);
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
		print_json(all);
	else
		show_sessions(all);
out:
	json_decref(resp);
	json_decref(all);
	json_decref(args);
	return ret;
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

static int do_stats(const struct cli *cli, const struct cmd *c, int argc,
		    char **argv)
{
	void (*show)(json_t *) = show_stats;
	json_t *args = json_object();
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;

		if (o[0] != '-') {
			if (json_object_get(args, "network"))
				return BAD(c, "unexpected argument '%s'", o);
			if (name_arg(c, args, "network", o))
				return json_decref(args), EXIT_USAGE;
			continue;
		}
		if (strcmp(o, "--format"))
			return BAD(c, "unknown option '%s'", o);
		if (!(v = optval(c, argc, argv, &i)))
			return json_decref(args), EXIT_USAGE;
		if (!strcmp(v, "prometheus"))
			show = show_prom;
		else if (strcmp(v, "text"))
			return BAD(c, "--format '%s' is not known: use text or "
				   "prometheus (or --json)", v);
	}
	if (cli->json && show == show_prom)
		return BAD(c, "--json and --format prometheus are two formats: "
			   "give one");
	return finish(cli, "stats", args, show);
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

/* lease add NAME --mac MAC --address ADDR, lease del NAME --mac MAC */
static int lease_change(const struct cli *cli, const struct cmd *c, int argc,
			char **argv, bool add)
{
	char err[CTL_ERR_MAX];
	json_t *args = json_object();
	uint8_t mac[6];
	uint32_t a;
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;

		if (o[0] != '-') {
			if (json_object_get(args, "network"))
				return BAD(c, "unexpected argument '%s'", o);
			if (name_arg(c, args, "network", o))
				return json_decref(args), EXIT_USAGE;
			continue;
		}
		if (!(v = optval(c, argc, argv, &i)))
			return json_decref(args), EXIT_USAGE;
		if (!strcmp(o, "--mac")) {
			if (parse_mac("--mac", v, mac, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "mac", json_string(v));
		} else if (add && !strcmp(o, "--address")) {
			if (parse_addr("--address", v, &a, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "address", json_string(v));
		} else {
			return BAD(c, "unknown option '%s'", o);
		}
	}
	if (!json_object_get(args, "network"))
		return BAD(c, "lease %s needs a NAME", add ? "add" : "del");
	if (!json_object_get(args, "mac"))
		return BAD(c, "lease %s needs --mac MAC", add ? "add" : "del");
	if (add && !json_object_get(args, "address"))
		return BAD(c, "lease add needs --address ADDR");
	return finish(cli, add ? "lease.add" : "lease.del", args,
		      show_leases);
}

static int do_lease_add(const struct cli *cli, const struct cmd *c, int argc,
			char **argv)
{
	return lease_change(cli, c, argc, argv, true);
}

static int do_lease_del(const struct cli *cli, const struct cmd *c, int argc,
			char **argv)
{
	return lease_change(cli, c, argc, argv, false);
}

static int do_lease_list(const struct cli *cli, const struct cmd *c,
			 int argc, char **argv)
{
	return name_only(cli, c, argc, argv, "lease.list", "network", false,
			 show_leases);
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

/* endpoint add NAME --netns NS [--ifname IF] [--address A] [--mac M]
 * [--owner ID], endpoint del NAME --netns NS [--ifname IF], endpoint del
 * [NAME] --owner ID [--ifname IF] */
static int endpoint_change(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv, bool add)
{
	char err[CTL_ERR_MAX];
	json_t *args = json_object();
	uint8_t mac[6];
	uint32_t a;
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;

		if (o[0] != '-') {
			if (json_object_get(args, "network"))
				return BAD(c, "unexpected argument '%s'", o);
			if (name_arg(c, args, "network", o))
				return json_decref(args), EXIT_USAGE;
			continue;
		}
		if (!(v = optval(c, argc, argv, &i)))
			return json_decref(args), EXIT_USAGE;
		if (!strcmp(o, "--netns")) {
			if (parse_netns(v, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "netns", json_string(v));
		} else if (!strcmp(o, "--ifname")) {
			if (parse_ifname("--ifname", v, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "ifname", json_string(v));
		} else if (add && !strcmp(o, "--address")) {
			if (parse_addr("--address", v, &a, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "address", json_string(v));
		} else if (add && !strcmp(o, "--mac")) {
			if (parse_mac("--mac", v, mac, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "mac", json_string(v));
		} else if (!strcmp(o, "--owner")) {
			if (parse_owner("--owner", v, err, sizeof(err)))
				return BAD(c, "%s", err);
			json_object_set_new(args, "owner", json_string(v));
		} else {
			return BAD(c, "unknown option '%s'", o);
		}
	}
	if (!add && json_object_get(args, "owner")) {
		if (json_object_get(args, "netns"))
			return BAD(c, "endpoint del takes --owner ID or "
				   "--netns NETNS, not both");
		return finish(cli, "endpoint.del", args, show_deleted);
	}
	if (!json_object_get(args, "network"))
		return BAD(c, "endpoint %s needs a NAME", add ? "add" : "del");
	if (!json_object_get(args, "netns"))
		return BAD(c, "endpoint %s needs --netns NETNS",
			   add ? "add" : "del");
	return finish(cli, add ? "endpoint.add" : "endpoint.del", args,
		      add ? show_endpoints : show_deleted);
}

static int do_endpoint_add(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	return endpoint_change(cli, c, argc, argv, true);
}

static int do_endpoint_del(const struct cli *cli, const struct cmd *c,
			   int argc, char **argv)
{
	return endpoint_change(cli, c, argc, argv, false);
}

static int do_endpoint_list(const struct cli *cli, const struct cmd *c,
			    int argc, char **argv)
{
	return name_only(cli, c, argc, argv, "endpoint.list", "network", false,
			 show_endpoints);
}

static void show_version(json_t *res)
{
	printf("hostnat %s, hostnatd %s (protocol %lld)\n", HOSTNAT_VERSION,
	       jstr(res, "version"), jint(res, "protocol"));
}

static int do_version(const struct cli *cli, const struct cmd *c, int argc,
		      char **argv)
{
	(void)argv;
	if (argc)
		return usage_err(c, "unexpected argument '%s'", argv[0]);
	return finish(cli, "version", NULL, show_version);
}

static int do_help(const struct cli *cli, const struct cmd *c, int argc,
		   char **argv)
{
	(void)cli;
	(void)c;
	(void)argc;
	(void)argv;
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
 * finite values ("tcp|udp", "on|off") from each row's usage text, setting
 * names and values from the settings table of src/ctl/parse.c, network
 * names from the daemon (network.list; nothing, quietly, when it does not
 * answer within COMPLETE_TIMEOUT_S), namespaces from /run/netns and
 * interfaces from /sys/class/net.
 */

#define COMPLETE_TIMEOUT_S 2	/* s, a daemon that does not answer */
#define COMPLETE_OPTS 16	/* options in one usage text */
#define COMPLETE_POS 4		/* positional words in one usage text */

/**
 * struct usage_words - a usage text of cmds[] read back as words
 * @opt:	its options, each once
 * @opt.name:	"--proto"
 * @opt.value:	the value's placeholder, "tcp|udp"
 * @opt.repeat:	may be given more than once ("[--prefix CIDR]...")
 * @nopt:	options in @opt
 * @pos:	the positional placeholders in order: "NAME", "KEY"
 * @npos:	words in @pos
 */
struct usage_words {
	struct {
		char name[32];
		char value[48];
		bool repeat;
	} opt[COMPLETE_OPTS];
	unsigned nopt;
	char pos[COMPLETE_POS][16];
	unsigned npos;
};

/* the word inside brackets and dots: "[--prefix" -> "--prefix" */
static void usage_core(const char *tok, char *out, size_t len)
{
	size_t n;

	tok += strspn(tok, "[");
	snprintf(out, len, "%s", tok);
	n = strlen(out);
	while (n && (out[n - 1] == ']' || out[n - 1] == '.'))
		out[--n] = '\0';
}

static void usage_words_of(const struct cmd *c, struct usage_words *u)
{
	char buf[512], *tok, *save = NULL, core[48];
	int last = -1;		/* the option whose value comes next */

	memset(u, 0, sizeof(*u));
	snprintf(buf, sizeof(buf), "%s", c->usage);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		bool rep = strlen(tok) > 3 &&
			   !strcmp(tok + strlen(tok) - 3, "...");
		unsigned k;

		usage_core(tok, core, sizeof(core));
		if (!strncmp(core, "--", 2)) {
			for (k = 0; k < u->nopt; k++)
				if (!strcmp(u->opt[k].name, core))
					break;
			if (k == COMPLETE_OPTS)
				continue;
			if (k == u->nopt)
				snprintf(u->opt[u->nopt++].name,
					 sizeof(u->opt[0].name), "%s", core);
			u->opt[k].repeat |= rep;
			last = (int)k;
		} else if (last >= 0) {
			snprintf(u->opt[last].value, sizeof(u->opt[0].value),
				 "%s", core);
			u->opt[last].repeat |= rep;
			last = -1;
		} else if (u->npos < COMPLETE_POS) {
			snprintf(u->pos[u->npos++], sizeof(u->pos[0]), "%s",
				 core);
		}
	}
}

static int usage_opt_find(const struct usage_words *u, const char *name)
{
	unsigned k;

	for (k = 0; k < u->nopt; k++)
		if (!strcmp(u->opt[k].name, name))
			return (int)k;
	return -1;
}

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
		for (k = 0; k < SET_NKEYS; k++)
			cand(cur, parse_setting_name((enum parse_setting)k));
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

/* a positional placeholder of a usage text */
static void cand_positional(const struct cli *cli, const char *cur,
			    const char *ph, const char *key_word)
{
	if (!strcmp(ph, "NAME"))
		cand_networks(cli, cur);
	else if (!strcmp(ph, "KEY"))
		cand_settings(cur, NULL);
	else if (!strcmp(ph, "VALUE") && key_word)
		cand_settings(cur, key_word);
}

/* the arguments of command @c: argv[0..argc-2] given, argv[argc-1] now */
static void complete_args(const struct cli *cli, const struct cmd *c, int argc,
			  char **argv)
{
	const char *cur = argv[argc - 1], *key_word = NULL;
	bool used[COMPLETE_OPTS] = { false };
	struct usage_words u;
	unsigned npos = 0, k;
	int i, o;

	usage_words_of(c, &u);
	for (i = 0; i < argc - 1; i++) {
		o = usage_opt_find(&u, argv[i]);
		if (o >= 0) {
			used[o] = true;
			if (i + 1 == argc - 1) {	/* its value now */
				const char *ph = u.opt[o].value;

				if (!strcmp(argv[i], "--netns"))
					cand_dir(cur, "/run/netns");
				else if (strstr(ph, "IFNAME"))
					cand_dir(cur, "/sys/class/net");
				else
					cand_alternatives(cur, ph);
				return;
			}
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		if (npos == 1)
			key_word = argv[i];
		npos++;
	}
	if (cur[0] == '-') {
		for (k = 0; k < u.nopt; k++)
			if (!used[k] || u.opt[k].repeat)
				cand(cur, u.opt[k].name);
		return;
	}
	/* the NAME of network add is a new one */
	if (npos < u.npos && !(c->fn == do_network_add && npos == 0))
		cand_positional(cli, cur, u.pos[npos], key_word);
}

static int do_complete(struct cli *cli, int argc, char **argv)
{
	const struct cmd *c, *r;
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
			cand(cur, "--json");
			cand(cur, "--help");
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

static const struct cmd cmds[] = {
	{ "network", "add", do_network_add,
	  "NAME --prefix CIDR [--prefix CIDR]... [--bridge IFNAME] "
	  "[--gateway ADDR] [--external IFNAME|ADDR]... [--dhcp on|off]",
	  "create a NAT network" },
	{ "network", "del", do_network_del, "NAME",
	  "delete a network with its mappings" },
	{ "network", "list", do_network_list, "", "list the networks" },
	{ "network", "show", do_network_show, "NAME",
	  "show a network: settings, mappings, sessions" },
	{ "network", "set", do_network_set, "NAME KEY VALUE",
	  "change a setting of a network" },
	{ "map", "add", do_map_add,
	  "NAME --proto tcp|udp --internal ADDR:PORT[-LAST] "
	  "[--external-port PORT[-LAST]] [--external-address ADDR] "
	  "[--remote CIDR] [--owner ID]",
	  "map an external port to an endpoint (no port: one is picked)" },
	{ "map", "del", do_map_del,
	  "NAME --proto tcp|udp --external-port PORT[-LAST] "
	  "[--external-address ADDR] | [NAME] --owner ID",
	  "delete a mapping, or all of an owner's" },
	{ "map", "list", do_map_list, "[NAME]", "list the mappings" },
	{ "external", "add", do_external_add, "NAME ADDR [--ports LOW-HIGH]",
	  "give a network an external address (or interface)" },
	{ "external", "del", do_external_del, "NAME ADDR",
	  "take an external address from a network" },
	{ "external", "list", do_external_list, "[NAME]",
	  "list the external addresses" },
	{ "session", "list", do_session_list,
	  "[NAME] [--proto P] [--internal ADDR] [--limit N [--after CURSOR]]",
	  "list the sessions (all, or one page of N; --json then gives "
	  "{sessions, next})" },
	{ "lease", "add", do_lease_add, "NAME --mac MAC --address ADDR",
	  "reserve an address of a network's pool for a MAC address" },
	{ "lease", "del", do_lease_del, "NAME --mac MAC",
	  "delete a MAC's reservation, or end its leases" },
	{ "lease", "list", do_lease_list, "[NAME]",
	  "list reservations and DHCP leases" },
	{ "endpoint", "add", do_endpoint_add,
	  "NAME --netns NETNS|PATH [--ifname IF] [--address ADDR] [--mac MAC] "
	  "[--owner ID]",
	  "attach a network namespace: veth, address, default route" },
	{ "endpoint", "del", do_endpoint_del,
	  "NAME --netns NETNS|PATH [--ifname IF] | [NAME] --owner ID "
	  "[--ifname IF]",
	  "detach a network namespace (or all of an owner's) and free its "
	  "address" },
	{ "endpoint", "list", do_endpoint_list, "[NAME]",
	  "list the endpoints (present or missing)" },
	{ "stats", NULL, do_stats, "[NAME] [--format text|prometheus]",
	  "show the counters" },
	{ "version", NULL, do_version, "", "show the versions" },
	{ "help", NULL, do_help, "", "show this help" },
	{ NULL, NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	struct cli cli = { .sock = CTL_SOCKET_DEFAULT };
	const struct cmd *c;
	bool object_known = false;
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "__complete"))
		return do_complete(&cli, argc - 2, argv + 2);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			cli.json = true;
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
			return c->fn(&cli, c, argc - i - 1, argv + i + 1);
		if (i + 1 < argc && !strcmp(c->command, argv[i + 1])) {
			if (i + 2 < argc && (!strcmp(argv[i + 2], "--help") ||
					     !strcmp(argv[i + 2], "help"))) {
				print_usage_of(stdout, c);
				return 0;
			}
			return c->fn(&cli, c, argc - i - 2, argv + i + 2);
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
