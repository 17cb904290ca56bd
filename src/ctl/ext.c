/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ext.c: the external address commands: external.add, del, list
 *
 * Theory of operation
 * -------------------
 * An external address is what a network's endpoints are translated to: an
 * IPv4 address of the host, given as the address or as an interface (its
 * primary address, followed across restarts), with its uplink (the
 * interface that has it) and the range of ports dynamic mappings take
 * (RFC 6335's 49152-65535 unless given). A network has at most
 * CTL_NET_EXT_MAX; the engine owns the ports (nat_ext_add()), the kernel
 * steers the owned ones back in (cmd.c's dp_state, one entry per distinct
 * address and range).
 *
 * ext_resolve() reads one off the host when it is added (and network.add
 * uses it for its externals); ext_refresh() looks again at start, since
 * an interface's address may have changed while hostnatd was down. An
 * address that is gone is used as recorded, with a warning.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

/**
 * ext_resolve() - an external address as asked for, resolved on the host
 * @x:		context
 * @s:		as asked for: an address, or an interface (its address)
 * @e:		filled in: address, uplink, port range (default 49152-65535)
 *
 * Return: 0, -ENODEV (no such interface), -errno (no IPv4 address on the
 * interface, or the address is on no interface of the host)
 */
int ext_resolve(struct cmd_ctx *x, const struct ctl_ext_spec *s,
		struct model_ext *e)
{
	char a[LIB_ADDR_LEN];
	int ret;

	memset(e, 0, sizeof(*e));
	e->lo = s->has_ports ? s->lo : PARSE_PORT_LO_DEFAULT;
	e->hi = s->has_ports ? s->hi : PARSE_PORT_HI_DEFAULT;
	e->is_if = s->is_if;
	if (s->is_if) {
		snprintf(e->given, sizeof(e->given), "%s", s->ifname);
		snprintf(e->uplink, sizeof(e->uplink), "%s", s->ifname);
		ret = dp_if_addr(x->dp, s->ifname, &e->addr);
		if (ret == -ENODEV)
			ctl_err(x, "interface %s does not exist; "
				"give an existing interface or an address",
				s->ifname);
		else if (ret)
			ctl_err(x, "interface %s has no IPv4 "
				"address (%s); give an address instead",
				s->ifname, strerror(-ret));
		return ret;
	}
	e->addr = s->addr;
	ret = dp_addr_if(x->dp, s->addr, e->uplink);
	if (ret) {
		lib_addr_fmt(a, s->addr);
		ctl_err(x, "address %s is not assigned to an "
			"interface of this host (%s); assign it first or give "
			"an interface", a, strerror(-ret));
	}
	return ret;
}

/**
 * ext_add() - external.add: one more external address of a network
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int ext_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	struct model_net *n;
	struct model_ext e;
	int slot = cmd_net_lookup_open(x, r->net);
	int ret;

	if (slot < 0)
		return slot;
	n = &x->next.net[slot];
	ret = ext_resolve(x, &r->ext[0], &e);
	if (ret)
		return ret;
	if (n->next == CTL_NET_EXT_MAX) {
		ctl_err(x, "network '%s' has %d external addresses, "
			"the limit", r->net, CTL_NET_EXT_MAX);
		return -ENOSPC;
	}
	ret = nat_ext_add(x->nat, n->id, e.addr, e.lo, e.hi);
	if (ret) {
		ctl_err_nat(x);
		return ret;
	}
	n->ext[n->next++] = e;
	ret = cmd_commit(x);
	if (ret) {
		nat_ext_del(x->nat, n->id, e.addr);
		return ret;
	}
	*res = model_ext_json(&x->cur, (unsigned)slot, n->next - 1);
	return 0;
}

/**
 * ext_del() - external.del: an external address of a network
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int ext_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	const struct ctl_ext_spec *s = &r->ext[0];
	struct model_net *n;
	struct model_ext e;
	int slot = cmd_net_lookup_open(x, r->net);
	unsigned i;
	int ret;

	if (slot < 0)
		return slot;
	n = &x->next.net[slot];
	for (i = 0; i < n->next; i++) {
		if (s->is_if ? !strcmp(n->ext[i].uplink, s->ifname) :
			       n->ext[i].addr == s->addr)
			break;
	}
	if (i == n->next) {
		char a[LIB_ADDR_LEN];

		lib_addr_fmt(a, s->addr);
		ctl_err(x, "network '%s' has no external address "
			"%s %s; see 'hostnat external list %s'", r->net,
			s->is_if ? "on interface" : "", s->is_if ? s->ifname :
			a, r->net);
		return -ENOENT;
	}
	e = n->ext[i];
	ret = nat_ext_del(x->nat, n->id, e.addr);
	if (ret) {
		ctl_err_nat(x);
		return ret;
	}
	*res = model_ext_json(&x->cur, (unsigned)slot, i);
	memmove(&n->ext[i], &n->ext[i + 1],
		(n->next - i - 1) * sizeof(n->ext[0]));
	n->next--;
	ret = cmd_commit(x);
	if (ret) {
		json_decref(*res);
		*res = NULL;
		if (nat_ext_add(x->nat, n->id, e.addr, e.lo, e.hi))
			log_msg(LOG_ERR, "cannot restore an external address "
				"of network '%s': %s", r->net,
				nat_error(x->nat));
	}
	return ret;
}

/**
 * ext_list() - external.list: the external addresses of one network or all
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int ext_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	int slot = cmd_list_filter(x, r);
	json_t *a;
	unsigned i, j;

	if (slot < 0 && r->has_net)
		return slot;
	a = json_array();
	for (i = 0; a && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];

		if (!n->used || (slot >= 0 && (unsigned)slot != i))
			continue;
		for (j = 0; j < n->next; j++) {
			if (json_array_append_new(a, model_ext_json(&x->cur, i,
								    j))) {
				json_decref(a);
				return -ENOMEM;
			}
		}
	}
	*res = a;
	return a ? 0 : -ENOMEM;
}

/**
 * ext_refresh() - at start, look again at the external addresses' interfaces
 * @x:		context
 * @m:		the configuration being loaded: an address that follows its
 *		interface is updated, an address's uplink too
 *
 * on start, the addresses of interfaces may have changed: look again
 */
void ext_refresh(struct cmd_ctx *x, struct model *m)
{
	char a[LIB_ADDR_LEN], b[LIB_ADDR_LEN];
	unsigned i, j;

	for (i = 0; i < DP_MAX_NETS; i++) {
		struct model_net *n = &m->net[i];

		for (j = 0; n->used && j < n->next; j++) {
			struct model_ext *e = &n->ext[j];
			char ifname[DP_IFNAMSIZ];
			uint32_t addr;
			int ret;

			lib_addr_fmt(a, e->addr);
			if (e->is_if) {
				ret = dp_if_addr(x->dp, e->given, &addr);
				if (!ret && addr != e->addr) {
					lib_addr_fmt(b, addr);
					log_msg(LOG_NOTICE, "network '%s': "
						"interface %s has address %s "
						"now (was %s)", n->cfg.name,
						e->given, b, a);
					e->addr = addr;
				}
			} else {
				ret = dp_addr_if(x->dp, e->addr, ifname);
				if (!ret)
					snprintf(e->uplink, sizeof(e->uplink),
						 "%s", ifname);
			}
			if (ret)
				log_msg(LOG_WARNING, "network '%s': external "
					"address %s on %s not found on the "
					"host (%s); using it as recorded",
					n->cfg.name, a, e->uplink,
					strerror(-ret));
		}
	}
}
