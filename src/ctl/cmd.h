/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - cmd.h: the API's commands, applied to engine, kernel and state
 */
#ifndef HOSTNAT_CMD_H
#define HOSTNAT_CMD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dp.h"
#include "ipam.h"
#include "model.h"
#include "nat.h"
#include "req.h"


/**
 * struct cmd_ctx - what the commands work on
 * @nat:	the engine
 * @dp:		the datapath
 * @state_dir:	directory of the state file
 * @cur:	the configuration in force (engine, kernel and file agree)
 * @next:	the configuration a request is building
 * @dps:	the kernel state handed to dp_sync()
 * @host:	the host's addresses and routes, from dp_host_addrs()
 * @pool:	each network's address pool, by slot of @cur (NULL: none)
 * @dhcpd:	the DHCP servers (NULL when not serving: tools, fuzzing)
 * @overlaps:	last overlaps logged, one per line
 * @bind:	source bindings handed to dp_sync() (@dps.bind), allocated
 *		once with DP_MAX_BINDS entries
 * @bind_stale:	the last push of bindings failed: push again
 * @closed_why:	per slot of @cur, why a closed network is closed
 */
struct cmd_ctx {
	struct nat *nat;
	struct dp *dp;
	char state_dir[PATH_MAX];
	struct model cur;
	struct model next;
	struct dp_state dps;
	struct dp_addr *host;	/* the host's addresses and routes */
	unsigned nhost_room;	/* entries @host has room for */
	struct ipam *pool[DP_MAX_NETS];
	struct dhcpd *dhcpd;
	char overlaps[4096];
	struct dp_bind *bind;
	bool bind_stale;
	char closed_why[DP_MAX_NETS][CTL_ERR_MAX];
};

/**
 * struct cmd_sess_iter - a page of session.list being made
 * @id:			network id to list, -1 for all
 * @has_proto:		list only @proto
 * @proto:		enum nat_proto
 * @has_internal:	list only sessions of @int_addr
 * @int_addr:		endpoint address
 * @next:		slot of the session table to look at next
 * @left:		sessions still to give in this page
 * @end:		the table was looked at to its end
 */
struct cmd_sess_iter {
	int id;
	bool has_proto;
	uint8_t proto;
	bool has_internal;
	uint32_t int_addr;
	uint32_t next;
	uint32_t left;
	bool end;
};

/* given each session of a page as SESSION (not consumed): 0 or -errno */
typedef int (*cmd_sess_fn)(json_t *session, void *ctx);

int cmd_session_begin(struct cmd_ctx *x, const struct ctl_req *r,
		      struct cmd_sess_iter *it, char *err, size_t errlen);
int cmd_session_step(struct cmd_ctx *x, struct cmd_sess_iter *it,
		     uint32_t slots, uint32_t max, cmd_sess_fn fn, void *ctx);
int cmd_load(struct cmd_ctx *x, bool default_network, char *err,
	     size_t errlen);
int cmd_exec(struct cmd_ctx *x, const struct ctl_req *r, json_t **result,
	     char *err, size_t errlen);
char *cmd_handle(struct cmd_ctx *x, const char *line, size_t len,
		 bool *drop);
void cmd_close(struct cmd_ctx *x);
int lease_exec(struct cmd_ctx *x, const struct ctl_req *r, json_t **res,
	       char *err, size_t errlen);
int attach_exec(struct cmd_ctx *x, const struct ctl_req *r, json_t **res,
		  char *err, size_t errlen);
void attach_check(struct cmd_ctx *x);
void attach_del_all(struct cmd_ctx *x, unsigned slot);
int cmd_net_pool(struct cmd_ctx *x, const char *net, int *slot, char *err,
		 size_t errlen);
uint64_t cmd_now_ms(void);
void cmd_host_changed(struct cmd_ctx *x);
void cmd_bindings_changed(struct cmd_ctx *x);
typedef json_t *(*cmd_entry_fn)(struct cmd_ctx *x, unsigned slot,
				const struct ipam_entry *e);
int cmd_pool_list(struct cmd_ctx *x, const struct ctl_req *r, unsigned kinds,
		  cmd_entry_fn fn, json_t **res, char *err, size_t errlen);

#endif /* HOSTNAT_CMD_H */
