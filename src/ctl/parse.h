/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - parse.h: parsers of the words of the API and the command line
 */
#ifndef HOSTNAT_PARSE_H
#define HOSTNAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "nat.h"

#define PARSE_IFNAMSIZ 16	/* bytes, with the NUL: Linux IFNAMSIZ */
#define PARSE_CIDR_LEN 19	/* bytes of "255.255.255.255/32" and NUL */
#define PARSE_NETNS_MAX 128	/* bytes, with NUL: netns name or path */
#define PARSE_MAC_LEN 18	/* bytes of "aa:bb:cc:dd:ee:ff" and NUL */
#define PARSE_OWNER_MAX 129	/* bytes, with NUL: an owner (container id) */
#define PARSE_PORT_LO_DEFAULT 49152 /* RFC 6335 dynamic ports */
#define PARSE_PORT_HI_DEFAULT 65535

/**
 * enum parse_setting - the keys of "network set"
 */
enum parse_setting {
	SET_UDP_TIMEOUT = 0,
	SET_TCP_EST_TIMEOUT,
	SET_TCP_TRANS_TIMEOUT,
	SET_ICMP_TIMEOUT,
	SET_TCP_FILTERING,
	SET_UDP_FILTERING,
	SET_UDP_INBOUND_REFRESH,
	SET_DHCP,
	SET_DHCP_LEASE_TIME,
	SET_DHCP_CLIENT_LIMIT,
	SET_ISOLATION,
	SET_SOURCE_BINDING,
	SET_PORT_SHARE,		/* nat_net_cfg.port_share */
	SET_UDP_UNANSWERED_TIMEOUT, /* nat_timeouts.udp_unanswered */
	SET_INBOUND_UNANSWERED_TIMEOUT, /* nat_timeouts.inbound_unanswered */
	SET_MAPPING_INBOUND_LIMIT, /* nat_net_cfg.map_inbound_max */
	SET_REMOTE_INBOUND_LIMIT, /* nat_net_cfg.remote_inbound_max */
	SET_ENDPOINT_ADDRESSES,	/* parse_svc_cfg.endpoint_addresses */
	SET_NKEYS
};

/* units of a setting's value (parse_setting_unit()) */
#define PARSE_UNIT_S "s"		/* seconds */
#define PARSE_UNIT_COUNT "count"	/* a number of things */
#define PARSE_UNIT_FRACTION "fraction"	/* N: 1/N of a whole */

#define PARSE_DHCP_LEASE_DEFAULT 3600 /* s, as DHCP_LEASE_DEFAULT */
#define PARSE_DHCP_LEASE_MIN 60 /* s, as DHCP_LEASE_MIN */
#define PARSE_DHCP_LEASE_MAX 31536000 /* s, as DHCP_LEASE_MAX: one year */
#define PARSE_DHCP_CLIENT_LIMIT_DEFAULT 4 /* leases per client MAC */
#define PARSE_DHCP_CLIENT_LIMIT_MAX 1024
#define PARSE_ENDPOINT_ADDRESSES_DEFAULT 4 /* addresses per bridge port */
#define PARSE_ENDPOINT_ADDRESSES_MAX 8	/* = the BPF program's slots */

/**
 * struct parse_svc_cfg - a network's settings that are hostnat's own, not
 * the engine's (the services of src/svc)
 * @dhcp:		the DHCP server runs on the network's bridge (0/1)
 * @dhcp_lease_time:	s, lease time the DHCP server gives
 * @dhcp_client_limit:	leases one client (MAC address) may hold at once
 * @isolation:		nothing routes between this network and another (0/1)
 * @source_binding:	an address hostnat gave out may be used as a source
 *			only by the MAC address it was given to (0/1)
 * @endpoint_addresses:	with @source_binding, how many addresses that
 *			hostnat did not give out one bridge port may send from
 *			(each is its alone while in use: per-endpoint limits
 *			stay per endpoint)
 */
struct parse_svc_cfg {
	uint32_t dhcp;
	uint32_t dhcp_lease_time;
	uint32_t dhcp_client_limit;
	uint32_t isolation;
	uint32_t source_binding;
	uint32_t endpoint_addresses;
};

int parse_addr(const char *what, const char *s, uint32_t *addr, char *err,
	       size_t errlen);
int parse_cidr(const char *what, const char *s, uint32_t *addr,
	       uint8_t *plen, char *err, size_t errlen);
int parse_port(const char *what, const char *s, uint16_t *port, char *err,
	       size_t errlen);
int parse_range(const char *what, const char *s, uint16_t *lo, uint16_t *hi,
		char *err, size_t errlen);
int parse_ports(const char *what, const char *s, uint16_t *lo, uint16_t *hi,
		char *err, size_t errlen);
int parse_addr_ports(const char *what, const char *s, uint32_t *addr,
		     uint16_t *lo, uint16_t *hi, char *err, size_t errlen);
int parse_addr_port(const char *what, const char *s, uint32_t *addr,
		    uint16_t *port, char *err, size_t errlen);
int parse_name(const char *s, char *err, size_t errlen);
int parse_ifname(const char *what, const char *s, char *err, size_t errlen);
int parse_proto(const char *s, bool icmp, uint8_t *proto, char *err,
		size_t errlen);
int parse_uint(const char *s, uint32_t max, uint32_t *v);
int parse_netns(const char *s, char *err, size_t errlen);
int parse_owner(const char *what, const char *s, char *err, size_t errlen);
int parse_mac(const char *what, const char *s, uint8_t mac[6], char *err,
	      size_t errlen);
void fmt_mac(char buf[PARSE_MAC_LEN], const uint8_t mac[6]);

int parse_setting_key(const char *s, enum parse_setting *key, char *err,
		      size_t errlen);
const char *parse_setting_name(enum parse_setting key);
bool parse_setting_is_number(enum parse_setting key);
bool parse_setting_is_bool(enum parse_setting key);
void parse_svc_default(struct parse_svc_cfg *svc);
int parse_setting_value(enum parse_setting key, const char *s, uint32_t *v,
			char *err, size_t errlen);
void parse_setting_get(const struct nat_net_cfg *cfg,
		       const struct parse_svc_cfg *svc, enum parse_setting key,
		       uint32_t *v);
void parse_setting_put(struct nat_net_cfg *cfg, struct parse_svc_cfg *svc,
		       enum parse_setting key, uint32_t v);
const char *parse_setting_str(enum parse_setting key, uint32_t v);
const char *parse_setting_help(enum parse_setting key);
const char *parse_setting_unit(enum parse_setting key);
void parse_setting_fmt(enum parse_setting key, uint32_t v, char *buf,
		       size_t len);

void fmt_cidr(char buf[PARSE_CIDR_LEN], uint32_t addr, unsigned plen);

#endif /* HOSTNAT_PARSE_H */
