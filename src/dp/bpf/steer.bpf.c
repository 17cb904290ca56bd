/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - steer.bpf.c: tc ingress classifier that steers NAT traffic
 *
 * Theory of operation
 * -------------------
 * Attached at tc ingress of every uplink, of each network's bridge and of
 * lo. It takes away from the host stack exactly the IPv4 packets the NAT
 * owns and redirects them into one of the daemon's TUN devices:
 *  - destination is an external address (ext_map) and
 *  - TCP/UDP destination port, or ICMP echo reply identifier, is owned on
 *    that address (port_map: a bit per external address), or
 *  - it is an ICMP error (the daemon leaves those about the host's own
 *    traffic to the host), or a fragment other than the first (the daemon
 *    translates it like its first fragment, or leaves it to the host).
 * Packets from an uplink whose source is one of our external addresses or
 * lies in an internal prefix (prefix_map) are spoofed: dropped.
 * Everything else passes (TC_ACT_OK), untouched: the host's own traffic
 * never leaves the kernel.
 * The interface a packet arrives on tells its role (if_map): from a bridge
 * it is an endpoint's (hairpin): DP_OUT; from an uplink or lo: DP_IN.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ROLE_UPLINK 1
#define ROLE_BRIDGE 2
#define ROLE_LO 3

struct if_role {
	__u32 role;	/* ROLE_* */
	__u32 l2len;	/* bytes of link header before IPv4 */
};

struct targets {
	__u32 out_ifindex;	/* DP_OUT */
	__u32 in_ifindex;	/* DP_IN */
};

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);		/* ifindex */
	__type(value, struct if_role);
} if_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);		/* external address, network order */
	__type(value, __u32);		/* its bit in port_map values */
} ext_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3 * 65536);
	__type(key, __u32);		/* proto * 65536 + port: tcp 0, udp 1, icmp 2 */
	__type(value, __u32);		/* bit per external address: owned */
} port_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} prefix_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct targets);
} target_map SEC(".maps");

static __always_inline int owned(__u32 proto, __u16 port, __u32 bit)
{
	__u32 key = proto * 65536 + port;
	__u32 *v = bpf_map_lookup_elem(&port_map, &key);

	return v && (*v & bit);
}

SEC("tc")
int hostnat_steer(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u32 ifindex = skb->ingress_ifindex, zero = 0, *bitp, bit, l2;
	struct if_role *role;
	struct targets *tg;
	__u8 *ip, *l4;
	__u32 daddr, saddr, ihl;
	__u16 frag;
	int redirect = 0;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	role = bpf_map_lookup_elem(&if_map, &ifindex);
	if (!role)
		return TC_ACT_OK;
	l2 = role->l2len & 0x1f;
	/* headers must be in the linear part for direct access */
	if (data + l2 + 68 > end && skb->len > (__u32)(end - data)) {
		bpf_skb_pull_data(skb, skb->len < l2 + 68 ? skb->len : l2 + 68);
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	ip = (__u8 *)data + l2;
	if ((void *)(ip + 20) > end)
		return TC_ACT_OK;
	if ((ip[0] >> 4) != 4)
		return TC_ACT_OK;
	ihl = (ip[0] & 0xf) * 4;
	if (ihl < 20)
		return TC_ACT_OK;
	__builtin_memcpy(&daddr, ip + 16, 4);
	__builtin_memcpy(&saddr, ip + 12, 4);
	bitp = bpf_map_lookup_elem(&ext_map, &daddr);

	if (role->role == ROLE_UPLINK) {
		struct lpm_key k = { 32, saddr };

		if (bpf_map_lookup_elem(&ext_map, &saddr) ||
		    bpf_map_lookup_elem(&prefix_map, &k))
			return TC_ACT_SHOT; /* spoofed source */
	}
	if (!bitp)
		return TC_ACT_OK;
	bit = *bitp;
	frag = (__u16)(ip[6] << 8 | ip[7]);
	if (frag & 0x1fff) {
		redirect = 1;
	} else {
		l4 = ip + ihl;
		if (ihl > 60 || (void *)(l4 + 8) > end)
			return TC_ACT_OK;
		switch (ip[9]) {
		case IPPROTO_TCP:
			redirect = owned(0, (__u16)(l4[2] << 8 | l4[3]), bit);
			break;
		case IPPROTO_UDP:
			redirect = owned(1, (__u16)(l4[2] << 8 | l4[3]), bit);
			break;
		case IPPROTO_ICMP:
			if (l4[0] == 0) /* echo reply */
				redirect = owned(2, (__u16)(l4[4] << 8 | l4[5]),
						 bit);
			else if (l4[0] == 3 || l4[0] == 11 || l4[0] == 12)
				redirect = 1;
			break;
		default:
			break;
		}
	}
	if (!redirect)
		return TC_ACT_OK;
	tg = bpf_map_lookup_elem(&target_map, &zero);
	if (!tg)
		return TC_ACT_OK;
	return bpf_redirect(role->role == ROLE_BRIDGE ? tg->out_ifindex
						       : tg->in_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
