/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/pktbuild.c: packet builders and checkers for the tests
 *
 * Theory of operation
 * -------------------
 * An independent oracle for the engine's unit tests: it builds IPv4 packets
 * (UDP, TCP, ICMP echo, ICMP errors quoting a packet, fragments, options)
 * with correct checksums, and checks the checksums of what the engine hands
 * back. The checksum is the one's complement sum of RFC 1071, computed here
 * from scratch over the whole header or segment each time, never
 * incrementally, so it cannot share a mistake with the engine's RFC 1624
 * updates.
 */
#include <string.h>

#include "pktbuild.h"

#define PB_IP_HLEN 20
#define PB_UDP_HLEN 8
#define PB_TCP_HLEN 20
#define PB_ICMP_HLEN 8

/**
 * pb_sum() - add bytes to a one's complement sum
 * @sum:	sum so far (unfolded)
 * @p:		bytes, read as big-endian 16-bit words
 * @len:	bytes; an odd last byte is padded with zero
 *
 * Return: the unfolded sum
 */
uint32_t pb_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += pb_get_be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

/**
 * pb_fold() - fold a sum to 16 bits (not complemented)
 * @sum:	unfolded sum
 *
 * Return: the 16-bit one's complement sum
 */
uint16_t pb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * pb_pseudo_sum() - folded, non-complemented TCP/UDP pseudo-header sum, what
 * a checksum-offload (csum_partial) packet holds in its checksum field
 * @src:	source address
 * @dst:	destination address
 * @proto:	IP protocol
 * @l4len:	transport header and payload length
 *
 * Return: the sum
 */
uint16_t pb_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
		       uint16_t l4len)
{
	uint8_t ph[12];

	pb_put_be32(ph, src);
	pb_put_be32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	pb_put_be16(ph + 10, l4len);
	return pb_fold(pb_sum(0, ph, sizeof(ph)));
}

static uint16_t l4_csum(const uint8_t *p, unsigned hlen, uint16_t l4len)
{
	uint32_t s = pb_pseudo_sum(pb_src(p), pb_dst(p), pb_proto(p), l4len);

	return (uint16_t)~pb_fold(pb_sum(s, p + hlen, l4len));
}

/**
 * pb_ip_fix_csum() - recompute the IPv4 header checksum
 * @p:		packet
 */
void pb_ip_fix_csum(uint8_t *p)
{
	unsigned hlen = pb_hlen(p);

	pb_put_be16(p + 10, 0);
	pb_put_be16(p + 10, (uint16_t)~pb_fold(pb_sum(0, p, hlen)));
}

/**
 * pb_l4_fix_csum() - recompute the TCP or UDP checksum of an unfragmented
 * packet (a UDP sum of 0 is sent as 0xffff, RFC 768)
 * @p:		packet
 */
void pb_l4_fix_csum(uint8_t *p)
{
	unsigned hlen = pb_hlen(p);
	uint16_t l4len = (uint16_t)(pb_totlen(p) - hlen);
	unsigned off = pb_proto(p) == PB_IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	pb_put_be16(p + hlen + off, 0);
	c = l4_csum(p, hlen, l4len);
	if (!c && pb_proto(p) == PB_IPPROTO_UDP)
		c = 0xffff;
	pb_put_be16(p + hlen + off, c);
}

/**
 * pb_icmp_fix_csum() - recompute the ICMP checksum over the whole message
 * @p:		packet
 */
void pb_icmp_fix_csum(uint8_t *p)
{
	unsigned hlen = pb_hlen(p);
	size_t l4len = pb_totlen(p) - hlen;

	pb_put_be16(p + hlen + 2, 0);
	pb_put_be16(p + hlen + 2,
		    (uint16_t)~pb_fold(pb_sum(0, p + hlen, l4len)));
}

/**
 * pb_ipv4() - build an IPv4 packet around a payload
 * @buf:	output
 * @cap:	bytes writable at @buf
 * @ip:		header fields
 * @proto:	IP protocol
 * @payload:	transport header and data (may be NULL when @plen is 0)
 * @plen:	bytes of payload
 *
 * Return: packet length, 0 if it does not fit
 */
size_t pb_ipv4(uint8_t *buf, size_t cap, const struct pb_ip *ip, uint8_t proto,
	       const uint8_t *payload, size_t plen)
{
	size_t hlen = PB_IP_HLEN + ip->optlen;
	size_t len = hlen + plen;

	if (len > cap || len > 65535 || hlen > 60 || ip->optlen % 4)
		return 0;
	buf[0] = (uint8_t)(0x40 | hlen / 4);
	buf[1] = ip->tos;
	pb_put_be16(buf + 2, (uint16_t)len);
	pb_put_be16(buf + 4, ip->id);
	pb_put_be16(buf + 6, ip->df ? PB_IP_DF : 0);
	buf[8] = ip->ttl ? ip->ttl : 64;
	buf[9] = proto;
	pb_put_be32(buf + 12, ip->src);
	pb_put_be32(buf + 16, ip->dst);
	if (ip->optlen)
		memcpy(buf + PB_IP_HLEN, ip->opt, ip->optlen);
	if (plen)
		memmove(buf + hlen, payload, plen);
	pb_ip_fix_csum(buf);
	return len;
}

/**
 * pb_udp() - build an IPv4/UDP packet with a correct checksum
 * @buf:	output
 * @cap:	bytes writable at @buf
 * @ip:		IPv4 header fields
 * @sport:	source port
 * @dport:	destination port
 * @data:	payload
 * @dlen:	bytes of payload
 *
 * Return: packet length, 0 if it does not fit
 */
size_t pb_udp(uint8_t *buf, size_t cap, const struct pb_ip *ip, uint16_t sport,
	      uint16_t dport, const uint8_t *data, size_t dlen)
{
	uint8_t seg[PB_UDP_HLEN + 2048];
	size_t len;

	if (dlen > sizeof(seg) - PB_UDP_HLEN)
		return 0;
	pb_put_be16(seg, sport);
	pb_put_be16(seg + 2, dport);
	pb_put_be16(seg + 4, (uint16_t)(PB_UDP_HLEN + dlen));
	pb_put_be16(seg + 6, 0);
	if (dlen)
		memcpy(seg + PB_UDP_HLEN, data, dlen);
	len = pb_ipv4(buf, cap, ip, PB_IPPROTO_UDP, seg, PB_UDP_HLEN + dlen);
	if (len)
		pb_l4_fix_csum(buf);
	return len;
}

/**
 * pb_tcp() - build an IPv4/TCP segment with a correct checksum
 * @buf:	output
 * @cap:	bytes writable at @buf
 * @ip:		IPv4 header fields
 * @sport:	source port
 * @dport:	destination port
 * @flags:	PB_TCP_* flags
 * @seq:	sequence number
 * @ack:	acknowledgement number
 * @data:	payload
 * @dlen:	bytes of payload
 *
 * Return: packet length, 0 if it does not fit
 */
size_t pb_tcp(uint8_t *buf, size_t cap, const struct pb_ip *ip, uint16_t sport,
	      uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
	      const uint8_t *data, size_t dlen)
{
	uint8_t seg[PB_TCP_HLEN + 2048];
	size_t len;

	if (dlen > sizeof(seg) - PB_TCP_HLEN)
		return 0;
	memset(seg, 0, PB_TCP_HLEN);
	pb_put_be16(seg, sport);
	pb_put_be16(seg + 2, dport);
	pb_put_be32(seg + 4, seq);
	pb_put_be32(seg + 8, ack);
	seg[12] = (PB_TCP_HLEN / 4) << 4;
	seg[13] = flags;
	pb_put_be16(seg + 14, 65535);
	if (dlen)
		memcpy(seg + PB_TCP_HLEN, data, dlen);
	len = pb_ipv4(buf, cap, ip, PB_IPPROTO_TCP, seg, PB_TCP_HLEN + dlen);
	if (len)
		pb_l4_fix_csum(buf);
	return len;
}

/**
 * pb_icmp_echo() - build an ICMP echo request or reply (RFC 792)
 * @buf:	output
 * @cap:	bytes writable at @buf
 * @ip:		IPv4 header fields
 * @type:	PB_ICMP_ECHO or PB_ICMP_ECHOREPLY
 * @id:		identifier
 * @seq:	sequence number
 * @data:	payload
 * @dlen:	bytes of payload
 *
 * Return: packet length, 0 if it does not fit
 */
size_t pb_icmp_echo(uint8_t *buf, size_t cap, const struct pb_ip *ip,
		    uint8_t type, uint16_t id, uint16_t seq,
		    const uint8_t *data, size_t dlen)
{
	uint8_t msg[PB_ICMP_HLEN + 2048];
	size_t len;

	if (dlen > sizeof(msg) - PB_ICMP_HLEN)
		return 0;
	msg[0] = type;
	msg[1] = 0;
	pb_put_be16(msg + 2, 0);
	pb_put_be16(msg + 4, id);
	pb_put_be16(msg + 6, seq);
	if (dlen)
		memcpy(msg + PB_ICMP_HLEN, data, dlen);
	len = pb_ipv4(buf, cap, ip, PB_IPPROTO_ICMP, msg, PB_ICMP_HLEN + dlen);
	if (len)
		pb_icmp_fix_csum(buf);
	return len;
}

/**
 * pb_icmp_error() - build an ICMP error quoting a packet
 * @buf:	output
 * @cap:	bytes writable at @buf
 * @ip:		IPv4 header fields
 * @type:	ICMP type (3 unreachable, 11 time exceeded, ...)
 * @code:	ICMP code
 * @rest:	the second 32-bit word (next-hop MTU in its low 16 bits for
 *		"fragmentation needed", RFC 1191)
 * @quote:	the quoted packet (its IPv4 header first)
 * @qlen:	bytes quoted
 *
 * Return: packet length, 0 if it does not fit
 */
size_t pb_icmp_error(uint8_t *buf, size_t cap, const struct pb_ip *ip,
		     uint8_t type, uint8_t code, uint32_t rest,
		     const uint8_t *quote, size_t qlen)
{
	uint8_t msg[PB_ICMP_HLEN + 2048];
	size_t len;

	if (qlen > sizeof(msg) - PB_ICMP_HLEN)
		return 0;
	msg[0] = type;
	msg[1] = code;
	pb_put_be16(msg + 2, 0);
	pb_put_be32(msg + 4, rest);
	if (qlen)
		memcpy(msg + PB_ICMP_HLEN, quote, qlen);
	len = pb_ipv4(buf, cap, ip, PB_IPPROTO_ICMP, msg, PB_ICMP_HLEN + qlen);
	if (len)
		pb_icmp_fix_csum(buf);
	return len;
}

/**
 * pb_frag() - build one fragment of a datagram (RFC 791)
 * @buf:	output
 * @cap:	bytes writable at @buf
 * @dgram:	the whole datagram (its header is copied, options included)
 * @off:	first payload byte of the fragment, a multiple of 8
 * @flen:	payload bytes in the fragment
 * @more:	set MF
 *
 * Return: fragment length, 0 if it does not fit or is out of the datagram
 */
size_t pb_frag(uint8_t *buf, size_t cap, const uint8_t *dgram, size_t off,
	       size_t flen, bool more)
{
	unsigned hlen = pb_hlen(dgram);
	size_t plen = pb_totlen(dgram) - hlen;
	uint16_t fl = pb_get_be16(dgram + 6);

	if (off % 8 || off + flen > plen || hlen + flen > cap)
		return 0;
	memcpy(buf, dgram, hlen);
	memcpy(buf + hlen, dgram + hlen + off, flen);
	pb_put_be16(buf + 2, (uint16_t)(hlen + flen));
	fl = (uint16_t)((fl & PB_IP_DF) | (more ? PB_IP_MF : 0) |
			((fl & 0x1fff) + off / 8));
	pb_put_be16(buf + 6, fl);
	pb_ip_fix_csum(buf);
	return hlen + flen;
}

/**
 * pb_reassemble() - put fragments back together (any order)
 * @buf:	output: the datagram, MF and offset cleared
 * @cap:	bytes writable at @buf
 * @frags:	the fragments
 * @lens:	their lengths
 * @n:		how many
 *
 * Return: datagram length, 0 if the fragments do not make one datagram
 */
size_t pb_reassemble(uint8_t *buf, size_t cap, const uint8_t *const *frags,
		     const size_t *lens, unsigned n)
{
	size_t end = 0, covered = 0, hlen = 0;
	bool have_first = false, have_last = false;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (pb_frag_off(frags[i]) == 0) {
			hlen = pb_hlen(frags[i]);
			memcpy(buf, frags[i], hlen);
			have_first = true;
		}
	}
	if (!have_first)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned fh = pb_hlen(frags[i]);
		size_t flen = pb_totlen(frags[i]) - fh;
		size_t off = pb_frag_off(frags[i]);

		if (pb_totlen(frags[i]) > lens[i] || hlen + off + flen > cap)
			return 0;
		memcpy(buf + hlen + off, frags[i] + fh, flen);
		covered += flen;
		if (!pb_mf(frags[i])) {
			have_last = true;
			end = off + flen;
		}
	}
	if (!have_last || covered != end)
		return 0;
	pb_put_be16(buf + 2, (uint16_t)(hlen + end));
	pb_put_be16(buf + 6, pb_get_be16(buf + 6) & PB_IP_DF);
	pb_ip_fix_csum(buf);
	return hlen + end;
}

/**
 * pb_ip_csum_ok() - check the IPv4 header checksum
 * @p:		packet
 * @len:	bytes at @p
 *
 * Return: true if the header is complete and its checksum right
 */
bool pb_ip_csum_ok(const uint8_t *p, size_t len)
{
	unsigned hlen;

	if (len < PB_IP_HLEN)
		return false;
	hlen = pb_hlen(p);
	if (hlen < PB_IP_HLEN || hlen > len)
		return false;
	return pb_fold(pb_sum(0, p, hlen)) == 0xffff;
}

/**
 * pb_l4_csum_ok() - check the TCP or UDP checksum of an unfragmented packet,
 * pseudo-header included (a UDP checksum of 0 means none, RFC 768)
 * @p:		packet
 * @len:	bytes at @p
 *
 * Return: true if right
 */
bool pb_l4_csum_ok(const uint8_t *p, size_t len)
{
	unsigned hlen = pb_hlen(p);
	size_t tot = pb_totlen(p);

	if (tot > len || tot < hlen + PB_UDP_HLEN)
		return false;
	if (pb_proto(p) == PB_IPPROTO_UDP) {
		if (!pb_get_be16(p + hlen + 6))
			return true;
	} else if (pb_proto(p) != PB_IPPROTO_TCP || tot < hlen + PB_TCP_HLEN) {
		return false;
	}
	return l4_csum(p, hlen, (uint16_t)(tot - hlen)) == 0;
}

/**
 * pb_icmp_csum_ok() - check the ICMP checksum over the whole message
 * @p:		packet
 * @len:	bytes at @p
 *
 * Return: true if right
 */
bool pb_icmp_csum_ok(const uint8_t *p, size_t len)
{
	unsigned hlen = pb_hlen(p);
	size_t tot = pb_totlen(p);

	if (tot > len || tot < hlen + PB_ICMP_HLEN ||
	    pb_proto(p) != PB_IPPROTO_ICMP)
		return false;
	return pb_fold(pb_sum(0, p + hlen, tot - hlen)) == 0xffff;
}
