/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - test_ctl.c: the control layer against the engine and a fake
 * datapath
 *
 * Theory of operation
 * -------------------
 * Each test opens the control layer on a fresh temporary state directory
 * and socket, with the real engine and fakedp.c as the host (eth0 holds
 * 10.0.0.5/24 and the default route), drives requests through
 * ctl_request() (and once through the socket), and checks the answers, the
 * engine, the kernel state handed to dp_sync() and the state file.
 * Nothing needs root or a daemon.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl.h"
#include "fakedp.h"
#include "log.h"
#include "parse.h"

#define ETH0 0x0a000005		/* 10.0.0.5 */

struct fix {
	char dir[64];
	char sock[96];
	char state[128];
	struct nat *nat;
	struct dp *dp;
	struct ctl *c;
	bool no_default;
};

static int engine_new(struct fix *f)
{
	struct nat_limits lim;

	nat_limits_default(&lim);
	lim.max_flows = 1024;
	lim.max_hosts = 256;
	lim.max_flows_per_host = 256;
	lim.max_frags = 64;
	lim.max_frag_held = 64;
	lim.max_syn_held = 64;
	return nat_create(&f->nat, &lim, NULL, 1, 0);
}

static int fix_open(struct fix *f)
{
	struct ctl_opts o = {
		.state_dir = f->dir,
		.sock_path = f->sock,
		.default_network = !f->no_default,
	};

	return ctl_open(&f->c, f->nat, f->dp, &o);
}

static int setup_host(void **state, bool open)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	log_set_level(LOG_ERR);
	snprintf(f->dir, sizeof(f->dir), "/tmp/hostnat-ctl-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/run/api.sock", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/state.json", f->dir);
	if (engine_new(f) || dp_open(&f->dp, "hn"))
		return -1;
	fakedp_add_addr(f->dp, "eth0", ETH0, 24);
	fakedp_set_default(f->dp, "eth0");
	fakedp_add_addr(f->dp, "lo", 0x7f000001, 8);
	*state = f;
	return open ? fix_open(f) : 0;
}

static int setup(void **state)
{
	return setup_host(state, true);
}

static int setup_closed(void **state)
{
	return setup_host(state, false);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	ctl_close(f->c);
	nat_destroy(f->nat);
	dp_close(f->dp, false);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* restart: close control layer and engine, open both again */
static int restart(struct fix *f)
{
	ctl_close(f->c);
	f->c = NULL;
	nat_destroy(f->nat);
	if (engine_new(f))
		return -1;
	return fix_open(f);
}

/* send a request; return the parsed response (json_decref() it) */
static json_t *rq(struct fix *f, const char *line)
{
	char *out = ctl_request(f->c, line, strlen(line));
	json_t *j;

	assert_non_null(out);
	assert_null(strchr(out, '\n'));
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	free(out);
	return j;
}

static json_t *ok(struct fix *f, const char *line)
{
	json_t *j = rq(f, line), *res;

	if (!json_is_true(json_object_get(j, "ok")))
		fail_msg("%s: %s", line, json_string_value(json_object_get(
						 j, "error")));
	res = json_incref(json_object_get(j, "result"));
	json_decref(j);
	return res;
}

/* expect an error containing @want; returns nothing */
static void refused(struct fix *f, const char *line, const char *want)
{
	json_t *j = rq(f, line);
	const char *e = json_string_value(json_object_get(j, "error"));

	assert_false(json_is_true(json_object_get(j, "ok")));
	assert_non_null(e);
	if (!strstr(e, want))
		fail_msg("error '%s' lacks '%s'", e, want);
	json_decref(j);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

static void test_first_start_creates_default_network(void **state)
{
	struct fix *f = *state;
	json_t *r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":"
			  "\"nat\"}}");
	const struct dp_state *st = fakedp_state(f->dp);
	json_t *doc;

	assert_string_equal(json_string_value(json_array_get(
		json_object_get(r, "prefixes"), 0)), "172.16.0.0/16");
	assert_string_equal(json_string_value(json_object_get(r, "gateway")),
			    "172.16.0.1");
	assert_string_equal(json_string_value(json_object_get(
		r, "host_address")), "172.16.255.254");
	assert_string_equal(json_string_value(json_object_get(r, "bridge")),
			    "hn-nat");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "externals"), 0), "address")), "10.0.0.5");
	json_decref(r);
	assert_int_equal(st->nnet, 1);
	assert_true(st->net[0].own_bridge);
	assert_int_equal(st->net[0].host_addr, 0xac10fffe);
	assert_int_equal(st->net[0].gw_plen, 16);
	assert_int_equal(st->next, 1);
	assert_string_equal(st->ext[0].uplink, "eth0");
	assert_int_equal(st->ext[0].lo[NAT_UDP], 49152);
	assert_int_equal(st->ext[0].hi[NAT_ICMP], 65535);
	doc = json_load_file(f->state, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "version")),
			 1);
	json_decref(doc);
}

static void test_default_network_avoids_host_prefixes(void **state)
{
	struct fix *f = *state;
	json_t *r;

	fakedp_add_addr(f->dp, "eth1", 0xac100004, 16);	/* 172.16.0.4 */
	fakedp_add_route(f->dp, "vpn0", 0xac110000, 16);
	assert_int_equal(fix_open(f), 0);
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_array_get(r, 0), "prefixes"), 0)), "172.18.0.0/16");
	json_decref(r);
}

static void test_no_default_network_when_asked(void **state)
{
	struct fix *f = *state;
	json_t *r;

	f->no_default = true;
	assert_int_equal(fix_open(f), 0);
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	/* the decision sticks: a state file exists now */
	f->no_default = false;
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
}

static void test_prefix_overlapping_host_address_is_refused(void **state)
{
	struct fix *f = *state;
	char *before = slurp(f->state);
	char *after;

	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"lab\","
		   "\"prefixes\":[\"10.0.0.0/16\"]}}",
		"prefix 10.0.0.0/16 overlaps address 10.0.0.5/24 on eth0; "
		"choose another prefix");
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"lab\","
		   "\"prefixes\":[\"172.16.128.0/24\"]}}",
		"overlaps prefix 172.16.0.0/16 of network 'nat'");
	after = slurp(f->state);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_network_add_with_two_prefixes_and_del(void **state)
{
	struct fix *f = *state;
	const struct dp_state *st = fakedp_state(f->dp);
	json_t *r;

	r = ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":"
		  "\"a-rather-long-network-name\",\"prefixes\":["
		  "\"192.168.50.0/24\",\"192.168.60.0/24\"],\"gateway\":"
		  "\"192.168.60.1\",\"externals\":[\"10.0.0.5\"]}}");
	assert_int_equal(strlen(json_string_value(json_object_get(r,
		"bridge"))), 15);
	assert_string_equal(json_string_value(json_object_get(
		r, "host_address")), "192.168.50.254");
	json_decref(r);
	assert_int_equal(st->nnet, 2);
	assert_int_equal(st->net[1].nprefix, 2);
	assert_int_equal(st->net[1].gw_plen, 24);
	/* both networks use 10.0.0.5 with the same range: steered once */
	assert_int_equal(st->next, 1);
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"b\","
		   "\"prefixes\":[\"192.168.70.0/24\"],\"gateway\":"
		   "\"192.168.71.1\"}}", "gateway 192.168.71.1");
	r = ok(f, "{\"cmd\":\"network.del\",\"args\":{\"name\":"
		  "\"a-rather-long-network-name\"}}");
	json_decref(r);
	assert_int_equal(st->nnet, 1);
	refused(f, "{\"cmd\":\"network.del\",\"args\":{\"name\":\"zz\"}}",
		"network 'zz' does not exist");
}

static void test_dynamic_mapping_keeps_its_port_across_restart(void **state)
{
	struct fix *f = *state;
	const struct dp_state *st = fakedp_state(f->dp);
	json_int_t port;
	json_t *r;

	r = ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		  "\"proto\":\"tcp\",\"internal\":\"172.16.0.2:80\"}}");
	port = json_integer_value(json_object_get(r, "external_port"));
	assert_true(port >= 49152 && port <= 65535);
	assert_true(json_is_true(json_object_get(r, "dynamic")));
	assert_true(json_is_null(json_object_get(r, "external_address")));
	json_decref(r);
	assert_int_equal(st->nstat, 1);
	assert_int_equal(st->stat[0].addr, ETH0);
	assert_int_equal(st->stat[0].port, port);

	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"map.list\",\"args\":{\"network\":\"nat\"}}");
	assert_int_equal(json_array_size(r), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		r, 0), "external_port")), port);
	json_decref(r);
	assert_int_equal(fakedp_state(f->dp)->nstat, 1);
}

static void test_mapping_conflict_changes_nothing(void **state)
{
	struct fix *f = *state;
	char *before;
	json_t *r;

	r = ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		  "\"proto\":\"udp\",\"internal\":\"172.16.0.2:53\","
		  "\"external_port\":5353}}");
	json_decref(r);
	before = slurp(f->state);
	refused(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		   "\"proto\":\"udp\",\"internal\":\"172.16.0.3:53\","
		   "\"external_port\":5353}}", "udp port 5353 on 10.0.0.5");
	refused(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		   "\"proto\":\"udp\",\"internal\":\"192.168.0.3:53\"}}",
		"192.168.0.3");
	refused(f, "{\"cmd\":\"map.del\",\"args\":{\"network\":\"nat\","
		   "\"proto\":\"tcp\",\"external_port\":5353}}",
		"no tcp mapping of port 5353");
	{
		char *after = slurp(f->state);

		assert_string_equal(before, after);
		free(after);
	}
	free(before);
	r = ok(f, "{\"cmd\":\"map.del\",\"args\":{\"network\":\"nat\","
		  "\"proto\":\"udp\",\"external_port\":5353}}");
	json_decref(r);
	assert_int_equal(fakedp_state(f->dp)->nstat, 0);
}

static void test_failed_kernel_sync_rolls_back(void **state)
{
	struct fix *f = *state;
	char *before = slurp(f->state), *after;
	json_t *r;

	fakedp_fail_sync(f->dp, true);
	refused(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		   "\"proto\":\"tcp\",\"internal\":\"172.16.0.2:22\","
		   "\"external_port\":2222}}", "fake: cannot sync");
	refused(f, "{\"cmd\":\"network.del\",\"args\":{\"name\":\"nat\"}}",
		"fake: cannot sync");
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"b\"}}",
		"fake: cannot sync");
	refused(f, "{\"cmd\":\"external.del\",\"args\":{\"network\":\"nat\","
		   "\"external\":\"eth0\"}}", "fake: cannot sync");
	fakedp_fail_sync(f->dp, false);
	after = slurp(f->state);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* the engine holds no trace of the refused mapping: it can be made */
	r = ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		  "\"proto\":\"tcp\",\"internal\":\"172.16.0.9:22\","
		  "\"external_port\":2222}}");
	json_decref(r);
	/* network "nat" came back in the engine after the failed delete */
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_int_equal(json_array_size(r), 1);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"b\"}}");
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(r, "prefixes"), 0)), "172.17.0.0/16");
	json_decref(r);
}

static void test_settings_respect_rfc_floors(void **state)
{
	struct fix *f = *state;
	json_t *r;

	refused(f,
		"{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		"\"key\":\"udp_timeout\",\"value\":\"30\"}}",
		"RFC 4787");
	r = ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		  "\"key\":\"udp_filtering\",\"value\":\"apdf\"}}");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(r, "settings"), "udp_filtering")),
		"apdf");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		  "\"key\":\"udp-timeout\",\"value\":600}}");
	json_decref(r);
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"nat\"}}");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(r, "settings"), "udp_timeout")),
		600);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(r, "settings"), "udp_filtering")),
		"apdf");
	/* each number's unit beside it; words have none */
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "units"),
						  "udp_timeout")),
		"s");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "units"),
						  "dhcp_client_limit")),
		"count");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(r, "units"), "port_share")),
			    "fraction");
	assert_null(
		json_object_get(json_object_get(r, "units"), "udp_filtering"));
	json_decref(r);
}

static json_t *pool_of(json_t *net)
{
	return json_object_get(net, "pool");
}

static void test_network_pool_keeps_gateway_and_host_and_persists(
	void **state)
{
	struct fix *f = *state;
	char path[160];
	struct stat sb;
	json_t *r, *e;

	r = ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"lab\","
		  "\"prefixes\":[\"10.77.0.0/24\"],\"dhcp\":false}}");
	assert_true(json_is_false(json_object_get(json_object_get(
		r, "settings"), "dhcp")));
	json_decref(r);
	snprintf(path, sizeof(path), "%s/leases-lab.txt", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"lab\"}}");
	assert_true(json_is_false(json_object_get(json_object_get(
		r, "settings"), "dhcp")));
	assert_int_equal(json_integer_value(json_object_get(pool_of(r),
							    "size")), 254);
	assert_int_equal(json_integer_value(json_object_get(pool_of(r),
							    "used")), 2);
	e = json_array_get(json_object_get(pool_of(r), "entries"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "kind")),
			    "system");
	assert_string_equal(json_string_value(json_object_get(e, "address")),
			    "10.77.0.1");
	e = json_array_get(json_object_get(pool_of(r), "entries"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "address")),
			    "10.77.0.254");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"lab\","
		  "\"key\":\"dhcp_lease_time\",\"value\":120}}");
	json_decref(r);
	refused(f,
		"{\"cmd\":\"network.set\",\"args\":{\"name\":\"lab\","
		"\"key\":\"dhcp_lease_time\",\"value\":10}}",
		"'10'");
	/* the per-client lease limit is a setting, kept across restarts */
	refused(f,
		"{\"cmd\":\"network.set\",\"args\":{\"name\":\"lab\","
		"\"key\":\"dhcp_client_limit\",\"value\":0}}",
		"'0'");
	r = ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"lab\","
		  "\"key\":\"dhcp_client_limit\",\"value\":2}}");
	json_decref(r);
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"lab\"}}");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(r, "settings"), "dhcp_client_limit")),
		2);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.del\",\"args\":{\"name\":\"lab\"}}");
	json_decref(r);
	assert_int_equal(stat(path, &sb), -1);
}

static void test_lease_add_del_list_reserve_by_mac_and_persist(void **state)
{
	struct fix *f = *state;
	json_t *r;

	r = ok(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		  "\"mac\":\"02:00:00:00:00:05\",\"address\":\"172.16.0.50\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "kind")),
			    "static");
	assert_string_equal(json_string_value(json_object_get(r, "mac")),
			    "02:00:00:00:00:05");
	json_decref(r);
	refused(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"02:00:00:00:00:06\",\"address\":\"172.16.0.50\"}}",
		"in use");
	refused(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"02:00:00:00:00:06\",\"address\":\"172.16.0.1\"}}",
		"in use (system gateway)");
	refused(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"02:00:00:00:00:06\",\"address\":\"10.1.0.1\"}}",
		"not in the pool");
	refused(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"01:00:5e:00:00:06\",\"address\":\"172.16.0.9\"}}",
		"multicast");
	refused(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"02:00:00:00:00:05\",\"address\":\"172.16.0.51\"}}",
		"reservation already");
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"lease.list\",\"args\":{\"network\":\"nat\"}}");
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(r, 0), "address")), "172.16.0.50");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(r, 0), "network")), "nat");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"lease.del\",\"args\":{\"network\":\"nat\","
		  "\"mac\":\"02:00:00:00:00:05\"}}");
	json_decref(r);
	refused(f, "{\"cmd\":\"lease.del\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"02:00:00:00:00:05\"}}", "no reservation");
	r = ok(f, "{\"cmd\":\"lease.list\"}");
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
}

static void test_stats_show_dhcp_counters_per_network(void **state)
{
	struct fix *f = *state;
	json_t *r = ok(f, "{\"cmd\":\"stats\"}"), *d;

	d = json_object_get(json_array_get(json_object_get(r, "networks"), 0),
			    "dhcp");
	assert_true(json_is_object(d));
	assert_int_equal(json_integer_value(json_object_get(d, "dropped")), 0);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		  "\"key\":\"dhcp\",\"value\":\"off\"}}");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"stats\"}");
	d = json_object_get(json_array_get(json_object_get(r, "networks"), 0),
			    "dhcp");
	assert_true(json_is_null(d));
	json_decref(r);
}

static void test_endpoint_add_del_list_via_datapath_and_pool(void **state)
{
	struct fix *f = *state;
	const struct dp_endpoint *ep;
	json_t *r;

	r = ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"c1\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "address")),
			    "172.16.0.2/16");
	assert_string_equal(json_string_value(json_object_get(r, "ifname")),
			    "eth0");
	assert_true(json_is_true(json_object_get(r, "present")));
	assert_true(strlen(json_string_value(json_object_get(
		r, "host_interface"))) <= 15);
	json_decref(r);
	ep = fakedp_endpoint(f->dp, 0);
	assert_non_null(ep);
	assert_string_equal(ep->netns, "c1");
	assert_string_equal(ep->bridge, "hn-nat");
	assert_int_equal(ep->addr, 0xac100002);
	assert_int_equal(ep->plen, 16);
	assert_int_equal(ep->gateway, 0xac100001);
	/* no --mac: hostnat picks one, random, local, unicast (02:...) */
	assert_true(ep->has_mac);
	assert_int_equal(ep->mac[0], 0x02);
	r = ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"/proc/1/ns/net\",\"ifname\":\"net1\","
		  "\"address\":\"172.16.9.9\",\"mac\":\"02:00:00:00:00:09\"}}");
	json_decref(r);
	ep = fakedp_endpoint(f->dp, 1);
	assert_non_null(ep);
	assert_true(ep->has_mac);
	assert_int_equal(ep->addr, 0xac100909);
	refused(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		   "\"netns\":\"c2\",\"address\":\"172.16.9.9\"}}", "in use");
	refused(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		   "\"netns\":\"c1\"}}", "already");
	refused(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		   "\"netns\":\"../etc\"}}", "not valid");
	fakedp_endpoint_fail(f->dp, true);
	refused(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		   "\"netns\":\"nope\"}}", "'nope'");
	fakedp_endpoint_fail(f->dp, false);
	/* the failed add took no address: the next one is .3 */
	r = ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"c3\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "address")),
			    "172.16.0.3/16");
	fakedp_endpoint_lose(f->dp, json_string_value(json_object_get(
		r, "host_interface")));
	json_decref(r);
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"endpoint.list\",\"args\":{\"network\":\"nat\"}}");
	assert_int_equal(json_array_size(r), 3);
	assert_true(json_is_true(json_object_get(json_array_get(r, 0),
						 "present")));
	assert_true(json_is_false(json_object_get(json_array_get(r, 1),
						  "present")));
	json_decref(r);
	r = ok(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"c1\"}}");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"c3\"}}");
	json_decref(r);
	assert_null(fakedp_endpoint(f->dp, 1));
	/* gone already: success, "deleted": 0, so a runtime may repeat it */
	r = ok(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"c1\"}}");
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 0);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"nat\"}}");
	assert_int_equal(json_integer_value(json_object_get(pool_of(r),
							    "used")), 3);
	json_decref(r);
}

static void test_owner_deletes_its_endpoints_and_mappings_and_persists(
	void **state)
{
	struct fix *f = *state;
	json_t *r, *rt;

	r = ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"/run/netns/cni-1\",\"owner\":\"ctr-1\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "owner")),
			    "ctr-1");
	/* the answer carries what a runtime reports: the real MAC too */
	assert_true(json_is_string(json_object_get(r, "mac")));
	assert_string_equal(json_string_value(json_object_get(r, "gateway")),
			    "172.16.0.1");
	assert_int_equal(json_integer_value(json_object_get(r,
				"prefix_length")), 16);
	rt = json_array_get(json_object_get(r, "routes"), 0);
	assert_string_equal(json_string_value(json_object_get(rt, "dst")),
			    "0.0.0.0/0");
	assert_string_equal(json_string_value(json_object_get(rt, "gw")),
			    "172.16.0.1");
	assert_true(json_is_array(json_object_get(r, "dns")));
	json_decref(r);
	json_decref(ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":"
		       "\"nat\",\"netns\":\"c2\",\"owner\":\"ctr-2\"}}"));
	json_decref(ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		       "\"proto\":\"tcp\",\"internal\":\"172.16.0.2:80\","
		       "\"external_port\":8080,\"owner\":\"ctr-1\"}}"));
	json_decref(ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		       "\"proto\":\"udp\",\"internal\":\"172.16.0.2:53\","
		       "\"owner\":\"ctr-1\"}}"));
	json_decref(ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		       "\"proto\":\"tcp\",\"internal\":\"172.16.0.3:80\","
		       "\"external_port\":8081,\"owner\":\"ctr-2\"}}"));
	refused(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		   "\"proto\":\"tcp\",\"internal\":\"172.16.0.3:81\","
		   "\"owner\":\"a/b\"}}", "owner 'a/b' is not valid");
	refused(f, "{\"cmd\":\"map.del\",\"args\":{\"network\":\"nat\","
		   "\"proto\":\"tcp\"}}", "or 'owner'");
	refused(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"owner\":\"x\","
		   "\"netns\":\"c2\"}}", "not both");

	/* owners survive a restart, in the pool file and the state file */
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"map.list\"}");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		r, 0), "owner")), "ctr-1");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"map.del\",\"args\":{\"owner\":\"ctr-1\"}}");
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 2);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"owner\":\"ctr-1\","
		  "\"ifname\":\"eth0\"}}");
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "endpoints"), 0), "netns")),
		"/run/netns/cni-1");
	json_decref(r);
	/* again: nothing left, still success */
	r = ok(f, "{\"cmd\":\"map.del\",\"args\":{\"network\":\"nat\","
		  "\"owner\":\"ctr-1\"}}");
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 0);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"owner\":\"ctr-1\"}}");
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 0);
	json_decref(r);
	/* the other owner's are untouched */
	r = ok(f, "{\"cmd\":\"map.list\"}");
	assert_int_equal(json_array_size(r), 1);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"endpoint.list\"}");
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		r, 0), "owner")), "ctr-2");
	json_decref(r);
}

static void test_network_del_removes_its_endpoints(void **state)
{
	struct fix *f = *state;
	json_t *r;

	r = ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"lab\","
		  "\"prefixes\":[\"10.77.0.0/24\"]}}");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"lab\","
		  "\"netns\":\"c9\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "address")),
			    "10.77.0.2/24");
	json_decref(r);
	assert_non_null(fakedp_endpoint(f->dp, 0));
	r = ok(f, "{\"cmd\":\"network.del\",\"args\":{\"name\":\"lab\"}}");
	json_decref(r);
	assert_null(fakedp_endpoint(f->dp, 0));
}

/* the network of name @net in a network.list result */
static json_t *net_of(json_t *list, const char *net)
{
	size_t i;
	json_t *n;

	json_array_foreach(list, i, n)
		if (!strcmp(json_string_value(json_object_get(n, "name")), net))
			return n;
	fail_msg("no network '%s' in the list", net);
	return NULL;
}

/* the dp_net of name @net in the last state synced */
static const struct dp_net *dp_net_of(struct fix *f, const char *net)
{
	const struct dp_state *st = fakedp_state(f->dp);
	unsigned i;

	for (i = 0; i < st->nnet; i++)
		if (!strcmp(st->net[i].name, net))
			return &st->net[i];
	fail_msg("no network '%s' synced", net);
	return NULL;
}

static void test_corrupt_leases_file_closes_only_its_network(void **state)
{
	struct fix *f = *state;
	char path[160], *text;
	const char *why;
	json_t *r, *n;
	FILE *fp;

	json_decref(ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":"
			  "\"lab\",\"prefixes\":[\"10.77.0.0/24\"]}}"));
	snprintf(path, sizeof(path), "%s/leases-nat.txt", f->dir);
	ctl_close(f->c);
	f->c = NULL;
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("hostnat-ipam 1\npool 172.16.0.0/16\nbogus\n", fp);
	fclose(fp);
	nat_destroy(f->nat);
	assert_int_equal(engine_new(f), 0);
	assert_int_equal(fix_open(f), 0);	/* the daemon starts */
	r = ok(f, "{\"cmd\":\"network.list\"}");
	n = net_of(r, "nat");
	assert_string_equal(json_string_value(json_object_get(n, "state")),
			    "closed");
	why = json_string_value(json_object_get(n, "closed_reason"));
	assert_non_null(why);
	assert_non_null(strstr(why, "leases-nat.txt"));
	assert_non_null(strstr(why, "move it away"));
	assert_string_equal(json_string_value(json_object_get(
		net_of(r, "lab"), "state")), "up");
	assert_null(json_object_get(net_of(r, "lab"), "closed_reason"));
	json_decref(r);
	assert_true(dp_net_of(f, "nat")->closed);
	assert_int_equal(dp_net_of(f, "nat")->gateway, 0);
	assert_false(dp_net_of(f, "lab")->closed);
	assert_int_equal(dp_net_of(f, "lab")->gateway, 0x0a4d0001);
	/* nothing of it is steered: the external address is lab's only */
	assert_int_equal(fakedp_state(f->dp)->next, 1);
	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"nat\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "closed");
	json_decref(r);
	/* nothing is given out on it, nor changed */
	refused(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":\"nat\","
		   "\"mac\":\"02:00:00:00:00:01\",\"address\":\"172.16.0.9\"}}",
		"network 'nat' is closed");
	refused(f,
		"{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		"\"key\":\"udp_timeout\",\"value\":600}}",
		"closed");
	/* its prefix stays its own */
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"n2\","
		   "\"prefixes\":[\"172.16.4.0/24\"]}}", "172.16.0.0/16");
	/* the other network works */
	json_decref(ok(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":"
			  "\"lab\",\"mac\":\"02:00:00:00:00:01\","
			  "\"address\":\"10.77.0.9\"}}"));
	text = slurp(path);
	assert_non_null(strstr(text, "bogus"));	/* never overwritten */
	free(text);
	/* the state file keeps the network; repaired, it is up again */
	unlink(path);
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_string_equal(json_string_value(json_object_get(
		net_of(r, "nat"), "state")), "up");
	json_decref(r);
	assert_false(dp_net_of(f, "nat")->closed);
}

static void test_isolation_and_source_binding_settings(void **state)
{
	struct fix *f = *state;
	char *text;
	json_t *r, *set;
	FILE *fp;

	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"nat\"}}");
	set = json_object_get(r, "settings");
	assert_true(json_is_true(json_object_get(set, "isolation")));
	assert_true(json_is_true(json_object_get(set, "source_binding")));
	json_decref(r);
	assert_true(dp_net_of(f, "nat")->isolation);
	assert_true(dp_net_of(f, "nat")->source_binding);
	r = ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		  "\"key\":\"isolation\",\"value\":\"off\"}}");
	assert_true(json_is_false(json_object_get(json_object_get(
		r, "settings"), "isolation")));
	json_decref(r);
	assert_false(dp_net_of(f, "nat")->isolation);
	assert_true(dp_net_of(f, "nat")->source_binding);
	json_decref(ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":"
			  "\"nat\",\"key\":\"source_binding\",\"value\":"
			  "false}}"));
	assert_false(dp_net_of(f, "nat")->source_binding);
	refused(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":\"nat\","
		   "\"key\":\"isolation\",\"value\":\"maybe\"}}",
		"isolation 'maybe' is not valid: use on or off");
	text = slurp(f->state);
	assert_non_null(strstr(text, "\"isolation\": false"));
	assert_non_null(strstr(text, "\"source_binding\": false"));
	free(text);
	assert_int_equal(restart(f), 0);
	assert_false(dp_net_of(f, "nat")->isolation);
	assert_false(dp_net_of(f, "nat")->source_binding);
	/* a state file from before these settings: both on */
	ctl_close(f->c);
	f->c = NULL;
	fp = fopen(f->state, "w");
	assert_non_null(fp);
	fputs("{\"version\":1,\"networks\":[{\"name\":\"old\",\"prefixes\":"
	      "[\"10.9.0.0/16\"],\"bridge\":\"hn-old\",\"own_bridge\":true,"
	      "\"gateway\":\"10.9.0.1\",\"settings\":{\"udp-timeout\":300,"
	      "\"dhcp\":true}}]}", fp);
	fclose(fp);
	nat_destroy(f->nat);
	assert_int_equal(engine_new(f), 0);
	assert_int_equal(fix_open(f), 0);
	assert_true(dp_net_of(f, "old")->isolation);
	assert_true(dp_net_of(f, "old")->source_binding);
	r = ok(f, "{\"cmd\":\"network.list\"}");
	set = json_object_get(net_of(r, "old"), "settings");
	assert_true(json_is_true(json_object_get(set, "isolation")));
	assert_true(json_is_true(json_object_get(set, "source_binding")));
	json_decref(r);
}

/* are the keys of @o all snake_case ([a-z0-9_]), none of them empty? */
static void assert_snake_keys(json_t *o)
{
	const char *key;
	json_t *v;

	assert_true(json_is_object(o));
	assert_true(json_object_size(o) > 0);
	json_object_foreach(o, key, v)
	{
		(void)v;
		if (!key[0] || key[strspn(key, "abcdefghijklmnopqrstuvwxyz"
					       "0123456789_")])
			fail_msg("key '%s' is not snake_case", key);
	}
}

/* a state file written before the keys were snake_case loads with its
 * values, and is written back with the snake_case keys */
static void test_old_state_file_with_kebab_case_settings_loads(void **state)
{
	struct fix *f = *state;
	char *text;
	json_t *r, *set;
	FILE *fp;

	ctl_close(f->c);
	f->c = NULL;
	fp = fopen(f->state, "w");
	assert_non_null(fp);
	fputs("{\"version\":1,\"networks\":[{\"name\":\"old\",\"prefixes\":"
	      "[\"10.9.0.0/16\"],\"bridge\":\"hn-old\",\"own_bridge\":true,"
	      "\"gateway\":\"10.9.0.1\",\"settings\":{\"udp-timeout\":600,"
	      "\"udp-filtering\":\"apdf\",\"source-binding\":false,"
	      "\"port-share\":4,\"dhcp-lease-time\":120,\"dhcp\":true}}]}",
	      fp);
	fclose(fp);
	nat_destroy(f->nat);
	assert_int_equal(engine_new(f), 0);
	assert_int_equal(fix_open(f), 0);
	assert_false(dp_net_of(f, "old")->source_binding);
	r = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"old\"}}");
	set = json_object_get(r, "settings");
	assert_snake_keys(set);
	assert_snake_keys(json_object_get(r, "units"));
	assert_int_equal(
		json_integer_value(json_object_get(set, "udp_timeout")), 600);
	assert_string_equal(
		json_string_value(json_object_get(set, "udp_filtering")),
		"apdf");
	assert_true(json_is_false(json_object_get(set, "source_binding")));
	assert_int_equal(json_integer_value(json_object_get(set, "port_share")),
			 4);
	assert_int_equal(
		json_integer_value(json_object_get(set, "dhcp_lease_time")),
		120);
	assert_null(json_object_get(set, "udp-timeout"));
	json_decref(r);
	/* the next write of the state file uses the snake_case keys */
	json_decref(ok(f, "{\"cmd\":\"network.set\",\"args\":{\"name\":"
			  "\"old\",\"key\":\"icmp-timeout\",\"value\":90}}"));
	text = slurp(f->state);
	assert_non_null(strstr(text, "\"udp_timeout\": 600"));
	assert_non_null(strstr(text, "\"icmp_timeout\": 90"));
	assert_null(strstr(text, "udp-timeout"));
	free(text);
}

/* is {@net, @addr, @mac[5]} among the bindings last synced? */
static bool bound(struct fix *f, uint32_t addr, uint8_t mac5)
{
	const struct dp_state *st = fakedp_state(f->dp);
	unsigned i;

	for (i = 0; i < st->nbind; i++)
		if (st->bind[i].addr == addr && st->bind[i].mac[5] == mac5 &&
		    st->bind[i].net == dp_net_of(f, "nat")->id)
			return true;
	return false;
}

static void test_bindings_follow_leases_endpoints_and_reservations(
	void **state)
{
	struct fix *f = *state;
	const struct dp_endpoint *ep;
	char path[160], *text, *end;
	int nent;
	FILE *fp;
	json_t *r;

	assert_int_equal(fakedp_state(f->dp)->nbind, 0);
	json_decref(ok(f, "{\"cmd\":\"lease.add\",\"args\":{\"network\":"
			  "\"nat\",\"mac\":\"02:00:00:00:00:0a\","
			  "\"address\":\"172.16.0.10\"}}"));
	assert_true(bound(f, 0xac10000a, 0x0a));
	json_decref(ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":"
			  "\"nat\",\"netns\":\"c1\"}}"));
	ep = fakedp_endpoint(f->dp, 0);
	assert_non_null(ep);
	assert_true(bound(f, ep->addr, ep->mac[5]));
	assert_int_equal(fakedp_state(f->dp)->nbind, 2);
	/* the MAC picked is the one listed and kept */
	r = ok(f, "{\"cmd\":\"endpoint.list\"}");
	{
		char want[PARSE_MAC_LEN];

		fmt_mac(want, ep->mac);
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(r, 0), "mac")), want);
	}
	json_decref(r);
	json_decref(ok(f, "{\"cmd\":\"endpoint.del\",\"args\":{\"network\":"
			  "\"nat\",\"netns\":\"c1\"}}"));
	json_decref(ok(f, "{\"cmd\":\"lease.del\",\"args\":{\"network\":"
			  "\"nat\",\"mac\":\"02:00:00:00:00:0a\"}}"));
	assert_int_equal(fakedp_state(f->dp)->nbind, 0);
	/* DHCP leases: a bound one is bound, an offer is not; at expiry the
	 * binding goes */
	ctl_close(f->c);
	f->c = NULL;
	snprintf(path, sizeof(path), "%s/leases-nat.txt", f->dir);
	text = slurp(path);
	assert_non_null(text);
	end = strstr(text, "\nend ");
	assert_non_null(end);
	nent = atoi(end + 5) + 3;	/* "end N": N entries */
	end[1] = '\0';
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	free(text);
	fprintf(fp, "lease 172.16.1.1 bound %lld 02:00:00:00:01:01 "
		"01020000000101 -\n", (long long)time(NULL) + 2);
	fprintf(fp, "lease 172.16.1.2 offered %lld 02:00:00:00:01:02 "
		"01020000000102 -\n", (long long)time(NULL) + 60);
	fprintf(fp, "lease 172.16.1.3 bound %lld 02:00:00:00:01:03 "
		"01020000000103 -\n", (long long)time(NULL) + 3600);
	fprintf(fp, "end %d\n", nent);
	fclose(fp);
	nat_destroy(f->nat);
	assert_int_equal(engine_new(f), 0);
	assert_int_equal(fix_open(f), 0);
	assert_true(bound(f, 0xac100101, 0x01));
	assert_false(bound(f, 0xac100102, 0x02));
	assert_true(bound(f, 0xac100103, 0x03));
	sleep(3);
	json_decref(ok(f, "{\"cmd\":\"ping\"}"));	/* any request looks */
	assert_false(bound(f, 0xac100101, 0x01));
	assert_true(bound(f, 0xac100103, 0x03));
	assert_int_equal(fakedp_state(f->dp)->nbind, 1);
}

static void test_bridge_must_be_a_bridge(void **state)
{
	struct fix *f = *state;
	json_t *r;

	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"x\","
		   "\"prefixes\":[\"10.60.0.0/24\"],\"bridge\":\"eth0\"}}",
		"device eth0 is an uplink");
	/* a bridge that is the uplink of the network's own external */
	fakedp_add_addr(f->dp, "eth1", 0xc0000207, 24);	/* 192.0.2.7 */
	fakedp_add_bridge(f->dp, "eth1");
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"x\","
		   "\"prefixes\":[\"10.60.0.0/24\"],\"bridge\":\"eth1\","
		   "\"externals\":[\"eth1\"]}}", "device eth1 is an uplink");
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"x\","
		   "\"prefixes\":[\"10.60.0.0/24\"],\"bridge\":\"lo\"}}",
		"device lo exists and is not a bridge");
	fakedp_add_dev(f->dp, "veth9");
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"x\","
		   "\"prefixes\":[\"10.60.0.0/24\"],\"bridge\":\"veth9\"}}",
		"device veth9 exists and is not a bridge");
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"x\","
		   "\"prefixes\":[\"10.60.0.0/24\"],\"bridge\":\"hn-nat\"}}",
		"bridge hn-nat belongs to another network, 'nat'");
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_int_equal(json_array_size(r), 1);	/* nothing added */
	json_decref(r);
	r = ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"x\","
		  "\"prefixes\":[\"10.60.0.0/24\"],\"bridge\":\"brnew\"}}");
	assert_true(json_is_true(json_object_get(r, "own_bridge")));
	json_decref(r);
	/* at start, a bridge that is a bridge no more closes its network */
	fakedp_add_dev(f->dp, "brnew");
	assert_int_equal(restart(f), 0);
	r = ok(f, "{\"cmd\":\"network.list\"}");
	assert_string_equal(json_string_value(json_object_get(
		net_of(r, "x"), "state")), "closed");
	assert_non_null(strstr(json_string_value(json_object_get(
		net_of(r, "x"), "closed_reason")), "brnew"));
	assert_string_equal(json_string_value(json_object_get(
		net_of(r, "nat"), "state")), "up");
	json_decref(r);
}

static void test_endpoint_off_its_bridge_is_missing_and_put_back(
	void **state)
{
	struct fix *f = *state;
	const char *reason;
	char host[16];
	json_t *r, *e;

	r = ok(f, "{\"cmd\":\"endpoint.add\",\"args\":{\"network\":\"nat\","
		  "\"netns\":\"c1\"}}");
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "present");
	assert_true(json_is_null(json_object_get(r, "reason")));
	snprintf(host, sizeof(host), "%s", json_string_value(
		json_object_get(r, "host_interface")));
	json_decref(r);
	fakedp_endpoint_detach(f->dp, host);
	r = ok(f, "{\"cmd\":\"endpoint.list\"}");
	e = json_array_get(r, 0);
	assert_true(json_is_false(json_object_get(e, "present")));
	assert_string_equal(json_string_value(json_object_get(e, "state")),
			    "missing");
	reason = json_string_value(json_object_get(e, "reason"));
	assert_non_null(reason);
	assert_non_null(strstr(reason, "not on bridge hn-nat"));
	json_decref(r);
	assert_int_equal(fakedp_reattaches(f->dp), 0);
	assert_int_equal(restart(f), 0);
	assert_int_equal(fakedp_reattaches(f->dp), 1);
	r = ok(f, "{\"cmd\":\"endpoint.list\"}");
	assert_true(json_is_true(json_object_get(json_array_get(r, 0),
						 "present")));
	json_decref(r);
	fakedp_endpoint_lose(f->dp, host);
	r = ok(f, "{\"cmd\":\"endpoint.list\"}");
	assert_non_null(strstr(json_string_value(json_object_get(
		json_array_get(r, 0), "reason")), "no interface"));
	json_decref(r);
}

static void test_externals_add_del_and_every_address_mappings(void **state)
{
	struct fix *f = *state;
	const struct dp_state *st = fakedp_state(f->dp);
	json_t *r;

	fakedp_add_addr(f->dp, "eth1", 0xc0000207, 24);	/* 192.0.2.7 */
	r = ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":\"nat\","
		  "\"proto\":\"tcp\",\"internal\":\"172.16.0.2:80\","
		  "\"external_port\":8080}}");
	json_decref(r);
	r = ok(f, "{\"cmd\":\"external.add\",\"args\":{\"network\":\"nat\","
		  "\"external\":\"192.0.2.7\",\"ports\":\"20000-29999\"}}");
	assert_string_equal(json_string_value(json_object_get(r,
		"interface")), "eth1");
	assert_int_equal(json_integer_value(json_object_get(r, "port_low")),
			 20000);
	json_decref(r);
	assert_int_equal(st->next, 2);
	assert_int_equal(st->nstat, 2);		/* 8080 on both addresses */
	refused(f, "{\"cmd\":\"external.add\",\"args\":{\"network\":\"nat\","
		   "\"external\":\"198.51.100.1\"}}",
		"198.51.100.1 is not assigned");
	refused(f, "{\"cmd\":\"external.add\",\"args\":{\"network\":\"nat\","
		   "\"external\":\"wlan0\"}}", "interface wlan0 does not exist");
	r = ok(f, "{\"cmd\":\"external.list\"}");
	assert_int_equal(json_array_size(r), 2);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"external.del\",\"args\":{\"network\":\"nat\","
		  "\"external\":\"192.0.2.7\"}}");
	json_decref(r);
	assert_int_equal(st->next, 1);
	assert_int_equal(st->nstat, 1);
}

static void test_corrupt_state_file_stops_start_and_is_kept(void **state)
{
	struct fix *f = *state;
	static const char *const bad[] = {
		"{\"version\":1,\"networks\":[",
		"{\"version\":2,\"networks\":[]}",
		"{\"version\":1,\"networks\":[{\"name\":\"x\"}]}",
		"{\"version\":1,\"networks\":[{\"name\":\"x\",\"prefixes\":"
		"[\"10.9.0.1/16\"],\"bridge\":\"hn-x\",\"own_bridge\":true,"
		"\"gateway\":\"10.9.0.1\"}]}",
		"{\"version\":1,\"networks\":[{\"name\":\"x\",\"prefixes\":"
		"[\"10.0.0.0/16\"],\"bridge\":\"hn-x\",\"own_bridge\":true,"
		"\"gateway\":\"10.0.0.1\",\"externals\":[{\"address\":"
		"\"10.0.0.5\",\"interface\":\"eth0\",\"follows_interface\":"
		"false,\"port_low\":1,\"port_high\":2}]}]}",
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *fp = fopen(f->state, "w");
		char *after;

		assert_non_null(fp);
		fputs(bad[i], fp);
		fclose(fp);
		assert_int_not_equal(fix_open(f), 0);
		assert_null(f->c);
		after = slurp(f->state);
		assert_string_equal(after, bad[i]);
		free(after);
	}
}

static void test_state_file_round_trip_and_atomic_write(void **state)
{
	struct fix *f = *state;
	char tmp[160];
	json_t *a, *b, *doc;
	struct stat st;

	json_decref(ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":"
			  "\"lab\",\"prefixes\":[\"10.50.0.0/24\"],"
			  "\"bridge\":\"br-lab\",\"externals\":[]}}"));
	json_decref(ok(f, "{\"cmd\":\"map.add\",\"args\":{\"network\":"
			  "\"nat\",\"proto\":\"udp\",\"internal\":"
			  "\"172.16.0.2:53\",\"external_port\":53,"
			  "\"external_address\":\"10.0.0.5\",\"remote\":"
			  "\"198.51.100.0/24\"}}"));
	snprintf(tmp, sizeof(tmp), "%s/.state.json.tmp", f->dir);
	assert_int_not_equal(stat(tmp, &st), 0);	/* renamed away */
	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	a = ok(f, "{\"cmd\":\"network.list\"}");
	doc = json_load_file(f->state, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(restart(f), 0);
	b = ok(f, "{\"cmd\":\"network.list\"}");
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	a = json_load_file(f->state, 0, NULL);
	assert_true(json_equal(a, doc));	/* rewritten identically */
	json_decref(a);
	json_decref(doc);
	b = ok(f, "{\"cmd\":\"map.list\"}");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		b, 0), "remote")), "198.51.100.0/24");
	json_decref(b);
	/* a bridge that does not exist is created (owned) */
	a = ok(f, "{\"cmd\":\"network.show\",\"args\":{\"name\":\"lab\"}}");
	assert_true(json_is_true(json_object_get(a, "own_bridge")));
	assert_int_equal(json_array_size(json_object_get(a, "externals")), 0);
	json_decref(a);
}

static void test_existing_bridge_is_not_owned(void **state)
{
	struct fix *f = *state;
	json_t *r;

	fakedp_add_addr(f->dp, "br0", 0x0a320001, 24);	/* 10.50.0.1/24 */
	fakedp_add_bridge(f->dp, "br0");
	r = ok(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"lab\","
		  "\"prefixes\":[\"10.50.0.0/24\"],\"bridge\":\"br0\"}}");
	assert_false(json_is_true(json_object_get(r, "own_bridge")));
	json_decref(r);
	refused(f, "{\"cmd\":\"network.add\",\"args\":{\"name\":\"lab2\","
		   "\"prefixes\":[\"10.51.0.0/24\"],\"bridge\":\"br0\"}}",
		"bridge br0 belongs to another network");
}

static void test_lists_stats_and_version(void **state)
{
	struct fix *f = *state;
	json_t *r;

	r = ok(f, "{\"cmd\":\"stats\"}");
	assert_non_null(json_object_get(
		json_object_get(json_object_get(r, "engine"), "drops"),
		"no_mapping"));
	/* every drop reason, the engine's and the kernel programs', by its
	 * snake_case name */
	assert_snake_keys(
		json_object_get(json_object_get(r, "engine"), "drops"));
	assert_non_null(json_object_get(
		json_object_get(json_object_get(r, "engine"), "drops"),
		"spoofed_source"));
	assert_non_null(json_object_get(
		json_object_get(json_object_get(r, "engine"), "drops"),
		"to_internal"));
	assert_int_equal(json_array_size(json_object_get(r, "networks")), 1);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"session.list\",\"args\":{\"proto\":\"icmp\"}}");
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	r = ok(f, "{\"cmd\":\"version\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "protocol")),
			 1);
	json_decref(r);
	refused(f, "{\"cmd\":\"stats\",\"args\":{\"network\":\"nope\"}}",
		"network 'nope' does not exist");
	refused(f, "not json", "not valid JSON");
}

/* one UDP datagram from @src:@sport to 192.0.2.1:9 through the engine, as
 * an endpoint of the default network sends it (checksum 0: none) */
static void udp_out(struct fix *f, uint32_t src, uint16_t sport)
{
	uint8_t b[64] = { 0x45, 0, 0, 29, 0, 0, 0x40, 0, 64, 17 };
	struct nat_pkt p = { .data = b, .len = 29, .cap = sizeof(b),
			     .dir = NAT_DIR_OUT };
	uint32_t sum = 0, dst = 0xc0000201;
	unsigned i;

	for (i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	b[10] = (uint8_t)(~sum >> 8);
	b[11] = (uint8_t)~sum;
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[23] = 9;
	b[25] = 9;
	b[28] = 'x';
	nat_process(f->nat, &p, 1, ctl_now_ms());
	assert_int_equal(p.verdict, NAT_FORWARD);
}

static void test_session_list_pages_cover_every_session_once(void **state)
{
	struct fix *f = *state;
	uint8_t seen[600] = { 0 };
	char line[256];
	json_t *r, *e, *next;
	unsigned i, pages = 0, n = 0;
	size_t k;

	for (i = 0; i < 600; i++)
		udp_out(f, 0xac100000 + 10 + i % 3, (uint16_t)(20000 + i));
	snprintf(line, sizeof(line), "{\"cmd\":\"session.list\",\"args\":"
		 "{\"limit\":7}}");
	for (;;) {
		r = rq(f, line);
		assert_true(json_is_true(json_object_get(r, "ok")));
		assert_true(json_array_size(json_object_get(r, "result")) <=
			    7);
		json_array_foreach(json_object_get(r, "result"), k, e) {
			unsigned port = (unsigned)json_integer_value(
				json_object_get(e, "internal_port"));

			assert_true(port >= 20000 && port < 20600);
			assert_int_equal(seen[port - 20000]++, 0);
			n++;
		}
		pages++;
		next = json_object_get(r, "next");
		if (!next) {
			json_decref(r);
			break;
		}
		assert_true(json_is_string(next));
		snprintf(line, sizeof(line), "{\"cmd\":\"session.list\","
			 "\"args\":{\"limit\":7,\"after\":\"%s\"}}",
			 json_string_value(next));
		json_decref(r);
	}
	assert_int_equal(n, 600);
	assert_true(pages >= 86);
	/* the default page is 1000: all 600 at once, no "next" */
	r = rq(f, "{\"cmd\":\"session.list\",\"args\":{\"internal\":"
		  "\"172.16.0.11\"}}");
	assert_int_equal(json_array_size(json_object_get(r, "result")), 200);
	assert_null(json_object_get(r, "next"));
	json_decref(r);
	refused(f, "{\"cmd\":\"session.list\",\"args\":{\"limit\":0}}",
		"from 1 to 100000");
	refused(f, "{\"cmd\":\"session.list\",\"args\":{\"limit\":100001}}",
		"from 1 to 100000");
	refused(f, "{\"cmd\":\"session.list\",\"args\":{\"after\":\"x1\"}}",
		"\"next\" cursor");
	refused(f, "{\"cmd\":\"session.list\",\"args\":{\"after\":7}}",
		"\"next\" cursor");
	/* a cursor past the table: an empty last page */
	r = ok(f, "{\"cmd\":\"session.list\",\"args\":{\"after\":"
		  "\"4000000000\"}}");
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
}

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* run the server until @fd has a whole line (or EOF); returns bytes */
static ssize_t sock_reply(struct fix *f, int fd, char *buf, size_t len)
{
	size_t got = 0;
	int i;

	for (i = 0; i < 1000 && got < len - 1; i++) {
		ssize_t n;

		ctl_run(f->c);
		n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0) {
			got += (size_t)n;
			buf[got] = '\0';
			if (strchr(buf, '\n'))
				break;
		}
		usleep(1000);
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

static void test_socket_serves_lines_and_drops_garbage(void **state)
{
	struct fix *f = *state;
	char buf[4096];
	struct stat st;
	int fd, fd2;

	assert_int_equal(stat(f->sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = sock_connect(f->sock);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "{\"cmd\":\"ping\"}\n", 15, 0), 15);
	assert_true(sock_reply(f, fd, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"ok\":true,\"result\":{\"pong\":true}}\n");
	/* a request in two pieces */
	assert_int_equal(send(fd, "{\"cmd\":\"ver", 11, 0), 11);
	ctl_run(f->c);
	assert_int_equal(send(fd, "sion\"}\r\n", 8, 0), 8);
	assert_true(sock_reply(f, fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"protocol\":1"));
	/* garbage: an answer, then the connection is closed */
	assert_int_equal(send(fd, "GET / HTTP/1.0\n", 15, 0), 15);
	assert_true(sock_reply(f, fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"ok\":false"));
	assert_int_equal(sock_reply(f, fd, buf, sizeof(buf)), 0);
	close(fd);
	/* a second daemon on the same socket is refused */
	{
		struct ctl *c2;
		struct ctl_opts o = { .state_dir = f->dir,
				      .sock_path = f->sock };

		assert_int_equal(ctl_open(&c2, f->nat, f->dp, &o),
				 -EADDRINUSE);
	}
	/* a request without newline is answered at end of input */
	fd2 = sock_connect(f->sock);
	assert_true(fd2 >= 0);
	assert_int_equal(send(fd2, "{\"cmd\":\"ping\"}", 14, 0), 14);
	shutdown(fd2, SHUT_WR);
	assert_true(sock_reply(f, fd2, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "pong"));
	close(fd2);
}

/* several requests in one write are answered one per event, in order */
static void test_socket_answers_pipelined_requests_in_order(void **state)
{
	struct fix *f = *state;
	char buf[8192];
	size_t got = 0;
	int fd, i;

	fd = sock_connect(f->sock);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "{\"cmd\":\"ping\"}\n{\"cmd\":\"version\"}\n"
			      "{\"cmd\":\"session.list\"}\n", 56, 0), 56);
	for (i = 0; i < 200 && got < sizeof(buf) - 1; i++) {
		ssize_t n;

		ctl_run(f->c);
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\"result\":[]"))
			break;
		usleep(1000);
	}
	assert_non_null(strstr(buf, "{\"ok\":true,\"result\":{\"pong\":true}}\n"
				    "{\"ok\":true,\"result\":{\"version\""));
	assert_non_null(strstr(buf, "}\n{\"ok\":true,\"result\":[]}\n"));
	close(fd);
}

/* every slot taken by idle clients: a new one still gets in */
static void test_socket_full_of_idle_clients_lets_a_new_one_in(void **state)
{
	struct fix *f = *state;
	char buf[4096];
	int fds[64], fd, i;

	for (i = 0; i < 64; i++) {
		fds[i] = sock_connect(f->sock);
		assert_true(fds[i] >= 0);
		ctl_run(f->c);
	}
	fd = sock_connect(f->sock);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "{\"cmd\":\"ping\"}\n", 15, 0), 15);
	assert_true(sock_reply(f, fd, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"ok\":true,\"result\":{\"pong\":true}}\n");
	close(fd);
	/* the oldest idle one gave its slot up */
	assert_int_equal(recv(fds[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
	for (i = 0; i < 64; i++)
		close(fds[i]);
}

/* a client that sends requests and never reads is dropped at the cap */
static void test_socket_drops_client_that_does_not_read(void **state)
{
	struct fix *f = *state;
	static const char req[] = "{\"cmd\":\"stats\"}\n";
	bool dropped = false;
	int fd, i, one = 4096;

	fd = sock_connect(f->sock);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	for (i = 0; i < 20000 && !dropped; i++) {
		ssize_t n = send(fd, req, sizeof(req) - 1,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN)
			dropped = true;
		ctl_run(f->c);
		if (n < 0 && errno == EAGAIN) {
			char b;

			/* peek: has the server closed its end? */
			if (recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) == 0)
				dropped = true;
		}
	}
	if (!dropped) {		/* the answers wait in our buffer: drain */
		char b[65536];
		ssize_t n;

		while ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
			;
		dropped = n == 0;
	}
	assert_true(dropped);
	close(fd);
	/* the server goes on */
	fd = sock_connect(f->sock);
	assert_int_equal(send(fd, "{\"cmd\":\"ping\"}\n", 15, 0), 15);
	{
		char buf[256];

		assert_true(sock_reply(f, fd, buf, sizeof(buf)) > 0);
		assert_non_null(strstr(buf, "pong"));
	}
	close(fd);
}

static void test_stale_socket_is_replaced(void **state)
{
	struct fix *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[128];
	int fd;

	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	mkdir(dir, 0755);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);		/* the file stays, nobody listens */
	assert_int_equal(fix_open(f), 0);
	fd = sock_connect(f->sock);
	assert_true(fd >= 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_first_start_creates_default_network, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_default_network_avoids_host_prefixes, setup_closed,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_no_default_network_when_asked, setup_closed,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_prefix_overlapping_host_address_is_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_network_add_with_two_prefixes_and_del, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_dynamic_mapping_keeps_its_port_across_restart,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_mapping_conflict_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_kernel_sync_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_settings_respect_rfc_floors, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_network_pool_keeps_gateway_and_host_and_persists,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_corrupt_leases_file_closes_only_its_network, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_isolation_and_source_binding_settings, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_old_state_file_with_kebab_case_settings_loads,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_bindings_follow_leases_endpoints_and_reservations,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_must_be_a_bridge,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_endpoint_off_its_bridge_is_missing_and_put_back,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lease_add_del_list_reserve_by_mac_and_persist,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_stats_show_dhcp_counters_per_network, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_endpoint_add_del_list_via_datapath_and_pool, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_owner_deletes_its_endpoints_and_mappings_and_persists,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_network_del_removes_its_endpoints, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_externals_add_del_and_every_address_mappings,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_corrupt_state_file_stops_start_and_is_kept,
			setup_closed, teardown),
		cmocka_unit_test_setup_teardown(
			test_state_file_round_trip_and_atomic_write, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_existing_bridge_is_not_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists_stats_and_version,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_socket_serves_lines_and_drops_garbage, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_session_list_pages_cover_every_session_once, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_socket_answers_pipelined_requests_in_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_socket_full_of_idle_clients_lets_a_new_one_in,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_socket_drops_client_that_does_not_read, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_is_replaced,
						setup_closed, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
