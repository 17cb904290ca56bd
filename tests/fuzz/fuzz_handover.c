// SPDX-License-Identifier: GPL-2.0-or-later
/* hostnat - fuzz_handover.c: libFuzzer target for the sessions file
 *
 * Theory of operation
 * -------------------
 * An input is a sessions file (src/ctl/handover.c) as a stopping daemon
 * leaves it. So that the fuzzer reaches the records and not only the
 * header's checks, an input long enough to hold a header gets this boot's
 * id, a save time in the past and a right checksum before it is applied
 * (the raw input is applied first too, as it is). Each goes to
 * handover_apply() on an engine with two networks (one with a static
 * mapping), fresh per input. Checked with abort():
 *  - the engine holds exactly the sessions the call says it restored;
 *  - what the engine holds saves (nat_save_walk()) into records that a
 *    second fresh engine takes back, every one of them: what hostnatd
 *    restores is what it could have made itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "hash.h"
#include "log.h"
#include "nat.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define MAX_FLOWS 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char boot[36];

static struct nat *engine(void)
{
	struct nat_limits lim;
	struct nat_net_cfg cfg;
	struct nat_map m = { .proto = NAT_TCP, .ext_addr = IP4(198, 51, 100, 2),
			     .ext_port = 8080, .int_addr = IP4(172, 16, 0, 5),
			     .int_port = 80 };
	struct nat *nat;
	unsigned net;

	nat_limits_default(&lim);
	lim.max_flows = MAX_FLOWS;	/* small tables: fast runs */
	lim.max_flows_per_host = 256;
	lim.max_hosts = 256;
	lim.max_ext = 2;
	lim.max_static = 16;
	lim.max_frags = 16;
	lim.max_frag_held = 16;
	lim.max_frags_per_src = 4;
	lim.max_frag_held_per_src = 4;
	lim.max_syn_held = 16;
	lim.max_port_events = 1024;
	if (nat_create(&nat, &lim, NULL, 1, 1000000))
		abort();
	nat_net_cfg_default(&cfg, "a");
	if (nat_net_add(nat, &cfg, &net) ||
	    nat_prefix_add(nat, net, IP4(172, 16, 0, 0), 16) ||
	    nat_ext_add(nat, net, IP4(198, 51, 100, 2), 1024, 65535) ||
	    nat_map_add(nat, net, &m))
		abort();
	nat_net_cfg_default(&cfg, "b");
	if (nat_net_add(nat, &cfg, &net) ||
	    nat_prefix_add(nat, net, IP4(10, 1, 0, 0), 24) ||
	    nat_ext_add(nat, net, IP4(198, 51, 100, 2), 20000, 29999))
		abort();
	return nat;
}

static int count(const struct nat_session_info *s, void *ctx)
{
	(void)s;
	++*(long *)ctx;
	return 0;
}

static int refeed(const struct nat_saved *r, void *ctx)
{
	if (nat_restore(ctx, 1000000, r, 0))
		abort();	/* saved by an engine, refused by one */
	return 0;
}

static void apply(const uint8_t *p, size_t len)
{
	struct nat *nat = engine(), *again;
	long done = handover_apply(nat, p, len, "fuzz"), n = 0;

	nat_session_walk(nat, 1000000, count, &n);
	if (n != done)
		abort();	/* restored count and table disagree */
	again = engine();
	nat_save_walk(nat, 1000000, refeed, again);
	nat_destroy(again);
	nat_destroy(nat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	uint32_t sum;
	uint64_t t = 1000;

	if (!boot[0]) {
		int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY);

		if (fd < 0 || read(fd, boot, sizeof(boot)) != sizeof(boot))
			abort();
		close(fd);
		log_set_level(LOG_EMERG);
	}
	if (size > 80 + MAX_FLOWS * 32 + 4)
		return 0;
	apply(data, size);
	if (size < 84)
		return 0;
	p = malloc(size);
	if (!p)
		return 0;
	memcpy(p, data, size);
	memcpy(p, "hostnat-sessions", 16);
	memcpy(p + 16, &(uint32_t){ 1 }, 4);	/* version */
	memcpy(p + 20, &(uint32_t){ 32 }, 4);	/* record size */
	memcpy(p + 24, &(uint64_t){ (size - 84) / 32 }, 8);
	memcpy(p + 32, &t, 8);			/* saved at 1 s */
	memcpy(p + 40, boot, sizeof(boot));
	memset(p + 76, 0, 4);
	size = 84 + (size - 84) / 32 * 32;
	sum = lib_fnv1a_buf(p, size - 4, 2166136261u);
	memcpy(p + size - 4, &sum, 4);
	apply(p, size);
	free(p);
	return 0;
}
