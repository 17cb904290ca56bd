/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - pkt.c: IPv4, TCP, UDP and ICMP parsing and validation
 *
 * Theory of operation
 * -------------------
 * Every packet is hostile until this file has checked it. pkt_parse() checks
 * the IPv4 header (version, header length, total length, header checksum,
 * option syntax, addresses, fragment fields) and the transport header it
 * needs (TCP data offset, UDP length, ports not zero, ICMP length) and fills
 * a struct pkt_info; it returns a negative enum nat_drop reason for the first
 * rule a packet breaks. A buffer longer than the IPv4 total length (link
 * padding) is fine: the datagram ends at the total length.
 *
 * Fragments (RFC 4787 REQ-14, RFC 1858): the first fragment must hold the
 * whole minimal transport header, a TCP fragment may not start at offset 8
 * (it would overwrite the TCP flags), and a datagram may not extend past
 * 65535 bytes. Other fragments carry no transport header: @l4 is NULL.
 *
 * pkt_parse_inner() parses the packet quoted in an ICMP error: it checks the
 * header checksum (RFC 5508 REQ-3a), skips options (REQ-3b), needs only the
 * first 8 bytes of the transport header and does not look at its checksum
 * (REQ-3c), and does not hold the quote to the quoted total length.
 */
#include "nat.h"
#include "csum.h"
#include "pkt.h"

/**
 * pkt_addr_unicast() - whether an address may be a source or destination
 * that the NAT translates
 * @addr:	address
 *
 * Return: false for 0.0.0.0/8, 127.0.0.0/8, multicast and 240.0.0.0/4
 */
bool pkt_addr_unicast(uint32_t addr)
{
	uint8_t a = (uint8_t)(addr >> 24);

	return a != 0 && a != 127 && a < 224;
}

static int ip_options_check(const uint8_t *opt, unsigned len)
{
	unsigned i = 0;

	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0) /* end of option list */
			return 0;
		if (type == 1) { /* no operation */
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return -NAT_DROP_IP_OPTIONS;
		i += opt[i + 1];
	}
	return 0;
}

/* an IPv4 header checked and read into @pi (@inner: quoted in an error) */
static int ip_parse(uint8_t *buf, uint32_t buflen, struct pkt_info *pi,
		    bool inner)
{
	uint16_t totlen, frag;
	unsigned hlen;

	pi->host_src = 0;
	if (buflen < IP_HLEN_MIN)
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_SHORT;
	if (buf[0] >> 4 != 4)
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_IP_VERSION;
	hlen = (buf[0] & 0xfu) * 4u;
	if (hlen < IP_HLEN_MIN || hlen > buflen)
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_IP_HLEN;
	totlen = get_be16(buf + 2);
	if (totlen < hlen)
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_IP_LEN;
	if (!inner && totlen > buflen)
		return -NAT_DROP_IP_LEN;
	if (csum_fold(csum_add(0, buf, hlen)))
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_IP_CSUM;
	if (!inner && ip_options_check(buf + IP_HLEN_MIN, hlen - IP_HLEN_MIN))
		return -NAT_DROP_IP_OPTIONS;

	frag = get_be16(buf + 6);
	pi->hlen = (uint16_t)hlen;
	pi->len = inner && totlen > buflen ? (uint16_t)buflen : totlen;
	pi->l4len = (uint16_t)(pi->len - hlen);
	pi->proto = buf[9];
	pi->src = get_be32(buf + 12);
	pi->dst = get_be32(buf + 16);
	pi->ipid = get_be16(buf + 4);
	pi->frag_off = frag & IP_OFFMASK;
	pi->mf = !!(frag & IP_MF);
	pi->df = !!(frag & IP_DF);
	pi->l4 = NULL;
	pi->sport = pi->dport = 0;
	pi->tcp_flags = 0;
	pi->icmp_type = pi->icmp_code = 0;
	pi->icmp_err = false;

	if (!inner && !buf[8])
		return -NAT_DROP_TTL;
	if (!pkt_addr_unicast(pi->src) || !pkt_addr_unicast(pi->dst))
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_IP_ADDR;

	switch (pi->proto) {
	case IPPROTO_TCP_:
		pi->nproto = NAT_TCP;
		break;
	case IPPROTO_UDP_:
		pi->nproto = NAT_UDP;
		break;
	case IPPROTO_ICMP_:
		pi->nproto = NAT_ICMP;
		break;
	default:
		pi->nproto = NAT_NPROTO;
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_PROTO;
	}
	return 0;
}

static int frag_check(const struct pkt_info *pi)
{
	uint32_t end = (uint32_t)pi->frag_off * 8 + pi->l4len;

	if (end > 65535u - pi->hlen)
		return -NAT_DROP_FRAG_BAD;
	if (pi->mf && (pi->l4len & 7))
		return -NAT_DROP_FRAG_BAD;
	if (pi->mf && !pi->l4len)
		return -NAT_DROP_FRAG_BAD;
	/* RFC 1858: a TCP fragment at offset 8 rewrites the flags */
	if (pi->nproto == NAT_TCP && pi->frag_off == 1)
		return -NAT_DROP_FRAG_BAD;
	return 0;
}

static bool icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_TIMXCEED ||
	       type == ICMP_PARAMPROB;
}

/* the TCP, UDP or ICMP header checked and its ports, flags or type read */
static int l4_parse(uint8_t *l4, struct pkt_info *pi, bool inner)
{
	unsigned need, avail = pi->l4len;
	bool first_frag = pi->mf && !pi->frag_off;

	switch (pi->nproto) {
	case NAT_TCP:
		need = inner ? 8 : TCP_HLEN_MIN;
		break;
	case NAT_UDP:
		need = UDP_HLEN;
		break;
	default:
		need = ICMP_HLEN;
		break;
	}
	if (avail < need) {
		if (inner)
			return -NAT_DROP_ICMP_INNER;
		return first_frag ? -NAT_DROP_FRAG_BAD : -NAT_DROP_L4_SHORT;
	}
	pi->l4 = l4;

	switch (pi->nproto) {
	case NAT_TCP:
		pi->sport = get_be16(l4);
		pi->dport = get_be16(l4 + 2);
		if (!inner) {
			unsigned doff = (l4[12] >> 4) * 4u;

			pi->tcp_flags = l4[13];
			if (doff < TCP_HLEN_MIN)
				return -NAT_DROP_L4_BAD;
			if (doff > avail)
				return first_frag ? -NAT_DROP_FRAG_BAD
						  : -NAT_DROP_L4_SHORT;
		}
		break;
	case NAT_UDP: {
		uint16_t ulen = get_be16(l4 + 4);

		pi->sport = get_be16(l4);
		pi->dport = get_be16(l4 + 2);
		/* a fragmented datagram's length spans all fragments */
		if (!inner && (ulen < UDP_HLEN ||
			       (!first_frag && ulen > avail)))
			return -NAT_DROP_L4_BAD;
		break;
	}
	default:
		pi->icmp_type = l4[0];
		pi->icmp_code = l4[1];
		pi->icmp_err = icmp_is_error(l4[0]);
		if (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHOREPLY) {
			pi->sport = pi->dport = get_be16(l4 + 4);
		} else if (!pi->icmp_err) {
			return inner ? -NAT_DROP_ICMP_INNER
				     : -NAT_DROP_ICMP_TYPE;
		} else if (inner) {
			return -NAT_DROP_ICMP_INNER; /* no error about an error */
		}
		return 0;
	}
	if (!pi->sport || !pi->dport)
		return inner ? -NAT_DROP_ICMP_INNER : -NAT_DROP_L4_BAD;
	return 0;
}

/**
 * pkt_parse() - validate a packet and describe it
 * @buf:	the IPv4 header and what follows
 * @buflen:	bytes in @buf
 * @pi:		filled in
 *
 * Return: 0, or -(enum nat_drop) for the first rule the packet breaks
 */
int pkt_parse(uint8_t *buf, uint32_t buflen, struct pkt_info *pi)
{
	int ret = ip_parse(buf, buflen, pi, false);

	if (ret)
		return ret;
	if (pkt_is_frag(pi)) {
		ret = frag_check(pi);
		if (ret)
			return ret;
		if (pi->frag_off)
			return 0;
	}
	return l4_parse(buf + pi->hlen, pi, false);
}

/**
 * pkt_parse_inner() - parse the packet quoted in an ICMP error
 * @buf:	the quoted IPv4 header
 * @buflen:	bytes of quote
 * @pi:		filled in
 *
 * Return: 0, or -NAT_DROP_ICMP_INNER
 */
int pkt_parse_inner(uint8_t *buf, uint32_t buflen, struct pkt_info *pi)
{
	int ret = ip_parse(buf, buflen, pi, true);

	if (ret)
		return -NAT_DROP_ICMP_INNER;
	if (pi->frag_off)
		return -NAT_DROP_ICMP_INNER; /* no transport header quoted */
	/* the quote may stop before the quoted total length */
	pi->l4len = (uint16_t)((buflen < pi->len ? buflen : pi->len) -
			       pi->hlen);
	return l4_parse(buf + pi->hlen, pi, true);
}
