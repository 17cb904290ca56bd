/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - net.c: the network commands: network.add, del, list, show, set
 *
 * Theory of operation
 * -------------------
 * A network is a bridge, one to DP_NET_PREFIXES internal prefixes, a
 * gateway address on the bridge, the host's stand-in address, external
 * addresses and settings. network.add works out whatever is not given, in
 * this order, refusing at the first thing that cannot be: the bridge
 * ("hn-<name>", shortened with a hash past 15 bytes; a given one must be a
 * bridge or a free name, not an uplink, not another network's), the
 * prefix (given ones must overlap nothing on the host; else the first free
 * private one, host.c), the gateway (the prefix's first address), the
 * external address (the interface of the host's default route, followed
 * when its address changes), the address pool (pool.c). Then the engine
 * gets the network (net_apply()) and the transaction commits (cmd.c).
 *
 * A network whose bridge or leases file could not be loaded at start is
 * closed: in the engine by name only, so nothing of it is translated and
 * its id stays its own; it can be shown and deleted, nothing else.
 *
 * network.set changes one setting (parse.c's table): the engine checks the
 * values it owns (RFC floors of timeouts) before anything is saved.
 * network.del deletes the network's endpoints' veths and its leases file
 * once the kernel and the state file no longer have it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "hash.h"
#include "log.h"
#include "pool.h"

/**
 * net_apply() - put network @slot of @m into the engine, with everything
 * it holds
 * @x:		context
 * @m:		the configuration (@x->next, or at start the one loaded)
 * @slot:	the network's slot in @m; its id is set on success
 *
 * Put network @slot of @m into the engine, with everything it holds. A closed
 * network is put in by name only: no prefix, no external address, no mapping,
 * so the engine translates nothing of it, and its id (which names its kernel
 * table) is not given to another network.
 *
 * Return: 0, -errno (the engine holds nothing of the network)
 */
int net_apply(struct cmd_ctx *x, struct model *m, unsigned slot)
{
	struct model_net *n = &m->net[slot];
	unsigned id, i;
	int ret;

	ret = nat_net_add(x->nat, &n->cfg, &id);
	if (ret) {
		ctl_err_nat(x);
		return ret;
	}
	if (n->closed) {
		n->id = id;
		return 0;
	}
	for (i = 0; i < n->nprefix; i++) {
		ret = nat_prefix_add(x->nat, id, n->prefix[i], n->plen[i]);
		if (ret)
			goto undo;
	}
	for (i = 0; i < n->next; i++) {
		ret = nat_ext_add(x->nat, id, n->ext[i].addr, n->ext[i].lo,
				  n->ext[i].hi);
		if (ret)
			goto undo;
	}
	for (i = 0; i < DP_MAX_STATIC; i++) {
		if (!m->map[i].used || m->map[i].net != slot)
			continue;
		ret = mapping_engine_add(x, id, &m->map[i]);
		if (ret)
			goto undo;
	}
	n->id = id;
	return 0;
undo:
	ctl_err_nat(x);
	nat_net_del(x->nat, id);
	return ret;
}

/*
 * A network of the configuration in force as the API shows it: the
 * model's object plus "state": "up", or "closed" with "closed_reason".
 */
static json_t *net_json(const struct cmd_ctx *x, unsigned slot, bool maps)
{
	const struct model_net *n = &x->cur.net[slot];
	json_t *o = model_net_json(&x->cur, slot, maps);

	if (o && (json_object_set_new(o, "state", json_string(
			n->closed ? "closed" : "up")) ||
		  (n->closed && json_object_set_new(o, "closed_reason",
			json_string(x->closed_why[slot]))))) {
		json_decref(o);
		return NULL;
	}
	return o;
}



static bool bridge_used(const struct model *m, const char *bridge)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (m->net[i].used && !strcmp(m->net[i].bridge, bridge))
			return true;
	return false;
}

/**
 * net_bridge_check() - may @name be the bridge of network @slot of @m?
 * @x:		context
 * @m:		the configuration
 * @slot:	the network's slot
 * @name:	the bridge's name
 *
 * May @name be the bridge of network @slot of @m? Not when another network
 * has it, nor when it is an uplink (the interface of an external address of
 * any network, @slot's own included, or of the host's default route), nor
 * when the kernel has a device of that name that is not a bridge
 * (dp_bridge_check()). A name no device has is fine: hostnat creates it.
 *
 * Return: 0, -EADDRINUSE (another network's), -EINVAL (an uplink, or a
 * device that is not a bridge)
 */
int net_bridge_check(struct cmd_ctx *x, const struct model *m, unsigned slot,
		     const char *name)
{
	char ifn[DP_IFNAMSIZ], a[LIB_ADDR_LEN];
	uint32_t addr;
	unsigned i, j;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		if (!n->used && i != slot)
			continue;
		if (i != slot && !strcmp(n->bridge, name)) {
			ctl_err(x, "bridge %s belongs to another "
				"network, '%s'; give another bridge", name,
				n->cfg.name);
			return -EADDRINUSE;
		}
		for (j = 0; j < n->next; j++) {
			if (strcmp(n->ext[j].uplink, name) &&
			    strcmp(n->ext[j].given, name))
				continue;
			lib_addr_fmt(a, n->ext[j].addr);
			ctl_err(x, "device %s is an uplink (network "
				"'%s' has its external address %s on it), "
				"not a bridge; give a bridge or a new name "
				"for hostnat to create", name, n->cfg.name,
				a);
			return -EINVAL;
		}
	}
	if (!dp_default_uplink(x->dp, ifn, &addr) && !strcmp(ifn, name)) {
		ctl_err(x, "device %s is the uplink of the host's "
			"default route, not a bridge; give a bridge or a new "
			"name for hostnat to create", name);
		return -EINVAL;
	}
	return dp_bridge_check(x->dp, name, CTL_ACK_BUF(x));
}

/* "hn-<name>", shortened to 15 bytes with a hash when too long */
static void bridge_name(const struct model *m, const char *name,
			char out[DP_IFNAMSIZ])
{
	uint32_t salt;

	if (strlen(name) <= DP_IFNAMSIZ - 4) {
		snprintf(out, DP_IFNAMSIZ, "hn-%s", name);
		if (!bridge_used(m, out))
			return;
	}
	for (salt = 0;; salt++) {
		char seed[NAT_NAME_MAX + 12];

		snprintf(seed, sizeof(seed), "%s/%u", name, salt);
		snprintf(out, DP_IFNAMSIZ, "hn-%.7s-%04x", name,
			 lib_fnv1a(seed, LIB_FNV1A_INIT) & 0xffff);
		if (!bridge_used(m, out))
			return;
	}
}

/**
 * net_add() - network.add: a new network, its defaults worked out
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int net_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	char err2[CTL_ERR_MAX];
	struct model *m = &x->next;
	struct ipam *pool = NULL;
	struct model_net *n;
	uint32_t dummy;
	unsigned i;
	int slot, ret;

	/* 1. a new name, a free slot, the defaults */
	if (model_net_find(m, r->net) >= 0) {
		ctl_err(x, "network '%s' exists already; choose "
			"another name", r->net);
		return -EEXIST;
	}
	slot = model_net_free_slot(m);
	if (slot < 0) {
		ctl_err(x, "no room for network '%s': %d networks "
			"is the limit", r->net, DP_MAX_NETS);
		return slot;
	}
	n = &m->net[slot];
	memset(n, 0, sizeof(*n));
	nat_net_cfg_default(&n->cfg, r->net);
	parse_svc_default(&n->svc);
	if (r->has_dhcp)
		n->svc.dhcp = r->dhcp;
	/* 2. the bridge: the one given, checked, or "hn-<name>" */
	if (r->has_bridge) {
		ret = net_bridge_check(x, m, (unsigned)slot, r->bridge);
		if (ret)
			return ret;
		snprintf(n->bridge, sizeof(n->bridge), "%s", r->bridge);
		/* an existing bridge is used; a missing one is created */
		n->own_bridge = dp_if_addr(x->dp, r->bridge, &dummy) ==
				-ENODEV;
	} else {
		bridge_name(m, r->net, n->bridge);
		n->own_bridge = true;
	}
	/* 3. the prefixes: the ones given, if they overlap nothing on the
	 * host, or the first free private one */
	if (r->has_prefixes) {
		n->nprefix = r->nprefix;
		memcpy(n->prefix, r->prefix, sizeof(n->prefix));
		memcpy(n->plen, r->plen, sizeof(n->plen));
		for (i = 0; i < n->nprefix; i++) {
			ret = host_check(x, m, n->bridge, n->prefix[i],
					 n->plen[i], NULL);
			if (ret)
				return ret;
		}
	} else {
		ret = host_auto_prefix(x, m, n->bridge, &n->prefix[0],
				       &n->plen[0]);
		if (ret)
			return ret;
		n->nprefix = 1;
	}
	/* 4. gateway and host address */
	n->cfg.gateway = r->has_gateway ? r->gateway : n->prefix[0] + 1;
	ret = model_gateway_check(n, CTL_ACK_BUF(x));
	if (ret)
		return ret;
	model_host_addr(n);
	/* 5. the external addresses: the ones given, or the default route's */
	if (r->has_externals) {
		for (i = 0; i < r->next; i++) {
			ret = ext_resolve(x, &r->ext[i], &n->ext[i]);
			if (ret)
				return ret;
		}
		n->next = r->next;
	} else {
		struct model_ext *e = &n->ext[0];

		ret = dp_default_uplink(x->dp, e->uplink, &e->addr);
		if (!ret) {
			e->is_if = true;
			memcpy(e->given, e->uplink, sizeof(e->given));
			e->lo = PARSE_PORT_LO_DEFAULT;
			e->hi = PARSE_PORT_HI_DEFAULT;
			n->next = 1;
		} else {
			memset(e, 0, sizeof(*e));
			log_msg(LOG_WARNING, "network '%s' has no external "
				"address: the host has no default route with "
				"an IPv4 address (%s); add one with 'hostnat "
				"external add %s ADDR'", r->net,
				strerror(-ret), r->net);
		}
	}
	/* 6. with its own externals known, the bridge is not its own uplink
	 * either; no prefix overlaps a closed network's */
	ret = net_bridge_check(x, m, (unsigned)slot, n->bridge);
	if (ret)
		return ret;
	for (i = 0; i < n->nprefix; i++) {
		ret = host_closed_overlap(x, m, n->prefix[i], n->plen[i]);
		if (ret)
			return ret;
	}
	/* 7. its address pool, then the engine, then the commit */
	ret = pool_open(&pool, n, x->state_dir, false, CTL_ACK_BUF(x));
	if (ret)
		return ret;
	ret = net_apply(x, m, (unsigned)slot);
	if (ret)
		goto fail;
	n->used = true;
	ret = cmd_commit(x);
	if (ret) {
		nat_net_del(x->nat, n->id);
		goto fail;
	}
	x->pool[slot] = pool;
	if (pool && pool_save(pool, x->state_dir, r->net, err2, sizeof(err2)))
		log_msg(LOG_WARNING, "network '%s': %s", r->net, err2);
	*res = net_json(x, (unsigned)slot, false);
	return 0;
fail:
	ipam_destroy(pool);
	return ret;
}

/**
 * net_del() - network.del: a network and everything it holds
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int net_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	int slot = cmd_net_lookup(x, r->net);
	struct ctl_ack keep;
	unsigned i;
	int ret;

	if (slot < 0)
		return slot;
	*res = net_json(x, (unsigned)slot, true);
	x->next.net[slot].used = false;
	for (i = 0; i < DP_MAX_STATIC; i++)
		if (x->next.map[i].net == slot)
			x->next.map[i].used = false;
	nat_net_del(x->nat, x->cur.net[slot].id);
	ret = cmd_commit(x);
	keep = x->ack;	/* the commit's message is the request's */
	if (ret && net_apply(x, &x->cur, (unsigned)slot))
		log_msg(LOG_ERR, "cannot restore network '%s' in the engine: "
			"%s", r->net, x->ack.msg);
	x->ack = keep;
	if (!ret) {
		attach_del_all(x, (unsigned)slot);
		ipam_destroy(x->pool[slot]);
		x->pool[slot] = NULL;
		pool_remove(x->state_dir, r->net);
	}
	return ret;
}

/**
 * net_set() - network.set: one setting of a network
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int net_set(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	struct parse_svc_cfg svc;
	struct nat_net_cfg cfg;
	int slot = cmd_net_lookup_open(x, r->net);
	unsigned id;
	int ret;

	if (slot < 0)
		return slot;
	id = x->cur.net[slot].id;
	cfg = x->cur.net[slot].cfg;
	svc = x->cur.net[slot].svc;
	parse_setting_put(&cfg, &svc, r->key, r->value);
	ret = nat_net_set(x->nat, id, &cfg);
	if (ret) {
		ctl_err_nat(x);
		return ret;
	}
	x->next.net[slot].cfg = cfg;
	x->next.net[slot].svc = svc;
	ret = cmd_commit(x);
	if (ret) {
		nat_net_set(x->nat, id, &x->cur.net[slot].cfg);
		return ret;
	}
	*res = net_json(x, (unsigned)slot, false);
	return 0;
}

/* network.show's "units": the unit of each numeric setting, by its key,
 * beside "settings" (whose values stay plain numbers) */
static json_t *units_json(void)
{
	json_t *o = json_object();
	unsigned k;

	for (k = 0; o && k < SET_NKEYS; k++) {
		const char *u = parse_setting_unit((enum parse_setting)k);

		if (u && json_object_set_new(o, parse_setting_name(
				(enum parse_setting)k), json_string(u))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/**
 * net_show() - network.show: a network with its mappings, sessions,
 * overlaps and pool
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int net_show(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	unsigned count[DP_MAX_NETS][NAT_NPROTO] = { { 0 } };
	const struct model_net *n;
	json_t *o, *ov;
	int slot = cmd_net_lookup(x, r->net);
	unsigned id;

	if (slot < 0)
		return slot;
	n = &x->cur.net[slot];
	id = n->id;
	stats_count(x, count);
	o = net_json(x, (unsigned)slot, true);
	ov = json_array();
	if (ov && host_overlaps(x, n, ov) < 0) {
		/* the host's list changing under every look: the overlaps
		 * as last known (host_changed()), not none */
		json_array_clear(ov);
		host_overlaps_known(x, n, ov);
	}
	if (!o || !ov || id >= DP_MAX_NETS ||
	    json_object_set_new(o, "sessions",
				json_integer(count[id][0] + count[id][1] +
					     count[id][2])) ||
	    json_object_set_new(o, "overlaps", ov)) {
		json_decref(o);
		return -ENOMEM;
	}
	if (x->pool[slot])
		ipam_expire(x->pool[slot], pool_now());
	if (json_object_set_new(o, "pool", pool_json(x->pool[slot])) ||
	    json_object_set_new(o, "units", units_json())) {
		json_decref(o);
		return -ENOMEM;
	}
	*res = o;
	return 0;
}

/**
 * net_list() - network.list: every network
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int net_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	json_t *a = json_array();
	unsigned i;

	(void)r;
	for (i = 0; a && i < DP_MAX_NETS; i++)
		if (x->cur.net[i].used &&
		    json_array_append_new(a, net_json(x, i, false)))
			break;
	*res = a;
	return a && i == DP_MAX_NETS ? 0 : -ENOMEM;
}

