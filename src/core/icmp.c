/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - icmp.c: ICMP errors, translated and generated
 *
 * Theory of operation
 * -------------------
 * An ICMP error (destination unreachable, time exceeded, parameter problem)
 * quotes the header of the packet that caused it. Translating one means
 * finding the session of the quoted packet, rewriting the quote the way the
 * quoted packet was rewritten, in reverse, and the outer header to match
 * (RFC 5508 REQ-4, REQ-5):
 *  - inbound (from outside): the quote is a packet we sent, from the
 *    external addr:port; it becomes the endpoint's addr:port, and the outer
 *    destination becomes the endpoint;
 *  - outbound (from an endpoint, or a router inside): the quote is a packet
 *    we delivered, to the endpoint; it becomes the external addr:port, and
 *    the outer source becomes the external address;
 *  - hairpinned: both, in that order; the outer destination ends up as the
 *    quote's source after translation (RFC 5508 REQ-7a).
 * Checks before that: the ICMP checksum over the whole message (REQ-3), the
 * quoted header checksum (REQ-3a); options in the quote are skipped (REQ-3b)
 * and the quoted transport checksum is not checked (REQ-3c), only updated
 * when the quote holds it. An error neither creates nor refreshes a
 * session (REQ-6, RFC 5382 REQ-10). The ICMP checksum is then computed anew
 * over the message as it is, extensions included (REQ-3d: nothing is
 * assumed about their layout).
 *
 * The engine also builds errors of its own: destination unreachable code 13
 * when a session cannot be created (RFC 5508 REQ-8), code 3 for an
 * unsolicited SYN after its hold (RFC 5382 REQ-4). They quote as much of the
 * packet as fits in 576 bytes (RFC 1812 4.3.2.3) and are rate-limited.
 */
#include "core.h"
#include "csum.h"

static void inner_rewrite(uint8_t *inner, struct pkt_info *e, bool src_side,
			  uint32_t addr, uint16_t port)
{
	uint32_t old_addr = src_side ? e->src : e->dst;
	uint16_t old_port = src_side ? e->sport : e->dport;
	uint8_t *l4 = e->l4;
	uint16_t c;

	put_be16(inner + 10, csum_update32(get_be16(inner + 10), old_addr,
					   addr));
	put_be32(inner + (src_side ? 12 : 16), addr);

	switch (e->nproto) {
	case NAT_TCP:
		put_be16(l4 + (src_side ? 0 : 2), port);
		if (e->l4len >= 18) {
			c = get_be16(l4 + 16);
			c = csum_update32(c, old_addr, addr);
			put_be16(l4 + 16, csum_update16(c, old_port, port));
		}
		break;
	case NAT_UDP:
		put_be16(l4 + (src_side ? 0 : 2), port);
		c = get_be16(l4 + 6);
		if (c) {
			c = csum_update32(c, old_addr, addr);
			c = csum_update16(c, old_port, port);
			put_be16(l4 + 6, c ? c : 0xffff);
		}
		break;
	default:
		c = get_be16(l4 + 2);
		put_be16(l4 + 2, csum_update16(c, old_port, port));
		put_be16(l4 + 4, port);
		break;
	}
}

static void icmp_csum_fix(const struct pkt_info *pi)
{
	put_be16(pi->l4 + 2, 0);
	put_be16(pi->l4 + 2, csum_fold(csum_add(0, pi->l4, pi->l4len)));
}

/* common checks; fills @e with the quoted packet */
static int err_parse(struct pkt_info *pi, struct pkt_info *e)
{
	if (pkt_is_frag(pi))
		return -NAT_DROP_ICMP_INNER; /* checksum spans fragments */
	if (csum_fold(csum_add(0, pi->l4, pi->l4len)))
		return -NAT_DROP_ICMP_CSUM;
	return pkt_parse_inner(pi->l4 + ICMP_HLEN,
			       (uint32_t)pi->l4len - ICMP_HLEN, e);
}

/**
 * icmp_err_out() - translate an ICMP error sent from inside
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet (an ICMP error)
 */
void icmp_err_out(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi)
{
	struct pkt_info e;
	struct nat_sess *s;
	uint32_t si;
	int ret = err_parse(pi, &e);

	if (ret) {
		nat_drop(nat, p, (unsigned)-ret);
		return;
	}
	/* the quote went from the remote to the endpoint */
	si = sess_lookup(nat, KEY_SESS_OUT, e.nproto, e.dst, e.dport, e.src,
			 e.nproto == NAT_ICMP ? 0 : e.sport);
	if (si == NONE32) {
		nat_drop(nat, p, NAT_DROP_ICMP_NOSESS);
		return;
	}
	s = &nat->sess[si];
	if (nat_prefix_find(nat, pi->src) != s->net) {
		nat_drop(nat, p, NAT_DROP_SPOOFED);
		return;
	}
	if (nat_isolated(nat, s->net, pi->dst)) {
		/* the quote is a session's, the outer header aims elsewhere */
		nat_drop(nat, p, NAT_DROP_ISOLATED);
		return;
	}
	inner_rewrite(pi->l4 + ICMP_HLEN, &e, false, s->ext_addr, s->ext_port);
	put_be16(p->data + 10, csum_update32(get_be16(p->data + 10), pi->src,
					     s->ext_addr));
	put_be32(p->data + 12, s->ext_addr);
	pi->src = s->ext_addr;
	icmp_csum_fix(pi);
	p->verdict = NAT_FORWARD;
	p->net = s->net;
	nat->st.pkts_icmp_err++;
	if (s->flags & SESS_HAIRPIN)
		icmp_err_in(nat, p, pi, true);
}

/**
 * icmp_err_in() - translate an ICMP error sent to an external address
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet (an ICMP error)
 * @hairpin:	second half of a hairpinned error
 */
void icmp_err_in(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
		 bool hairpin)
{
	struct pkt_info e;
	struct nat_sess *s;
	uint32_t si;
	int ret = err_parse(pi, &e);

	if (ret) {
		nat_drop(nat, p, (unsigned)-ret);
		return;
	}
	/* the quote went from the external addr:port to the remote */
	si = sess_lookup(nat, KEY_SESS_IN, e.nproto, e.src, e.sport, e.dst,
			 e.nproto == NAT_ICMP ? 0 : e.dport);
	if (si == NONE32) {
		if (!hairpin &&
		    map_lookup(nat, KEY_MAP_IN, e.nproto, e.src, e.sport) ==
			    NONE32 &&
		    !nat_port_owned(nat, e.src, e.nproto, e.sport)) {
			/* about the host's own traffic */
			p->verdict = NAT_LOCAL;
			nat->st.pkts_local++;
			return;
		}
		nat_drop(nat, p, NAT_DROP_ICMP_NOSESS);
		return;
	}
	s = &nat->sess[si];
	if (pi->dst != s->ext_addr) {
		nat_drop(nat, p, NAT_DROP_ICMP_INNER);
		return;
	}
	inner_rewrite(pi->l4 + ICMP_HLEN, &e, true, s->int_addr, s->int_port);
	put_be16(p->data + 10, csum_update32(get_be16(p->data + 10), pi->dst,
					     s->int_addr));
	put_be32(p->data + 16, s->int_addr);
	pi->dst = s->int_addr;
	icmp_csum_fix(pi);
	p->verdict = NAT_FORWARD;
	p->net = s->net;
	if (hairpin)
		nat->st.pkts_hairpin++;
	else
		nat->st.pkts_icmp_err++;
}

/**
 * icmp_build_error() - build an ICMP error quoting a packet
 * @nat:	engine (for the IPv4 identification)
 * @buf:	where to build it; may hold @orig itself
 * @cap:	bytes writable at @buf
 * @orig:	the packet to quote, from its IPv4 header
 * @origlen:	its length
 * @type:	ICMP type
 * @code:	ICMP code
 * @src:	source address of the error
 * @dst:	destination address of the error
 *
 * Return: length of the error, or -NAT_DROP_NO_ROOM
 */
int icmp_build_error(struct nat *nat, uint8_t *buf, uint32_t cap,
		     const uint8_t *orig, uint32_t origlen, uint8_t type,
		     uint8_t code, uint32_t src, uint32_t dst)
{
	uint32_t hdr = IP_HLEN_MIN + ICMP_HLEN;
	uint32_t quote = origlen, ohlen = (orig[0] & 0xfu) * 4u, len;
	uint8_t *ip = buf, *ic = buf + IP_HLEN_MIN;

	if (quote > GEN_BUF - hdr)
		quote = GEN_BUF - hdr;
	if (cap < hdr || quote > cap - hdr)
		quote = cap < hdr ? 0 : cap - hdr;
	if (quote < ohlen + 8 || quote > origlen)
		return -NAT_DROP_NO_ROOM;
	memmove(buf + hdr, orig, quote);
	len = hdr + quote;

	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (uint16_t)len);
	put_be16(ip + 4, nat->ipid++);
	put_be16(ip + 6, 0);
	ip[8] = 64; /* TTL */
	ip[9] = IPPROTO_ICMP_;
	put_be16(ip + 10, 0);
	put_be32(ip + 12, src);
	put_be32(ip + 16, dst);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN_MIN)));

	ic[0] = type;
	ic[1] = code;
	put_be16(ic + 2, 0);
	put_be32(ic + 4, 0);
	put_be16(ic + 2, csum_fold(csum_add(0, ic, ICMP_HLEN + quote)));
	nat->st.pkts_icmp_sent++;
	return (int)len;
}

/**
 * icmp_reply() - turn a packet into an ICMP error back to its sender
 * @nat:	engine
 * @p:		packet, rewritten in place
 * @pi:		parsed packet, not yet translated
 * @type:	ICMP type
 * @code:	ICMP code
 * @src:	source address of the error
 * @reason:	the drop reason this answers, counted
 */
void icmp_reply(struct nat *nat, struct nat_pkt *p, const struct pkt_info *pi,
		uint8_t type, uint8_t code, uint32_t src, unsigned reason)
{
	int len;

	nat->st.drops[reason]++;
	p->verdict = NAT_DROP;
	p->reason = (uint8_t)reason;
	if (pi->icmp_err || pi->frag_off || !nat_icmp_token(nat))
		return; /* no error about an error, RFC 1812 4.3.2.7 */
	len = icmp_build_error(nat, p->data, p->cap, p->data, pi->len, type,
			       code, src, pi->src);
	if (len < 0)
		return;
	p->len = (uint32_t)len;
	p->csum_partial = 0;
	p->verdict = NAT_REPLY;
}
