/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - test_nat_events.c: the log of sessions created and ended
 * (events.c), which `hostnat monitor` streams
 */
#include <string.h>

#include "nattest.h"

#define EV_MAX 16

static int teardown(void **state)
{
	nt_free(*state);
	return 0;
}

/* drain the log into @ev; return the count, @lost set */
static unsigned drain(struct nt *t, struct nat_sess_event *ev,
		      uint64_t *lost)
{
	return nat_sess_events(t->nat, ev, EV_MAX, lost);
}

static void
test_nothing_logged_without_subscribers(void **state)
{
	struct nt *t = nt_std(NULL, NULL);
	struct nat_sess_event ev[EV_MAX];
	uint64_t lost;

	*state = t;
	nt_udp_out(t, HOST_A, 4000, REM1, 53);
	nat_session_flush(t->nat, -1);
	assert_int_equal(drain(t, ev, &lost), 0);
	assert_int_equal(lost, 0);
}

static void
test_udp_session_created_then_expired_with_its_addresses(void **state)
{
	struct nt *t = nt_std(NULL, NULL);
	struct nat_sess_event ev[EV_MAX];
	uint64_t lost;
	uint16_t ext;

	*state = t;
	nat_events_enable(t->nat, true);
	ext = nt_udp_out(t, HOST_A, 4000, REM1, 53);
	assert_int_equal(drain(t, ev, &lost), 1);
	assert_int_equal(lost, 0);
	assert_int_equal(ev[0].kind, NAT_EV_NEW);
	assert_int_equal(ev[0].proto, NAT_UDP);
	assert_int_equal(ev[0].int_addr, HOST_A);
	assert_int_equal(ev[0].int_port, 4000);
	assert_int_equal(ev[0].ext_addr, NT_EXT);
	assert_int_equal(ev[0].ext_port, ext);
	assert_int_equal(ev[0].rem_addr, REM1);
	assert_int_equal(ev[0].rem_port, 53);
	assert_false(ev[0].inbound);

	nt_advance(t, 400 * 1000);	/* past every UDP timeout */
	assert_int_equal(drain(t, ev, &lost), 1);
	assert_int_equal(ev[0].kind, NAT_EV_END);
	assert_int_equal(ev[0].reason, NAT_END_EXPIRED);
	assert_int_equal(ev[0].int_port, 4000);
	assert_string_equal(nat_end_reason_name(ev[0].reason), "expired");
}

static void
test_tcp_session_after_rst_ends_closed(void **state)
{
	struct nt *t = nt_std(NULL, NULL);
	struct nat_sess_event ev[EV_MAX];
	uint64_t lost;
	uint16_t ext;

	*state = t;
	nat_events_enable(t->nat, true);
	ext = nt_tcp_out(t, HOST_A, 40000, REM1, 80, PB_TCP_SYN);
	nt_tcp_in_ok(t, REM1, 80, ext, HOST_A, 40000,
		     PB_TCP_SYN | PB_TCP_ACK);
	nt_tcp_out(t, HOST_A, 40000, REM1, 80, PB_TCP_RST);
	assert_int_equal(drain(t, ev, &lost), 1);
	assert_int_equal(ev[0].kind, NAT_EV_NEW);
	assert_int_equal(ev[0].proto, NAT_TCP);

	nt_advance(t, 300 * 1000);	/* past the transitory timer */
	assert_int_equal(drain(t, ev, &lost), 1);
	assert_int_equal(ev[0].kind, NAT_EV_END);
	assert_int_equal(ev[0].reason, NAT_END_CLOSED);
	assert_int_equal(ev[0].state, NAT_TCP_TRANS);
}

static void
test_flush_ends_sessions_removed(void **state)
{
	struct nt *t = nt_std(NULL, NULL);
	struct nat_sess_event ev[EV_MAX];
	uint64_t lost;

	*state = t;
	nat_events_enable(t->nat, true);
	nt_udp_out(t, HOST_A, 4000, REM1, 53);
	nt_udp_out(t, HOST_B, 4000, REM1, 53);
	assert_int_equal(drain(t, ev, &lost), 2);
	assert_int_equal(nat_session_flush(t->nat, -1), 2);
	assert_int_equal(drain(t, ev, &lost), 2);
	assert_int_equal(ev[0].kind, NAT_EV_END);
	assert_int_equal(ev[0].reason, NAT_END_REMOVED);
	assert_int_equal(ev[1].reason, NAT_END_REMOVED);
}

static void
test_overflow_counted_never_overwrites(void **state)
{
	struct nat_limits lim;
	struct nt *t;
	struct nat_sess_event ev[EV_MAX];
	uint64_t lost;
	uint16_t i;

	nat_limits_default(&lim);
	lim.max_port_events = 4;
	t = nt_std(&lim, NULL);
	*state = t;
	nat_events_enable(t->nat, true);
	for (i = 0; i < 6; i++)
		nt_udp_out(t, HOST_A, (uint16_t)(4000 + i), REM1, 53);
	assert_int_equal(drain(t, ev, &lost), 4);
	assert_int_equal(lost, 2);
	assert_int_equal(ev[0].int_port, 4000);	/* the oldest kept */
	assert_int_equal(ev[3].int_port, 4003);
	/* room again: logged again, nothing more lost */
	nt_udp_out(t, HOST_A, 5000, REM1, 53);
	assert_int_equal(drain(t, ev, &lost), 1);
	assert_int_equal(lost, 0);
	assert_int_equal(ev[0].int_port, 5000);
}

static void
test_disabled_again_forgets_and_stops(void **state)
{
	struct nt *t = nt_std(NULL, NULL);
	struct nat_sess_event ev[EV_MAX];
	uint64_t lost;

	*state = t;
	nat_events_enable(t->nat, true);
	nt_udp_out(t, HOST_A, 4000, REM1, 53);
	nat_events_enable(t->nat, false);
	nt_udp_out(t, HOST_A, 4001, REM1, 53);
	assert_int_equal(drain(t, ev, &lost), 0);
	assert_int_equal(lost, 0);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nothing_logged_without_subscribers),
		T(test_udp_session_created_then_expired_with_its_addresses),
		T(test_tcp_session_after_rst_ends_closed),
		T(test_flush_ends_sessions_removed),
		T(test_overflow_counted_never_overwrites),
		T(test_disabled_again_forgets_and_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
