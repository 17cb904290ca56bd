/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - pool.c: each network's address pool, its file and its JSON
 *
 * Theory of operation
 * -------------------
 * Every network has one address pool (src/svc/ipam.c) over its first
 * prefix, if that prefix is /8 to /30 (IPAM_PLEN_MIN, IPAM_PLEN_MAX); the
 * other prefixes are routed, not managed. The gateway ("gateway") and the
 * host's stand-in address ("host") are system entries of the pool, so that
 * nothing else is ever given them. DHCP leases, reservations and endpoint
 * addresses are drawn from the same pool.
 *
 * The pool lives in the state directory next to state.json, as
 * leases-<network>.txt in ipam_save()'s text format, written atomically
 * like the state file (temporary file, fsync(), rename(), fsync() of the
 * directory). A network's file is read when the daemon starts and removed
 * with the network. A file that does not load is refused with its line and
 * the problem, and never overwritten, as the state file is.
 *
 * Lease times are seconds of the wall clock (pool_now()): the file holds
 * absolute expiry times, which must mean the same after a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "pool.h"

#define POOL_ERR_MAX 256	/* bytes of an ipam_load() message */

static void pool_path(char *buf, size_t size, const char *dir,
		      const char *net, bool tmp)
{
	snprintf(buf, size, "%s/%s" POOL_FILE_PREFIX "%s" POOL_FILE_SUFFIX
		 "%s", dir, tmp ? "." : "", net, tmp ? ".tmp" : "");
}

/**
 * pool_now() - the clock of leases: wall clock seconds
 *
 * Return: seconds since the epoch
 */
int64_t pool_now(void)
{
	return (int64_t)time(NULL);
}

/* keep the gateway and the host's stand-in out of the pool */
static int pool_system(struct ipam *p, const struct model_net *n, char *err,
		       size_t errlen)
{
	const struct {
		uint32_t addr;
		const char *name;
	} sys[] = {
		{ n->cfg.gateway, "gateway" },
		{ n->cfg.host_addr, "host" },
	};
	char a[LIB_ADDR_LEN];
	unsigned i;
	int ret;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		if (!sys[i].addr || !ipam_contains(p, sys[i].addr))
			continue;
		ret = ipam_system_add(p, sys[i].addr, sys[i].name);
		if (!ret)
			continue;
		lib_addr_fmt(a, sys[i].addr);
		snprintf(err, errlen, "network '%s': cannot keep %s address "
			 "%s in the pool: %s; free it (hostnat lease del or "
			 "endpoint del) or move the leases file away",
			 n->cfg.name, sys[i].name, a, ret == -EADDRINUSE ?
			 "it is given to someone else" : strerror(-ret));
		return ret;
	}
	return 0;
}

/**
 * pool_open() - make a network's pool, optionally from its file
 * @out:	the pool, or NULL when the network's first prefix is too short
 *		or too long for a pool
 * @n:		network, with prefixes, gateway and host address set
 * @dir:	state directory
 * @load:	read leases-<network>.txt if it exists
 * @err:	message on failure, naming the file and the problem
 * @errlen:	room at @err
 *
 * Return: 0, -EINVAL (a file that does not load), -errno
 */
int pool_open(struct ipam **out, const struct model_net *n, const char *dir,
	      bool load, char *err, size_t errlen)
{
	struct ipam_config cfg = { 0 };
	char path[PATH_MAX], why[POOL_ERR_MAX];
	struct ipam *p = NULL;
	FILE *f = NULL;
	int ret;

	*out = NULL;
	if (!n->nprefix || n->plen[0] < IPAM_PLEN_MIN ||
	    n->plen[0] > IPAM_PLEN_MAX)
		return 0;
	cfg.net = n->prefix[0];
	cfg.plen = n->plen[0];
	cfg.max_per_mac = n->svc.dhcp_client_limit;
	if (getrandom(&cfg.hash_seed, sizeof(cfg.hash_seed), GRND_NONBLOCK) !=
	    sizeof(cfg.hash_seed))
		cfg.hash_seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	ret = ipam_create(&p, &cfg);
	if (ret) {
		snprintf(err, errlen, "network '%s': cannot create its address "
			 "pool: %s", n->cfg.name, strerror(-ret));
		return ret;
	}
	pool_path(path, sizeof(path), dir, n->cfg.name, false);
	if (load)
		f = fopen(path, "re");
	if (!f && load && errno != ENOENT) {
		ret = -errno;
		snprintf(err, errlen, "cannot read leases file %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	if (f) {
		ret = ipam_load_file(p, f, why, sizeof(why));
		fclose(f);
		if (ret) {
			snprintf(err, errlen, "leases file %s is not valid: "
				 "%s; repair it or move it away (hostnatd "
				 "does not overwrite it)", path, why);
			goto fail;
		}
	}
	ret = pool_system(p, n, err, errlen);
	if (ret)
		goto fail;
	ipam_expire(p, pool_now());
	*out = p;
	return 0;
fail:
	ipam_destroy(p);
	return ret;
}

/**
 * pool_save() - write a network's pool atomically to its file
 * @p:		pool
 * @dir:	state directory
 * @net:	network name
 * @err:	message on failure
 * @errlen:	room at @err
 *
 * Return: 0, -errno
 */
int pool_save(const struct ipam *p, const char *dir, const char *net,
	      char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX], *text;
	ssize_t len = ipam_save(p, NULL, 0);
	int ret;

	pool_path(path, sizeof(path), dir, net, false);
	pool_path(tmp, sizeof(tmp), dir, net, true);
	text = len < 0 ? NULL : malloc((size_t)len + 1);
	if (!text || ipam_save(p, text, (size_t)len + 1) != len) {
		free(text);
		snprintf(err, errlen, "cannot write leases file %s: %s", path,
			 len < 0 ? strerror((int)-len) : "out of memory");
		return len < 0 ? (int)len : -ENOMEM;
	}
	ret = model_write_atomic(dir, path, tmp, text, (size_t)len,
				 "leases file", err, errlen);
	free(text);
	return ret;
}

/**
 * pool_remove() - remove a network's leases file (the network is gone)
 * @dir:	state directory
 * @net:	network name
 */
void pool_remove(const char *dir, const char *net)
{
	char path[PATH_MAX];

	pool_path(path, sizeof(path), dir, net, false);
	if (unlink(path) && errno != ENOENT)
		log_msg(LOG_WARNING, "cannot remove leases file %s: %s; "
			"remove it by hand", path, strerror(errno));
}

/**
 * pool_entry_json() - one entry of a pool as JSON
 * @e:		entry
 *
 * Return: {"kind", "address", "mac" (null: none), "name", "state" (null
 * unless a lease), "expiry" (s since the epoch, null: none)}, NULL if out
 * of memory
 */
json_t *pool_entry_json(const struct ipam_entry *e)
{
	char a[LIB_ADDR_LEN], mac[PARSE_MAC_LEN];

	lib_addr_fmt(a, e->addr);
	fmt_mac(mac, e->mac);
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}",
			 "kind", ipam_kind_name(e->kind),
			 "address", a,
			 "mac", e->has_mac ? json_string(mac) : json_null(),
			 "name", e->name,
			 "state", e->kind == IPAM_LEASE ?
				json_string(ipam_state_name(e->state)) :
				json_null(),
			 "expiry", e->expires ?
				json_integer((json_int_t)e->expires) :
				json_null());
}

/**
 * pool_json() - a pool as JSON
 * @p:		pool, or NULL
 *
 * Return: {"prefix", "size", "used", "free", "entries": [{"kind",
 * "address", "mac", "name", "state", "expiry"}]}, JSON null for no pool,
 * NULL if out of memory
 */
json_t *pool_json(const struct ipam *p)
{
	const struct ipam_entry *e;
	struct ipam_stats st;
	char px[PARSE_CIDR_LEN];
	json_t *o, *a;
	uint32_t pos = 0;

	if (!p)
		return json_null();
	ipam_stats(p, &st);
	fmt_cidr(px, ipam_net(p), ipam_plen(p));
	a = json_array();
	while (a && (e = ipam_iter(p, &pos))) {
		/* a free lease is remembered, not used: not listed */
		if (e->kind == IPAM_LEASE && e->state == IPAM_FREE)
			continue;
		if (json_array_append_new(a, pool_entry_json(e))) {
			json_decref(a);
			return NULL;
		}
	}
	o = json_pack("{s:s, s:I, s:I, s:I, s:o*}",
		      "prefix", px,
		      "size", (json_int_t)st.size,
		      "used", (json_int_t)st.used,
		      "free", (json_int_t)st.free,
		      "entries", a);
	return o;
}
