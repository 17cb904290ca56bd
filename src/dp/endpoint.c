/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - endpoint.c: container endpoints, veth pairs into namespaces
 *
 * Theory of operation
 * -------------------
 * dp_endpoint_add() attaches a network namespace to a network's bridge:
 *  1. the namespace is opened: a name under /run/netns (ip netns), or a
 *     path such as /proc/PID/ns/net;
 *  2. a veth pair is created whose peer is born inside that namespace
 *     under its final name (IFLA_NET_NS_FD in the peer's attributes, so no
 *     move and no rename are needed, and nothing of the peer ever appears
 *     in the host's namespace), with the MAC address asked for;
 *  3. the host side is attached to the bridge (IFLA_MASTER) and set up;
 *  4. inside the namespace, lo and the interface are set up, the address
 *     and prefix length are added and a default route via the gateway.
 * Steps 1 and 4 need privileges the daemon gives up after its start-up
 * (CAP_SYS_PTRACE to open another process's namespace, CAP_SYS_ADMIN for
 * setns()): nsexec.c does them, in the namespace helper hostnatd starts
 * before the drop. Step 4 runs in a forked child that setns()es into the
 * namespace and talks rtnetlink there, then exits: neither the daemon's
 * namespace nor the helper's ever changes, and the child changes nothing
 * but that namespace's interfaces, address and route. A failure at any
 * step deletes the pair again (the peer goes with it), so an endpoint is
 * made whole or not at all.
 *
 * dp_endpoint_del() deletes the host side; the kernel deletes the peer,
 * and with it the address and route inside the namespace.
 *
 * dp_endpoint_state() says whether an endpoint works from the host's side:
 * its host veth exists, its master is the network's bridge (sysfs
 * "master" link, looked at only once the name exists in this namespace)
 * and it is up (IFF_UP). A bridge deleted and made again (by hostnat's
 * restart, or by hand) leaves the veth without master:
 * dp_endpoint_reattach() puts it back on the bridge and sets it up.
 */
#include <errno.h>
#include <net/if.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp.h"
#include "nl.h"
#include "nsexec.h"

/**
 * dp_endpoint_add() - create a container endpoint: veth pair, peer in the
 * namespace with address and default route, host side on the bridge
 * @dp:		datapath (unused: endpoints keep no datapath state)
 * @ep:		the endpoint
 * @err:	message on failure, naming the value and what to do
 * @errlen:	room at @err
 *
 * Return: 0, -ENOENT (no such namespace), -ENODEV (no bridge), -EEXIST
 * (an interface name taken), -errno; on failure nothing is left behind
 */
int dp_endpoint_add(struct dp *dp, const struct dp_endpoint *ep, char *err,
		    size_t errlen)
{
	const char *step = NULL;
	unsigned br, host;
	struct nl nl;
	int nsfd, ret;

	(void)dp;
	ret = nsexec_open(ep->netns, &nsfd);
	if (ret) {
		snprintf(err, errlen, "network namespace '%s' cannot be opened: "
			 "%s; create it (ip netns add NAME) or give a path such "
			 "as /proc/PID/ns/net", ep->netns, strerror(-ret));
		return ret;
	}
	ret = nl_open(&nl);
	if (ret) {
		snprintf(err, errlen, "cannot open rtnetlink: %s",
			 strerror(-ret));
		goto out_ns;
	}
	br = if_nametoindex(ep->bridge);
	if (!br) {
		ret = -ENODEV;
		snprintf(err, errlen, "bridge %s does not exist; is hostnatd's "
			 "network up?", ep->bridge);
		goto out;
	}
	ret = nl_link_add_veth(&nl, ep->host_if, ep->ifname, nsfd,
			       ep->has_mac ? ep->mac : NULL);
	if (ret) {
		snprintf(err, errlen, "cannot create veth pair %s / %s in '%s': "
			 "%s%s", ep->host_if, ep->ifname, ep->netns,
			 strerror(-ret), ret == -EEXIST ? "; the namespace has "
			 "that interface already, give another --ifname" : "");
		goto out;
	}
	host = if_nametoindex(ep->host_if);
	ret = host ? nl_link_master_up(&nl, host, br) : -ENODEV;
	if (ret) {
		snprintf(err, errlen, "cannot attach %s to bridge %s: %s",
			 ep->host_if, ep->bridge, strerror(-ret));
		goto undo;
	}
	ret = nsexec_configure(nsfd, ep, &step);
	if (ret) {
		snprintf(err, errlen, "in network namespace '%s': cannot %s "
			 "of %s: %s", ep->netns, step, ep->ifname,
			 strerror(-ret));
		goto undo;
	}
	goto out;
undo:
	if (host)
		nl_link_del(&nl, host);
out:
	nl_close(&nl);
out_ns:
	close(nsfd);
	return ret;
}

/**
 * dp_endpoint_del() - delete a container endpoint (its veth pair)
 * @dp:		datapath (unused)
 * @host_if:	the host side
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENODEV if it was gone already, -errno
 */
int dp_endpoint_del(struct dp *dp, const char *host_if, char *err,
		    size_t errlen)
{
	unsigned idx = if_nametoindex(host_if);
	struct nl nl;
	int ret;

	(void)dp;
	if (!idx)
		return -ENODEV;
	ret = nl_open(&nl);
	if (!ret) {
		ret = nl_link_del(&nl, idx);
		nl_close(&nl);
	}
	if (ret && ret != -ENODEV)
		snprintf(err, errlen, "cannot delete interface %s: %s",
			 host_if, strerror(-ret));
	return ret;
}

/**
 * dp_endpoint_present() - whether an endpoint's host side exists
 * @dp:		datapath (unused)
 * @host_if:	the host side
 *
 * Return: true if the interface exists
 */
bool dp_endpoint_present(struct dp *dp, const char *host_if)
{
	(void)dp;
	return if_nametoindex(host_if) != 0;
}

/* the interface's master (bridge) in *out, "" if none; 0 or -errno */
static int link_master(const char *ifname, char out[DP_IFNAMSIZ])
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", ifname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(out, DP_IFNAMSIZ, "%.*s", DP_IFNAMSIZ - 1,
		 base ? base + 1 : target);
	return 0;
}

static int link_is_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr) ? -errno :
					      !!(ifr.ifr_flags & IFF_UP);
	close(fd);
	return ret;
}

/**
 * dp_endpoint_state() - whether an endpoint's host side is in working
 * order: it exists, is attached to @bridge and is up
 * @dp:		datapath (unused)
 * @host_if:	the host side
 * @bridge:	the network's bridge
 *
 * Return: 0 (present), -ENODEV (no such interface), -ENOTCONN (not
 * attached to @bridge), -ENETDOWN (down), -errno (cannot tell)
 */
int dp_endpoint_state(struct dp *dp, const char *host_if, const char *bridge)
{
	char master[DP_IFNAMSIZ];
	int ret;

	(void)dp;
	if (!if_nametoindex(host_if))
		return -ENODEV;
	ret = link_master(host_if, master);
	if (ret)
		return ret;
	if (strcmp(master, bridge))
		return -ENOTCONN;
	ret = link_is_up(host_if);
	if (ret < 0)
		return ret == -ENODEV ? -ENODEV : ret;
	return ret ? 0 : -ENETDOWN;
}

/**
 * dp_endpoint_reattach() - put an endpoint's host side back on its bridge
 * and set it up
 * @dp:		datapath (unused)
 * @host_if:	the host side
 * @bridge:	the network's bridge
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -ENODEV (interface or bridge missing), -errno
 */
int dp_endpoint_reattach(struct dp *dp, const char *host_if,
			 const char *bridge, char *err, size_t errlen)
{
	unsigned idx = if_nametoindex(host_if), br = if_nametoindex(bridge);
	struct nl nl;
	int ret;

	(void)dp;
	if (!idx || !br) {
		snprintf(err, errlen, "cannot attach %s to bridge %s: %s does "
			 "not exist", host_if, bridge, idx ? bridge : host_if);
		return -ENODEV;
	}
	ret = nl_open(&nl);
	if (!ret) {
		ret = nl_link_master_up(&nl, idx, br);
		nl_close(&nl);
	}
	if (ret)
		snprintf(err, errlen, "cannot attach %s to bridge %s: %s",
			 host_if, bridge, strerror(-ret));
	return ret;
}
