/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - model.h: the configuration, as JSON and in the state file
 */
#ifndef HOSTNAT_MODEL_H
#define HOSTNAT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dp.h"
#include "nat.h"
#include "req.h"

#define MODEL_VERSION 1		/* "version" of the state file */
#define MODEL_FILE "state.json"

/**
 * struct model_ext - an external address of a network
 * @is_if:	given as an interface: the address follows its primary IPv4
 *		address (looked up again at each start)
 * @given:	the interface name as given, when @is_if
 * @addr:	the address
 * @uplink:	interface that holds it
 * @lo:		first port of the dynamic range (TCP, UDP, ICMP ids)
 * @hi:		last port
 */
struct model_ext {
	bool is_if;
	char given[DP_IFNAMSIZ];
	uint32_t addr;
	char uplink[DP_IFNAMSIZ];
	uint16_t lo, hi;
};

/**
 * struct model_net - a NAT network
 * @used:	slot in use
 * @id:		the engine's id of it (not saved: the engine assigns it)
 * @cfg:	name, gateway, host address, timeouts, filtering
 * @svc:	settings of hostnat's own services (DHCP)
 * @bridge:	bridge interface
 * @own_bridge:	hostnat creates the bridge and deletes it with the network
 * @gw_plen:	prefix length of the gateway address on the bridge
 * @nprefix:	number of prefixes
 * @prefix:	internal prefixes, the first one is the main one
 * @plen:	their lengths
 * @next:	number of external addresses
 * @ext:	external addresses
 * @closed:	not saved: its leases file (or its bridge) could not be
 *		loaded at start; it is kept fail-closed (nothing of it in the
 *		engine but its name, no DHCP) until a restart loads it
 */
struct model_net {
	bool used;
	bool closed;
	unsigned id;
	struct nat_net_cfg cfg;
	struct parse_svc_cfg svc;
	char bridge[DP_IFNAMSIZ];
	bool own_bridge;
	uint8_t gw_plen;
	unsigned nprefix;
	uint32_t prefix[DP_NET_PREFIXES];
	uint8_t plen[DP_NET_PREFIXES];
	unsigned next;
	struct model_ext ext[CTL_NET_EXT_MAX];
};

/**
 * struct model_map - a mapping
 * @used:	slot in use
 * @dynamic:	the engine picked the external port (kept across restarts)
 * @net:	slot of its network in struct model
 * @m:		the mapping as the engine has it (@m.ext_port always set)
 * @owner:	who made it (a container id), "" for nobody in particular
 */
struct model_map {
	bool used;
	bool dynamic;
	uint8_t net;
	uint16_t nports;	/* ports in the range from m.ext_port and
				 * m.int_port; 0 or 1: one port */
	struct nat_map m;
	char owner[PARSE_OWNER_MAX];
};

/**
 * struct model - the whole configuration, in the order it was made
 * @net:	networks
 * @map:	mappings
 */
struct model {
	struct model_net net[DP_MAX_NETS];
	struct model_map map[DP_MAX_STATIC];
};

int model_net_find(const struct model *m, const char *name);
int model_net_free_slot(const struct model *m);
int model_map_free_slot(const struct model *m);
uint16_t model_map_last(const struct model_map *mm);
const char *model_net_name(const struct model *m, unsigned id);
int model_map_find(const struct model *m, unsigned net, uint8_t proto,
		   uint32_t ext_addr, uint16_t ext_port);
void model_host_addr(struct model_net *n);
int model_gateway_check(struct model_net *n, char *err, size_t errlen);

json_t *model_net_json(const struct model *m, unsigned net, bool maps);
json_t *model_map_json(const struct model *m, unsigned map);
json_t *model_ext_json(const struct model *m, unsigned net, unsigned ext);
json_t *model_json(const struct model *m);
int model_from_json(json_t *doc, struct model *m, char *err, size_t errlen);

int model_write_atomic(const char *dir, const char *path, const char *tmp,
		       const char *text, size_t len, const char *what,
		       char *err, size_t errlen);
int model_save(const struct model *m, const char *dir, char *err,
	       size_t errlen);
int model_load(struct model *m, const char *dir, char *err, size_t errlen);

#endif /* HOSTNAT_MODEL_H */
