/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tun.c: the daemon's TUN devices
 *
 * Theory of operation
 * -------------------
 * A TUN device (layer 3, no packet information header) with IFF_VNET_HDR:
 * every packet read or written is preceded by a struct virtio_net_hdr that
 * carries the offload metadata: "needs checksum" (the transport checksum
 * field holds only the pseudo-header sum) and GSO (one super-packet of up
 * to 64 KiB stands for many segments). TUNSETOFFLOAD tells the kernel we
 * take those, so bulk TCP arrives as super-packets and the engine
 * translates each once; written back with the same header, the kernel (or
 * the next device) segments them. The device is not persistent while a
 * daemon runs: it disappears with a daemon that dies, and with it the
 * routes through it. A clean stop makes it persistent (tun_persist())
 * so that the programs that name it (the fast path's route lookups
 * start from it) go on working until the next daemon opens it again,
 * by the same name, and makes it non-persistent. Without a reader, a
 * persistent TUN device drops what it is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tun.h"

/**
 * tun_open() - create a TUN device with virtio-net headers and offloads
 * @name:	interface name
 * @ifindex:	its index
 *
 * Return: file descriptor (non-blocking), or -errno
 */
int tun_open(const char *name, unsigned *ifindex)
{
	struct ifreq ifr;
	int fd, hlen = TUN_VNET_HLEN, ret;
	unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hlen) < 0)
		goto fail;
#ifdef TUN_F_USO4
	if (ioctl(fd, TUNSETOFFLOAD, off | TUN_F_USO4 | TUN_F_USO6) < 0 &&
	    ioctl(fd, TUNSETOFFLOAD, off) < 0)
		goto fail;
#else
	if (ioctl(fd, TUNSETOFFLOAD, off) < 0)
		goto fail;
#endif
	*ifindex = if_nametoindex(ifr.ifr_name);
	if (!*ifindex)
		goto fail;
	/* frames redirected in by the bridge program are checked against
	 * this MTU with their link header; the next hop's MTU is checked
	 * on the way out (the TUN program), not here */
	ret = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ret >= 0) {
		ifr.ifr_mtu = TUN_MTU;
		if (ioctl(ret, SIOCSIFMTU, &ifr) < 0) {
			close(ret);
			goto fail;
		}
		close(ret);
	}
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/**
 * tun_read() - read one packet with its virtio-net header
 * @fd:		device
 * @buf:	where to put header and packet
 * @size:	room in @buf
 *
 * Return: bytes read (header included), 0 when nothing is pending, -errno
 */
int tun_read(int fd, uint8_t *buf, uint32_t size)
{
	ssize_t n = read(fd, buf, size);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	return (int)n;
}

/**
 * tun_write() - write one packet with a virtio-net header
 * @fd:		device
 * @vnet:	the header (TUN_VNET_HLEN bytes)
 * @pkt:	IPv4 packet
 * @len:	its length
 *
 * Return: 0, -errno
 */
int tun_write(int fd, const uint8_t *vnet, const uint8_t *pkt, uint32_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)vnet, .iov_len = TUN_VNET_HLEN },
		{ .iov_base = (void *)pkt, .iov_len = len },
	};

	return writev(fd, iov, 2) < 0 ? -errno : 0;
}

/**
 * tun_persist() - whether the device outlives its last file descriptor
 * @fd:		the device's descriptor
 * @on:		true: it stays (a clean stop); false: it goes with @fd
 *
 * Return: 0, -errno
 */
int tun_persist(int fd, bool on)
{
	return ioctl(fd, TUNSETPERSIST, on ? 1UL : 0UL) < 0 ? -errno : 0;
}
