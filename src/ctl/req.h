/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - req.h: one API request line, parsed and validated
 */
#ifndef HOSTNAT_REQ_H
#define HOSTNAT_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "nat.h"
#include "parse.h"

#define CTL_REQ_MAX 65536	/* bytes of one request line, newline included */
#define CTL_ERR_MAX 512		/* bytes of one error message */
#define CTL_NET_EXT_MAX 16	/* external addresses per network (engine) */
#define CTL_PROTOCOL 1		/* version of the JSON protocol */
#define CTL_PAGE_DEFAULT 1000	/* sessions per session.list page */
#define CTL_PAGE_MAX 100000	/* sessions per page at most */
#define CTL_CURSOR_MAX 16	/* bytes of a page cursor, NUL included */

/**
 * enum ctl_cmd - the commands of the API
 */
enum ctl_cmd {
	CMD_PING = 0,
	CMD_VERSION,
	CMD_NET_ADD,
	CMD_NET_DEL,
	CMD_NET_LIST,
	CMD_NET_SHOW,
	CMD_NET_SET,
	CMD_MAP_ADD,
	CMD_MAP_DEL,
	CMD_MAP_LIST,
	CMD_EXT_ADD,
	CMD_EXT_DEL,
	CMD_EXT_LIST,
	CMD_SESSION_LIST,
	CMD_STATS,
	CMD_LEASE_ADD,
	CMD_LEASE_DEL,
	CMD_LEASE_LIST,
	CMD_ENDPOINT_ADD,
	CMD_ENDPOINT_DEL,
	CMD_ENDPOINT_LIST,
	CMD_MONITOR,
	CMD_N
};

/**
 * struct ctl_ext_spec - an external address as asked for
 * @is_if:	@ifname names an interface: its primary IPv4 address is meant
 * @ifname:	the interface, when @is_if
 * @addr:	the address, when !@is_if
 * @has_ports:	a port range was given
 * @lo:		first port of the dynamic range
 * @hi:		last port
 */
struct ctl_ext_spec {
	bool is_if;
	char ifname[PARSE_IFNAMSIZ];
	uint32_t addr;
	bool has_ports;
	uint16_t lo, hi;
};

/**
 * struct ctl_req - a validated request; which members mean something
 * depends on @cmd (and on the has_ flags)
 * @cmd:		the command
 * @has_net:		@net was given
 * @net:		network name ("name" or "network" argument)
 * @has_prefixes:	@prefix was given
 * @nprefix:		number of prefixes
 * @prefix:		prefixes (network.add)
 * @plen:		their lengths
 * @has_bridge:		@bridge was given
 * @bridge:		bridge interface (network.add)
 * @has_gateway:	@gateway was given
 * @gateway:		gateway address (network.add)
 * @has_externals:	@ext was given (network.add; an empty list: none)
 * @has_dhcp:		@dhcp was given
 * @dhcp:		DHCP server on (network.add)
 * @next:		number of external addresses
 * @ext:		external addresses (network.add: several; external.*:
 *			one)
 * @key:		setting (network.set)
 * @value:		its value, see parse_setting_value()
 * @has_proto:		@proto was given
 * @proto:		enum nat_proto (map.*, session.list)
 * @has_internal:	@int_addr (and for map.add @int_port) was given
 * @int_addr:		internal address
 * @int_port:		internal port
 * @int_port_hi:	last internal port of a range (map.add; @int_port
 *			for one port)
 * @has_ext_port:	@ext_port was given
 * @ext_port:		external port (map.*)
 * @ext_port_hi:	last external port of a range (map.*; @ext_port for
 *			one port)
 * @has_ext_addr:	@ext_addr was given
 * @ext_addr:		external address (map.*)
 * @remote_addr:	remote restriction (map.add), 0/0 for any
 * @remote_plen:	its length
 * @limit:		sessions in this page (session.list), 1 to
 *			CTL_PAGE_MAX, CTL_PAGE_DEFAULT when not given
 * @has_after:		@after was given
 * @after:		where the page starts: the "next" cursor of the
 *			previous page, opaque to clients (session.list)
 * @has_mac:		@mac was given
 * @mac:		MAC address (lease.*)
 * @has_addr:		@addr was given
 * @addr:		address (lease.add, endpoint.add)
 * @has_netns:		@netns was given
 * @netns:		network namespace (endpoint.*)
 * @has_ifname:		@ifname was given
 * @ifname:		interface inside the namespace (endpoint.*)
 * @has_owner:		@owner was given
 * @owner:		who makes or owns it, a container id (endpoint.add,
 *			map.add); delete everything of that owner
 *			(endpoint.del, map.del)
 */
struct ctl_req {
	enum ctl_cmd cmd;
	bool has_net;
	char net[NAT_NAME_MAX];
	bool has_prefixes;
	unsigned nprefix;
	uint32_t prefix[DP_NET_PREFIXES];
	uint8_t plen[DP_NET_PREFIXES];
	bool has_bridge;
	char bridge[PARSE_IFNAMSIZ];
	bool has_gateway;
	uint32_t gateway;
	bool has_externals;
	bool has_dhcp;
	bool dhcp;
	unsigned next;
	struct ctl_ext_spec ext[CTL_NET_EXT_MAX];
	enum parse_setting key;
	uint32_t value;
	bool has_proto;
	uint8_t proto;
	bool has_internal;
	uint32_t int_addr;
	uint16_t int_port;
	uint16_t int_port_hi;
	bool has_ext_port;
	uint16_t ext_port;
	uint16_t ext_port_hi;
	bool has_ext_addr;
	uint32_t ext_addr;
	uint32_t remote_addr;
	uint8_t remote_plen;
	uint32_t limit;
	bool has_after;
	uint32_t after;
	bool has_mac;
	uint8_t mac[6];
	bool has_addr;
	uint32_t addr;
	bool has_netns;
	char netns[PARSE_NETNS_MAX];
	bool has_ifname;
	char ifname[PARSE_IFNAMSIZ];
	bool has_owner;
	char owner[PARSE_OWNER_MAX];
};

int ctl_req_parse(const char *line, size_t len, struct ctl_req *req,
		  char *err, size_t errlen);
const char *ctl_cmd_name(enum ctl_cmd cmd);
const char *ctl_cmd_arg(enum ctl_cmd cmd, unsigned i, bool *required);
int ctl_ext_spec_parse(const char *what, const char *s,
		       struct ctl_ext_spec *e, char *err, size_t errlen);

#endif /* HOSTNAT_REQ_H */
