/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dhcpd.c: the DHCP servers of the networks, on their bridges
 *
 * Theory of operation
 * -------------------
 * Every network whose "dhcp" setting is on and which has an address pool
 * (pool.c) gets a DHCP server (src/svc/dhcp.c) and one packet socket
 * (AF_PACKET, SOCK_DGRAM, ETH_P_IP) bound to the network's bridge. A
 * packet socket sees frames as they arrive, before netfilter: a host whose
 * firewall drops input by default (ufw, an nft input chain with policy
 * drop) still lets the clients' requests reach the server, and the replies
 * leave without passing the output chain either. A classic BPF filter on
 * the socket lets only unfragmented IPv4 UDP to port 67, addressed to the
 * bridge or broadcast, wake the daemon; PACKET_IGNORE_OUTGOING keeps the
 * server's own replies out. The sockets and a timerfd sit in the control
 * layer's own epoll instance, so the daemon's loop needs no change:
 * ctl_run() hands their events here.
 *
 * A datagram is read (at most DHCPD_BURST per event, so that packets are
 * not starved) and given to dhcp_handle_ip(), which checks its IPv4 and
 * UDP headers as the kernel would have (the filter is only a sieve),
 * answers it with dhcp_handle() and frames the reply from the gateway,
 * port 67. The reply goes out of the same socket to the Ethernet address
 * reply->dest names, RFC 2131 section 4.1: a NAK or a request with the
 * broadcast flag and no ciaddr to ff:ff:ff:ff:ff:ff and 255.255.255.255,
 * a request with ciaddr to ciaddr at chaddr, any other to yiaddr at chaddr
 * (no ARP: the client has no address yet), a relayed one to giaddr at the
 * relay's MAC; the kernel puts the bridge's MAC as the source. Malformed
 * and hostile datagrams are dropped and counted by the server
 * (dhcp_server_stats()), shown by "hostnat stats"; no message is logged
 * per packet.
 *
 * dhcpd_sync() runs after every command and at start: it makes the
 * servers match the configuration (created, recreated when the bridge,
 * gateway, lease time or pool changed, closed when DHCP is turned off or
 * the network is gone). A socket that cannot be opened (the bridge not yet
 * there) is logged once and retried every tick; a socket whose bridge went
 * away or was made again under the same name (another ifindex) is closed
 * at the next tick, or at once when the socket reports the error, and
 * opened again on the bridge of that name. No port is bound, so another
 * DHCP server of the host does not stop this one: both would hear the
 * bridge, and hostnatd warns about it when its socket opens.
 *
 * The timer ticks every DHCPD_TICK seconds: leases past their time expire
 * (ipam_expire()), and pools changed by DHCP since the last tick are
 * written to their files (pool_save()); dhcpd_close() writes what is left.
 *
 * The server options: router and server identifier are the gateway; DNS
 * servers (and the domain, option 15: "domain" or the first "search" entry)
 * are the host's, from /etc/resolv.conf, without the
 * loopback stubs (127.0.0.0/8, unreachable from an endpoint); when only
 * stubs are there, /run/systemd/resolve/resolv.conf (systemd-resolved's
 * upstream servers) is read instead; else no DNS option.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "cmd.h"
#include "dhcp.h"
#include "dhcpd.h"
#include "log.h"
#include "pool.h"

#define DHCPD_BURST 64		/* datagrams read per event */
#define RESOLV_CONF "/etc/resolv.conf"
#define RESOLV_UPSTREAM "/run/systemd/resolve/resolv.conf"

/**
 * struct dhcpd_net - the DHCP server of one network
 * @slot:	its network's slot (the epoll tag points here)
 * @srv:	server, NULL when off
 * @pool:	the pool it serves (to notice a replaced pool)
 * @fd:		packet socket on the bridge, -1 if not open
 * @ifindex:	the bridge's interface index when @fd was opened
 * @bridge:	bridge it is bound to
 * @gateway:	server address
 * @lease_time:	s
 * @last_err:	errno of the last failed socket opening, logged once
 * @refused:	the server could not be made with the configuration above
 *		(logged once; tried again when it changes)
 * @dirty:	pool changed since the last save
 */
struct dhcpd_net {
	unsigned slot;
	struct dhcp_server *srv;
	struct ipam *pool;
	int fd;
	int ifindex;
	char bridge[DP_IFNAMSIZ];
	uint32_t gateway;
	uint32_t lease_time;
	int last_err;
	bool refused;
	bool dirty;
};

/**
 * struct dhcpd - the DHCP servers of the control layer
 * @x:		commands' context: configuration and pools
 * @epfd:	the control layer's epoll instance
 * @tfd:	timerfd, DHCPD_TICK
 * @net:	per network slot
 * @rx:		receive buffer, one IPv4 datagram of any length
 */
struct dhcpd {
	struct cmd_ctx *x;
	int epfd;
	int tfd;
	struct dhcpd_net net[DP_MAX_NETS];
	uint8_t rx[DHCP_DGRAM_MAX];
};

/*
 * The socket filter: with SOCK_DGRAM, offset 0 is the IPv4 header. It keeps
 * frames to this host or broadcast (not those a promiscuous bridge sees for
 * others, nor outgoing ones), IPv4, UDP, no fragment, destination port 67.
 */
static struct sock_filter dhcp_bpf[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, PACKET_BROADCAST, 10, 0),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 7),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 5),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 3, 0), /* MF, offset */
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),		/* X = header length */
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),		/* UDP destination */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_SERVER_PORT, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, 0),			/* not ours */
	BPF_STMT(BPF_RET | BPF_K, DHCP_DGRAM_MAX),	/* all of it */
};

/* the nameservers of @path that are not loopback; *stubs counts those */
static unsigned resolv_read(const char *path, uint32_t *dns, unsigned max,
			    unsigned *stubs)
{
	char line[256], word[64];
	unsigned n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		struct in_addr a;

		if (sscanf(line, " nameserver %63s", word) != 1 ||
		    inet_pton(AF_INET, word, &a) != 1)
			continue;
		if ((ntohl(a.s_addr) >> 24) == 127) {
			(*stubs)++;
			continue;
		}
		dns[n++] = ntohl(a.s_addr);
	}
	fclose(f);
	return n;
}

/* the host's DNS domain (option 15): resolv.conf's "domain", else the
 * first "search" entry, if it is a plain host name */
static void resolv_domain(char *out, size_t len)
{
	char line[512], word[256];
	FILE *f = fopen(RESOLV_CONF, "re");
	size_t i;

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		bool dom = sscanf(line, " domain %255s", word) == 1;

		if (!dom && (out[0] || sscanf(line, " search %255s", word) != 1))
			continue;
		for (i = 0; word[i]; i++)
			if (!isalnum((unsigned char)word[i]) &&
			    word[i] != '-' && word[i] != '.')
				break;
		if (word[i] || i >= len)
			continue;
		memcpy(out, word, i + 1);
		if (dom)
			break;
	}
	fclose(f);
}

static unsigned resolvers(uint32_t *dns, unsigned max)
{
	unsigned stubs = 0, n = resolv_read(RESOLV_CONF, dns, max, &stubs);

	if (!n && stubs)
		n = resolv_read(RESOLV_UPSTREAM, dns, max, &stubs);
	return n;
}

/**
 * dhcpd_resolvers() - the DNS servers and domain a DHCP server hands out
 * (the host's, read now), for endpoints that are not DHCP clients
 * @dns:	filled with up to @max addresses, host order
 * @max:	room at @dns
 * @domain:	the domain, "" if none
 * @len:	room at @domain
 *
 * Return: the number of servers
 */
unsigned dhcpd_resolvers(uint32_t *dns, unsigned max, char *domain,
			 size_t len)
{
	resolv_domain(domain, len);
	return resolvers(dns, max);
}

static void sock_close(struct dhcpd_net *dn)
{
	if (dn->fd >= 0)
		close(dn->fd);	/* also leaves the epoll set */
	dn->fd = -1;
	dn->ifindex = 0;
}

static void net_stop(struct dhcpd *d, struct dhcpd_net *dn)
{
	sock_close(dn);
	dhcp_server_destroy(dn->srv);
	dn->srv = NULL;
	dn->pool = NULL;
	dn->refused = false;
	(void)d;
}

static int sock_open(struct dhcpd *d, struct dhcpd_net *dn)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(dhcp_bpf) / sizeof(dhcp_bpf[0])),
		.filter = dhcp_bpf,
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = dn };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
	};
	unsigned ifindex = if_nametoindex(dn->bridge);
	int fd, one = 1, ret;

	if (!ifindex)
		return -errno;
	sll.sll_ifindex = (int)ifindex;
	/* protocol 0: no frame is queued before the filter is on and the
	 * socket bound to the bridge */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		goto fail;
	/* Linux 4.20; before, the filter's packet type test does it */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			 sizeof(one));
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		goto fail;
	dn->fd = fd;
	dn->ifindex = (int)ifindex;
	return 0;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/* another DHCP server of the host would answer on the bridge too */
static void other_server_check(struct dhcpd *d, struct dhcpd_net *dn)
{
	const struct model_net *n = &d->x->cur.net[dn->slot];

	if (dp_port_in_use(d->x->dp, NAT_UDP, 0, DHCP_SERVER_PORT) == 1)
		log_msg(LOG_WARNING, "network '%s': a socket of the host is "
			"bound to UDP port %d: if it is a DHCP server that "
			"hears %s, clients get two answers; stop it there or "
			"turn DHCP off with 'hostnat network set %s dhcp off'",
			n->cfg.name, DHCP_SERVER_PORT, dn->bridge, n->cfg.name);
}

/* open the socket if it is not; log a failure once per cause */
static void sock_try(struct dhcpd *d, struct dhcpd_net *dn)
{
	const struct model_net *n = &d->x->cur.net[dn->slot];
	int ret;

	if (dn->fd >= 0 || !dn->srv)
		return;
	ret = sock_open(d, dn);
	if (!ret) {
		if (dn->last_err)
			log_msg(LOG_NOTICE, "network '%s': DHCP server on %s "
				"is up", n->cfg.name, dn->bridge);
		dn->last_err = 0;
		other_server_check(d, dn);
		return;
	}
	if (ret != dn->last_err)
		log_msg(LOG_WARNING, "network '%s': cannot serve DHCP on %s: "
			"%s; retrying every second", n->cfg.name, dn->bridge,
			strerror(-ret));
	dn->last_err = ret;
}

/* close the socket if its bridge is gone or another device has its name:
 * sock_try() opens it again on the bridge of that name */
static void sock_check(struct dhcpd *d, struct dhcpd_net *dn)
{
	const struct model_net *n = &d->x->cur.net[dn->slot];

	if (dn->fd < 0 || (int)if_nametoindex(dn->bridge) == dn->ifindex)
		return;
	sock_close(dn);
	log_msg(LOG_NOTICE, "network '%s': bridge %s is gone or was made "
		"again; DHCP server waiting for it", n->cfg.name, dn->bridge);
	dn->last_err = -ENODEV;
}

static int net_start(struct dhcpd *d, struct dhcpd_net *dn)
{
	const struct model_net *n = &d->x->cur.net[dn->slot];
	struct dhcp_config cfg = { 0 };
	int ret;

	dn->pool = d->x->pool[dn->slot];
	snprintf(dn->bridge, sizeof(dn->bridge), "%s", n->bridge);
	dn->gateway = n->cfg.gateway;
	dn->lease_time = n->svc.dhcp_lease_time;
	dn->last_err = 0;
	cfg.server_id = n->cfg.gateway;
	cfg.lease_time = n->svc.dhcp_lease_time;
	cfg.n_dns = resolvers(cfg.dns, DHCP_DNS_MAX);
	resolv_domain(cfg.domain, sizeof(cfg.domain));
	ret = dhcp_server_create(&dn->srv, &cfg, dn->pool);
	if (ret) {
		log_msg(LOG_WARNING, "network '%s': no DHCP server: %s%s",
			n->cfg.name, strerror(-ret), ret == -EINVAL ?
			" (the gateway is outside the first prefix, which the "
			"pool covers; make it the gateway or turn DHCP off)" :
			"");
		dn->srv = NULL;
		dn->refused = true;
		return ret;
	}
	sock_try(d, dn);
	return 0;
}

/**
 * dhcpd_sync() - make the DHCP servers match the configuration in force:
 * start, restart or stop them
 * @d:		DHCP servers
 */
void dhcpd_sync(struct dhcpd *d)
{
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &d->x->cur.net[i];
		struct dhcpd_net *dn = &d->net[i];
		bool want = n->used && n->svc.dhcp && d->x->pool[i];

		if (n->used && d->x->pool[i])
			ipam_set_max_per_mac(d->x->pool[i],
					     n->svc.dhcp_client_limit);

		if ((dn->srv || dn->refused) &&
		    (!want || dn->pool != d->x->pool[i] ||
		     strcmp(dn->bridge, n->bridge) ||
		     dn->gateway != n->cfg.gateway ||
		     dn->lease_time != n->svc.dhcp_lease_time)) {
			if (dn->dirty && dn->pool == d->x->pool[i])
				dhcpd_flush(d);
			net_stop(d, dn);
			dn->dirty = false;
		}
		if (want && !dn->srv && !dn->refused)
			net_start(d, dn);
	}
}

/**
 * dhcpd_open() - set up the DHCP servers' timer (servers: dhcpd_sync())
 * @out:	the new DHCP servers
 * @x:		commands' context
 * @epfd:	epoll instance to register sockets and timer in
 *
 * Return: 0, -errno
 */
int dhcpd_open(struct dhcpd **out, struct cmd_ctx *x, int epfd)
{
	struct itimerspec its = {
		.it_interval.tv_sec = DHCPD_TICK,
		.it_value.tv_sec = DHCPD_TICK,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	struct dhcpd *d = calloc(1, sizeof(*d));
	unsigned i;
	int ret;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->x = x;
	d->epfd = epfd;
	for (i = 0; i < DP_MAX_NETS; i++) {
		d->net[i].slot = i;
		d->net[i].fd = -1;
	}
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->tfd < 0) {
		ret = -errno;
		free(d);
		return ret;
	}
	ev.data.ptr = &d->tfd;
	if (timerfd_settime(d->tfd, 0, &its, NULL) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, d->tfd, &ev)) {
		ret = -errno;
		close(d->tfd);
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

/**
 * dhcpd_flush() - write every pool changed by DHCP to its file
 * @d:		DHCP servers
 */
void dhcpd_flush(struct dhcpd *d)
{
	char err[CTL_ERR_MAX];
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++) {
		struct dhcpd_net *dn = &d->net[i];
		const struct model_net *n = &d->x->cur.net[i];

		if (!dn->dirty || !dn->pool || dn->pool != d->x->pool[i])
			continue;
		if (pool_save(dn->pool, d->x->state_dir, n->cfg.name, err,
			      sizeof(err)))
			log_msg(LOG_WARNING, "network '%s': %s", n->cfg.name,
				err);
		else
			dn->dirty = false;
	}
}

/**
 * dhcpd_dirty() - note that a network's pool changed (saved at the next
 * tick)
 * @d:		DHCP servers
 * @slot:	network slot
 */
void dhcpd_dirty(struct dhcpd *d, unsigned slot)
{
	if (slot < DP_MAX_NETS)
		d->net[slot].dirty = true;
}

/**
 * dhcpd_close() - write changed pools, close sockets and timer
 * @d:		DHCP servers, or NULL
 */
void dhcpd_close(struct dhcpd *d)
{
	unsigned i;

	if (!d)
		return;
	dhcpd_flush(d);
	for (i = 0; i < DP_MAX_NETS; i++)
		net_stop(d, &d->net[i]);
	close(d->tfd);
	free(d);
}

static void tick(struct dhcpd *d)
{
	uint64_t n;
	unsigned i;

	if (read(d->tfd, &n, sizeof(n)) < 0)
		return;
	for (i = 0; i < DP_MAX_NETS; i++) {
		struct dhcpd_net *dn = &d->net[i];

		if (!dn->srv)
			continue;
		ipam_expire(dn->pool, pool_now());
		sock_check(d, dn);
		sock_try(d, dn);
	}
	cmd_bindings_changed(d->x);	/* expired leases */
	dhcpd_flush(d);
}

static void reply_send(struct dhcpd_net *dn, const uint8_t *buf,
		       const struct dhcp_reply *r)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = dn->ifindex,
		.sll_halen = ETH_ALEN,
	};

	memcpy(to.sll_addr, r->dest.mac, ETH_ALEN);
	if (sendto(dn->fd, buf, r->len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		log_msg(LOG_DEBUG, "DHCP reply on %s not sent: %s",
			dn->bridge, strerror(errno));
}

/* whether the kernel vouches for the UDP checksum of what recvmsg() read:
 * checked by the device, or left for offload by a sender on this host */
static bool csum_known(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET ||
		    c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		return aux.tp_status &
		       (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID);
	}
	return false;
}

/* the BOOTP message of a whole IPv4/UDP datagram, or NULL when shorter
 * than its fixed part (RFC 2131 figure 1: 236 bytes) */
static const uint8_t *bootp_of(const uint8_t *ip, size_t len)
{
	size_t off;

	if (len < 20)
		return NULL;
	off = (size_t)(ip[0] & 0x0f) * 4 + 8;
	return off + 236 <= len ? ip + off : NULL;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* monitors: an ACK binds yiaddr to chaddr; a RELEASE gives ciaddr back */
static void lease_events(struct dhcpd *d, struct dhcpd_net *dn,
			 const uint8_t *in, size_t inlen, uint64_t released,
			 const uint8_t *out, const struct dhcp_reply *r)
{
	const char *net = d->x->cur.net[dn->slot].cfg.name;
	const uint8_t *b;

	if (!d->x->monitors)
		return;
	if (r->type == DHCP_ACK && (b = bootp_of(out, r->len)) &&
	    be32_at(b + 16))
		ev_lease(d->x, net, true, be32_at(b + 16), b + 28);
	if (released && (b = bootp_of(in, inlen)))
		ev_lease(d->x, net, false, be32_at(b + 12), b + 28);
}

/* the packet socket of network @dn is readable: each datagram waiting to
 * dhcp_handle_ip(), its reply sent, its drops counted */
static void readable(struct dhcpd *d, struct dhcpd_net *dn)
{
	uint8_t out[DHCP_HDRS_LEN + DHCP_REPLY_MAX];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} cbuf;
	unsigned i;

	for (i = 0; i < DHCPD_BURST; i++) {
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = d->rx,
				     .iov_len = sizeof(d->rx) };
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf.b,
			.msg_controllen = sizeof(cbuf.b),
		};
		struct dhcp_reply r;
		ssize_t n = recvmsg(dn->fd, &mh, 0);
		uint64_t rel;

		if (n < 0) {
			/* ENETDOWN and the like: the bridge may be gone */
			if (errno != EAGAIN && errno != EINTR)
				sock_check(d, dn);
			return;
		}
		/* the filter keeps these out; a frame without an Ethernet
		 * source could not be answered at its relay's MAC */
		if (from.sll_pkttype > PACKET_BROADCAST ||
		    from.sll_halen != ETH_ALEN)
			continue;
		rel = dhcp_server_stats(dn->srv)->rx[DHCP_RELEASE];
		if (dhcp_handle_ip(dn->srv, d->rx, (size_t)n, from.sll_addr,
				   csum_known(&mh), pool_now(), out,
				   sizeof(out), &r))
			continue;
		lease_events(d, dn, d->rx, (size_t)n,
			     dhcp_server_stats(dn->srv)->rx[DHCP_RELEASE] - rel,
			     out, &r);
		if (r.drop == DHCP_DROP_NONE) {
			dn->dirty = true;
			/* the address is bound to its MAC before the client
			 * hears it is its own (source binding) */
			cmd_bindings_changed(d->x);
		}
		if (r.len)
			reply_send(dn, out, &r);
	}
}

/**
 * dhcpd_event() - handle an event of the control layer's epoll if it is a
 * DHCP socket's or the timer's
 * @d:		DHCP servers
 * @tag:	the event's data.ptr
 *
 * Return: true if the event was ours
 */
bool dhcpd_event(struct dhcpd *d, void *tag)
{
	struct dhcpd_net *dn = tag;

	if (tag == &d->tfd) {
		tick(d);
		return true;
	}
	if (dn < d->net || dn >= d->net + DP_MAX_NETS)
		return false;
	if (dn->fd >= 0 && dn->srv)
		readable(d, dn);
	return true;
}

static json_t *counts(const uint64_t *v, unsigned n,
		      const char *(*name)(unsigned), unsigned from)
{
	json_t *o = json_object();
	unsigned i;

	for (i = from; o && i < n; i++) {
		json_t *old;

		if (!v[i])
			continue;
		/* several types share the name "other": add them up */
		old = json_object_get(o, name(i));
		json_object_set_new(o, name(i), json_integer(
			(json_int_t)v[i] + (old ? json_integer_value(old) : 0)));
	}
	return o;
}

/**
 * dhcpd_json() - a network's DHCP counters as JSON
 * @d:		DHCP servers
 * @slot:	network slot
 *
 * Return: {"running", "received" {type: n}, "sent" {type: n}, "dropped",
 * "drops" {reason: n}, "malformed" {reason: n}, "pool" {"share" (leases
 * and quarantined addresses), "max_share", "offers_evicted",
 * "quarantines_ended", "admitted_retry"}}, JSON null when DHCP is off,
 * NULL if out of memory
 */
json_t *dhcpd_json(const struct dhcpd *d, unsigned slot)
{
	const struct dhcpd_net *dn = &d->net[slot];
	const struct dhcp_stats *st;
	struct ipam_stats ps;
	uint64_t dropped = 0;
	unsigned i;

	if (slot >= DP_MAX_NETS || !dn->srv)
		return json_null();
	st = dhcp_server_stats(dn->srv);
	ipam_stats(dn->pool, &ps);
	for (i = 1; i < DHCP_DROP_MAX; i++)
		dropped += st->drop[i];
	return json_pack("{s:b, s:o*, s:o*, s:I, s:o*, s:o*, "
			 "s:{s:I, s:I, s:I, s:I, s:I}}",
			 "running", dn->fd >= 0,
			 "received", counts(st->rx, DHCP_TYPE_MAX + 1,
					    dhcp_type_name, 0),
			 "sent", counts(st->tx, DHCP_TYPE_MAX + 1,
					dhcp_type_name, 1),
			 "dropped", (json_int_t)dropped,
			 "drops", counts(st->drop, DHCP_DROP_MAX,
					 dhcp_drop_name, 1),
			 "malformed", counts(st->bad, DHCP_ERR_MAX,
					     dhcp_err_name, 1),
			 "pool",
			 "share", (json_int_t)(ps.kind[IPAM_LEASE] +
					       ps.kind[IPAM_DECLINED]),
			 "max_share", (json_int_t)ps.max_leases,
			 "offers_evicted", (json_int_t)ps.offers_evicted,
			 "quarantines_ended",
			 (json_int_t)ps.quarantines_ended,
			 "admitted_retry", (json_int_t)ps.admitted_retry);
}
