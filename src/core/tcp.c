/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tcp.c: TCP session state tracking
 *
 * Theory of operation
 * -------------------
 * RFC 7857 section 3.1 asks a NAT to follow the TCP state machine of
 * RFC 6146 section 3.5.2.2, so that the idle timeout fits where the
 * connection is, and so that a spoofed RST cannot tear a session down: an
 * RST only moves the session to the transitory timer (TRANS); any later
 * non-RST packet brings an established connection back.
 *
 *   OUT_INIT --SYN in--> ESTABLISHED <--SYN out-- IN_INIT
 *   ESTABLISHED --FIN out--> OUT_FIN --FIN in--> BOTH_FIN
 *   ESTABLISHED --FIN in--> IN_FIN --FIN out--> BOTH_FIN
 *   any --RST--> TRANS --non-RST--> ESTABLISHED
 *   BOTH_FIN/TRANS --SYN out--> OUT_INIT, --SYN in--> IN_INIT (port reuse)
 *
 * Timers (flow_timeout()): OUT_INIT, IN_INIT, BOTH_FIN and TRANS use the
 * transitory timeout (>= 4 min), the others the established one
 * (>= 2 h 4 min), RFC 5382 REQ-5. Sequence numbers are not checked: the
 * endpoints do that, and a NAT that second-guesses them breaks them.
 */
#include "core.h"

/**
 * tcp_track() - advance a session's TCP state for one packet
 * @s:		session
 * @outbound:	packet from the endpoint
 * @flags:	TCP flags of the packet
 */
void tcp_track(struct nat_sess *s, bool outbound, uint8_t flags)
{
	uint8_t st = s->state;

	if (flags & TCP_RST) {
		s->state = NAT_TCP_TRANS;
		return;
	}
	if (flags & TCP_SYN) {
		switch (st) {
		case NAT_TCP_OUT_INIT:
			if (!outbound)
				st = NAT_TCP_ESTABLISHED;
			break;
		case NAT_TCP_IN_INIT:
			if (outbound)
				st = NAT_TCP_ESTABLISHED;
			break;
		case NAT_TCP_BOTH_FIN:
			st = outbound ? NAT_TCP_OUT_INIT : NAT_TCP_IN_INIT;
			break;
		case NAT_TCP_TRANS:
			/* a SYN after RST: a new connection on the tuple */
			st = outbound ? NAT_TCP_OUT_INIT : NAT_TCP_IN_INIT;
			break;
		default:
			break;
		}
		s->state = st;
		return;
	}
	switch (st) {
	case NAT_TCP_TRANS:
		st = NAT_TCP_ESTABLISHED;
		break;
	case NAT_TCP_ESTABLISHED:
		if (flags & TCP_FIN)
			st = outbound ? NAT_TCP_OUT_FIN : NAT_TCP_IN_FIN;
		break;
	case NAT_TCP_OUT_FIN:
		if ((flags & TCP_FIN) && !outbound)
			st = NAT_TCP_BOTH_FIN;
		break;
	case NAT_TCP_IN_FIN:
		if ((flags & TCP_FIN) && outbound)
			st = NAT_TCP_BOTH_FIN;
		break;
	default:
		break;
	}
	s->state = st;
}
