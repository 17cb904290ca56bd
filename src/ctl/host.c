/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - host.c: the networks' prefixes against the host's addresses and
 * routes
 *
 * Theory of operation
 * -------------------
 * An internal prefix that overlaps an address or a route of the host
 * makes that part of the host's network unreachable from the endpoints,
 * and the host's own traffic to it ambiguous. So a new prefix is refused
 * when it overlaps one (host_check(), addresses before routes: they make
 * the clearer message), and the default network takes the first private
 * prefix (RFC 1918) that overlaps nothing (host_auto_prefix()). What is
 * hostnat's own is not an overlap: the bridges of its networks and their
 * routes, the host stand-in's /32 route, and the default route.
 *
 * The host changes under a running hostnatd (a laptop roams, a VPN comes
 * up): host_changed() is called on every address or route notification
 * and logs the overlaps that are new since the last look; translation
 * goes on regardless (RFC 4787 REQ-7), and network.show lists them.
 *
 * The engine checks overlaps between networks, but a closed network is
 * not in the engine with its prefixes: host_closed_overlap() checks those.
 *
 * The host's list is asked for every time (dp_host_addrs()), into a buffer
 * that grows to whatever the host has: no overlap goes unchecked because
 * a list was cut.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "log.h"

/* private prefixes tried, in order, for the default network (RFC 1918) */
static const struct {
	uint32_t addr;
	uint8_t plen;
} auto_prefixes[] = {
	{ 0xac100000, 16 }, { 0xac110000, 16 }, { 0xac120000, 16 },
	{ 0xac130000, 16 }, { 0xac140000, 16 }, { 0xac150000, 16 },
	{ 0xac160000, 16 }, { 0xac170000, 16 }, { 0xac180000, 16 },
	{ 0xac190000, 16 }, { 0xac1a0000, 16 }, { 0xac1b0000, 16 },
	{ 0xac1c0000, 16 }, { 0xac1d0000, 16 }, { 0xac1e0000, 16 },
	{ 0xac1f0000, 16 },		/* 172.16.0.0/16 .. 172.31.0.0/16 */
	{ 0x0ac80000, 16 },		/* 10.200.0.0/16 */
	{ 0xc0a8c800, 24 },		/* 192.168.200.0/24 */
};

static bool overlaps(uint32_t a, unsigned alen, uint32_t b, unsigned blen)
{
	uint32_t m = lib_prefix_mask(alen < blen ? alen : blen);

	return (a & m) == (b & m);
}


/* an address or route that is hostnat's own, or the default route */
static bool host_entry_ours(const struct model *m, const struct dp_addr *h,
			    const char *bridge)
{
	unsigned i;

	if (h->route && !h->plen)
		return true;
	if (bridge && !strcmp(h->ifname, bridge))
		return true;
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		if (!n->used)
			continue;
		if (!strcmp(h->ifname, n->bridge))
			return true;
		/* the host stand-in's route (through hostnat's device) */
		if (h->route && h->plen == 32 && h->addr == n->cfg.host_addr)
			return true;
	}
	return false;
}

/* every address and route of the host into x->host, however many: no
 * overlap goes unchecked because a list was cut */
static int host_list(struct cmd_ctx *x)
{
	struct dp_addr *h;
	int n;

	for (;;) {
		n = dp_host_addrs(x->dp, x->host, x->nhost_room);
		if (n < 0 || (unsigned)n <= x->nhost_room)
			return n;
		h = realloc(x->host, sizeof(*h) * ((size_t)n + 64));
		if (!h)
			return -ENOMEM;
		x->host = h;
		x->nhost_room = (unsigned)n + 64;
	}
}

/**
 * host_check() - check a prefix against the host's addresses and routes
 * @x:		context
 * @m:		the configuration the prefix is for (its bridges are ours)
 * @bridge:	the bridge of the network the prefix is for, or NULL
 * @prefix:	the prefix
 * @plen:	its length
 * @list:	NULL, or a JSON array to append every overlap to
 *
 * Check @prefix/@plen against the host's addresses and routes (addresses
 * first: they make the clearer message). With @list, every overlap is
 * appended to it as a message and 0 returned; without, the first one is the
 * error.
 *
 * Return: 0, -EADDRINUSE (the first overlap, without @list), -errno when
 * the host cannot be asked
 */
int host_check(struct cmd_ctx *x, const struct model *m, const char *bridge,
	       uint32_t prefix, unsigned plen, json_t *list)
{
	char p[PARSE_CIDR_LEN], h[PARSE_CIDR_LEN], msg[CTL_ERR_MAX];
	int n = host_list(x);
	unsigned pass, i;

	if (n < 0) {
		ctl_err(x, "cannot list the host's addresses and "
			"routes: %s", strerror(-n));
		return n;
	}
	fmt_cidr(p, prefix, plen);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < (unsigned)n; i++) {
			const struct dp_addr *a = &x->host[i];

			if (a->route != (pass == 1) ||
			    host_entry_ours(m, a, bridge) ||
			    !overlaps(prefix, plen, a->addr, a->plen))
				continue;
			fmt_cidr(h, a->addr, a->plen);
			snprintf(msg, sizeof(msg), "prefix %s overlaps %s %s "
				 "on %s; choose another prefix", p,
				 a->route ? "route" : "address", h, a->ifname);
			if (!list) {
				ctl_err(x, "%s", msg);
				return -EADDRINUSE;
			}
			json_array_append_new(list, json_string(msg));
		}
	}
	return 0;
}

/* does @prefix/@plen overlap a prefix of a network of @m? */
static bool model_overlap(const struct model *m, uint32_t prefix,
			  unsigned plen)
{
	unsigned i, j;

	for (i = 0; i < DP_MAX_NETS; i++)
		for (j = 0; m->net[i].used && j < m->net[i].nprefix; j++)
			if (overlaps(prefix, plen, m->net[i].prefix[j],
				     m->net[i].plen[j]))
				return true;
	return false;
}

/**
 * host_closed_overlap() - check a prefix against those of closed networks
 * @x:		context
 * @m:		the configuration
 * @prefix:	the prefix
 * @plen:	its length
 *
 * The engine checks overlaps between networks, but a closed network is not in
 * the engine with its prefixes: check them here.
 *
 * Return: 0, -EADDRINUSE
 */
int host_closed_overlap(struct cmd_ctx *x, const struct model *m,
			uint32_t prefix, unsigned plen)
{
	char p[PARSE_CIDR_LEN], q[PARSE_CIDR_LEN];
	unsigned i, j;

	(void)x;
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		for (j = 0; n->used && n->closed && j < n->nprefix; j++) {
			if (!overlaps(prefix, plen, n->prefix[j], n->plen[j]))
				continue;
			fmt_cidr(p, prefix, plen);
			fmt_cidr(q, n->prefix[j], n->plen[j]);
			ctl_err(x, "prefix %s overlaps prefix %s of "
				"network '%s' (closed); choose another prefix",
				p, q, n->cfg.name);
			return -EADDRINUSE;
		}
	}
	return 0;
}

/**
 * host_auto_prefix() - the first private prefix that overlaps nothing
 * @x:		context
 * @m:		the configuration
 * @bridge:	the bridge of the network it is for
 * @prefix:	the prefix found
 * @plen:	its length
 *
 * Return: 0, -EADDRINUSE (all overlap), -errno
 */
int host_auto_prefix(struct cmd_ctx *x, const struct model *m,
		     const char *bridge, uint32_t *prefix, uint8_t *plen)
{
	struct ctl_ack keep = x->ack;
	unsigned i;
	int ret;

	for (i = 0; i < sizeof(auto_prefixes) / sizeof(auto_prefixes[0]);
	     i++) {
		uint32_t a = auto_prefixes[i].addr;
		uint8_t l = auto_prefixes[i].plen;

		if (model_overlap(m, a, l))
			continue;
		ret = host_check(x, m, bridge, a, l, NULL);
		if (ret == -EADDRINUSE) {
			x->ack = keep; /* an overlap is no failure here */
			continue;
		}
		if (ret)
			return ret;
		*prefix = a;
		*plen = l;
		return 0;
	}
	ctl_err(x, "no free private prefix: 172.16.0.0/16 to "
		"172.31.0.0/16, 10.200.0.0/16 and 192.168.200.0/24 all overlap "
		"a network or the host's addresses; give a prefix");
	return -EADDRINUSE;
}

/**
 * host_overlaps() - every overlap of a network's prefixes with the host
 * @x:		context
 * @n:		the network (of x->cur)
 * @list:	a JSON array to append them to, as messages
 *
 * Return: 0, or -errno when the host cannot be listed (@list may then hold
 * part of them; x->ack as it was)
 */
int host_overlaps(struct cmd_ctx *x, const struct model_net *n, json_t *list)
{
	struct ctl_ack keep = x->ack; /* overlaps: listed, not refused */
	unsigned j;
	int ret = 0;

	for (j = 0; !ret && n->used && j < n->nprefix; j++)
		ret = host_check(x, &x->cur, n->bridge, n->prefix[j],
				 n->plen[j], list);
	x->ack = keep;
	return ret;
}

/**
 * host_overlaps_known() - a network's overlaps as host_changed() last found
 * them
 * @x:		context
 * @n:		the network
 * @list:	a JSON array to append them to, as messages
 */
void host_overlaps_known(struct cmd_ctx *x, const struct model_net *n,
			 json_t *list)
{
	size_t len = strlen(n->cfg.name);
	const char *p = x->overlaps, *e;

	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) > len + 2 && !strncmp(p, n->cfg.name, len) &&
		    p[len] == ':' && p[len + 1] == ' ')
			json_array_append_new(list,
					      json_stringn(p + len + 2,
							   (size_t)(e - p) - len - 2));
	}
}

/**
 * host_changed() - the host's addresses or routes changed (a laptop
 * roamed, an interface came up): log overlaps with the networks' prefixes
 * that are new since the last look. Translation goes on regardless; the
 * overlaps also show in 'network show' (RFC 4787 REQ-7). A host that
 * cannot be listed (its addresses changing under every dump) changes
 * nothing: x->host_again asks ctl.c's timer to call again.
 * @x:		context
 */
void host_changed(struct cmd_ctx *x)
{
	struct ctl_ack keep = x->ack; /* overlaps: listed, not refused */
	char seen[4096] = "";
	unsigned i;
	size_t k, off = 0;
	json_t *all = json_array(), *ov, *v;
	int ret = 0;

	/* every network's overlaps first: a host that cannot be asked
	 * changes nothing (it is not "no overlap any more") */
	for (i = 0; all && !ret && i < DP_MAX_NETS; i++) {
		ov = json_array();
		if (!ov || json_array_append_new(all, ov)) {
			ret = -ENOMEM;
			break;
		}
		ret = host_overlaps(x, &x->cur.net[i], ov);
	}
	if (!all || ret < 0) {
		/* said once while it lasts: under churn, every list is
		 * interrupted until the churn ends */
		if (!x->host_again)
			log_msg(LOG_INFO, "cannot list the host's addresses "
				"and routes (%s); overlaps as they were, "
				"looking again in a moment",
				strerror(all ? -ret : ENOMEM));
		x->host_again = true;
		goto out;
	}
	x->host_again = false;
	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];

		json_array_foreach(json_array_get(all, i), k, v) {
			const char *s = json_string_value(v);
			int w = snprintf(seen + off, sizeof(seen) - off,
					 "%s: %s\n", n->cfg.name, s);

			if (w > 0 && (size_t)w < sizeof(seen) - off)
				off += (size_t)w;
			if (!strstr(x->overlaps, s))
				ev_overlap(x, n->cfg.name, s);
			if (!strstr(x->overlaps, s))
				log_msg(LOG_WARNING, "network '%s': %s; its "
					"endpoints cannot reach that part of "
					"the host's network until one of them "
					"moves", n->cfg.name, s);
		}
	}
	if (!seen[0] && x->overlaps[0])
		log_msg(LOG_INFO, "no host address or route overlaps a "
			"network's prefix any more");
	memcpy(x->overlaps, seen, sizeof(seen));
out:
	json_decref(all);
	x->ack = keep;
}

/**
 * host_warn_overlaps() - at start, log every overlap of a network's
 * prefix with the host
 * @x:		context
 * @m:		the configuration being loaded
 */
void host_warn_overlaps(struct cmd_ctx *x, const struct model *m)
{
	struct ctl_ack keep = x->ack; /* overlaps: listed, not refused */
	unsigned i, j;
	size_t k;
	json_t *ov = json_array(), *v;

	for (i = 0; ov && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		for (j = 0; n->used && j < n->nprefix; j++)
			host_check(x, m, n->bridge, n->prefix[j], n->plen[j],
				   ov);
		json_array_foreach(ov, k, v)
			log_msg(LOG_WARNING, "network '%s': %s", n->cfg.name,
				json_string_value(v));
		json_array_clear(ov);
	}
	json_decref(ov);
	x->ack = keep;
}
