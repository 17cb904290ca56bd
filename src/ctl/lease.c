/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - lease.c: the lease commands: reservations by MAC address
 *
 * Theory of operation
 * -------------------
 * "lease add NET --mac MAC --address ADDR" reserves an address of the
 * network's pool for one MAC address: the DHCP server gives that address,
 * and only that one, to that MAC (a static entry of the pool, named
 * "mac-<12 hex digits>"). "lease del NET --mac MAC" removes the
 * reservation, or, when the MAC has none, ends the MAC's dynamic leases
 * (the address is free again; the client is told NAK at its next
 * renewal). "lease list [NET]" shows reservations and leases.
 *
 * Each change is written to the network's leases file (pool_save()) before
 * the answer, and undone in the pool when the file cannot be written, as
 * every command of cmd.c does with the state file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pool.h"

static json_t *with_net(json_t *o, const char *net)
{
	if (o && json_object_set_new(o, "network", json_string(net))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/**
 * lease_add() - lease.add: reserve an address of a network's pool for a MAC
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int lease_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	char name[IPAM_NAME_MAX], mac[PARSE_MAC_LEN], a[LIB_ADDR_LEN];
	const struct ipam_entry *e;
	struct ipam *p;
	int slot, ret = cmd_net_pool(x, r->net, &slot);

	if (ret)
		return ret;
	p = x->pool[slot];
	fmt_mac(mac, r->mac);
	lib_addr_fmt(a, r->addr);
	e = ipam_static_find(p, r->mac);
	if (e) {
		lib_addr_fmt(a, e->addr);
		ctl_err(x, "MAC %s has a reservation already (%s); "
			"delete it first with 'hostnat lease del %s --mac %s'",
			mac, a, r->net, mac);
		return -EEXIST;
	}
	snprintf(name, sizeof(name), "mac-%02x%02x%02x%02x%02x%02x",
		 r->mac[0], r->mac[1], r->mac[2], r->mac[3], r->mac[4],
		 r->mac[5]);
	ret = ipam_static_add(p, name, r->mac, r->addr);
	if (ret == -ERANGE) {
		ctl_err(x, "address %s is not in the pool of network "
			"'%s'; give an address of its first prefix", a, r->net);
	} else if (ret == -EADDRINUSE) {
		e = ipam_lookup(p, r->addr);
		ctl_err(x, "address %s of network '%s' is in use "
			"(%s %s); choose a free address (see 'hostnat network "
			"show %s')", a, r->net,
			e ? ipam_kind_name(e->kind) : "?",
			e && e->name[0] ? e->name : "", r->net);
	} else if (ret) {
		ctl_err(x, "cannot reserve %s for %s in network "
			"'%s': %s", a, mac, r->net, strerror(-ret));
	}
	if (ret)
		return ret;
	ret = pool_save(p, x->state_dir, r->net, CTL_ACK_BUF(x));
	if (ret) {
		ipam_static_del(p, name);
		return ret;
	}
	*res = with_net(pool_entry_json(ipam_lookup(p, r->addr)), r->net);
	return 0;
}

/**
 * lease_del() - lease.del: end a MAC's reservation, or else its dynamic leases
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int lease_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	char mac[PARSE_MAC_LEN];
	const struct ipam_entry *e;
	struct ipam_entry copy;
	struct ipam *p;
	uint32_t pos = 0;
	json_t *a;
	int slot, ret = cmd_net_pool(x, r->net, &slot);

	if (ret)
		return ret;
	p = x->pool[slot];
	fmt_mac(mac, r->mac);
	e = ipam_static_find(p, r->mac);
	if (e) {
		copy = *e;
		ret = ipam_static_del(p, copy.name);
		if (!ret)
			ret = pool_save(p, x->state_dir, r->net,
					CTL_ACK_BUF(x));
		if (ret) {
			ipam_static_add(p, copy.name, copy.mac, copy.addr);
			return ret;
		}
		*res = with_net(pool_entry_json(&copy), r->net);
		return 0;
	}
	/* no reservation: end the MAC's leases, whatever its client ids */
	a = json_array();
	while (a && (e = ipam_iter(p, &pos))) {
		struct ipam_client c = { 0 };

		if (e->kind != IPAM_LEASE || e->state == IPAM_FREE ||
		    memcmp(e->mac, r->mac, 6))
			continue;
		copy = *e;
		c.mac = copy.mac;
		c.id = copy.id;
		c.id_len = copy.id_len;
		if (!ipam_lease_release(p, &c, copy.addr, pool_now()))
			json_array_append_new(a, with_net(pool_entry_json(
						      &copy), r->net));
	}
	if (!a)
		return -ENOMEM;
	if (!json_array_size(a)) {
		json_decref(a);
		ctl_err(x, "network '%s' has no reservation or lease "
			"for MAC %s; see 'hostnat lease list %s'", r->net, mac,
			r->net);
		return -ENOENT;
	}
	ret = pool_save(p, x->state_dir, r->net, CTL_ACK_BUF(x));
	if (ret) {
		json_decref(a);
		return ret;
	}
	*res = json_pack("{s:s, s:o}", "network", r->net, "ended", a);
	return 0;
}

static json_t *lease_entry(struct cmd_ctx *x, unsigned slot,
			   const struct ipam_entry *e)
{
	return with_net(pool_entry_json(e), x->cur.net[slot].cfg.name);
}

/**
 * lease_list() - lease.list: the reservations and leases of one network or all
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int lease_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	return cmd_pool_list(x, r, 1u << IPAM_STATIC | 1u << IPAM_LEASE,
			     lease_entry, res);
}
