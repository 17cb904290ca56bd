// SPDX-License-Identifier: GPL-2.0-or-later
/* hostnat - fuzz_dhcp.c: libFuzzer target for the DHCP server and the pool
 *
 * Theory of operation
 * -------------------
 * One pool (10.0.0.0/27, gateway 10.0.0.1, a reservation, an endpoint,
 * small limits so that caps, rate and table eviction are reached) and its
 * server are created on the first input and kept for the whole run, so
 * leases build up over many inputs (set FUZZ_FRESH=1 to make new ones for
 * every input: a crash then reproduces from its input alone).
 *
 * The first byte of an input picks a mode (bits 0-1) and advances the
 * clock (bits 2-7: that many seconds, times 16 when bit 7 is set, so offer
 * holds, leases and quarantines all run out):
 *
 *  0  raw:      the rest is a UDP payload for dhcp_handle(), or when it
 *               starts with 0x4_ (IPv4; no BOOTP op does) an IPv4
 *               datagram for dhcp_handle_ip(), bit 0 of its second byte
 *               saying whether the link vouches for the UDP checksum
 *  1  template: three knob bytes build a well-formed header (message
 *               type, client, ciaddr, giaddr, broadcast flag, options 61,
 *               50, 54, overload), the rest is appended as options, then
 *               an end option unless a knob says not to
 *  2  parse:    the rest goes to dhcp_parse(); a message that parses is
 *               answered with dhcp_build() for OFFER, ACK and NAK
 *  3  state:    the rest is a state file for ipam_load() into a new pool
 *
 * Checked with abort(), after printing the input in hex:
 *  - a reply of dhcp_handle_ip() is an IPv4 datagram from the server's
 *    address to the destination reported, UDP from port 67, both
 *    checksums right, around a reply that passes the checks below;
 *  - every reply (dhcp_handle() or dhcp_build()) is 300 to 548 bytes,
 *    parses again with dhcp_parse(), is a BOOTREPLY of the type reported,
 *    with the request's xid and chaddr, and echoes option 61 exactly;
 *  - an OFFER or ACK with an address gives one of the pool, held by that
 *    client or reserved for it;
 *  - a message dropped or answered moves exactly one counter;
 *  - the pool never holds an address twice and its counters agree with
 *    its entries (walked after every input);
 *  - a state file that loads saves to text that loads again and saves to
 *    the very same text.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "ipam.h"

#define NET 0x0a000000u /* 10.0.0.0 */
#define GW 0x0a000001u /* 10.0.0.1 */
#define PLEN 27
#define MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ipam *ipam;
static struct dhcp_server *srv;
static int64_t now = 1700000000;
static const uint8_t *cur_data;
static size_t cur_size;

static void die(const char *why)
{
	size_t i;

	fprintf(stderr, "fuzz_dhcp: %s\ninput (%zu bytes):", why, cur_size);
	for (i = 0; i < cur_size; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n", cur_data[i]);
	fprintf(stderr, "\n");
	abort();
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void setup(void)
{
	struct ipam_config ic = {
		.net = NET,
		.plen = PLEN,
		.max_entries = 20,
		.max_leases = 16,
		.max_per_mac = 2,
		.rate = 2,
		.burst = 6,
		.hash_seed = 7,
	};
	struct dhcp_config dc = {
		.server_id = GW,
		.dns = { GW, 0x09090909 },
		.n_dns = 2,
		.domain = "fuzz.internal",
		.lease_time = 120,
		.offer_hold = 10,
		.decline_hold = 30,
	};
	static const uint8_t smac[6] = { 0x52, 0x54, 0, 0, 0, 3 };
	uint32_t a;

	if (ipam_create(&ipam, &ic) || ipam_system_add(ipam, GW, "gateway") ||
	    ipam_static_add(ipam, "web", smac, NET + 20) ||
	    ipam_endpoint_add(ipam, "c1", "/run/netns/c1", NULL, 0, &a) ||
	    dhcp_server_create(&srv, &dc, ipam))
		die("setup failed");
}

static void teardown(void)
{
	dhcp_server_destroy(srv);
	ipam_destroy(ipam);
	srv = NULL;
	ipam = NULL;
}

/* the pool holds every address at most once; counters match entries */
static void check_pool(const struct ipam *p)
{
	uint32_t pos = 0, prev = 0, used = 0, mem = 0, n = 0;
	uint32_t kinds[IPAM_KIND_MAX] = { 0 };
	const struct ipam_entry *e;
	struct ipam_stats st;

	ipam_stats(p, &st);
	while ((e = ipam_iter(p, &pos))) {
		if (e->addr <= prev || !ipam_contains(p, e->addr) ||
		    ipam_lookup(p, e->addr) != e || e->kind >= IPAM_KIND_MAX)
			die("pool walk out of order or inconsistent");
		prev = e->addr;
		n++;
		if (e->kind == IPAM_LEASE && e->state == IPAM_FREE) {
			mem++;
			continue;
		}
		used++;
		kinds[e->kind]++;
	}
	if (n != st.entries || used != st.used || mem != st.remembered ||
	    st.free != st.size - st.used ||
	    memcmp(kinds, st.kind, sizeof(kinds)))
		die("pool counters disagree with its entries");
}

/* what the server gives out stays within DHCP's share: the reserve
 * beyond it is the endpoints' (the server's pool is never loaded from a
 * file, which may hold more)
 */
static void check_share(const struct ipam *p)
{
	struct ipam_stats st;

	ipam_stats(p, &st);
	if (st.kind[IPAM_LEASE] + st.kind[IPAM_DECLINED] > st.max_leases)
		die("DHCP took more than its share of the pool");
}

/* a reply must parse again and match its request */
static void check_reply(const struct dhcp_msg *req, const uint8_t *buf,
			size_t len, uint8_t type)
{
	struct dhcp_msg rep;
	enum dhcp_err err;
	const uint8_t *p, *q;
	size_t n = 0, k = 0;

	if (len < DHCP_REPLY_MIN || len > DHCP_REPLY_MAX)
		die("reply length out of range");
	if (dhcp_parse(buf, len, &rep, &err)) {
		fprintf(stderr, "reply refused: %s\n", dhcp_err_name(err));
		die("reply does not parse");
	}
	if (rep.op != 2 || rep.type != type || rep.xid != req->xid ||
	    memcmp(rep.chaddr, req->chaddr, 16) || rep.giaddr != req->giaddr)
		die("reply does not match its request");
	p = dhcp_opt(req, DHCP_OPT_CLIENT_ID, &n);
	q = dhcp_opt(&rep, DHCP_OPT_CLIENT_ID, &k);
	if (!p != !q || n != k || (p && memcmp(p, q, n)))
		die("client identifier not echoed exactly");
	if (type == DHCP_NAK &&
	    (rep.yiaddr || dhcp_opt(&rep, DHCP_OPT_LEASE_TIME, &n)))
		die("NAK with an address or a lease");
}

static uint64_t sum_counters(const struct dhcp_stats *st)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < DHCP_DROP_MAX; i++)
		s += st->drop[i];
	for (i = 0; i <= DHCP_TYPE_MAX; i++)
		s += st->tx[i];
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071 sum, folded; 0xffff over data that holds its checksum */
static uint16_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i < len; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* the checks of an outcome of @msg (a DHCP message); @out: the reply */
static void check_outcome(const uint8_t *msg, size_t len, const uint8_t *out,
			  const struct dhcp_reply *r, uint64_t before)
{
	struct dhcp_msg req;
	uint64_t after;
	bool consumed;

	after = sum_counters(dhcp_server_stats(srv));
	/* RELEASE and DECLINE handled move no drop or tx counter */
	consumed = !r->len && r->drop == DHCP_DROP_NONE;
	if (after != before + (consumed ? 0 : 1))
		die("not exactly one counter moved");
	if (r->drop >= DHCP_DROP_MAX || (r->len && r->drop))
		die("bad drop reason");
	if (!r->len)
		return;
	if (dhcp_parse(msg, len, &req, NULL))
		die("a reply to a message that does not parse");
	check_reply(&req, out, r->len, r->type);
	if ((r->type == DHCP_OFFER || r->type == DHCP_ACK) && req.type != 8) {
		struct dhcp_msg rep;
		const struct ipam_entry *e;

		uint8_t key[IPAM_ID_MAX] = { 1 };
		const uint8_t *id;
		size_t idlen;

		dhcp_parse(out, r->len, &rep, NULL);
		e = ipam_lookup(ipam, rep.yiaddr);
		id = dhcp_opt(&req, DHCP_OPT_CLIENT_ID, &idlen);
		if (!id) {
			memcpy(key + 1, req.chaddr, 6);
			id = key;
			idlen = 7;
		}
		if (!e)
			die("address given that the pool does not hold");
		if (e->kind == IPAM_STATIC
			    ? memcmp(e->mac, req.chaddr, 6)
			    : e->kind != IPAM_LEASE || e->state == IPAM_FREE ||
				      e->id_len != idlen ||
				      memcmp(e->id, id, idlen))
			die("address given that the client does not hold");
	}
}

static void handle(const uint8_t *msg, size_t len)
{
	uint8_t out[DHCP_REPLY_MAX];
	struct dhcp_reply r;
	uint64_t before = sum_counters(dhcp_server_stats(srv));

	if (dhcp_handle(srv, msg, len, now, out, sizeof(out), &r))
		die("dhcp_handle refused its arguments");
	check_outcome(msg, len, out, &r, before);
}

/* mode 0 with an IPv4 datagram: dhcp_handle_ip() */
static void handle_ip(const uint8_t *pkt, size_t len)
{
	static const uint8_t relay[6] = { 0x02, 0x99, 0, 0, 0, 1 };
	uint8_t out[DHCP_HDRS_LEN + DHCP_REPLY_MAX], ph[12] = { 0 };
	uint64_t before = sum_counters(dhcp_server_stats(srv));
	struct dhcp_reply r;
	size_t hlen, ulen;

	if (dhcp_handle_ip(srv, pkt, len, relay, len > 1 && (pkt[1] & 1), now,
			   out, sizeof(out), &r))
		die("dhcp_handle_ip refused its arguments");
	if (!r.len) {
		if (r.drop >= DHCP_DROP_IP_HEADER) {
			if (sum_counters(dhcp_server_stats(srv)) != before + 1)
				die("not exactly one counter moved");
			return;
		}
	} else if (r.len < DHCP_HDRS_LEN + DHCP_REPLY_MIN || out[0] != 0x45 ||
		   (size_t)(out[2] << 8 | out[3]) != r.len ||
		   sum16(out, DHCP_IP_HLEN, 0) != 0xffff || out[9] != 17 ||
		   rd32(out + 12) != GW || rd32(out + 16) != r.dest.addr ||
		   (out[20] << 8 | out[21]) != DHCP_SERVER_PORT ||
		   (out[22] << 8 | out[23]) != r.dest.port ||
		   (size_t)(out[24] << 8 | out[25]) != r.len - DHCP_IP_HLEN) {
		die("reply's IPv4 or UDP header wrong");
	} else {
		memcpy(ph, out + 12, 8);
		ph[9] = 17;
		ph[10] = out[24];
		ph[11] = out[25];
		if (sum16(out + DHCP_IP_HLEN, r.len - DHCP_IP_HLEN,
			  sum16(ph, sizeof(ph), 0)) != 0xffff)
			die("reply's UDP checksum wrong");
	}
	/* accepted: the message is the UDP payload */
	hlen = (size_t)(pkt[0] & 0xf) * 4;
	ulen = (size_t)(pkt[hlen + 4] << 8 | pkt[hlen + 5]);
	if (r.len)
		r.len -= DHCP_HDRS_LEN;
	check_outcome(pkt + hlen + DHCP_UDP_HLEN, ulen - DHCP_UDP_HLEN,
		      out + DHCP_HDRS_LEN, &r, before);
}

/* mode 1: a well-formed header from knobs, fuzzed options after */
static void template(const uint8_t *d, size_t n)
{
	uint8_t msg[DHCP_MSG_MAX];
	uint8_t k0, k1, k2;
	size_t len = 240;

	if (n < 3)
		return;
	k0 = d[0];
	k1 = d[1];
	k2 = d[2];
	d += 3;
	n -= 3;
	memset(msg, 0, sizeof(msg));
	msg[0] = 1;
	msg[1] = 1;
	msg[2] = 6;
	wr32(msg + 4, 0x1000u + k1);
	msg[28] = 0x52;
	msg[29] = 0x54;
	msg[33] = (uint8_t)(k1 & 7); /* eight clients; 3 is reserved */
	if (k2 & 0x01)
		wr32(msg + 12, NET + (k1 >> 3)); /* ciaddr */
	if (k2 & 0x02)
		wr32(msg + 24, (k2 & 0x04) ? NET + 30 : 0xac100001u);
	if (k2 & 0x08)
		msg[10] = 0x80;
	wr32(msg + 236, DHCP_MAGIC);
	msg[len++] = DHCP_OPT_MSG_TYPE;
	msg[len++] = 1;
	msg[len++] = (uint8_t)(1 + (k0 & 7)); /* DISCOVER to INFORM */
	if (k2 & 0x10) { /* client id: per MAC, or shared */
		msg[len++] = DHCP_OPT_CLIENT_ID;
		msg[len++] = 3;
		msg[len++] = 0xff;
		msg[len++] = (k2 & 0x80) ? 0 : 1;
		msg[len++] = (uint8_t)(k1 & 7);
	}
	if (k0 & 0x08) { /* requested address in the pool */
		msg[len++] = DHCP_OPT_REQUESTED;
		msg[len++] = 4;
		wr32(msg + len, NET + (k0 >> 3));
		len += 4;
	}
	if (k2 & 0x20) { /* server identifier, ours or another */
		msg[len++] = DHCP_OPT_SERVER_ID;
		msg[len++] = 4;
		wr32(msg + len, (k2 & 0x40) ? GW : NET + 2);
		len += 4;
	}
	if (n > sizeof(msg) - len - 1)
		n = sizeof(msg) - len - 1;
	memcpy(msg + len, d, n);
	len += n;
	if (!(k1 & 0x80))
		msg[len++] = DHCP_OPT_END;
	if ((k1 & 0x40) && len < 300)
		len = 300;
	handle(msg, len);
}

/* mode 2: parse, then answer with each reply type */
static void parse_and_build(const uint8_t *d, size_t n)
{
	static const uint8_t types[] = { DHCP_OFFER, DHCP_ACK, DHCP_NAK };
	const struct dhcp_config *cfg = dhcp_server_config(srv);
	uint8_t out[DHCP_REPLY_MAX];
	struct dhcp_msg msg;
	struct dhcp_dest dest;
	enum dhcp_err err;
	size_t i, len, k;

	if (dhcp_parse(d, n, &msg, &err)) {
		if (err == DHCP_ERR_NONE || err >= DHCP_ERR_MAX)
			die("refused without a reason");
		return;
	}
	if (msg.htype != 1 || msg.hlen != 6 || !msg.type ||
	    msg.type > DHCP_TYPE_MAX)
		die("accepted a message it should refuse");
	for (k = 0; k < 256; k++) {
		size_t olen;
		const uint8_t *p = dhcp_opt(&msg, (uint8_t)k, &olen);

		if (p &&
		    (p < msg.data || p + olen > msg.data + sizeof(msg.data)))
			die("option outside the message");
	}
	if (msg.op != 1)
		return;
	for (i = 0; i < sizeof(types); i++) {
		struct dhcp_answer ans = { .type = types[i],
					   .yiaddr = NET + 5,
					   .lease_time = i ? 120 : 0,
					   .message = "no" };

		if (dhcp_build(cfg, &msg, &ans, out, sizeof(out), &len, &dest))
			die("dhcp_build failed");
		check_reply(&msg, out, len, types[i]);
	}
}

/* mode 3: a state file */
static void state_file(const uint8_t *d, size_t n)
{
	struct ipam_config ic = { .net = NET, .plen = 24, .max_entries = 64 };
	struct ipam *a = NULL, *b = NULL;
	char err[256], *t1 = NULL, *t2 = NULL;
	ssize_t l1, l2;

	if (ipam_create(&a, &ic) || ipam_create(&b, &ic))
		die("ipam_create");
	if (ipam_load(a, (const char *)d, n, err, sizeof(err))) {
		if (strncmp(err, "line ", 5))
			die("refusal without a line number");
		if (ipam_iter(a, &(uint32_t){ 0 }))
			die("refused file left entries behind");
		goto out;
	}
	check_pool(a);
	l1 = ipam_save(a, NULL, 0);
	t1 = malloc((size_t)l1 + 1);
	if (!t1 || ipam_save(a, t1, (size_t)l1 + 1) != l1)
		die("ipam_save");
	if (ipam_load(b, t1, (size_t)l1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		die("saved text does not load");
	}
	l2 = ipam_save(b, NULL, 0);
	t2 = malloc((size_t)l2 + 1);
	if (!t2 || ipam_save(b, t2, (size_t)l2 + 1) != l2 || l1 != l2 ||
	    memcmp(t1, t2, (size_t)l1))
		die("state file does not round-trip");
out:
	free(t1);
	free(t2);
	ipam_destroy(a);
	ipam_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool fresh_env, checked_env;
	uint8_t b0;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	if (!checked_env) {
		fresh_env = getenv("FUZZ_FRESH") != NULL;
		checked_env = true;
	}
	cur_data = data;
	cur_size = size;
	if (!srv)
		setup();
	b0 = data[0];
	now += (b0 & 0x80) ? (int64_t)((b0 >> 2) & 0x1f) * 16 : b0 >> 2;
	switch (b0 & 3) {
	case 0:
		if (size > 1 && data[1] >> 4 == 4)
			handle_ip(data + 1, size - 1);
		else
			handle(data + 1, size - 1);
		break;
	case 1:
		template(data + 1, size - 1);
		break;
	case 2:
		parse_and_build(data + 1, size - 1);
		break;
	case 3:
		state_file(data + 1, size - 1);
		break;
	}
	check_pool(ipam);
	check_share(ipam);
	if (fresh_env)
		teardown();
	return 0;
}
