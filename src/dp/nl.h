/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - nl.h: rtnetlink helpers (nl.c)
 */
#ifndef HOSTNAT_NL_H
#define HOSTNAT_NL_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NL_BUF 32768		/* bytes, receive buffer */
#define NL_ATTR_MAX 64
#define NL_RCV_TIMEOUT_S 2	/* the longest wait for an answer */

struct mnl_socket;
struct nlmsghdr;

/**
 * struct nl - a netlink socket (route; sock_diag for sockdiag.c)
 */
struct nl {
	struct mnl_socket *sk;
	unsigned portid;
	unsigned seq;
	char *buf;
};

/**
 * struct nl_obj - one dumped address, route or rule (host byte order)
 */
struct nl_obj {
	unsigned ifindex;	/* address: interface; route: output */
	uint32_t addr;		/* address, route destination, rule source */
	uint8_t plen;		/* prefix length */
	uint8_t type;		/* route type (RTN_*) */
	uint32_t table;		/* route or rule table */
	uint32_t gateway;	/* route gateway */
	uint32_t metric;	/* route metric, rule priority */
	uint32_t prefsrc;	/* route preferred source */
	char iif[16];		/* rule input interface */
	uint32_t dst;		/* rule destination prefix */
	uint8_t dplen;		/* its length */
	uint8_t action;		/* rule action (FR_ACT_*) */
};

/**
 * struct nl_rule - a policy rule "[to DST/DPLEN] [iif IIF] lookup TABLE"
 * or "... blackhole" at a priority
 * @prio:	priority
 * @dst:	destination prefix, host order (@dplen 0: any)
 * @dplen:	its length
 * @iif:	input interface name ("" for any; "lo": locally generated)
 * @table:	table to look up (0 with @blackhole)
 * @blackhole:	drop instead of looking up a table
 */
struct nl_rule {
	uint32_t prio;
	uint32_t dst;
	uint8_t dplen;
	char iif[16];
	uint32_t table;
	bool blackhole;
};

typedef int (*nl_dump_fn)(const struct nl_obj *o, void *ctx);

/**
 * struct nl_link - one link of nl_link_dump()
 * @ifindex:	its index
 * @master:	the bridge (or other master) it is enslaved to, 0: none
 * @peer_netns:	a veth whose peer is in another network namespace (what
 *		bpf_redirect_peer() needs)
 */
struct nl_link {
	unsigned ifindex;
	unsigned master;
	bool peer_netns;
};

typedef void (*nl_link_fn)(const struct nl_link *l, void *ctx);

typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *data);

int nl_exchange(struct nl *nl, const struct nlmsghdr *nlh, nl_msg_fn cb,
		void *ctx);
int nl_open_bus(struct nl *nl, int bus);
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);
int nl_link_add_bridge(struct nl *nl, const char *name);
int nl_link_del(struct nl *nl, unsigned ifindex);
int nl_link_up(struct nl *nl, unsigned ifindex);
int nl_link_add_veth(struct nl *nl, const char *name, const char *peer,
		     int peer_nsfd, const uint8_t *peer_mac);
int nl_link_master_up(struct nl *nl, unsigned ifindex, unsigned master);
int nl_route_default(struct nl *nl, uint32_t gateway, unsigned oif);
int nl_addr(struct nl *nl, bool add, unsigned ifindex, uint32_t addr,
	    unsigned plen);
int nl_route(struct nl *nl, bool add, uint32_t table, uint32_t dst,
	     unsigned plen, unsigned oif, bool blackhole, uint32_t metric);
int nl_rule(struct nl *nl, bool add, uint32_t prio, uint32_t src,
	    unsigned plen, const char *iif, uint32_t table);
int nl_rule_change(struct nl *nl, bool add, const struct nl_rule *r);
int nl_neigh_proxy(struct nl *nl, bool add, unsigned ifindex, uint32_t addr);
int nl_dump(struct nl *nl, int type, nl_dump_fn fn, void *ctx);
int nl_link_dump(struct nl *nl, unsigned master, nl_link_fn fn, void *ctx);

#endif /* HOSTNAT_NL_H */
