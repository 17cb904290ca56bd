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
 * struct ctl_ack - why the request being carried out was refused: one
 * message in one place, as the kernel's struct netlink_ext_ack carries it
 * @msg:	one line; "" while nothing failed
 *
 * cmd_exec() clears it, the handler and its helpers set it with ctl_err()
 * (a later message replaces an earlier one, as the snprintf() into the
 * caller's buffer it replaces did), cmd_exec() hands it to the caller. A
 * step whose failure must not replace the request's message (a roll-back)
 * keeps a copy and puts it back.
 */
struct ctl_ack {
	char msg[CTL_ERR_MAX];
};

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
 * @monitors:	clients subscribed to events (ctl.c); 0: no event is made
 * @emit:	hands one event line (no newline) to every monitor
 * @emit_ctx:	passed to @emit
 * @ack:	the message of the request being carried out (ctl_err())
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
	bool host_again;	/* the host could not be listed: look again */
	struct dp_bind *bind;
	bool bind_stale;
	char closed_why[DP_MAX_NETS][CTL_ERR_MAX];
	unsigned monitors;
	void (*emit)(void *ctx, const char *line);
	void *emit_ctx;
	struct ctl_ack ack;
};

/* @x->ack's buffer, for a parser or a layer below that takes one */
#define CTL_ACK_BUF(x) (x)->ack.msg, sizeof((x)->ack.msg)

/*
 * A command's handler: carry out a validated request. Every command of
 * enum ctl_cmd has one, in the table of cmd.c.
 * @x:		context; @x->next is a copy of @x->cur to change
 * @r:		the request
 * @res:	the result on success
 * Return: 0, -errno (nothing changed; @x->ack says why)
 */
typedef int (*cmd_fn)(struct cmd_ctx *x, const struct ctl_req *r,
		      json_t **res);

/* handover.c: the sessions one daemon leaves the next */
long handover_save(struct nat *nat, const char *dir);
long handover_load(struct nat *nat, const char *dir);
long handover_apply(struct nat *nat, const uint8_t *p, size_t len,
		    const char *path);

/* cmd.c: the transaction, the state at start, what the commands share */
int cmd_load(struct cmd_ctx *x, bool default_network, char *err,
	     size_t errlen);
int cmd_exec(struct cmd_ctx *x, const struct ctl_req *r, json_t **result,
	     char *err, size_t errlen);
char *cmd_handle(struct cmd_ctx *x, const char *line, size_t len,
		 bool *drop);
void cmd_close(struct cmd_ctx *x);
void ctl_err(struct cmd_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ctl_err_nat(struct cmd_ctx *x);
int cmd_commit(struct cmd_ctx *x);
void cmd_bindings_changed(struct cmd_ctx *x);
uint64_t cmd_now_ms(void);
int cmd_net_lookup(struct cmd_ctx *x, const char *name);
int cmd_net_lookup_open(struct cmd_ctx *x, const char *name);
int cmd_list_filter(struct cmd_ctx *x, const struct ctl_req *r);
int cmd_net_pool(struct cmd_ctx *x, const char *net, int *slot);
typedef json_t *(*cmd_entry_fn)(struct cmd_ctx *x, unsigned slot,
				const struct ipam_entry *e);
int cmd_pool_list(struct cmd_ctx *x, const struct ctl_req *r, unsigned kinds,
		  cmd_entry_fn fn, json_t **res);

/* net.c: network.add, del, list, show, set */
int net_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int net_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int net_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int net_show(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int net_set(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int net_apply(struct cmd_ctx *x, struct model *m, unsigned slot);
int net_bridge_check(struct cmd_ctx *x, const struct model *m,
		     unsigned slot, const char *name);

/* ext.c: external.add, del, list */
int ext_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int ext_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int ext_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int ext_resolve(struct cmd_ctx *x, const struct ctl_ext_spec *s,
		struct model_ext *e);
void ext_refresh(struct cmd_ctx *x, struct model *m);

/* mapping.c: map.add, del, list; a mapping of the model in the engine */
#define MAPPING_HOST_ONLY 0x7f000001u	/* 127.0.0.1: for the host only */
int mapping_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int mapping_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int mapping_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
unsigned mapping_nports(const struct model_map *mm);
int mapping_engine_add(struct cmd_ctx *x, unsigned id, struct model_map *mm);

/* host.c: the networks' prefixes against the host's addresses and routes */
int host_check(struct cmd_ctx *x, const struct model *m, const char *bridge,
	       uint32_t prefix, unsigned plen, json_t *list);
int host_closed_overlap(struct cmd_ctx *x, const struct model *m,
			uint32_t prefix, unsigned plen);
int host_auto_prefix(struct cmd_ctx *x, const struct model *m,
		     const char *bridge, uint32_t *prefix, uint8_t *plen);
int host_overlaps(struct cmd_ctx *x, const struct model_net *n, json_t *list);
void host_overlaps_known(struct cmd_ctx *x, const struct model_net *n,
			 json_t *list);
void host_changed(struct cmd_ctx *x);
void host_warn_overlaps(struct cmd_ctx *x, const struct model *m);

/* session.c: session.list, a page at a time or in slices (ctl.c) */

/**
 * struct session_iter - a page of session.list being made
 * @id:			network id to list, -1 for all
 * @has_proto:		list only @proto
 * @proto:		enum nat_proto
 * @has_internal:	list only sessions of @int_addr
 * @int_addr:		endpoint address
 * @next:		slot of the session table to look at next
 * @left:		sessions still to give in this page
 * @end:		the table was looked at to its end
 */
struct session_iter {
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
typedef int (*session_fn)(json_t *session, void *ctx);

int session_begin(struct cmd_ctx *x, const struct ctl_req *r,
		  struct session_iter *it);
int session_step(struct cmd_ctx *x, struct session_iter *it, uint32_t slots,
		 uint32_t max, session_fn fn, void *ctx);
int session_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);

/* stats.c: stats */
int stats_show(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
void stats_count(struct cmd_ctx *x, unsigned count[DP_MAX_NETS][NAT_NPROTO]);

/* lease.c: lease.add, del, list */
int lease_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int lease_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int lease_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);

/* attach.c: endpoint.add, del, list */
int attach_add(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int attach_del(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
int attach_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res);
void attach_check(struct cmd_ctx *x);
void attach_del_all(struct cmd_ctx *x, unsigned slot);

/* events.c: what monitors are told */
void ev_emit(struct cmd_ctx *x, json_t *o);
void ev_drain(struct cmd_ctx *x);
void ev_cmd(struct cmd_ctx *x, const struct ctl_req *r, const json_t *res);
void ev_overlap(struct cmd_ctx *x, const char *net, const char *what);
void ev_lease(struct cmd_ctx *x, const char *net, bool bound, uint32_t addr,
	      const uint8_t mac[6]);

#endif /* HOSTNAT_CMD_H */
