/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - link.c: what kind of device an interface name is
 *
 * Theory of operation
 * -------------------
 * A network's bridge is given by name ("network add --bridge NAME") and
 * must be a Linux bridge, or a name that does not exist yet (hostnat then
 * creates the bridge). Anything else would have hostnat put the gateway
 * address, policy rules and the classifier on a device that is not a
 * network's L2 segment: an uplink, lo, a veth of a container, a TUN.
 *
 * dp_bridge_check() asks the kernel, in the daemon's network namespace:
 *  1. if_nametoindex(): the name does not exist -> fine (to be created);
 *  2. SIOCGIFFLAGS: IFF_LOOPBACK -> refused (the loopback device);
 *  3. /sys/class/net/NAME/bridge exists, or the ethtool driver
 *     (ETHTOOL_GDRVINFO) is "bridge" -> fine;
 *  4. otherwise refused, naming the driver when the kernel tells it
 *     ("veth", "tun", "dummy", ...).
 * sysfs is looked at only after the name is known to exist here, and the
 * driver query is an ioctl on a socket of this namespace, so a sysfs
 * mounted for another namespace cannot make a device look like a bridge.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp.h"

#define SYS_NET "/sys/class/net"

/* the device's driver name ("veth", "tun", "bridge"), "" if not told */
static void link_driver(int fd, const char *name, char *out, size_t len)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };

	out[0] = '\0';
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&di;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(out, len, "%.*s", (int)sizeof(di.driver), di.driver);
}

/**
 * dp_bridge_check() - whether a name may be a network's bridge: an
 * existing Linux bridge, or a name no device has
 * @dp:		datapath (unused: a query of the kernel only)
 * @name:	interface name
 * @err:	message on refusal, naming the device and why
 * @errlen:	room at @err
 *
 * Return: 0 (a bridge, or no such device), -EINVAL (a device that is not a
 * bridge), -ENODEV (the device cannot be looked at), -errno
 */
int dp_bridge_check(struct dp *dp, const char *name, char *err,
		    size_t errlen)
{
	char path[sizeof(SYS_NET) + DP_IFNAMSIZ + 16], drv[33];
	struct ifreq ifr = { 0 };
	struct stat st;
	int fd, ret;

	(void)dp;
	if (!if_nametoindex(name))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot look at device %s: %s", name,
			 strerror(-ret));
		return ret;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ret = errno == ENODEV ? 0 : -ENODEV;	/* gone meanwhile */
		if (ret)
			snprintf(err, errlen, "cannot look at device %s: %s",
				 name, strerror(errno));
		goto out;
	}
	if (ifr.ifr_flags & IFF_LOOPBACK) {
		snprintf(err, errlen, "device %s is the loopback device, not a "
			 "bridge; give a bridge or a new name for hostnat to "
			 "create", name);
		ret = -EINVAL;
		goto out;
	}
	link_driver(fd, name, drv, sizeof(drv));
	snprintf(path, sizeof(path), SYS_NET "/%s/bridge", name);
	if (!strcmp(drv, "bridge") || !stat(path, &st)) {
		ret = 0;
		goto out;
	}
	snprintf(err, errlen, "device %s exists and is not a bridge%s%s%s; "
		 "give a bridge or a new name for hostnat to create", name,
		 drv[0] ? " (it is a " : "", drv, drv[0] ? " device)" : "");
	ret = -EINVAL;
out:
	close(fd);
	return ret;
}
