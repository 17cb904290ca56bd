/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - nl.c: rtnetlink requests and dumps, on libmnl
 *
 * Theory of operation
 * -------------------
 * The datapath changes the kernel only through these helpers: links
 * (bridges), addresses, routes (including blackholes) in a given table,
 * policy rules, proxy neighbour entries; and reads it back by dumps. Every
 * request asks for an acknowledgement and returns 0 or the kernel's
 * -errno, so callers can tell "exists already" (-EEXIST) and "not there"
 * (-ENOENT, -ESRCH, -EADDRNOTAVAIL) from real failures and stay idempotent.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "nl.h"

/* bound every wait for the kernel's answer (NL_RCV_TIMEOUT_S): the kernel
 * answers at once, so a wait that lasts means the answer was lost (a
 * truncated datagram), and the daemon's one thread must not wait forever */
static void set_timeout(struct mnl_socket *sk)
{
	struct timeval tv = { .tv_sec = NL_RCV_TIMEOUT_S };

	(void)setsockopt(mnl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
			 sizeof(tv));
}

/**
 * nl_open_bus() - open a netlink socket of one family
 * @nl:		state
 * @bus:	NETLINK_ROUTE, NETLINK_SOCK_DIAG
 *
 * Return: 0, -errno
 */
int nl_open_bus(struct nl *nl, int bus)
{
	nl->sk = mnl_socket_open(bus);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int ret = -errno;

		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return ret;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned)time(NULL);
	set_timeout(nl->sk);
	nl->buf = malloc(NL_BUF);
	if (!nl->buf) {
		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return -ENOMEM;
	}
	return 0;
}

/**
 * nl_open() - open a route netlink socket
 * @nl:		state
 *
 * Return: 0, -errno
 */
int nl_open(struct nl *nl)
{
	return nl_open_bus(nl, NETLINK_ROUTE);
}

/**
 * nl_close() - close it (safe on a state never opened, zeroed)
 * @nl:		state
 */
void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->buf);
	nl->sk = NULL;
	nl->buf = NULL;
}

static struct nlmsghdr *msg_start(struct nl *nl, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* a request that adds (create, and @excl: fail or replace if it exists) or
 * deletes, acknowledged */
static struct nlmsghdr *change_start(struct nl *nl, bool add, uint16_t new,
				     uint16_t del, uint16_t excl)
{
	return msg_start(nl, add ? new : del,
			 (uint16_t)(NLM_F_ACK | (add ? NLM_F_CREATE | excl : 0)));
}

/**
 * nl_exchange() - send a request on a netlink socket and read its answer:
 * the ack, or a dump, @cb run over each of its messages. A dump is always
 * read to its end (NLMSG_DONE, whose error, if any, is returned), whatever
 * went wrong in it, and answers to an earlier request (another sequence
 * number) are skipped: the socket is never left inside a dump, where
 * every later request would fail (-EBUSY). A dump that a change
 * interrupted (NLM_F_DUMP_INTR, on any of its messages: what it listed may
 * be inconsistent) returns -EINTR, for the caller to ask again.
 * @nl:		the socket (nl_open_bus())
 * @nlh:	the request, in its own buffer or at the start of @nl's
 * @cb:		called per message of the answer (NULL: none)
 * @ctx:	passed to @cb
 *
 * Return: 0, -errno (the kernel's, or -EINTR, -EIO: @cb failed)
 */
int nl_exchange(struct nl *nl, const struct nlmsghdr *nlh, nl_msg_fn cb,
		void *ctx)
{
	unsigned seq = nlh->nlmsg_seq;
	int err = 0;

	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_BUF);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		int left;

		if (n < 0) {
			/* ENOSPC: one datagram truncated, read on (the
			 * receive timeout ends a wait for what it held) */
			if (errno != ENOSPC)
				return err ? err : -errno;
			err = err ? err : -ENOSPC;
			continue;
		}
		left = (int)n;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const int *e = mnl_nlmsg_get_payload(h);
			bool has_e = mnl_nlmsg_get_payload_len(h) >= sizeof(*e);

			if (h->nlmsg_seq != seq ||
			    (h->nlmsg_pid && h->nlmsg_pid != nl->portid))
				continue;	/* an earlier request's */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				err = err ? err : -EINTR;
			if (h->nlmsg_type == NLMSG_ERROR)
				return err ? err : has_e ? *e : -EIO;
			if (h->nlmsg_type == NLMSG_DONE)
				return err ? err : has_e && *e < 0 ? *e : 0;
			if (!err && cb && h->nlmsg_type >= NLMSG_MIN_TYPE &&
			    cb(h, ctx) < MNL_CB_OK)
				err = -EIO;
		}
	}
}

/* send a request, wait for the ack (or run @cb over a dump) */
static int talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *ctx)
{
	return nl_exchange(nl, nlh, cb, ctx);
}

/**
 * nl_link_add_bridge() - create a bridge
 * @nl:		state
 * @name:	interface name
 *
 * Return: 0, -EEXIST, -errno
 */
int nl_link_add_bridge(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_NEWLINK,
					 NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *li;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_link_del() - delete an interface
 * @nl:		state
 * @ifindex:	interface
 *
 * Return: 0, -ENODEV, -errno
 */
int nl_link_del(struct nl *nl, unsigned ifindex)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_link_up() - set an interface up
 * @nl:		state
 * @ifindex:	interface
 *
 * Return: 0, -errno
 */
int nl_link_up(struct nl *nl, unsigned ifindex)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_link_add_veth() - create a veth pair, the peer in another network
 * namespace under its final name
 * @nl:		state
 * @name:	this side's name (in the socket's namespace)
 * @peer:	the peer's name
 * @peer_nsfd:	file descriptor of the peer's network namespace
 * @peer_mac:	the peer's MAC address, or NULL for a random one
 *
 * Return: 0, -EEXIST (either name taken), -errno
 */
int nl_link_add_veth(struct nl *nl, const char *name, const char *peer,
		     int peer_nsfd, const uint8_t *peer_mac)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_NEWLINK,
					 NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct ifinfomsg *pifi;
	struct nlattr *li, *data, *pe;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pe = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's attributes follow a struct ifinfomsg of its own */
	pifi = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_nest_end(nlh, pe);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_link_master_up() - attach an interface to a bridge and set it up
 * @nl:		state
 * @ifindex:	interface
 * @master:	bridge
 *
 * Return: 0, -errno
 */
int nl_link_master_up(struct nl *nl, unsigned ifindex, unsigned master)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_route_default() - add a default route via a gateway in the main table
 * @nl:		state
 * @gateway:	next hop, host order
 * @oif:	output interface
 *
 * Return: 0, -EEXIST, -errno
 */
int nl_route_default(struct nl *nl, uint32_t gateway, unsigned oif)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_NEWROUTE,
					 NLM_F_ACK | NLM_F_CREATE |
						 NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gateway));
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_addr() - add or delete an IPv4 address
 * @nl:		state
 * @add:	add (true) or delete
 * @ifindex:	interface
 * @addr:	address, host order
 * @plen:	prefix length
 *
 * Return: 0, -EEXIST, -EADDRNOTAVAIL, -errno
 */
int nl_addr(struct nl *nl, bool add, unsigned ifindex, uint32_t addr,
	    unsigned plen)
{
	struct nlmsghdr *nlh = change_start(nl, add, RTM_NEWADDR, RTM_DELADDR,
					    NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t a = htonl(addr);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, IFA_LOCAL, a);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_route() - add or delete an IPv4 route
 * @nl:		state
 * @add:	add (true) or delete
 * @table:	routing table
 * @dst:	destination, host order
 * @plen:	prefix length
 * @oif:	output interface (0 for a blackhole)
 * @blackhole:	a blackhole route
 * @metric:	priority (metric)
 *
 * Return: 0, -EEXIST, -ESRCH, -errno
 */
int nl_route(struct nl *nl, bool add, uint32_t table, uint32_t dst,
	     unsigned plen, unsigned oif, bool blackhole, uint32_t metric)
{
	struct nlmsghdr *nlh = change_start(nl, add, RTM_NEWROUTE, RTM_DELROUTE,
					    NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = blackhole ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = blackhole ? RTN_BLACKHOLE : RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (plen)
		mnl_attr_put_u32(nlh, RTA_DST, htonl(dst));
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_rule() - add or delete a policy rule "from SRC/PLEN iif IIF lookup
 * TABLE" at a priority
 * @nl:		state
 * @add:	add (true) or delete
 * @prio:	rule priority
 * @src:	source prefix, host order
 * @plen:	its length
 * @iif:	input interface name
 * @table:	table to look up
 *
 * Return: 0, -EEXIST, -ENOENT, -errno
 */
int nl_rule(struct nl *nl, bool add, uint32_t prio, uint32_t src,
	    unsigned plen, const char *iif, uint32_t table)
{
	struct nlmsghdr *nlh = change_start(nl, add, RTM_NEWRULE, RTM_DELRULE,
					    NLM_F_EXCL);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh,
							      sizeof(*frh));

	frh->family = AF_INET;
	frh->src_len = (uint8_t)plen;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	if (plen)
		mnl_attr_put_u32(nlh, FRA_SRC, htonl(src));
	if (iif)
		mnl_attr_put_strz(nlh, FRA_IIFNAME, iif);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_rule_change() - add or delete a policy rule by destination and input
 * interface (hostnat's fail-closed rules)
 * @nl:		state
 * @add:	add (true) or delete
 * @r:		the rule
 *
 * Return: 0, -EEXIST (already there), -ENOENT, -errno
 */
int nl_rule_change(struct nl *nl, bool add, const struct nl_rule *r)
{
	struct nlmsghdr *nlh = change_start(nl, add, RTM_NEWRULE, RTM_DELRULE,
					    NLM_F_EXCL);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh,
							      sizeof(*frh));

	frh->family = AF_INET;
	frh->dst_len = r->dplen;
	frh->action = r->blackhole ? FR_ACT_BLACKHOLE : FR_ACT_TO_TBL;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->prio);
	if (!r->blackhole)
		mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->dplen)
		mnl_attr_put_u32(nlh, FRA_DST, htonl(r->dst));
	if (r->iif[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, r->iif);
	return talk(nl, nlh, NULL, NULL);
}

/**
 * nl_neigh_proxy() - add or delete a proxy ARP entry
 * @nl:		state
 * @add:	add (true) or delete
 * @ifindex:	interface that answers
 * @addr:	address answered for, host order
 *
 * Return: 0, -errno
 */
int nl_neigh_proxy(struct nl *nl, bool add, unsigned ifindex, uint32_t addr)
{
	struct nlmsghdr *nlh = change_start(nl, add, RTM_NEWNEIGH, RTM_DELNEIGH,
					    NLM_F_REPLACE);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = (int)ifindex;
	nd->ndm_flags = NTF_PROXY;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put_u32(nlh, NDA_DST, htonl(addr));
	return talk(nl, nlh, NULL, NULL);
}

struct dump_ctx {
	nl_dump_fn fn;
	void *ctx;
	int type;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= NL_ATTR_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* one address, route or rule of a dump as a struct nl_obj for the caller */
static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	const struct nlattr *tb[NL_ATTR_MAX + 1] = { 0 };
	struct nl_obj o;

	memset(&o, 0, sizeof(o));
	if (nlh->nlmsg_type == RTM_NEWADDR) {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

		if (ifa->ifa_family != AF_INET)
			return MNL_CB_OK;
		mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb);
		o.ifindex = ifa->ifa_index;
		o.plen = ifa->ifa_prefixlen;
		if (tb[IFA_LOCAL])
			o.addr = ntohl(mnl_attr_get_u32(tb[IFA_LOCAL]));
		else if (tb[IFA_ADDRESS])
			o.addr = ntohl(mnl_attr_get_u32(tb[IFA_ADDRESS]));
	} else if (nlh->nlmsg_type == RTM_NEWROUTE) {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		if (rtm->rtm_family != AF_INET)
			return MNL_CB_OK;
		mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
		o.plen = rtm->rtm_dst_len;
		o.type = rtm->rtm_type;
		o.table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE])
					: rtm->rtm_table;
		if (tb[RTA_DST])
			o.addr = ntohl(mnl_attr_get_u32(tb[RTA_DST]));
		if (tb[RTA_OIF])
			o.ifindex = mnl_attr_get_u32(tb[RTA_OIF]);
		if (tb[RTA_GATEWAY])
			o.gateway = ntohl(mnl_attr_get_u32(tb[RTA_GATEWAY]));
		if (tb[RTA_PRIORITY])
			o.metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
		if (tb[RTA_PREFSRC])
			o.prefsrc = ntohl(mnl_attr_get_u32(tb[RTA_PREFSRC]));
	} else if (nlh->nlmsg_type == RTM_NEWRULE) {
		const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);

		if (frh->family != AF_INET)
			return MNL_CB_OK;
		mnl_attr_parse(nlh, sizeof(*frh), attr_cb, tb);
		o.plen = frh->src_len;
		o.dplen = frh->dst_len;
		o.action = frh->action;
		o.table = tb[FRA_TABLE] ? mnl_attr_get_u32(tb[FRA_TABLE])
					: frh->table;
		if (tb[FRA_SRC])
			o.addr = ntohl(mnl_attr_get_u32(tb[FRA_SRC]));
		if (tb[FRA_DST])
			o.dst = ntohl(mnl_attr_get_u32(tb[FRA_DST]));
		if (tb[FRA_PRIORITY])
			o.metric = mnl_attr_get_u32(tb[FRA_PRIORITY]);
		if (tb[FRA_IIFNAME])
			strncpy(o.iif, mnl_attr_get_str(tb[FRA_IIFNAME]),
				sizeof(o.iif) - 1);
	} else {
		return MNL_CB_OK;
	}
	d->fn(&o, d->ctx); /* never stop early: the rest must be read */
	return MNL_CB_OK;
}

struct peer_ctx {
	bool veth;	/* IFLA_INFO_KIND "veth" */
	bool other_ns;	/* IFLA_LINK_NETNSID: the peer is in another namespace */
	unsigned master;	/* IFLA_MASTER */
};

static int link_info_cb(const struct nlattr *a, void *data)
{
	struct peer_ctx *p = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
	    !mnl_attr_validate(a, MNL_TYPE_STRING) &&
	    !strcmp(mnl_attr_get_str(a), "veth"))
		p->veth = true;
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct peer_ctx *p = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_LINKINFO:
		if (!mnl_attr_validate(a, MNL_TYPE_NESTED))
			mnl_attr_parse_nested(a, link_info_cb, p);
		break;
	case IFLA_LINK_NETNSID:
		p->other_ns = true;
		break;
	case IFLA_MASTER:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			p->master = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/**
 * nl_dump() - dump IPv4 addresses, routes (all tables) or rules
 * @nl:		state
 * @type:	RTM_GETADDR, RTM_GETROUTE or RTM_GETRULE
 * @fn:		called per object
 * @ctx:	passed to @fn
 *
 * Return: 0, -errno
 */
int nl_dump(struct nl *nl, int type, nl_dump_fn fn, void *ctx)
{
	struct nlmsghdr *nlh = msg_start(nl, (uint16_t)type, NLM_F_DUMP);
	struct dump_ctx d = { fn, ctx, type };
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->rtgen_family = AF_INET;
	if (type == RTM_GETROUTE) {
		/* rtmsg is larger than rtgenmsg; the kernel wants it */
		struct rtmsg *rtm;

		nlh = msg_start(nl, (uint16_t)type, NLM_F_DUMP);
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_INET;
	} else if (type == RTM_GETRULE) {
		struct fib_rule_hdr *frh;

		nlh = msg_start(nl, (uint16_t)type, NLM_F_DUMP);
		frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
		frh->family = AF_INET;
	} else if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa;

		nlh = msg_start(nl, (uint16_t)type, NLM_F_DUMP);
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
	}
	return talk(nl, nlh, dump_cb, &d);
}

struct link_dump_ctx {
	nl_link_fn fn;
	void *ctx;
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct link_dump_ctx *d = data;
	const struct ifinfomsg *ifi;
	struct peer_ctx p = { 0 };
	struct nl_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, &p);
	l.ifindex = (unsigned)ifi->ifi_index;
	l.master = p.master;
	l.peer_netns = p.veth && p.other_ns;
	d->fn(&l, d->ctx); /* never stop early: the rest must be read */
	return MNL_CB_OK;
}

/**
 * nl_link_dump() - every link of the namespace, or those of one master, in
 * one dump (one request however many there are)
 * @nl:		state
 * @master:	only the links enslaved to this one (the kernel filters),
 *		0 for all
 * @fn:		called per link
 * @ctx:	passed to @fn
 *
 * Return: 0, -errno
 */
int nl_link_dump(struct nl *nl, unsigned master, nl_link_fn fn, void *ctx)
{
	struct nlmsghdr *nlh = msg_start(nl, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct link_dump_ctx d = { fn, ctx };

	ifi->ifi_family = AF_UNSPEC;
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	return talk(nl, nlh, link_dump_cb, &d);
}
