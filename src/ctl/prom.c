/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - prom.c: the answer of "stats" in Prometheus' text exposition
 * format (version 0.0.4)
 *
 * Theory of operation
 * -------------------
 * The daemon's stats object is walked once and each number becomes a
 * sample: the engine's counters (packets, sessions and mappings created)
 * as hostnat_*_total, its gauges (sessions, mappings, fragment and SYN
 * tables, memory) as they are, with the tables' limits beside them
 * (hostnat_*_max, for fill ratios), its drops as one family with a
 * "reason" label; per network the live sessions by protocol, the mappings
 * and the DHCP server's counters, each with a "network" label. Names and
 * label values are snake_case (the reasons are the name tables' own
 * words); label values are escaped as the format says. Every family is
 * written whole (HELP, TYPE, then its samples), so the output passes
 * promtool's checks.
 */
#include <stdio.h>
#include <string.h>

#include "prom.h"

/* a label value, escaped (backslash, double quote, newline) */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const struct {
	const char *key;	/* in the engine's object */
	const char *name;
	bool counter;
	const char *help;
} engine_metrics[] = {
	{ "pkts_out", "hostnat_packets_out_total", true,
	  "Packets translated from an endpoint to the outside." },
	{ "pkts_in", "hostnat_packets_in_total", true,
	  "Packets translated from the outside to an endpoint." },
	{ "pkts_hairpin", "hostnat_packets_hairpin_total", true,
	  "Packets from one endpoint to another through an external address." },
	{ "pkts_local", "hostnat_packets_local_total", true,
	  "Packets the NAT left to the host." },
	{ "pkts_icmp_err", "hostnat_icmp_errors_translated_total", true,
	  "ICMP errors translated." },
	{ "pkts_icmp_sent", "hostnat_icmp_errors_sent_total", true,
	  "ICMP errors the NAT sent itself." },
	{ "frags", "hostnat_fragments_total", true,
	  "Fragments translated." },
	{ "sessions_created", "hostnat_sessions_created_total", true,
	  "Sessions created." },
	{ "sessions_expired", "hostnat_sessions_expired_total", true,
	  "Sessions that ended." },
	{ "mappings_created", "hostnat_mappings_created_total", true,
	  "Mappings created." },
	{ "sessions", "hostnat_sessions", false, "Sessions in the table." },
	{ "mappings", "hostnat_mappings", false,
	  "Mappings in use, dynamic and static." },
	{ "hosts", "hostnat_hosts", false,
	  "Endpoint addresses with sessions." },
	{ "frag_entries", "hostnat_fragment_entries", false,
	  "Datagrams in the fragment table." },
	{ "frag_held", "hostnat_fragments_held", false,
	  "Fragments held until their first arrives." },
	{ "syn_held", "hostnat_syns_held", false,
	  "Unsolicited TCP SYNs held (RFC 5382 REQ-4)." },
	{ "mem_bytes", "hostnat_memory_bytes", false,
	  "Memory of the engine's tables." },
};

static const struct {
	const char *key;	/* in the engine's "limits" */
	const char *name;
	const char *help;
} limit_metrics[] = {
	{ "flows", "hostnat_sessions_max", "Sessions the table holds." },
	{ "hosts", "hostnat_hosts_max", "Endpoint addresses the table holds." },
	{ "frags", "hostnat_fragment_entries_max",
	  "Datagrams the fragment table holds." },
	{ "frag_held", "hostnat_fragments_held_max",
	  "Fragments the table may hold." },
	{ "syn_held", "hostnat_syns_held_max", "SYNs that may be held." },
};

/* one family of counters by a label, from an object of numbers in each
 * network's DHCP object (@sub) or in @obj itself (@nets NULL) */
static void by_label(FILE *f, const char *name, const char *help,
		     const char *lname, json_t *obj, json_t *nets,
		     const char *sub)
{
	const char *k;
	json_t *v, *n;
	size_t i;

	family(f, name, "counter", help);
	if (!nets) {
		json_object_foreach(obj, k, v) {
			fprintf(f, "%s{%s=\"", name, lname);
			label(f, k);
			fprintf(f, "\"} %lld\n", (long long)json_integer_value(v));
		}
		return;
	}
	json_array_foreach(nets, i, n) {
		json_t *d = json_object_get(n, "dhcp");

		if (!json_is_object(d))
			continue;
		json_object_foreach(json_object_get(d, sub), k, v) {
			fprintf(f, "%s{network=\"", name);
			label(f, json_string_value(json_object_get(n, "name")));
			fprintf(f, "\",%s=\"", lname);
			label(f, k);
			fprintf(f, "\"} %lld\n", (long long)json_integer_value(v));
		}
	}
}

/* one gauge per network, from the number (or boolean) @key in the network's
 * object, its "dhcp" object (@in_dhcp) or the object @sub in that */
static void per_net(FILE *f, const char *name, const char *help,
		    json_t *nets, bool in_dhcp, const char *sub,
		    const char *key)
{
	json_t *n, *o, *v;
	size_t i;

	family(f, name, "gauge", help);
	json_array_foreach(nets, i, n) {
		o = in_dhcp ? json_object_get(n, "dhcp") : n;
		if (sub)
			o = json_object_get(o, sub);
		v = json_object_get(o, key);
		if (!v)
			continue;
		fprintf(f, "%s{network=\"", name);
		label(f, json_string_value(json_object_get(n, "name")));
		fprintf(f, "\"} %lld\n", json_is_boolean(v) ?
			(long long)json_is_true(v) :
			(long long)json_integer_value(v));
	}
}

/**
 * prom_print() - write the answer of "stats" as Prometheus metrics
 * @f:		where
 * @res:	the answer: {"engine": {...}, "networks": [...]}
 */
void prom_print(FILE *f, json_t *res)
{
	json_t *e = json_object_get(res, "engine");
	json_t *nets = json_object_get(res, "networks");
	json_t *lim = json_object_get(e, "limits"), *n;
	static const char *const protos[] = { "tcp", "udp", "icmp" };
	size_t i, j;

	for (i = 0; i < sizeof(engine_metrics) / sizeof(engine_metrics[0]);
	     i++) {
		if (!json_object_get(e, engine_metrics[i].key))
			continue;
		family(f, engine_metrics[i].name,
		       engine_metrics[i].counter ? "counter" : "gauge",
		       engine_metrics[i].help);
		fprintf(f, "%s %lld\n", engine_metrics[i].name,
			(long long)num(e, engine_metrics[i].key));
	}
	for (i = 0; lim && i < sizeof(limit_metrics) /
				   sizeof(limit_metrics[0]); i++) {
		if (!json_object_get(lim, limit_metrics[i].key))
			continue;
		family(f, limit_metrics[i].name, "gauge",
		       limit_metrics[i].help);
		fprintf(f, "%s %lld\n", limit_metrics[i].name,
			(long long)num(lim, limit_metrics[i].key));
	}
	by_label(f, "hostnat_drops_total", "Packets dropped, by reason.",
		 "reason", json_object_get(e, "drops"), NULL, NULL);

	family(f, "hostnat_network_sessions", "gauge",
	       "Sessions of a network, by protocol.");
	json_array_foreach(nets, i, n) {
		for (j = 0; j < 3; j++) {
			fprintf(f, "hostnat_network_sessions{network=\"");
			label(f, json_string_value(json_object_get(n, "name")));
			fprintf(f, "\",proto=\"%s\"} %lld\n", protos[j],
				(long long)num(n, protos[j]));
		}
	}
	per_net(f, "hostnat_network_mappings",
		"Static and dynamic mappings that the network's administrator "
		"made.", nets, false, NULL, "mappings");
	per_net(f, "hostnat_dhcp_running",
		"1 when the network's DHCP server listens.", nets, true, NULL,
		"running");
	by_label(f, "hostnat_dhcp_received_total",
		 "DHCP messages received, by type.", "type", NULL, nets,
		 "received");
	by_label(f, "hostnat_dhcp_sent_total", "DHCP replies sent, by type.",
		 "type", NULL, nets, "sent");
	by_label(f, "hostnat_dhcp_drops_total",
		 "DHCP messages dropped, by reason.", "reason", NULL, nets,
		 "drops");
	by_label(f, "hostnat_dhcp_malformed_total",
		 "DHCP messages that could not be parsed, by fault.", "fault",
		 NULL, nets, "malformed");
	per_net(f, "hostnat_dhcp_pool_leases",
		"Addresses leased or in quarantine (DHCP's share in use).",
		nets, true, "pool", "share");
	per_net(f, "hostnat_dhcp_pool_leases_max",
		"Addresses DHCP may lease (its share of the pool).", nets,
		true, "pool", "max_share");
}
