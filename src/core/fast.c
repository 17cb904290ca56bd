/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fast.c: the sessions that the kernel's fast path may carry
 *
 * Theory of operation
 * -------------------
 * The engine stays the one authority: it creates every session, decides
 * its limits and filtering, and removes it. What it hands the datapath is
 * the right to move a session's packets itself, once the session is
 * settled:
 *  - TCP: ESTABLISHED (SYN seen both ways), with no packet threshold: the
 *    handshake's SYN and SYN-ACK come here, everything after it stays in
 *    the kernel, FIN and RST included. The programs move the session's
 *    state for the packets they carry with tcp_table, generated at build
 *    time from tcp_track() itself (tcp_table_gen.c), into a shared array
 *    (nat_fast_attach_state()); the engine reads it back (fast_state_of(),
 *    fast_state_pull()) wherever the state decides something: expiry, the
 *    listing, the session's end. A SYN still comes here (a new connection
 *    on the tuple, RFC 5382 port reuse) and is tracked against the shared
 *    state by compare-and-swap (fast_tcp_track()), so neither side loses
 *    the other's move. A TCP session, once fast, stays fast until it is
 *    removed: taking it back at FIN would cost two map deletes and two
 *    updates more per connection, and the table already says what the
 *    engine would;
 *  - UDP: answered (a packet each way);
 *  - never ICMP, or the host's own sessions (their second translation is
 *    the engine's). A hairpin is two sessions, the sender's towards the
 *    external address:port and the receiver's on its mapping from the
 *    sender's external address:port; each is given as its own state says,
 *    and its event says it is a hairpin (NAT_FAST_HAIRPIN): the programs
 *    carry a hairpin packet only when they find both.
 * Each such change appends an event to a ring (nat_fast_events()): ADD with
 * the session's index and both keys when it becomes fast, DEL with the same
 * when it stops being fast or is removed (fast_unlink(), from the one
 * place sessions are unlinked). A ring that overflows is marked lost and
 * takes nothing until the datapath rebuilds its copy from nat_fast_walk().
 * A fast session the wheel finds expired is not freed at once: it becomes
 * FAST_DYING (fast_dying(): DEL logged, its slot still its own) and the
 * wheel looks again a second later, when its keys are gone: a packet the
 * kernel carried in between left its time in the slot, and the session is
 * revived (fast_revive(): ADD again); otherwise it is removed then. So no
 * session in use is freed under the programs' feet, and no slot is reused
 * while keys that point at it may still be found.
 * Nothing of this happens until nat_fast_attach() turns it on.
 *
 * The datapath writes the time it last carried a packet of session i each
 * way into seen[2i] (from the endpoint) and seen[2i + 1] (to it), in
 * seconds of CLOCK_MONOTONIC, in memory the engine reads (a BPF array
 * mapped into the daemon): fast_last() folds that into the session's own
 * last-use time where the wheel decides expiry (inbound UDP only when the
 * network's udp_inbound_refresh says so, RFC 4787 REQ-6), so expiry stays
 * the engine's and no timer runs in the kernel.
 */
#include <string.h>

#include "core.h"

static bool fast_eligible(const struct nat *nat, const struct nat_sess *s)
{
	if (s->flags & SESS_HOSTREM)
		return false;
	switch (s->proto) {
	case NAT_TCP:
		/* once fast, through FIN, RST and port reuse (see above) */
		return s->fast || s->state == NAT_TCP_ESTABLISHED;
	case NAT_UDP:
		return sess_answered(s->flags);
	default:
		(void)nat;
		return false;
	}
}

static void fast_log(struct nat *nat, uint8_t op, uint32_t si)
{
	const struct nat_sess *s = &nat->sess[si];
	struct nat_fast_event *ev = lib_ring_push(&nat->fev);

	if (!ev)
		return;	/* full until the drain, which discards it */
	*ev = (struct nat_fast_event){
		.op = op,
		.proto = s->proto,
		.net = s->net,
		.idx = si,
		.int_addr = s->int_addr,
		.ext_addr = s->ext_addr,
		.rem_addr = s->rem_addr,
		.int_port = s->int_port,
		.ext_port = s->ext_port,
		.rem_port = s->rem_port,
		.flags = s->flags & SESS_HAIRPIN ? NAT_FAST_HAIRPIN : 0,
	};
}

/**
 * fast_publish() - after a packet of session @si: hand it to the fast path,
 * or take it back, as its state now says
 * @nat:	engine
 * @si:		session
 */
void fast_publish(struct nat *nat, uint32_t si)
{
	struct nat_sess *s = &nat->sess[si];
	bool want;

	/* counted per connection: a new one on the same tuple starts over */
	if (s->proto == NAT_TCP && (s->state == NAT_TCP_OUT_INIT ||
				    s->state == NAT_TCP_IN_INIT))
		s->npkts = 0;
	if (s->npkts < 255)
		s->npkts++;
	if (!nat->fast_seen || si >= nat->fast_n)
		return;
	want = fast_eligible(nat, s);
	if (want == !!s->fast)
		return;
	if (want) {
		/* its times start now: what the slot held was another's */
		nat->fast_seen[2 * si] = 0;
		nat->fast_seen[2 * si + 1] = 0;
		/* and its state is the engine's, before its keys are out */
		if (nat->fast_state)
			__atomic_store_n(&nat->fast_state[si], s->state,
					 __ATOMIC_RELEASE);
	}
	s->fast = want ? FAST_ON : 0;
	fast_log(nat, want ? NAT_FAST_ADD : NAT_FAST_DEL, si);
}

/**
 * fast_unlink() - session @si is being removed: out of the fast path first
 * @nat:	engine
 * @si:		session
 */
void fast_unlink(struct nat *nat, uint32_t si)
{
	struct nat_sess *s = &nat->sess[si];

	if (!s->fast)
		return;
	if (s->fast == FAST_DYING) {	/* its keys are going already */
		s->fast = 0;
		return;
	}
	s->fast = 0;
	fast_log(nat, NAT_FAST_DEL, si);
}

/**
 * fast_dying() - session @si expired while fast: its keys are deleted
 * first, and the wheel looks at it once more before it is freed
 * @nat:	engine
 * @si:		session
 *
 * A packet the programs carried between the engine's decision and the
 * deletion wrote its time into the session's slot, which stays the
 * session's until it is freed: the second look (flow_expire(), a second
 * later) finds it and revives the session (fast_revive()) instead of
 * removing a session in use. Packets after the deletion come to the
 * engine, which still has the session and translates them.
 */
void fast_dying(struct nat *nat, uint32_t si)
{
	struct nat_sess *s = &nat->sess[si];

	if (s->fast != FAST_ON)
		return;
	s->fast = FAST_DYING;
	fast_log(nat, NAT_FAST_DEL, si);
}

/**
 * fast_revive() - a dying session was used after all: back to the fast
 * path, with the times and TCP state its slot kept
 * @nat:	engine
 * @si:		session
 */
void fast_revive(struct nat *nat, uint32_t si)
{
	struct nat_sess *s = &nat->sess[si];

	if (s->fast != FAST_DYING)
		return;
	if (nat->fast_state && s->proto == NAT_TCP)
		__atomic_store_n(&nat->fast_state[si], s->state,
				 __ATOMIC_RELEASE);
	s->fast = FAST_ON;
	fast_log(nat, NAT_FAST_ADD, si);
}

/**
 * fast_last() - when session @si was last used, the fast path's packets
 * included, in the engine's clock
 * @nat:	engine
 * @si:		session
 *
 * Return: seconds since nat_create(), never ahead of now
 */
uint32_t fast_last(const struct nat *nat, uint32_t si)
{
	const struct nat_sess *s = &nat->sess[si];
	uint32_t last = s->last, out, in, t;

	if (!s->fast || !nat->fast_seen)
		return last;
	out = nat->fast_seen[2 * si];
	in = nat->fast_seen[2 * si + 1];
	if (s->proto == NAT_UDP && !nat->nets[s->net].cfg.udp_inbound_refresh)
		in = 0;
	t = out > in ? out : in;
	if (t <= nat->fast_base)
		return last;
	t -= nat->fast_base;
	if (t > nat->now)
		t = nat->now;
	return t > last ? t : last;
}

/**
 * fast_state_of() - the TCP state of session @si, as the fast path may have
 * moved it
 * @nat:	engine
 * @si:		session
 *
 * Return: enum nat_tcp_state
 */
uint8_t fast_state_of(const struct nat *nat, uint32_t si)
{
	const struct nat_sess *s = &nat->sess[si];
	uint64_t st;

	if (!s->fast || s->proto != NAT_TCP || !nat->fast_state)
		return s->state;
	st = __atomic_load_n(&nat->fast_state[si], __ATOMIC_ACQUIRE);
	/* only a state the table can hold; anything else is not believed */
	return st > NAT_TCP_NONE && st < NAT_TCP_NSTATES ? (uint8_t)st
							 : s->state;
}

/**
 * fast_state_pull() - the session's own state brought up to what the fast
 * path did, before the engine decides by it (expiry, removal)
 * @nat:	engine
 * @si:		session
 */
void fast_state_pull(struct nat *nat, uint32_t si)
{
	nat->sess[si].state = fast_state_of(nat, si);
}

/**
 * fast_tcp_track() - tcp_track() for a packet the engine translates, on
 * the state the fast path shares when the session is fast
 * @nat:	engine
 * @si:		session
 * @outbound:	packet from the endpoint
 * @flags:	TCP flags of the packet
 *
 * The programs move the same state with compare-and-swap (tcp_table): the
 * move is retried from what they left, so that a FIN they carried on
 * another CPU meanwhile is not undone.
 */
void fast_tcp_track(struct nat *nat, uint32_t si, bool outbound,
		    uint8_t flags)
{
	struct nat_sess *s = &nat->sess[si];
	volatile uint64_t *p;
	uint64_t cur;

	if (!s->fast || !nat->fast_state) {
		tcp_track(s, outbound, flags);
		return;
	}
	p = &nat->fast_state[si];
	cur = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	for (;;) {
		uint64_t want;

		s->state = cur > NAT_TCP_NONE && cur < NAT_TCP_NSTATES ?
				   (uint8_t)cur : s->state;
		tcp_track(s, outbound, flags);
		want = s->state;
		if (want == cur ||
		    __atomic_compare_exchange_n(p, &cur, want, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return;
	}
}

/**
 * nat_fast_attach_state() - share the TCP states of fast sessions with the
 * datapath, which moves them for the packets it carries (FIN, RST)
 * @nat:	engine
 * @state:	one 64-bit state (enum nat_tcp_state) per session index, as
 *		many as nat_fast_attach()'s @nslots; NULL: the fast path
 *		carries no TCP state change (the engine keeps its own)
 */
void nat_fast_attach_state(struct nat *nat, volatile uint64_t *state)
{
	nat->fast_state = state;
}

/**
 * nat_fast_attach() - turn the fast path's bookkeeping on
 * @nat:	engine
 * @seen:	2 * @nslots times of last use, written by the datapath
 *		(seconds of CLOCK_MONOTONIC; 0: never), read here
 * @nslots:	sessions the datapath has room for: those past it stay on
 *		the slow path
 * @now_ms:	CLOCK_MONOTONIC now, in ms (the clock of nat_process())
 *
 * Sessions fast already are not listed again: call it once, before the
 * first packet.
 */
void nat_fast_attach(struct nat *nat, volatile uint32_t *seen,
		     uint32_t nslots, uint64_t now_ms)
{
	(void)now_ms;
	nat->fast_seen = seen;
	nat->fast_n = nslots;
	/* the engine's second 0 in CLOCK_MONOTONIC seconds (rounded down:
	 * a time read back is at most 1 s late, never early) */
	nat->fast_base = (uint32_t)(nat->t0_ms / 1000);
}

/**
 * nat_fast_events() - drain the log of sessions given to or taken from the
 * fast path
 * @nat:	engine
 * @out:	filled with up to @max events, oldest first
 * @max:	room in @out
 * @resync:	set when events were lost (the ring overflowed): nothing is
 *		returned, and the caller rebuilds its copy from nat_fast_walk()
 *
 * Return: number of events in @out
 */
unsigned nat_fast_events(struct nat *nat, struct nat_fast_event *out,
			 unsigned max, bool *resync)
{
	unsigned k = 0;

	*resync = nat->fev.lost != 0;
	if (*resync) {
		lib_ring_reset(&nat->fev);
		return 0;
	}
	while (k < max && lib_ring_pop(&nat->fev, &out[k]))
		k++;
	return k;
}

/**
 * nat_fast_walk() - every session the fast path may carry now, as ADD
 * events (to rebuild a copy after nat_fast_events() said resync)
 * @nat:	engine
 * @fn:		called for each; a non-zero return stops the walk
 * @ctx:	passed to @fn
 *
 * Return: 0, or what @fn returned
 */
int nat_fast_walk(struct nat *nat,
		  int (*fn)(const struct nat_fast_event *ev, void *ctx),
		  void *ctx)
{
	uint32_t i;
	int ret;

	for (i = 0; i < nat->lim.max_flows; i++) {
		const struct nat_sess *s = &nat->sess[i];
		struct nat_fast_event ev;

		if (!(s->flags & SESS_LIVE) || s->fast != FAST_ON)
			continue;
		ev = (struct nat_fast_event){
			.op = NAT_FAST_ADD, .proto = s->proto, .net = s->net,
			.idx = i, .int_addr = s->int_addr,
			.ext_addr = s->ext_addr, .rem_addr = s->rem_addr,
			.int_port = s->int_port, .ext_port = s->ext_port,
			.rem_port = s->rem_port,
			.flags = s->flags & SESS_HAIRPIN ? NAT_FAST_HAIRPIN : 0,
		};
		ret = fn(&ev, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
