/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - dhcp.h: the DHCP server of one NAT network
 *
 * Theory of operation
 * -------------------
 * dhcp_parse() turns the bytes of a BOOTP/DHCP message (RFC 2131 section
 * 2, RFC 2132) into a struct dhcp_msg, or refuses it with a reason.
 * dhcp_build() writes a reply (OFFER, ACK, NAK) and says where it goes
 * (RFC 2131 section 4.1). dhcp_handle() is the server: one message in, at
 * most one reply out, leases kept in the network's struct ipam, every
 * message and every drop counted. dhcp_handle_ip() wraps it for a caller
 * that reads and writes IPv4 datagrams on the link (a packet socket): it
 * checks the IPv4 and UDP headers of a request and frames the reply with
 * its own. No socket here: the caller receives and sends.
 *
 * Addresses in this interface are in host byte order.
 */
#ifndef HOSTNAT_DHCP_H
#define HOSTNAT_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipam.h"

#define DHCP_SERVER_PORT 67 /* UDP, RFC 2131 section 4.1 */
#define DHCP_CLIENT_PORT 68 /* UDP */
#define DHCP_FIXED_LEN 236 /* bytes, op to file */
#define DHCP_MIN_LEN 240 /* bytes, fixed fields and magic cookie */
#define DHCP_MSG_MAX 1472 /* bytes, one Ethernet frame of UDP payload */
#define DHCP_REPLY_MIN 300 /* bytes, RFC 1542 section 3.1.1: BOOTP size */
#define DHCP_REPLY_MAX 548 /* bytes, RFC 2131 section 2: 576 - IP - UDP */
#define DHCP_OPT_SPACE (DHCP_MSG_MAX - DHCP_MIN_LEN + 64 + 128) /* bytes */
#define DHCP_MAGIC 0x63825363u /* RFC 2131 section 3 */
#define DHCP_FLAG_BROADCAST 0x8000 /* RFC 2131 figure 2 */
#define DHCP_IP_HLEN 20 /* bytes, IPv4 header of a reply (no options) */
#define DHCP_UDP_HLEN 8 /* bytes */
#define DHCP_HDRS_LEN (DHCP_IP_HLEN + DHCP_UDP_HLEN) /* bytes */
#define DHCP_IP_TTL 64 /* hops, of replies */
#define DHCP_DGRAM_MAX 65535 /* bytes, the longest IPv4 datagram */

#define DHCP_DNS_MAX 8 /* DNS servers in option 6 */
#define DHCP_DOMAIN_MAX 254 /* bytes, with NUL: option 15 */
#define DHCP_LEASE_DEFAULT 3600 /* s */
#define DHCP_LEASE_MIN 60 /* s, shortest lease configurable */
#define DHCP_LEASE_MAX 31536000 /* s, one year */
#define DHCP_OFFER_HOLD_DEFAULT 10 /* s, address kept for an offer: a
				    * client requests it within a second or
				    * two (RFC 2131 section 4.4.1); a flood of
				    * offers not requested must not hold the
				    * pool for long */
#define DHCP_DECLINE_HOLD_DEFAULT 600 /* s, quarantine after DHCPDECLINE */

/* RFC 2131 section 3.1, RFC 2132 section 9.6 */
enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
	DHCP_TYPE_MAX = 18, /* highest assigned (RFC 7724) */
};

/* RFC 2132 option codes used here */
enum dhcp_option {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_REQUESTED = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PRL = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_END = 255,
};

/**
 * enum dhcp_err - why dhcp_parse() refused a message
 * @DHCP_ERR_NONE:	parsed
 * @DHCP_ERR_SHORT:	shorter than the fixed fields and magic cookie
 * @DHCP_ERR_LONG:	longer than DHCP_MSG_MAX
 * @DHCP_ERR_OP:	op is neither BOOTREQUEST nor BOOTREPLY
 * @DHCP_ERR_HTYPE:	hardware type is not Ethernet (1)
 * @DHCP_ERR_HLEN:	hardware address length is not 6
 * @DHCP_ERR_COOKIE:	magic cookie is not 99.130.83.99
 * @DHCP_ERR_TRUNCATED:	an option runs past the end of its field
 * @DHCP_ERR_NO_END:	a field of options has no end option (255)
 * @DHCP_ERR_OVERLOAD:	option 52 malformed, repeated or outside the
 *			options field (RFC 2131 section 4.1)
 * @DHCP_ERR_TOO_LONG:	an option, concatenated (RFC 3396), over 255 bytes
 * @DHCP_ERR_OPT_LEN:	an option with a wrong length or value
 * @DHCP_ERR_NO_TYPE:	no message type (option 53): BOOTP, not served
 * @DHCP_ERR_TYPE:	message type out of range
 * @DHCP_ERR_MAX:	number of reasons
 */
enum dhcp_err {
	DHCP_ERR_NONE = 0,
	DHCP_ERR_SHORT,
	DHCP_ERR_LONG,
	DHCP_ERR_OP,
	DHCP_ERR_HTYPE,
	DHCP_ERR_HLEN,
	DHCP_ERR_COOKIE,
	DHCP_ERR_TRUNCATED,
	DHCP_ERR_NO_END,
	DHCP_ERR_OVERLOAD,
	DHCP_ERR_TOO_LONG,
	DHCP_ERR_OPT_LEN,
	DHCP_ERR_NO_TYPE,
	DHCP_ERR_TYPE,
	DHCP_ERR_MAX,
};

/**
 * enum dhcp_drop - why dhcp_handle() sent no reply to a message
 * @DHCP_DROP_NONE:	not dropped (a reply, or none due: RELEASE, DECLINE)
 * @DHCP_DROP_MALFORMED: dhcp_parse() refused it (reason in @bad)
 * @DHCP_DROP_REPLY:	a BOOTREPLY: not for a server
 * @DHCP_DROP_TYPE:	a message type a server does not take
 * @DHCP_DROP_CHADDR:	client hardware address zero or multicast
 * @DHCP_DROP_CLIENT_ID: client identifier longer than IPAM_ID_MAX
 * @DHCP_DROP_RELAY:	relayed from another network (giaddr)
 * @DHCP_DROP_OTHER_SERVER: meant for another server (option 54)
 * @DHCP_DROP_BAD_REQUEST: REQUEST or DECLINE without the fields of any
 *			state of RFC 2131 section 4.3.2 / 4.3.3
 * @DHCP_DROP_UNKNOWN:	REQUEST from a client without record, and the
 *			server is not authoritative
 * @DHCP_DROP_POOL_FULL: no free address or table entry
 * @DHCP_DROP_LIMIT:	lease cap reached, pool-wide or for the MAC
 * @DHCP_DROP_RATE:	too many new clients per second (shared buckets)
 * @DHCP_DROP_CLIENT_RATE: too many new offers to this MAC (its own bucket)
 * @DHCP_DROP_DECLINING: the MAC declined too many addresses, still in
 *			quarantine: held off until one quarantine ends
 * @DHCP_DROP_NO_LEASE:	RELEASE or DECLINE of an address not leased to
 *			the client
 * @DHCP_DROP_RESERVED:	DECLINE of a reserved address (it stays reserved)
 * @DHCP_DROP_INFORM:	INFORM without a ciaddr of the network
 * @DHCP_DROP_NO_ROOM:	reply buffer too small
 * @DHCP_DROP_IP_HEADER: dhcp_handle_ip(): IPv4 header not valid (version,
 *			header or total length, header checksum), not UDP,
 *			or a fragment
 * @DHCP_DROP_UDP_HEADER: dhcp_handle_ip(): UDP length shorter than its
 *			header or past the datagram, or not to port 67
 * @DHCP_DROP_UDP_CSUM:	dhcp_handle_ip(): UDP checksum present and wrong
 * @DHCP_DROP_NOT_SERVER: dhcp_handle_ip(): IPv4 destination neither the
 *			server's address nor a broadcast address
 * @DHCP_DROP_MAX:	number of reasons
 */
enum dhcp_drop {
	DHCP_DROP_NONE = 0,
	DHCP_DROP_MALFORMED,
	DHCP_DROP_REPLY,
	DHCP_DROP_TYPE,
	DHCP_DROP_CHADDR,
	DHCP_DROP_CLIENT_ID,
	DHCP_DROP_RELAY,
	DHCP_DROP_OTHER_SERVER,
	DHCP_DROP_BAD_REQUEST,
	DHCP_DROP_UNKNOWN,
	DHCP_DROP_POOL_FULL,
	DHCP_DROP_LIMIT,
	DHCP_DROP_RATE,
	DHCP_DROP_CLIENT_RATE,
	DHCP_DROP_DECLINING,
	DHCP_DROP_NO_LEASE,
	DHCP_DROP_RESERVED,
	DHCP_DROP_INFORM,
	DHCP_DROP_NO_ROOM,
	DHCP_DROP_IP_HEADER,
	DHCP_DROP_UDP_HEADER,
	DHCP_DROP_UDP_CSUM,
	DHCP_DROP_NOT_SERVER,
	DHCP_DROP_MAX,
};

/**
 * struct dhcp_msg - a parsed message
 * @op:		1 BOOTREQUEST, 2 BOOTREPLY
 * @htype:	hardware type (1)
 * @hlen:	hardware address length (6)
 * @hops:	relay hops
 * @xid:	transaction ID
 * @secs:	seconds since the client began
 * @flags:	DHCP_FLAG_BROADCAST
 * @ciaddr:	client address (bound, renewing, rebinding, inform)
 * @yiaddr:	"your" address (replies)
 * @siaddr:	next server
 * @giaddr:	relay agent
 * @chaddr:	client hardware address (first @hlen bytes)
 * @type:	enum dhcp_type (option 53)
 * @overload:	option 52: 1 file, 2 sname, 3 both hold options; 0 none
 * @requested:	option 50, 0 if absent
 * @server_id:	option 54, 0 if absent
 * @lease_time:	option 51, s, 0 if absent
 * @max_size:	option 57, 0 if absent
 * @opt_len:	length of each option, concatenated (RFC 3396)
 * @opt_off:	offset of each option in @data
 * @present:	bitmap of options present
 * @data:	option data, each option in one piece
 */
struct dhcp_msg {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];
	uint8_t type;
	uint8_t overload;
	uint32_t requested;
	uint32_t server_id;
	uint32_t lease_time;
	uint16_t max_size;
	uint8_t opt_len[256];
	uint16_t opt_off[256];
	uint8_t present[32];
	uint8_t data[DHCP_OPT_SPACE];
};

/**
 * struct dhcp_config - what the server tells clients; zero takes defaults
 * @server_id:	the server's address on the network (the gateway):
 *		option 54, and the source of replies
 * @netmask:	option 1; 0: from the pool's prefix
 * @router:	option 3; 0: @server_id
 * @dns:	option 6, DNS servers (the host's resolvers)
 * @n_dns:	how many, up to DHCP_DNS_MAX; 0: no option 6
 * @domain:	option 15, empty for none
 * @lease_time:	s, DHCP_LEASE_MIN to DHCP_LEASE_MAX
 * @offer_hold:	s, how long an offered address is kept for the client
 * @decline_hold: s, quarantine of a declined address
 * @non_authoritative: stay silent to clients without record instead of
 *		answering them (RFC 2131 section 4.3.2); hostnat is the only
 *		server on its bridges, so it is authoritative by default
 */
struct dhcp_config {
	uint32_t server_id;
	uint32_t netmask;
	uint32_t router;
	uint32_t dns[DHCP_DNS_MAX];
	unsigned n_dns;
	char domain[DHCP_DOMAIN_MAX];
	uint32_t lease_time;
	uint32_t offer_hold;
	uint32_t decline_hold;
	bool non_authoritative;
};

/**
 * struct dhcp_answer - what a reply says
 * @type:	DHCP_OFFER, DHCP_ACK or DHCP_NAK
 * @yiaddr:	address given (0 for NAK and for an ACK to INFORM)
 * @lease_time:	s, with options 51, 58, 59; 0 for none (INFORM, NAK)
 * @message:	option 56 text, or NULL
 */
struct dhcp_answer {
	uint8_t type;
	uint32_t yiaddr;
	uint32_t lease_time;
	const char *message;
};

/**
 * enum dhcp_dest_kind - how a reply reaches the client, RFC 2131 4.1
 * @DHCP_DEST_BROADCAST: to 255.255.255.255, Ethernet broadcast
 * @DHCP_DEST_UNICAST:	to @addr (ciaddr, or a relay) at @mac (the
 *			client's; a relay's is filled in by dhcp_handle_ip())
 * @DHCP_DEST_HWADDR:	to @addr (yiaddr) at @mac, without ARP: the client
 *			has no address yet
 */
enum dhcp_dest_kind {
	DHCP_DEST_BROADCAST = 0,
	DHCP_DEST_UNICAST,
	DHCP_DEST_HWADDR,
};

/**
 * struct dhcp_dest - where to send a reply
 * @kind:	enum dhcp_dest_kind
 * @addr:	IPv4 destination
 * @port:	UDP destination port (68, or 67 to a relay)
 * @mac:	Ethernet destination (broadcast, the client's, or for a relay
 *		zero from dhcp_handle() and the relay's from dhcp_handle_ip())
 */
struct dhcp_dest {
	uint8_t kind;
	uint32_t addr;
	uint16_t port;
	uint8_t mac[6];
};

/**
 * struct dhcp_reply - outcome of dhcp_handle() and dhcp_handle_ip()
 * @len:	bytes of reply in the caller's buffer, 0 for none (the DHCP
 *		message, or from dhcp_handle_ip() the whole IPv4 datagram)
 * @type:	enum dhcp_type of the reply, 0 for none
 * @drop:	enum dhcp_drop, DHCP_DROP_NONE unless dropped
 * @bad:	enum dhcp_err when @drop is DHCP_DROP_MALFORMED
 * @dest:	where to send the reply
 */
struct dhcp_reply {
	size_t len;
	uint8_t type;
	uint8_t drop;
	uint8_t bad;
	struct dhcp_dest dest;
};

/**
 * struct dhcp_stats - counters of one server
 * @rx:		messages received, by type (index 0: unparsed); datagrams
 *		that dhcp_handle_ip() drops for their headers are not here
 * @tx:		replies built, by type
 * @bad:	malformed messages, by enum dhcp_err
 * @drop:	messages dropped, by enum dhcp_drop
 */
struct dhcp_stats {
	uint64_t rx[DHCP_TYPE_MAX + 1];
	uint64_t tx[DHCP_TYPE_MAX + 1];
	uint64_t bad[DHCP_ERR_MAX];
	uint64_t drop[DHCP_DROP_MAX];
};

struct dhcp_server;

int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *msg,
	       enum dhcp_err *err);
const uint8_t *dhcp_opt(const struct dhcp_msg *msg, uint8_t code, size_t *len);
int dhcp_build(const struct dhcp_config *cfg, const struct dhcp_msg *req,
	       const struct dhcp_answer *ans, uint8_t *buf, size_t cap,
	       size_t *len, struct dhcp_dest *dest);

int dhcp_server_create(struct dhcp_server **out, const struct dhcp_config *cfg,
		       struct ipam *ipam);
void dhcp_server_destroy(struct dhcp_server *srv);
int dhcp_handle(struct dhcp_server *srv, const uint8_t *buf, size_t len,
		int64_t now, uint8_t *out, size_t cap,
		struct dhcp_reply *reply);
int dhcp_handle_ip(struct dhcp_server *srv, const uint8_t *pkt, size_t len,
		   const uint8_t src_mac[6], bool csum_known, int64_t now,
		   uint8_t *out, size_t cap, struct dhcp_reply *reply);
const struct dhcp_stats *dhcp_server_stats(const struct dhcp_server *srv);
const struct dhcp_config *dhcp_server_config(const struct dhcp_server *srv);

const char *dhcp_type_name(unsigned type);
const char *dhcp_err_name(unsigned err);
const char *dhcp_drop_name(unsigned reason);

#endif /* HOSTNAT_DHCP_H */
