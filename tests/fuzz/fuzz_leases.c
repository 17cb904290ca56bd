// SPDX-License-Identifier: GPL-2.0-or-later
/* hostnat - fuzz_leases.c: libFuzzer target for the leases file loader
 *
 * Theory of operation
 * -------------------
 * The first byte of an input picks the network's pool (bits 0-1: a /24, a
 * /28, a /30 or a /16 around 10.9.0.0, the gateway .1 and, bit 2, the
 * host's stand-in .2 as system entries; bits 3-7: the per-client limit);
 * the rest is its leases file, leases-f.txt, written to a scratch state
 * directory (under /dev/shm when it exists, else /tmp) and loaded with
 * pool_open() (src/ctl/pool.c over src/svc/ipam.c), as hostnatd does at
 * start. Checked with abort():
 *  - the result is 0, -EINVAL, -ENOMEM or -EADDRINUSE (the gateway is
 *    given to someone in the file), and a refusal has a message;
 *  - the saved text loads into a bare pool (ipam_create(), no system
 *    entries added) and saves to the same text;
 *  - a pool that loads holds no address twice, only addresses of its
 *    prefix, and its gateway as a system entry;
 *  - it saves to text that loads again and saves to the very same text;
 *  - it turns into JSON (pool_json(), network show).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "addr.h"
#include "ipam.h"
#include "log.h"
#include "model.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NET 0x0a090000u		/* 10.9.0.0 */

static char dir[64];
static char path[128];

static void die(const char *why, const uint8_t *data, size_t size)
{
	size_t i;

	fprintf(stderr, "fuzz_leases: %s\ninput (%zu bytes):", why, size);
	for (i = 0; i < size; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n", data[i]);
	fprintf(stderr, "\n");
	abort();
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/fuzz-leases-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/%sf%s", dir, POOL_FILE_PREFIX,
		 POOL_FILE_SUFFIX);
	log_set_level(LOG_EMERG);
}

struct seen {
	uint32_t net, mask;
	uint8_t *bit;		/* one bit per address of the prefix */
	bool gateway;
	bool bad;
};

static void seen_one(const struct ipam_entry *e, struct seen *s)
{
	uint32_t off = e->addr - s->net;

	if ((e->addr & s->mask) != s->net || s->bit[off / 8] & (1u << off % 8))
		s->bad = true;
	else
		s->bit[off / 8] |= (uint8_t)(1u << off % 8);
	if (e->addr == s->net + 1 && e->kind == IPAM_SYSTEM)
		s->gateway = true;
}

static char *save_text(const struct ipam *p)
{
	ssize_t len = ipam_save(p, NULL, 0);
	char *t = len < 0 ? NULL : malloc((size_t)len + 1);

	if (t && ipam_save(p, t, (size_t)len + 1) != len) {
		free(t);
		t = NULL;
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t plens[4] = { 24, 28, 30, 16 };
	struct model_net n = { .used = true };
	char err[CTL_ERR_MAX], *t1 = NULL, *t2 = NULL;
	struct ipam *p = NULL, *q = NULL;
	struct seen s = { .net = NET };
	struct ipam_config ic = { .net = NET };
	const struct ipam_entry *e;
	uint32_t pos;
	json_t *j;
	FILE *f;
	int ret;

	if (!size)
		return 0;
	if (!dir[0])
		setup();
	snprintf(n.cfg.name, sizeof(n.cfg.name), "f");
	n.nprefix = 1;
	n.plen[0] = plens[data[0] & 3];
	n.prefix[0] = NET;
	n.cfg.gateway = NET + 1;
	n.cfg.host_addr = data[0] & 4 ? NET + 2 : 0;
	n.svc.dhcp_client_limit = data[0] >> 3;
	f = fopen(path, "we");
	if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f))
		abort();
	err[0] = '\0';
	ret = pool_open(&p, &n, dir, true, err, sizeof(err));
	if (ret && ret != -EINVAL && ret != -ENOMEM && ret != -EADDRINUSE)
		die("unexpected return value", data, size);
	if (ret) {
		if (!err[0])
			die("refusal without a message", data, size);
		return 0;
	}
	if (!p)
		die("no pool for a prefix that has one", data, size);
	s.mask = lib_prefix_mask(n.plen[0]);
	s.bit = calloc(1, (1u << (32 - n.plen[0])) / 8 + 1);
	if (!s.bit)
		abort();
	for (pos = 0; (e = ipam_iter(p, &pos));)
		seen_one(e, &s);
	if (s.bad)
		die("an address twice, or outside the prefix", data, size);
	if (!s.gateway)
		die("the gateway is not a system entry", data, size);
	t1 = save_text(p);
	if (!t1)
		die("a loaded pool does not save", data, size);
	ic.plen = n.plen[0];
	ic.max_per_mac = n.svc.dhcp_client_limit;
	if (ipam_create(&q, &ic) ||
	    ipam_load(q, t1, strlen(t1), err, sizeof(err))) {
		fprintf(stderr, "saved:\n%s\nerror: %s\n", t1, err);
		die("a saved pool does not load again", data, size);
	}
	t2 = save_text(q);
	if (!t2 || strcmp(t1, t2)) {
		fprintf(stderr, "first:\n%s\nsecond:\n%s\n", t1,
			t2 ? t2 : "(none)");
		die("save, load, save differs", data, size);
	}
	j = pool_json(p);
	if (!j)
		die("no JSON of a loaded pool", data, size);
	json_decref(j);
	free(t1);
	free(t2);
	free(s.bit);
	ipam_destroy(p);
	ipam_destroy(q);
	return 0;
}
