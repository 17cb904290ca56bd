/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - test_nat_save.c: sessions handed from one engine to the next
 * (save.c): what a restored session keeps, and the records refused
 */
#include <errno.h>
#include <string.h>

#include "nattest.h"

#define SAVED_MAX 16

struct saved {
	struct nat_saved r[SAVED_MAX];
	unsigned n;
};

static int keep(const struct nat_saved *r, void *ctx)
{
	struct saved *s = ctx;

	if (s->n == SAVED_MAX)
		return -ENOSPC;
	s->r[s->n++] = *r;
	return 0;
}

static unsigned save(struct nt *t, struct saved *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(nat_save_walk(t->nat, t->now, keep, s), 0);
	return s->n;
}

static int teardown2(void **state)
{
	struct nt **t = *state;

	nt_free(t[0]);
	nt_free(t[1]);
	return 0;
}

static const struct nat_saved *find(const struct saved *s, uint8_t proto,
				    uint16_t int_port)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].proto == proto && s->r[i].int_port == int_port)
			return &s->r[i];
	fail_msg("no saved session proto %u port %u", proto, int_port);
	return NULL;
}

/* an outbound UDP flow, an established TCP connection and one through a
 * static mapping: the next engine translates each as the first did */
static void test_sessions_keep_ports_state_and_mapping(void **state)
{
	static struct nt *t[2];
	struct nat_map m = { .proto = NAT_TCP, .ext_addr = NT_EXT,
			     .ext_port = 8080, .int_addr = HOST_B,
			     .int_port = 80 };
	struct nat_session_info si;
	struct saved s;
	uint16_t udp, tcp;
	unsigned i;

	t[0] = nt_std(NULL, NULL);
	t[1] = nt_std(NULL, NULL);
	*state = t;
	assert_int_equal(nat_map_add(t[0]->nat, t[0]->net, &m), 0);
	assert_int_equal(nat_map_add(t[1]->nat, t[1]->net, &m), 0);
	udp = nt_udp_out(t[0], HOST_A, 5000, REM1, 53);
	nt_udp_in_ok(t[0], REM1, 53, udp, HOST_A, 5000);
	tcp = nt_tcp_out(t[0], HOST_A, 40000, REM1, 443, PB_TCP_SYN);
	nt_tcp_in_ok(t[0], REM1, 443, tcp, HOST_A, 40000,
		     PB_TCP_SYN | PB_TCP_ACK);
	nt_tcp_out(t[0], HOST_A, 40000, REM1, 443, PB_TCP_ACK);
	nt_tcp_in_ok(t[0], REM2, 33000, 8080, HOST_B, 80, PB_TCP_SYN);
	nt_advance(t[0], 3000);

	assert_int_equal(save(t[0], &s), 3);
	assert_int_equal(find(&s, NAT_TCP, 40000)->tcp_state,
			 NAT_TCP_ESTABLISHED);
	assert_true(find(&s, NAT_TCP, 80)->flags & NAT_SAVED_STATIC);
	assert_true(find(&s, NAT_TCP, 80)->flags & NAT_SAVED_INBOUND);
	assert_true(find(&s, NAT_UDP, 5000)->idle >= 3);
	for (i = 0; i < s.n; i++)
		assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &s.r[i], 1),
				 0);

	/* the same external ports, both ways, and the state */
	assert_int_equal(nt_udp_out(t[1], HOST_A, 5000, REM1, 53), udp);
	nt_udp_in_ok(t[1], REM1, 53, udp, HOST_A, 5000);
	assert_int_equal(nt_tcp_out(t[1], HOST_A, 40000, REM1, 443,
				    PB_TCP_ACK), tcp);
	nt_tcp_in_ok(t[1], REM1, 443, tcp, HOST_A, 40000, PB_TCP_ACK);
	assert_true(nt_session_find(t[1], NAT_TCP, HOST_A, 40000, REM1, 443,
				    &si));
	assert_int_equal(si.tcp_state, NAT_TCP_ESTABLISHED);
	nt_tcp_in_ok(t[1], REM2, 33000, 8080, HOST_B, 80, PB_TCP_ACK);
	assert_true(nt_session_find(t[1], NAT_TCP, HOST_B, 80, REM2, 33000,
				    &si));
	assert_true(si.inbound);
	assert_true(si.static_map);
	/* a port the restored mapping owns is not given to anyone else */
	assert_int_not_equal(nt_udp_out(t[1], HOST_C, 5000, REM1, 53), udp);

	/* restored sessions still expire: past every UDP timeout */
	nt_advance(t[1], 400 * 1000);
	assert_false(nt_session_find(t[1], NAT_UDP, HOST_A, 5000, REM1, 53,
				     &si));
}

/* a record is refused alone when this engine could not have made it */
static void test_records_refused(void **state)
{
	static struct nt *t[2];
	struct nat_saved ok, r;
	struct saved s;
	uint16_t udp;

	t[0] = nt_std(NULL, NULL);
	t[1] = nt_std(NULL, NULL);
	*state = t;
	udp = nt_udp_out(t[0], HOST_A, 5000, REM1, 53);
	assert_int_equal(save(t[0], &s), 1);
	ok = s.r[0];

	r = ok;
	r.net = 7;			/* no such network */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.int_addr = IPV4(10, 9, 9, 9);	/* outside the network */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.rem_addr = HOST_C;		/* inside: never a remote */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.rem_addr = 0;
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.tcp_state = NAT_TCP_ESTABLISHED; /* UDP has no TCP state */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.proto = NAT_TCP;
	r.tcp_state = NAT_TCP_NSTATES;	/* no such state */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.flags = 0x80;			/* unknown flag */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.ext_port = 80;		/* outside the dynamic range */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EINVAL);
	r = ok;
	r.ext_addr = NT_EXT_OTHER;	/* not an external address */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -ENOENT);
	r = ok;
	r.flags |= NAT_SAVED_STATIC;	/* a static mapping that is not there */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -ENOENT);
	assert_int_equal(nt_sessions(t[1], NULL, 0), 0);

	/* the good one, then the same 5-tuple, then its port for another
	 * endpoint */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &ok, 0), 0);
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &ok, 0), -EEXIST);
	r = ok;
	r.int_addr = HOST_C;
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EEXIST);
	r = ok;
	r.ext_port = (uint16_t)(udp == 65535 ? 65534 : udp + 1);
	r.rem_port = 54;		/* same endpoint, another port */
	assert_int_equal(nat_restore(t[1]->nat, t[1]->now, &r, 0), -EEXIST);
	assert_int_equal(nt_sessions(t[1], NULL, 0), 1);
	assert_int_equal(nt_udp_out(t[1], HOST_A, 5000, REM1, 53), udp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			test_sessions_keep_ports_state_and_mapping, teardown2),
		cmocka_unit_test_teardown(test_records_refused, teardown2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
