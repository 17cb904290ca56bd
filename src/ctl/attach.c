/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - attach.c: the endpoint commands: containers attached in one
 * command
 *
 * Theory of operation
 * -------------------
 * "endpoint add NET --netns NS [--ifname IF] [--address A] [--mac M]"
 * takes an address from the network's pool (the one asked for if it is
 * free, else the lowest free one), then has the datapath create the veth
 * pair, the interface IF (default eth0) inside NS with that address, the
 * pool's prefix length and a default route via the gateway, and the host
 * side on the bridge (dp_endpoint_add()); then writes the pool's file. A
 * failure at any step undoes the steps before it. "endpoint del NET
 * --netns NS [--ifname IF]" deletes the pair and frees the address;
 * "endpoint list [NET]" shows the endpoints, each marked present or
 * missing, with the reason: its veth is gone (the namespace was deleted,
 * or someone removed the interface), is not on the network's bridge, or
 * is down (dp_endpoint_state()); a missing endpoint keeps its address
 * until deleted. At start, an endpoint whose veth exists but is off its
 * bridge or down (the bridge was made again) is put back and set up.
 *
 * An endpoint may have an owner (--owner, a container id, saved with the
 * record): "endpoint del --owner ID [NET] [--ifname IF]" deletes all of
 * that owner's endpoints, which is what a container runtime (the CNI
 * plugin, src/cni) does when the container goes, without knowing its
 * namespace any more. Deleting what is not there succeeds with
 * "deleted": 0, so that a runtime may repeat a deletion. The answer of
 * "endpoint add" carries what a runtime reports of the endpoint: the MAC,
 * the gateway, the prefix length, the routes and the DNS servers the
 * network's DHCP server would hand out.
 *
 * Without --mac, hostnat picks the MAC itself: random, locally
 * administered and unicast (02:xx:xx:xx:xx:xx), so that it is known and
 * the address can be bound to it (source binding, cmd.c).
 *
 * The record is the pool's endpoint entry (leases-<network>.txt): its name
 * is "<host side>_<ifname>", its netns and MAC are the entry's. The host
 * side's name is "hne" and 8 hex digits of a hash of namespace and
 * interface, 11 bytes, under the 15 of IFNAMSIZ, and the same each time,
 * so that "endpoint del" and a restart find it again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dhcp.h"
#include "dhcpd.h"
#include "hash.h"
#include "log.h"
#include "name.h"
#include "pool.h"

#define EP_IFNAME_DEFAULT "eth0"
#define EP_HOST_PREFIX "hne"

static void host_if(const char *netns, const char *ifname,
		    char out[DP_IFNAMSIZ])
{
	uint32_t h = lib_fnv1a(netns, LIB_FNV1A_INIT);

	h = lib_fnv1a(ifname, lib_fnv1a("\n", h));

	snprintf(out, DP_IFNAMSIZ, EP_HOST_PREFIX "%08x", h);
}

/* "<host side>_<ifname>" back into its parts */
static bool split_name(const char *name, char host[DP_IFNAMSIZ],
		       char ifname[DP_IFNAMSIZ])
{
	const char *u = strchr(name, '_');

	if (!u || (size_t)(u - name) >= DP_IFNAMSIZ ||
	    strlen(u + 1) >= DP_IFNAMSIZ)
		return false;
	snprintf(host, DP_IFNAMSIZ, "%.*s", (int)(u - name), name);
	snprintf(ifname, DP_IFNAMSIZ, "%s", u + 1);
	return true;
}

/* why an endpoint is missing, from dp_endpoint_state(); NULL: present */
static const char *ep_reason(int state, const char *host, const char *bridge,
			     char *buf, size_t len)
{
	switch (state) {
	case 0:
		return NULL;
	case -ENODEV:
		snprintf(buf, len, "no interface %s on the host", host);
		break;
	case -ENOTCONN:
		snprintf(buf, len, "%s is not on bridge %s", host, bridge);
		break;
	case -ENETDOWN:
		snprintf(buf, len, "%s is down", host);
		break;
	default:
		snprintf(buf, len, "cannot look at %s: %s", host,
			 strerror(-state));
	}
	return buf;
}

static json_t *ep_json(struct cmd_ctx *x, const char *net,
		       const char *bridge, const struct ipam_entry *e,
		       unsigned plen)
{
	char host[DP_IFNAMSIZ], ifname[DP_IFNAMSIZ], a[PARSE_CIDR_LEN];
	char mac[PARSE_MAC_LEN], why[96];
	const char *reason;

	if (!split_name(e->name, host, ifname))
		return json_pack("{s:s, s:s}", "network", net, "name",
				 e->name);
	fmt_cidr(a, e->addr, plen);
	fmt_mac(mac, e->mac);
	reason = ep_reason(dp_endpoint_state(x->dp, host, bridge), host,
			   bridge, why, sizeof(why));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:s, s:o}",
			 "network", net,
			 "netns", e->netns,
			 "ifname", ifname,
			 "host_interface", host,
			 "address", a,
			 "mac", e->has_mac ? json_string(mac) : json_null(),
			 "owner", e->owner[0] ? json_string(e->owner) :
						json_null(),
			 "present", !reason,
			 "state", reason ? "missing" : "present",
			 "reason", reason ? json_string(reason) : json_null());
}

/* a random MAC address, locally administered and unicast: 02:xx:... */
static void random_mac(uint8_t mac[6])
{
	static uint32_t fallback;
	size_t i;

	if (getrandom(mac, 6, GRND_NONBLOCK) != 6) {
		fallback = (fallback * 1103515245u + 12345u) ^
			   (uint32_t)time(NULL) ^ (uint32_t)getpid();
		for (i = 0; i < 6; i++)
			mac[i] ^= (uint8_t)(fallback >> (i * 4));
	}
	mac[0] = 0x02;		/* IEEE 802: U/L bit set, I/G bit clear */
}

/* what a runtime reports of a new endpoint (CNI's result): gateway,
 * prefix length, routes, and the DNS servers the network's DHCP server
 * would hand out (none when it has DHCP off) */
static int ep_add_extra(json_t *o, const struct model_net *n, unsigned plen)
{
	char gw[LIB_ADDR_LEN], a[LIB_ADDR_LEN], domain[DHCP_DOMAIN_MAX];
	uint32_t dns[DHCP_DNS_MAX];
	unsigned i, nd = 0;
	json_t *da = json_array();

	domain[0] = '\0';
	if (n->svc.dhcp)
		nd = dhcpd_resolvers(dns, DHCP_DNS_MAX, domain, sizeof(domain));
	for (i = 0; da && i < nd; i++) {
		lib_addr_fmt(a, dns[i]);
		if (json_array_append_new(da, json_string(a))) {
			json_decref(da);
			da = NULL;
		}
	}
	if (!da)
		return -ENOMEM;
	lib_addr_fmt(gw, n->cfg.gateway);
	if (json_object_set_new(o, "gateway", json_string(gw)) ||
	    json_object_set_new(o, "prefix_length", json_integer(plen)) ||
	    json_object_set_new(o, "routes", json_pack("[{s:s, s:s}]", "dst",
						       "0.0.0.0/0", "gw", gw)) ||
	    json_object_set_new(o, "dns", da) ||
	    json_object_set_new(o, "dns_domain", domain[0] ?
				json_string(domain) : json_null()))
		return -ENOMEM;
	return 0;
}

/**
 * attach_add() - endpoint.add: an address of the pool and a veth into a
 * namespace
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int attach_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	const char *ifn = r->has_ifname ? r->ifname : EP_IFNAME_DEFAULT;
	char name[IPAM_NAME_MAX], a[LIB_ADDR_LEN], err2[CTL_ERR_MAX];
	const struct model_net *n;
	struct dp_endpoint ep = { 0 };
	const struct ipam_entry *e;
	struct ipam *p;
	uint32_t addr;
	size_t i;
	int slot, ret = cmd_net_pool(x, r->net, &slot);

	if (ret)
		return ret;
	n = &x->cur.net[slot];
	p = x->pool[slot];
	/* 1. the interface's name, the record's name, not taken yet */
	for (i = 0; ifn[i]; i++) {
		if (!lib_name_char(ifn[i])) {
			ctl_err(x, "interface '%s' is not valid for "
				"an endpoint: use letters, digits, '.', '_' "
				"and '-'", ifn);
			return -EINVAL;
		}
	}
	host_if(r->netns, ifn, ep.host_if);
	snprintf(name, sizeof(name), "%s_%s", ep.host_if, ifn);
	if (ipam_find_name(p, IPAM_ENDPOINT, name)) {
		ctl_err(x, "network '%s' has an endpoint %s in '%s' "
			"already; see 'hostnat endpoint list %s'", r->net, ifn,
			r->netns, r->net);
		return -EEXIST;
	}
	/* 2. the MAC and an address of the pool; the MAC is known either
	 * way, so the address can be bound to it */
	if (r->has_mac)
		memcpy(ep.mac, r->mac, sizeof(ep.mac));
	else
		random_mac(ep.mac);
	ep.has_mac = true;
	ret = ipam_endpoint_add(p, name, r->netns, ep.mac,
				r->has_addr ? r->addr : 0, &addr);
	if (ret) {
		lib_addr_fmt(a, r->addr);
		e = r->has_addr ? ipam_lookup(p, r->addr) : NULL;
		if (ret == -ERANGE)
			ctl_err(x, "address %s is not in the pool of "
				"network '%s'; give an address of its first "
				"prefix", a, r->net);
		else if (ret == -EADDRINUSE)
			ctl_err(x, "address %s of network '%s' is in "
				"use (%s %s); leave out --address or choose a "
				"free one (see 'hostnat network show %s')", a,
				r->net, e ? ipam_kind_name(e->kind) : "?",
				e && e->name[0] ? e->name : "", r->net);
		else if (ret == -ENOSPC)
			ctl_err(x, "the pool of network '%s' is full; "
				"delete endpoints or leases", r->net);
		else
			ctl_err(x, "cannot give endpoint %s in '%s' "
				"an address: %s", ifn, r->netns,
				strerror(-ret));
		return ret;
	}
	/* 3. the veth pair, configured inside the namespace */
	snprintf(ep.netns, sizeof(ep.netns), "%s", r->netns);
	snprintf(ep.ifname, sizeof(ep.ifname), "%s", ifn);
	snprintf(ep.bridge, sizeof(ep.bridge), "%s", n->bridge);
	ep.addr = addr;
	ep.plen = (uint8_t)ipam_plen(p);
	ep.gateway = n->cfg.gateway;
	ret = dp_endpoint_add(x->dp, &ep, CTL_ACK_BUF(x));
	if (ret) {
		ipam_endpoint_del(p, name);
		return ret;
	}
	if (r->has_owner)
		ipam_endpoint_set_owner(p, name, r->owner);
	/* 4. the leases file; then the answer */
	ret = pool_save(p, x->state_dir, r->net, CTL_ACK_BUF(x));
	if (ret) {
		if (dp_endpoint_del(x->dp, ep.host_if, err2, sizeof(err2)))
			log_msg(LOG_ERR, "cannot remove endpoint %s again: %s",
				ep.host_if, err2);
		ipam_endpoint_del(p, name);
		return ret;
	}
	*res = ep_json(x, r->net, n->bridge,
		       ipam_find_name(p, IPAM_ENDPOINT, name), ep.plen);
	if (*res && ep_add_extra(*res, n, ep.plen)) {
		json_decref(*res);
		*res = NULL;
	}
	return 0;
}

/* delete one endpoint (its veth, its record); *@out gets its JSON */
static int ep_del_one(struct cmd_ctx *x, unsigned slot, const char *name,
		      json_t **out)
{
	const char *net = x->cur.net[slot].cfg.name;
	char host[DP_IFNAMSIZ], ifname[DP_IFNAMSIZ];
	struct ipam *p = x->pool[slot];
	const struct ipam_entry *e = ipam_find_name(p, IPAM_ENDPOINT, name);
	struct ipam_entry copy;
	int ret;

	if (!e || !split_name(e->name, host, ifname))
		return -ENOENT;
	copy = *e;
	*out = ep_json(x, net, x->cur.net[slot].bridge, &copy, ipam_plen(p));
	ret = dp_endpoint_del(x->dp, host, CTL_ACK_BUF(x));
	if (ret && ret != -ENODEV)
		goto fail;
	ret = ipam_endpoint_del(p, name);
	if (!ret)
		ret = pool_save(p, x->state_dir, net, CTL_ACK_BUF(x));
	if (ret) {
		/* the veth is gone; the record stays, marked missing */
		ipam_endpoint_add(p, copy.name, copy.netns,
				  copy.has_mac ? copy.mac : NULL, copy.addr,
				  &copy.addr);
		ipam_endpoint_set_owner(p, copy.name, copy.owner);
		goto fail;
	}
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return ret;
}

/* {"deleted": N, "endpoints": [...]} */
static int del_answer(json_t *list, json_t **res)
{
	*res = list ? json_pack("{s:I, s:o}", "deleted",
				(json_int_t)json_array_size(list), "endpoints",
				list) : NULL;
	return *res ? 0 : -ENOMEM;
}

/* endpoint.del by network and netns (and ifname): what is gone already
 * is no error, so that a runtime may repeat it */
static int ep_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	const char *ifn = r->has_ifname ? r->ifname : EP_IFNAME_DEFAULT;
	char name[IPAM_NAME_MAX], host[DP_IFNAMSIZ];
	json_t *list = json_array(), *one = NULL;
	int slot, ret = cmd_net_pool(x, r->net, &slot);

	if (ret || !list) {
		json_decref(list);
		return ret ? ret : -ENOMEM;
	}
	host_if(r->netns, ifn, host);
	snprintf(name, sizeof(name), "%s_%s", host, ifn);
	ret = ep_del_one(x, (unsigned)slot, name, &one);
	if (ret == -ENOENT)
		ret = 0;
	else if (!ret && json_array_append_new(list, one))
		ret = -ENOMEM;
	if (ret) {
		json_decref(list);
		return ret;
	}
	return del_answer(list, res);
}

/* endpoint.del by owner, in one network or all, of one ifname or all */
static int ep_del_owner(struct cmd_ctx *x, const struct ctl_req *r,
			json_t **res)
{
	char host[DP_IFNAMSIZ], ifname[DP_IFNAMSIZ];
	char names[64][IPAM_NAME_MAX];
	json_t *list = json_array(), *one;
	unsigned i, k, n;
	int slot = -1, ret = 0;

	if (!list)
		return -ENOMEM;
	if (r->has_net) {
		ret = cmd_net_pool(x, r->net, &slot);
		if (ret)
			goto out;
	}
	for (i = 0; i < DP_MAX_NETS && !ret; i++) {
		const struct ipam_entry *e;
		uint32_t pos;

		if ((slot >= 0 && i != (unsigned)slot) || !x->cur.net[i].used ||
		    x->cur.net[i].closed || !x->pool[i])
			continue;
		/* collect first: deleting changes what the walk sees; an
		 * owner with more than fits is done in rounds */
		do {
			n = 0;
			pos = 0;
			while (n < 64 && (e = ipam_iter(x->pool[i], &pos))) {
				if (e->kind != IPAM_ENDPOINT ||
				    strcmp(e->owner, r->owner) ||
				    !split_name(e->name, host, ifname) ||
				    (r->has_ifname &&
				     strcmp(ifname, r->ifname)))
					continue;
				snprintf(names[n++], IPAM_NAME_MAX, "%s",
					 e->name);
			}
			for (k = 0; k < n && !ret; k++) {
				ret = ep_del_one(x, i, names[k], &one);
				if (!ret && json_array_append_new(list, one))
					ret = -ENOMEM;
			}
		} while (n == 64 && !ret);
	}
out:
	if (ret) {
		json_decref(list);
		return ret;
	}
	return del_answer(list, res);
}

static json_t *ep_entry(struct cmd_ctx *x, unsigned slot,
			const struct ipam_entry *e)
{
	return ep_json(x, x->cur.net[slot].cfg.name, x->cur.net[slot].bridge,
		       e, ipam_plen(x->pool[slot]));
}

/**
 * attach_list() - endpoint.list: the endpoints of one network or all,
 * present or missing
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int attach_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	return cmd_pool_list(x, r, 1u << IPAM_ENDPOINT, ep_entry, res);
}

/**
 * attach_check() - at start, put back on their bridge (and up) the
 * endpoints whose veth exists but is not, and log those whose veth is gone
 * (they keep their record and address, and show as missing)
 * @x:		context, with the configuration and pools loaded and the
 *		kernel synced (the bridges exist)
 */
void attach_check(struct cmd_ctx *x)
{
	char host[DP_IFNAMSIZ], ifname[DP_IFNAMSIZ], why[96], err[CTL_ERR_MAX];
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];
		const struct ipam_entry *e;
		uint32_t pos = 0;

		if (!n->used || n->closed || !x->pool[i])
			continue;
		while ((e = ipam_iter(x->pool[i], &pos))) {
			int st;

			if (e->kind != IPAM_ENDPOINT ||
			    !split_name(e->name, host, ifname))
				continue;
			st = dp_endpoint_state(x->dp, host, n->bridge);
			if (!st)
				continue;
			if (st == -ENOTCONN || st == -ENETDOWN) {
				ep_reason(st, host, n->bridge, why,
					  sizeof(why));
				if (!dp_endpoint_reattach(x->dp, host,
							  n->bridge, err,
							  sizeof(err)))
					log_msg(LOG_NOTICE, "network '%s': "
						"endpoint %s in '%s': %s; put "
						"it back on %s and up",
						n->cfg.name, ifname, e->netns,
						why, n->bridge);
				else
					log_msg(LOG_WARNING, "network '%s': "
						"endpoint %s in '%s': %s",
						n->cfg.name, ifname, e->netns,
						err);
				continue;
			}
			log_msg(LOG_WARNING, "network '%s': endpoint %s in '%s' "
				"is missing (%s); 'hostnat endpoint del %s "
				"--netns %s --ifname %s' frees its address",
				n->cfg.name, ifname, e->netns,
				ep_reason(st, host, n->bridge, why,
					  sizeof(why)), n->cfg.name, e->netns,
				ifname);
		}
	}
}

/**
 * attach_del_all() - delete the veths of a network's endpoints (the
 * network is being deleted; its pool, the records, goes with it)
 * @x:		context
 * @slot:	network slot
 */
void attach_del_all(struct cmd_ctx *x, unsigned slot)
{
	char host[DP_IFNAMSIZ], ifname[DP_IFNAMSIZ], err[CTL_ERR_MAX];
	const struct ipam_entry *e;
	uint32_t pos = 0;
	int ret;

	if (!x->pool[slot])
		return;
	while ((e = ipam_iter(x->pool[slot], &pos))) {
		if (e->kind != IPAM_ENDPOINT ||
		    !split_name(e->name, host, ifname))
			continue;
		ret = dp_endpoint_del(x->dp, host, err, sizeof(err));
		if (ret && ret != -ENODEV)
			log_msg(LOG_WARNING, "%s; remove it by hand", err);
	}
}

/**
 * attach_del() - endpoint.del: by namespace (and interface), or every
 * endpoint of an owner
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int attach_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	if (r->has_owner)
		return ep_del_owner(x, r, res);
	return ep_del(x, r, res);
}
