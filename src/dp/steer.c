/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - steer.c: load, attach and feed the steering classifier
 *
 * Theory of operation
 * -------------------
 * The classifier (bpf/steer.bpf.c, compiled at build time and embedded in
 * the daemon) is loaded with libbpf and attached at tc ingress (clsact) of
 * each uplink, bridge and lo with hostnat's own handle and priority, so
 * that it can be found and removed again, also after a crash, without
 * touching anybody else's filters. Its maps say which addresses are
 * external, which ports the NAT owns on each, which prefixes are internal
 * (spoofing check) and which interface plays which role. The port map is
 * written by difference from a shadow copy, so a change of one mapping
 * costs one map update, not 196608.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "steer.h"

#define STEER_HANDLE 0x484e	/* "HN" */
#define STEER_PRIO 0x484e

extern const unsigned char steer_bpf_obj[];
extern const size_t steer_bpf_obj_len;

struct if_role {
	uint32_t role;
	uint32_t l2len;
};

struct targets {
	uint32_t out_ifindex;
	uint32_t in_ifindex;
};

struct lpm_key {
	uint32_t prefixlen;
	uint32_t addr;
};

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

/**
 * steer_open() - load the classifier
 * @s:		state
 * @out_ifindex: the DP_OUT device (target for packets from bridges)
 * @in_ifindex:	the DP_IN device (target for packets from uplinks and lo)
 *
 * Return: 0, -errno
 */
int steer_open(struct steer *s, unsigned out_ifindex, unsigned in_ifindex)
{
	struct targets t = { out_ifindex, in_ifindex };
	struct bpf_program *prog;
	uint32_t zero = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	libbpf_set_print(quiet);
	s->ports = calloc(STEER_PORTS, sizeof(uint32_t));
	if (!s->ports)
		return -ENOMEM;
	s->obj = bpf_object__open_mem(steer_bpf_obj, steer_bpf_obj_len, NULL);
	if (!s->obj) {
		ret = -errno;
		goto fail;
	}
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
	s->ext_map = map_fd(s->obj, "ext_map");
	s->port_map = map_fd(s->obj, "port_map");
	s->prefix_map = map_fd(s->obj, "prefix_map");
	s->target_map = map_fd(s->obj, "target_map");
	if (s->if_map < 0 || s->ext_map < 0 || s->port_map < 0 ||
	    s->prefix_map < 0 || s->target_map < 0) {
		ret = -ENOENT;
		goto fail;
	}
	ret = bpf_map_update_elem(s->target_map, &zero, &t, BPF_ANY);
	if (ret)
		goto fail;
	return 0;
fail:
	steer_close(s);
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
 * steer_close() - detach from every interface and unload
 * @s:		state
 */
void steer_close(struct steer *s)
{
	unsigned i;

	for (i = 0; i < s->nattached; i++)
		detach(s->attached[i]);
	s->nattached = 0;
	if (s->obj)
		bpf_object__close(s->obj);
	s->obj = NULL;
	free(s->ports);
	s->ports = NULL;
}

/**
 * steer_cleanup_leftovers() - remove the classifier from every interface
 * (what a crashed daemon left attached)
 */
void steer_cleanup_leftovers(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	libbpf_set_print(quiet);
	if (!ifs)
		return;
	for (i = ifs; i->if_index; i++)
		detach(i->if_index);
	if_freenameindex(ifs);
}

/**
 * steer_is_attached() - whether the classifier runs on an interface
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

/**
 * steer_attach() - run the classifier at ingress of an interface
 * @s:		state
 * @ifindex:	interface
 * @role:	STEER_ROLE_*
 * @l2len:	bytes of link-layer header (14 for Ethernet and lo, else 0)
 *
 * Return: 0, -errno
 */
int steer_attach(struct steer *s, unsigned ifindex, unsigned role,
		 unsigned l2len)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = STEER_HANDLE,
			    .priority = STEER_PRIO, .prog_fd = s->prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	struct if_role r = { role, l2len };
	uint32_t key = ifindex;
	int ret;

	ret = bpf_map_update_elem(s->if_map, &key, &r, BPF_ANY);
	if (ret)
		return ret;
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return ret;
	ret = bpf_tc_attach(&hook, &opts);
	if (ret)
		return ret;
	if (!steer_is_attached(s, ifindex) &&
	    s->nattached < sizeof(s->attached) / sizeof(s->attached[0]))
		s->attached[s->nattached++] = ifindex;
	return 0;
}

/**
 * steer_detach() - stop the classifier on an interface
 * @s:		state
 * @ifindex:	interface
 */
void steer_detach(struct steer *s, unsigned ifindex)
{
	uint32_t key = ifindex;
	unsigned i;

	detach(ifindex);
	bpf_map_delete_elem(s->if_map, &key);
	for (i = 0; i < s->nattached; i++) {
		if (s->attached[i] == ifindex) {
			s->attached[i] = s->attached[--s->nattached];
			break;
		}
	}
}

/**
 * steer_set_ext() - the external addresses; address i owns bit i of the
 * port map's values
 * @s:		state
 * @addrs:	addresses, host order
 * @n:		number (<= STEER_MAX_EXT)
 *
 * Return: 0, -errno
 */
int steer_set_ext(struct steer *s, const uint32_t *addrs, unsigned n)
{
	uint32_t key, next, bit;
	unsigned i;
	int ret;

	/* remove all, then add: the map is tiny */
	while (!bpf_map_get_next_key(s->ext_map, NULL, &next))
		bpf_map_delete_elem(s->ext_map, &next);
	for (i = 0; i < n && i < STEER_MAX_EXT; i++) {
		key = htonl(addrs[i]);
		bit = 1u << i;
		ret = bpf_map_update_elem(s->ext_map, &key, &bit, BPF_ANY);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * steer_set_ports() - which ports are owned on which external address
 * @s:		state
 * @ports:	STEER_PORTS values: proto * 65536 + port -> address bits
 *
 * Return: 0, -errno
 */
int steer_set_ports(struct steer *s, const uint32_t *ports)
{
	uint32_t i;
	int ret;

	for (i = 0; i < STEER_PORTS; i++) {
		if (ports[i] == s->ports[i])
			continue;
		ret = bpf_map_update_elem(s->port_map, &i, &ports[i], BPF_ANY);
		if (ret)
			return ret;
		s->ports[i] = ports[i];
	}
	return 0;
}

/**
 * steer_set_prefixes() - the internal prefixes (sources refused on uplinks)
 * @s:		state
 * @addr:	prefix addresses, host order
 * @plen:	lengths
 * @n:		number
 *
 * Return: 0, -errno
 */
int steer_set_prefixes(struct steer *s, const uint32_t *addr,
		       const uint8_t *plen, unsigned n)
{
	struct lpm_key k, next;
	uint32_t one = 1;
	unsigned i;
	int ret;

	while (!bpf_map_get_next_key(s->prefix_map, NULL, &next))
		if (bpf_map_delete_elem(s->prefix_map, &next))
			break;
	for (i = 0; i < n; i++) {
		k.prefixlen = plen[i];
		k.addr = htonl(addr[i]);
		ret = bpf_map_update_elem(s->prefix_map, &k, &one, BPF_ANY);
		if (ret)
			return ret;
	}
	return 0;
}
