/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/svc/test_dhcp.c: the DHCP server, RFC 2131 and RFC 2132
 *
 * Every client message here is built byte by byte the way real clients
 * build theirs (ISC dhclient, busybox udhcpc, dhcpcd: option 53 first,
 * client identifier, parameter request list, maximum message size, host
 * name, padded to 300 bytes), handed to dhcp_handle(), and every reply the
 * server builds is parsed again with dhcp_parse() and checked against
 * RFC 2131 table 3 before a test looks at it. The malformed messages are
 * real messages with one fault each. The network is 10.0.0.0/24, gateway
 * and server 10.0.0.1, the host's stand-in 10.0.0.254.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "dhcp.h"

#define A(a, b, c, d)                                                     \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define NET A(10, 0, 0, 0)
#define GW A(10, 0, 0, 1)
#define HOST A(10, 0, 0, 254)
#define T0 1700000000 /* s */

/* --- client messages ----------------------------------------------------- */

/**
 * struct cm - a client message being built
 * @b:		bytes
 * @len:	bytes so far
 */
struct cm {
	uint8_t b[DHCP_MSG_MAX + 64];
	size_t len;
};

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void cm_opt(struct cm *m, uint8_t code, const void *data, size_t len)
{
	m->b[m->len++] = code;
	m->b[m->len++] = (uint8_t)len;
	memcpy(m->b + m->len, data, len);
	m->len += len;
}

static void cm_opt32(struct cm *m, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	be32(b, v);
	cm_opt(m, code, b, 4);
}

/* BOOTREQUEST header, magic cookie and option 53 */
static void cm_start(struct cm *m, uint8_t type, const uint8_t *mac,
		     uint32_t xid)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = 1; /* BOOTREQUEST */
	m->b[1] = 1; /* Ethernet */
	m->b[2] = 6;
	be32(m->b + 4, xid);
	memcpy(m->b + 28, mac, 6);
	be32(m->b + 236, DHCP_MAGIC);
	m->len = 240;
	cm_opt(m, DHCP_OPT_MSG_TYPE, &type, 1);
}

static void cm_ciaddr(struct cm *m, uint32_t a)
{
	be32(m->b + 12, a);
}

static void cm_giaddr(struct cm *m, uint32_t a)
{
	be32(m->b + 24, a);
}

static void cm_broadcast(struct cm *m)
{
	m->b[10] = 0x80;
}

/* end option, zero padding to the 300 bytes of BOOTP, as dhclient does */
static size_t cm_end(struct cm *m)
{
	m->b[m->len++] = DHCP_OPT_END;
	if (m->len < 300)
		m->len = 300;
	return m->len;
}

static const uint8_t prl_dhclient[] = { 1,  28, 2,  3,	15,  6, 119,
					12, 44, 47, 26, 121, 42 };
static const uint8_t prl_udhcpc[] = { 1, 3, 6, 12, 15, 28, 42 };

/* client identifier 01 + MAC (udhcpc, dhclient with send identifier) */
static void cm_client_id(struct cm *m, const uint8_t *mac)
{
	uint8_t id[7] = { 1 };

	memcpy(id + 1, mac, 6);
	cm_opt(m, DHCP_OPT_CLIENT_ID, id, sizeof(id));
}

/* DISCOVER with 53, 61, 55, 57, 12 like udhcpc -x hostname:NAME */
static void cm_discover(struct cm *m, const uint8_t *mac, uint32_t xid)
{
	uint8_t maxsz[2] = { 0x02, 0x40 }; /* 576 */

	cm_start(m, DHCP_DISCOVER, mac, xid);
	cm_client_id(m, mac);
	cm_opt(m, DHCP_OPT_PRL, prl_udhcpc, sizeof(prl_udhcpc));
	cm_opt(m, DHCP_OPT_MAX_SIZE, maxsz, 2);
	cm_opt(m, DHCP_OPT_HOSTNAME, "guest1", 6);
}

/* REQUEST, SELECTING: 53, 61, 50, 54, 55, 57, 12 */
static void cm_request_selecting(struct cm *m, const uint8_t *mac, uint32_t xid,
				 uint32_t addr, uint32_t server)
{
	uint8_t maxsz[2] = { 0x02, 0x40 };

	cm_start(m, DHCP_REQUEST, mac, xid);
	cm_client_id(m, mac);
	cm_opt32(m, DHCP_OPT_REQUESTED, addr);
	cm_opt32(m, DHCP_OPT_SERVER_ID, server);
	cm_opt(m, DHCP_OPT_PRL, prl_udhcpc, sizeof(prl_udhcpc));
	cm_opt(m, DHCP_OPT_MAX_SIZE, maxsz, 2);
	cm_opt(m, DHCP_OPT_HOSTNAME, "guest1", 6);
}

/* REQUEST, RENEWING or REBINDING: ciaddr, no 50, no 54 */
static void cm_request_renew(struct cm *m, const uint8_t *mac, uint32_t xid,
			     uint32_t ciaddr)
{
	cm_start(m, DHCP_REQUEST, mac, xid);
	cm_ciaddr(m, ciaddr);
	cm_client_id(m, mac);
	cm_opt(m, DHCP_OPT_PRL, prl_udhcpc, sizeof(prl_udhcpc));
}

/* REQUEST, INIT-REBOOT: 50, no 54, no ciaddr (dhclient after a reboot) */
static void cm_request_reboot(struct cm *m, const uint8_t *mac, uint32_t xid,
			      uint32_t addr)
{
	cm_start(m, DHCP_REQUEST, mac, xid);
	cm_client_id(m, mac);
	cm_opt32(m, DHCP_OPT_REQUESTED, addr);
	cm_opt(m, DHCP_OPT_PRL, prl_dhclient, sizeof(prl_dhclient));
}

static void mac_of(uint8_t mac[6], unsigned n)
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* --- the server under test ----------------------------------------------- */

/**
 * struct t - a network with its pool and server
 * @ipam:	pool
 * @srv:	server
 * @cfg:	server configuration in effect
 * @out:	reply buffer
 * @r:		outcome of the last message
 * @rep:	the last reply, parsed again
 * @now:	s, clock
 * @csum_known:	dhcp_handle_ip(): the link vouches for UDP checksums
 */
struct t {
	struct ipam *ipam;
	struct dhcp_server *srv;
	const struct dhcp_config *cfg;
	uint8_t out[DHCP_REPLY_MAX];
	struct dhcp_reply r;
	struct dhcp_msg rep;
	int64_t now;
	bool csum_known;
};

static struct t *t_new(const struct ipam_config *icfg,
		       const struct dhcp_config *dcfg)
{
	struct ipam_config ic = { .net = NET, .plen = 24 };
	struct dhcp_config dc = {
		.server_id = GW,
		.dns = { GW, A(9, 9, 9, 9) },
		.n_dns = 2,
		.domain = "hostnat.internal",
	};
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	if (icfg)
		ic = *icfg;
	if (dcfg)
		dc = *dcfg;
	assert_int_equal(ipam_create(&t->ipam, &ic), 0);
	assert_int_equal(ipam_system_add(t->ipam, GW, "gateway"), 0);
	if (ipam_contains(t->ipam, HOST))
		assert_int_equal(ipam_system_add(t->ipam, HOST, "host"), 0);
	assert_int_equal(dhcp_server_create(&t->srv, &dc, t->ipam), 0);
	t->cfg = dhcp_server_config(t->srv);
	t->now = T0;
	return t;
}

static int teardown(void **state)
{
	struct t *t = *state;

	if (t) {
		dhcp_server_destroy(t->srv);
		ipam_destroy(t->ipam);
		free(t);
	}
	return 0;
}

static bool has_opt(const struct dhcp_msg *m, uint8_t code)
{
	size_t n;

	return dhcp_opt(m, code, &n) != NULL;
}

static uint32_t opt32(const struct dhcp_msg *m, uint8_t code)
{
	const uint8_t *p;
	size_t n;

	p = dhcp_opt(m, code, &n);
	assert_non_null(p);
	assert_int_equal(n, 4);
	return rd32(p);
}

/*
 * Hand a message to the server. A reply is parsed again and checked for
 * what every reply must be (RFC 2131 table 3): BOOTREPLY, same xid, flags,
 * giaddr and chaddr, server identifier, client identifier echoed (RFC
 * 6842), between 300 and 548 bytes. Returns the reply type, 0 for none.
 */
static uint8_t t_send(struct t *t, struct cm *m)
{
	struct dhcp_msg req;
	enum dhcp_err err;
	const uint8_t *p, *q;
	size_t n, k;

	memset(&t->rep, 0, sizeof(t->rep));
	assert_int_equal(dhcp_handle(t->srv, m->b, m->len, t->now, t->out,
				     sizeof(t->out), &t->r),
			 0);
	if (!t->r.len) {
		assert_int_equal(t->r.type, 0);
		return 0;
	}
	assert_int_equal(t->r.drop, DHCP_DROP_NONE);
	assert_in_range(t->r.len, DHCP_REPLY_MIN, DHCP_REPLY_MAX);
	if (dhcp_parse(t->out, t->r.len, &t->rep, &err))
		fail_msg("reply does not parse: %s", dhcp_err_name(err));
	assert_int_equal(dhcp_parse(m->b, m->len, &req, NULL), 0);
	assert_int_equal(t->rep.op, 2);
	assert_int_equal(t->rep.type, t->r.type);
	assert_int_equal(t->rep.xid, req.xid);
	assert_int_equal(t->rep.giaddr, req.giaddr);
	assert_memory_equal(t->rep.chaddr, req.chaddr, 16);
	assert_int_equal(t->rep.server_id, t->cfg->server_id);
	assert_int_equal(t->rep.hops, 0);
	assert_int_equal(t->rep.secs, 0);
	p = dhcp_opt(&req, DHCP_OPT_CLIENT_ID, &n);
	q = dhcp_opt(&t->rep, DHCP_OPT_CLIENT_ID, &k);
	if (p) {
		assert_non_null(q);
		assert_int_equal(n, k);
		assert_memory_equal(p, q, n);
	} else {
		assert_null(q);
	}
	if (t->r.type == DHCP_NAK) {
		assert_int_equal(t->rep.yiaddr, 0);
		assert_int_equal(t->rep.ciaddr, 0);
		assert_false(has_opt(&t->rep, DHCP_OPT_LEASE_TIME));
		assert_false(has_opt(&t->rep, DHCP_OPT_ROUTER));
	} else {
		assert_int_equal(opt32(&t->rep, DHCP_OPT_SUBNET_MASK),
				 lib_prefix_mask(ipam_plen(t->ipam)));
		assert_int_equal(opt32(&t->rep, DHCP_OPT_ROUTER), GW);
	}
	return t->r.type;
}

/* a DISCOVER from @mac with transaction @xid and a client id ending in
 * @idb: what the server answers */
static uint8_t t_discover_id(struct t *t, const uint8_t mac[6], uint32_t xid,
			     uint8_t idb)
{
	uint8_t id[3] = { 0xff, 0, idb };
	struct cm m;

	cm_start(&m, DHCP_DISCOVER, mac, xid);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof(id));
	cm_end(&m);
	return t_send(t, &m);
}

/* DISCOVER, OFFER, REQUEST, ACK for client @n; returns the address */
static uint32_t dora(struct t *t, const uint8_t *mac)
{
	struct cm m;
	uint32_t a;

	cm_discover(&m, mac, 0x1000);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	a = t->rep.yiaddr;
	cm_request_selecting(&m, mac, 0x1001, a, GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, a);
	return a;
}

static const struct dhcp_stats *stats(const struct t *t)
{
	return dhcp_server_stats(t->srv);
}

/* send, expect a drop for @why (and parse error @bad) */
static void expect_drop(struct t *t, struct cm *m, enum dhcp_drop why,
			enum dhcp_err bad)
{
	uint64_t before = stats(t)->drop[why];

	assert_int_equal(t_send(t, m), 0);
	assert_int_equal(t->r.len, 0);
	if (t->r.drop != why || t->r.bad != bad)
		fail_msg("dropped as %s/%s, want %s/%s",
			 dhcp_drop_name(t->r.drop), dhcp_err_name(t->r.bad),
			 dhcp_drop_name(why), dhcp_err_name(bad));
	assert_int_equal(stats(t)->drop[why], before + 1);
}

static void expect_bad(struct t *t, struct cm *m, enum dhcp_err bad)
{
	uint64_t before = stats(t)->bad[bad];

	expect_drop(t, m, DHCP_DROP_MALFORMED, bad);
	assert_int_equal(stats(t)->bad[bad], before + 1);
}

/* --- the exchanges -------------------------------------------------------- */

static void dora_gives_lowest_free_address_with_all_options(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	const struct ipam_entry *e;
	const uint8_t *p;
	struct cm m;
	size_t n;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 0xdeadbeef);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	assert_int_equal(t->rep.yiaddr, A(10, 0, 0, 2));
	assert_int_equal(t->rep.ciaddr, 0);
	assert_int_equal(opt32(&t->rep, DHCP_OPT_LEASE_TIME), 3600);
	assert_int_equal(opt32(&t->rep, DHCP_OPT_T1), 1800);
	assert_int_equal(opt32(&t->rep, DHCP_OPT_T2), 3150);
	assert_int_equal(opt32(&t->rep, DHCP_OPT_BROADCAST), A(10, 0, 0, 255));
	p = dhcp_opt(&t->rep, DHCP_OPT_DNS, &n);
	assert_int_equal(n, 8);
	assert_int_equal(rd32(p), GW);
	assert_int_equal(rd32(p + 4), A(9, 9, 9, 9));
	p = dhcp_opt(&t->rep, DHCP_OPT_DOMAIN, &n);
	assert_int_equal(n, strlen("hostnat.internal"));
	assert_memory_equal(p, "hostnat.internal", n);
	/* no broadcast bit, no address yet: to yiaddr at chaddr */
	assert_int_equal(t->r.dest.kind, DHCP_DEST_HWADDR);
	assert_int_equal(t->r.dest.addr, A(10, 0, 0, 2));
	assert_int_equal(t->r.dest.port, DHCP_CLIENT_PORT);
	assert_memory_equal(t->r.dest.mac, mac, 6);
	e = ipam_lookup(t->ipam, A(10, 0, 0, 2));
	assert_int_equal(e->state, IPAM_OFFERED);
	assert_int_equal(e->expires, T0 + DHCP_OFFER_HOLD_DEFAULT);

	cm_request_selecting(&m, mac, 0xdeadbef0, A(10, 0, 0, 2), GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, A(10, 0, 0, 2));
	assert_int_equal(opt32(&t->rep, DHCP_OPT_LEASE_TIME), 3600);
	e = ipam_lookup(t->ipam, A(10, 0, 0, 2));
	assert_int_equal(e->state, IPAM_BOUND);
	assert_int_equal(e->expires, T0 + 3600);
	assert_string_equal(e->name, "guest1");
	assert_int_equal(stats(t)->rx[DHCP_DISCOVER], 1);
	assert_int_equal(stats(t)->rx[DHCP_REQUEST], 1);
	assert_int_equal(stats(t)->tx[DHCP_OFFER], 1);
	assert_int_equal(stats(t)->tx[DHCP_ACK], 1);
}

static void options_follow_parameter_request_list_order(void **state)
{
	struct t *t = t_new(NULL, NULL);
	static const uint8_t prl[] = { 6, 15, 3, 1 };
	static const uint8_t want[] = { 53, 54, 51, 58, 59, 6, 15, 3, 1, 255 };
	uint8_t mac[6], got[16];
	size_t i = 240, n = 0;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_PRL, prl, sizeof(prl));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	while (i < t->r.len && n < sizeof(got)) {
		got[n++] = t->out[i];
		if (t->out[i] == 255)
			break;
		i += 2u + t->out[i + 1];
	}
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	/* no option 28 unless asked; no option 61 when the client sent none */
	assert_false(has_opt(&t->rep, DHCP_OPT_BROADCAST));
}

static void broadcast_flag_gets_broadcast_offer(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 7);
	cm_broadcast(&m);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	assert_int_equal(t->rep.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(t->r.dest.kind, DHCP_DEST_BROADCAST);
	assert_int_equal(t->r.dest.addr, UINT32_MAX);
	assert_int_equal(t->r.dest.port, DHCP_CLIENT_PORT);
}

static void renewal_unicast_request_with_ciaddr_extends_lease(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	a = dora(t, mac);
	t->now += 1800; /* T1 */
	cm_request_renew(&m, mac, 0x2000, a);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, a);
	assert_int_equal(t->rep.ciaddr, a);
	assert_int_equal(t->r.dest.kind, DHCP_DEST_UNICAST);
	assert_int_equal(t->r.dest.addr, a);
	assert_int_equal(t->r.dest.port, DHCP_CLIENT_PORT);
	assert_int_equal(ipam_lookup(t->ipam, a)->expires, T0 + 1800 + 3600);
}

static void rebinding_broadcast_request_acked_to_ciaddr(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	a = dora(t, mac);
	t->now += 3150; /* T2 */
	cm_request_renew(&m, mac, 0x3000, a);
	cm_broadcast(&m);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, a);
	/* RFC 2131 section 4.1: ciaddr set, so unicast to it */
	assert_int_equal(t->r.dest.kind, DHCP_DEST_UNICAST);
	assert_int_equal(t->r.dest.addr, a);
	assert_int_equal(ipam_lookup(t->ipam, a)->expires, T0 + 3150 + 3600);
}

static void renewal_after_expiry_rebinds_same_address(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	a = dora(t, mac);
	t->now += 5000; /* the lease ran out while the guest was paused */
	cm_request_renew(&m, mac, 0x3000, a);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(ipam_lookup(t->ipam, a)->state, IPAM_BOUND);
}

static void init_reboot_with_wrong_address_is_nakked(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	a = dora(t, mac);
	/* another address of the network than its lease */
	cm_request_reboot(&m, mac, 0x4000, A(10, 0, 0, 99));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
	assert_int_equal(t->r.dest.kind, DHCP_DEST_BROADCAST);
	assert_int_equal(t->r.dest.port, DHCP_CLIENT_PORT);
	/* an address of another network (the laptop moved) */
	cm_request_reboot(&m, mac, 0x4001, A(192, 168, 1, 20));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
	/* its own address */
	cm_request_reboot(&m, mac, 0x4002, a);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, a);
	assert_int_equal(stats(t)->tx[DHCP_NAK], 2);
}

static void init_reboot_of_unknown_client_acked_if_address_free(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], mac2[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	mac_of(mac2, 2);
	/* the server lost its state; the client kept its lease */
	cm_request_reboot(&m, mac, 1, A(10, 0, 0, 42));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, A(10, 0, 0, 42));
	/* someone else's address */
	cm_request_reboot(&m, mac2, 2, A(10, 0, 0, 42));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
	/* the gateway */
	cm_request_reboot(&m, mac2, 3, GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
}

static void non_authoritative_server_silent_to_unknown_client(void **state)
{
	struct dhcp_config dc = { .server_id = GW, .non_authoritative = true };
	struct t *t = t_new(NULL, &dc);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_request_reboot(&m, mac, 1, A(10, 0, 0, 42));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_UNKNOWN);
	assert_int_equal(stats(t)->drop[DHCP_DROP_UNKNOWN], 1);
}

static void selecting_another_server_drops_offer_silently(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	a = t->rep.yiaddr;
	cm_request_selecting(&m, mac, 2, A(10, 0, 0, 77), A(10, 0, 0, 253));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_OTHER_SERVER);
	assert_int_equal(ipam_lookup(t->ipam, a)->state, IPAM_FREE);
}

static void selecting_address_not_offered_is_nakked(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], mac2[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	mac_of(mac2, 2);
	a = dora(t, mac);
	cm_discover(&m, mac2, 1);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	cm_request_selecting(&m, mac2, 2, a, GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
	size_t n;
	const uint8_t *msg = dhcp_opt(&t->rep, DHCP_OPT_MESSAGE, &n);
	assert_non_null(msg);
	assert_memory_equal(msg, "not your lease", n);
}

static void release_frees_address_and_sends_nothing(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], mac2[6];
	struct ipam_stats st;
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	mac_of(mac2, 2);
	a = dora(t, mac);
	cm_start(&m, DHCP_RELEASE, mac, 9);
	cm_ciaddr(&m, a);
	cm_client_id(&m, mac);
	cm_opt32(&m, DHCP_OPT_SERVER_ID, GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_NONE);
	ipam_stats(t->ipam, &st);
	assert_int_equal(st.kind[IPAM_LEASE], 0);
	assert_int_equal(ipam_lookup(t->ipam, a)->state, IPAM_FREE);
	/* releasing again, or someone else's: dropped and counted */
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_NO_LEASE);
	/* the address comes back to its client */
	assert_int_equal(dora(t, mac2), A(10, 0, 0, 3));
	assert_int_equal(dora(t, mac), a);
}

static void decline_quarantines_address(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	a = dora(t, mac);
	/* ARP found someone on it (RFC 2131 section 4.4.1) */
	cm_start(&m, DHCP_DECLINE, mac, 10);
	cm_client_id(&m, mac);
	cm_opt32(&m, DHCP_OPT_REQUESTED, a);
	cm_opt32(&m, DHCP_OPT_SERVER_ID, GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_NONE);
	assert_int_equal(ipam_lookup(t->ipam, a)->kind, IPAM_DECLINED);
	/* the client starts over and gets another address */
	assert_int_not_equal(dora(t, mac), a);
	/* after the quarantine the address is given again */
	t->now += DHCP_DECLINE_HOLD_DEFAULT;
	mac_of(mac, 2);
	assert_int_equal(dora(t, mac), a);
}

static void cm_decline(struct cm *m, const uint8_t *mac, uint32_t addr,
		       uint32_t server)
{
	cm_start(m, DHCP_DECLINE, mac, 12);
	cm_client_id(m, mac);
	if (addr)
		cm_opt32(m, DHCP_OPT_REQUESTED, addr);
	cm_opt32(m, DHCP_OPT_SERVER_ID, server);
	cm_end(m);
}

static void decline_and_release_checked_against_the_lease(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac1[6], mac2[6], mac3[6];
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac1, 1);
	mac_of(mac2, 2);
	mac_of(mac3, 3);
	assert_int_equal(
		ipam_static_add(t->ipam, "web", mac1, A(10, 0, 0, 100)), 0);
	a = dora(t, mac2);
	cm_decline(&m, mac2, a, A(10, 0, 0, 253));
	expect_drop(t, &m, DHCP_DROP_OTHER_SERVER, DHCP_ERR_NONE);
	cm_decline(&m, mac2, 0, GW);
	expect_drop(t, &m, DHCP_DROP_BAD_REQUEST, DHCP_ERR_NONE);
	cm_decline(&m, mac3, a, GW);
	expect_drop(t, &m, DHCP_DROP_NO_LEASE, DHCP_ERR_NONE);
	/* a reserved address stays reserved */
	cm_decline(&m, mac1, A(10, 0, 0, 100), GW);
	expect_drop(t, &m, DHCP_DROP_RESERVED, DHCP_ERR_NONE);
	assert_int_equal(ipam_lookup(t->ipam, A(10, 0, 0, 100))->kind,
			 IPAM_STATIC);
	/* a release meant for another server leaves the lease alone */
	cm_start(&m, DHCP_RELEASE, mac2, 13);
	cm_ciaddr(&m, a);
	cm_client_id(&m, mac2);
	cm_opt32(&m, DHCP_OPT_SERVER_ID, A(10, 0, 0, 253));
	cm_end(&m);
	expect_drop(t, &m, DHCP_DROP_OTHER_SERVER, DHCP_ERR_NONE);
	assert_int_equal(ipam_lookup(t->ipam, a)->state, IPAM_BOUND);
	/* nothing was declined */
	assert_int_equal(ipam_lookup(t->ipam, a)->kind, IPAM_LEASE);
}

static void inform_acked_without_lease(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_start(&m, DHCP_INFORM, mac, 11);
	cm_ciaddr(&m, A(10, 0, 0, 200)); /* configured by hand */
	cm_opt(&m, DHCP_OPT_PRL, prl_dhclient, sizeof(prl_dhclient));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, 0);
	assert_int_equal(t->rep.ciaddr, A(10, 0, 0, 200));
	assert_false(has_opt(&t->rep, DHCP_OPT_LEASE_TIME));
	assert_false(has_opt(&t->rep, DHCP_OPT_T1));
	assert_false(has_opt(&t->rep, DHCP_OPT_T2));
	assert_true(has_opt(&t->rep, DHCP_OPT_DNS));
	assert_int_equal(t->r.dest.kind, DHCP_DEST_UNICAST);
	assert_int_equal(t->r.dest.addr, A(10, 0, 0, 200));
	assert_null(ipam_lookup(t->ipam, A(10, 0, 0, 200)));
	/* without ciaddr, or from another network: dropped */
	cm_ciaddr(&m, 0);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_INFORM);
}

static void static_reservation_wins(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	assert_int_equal(ipam_static_add(t->ipam, "web", mac, A(10, 0, 0, 100)),
			 0);
	cm_discover(&m, mac, 1);
	cm_opt32(&m, DHCP_OPT_REQUESTED, A(10, 0, 0, 5));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	assert_int_equal(t->rep.yiaddr, A(10, 0, 0, 100));
	/* asking for another address: NAK */
	cm_request_reboot(&m, mac, 2, A(10, 0, 0, 5));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
	cm_request_selecting(&m, mac, 3, A(10, 0, 0, 100), GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
	assert_int_equal(t->rep.yiaddr, A(10, 0, 0, 100));
	assert_int_equal(opt32(&t->rep, DHCP_OPT_LEASE_TIME), 3600);
	/* nobody else gets it */
	mac_of(mac, 2);
	cm_request_reboot(&m, mac, 4, A(10, 0, 0, 100));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
}

static void client_identifier_is_the_identity(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], id1[] = { 0xff, 0, 0, 0, 1, 0, 1 };
	uint8_t id2[] = { 0xff, 0, 0, 0, 2, 0, 1 };
	struct cm m;
	uint32_t a, b;

	*state = t;
	mac_of(mac, 1);
	/* two clients behind one MAC (dhcpcd's RFC 4361 identifiers) */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id1, sizeof(id1));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	a = t->rep.yiaddr;
	cm_start(&m, DHCP_DISCOVER, mac, 2);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id2, sizeof(id2));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	b = t->rep.yiaddr;
	assert_int_not_equal(a, b);
	/* the first identifier on a new NIC: same client, same address */
	mac_of(mac, 9);
	cm_start(&m, DHCP_DISCOVER, mac, 3);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id1, sizeof(id1));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	assert_int_equal(t->rep.yiaddr, a);
}

static void pool_exhaustion_answered_with_no_offer(void **state)
{
	struct ipam_config ic = { .net = NET,
				  .plen = 29,
				  .max_leases = 6,
				  .rate = 100,
				  .burst = 100 };
	struct t *t = t_new(&ic, NULL); /* .2 - .6 free */
	uint8_t mac[6];
	struct cm m;
	unsigned i;

	*state = t;
	for (i = 1; i <= 5; i++) {
		mac_of(mac, i);
		dora(t, mac);
	}
	mac_of(mac, 6);
	cm_discover(&m, mac, 6);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_POOL_FULL);
	assert_int_equal(stats(t)->drop[DHCP_DROP_POOL_FULL], 1);
	/* a lease runs out: the newcomer is served */
	t->now += 3601;
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
}

/* DISCOVER from @mac: the reply type, 0 for none */
static uint8_t discover(struct t *t, const uint8_t *mac, uint32_t xid)
{
	struct cm m;

	cm_discover(&m, mac, xid);
	cm_end(&m);
	return t_send(t, &m);
}

/* REQUEST (SELECTING) of the address just offered: the reply type */
static uint8_t request_offer(struct t *t, const uint8_t *mac, uint32_t xid)
{
	struct cm m;

	cm_request_selecting(&m, mac, xid, t->rep.yiaddr, GW);
	cm_end(&m);
	return t_send(t, &m);
}

/* DECLINE of @a by @mac */
static void decline(struct t *t, const uint8_t *mac, uint32_t a)
{
	struct cm m;

	cm_start(&m, DHCP_DECLINE, mac, 77);
	cm_client_id(&m, mac);
	cm_opt32(&m, DHCP_OPT_REQUESTED, a);
	cm_opt32(&m, DHCP_OPT_SERVER_ID, GW);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
}

/* DHCP's share of the pool: leases and quarantined addresses */
static uint32_t share(const struct t *t)
{
	struct ipam_stats st;

	ipam_stats(t->ipam, &st);
	assert_true(st.kind[IPAM_LEASE] + st.kind[IPAM_DECLINED] <=
		    st.max_leases);
	return st.kind[IPAM_LEASE] + st.kind[IPAM_DECLINED];
}

static void flood_of_new_macs_limited(void **state)
{
	struct t *t = t_new(NULL, NULL);
	unsigned i, offers = 0;
	uint32_t legit;
	uint8_t mac[6];
	struct ipam_stats st;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	legit = dora(t, mac); /* a guest that was there first */
	for (i = 0; i < 1000; i++) {
		mac_of(mac, 0x10000 + i);
		offers += discover(t, mac, i) == DHCP_OFFER;
	}
	assert_int_equal(offers, IPAM_BURST_DEFAULT - 1);
	assert_int_equal(stats(t)->drop[DHCP_DROP_RATE],
			 1000 - IPAM_BURST_DEFAULT + 1);
	/* keep flooding for a minute at 300 a second: offers not requested
	 * expire within DHCP_OFFER_HOLD_DEFAULT, the share never fills, a
	 * reserve stays for endpoints
	 */
	for (i = 0; i < 60 * 300; i++) {
		if (i % 300 == 0)
			t->now++;
		mac_of(mac, 0x20000 + i);
		discover(t, mac, i);
		assert_true(share(t) <= 1 + IPAM_BURST_DEFAULT +
						IPAM_RATE_DEFAULT *
							DHCP_OFFER_HOLD_DEFAULT);
	}
	ipam_stats(t->ipam, &st);
	assert_true(st.free >= st.size - st.max_leases - 2);
	/* the guest still renews */
	mac_of(mac, 1);
	cm_request_renew(&m, mac, 1, legit);
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_ACK);
}

static void new_client_retransmitting_gets_in_under_flood(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], real[6];
	unsigned i, sec, got = 0;

	*state = t;
	mac_of(real, 0xbeef);
	for (sec = 0; sec < 10 && !got; sec++) {
		t->now++;
		/* 300 DISCOVERs a second from MACs never seen again ... */
		for (i = 0; i < 300; i++) {
			mac_of(mac, 0x100000 + sec * 300 + i);
			discover(t, mac, i);
			/* ... and the real client's, once a second (udhcpc -T 1),
			 * in the middle of the flood */
			if (i == 150 &&
			    discover(t, real, 0x4242) == DHCP_OFFER) {
				got = sec + 1;
				break;
			}
		}
	}
	/* refused once for the shared rate, let in when it retransmits */
	assert_int_equal(got, 2);
	assert_true(stats(t)->drop[DHCP_DROP_RATE] > 0);
	assert_int_equal(request_offer(t, real, 0x4243), DHCP_ACK);
}

static void request_for_an_offer_is_not_rate_limited(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], real[6];
	unsigned i;

	*state = t;
	mac_of(real, 7);
	assert_int_equal(discover(t, real, 1), DHCP_OFFER);
	/* the shared bucket is empty now */
	for (i = 0; i < 100; i++) {
		mac_of(mac, 0x1000 + i);
		discover(t, mac, i);
	}
	assert_true(stats(t)->drop[DHCP_DROP_RATE] > 0);
	assert_int_equal(discover(t, real, 1), DHCP_OFFER); /* same offer */
	assert_int_equal(request_offer(t, real, 2), DHCP_ACK);
}

static void offers_not_requested_give_way_when_share_full(void **state)
{
	struct ipam_config ic = { .net = NET, .plen = 26, .rate = 1000,
				  .burst = 1000 }; /* .1 gateway, 62 usable */
	struct t *t = t_new(&ic, NULL);
	struct ipam_stats st;
	uint8_t mac[6], real[6];
	unsigned i;

	*state = t;
	ipam_stats(t->ipam, &st);
	for (i = 0; i < 200; i++) {
		mac_of(mac, 0x1000 + i);
		discover(t, mac, i);
	}
	assert_int_equal(share(t), st.max_leases);
	/* all offers younger than IPAM_OFFER_EVICT_AGE: refused */
	mac_of(real, 9);
	assert_int_equal(discover(t, real, 1), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_LIMIT);
	t->now += IPAM_OFFER_EVICT_AGE;
	assert_int_equal(discover(t, real, 1), DHCP_OFFER);
	assert_int_equal(request_offer(t, real, 2), DHCP_ACK);
	ipam_stats(t->ipam, &st);
	assert_int_equal(st.offers_evicted, 1);
	assert_int_equal(share(t), st.max_leases);
	/* the reserve is the endpoints', whatever DHCP went through */
	assert_true(st.free >= st.size - st.max_leases - 1);
}

static void decline_loop_of_one_mac_held_off(void **state)
{
	struct t *t = t_new(NULL, NULL);
	const struct ipam_entry *e;
	uint8_t mac[6];
	unsigned i, offers = 0;
	uint32_t first = 0;

	*state = t;
	mac_of(mac, 3);
	for (i = 0; i < 100; i++) {
		if (discover(t, mac, i) != DHCP_OFFER)
			continue;
		if (!first)
			first = t->rep.yiaddr;
		offers++;
		decline(t, mac, t->rep.yiaddr);
	}
	assert_int_equal(offers, IPAM_DECLINES_DEFAULT);
	assert_int_equal(stats(t)->drop[DHCP_DROP_DECLINING],
			 100 - IPAM_DECLINES_DEFAULT);
	/* the quarantined address is charged to who declined it */
	e = ipam_lookup(t->ipam, first);
	assert_int_equal(e->kind, IPAM_DECLINED);
	assert_true(e->has_mac);
	assert_memory_equal(e->mac, mac, 6);
	assert_int_equal(share(t), IPAM_DECLINES_DEFAULT);
	/* held off until its quarantines end */
	t->now += DHCP_DECLINE_HOLD_DEFAULT;
	assert_int_equal(discover(t, mac, 1000), DHCP_OFFER);
}

static void declines_count_against_client_limit(void **state)
{
	struct ipam_config ic = { .net = NET, .plen = 24, .max_per_mac = 2,
				  .max_declines = 10 };
	struct t *t = t_new(&ic, NULL);
	uint8_t mac[6];

	*state = t;
	mac_of(mac, 4);
	assert_int_equal(discover(t, mac, 1), DHCP_OFFER);
	decline(t, mac, t->rep.yiaddr);
	assert_int_equal(discover(t, mac, 2), DHCP_OFFER);
	decline(t, mac, t->rep.yiaddr);
	assert_int_equal(discover(t, mac, 3), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_LIMIT);
}

static void declines_of_many_macs_bounded_and_reserve_kept(void **state)
{
	struct ipam_config ic = { .net = NET, .plen = 26, .rate = 1000,
				  .burst = 1000 };
	struct t *t = t_new(&ic, NULL);
	struct ipam_stats st;
	uint8_t mac[6];
	uint32_t a;
	unsigned i, n = 0;
	char name[16];

	*state = t;
	for (i = 0; i < 500; i++) {
		mac_of(mac, 0x5000 + i);
		if (discover(t, mac, i) == DHCP_OFFER)
			decline(t, mac, t->rep.yiaddr);
		share(t);
	}
	ipam_stats(t->ipam, &st);
	/* at most a quarter of the share in quarantine: the oldest give way */
	assert_int_equal(st.kind[IPAM_DECLINED], st.max_leases / 4);
	assert_true(st.quarantines_ended > 0);
	/* the reserve is there for endpoints */
	while (n < st.size) {
		snprintf(name, sizeof(name), "e%u", n);
		if (ipam_endpoint_add(t->ipam, name, "ns", NULL, 0, &a))
			break;
		n++;
	}
	assert_true(n >= st.size - st.max_leases - 1);
}

static void one_mac_new_offers_limited_by_its_bucket(void **state)
{
	struct ipam_config ic = { .net = NET, .plen = 24, .max_per_mac = 100 };
	struct t *t = t_new(&ic, NULL);
	unsigned i, offers = 0;
	uint8_t mac[6];

	*state = t;
	mac_of(mac, 1);
	for (i = 0; i < 20; i++)
		offers += t_discover_id(t, mac, i, (uint8_t)i) == DHCP_OFFER;
	assert_int_equal(offers, IPAM_MAC_BURST_DEFAULT);
	assert_int_equal(stats(t)->drop[DHCP_DROP_CLIENT_RATE],
			 20 - IPAM_MAC_BURST_DEFAULT);
	/* one more every IPAM_MAC_INTERVAL_DEFAULT seconds */
	t->now += IPAM_MAC_INTERVAL_DEFAULT;
	assert_int_equal(t_discover_id(t, mac, 100, 100), DHCP_OFFER);
	assert_int_equal(t_discover_id(t, mac, 101, 101), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_CLIENT_RATE);
}

static void one_mac_cycling_client_ids_limited(void **state)
{
	struct t *t = t_new(NULL, NULL);
	unsigned i, offers = 0;
	uint8_t mac[6];

	*state = t;
	mac_of(mac, 1);
	for (i = 0; i < 50; i++)
		offers += t_discover_id(t, mac, i, (uint8_t)i) == DHCP_OFFER;
	assert_int_equal(offers, IPAM_PER_MAC_DEFAULT);
	assert_int_equal(stats(t)->drop[DHCP_DROP_LIMIT],
			 50 - IPAM_PER_MAC_DEFAULT);
}

static void relayed_request_answered_to_relay(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_giaddr(&m, A(10, 0, 0, 250));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	assert_int_equal(t->r.dest.kind, DHCP_DEST_UNICAST);
	assert_int_equal(t->r.dest.addr, A(10, 0, 0, 250));
	assert_int_equal(t->r.dest.port, DHCP_SERVER_PORT);
	/* a NAK through a relay: broadcast bit set for the relay */
	cm_request_reboot(&m, mac, 2, A(10, 0, 0, 99));
	cm_giaddr(&m, A(10, 0, 0, 250));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), DHCP_NAK);
	assert_int_equal(t->rep.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(t->r.dest.addr, A(10, 0, 0, 250));
	/* a relay of another network: not ours */
	cm_discover(&m, mac, 3);
	cm_giaddr(&m, A(172, 16, 0, 1));
	cm_end(&m);
	assert_int_equal(t_send(t, &m), 0);
	assert_int_equal(t->r.drop, DHCP_DROP_RELAY);
}

/* --- on the link: IPv4 and UDP headers (dhcp_handle_ip()) --------------- */

/**
 * struct dg - a client's IPv4 datagram around a message
 * @b:		bytes: IPv4 header (20), UDP header (8), message, padding
 * @len:	bytes
 */
struct dg {
	uint8_t b[DHCP_HDRS_LEN + sizeof(((struct cm *)0)->b) + 64];
	size_t len;
};

static const uint8_t relay_mac[6] = { 0x02, 0x99, 0, 0, 0, 0x01 };

/* RFC 1071, summed bytewise here so as not to share the server's code */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i < len; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t udp_sum(const uint8_t *ip)
{
	size_t ulen = (size_t)ip[24] << 8 | ip[25];
	uint8_t ph[12] = { 0 };

	memcpy(ph, ip + 12, 8);
	ph[9] = 17;
	ph[10] = (uint8_t)(ulen >> 8);
	ph[11] = (uint8_t)ulen;
	return sum16(ip + 20, ulen, sum16(ph, sizeof(ph), 0));
}

/* @m from 0.0.0.0:68 (or @src) to @dst:67, checksums as a client's */
static void dg_wrap(struct dg *d, const struct cm *m, uint32_t src,
		    uint32_t dst)
{
	size_t ulen = DHCP_UDP_HLEN + m->len;
	uint16_t c;

	memset(d, 0, sizeof(*d));
	d->b[0] = 0x45;
	d->b[2] = (uint8_t)((20 + ulen) >> 8);
	d->b[3] = (uint8_t)(20 + ulen);
	d->b[8] = 64;
	d->b[9] = 17;
	be32(d->b + 12, src);
	be32(d->b + 16, dst);
	c = (uint16_t)~sum16(d->b, 20, 0);
	d->b[10] = (uint8_t)(c >> 8);
	d->b[11] = (uint8_t)c;
	d->b[21] = 68;
	d->b[23] = 67;
	d->b[24] = (uint8_t)(ulen >> 8);
	d->b[25] = (uint8_t)ulen;
	memcpy(d->b + 28, m->b, m->len);
	c = (uint16_t)~udp_sum(d->b);
	d->b[26] = (uint8_t)((c ? c : 0xffff) >> 8);
	d->b[27] = (uint8_t)(c ? c : 0xffff);
	d->len = 20 + ulen;
}

/* the IPv4 header again after a change at @off: fix its checksum */
static void dg_fix_ip_sum(struct dg *d)
{
	uint16_t c;

	d->b[10] = d->b[11] = 0;
	c = (uint16_t)~sum16(d->b, (size_t)(d->b[0] & 0xf) * 4, 0);
	d->b[10] = (uint8_t)(c >> 8);
	d->b[11] = (uint8_t)c;
}

/* one datagram to dhcp_handle_ip(); a reply's headers are checked, its
 * message parsed into t->rep; returns the reply type, 0 for none */
static uint8_t t_send_ip(struct t *t, const struct dg *d)
{
	uint8_t out[DHCP_HDRS_LEN + DHCP_REPLY_MAX];
	enum dhcp_err err;
	size_t ulen;

	memset(&t->rep, 0, sizeof(t->rep));
	assert_int_equal(dhcp_handle_ip(t->srv, d->b, d->len, relay_mac,
					t->csum_known, t->now, out, sizeof(out),
					&t->r),
			 0);
	if (!t->r.len)
		return 0;
	assert_in_range(t->r.len, DHCP_HDRS_LEN + DHCP_REPLY_MIN,
			DHCP_HDRS_LEN + DHCP_REPLY_MAX);
	/* IPv4: 20 bytes, total length, DF and ID 0, TTL, UDP, addresses */
	assert_int_equal(out[0], 0x45);
	assert_int_equal((size_t)out[2] << 8 | out[3], t->r.len);
	assert_int_equal(out[4] | out[5], 0);
	assert_int_equal(out[6], 0x40);
	assert_int_equal(out[7], 0);
	assert_int_equal(out[8], DHCP_IP_TTL);
	assert_int_equal(out[9], 17);
	assert_int_equal(rd32(out + 12), GW);
	assert_int_equal(rd32(out + 16), t->r.dest.addr);
	assert_int_equal(sum16(out, 20, 0), 0xffff);
	/* UDP: from 67 to the destination's port, length, checksum */
	ulen = (size_t)out[24] << 8 | out[25];
	assert_int_equal(out[20] << 8 | out[21], DHCP_SERVER_PORT);
	assert_int_equal(out[22] << 8 | out[23], t->r.dest.port);
	assert_int_equal(ulen, t->r.len - 20);
	assert_int_not_equal(out[26] | out[27], 0);
	assert_int_equal(udp_sum(out), 0xffff);
	memcpy(t->out, out + DHCP_HDRS_LEN, t->r.len - DHCP_HDRS_LEN);
	if (dhcp_parse(t->out, t->r.len - DHCP_HDRS_LEN, &t->rep, &err))
		fail_msg("reply does not parse: %s", dhcp_err_name(err));
	assert_int_equal(t->rep.type, t->r.type);
	return t->r.type;
}

static void
ip_offer_without_broadcast_flag_goes_to_chaddr_and_yiaddr(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct dg d;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_end(&m);
	dg_wrap(&d, &m, 0, UINT32_MAX);
	assert_int_equal(t_send_ip(t, &d), DHCP_OFFER);
	/* RFC 2131 4.1: no ciaddr, no broadcast bit: yiaddr at chaddr */
	assert_int_equal(t->r.dest.kind, DHCP_DEST_HWADDR);
	assert_int_equal(t->r.dest.addr, t->rep.yiaddr);
	assert_int_equal(t->r.dest.port, DHCP_CLIENT_PORT);
	assert_memory_equal(t->r.dest.mac, mac, 6);
	assert_int_equal(stats(t)->rx[DHCP_DISCOVER], 1);
}

static void ip_broadcast_flag_and_nak_go_to_broadcast(void **state)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct dg d;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_broadcast(&m);
	cm_end(&m);
	dg_wrap(&d, &m, 0, UINT32_MAX);
	assert_int_equal(t_send_ip(t, &d), DHCP_OFFER);
	assert_int_equal(t->r.dest.addr, UINT32_MAX);
	assert_memory_equal(t->r.dest.mac, bcast, 6);
	/* INIT-REBOOT with an address of another network: NAK, broadcast */
	cm_request_reboot(&m, mac, 2, A(10, 0, 9, 9));
	cm_end(&m);
	dg_wrap(&d, &m, 0, UINT32_MAX);
	assert_int_equal(t_send_ip(t, &d), DHCP_NAK);
	assert_int_equal(t->r.dest.addr, UINT32_MAX);
	assert_memory_equal(t->r.dest.mac, bcast, 6);
}

static void ip_renewal_to_server_answered_at_ciaddr(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct dg d;
	struct cm m;
	uint32_t a;

	*state = t;
	mac_of(mac, 1);
	a = dora(t, mac);
	cm_request_renew(&m, mac, 0x2000, a);
	cm_end(&m);
	dg_wrap(&d, &m, a, GW);
	assert_int_equal(t_send_ip(t, &d), DHCP_ACK);
	assert_int_equal(t->r.dest.kind, DHCP_DEST_UNICAST);
	assert_int_equal(t->r.dest.addr, a);
	assert_memory_equal(t->r.dest.mac, mac, 6);
	/* REBINDING to the network's broadcast address: answered too */
	dg_wrap(&d, &m, a, A(10, 0, 0, 255));
	assert_int_equal(t_send_ip(t, &d), DHCP_ACK);
	assert_int_equal(t->r.dest.addr, a);
}

static void ip_relayed_request_answered_at_relay_mac(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct dg d;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_giaddr(&m, A(10, 0, 0, 250));
	cm_end(&m);
	dg_wrap(&d, &m, A(10, 0, 0, 250), GW);
	assert_int_equal(t_send_ip(t, &d), DHCP_OFFER);
	assert_int_equal(t->r.dest.addr, A(10, 0, 0, 250));
	assert_int_equal(t->r.dest.port, DHCP_SERVER_PORT);
	assert_memory_equal(t->r.dest.mac, relay_mac, 6);
}

static void ip_padding_and_no_udp_checksum_accepted(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct dg d;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_end(&m);
	dg_wrap(&d, &m, 0, UINT32_MAX);
	d.b[26] = d.b[27] = 0; /* RFC 768: no checksum */
	d.len += 18; /* link padding past the total length */
	assert_int_equal(t_send_ip(t, &d), DHCP_OFFER);
	/* an IPv4 option (router alert) before UDP */
	cm_discover(&m, mac, 2);
	cm_end(&m);
	dg_wrap(&d, &m, 0, UINT32_MAX);
	memmove(d.b + 24, d.b + 20, d.len - 20);
	d.b[0] = 0x46;
	d.b[20] = 0x94;
	d.b[21] = 4;
	d.b[22] = d.b[23] = 0;
	d.len += 4;
	d.b[2] = (uint8_t)(d.len >> 8);
	d.b[3] = (uint8_t)d.len;
	dg_fix_ip_sum(&d);
	assert_int_equal(t_send_ip(t, &d), DHCP_OFFER);
}

/* a datagram with a fault, dropped for @why and not counted as received */
static void ip_drop(struct t *t, const struct dg *d, enum dhcp_drop why)
{
	uint64_t rx = stats(t)->rx[DHCP_DISCOVER] + stats(t)->rx[0];
	uint64_t n = stats(t)->drop[why];

	assert_int_equal(t_send_ip(t, d), 0);
	assert_int_equal(t->r.drop, why);
	assert_int_equal(stats(t)->drop[why], n + 1);
	assert_int_equal(stats(t)->rx[DHCP_DISCOVER] + stats(t)->rx[0], rx);
}

static void ip_bad_headers_dropped_and_counted(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct dg good, d;
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_end(&m);
	dg_wrap(&good, &m, 0, UINT32_MAX);

	d = good;
	d.len = 19; /* shorter than a header */
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[0] = 0x65; /* IPv6's version */
	dg_fix_ip_sum(&d);
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[0] = 0x44; /* header of 16 bytes */
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[2] = 0x10; /* total length past the data */
	dg_fix_ip_sum(&d);
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[11] ^= 1; /* header checksum */
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[9] = 6; /* TCP */
	dg_fix_ip_sum(&d);
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[6] = 0x20; /* more fragments */
	dg_fix_ip_sum(&d);
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);
	d = good;
	d.b[7] = 0x01; /* a later fragment */
	dg_fix_ip_sum(&d);
	ip_drop(t, &d, DHCP_DROP_IP_HEADER);

	d = good;
	d.b[2] = 0; /* no room for UDP */
	d.b[3] = 24;
	dg_fix_ip_sum(&d);
	ip_drop(t, &d, DHCP_DROP_UDP_HEADER);
	d = good;
	d.b[24] = 0; /* UDP length under 8 */
	d.b[25] = 7;
	ip_drop(t, &d, DHCP_DROP_UDP_HEADER);
	d = good;
	d.b[24] += 1; /* UDP length past the IP one */
	ip_drop(t, &d, DHCP_DROP_UDP_HEADER);
	d = good;
	d.b[23] = 68; /* to the client port */
	ip_drop(t, &d, DHCP_DROP_UDP_HEADER);
	d = good;
	d.b[27] ^= 0x10; /* UDP checksum */
	ip_drop(t, &d, DHCP_DROP_UDP_CSUM);
	d = good;
	d.b[100] ^= 0x10; /* payload under the checksum */
	ip_drop(t, &d, DHCP_DROP_UDP_CSUM);
	/* checksum offload on this host: left for the device to fill in */
	t->csum_known = true;
	assert_int_equal(t_send_ip(t, &d), DHCP_OFFER);
	t->csum_known = false;

	dg_wrap(&d, &m, 0, A(10, 0, 0, 77)); /* another host */
	ip_drop(t, &d, DHCP_DROP_NOT_SERVER);
	dg_wrap(&d, &m, 0, A(192, 0, 2, 1)); /* another network */
	ip_drop(t, &d, DHCP_DROP_NOT_SERVER);
	assert_int_equal(t_send_ip(t, &good), DHCP_OFFER);
	assert_string_equal(dhcp_drop_name(DHCP_DROP_UDP_CSUM),
			    "bad_udp_checksum");
	assert_int_equal(dhcp_handle_ip(t->srv, good.b, good.len, relay_mac,
					false, t->now, t->out,
					DHCP_HDRS_LEN - 1, &t->r),
			 -EINVAL);
}

/* --- malformed and hostile messages -------------------------------------- */

static void truncated_options_dropped(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	/* the datagram ends inside the parameter request list */
	cm_discover(&m, mac, 1);
	m.len -= 4;
	expect_bad(t, &m, DHCP_ERR_TRUNCATED);
	/* ends after an option code, before its length */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	m.b[m.len++] = DHCP_OPT_HOSTNAME;
	expect_bad(t, &m, DHCP_ERR_TRUNCATED);
	/* the fixed part cut short */
	cm_discover(&m, mac, 1);
	m.len = 239;
	expect_bad(t, &m, DHCP_ERR_SHORT);
	m.len = 0;
	expect_bad(t, &m, DHCP_ERR_SHORT);
	/* no end option, padding to the end */
	cm_discover(&m, mac, 1);
	m.len = 300;
	expect_bad(t, &m, DHCP_ERR_NO_END);
}

static void option_overflow_dropped(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], big[255];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	/* a length running past the end of the message */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	m.b[m.len++] = DHCP_OPT_HOSTNAME;
	m.b[m.len++] = 200;
	memset(m.b + m.len, 'a', 20);
	m.len += 20;
	m.b[m.len++] = DHCP_OPT_END;
	expect_bad(t, &m, DHCP_ERR_TRUNCATED);
	/* one option repeated until its joined length passes 255 (RFC 3396) */
	memset(big, 'h', sizeof(big));
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_HOSTNAME, big, 200);
	cm_opt(&m, DHCP_OPT_HOSTNAME, big, 56);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_TOO_LONG);
	/* longer than a frame */
	cm_discover(&m, mac, 1);
	cm_end(&m);
	m.len = DHCP_MSG_MAX + 1;
	expect_bad(t, &m, DHCP_ERR_LONG);
}

static void wrong_magic_cookie_dropped(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_end(&m);
	be32(m.b + 236, 0x63825364);
	expect_bad(t, &m, DHCP_ERR_COOKIE);
}

static void bad_header_fields_dropped(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	cm_discover(&m, mac, 1);
	cm_end(&m);
	m.b[2] = 16; /* hlen */
	expect_bad(t, &m, DHCP_ERR_HLEN);
	m.b[2] = 6;
	m.b[1] = 6; /* IEEE 802 */
	expect_bad(t, &m, DHCP_ERR_HTYPE);
	m.b[1] = 1;
	m.b[0] = 3;
	expect_bad(t, &m, DHCP_ERR_OP);
	/* a BOOTREPLY is not for a server */
	m.b[0] = 2;
	expect_drop(t, &m, DHCP_DROP_REPLY, DHCP_ERR_NONE);
	/* a multicast or zero chaddr */
	m.b[0] = 1;
	m.b[28] = 0x01;
	expect_drop(t, &m, DHCP_DROP_CHADDR, DHCP_ERR_NONE);
	memset(m.b + 28, 0, 6);
	expect_drop(t, &m, DHCP_DROP_CHADDR, DHCP_ERR_NONE);
}

static void bad_option_values_dropped(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], two[2] = { DHCP_DISCOVER, DHCP_DISCOVER };
	uint8_t small[2] = { 0x01, 0x00 }, id[80];
	struct cm m;

	*state = t;
	mac_of(mac, 1);
	/* BOOTP: no message type */
	memset(&m, 0, sizeof(m));
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	m.len = 240;
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_NO_TYPE);
	/* message type twice: joined, two bytes long */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_MSG_TYPE, two, 1);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_OPT_LEN);
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	m.len = 240;
	cm_opt(&m, DHCP_OPT_MSG_TYPE, two, 2);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_OPT_LEN);
	/* unknown message type */
	cm_start(&m, 19, mac, 1);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_TYPE);
	/* a server's message type */
	cm_start(&m, DHCP_OFFER, mac, 1);
	cm_end(&m);
	expect_drop(t, &m, DHCP_DROP_TYPE, DHCP_ERR_NONE);
	/* requested address of 3 bytes */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_REQUESTED, "abc", 3);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_OPT_LEN);
	/* maximum message size below 576 */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_MAX_SIZE, small, 2);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_OPT_LEN);
	/* client identifier of one byte */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, "x", 1);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_OPT_LEN);
	/* client identifier longer than the pool keeps */
	memset(id, 0xab, sizeof(id));
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id, sizeof(id));
	cm_end(&m);
	expect_drop(t, &m, DHCP_DROP_CLIENT_ID, DHCP_ERR_NONE);
	/* REQUEST with neither 50 nor ciaddr */
	cm_start(&m, DHCP_REQUEST, mac, 1);
	cm_end(&m);
	expect_drop(t, &m, DHCP_DROP_BAD_REQUEST, DHCP_ERR_NONE);
	/* nothing above touched the pool */
	struct ipam_stats st;

	ipam_stats(t->ipam, &st);
	assert_int_equal(st.kind[IPAM_LEASE], 0);
}

static void overload_option_fields_parsed_or_refused(void **state)
{
	struct t *t = t_new(NULL, NULL);
	uint8_t mac[6], v;
	struct cm m;
	size_t n;
	const uint8_t *p;

	*state = t;
	mac_of(mac, 1);
	/* host name and parameter list in 'file', client id in 'sname' */
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	v = 3;
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_end(&m);
	memcpy(m.b + 108, "\x0c\x05vmone\x37\x03\x01\x03\x06\xff", 13);
	memcpy(m.b + 44, "\x3d\x07\x01\x52\x54\x00\x00\x00\x01\xff", 10);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	p = dhcp_opt(&t->rep, DHCP_OPT_CLIENT_ID, &n);
	assert_int_equal(n, 7);
	assert_memory_equal(ipam_lookup(t->ipam, t->rep.yiaddr)->name, "vmone",
			    6);
	assert_non_null(p);

	/* overload value out of range */
	cm_start(&m, DHCP_DISCOVER, mac, 2);
	v = 4;
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_end(&m);
	expect_bad(t, &m, DHCP_ERR_OVERLOAD);
	/* overload announced twice */
	cm_start(&m, DHCP_DISCOVER, mac, 2);
	v = 1;
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_end(&m);
	m.b[108] = DHCP_OPT_END;
	expect_bad(t, &m, DHCP_ERR_OVERLOAD);
	/* overload inside the overloaded 'file' field */
	cm_start(&m, DHCP_DISCOVER, mac, 2);
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_end(&m);
	memcpy(m.b + 108, "\x34\x01\x02\xff", 4);
	expect_bad(t, &m, DHCP_ERR_OVERLOAD);
	/* 'file' without an end option */
	cm_start(&m, DHCP_DISCOVER, mac, 2);
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_end(&m);
	memset(m.b + 108, 0, 128);
	expect_bad(t, &m, DHCP_ERR_NO_END);
	/* an option running past the end of 'sname' into 'file' */
	cm_start(&m, DHCP_DISCOVER, mac, 2);
	v = 2;
	cm_opt(&m, DHCP_OPT_OVERLOAD, &v, 1);
	cm_end(&m);
	m.b[44 + 60] = DHCP_OPT_HOSTNAME;
	m.b[44 + 61] = 10;
	expect_bad(t, &m, DHCP_ERR_TRUNCATED);
	/* without option 52, 'file' is a file name, not options */
	cm_discover(&m, mac, 3);
	cm_end(&m);
	memset(m.b + 108, 0xee, 128);
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
}

static void split_option_joined_per_rfc3396(void **state)
{
	struct t *t = t_new(NULL, NULL);
	static const uint8_t id[] = { 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t mac[6];
	struct dhcp_msg msg;
	const uint8_t *p;
	struct cm m;
	size_t n;

	*state = t;
	mac_of(mac, 1);
	cm_start(&m, DHCP_DISCOVER, mac, 1);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id, 4);
	cm_opt(&m, DHCP_OPT_HOSTNAME, "a", 1);
	cm_opt(&m, DHCP_OPT_CLIENT_ID, id + 4, 5);
	cm_end(&m);
	assert_int_equal(dhcp_parse(m.b, m.len, &msg, NULL), 0);
	p = dhcp_opt(&msg, DHCP_OPT_CLIENT_ID, &n);
	assert_int_equal(n, sizeof(id));
	assert_memory_equal(p, id, sizeof(id));
	/* the reply echoes it whole (checked by t_send) */
	assert_int_equal(t_send(t, &m), DHCP_OFFER);
	assert_int_equal(ipam_lookup(t->ipam, t->rep.yiaddr)->id_len,
			 sizeof(id));
}

static void build_pads_to_bootp_size_and_fits_548(void **state)
{
	struct dhcp_config cfg = { .server_id = GW,
				   .netmask = A(255, 255, 255, 0),
				   .n_dns = DHCP_DNS_MAX };
	struct dhcp_answer ans = { .type = DHCP_ACK,
				   .yiaddr = A(10, 0, 0, 9),
				   .lease_time = UINT32_MAX };
	uint8_t mac[6], buf[DHCP_REPLY_MAX + 100], prl[255];
	struct dhcp_msg req, rep;
	struct dhcp_dest d;
	struct cm m;
	size_t len, n, i;

	(void)state;
	mac_of(mac, 1);
	memset(cfg.domain, 'd', sizeof(cfg.domain) - 1);
	for (i = 0; i < sizeof(prl); i++)
		prl[i] = (uint8_t)(i + 1);
	cm_start(&m, DHCP_REQUEST, mac, 1);
	cm_opt(&m, DHCP_OPT_PRL, prl, sizeof(prl));
	cm_end(&m);
	assert_int_equal(dhcp_parse(m.b, m.len, &req, NULL), 0);
	/* a long domain and the longest DNS list: whatever fits */
	assert_int_equal(
		dhcp_build(&cfg, &req, &ans, buf, sizeof(buf), &len, &d), 0);
	assert_true(len <= DHCP_REPLY_MAX);
	assert_int_equal(dhcp_parse(buf, len, &rep, NULL), 0);
	assert_int_equal(opt32(&rep, DHCP_OPT_LEASE_TIME), UINT32_MAX);
	assert_false(has_opt(&rep, DHCP_OPT_T1)); /* infinite: no renewal */
	assert_non_null(dhcp_opt(&rep, DHCP_OPT_DNS, &n));
	assert_int_equal(n, 4 * DHCP_DNS_MAX);
	/* a NAK, short: padded to 300 */
	ans.type = DHCP_NAK;
	assert_int_equal(
		dhcp_build(&cfg, &req, &ans, buf, sizeof(buf), &len, &d), 0);
	assert_int_equal(len, DHCP_REPLY_MIN);
	assert_int_equal(
		dhcp_build(&cfg, &req, &ans, buf, DHCP_REPLY_MIN - 1, &len, &d),
		-ENOSPC);
	ans.type = DHCP_REQUEST;
	assert_int_equal(
		dhcp_build(&cfg, &req, &ans, buf, sizeof(buf), &len, &d),
		-EINVAL);
}

static void server_refuses_bad_configuration(void **state)
{
	struct ipam_config ic = { .net = NET, .plen = 24 };
	struct dhcp_config dc = { .server_id = A(10, 0, 1, 1) };
	struct dhcp_server *srv;
	struct ipam *ipam;

	(void)state;
	assert_int_equal(ipam_create(&ipam, &ic), 0);
	assert_int_equal(dhcp_server_create(&srv, &dc, ipam), -EINVAL);
	dc.server_id = GW;
	dc.netmask = A(255, 255, 0, 0);
	assert_int_equal(dhcp_server_create(&srv, &dc, ipam), -EINVAL);
	dc.netmask = 0;
	dc.lease_time = 10;
	assert_int_equal(dhcp_server_create(&srv, &dc, ipam), -EINVAL);
	dc.lease_time = 0;
	dc.n_dns = DHCP_DNS_MAX + 1;
	assert_int_equal(dhcp_server_create(&srv, &dc, ipam), -EINVAL);
	dc.n_dns = 0;
	assert_int_equal(dhcp_server_create(&srv, &dc, ipam), 0);
	assert_int_equal(dhcp_server_config(srv)->lease_time,
			 DHCP_LEASE_DEFAULT);
	dhcp_server_destroy(srv);
	ipam_destroy(ipam);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T(dora_gives_lowest_free_address_with_all_options),
		T(options_follow_parameter_request_list_order),
		T(broadcast_flag_gets_broadcast_offer),
		T(renewal_unicast_request_with_ciaddr_extends_lease),
		T(rebinding_broadcast_request_acked_to_ciaddr),
		T(renewal_after_expiry_rebinds_same_address),
		T(init_reboot_with_wrong_address_is_nakked),
		T(init_reboot_of_unknown_client_acked_if_address_free),
		T(non_authoritative_server_silent_to_unknown_client),
		T(selecting_another_server_drops_offer_silently),
		T(selecting_address_not_offered_is_nakked),
		T(release_frees_address_and_sends_nothing),
		T(decline_quarantines_address),
		T(decline_and_release_checked_against_the_lease),
		T(inform_acked_without_lease),
		T(static_reservation_wins),
		T(client_identifier_is_the_identity),
		T(pool_exhaustion_answered_with_no_offer),
		T(flood_of_new_macs_limited),
		T(one_mac_cycling_client_ids_limited),
		T(new_client_retransmitting_gets_in_under_flood),
		T(request_for_an_offer_is_not_rate_limited),
		T(offers_not_requested_give_way_when_share_full),
		T(decline_loop_of_one_mac_held_off),
		T(declines_count_against_client_limit),
		T(declines_of_many_macs_bounded_and_reserve_kept),
		T(one_mac_new_offers_limited_by_its_bucket),
		T(relayed_request_answered_to_relay),
		T(ip_offer_without_broadcast_flag_goes_to_chaddr_and_yiaddr),
		T(ip_broadcast_flag_and_nak_go_to_broadcast),
		T(ip_renewal_to_server_answered_at_ciaddr),
		T(ip_relayed_request_answered_at_relay_mac),
		T(ip_padding_and_no_udp_checksum_accepted),
		T(ip_bad_headers_dropped_and_counted),
		T(truncated_options_dropped),
		T(option_overflow_dropped),
		T(wrong_magic_cookie_dropped),
		T(bad_header_fields_dropped),
		T(bad_option_values_dropped),
		T(overload_option_fields_parsed_or_refused),
		T(split_option_joined_per_rfc3396),
		cmocka_unit_test(build_pads_to_bootp_size_and_fits_548),
		cmocka_unit_test(server_refuses_bad_configuration),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
