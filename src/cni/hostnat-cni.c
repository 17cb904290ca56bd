/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - hostnat-cni.c: the CNI plugin "hostnat"
 *
 * Theory of operation
 * -------------------
 * A container runtime (Podman, containerd, CRI-O) runs this program once
 * per operation, as the CNI specification (1.0.0, 1.1.0; configurations
 * of 0.4.0 accepted) says: the operation and the container in environment
 * variables (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,
 * CNI_ARGS), the network configuration as JSON on stdin, the result or
 * an error as JSON on stdout. The plugin keeps no state of its own: it
 * turns each operation into requests to hostnatd's API socket (the
 * daemon's default path, or the configuration's "socket"), and hostnatd
 * records everything under an owner, the container id:
 *
 *   ADD     endpoint.add in CNI_NETNS named CNI_IFNAME (address from the
 *           pool, or the "ips" capability / CNI_ARGS IP=; MAC from the
 *           "mac" capability / CNI_ARGS MAC=), then one map.add per entry
 *           of the "portMappings" capability (hostIP, when given, is the
 *           external address); any failure undoes all of it (map.del and
 *           endpoint.del by owner) before the error is printed;
 *   DEL     map.del and endpoint.del by owner (and CNI_IFNAME): needs no
 *           namespace, succeeds when it is all gone already, repeatable;
 *   CHECK   the endpoint is there, present, with prevResult's address;
 *           every port mapping asked for is there;
 *   STATUS  hostnatd answers and has the network (1.1.0);
 *   GC      endpoints and mappings of the network whose owner is not in
 *           "cni.dev/valid-attachments" are deleted (1.1.0); those
 *           without an owner were not made by a runtime and stay;
 *   VERSION the versions above.
 *
 * The hostnat network is the configuration's "network", or its "name".
 * Errors use the specification's codes: 1 incompatible version, 2
 * unsupported field, 4 invalid environment variables, 6 decoding failure,
 * 7 invalid network configuration, 11 try again later (hostnatd cannot
 * be reached), 50 not available (STATUS); and the plugin's own:
 * CNI_ERR_REFUSED (hostnatd refused a request), CNI_ERR_PORT (a port
 * mapping could not be made), CNI_ERR_CHECK (CHECK found a difference).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "client.h"
#include "ctl.h"
#include "parse.h"
#include "req.h"

#define CNI_STDIN_MAX (1u << 20)	/* bytes of configuration read */
#define CNI_RESP_MAX (64u << 20)	/* bytes of one hostnatd answer */
#define CNI_TIMEOUT 30			/* s, for one hostnatd request */
#define CNI_IFNAME_DEFAULT "eth0"

/* the specification's error codes (SPEC.md, "Error") */
enum cni_err {
	CNI_ERR_VERSION = 1,	/* incompatible CNI version */
	CNI_ERR_FIELD = 2,	/* unsupported field in network config */
	CNI_ERR_ENV = 4,	/* invalid necessary environment variables */
	CNI_ERR_DECODE = 6,	/* failed to decode content */
	CNI_ERR_CONFIG = 7,	/* invalid network config */
	CNI_ERR_AGAIN = 11,	/* try again later */
	CNI_ERR_UNAVAIL = 50,	/* STATUS: the plugin is not available */
	CNI_ERR_REFUSED = 100,	/* hostnat's: hostnatd refused a request */
	CNI_ERR_PORT = 101,	/* hostnat's: a port mapping failed */
	CNI_ERR_CHECK = 102,	/* hostnat's: CHECK found a difference */
};

static const char *const versions[] = { "0.4.0", "1.0.0", "1.1.0" };
#define VERSION_LATEST "1.1.0"

/**
 * struct cni - one run of the plugin
 * @version:	cniVersion of the configuration (answers use it)
 * @conf:	the configuration from stdin
 * @net:	hostnat network name
 * @sock:	hostnatd's API socket
 * @id:		CNI_CONTAINERID: the owner of what is made
 * @netns:	CNI_NETNS
 * @ifname:	CNI_IFNAME
 * @ip:		CNI_ARGS IP= or the "ips" capability, NULL if none
 * @mac:	CNI_ARGS MAC= or the "mac" capability, NULL if none
 * @cni_args:	copy of CNI_ARGS, cut into its pairs
 */
struct cni {
	const char *version;
	json_t *conf;
	char net[NAT_NAME_MAX];
	const char *sock;
	const char *id;
	const char *netns;
	const char *ifname;
	const char *ip;
	const char *mac;
	char *cni_args;
};

/* ---- answers ------------------------------------------------------------ */

static void print_json(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) :
		      NULL;

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* the specification's error object on stdout; the exit status of main() */
static int fail(const struct cni *c, enum cni_err code, const char *details,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(const struct cni *c, enum cni_err code, const char *details,
		const char *fmt, ...)
{
	char msg[CTL_ERR_MAX + 256];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s, s:i, s:s}", "cniVersion",
		      c->version ? c->version : VERSION_LATEST, "code",
		      (int)code, "msg", msg);
	if (o && details)
		json_object_set_new(o, "details", json_string(details));
	print_json(o);
	fprintf(stderr, "hostnat-cni: %s%s%s\n", msg, details ? ": " : "",
		details ? details : "");
	return 1;
}

/* ---- hostnatd ----------------------------------------------------------- */

/* one request; *@res is its result (json_decref() it); @args consumed */
static int api(const struct cni *c, const char *cmd, json_t *args,
	       json_t **res, struct client_err *e)
{
	json_t *resp;
	int ret = client_call(c->sock, CNI_TIMEOUT, CNI_RESP_MAX, cmd, args,
			      &resp, e);

	json_decref(args);
	*res = ret ? NULL : json_incref(json_object_get(resp, "result"));
	if (e->refused && !e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "refused");
	json_decref(resp);
	return ret;
}

/* the error for a failed request: 11 when hostnatd is not there */
static int api_fail(const struct cni *c, const struct client_err *e,
		    enum cni_err code, const char *what)
{
	if (e->unreachable)
		return fail(c, CNI_ERR_AGAIN, e->msg, "%s: hostnatd is not "
			    "reachable", what);
	return fail(c, code, e->msg, "%s: hostnatd refused", what);
}

/* does hostnatd have network c->net? 1, 0, or -1 (e filled) */
static int net_exists(const struct cni *c, struct client_err *e)
{
	json_t *res, *n;
	size_t i;
	int found = 0;

	if (api(c, "network.list", NULL, &res, e))
		return -1;
	json_array_foreach(res, i, n)
		if (!strcmp(json_string_value(json_object_get(n, "name")) ?: "",
			    c->net))
			found = 1;
	json_decref(res);
	return found;
}

/* ---- input -------------------------------------------------------------- */

static json_t *read_stdin(char *err, size_t errlen)
{
	size_t len = 0, n;
	char *buf = malloc(CNI_STDIN_MAX + 1);
	json_error_t jerr;
	json_t *o;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while ((n = fread(buf + len, 1, CNI_STDIN_MAX + 1 - len, stdin)) > 0)
		len += n;
	if (len > CNI_STDIN_MAX) {
		free(buf);
		snprintf(err, errlen, "the configuration on stdin is longer "
			 "than %u bytes", CNI_STDIN_MAX);
		return NULL;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!o) {
		snprintf(err, errlen, "the configuration on stdin is not JSON: "
			 "%s at line %d, column %d", jerr.text, jerr.line,
			 jerr.column);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		snprintf(err, errlen, "the configuration on stdin is not a "
			 "JSON object");
		return NULL;
	}
	return o;
}

static bool version_known(const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcmp(v, versions[i]))
			return true;
	return false;
}

static bool is_v04(const struct cni *c)
{
	return !strncmp(c->version, "0.", 2);
}

/* the configuration: version, network, socket; 0 or the exit status */
static int read_conf(struct cni *c)
{
	char err[CTL_ERR_MAX];
	json_t *v = json_object_get(c->conf, "cniVersion"), *s;
	const char *name;

	if (!json_is_string(v))
		return fail(c, CNI_ERR_CONFIG, NULL, "the configuration has no "
			    "\"cniVersion\" string");
	if (!version_known(json_string_value(v))) {
		c->version = VERSION_LATEST;
		return fail(c, CNI_ERR_VERSION, "this plugin supports 0.4.0, "
			    "1.0.0 and 1.1.0", "CNI version %.32s is not "
			    "supported", json_string_value(v));
	}
	c->version = json_string_value(v);
	v = json_object_get(c->conf, "network");
	if (!v)
		v = json_object_get(c->conf, "name");
	if (!json_is_string(v))
		return fail(c, CNI_ERR_CONFIG, NULL, "the configuration has no "
			    "\"name\" (or \"network\") string");
	name = json_string_value(v);
	if (parse_name(name, err, sizeof(err)))
		return fail(c, CNI_ERR_CONFIG, err, "the hostnat network name "
			    "'%.64s' is not valid", name);
	snprintf(c->net, sizeof(c->net), "%s", name);
	s = json_object_get(c->conf, "socket");
	if (s && !json_is_string(s))
		return fail(c, CNI_ERR_CONFIG, NULL, "\"socket\" must be a "
			    "string, the path of hostnatd's API socket");
	c->sock = s ? json_string_value(s) : CTL_SOCKET_DEFAULT;
	return 0;
}

/* CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME as the command needs them */
static int read_env(struct cni *c, bool need_netns)
{
	char err[CTL_ERR_MAX];

	c->id = getenv("CNI_CONTAINERID");
	c->netns = getenv("CNI_NETNS");
	c->ifname = getenv("CNI_IFNAME");
	if (!c->id || !*c->id)
		return fail(c, CNI_ERR_ENV, NULL, "CNI_CONTAINERID is not set");
	if (parse_owner("CNI_CONTAINERID", c->id, err, sizeof(err)))
		return fail(c, CNI_ERR_ENV, err, "CNI_CONTAINERID is not valid");
	if (!c->ifname || !*c->ifname)
		return fail(c, CNI_ERR_ENV, NULL, "CNI_IFNAME is not set");
	if (parse_ifname("CNI_IFNAME", c->ifname, err, sizeof(err)))
		return fail(c, CNI_ERR_ENV, err, "CNI_IFNAME is not valid");
	if (c->netns && !*c->netns)
		c->netns = NULL;
	if (!need_netns)
		return 0;
	if (!c->netns)
		return fail(c, CNI_ERR_ENV, NULL, "CNI_NETNS is not set");
	if (parse_netns(c->netns, err, sizeof(err)))
		return fail(c, CNI_ERR_ENV, err, "CNI_NETNS is not valid");
	return 0;
}

/* CNI_ARGS "K=V;K=V": IP= and MAC=; other keys are ignored, as runtimes
 * pass their own (K8S_POD_NAME=...) */
static int read_cni_args(struct cni *c)
{
	const char *env = getenv("CNI_ARGS");
	char *p, *kv, *save = NULL;

	if (!env || !*env)
		return 0;
	c->cni_args = strdup(env);
	if (!c->cni_args)
		return fail(c, CNI_ERR_ENV, NULL, "out of memory");
	for (p = c->cni_args; (kv = strtok_r(p, ";", &save)); p = NULL) {
		char *eq = strchr(kv, '=');

		if (!eq)
			return fail(c, CNI_ERR_ENV, NULL, "CNI_ARGS pair '%.64s' "
				    "has no '='", kv);
		*eq = '\0';
		if (!strcmp(kv, "IP"))
			c->ip = eq + 1;
		else if (!strcmp(kv, "MAC"))
			c->mac = eq + 1;
	}
	return 0;
}

/* the "ips" and "mac" capabilities (runtimeConfig), and args.cni */
static int read_caps(struct cni *c)
{
	json_t *rc = json_object_get(c->conf, "runtimeConfig");
	json_t *args = json_object_get(json_object_get(c->conf, "args"),
				       "cni");
	json_t *srcs[2] = { args, rc }, *ips, *mac, *e;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		if (!srcs[k])
			continue;
		if (!json_is_object(srcs[k]))
			return fail(c, CNI_ERR_CONFIG, NULL, "\"%s\" must be an "
				    "object", k ? "runtimeConfig" : "args.cni");
		ips = json_object_get(srcs[k], "ips");
		if (ips && !json_is_array(ips))
			return fail(c, CNI_ERR_CONFIG, NULL, "\"ips\" must be a "
				    "list of addresses");
		json_array_foreach(ips, i, e) {
			const char *s = json_string_value(e);

			if (!s)
				return fail(c, CNI_ERR_CONFIG, NULL, "\"ips\" "
					    "must be a list of strings");
			if (!strchr(s, ':')) {	/* IPv6: not hostnat's */
				c->ip = s;
				break;
			}
		}
		mac = json_object_get(srcs[k], "mac");
		if (mac && !json_is_string(mac))
			return fail(c, CNI_ERR_CONFIG, NULL, "\"mac\" must be a "
				    "string");
		if (mac)
			c->mac = json_string_value(mac);
	}
	return 0;
}

/* the address asked for, without its prefix length ("10.0.0.5/24") */
static int want_addr(const struct cni *c, char out[LIB_ADDR_LEN])
{
	char err[CTL_ERR_MAX], buf[64];
	uint32_t a;
	char *slash;

	snprintf(buf, sizeof(buf), "%s", c->ip);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (parse_addr("IP", buf, &a, err, sizeof(err)))
		return fail(c, CNI_ERR_CONFIG, err, "the address asked for is "
			    "not valid");
	lib_addr_fmt(out, a);
	return 0;
}

/* ---- port mappings ------------------------------------------------------ */

/**
 * struct pm - one entry of the portMappings capability
 * @host_port:	external port
 * @cont_port:	internal port
 * @proto:	"tcp" or "udp"
 * @host_ip:	external address, "" for every one of the network
 * @skip:	IPv6 hostIP: not hostnat's, left out
 */
struct pm {
	int host_port;
	int cont_port;
	char proto[8];
	char host_ip[LIB_ADDR_LEN];
	bool skip;
};

static int pm_read(const struct cni *c, json_t *e, struct pm *p)
{
	char err[CTL_ERR_MAX];
	json_t *hp = json_object_get(e, "hostPort");
	json_t *cp = json_object_get(e, "containerPort");
	const char *proto = json_string_value(json_object_get(e, "protocol"));
	const char *ip = json_string_value(json_object_get(e, "hostIP"));
	uint32_t a;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(e) || !json_is_integer(hp) ||
	    !json_is_integer(cp) || json_integer_value(hp) < 1 ||
	    json_integer_value(hp) > 65535 || json_integer_value(cp) < 1 ||
	    json_integer_value(cp) > 65535)
		return fail(c, CNI_ERR_CONFIG, NULL, "a portMappings entry needs "
			    "\"hostPort\" and \"containerPort\" from 1 to "
			    "65535");
	p->host_port = (int)json_integer_value(hp);
	p->cont_port = (int)json_integer_value(cp);
	if (!proto || !*proto)
		proto = "tcp";
	if (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp"))
		return fail(c, CNI_ERR_FIELD, NULL, "portMappings protocol "
			    "'%.16s' is not supported: hostnat maps tcp and "
			    "udp", proto);
	snprintf(p->proto, sizeof(p->proto), "%s",
		 strcasecmp(proto, "tcp") ? "udp" : "tcp");
	if (ip && strchr(ip, ':')) {
		p->skip = true;
		return 0;
	}
	if (ip && *ip && strcmp(ip, "0.0.0.0")) {
		if (parse_addr("hostIP", ip, &a, err, sizeof(err)))
			return fail(c, CNI_ERR_CONFIG, err, "portMappings hostIP "
				    "is not valid");
		lib_addr_fmt(p->host_ip, a);
	}
	return 0;
}

static json_t *port_mappings(const struct cni *c)
{
	json_t *pms = json_object_get(json_object_get(c->conf,
						      "runtimeConfig"),
				      "portMappings");

	return json_is_array(pms) ? pms : NULL;
}

/* ---- commands ----------------------------------------------------------- */

/* DEL's work, also ADD's undo: mappings, then the endpoint, by owner */
static int remove_all(const struct cni *c, struct client_err *e)
{
	json_t *res;

	if (api(c, "map.del", json_pack("{s:s, s:s}", "network", c->net,
					"owner", c->id), &res, e))
		return -1;
	json_decref(res);
	if (api(c, "endpoint.del", json_pack("{s:s, s:s, s:s}", "network",
					     c->net, "owner", c->id, "ifname",
					     c->ifname), &res, e))
		return -1;
	json_decref(res);
	return 0;
}

static void undo(const struct cni *c)
{
	struct client_err e;

	if (remove_all(c, &e))
		fprintf(stderr, "hostnat-cni: cannot undo what ADD did for "
			"%s: %s\n", c->id, e.msg);
}

static json_t *result_json(const struct cni *c, json_t *ep)
{
	const char *gw = json_string_value(json_object_get(ep, "gateway"));
	json_t *o, *ip, *dns = json_object_get(ep, "dns");
	json_t *dom = json_object_get(ep, "dns_domain");

	ip = json_pack("{s:s, s:s, s:i}", "address",
		       json_string_value(json_object_get(ep, "address")),
		       "gateway", gw, "interface", 0);
	if (ip && is_v04(c))
		json_object_set_new(ip, "version", json_string("4"));
	o = json_pack("{s:s, s:[{s:s, s:s, s:s}], s:[o], s:[{s:s, s:s}], s:{s:O}}",
		      "cniVersion", c->version,
		      "interfaces", "name", c->ifname, "mac",
		      json_string_value(json_object_get(ep, "mac")),
		      "sandbox", c->netns,
		      "ips", ip,
		      "routes", "dst", "0.0.0.0/0", "gw", gw,
		      "dns", "nameservers", dns ? dns : json_array());
	if (o && json_is_string(dom))
		json_object_set(json_object_get(o, "dns"), "domain", dom);
	return o;
}

static int cmd_add(struct cni *c)
{
	char addr[LIB_ADDR_LEN], err[CTL_ERR_MAX], ia[LIB_ADDR_LEN + 8];
	json_t *args, *ep = NULL, *res, *pms, *e;
	struct client_err ae;
	uint8_t mac[6];
	struct pm p;
	size_t i;
	int ret;

	ret = read_env(c, true);
	if (!ret)
		ret = read_cni_args(c);
	if (!ret)
		ret = read_caps(c);
	if (ret)
		return ret;
	pms = port_mappings(c);
	json_array_foreach(pms, i, e)	/* all checked before anything */
		if ((ret = pm_read(c, e, &p)))
			return ret;
	if (c->mac && parse_mac("MAC", c->mac, mac, err, sizeof(err)))
		return fail(c, CNI_ERR_CONFIG, err, "the MAC asked for is not "
			    "valid");
	if (c->ip && (ret = want_addr(c, addr)))
		return ret;
	ret = net_exists(c, &ae);
	if (ret < 0)
		return api_fail(c, &ae, CNI_ERR_REFUSED, "ADD");
	if (!ret)
		return fail(c, CNI_ERR_CONFIG, NULL, "hostnatd has no network "
			    "'%s'; create it (hostnat network add) or name "
			    "another in the configuration", c->net);
	args = json_pack("{s:s, s:s, s:s, s:s}", "network", c->net, "netns",
			 c->netns, "ifname", c->ifname, "owner", c->id);
	if (args && c->ip)
		json_object_set_new(args, "address", json_string(addr));
	if (args && c->mac)
		json_object_set_new(args, "mac", json_string(c->mac));
	if (api(c, "endpoint.add", args, &ep, &ae))
		return api_fail(c, &ae, CNI_ERR_REFUSED, "ADD: endpoint.add");
	snprintf(addr, sizeof(addr), "%s",
		 json_string_value(json_object_get(ep, "address")) ?: "");
	if (strchr(addr, '/'))
		*strchr(addr, '/') = '\0';
	json_array_foreach(pms, i, e) {
		pm_read(c, e, &p);
		if (p.skip)
			continue;
		snprintf(ia, sizeof(ia), "%s:%d", addr, p.cont_port);
		args = json_pack("{s:s, s:s, s:s, s:i, s:s}", "network", c->net,
				 "proto", p.proto, "internal", ia,
				 "external_port", p.host_port, "owner", c->id);
		if (args && p.host_ip[0])
			json_object_set_new(args, "external_address",
					    json_string(p.host_ip));
		if (api(c, "map.add", args, &res, &ae)) {
			undo(c);
			json_decref(ep);
			return api_fail(c, &ae, CNI_ERR_PORT, "ADD: port "
					"mapping");
		}
		json_decref(res);
	}
	res = result_json(c, ep);
	json_decref(ep);
	if (!res) {
		undo(c);
		return fail(c, CNI_ERR_REFUSED, NULL, "out of memory");
	}
	print_json(res);
	return 0;
}

static int cmd_del(struct cni *c)
{
	struct client_err e;
	int ret = read_env(c, false);

	if (ret)
		return ret;
	if (!remove_all(c, &e))
		return 0;
	/* the network is gone: so is everything of it */
	if (!e.unreachable && !strcmp(e.errno_name, "ENOENT"))
		return 0;
	return api_fail(c, &e, CNI_ERR_REFUSED, "DEL");
}

static int cmd_check(struct cni *c)
{
	json_t *prev = json_object_get(c->conf, "prevResult"), *res, *e, *m;
	const char *want = json_string_value(json_object_get(
		json_array_get(json_object_get(prev, "ips"), 0), "address"));
	json_t *found = NULL, *pms, *maps = NULL;
	struct client_err ae;
	struct pm p;
	size_t i, k;
	int ret = read_env(c, true);

	if (ret)
		return ret;
	if (!json_is_object(prev))
		return fail(c, CNI_ERR_CONFIG, NULL, "CHECK needs a "
			    "\"prevResult\"");
	if (api(c, "endpoint.list", json_pack("{s:s}", "network", c->net),
		&res, &ae))
		return api_fail(c, &ae, CNI_ERR_REFUSED, "CHECK");
	json_array_foreach(res, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "owner")) ?: "",
			    c->id) &&
		    !strcmp(json_string_value(json_object_get(e, "ifname")) ?:
			    "", c->ifname))
			found = e;
	if (!found) {
		json_decref(res);
		return fail(c, CNI_ERR_CHECK, NULL, "network '%s' has no "
			    "endpoint %s of container %s", c->net, c->ifname,
			    c->id);
	}
	if (!json_is_true(json_object_get(found, "present"))) {
		ret = fail(c, CNI_ERR_CHECK, json_string_value(json_object_get(
				   found, "reason")), "endpoint %s of container "
			   "%s is missing", c->ifname, c->id);
		json_decref(res);
		return ret;
	}
	if (want && strcmp(want, json_string_value(json_object_get(
					  found, "address")) ?: "")) {
		ret = fail(c, CNI_ERR_CHECK, NULL, "endpoint %s of container %s "
			   "has address %s, prevResult says %s", c->ifname,
			   c->id, json_string_value(json_object_get(found,
								    "address")),
			   want);
		json_decref(res);
		return ret;
	}
	json_decref(res);
	pms = port_mappings(c);
	if (json_array_size(pms) &&
	    api(c, "map.list", json_pack("{s:s}", "network", c->net), &maps,
		&ae))
		return api_fail(c, &ae, CNI_ERR_REFUSED, "CHECK");
	json_array_foreach(pms, i, e) {
		bool ok = false;

		if ((ret = pm_read(c, e, &p))) {
			json_decref(maps);
			return ret;
		}
		json_array_foreach(maps, k, m)
			ok |= !p.skip &&
			      !strcmp(json_string_value(json_object_get(
					      m, "owner")) ?: "", c->id) &&
			      !strcmp(json_string_value(json_object_get(
					      m, "proto")) ?: "", p.proto) &&
			      json_integer_value(json_object_get(
				      m, "external_port")) == p.host_port;
		if (!ok && !p.skip) {
			json_decref(maps);
			return fail(c, CNI_ERR_CHECK, NULL, "container %s has no "
				    "%s mapping of port %d", c->id, p.proto,
				    p.host_port);
		}
	}
	json_decref(maps);
	return 0;
}

static int cmd_status(struct cni *c)
{
	struct client_err e;
	int ret = net_exists(c, &e);

	if (ret < 0)
		return fail(c, CNI_ERR_UNAVAIL, e.msg, "hostnatd is not "
			    "available");
	if (!ret)
		return fail(c, CNI_ERR_UNAVAIL, NULL, "hostnatd has no network "
			    "'%s'", c->net);
	return 0;
}

/* is (@id, @ifname) in valid-attachments? @ifname NULL: any interface */
static bool valid(json_t *va, const char *id, const char *ifname)
{
	json_t *a;
	size_t i;

	json_array_foreach(va, i, a)
		if (!strcmp(json_string_value(json_object_get(a,
				"containerID")) ?: "", id) &&
		    (!ifname || !strcmp(json_string_value(json_object_get(a,
				"ifname")) ?: "", ifname)))
			return true;
	return false;
}

static int cmd_gc(struct cni *c)
{
	json_t *va = json_object_get(c->conf, "cni.dev/valid-attachments");
	json_t *eps = NULL, *maps = NULL, *res, *e;
	struct client_err ae;
	const char *owner;
	size_t i;
	int ret = 0;

	if (va && !json_is_array(va))
		return fail(c, CNI_ERR_CONFIG, NULL, "\"cni.dev/valid-"
			    "attachments\" must be a list");
	if (api(c, "endpoint.list", json_pack("{s:s}", "network", c->net),
		&eps, &ae) ||
	    api(c, "map.list", json_pack("{s:s}", "network", c->net), &maps,
		&ae)) {
		json_decref(eps);
		return api_fail(c, &ae, CNI_ERR_REFUSED, "GC");
	}
	json_array_foreach(eps, i, e) {
		const char *ifn = json_string_value(json_object_get(e,
								    "ifname"));

		owner = json_string_value(json_object_get(e, "owner"));
		if (!owner || !ifn || valid(va, owner, ifn))
			continue;
		if (api(c, "endpoint.del", json_pack("{s:s, s:s, s:s}",
			"network", c->net, "owner", owner, "ifname", ifn),
			&res, &ae)) {
			ret = api_fail(c, &ae, CNI_ERR_REFUSED, "GC");
			goto out;
		}
		json_decref(res);
	}
	json_array_foreach(maps, i, e) {
		owner = json_string_value(json_object_get(e, "owner"));
		if (!owner || valid(va, owner, NULL))
			continue;
		/* by owner: its other mappings go in the same request */
		if (api(c, "map.del", json_pack("{s:s, s:s}", "network", c->net,
						"owner", owner), &res, &ae)) {
			ret = api_fail(c, &ae, CNI_ERR_REFUSED, "GC");
			goto out;
		}
		json_decref(res);
	}
out:
	json_decref(eps);
	json_decref(maps);
	return ret;
}

static int cmd_version(struct cni *c)
{
	json_t *sv = json_array();
	size_t i;

	for (i = 0; sv && i < sizeof(versions) / sizeof(versions[0]); i++)
		json_array_append_new(sv, json_string(versions[i]));
	print_json(json_pack("{s:s, s:o}", "cniVersion", VERSION_LATEST,
			     "supportedVersions", sv));
	(void)c;
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(struct cni *c);
} commands[] = {
	{ "ADD", cmd_add },
	{ "DEL", cmd_del },
	{ "CHECK", cmd_check },
	{ "STATUS", cmd_status },
	{ "GC", cmd_gc },
	{ "VERSION", cmd_version },
};

int main(void)
{
	const char *cmd = getenv("CNI_COMMAND");
	struct cni c = { 0 };
	char err[CTL_ERR_MAX];
	size_t i;
	int ret;

	if (!cmd || !*cmd)
		return fail(&c, CNI_ERR_ENV, "the runtime sets it to ADD, DEL, "
			    "CHECK, STATUS, GC or VERSION", "CNI_COMMAND is not "
			    "set");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return fail(&c, CNI_ERR_ENV, NULL, "CNI_COMMAND '%.32s' is not "
			    "ADD, DEL, CHECK, STATUS, GC or VERSION", cmd);
	if (commands[i].fn == cmd_version)
		return cmd_version(&c);
	c.conf = read_stdin(err, sizeof(err));
	if (!c.conf)
		return fail(&c, CNI_ERR_DECODE, err, "cannot decode the network "
			    "configuration");
	ret = read_conf(&c);
	if (!ret && (commands[i].fn == cmd_status ||
		     commands[i].fn == cmd_gc) &&
	    strncmp(c.version, "1.1", 3))
		ret = fail(&c, CNI_ERR_VERSION, NULL, "%s needs CNI version "
			   "1.1.0, the configuration says %s", cmd, c.version);
	if (!ret)
		ret = commands[i].fn(&c);
	json_decref(c.conf);
	free(c.cni_args);
	return ret;
}
