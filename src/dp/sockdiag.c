/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - sockdiag.c: the host's own TCP and UDP sockets, by
 * NETLINK_SOCK_DIAG
 *
 * Theory of operation
 * -------------------
 * The datapath asks which local ports the host's sockets hold (dp_tick(),
 * once a second, for the NAT's dynamic ranges) and whether one listens on
 * a port a mapping would publish (dp_port_in_use()). Reading
 * /proc/net/{tcp,udp}[6] for that formats every socket of the host as text
 * and parses it back: on a host with 100k sockets, tens of milliseconds of
 * the daemon's one thread every second. A sock_diag dump instead carries
 * binary records, and the kernel filters them by local port (an
 * INET_DIAG_REQ_BYTECODE program "sport >= LO && sport <= HI"), so only
 * the sockets in the range are sent.
 *
 * Where the kernel has no inet_diag for a protocol (tcp_diag, udp_diag
 * not built), sockdiag_ports() fails and the caller reads /proc instead.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "nl.h"
#include "sockdiag.h"

struct dump_ctx {
	sockdiag_fn fn;
	void *ctx;
	int family;
};

/* a local address that IPv4 packets reach: any IPv4 one, or in the IPv6
 * table "::" and the v4-mapped ones (what /proc/net/tcp6 shows as such) */
static bool v4_reachable(int family, const __be32 src[4])
{
	if (family == AF_INET)
		return true;
	return !src[0] && !src[1] &&
	       ((!src[2] && !src[3]) || src[2] == htonl(0xffff));
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct dump_ctx *c = data;
	const struct inet_diag_msg *m;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != c->family)
		return MNL_CB_OK;
	c->fn(ntohs(m->id.idiag_sport),
	      v4_reachable(c->family, m->id.idiag_src), c->ctx);
	return MNL_CB_OK; /* never stop early: the rest must be read */
}

/**
 * sockdiag_ports() - every socket of one family and protocol whose local
 * port is within [@lo, @hi], in the given states
 * @d:		a NETLINK_SOCK_DIAG socket (nl_open_bus())
 * @family:	AF_INET or AF_INET6
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @states:	bit mask of TCP_* states (1 << TCP_LISTEN: listeners only;
 *		~0: every one, TIME_WAIT and SYN_RECV included)
 * @lo:		lowest local port
 * @hi:		highest
 * @fn:		called per socket: its local port and whether IPv4
 *		packets reach its address
 * @ctx:	passed to @fn
 *
 * Return: 0, -errno (-EINVAL, -ENOENT: the kernel has no diag for it,
 * which it tells in the dump's NLMSG_DONE)
 */
int sockdiag_ports(struct nl *d, int family, uint8_t proto,
		   uint32_t states, uint16_t lo, uint16_t hi, sockdiag_fn fn,
		   void *ctx)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf);
	struct inet_diag_req_v2 *req;
	struct dump_ctx c = { fn, ctx, family };
	/* sport >= lo (else past the end: rejected); sport <= hi (likewise);
	 * each comparison's operand is the next op's "no" */
	struct inet_diag_bc_op bc[4] = {
		{ INET_DIAG_BC_S_GE, sizeof(bc[0]) * 2, sizeof(bc[0]) * 4 + 4 },
		{ 0, 0, lo },
		{ INET_DIAG_BC_S_LE, sizeof(bc[0]) * 2, sizeof(bc[0]) * 2 + 4 },
		{ 0, 0, hi },
	};

	if (!d->sk)
		return -ENOTCONN;
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++d->seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = proto;
	req->idiag_states = states;
	mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof(bc), bc);
	/* the request is sent before the buffer receives the answer */
	return nl_exchange(d, nlh, dump_cb, &c);
}
