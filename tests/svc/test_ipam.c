/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/svc/test_ipam.c: the address pool of a network
 *
 * Drives the pool through its interface only: bounds of the prefix, the
 * order in which free addresses are chosen, the kinds of entries and their
 * conflicts, the limits against one client emptying the pool, expiry, the
 * entry table running full, and the state file (exact round trip, every
 * kind of corruption refused with the line named). A randomised run checks
 * after every step that no address is ever held twice and that the
 * counters agree with the entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipam.h"

#define A(a, b, c, d)                                                     \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define NET A(10, 0, 0, 0)
#define GW A(10, 0, 0, 1)
#define HOST A(10, 0, 0, 254)
#define T0 1700000000 /* s, a wall clock time */

static struct ipam *pool_new(unsigned plen, const struct ipam_config *over)
{
	struct ipam_config cfg = { .net = NET, .plen = plen };
	struct ipam *ipam;

	if (over)
		cfg = *over;
	assert_int_equal(ipam_create(&ipam, &cfg), 0);
	return ipam;
}

/* a /24 with the gateway and the host's stand-in kept */
static struct ipam *pool_std(const struct ipam_config *over)
{
	struct ipam *ipam = pool_new(24, over);

	assert_int_equal(ipam_system_add(ipam, GW, "gateway"), 0);
	assert_int_equal(ipam_system_add(ipam, HOST, "host"), 0);
	return ipam;
}

static int teardown(void **state)
{
	ipam_destroy(*state);
	return 0;
}

static void mac_of(uint8_t mac[6], unsigned n)
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* client @n: MAC 52:54:<n>, no client identifier */
struct cl {
	uint8_t mac[6];
	uint8_t id[8];
	struct ipam_client c;
};

static struct ipam_client *cl(struct cl *x, unsigned n)
{
	memset(x, 0, sizeof(*x));
	mac_of(x->mac, n);
	x->c.mac = x->mac;
	return &x->c;
}

/* client @n with client identifier @id on MAC @m */
static struct ipam_client *cl_id(struct cl *x, unsigned m, unsigned id)
{
	cl(x, m);
	x->id[0] = 0xff;
	x->id[1] = (uint8_t)(id >> 8);
	x->id[2] = (uint8_t)id;
	x->c.id = x->id;
	x->c.id_len = 3;
	return &x->c;
}

static uint32_t offer(struct ipam *ipam, const struct ipam_client *c,
		      uint32_t req, int64_t now)
{
	uint32_t a = 0;

	assert_int_equal(ipam_lease_offer(ipam, c, req, now, 60, &a), 0);
	return a;
}

static uint32_t lease(struct ipam *ipam, const struct ipam_client *c,
		      uint32_t req, int64_t now)
{
	uint32_t a = offer(ipam, c, req, now);

	assert_int_equal(ipam_lease_bind(ipam, c, a, now, 3600, false), 0);
	return a;
}

/* every address at most once, counters equal to the entries */
static void check_invariants(const struct ipam *ipam)
{
	uint32_t pos = 0, prev = 0, kinds[IPAM_KIND_MAX] = { 0 }, mem = 0;
	uint32_t used = 0, n = 0;
	const struct ipam_entry *e;
	struct ipam_stats st;

	ipam_stats(ipam, &st);
	while ((e = ipam_iter(ipam, &pos))) {
		assert_true(e->addr > prev);
		assert_true(ipam_contains(ipam, e->addr));
		assert_ptr_equal(ipam_lookup(ipam, e->addr), e);
		prev = e->addr;
		n++;
		if (e->kind == IPAM_LEASE && e->state == IPAM_FREE) {
			mem++;
			continue;
		}
		kinds[e->kind]++;
		used++;
	}
	assert_int_equal(n, st.entries);
	assert_int_equal(used, st.used);
	assert_int_equal(mem, st.remembered);
	assert_int_equal(st.free, st.size - st.used);
	assert_memory_equal(kinds, st.kind, sizeof(kinds));
	assert_true(st.kind[IPAM_LEASE] <= st.max_leases || st.max_leases == 0);
}

/* --- the pool ----------------------------------------------------------- */

static void pool_excludes_network_and_broadcast(void **state)
{
	struct ipam *ipam = pool_new(24, NULL), *p30;
	struct ipam_stats st;

	*state = ipam;
	ipam_stats(ipam, &st);
	assert_int_equal(st.size, 254);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.free, 254);
	assert_false(ipam_contains(ipam, NET));
	assert_false(ipam_contains(ipam, A(10, 0, 0, 255)));
	assert_false(ipam_contains(ipam, A(10, 0, 1, 1)));
	assert_false(ipam_contains(ipam, A(9, 255, 255, 255)));
	assert_true(ipam_contains(ipam, A(10, 0, 0, 1)));
	assert_true(ipam_contains(ipam, A(10, 0, 0, 254)));
	assert_int_equal(ipam_system_add(ipam, NET, "net"), -ERANGE);
	assert_int_equal(ipam_system_add(ipam, A(10, 0, 0, 255), "b"), -ERANGE);

	p30 = pool_new(30, NULL);
	ipam_stats(p30, &st);
	assert_int_equal(st.size, 2);
	assert_int_equal(ipam_system_add(p30, A(10, 0, 0, 1), "gateway"), 0);
	{
		uint32_t a;

		assert_int_equal(
			ipam_endpoint_add(p30, "c1", "ns1", NULL, 0, &a), 0);
		assert_int_equal(a, A(10, 0, 0, 2));
		assert_int_equal(
			ipam_endpoint_add(p30, "c2", "ns2", NULL, 0, &a),
			-ENOSPC);
	}
	check_invariants(p30);
	ipam_destroy(p30);
}

static void create_refuses_bad_prefix(void **state)
{
	struct ipam_config cfg = { .net = NET, .plen = 7 };
	struct ipam *ipam = NULL;

	(void)state;
	assert_int_equal(ipam_create(&ipam, &cfg), -EINVAL);
	cfg.plen = 31;
	assert_int_equal(ipam_create(&ipam, &cfg), -EINVAL);
	cfg.plen = 24;
	cfg.net = A(10, 0, 0, 1); /* host bits set */
	assert_int_equal(ipam_create(&ipam, &cfg), -EINVAL);
	cfg.net = A(10, 0, 0, 0);
	cfg.plen = 8;
	assert_int_equal(ipam_create(&ipam, &cfg), 0);
	{
		struct ipam_stats st;

		ipam_stats(ipam, &st);
		assert_int_equal(st.size, (1u << 24) - 2);
		assert_int_equal(st.max_entries, IPAM_ENTRIES_DEFAULT);
	}
	ipam_destroy(ipam);
}

static void lowest_free_address_given_first_skipping_system(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	struct cl x;

	*state = ipam;
	assert_int_equal(offer(ipam, cl(&x, 1), 0, T0), A(10, 0, 0, 2));
	assert_int_equal(offer(ipam, cl(&x, 2), 0, T0), A(10, 0, 0, 3));
	assert_int_equal(ipam_lookup(ipam, GW)->kind, IPAM_SYSTEM);
	assert_string_equal(ipam_lookup(ipam, GW)->name, "gateway");
	/* the same client asking again keeps its offer */
	assert_int_equal(offer(ipam, cl(&x, 1), 0, T0 + 1), A(10, 0, 0, 2));
	check_invariants(ipam);
}

static void requested_address_preferred_when_free(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	struct cl x;

	*state = ipam;
	assert_int_equal(offer(ipam, cl(&x, 1), A(10, 0, 0, 77), T0),
			 A(10, 0, 0, 77));
	/* taken, the gateway, outside: the lowest free instead */
	assert_int_equal(offer(ipam, cl(&x, 2), A(10, 0, 0, 77), T0),
			 A(10, 0, 0, 2));
	assert_int_equal(offer(ipam, cl(&x, 3), GW, T0), A(10, 0, 0, 3));
	assert_int_equal(offer(ipam, cl(&x, 4), A(192, 168, 1, 5), T0),
			 A(10, 0, 0, 4));
	assert_int_equal(offer(ipam, cl(&x, 5), A(10, 0, 0, 255), T0),
			 A(10, 0, 0, 5));
	check_invariants(ipam);
}

static void released_address_returns_to_same_client_not_others(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	const struct ipam_entry *e;
	struct cl x;
	uint32_t a;

	*state = ipam;
	a = lease(ipam, cl(&x, 1), 0, T0);
	assert_int_equal(ipam_lease_release(ipam, cl(&x, 1), a, T0 + 5), 0);
	e = ipam_lookup(ipam, a);
	assert_non_null(e);
	assert_int_equal(e->kind, IPAM_LEASE);
	assert_int_equal(e->state, IPAM_FREE);
	/* another client avoids the remembered address */
	assert_int_equal(offer(ipam, cl(&x, 2), 0, T0 + 6), A(10, 0, 0, 3));
	/* the first client gets its address back */
	assert_int_equal(offer(ipam, cl(&x, 1), 0, T0 + 7), a);
	/* releasing what it does not hold fails */
	assert_int_equal(ipam_lease_release(ipam, cl(&x, 9), a, T0), -ENOENT);
	check_invariants(ipam);
}

static void previous_address_found_by_mac_when_client_id_changes(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	struct cl x;
	uint32_t a;

	*state = ipam;
	offer(ipam, cl(&x, 50), 0, T0); /* .2, to push the next one up */
	a = lease(ipam, cl_id(&x, 1, 1), 0, T0);
	assert_int_equal(a, A(10, 0, 0, 3));
	assert_int_equal(ipam_lease_release(ipam, cl_id(&x, 1, 1), a, T0), 0);
	/* same MAC, new client identifier (a reinstalled guest) */
	assert_int_equal(offer(ipam, cl_id(&x, 1, 2), 0, T0 + 1), a);
	check_invariants(ipam);
}

static void remembered_addresses_used_last_when_pool_is_full(void **state)
{
	struct ipam_config cfg = { .net = NET,
				   .plen = 29,
				   .max_leases = 6,
				   .rate = 1000,
				   .burst = 1000 };
	struct ipam *ipam = pool_new(29, &cfg); /* .1 - .6 */
	struct cl x;
	unsigned i;

	*state = ipam;
	for (i = 1; i <= 6; i++)
		lease(ipam, cl(&x, i), 0, T0);
	assert_int_equal(
		ipam_lease_release(ipam, cl(&x, 2), A(10, 0, 0, 2), T0), 0);
	/* nothing else free: the remembered address goes to a newcomer */
	assert_int_equal(offer(ipam, cl(&x, 7), 0, T0 + 1), A(10, 0, 0, 2));
	assert_int_equal(ipam_lease_find(ipam, cl(&x, 2)), NULL);
	check_invariants(ipam);
}

static void lease_cap_keeps_reserve_for_endpoints(void **state)
{
	struct ipam_config cfg = { .net = NET,
				   .plen = 24,
				   .rate = 1000,
				   .burst = 1000,
				   .max_per_mac = 1000 };
	struct ipam *ipam = pool_std(&cfg);
	struct ipam_stats st;
	struct cl x;
	unsigned i, given = 0;
	uint32_t a;
	int ret = 0;

	*state = ipam;
	ipam_stats(ipam, &st);
	assert_int_equal(st.max_leases, 254 - 25); /* 10 % reserve */
	for (i = 1; i <= 300; i++) {
		ret = ipam_lease_offer(ipam, cl(&x, i), 0, T0, 60, &a);
		if (ret)
			break;
		given++;
	}
	assert_int_equal(ret, -EDQUOT);
	assert_int_equal(given, st.max_leases);
	ipam_stats(ipam, &st);
	assert_int_equal(st.refused_limit, 1);
	/* the reserve still serves endpoints */
	assert_int_equal(
		ipam_endpoint_add(ipam, "c1", "/run/netns/c1", NULL, 0, &a), 0);
	check_invariants(ipam);
}

static void per_mac_limit_caps_client_ids_of_one_mac(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	struct ipam_stats st;
	struct cl x;
	unsigned i;
	uint32_t a;

	*state = ipam;
	for (i = 0; i < IPAM_PER_MAC_DEFAULT; i++)
		offer(ipam, cl_id(&x, 1, i), 0, T0);
	assert_int_equal(
		ipam_lease_offer(ipam, cl_id(&x, 1, 99), 0, T0, 60, &a),
		-EDQUOT);
	/* another MAC is not affected */
	offer(ipam, cl(&x, 2), 0, T0);
	ipam_stats(ipam, &st);
	assert_int_equal(st.kind[IPAM_LEASE], IPAM_PER_MAC_DEFAULT + 1);
	check_invariants(ipam);
}

static void new_clients_admitted_at_bounded_rate(void **state)
{
	struct ipam_config cfg = {
		.net = NET, .plen = 16, .rate = 5, .burst = 10
	};
	struct ipam *ipam = pool_new(16, &cfg);
	struct ipam_stats st;
	unsigned i, n = 0, ok = 0;
	struct cl x;
	uint32_t a;

	*state = ipam;
	for (i = 0; i < 100; i++)
		ok += !ipam_lease_offer(ipam, cl(&x, n++), 0, T0, 60, &a);
	assert_int_equal(ok, 10); /* the burst */
	ok = 0;
	for (i = 0; i < 100; i++)
		ok += !ipam_lease_offer(ipam, cl(&x, n++), 0, T0 + 2, 60, &a);
	assert_int_equal(ok, 10); /* two seconds at 5 a second */
	ok = 0;
	for (i = 0; i < 100; i++)
		ok += !ipam_lease_offer(ipam, cl(&x, n++), 0, T0 + 1000, 60,
					&a);
	assert_int_equal(ok, 10); /* never more than the burst */
	ipam_stats(ipam, &st);
	assert_int_equal(st.refused_rate, 270);
	/* known clients are not new: their renewals pass */
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 0), A(10, 0, 0, 1),
					 T0 + 1000, 3600, false),
			 0);
	check_invariants(ipam);
}

static void offers_and_leases_expire_at_their_time(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	const struct ipam_entry *e;
	struct ipam_stats st;
	struct cl x;
	uint32_t a, b;

	*state = ipam;
	a = offer(ipam, cl(&x, 1), 0, T0); /* offer until T0+60 */
	b = lease(ipam, cl(&x, 2), 0, T0); /* lease until T0+3600 */
	ipam_expire(ipam, T0 + 59);
	assert_int_equal(ipam_lookup(ipam, a)->state, IPAM_OFFERED);
	ipam_expire(ipam, T0 + 60);
	assert_int_equal(ipam_lookup(ipam, a)->state, IPAM_FREE);
	e = ipam_lookup(ipam, b);
	assert_int_equal(e->state, IPAM_BOUND);
	assert_int_equal(e->expires, T0 + 3600);
	ipam_expire(ipam, T0 + 3600);
	assert_int_equal(ipam_lookup(ipam, b)->state, IPAM_FREE);
	ipam_stats(ipam, &st);
	assert_int_equal(st.kind[IPAM_LEASE], 0);
	assert_int_equal(st.remembered, 2);
	assert_int_equal(st.used, 2); /* gateway and host */
	check_invariants(ipam);
}

static void bind_rules_for_reserved_taken_and_stale(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	uint8_t mac[6];
	struct cl x;
	uint32_t a;

	*state = ipam;
	a = lease(ipam, cl(&x, 1), 0, T0);
	/* another client asking for it */
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 2), a, T0, 3600, false),
			 -EADDRINUSE);
	/* the client asking for another address than its lease */
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 1), A(10, 0, 0, 9), T0,
					 3600, false),
			 -ESTALE);
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 3), A(10, 0, 1, 9), T0,
					 3600, false),
			 -ERANGE);
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 3), GW, T0, 3600, false),
			 -EADDRINUSE);
	/* unknown client, free address: bound, unless known_only */
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 3), A(10, 0, 0, 40), T0,
					 3600, true),
			 -ENOENT);
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 3), A(10, 0, 0, 40), T0,
					 3600, false),
			 0);
	/* a reservation: only its address */
	mac_of(mac, 4);
	assert_int_equal(ipam_static_add(ipam, "web", mac, A(10, 0, 0, 100)),
			 0);
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 4), A(10, 0, 0, 41), T0,
					 3600, false),
			 -EPERM);
	assert_int_equal(ipam_lease_bind(ipam, cl(&x, 4), A(10, 0, 0, 100), T0,
					 3600, false),
			 0);
	assert_int_equal(offer(ipam, cl(&x, 4), A(10, 0, 0, 41), T0),
			 A(10, 0, 0, 100));
	check_invariants(ipam);
}

static void static_reservations_add_del_and_conflicts(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	uint8_t mac[6], mac2[6], bad[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	const struct ipam_entry *e;
	struct cl x;
	uint32_t a;

	*state = ipam;
	mac_of(mac, 1);
	mac_of(mac2, 2);
	assert_int_equal(ipam_static_add(ipam, "web", mac, A(10, 0, 0, 10)), 0);
	assert_int_equal(ipam_static_add(ipam, "web", mac2, A(10, 0, 0, 11)),
			 -EEXIST);
	assert_int_equal(ipam_static_add(ipam, "db", mac, A(10, 0, 0, 11)),
			 -EEXIST);
	assert_int_equal(ipam_static_add(ipam, "db", mac2, GW), -EADDRINUSE);
	assert_int_equal(ipam_static_add(ipam, "db", mac2, A(10, 1, 0, 1)),
			 -ERANGE);
	assert_int_equal(ipam_static_add(ipam, "db", bad, A(10, 0, 0, 11)),
			 -EINVAL);
	assert_int_equal(
		ipam_static_add(ipam, "bad name", mac2, A(10, 0, 0, 11)),
		-EINVAL);
	assert_int_equal(ipam_static_add(ipam, "-x", mac2, A(10, 0, 0, 11)),
			 -EINVAL);
	e = ipam_static_find(ipam, mac);
	assert_non_null(e);
	assert_int_equal(e->addr, A(10, 0, 0, 10));
	assert_ptr_equal(ipam_find_name(ipam, IPAM_STATIC, "web"), e);

	/* a lease of the same MAC on that address becomes the reservation */
	a = lease(ipam, cl(&x, 2), 0, T0);
	assert_int_equal(ipam_static_add(ipam, "db", mac2, a), 0);
	e = ipam_lookup(ipam, a);
	assert_int_equal(e->kind, IPAM_STATIC);
	assert_null(ipam_lease_find(ipam, cl(&x, 2)));
	/* a lease of another MAC blocks it */
	a = lease(ipam, cl(&x, 3), 0, T0);
	mac_of(mac, 5);
	assert_int_equal(ipam_static_add(ipam, "app", mac, a), -EADDRINUSE);

	assert_int_equal(ipam_static_del(ipam, "web"), 0);
	assert_int_equal(ipam_static_del(ipam, "web"), -ENOENT);
	assert_null(ipam_lookup(ipam, A(10, 0, 0, 10)));
	check_invariants(ipam);
}

static void endpoints_get_asked_or_lowest_address(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	const struct ipam_entry *e;
	struct cl x;
	uint32_t a;

	*state = ipam;
	assert_int_equal(ipam_endpoint_add(ipam, "c1", "c1ns", NULL, 0, &a), 0);
	assert_int_equal(a, A(10, 0, 0, 2));
	assert_int_equal(ipam_endpoint_add(ipam, "c2", "/run/netns/c2", mac,
					   A(10, 0, 0, 50), &a),
			 0);
	assert_int_equal(a, A(10, 0, 0, 50));
	e = ipam_find_name(ipam, IPAM_ENDPOINT, "c2");
	assert_non_null(e);
	assert_string_equal(e->netns, "/run/netns/c2");
	assert_true(e->has_mac);
	assert_int_equal(ipam_endpoint_add(ipam, "c2", "x", NULL, 0, &a),
			 -EEXIST);
	assert_int_equal(
		ipam_endpoint_add(ipam, "c3", "x", NULL, A(10, 0, 0, 50), &a),
		-EADDRINUSE);
	assert_int_equal(
		ipam_endpoint_add(ipam, "c3", "x", NULL, A(10, 0, 9, 50), &a),
		-ERANGE);
	assert_int_equal(ipam_endpoint_add(ipam, "c3", "bad ns", NULL, 0, &a),
			 -EINVAL);
	assert_int_equal(ipam_endpoint_add(ipam, "c3", "", NULL, 0, &a),
			 -EINVAL);
	/* DHCP does not get an endpoint's address */
	assert_int_equal(offer(ipam, cl(&x, 1), A(10, 0, 0, 50), T0),
			 A(10, 0, 0, 3));
	assert_int_equal(ipam_endpoint_del(ipam, "c2"), 0);
	assert_int_equal(ipam_endpoint_del(ipam, "c2"), -ENOENT);
	assert_null(ipam_lookup(ipam, A(10, 0, 0, 50)));
	check_invariants(ipam);
}

static void declined_address_quarantined_then_returned(void **state)
{
	struct ipam *ipam = pool_std(NULL);
	const struct ipam_entry *e;
	struct cl x;
	uint32_t a;

	*state = ipam;
	a = lease(ipam, cl(&x, 1), 0, T0);
	assert_int_equal(ipam_lease_decline(ipam, cl(&x, 2), a, T0, 600),
			 -ENOENT);
	assert_int_equal(ipam_lease_decline(ipam, cl(&x, 1), a, T0, 600), 0);
	e = ipam_lookup(ipam, a);
	assert_int_equal(e->kind, IPAM_DECLINED);
	assert_int_equal(e->expires, T0 + 600);
	assert_null(ipam_lease_find(ipam, cl(&x, 1)));
	/* the same client gets another address */
	assert_int_not_equal(offer(ipam, cl(&x, 1), a, T0 + 1), a);
	ipam_expire(ipam, T0 + 600);
	assert_null(ipam_lookup(ipam, a));
	assert_int_equal(offer(ipam, cl(&x, 3), a, T0 + 601), a);
	check_invariants(ipam);
}

static void full_table_forgets_oldest_remembered_lease(void **state)
{
	struct ipam_config cfg = { .net = NET,
				   .plen = 24,
				   .max_entries = 4,
				   .rate = 100,
				   .burst = 100 };
	struct ipam *ipam = pool_new(24, &cfg);
	struct cl x;
	uint32_t a;
	unsigned i;

	*state = ipam;
	for (i = 1; i <= 4; i++) {
		a = lease(ipam, cl(&x, i), 0, T0);
		if (i <= 2)
			assert_int_equal(
				ipam_lease_release(ipam, cl(&x, i), a, T0 + i),
				0);
	}
	/* table full: client 1's memory (ended first) makes room */
	a = offer(ipam, cl(&x, 5), 0, T0 + 10);
	assert_null(ipam_lease_find(ipam, cl(&x, 1)));
	assert_non_null(ipam_lease_find(ipam, cl(&x, 2)));
	offer(ipam, cl(&x, 6), 0, T0 + 10);
	assert_null(ipam_lease_find(ipam, cl(&x, 2)));
	/* nothing left to forget: refused, nothing changed */
	assert_int_equal(ipam_lease_offer(ipam, cl(&x, 7), 0, T0 + 10, 60, &a),
			 -ENOSPC);
	assert_int_equal(ipam_endpoint_add(ipam, "c1", "n", NULL, 0, &a),
			 -ENOSPC);
	check_invariants(ipam);
}

static void random_operations_never_give_an_address_twice(void **state)
{
	struct ipam_config cfg = { .net = NET,
				   .plen = 26,
				   .max_entries = 40,
				   .rate = 3,
				   .burst = 8,
				   .max_per_mac = 2 };
	struct ipam *ipam = pool_new(26, &cfg);
	uint32_t seed = 12345, a;
	int64_t now = T0;
	unsigned step;
	char name[16];
	struct cl x;

	*state = ipam;
	assert_int_equal(ipam_system_add(ipam, A(10, 0, 0, 1), "gateway"), 0);
	for (step = 0; step < 20000; step++) {
		unsigned r, op, who;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		op = r % 11;
		who = (r >> 4) % 70;
		if (who & 1)
			cl_id(&x, who % 20, who);
		else
			cl(&x, who);
		now += (r >> 12) % 3 == 0 ? (r >> 14) % 200 : 0;
		a = NET + 1 + (r >> 16) % 64;
		switch (op) {
		case 0:
		case 1:
		case 2:
			ipam_lease_offer(ipam, &x.c, (r & 0x100) ? a : 0, now,
					 60, &a);
			break;
		case 3:
		case 4:
			ipam_lease_bind(ipam, &x.c, a, now, 300, r & 0x200);
			break;
		case 5: {
			const struct ipam_entry *e =
				ipam_lease_find(ipam, &x.c);

			if (e)
				ipam_lease_bind(ipam, &x.c, e->addr, now, 300,
						false);
			break;
		}
		case 6:
			ipam_lease_release(ipam, &x.c, a, now);
			ipam_lease_cancel(ipam, &x.c, now);
			break;
		case 7:
			ipam_lease_decline(ipam, &x.c, a, now, 100);
			break;
		case 8:
			snprintf(name, sizeof(name), "s%u", who % 8);
			if (ipam_static_add(ipam, name, x.mac, a))
				ipam_static_del(ipam, name);
			break;
		case 9:
			snprintf(name, sizeof(name), "e%u", who % 8);
			if (ipam_endpoint_add(ipam, name, "ns", NULL,
					      (r & 0x400) ? a : 0, &a))
				ipam_endpoint_del(ipam, name);
			break;
		case 10:
			ipam_expire(ipam, now);
			break;
		}
		check_invariants(ipam);
	}
}

/* --- the state file ----------------------------------------------------- */

/* a pool with one of every kind of entry */
static struct ipam *pool_full_of_kinds(void)
{
	struct ipam *ipam = pool_std(NULL);
	uint8_t mac[6] = { 0x02, 0xaa, 0, 0, 0, 7 };
	const uint8_t host[] = "my host\0";
	struct cl x;
	uint32_t a;

	assert_int_equal(ipam_static_add(ipam, "web", mac, A(10, 0, 0, 10)), 0);
	assert_int_equal(
		ipam_endpoint_add(ipam, "c1", "/run/netns/c1", NULL, 0, &a), 0);
	assert_int_equal(ipam_endpoint_add(ipam, "c2", "c2", mac, 0, &a), 0);
	/* an owner is saved as a sixth field; without one, the line is as
	 * older files have it */
	assert_int_equal(ipam_endpoint_set_owner(ipam, "c2", "ctr:abc-1.2"), 0);
	assert_int_equal(ipam_endpoint_set_owner(ipam, "c1", "bad owner"),
			 -EINVAL);
	assert_int_equal(ipam_endpoint_set_owner(ipam, "c1", "a_b"), -EINVAL);
	assert_int_equal(ipam_endpoint_set_owner(ipam, "c9", "x"), -ENOENT);
	cl_id(&x, 1, 0x1234);
	x.c.hostname = host;
	x.c.hostname_len = sizeof(host) - 1;
	lease(ipam, &x.c, 0, T0); /* bound */
	offer(ipam, cl(&x, 2), 0, T0); /* offered */
	a = lease(ipam, cl(&x, 3), 0, T0);
	ipam_lease_release(ipam, cl(&x, 3), a, T0 + 1); /* free */
	a = lease(ipam, cl(&x, 4), 0, T0);
	ipam_lease_decline(ipam, cl(&x, 4), a, T0, 600); /* declined */
	return ipam;
}

static const char full_text[] =
	"hostnat-ipam 1\n"
	"pool 10.0.0.0/24\n"
	"system 10.0.0.1 gateway\n"
	"endpoint 10.0.0.2 c1 /run/netns/c1 -\n"
	"endpoint 10.0.0.3 c2 c2 02:aa:00:00:00:07 ctr:abc-1.2\n"
	"lease 10.0.0.4 bound 1700003600 52:54:00:00:00:01 ff1234 myhost\n"
	"lease 10.0.0.5 offered 1700000060 52:54:00:00:00:02 01525400000002 -\n"
	"lease 10.0.0.6 free 1700000001 52:54:00:00:00:03 01525400000003 -\n"
	"declined 10.0.0.7 1700000600 52:54:00:00:00:04\n"
	"static 10.0.0.10 02:aa:00:00:00:07 web\n"
	"system 10.0.0.254 host\n"
	"end 9\n";

static void save_writes_every_kind_in_address_order(void **state)
{
	struct ipam *ipam = pool_full_of_kinds();
	char buf[2048];
	ssize_t n;

	*state = ipam;
	n = ipam_save(ipam, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)strlen(full_text));
	assert_string_equal(buf, full_text);
	/* too small: cut, full length still told */
	assert_int_equal(ipam_save(ipam, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(ipam_save(ipam, NULL, 0), n);
}

static void save_load_round_trip_is_exact(void **state)
{
	struct ipam *ipam = pool_full_of_kinds(), *copy = pool_new(24, NULL);
	char a[2048], b[2048], err[128];
	struct ipam_stats s1, s2;
	struct cl x;
	ssize_t n;

	*state = ipam;
	n = ipam_save(ipam, a, sizeof(a));
	assert_int_equal(ipam_load(copy, a, (size_t)n, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(ipam_save(copy, b, sizeof(b)), n);
	assert_string_equal(a, b);
	ipam_stats(ipam, &s1);
	ipam_stats(copy, &s2);
	assert_memory_equal(s1.kind, s2.kind, sizeof(s1.kind));
	assert_int_equal(s1.used, s2.used);
	assert_int_equal(s1.remembered, s2.remembered);
	check_invariants(copy);
	/* stable across the restart: the released client gets its address */
	assert_int_equal(offer(copy, cl(&x, 3), 0, T0 + 5), A(10, 0, 0, 6));
	/* a loaded pool refuses a second load */
	assert_int_equal(ipam_load(copy, a, (size_t)n, err, sizeof(err)),
			 -EBUSY);
	ipam_destroy(copy);
}

static void save_load_round_trip_through_files(void **state)
{
	struct ipam *ipam = pool_full_of_kinds(), *copy = pool_new(24, NULL);
	char buf[2048], err[128];
	FILE *f = tmpfile();

	*state = ipam;
	assert_non_null(f);
	assert_int_equal(ipam_save_file(ipam, f), 0);
	rewind(f);
	if (ipam_load_file(copy, f, err, sizeof(err)))
		fail_msg("%s", err);
	ipam_save(copy, buf, sizeof(buf));
	assert_string_equal(buf, full_text);
	fclose(f);

	/* cut short: refused, and the pool left empty */
	ipam_destroy(copy);
	copy = pool_new(24, NULL);
	f = tmpfile();
	fwrite(full_text, 1, strlen(full_text) - 10, f);
	rewind(f);
	assert_int_equal(ipam_load_file(copy, f, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "line 11: no newline at the end: file cut short");
	assert_null(ipam_iter(copy, &(uint32_t){ 0 }));
	fclose(f);
	ipam_destroy(copy);
}

static const struct {
	const char *text;
	const char *err;
} corrupt[] = {
	{ "", "line 1: no end line: file cut short" },
	{ "hostnat-ipam 2\n", "line 1: not a hostnat-ipam version 1 file" },
	{ "{\"json\": 1}\n", "line 1: not a hostnat-ipam version 1 file" },
	{ "hostnat-ipam 1\npool 10.0.0.0/16\nend 0\n",
	  "line 2: pool 10.0.0.0/16 does not match this network's "
	  "10.0.0.0/24" },
	{ "hostnat-ipam 1\nsystem 10.0.0.1 gw\n",
	  "line 2: expected 'pool PREFIX'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nend 0\n", NULL },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n",
	  "line 3: no end line: file cut short" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nend 1\n",
	  "line 3: end says 1 entries, the file has 0" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nend 0\nsystem 10.0.0.1 gw\n",
	  "line 4: text after the end line" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nend 0",
	  "line 3: no newline at the end: file cut short" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.256 gw\nend 1\n",
	  "line 3: bad address '10.0.0.256'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.01 gw\nend 1\n",
	  "line 3: bad address '10.0.0.01'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.1.1 gw\nend 1\n",
	  "line 3: address 10.0.1.1 is not a host address of the pool" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.255 gw\nend 1\n",
	  "line 3: address 10.0.0.255 is not a host address of the pool" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.1 gw\n"
	  "static 10.0.0.1 02:00:00:00:00:01 web\nend 2\n",
	  "line 4: address 10.0.0.1 appears twice" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.1  gw\nend 1\n",
	  "line 3: empty field 3 (stray space?)" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.1 gw\t\nend 1\n",
	  "line 3: control or non-ASCII byte 0x09" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.1 gw\r\nend 1\n",
	  "line 3: control or non-ASCII byte 0x0d" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.1 g\xc3\xa9\nend "
	  "1\n",
	  "line 3: control or non-ASCII byte 0xc3" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nsystem 10.0.0.1 g/w\nend 1\n",
	  "line 3: bad name 'g/w'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nstatic 10.0.0.5 01:00:5e:00:00:01 "
	  "web\nend 1\n",
	  "line 3: bad MAC address '01:00:5e:00:00:01'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nstatic 10.0.0.5 02:00:00:00:00:1 "
	  "web\nend 1\n",
	  "line 3: bad MAC address '02:00:00:00:00:1'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "static 10.0.0.5 02:00:00:00:00:01 web\n"
	  "static 10.0.0.6 02:00:00:00:00:01 db\nend 2\n",
	  "line 4: MAC address 02:00:00:00:00:01 reserved twice" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "static 10.0.0.5 02:00:00:00:00:01 web\n"
	  "static 10.0.0.6 02:00:00:00:00:02 web\nend 2\n",
	  "line 4: reservation name 'web' used twice" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 held 1 02:00:00:00:00:01 0102 -\nend 1\n",
	  "line 3: bad lease state 'held'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 bound -1 02:00:00:00:00:01 0102 -\nend 1\n",
	  "line 3: bad time '-1'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 bound 99999999999999999999 02:00:00:00:00:01 0102 -\n"
	  "end 1\n",
	  "line 3: bad time '99999999999999999999'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 bound 1 02:00:00:00:00:01 01 -\nend 1\n",
	  "line 3: bad client identifier '01'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 bound 1 02:00:00:00:00:01 01AB -\nend 1\n",
	  "line 3: bad client identifier '01AB'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 bound 1 02:00:00:00:00:01 0102 -\n"
	  "lease 10.0.0.6 free 1 02:00:00:00:00:02 0102 -\nend 2\n",
	  "line 4: client identifier 0102 leased twice" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "lease 10.0.0.5 bound 1 02:00:00:00:00:01 0102\nend 1\n",
	  "line 3: unknown entry 'lease' or wrong number of fields (6)" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nroute 10.0.0.5\nend 1\n",
	  "line 3: unknown entry 'route' or wrong number of fields (2)" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "endpoint 10.0.0.5 c1 bad|ns -\nend 1\n",
	  "line 3: bad network namespace 'bad|ns'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "endpoint 10.0.0.5 c1 ns -\nendpoint 10.0.0.6 c1 ns -\nend 2\n",
	  "line 4: endpoint name 'c1' used twice" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\n"
	  "endpoint 10.0.0.5 c1 ns - own/er\nend 1\n",
	  "line 3: bad owner 'own/er'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\ndeclined 10.0.0.5 +5\nend 1\n",
	  "line 3: bad time '+5'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\nend 01\n",
	  "line 3: expected 'end COUNT'" },
	{ "hostnat-ipam 1\npool 10.0.0.0/24\na b c d e f g h i j\nend 1\n",
	  "line 3: too many fields" },
};

static void load_refuses_corrupt_input_naming_the_line(void **state)
{
	struct ipam *ipam = pool_new(24, NULL);
	char err[160];
	size_t i;

	*state = ipam;
	for (i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		int ret = ipam_load(ipam, corrupt[i].text,
				    strlen(corrupt[i].text), err, sizeof(err));

		if (!corrupt[i].err) {
			assert_int_equal(ret, 0);
			ipam_destroy(ipam);
			ipam = pool_new(24, NULL);
			*state = ipam;
			continue;
		}
		if (ret != -EINVAL || strcmp(err, corrupt[i].err))
			fail_msg("case %zu: ret %d, message '%s', want '%s'", i,
				 ret, err, corrupt[i].err);
		/* all or nothing: refused input leaves the pool empty */
		assert_null(ipam_iter(ipam, &(uint32_t){ 0 }));
	}
}

static void load_refuses_nul_byte_and_long_line(void **state)
{
	struct ipam *ipam = pool_new(24, NULL);
	static const char nul[] = "hostnat-ipam 1\npool 10.0.0.0/24\0\nend 0\n";
	char err[128], big[1200];

	*state = ipam;
	assert_int_equal(
		ipam_load(ipam, nul, sizeof(nul) - 1, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "line 2: control or non-ASCII byte 0x00");
	memset(big, 'x', sizeof(big));
	memcpy(big, "hostnat-ipam 1\n", 15);
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(ipam_load(ipam, big, sizeof(big), err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 2: line longer than 512 bytes");
}

static void load_refuses_more_entries_than_the_table_holds(void **state)
{
	struct ipam_config cfg = { .net = NET, .plen = 24, .max_entries = 2 };
	struct ipam *ipam = pool_new(24, &cfg);
	char err[128];

	*state = ipam;
	assert_int_equal(
		ipam_load(ipam, full_text, strlen(full_text), err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err,
			    "line 5: more entries than the table holds (2)");
	assert_null(ipam_iter(ipam, &(uint32_t){ 0 }));
}

static void load_keeps_more_leases_than_a_lowered_cap(void **state)
{
	struct ipam *ipam = pool_full_of_kinds(), *copy;
	struct ipam_config cfg = { .net = NET, .plen = 24, .max_leases = 1 };
	char buf[2048], err[128];
	struct ipam_stats st;
	struct cl x;
	uint32_t a;

	*state = ipam;
	ipam_save(ipam, buf, sizeof(buf));
	copy = pool_new(24, &cfg);
	assert_int_equal(ipam_load(copy, buf, strlen(buf), err, sizeof(err)),
			 0);
	ipam_stats(copy, &st);
	assert_int_equal(st.kind[IPAM_LEASE], 2);
	/* but no new one */
	assert_int_equal(ipam_lease_offer(copy, cl(&x, 9), 0, T0, 60, &a),
			 -EDQUOT);
	ipam_destroy(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(pool_excludes_network_and_broadcast,
					  teardown),
		cmocka_unit_test(create_refuses_bad_prefix),
		cmocka_unit_test_teardown(
			lowest_free_address_given_first_skipping_system,
			teardown),
		cmocka_unit_test_teardown(requested_address_preferred_when_free,
					  teardown),
		cmocka_unit_test_teardown(
			released_address_returns_to_same_client_not_others,
			teardown),
		cmocka_unit_test_teardown(
			previous_address_found_by_mac_when_client_id_changes,
			teardown),
		cmocka_unit_test_teardown(
			remembered_addresses_used_last_when_pool_is_full,
			teardown),
		cmocka_unit_test_teardown(lease_cap_keeps_reserve_for_endpoints,
					  teardown),
		cmocka_unit_test_teardown(
			per_mac_limit_caps_client_ids_of_one_mac, teardown),
		cmocka_unit_test_teardown(new_clients_admitted_at_bounded_rate,
					  teardown),
		cmocka_unit_test_teardown(
			offers_and_leases_expire_at_their_time, teardown),
		cmocka_unit_test_teardown(
			bind_rules_for_reserved_taken_and_stale, teardown),
		cmocka_unit_test_teardown(
			static_reservations_add_del_and_conflicts, teardown),
		cmocka_unit_test_teardown(endpoints_get_asked_or_lowest_address,
					  teardown),
		cmocka_unit_test_teardown(
			declined_address_quarantined_then_returned, teardown),
		cmocka_unit_test_teardown(
			full_table_forgets_oldest_remembered_lease, teardown),
		cmocka_unit_test_teardown(
			random_operations_never_give_an_address_twice,
			teardown),
		cmocka_unit_test_teardown(
			save_writes_every_kind_in_address_order, teardown),
		cmocka_unit_test_teardown(save_load_round_trip_is_exact,
					  teardown),
		cmocka_unit_test_teardown(save_load_round_trip_through_files,
					  teardown),
		cmocka_unit_test_teardown(
			load_refuses_corrupt_input_naming_the_line, teardown),
		cmocka_unit_test_teardown(load_refuses_nul_byte_and_long_line,
					  teardown),
		cmocka_unit_test_teardown(
			load_refuses_more_entries_than_the_table_holds,
			teardown),
		cmocka_unit_test_teardown(
			load_keeps_more_leases_than_a_lowered_cap, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
