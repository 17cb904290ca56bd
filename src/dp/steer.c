/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - steer.c: load, attach and feed the steering classifier
 *
 * Theory of operation
 * -------------------
 * The program (bpf/steer.bpf.c, compiled at build time and embedded in
 * the daemon) is loaded with libbpf and attached at tc ingress (clsact) of
 * each uplink, bridge, lo and of hostnat's own TUN devices with hostnat's
 * own handle and priority, so that it can be found and replaced
 * atomically (BPF_TC_F_REPLACE) by the next daemon, without touching
 * anybody else's filters. Its maps say which interface plays which role,
 * which addresses are external, which (address, protocol, port) the NAT
 * owns right now, which prefixes belong to which network,
 * which addresses are bound to which MAC, and what each network allows.
 * Drops are counted per CPU (drop_map), summed by steer_drops().
 *
 * The owned ports (own_map) are bitmaps, one of 65536 bits per external
 * address slot and protocol, in an array the daemon maps: a mapping made or
 * released is one atomic or / and on a word (steer_own(), fed from the
 * engine's port log), no system call; the program tests one bit. ext_map
 * gives each external address its slot. A slot is given to an address when
 * it is pushed (steer_set_ext()) or when a port of it is taken first (a new
 * daemon fills own_map before it pushes the addresses), and stays its
 * address's while the address is pushed or any bit of it is set: an
 * address gone keeps its slot until the engine has given back its last
 * port, and a slot is reused only with every bit clear. There are twice as
 * many slots (STEER_EXT_SLOTS) as addresses pushed at once, for the
 * addresses gone whose ports are still being given back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastidx.h"
#include "steer.h"

#define STEER_HANDLE 0x484e	/* "HN" */
#define STEER_PRIO 0x484e

extern const unsigned char steer_bpf_obj[];
extern const size_t steer_bpf_obj_len;

struct port_val {
	uint32_t ifindex;
	uint32_t net;
	uint32_t flags;	/* STEER_IF_*, the port's when the MAC was learned */
};

/* port_map forgets every MAC learned on @ifindex: the port is gone, or its
 * flags are stale (a veth's peer moved); a frame from the endpoint learns
 * it again, and meanwhile its packets take the bridge */
static void port_forget(const struct steer *s, unsigned ifindex)
{
	uint64_t key, next;
	struct port_val v;
	bool more;

	if (s->port_map < 0)
		return;
	more = !bpf_map_get_next_key(s->port_map, NULL, &next);
	while (more) {
		key = next;
		more = !bpf_map_get_next_key(s->port_map, &key, &next);
		if (!bpf_map_lookup_elem(s->port_map, &key, &v) &&
		    v.ifindex == ifindex)
			bpf_map_delete_elem(s->port_map, &key);
	}
}

struct if_role {
	uint32_t role;
	uint32_t l2len;
	uint32_t net;
	uint32_t flags;	/* STEER_IF_* */
	uint32_t ifindex;
};

struct net_info {
	uint32_t bridge;
	uint32_t flags;
	uint32_t host_addr;	/* network order */
	uint8_t mac[6];
	uint8_t pad[2];
	uint32_t max_addrs;
};

struct targets {
	uint32_t out_ifindex;
	uint32_t in_ifindex;
	uint64_t seed;
	uint32_t mask;
	uint32_t gen;
};

struct lpm_key {
	uint32_t prefixlen;
	uint32_t addr;
};

struct bind_key {
	uint32_t net;
	uint32_t addr;
};

struct bind_val {
	uint8_t mac[6];
	uint8_t pad[2];
};

#define OWN_PROTOS 3	/* TCP, UDP, ICMP (enum nat_proto) */
#define OWN_SLOT_WORDS (OWN_PROTOS * STEER_OWN_WORDS)
#define OWN_MAP_WORDS (STEER_EXT_SLOTS * OWN_SLOT_WORDS)

/* target_map's gen raised: the programs' kept answers (next hops in
 * route_map, source checks in src_ok_map, MACs learned in learn_ok_map,
 * the uplink's checks in up_ok_map) are not used again; after every write
 * they depend on, so that one made meanwhile goes too */
static void gen_bump(struct steer *s)
{
	struct targets t;
	uint32_t zero = 0;

	if (s->target_map < 0 || bpf_map_lookup_elem(s->target_map, &zero, &t))
		return;
	t.gen++;
	bpf_map_update_elem(s->target_map, &zero, &t, BPF_ANY);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("HOSTNAT_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

/* an array map of @n values of @size bytes, mapped shared: its address,
 * NULL with errno set */
static void *map_mmap(struct bpf_object *obj, const char *name, size_t n,
		      size_t size, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = map_fd(obj, name);
	void *p;

	if (fd < 0) {
		errno = ENOENT;
		return NULL;
	}
	*len = (n * size + page - 1) & ~(page - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/**
 * steer_open() - load the programs
 * @s:		state
 * @out_ifindex: the DP_OUT device (target for packets from bridges)
 * @in_ifindex:	the DP_IN device (target for packets from uplinks and lo)
 * @max_flows:	sessions of the engine (rec_map, idx_map, seen_map,
 *		state_map; 0: built-in)
 *
 * Return: 0, -errno
 */
int steer_open(struct steer *s, unsigned out_ifindex, unsigned in_ifindex,
	       uint32_t max_flows)
{
	struct targets t = { out_ifindex, in_ifindex, 0, 0, 0 };
	struct bpf_program *prog;
	struct bpf_map *own, *rec, *idx, *seen, *state, *ifm;
	uint32_t zero = 0, nrec, nent;
	int ret;

	memset(s, 0, sizeof(*s));
	libbpf_set_print(quiet);
	s->obj = bpf_object__open_mem(steer_bpf_obj, steer_bpf_obj_len, NULL);
	if (!s->obj) {
		ret = -errno;
		goto fail;
	}
	/* own_map's size does not depend on the flows: a bit per port */
	own = bpf_object__find_map_by_name(s->obj, "own_map");
	rec = bpf_object__find_map_by_name(s->obj, "rec_map");
	idx = bpf_object__find_map_by_name(s->obj, "idx_map");
	seen = bpf_object__find_map_by_name(s->obj, "seen_map");
	state = bpf_object__find_map_by_name(s->obj, "state_map");
	ifm = bpf_object__find_map_by_name(s->obj, "if_map");
	if (!ifm || bpf_map__max_entries(ifm) != STEER_IF_SLOTS ||
	    !own || bpf_map__max_entries(own) != OWN_MAP_WORDS || !rec ||
	    !idx || !seen || !state ||
	    bpf_map__value_size(rec) != sizeof(struct fast_rec)) {
		ret = -ENOENT;
		goto fail;
	}
	if (max_flows) {
		bpf_map__set_max_entries(rec, max_flows + 1);
		bpf_map__set_max_entries(seen, max_flows + 1);
		bpf_map__set_max_entries(state, max_flows + 1);
	}
	nrec = bpf_map__max_entries(rec);
	nent = fastidx_entries(nrec - 1);
	if (!nent) {
		ret = -E2BIG;
		goto fail;
	}
	bpf_map__set_max_entries(idx, nent);
	s->max_flows = bpf_map__max_entries(seen) - 1;
	ret = bpf_object__load(s->obj);
	if (ret)
		goto fail;
	prog = bpf_object__find_program_by_name(s->obj, "hostnat_steer");
	if (!prog) {
		ret = -ENOENT;
		goto fail;
	}
	s->prog_fd = bpf_program__fd(prog);
	s->if_map = map_fd(s->obj, "if_map");
	s->if_more_map = map_fd(s->obj, "if_more_map");
	s->net_map = map_fd(s->obj, "net_map");
	s->ext_map = map_fd(s->obj, "ext_map");
	s->own_map = map_fd(s->obj, "own_map");
	s->prefix_map = map_fd(s->obj, "prefix_map");
	s->bind_map = map_fd(s->obj, "bind_map");
	s->target_map = map_fd(s->obj, "target_map");
	s->drop_map = map_fd(s->obj, "drop_map");
	s->local_map = map_fd(s->obj, "local_map");
	s->port_map = map_fd(s->obj, "port_map");
	s->fast_stats = map_fd(s->obj, "fast_stats");
	if (s->local_map < 0 || s->if_map < 0 || s->if_more_map < 0 ||
	    s->net_map < 0 ||
	    s->ext_map < 0 || s->own_map < 0 || s->prefix_map < 0 ||
	    s->bind_map < 0 || s->target_map < 0 || s->drop_map < 0 ||
	    s->fast_stats < 0) {
		ret = -ENOENT;
		goto fail;
	}
	s->seen = map_mmap(s->obj, "seen_map", s->max_flows + 1,
			   sizeof(uint64_t), &s->seen_len);
	s->state = map_mmap(s->obj, "state_map", s->max_flows + 1,
			    sizeof(uint64_t), &s->state_len);
	s->own = map_mmap(s->obj, "own_map", OWN_MAP_WORDS, sizeof(uint64_t),
			  &s->own_len);
	s->rec = map_mmap(s->obj, "rec_map", nrec, sizeof(struct fast_rec),
			  &s->rec_len);
	s->idx = map_mmap(s->obj, "idx_map", nent, sizeof(uint64_t),
			  &s->idx_len);
	if (!s->seen || !s->state || !s->own || !s->rec || !s->idx) {
		ret = -errno;
		goto fail;
	}
	/* a seed of its own at every start: nobody outside can aim keys at
	 * one part of the index */
	if (getrandom(&t.seed, sizeof(t.seed), 0) != sizeof(t.seed)) {
		ret = -errno;
		goto fail;
	}
	t.mask = nent - 1;
	fastidx_init(&s->fidx, s->rec, nrec, s->idx, nent, t.seed);
	ret = bpf_map_update_elem(s->target_map, &zero, &t, BPF_ANY);
	if (ret)
		goto fail;
	return 0;
fail:
	steer_close(s, false);
	return ret < 0 ? ret : -EINVAL;
}

static int detach(unsigned ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = STEER_HANDLE,
			    .priority = STEER_PRIO);

	return bpf_tc_detach(&hook, &opts);
}

/**
 * steer_close() - unload, detaching from every interface unless @keep
 * @s:		state
 * @keep:	the programs stay attached (with their maps, which the
 *		kernel keeps while a program uses them)
 */
void steer_close(struct steer *s, bool keep)
{
	unsigned i;

	if (s->seen) {
		munmap((void *)s->seen, s->seen_len);
		s->seen = NULL;
	}
	if (s->state) {
		munmap((void *)s->state, s->state_len);
		s->state = NULL;
	}
	if (s->own) {
		munmap(s->own, s->own_len);
		s->own = NULL;
	}
	if (s->rec) {
		munmap(s->rec, s->rec_len);
		s->rec = NULL;
	}
	if (s->idx) {
		munmap(s->idx, s->idx_len);
		s->idx = NULL;
	}
	memset(&s->fidx, 0, sizeof(s->fidx));
	memset(s->slot, 0, sizeof(s->slot));

	for (i = 0; i < s->nattached && !keep; i++)
		detach(s->attached[i]);
	s->nattached = 0;
	if (s->obj)
		bpf_object__close(s->obj);
	s->obj = NULL;
	free(s->pushed);
	s->pushed = NULL;
	s->npushed = 0;
}

/**
 * steer_cleanup_leftovers() - remove the programs from every interface
 * where an earlier daemon attached them and this one did not
 * @keep:	the current state (its attachments stay), or NULL for none
 */
void steer_cleanup_leftovers(const struct steer *keep)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	libbpf_set_print(quiet);
	if (!ifs)
		return;
	for (i = ifs; i->if_index; i++)
		if (!keep || !steer_is_attached(keep, i->if_index))
			detach(i->if_index);
	if_freenameindex(ifs);
}

/**
 * steer_is_attached() - whether the programs run on an interface
 * @s:		state
 * @ifindex:	interface
 *
 * Return: true if attached by us
 */
bool steer_is_attached(const struct steer *s, unsigned ifindex)
{
	unsigned i;

	for (i = 0; i < s->nattached; i++)
		if (s->attached[i] == ifindex)
			return true;
	return false;
}

/* an interface's role into its slot of if_map (ifindex % STEER_IF_SLOTS),
 * or into if_more_map when another interface holds the slot */
static int role_put(struct steer *s, const struct if_role *r)
{
	uint32_t slot = r->ifindex % STEER_IF_SLOTS, key = r->ifindex;
	struct if_role cur;
	int ret;

	if (bpf_map_lookup_elem(s->if_map, &slot, &cur))
		return -errno;
	if (cur.ifindex && cur.ifindex != r->ifindex)
		return bpf_map_update_elem(s->if_more_map, &key, r, BPF_ANY);
	ret = bpf_map_update_elem(s->if_map, &slot, r, BPF_ANY);
	if (!ret)
		bpf_map_delete_elem(s->if_more_map, &key);
	return ret;
}

static void role_del(struct steer *s, unsigned ifindex)
{
	uint32_t slot = ifindex % STEER_IF_SLOTS, key = ifindex;
	struct if_role cur, none = { 0, 0, 0, 0, 0 };

	if (!bpf_map_lookup_elem(s->if_map, &slot, &cur) &&
	    cur.ifindex == ifindex)
		bpf_map_update_elem(s->if_map, &slot, &none, BPF_ANY);
	bpf_map_delete_elem(s->if_more_map, &key);
}

/**
 * steer_attach() - run the program at ingress of an interface, replacing
 * what an earlier daemon attached there in one step
 * @s:		state
 * @ifindex:	interface
 * @role:	STEER_ROLE_*
 * @l2len:	bytes of link-layer header (14 for Ethernet and lo, else 0)
 * @net:	STEER_ROLE_BRIDGE, STEER_ROLE_PORT: the network id
 * @flags:	STEER_IF_*
 *
 * Return: 0, -errno
 */
int steer_attach(struct steer *s, unsigned ifindex, unsigned role,
		 unsigned l2len, unsigned net, unsigned flags)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = STEER_HANDLE,
			    .priority = STEER_PRIO, .prog_fd = s->prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	struct if_role r = { role, l2len, net, flags, ifindex };
	int ret;

	ret = role_put(s, &r);
	if (ret)
		return ret;
	if (role == STEER_ROLE_PORT)
		port_forget(s, ifindex);
	ret = bpf_tc_hook_create(&hook);
	if (!ret || ret == -EEXIST)
		ret = bpf_tc_attach(&hook, &opts);
	gen_bump(s);
	if (ret)
		return ret;
	if (!steer_is_attached(s, ifindex) && s->nattached < STEER_MAX_IFS)
		s->attached[s->nattached++] = ifindex;
	return 0;
}

/**
 * steer_detach() - stop the program on an interface
 * @s:		state
 * @ifindex:	interface
 */
void steer_detach(struct steer *s, unsigned ifindex)
{
	unsigned i;

	detach(ifindex);
	role_del(s, ifindex);
	port_forget(s, ifindex);	/* nothing delivered to a port gone */
	gen_bump(s);
	for (i = 0; i < s->nattached; i++) {
		if (s->attached[i] == ifindex) {
			s->attached[i] = s->attached[--s->nattached];
			break;
		}
	}
}

/* delete every key of a (small) hash or LPM map */
static void map_clear(int fd, void *key, void *next)
{
	while (!bpf_map_get_next_key(fd, NULL, next))
		if (bpf_map_delete_elem(fd, next))
			break;
	(void)key;
}

/* the slot of @addr, or -ENOENT */
static int slot_find(const struct steer *s, uint32_t addr)
{
	unsigned i;

	for (i = 0; i < STEER_EXT_SLOTS; i++)
		if (s->slot[i].used && s->slot[i].addr == addr)
			return (int)i;
	return -ENOENT;
}

/* the slot of @addr, a free one given to it if it has none (its bits are
 * all clear: slot_put() saw to it); -ENOSPC when none is free */
static int slot_get(struct steer *s, uint32_t addr)
{
	int ret = slot_find(s, addr);
	unsigned i, k;

	if (ret >= 0)
		return ret;
	/* the one freed longest ago first: a program that read the last
	 * address's slot just before it went finds it clear */
	for (k = 0; k < STEER_EXT_SLOTS; k++) {
		i = (s->slot_next + k) % STEER_EXT_SLOTS;
		if (s->slot[i].used)
			continue;
		s->slot[i] = (struct steer_slot){ .addr = addr, .used = true };
		s->slot_next = (i + 1) % STEER_EXT_SLOTS;
		return (int)i;
	}
	return -ENOSPC;
}

/* a slot neither pushed nor with a bit set is free again, its words
 * cleared (they are, unless a count went wrong) */
static void slot_put(struct steer *s, unsigned i)
{
	uint64_t *w = s->own + (size_t)i * OWN_SLOT_WORDS;
	unsigned k;

	if (!s->slot[i].used || s->slot[i].pushed || s->slot[i].nbits)
		return;
	for (k = 0; k < OWN_SLOT_WORDS; k++)
		if (w[k])
			__atomic_store_n(&w[k], 0, __ATOMIC_RELAXED);
	s->slot[i].used = false;
}

/* steer_set_ext()'s work: ext_map and the slots as @addrs says */
static int ext_push(struct steer *s, const uint32_t *addrs, unsigned n)
{
	bool want[STEER_EXT_SLOTS] = { false };
	uint32_t key, val;
	unsigned i;
	int ret, slot;

	for (i = 0; i < n && i < STEER_MAX_EXT; i++) {
		slot = slot_get(s, addrs[i]);
		if (slot < 0)
			return slot;
		want[slot] = true;
		if (s->slot[slot].pushed)
			continue;
		key = htonl(addrs[i]);
		val = (uint32_t)slot;
		ret = bpf_map_update_elem(s->ext_map, &key, &val, BPF_ANY);
		if (ret) {
			slot_put(s, (unsigned)slot);
			return ret;
		}
		s->slot[slot].pushed = true;
	}
	for (i = 0; i < STEER_EXT_SLOTS; i++) {
		if (!s->slot[i].pushed || want[i])
			continue;
		/* out of ext_map first: the programs stop reading its bits */
		key = htonl(s->slot[i].addr);
		ret = bpf_map_delete_elem(s->ext_map, &key);
		if (ret && ret != -ENOENT)
			return ret;
		s->slot[i].pushed = false;
		slot_put(s, i);
	}
	return 0;
}

/**
 * steer_set_ext() - the external addresses, each with its slot in own_map
 * @s:		state
 * @addrs:	addresses, host order
 * @n:		number (<= STEER_MAX_EXT)
 *
 * New addresses go in before stale ones go, so an address that stays never
 * misses; a stale one keeps its slot (and its bits) until its last port is
 * given back (steer_own()).
 *
 * Return: 0, -errno (-ENOSPC: no slot free)
 */
int steer_set_ext(struct steer *s, const uint32_t *addrs, unsigned n)
{
	int ret = ext_push(s, addrs, n);

	gen_bump(s);	/* the uplink's kept checks name ext_map's slots */
	return ret;
}

/**
 * steer_fast_put() - give a session to the fast path, or take it back
 * @s:		state
 * @f:		the session's keys
 * @add:	true: add (or replace) both keys; false: delete them
 *
 * Return: 0, -errno (-ENOSPC: its index is past rec_map, or the index has
 * no place for a key: not added)
 */
int steer_fast_put(struct steer *s, const struct steer_fast *f, bool add)
{
	struct fast_rec r = {
		.int_addr = htonl(f->int_addr), .ext_addr = htonl(f->ext_addr),
		.rem_addr = htonl(f->rem_addr), .int_port = f->int_port,
		.ext_port = f->ext_port, .rem_port = f->rem_port,
		.proto = f->proto, .flags = f->hairpin ? FASTREC_HAIRPIN : 0,
	};

	if (!s->rec)
		return -ENODEV;
	if (f->idx >= s->max_flows)
		return add ? -ENOSPC : 0;
	if (!add) {
		fastidx_del(&s->fidx, f->idx + 1);
		return 0;
	}
	return fastidx_put(&s->fidx, f->idx + 1, &r);
}

/**
 * steer_fast_clear() - take every session from the fast path
 * @s:		state
 */
void steer_fast_clear(struct steer *s)
{
	if (s->rec)
		fastidx_clear(&s->fidx);
}

/**
 * steer_fast_alive() - the heartbeat: the fast path carries packets until
 * @until_s (CLOCK_MONOTONIC seconds), then leaves every one to the daemon
 * @s:		state
 * @until_s:	seconds; 0 stops it at once
 */
void steer_fast_alive(struct steer *s, uint32_t until_s)
{
	if (s->seen)
		s->seen[0] = until_s;
}

/**
 * steer_route_changed() - an address, route, link, policy rule or nexthop
 * of the host changed: the programs' kept next hops (route_map) are not
 * used again
 * @s:		state
 */
void steer_route_changed(struct steer *s)
{
	gen_bump(s);
}

/**
 * steer_fast_stats() - the fast path's packets and bytes, over every CPU
 * @s:		state
 * @out:	out packets, out bytes, in packets, in bytes, hairpin packets,
 *		hairpin bytes (a hairpin counts once, not as out and in)
 */
void steer_fast_stats(const struct steer *s, uint64_t out[STEER_FAST_STAT_N])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[512];
	uint32_t k;
	int c;

	memset(out, 0, STEER_FAST_STAT_N * sizeof(out[0]));
	if (ncpu <= 0 || ncpu > 512)
		return;
	for (k = 0; k < STEER_FAST_STAT_N; k++) {
		if (bpf_map_lookup_elem(s->fast_stats, &k, v))
			continue;
		for (c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
}

struct local_key {
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

/**
 * steer_set_local() - the mapped ports the host reaches on any of its own
 * addresses, and the external address each stands for
 * @s:		state
 * @l:		ports (a proto and port given twice: the first wins)
 * @n:		number
 *
 * New entries go in before stale ones go, so a port that stays never
 * misses.
 *
 * Return: 0, -errno
 */
int steer_set_local(struct steer *s, const struct steer_local *l, unsigned n)
{
	static struct local_key stale[STEER_LOCAL_MAX];
	struct local_key key = { 0 }, next;
	unsigned i, j, nstale = 0;
	uint32_t ext;
	int ret;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (l[j].proto == l[i].proto && l[j].port == l[i].port)
				break;
		if (j < i)
			continue;
		key = (struct local_key){ .port = l[i].port,
					  .proto = l[i].proto };
		ext = htonl(l[i].ext);
		ret = bpf_map_update_elem(s->local_map, &key, &ext, BPF_ANY);
		if (ret)
			return ret;
	}
	/* stale keys: found first, deleted after (deleting while walking
	 * would restart the walk) */
	for (ret = bpf_map_get_next_key(s->local_map, NULL, &next); !ret;
	     ret = bpf_map_get_next_key(s->local_map, &key, &next)) {
		key = next;
		for (i = 0; i < n; i++)
			if (l[i].proto == key.proto && l[i].port == key.port)
				break;
		if (i == n && nstale < STEER_LOCAL_MAX)
			stale[nstale++] = key;
	}
	for (i = 0; i < nstale; i++)
		bpf_map_delete_elem(s->local_map, &stale[i]);
	return 0;
}

/**
 * steer_set_nets() - what each network's bridge program allows
 * @s:		state
 * @nets:	the networks
 * @n:		number (ids are taken modulo STEER_MAX_NETS, unique)
 *
 * Return: 0, -errno
 */
int steer_set_nets(struct steer *s, const struct steer_net *nets, unsigned n)
{
	struct net_info v;
	uint32_t key;
	unsigned i;
	int ret = 0;

	for (key = 0; key < STEER_MAX_NETS; key++) {
		memset(&v, 0, sizeof(v));
		v.flags = STEER_NET_CLOSED | STEER_NET_ISOLATION;
		for (i = 0; i < n; i++) {
			if (nets[i].id % STEER_MAX_NETS != key)
				continue;
			v.bridge = nets[i].bridge;
			v.flags = nets[i].flags;
			v.host_addr = htonl(nets[i].host_addr);
			memcpy(v.mac, nets[i].mac, 6);
			v.max_addrs = nets[i].max_addrs;
		}
		ret = bpf_map_update_elem(s->net_map, &key, &v, BPF_ANY);
		if (ret)
			break;
	}
	gen_bump(s);
	return ret;
}

/**
 * steer_set_prefixes() - the internal prefixes and their networks
 * @s:		state
 * @addr:	prefix addresses, host order
 * @plen:	lengths
 * @net:	network ids
 * @n:		number
 *
 * Return: 0, -errno
 */
int steer_set_prefixes(struct steer *s, const uint32_t *addr,
		       const uint8_t *plen, const unsigned *net, unsigned n)
{
	struct lpm_key k, next;
	unsigned i;
	int ret = 0;

	map_clear(s->prefix_map, &k, &next);
	for (i = 0; i < n; i++) {
		uint32_t v = net[i];

		k.prefixlen = plen[i];
		k.addr = htonl(addr[i]);
		ret = bpf_map_update_elem(s->prefix_map, &k, &v, BPF_ANY);
		if (ret)
			break;
	}
	gen_bump(s);
	return ret;
}

static void steer_binds_clear(struct steer *s);

static int bind_cmp(const void *a, const void *b)
{
	const struct steer_bind *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static int bind_put(struct steer *s, const struct steer_bind *b, bool add)
{
	struct bind_key k = { b->net, htonl(b->addr) };
	struct bind_val v = { { 0 }, { 0 } };

	if (!add) {
		int ret = bpf_map_delete_elem(s->bind_map, &k);

		return ret == -ENOENT ? 0 : ret;
	}
	memcpy(v.mac, b->mac, 6);
	return bpf_map_update_elem(s->bind_map, &k, &v, BPF_ANY);
}

/**
 * steer_set_binds() - the addresses bound to MAC addresses (source
 * binding): compared with what was pushed last (both sorted), only what
 * changed goes to the kernel
 * @s:		state
 * @b:		bindings
 * @n:		number
 *
 * Return: 0, -errno (the map then holds a mix; the next call mends it)
 */
int steer_set_binds(struct steer *s, const struct steer_bind *b, unsigned n)
{
	struct steer_bind *want = malloc(sizeof(*want) * (n ? n : 1));
	unsigned i = 0, j = 0;
	int ret = 0, c;

	if (!want)
		return -ENOMEM;
	memcpy(want, b, sizeof(*want) * n);
	qsort(want, n, sizeof(*want), bind_cmp);
	while (!ret && (i < s->npushed || j < n)) {
		c = i == s->npushed ? 1 : j == n ? -1 :
		    bind_cmp(&s->pushed[i], &want[j]);
		if (c < 0) {
			ret = bind_put(s, &s->pushed[i++], false);
		} else if (c > 0) {
			ret = bind_put(s, &want[j++], true);
		} else {
			if (memcmp(s->pushed[i].mac, want[j].mac, 6))
				ret = bind_put(s, &want[j], true);
			i++;
			j++;
		}
	}
	if (ret) {
		/* forget what was pushed: the next call rewrites it all */
		steer_binds_clear(s);
		gen_bump(s);
		free(want);
		return ret;
	}
	gen_bump(s);
	free(s->pushed);
	s->pushed = want;
	s->npushed = n;
	return 0;
}

/* every binding out of the map, and the record of them */
static void steer_binds_clear(struct steer *s)
{
	struct bind_key k, next;

	map_clear(s->bind_map, &k, &next);
	free(s->pushed);
	s->pushed = NULL;
	s->npushed = 0;
}

/* the word of own_map that holds @port of @proto on slot @slot */
static size_t own_word(unsigned slot, uint8_t proto, uint16_t port)
{
	return (size_t)slot * OWN_SLOT_WORDS + proto * STEER_OWN_WORDS +
	       port / 64u;
}

/**
 * steer_own() - the NAT took or released a port (or ICMP identifier) of
 * an external address: steer it, or leave it to the host again
 * @s:		state
 * @proto:	0 TCP, 1 UDP, 2 ICMP (enum nat_proto)
 * @addr:	external address, host order
 * @port:	port or identifier
 * @owned:	taken (true) or released
 *
 * One atomic operation on the mapped own_map, seen by the programs at once
 * (before the packet that made the mapping is written back).
 *
 * Return: 0, -errno (-ENOSPC: no slot free for @addr)
 */
int steer_own(struct steer *s, uint8_t proto, uint32_t addr, uint16_t port,
	      bool owned)
{
	uint64_t bit = 1ull << (port % 64u), old;
	uint64_t *w;
	int slot;

	if (proto >= OWN_PROTOS || !s->own)
		return -EINVAL;
	slot = owned ? slot_get(s, addr) : slot_find(s, addr);
	if (slot < 0)
		return owned ? slot : 0;	/* released: never steered */
	w = &s->own[own_word((unsigned)slot, proto, port)];
	if (owned) {
		old = __atomic_fetch_or(w, bit, __ATOMIC_SEQ_CST);
		if (!(old & bit))
			s->slot[slot].nbits++;
		return 0;
	}
	old = __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST);
	if ((old & bit) && s->slot[slot].nbits && !--s->slot[slot].nbits)
		slot_put(s, (unsigned)slot);
	return 0;
}

/**
 * steer_own_replace() - make own_map hold exactly what the engine owns
 * (after its port log overflowed): the new bitmaps are built aside, then
 * each word that differs is stored whole, so that a port owned before and
 * after is never clear, not for a moment
 * @s:		state
 * @proto:	per port: 0 TCP, 1 UDP, 2 ICMP
 * @addr:	per port: external address, host order
 * @port:	the ports or identifiers
 * @n:		number
 *
 * Return: ports that could not be steered (no slot free for the address)
 */
unsigned steer_own_replace(struct steer *s, const uint8_t *proto,
			   const uint32_t *addr, const uint16_t *port,
			   unsigned n)
{
	uint64_t *want = calloc(OWN_MAP_WORDS, sizeof(*want));
	unsigned i, k, failed = 0;
	int slot;

	if (!want || !s->own) {
		free(want);
		return n;
	}
	for (i = 0; i < n; i++) {
		slot = proto[i] < OWN_PROTOS ? slot_get(s, addr[i]) : -EINVAL;
		if (slot < 0) {
			failed++;
			continue;
		}
		want[own_word((unsigned)slot, proto[i], port[i])] |=
			1ull << (port[i] % 64u);
	}
	for (k = 0; k < OWN_MAP_WORDS; k++)
		if (__atomic_load_n(&s->own[k], __ATOMIC_RELAXED) != want[k])
			__atomic_store_n(&s->own[k], want[k], __ATOMIC_SEQ_CST);
	for (i = 0; i < STEER_EXT_SLOTS; i++) {
		const uint64_t *w = want + (size_t)i * OWN_SLOT_WORDS;

		uint32_t nbits = 0;

		for (k = 0; k < OWN_SLOT_WORDS; k++)
			nbits += (uint32_t)__builtin_popcountll(w[k]);
		s->slot[i].nbits = nbits;
		slot_put(s, i);
	}
	free(want);
	return failed;
}

/**
 * steer_drops() - the programs' drop counters, summed over the CPUs
 * @s:		state
 * @drops:	filled in, per STEER_DROP_* (enum dp_drop)
 */
void steer_drops(const struct steer *s, uint64_t drops[STEER_DROP_N])
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t *v;
	uint32_t k;

	memset(drops, 0, sizeof(uint64_t) * STEER_DROP_N);
	if (ncpu <= 0 || !s->obj)
		return;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return;
	for (k = 0; k < STEER_DROP_N; k++)
		if (!bpf_map_lookup_elem(s->drop_map, &k, v))
			for (c = 0; c < ncpu; c++)
				drops[k] += v[c];
	free(v);
}
