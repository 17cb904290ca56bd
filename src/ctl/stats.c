/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - stats.c: the stats command: counters of the whole NAT
 *
 * Theory of operation
 * -------------------
 * "stats" answers the engine's counters and gauges (nat_stats_get()), its
 * table limits, and its drops by reason, with the drops the kernel
 * programs counted (dp_counters()) added under the same names, so that a
 * reason is one figure for the whole NAT whichever part dropped the
 * packet. Per network: its live sessions by protocol (one walk of the
 * session table, stats_count(), which network.show uses too), its
 * mappings, and its DHCP server's counters (null when it has none).
 * prom.c turns the same answer into Prometheus' text format.
 */
#include <errno.h>

#include "cmd.h"
#include "dhcpd.h"

/* one session into the counts by network id and protocol */
static int count_one(const struct nat_session_info *s, void *ctx)
{
	unsigned (*count)[NAT_NPROTO] = ctx;

	if (s->net < DP_MAX_NETS && s->proto < NAT_NPROTO)
		count[s->net][s->proto]++;
	return 0;
}

/**
 * stats_count() - the live sessions by network id and protocol
 * @x:		context
 * @count:	incremented: [network id][enum nat_proto]
 */
void stats_count(struct cmd_ctx *x, unsigned count[DP_MAX_NETS][NAT_NPROTO])
{
	nat_session_walk(x->nat, cmd_now_ms(), count_one, count);
}

/* the engine's counters, with the drops of the kernel programs (dp.h)
 * added under their names: one "drops" object for the whole NAT */
static json_t *engine_stats(const struct nat_stats *st,
			    const struct nat_limits *lim,
			    const uint64_t dp_drops[DP_DROP_N])
{
	json_t *drops = json_object();
	unsigned i;

	for (i = 1; drops && i < NAT_DROP_REASONS; i++)
		json_object_set_new(drops, nat_drop_name(i),
				    json_integer((json_int_t)st->drops[i]));
	for (i = 0; drops && i < DP_DROP_N; i++) {
		json_t *v = json_object_get(drops, dp_drop_name(i));
		json_int_t n = (json_int_t)dp_drops[i];

		if (v)
			n += json_integer_value(v);
		json_object_set_new(drops, dp_drop_name(i), json_integer(n));
	}
#define C(f) #f, (json_int_t)st->f
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o*, "
			 "s:{s:I, s:I, s:I, s:I, s:I}}",
			 C(pkts_out), C(pkts_in), C(pkts_hairpin),
			 C(pkts_local), C(pkts_icmp_err), C(pkts_icmp_sent),
			 C(frags), C(sessions_created), C(sessions_expired),
			 C(mappings_created), C(sessions), C(mappings),
			 C(hosts), C(frag_entries), C(frag_held), C(syn_held),
			 C(mem_bytes), "drops", drops, "limits",
			 "flows", (json_int_t)lim->max_flows,
			 "hosts", (json_int_t)lim->max_hosts,
			 "frags", (json_int_t)lim->max_frags,
			 "frag_held", (json_int_t)lim->max_frag_held,
			 "syn_held", (json_int_t)lim->max_syn_held);
#undef C
}

/**
 * stats_show() - stats: the engine's counters with the kernel's drops,
 * per network
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * Return: 0, -errno (nothing changed)
 */
int stats_show(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	unsigned count[DP_MAX_NETS][NAT_NPROTO] = { { 0 } };
	uint64_t dp_drops[DP_DROP_N], fast[DP_FAST_N];
	struct nat_limits lim;
	struct nat_stats st;
	int slot = cmd_list_filter(x, r);
	json_t *nets;
	unsigned i, j, maps;

	if (slot < 0 && r->has_net)
		return slot;
	nat_stats_get(x->nat, &st);
	stats_count(x, count);
	nets = json_array();
	for (i = 0; nets && i < DP_MAX_NETS; i++) {
		const struct model_net *n = &x->cur.net[i];
		unsigned id = n->id;

		if (!n->used || (slot >= 0 && (unsigned)slot != i) ||
		    id >= DP_MAX_NETS)
			continue;
		for (j = 0, maps = 0; j < DP_MAX_STATIC; j++)
			maps += x->cur.map[j].used && x->cur.map[j].net == i;
		json_array_append_new(nets, json_pack(
			"{s:s, s:i, s:i, s:i, s:i, s:i, s:o*}",
			"name", n->cfg.name,
			"sessions", (json_int_t)(count[id][0] + count[id][1] +
						 count[id][2]),
			"tcp", (json_int_t)count[id][NAT_TCP],
			"udp", (json_int_t)count[id][NAT_UDP],
			"icmp", (json_int_t)count[id][NAT_ICMP],
			"mappings", (json_int_t)maps,
			"dhcp", x->dhcpd ? dhcpd_json(x->dhcpd, i) :
					   json_null()));
	}
	dp_counters(x->dp, dp_drops);
	dp_fast_counters(x->dp, fast);
	/* the packets the kernel's fast path translated are translated */
	/* as the engine counts its own: a hairpin packet is translated out
	 * (pkts_out) and then into the other endpoint (pkts_hairpin, not
	 * pkts_in) */
	st.pkts_out += fast[0] + fast[4];
	st.pkts_in += fast[2];
	st.pkts_hairpin += fast[4];
	nat_limits_get(x->nat, &lim);
	*res = json_pack("{s:o*, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o*}",
			 "engine", engine_stats(&st, &lim, dp_drops),
			 "fast_path",
			 "out_packets", (json_int_t)fast[0],
			 "out_bytes", (json_int_t)fast[1],
			 "in_packets", (json_int_t)fast[2],
			 "in_bytes", (json_int_t)fast[3],
			 "hairpin_packets", (json_int_t)fast[4],
			 "hairpin_bytes", (json_int_t)fast[5],
			 "networks", nets);
	return *res ? 0 : -ENOMEM;
}
