/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - cmd.c: the API's commands as transactions: validate, apply,
 * sync the kernel, save, or roll back
 *
 * Theory of operation
 * -------------------
 * A request (validated by req.c) runs in four steps, and a failure at any
 * step leaves everything as it was:
 *  1. check what needs the host or the configuration: the network exists,
 *     a new prefix overlaps no address or route of the host, an interface
 *     has an address; work out defaults (bridge name, gateway, prefix,
 *     external address of the default route);
 *  2. change the engine (nat_*()); it checks what it owns (prefix overlaps
 *     between networks, port conflicts, RFC floors of timeouts) and its
 *     message, nat_error(), is passed through to the client;
 *  3. commit: build struct dp_state from the new configuration (a copy of
 *     the current one, struct model) and dp_sync() the kernel to it, then
 *     write the state file atomically;
 *  4. only then answer ok.
 * If step 3 fails, the engine change of step 2 is undone and the kernel is
 * synced back to the current configuration. Requests are handled one at a
 * time, so nothing else sees the intermediate states.
 *
 * The kernel steering (dp_state) is derived, never edited: every network
 * with its bridge, gateway, host address, prefixes, isolation and source
 * binding settings (a closed network: its bridge only, fail-closed); every
 * address given out to a known MAC (bound DHCP leases, endpoints,
 * reservations) as a source binding, re-pushed by cmd_bindings_changed()
 * when the pools change; every distinct
 * external address with its uplink and dynamic port range; every mapped
 * port, on each external address it is mapped on (a mapping on "every
 * address" of a network is steered on each of the network's addresses).
 *
 * At start, cmd_load() reads the state file and applies it in order
 * (networks, prefixes, external addresses, settings, mappings with their
 * recorded ports, so dynamic mappings keep their port), exactly as API
 * input; or, without a state file, creates the default network "nat" on
 * the first private prefix that overlaps nothing on the host.
 *
 * The commands are one table (handlers[], indexed by enum ctl_cmd): the
 * function that carries each out, and whether it changes the
 * configuration. Their names and arguments are req.c's table; what they
 * answer is docs/PROTOCOL.md. This file holds what every command shares:
 * the transaction (cmd_exec(), cmd_commit(): steps 3 and 4 above, the
 * roll-back of the kernel), the derivation of struct dp_state, the source
 * bindings, the lookups of networks, the state at start and the answer
 * line. The commands themselves live by object: net.c (network.*), ext.c
 * (external.*), mapping.c (map.*), session.c (session.list), stats.c
 * (stats), lease.c (lease.*), attach.c (endpoint.*); host.c checks
 * prefixes against the host's addresses and routes.
 */
#define _GNU_SOURCE /* strerrorname_np() */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "dhcpd.h"
#include "log.h"
#include "pool.h"

#ifndef HOSTNAT_VERSION
#define HOSTNAT_VERSION "0.1.0"
#endif


#define DEFAULT_NET_NAME "nat"

/**
 * cmd_now_ms() - the clock the engine runs on: CLOCK_MONOTONIC in ms
 *
 * Return: milliseconds
 */
uint64_t cmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
/* ---- kernel state ----------------------------------------------------- */

/* does pool entry @e give out an address bound to a known MAC? */
static bool entry_binds(const struct ipam_entry *e)
{
	if (!e->has_mac)
		return false;
	switch (e->kind) {
	case IPAM_STATIC:
	case IPAM_ENDPOINT:
		return true;
	case IPAM_LEASE:
		return e->state == IPAM_BOUND;	/* an offer is not in use */
	default:
		return false;
	}
}

/*
 * Walk the source bindings of @m: every address of a pool that hostnat gave
 * to a known MAC (bound leases, endpoints, reservations), networks in slot
 * order, each pool in its own order, so that the same pools give the same
 * list. With @out, they are written there; else they are compared with
 * @x->dps.bind. Return: their number (-ENOSPC past DP_MAX_BINDS), or with
 * @differs, whether they differ from what was pushed last.
 */
static int binds_walk(struct cmd_ctx *x, const struct model *m,
		      struct dp_bind *out, bool *differs)
{
	unsigned i, n = 0;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct ipam_entry *e;
		uint32_t pos = 0;

		if (!m->net[i].used || m->net[i].closed || !x->pool[i])
			continue;
		while ((e = ipam_iter(x->pool[i], &pos))) {
			struct dp_bind b = { .net = m->net[i].id,
					     .addr = e->addr };

			if (!entry_binds(e))
				continue;
			if (n == DP_MAX_BINDS)
				return -ENOSPC;
			memcpy(b.mac, e->mac, sizeof(b.mac));
			if (out)
				out[n] = b;
			else if (n >= x->dps.nbind ||
				 memcmp(&x->dps.bind[n], &b, sizeof(b)))
				*differs = true;
			n++;
		}
	}
	if (differs && n != x->dps.nbind)
		*differs = true;
	return (int)n;
}

/* the kernel state of configuration @m, derived whole (never edited) */
static int dps_build(struct cmd_ctx *x, const struct model *m,
		     struct dp_state *st, char *err, size_t errlen)
{
	unsigned i, j, k;
	int nb;

	memset(st, 0, sizeof(*st));
	/* 1. each network; a closed one with its bridge and prefixes only */
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];
		struct dp_net *d;

		if (!n->used)
			continue;
		d = &st->net[st->nnet++];
		d->id = n->id;
		snprintf(d->name, sizeof(d->name), "%s", n->cfg.name);
		snprintf(d->bridge, sizeof(d->bridge), "%s", n->bridge);
		d->own_bridge = n->own_bridge;
		d->isolation = n->svc.isolation;
		d->source_binding = n->svc.source_binding;
		d->endpoint_addresses = (uint8_t)n->svc.endpoint_addresses;
		d->nprefix = n->nprefix;
		memcpy(d->prefix, n->prefix, sizeof(d->prefix));
		memcpy(d->plen, n->plen, sizeof(d->plen));
		if (n->closed) {
			/* fail-closed: no address, no steering (dp.h) */
			d->closed = true;
			continue;
		}
		d->gateway = n->cfg.gateway;
		d->gw_plen = n->gw_plen;
		d->host_addr = n->cfg.host_addr;
		/* 2. its external addresses, each (address, range) once */
		for (j = 0; j < n->next; j++) {
			const struct model_ext *e = &n->ext[j];
			struct dp_ext *xe;

			for (k = 0; k < st->next; k++)
				if (st->ext[k].addr == e->addr &&
				    st->ext[k].lo[0] == e->lo &&
				    st->ext[k].hi[0] == e->hi)
					break;
			if (k < st->next)
				continue;
			if (st->next == DP_MAX_EXT) {
				snprintf(err, errlen, "too many distinct "
					 "external addresses and port ranges: "
					 "%d is the limit", DP_MAX_EXT);
				return -ENOSPC;
			}
			xe = &st->ext[st->next++];
			xe->addr = e->addr;
			snprintf(xe->uplink, sizeof(xe->uplink), "%s",
				 e->uplink);
			for (k = 0; k < NAT_NPROTO; k++) {
				xe->lo[k] = e->lo;
				xe->hi[k] = e->hi;
			}
		}
	}
	/* 3. every mapped port, on each external address it is mapped on,
	 * and as a dp_local entry */
	for (i = 0; i < DP_MAX_STATIC; i++) {
		const struct model_map *mm = &m->map[i];
		const struct model_net *n = &m->net[mm->net];

		bool one;
		unsigned p;

		if (!mm->used || n->closed)
			continue;
		/* on one external address, or on all (127.0.0.1: for the
		 * host only, on all) */
		one = mm->m.ext_addr && mm->m.ext_addr != MAPPING_HOST_ONLY;
		for (p = 0; p < mapping_nports(mm); p++) {
			uint16_t port = (uint16_t)(mm->m.ext_port + p);

			for (j = 0; j < (one ? 1 : n->next); j++) {
				if (st->nstat == DP_MAX_STATIC) {
					snprintf(err, errlen, "too many mapped "
						 "ports to steer: %d (mapped "
						 "ports times external "
						 "addresses) is the limit",
						 DP_MAX_STATIC);
					return -ENOSPC;
				}
				st->stat[st->nstat++] = (struct dp_static){
					.proto = mm->m.proto,
					.addr = one ? mm->m.ext_addr :
						      n->ext[j].addr,
					.port = port,
				};
			}
			/* the host reaches it on each address of its own
			 * as through its (first) external address */
			if ((one || n->next) && st->nlocal < DP_MAX_STATIC)
				st->local[st->nlocal++] = (struct dp_local){
					.proto = mm->m.proto,
					.port = port,
					.ext = one ? mm->m.ext_addr :
						     n->ext[0].addr,
				};
		}
	}
	/* 4. the source bindings, into the table allocated once */
	if (!x->bind) {
		x->bind = calloc(DP_MAX_BINDS, sizeof(*x->bind));
		if (!x->bind) {
			snprintf(err, errlen, "cannot allocate the table of "
				 "%d source bindings: out of memory",
				 DP_MAX_BINDS);
			return -ENOMEM;
		}
	}
	st->bind = x->bind;
	nb = binds_walk(x, m, x->bind, NULL);
	if (nb < 0) {
		snprintf(err, errlen, "too many addresses given out to bind "
			 "to their MAC: %d is the limit", DP_MAX_BINDS);
		return nb;
	}
	st->nbind = (unsigned)nb;
	return 0;
}

static int kernel_sync(struct cmd_ctx *x, const struct model *m, char *err,
		       size_t errlen)
{
	int ret = dps_build(x, m, &x->dps, err, errlen);

	if (!ret) {
		ret = dp_sync(x->dp, &x->dps);
		if (ret)
			snprintf(err, errlen, "%s", dp_error(x->dp));
	}
	x->bind_stale = ret != 0;
	return ret;
}

/**
 * cmd_bindings_changed() - the pools may have changed (DHCP granted,
 * renewed to another address, released, declined or expired a lease; an
 * endpoint or reservation came or went): expire what is due and, if the
 * source bindings differ from those the kernel has, push them (dp_sync()
 * of the configuration in force). Cheap when nothing changed: one walk of
 * the pools, no system call.
 * @x:		context
 */
void cmd_bindings_changed(struct cmd_ctx *x)
{
	char err[CTL_ERR_MAX];
	bool was_stale = x->bind_stale, differs = was_stale;
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++)
		if (x->cur.net[i].used && x->pool[i])
			ipam_expire(x->pool[i], pool_now());
	if (binds_walk(x, &x->cur, NULL, &differs) < 0)
		differs = true;
	if (!differs)
		return;
	/* a failure is logged once, not at every retry */
	if (kernel_sync(x, &x->cur, err, sizeof(err)) && !was_stale)
		log_msg(LOG_WARNING, "cannot update the source bindings in the "
			"kernel: %s; retrying at the next change", err);
}

/**
 * cmd_commit() - make kernel and state file match @x->next, then
 * @x->cur = @x->next
 * @x:		context
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Make kernel and state file match x->next, then x->cur = x->next. On failure
 * the kernel is synced back to x->cur; the caller undoes its engine change.
 *
 * Return: 0, -errno
 */
int cmd_commit(struct cmd_ctx *x, char *err, size_t errlen)
{
	char err2[CTL_ERR_MAX];
	int ret = kernel_sync(x, &x->next, err, errlen);

	if (!ret) {
		ret = model_save(&x->next, x->state_dir, err, errlen);
		if (ret && kernel_sync(x, &x->cur, err2, sizeof(err2)))
			log_msg(LOG_ERR, "cannot restore the kernel state: %s",
				err2);
	} else if (kernel_sync(x, &x->cur, err2, sizeof(err2))) {
		log_msg(LOG_ERR, "cannot restore the kernel state: %s", err2);
	}
	if (!ret)
		memcpy(&x->cur, &x->next, sizeof(x->cur));
	return ret;
}

/**
 * cmd_net_lookup() - the slot of a network of the configuration in force
 * @x:		context
 * @name:	network name
 * @err:	message when there is none
 * @errlen:	room at @err
 *
 * Return: the slot, or a negative number when there is no such network
 */
int cmd_net_lookup(const struct cmd_ctx *x, const char *name, char *err,
		   size_t errlen)
{
	int slot = model_net_find(&x->cur, name);

	if (slot < 0)
		snprintf(err, errlen, "network '%s' does not exist; see "
			 "'hostnat network list'", name);
	return slot;
}

/**
 * cmd_net_lookup_open() - as cmd_net_lookup(), for a network that is not closed
 * @x:		context
 * @name:	network name
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * a network that is not closed: only those can be changed
 *
 * Return: the slot; a negative number when there is no such network, -EIO
 * when it is closed
 */
int cmd_net_lookup_open(const struct cmd_ctx *x, const char *name, char *err,
			size_t errlen)
{
	int slot = cmd_net_lookup(x, name, err, errlen);

	if (slot >= 0 && x->cur.net[slot].closed) {
		snprintf(err, errlen, "network '%s' is closed: %s", name,
			 x->closed_why[slot]);
		return -EIO;
	}
	return slot;
}

/**
 * cmd_net_pool() - a network's slot, which must have an address pool
 * @x:		context
 * @net:	network name
 * @slot:	its slot
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no such network), -EIO (closed), -EOPNOTSUPP (no
 * pool)
 */
int cmd_net_pool(struct cmd_ctx *x, const char *net, int *slot, char *err,
		 size_t errlen)
{
	*slot = cmd_net_lookup_open(x, net, err, errlen);
	if (*slot < 0)
		return *slot == -EIO ? -EIO : -ENOENT;
	if (!x->pool[*slot]) {
		snprintf(err, errlen, "network '%s' has no address pool: its "
			 "first prefix is not /%d to /%d", net, IPAM_PLEN_MIN,
			 IPAM_PLEN_MAX);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * cmd_pool_list() - list the pool entries of some kinds, of one network
 * (@r->net when given) or of all, as a JSON array
 * @x:		context
 * @r:		the request (its optional network)
 * @kinds:	bit (1u << IPAM_*) per kind of entry to list
 * @fn:		turns one entry of network slot @slot into JSON
 * @res:	the array on success
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no such network), -ENOMEM
 */
int cmd_pool_list(struct cmd_ctx *x, const struct ctl_req *r, unsigned kinds,
		  cmd_entry_fn fn, json_t **res, char *err, size_t errlen)
{
	int only = -1;
	json_t *a;
	unsigned i;

	if (r->has_net) {
		only = cmd_net_lookup(x, r->net, err, errlen);
		if (only < 0)
			return -ENOENT;
	}
	a = json_array();
	for (i = 0; a && i < DP_MAX_NETS; i++) {
		const struct ipam_entry *e;
		uint32_t pos = 0;

		if (!x->cur.net[i].used || !x->pool[i] ||
		    (only >= 0 && (unsigned)only != i))
			continue;
		ipam_expire(x->pool[i], pool_now());
		while ((e = ipam_iter(x->pool[i], &pos))) {
			if (!(kinds & 1u << e->kind))
				continue;
			if (json_array_append_new(a, fn(x, i, e))) {
				json_decref(a);
				return -ENOMEM;
			}
		}
	}
	*res = a;
	return a ? 0 : -ENOMEM;
}

/**
 * cmd_list_filter() - the network filter of a list: -1 for all, or the slot
 * @x:		context
 * @r:		the request (its optional network)
 * @err:	message when the network does not exist
 * @errlen:	room at @err
 *
 * Return: -1 when @r names no network, the slot, or a negative number when
 * the network named does not exist (with @r->has_net)
 */
int cmd_list_filter(struct cmd_ctx *x, const struct ctl_req *r, char *err,
		    size_t errlen)
{
	return r->has_net ? cmd_net_lookup(x, r->net, err, errlen) : -1;
}

/* ---- the commands ----------------------------------------------------- */

static int cmd_ping(struct cmd_ctx *x, const struct ctl_req *r, json_t **res,
		    char *err, size_t errlen)
{
	(void)x, (void)r, (void)err, (void)errlen;
	*res = json_pack("{s:b}", "pong", 1);
	return 0;
}

static int cmd_version(struct cmd_ctx *x, const struct ctl_req *r,
		       json_t **res, char *err, size_t errlen)
{
	(void)x, (void)r, (void)err, (void)errlen;
	*res = json_pack("{s:s, s:i}", "version", HOSTNAT_VERSION, "protocol",
			 (json_int_t)CTL_PROTOCOL);
	return 0;
}

/* the answer to "monitor"; ctl.c turns the connection into a subscription
 * (events.c) once it is out */
static int cmd_monitor(struct cmd_ctx *x, const struct ctl_req *r,
		       json_t **res, char *err, size_t errlen)
{
	(void)x, (void)r, (void)err, (void)errlen;
	*res = json_pack("{s:b}", "monitor", 1);
	return 0;
}

/*
 * One row per command of enum ctl_cmd, in its order: who carries it out,
 * and whether it changes the configuration (logged when done). Names and
 * arguments are req.c's table (cmds[]); docs/PROTOCOL.md documents both,
 * and tests/doc/test_protocol.sh checks that it does.
 */
static const struct {
	cmd_fn fn;		/* carries the command out */
	bool changes_state;	/* changes engine, kernel or files */
} handlers[] = {
	[CMD_PING] = { cmd_ping, false },
	[CMD_VERSION] = { cmd_version, false },
	[CMD_NET_ADD] = { net_add, true },
	[CMD_NET_DEL] = { net_del, true },
	[CMD_NET_LIST] = { net_list, false },
	[CMD_NET_SHOW] = { net_show, false },
	[CMD_NET_SET] = { net_set, true },
	[CMD_MAP_ADD] = { mapping_add, true },
	[CMD_MAP_DEL] = { mapping_del, true },
	[CMD_MAP_LIST] = { mapping_list, false },
	[CMD_EXT_ADD] = { ext_add, true },
	[CMD_EXT_DEL] = { ext_del, true },
	[CMD_EXT_LIST] = { ext_list, false },
	[CMD_SESSION_LIST] = { session_list, false },
	[CMD_STATS] = { stats_show, false },
	[CMD_LEASE_ADD] = { lease_add, true },
	[CMD_LEASE_DEL] = { lease_del, true },
	[CMD_LEASE_LIST] = { lease_list, false },
	[CMD_ENDPOINT_ADD] = { attach_add, true },
	[CMD_ENDPOINT_DEL] = { attach_del, true },
	[CMD_ENDPOINT_LIST] = { attach_list, false },
	[CMD_MONITOR] = { cmd_monitor, false },
};
static_assert(sizeof(handlers) / sizeof(handlers[0]) == CMD_N,
	      "one handler per command of enum ctl_cmd");

/**
 * cmd_exec() - carry out a validated request
 * @x:		context
 * @r:		the request
 * @result:	the result on success (may be NULL only on failure)
 * @err:	one-line message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -errno (nothing changed)
 */
int cmd_exec(struct cmd_ctx *x, const struct ctl_req *r, json_t **result,
	     char *err, size_t errlen)
{
	int ret;

	*result = NULL;
	err[0] = '\0';
	memcpy(&x->next, &x->cur, sizeof(x->next));
	if ((unsigned)r->cmd < CMD_N && handlers[r->cmd].fn) {
		ret = handlers[r->cmd].fn(x, r, result, err, errlen);
	} else {
		snprintf(err, errlen, "command %d is not implemented", r->cmd);
		ret = -EINVAL;
	}
	if (!ret && !*result) {
		/* the change is made; only the answer could not be built */
		ret = -ENOMEM;
	}
	/* endpoints and reservations come and go, lists expire leases */
	cmd_bindings_changed(x);
	if (ret && !err[0])
		snprintf(err, errlen, "%s failed: %s", ctl_cmd_name(r->cmd),
			 strerror(-ret));
	if (ret) {
		json_decref(*result);
		*result = NULL;
	} else {
		ev_cmd(x, r, *result);
	}
	return ret;
}

/**
 * cmd_handle() - answer one request line
 * @x:		context
 * @line:	the request, without its newline
 * @len:	bytes at @line
 * @drop:	set when the client does not speak the protocol and is to be
 *		dropped after this answer
 *
 * Return: the response line without newline (free() it), NULL if out of
 * memory
 */
char *cmd_handle(struct cmd_ctx *x, const char *line, size_t len, bool *drop)
{
	char err[CTL_ERR_MAX], *out, *p;
	struct ctl_req *r = calloc(1, sizeof(*r));
	json_t *res = NULL, *resp;
	int ret;

	*drop = false;
	if (!r)
		return NULL;
	ret = ctl_req_parse(line, len, r, err, sizeof(err));
	if (ret == -EPROTO)
		*drop = true;
	if (!ret)
		ret = cmd_exec(x, r, &res, err, sizeof(err));
	if (!ret) {
		if (handlers[r->cmd].changes_state)
			log_msg(LOG_INFO, "%s%s%s: done", ctl_cmd_name(r->cmd),
				r->has_net ? " " : "", r->net);
		resp = json_pack("{s:b, s:o}", "ok", 1, "result", res);
	} else {
		for (p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		log_msg(LOG_INFO, "request refused: %s", err);
		/* "errno": the kind of refusal, for programs (the CNI
		 * plugin tells "try again later" from the rest) */
		resp = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", err,
				 "errno", strerrorname_np(ret < 0 ? -ret : ret) ?
				 strerrorname_np(ret < 0 ? -ret : ret) : "EIO");
	}
	free(r);
	out = resp ? json_dumps(resp, JSON_COMPACT | JSON_PRESERVE_ORDER) :
		     NULL;
	json_decref(resp);
	return out;
}

/**
 * cmd_load() - apply the state file at start, or create the default
 * network on a first start
 * @x:			context, with @nat, @dp and @state_dir set
 * @default_network:	create network "nat" when there is no state file
 * @err:		message on failure (names the file and the problem)
 * @errlen:		room at @err
 *
 * Return: 0, -errno; on failure the engine holds nothing of the state
 */
int cmd_load(struct cmd_ctx *x, bool default_network, char *err,
	     size_t errlen)
{
	char why[CTL_ERR_MAX], path[PATH_MAX + sizeof(MODEL_FILE) + 1];
	struct ctl_req *r;
	json_t *res = NULL;
	unsigned i;
	int ret;

	/* 1. the state file; without one, the default network (a first
	 * start) */
	memset(&x->cur, 0, sizeof(x->cur));
	ret = model_load(&x->next, x->state_dir, err, errlen);
	if (ret == -ENOENT) {
		memset(&x->next, 0, sizeof(x->next));
		ret = cmd_commit(x, err, errlen);
		if (ret || !default_network)
			return ret;
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->cmd = CMD_NET_ADD;
		r->has_net = true;
		snprintf(r->net, sizeof(r->net), DEFAULT_NET_NAME);
		ret = cmd_exec(x, r, &res, why, sizeof(why));
		free(r);
		if (ret) {
			snprintf(err, errlen, "cannot create the default "
				 "network '%s': %s", DEFAULT_NET_NAME, why);
			return ret;
		}
		log_msg(LOG_NOTICE, "created the default network '%s' on %s",
			DEFAULT_NET_NAME, json_string_value(json_array_get(
				json_object_get(res, "prefixes"), 0)));
		json_decref(res);
		return 0;
	}
	if (ret)
		return ret;
	/* 2. each network's bridge and pool: what cannot be loaded closes
	 * that network alone */
	for (i = 0; i < DP_MAX_NETS; i++) {
		struct model_net *n = &x->next.net[i];

		if (!n->used)
			continue;
		/* a network that cannot be loaded whole is closed, alone */
		ret = net_bridge_check(x, &x->next, i, n->bridge, why,
				       sizeof(why));
		if (!ret)
			ret = pool_open(&x->pool[i], n, x->state_dir, true, why,
					sizeof(why));
		if (!ret)
			continue;
		n->closed = true;
		snprintf(x->closed_why[i], sizeof(x->closed_why[i]), "%s", why);
		log_msg(LOG_ERR, "network '%s' is closed: nothing from its "
			"bridge %s is routed or translated, and it has no DHCP "
			"server: %s; then restart hostnatd", n->cfg.name,
			n->bridge, why);
	}
	/* 3. the host as it is now: interfaces' addresses, overlaps */
	ext_refresh(x, &x->next);
	host_warn_overlaps(x, &x->next);
	/* 4. the engine, network by network; then kernel and file */
	snprintf(path, sizeof(path), "%s/%s", x->state_dir, MODEL_FILE);
	for (i = 0; i < DP_MAX_NETS; i++) {
		if (!x->next.net[i].used)
			continue;
		ret = net_apply(x, &x->next, i, why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "state file %s: network '%s': "
				 "%s; repair it or move it away", path,
				 x->next.net[i].cfg.name, why);
			goto undo;
		}
	}
	/* 5. the sessions the last daemon left, and every port the NAT now
	 * owns in the programs' map, before cmd_commit() attaches the new
	 * programs: from their first packet they steer the flows of the
	 * last daemon (the host's stack would answer them with a reset) */
	handover_load(x->nat, x->state_dir);
	dp_ports_sync(x->dp, x->nat);
	ret = cmd_commit(x, why, sizeof(why));
	if (!ret) {
		attach_check(x);
		return 0;
	}
	snprintf(err, errlen, "%s", why);
	i = DP_MAX_NETS;
undo:
	while (i--)
		if (x->next.net[i].used)
			nat_net_del(x->nat, x->next.net[i].id);
	memset(&x->cur, 0, sizeof(x->cur));
	cmd_close(x);
	return ret;
}

/**
 * cmd_close() - free what the commands hold besides the configuration: the
 * address pools (their files stay) and the table of source bindings
 * @x:		context
 */
void cmd_close(struct cmd_ctx *x)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++) {
		ipam_destroy(x->pool[i]);
		x->pool[i] = NULL;
	}
	free(x->bind);
	x->bind = NULL;
	free(x->host);
	x->host = NULL;
	x->nhost_room = 0;
	x->dps.bind = NULL;
	x->dps.nbind = 0;
}

