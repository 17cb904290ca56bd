/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - test_ctl_parse.c: the parsers and the request validation
 *
 * Theory of operation
 * -------------------
 * Checks the words the API and the command line accept (parse.c) and the
 * validation of request lines (req.c), with no engine, no daemon and no
 * privilege: every refusal names the rejected token.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"
#include "req.h"

static char err[CTL_ERR_MAX];

static void test_addr_accepts_dotted_quads_only(void **state)
{
	uint32_t a;

	(void)state;
	assert_int_equal(parse_addr("x", "192.0.2.1", &a, err, sizeof(err)),
			 0);
	assert_int_equal(a, 0xc0000201);
	assert_int_equal(parse_addr("x", "0.0.0.0", &a, err, sizeof(err)), 0);
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.4 ",
		" 1.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.-4", "1.2.3.4/8",
		"1234.1.1.1",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_addr("gateway", bad[i], &a, err,
					    sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "gateway"));
	}
	parse_addr("gateway", "1.2.3.256", &a, err, sizeof(err));
	assert_non_null(strstr(err, "'1.2.3.256'"));
}

static void test_cidr_rejects_host_bits_and_suggests_the_prefix(void **state)
{
	uint32_t a;
	uint8_t l;

	(void)state;
	assert_int_equal(parse_cidr("prefix", "172.16.0.0/16", &a, &l, err,
				    sizeof(err)), 0);
	assert_int_equal(a, 0xac100000);
	assert_int_equal(l, 16);
	assert_int_equal(parse_cidr("prefix", "0.0.0.0/0", &a, &l, err,
				    sizeof(err)), 0);
	assert_int_equal(parse_cidr("prefix", "172.16.0.1/16", &a, &l, err,
				    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "did you mean 172.16.0.0/16?"));
	assert_int_equal(parse_cidr("prefix", "172.16.0.0/33", &a, &l, err,
				    sizeof(err)), -EINVAL);
	assert_int_equal(parse_cidr("prefix", "172.16.0.0", &a, &l, err,
				    sizeof(err)), -EINVAL);
	assert_int_equal(parse_cidr("prefix", "172.16.0.0/016", &a, &l, err,
				    sizeof(err)), -EINVAL);
	assert_int_equal(parse_cidr("prefix", "172.16.0.0/", &a, &l, err,
				    sizeof(err)), -EINVAL);
}

static void test_ports_and_ranges(void **state)
{
	uint16_t p, lo, hi;
	uint32_t a;

	(void)state;
	assert_int_equal(parse_port("--external-port", "65535", &p, err,
				    sizeof(err)), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(parse_port("--external-port", "0", &p, err,
				    sizeof(err)), -EINVAL);
	assert_int_equal(parse_port("--external-port", "65536", &p, err,
				    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'65536'"));
	assert_int_equal(parse_port("--external-port", "8o", &p, err,
				    sizeof(err)), -EINVAL);
	assert_int_equal(parse_range("--ports", "1024-2047", &lo, &hi, err,
				     sizeof(err)), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 2047);
	assert_int_equal(parse_range("--ports", "2000-1000", &lo, &hi, err,
				     sizeof(err)), -EINVAL);
	assert_int_equal(parse_range("--ports", "0-10", &lo, &hi, err,
				     sizeof(err)), -EINVAL);
	assert_int_equal(parse_range("--ports", "10", &lo, &hi, err,
				     sizeof(err)), -EINVAL);
	assert_int_equal(parse_addr_port("--internal", "172.16.0.2:80", &a,
					 &p, err, sizeof(err)), 0);
	assert_int_equal(a, 0xac100002);
	assert_int_equal(p, 80);
	assert_int_equal(parse_addr_port("--internal", "172.16.0.2", &a, &p,
					 err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_addr_port("--internal", "172.16.0.2:0", &a, &p,
					 err, sizeof(err)), -EINVAL);
}

static void test_names_follow_engine_and_kernel_rules(void **state)
{
	(void)state;
	assert_int_equal(parse_name("nat", err, sizeof(err)), 0);
	assert_int_equal(parse_name("lab-1.a_b", err, sizeof(err)), 0);
	assert_int_equal(parse_name("", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_name("-x", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_name("a b", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_name("0123456789012345678901234567890",
				    err, sizeof(err)), 0);
	assert_int_equal(parse_name("01234567890123456789012345678901",
				    err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_ifname("--bridge", "br0", err, sizeof(err)), 0);
	assert_int_equal(parse_ifname("--bridge", "0123456789abcdef", err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(parse_ifname("--bridge", "a/b", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(parse_ifname("--bridge", "..", err, sizeof(err)),
			 -EINVAL);
}

static void test_settings_parse_their_values(void **state)
{
	enum parse_setting k;
	uint32_t v;

	(void)state;
	assert_int_equal(parse_setting_key("udp_timeout", &k, err, sizeof(err)),
			 0);
	assert_int_equal(parse_setting_value(k, "300", &v, err, sizeof(err)),
			 0);
	assert_int_equal(v, 300);
	assert_int_equal(parse_setting_value(k, "5m", &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		parse_setting_key("udp_filtering", &k, err, sizeof(err)), 0);
	assert_int_equal(parse_setting_value(k, "apdf", &v, err, sizeof(err)),
			 0);
	assert_int_equal(v, NAT_FILTER_APDF);
	assert_int_equal(parse_setting_value(k, "full-cone", &v, err,
					     sizeof(err)), -EINVAL);
	assert_int_equal(parse_setting_key("udp-inbound-refresh", &k, err,
					   sizeof(err)), 0);
	assert_int_equal(parse_setting_value(k, "on", &v, err, sizeof(err)),
			 0);
	assert_int_equal(v, 1);
	assert_int_equal(parse_setting_key("mtu", &k, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'mtu'"));
	/* the message lists every key, from the table */
	assert_non_null(strstr(err, "dhcp_client_limit, isolation, "
				    "source_binding, port_share,"));
	assert_non_null(strstr(err, "mapping_inbound_limit, "
				    "remote_inbound_limit or "
				    "endpoint_addresses"));
	/* addresses one bridge port may use: 1 to the program's 8 slots */
	assert_int_equal(
		parse_setting_key("endpoint_addresses", &k, err, sizeof(err)),
		0);
	assert_int_equal(parse_setting_value(k, "8", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 8);
	assert_int_equal(parse_setting_value(k, "9", &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(parse_setting_value(k, "0", &v, err, sizeof(err)),
			 -EINVAL);
}

/* issue 10: the fairness limits are settings (the engine gives their
 * defaults and checks the timeouts' ranges) */
static void test_fairness_settings_default_and_range(void **state)
{
	struct parse_svc_cfg svc;
	struct nat_net_cfg cfg;
	enum parse_setting k;
	uint32_t v;

	(void)state;
	parse_svc_default(&svc);
	memset(&cfg, 0, sizeof(cfg));
	cfg.port_share = NAT_PORT_SHARE_DEFAULT;
	cfg.to.udp_unanswered = NAT_UDP_UNANSWERED_TIMEOUT_DEFAULT;
	cfg.to.inbound_unanswered = NAT_INBOUND_UNANSWERED_TIMEOUT_DEFAULT;
	cfg.map_inbound_max = NAT_MAP_INBOUND_MAX_DEFAULT;
	cfg.remote_inbound_max = NAT_REMOTE_INBOUND_MAX_DEFAULT;
	assert_int_equal(parse_setting_key("port_share", &k, err, sizeof(err)),
			 0);
	assert_true(parse_setting_is_number(k));
	parse_setting_get(&cfg, &svc, k, &v);
	assert_int_equal(v, NAT_PORT_SHARE_DEFAULT);
	assert_int_equal(parse_setting_value(k, "0", &v, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "port_share '0'"));
	assert_int_equal(parse_setting_value(k, "16", &v, err, sizeof(err)),
			 0);
	parse_setting_put(&cfg, &svc, k, v);
	assert_int_equal(cfg.port_share, 16);

	parse_setting_get(&cfg, &svc, SET_UDP_UNANSWERED_TIMEOUT, &v);
	assert_int_equal(v, NAT_UDP_UNANSWERED_TIMEOUT_DEFAULT);
	parse_setting_get(&cfg, &svc, SET_INBOUND_UNANSWERED_TIMEOUT, &v);
	assert_int_equal(v, NAT_INBOUND_UNANSWERED_TIMEOUT_DEFAULT);
	parse_setting_get(&cfg, &svc, SET_MAPPING_INBOUND_LIMIT, &v);
	assert_int_equal(v, NAT_MAP_INBOUND_MAX_DEFAULT);
	parse_setting_get(&cfg, &svc, SET_REMOTE_INBOUND_LIMIT, &v);
	assert_int_equal(v, NAT_REMOTE_INBOUND_MAX_DEFAULT);
	assert_int_equal(
		parse_setting_key("remote_inbound_limit", &k, err, sizeof(err)),
		0);
	assert_int_equal(parse_setting_value(k, "0", &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(parse_setting_value(k, "32", &v, err, sizeof(err)),
			 0);
	parse_setting_put(&cfg, &svc, k, v);
	assert_int_equal(cfg.remote_inbound_max, 32);
	assert_int_equal(parse_setting_key("udp_unanswered_timeout", &k, err,
					   sizeof(err)),
			 0);
	assert_int_equal(parse_setting_value(k, "60", &v, err, sizeof(err)),
			 0);
	parse_setting_put(&cfg, &svc, k, v);
	assert_int_equal(cfg.to.udp_unanswered, 60);
}

static void test_isolation_and_source_binding_are_on_off_default_on(
	void **state)
{
	struct parse_svc_cfg svc;
	struct nat_net_cfg cfg;
	enum parse_setting k;
	uint32_t v;

	(void)state;
	parse_svc_default(&svc);
	memset(&cfg, 0, sizeof(cfg));
	parse_setting_get(&cfg, &svc, SET_ISOLATION, &v);
	assert_int_equal(v, 1);
	parse_setting_get(&cfg, &svc, SET_SOURCE_BINDING, &v);
	assert_int_equal(v, 1);
	assert_int_equal(parse_setting_key("isolation", &k, err, sizeof(err)),
			 0);
	assert_int_equal(k, SET_ISOLATION);
	assert_true(parse_setting_is_bool(k));
	assert_false(parse_setting_is_number(k));
	assert_int_equal(parse_setting_value(k, "off", &v, err, sizeof(err)),
			 0);
	assert_int_equal(v, 0);
	parse_setting_put(&cfg, &svc, k, v);
	assert_int_equal(svc.isolation, 0);
	assert_int_equal(svc.source_binding, 1);
	assert_int_equal(
		parse_setting_key("source_binding", &k, err, sizeof(err)), 0);
	assert_int_equal(parse_setting_value(k, "yes", &v, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "source_binding 'yes' is not valid: use on "
				 "or off");
	assert_string_equal(parse_setting_str(k, 0), "off");
}

static int req(const char *line, struct ctl_req *r)
{
	return ctl_req_parse(line, strlen(line), r, err, sizeof(err));
}

static void test_request_map_add_is_read_fully(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(req("{\"cmd\":\"map.add\",\"args\":{\"network\":"
			     "\"nat\",\"proto\":\"udp\",\"internal\":"
			     "\"172.16.0.2:53\",\"external_port\":5353,"
			     "\"external_address\":\"10.0.0.5\",\"remote\":"
			     "\"198.51.100.0/24\"}}", &r), 0);
	assert_int_equal(r.cmd, CMD_MAP_ADD);
	assert_string_equal(r.net, "nat");
	assert_int_equal(r.proto, NAT_UDP);
	assert_int_equal(r.int_addr, 0xac100002);
	assert_int_equal(r.int_port, 53);
	assert_true(r.has_ext_port);
	assert_int_equal(r.ext_port, 5353);
	assert_true(r.has_ext_addr);
	assert_int_equal(r.ext_addr, 0x0a000005);
	assert_int_equal(r.remote_addr, 0xc6336400);
	assert_int_equal(r.remote_plen, 24);
}

static void test_request_network_add_with_interface_and_address(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(req("{\"cmd\":\"network.add\",\"args\":{\"name\":"
			     "\"lab\",\"prefixes\":[\"10.1.0.0/24\","
			     "\"10.2.0.0/24\"],\"externals\":[\"eth0\","
			     "\"192.0.2.7\"]}}", &r), 0);
	assert_int_equal(r.nprefix, 2);
	assert_int_equal(r.next, 2);
	assert_true(r.ext[0].is_if);
	assert_string_equal(r.ext[0].ifname, "eth0");
	assert_false(r.ext[1].is_if);
	assert_int_equal(r.ext[1].addr, 0xc0000207);
	assert_int_equal(req("{\"cmd\":\"network.add\",\"args\":{\"name\":"
			     "\"lab\",\"externals\":[\"192.0.2.300\"]}}", &r),
			 -EINVAL);
	assert_non_null(strstr(err, "192.0.2.300"));
}

/* a key is its snake_case name; the kebab-case spelling of before is read
 * as the same key, anything else is no key */
static void
test_setting_keys_are_snake_case_and_kebab_case_is_read(void **state)
{
	enum parse_setting k, k2;
	unsigned i;

	(void)state;
	for (i = 0; i < SET_NKEYS; i++) {
		const char *n = parse_setting_name((enum parse_setting)i);
		char kebab[64];
		size_t j;

		assert_int_equal(n[strspn(n, "abcdefghijklmnopqrstuvwxyz_")],
				 0);
		assert_int_equal(parse_setting_key(n, &k, err, sizeof(err)), 0);
		assert_int_equal(k, i);
		snprintf(kebab, sizeof(kebab), "%s", n);
		for (j = 0; kebab[j]; j++)
			if (kebab[j] == '_')
				kebab[j] = '-';
		assert_int_equal(
			parse_setting_key(kebab, &k2, err, sizeof(err)), 0);
		assert_int_equal(k2, i);
	}
	assert_string_equal(parse_setting_name(SET_UDP_TIMEOUT), "udp_timeout");
	assert_int_equal(parse_setting_key("udp-timeout", &k, err, sizeof(err)),
			 0);
	assert_int_equal(k, SET_UDP_TIMEOUT);
	/* a mix of the two reads too; neither a prefix nor a longer word */
	assert_int_equal(parse_setting_key("tcp_established-timeout", &k, err,
					   sizeof(err)),
			 0);
	assert_int_equal(k, SET_TCP_EST_TIMEOUT);
	assert_int_equal(parse_setting_key("udp_time", &k, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		parse_setting_key("udp_timeout_", &k, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(
		parse_setting_key("udp_timeouts", &k, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(
		parse_setting_key("udp--timeout", &k, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(parse_setting_key("", &k, err, sizeof(err)), -EINVAL);
	/* the message offers the snake_case names */
	assert_non_null(strstr(err, "udp_timeout, "));
}

static void test_request_network_set_value_follows_key(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(req("{\"cmd\":\"network.set\",\"args\":{\"name\":"
			     "\"nat\",\"key\":\"udp-timeout\",\"value\":600}}",
			     &r), 0);
	assert_int_equal(r.key, SET_UDP_TIMEOUT);
	assert_int_equal(r.value, 600);
	assert_int_equal(req("{\"cmd\":\"network.set\",\"args\":{\"value\":"
			     "\"adf\",\"key\":\"tcp_filtering\",\"name\":"
			     "\"nat\"}}",
			     &r),
			 0);
	assert_int_equal(r.value, NAT_FILTER_ADF);
	assert_int_equal(req("{\"cmd\":\"network.set\",\"args\":{\"name\":"
			     "\"nat\",\"key\":\"tcp_filtering\",\"value\":1}}",
			     &r),
			 -EINVAL);
	assert_int_equal(req("{\"cmd\":\"network.set\",\"args\":{\"name\":"
			     "\"nat\",\"key\":\"udp-timeout\",\"value\":-1}}",
			     &r), -EINVAL);
}

static void test_request_errors_name_the_problem(void **state)
{
	struct ctl_req r;

	(void)state;
	assert_int_equal(req("{\"cmd\":\"network.frob\"}", &r), -EINVAL);
	assert_non_null(strstr(err, "'network.frob'"));
	assert_int_equal(req("{\"cmd\":\"network.del\"}", &r), -EINVAL);
	assert_non_null(strstr(err, "'name'"));
	assert_int_equal(req("{\"cmd\":\"network.del\",\"args\":{\"name\":"
			     "\"nat\",\"force\":true}}", &r), -EINVAL);
	assert_non_null(strstr(err, "'force'"));
	assert_int_equal(req("{\"cmd\":\"map.del\",\"args\":{\"network\":"
			     "\"nat\",\"proto\":\"icmp\",\"external_port\":"
			     "1}}", &r), -EINVAL);
	assert_non_null(strstr(err, "'icmp'"));
	assert_int_equal(req("{\"cmd\":\"map.del\",\"args\":{\"network\":"
			     "\"nat\",\"proto\":\"tcp\",\"external_port\":"
			     "\"80\"}}", &r), -EINVAL);
	assert_int_equal(req("{\"cmd\":\"map.list\",\"args\":[]}", &r),
			 -EINVAL);
	assert_int_equal(req("{\"cmd\":\"ping\",\"id\":1}", &r), -EINVAL);
	assert_int_equal(req("{\"cmd\":\"ping\"}", &r), 0);
	assert_int_equal(req("{\"cmd\":\"stats\",\"args\":{}}", &r), 0);
}

/* every number has a unit, no word has one; dhcp-client-limit is no
 * number of seconds */
static void test_settings_have_units(void **state)
{
	char buf[32];
	unsigned k;

	(void)state;
	for (k = 0; k < SET_NKEYS; k++) {
		enum parse_setting key = (enum parse_setting)k;

		if (parse_setting_is_number(key))
			assert_non_null(parse_setting_unit(key));
		else
			assert_null(parse_setting_unit(key));
	}
	assert_string_equal(parse_setting_unit(SET_UDP_TIMEOUT), "s");
	assert_string_equal(parse_setting_unit(SET_DHCP_CLIENT_LIMIT), "count");
	parse_setting_fmt(SET_DHCP_CLIENT_LIMIT, 2, buf, sizeof(buf));
	assert_string_equal(buf, "2");
	parse_setting_fmt(SET_DHCP_LEASE_TIME, 3600, buf, sizeof(buf));
	assert_string_equal(buf, "3600 s");
	parse_setting_fmt(SET_PORT_SHARE, 8, buf, sizeof(buf));
	assert_string_equal(buf, "1/8");
	parse_setting_fmt(SET_ISOLATION, 1, buf, sizeof(buf));
	assert_string_equal(buf, "on");
	parse_setting_fmt(SET_UDP_FILTERING, 2, buf, sizeof(buf));
	assert_string_equal(buf, "apdf");
}

/* the table has a row for every command, and the refusal of an unknown
 * one lists them all, from the table */
static void test_unknown_command_lists_every_command(void **state)
{
	char msg[CTL_ERR_MAX], obj[32];
	struct ctl_req r;
	unsigned i;

	(void)state;
	assert_int_equal(req("{\"cmd\":\"frob\"}", &r), -EINVAL);
	snprintf(msg, sizeof(msg), "%s", err);
	assert_non_null(strstr(msg, "network.add|del|list|show|set"));
	assert_non_null(strstr(msg, "map.add|del|list"));
	for (i = 0; i < CMD_N; i++) {
		const char *name = ctl_cmd_name((enum ctl_cmd)i);
		const char *dot = strchr(name, '.');

		assert_string_not_equal(name, "?");
		snprintf(obj, sizeof(obj), " %.*s%s", dot ? (int)(dot - name) :
			 (int)strlen(name), name, dot ? "." : "");
		assert_non_null(strstr(msg, obj));
		assert_non_null(strstr(msg, dot ? dot + 1 : name));
	}
}

static void test_garbage_is_a_protocol_error(void **state)
{
	struct ctl_req r;
	static const char nul[] = "{\"cmd\":\"ping\"}\0x";

	(void)state;
	assert_int_equal(req("hello", &r), -EPROTO);
	assert_int_equal(req("[1,2]", &r), -EPROTO);
	assert_int_equal(req("{\"cmd\":\"ping\"} {}", &r), -EPROTO);
	assert_int_equal(req("{\"cmd\":\"ping\",\"cmd\":\"ping\"}", &r),
			 -EPROTO);
	assert_int_equal(ctl_req_parse(nul, sizeof(nul) - 1, &r, err,
				       sizeof(err)), -EPROTO);
	assert_int_equal(ctl_req_parse("{}", CTL_REQ_MAX, &r, err,
				       sizeof(err)), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_accepts_dotted_quads_only),
		cmocka_unit_test(
			test_cidr_rejects_host_bits_and_suggests_the_prefix),
		cmocka_unit_test(test_ports_and_ranges),
		cmocka_unit_test(test_names_follow_engine_and_kernel_rules),
		cmocka_unit_test(test_settings_parse_their_values),
		cmocka_unit_test(
			test_setting_keys_are_snake_case_and_kebab_case_is_read),
		cmocka_unit_test(
			test_isolation_and_source_binding_are_on_off_default_on),
		cmocka_unit_test(test_request_map_add_is_read_fully),
		cmocka_unit_test(
			test_request_network_add_with_interface_and_address),
		cmocka_unit_test(test_request_network_set_value_follows_key),
		cmocka_unit_test(test_request_errors_name_the_problem),
		cmocka_unit_test(test_garbage_is_a_protocol_error),
		cmocka_unit_test(test_unknown_command_lists_every_command),
		cmocka_unit_test(test_settings_have_units),
		cmocka_unit_test(test_fairness_settings_default_and_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
