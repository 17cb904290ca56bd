/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - translate.c: the packet path, outbound and inbound
 *
 * Theory of operation
 * -------------------
 * Outbound (from an endpoint): the session is found by (proto, source,
 * destination). A new one needs a TCP SYN (RFC 6146: only a SYN opens), a
 * source inside one of the network's prefixes (anything else is spoofed),
 * and a mapping: the endpoint's existing one (endpoint-independent mapping,
 * RFC 4787 REQ-1, RFC 5382 REQ-1, RFC 5508 REQ-1a) or a new one. Outbound
 * packets always refresh their session (RFC 4787 REQ-6). The source becomes
 * the external address:port, and a datagram that may be fragmented on the
 * way (DF clear) gets a fresh IPv4 identification, because many endpoints
 * now share one source address (RFC 7857 section 10, RFC 6864 5.3.1).
 * When no session can be created (table, endpoint limit, ports), the
 * endpoint gets ICMP destination unreachable, code 13 (RFC 5508 REQ-8).
 *
 * Inbound (to an external address): the session is found by (proto,
 * external addr:port, remote). A new one needs a mapping and the filtering
 * of the network (RFC 4787 REQ-8, RFC 5382 REQ-3): endpoint-independent,
 * address-dependent or address-and-port-dependent; a static mapping accepts
 * every remote in its remote prefix. A TCP SYN that nothing accepts is
 * unsolicited and held for 6 s (RFC 5382 REQ-4, synhold.c). Packets for
 * ports the NAT does not own go to the host untranslated (NAT_LOCAL).
 *
 * Isolation: an endpoint never reaches an internal prefix through the NAT,
 * of its own network or of another (the classifier drops that first; the
 * engine is the second line): a new flow or an ICMP error towards one is
 * dropped (NAT_DROP_ISOLATED), the network's host_addr excepted. Sessions
 * cannot point into a prefix: inbound sources inside one are spoofed, and
 * sessions a new prefix or host_addr would cover are removed with the
 * change. Hairpinning reaches another network's endpoint only through a
 * mapping on an external address, as the rest of the world does.
 *
 * Hairpinning: an outbound packet to one of our external addresses is
 * translated outbound, then inbound, in the same call, so the target
 * endpoint sees the external address:port of the sender (RFC 4787 REQ-9a,
 * RFC 5382 REQ-8a, RFC 7857 section 3 for ICMP errors). A packet to the
 * external address that no mapping owns is the host's (NAT_LOCAL).
 *
 * The host itself (WinNAT cannot do this): a connection of the host's to an
 * external address:port reaches the engine inbound with one of our external
 * addresses as source. Endpoints could not answer it (their reply to the
 * host's address would be delivered by the kernel untranslated), so its
 * source becomes the network's host_addr, an address of the prefix that is
 * routed to the NAT; replies to host_addr are translated outbound and then
 * sent back to the external address the host used.
 *
 * Checksums are updated, never recomputed (RFC 1624). A packet whose
 * transport checksum the device will complete (csum_partial) holds only
 * the pseudo-header sum in that field: an address change is applied to it
 * the other way round and a port change not at all (the device sums the
 * ports itself). UDP checksum 0 (none) stays 0, and a computed 0 is sent as
 * 0xffff (RFC 768).
 */
#include "addr.h"
#include "core.h"
#include "csum.h"

static uint16_t pseudo_update(uint16_t field, uint32_t old, uint32_t new)
{
	return (uint16_t)~csum_update32((uint16_t)~field, old, new);
}

/* a rewritten address and port carried into the L4 checksum (RFC 1624) */
static void l4_update(uint8_t *l4, const struct pkt_info *pi, bool partial,
		      uint32_t old_addr, uint32_t new_addr, uint16_t old_port,
		      uint16_t new_port, unsigned port_off)
{
	uint16_t c;

	switch (pi->nproto) {
	case NAT_TCP:
		c = get_be16(l4 + 16);
		if (partial) {
			c = pseudo_update(c, old_addr, new_addr);
		} else {
			c = csum_update32(c, old_addr, new_addr);
			c = csum_update16(c, old_port, new_port);
		}
		put_be16(l4 + 16, c);
		put_be16(l4 + port_off, new_port);
		break;
	case NAT_UDP:
		c = get_be16(l4 + 6);
		if (partial) {
			c = pseudo_update(c, old_addr, new_addr);
		} else if (c) {
			c = csum_update32(c, old_addr, new_addr);
			c = csum_update16(c, old_port, new_port);
			if (!c)
				c = 0xffff;
		}
		put_be16(l4 + 6, c);
		put_be16(l4 + port_off, new_port);
		break;
	default: /* ICMP query: identifier, no pseudo-header */
		c = csum_update16(get_be16(l4 + 2), old_port, new_port);
		put_be16(l4 + 4, new_port);
		if (!c && !pi->mf) {
			/* 0x0000 and 0xffff are both zero in one's complement,
			 * but only 0xffff checks out for an all-zero message */
			put_be16(l4 + 2, 0);
			c = csum_fold(csum_add(0, l4, pi->l4len));
		}
		put_be16(l4 + 2, c);
		break;
	}
}

/**
 * xlate_src() - rewrite the source address and port of a packet
 * @ip:		IPv4 header
 * @pi:		parsed packet, updated
 * @partial:	transport checksum is completed by the device
 * @addr:	new source address
 * @port:	new source port (ICMP: identifier)
 */
void xlate_src(uint8_t *ip, struct pkt_info *pi, bool partial, uint32_t addr,
	       uint16_t port)
{
	put_be16(ip + 10, csum_update32(get_be16(ip + 10), pi->src, addr));
	put_be32(ip + 12, addr);
	if (pi->l4)
		l4_update(pi->l4, pi, partial, pi->src, addr, pi->sport, port,
			  0);
	pi->src = addr;
	if (pi->l4) {
		pi->sport = port;
		if (pi->nproto == NAT_ICMP)
			pi->dport = port;
	}
}

/**
 * xlate_dst() - rewrite the destination address and port of a packet
 * @ip:		IPv4 header
 * @pi:		parsed packet, updated
 * @partial:	transport checksum is completed by the device
 * @addr:	new destination address
 * @port:	new destination port (ICMP: identifier)
 */
void xlate_dst(uint8_t *ip, struct pkt_info *pi, bool partial, uint32_t addr,
	       uint16_t port)
{
	put_be16(ip + 10, csum_update32(get_be16(ip + 10), pi->dst, addr));
	put_be32(ip + 16, addr);
	if (pi->l4)
		l4_update(pi->l4, pi, partial, pi->dst, addr, pi->dport, port,
			  2);
	pi->dst = addr;
	if (pi->l4) {
		pi->dport = port;
		if (pi->nproto == NAT_ICMP)
			pi->sport = port;
	}
}

/**
 * xlate_ipid() - set the IPv4 identification
 * @ip:		IPv4 header
 * @id:		new identification
 */
void xlate_ipid(uint8_t *ip, uint16_t id)
{
	put_be16(ip + 10, csum_update16(get_be16(ip + 10), get_be16(ip + 4),
					id));
	put_be16(ip + 4, id);
}

static void out_fail(struct nat *nat, struct nat_pkt *p,
		     const struct pkt_info *pi, unsigned net, int reason)
{
	const struct nat_net_cfg *cfg = &nat->nets[net].cfg;

	if (reason == NAT_DROP_CONFLICT || !cfg->icmp_errors) {
		nat_drop(nat, p, (unsigned)reason);
		return;
	}
	icmp_reply(nat, p, pi, ICMP_UNREACH, ICMP_UNREACH_ADMIN, cfg->gateway,
		   (unsigned)reason);
}

/* the first outbound packet of a flow: its mapping and session, or a drop */
static uint32_t out_new(struct nat *nat, struct nat_pkt *p,
			struct pkt_info *pi)
{
	uint16_t rport = pi->nproto == NAT_ICMP ? 0 : pi->dport;
	uint32_t mi, si;
	bool fresh = false;
	int net, ret;

	if (pi->nproto == NAT_TCP &&
	    (pi->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) {
		nat_drop(nat, p, NAT_DROP_TCP_NOSYN);
		return NONE32;
	}
	net = nat_prefix_find(nat, pi->src);
	if (net < 0) {
		nat_drop(nat, p, NAT_DROP_SPOOFED);
		return NONE32;
	}
	p->net = (uint16_t)net;
	if (nat_isolated(nat, (unsigned)net, pi->dst)) {
		/* networks are isolated, and so are the prefixes of one:
		 * written back, the kernel would route it into the prefix */
		nat_drop(nat, p, NAT_DROP_ISOLATED);
		return NONE32;
	}
	if (pi->dst == nat->nets[net].cfg.host_addr) {
		/* a new flow to the host's stand-in: the host's */
		p->verdict = NAT_LOCAL;
		nat->st.pkts_local++;
		return NONE32;
	}
	if (nat_ext_find(nat, pi->dst) >= 0 &&
	    (pi->nproto == NAT_ICMP ||
	     map_lookup(nat, KEY_MAP_IN, pi->nproto, pi->dst, pi->dport) ==
		     NONE32)) {
		/* to the host's external address, no mapping: the host's */
		p->verdict = NAT_LOCAL;
		nat->st.pkts_local++;
		return NONE32;
	}

	mi = map_lookup(nat, KEY_MAP_OUT, pi->nproto, pi->src, pi->sport);
	if (mi == NONE32) {
		if (nat->sess_free == NONE32) {
			out_fail(nat, p, pi, (unsigned)net, NAT_DROP_TABLE_FULL);
			return NONE32;
		}
		if (!flow_host_room(nat, pi->src, false)) {
			out_fail(nat, p, pi, (unsigned)net, NAT_DROP_HOST_LIMIT);
			return NONE32;
		}
		ret = map_create_dynamic(nat, (unsigned)net, pi->nproto,
					 pi->src, pi->sport, &mi);
		if (ret) {
			out_fail(nat, p, pi, (unsigned)net, -ret);
			return NONE32;
		}
		fresh = true;
	}
	ret = sess_create(nat, mi, pi->dst, rport, false, &si);
	if (ret) {
		if (fresh)
			map_destroy(nat, mi);
		out_fail(nat, p, pi, (unsigned)net, -ret);
		return NONE32;
	}
	return si;
}

/**
 * xlate_out_sess() - translate an outbound packet of a known session
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet
 * @si:		its session
 */
void xlate_out_sess(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
		    uint32_t si)
{
	struct nat_sess *s = &nat->sess[si];

	if ((s->flags & SESS_HAIRPIN) &&
	    map_lookup(nat, KEY_MAP_IN, pi->nproto, pi->dst, pi->dport) ==
		    NONE32) {
		/* the mapping it hairpinned to is gone: the host's, as a new
		 * flow to that port would be (nothing translated) */
		p->verdict = NAT_LOCAL;
		nat->st.pkts_local++;
		return;
	}
	if (s->proto == NAT_TCP) {
		if ((pi->tcp_flags & TCP_SYN) && nat->st.syn_held)
			syn_cancel(nat, s->ext_addr, s->ext_port, s->rem_addr,
				   s->rem_port);
		fast_tcp_track(nat, si, true, pi->tcp_flags);
	}
	s->last = nat->now;
	s->flags |= SESS_SEEN_OUT; /* answered, if created from outside */
	xlate_src(p->data, pi, p->csum_partial, s->ext_addr, s->ext_port);
	if (s->flags & SESS_HOSTREM)
		xlate_dst(p->data, pi, p->csum_partial, s->ext_addr, pi->dport);
	if (!pi->df)
		xlate_ipid(p->data, nat->ipid++);
	p->verdict = NAT_FORWARD;
	p->net = s->net;
	nat->st.pkts_out++;
	fast_publish(nat, si);
	if (s->flags & SESS_HAIRPIN)
		xlate_in(nat, p, pi, true);
}

/**
 * xlate_out() - translate a packet from an endpoint
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet
 */
void xlate_out(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi)
{
	uint32_t si;

	if (pi->frag_off) {
		frag_other(nat, p, pi);
		return;
	}
	if (pi->icmp_err) {
		icmp_err_out(nat, p, pi);
		return;
	}
	if (pi->nproto == NAT_ICMP && pi->icmp_type != ICMP_ECHO) {
		nat_drop(nat, p, NAT_DROP_ICMP_TYPE);
		return;
	}
	si = sess_lookup(nat, KEY_SESS_OUT, pi->nproto, pi->src, pi->sport,
			 pi->dst, pi->nproto == NAT_ICMP ? 0 : pi->dport);
	if (si == NONE32) {
		si = out_new(nat, p, pi);
		if (si == NONE32)
			return;
	}
	xlate_out_sess(nat, p, pi, si);
}

static bool in_filter(const struct nat *nat, uint32_t mi,
		      const struct pkt_info *pi)
{
	const struct nat_mapping *mp = &nat->maps[mi];

	if (mp->flags & MAP_STATIC) {
		const struct nat_map *m = &nat->statics[mp->stat].m;
		uint32_t mask = lib_prefix_mask(m->remote_plen);
		/* the host is let in by the address it connected from */
		uint32_t src = pi->host_src ? pi->host_src : pi->src;

		if (m->host_only && !pi->host_src)
			return false;
		return (src & mask) == (m->remote_addr & mask);
	}
	switch (nat->nets[mp->net].cfg.filter[mp->proto]) {
	case NAT_FILTER_EIF:
		return true;
	case NAT_FILTER_ADF:
		return map_adf_allows(nat, mi, pi->src);
	default:
		return false; /* APDF: only the exact session */
	}
}

/* the first inbound packet of a flow: through a mapping and its filter */
static uint32_t in_new(struct nat *nat, struct nat_pkt *p,
		       struct pkt_info *pi)
{
	bool syn = pi->nproto == NAT_TCP &&
		   (pi->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
	uint32_t mi, si;
	int ret;

	mi = map_lookup(nat, KEY_MAP_IN, pi->nproto, pi->dst, pi->dport);
	if (mi == NONE32) {
		if (!nat_port_owned(nat, pi->dst, pi->nproto, pi->dport)) {
			p->verdict = NAT_LOCAL;
			nat->st.pkts_local++;
		} else if (syn) {
			int net = nat_prefix_find(nat, pi->src);

			syn_hold(nat, p, pi, net < 0 ? 0 : (unsigned)net);
		} else {
			nat_drop(nat, p, NAT_DROP_NO_MAPPING);
		}
		return NONE32;
	}
	p->net = nat->maps[mi].net;
	if (pi->nproto == NAT_TCP && !syn) {
		nat_drop(nat, p, NAT_DROP_TCP_NOSYN);
		return NONE32;
	}
	if (!in_filter(nat, mi, pi)) {
		if (syn && !(nat->maps[mi].flags & MAP_STATIC))
			syn_hold(nat, p, pi, nat->maps[mi].net);
		else
			nat_drop(nat, p, NAT_DROP_FILTERED);
		return NONE32;
	}
	ret = sess_create(nat, mi, pi->src,
			  pi->nproto == NAT_ICMP ? 0 : pi->sport, true, &si);
	if (ret) {
		nat_drop(nat, p, (unsigned)-ret);
		return NONE32;
	}
	if (pi->nproto == NAT_TCP)
		nat->sess[si].state = NAT_TCP_IN_INIT;
	return si;
}

/**
 * xlate_in_sess() - translate an inbound packet of a known session
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet
 * @si:		its session
 * @hairpin:	second half of a hairpin
 */
void xlate_in_sess(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
		   uint32_t si, bool hairpin)
{
	struct nat_sess *s = &nat->sess[si];

	if (s->proto == NAT_TCP)
		fast_tcp_track(nat, si, false, pi->tcp_flags);
	if (!(s->flags & SESS_SEEN_IN))
		s->flags |= SESS_SEEN_IN; /* answered, if the endpoint's */
	if (s->proto != NAT_UDP || nat->nets[s->net].cfg.udp_inbound_refresh)
		s->last = nat->now;
	xlate_dst(p->data, pi, p->csum_partial, s->int_addr, s->int_port);
	p->verdict = NAT_FORWARD;
	p->net = s->net;
	if (hairpin)
		nat->st.pkts_hairpin++;
	else
		nat->st.pkts_in++;
	fast_publish(nat, si);
}

/* the host's own packet to an external address: source -> host_addr */
static bool host_in(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi)
{
	uint32_t mi;
	uint32_t host;

	if (pi->nproto == NAT_ICMP) {
		p->verdict = NAT_LOCAL; /* the host pings itself */
		nat->st.pkts_local++;
		return false;
	}
	mi = map_lookup(nat, KEY_MAP_IN, pi->nproto, pi->dst, pi->dport);
	host = mi == NONE32 ? 0 : nat->nets[nat->maps[mi].net].cfg.host_addr;
	if (!host) {
		p->verdict = NAT_LOCAL;
		nat->st.pkts_local++;
		return false;
	}
	pi->host_src = pi->src;
	xlate_src(p->data, pi, p->csum_partial, host, pi->sport);
	return true;
}

/**
 * xlate_in() - translate a packet to an external address
 * @nat:	engine
 * @p:		packet
 * @pi:		parsed packet
 * @hairpin:	the packet is an endpoint's, already translated outbound
 */
void xlate_in(struct nat *nat, struct nat_pkt *p, struct pkt_info *pi,
	      bool hairpin)
{
	uint32_t si;

	if (pi->frag_off) {
		frag_other(nat, p, pi);
		return;
	}
	if (!hairpin && nat_prefix_find(nat, pi->src) >= 0) {
		nat_drop(nat, p, NAT_DROP_SPOOFED);
		return;
	}
	if (nat_ext_find(nat, pi->dst) < 0) {
		nat_drop(nat, p, NAT_DROP_NOT_OURS);
		return;
	}
	if (pi->icmp_err) {
		icmp_err_in(nat, p, pi, hairpin);
		return;
	}
	if (!hairpin && nat_ext_find(nat, pi->src) >= 0 && !host_in(nat, p, pi))
		return;
	if (pi->nproto == NAT_ICMP && pi->icmp_type != ICMP_ECHOREPLY) {
		/* echo requests to the external address: the host answers */
		p->verdict = NAT_LOCAL;
		nat->st.pkts_local++;
		return;
	}
	si = sess_lookup(nat, KEY_SESS_IN, pi->nproto, pi->dst, pi->dport,
			 pi->src, pi->nproto == NAT_ICMP ? 0 : pi->sport);
	if (si == NONE32) {
		si = in_new(nat, p, pi);
		if (si == NONE32)
			return;
	}
	xlate_in_sess(nat, p, pi, si, hairpin);
}
