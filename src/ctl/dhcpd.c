/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dhcpd.c: the DHCP servers of the networks, on their bridges
 *
 * Theory of operation
 * -------------------
 * Every network whose "dhcp" setting is on and which has an address pool
 * (pool.c) gets a DHCP server (src/svc/dhcp.c) and one UDP socket: bound
 * to 0.0.0.0:67, SO_BINDTODEVICE to the network's bridge (so that each
 * network's server hears its own bridge only, and several servers share
 * port 67), SO_BROADCAST for the replies to 255.255.255.255:68. The
 * sockets and a timerfd sit in the control layer's own epoll instance, so
 * the daemon's loop needs no change: ctl_run() hands their events here.
 *
 * A datagram is read (at most DHCPD_BURST per event, so that packets are
 * not starved), given to dhcp_handle(), and its reply sent where
 * reply->dest says: broadcast to 255.255.255.255 on the bridge, or unicast
 * to the client's address. A reply meant for the client's hardware address
 * without ARP (RFC 2131 section 4.1, client without an address and without
 * the broadcast flag) is broadcast instead, which every client accepts: a
 * UDP socket cannot address a MAC. Malformed and hostile messages are
 * dropped and counted by the server (dhcp_server_stats()), shown by
 * "hostnat stats"; no message is logged per packet.
 *
 * dhcpd_sync() runs after every command and at start: it makes the
 * servers match the configuration (created, recreated when the bridge,
 * gateway, lease time or pool changed, closed when DHCP is turned off or
 * the network is gone). A socket that cannot be opened (the bridge not yet
 * there, port 67 taken by another server of the host) is logged once and
 * retried every tick.
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
 * @fd:		UDP socket on port 67 of the bridge, -1 if not open
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
 */
struct dhcpd {
	struct cmd_ctx *x;
	int epfd;
	int tfd;
	struct dhcpd_net net[DP_MAX_NETS];
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

static void net_stop(struct dhcpd *d, struct dhcpd_net *dn)
{
	if (dn->fd >= 0)
		close(dn->fd);	/* also leaves the epoll set */
	dn->fd = -1;
	dhcp_server_destroy(dn->srv);
	dn->srv = NULL;
	dn->pool = NULL;
	dn->refused = false;
	(void)d;
}

static int sock_open(struct dhcpd *d, struct dhcpd_net *dn)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(DHCP_SERVER_PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = dn };
	int fd, one = 1, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dn->bridge,
		       (socklen_t)strlen(dn->bridge)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	dn->fd = fd;
	return 0;
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
		return;
	}
	if (ret != dn->last_err)
		log_msg(LOG_WARNING, "network '%s': cannot serve DHCP on %s "
			"port %d: %s; %s", n->cfg.name, dn->bridge,
			DHCP_SERVER_PORT, strerror(-ret),
			ret == -EADDRINUSE ? "another DHCP server of the host "
			"holds the port: stop it or turn DHCP off with "
			"'hostnat network set NAME dhcp off'" :
			"retrying every second");
	dn->last_err = ret;
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
		sock_try(d, dn);
	}
	dhcpd_flush(d);
}

static void reply_send(struct dhcpd_net *dn, const uint8_t *buf,
		       const struct dhcp_reply *r)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(r->dest.port),
		.sin_addr.s_addr = htonl(r->dest.addr),
	};

	/* no MAC addressing on a UDP socket: broadcast (RFC 2131 4.1) */
	if (r->dest.kind != DHCP_DEST_UNICAST)
		to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	if (sendto(dn->fd, buf, r->len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		log_msg(LOG_DEBUG, "DHCP reply on %s not sent: %s",
			dn->bridge, strerror(errno));
}

static void readable(struct dhcpd_net *dn)
{
	uint8_t in[DHCP_MSG_MAX + 1], out[DHCP_REPLY_MAX];
	unsigned i;

	for (i = 0; i < DHCPD_BURST; i++) {
		struct dhcp_reply r;
		ssize_t n = recv(dn->fd, in, sizeof(in), MSG_TRUNC);

		if (n < 0)
			return;
		/* longer than the buffer (MSG_TRUNC gives the real length):
		 * handed over at DHCP_MSG_MAX + 1 bytes, refused as too long */
		if ((size_t)n > sizeof(in))
			n = (ssize_t)sizeof(in);
		if (dhcp_handle(dn->srv, in, (size_t)n, pool_now(), out,
				sizeof(out), &r))
			continue;
		if (r.drop == DHCP_DROP_NONE)
			dn->dirty = true;
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
		readable(dn);
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
 * "drops" {reason: n}, "malformed" {reason: n}}, JSON null when DHCP is
 * off, NULL if out of memory
 */
json_t *dhcpd_json(const struct dhcpd *d, unsigned slot)
{
	const struct dhcpd_net *dn = &d->net[slot];
	const struct dhcp_stats *st;
	uint64_t dropped = 0;
	unsigned i;

	if (slot >= DP_MAX_NETS || !dn->srv)
		return json_null();
	st = dhcp_server_stats(dn->srv);
	for (i = 1; i < DHCP_DROP_MAX; i++)
		dropped += st->drop[i];
	return json_pack("{s:b, s:o*, s:o*, s:I, s:o*, s:o*}",
			 "running", dn->fd >= 0,
			 "received", counts(st->rx, DHCP_TYPE_MAX + 1,
					    dhcp_type_name, 0),
			 "sent", counts(st->tx, DHCP_TYPE_MAX + 1,
					dhcp_type_name, 1),
			 "dropped", (json_int_t)dropped,
			 "drops", counts(st->drop, DHCP_DROP_MAX,
					 dhcp_drop_name, 1),
			 "malformed", counts(st->bad, DHCP_ERR_MAX,
					     dhcp_err_name, 1));
}
