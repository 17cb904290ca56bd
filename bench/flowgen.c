/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - bench/flowgen.c: many concurrent UDP flows, and their reflector
 *
 * Theory of operation
 * -------------------
 * bench/scale.sh runs this program twice: `flowgen send` in an endpoint's
 * namespace, `flowgen reflect` outside, with a NAT between them.
 *
 * send: flow i (0 <= i < --flows) is one UDP 5-tuple: source address
 * --src + i % --nsrc, source port --sport + (i / --nsrc) (so that every
 * flow has an address and port of its own, hence a mapping of its own in an
 * endpoint-independent NAT: the worst case for memory), destination --dst,
 * port --dport + i % --ndport. Packets leave through a raw socket
 * (IPPROTO_RAW: the kernel routes them, any source is allowed); answers
 * are read from a packet socket on --ifname (the sources are not the
 * stack's, and the script drops them before the stack would answer them
 * with port unreachable). Each datagram carries a 12-byte payload: a magic
 * word, the flow index and the round; an answer counts for its flow when
 * it comes back to the flow's own address and port with the round it was
 * sent in.
 *
 * Rounds (--rounds, default 2): round 1 opens the flows (their first
 * packets go through the NAT's slow path); later rounds send one more
 * datagram per flow, which a NAT with a fast path carries there. A round
 * sends every flow not yet answered in it, paced at --rate datagrams per
 * second, then waits until no answer has come for 1 s (at most --wait
 * seconds), and sends again what is still unanswered, up to --tries times,
 * each time at half the rate of the time before;
 * after round 1 it waits --hold seconds more before the next.
 * Output, one line per round, then the total:
 *   round R: answered A of F flows (first try A1), sent S, T s
 *   answered A of F flows
 * With --go FILE, round R starts only once FILE.R exists, so that the
 * script decides when (bench/scale.sh measures memory between rounds 1
 * and 2, every flow in place).
 *
 * reflect: reads IPv4 UDP frames to --addr from a packet socket on
 * --ifname and sends each back out of the same device with Ethernet
 * addresses, IP addresses and UDP ports swapped: the checksums stay valid
 * (the sums are commutative). Runs until SIGTERM or SIGINT; prints how many
 * it reflected.
 *
 * Limits: --flows at most 16 M; --nsrc at most 65536; sport + flows / nsrc
 * under 65536.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x686e6667u /* "hnfg" */
#define PAYLOAD 12 /* bytes: magic, flow, round */
#define PKT_LEN (20 + 8 + PAYLOAD) /* bytes of IPv4 datagram */
#define BURST 64 /* datagrams per sendmmsg()/recvmmsg() */
#define FRAME 2048 /* bytes of receive buffer per frame */
#define MAX_FLOWS (16u << 20)
#define MAX_ROUNDS 8
#define QUIET_S 1.0 /* s without a new answer that end a wait */
#define SOCK_BUF (256 << 20) /* bytes of socket buffer asked for */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* the sender's state */
struct gen {
	uint32_t flows, nsrc, ndport;
	uint32_t src, dst; /* host order */
	uint16_t sport, dport;
	unsigned rate, tries, rounds;
	double wait, hold;
	const char *ifname, *go;
	int tx, rx;
	uint8_t *answered; /* [round][flow]: 1 once answered */
	_Atomic unsigned cur; /* the round being answered, 1-based */
	_Atomic uint64_t answers, late, bad;
	_Atomic double last_answer;
};

static void flow_tuple(const struct gen *g, uint32_t i, uint32_t *saddr,
		       uint16_t *sport, uint16_t *dport)
{
	*saddr = g->src + i % g->nsrc;
	*sport = (uint16_t)(g->sport + i / g->nsrc);
	*dport = (uint16_t)(g->dport + i % g->ndport);
}

static void build(const struct gen *g, uint8_t *b, uint32_t i, unsigned round,
		  uint16_t id)
{
	uint32_t saddr, sum;
	uint16_t sport, dport, c;

	flow_tuple(g, i, &saddr, &sport, &dport);
	memset(b, 0, PKT_LEN);
	b[0] = 0x45;
	b[2] = PKT_LEN >> 8;
	b[3] = PKT_LEN & 0xff;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = 0x40; /* DF: an atomic datagram (RFC 6864) */
	b[8] = 64;
	b[9] = IPPROTO_UDP;
	put32(b + 12, saddr);
	put32(b + 16, g->dst);
	c = csum_fold(csum_add(0, b, 20));
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	b[25] = 8 + PAYLOAD;
	put32(b + 28, MAGIC);
	put32(b + 32, i);
	put32(b + 36, round);
	sum = csum_add(0, b + 12, 8) + IPPROTO_UDP + 8 + PAYLOAD;
	c = csum_fold(csum_add(sum, b + 20, 8 + PAYLOAD));
	if (!c)
		c = 0xffff;
	b[26] = (uint8_t)(c >> 8);
	b[27] = (uint8_t)c;
}

/* one answer: to a flow's own address and port, in the current round */
static void answer(struct gen *g, const uint8_t *p, size_t len)
{
	uint32_t saddr, i, round;
	uint16_t sport, dport;
	size_t hl;

	if (len < 20 || (p[0] >> 4) != 4 || p[9] != IPPROTO_UDP)
		return;
	hl = (size_t)(p[0] & 15) * 4;
	if (len < hl + 8 + PAYLOAD || get32(p + hl + 8) != MAGIC)
		return;
	i = get32(p + hl + 12);
	round = get32(p + hl + 16);
	if (i >= g->flows || round < 1 || round > g->rounds) {
		atomic_fetch_add(&g->bad, 1);
		return;
	}
	flow_tuple(g, i, &saddr, &sport, &dport);
	if (get32(p + 16) != saddr || get16(p + hl + 2) != sport ||
	    get32(p + 12) != g->dst || get16(p + hl) != dport) {
		atomic_fetch_add(&g->bad, 1);
		return;
	}
	if (round != atomic_load(&g->cur)) {
		atomic_fetch_add(&g->late, 1);
		return;
	}
	if (!g->answered[(size_t)(round - 1) * g->flows + i]) {
		g->answered[(size_t)(round - 1) * g->flows + i] = 1;
		atomic_fetch_add(&g->answers, 1);
		atomic_store(&g->last_answer, now_s());
	}
}

static void *rx_loop(void *arg)
{
	static uint8_t buf[BURST][FRAME];
	struct mmsghdr msg[BURST];
	struct iovec iov[BURST];
	struct sockaddr_ll sll[BURST];
	struct gen *g = arg;
	int n, k;

	memset(msg, 0, sizeof(msg));
	for (k = 0; k < BURST; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = FRAME;
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
		msg[k].msg_hdr.msg_name = &sll[k];
		msg[k].msg_hdr.msg_namelen = sizeof(sll[k]);
	}
	while (!stop) {
		n = recvmmsg(g->rx, msg, BURST, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("flowgen: recvmmsg");
			break;
		}
		for (k = 0; k < n; k++) {
			if (sll[k].sll_pkttype != PACKET_OUTGOING)
				answer(g, buf[k], msg[k].msg_len);
			msg[k].msg_hdr.msg_namelen = sizeof(sll[k]);
		}
	}
	return NULL;
}

/* send every flow of @round not answered yet, paced; returns datagrams sent */
static uint64_t send_pass(struct gen *g, unsigned round, uint16_t *id,
			  unsigned rate)
{
	static uint8_t buf[BURST][PKT_LEN];
	struct mmsghdr msg[BURST];
	struct iovec iov[BURST];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	const uint8_t *ans = g->answered + (size_t)(round - 1) * g->flows;
	double t0 = now_s(), t;
	uint64_t sent = 0;
	uint32_t i = 0;
	int n, k, r;

	dst.sin_addr.s_addr = htonl(g->dst);
	memset(msg, 0, sizeof(msg));
	for (k = 0; k < BURST; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = PKT_LEN;
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
		msg[k].msg_hdr.msg_name = &dst;
		msg[k].msg_hdr.msg_namelen = sizeof(dst);
	}
	while (i < g->flows && !stop) {
		for (n = 0; n < BURST && i < g->flows; i++)
			if (!ans[i])
				build(g, buf[n++], i, round, (*id)++);
		for (k = 0; k < n;) {
			r = sendmmsg(g->tx, msg + k, (unsigned)(n - k), 0);
			if (r < 0) {
				if (errno == ENOBUFS || errno == EAGAIN) {
					usleep(100);
					continue;
				}
				perror("flowgen: sendmmsg");
				return sent;
			}
			k += r;
		}
		sent += (uint64_t)n;
		/* pace: sent datagrams at --rate from t0 */
		t = t0 + (double)sent / rate - now_s();
		if (t > 0)
			usleep((useconds_t)(t * 1e6));
	}
	return sent;
}

static void wait_answers(struct gen *g, uint64_t want)
{
	double start = now_s(), last;

	atomic_store(&g->last_answer, start);
	while (!stop && atomic_load(&g->answers) < want) {
		usleep(20 * 1000);
		last = atomic_load(&g->last_answer);
		if (now_s() - last > QUIET_S || now_s() - start > g->wait)
			break;
	}
}

static int run_send(struct gen *g)
{
	uint64_t total_sent = 0;
	uint16_t id = 1;
	unsigned r, t;
	pthread_t th;
	int ret = 0;

	g->answered = calloc((size_t)g->rounds * g->flows, 1);
	if (!g->answered) {
		fprintf(stderr, "flowgen: out of memory for %u flows\n",
			g->flows);
		return 1;
	}
	if (pthread_create(&th, NULL, rx_loop, g)) {
		fprintf(stderr, "flowgen: cannot start the receiver\n");
		return 1;
	}
	for (r = 1; r <= g->rounds && !stop; r++) {
		uint64_t first = 0, sent = 0;
		double t0;

		if (g->go) {
			char path[4096];
			struct stat st;

			snprintf(path, sizeof(path), "%s.%u", g->go, r);
			while (!stop && stat(path, &st))
				usleep(50 * 1000);
		}
		atomic_store(&g->answers, 0);
		atomic_store(&g->cur, r);
		t0 = now_s();
		for (t = 0; t <= g->tries && !stop; t++) {
			/* a NAT that lost some at --rate gets them slower */
			sent += send_pass(g, r, &id,
					  g->rate >> t ? g->rate >> t : 1);
			wait_answers(g, g->flows);
			if (!t)
				first = atomic_load(&g->answers);
			if (atomic_load(&g->answers) >= g->flows)
				break;
		}
		total_sent += sent;
		printf("round %u: answered %llu of %u flows (first try %llu), "
		       "sent %llu, %.1f s\n",
		       r, (unsigned long long)atomic_load(&g->answers),
		       g->flows, (unsigned long long)first,
		       (unsigned long long)sent, now_s() - t0);
		fflush(stdout);
		if (r == 1 && g->hold > 0) {
			printf("holding %u flows for %.0f s\n", g->flows,
			       g->hold);
			fflush(stdout);
			usleep((useconds_t)(g->hold * 1e6));
		}
	}
	atomic_store(&g->cur, 0);
	stop = 1;
	pthread_join(th, NULL);
	if (atomic_load(&g->answers) < g->flows)
		ret = 3;
	printf("answered %llu of %u flows (last round), sent %llu, "
	       "late %llu, wrong %llu\n",
	       (unsigned long long)atomic_load(&g->answers), g->flows,
	       (unsigned long long)total_sent,
	       (unsigned long long)atomic_load(&g->late),
	       (unsigned long long)atomic_load(&g->bad));
	free(g->answered);
	return ret;
}

static int packet_socket(const char *ifname, int *ifindex, int type)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct timeval tv = { 0, 200 * 1000 };
	int fd, one = 1, sz = SOCK_BUF;

	*ifindex = (int)if_nametoindex(ifname);
	if (!*ifindex) {
		fprintf(stderr, "flowgen: no device '%s'\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, type, htons(ETH_P_IP));
	if (fd < 0) {
		perror("flowgen: packet socket");
		return -1;
	}
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("flowgen: bind to the device");
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* recvmmsg()'s own timeout is only looked at after a datagram */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* reflect: answer every UDP datagram to @addr from where it came */
static int run_reflect(const char *ifname, uint32_t addr)
{
	static uint8_t buf[BURST][FRAME];
	struct mmsghdr msg[BURST], out[BURST];
	struct iovec iov[BURST], oiov[BURST];
	struct sockaddr_ll sll[BURST];
	uint64_t reflected = 0;
	int fd, ifindex, n, k, m, r;

	fd = packet_socket(ifname, &ifindex, SOCK_RAW);
	if (fd < 0)
		return 1;
	memset(msg, 0, sizeof(msg));
	memset(out, 0, sizeof(out));
	for (k = 0; k < BURST; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = FRAME;
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
		msg[k].msg_hdr.msg_name = &sll[k];
		msg[k].msg_hdr.msg_namelen = sizeof(sll[k]);
	}
	while (!stop) {
		n = recvmmsg(fd, msg, BURST, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("flowgen: recvmmsg");
			break;
		}
		for (k = 0, m = 0; k < n; k++) {
			uint8_t *e = buf[k], *ip = e + 14, *udp, t[6];
			size_t len = msg[k].msg_len, hl;

			msg[k].msg_hdr.msg_namelen = sizeof(sll[k]);
			if (sll[k].sll_pkttype == PACKET_OUTGOING ||
			    len < 14 + 20 + 8 || (ip[0] >> 4) != 4 ||
			    ip[9] != IPPROTO_UDP || get32(ip + 16) != addr)
				continue;
			hl = (size_t)(ip[0] & 15) * 4;
			if (len < 14 + hl + 8 || (get16(ip + 6) & 0x3fff))
				continue; /* fragments are not ours */
			udp = ip + hl;
			memcpy(t, e, 6);
			memcpy(e, e + 6, 6);
			memcpy(e + 6, t, 6);
			memcpy(t, ip + 12, 4);
			memcpy(ip + 12, ip + 16, 4);
			memcpy(ip + 16, t, 4);
			memcpy(t, udp, 2);
			memcpy(udp, udp + 2, 2);
			memcpy(udp + 2, t, 2);
			oiov[m].iov_base = e;
			oiov[m].iov_len = len;
			out[m].msg_hdr.msg_iov = &oiov[m];
			out[m].msg_hdr.msg_iovlen = 1;
			m++;
		}
		for (k = 0; k < m;) {
			r = sendmmsg(fd, out + k, (unsigned)(m - k), 0);
			if (r < 0) {
				if (errno == ENOBUFS || errno == EAGAIN) {
					usleep(50);
					continue;
				}
				perror("flowgen: sendmmsg");
				break;
			}
			k += r;
		}
		reflected += (uint64_t)m;
	}
	printf("reflected %llu\n", (unsigned long long)reflected);
	close(fd);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flowgen send --ifname DEV --src ADDR --dst ADDR "
		"[--flows N] [--nsrc N]\n"
		"               [--sport PORT] [--dport PORT] [--ndport N] "
		"[--rate PPS] [--rounds N]\n"
		"               [--tries N] [--wait S] [--hold S] [--go FILE]\n"
		"       flowgen reflect --ifname DEV --addr ADDR\n");
}

static int parse_addr(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1) {
		fprintf(stderr, "flowgen: '%s' is not an IPv4 address\n", s);
		return -1;
	}
	*a = ntohl(in.s_addr);
	return 0;
}

static int parse_num(const char *opt, const char *s, unsigned long lo,
		     unsigned long hi, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || !*s || *v < lo || *v > hi) {
		fprintf(stderr, "flowgen: --%s '%s': use %lu to %lu\n", opt, s,
			lo, hi);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "addr", required_argument, NULL, 'a' },
		{ "flows", required_argument, NULL, 'f' },
		{ "nsrc", required_argument, NULL, 'n' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "ndport", required_argument, NULL, 'N' },
		{ "rate", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "tries", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "hold", required_argument, NULL, 'h' },
		{ "go", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen g = {
		.flows = 1000,
		.nsrc = 1,
		.ndport = 1,
		.sport = 10000,
		.dport = 20000,
		.rate = 100000,
		.tries = 3,
		.rounds = 2,
		.wait = 30,
		.hold = 0,
	};
	uint32_t addr = 0;
	bool reflect;
	unsigned long v;
	struct sigaction sa = { .sa_handler = on_signal };
	int c, ifindex, idx, sz = SOCK_BUF;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	reflect = !strcmp(argv[1], "reflect");
	if (!reflect && strcmp(argv[1], "send")) {
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case 'i':
			g.ifname = optarg;
			break;
		case 's':
			if (parse_addr(optarg, &g.src))
				return 2;
			break;
		case 'd':
			if (parse_addr(optarg, &g.dst))
				return 2;
			break;
		case 'a':
			if (parse_addr(optarg, &addr))
				return 2;
			break;
		case 'g':
			g.go = optarg;
			break;
		case 'w':
			g.wait = atof(optarg);
			break;
		case 'h':
			g.hold = atof(optarg);
			break;
		default:
			if (c == '?' || !optarg) {
				usage(stderr);
				return 2;
			}
			if (parse_num(opts[idx].name, optarg, 0, MAX_FLOWS, &v))
				return 2;
			switch (c) {
			case 'f':
				g.flows = (uint32_t)v;
				break;
			case 'n':
				g.nsrc = (uint32_t)v;
				break;
			case 'S':
				g.sport = (uint16_t)v;
				break;
			case 'D':
				g.dport = (uint16_t)v;
				break;
			case 'N':
				g.ndport = (uint32_t)v;
				break;
			case 'r':
				g.rate = (unsigned)v;
				break;
			case 'R':
				g.rounds = (unsigned)v;
				break;
			case 't':
				g.tries = (unsigned)v;
				break;
			}
		}
	}
	if (!g.ifname) {
		fprintf(stderr, "flowgen: --ifname is needed\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: a read ends */
	sigaction(SIGINT, &sa, NULL);
	if (reflect) {
		if (!addr) {
			fprintf(stderr, "flowgen: reflect needs --addr\n");
			return 2;
		}
		return run_reflect(g.ifname, addr);
	}
	if (!g.src || !g.dst || !g.flows || !g.nsrc || !g.ndport || !g.rate ||
	    !g.rounds || g.rounds > MAX_ROUNDS || g.nsrc > 65536 ||
	    g.sport + (g.flows - 1) / g.nsrc > 65535 ||
	    g.dport + g.ndport - 1 > 65535) {
		fprintf(stderr,
			"flowgen: send needs --src and --dst, and "
			"flows, sources, ports within range (sport + "
			"flows / nsrc < 65536, rounds <= %d)\n",
			MAX_ROUNDS);
		return 2;
	}
	g.tx = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (g.tx < 0) {
		perror("flowgen: raw socket (root needed)");
		return 1;
	}
	setsockopt(g.tx, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	g.rx = packet_socket(g.ifname, &ifindex, SOCK_DGRAM);
	if (g.rx < 0)
		return 1;
	return run_send(&g);
}
