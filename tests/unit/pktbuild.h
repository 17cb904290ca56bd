/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/pktbuild.h: packet builders and checkers for the tests
 *
 * Theory of operation
 * -------------------
 * The unit tests feed the engine real IPv4 packets and read the bytes that
 * come back. This file is their oracle, written independently of the engine:
 * it includes nothing from src/core but nat.h's conventions (addresses and
 * ports in host byte order) and computes every checksum itself (RFC 1071).
 *
 * Builders write one packet into a caller's buffer and return its length, or
 * 0 when the buffer is too small. Checkers and getters read packet bytes
 * through the byte helpers below, never through casts, so a packet may sit at
 * any alignment.
 */
#ifndef HOSTNAT_TEST_PKTBUILD_H
#define HOSTNAT_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_IPPROTO_ICMP 1
#define PB_IPPROTO_TCP 6
#define PB_IPPROTO_UDP 17

#define PB_TCP_FIN 0x01
#define PB_TCP_SYN 0x02
#define PB_TCP_RST 0x04
#define PB_TCP_PSH 0x08
#define PB_TCP_ACK 0x10

#define PB_ICMP_ECHOREPLY 0
#define PB_ICMP_UNREACH 3
#define PB_ICMP_ECHO 8
#define PB_ICMP_TIMXCEED 11

#define PB_UNREACH_PORT 3
#define PB_UNREACH_NEEDFRAG 4
#define PB_UNREACH_ADMIN 13

#define PB_IP_DF 0x4000
#define PB_IP_MF 0x2000

/* a host-order IPv4 address from its dotted quad */
#define IPV4(a, b, c, d)                                                  \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

static inline uint16_t pb_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t pb_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void pb_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pb_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/**
 * struct pb_ip - IPv4 header fields for the builders
 * @src:	source address, host order
 * @dst:	destination address, host order
 * @id:		identification
 * @ttl:	time to live, 0 means 64
 * @tos:	type of service
 * @df:		don't fragment
 * @opt:	options, @optlen bytes, a multiple of 4 (at most 40)
 * @optlen:	bytes of options
 */
struct pb_ip {
	uint32_t src;
	uint32_t dst;
	uint16_t id;
	uint8_t ttl;
	uint8_t tos;
	bool df;
	const uint8_t *opt;
	uint8_t optlen;
};

/* Internet checksum (RFC 1071) */
uint32_t pb_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t pb_fold(uint32_t sum);
uint16_t pb_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
		       uint16_t l4len);

/* builders: return bytes written, 0 if @cap is too small */
size_t pb_ipv4(uint8_t *buf, size_t cap, const struct pb_ip *ip, uint8_t proto,
	       const uint8_t *payload, size_t plen);
size_t pb_udp(uint8_t *buf, size_t cap, const struct pb_ip *ip, uint16_t sport,
	      uint16_t dport, const uint8_t *data, size_t dlen);
size_t pb_tcp(uint8_t *buf, size_t cap, const struct pb_ip *ip, uint16_t sport,
	      uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
	      const uint8_t *data, size_t dlen);
size_t pb_icmp_echo(uint8_t *buf, size_t cap, const struct pb_ip *ip,
		    uint8_t type, uint16_t id, uint16_t seq,
		    const uint8_t *data, size_t dlen);
size_t pb_icmp_error(uint8_t *buf, size_t cap, const struct pb_ip *ip,
		     uint8_t type, uint8_t code, uint32_t rest,
		     const uint8_t *quote, size_t qlen);
size_t pb_frag(uint8_t *buf, size_t cap, const uint8_t *dgram, size_t off,
	       size_t flen, bool more);
size_t pb_reassemble(uint8_t *buf, size_t cap, const uint8_t *const *frags,
		     const size_t *lens, unsigned n);

/* fixers, after a test changed header bytes on purpose */
void pb_ip_fix_csum(uint8_t *p);
void pb_l4_fix_csum(uint8_t *p);
void pb_icmp_fix_csum(uint8_t *p);

/* checkers */
bool pb_ip_csum_ok(const uint8_t *p, size_t len);
bool pb_l4_csum_ok(const uint8_t *p, size_t len);
bool pb_icmp_csum_ok(const uint8_t *p, size_t len);

/* getters on an IPv4 packet */
static inline unsigned pb_hlen(const uint8_t *p)
{
	return (p[0] & 0xfu) * 4u;
}

static inline uint16_t pb_totlen(const uint8_t *p)
{
	return pb_get_be16(p + 2);
}

static inline uint16_t pb_ipid(const uint8_t *p)
{
	return pb_get_be16(p + 4);
}

static inline bool pb_df(const uint8_t *p)
{
	return pb_get_be16(p + 6) & PB_IP_DF;
}

static inline bool pb_mf(const uint8_t *p)
{
	return pb_get_be16(p + 6) & PB_IP_MF;
}

/* fragment offset in bytes */
static inline unsigned pb_frag_off(const uint8_t *p)
{
	return (pb_get_be16(p + 6) & 0x1fffu) * 8u;
}

static inline uint8_t pb_ttl(const uint8_t *p)
{
	return p[8];
}

static inline uint8_t pb_proto(const uint8_t *p)
{
	return p[9];
}

static inline uint32_t pb_src(const uint8_t *p)
{
	return pb_get_be32(p + 12);
}

static inline uint32_t pb_dst(const uint8_t *p)
{
	return pb_get_be32(p + 16);
}

static inline uint8_t *pb_l4(uint8_t *p)
{
	return p + pb_hlen(p);
}

static inline uint16_t pb_sport(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p));
}

static inline uint16_t pb_dport(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p) + 2);
}

static inline uint16_t pb_udp_csum(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p) + 6);
}

static inline uint16_t pb_tcp_csum(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p) + 16);
}

static inline uint32_t pb_tcp_seq(const uint8_t *p)
{
	return pb_get_be32(p + pb_hlen(p) + 4);
}

static inline uint32_t pb_tcp_ack(const uint8_t *p)
{
	return pb_get_be32(p + pb_hlen(p) + 8);
}

static inline uint8_t pb_tcp_flags(const uint8_t *p)
{
	return p[pb_hlen(p) + 13];
}

static inline uint8_t pb_icmp_type(const uint8_t *p)
{
	return p[pb_hlen(p)];
}

static inline uint8_t pb_icmp_code(const uint8_t *p)
{
	return p[pb_hlen(p) + 1];
}

static inline uint16_t pb_icmp_id(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p) + 4);
}

static inline uint16_t pb_icmp_seq(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p) + 6);
}

/* next-hop MTU of a "fragmentation needed" error (RFC 1191) */
static inline uint16_t pb_icmp_mtu(const uint8_t *p)
{
	return pb_get_be16(p + pb_hlen(p) + 6);
}

/* the IPv4 header quoted in an ICMP error */
static inline uint8_t *pb_icmp_inner(uint8_t *p)
{
	return p + pb_hlen(p) + 8;
}

#endif /* HOSTNAT_TEST_PKTBUILD_H */
