/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - pkt.h: byte access to packets and the IPv4/TCP/UDP/ICMP parser
 *
 * Packet bytes are never accessed through casts to wider types: every field
 * goes through get_be16()/put_be32() and friends, which handle byte order
 * and alignment. Values read this way are "network-order numbers" held in
 * host integers: 172.16.0.1 reads as 0xac100001.
 */
#ifndef HOSTNAT_PKT_H
#define HOSTNAT_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "be.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

#define IP_HLEN_MIN 20		/* bytes */
#define IP_HLEN_MAX 60		/* bytes */
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define TCP_HLEN_MIN 20		/* bytes */
#define UDP_HLEN 8		/* bytes */
#define ICMP_HLEN 8		/* bytes */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_SOURCEQUENCH 4
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_PARAMPROB 12
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_ADMIN 13	/* communication administratively prohibited */

/**
 * struct pkt_info - what pkt_parse() found in a packet
 * @l4:		transport header, NULL in a fragment other than the first
 * @len:	IPv4 total length (bytes of the datagram in the buffer)
 * @hlen:	IPv4 header length
 * @l4len:	bytes from @l4 to the end of the datagram (of this fragment)
 * @proto:	IP protocol number
 * @nproto:	enum nat_proto, NAT_NPROTO for others
 * @src:	source address
 * @dst:	destination address
 * @sport:	source port; ICMP query: identifier
 * @dport:	destination port; ICMP query: identifier
 * @ipid:	IPv4 identification
 * @frag_off:	fragment offset, in 8-byte units
 * @mf:		more fragments
 * @df:		don't fragment
 * @tcp_flags:	TCP flags byte
 * @icmp_type:	ICMP type
 * @icmp_code:	ICMP code
 * @icmp_err:	an ICMP error message (unreachable, time exceeded, ...)
 */
struct pkt_info {
	uint8_t *l4;
	uint16_t len;
	uint16_t hlen;
	uint16_t l4len;
	uint8_t proto;
	uint8_t nproto;
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint16_t ipid;
	uint16_t frag_off;
	bool mf;
	bool df;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	bool icmp_err;
	uint32_t host_src;	/* the engine's: the host's own source address
				 * before it became the network's host_addr */
};

/**
 * pkt_is_frag() - true for any fragment (first, middle or last)
 * @pi:		parsed packet
 */
static inline bool pkt_is_frag(const struct pkt_info *pi)
{
	return pi->mf || pi->frag_off;
}

int pkt_parse(uint8_t *buf, uint32_t buflen, struct pkt_info *pi);
int pkt_parse_inner(uint8_t *buf, uint32_t buflen, struct pkt_info *pi);
bool pkt_addr_unicast(uint32_t addr);

#endif /* HOSTNAT_PKT_H */
