/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - session.c: session.list, the engine's sessions a page at a time
 *
 * Theory of operation
 * -------------------
 * The session table may hold a million sessions; listing them is never
 * one answer made at once. A page is at most "limit" sessions (1 to
 * CTL_PAGE_MAX, CTL_PAGE_DEFAULT by default), filtered by network,
 * protocol and internal address; it ends with a cursor ("next": the slot
 * of the table to look at next, opaque to clients) unless the table was
 * looked at to its end. Since the cursor is a slot, not a session, pages
 * list every session that lives through them exactly once, however the
 * table changes between them; a page may be empty.
 *
 * The server makes a page in slices (session_begin(), then session_step()
 * with at most so many slots looked at and sessions given, between packet
 * bursts: ctl.c); session_list() makes one in one piece. Each session is
 * given as SESSION, the one JSON form of a session (sess_json()).
 */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"

/* one slice of a session listing: what sess_one() needs */
struct sess_ctx {
	const struct cmd_ctx *x;
	struct session_iter *it;
	uint32_t quota;		/* sessions this slice may still give */
	session_fn fn;
	void *ctx;
	int err;		/* what @fn returned, when it failed */
};

static json_t *jaddr(uint32_t a)
{
	char buf[LIB_ADDR_LEN];

	lib_addr_fmt(buf, a);
	return json_string(buf);
}

/* SESSION: the one JSON form of a session */
static json_t *sess_json(const struct cmd_ctx *x,
			 const struct nat_session_info *s)
{
	return json_pack("{s:s, s:s, s:o, s:i, s:o, s:i, s:o, s:i, s:s, s:b, "
			 "s:b, s:b, s:I, s:I, s:I}",
			 "network", model_net_name(&x->cur, s->net),
			 "proto", nat_proto_name(s->proto),
			 "internal_address", jaddr(s->int_addr),
			 "internal_port", (json_int_t)s->int_port,
			 "external_address", jaddr(s->ext_addr),
			 "external_port", (json_int_t)s->ext_port,
			 "remote_address", jaddr(s->rem_addr),
			 "remote_port", (json_int_t)s->rem_port,
			 "state", s->proto == NAT_TCP ?
				nat_tcp_state_name(s->tcp_state) : "active",
			 "inbound", s->inbound,
			 "static", s->static_map,
			 "hairpin", s->hairpin,
			 "age", (json_int_t)s->age,
			 "idle", (json_int_t)s->idle,
			 "expires", (json_int_t)s->expires);
}

/* 1 stops the walk before @s: the page or the slice is full */
static int sess_one(const struct nat_session_info *s, void *ctx)
{
	struct sess_ctx *c = ctx;
	struct session_iter *it = c->it;
	json_t *o;
	int ret;

	if ((it->id >= 0 && s->net != it->id) ||
	    (it->has_proto && s->proto != it->proto) ||
	    (it->has_internal && s->int_addr != it->int_addr))
		return 0;
	if (!it->left || !c->quota)
		return 1;
	o = sess_json(c->x, s);
	ret = o ? c->fn(o, c->ctx) : -ENOMEM;
	json_decref(o);
	if (ret) {
		c->err = ret < 0 ? ret : -EIO;
		return 1;
	}
	it->left--;
	c->quota--;
	return 0;
}

/**
 * session_begin() - check a session.list request and set up its page
 * @x:		context
 * @r:		the request (CMD_SESSION_LIST)
 * @it:		filled in: filters, start (@r->after), @r->limit sessions
 *
 * Return: 0, -ENOENT (no such network; @x->ack says so)
 */
int session_begin(struct cmd_ctx *x, const struct ctl_req *r,
		  struct session_iter *it)
{
	int slot = cmd_list_filter(x, r);

	if (slot < 0 && r->has_net)
		return slot;
	*it = (struct session_iter){
		.id = slot >= 0 ? (int)x->cur.net[slot].id : -1,
		.has_proto = r->has_proto,
		.proto = r->proto,
		.has_internal = r->has_internal,
		.int_addr = r->int_addr,
		.next = r->has_after ? r->after : 0,
		.left = r->limit ? r->limit : CTL_PAGE_DEFAULT,
	};
	return 0;
}

/**
 * session_step() - list the next sessions of a page: at most @slots
 * slots of the session table looked at and @max sessions given, so that
 * a page is made in slices between packet bursts
 * @x:		context
 * @it:		the page, from session_begin()
 * @slots:	slots of the table to look at, at most (at least 1)
 * @max:	sessions to give, at most (at least 1)
 * @fn:		called with each session (SESSION); non-zero fails the step
 * @ctx:	passed to @fn
 *
 * Return: 1 when the page is complete (@it->end: no more sessions after
 * it; else @it->next is the "next" cursor), 0 when there is more to do,
 * -errno
 */
int session_step(struct cmd_ctx *x, struct session_iter *it, uint32_t slots,
		 uint32_t max, session_fn fn, void *ctx)
{
	struct sess_ctx c = { .x = x, .it = it, .quota = max, .fn = fn,
			      .ctx = ctx };
	uint32_t next;

	if (it->end || !it->left)
		return 1;
	next = nat_session_walk_from(x->nat, cmd_now_ms(), it->next, slots,
				     sess_one, &c);
	if (c.err)
		return c.err;
	it->next = next;
	it->end = !next;
	return it->end || !it->left;
}

static int sess_append(json_t *o, void *ctx)
{
	return json_array_append(ctx, o);
}

/**
 * session_list() - session.list: one page in one piece
 * @x:		context
 * @r:		the request
 * @res:	the result on success
 *
 * The server (ctl.c) answers a page in slices, with session_begin() and
 * session_step(); this is the page in one piece, for cmd_handle().
 *
 * Return: 0, -errno
 */
int session_list(struct cmd_ctx *x, const struct ctl_req *r, json_t **res)
{
	struct session_iter it;
	json_t *list;
	int ret = session_begin(x, r, &it);

	if (ret)
		return ret;
	list = json_array();
	if (!list)
		return -ENOMEM;
	while (!(ret = session_step(x, &it, UINT32_MAX, UINT32_MAX,
				    sess_append, list)))
		;
	if (ret < 0) {
		json_decref(list);
		return ret;
	}
	*res = list;
	return 0;
}

