/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - tests/unit/nattest.h: a test bench around one engine instance
 *
 * Theory of operation
 * -------------------
 * Each test builds an engine with one NAT network like the one hostnat
 * ships ("nat": internal 172.16.0.0/16, gateway 172.16.0.1, external
 * 198.51.100.2 ports 1024-65535), feeds it packets one at a time through
 * nat_process() and moves a millisecond clock forward in 100 ms steps,
 * calling nat_poll() at each step as nat.h asks (NAT_POLL_INTERVAL_MS).
 * Packets nat_poll() hands out are copied, since their bytes only live until
 * the next engine call. Test packets live in their own allocation of
 * len + NT_ROOM bytes, so the engine may build an ICMP error in place and
 * AddressSanitizer sees any write past @cap.
 */
#ifndef HOSTNAT_TEST_NATTEST_H
#define HOSTNAT_TEST_NATTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "nat.h"
#include "pktbuild.h"

#define NT_ROOM 600 /* bytes of room after each test packet */
#define NT_T0_MS 1000000ull /* ms, the clock at nat_create() */
#define NT_STEP_MS 100 /* ms, clock step between nat_poll() calls */
#define NT_POLL_MAX 64 /* packets from nat_poll() kept */
#define NT_PKT_MAX 2048 /* bytes of one kept packet */

/* the standard network and its neighbours */
#define NT_PREFIX IPV4(172, 16, 0, 0)
#define NT_PLEN 16
#define NT_GW IPV4(172, 16, 0, 1)
#define NT_EXT IPV4(198, 51, 100, 2)
#define NT_EXT_OTHER IPV4(198, 51, 100, 77) /* not ours */
#define NT_PORT_LO 1024
#define NT_PORT_HI 65535
#define HOST_A IPV4(172, 16, 1, 10)
#define HOST_B IPV4(172, 16, 1, 100)
#define HOST_C IPV4(172, 16, 1, 20)
#define HOST_D IPV4(172, 16, 1, 30)
#define REM1 IPV4(203, 0, 113, 5)
#define REM2 IPV4(203, 0, 113, 6)
#define ROUTER IPV4(192, 0, 2, 1) /* a router between NAT and remote */

/**
 * struct nt - one engine under test
 * @nat:	the engine
 * @net:	id of the standard network
 * @now:	ms, the clock handed to the engine
 * @npolled:	packets kept from nat_poll() since nt_polled_clear()
 * @polled:	their descriptors (@data points into @polled_buf)
 * @polled_buf:	their bytes
 */
struct nt {
	struct nat *nat;
	unsigned net;
	uint64_t now;
	unsigned npolled;
	struct nat_pkt polled[NT_POLL_MAX];
	uint8_t polled_buf[NT_POLL_MAX][NT_PKT_MAX];
};

struct nt *nt_new(const struct nat_limits *lim);
struct nt *nt_std(const struct nat_limits *lim, const struct nat_net_cfg *cfg);
void nt_free(struct nt *t);
int nt_setup_std(void **state);
int nt_teardown(void **state);
uint8_t nt_run(struct nt *t, struct nat_pkt *p);
unsigned nt_poll(struct nt *t);
void nt_advance(struct nt *t, uint64_t ms);
void nt_polled_clear(struct nt *t);
unsigned nt_sessions(struct nt *t, struct nat_session_info *out, unsigned max);
bool nt_session_find(struct nt *t, uint8_t proto, uint32_t int_addr,
		     uint16_t int_port, uint32_t rem_addr, uint16_t rem_port,
		     struct nat_session_info *out);
uint64_t nt_drops(struct nt *t, unsigned reason);

struct nat_pkt *tp_new(const uint8_t *bytes, size_t len, uint8_t dir);
struct nat_pkt *tp_copy(const struct nat_pkt *p);
void tp_free(struct nat_pkt *p);
struct nat_pkt *tp_udp(uint8_t dir, uint32_t src, uint16_t sport, uint32_t dst,
		       uint16_t dport);
struct nat_pkt *tp_tcp(uint8_t dir, uint32_t src, uint16_t sport, uint32_t dst,
		       uint16_t dport, uint8_t flags, uint32_t seq,
		       uint32_t ack);
struct nat_pkt *tp_echo(uint8_t dir, uint32_t src, uint32_t dst, uint8_t type,
			uint16_t id, uint16_t seq);
struct nat_pkt *tp_icmp_err(uint8_t dir, uint32_t src, uint32_t dst,
			    uint8_t type, uint8_t code, uint32_t rest,
			    const uint8_t *quote, size_t qlen);

uint16_t nt_udp_out(struct nt *t, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport);
void nt_udp_in_ok(struct nt *t, uint32_t rem, uint16_t rport, uint16_t ext_port,
		  uint32_t host, uint16_t hport);
struct nat_pkt *nt_udp_in(struct nt *t, uint32_t rem, uint16_t rport,
			  uint16_t ext_port);
uint16_t nt_tcp_out(struct nt *t, uint32_t src, uint16_t sport, uint32_t dst,
		    uint16_t dport, uint8_t flags);
void nt_tcp_in_ok(struct nt *t, uint32_t rem, uint16_t rport, uint16_t ext_port,
		  uint32_t host, uint16_t hport, uint8_t flags);

void nt_check_verdict(const struct nat_pkt *p, uint8_t verdict, uint8_t reason,
		      const char *file, int line);
void nt_check_addr(uint32_t got, uint32_t want, const char *what,
		   const char *file, int line);

/**
 * struct nt_icmp_err - what an ICMP error must say and quote; a zero
 * address or port is not checked
 * @src:	outer source address
 * @dst:	outer destination address (0: not checked)
 * @type:	ICMP type
 * @code:	ICMP code
 * @in_src:	source address of the quoted header
 * @in_dst:	destination address of the quoted header
 * @in_sport:	source port of the quoted datagram; the identifier when it
 *		quotes an ICMP query
 * @in_dport:	destination port of the quoted datagram
 */
struct nt_icmp_err {
	uint32_t src, dst;
	uint8_t type, code;
	uint32_t in_src, in_dst;
	uint16_t in_sport, in_dport;
};

void nt_check_icmp_err(const struct nat_pkt *p, const struct nt_icmp_err *e,
		       const char *file, int line);

/* a test on the standard engine: *state is its struct nt, freed after */
#define NT_STD(f) cmocka_unit_test_setup_teardown(f, nt_setup_std, nt_teardown)

/* the packet got @v (reason not checked unless @v is NAT_DROP) */
#define assert_verdict(p, v) nt_check_verdict((p), (v), 0, __FILE__, __LINE__)
/* the packet was dropped for reason @r */
#define assert_drop(p, r) \
	nt_check_verdict((p), NAT_DROP, (r), __FILE__, __LINE__)
/* an address read from a packet equals @want (printed dotted on failure) */
#define assert_addr(got, want, what) \
	nt_check_addr((got), (want), (what), __FILE__, __LINE__)

/* @p is an ICMP error as the fields of struct nt_icmp_err say, checksums of
 * its header, its ICMP message and its quoted header right:
 * assert_icmp_err(p, .src = REM1, .dst = HOST_A, .type = ..., ...) */
#define assert_icmp_err(p, ...)                                            \
	nt_check_icmp_err((p), &(const struct nt_icmp_err){ __VA_ARGS__ }, \
			  __FILE__, __LINE__)

/* IPv4 header and TCP/UDP or ICMP checksums of a packet are all right */
#define assert_csums(p)                                                    \
	do {                                                               \
		assert_true(pb_ip_csum_ok((p)->data, (p)->len));           \
		if (pb_proto((p)->data) == PB_IPPROTO_ICMP)                \
			assert_true(pb_icmp_csum_ok((p)->data, (p)->len)); \
		else                                                       \
			assert_true(pb_l4_csum_ok((p)->data, (p)->len));   \
	} while (0)

#endif /* HOSTNAT_TEST_NATTEST_H */
