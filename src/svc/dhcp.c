/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dhcp.c: the DHCP server of one NAT network
 *
 * Theory of operation
 * -------------------
 * Parsing (dhcp_parse()) is strict: an Ethernet BOOTP header (htype 1,
 * hlen 6), the magic cookie, then options. Options live in the options
 * field and, when option 52 says so, in the file and sname fields too;
 * each field must end with option 255, and no option may run past its
 * field. The same option found more than once is one option whose pieces
 * are joined in the order options, file, sname (RFC 3396); the joined
 * length is held to 255 bytes, so a repeated fixed-length option (two
 * message types, say) fails its length check. Option 52 itself must appear
 * once, in the options field. Parsing takes two walks over the fields: the
 * first checks the framing and adds up each option's length, the second
 * copies each option into one piece of @data. The fields the server needs
 * are decoded and checked; the rest are reachable with dhcp_opt().
 *
 * The server (dhcp_handle()) follows RFC 2131 section 4.3:
 *  - DISCOVER: choose an address (ipam_lease_offer(): reservation, the
 *    client's lease or offer, requested address, previous address, lowest
 *    free), hold it for offer_hold seconds, reply OFFER; new offers are
 *    what the pool rate-limits (ipam.c "Admission"), per MAC and for new
 *    clients, and an offer not requested gives way to newer ones when
 *    DHCP's share of the pool is full;
 *  - REQUEST: by its fields, SELECTING (option 54 and 50), INIT-REBOOT
 *    (50, no ciaddr), RENEWING or REBINDING (ciaddr): bind and ACK, or NAK
 *    an address the client may not have; a client that selected another
 *    server loses its offer silently. A REQUEST for an offer or lease the
 *    client holds is never rate-limited; one that makes a lease for a
 *    client the pool does not know (INIT-REBOOT) is a new client;
 *  - DECLINE: the address goes into quarantine for decline_hold seconds,
 *    charged to the MAC that declined it (ipam.c: a MAC that declines
 *    again and again is held off, DHCP_DROP_DECLINING);
 *  - RELEASE: the lease ends, the address stays remembered for the client;
 *  - INFORM: ACK with the configuration and no lease.
 * The client is identified by option 61 when present (RFC 2131 section
 * 4.2; echoed in replies, RFC 6842), else by chaddr; reservations go by
 * chaddr. Replies go where RFC 2131 section 4.1 says: to a relay (giaddr),
 * to ciaddr, broadcast (broadcast bit, or any NAK), or to yiaddr at chaddr.
 *
 * Every message is counted by type, every reply by type, every message
 * that gets no reply for a fault by reason. Replies are written into the
 * caller's buffer and are at most DHCP_REPLY_MAX bytes, padded to
 * DHCP_REPLY_MIN; nothing is allocated per message.
 *
 * dhcp_handle_ip() takes a whole IPv4 datagram, as a packet socket reads
 * it from the link before any firewall has looked at it, so it checks
 * what the kernel's IP and UDP input would have: version, header and total
 * lengths (link padding past the total length is ignored), the header
 * checksum, UDP, no fragment (a DHCP message fits one frame), the UDP
 * length, port 67, the UDP checksum when the client sent one (RFC 768:
 * zero means none) and the link did not vouch for it (the caller says so:
 * a packet socket sees a checksum that the device already checked, or one
 * that a sender on this host left for offload, not yet filled in), and a
 * destination the server answers to: its own
 * address, 255.255.255.255 or the network's broadcast address. Each fault
 * is a drop reason of its own. The reply is framed with a 20-byte IPv4
 * header from the server's address (atomic: DF set, ID 0, RFC 6864) and
 * a UDP header from port 67, both checksums filled in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "csum.h"
#include "dhcp.h"
#include "be.h"

#define BOOTREQUEST 1
#define BOOTREPLY 2

#define IPPROTO_UDP_ 17
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

/* offsets in the fixed part, RFC 2131 figure 1 */
#define OFF_OP 0
#define OFF_HTYPE 1
#define OFF_HLEN 2
#define OFF_HOPS 3
#define OFF_XID 4
#define OFF_SECS 8
#define OFF_FLAGS 10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_SIADDR 20
#define OFF_GIADDR 24
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define OFF_OPTIONS 240
#define SNAME_LEN 64
#define FILE_LEN 128

#define OVERLOAD_FILE 1 /* RFC 2132 section 9.3 */
#define OVERLOAD_SNAME 2
#define MAX_SIZE_MIN 576 /* bytes, RFC 2132 section 9.10 */

struct dhcp_server {
	struct dhcp_config cfg;
	struct ipam *ipam;
	struct dhcp_stats stats;
};

static const char *const type_names[DHCP_TYPE_MAX + 1] = {
	[DHCP_DISCOVER] = "discover", [DHCP_OFFER] = "offer",
	[DHCP_REQUEST] = "request",   [DHCP_DECLINE] = "decline",
	[DHCP_ACK] = "ack",	      [DHCP_NAK] = "nak",
	[DHCP_RELEASE] = "release",   [DHCP_INFORM] = "inform",
};

static const char *const err_names[DHCP_ERR_MAX] = {
	[DHCP_ERR_NONE] = "none",
	[DHCP_ERR_SHORT] = "short",
	[DHCP_ERR_LONG] = "long",
	[DHCP_ERR_OP] = "bad_op",
	[DHCP_ERR_HTYPE] = "bad_htype",
	[DHCP_ERR_HLEN] = "bad_hlen",
	[DHCP_ERR_COOKIE] = "bad_cookie",
	[DHCP_ERR_TRUNCATED] = "truncated_option",
	[DHCP_ERR_NO_END] = "no_end_option",
	[DHCP_ERR_OVERLOAD] = "bad_overload",
	[DHCP_ERR_TOO_LONG] = "option_too_long",
	[DHCP_ERR_OPT_LEN] = "bad_option_length",
	[DHCP_ERR_NO_TYPE] = "no_message_type",
	[DHCP_ERR_TYPE] = "bad_message_type",
};

static const char *const drop_names[DHCP_DROP_MAX] = {
	[DHCP_DROP_NONE] = "none",
	[DHCP_DROP_MALFORMED] = "malformed",
	[DHCP_DROP_REPLY] = "bootreply",
	[DHCP_DROP_TYPE] = "wrong_type",
	[DHCP_DROP_CHADDR] = "bad_chaddr",
	[DHCP_DROP_CLIENT_ID] = "client_id_too_long",
	[DHCP_DROP_RELAY] = "foreign_relay",
	[DHCP_DROP_OTHER_SERVER] = "other_server",
	[DHCP_DROP_BAD_REQUEST] = "bad_request",
	[DHCP_DROP_UNKNOWN] = "unknown_client",
	[DHCP_DROP_POOL_FULL] = "pool_full",
	[DHCP_DROP_LIMIT] = "lease_limit",
	[DHCP_DROP_RATE] = "new_client_rate",
	[DHCP_DROP_CLIENT_RATE] = "client_rate",
	[DHCP_DROP_DECLINING] = "declining_client",
	[DHCP_DROP_NO_LEASE] = "no_lease",
	[DHCP_DROP_RESERVED] = "reserved",
	[DHCP_DROP_INFORM] = "bad_inform",
	[DHCP_DROP_NO_ROOM] = "no_room",
	[DHCP_DROP_IP_HEADER] = "bad_ip_header",
	[DHCP_DROP_UDP_HEADER] = "bad_udp_header",
	[DHCP_DROP_UDP_CSUM] = "bad_udp_checksum",
	[DHCP_DROP_NOT_SERVER] = "not_to_server",
};

/* --- parsing ------------------------------------------------------------ */

static bool opt_present(const struct dhcp_msg *msg, uint8_t code)
{
	return msg->present[code >> 3] & (1u << (code & 7));
}

/**
 * dhcp_opt() - an option of a parsed message, its pieces joined
 * @msg:	parsed message
 * @code:	option code
 * @len:	its length
 *
 * Return: the option data (possibly of length 0), or NULL if absent
 */
const uint8_t *dhcp_opt(const struct dhcp_msg *msg, uint8_t code, size_t *len)
{
	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END ||
	    !opt_present(msg, code))
		return NULL;
	*len = msg->opt_len[code];
	return msg->data + msg->opt_off[code];
}

/**
 * struct walk - state of the option walks of dhcp_parse()
 * @copy:	second walk: copy the data (first: check and measure)
 * @total:	joined length per option code
 * @fill:	bytes copied so far per option code
 * @seen_overload: option 52 seen
 */
struct walk {
	bool copy;
	uint16_t total[256];
	uint16_t fill[256];
	bool seen_overload;
};

/* one field of options: check framing, then measure or copy */
static enum dhcp_err walk_field(struct walk *w, struct dhcp_msg *msg,
				const uint8_t *p, size_t n, bool options_field)
{
	size_t i = 0;

	while (i < n) {
		uint8_t code = p[i], olen;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return DHCP_ERR_NONE;
		if (i + 1 >= n)
			return DHCP_ERR_TRUNCATED;
		olen = p[i + 1];
		if (olen > n - i - 2)
			return DHCP_ERR_TRUNCATED;
		if (w->copy) {
			memcpy(msg->data + msg->opt_off[code] + w->fill[code],
			       p + i + 2, olen);
			w->fill[code] = (uint16_t)(w->fill[code] + olen);
		} else {
			if (code == DHCP_OPT_OVERLOAD) {
				/* RFC 2131 section 4.1: once, in options */
				if (!options_field || w->seen_overload ||
				    olen != 1 || p[i + 2] < 1 || p[i + 2] > 3)
					return DHCP_ERR_OVERLOAD;
				w->seen_overload = true;
				msg->overload = p[i + 2];
			}
			w->total[code] = (uint16_t)(w->total[code] + olen);
			if (w->total[code] > 255)
				return DHCP_ERR_TOO_LONG;
			msg->present[code >> 3] |= (uint8_t)(1u << (code & 7));
		}
		i += 2u + olen;
	}
	return DHCP_ERR_NO_END;
}

static enum dhcp_err walk_all(struct walk *w, struct dhcp_msg *msg,
			      const uint8_t *buf, size_t len)
{
	enum dhcp_err e;

	e = walk_field(w, msg, buf + OFF_OPTIONS, len - OFF_OPTIONS, true);
	if (!e && (msg->overload & OVERLOAD_FILE))
		e = walk_field(w, msg, buf + OFF_FILE, FILE_LEN, false);
	if (!e && (msg->overload & OVERLOAD_SNAME))
		e = walk_field(w, msg, buf + OFF_SNAME, SNAME_LEN, false);
	return e;
}

/* an option that must be @want bytes (or a multiple of 4 if @want is 0) */
static bool len_ok(const struct dhcp_msg *msg, uint8_t code, size_t want)
{
	if (!opt_present(msg, code))
		return true;
	if (!want)
		return msg->opt_len[code] && !(msg->opt_len[code] % 4);
	return msg->opt_len[code] == want;
}

/* the options a server needs, their lengths checked, into @msg's fields */
static enum dhcp_err decode(struct dhcp_msg *msg)
{
	size_t n;
	const uint8_t *p;

	if (!len_ok(msg, DHCP_OPT_MSG_TYPE, 1) ||
	    !len_ok(msg, DHCP_OPT_SUBNET_MASK, 4) ||
	    !len_ok(msg, DHCP_OPT_ROUTER, 0) || !len_ok(msg, DHCP_OPT_DNS, 0) ||
	    !len_ok(msg, DHCP_OPT_BROADCAST, 4) ||
	    !len_ok(msg, DHCP_OPT_REQUESTED, 4) ||
	    !len_ok(msg, DHCP_OPT_LEASE_TIME, 4) ||
	    !len_ok(msg, DHCP_OPT_SERVER_ID, 4) ||
	    !len_ok(msg, DHCP_OPT_MAX_SIZE, 2) ||
	    !len_ok(msg, DHCP_OPT_T1, 4) || !len_ok(msg, DHCP_OPT_T2, 4))
		return DHCP_ERR_OPT_LEN;
	/* RFC 2132 sections 3.14, 9.8, 9.14: at least 1, 1 and 2 bytes */
	if ((opt_present(msg, DHCP_OPT_HOSTNAME) &&
	     !msg->opt_len[DHCP_OPT_HOSTNAME]) ||
	    (opt_present(msg, DHCP_OPT_PRL) && !msg->opt_len[DHCP_OPT_PRL]) ||
	    (opt_present(msg, DHCP_OPT_CLIENT_ID) &&
	     msg->opt_len[DHCP_OPT_CLIENT_ID] < 2))
		return DHCP_ERR_OPT_LEN;

	p = dhcp_opt(msg, DHCP_OPT_MSG_TYPE, &n);
	if (!p)
		return DHCP_ERR_NO_TYPE;
	if (!p[0] || p[0] > DHCP_TYPE_MAX)
		return DHCP_ERR_TYPE;
	msg->type = p[0];
	p = dhcp_opt(msg, DHCP_OPT_MAX_SIZE, &n);
	if (p) {
		msg->max_size = get_be16(p);
		if (msg->max_size < MAX_SIZE_MIN)
			return DHCP_ERR_OPT_LEN;
	}
	p = dhcp_opt(msg, DHCP_OPT_REQUESTED, &n);
	if (p)
		msg->requested = get_be32(p);
	p = dhcp_opt(msg, DHCP_OPT_SERVER_ID, &n);
	if (p)
		msg->server_id = get_be32(p);
	p = dhcp_opt(msg, DHCP_OPT_LEASE_TIME, &n);
	if (p)
		msg->lease_time = get_be32(p);
	return DHCP_ERR_NONE;
}

/* a BOOTP message's fixed fields and option area (overloads too) read */
static enum dhcp_err parse(const uint8_t *buf, size_t len, struct dhcp_msg *msg)
{
	struct walk w;
	unsigned code;
	uint16_t off = 0;
	enum dhcp_err e;

	if (len < DHCP_MIN_LEN)
		return DHCP_ERR_SHORT;
	if (len > DHCP_MSG_MAX)
		return DHCP_ERR_LONG;
	msg->op = buf[OFF_OP];
	msg->htype = buf[OFF_HTYPE];
	msg->hlen = buf[OFF_HLEN];
	msg->hops = buf[OFF_HOPS];
	msg->xid = get_be32(buf + OFF_XID);
	msg->secs = get_be16(buf + OFF_SECS);
	msg->flags = get_be16(buf + OFF_FLAGS);
	msg->ciaddr = get_be32(buf + OFF_CIADDR);
	msg->yiaddr = get_be32(buf + OFF_YIADDR);
	msg->siaddr = get_be32(buf + OFF_SIADDR);
	msg->giaddr = get_be32(buf + OFF_GIADDR);
	memcpy(msg->chaddr, buf + OFF_CHADDR, sizeof(msg->chaddr));
	if (msg->op != BOOTREQUEST && msg->op != BOOTREPLY)
		return DHCP_ERR_OP;
	if (msg->htype != 1)
		return DHCP_ERR_HTYPE;
	if (msg->hlen != 6)
		return DHCP_ERR_HLEN;
	if (get_be32(buf + OFF_COOKIE) != DHCP_MAGIC)
		return DHCP_ERR_COOKIE;

	memset(&w, 0, sizeof(w));
	e = walk_all(&w, msg, buf, len);
	if (e)
		return e;
	/* lay the options out one after another, then copy them in */
	for (code = 1; code < DHCP_OPT_END; code++) {
		msg->opt_off[code] = off;
		msg->opt_len[code] = (uint8_t)w.total[code];
		off = (uint16_t)(off + w.total[code]);
	}
	w.copy = true;
	walk_all(&w, msg, buf, len);
	return decode(msg);
}

/**
 * dhcp_parse() - parse and check a BOOTP/DHCP message
 * @buf:	UDP payload
 * @len:	its length
 * @msg:	the message, filled in (partly, on failure)
 * @err:	why it was refused, DHCP_ERR_NONE if not; may be NULL
 *
 * Return: 0, or -EBADMSG with the reason in @err
 */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *msg,
	       enum dhcp_err *err)
{
	enum dhcp_err e;

	memset(msg, 0, offsetof(struct dhcp_msg, data));
	e = parse(buf, len, msg);
	if (err)
		*err = e;
	return e ? -EBADMSG : 0;
}

/* --- building ----------------------------------------------------------- */

/**
 * struct opts - options being written into a reply
 * @p:		start of the options field
 * @n:		bytes written
 * @room:	bytes available, one kept back for the end option
 */
struct opts {
	uint8_t *p;
	size_t n;
	size_t room;
};

static bool put_opt(struct opts *o, uint8_t code, const void *data, size_t len)
{
	if (len > 255 || o->n + 2 + len > o->room)
		return false;
	o->p[o->n] = code;
	o->p[o->n + 1] = (uint8_t)len;
	memcpy(o->p + o->n + 2, data, len);
	o->n += 2 + len;
	return true;
}

static bool put_opt32(struct opts *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	return put_opt(o, code, b, 4);
}

/* a configuration option the server has a value for, written if it fits
 * (these are optional: the lease options were written first)
 */
static void put_param(struct opts *o, const struct dhcp_config *cfg,
		      uint8_t code, uint32_t router)
{
	uint8_t dns[4 * DHCP_DNS_MAX];
	unsigned i;

	switch (code) {
	case DHCP_OPT_SUBNET_MASK:
		if (cfg->netmask)
			put_opt32(o, code, cfg->netmask);
		break;
	case DHCP_OPT_ROUTER:
		if (router)
			put_opt32(o, code, router);
		break;
	case DHCP_OPT_DNS:
		for (i = 0; i < cfg->n_dns && i < DHCP_DNS_MAX; i++)
			put_be32(dns + 4 * i, cfg->dns[i]);
		if (i)
			put_opt(o, code, dns, 4 * i);
		break;
	case DHCP_OPT_DOMAIN:
		if (cfg->domain[0])
			put_opt(o, code, cfg->domain,
				strnlen(cfg->domain, DHCP_DOMAIN_MAX - 1));
		break;
	case DHCP_OPT_BROADCAST:
		if (cfg->netmask)
			put_opt32(o, code,
				  (cfg->server_id & cfg->netmask) |
					  ~cfg->netmask);
		break;
	}
}

/* RFC 2131 section 4.1, "Constructing and sending DHCP messages" */
static void reply_dest(const struct dhcp_msg *req, uint8_t type,
		       uint32_t yiaddr, struct dhcp_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->port = DHCP_CLIENT_PORT;
	if (req->giaddr) {
		d->kind = DHCP_DEST_UNICAST;
		d->addr = req->giaddr;
		d->port = DHCP_SERVER_PORT;
	} else if (type == DHCP_NAK ||
		   (!req->ciaddr && (req->flags & DHCP_FLAG_BROADCAST))) {
		d->kind = DHCP_DEST_BROADCAST;
		d->addr = UINT32_MAX;
		memset(d->mac, 0xff, 6);
	} else if (req->ciaddr) {
		d->kind = DHCP_DEST_UNICAST;
		d->addr = req->ciaddr;
		memcpy(d->mac, req->chaddr, 6);
	} else {
		d->kind = DHCP_DEST_HWADDR;
		d->addr = yiaddr;
		memcpy(d->mac, req->chaddr, 6);
	}
}

/**
 * dhcp_build() - write a reply to a request and say where it goes
 * @cfg:	server configuration (options 1, 3, 6, 15, 28, 54)
 * @req:	the parsed request
 * @ans:	what the reply says
 * @buf:	where to write
 * @cap:	its size, at least DHCP_REPLY_MIN; replies use at most
 *		DHCP_REPLY_MAX
 * @len:	bytes written
 * @dest:	where to send them
 *
 * Fields and options follow RFC 2131 table 3: OFFER and ACK carry options
 * 53, 54, the lease times (51, 58 at 0.5, 59 at 0.875 of the lease, RFC
 * 2131 section 4.4.5) unless @ans has none, 61 when the client sent it
 * (RFC 6842), then 1, 3, 6, 15 (and 28 if asked) in the order of the
 * client's option 55, the ones it did not ask for after. A NAK carries 53,
 * 54, 56 and 61. Optional options that do not fit are left out.
 *
 * Return: 0, -EINVAL for a bad answer type, -ENOSPC if @cap is too small
 */
int dhcp_build(const struct dhcp_config *cfg, const struct dhcp_msg *req,
	       const struct dhcp_answer *ans, uint8_t *buf, size_t cap,
	       size_t *len, struct dhcp_dest *dest)
{
	static const uint8_t params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER,
					  DHCP_OPT_DNS, DHCP_OPT_DOMAIN };
	uint32_t router = cfg->router ? cfg->router : cfg->server_id;
	uint8_t done[32] = { 0 }, type = ans->type;
	size_t size = cap < DHCP_REPLY_MAX ? cap : DHCP_REPLY_MAX, n, i;
	uint16_t flags = req->flags;
	const uint8_t *p;
	struct opts o;

	if (type != DHCP_OFFER && type != DHCP_ACK && type != DHCP_NAK)
		return -EINVAL;
	if (cap < DHCP_REPLY_MIN)
		return -ENOSPC;
	memset(buf, 0, size);
	buf[OFF_OP] = BOOTREPLY;
	buf[OFF_HTYPE] = req->htype;
	buf[OFF_HLEN] = req->hlen;
	put_be32(buf + OFF_XID, req->xid);
	/* RFC 2131 section 4.1: a NAK through a relay is broadcast by it */
	if (type == DHCP_NAK && req->giaddr)
		flags |= DHCP_FLAG_BROADCAST;
	put_be16(buf + OFF_FLAGS, flags);
	if (type == DHCP_ACK)
		put_be32(buf + OFF_CIADDR, req->ciaddr);
	if (type != DHCP_NAK)
		put_be32(buf + OFF_YIADDR, ans->yiaddr);
	put_be32(buf + OFF_GIADDR, req->giaddr);
	memcpy(buf + OFF_CHADDR, req->chaddr, sizeof(req->chaddr));
	put_be32(buf + OFF_COOKIE, DHCP_MAGIC);

	o.p = buf + OFF_OPTIONS;
	o.n = 0;
	o.room = size - OFF_OPTIONS - 1;
	put_opt(&o, DHCP_OPT_MSG_TYPE, &type, 1);
	put_opt32(&o, DHCP_OPT_SERVER_ID, cfg->server_id);
	p = dhcp_opt(req, DHCP_OPT_CLIENT_ID, &n);
	if (p && !put_opt(&o, DHCP_OPT_CLIENT_ID, p, n))
		return -ENOSPC;
	if (type == DHCP_NAK) {
		if (ans->message)
			put_opt(&o, DHCP_OPT_MESSAGE, ans->message,
				strnlen(ans->message, 255));
		goto end;
	}
	if (ans->lease_time) {
		uint32_t t = ans->lease_time;

		put_opt32(&o, DHCP_OPT_LEASE_TIME, t);
		if (t != UINT32_MAX) { /* infinite: no renewal */
			put_opt32(&o, DHCP_OPT_T1, t / 2);
			put_opt32(&o, DHCP_OPT_T2,
				  (uint32_t)((uint64_t)t * 7 / 8));
		}
	}
	if (ans->message)
		put_opt(&o, DHCP_OPT_MESSAGE, ans->message,
			strnlen(ans->message, 255));
	/* RFC 2131 section 4.3.1: the parameters asked for, in that order */
	p = dhcp_opt(req, DHCP_OPT_PRL, &n);
	for (i = 0; p && i < n; i++) {
		uint8_t c = p[i];

		if (done[c >> 3] & (1u << (c & 7)))
			continue;
		done[c >> 3] |= (uint8_t)(1u << (c & 7));
		put_param(&o, cfg, c, router);
	}
	for (i = 0; i < sizeof(params); i++)
		if (!(done[params[i] >> 3] & (1u << (params[i] & 7))))
			put_param(&o, cfg, params[i], router);
end:
	o.p[o.n++] = DHCP_OPT_END;
	*len = OFF_OPTIONS + o.n;
	if (*len < DHCP_REPLY_MIN)
		*len = DHCP_REPLY_MIN;
	reply_dest(req, type, ans->yiaddr, dest);
	return 0;
}

/* --- the server --------------------------------------------------------- */

/**
 * dhcp_server_create() - make the DHCP server of a network
 * @out:	the new server
 * @cfg:	configuration; zero fields take defaults
 * @ipam:	the network's pool, shared with endpoints and reservations;
 *		must outlive the server
 *
 * Return: 0, -EINVAL for a server address outside the pool, a netmask
 * other than the pool's, too many DNS servers or a lease time out of
 * range, -ENOMEM
 */
int dhcp_server_create(struct dhcp_server **out, const struct dhcp_config *cfg,
		       struct ipam *ipam)
{
	uint32_t mask = lib_prefix_mask(ipam_plen(ipam));
	struct dhcp_server *srv;

	if (!ipam_contains(ipam, cfg->server_id) ||
	    (cfg->netmask && cfg->netmask != mask) ||
	    cfg->n_dns > DHCP_DNS_MAX ||
	    (cfg->lease_time && (cfg->lease_time < DHCP_LEASE_MIN ||
				 cfg->lease_time > DHCP_LEASE_MAX)) ||
	    !memchr(cfg->domain, '\0', sizeof(cfg->domain)))
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->cfg = *cfg;
	srv->ipam = ipam;
	srv->cfg.netmask = mask;
	if (!srv->cfg.router)
		srv->cfg.router = cfg->server_id;
	if (!srv->cfg.lease_time)
		srv->cfg.lease_time = DHCP_LEASE_DEFAULT;
	if (!srv->cfg.offer_hold)
		srv->cfg.offer_hold = DHCP_OFFER_HOLD_DEFAULT;
	if (!srv->cfg.decline_hold)
		srv->cfg.decline_hold = DHCP_DECLINE_HOLD_DEFAULT;
	*out = srv;
	return 0;
}

/**
 * dhcp_server_destroy() - free a server (not its pool)
 * @srv:	server, or NULL
 */
void dhcp_server_destroy(struct dhcp_server *srv)
{
	free(srv);
}

/**
 * dhcp_server_stats() - the counters of a server
 * @srv:	server
 *
 * Return: the counters, live
 */
const struct dhcp_stats *dhcp_server_stats(const struct dhcp_server *srv)
{
	return &srv->stats;
}

/**
 * dhcp_server_config() - the configuration in effect, defaults filled in
 * @srv:	server
 *
 * Return: the configuration
 */
const struct dhcp_config *dhcp_server_config(const struct dhcp_server *srv)
{
	return &srv->cfg;
}

/**
 * struct ctx - one message being handled
 * @srv:	server
 * @msg:	the parsed message
 * @client:	its client, for the pool
 * @now:	s, current time
 * @out:	reply buffer
 * @cap:	its size
 * @reply:	outcome
 */
struct ctx {
	struct dhcp_server *srv;
	const struct dhcp_msg *msg;
	struct ipam_client client;
	int64_t now;
	uint8_t *out;
	size_t cap;
	struct dhcp_reply *reply;
};

static int drop(struct ctx *c, enum dhcp_drop why)
{
	c->srv->stats.drop[why]++;
	c->reply->drop = (uint8_t)why;
	return 0;
}

static int answer(struct ctx *c, uint8_t type, uint32_t yiaddr,
		  uint32_t lease_time, const char *message)
{
	struct dhcp_answer ans = { .type = type,
				   .yiaddr = yiaddr,
				   .lease_time = lease_time,
				   .message = message };
	size_t len;

	if (dhcp_build(&c->srv->cfg, c->msg, &ans, c->out, c->cap, &len,
		       &c->reply->dest))
		return drop(c, DHCP_DROP_NO_ROOM);
	c->reply->len = len;
	c->reply->type = type;
	c->srv->stats.tx[type]++;
	return 0;
}

/* an allocation refused by the pool: why, as a drop reason */
static enum dhcp_drop pool_refusal(int err)
{
	switch (err) {
	case -EDQUOT:
		return DHCP_DROP_LIMIT;
	case -EAGAIN:
		return DHCP_DROP_RATE;
	case -ENOBUFS:
		return DHCP_DROP_CLIENT_RATE;
	case -EBUSY:
		return DHCP_DROP_DECLINING;
	case -ENOENT:
		return DHCP_DROP_UNKNOWN;
	case -EINVAL:
		return DHCP_DROP_CLIENT_ID;
	default:
		return DHCP_DROP_POOL_FULL;
	}
}

static int on_discover(struct ctx *c)
{
	struct dhcp_server *srv = c->srv;
	uint32_t addr;
	int ret;

	ret = ipam_lease_offer(srv->ipam, &c->client, c->msg->requested, c->now,
			       srv->cfg.offer_hold, &addr);
	if (ret)
		return drop(c, pool_refusal(ret));
	return answer(c, DHCP_OFFER, addr, srv->cfg.lease_time, NULL);
}

/* RFC 2131 section 4.3.2: the state of the client tells which fields a
 * REQUEST carries and what to check
 */
static int on_request(struct ctx *c)
{
	const struct dhcp_msg *msg = c->msg;
	struct dhcp_server *srv = c->srv;
	bool known_only = srv->cfg.non_authoritative;
	uint32_t addr;
	int ret;

	if (msg->server_id) {
		/* SELECTING: the client answers an offer, ours or not */
		if (msg->server_id != srv->cfg.server_id) {
			ipam_lease_cancel(srv->ipam, &c->client, c->now);
			return drop(c, DHCP_DROP_OTHER_SERVER);
		}
		if (!msg->requested)
			return drop(c, DHCP_DROP_BAD_REQUEST);
		addr = msg->requested;
		known_only = false;
	} else if (msg->ciaddr) {
		/* RENEWING (unicast) or REBINDING (broadcast) */
		addr = msg->ciaddr;
	} else if (msg->requested) {
		/* INIT-REBOOT: a client checking the lease it remembers */
		addr = msg->requested;
	} else {
		return drop(c, DHCP_DROP_BAD_REQUEST);
	}

	ret = ipam_lease_bind(srv->ipam, &c->client, addr, c->now,
			      srv->cfg.lease_time, known_only);
	switch (ret) {
	case 0:
		return answer(c, DHCP_ACK, addr, srv->cfg.lease_time, NULL);
	case -EPERM:
		return answer(c, DHCP_NAK, 0, 0,
			      "address reserved for another");
	case -ERANGE:
		return answer(c, DHCP_NAK, 0, 0, "wrong network");
	case -ESTALE:
		return answer(c, DHCP_NAK, 0, 0, "not your lease");
	case -EADDRINUSE:
		return answer(c, DHCP_NAK, 0, 0, "address in use");
	default:
		return drop(c, pool_refusal(ret));
	}
}

/* RFC 2131 section 4.3.3 */
static int on_decline(struct ctx *c)
{
	const struct dhcp_msg *msg = c->msg;
	struct dhcp_server *srv = c->srv;
	int ret;

	if (msg->server_id && msg->server_id != srv->cfg.server_id)
		return drop(c, DHCP_DROP_OTHER_SERVER);
	if (!msg->requested)
		return drop(c, DHCP_DROP_BAD_REQUEST);
	ret = ipam_lease_decline(srv->ipam, &c->client, msg->requested, c->now,
				 srv->cfg.decline_hold);
	if (ret == -EPERM)
		return drop(c, DHCP_DROP_RESERVED);
	if (ret)
		return drop(c, DHCP_DROP_NO_LEASE);
	return 0;
}

/* RFC 2131 section 4.3.4 */
static int on_release(struct ctx *c)
{
	const struct dhcp_msg *msg = c->msg;
	struct dhcp_server *srv = c->srv;

	if (msg->server_id && msg->server_id != srv->cfg.server_id)
		return drop(c, DHCP_DROP_OTHER_SERVER);
	if (ipam_lease_release(srv->ipam, &c->client, msg->ciaddr, c->now))
		return drop(c, DHCP_DROP_NO_LEASE);
	return 0;
}

/* RFC 2131 section 4.3.5: configuration only, no lease, to ciaddr */
static int on_inform(struct ctx *c)
{
	if (!ipam_contains(c->srv->ipam, c->msg->ciaddr))
		return drop(c, DHCP_DROP_INFORM);
	return answer(c, DHCP_ACK, 0, 0, NULL);
}

/**
 * dhcp_handle() - answer one message from a client
 * @srv:	server
 * @buf:	UDP payload received on port 67
 * @len:	its length
 * @now:	s, current time (the pool's clock)
 * @out:	reply buffer, DHCP_REPLY_MAX bytes is enough
 * @cap:	its size
 * @reply:	outcome: reply length (0 for none), type, destination, or
 *		the reason of a drop
 *
 * Return: 0 (look at @reply), -EINVAL for bad arguments
 */
int dhcp_handle(struct dhcp_server *srv, const uint8_t *buf, size_t len,
		int64_t now, uint8_t *out, size_t cap, struct dhcp_reply *reply)
{
	static const uint8_t zero[6];
	struct dhcp_msg msg;
	enum dhcp_err err;
	struct ctx c;
	const uint8_t *p;
	size_t n;

	if (!srv || !buf || !out || !reply)
		return -EINVAL;
	memset(reply, 0, sizeof(*reply));
	c.srv = srv;
	c.msg = &msg;
	c.now = now;
	c.out = out;
	c.cap = cap;
	c.reply = reply;
	if (dhcp_parse(buf, len, &msg, &err)) {
		srv->stats.rx[0]++;
		srv->stats.bad[err]++;
		reply->bad = (uint8_t)err;
		return drop(&c, DHCP_DROP_MALFORMED);
	}
	srv->stats.rx[msg.type]++;
	if (msg.op != BOOTREQUEST)
		return drop(&c, DHCP_DROP_REPLY);
	if ((msg.chaddr[0] & 1) || !memcmp(msg.chaddr, zero, 6))
		return drop(&c, DHCP_DROP_CHADDR);
	if (msg.giaddr && !ipam_contains(srv->ipam, msg.giaddr))
		return drop(&c, DHCP_DROP_RELAY);

	memset(&c.client, 0, sizeof(c.client));
	c.client.mac = msg.chaddr;
	p = dhcp_opt(&msg, DHCP_OPT_CLIENT_ID, &n);
	if (p) {
		if (n > IPAM_ID_MAX)
			return drop(&c, DHCP_DROP_CLIENT_ID);
		c.client.id = p;
		c.client.id_len = n;
	}
	p = dhcp_opt(&msg, DHCP_OPT_HOSTNAME, &n);
	if (p) {
		c.client.hostname = p;
		c.client.hostname_len = n;
	}

	switch (msg.type) {
	case DHCP_DISCOVER:
		return on_discover(&c);
	case DHCP_REQUEST:
		return on_request(&c);
	case DHCP_DECLINE:
		return on_decline(&c);
	case DHCP_RELEASE:
		return on_release(&c);
	case DHCP_INFORM:
		return on_inform(&c);
	default:
		return drop(&c, DHCP_DROP_TYPE);
	}
}

/* UDP checksum over the pseudo-header (RFC 768) and @udp, @ulen bytes */
static uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp,
			 size_t ulen)
{
	uint8_t ph[12];

	put_be32(ph, src);
	put_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP_;
	put_be16(ph + 10, (uint16_t)ulen);
	return csum_fold(csum_add(csum_add(0, ph, sizeof(ph)), udp, ulen));
}

/* the IPv4 and UDP headers of a request: 0 and the payload, or a reason */
static enum dhcp_drop ip_check(const struct dhcp_server *srv,
			       const uint8_t *pkt, size_t len, bool csum_known,
			       const uint8_t **payload, size_t *plen)
{
	uint32_t dst, bcast = srv->cfg.server_id | ~srv->cfg.netmask;
	size_t hlen, tot, ulen;
	const uint8_t *udp;

	if (len < DHCP_IP_HLEN || pkt[0] >> 4 != 4)
		return DHCP_DROP_IP_HEADER;
	hlen = (pkt[0] & 0xfu) * 4u;
	tot = get_be16(pkt + 2);
	if (hlen < DHCP_IP_HLEN || tot < hlen || tot > len ||
	    csum_fold(csum_add(0, pkt, hlen)) || pkt[9] != IPPROTO_UDP_ ||
	    (get_be16(pkt + 6) & (IP_MF | IP_OFFMASK)))
		return DHCP_DROP_IP_HEADER;
	udp = pkt + hlen;
	if (tot - hlen < DHCP_UDP_HLEN)
		return DHCP_DROP_UDP_HEADER;
	ulen = get_be16(udp + 4);
	if (ulen < DHCP_UDP_HLEN || ulen > tot - hlen ||
	    get_be16(udp + 2) != DHCP_SERVER_PORT)
		return DHCP_DROP_UDP_HEADER;
	if (!csum_known && get_be16(udp + 6) &&
	    udp_csum(get_be32(pkt + 12), get_be32(pkt + 16), udp, ulen))
		return DHCP_DROP_UDP_CSUM;
	dst = get_be32(pkt + 16);
	if (dst != UINT32_MAX && dst != srv->cfg.server_id && dst != bcast)
		return DHCP_DROP_NOT_SERVER;
	*payload = udp + DHCP_UDP_HLEN;
	*plen = ulen - DHCP_UDP_HLEN;
	return DHCP_DROP_NONE;
}

/* IPv4 and UDP headers in front of the @dlen bytes of reply at @ip + 28 */
static void ip_frame(const struct dhcp_server *srv, const struct dhcp_dest *d,
		     uint8_t *ip, size_t dlen)
{
	uint8_t *udp = ip + DHCP_IP_HLEN;
	size_t ulen = DHCP_UDP_HLEN + dlen;
	uint16_t sum;

	memset(ip, 0, DHCP_HDRS_LEN);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(DHCP_IP_HLEN + ulen));
	put_be16(ip + 6, IP_DF); /* ID 0: atomic, RFC 6864 */
	ip[8] = DHCP_IP_TTL;
	ip[9] = IPPROTO_UDP_;
	put_be32(ip + 12, srv->cfg.server_id);
	put_be32(ip + 16, d->addr);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, DHCP_IP_HLEN)));
	put_be16(udp, DHCP_SERVER_PORT);
	put_be16(udp + 2, d->port);
	put_be16(udp + 4, (uint16_t)ulen);
	sum = udp_csum(srv->cfg.server_id, d->addr, udp, ulen);
	put_be16(udp + 6, sum ? sum : 0xffff); /* RFC 768: 0 is "none" */
}

/**
 * dhcp_handle_ip() - answer one IPv4 datagram from the link
 * @srv:	server
 * @pkt:	the datagram, from its IPv4 header on (link padding allowed)
 * @len:	bytes at @pkt
 * @src_mac:	its Ethernet source: where a reply to a relay goes
 * @csum_known:	the link vouches for the UDP checksum: the device verified
 *		it, or the sender is this host's kernel (a veth peer), which
 *		leaves it to be filled in on the way out (checksum offload);
 *		the field is then not checked
 * @now:	s, current time (the pool's clock)
 * @out:	reply buffer: IPv4 and UDP headers, then the message;
 *		DHCP_HDRS_LEN + DHCP_REPLY_MAX bytes is enough
 * @cap:	its size
 * @reply:	as from dhcp_handle(), @reply->len counting the headers; a
 *		datagram refused for its headers gets a drop reason of its
 *		own and is not counted as received
 *
 * Return: 0 (look at @reply), -EINVAL for bad arguments
 */
int dhcp_handle_ip(struct dhcp_server *srv, const uint8_t *pkt, size_t len,
		   const uint8_t src_mac[6], bool csum_known, int64_t now,
		   uint8_t *out, size_t cap, struct dhcp_reply *reply)
{
	static const uint8_t zero[6];
	enum dhcp_drop why;
	const uint8_t *msg;
	size_t mlen;
	int ret;

	if (!srv || !pkt || !src_mac || !out || !reply || cap < DHCP_HDRS_LEN)
		return -EINVAL;
	memset(reply, 0, sizeof(*reply));
	why = ip_check(srv, pkt, len, csum_known, &msg, &mlen);
	if (why != DHCP_DROP_NONE) {
		srv->stats.drop[why]++;
		reply->drop = (uint8_t)why;
		return 0;
	}
	ret = dhcp_handle(srv, msg, mlen, now, out + DHCP_HDRS_LEN,
			  cap - DHCP_HDRS_LEN, reply);
	if (ret || !reply->len)
		return ret;
	/* a relay (giaddr) sent the request itself: answer its MAC */
	if (!memcmp(reply->dest.mac, zero, sizeof(zero)))
		memcpy(reply->dest.mac, src_mac, sizeof(zero));
	ip_frame(srv, &reply->dest, out, reply->len);
	reply->len += DHCP_HDRS_LEN;
	return 0;
}

/**
 * dhcp_type_name() - name of a message type
 * @type:	enum dhcp_type
 *
 * Return: "discover", ..., or "other"
 */
const char *dhcp_type_name(unsigned type)
{
	return type <= DHCP_TYPE_MAX && type_names[type] ? type_names[type]
							 : "other";
}

/**
 * dhcp_err_name() - name of a parse error, for counters and logs
 * @err:	enum dhcp_err
 *
 * Return: "short", "bad_cookie", ..., or "?"
 */
const char *dhcp_err_name(unsigned err)
{
	return err < DHCP_ERR_MAX ? err_names[err] : "?";
}

/**
 * dhcp_drop_name() - name of a drop reason, for counters and logs
 * @reason:	enum dhcp_drop
 *
 * Return: "malformed", "pool_full", ..., or "?"
 */
const char *dhcp_drop_name(unsigned reason)
{
	return reason < DHCP_DROP_MAX ? drop_names[reason] : "?";
}
