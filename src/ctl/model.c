/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - model.c: the configuration, as JSON and in the state file
 *
 * Theory of operation
 * -------------------
 * struct model is hostnat's configuration: networks (prefixes, bridge,
 * gateway, external addresses, settings) and mappings, in the order they
 * were made. The engine and the kernel are made to match it (cmd.c); it is
 * what the state file holds and what the API shows. It is a flat value
 * without pointers, so a request works on a copy and the copy replaces the
 * original only once the engine, the kernel and the state file all took
 * the change.
 *
 * One JSON shape per object serves both the API results and the state file
 * (docs/PROTOCOL.md): a network object holds its externals, settings and,
 * in the state file and network.show, its mappings. The state file is
 *
 *	{"version": 1, "networks": [ <network>, ... ]}
 *
 * model_from_json() reads it as strictly as the API reads requests: every
 * member known, every value through the parsers of parse.c; the checks
 * that need the engine (overlaps, conflicts) happen when the configuration
 * is applied to it. The derived values (engine id, "host_address") are
 * recomputed, never trusted.
 *
 * model_save() writes atomically: a temporary file in the same directory,
 * fsync(), rename() over the old file, fsync() of the directory, so that
 * after a crash the file is the old or the new configuration, whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "model.h"

/**
 * model_net_find() - a network's slot by name
 * @m:		configuration
 * @name:	network name
 *
 * Return: slot, -ENOENT
 */
int model_net_find(const struct model *m, const char *name)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (m->net[i].used && !strcmp(m->net[i].cfg.name, name))
			return (int)i;
	return -ENOENT;
}

/**
 * model_net_free_slot() - a free network slot
 * @m:		configuration
 *
 * Return: slot, -ENOSPC
 */
int model_net_free_slot(const struct model *m)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (!m->net[i].used)
			return (int)i;
	return -ENOSPC;
}

/**
 * model_map_free_slot() - a free mapping slot
 * @m:		configuration
 *
 * Return: slot, -ENOSPC
 */
int model_map_free_slot(const struct model *m)
{
	unsigned i;

	for (i = 0; i < DP_MAX_STATIC; i++)
		if (!m->map[i].used)
			return (int)i;
	return -ENOSPC;
}

/**
 * model_net_name() - the name of the network with engine id @id
 * @m:		configuration
 * @id:		the engine's network id
 *
 * Return: its name, "?" if none has it
 */
const char *model_net_name(const struct model *m, unsigned id)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (m->net[i].used && m->net[i].id == id)
			return m->net[i].cfg.name;
	return "?";
}

/**
 * model_map_last() - the last external port of a mapping's range
 * @mm:		the mapping
 *
 * Return: its external port, or the last of its range
 */
uint16_t model_map_last(const struct model_map *mm)
{
	return (uint16_t)(mm->m.ext_port + (mm->nports > 1 ? mm->nports - 1 :
							     0));
}

/**
 * model_map_find() - a mapping's slot by what identifies it
 * @m:		configuration
 * @net:	network slot
 * @proto:	NAT_TCP or NAT_UDP
 * @ext_addr:	external address, 0 for every address
 * @ext_port:	external port: one of the mapping's range
 *
 * Return: slot, -ENOENT
 */
int model_map_find(const struct model *m, unsigned net, uint8_t proto,
		   uint32_t ext_addr, uint16_t ext_port)
{
	unsigned i;

	for (i = 0; i < DP_MAX_STATIC; i++) {
		const struct model_map *mm = &m->map[i];

		if (mm->used && mm->net == net && mm->m.proto == proto &&
		    mm->m.ext_addr == ext_addr && ext_port >= mm->m.ext_port &&
		    ext_port <= model_map_last(mm))
			return (int)i;
	}
	return -ENOENT;
}

/**
 * model_host_addr() - set the address that stands for the host: the last
 * usable address of the first prefix, or the one before if that is the
 * gateway
 * @n:		network, with prefixes and gateway set
 */
void model_host_addr(struct model_net *n)
{
	uint32_t mask, last;

	n->cfg.host_addr = 0;
	if (!n->nprefix || n->plen[0] < 1 || n->plen[0] > 30)
		return;
	mask = lib_prefix_mask(n->plen[0]);
	last = (n->prefix[0] | ~mask) - 1;
	if (last == n->cfg.gateway)
		last--;
	if (last > n->prefix[0])
		n->cfg.host_addr = last;
}

/* ---- to JSON ---------------------------------------------------------- */

static json_t *jaddr(uint32_t a)
{
	char buf[LIB_ADDR_LEN];

	lib_addr_fmt(buf, a);
	return json_string(buf);
}

static json_t *jcidr(uint32_t a, unsigned plen)
{
	char buf[PARSE_CIDR_LEN];

	fmt_cidr(buf, a, plen);
	return json_string(buf);
}

/**
 * model_ext_json() - an external address as JSON
 * @m:		configuration
 * @net:	network slot
 * @ext:	index of the external address in the network
 *
 * Return: {"network", "address", "interface", "follows_interface",
 * "port_low", "port_high"}, NULL if out of memory
 */
json_t *model_ext_json(const struct model *m, unsigned net, unsigned ext)
{
	const struct model_net *n = &m->net[net];
	const struct model_ext *e = &n->ext[ext];

	return json_pack("{s:s, s:o, s:s, s:b, s:i, s:i}",
			 "network", n->cfg.name,
			 "address", jaddr(e->addr),
			 "interface", e->uplink,
			 "follows_interface", e->is_if,
			 "port_low", (json_int_t)e->lo,
			 "port_high", (json_int_t)e->hi);
}

/**
 * model_map_json() - a mapping as JSON
 * @m:		configuration
 * @map:	mapping slot
 *
 * Return: {"network", "proto", "internal_address", "internal_port",
 * "internal_port_end", "external_address" (null: every external address;
 * "127.0.0.1": the host only), "external_port", "external_port_end" (the
 * last port of a range; the same as the first for one port), "remote",
 * "dynamic", "owner" (null: none)}, NULL if out of memory
 */
json_t *model_map_json(const struct model *m, unsigned map)
{
	const struct model_map *mm = &m->map[map];
	uint16_t last = model_map_last(mm);

	return json_pack("{s:s, s:s, s:o, s:i, s:i, s:o, s:i, s:i, s:o, s:b, s:o}",
			 "network", m->net[mm->net].cfg.name,
			 "proto", nat_proto_name(mm->m.proto),
			 "internal_address", jaddr(mm->m.int_addr),
			 "internal_port", (json_int_t)mm->m.int_port,
			 "internal_port_end", (json_int_t)(mm->m.int_port +
							   last -
							   mm->m.ext_port),
			 "external_address", mm->m.ext_addr ?
				jaddr(mm->m.ext_addr) : json_null(),
			 "external_port", (json_int_t)mm->m.ext_port,
			 "external_port_end", (json_int_t)last,
			 "remote", jcidr(mm->m.remote_addr, mm->m.remote_plen),
			 "dynamic", mm->dynamic,
			 "owner", mm->owner[0] ? json_string(mm->owner) :
						 json_null());
}

static json_t *settings_json(const struct nat_net_cfg *cfg,
			     const struct parse_svc_cfg *svc)
{
	json_t *o = json_object();
	unsigned k;

	for (k = 0; o && k < SET_NKEYS; k++) {
		uint32_t v;
		json_t *j;

		parse_setting_get(cfg, svc, (enum parse_setting)k, &v);
		if (parse_setting_is_bool((enum parse_setting)k))
			j = json_boolean(v);
		else if (parse_setting_is_number((enum parse_setting)k))
			j = json_integer(v);
		else
			j = json_string(parse_setting_str(
				(enum parse_setting)k, v));
		if (json_object_set_new(o, parse_setting_name(
				(enum parse_setting)k), j)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/**
 * model_net_json() - a network as JSON
 * @m:		configuration
 * @net:	network slot
 * @maps:	include its mappings
 *
 * Return: {"name", "prefixes", "bridge", "own_bridge", "gateway",
 * "host_address", "externals", "settings"[, "mappings"]}, NULL if out of
 * memory
 */
json_t *model_net_json(const struct model *m, unsigned net, bool maps)
{
	const struct model_net *n = &m->net[net];
	json_t *o, *px = json_array(), *ex = json_array();
	unsigned i;

	for (i = 0; px && i < n->nprefix; i++)
		json_array_append_new(px, jcidr(n->prefix[i], n->plen[i]));
	for (i = 0; ex && i < n->next; i++) {
		json_t *e = model_ext_json(m, net, i);

		if (e)
			json_object_del(e, "network");
		json_array_append_new(ex, e);
	}
	o = json_pack("{s:s, s:o*, s:s, s:b, s:o, s:o, s:o*, s:o*}",
		      "name", n->cfg.name,
		      "prefixes", px,
		      "bridge", n->bridge,
		      "own_bridge", n->own_bridge,
		      "gateway", jaddr(n->cfg.gateway),
		      "host_address", n->cfg.host_addr ?
			jaddr(n->cfg.host_addr) : json_null(),
		      "externals", ex,
		      "settings", settings_json(&n->cfg, &n->svc));
	if (o && maps) {
		json_t *ma = json_array();

		for (i = 0; ma && i < DP_MAX_STATIC; i++) {
			json_t *j;

			if (!m->map[i].used || m->map[i].net != net)
				continue;
			j = model_map_json(m, i);
			if (j)
				json_object_del(j, "network");
			json_array_append_new(ma, j);
		}
		if (!ma || json_object_set_new(o, "mappings", ma)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/**
 * model_json() - the whole configuration as the state file holds it
 * @m:		configuration
 *
 * Return: {"version": 1, "networks": [...]}, NULL if out of memory
 */
json_t *model_json(const struct model *m)
{
	json_t *nets = json_array();
	unsigned i;

	for (i = 0; nets && i < DP_MAX_NETS; i++) {
		if (!m->net[i].used)
			continue;
		if (json_array_append_new(nets, model_net_json(m, i, true))) {
			json_decref(nets);
			return NULL;
		}
	}
	return json_pack("{s:i, s:o*}", "version", (json_int_t)MODEL_VERSION,
			 "networks", nets);
}

/* ---- from JSON -------------------------------------------------------- */

/* every member of @o is one of the NULL-terminated @known */
static int members(json_t *o, const char *what, const char *const *known,
		   char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s is not a JSON object", what);
		return -EINVAL;
	}
	json_object_foreach(o, key, v) {
		const char *const *k;

		for (k = known; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (!*k) {
			snprintf(err, errlen, "%s has an unknown member "
				 "'%.64s'", what, key);
			return -EINVAL;
		}
	}
	return 0;
}

static int get_str(json_t *o, const char *what, const char *key,
		   bool required, const char **s, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*s = NULL;
	if (!v && !required)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: \"%s\" must be a string", what, key);
		return -EINVAL;
	}
	*s = json_string_value(v);
	return 0;
}

static int get_int(json_t *o, const char *what, const char *key,
		   json_int_t min, json_int_t max, json_int_t *n, char *err,
		   size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		snprintf(err, errlen, "%s: \"%s\" must be a number from %lld "
			 "to %lld", what, key, (long long)min, (long long)max);
		return -EINVAL;
	}
	*n = json_integer_value(v);
	return 0;
}

static int get_bool(json_t *o, const char *what, const char *key,
		    bool *b, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "%s: \"%s\" must be true or false", what,
			 key);
		return -EINVAL;
	}
	*b = json_is_true(v);
	return 0;
}

static int ext_from_json(json_t *o, const char *what, struct model_ext *e,
			 char *err, size_t errlen)
{
	static const char *const known[] = { "address", "interface",
		"follows_interface", "port_low", "port_high", NULL };
	const char *s;
	json_int_t lo, hi;
	int ret = members(o, what, known, err, errlen);

	if (!ret)
		ret = get_str(o, what, "address", true, &s, err, errlen);
	if (!ret)
		ret = parse_addr("external address", s, &e->addr, err, errlen);
	if (!ret)
		ret = get_str(o, what, "interface", true, &s, err, errlen);
	if (!ret)
		ret = parse_ifname("interface", s, err, errlen);
	if (ret)
		return ret;
	snprintf(e->uplink, sizeof(e->uplink), "%s", s);
	ret = get_bool(o, what, "follows_interface", &e->is_if, err, errlen);
	if (!ret)
		ret = get_int(o, what, "port_low", 1, 65535, &lo, err, errlen);
	if (!ret)
		ret = get_int(o, what, "port_high", lo, 65535, &hi, err,
			      errlen);
	if (ret)
		return ret;
	e->lo = (uint16_t)lo;
	e->hi = (uint16_t)hi;
	snprintf(e->given, sizeof(e->given), "%s", e->is_if ? e->uplink : "");
	return 0;
}

/* a network's "settings" of the state file: each key of parse.c's table,
 * of its type, with its value checked as network.set checks it */
static int settings_from_json(json_t *o, const char *what,
			      struct nat_net_cfg *cfg,
			      struct parse_svc_cfg *svc, char *err,
			      size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: \"settings\" must be an object",
			 what);
		return -EINVAL;
	}
	json_object_foreach(o, key, v) {
		enum parse_setting k;
		char buf[32];
		const char *s = buf;
		uint32_t val;
		int ret = parse_setting_key(key, &k, err, errlen);

		if (ret)
			return ret;
		if (parse_setting_is_number(k) && json_is_integer(v) &&
		    json_integer_value(v) >= 0)
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)json_integer_value(v));
		else if (parse_setting_is_bool(k) && json_is_boolean(v))
			s = json_is_true(v) ? "on" : "off";
		else if (!parse_setting_is_number(k) &&
			 !parse_setting_is_bool(k) && json_is_string(v))
			s = json_string_value(v);
		else {
			snprintf(err, errlen, "%s: setting \"%s\" has a value "
				 "of the wrong type", what, key);
			return -EINVAL;
		}
		ret = parse_setting_value(k, s, &val, err, errlen);
		if (ret)
			return ret;
		parse_setting_put(cfg, svc, k, val);
	}
	return 0;
}

/* one mapping of a network's "mappings" in the state file, checked as
 * map.add checks it */
static int map_from_json(json_t *o, const char *what, struct model_map *mm,
			 char *err, size_t errlen)
{
	static const char *const known[] = { "proto", "internal_address",
		"internal_port", "internal_port_end", "external_address",
		"external_port", "external_port_end", "remote", "dynamic",
		"owner", NULL };
	const char *s;
	json_int_t n;
	json_t *ea;
	int ret = members(o, what, known, err, errlen);

	if (!ret)
		ret = get_str(o, what, "proto", true, &s, err, errlen);
	if (!ret)
		ret = parse_proto(s, false, &mm->m.proto, err, errlen);
	if (!ret)
		ret = get_str(o, what, "internal_address", true, &s, err,
			      errlen);
	if (!ret)
		ret = parse_addr("internal address", s, &mm->m.int_addr, err,
				 errlen);
	if (!ret)
		ret = get_int(o, what, "internal_port", 1, 65535, &n, err,
			      errlen);
	if (ret)
		return ret;
	mm->m.int_port = (uint16_t)n;
	ret = get_int(o, what, "external_port", 1, 65535, &n, err, errlen);
	if (ret)
		return ret;
	mm->m.ext_port = (uint16_t)n;
	mm->nports = 1;
	if (json_object_get(o, "external_port_end")) {
		json_int_t e, ie = 0;

		ret = get_int(o, what, "external_port_end", mm->m.ext_port,
			      65535, &e, err, errlen);
		if (!ret && json_object_get(o, "internal_port_end"))
			ret = get_int(o, what, "internal_port_end", 1, 65535,
				      &ie, err, errlen);
		if (ret)
			return ret;
		mm->nports = (uint16_t)(e - mm->m.ext_port + 1);
		if (json_object_get(o, "internal_port_end") &&
		    ie - mm->m.int_port != e - mm->m.ext_port) {
			snprintf(err, errlen, "%s: the internal range %u-%u is "
				 "not as long as the external range %u-%u",
				 what, mm->m.int_port, (unsigned)ie,
				 mm->m.ext_port, (unsigned)e);
			return -EINVAL;
		}
		if ((json_int_t)mm->m.int_port + e - mm->m.ext_port > 65535) {
			snprintf(err, errlen, "%s: the internal range from "
				 "port %u runs past 65535", what,
				 mm->m.int_port);
			return -EINVAL;
		}
	}
	ea = json_object_get(o, "external_address");
	mm->m.ext_addr = 0;
	if (ea && !json_is_null(ea)) {
		ret = get_str(o, what, "external_address", true, &s, err,
			      errlen);
		if (!ret)
			ret = parse_addr("external address", s,
					 &mm->m.ext_addr, err, errlen);
		if (ret)
			return ret;
	}
	ret = get_str(o, what, "remote", false, &s, err, errlen);
	if (!ret && s)
		ret = parse_cidr("remote", s, &mm->m.remote_addr,
				 &mm->m.remote_plen, err, errlen);
	if (!ret && json_object_get(o, "dynamic"))
		ret = get_bool(o, what, "dynamic", &mm->dynamic, err, errlen);
	/* files older than owners have none; null is none too */
	s = NULL;
	if (!ret && !json_is_null(json_object_get(o, "owner")))
		ret = get_str(o, what, "owner", false, &s, err, errlen);
	if (!ret && s)
		ret = parse_owner("owner", s, err, errlen);
	if (!ret && s)
		snprintf(mm->owner, sizeof(mm->owner), "%s", s);
	return ret;
}

/**
 * model_gateway_check() - check that the gateway is a usable address of one
 * of the network's prefixes, and set the length it has on the bridge
 * @n:		network, with prefixes and gateway set
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int model_gateway_check(struct model_net *n, char *err, size_t errlen)
{
	char a[LIB_ADDR_LEN];
	unsigned i;

	for (i = 0; i < n->nprefix; i++) {
		uint32_t mask = lib_prefix_mask(n->plen[i]);

		if ((n->cfg.gateway & mask) != n->prefix[i])
			continue;
		if (n->cfg.gateway == n->prefix[i] ||
		    n->cfg.gateway == (n->prefix[i] | ~mask))
			break;
		n->gw_plen = n->plen[i];
		return 0;
	}
	lib_addr_fmt(a, n->cfg.gateway);
	snprintf(err, errlen, "gateway %s is not a usable address of the "
		 "network's prefixes; give an address inside one of them",
		 a);
	return -EINVAL;
}

/*
 * One network of the state file into slot @slot of @m, every member
 * checked as the API checks it; its mappings into free slots of @m.
 */
static int net_from_json(json_t *o, const char *what, struct model *m,
			 unsigned slot, char *err, size_t errlen)
{
	static const char *const known[] = { "name", "prefixes", "bridge",
		"own_bridge", "gateway", "host_address", "externals",
		"settings", "mappings", NULL };
	struct model_net *n = &m->net[slot];
	json_t *px, *ex, *ma, *v;
	const char *s;
	char w[96];
	size_t i;
	int ret = members(o, what, known, err, errlen);

	/* 1. the name, unique in the file */
	if (!ret)
		ret = get_str(o, what, "name", true, &s, err, errlen);
	if (!ret)
		ret = parse_name(s, err, errlen);
	if (ret)
		return ret;
	nat_net_cfg_default(&n->cfg, s);
	parse_svc_default(&n->svc);
	snprintf(w, sizeof(w), "network '%s'", s);
	if (model_net_find(m, s) >= 0) {
		snprintf(err, errlen, "%s appears twice", w);
		return -EINVAL;
	}
	/* 2. the prefixes */
	px = json_object_get(o, "prefixes");
	if (!json_is_array(px) || !json_array_size(px) ||
	    json_array_size(px) > DP_NET_PREFIXES) {
		snprintf(err, errlen, "%s: \"prefixes\" must be a list of 1 to "
			 "%d prefixes", w, DP_NET_PREFIXES);
		return -EINVAL;
	}
	json_array_foreach(px, i, v) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: prefixes must be strings", w);
			return -EINVAL;
		}
		ret = parse_cidr("prefix", json_string_value(v), &n->prefix[i],
				 &n->plen[i], err, errlen);
		if (ret)
			return ret;
	}
	n->nprefix = (unsigned)json_array_size(px);
	/* 3. bridge, gateway; the host address is derived again */
	ret = get_str(o, w, "bridge", true, &s, err, errlen);
	if (!ret)
		ret = parse_ifname("bridge", s, err, errlen);
	if (ret)
		return ret;
	snprintf(n->bridge, sizeof(n->bridge), "%s", s);
	ret = get_bool(o, w, "own_bridge", &n->own_bridge, err, errlen);
	if (!ret)
		ret = get_str(o, w, "gateway", true, &s, err, errlen);
	if (!ret)
		ret = parse_addr("gateway", s, &n->cfg.gateway, err, errlen);
	if (!ret)
		ret = model_gateway_check(n, err, errlen);
	if (!ret && json_object_get(o, "host_address") &&
	    !json_is_null(json_object_get(o, "host_address"))) {
		uint32_t dummy;

		/* derived: checked for form, then recomputed */
		ret = get_str(o, w, "host_address", true, &s, err, errlen);
		if (!ret)
			ret = parse_addr("host address", s, &dummy, err,
					 errlen);
	}
	if (ret)
		return ret;
	model_host_addr(n);
	/* 4. external addresses, settings */
	ex = json_object_get(o, "externals");
	if (ex && (!json_is_array(ex) ||
		   json_array_size(ex) > CTL_NET_EXT_MAX)) {
		snprintf(err, errlen, "%s: \"externals\" must be a list of at "
			 "most %d", w, CTL_NET_EXT_MAX);
		return -EINVAL;
	}
	json_array_foreach(ex, i, v) {
		ret = ext_from_json(v, w, &n->ext[i], err, errlen);
		if (ret)
			return ret;
	}
	n->next = (unsigned)json_array_size(ex);
	v = json_object_get(o, "settings");
	if (v) {
		ret = settings_from_json(v, w, &n->cfg, &n->svc, err,
					 errlen);
		if (ret)
			return ret;
	}
	/* 5. mappings, each in a slot of its own */
	ma = json_object_get(o, "mappings");
	if (ma && !json_is_array(ma)) {
		snprintf(err, errlen, "%s: \"mappings\" must be a list", w);
		return -EINVAL;
	}
	json_array_foreach(ma, i, v) {
		int ms = model_map_free_slot(m);

		if (ms < 0) {
			snprintf(err, errlen, "%s: more than %d mappings", w,
				 DP_MAX_STATIC);
			return -EINVAL;
		}
		memset(&m->map[ms], 0, sizeof(m->map[ms]));
		ret = map_from_json(v, w, &m->map[ms], err, errlen);
		if (ret)
			return ret;
		m->map[ms].net = (uint8_t)slot;
		m->map[ms].used = true;
	}
	n->used = true;
	return 0;
}

/**
 * model_from_json() - read a configuration (the state file's document)
 * @doc:	{"version": 1, "networks": [...]}
 * @m:		filled in (engine ids unset)
 * @err:	message on failure, naming the network and member
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL
 */
int model_from_json(json_t *doc, struct model *m, char *err, size_t errlen)
{
	static const char *const known[] = { "version", "networks", NULL };
	json_int_t ver;
	json_t *nets, *v;
	size_t i;
	int ret = members(doc, "the document", known, err, errlen);

	memset(m, 0, sizeof(*m));
	if (!ret)
		ret = get_int(doc, "the document", "version", MODEL_VERSION,
			      MODEL_VERSION, &ver, err, errlen);
	if (ret)
		return ret;
	nets = json_object_get(doc, "networks");
	if (!json_is_array(nets) || json_array_size(nets) > DP_MAX_NETS) {
		snprintf(err, errlen, "\"networks\" must be a list of at most "
			 "%d networks", DP_MAX_NETS);
		return -EINVAL;
	}
	json_array_foreach(nets, i, v) {
		char w[32];

		snprintf(w, sizeof(w), "network #%zu", i + 1);
		ret = net_from_json(v, w, m, (unsigned)i, err, errlen);
		if (ret) {
			memset(m, 0, sizeof(*m));
			return ret;
		}
	}
	return 0;
}

/* ---- the state file --------------------------------------------------- */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

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
 * model_write_atomic() - replace a file of the state directory atomically:
 * write a temporary file, fsync it, rename it over @path, fsync the
 * directory; a crash at any point leaves the old file or the new one
 * @dir:	state directory
 * @path:	the file
 * @tmp:	temporary file in @dir
 * @text:	the new contents
 * @len:	their length
 * @what:	what the file is, for the message ("state file")
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -errno
 */
int model_write_atomic(const char *dir, const char *path, const char *tmp,
		       const char *text, size_t len, const char *what,
		       char *err, size_t errlen)
{
	const char *step = "write";
	int fd, dfd = -1, ret;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		step = "create";
		goto fail;
	}
	ret = write_all(fd, text, len);
	if (!ret && fsync(fd)) {
		ret = -errno;
		step = "sync";
	}
	if (close(fd) && !ret) {
		ret = -errno;
		step = "close";
	}
	if (ret)
		goto fail_unlink;
	if (rename(tmp, path)) {
		ret = -errno;
		step = "rename";
		goto fail_unlink;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd)) {
		ret = -errno;
		step = "sync the directory of";
		goto fail;
	}
	ret = 0;
	goto out;
fail_unlink:
	unlink(tmp);
fail:
	snprintf(err, errlen, "cannot %s %s %s: %s; check the state "
		 "directory (space, permissions)", step, what, path,
		 strerror(-ret));
out:
	if (dfd >= 0)
		close(dfd);
	return ret;
}

/**
 * model_save() - write the state file atomically
 * @m:		configuration
 * @dir:	state directory
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -errno
 */
int model_save(const struct model *m, const char *dir, char *err,
	       size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	json_t *doc = model_json(m);
	char *text = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, MODEL_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, MODEL_FILE);
	if (doc)
		text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text) {
		snprintf(err, errlen, "cannot write state file %s: out of "
			 "memory", path);
		return -ENOMEM;
	}
	{
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);	/* end with a newline */

		if (t) {
			text = t;
			text[n++] = '\n';
			text[n] = 0;
		}
		ret = model_write_atomic(dir, path, tmp, text, n, "state file",
					 err, errlen);
	}
	free(text);
	return ret;
}

/**
 * model_load() - read the state file
 * @m:		filled in
 * @dir:	state directory
 * @err:	message on failure, naming the file and the problem
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no state file: a first start), -EINVAL (corrupt),
 * -errno (unreadable)
 */
int model_load(struct model *m, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], why[CTL_ERR_MAX];
	json_error_t jerr;
	json_t *doc = NULL;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, MODEL_FILE);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (ret != -ENOENT)
			snprintf(err, errlen, "cannot read state file %s: %s",
				 path, strerror(errno));
		return ret;
	}
	doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!doc) {
		snprintf(err, errlen, "state file %s is corrupt: %s at line "
			 "%d; repair it or move it away (hostnatd does not "
			 "overwrite it)", path, jerr.text, jerr.line);
		return -EINVAL;
	}
	ret = model_from_json(doc, m, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "state file %s is not valid: %s; repair "
			 "it or move it away (hostnatd does not overwrite it)",
			 path, why);
	json_decref(doc);
	return ret;
}
