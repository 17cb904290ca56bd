/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fakedp.c: a datapath without a kernel, for the ctl tests
 *
 * Theory of operation
 * -------------------
 * Implements dp.h with a pretend host: interfaces with addresses and
 * routes that the test sets up, a default route, and dp_sync() that records
 * the state it is handed (or fails on request, to test roll-back). No
 * device, no system call: the control layer runs without root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fakedp.h"

#define FAKE_ADDRS 32
#define FAKE_EPS 16

struct dp {
	struct dp_addr host[FAKE_ADDRS];	/* addresses and routes */
	unsigned nhost;
	char def_if[DP_IFNAMSIZ];		/* default route's interface */
	bool fail;				/* dp_sync() fails */
	unsigned syncs;				/* dp_sync() calls that worked */
	struct dp_state st;			/* last state synced */
	struct dp_bind bind[DP_MAX_BINDS];	/* its bindings, copied */
	char err[128];
	struct dp_endpoint ep[FAKE_EPS];	/* endpoints made */
	bool ep_used[FAKE_EPS];
	unsigned ep_adds, ep_dels;		/* calls that worked */
	bool ep_fail;				/* dp_endpoint_add() fails */
	bool ep_detached[FAKE_EPS];		/* not on its bridge */
	unsigned ep_reattaches;			/* dp_endpoint_reattach() */
	char bridges[FAKE_ADDRS][DP_IFNAMSIZ];	/* devices that are bridges */
	unsigned nbridges;
	char devs[FAKE_ADDRS][DP_IFNAMSIZ];	/* devices without address */
	unsigned ndevs;
};

int dp_open(struct dp **dpp, const char *devprefix)
{
	(void)devprefix;
	*dpp = calloc(1, sizeof(**dpp));
	return *dpp ? 0 : -ENOMEM;
}

void dp_fast_counters(const struct dp *dp, uint64_t out[DP_FAST_N])
{
	(void)dp;
	memset(out, 0, DP_FAST_N * sizeof(out[0]));
}

void dp_ports_sync(struct dp *dp, struct nat *nat)
{
	(void)dp;
	(void)nat;
}

void dp_close(struct dp *dp, bool keep)
{
	(void)keep;
	free(dp);
}

int dp_sync(struct dp *dp, const struct dp_state *st)
{
	if (dp->fail) {
		snprintf(dp->err, sizeof(dp->err), "fake: cannot sync");
		return -EIO;
	}
	if (st->nbind > DP_MAX_BINDS) {
		snprintf(dp->err, sizeof(dp->err), "fake: %u bindings",
			 st->nbind);
		return -ENOSPC;
	}
	dp->st = *st;
	if (st->nbind)
		memcpy(dp->bind, st->bind, st->nbind * sizeof(*st->bind));
	dp->st.bind = dp->bind;
	dp->syncs++;
	return 0;
}

const char *dp_error(const struct dp *dp)
{
	return dp->err;
}

int dp_fd(const struct dp *dp, enum dp_dev dev)
{
	(void)dp;
	(void)dev;
	return -1;
}

unsigned dp_rx(struct dp *dp, enum dp_dev dev, struct nat_pkt *pkts,
	       unsigned max)
{
	(void)dp;
	(void)dev;
	(void)pkts;
	(void)max;
	return 0;
}

void dp_tx(struct dp *dp, enum dp_dev dev, struct nat_pkt *pkts, unsigned n)
{
	(void)dp;
	(void)dev;
	(void)pkts;
	(void)n;
}

int dp_host_addrs(struct dp *dp, struct dp_addr *out, unsigned max)
{
	unsigned n = dp->nhost < max ? dp->nhost : max;

	if (n)
		memcpy(out, dp->host, n * sizeof(*out));
	return (int)dp->nhost;
}

int dp_if_addr(struct dp *dp, const char *ifname, uint32_t *addr)
{
	unsigned i;
	bool exists = false;

	for (i = 0; i < dp->nhost; i++) {
		if (strcmp(dp->host[i].ifname, ifname))
			continue;
		exists = true;
		if (!dp->host[i].route) {
			*addr = dp->host[i].addr;
			return 0;
		}
	}
	return exists ? -EADDRNOTAVAIL : -ENODEV;
}

int dp_addr_if(struct dp *dp, uint32_t addr, char ifname[DP_IFNAMSIZ])
{
	unsigned i;

	for (i = 0; i < dp->nhost; i++) {
		if (!dp->host[i].route && dp->host[i].addr == addr) {
			snprintf(ifname, DP_IFNAMSIZ, "%s", dp->host[i].ifname);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int dp_default_uplink(struct dp *dp, char ifname[DP_IFNAMSIZ],
		      uint32_t *addr)
{
	if (!dp->def_if[0])
		return -ENETUNREACH;
	snprintf(ifname, DP_IFNAMSIZ, "%s", dp->def_if);
	return dp_if_addr(dp, dp->def_if, addr);
}

static void add(struct dp *dp, const char *ifname, uint32_t addr,
		unsigned plen, bool route)
{
	struct dp_addr *a = &dp->host[dp->nhost++];

	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->addr = addr;
	a->plen = (uint8_t)plen;
	a->route = route;
}

void fakedp_add_addr(struct dp *dp, const char *ifname, uint32_t addr,
		     unsigned plen)
{
	uint32_t mask = lib_prefix_mask(plen);

	add(dp, ifname, addr, plen, false);
	add(dp, ifname, addr & mask, plen, true);	/* connected route */
}

void fakedp_add_route(struct dp *dp, const char *ifname, uint32_t addr,
		      unsigned plen)
{
	add(dp, ifname, addr, plen, true);
}

void fakedp_set_default(struct dp *dp, const char *ifname)
{
	snprintf(dp->def_if, sizeof(dp->def_if), "%s", ifname);
	add(dp, ifname, 0, 0, true);
}

void fakedp_fail_sync(struct dp *dp, bool fail)
{
	dp->fail = fail;
}

const struct dp_state *fakedp_state(const struct dp *dp)
{
	return &dp->st;
}

unsigned fakedp_syncs(const struct dp *dp)
{
	return dp->syncs;
}

int dp_port_in_use(struct dp *dp, uint8_t proto, uint32_t addr, uint16_t port)
{
	(void)dp;
	(void)proto;
	(void)addr;
	(void)port;
	return 0;
}

/* endpoints: recorded, present until deleted (or fakedp_endpoint_lose()) */
int dp_endpoint_add(struct dp *dp, const struct dp_endpoint *ep, char *err,
		    size_t errlen)
{
	unsigned i;

	if (dp->ep_fail) {
		snprintf(err, errlen, "fake: network namespace '%s' cannot be "
			 "opened", ep->netns);
		return -ENOENT;
	}
	for (i = 0; i < FAKE_EPS; i++)
		if (dp->ep_used[i] && !strcmp(dp->ep[i].host_if, ep->host_if))
			return -EEXIST;
	for (i = 0; i < FAKE_EPS && dp->ep_used[i]; i++)
		;
	if (i == FAKE_EPS)
		return -ENOSPC;
	dp->ep[i] = *ep;
	dp->ep_used[i] = true;
	dp->ep_detached[i] = false;
	dp->ep_adds++;
	return 0;
}

static int ep_find(const struct dp *dp, const char *host_if)
{
	unsigned i;

	for (i = 0; i < FAKE_EPS; i++)
		if (dp->ep_used[i] && !strcmp(dp->ep[i].host_if, host_if))
			return (int)i;
	return -1;
}

int dp_endpoint_del(struct dp *dp, const char *host_if, char *err,
		    size_t errlen)
{
	int i = ep_find(dp, host_if);

	(void)err;
	(void)errlen;
	if (i < 0)
		return -ENODEV;
	dp->ep_used[i] = false;
	dp->ep_dels++;
	return 0;
}

bool dp_endpoint_present(struct dp *dp, const char *host_if)
{
	return ep_find(dp, host_if) >= 0;
}

int dp_endpoint_state(struct dp *dp, const char *host_if, const char *bridge)
{
	int i = ep_find(dp, host_if);

	if (i < 0)
		return -ENODEV;
	if (dp->ep_detached[i] || strcmp(dp->ep[i].bridge, bridge))
		return -ENOTCONN;
	return 0;
}

int dp_endpoint_reattach(struct dp *dp, const char *host_if,
			 const char *bridge, char *err, size_t errlen)
{
	int i = ep_find(dp, host_if);

	if (i < 0) {
		snprintf(err, errlen, "fake: no %s", host_if);
		return -ENODEV;
	}
	snprintf(dp->ep[i].bridge, sizeof(dp->ep[i].bridge), "%s", bridge);
	dp->ep_detached[i] = false;
	dp->ep_reattaches++;
	return 0;
}

void fakedp_endpoint_detach(struct dp *dp, const char *host_if)
{
	int i = ep_find(dp, host_if);

	if (i >= 0)
		dp->ep_detached[i] = true;
}

unsigned fakedp_reattaches(const struct dp *dp)
{
	return dp->ep_reattaches;
}

/* bridges: the names fakedp_add_bridge() made; other devices: any name
 * with an address or route, or fakedp_add_dev() */
void fakedp_add_bridge(struct dp *dp, const char *name)
{
	snprintf(dp->bridges[dp->nbridges++], DP_IFNAMSIZ, "%s", name);
}

void fakedp_add_dev(struct dp *dp, const char *name)
{
	snprintf(dp->devs[dp->ndevs++], DP_IFNAMSIZ, "%s", name);
}

int dp_bridge_check(struct dp *dp, const char *name, char *err,
		    size_t errlen)
{
	uint32_t dummy;
	unsigned i;

	for (i = 0; i < dp->nbridges; i++)
		if (!strcmp(dp->bridges[i], name))
			return 0;
	for (i = 0; i < dp->ndevs; i++)
		if (!strcmp(dp->devs[i], name))
			break;
	if (i == dp->ndevs && dp_if_addr(dp, name, &dummy) == -ENODEV)
		return 0;
	snprintf(err, errlen, "device %s exists and is not a bridge; give a "
		 "bridge or a new name for hostnat to create", name);
	return -EINVAL;
}

void fakedp_endpoint_fail(struct dp *dp, bool fail)
{
	dp->ep_fail = fail;
}

const struct dp_endpoint *fakedp_endpoint(const struct dp *dp, unsigned i)
{
	unsigned k;

	for (k = 0; k < FAKE_EPS; k++)
		if (dp->ep_used[k] && !i--)
			return &dp->ep[k];
	return NULL;
}

void fakedp_endpoint_lose(struct dp *dp, const char *host_if)
{
	int i = ep_find(dp, host_if);

	if (i >= 0)
		dp->ep_used[i] = false;
}

int dp_watch_open(struct dp *dp)
{
	(void)dp;
	return -ENOSYS;
}

unsigned dp_watch_drain(int fd, unsigned *any, unsigned *links)
{
	(void)fd;
	*any = 0;
	*links = 0;
	return 0;
}

void dp_routes_changed(struct dp *dp)
{
	(void)dp;
}

void dp_links_changed(struct dp *dp)
{
	(void)dp;
}

void dp_counters(struct dp *dp, uint64_t drops[DP_DROP_N])
{
	(void)dp;
	memset(drops, 0, sizeof(uint64_t) * DP_DROP_N);
}

const char *dp_drop_name(unsigned reason)
{
	static const char *const names[DP_DROP_N] = {
		"spoofed_source", "isolated", "to_internal",
		"endpoint_addresses",
	};

	return reason < DP_DROP_N ? names[reason] : "?";
}
