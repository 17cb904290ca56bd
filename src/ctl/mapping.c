/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - mapping.c: the mapping commands: map.add, del, list
 *
 * Theory of operation
 * -------------------
 * A mapping of the model (struct model_map) publishes an endpoint's port,
 * or a range of ports, on an external address of its network, or on every
 * one (external address 0), to everybody or to a remote prefix. In the
 * engine it is one static mapping per port of its range
 * (mapping_engine_add(), all of them or none: a range is never half
 * mapped), and in the kernel one steered (address, protocol, port) per
 * port and external address, plus a dp_local entry so that the host
 * reaches it on its own addresses (cmd.c's dp_state).
 *
 * A mapping on 127.0.0.1 (MAPPING_HOST_ONLY) is for the host alone: the
 * engine's host_only on every external address, nothing admitted from
 * outside. A mapping without an external port is dynamic: the engine
 * chooses the port, recorded in the state file so that it stays across
 * restarts.
 *
 * map.add refuses, before the engine is asked, what the engine cannot
 * tell: ranges of different lengths, another 127/8 address than
 * 127.0.0.1, a port of the range mapped already, a port a socket of the
 * host holds (dp_port_in_use()). map.del deletes a range whole, never a
 * part; by owner it deletes every mapping of a container, none being
 * success (a runtime may repeat it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

/**
 * mapping_nports() - the ports of a mapping of the model: 1, or its range
 * @mm:		the mapping
 *
 * Return: at least 1
 */
unsigned mapping_nports(const struct model_map *mm)
{
	return mm->nports > 1 ? mm->nports : 1;
}


/* the engine's mapping for port @i of a (range) mapping of the model */
static struct nat_map mapping_engine(const struct model_map *mm, unsigned i)
{
	struct nat_map m = mm->m;

	m.ext_port = (uint16_t)(m.ext_port + i);
	m.int_port = (uint16_t)(m.int_port + i);
	if (m.ext_addr == MAPPING_HOST_ONLY) {
		m.ext_addr = 0;
		m.host_only = true;
	}
	return m;
}

/**
 * mapping_engine_add() - a model's mapping into the engine, every port of
 * it or none
 * @x:		context
 * @id:		the engine's id of the mapping's network
 * @mm:		the mapping; a dynamic one (external port 0) gets the port
 *		the engine chose
 *
 * Return: 0, -errno (nat_error() says why; nothing is mapped)
 */
int mapping_engine_add(struct cmd_ctx *x, unsigned id, struct model_map *mm)
{
	unsigned i, n = mapping_nports(mm);
	int ret = 0;

	for (i = 0; i < n; i++) {
		struct nat_map m = mapping_engine(mm, i);

		ret = nat_map_add(x->nat, id, &m);
		if (ret)
			break;
		if (!mm->m.ext_port)
			mm->m.ext_port = m.ext_port;
	}
	if (!ret)
		return 0;
	while (i--) {
		struct nat_map m = mapping_engine(mm, i);

		nat_map_del(x->nat, id, m.proto, m.ext_addr, m.ext_port);
	}
	return ret;
}

static void mapping_engine_del(struct cmd_ctx *x, unsigned id,
			   const struct model_map *mm)
{
	unsigned i, n = mapping_nports(mm);

	for (i = 0; i < n; i++) {
		struct nat_map m = mapping_engine(mm, i);

		nat_map_del(x->nat, id, m.proto, m.ext_addr, m.ext_port);
	}
}

/**
 * mapping_add() - map.add: a static mapping, one port or a range, all or none
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int mapping_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	struct model_map mm = {
		.used = true, .dynamic = !r->has_ext_port,
		.m = {
			.proto = r->proto,
			.ext_addr = r->has_ext_addr ? r->ext_addr : 0,
			.ext_port = r->has_ext_port ? r->ext_port : 0,
			.int_addr = r->int_addr,
			.int_port = r->int_port,
			.remote_addr = r->remote_addr,
			.remote_plen = r->remote_plen,
		},
	};
	unsigned next = r->has_ext_port ? r->ext_port_hi - r->ext_port + 1u : 1,
		 nint = r->int_port_hi >= r->int_port ?
			r->int_port_hi - r->int_port + 1u : 1, i;
	int slot = cmd_net_lookup_open(x, r->net), ms;
	unsigned id;
	int ret;

	if (slot < 0)
		return slot;
	id = x->cur.net[slot].id;
	/* 1. what the engine cannot tell: ranges of one length, 127.0.0.1 */
	if (nint > 1 && !r->has_ext_port) {
		ctl_err(x, "a range of internal ports needs as "
			"many external ones: add --external-port %u-%u",
			r->int_port, r->int_port_hi);
		return -EINVAL;
	}
	if (next != nint) {
		ctl_err(x, "external ports %u-%u are %u and "
			"internal ports %u-%u are %u: give ranges of the same "
			"length, like --external-port 8000-8010 --internal "
			"ADDR:8000-8010", r->ext_port, r->ext_port_hi, next,
			r->int_port, r->int_port_hi, nint);
		return -EINVAL;
	}
	if (r->has_ext_addr && r->ext_addr >> 24 == 127 &&
	    r->ext_addr != MAPPING_HOST_ONLY) {
		ctl_err(x, "a mapping for the host only is on "
			"127.0.0.1: use --external-address 127.0.0.1");
		return -EINVAL;
	}
	/* 2. a slot; no port of the range mapped already or held by a
	 * socket of the host */
	mm.net = (uint8_t)slot;
	mm.nports = (uint16_t)next;
	ms = model_map_free_slot(&x->next);
	if (ms < 0) {
		ctl_err(x, "no room for another mapping: %d is the "
			"limit", DP_MAX_STATIC);
		return ms;
	}
	{
		/* room for the whole range first: the engine's per-port adds
		 * each make way (dynamic mappings go), so a range must not
		 * fail half-way for want of room */
		struct nat_limits lim;
		unsigned used = 0, j;

		nat_limits_get(x->nat, &lim);
		for (j = 0; j < DP_MAX_STATIC; j++)
			if (x->next.map[j].used)
				used += mapping_nports(&x->next.map[j]);
		if (used + next > lim.max_static) {
			ctl_err(x, "no room for %u more mapped ports: "
				"%u of %u are in use; delete a mapping first",
				next, used, lim.max_static);
			return -ENOSPC;
		}
	}
	for (i = 0; r->has_ext_port && i < next; i++) {
		uint16_t p = (uint16_t)(r->ext_port + i);
		int o = next > 1 ? model_map_find(&x->next, (unsigned)slot,
						  r->proto, mm.m.ext_addr, p) :
				   -1;

		if (o >= 0) {
			ctl_err(x, "network '%s' maps %s port %u "
				"already (%u-%u); delete that mapping first "
				"or choose other ports", r->net,
				nat_proto_name(r->proto), p,
				x->next.map[o].m.ext_port,
				model_map_last(&x->next.map[o]));
			return -EADDRINUSE;
		}
		if (dp_port_in_use(x->dp, r->proto, mm.m.ext_addr, p) > 0) {
			ctl_err(x, "%s port %u is in use by a socket "
				"of the host (see 'ss -lntup'); choose "
				"another port or stop that service",
				nat_proto_name(r->proto), p);
			return -EADDRINUSE;
		}
	}
	/* 3. the engine, every port or none; then the commit */
	ret = mapping_engine_add(x, id, &mm);
	if (ret) {
		ctl_err(x, "%s%s", nat_error(x->nat),
			next > 1 ? " (nothing of the range was mapped)" : "");
		return ret;
	}
	if (r->has_owner)
		snprintf(mm.owner, sizeof(mm.owner), "%s", r->owner);
	x->next.map[ms] = mm;
	ret = cmd_commit(x);
	if (ret) {
		mapping_engine_del(x, id, &mm);
		return ret;
	}
	*res = model_map_json(&x->cur, (unsigned)ms);
	return 0;
}

/* map.del by owner, in one network or all: {"deleted": N, "mappings":
 * [...]}; none is no error, so that a runtime may repeat it */
static int mapping_del_owner(struct cmd_ctx *x, const struct ctl_req *r,
			 json_t **res)
{
	json_t *list = json_array();
	int slot = -1, ret = 0;
	unsigned i;

	if (!list)
		return -ENOMEM;
	if (r->has_net) {
		slot = cmd_net_lookup_open(x, r->net);
		if (slot < 0) {
			json_decref(list);
			return slot;
		}
	}
	for (i = 0; i < DP_MAX_STATIC; i++) {
		struct model_map *mm = &x->cur.map[i];

		if (!mm->used || strcmp(mm->owner, r->owner) ||
		    (slot >= 0 && mm->net != slot) || x->cur.net[mm->net].closed)
			continue;
		if (json_array_append_new(list, model_map_json(&x->cur, i))) {
			ret = -ENOMEM;
			break;
		}
		mapping_engine_del(x, x->cur.net[mm->net].id, mm);
		x->next.map[i].used = false;
	}
	if (!ret && json_array_size(list))
		ret = cmd_commit(x);
	if (ret) {
		/* put back into the engine what this request took out */
		for (i = 0; i < DP_MAX_STATIC; i++) {
			struct model_map *mm = &x->cur.map[i];

			if (mm->used && !x->next.map[i].used &&
			    mapping_engine_add(x, x->cur.net[mm->net].id, mm))
				log_msg(LOG_ERR, "cannot restore a mapping: "
					"%s", nat_error(x->nat));
		}
		json_decref(list);
		return ret;
	}
	*res = json_pack("{s:I, s:o}", "deleted",
			 (json_int_t)json_array_size(list), "mappings", list);
	return *res ? 0 : -ENOMEM;
}

/* map.del by network, protocol and external port (a range whole) */
static int mapping_del_port(struct cmd_ctx *x, const struct ctl_req *r,
			    json_t **res)
{
	char a[LIB_ADDR_LEN];
	struct model_map mm;
	uint32_t ext_addr = r->has_ext_addr ? r->ext_addr : 0;
	int slot = cmd_net_lookup_open(x, r->net), ms;
	unsigned id;
	int ret;

	if (slot < 0)
		return slot;
	id = x->cur.net[slot].id;
	ms = model_map_find(&x->cur, (unsigned)slot, r->proto, ext_addr,
			    r->ext_port);
	if (ms < 0) {
		lib_addr_fmt(a, ext_addr);
		ctl_err(x, "network '%s' has no %s mapping of port "
			"%u on %s; see 'hostnat map list %s'", r->net,
			nat_proto_name(r->proto), r->ext_port,
			ext_addr ? a : "every external address", r->net);
		return -ENOENT;
	}
	mm = x->cur.map[ms];
	if (r->ext_port_hi != r->ext_port &&
	    (r->ext_port != mm.m.ext_port ||
	     r->ext_port_hi != model_map_last(&mm))) {
		ctl_err(x, "network '%s' maps %s ports %u-%u as one "
			"mapping: delete it whole with --external-port %u-%u "
			"(or %u)", r->net, nat_proto_name(r->proto),
			mm.m.ext_port, model_map_last(&mm), mm.m.ext_port,
			model_map_last(&mm), mm.m.ext_port);
		return -EINVAL;
	}
	mapping_engine_del(x, id, &mm);
	*res = model_map_json(&x->cur, (unsigned)ms);
	x->next.map[ms].used = false;
	ret = cmd_commit(x);
	if (ret) {
		json_decref(*res);
		*res = NULL;
		if (mapping_engine_add(x, id, &mm))
			log_msg(LOG_ERR, "cannot restore a mapping of network "
				"'%s': %s", r->net, nat_error(x->nat));
	}
	return ret;
}

/**
 * mapping_del() - map.del: one mapping (a range whole), or every mapping
 * of an owner
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int mapping_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	if (r->has_owner)
		return mapping_del_owner(x, r, res);
	return mapping_del_port(x, r, res);
}

/**
 * mapping_list() - map.list: the mappings of one network or all
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int mapping_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	int slot = cmd_list_filter(x, r);
	json_t *a;
	unsigned i;

	if (slot < 0 && r->has_net)
		return slot;
	a = json_array();
	for (i = 0; a && i < DP_MAX_STATIC; i++) {
		const struct model_map *mm = &x->cur.map[i];

		if (mm->used && (slot < 0 || mm->net == slot) &&
		    json_array_append_new(a, model_map_json(&x->cur, i)))
			break;
	}
	*res = a;
	return a && i == DP_MAX_STATIC ? 0 : -ENOMEM;
}

