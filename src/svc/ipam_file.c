/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - ipam_file.c: the address pool's state file
 *
 * Theory of operation
 * -------------------
 * The state file (ipam_save(), ipam_load()) is text, one entry a line:
 *
 *   hostnat-ipam 1
 *   pool 10.0.0.0/24
 *   system ADDR NAME
 *   static ADDR MAC NAME
 *   lease ADDR offered|bound|free EXPIRES MAC CLIENT-ID-HEX HOSTNAME|-
 *   endpoint ADDR NAME NETNS MAC|- [OWNER]  (OWNER: a container id;
 *                                           older files have none)
 *   declined ADDR EXPIRES [MAC]  (MAC: who declined it; older files
 *                                 have none)
 *   end COUNT
 *
 * Entries come in address order, fields are separated by one space, every
 * line ends in a newline and the trailer counts the entries, so a file cut
 * short is refused. Loading checks every field and every rule the pool
 * keeps (addresses in the prefix and used once, names, MACs and client
 * identifiers unique) and names the line and the problem when it refuses.
 *
 * Saving writes into a caller's buffer (ipam_save(), -EOVERFLOW when the
 * text does not fit) or a stream (ipam_save_file()). Loading fills an
 * empty pool through the same slot helpers the pool uses
 * (ipam_slot_attach()), so the bitmaps and counters are the pool's own;
 * on a refusal the pool is emptied again, never left half-loaded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ipam.h"
#include "ipam_int.h"

#define LINE_MAX_LEN 512 /* bytes, longest state file line accepted */
#define FIELDS_MAX 8 /* fields in a state file line */

/* --- state file: writing ------------------------------------------------ */

struct out {
	char *buf;
	size_t size;
	size_t len;
	FILE *f;
	int err;
};

__attribute__((format(printf, 2, 3))) static void
out_printf(struct out *o, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		o->err = -EOVERFLOW;
		return;
	}
	if (o->f) {
		if (fwrite(line, 1, (size_t)n, o->f) != (size_t)n && !o->err)
			o->err = -EIO;
	} else if (o->buf && o->len < o->size) {
		size_t room = o->size - o->len - 1;

		memcpy(o->buf + o->len, line,
		       (size_t)n < room ? (size_t)n : room);
		o->buf[o->len + ((size_t)n < room ? (size_t)n : room)] = '\0';
	}
	o->len += (size_t)n;
}

static void fmt_mac(char *s, const uint8_t *m)
{
	sprintf(s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
}

/* the pool as the file's text: header, one entry a line, counted end */
static void save(const struct ipam *ipam, struct out *o)
{
	const struct ipam_entry *e;
	char a[LIB_ADDR_LEN], m[18], id[2 * IPAM_ID_MAX + 1];
	uint32_t pos = 0, n = 0, i;

	lib_addr_fmt(a, ipam->net);
	out_printf(o, "hostnat-ipam 1\npool %s/%u\n", a, ipam->cfg.plen);
	while ((e = ipam_iter(ipam, &pos))) {
		lib_addr_fmt(a, e->addr);
		fmt_mac(m, e->mac);
		switch (e->kind) {
		case IPAM_SYSTEM:
			out_printf(o, "system %s %s\n", a, e->name);
			break;
		case IPAM_STATIC:
			out_printf(o, "static %s %s %s\n", a, m, e->name);
			break;
		case IPAM_LEASE:
			for (i = 0; i < e->id_len; i++)
				sprintf(id + 2 * i, "%02x", e->id[i]);
			out_printf(o, "lease %s %s %" PRId64 " %s %s %s\n", a,
				   ipam_state_name(e->state), e->expires, m, id,
				   e->name[0] ? e->name : "-");
			break;
		case IPAM_ENDPOINT:
			out_printf(o, "endpoint %s %s %s %s%s%s\n", a,
				   e->name, e->netns, e->has_mac ? m : "-",
				   e->owner[0] ? " " : "", e->owner);
			break;
		case IPAM_DECLINED:
			if (e->has_mac)
				out_printf(o, "declined %s %" PRId64 " %s\n",
					   a, e->expires, m);
			else
				out_printf(o, "declined %s %" PRId64 "\n", a,
					   e->expires);
			break;
		}
		n++;
	}
	out_printf(o, "end %u\n", n);
}

/**
 * ipam_save() - write the pool as text (the state file)
 * @ipam:	pool
 * @buf:	where to write, NUL-terminated; NULL to only measure
 * @size:	its size
 *
 * Like snprintf(): the text is cut to fit, and the full length returned.
 *
 * Return: length of the full text (without NUL), or -EOVERFLOW
 */
ssize_t ipam_save(const struct ipam *ipam, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (buf && size)
		buf[0] = '\0';
	save(ipam, &o);
	return o.err ? o.err : (ssize_t)o.len;
}

/**
 * ipam_save_file() - write the pool as text to a stream
 * @ipam:	pool
 * @f:		stream
 *
 * Return: 0, -EIO on a write error
 */
int ipam_save_file(const struct ipam *ipam, FILE *f)
{
	struct out o = { .f = f };

	save(ipam, &o);
	if (!o.err && ferror(f))
		o.err = -EIO;
	return o.err;
}

/* --- state file: reading ------------------------------------------------ */

/**
 * struct loader - state of ipam_load()
 * @ipam:	pool being filled
 * @line:	line number, from 1
 * @n:		entries loaded
 * @ended:	the trailer was seen
 * @err:	message buffer
 * @errlen:	its size
 */
struct loader {
	struct ipam *ipam;
	unsigned line;
	uint32_t n;
	bool ended;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct loader *ld,
						      const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	if (ld->err && ld->errlen) {
		int r = snprintf(ld->err, ld->errlen, "line %u: ", ld->line);

		n = r > 0 ? (size_t)r : 0;
		if (n < ld->errlen) {
			va_start(ap, fmt);
			vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* decimal, canonical (no sign, no leading zero), at most @max */
static bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (x > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

static bool parse_addr(const char *s, uint32_t *a)
{
	uint32_t x = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char part[4];
		uint64_t v;
		size_t n = 0;

		while (*s >= '0' && *s <= '9' && n < 3)
			part[n++] = *s++;
		part[n] = '\0';
		if (!n || !parse_u64(part, 255, &v))
			return false;
		x = x << 8 | (uint32_t)v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (*s)
		return false;
	*a = x;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* lower-case hex bytes, @sep between them (0: none); exactly @max bytes
 * if @exact, else 2 to @max
 */
static bool parse_hex(const char *s, char sep, uint8_t *out, size_t max,
		      bool exact, size_t *len)
{
	size_t n = 0;

	while (*s) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0 || n >= max)
			return false;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (sep && *s) {
			if (*s != sep || !s[1])
				return false;
			s++;
		}
	}
	if (exact ? n != max : n < 2)
		return false;
	*len = n;
	return true;
}

static bool parse_mac(const char *s, uint8_t *mac)
{
	size_t n;

	return parse_hex(s, ':', mac, 6, true, &n);
}

static bool parse_time(const char *s, int64_t *t)
{
	uint64_t v;

	if (!parse_u64(s, INT64_MAX, &v))
		return false;
	*t = (int64_t)v;
	return true;
}

/* an address field: valid, in the pool, not yet used by another line */
static int load_addr(struct loader *ld, const char *s, uint32_t *a)
{
	if (!parse_addr(s, a))
		return fail(ld, "bad address '%s'", s);
	if (!ipam_contains(ld->ipam, *a))
		return fail(ld, "address %s is not a host address of the pool",
			    s);
	if (ipam_slot_by_addr(ld->ipam, *a) != NIL)
		return fail(ld, "address %s appears twice", s);
	return 0;
}

/* one entry line checked field by field and added to the pool */
static int load_entry(struct loader *ld, char **f, unsigned nf)
{
	struct ipam *ipam = ld->ipam;
	struct ipam_entry e = { 0 };
	uint32_t i;
	size_t n;
	int ret;

	memset(&e, 0, sizeof(e));
	if (!strcmp(f[0], "system") && nf == 3) {
		e.kind = IPAM_SYSTEM;
		if (!ipam_name_valid(f[2]))
			return fail(ld, "bad name '%s'", f[2]);
		strcpy(e.name, f[2]);
	} else if (!strcmp(f[0], "static") && nf == 4) {
		e.kind = IPAM_STATIC;
		e.has_mac = 1;
		if (!parse_mac(f[2], e.mac) || !ipam_mac_valid(e.mac))
			return fail(ld, "bad MAC address '%s'", f[2]);
		if (!ipam_name_valid(f[3]))
			return fail(ld, "bad name '%s'", f[3]);
		if (ipam_slot_by_mac(ipam, e.mac, IPAM_STATIC, -1) != NIL)
			return fail(ld, "MAC address %s reserved twice", f[2]);
		if (ipam_find_name(ipam, IPAM_STATIC, f[3]))
			return fail(ld, "reservation name '%s' used twice",
				    f[3]);
		strcpy(e.name, f[3]);
	} else if (!strcmp(f[0], "lease") && nf == 7) {
		struct key k;

		e.kind = IPAM_LEASE;
		e.has_mac = 1;
		for (i = 0; i < IPAM_STATE_MAX; i++)
			if (!strcmp(f[2], ipam_state_name(i)))
				break;
		if (i == IPAM_STATE_MAX)
			return fail(ld, "bad lease state '%s'", f[2]);
		e.state = (uint8_t)i;
		if (!parse_time(f[3], &e.expires))
			return fail(ld, "bad time '%s'", f[3]);
		if (!parse_mac(f[4], e.mac) || !ipam_mac_valid(e.mac))
			return fail(ld, "bad MAC address '%s'", f[4]);
		if (!parse_hex(f[5], 0, e.id, IPAM_ID_MAX, false, &n))
			return fail(ld, "bad client identifier '%s'", f[5]);
		e.id_len = (uint8_t)n;
		k.len = e.id_len;
		memcpy(k.id, e.id, n);
		if (ipam_slot_by_id(ipam, &k) != NIL)
			return fail(ld, "client identifier %s leased twice",
				    f[5]);
		if (strcmp(f[6], "-")) {
			if (!ipam_name_valid(f[6]))
				return fail(ld, "bad host name '%s'", f[6]);
			strcpy(e.name, f[6]);
		}
	} else if (!strcmp(f[0], "endpoint") && (nf == 5 || nf == 6)) {
		e.kind = IPAM_ENDPOINT;
		if (!ipam_name_valid(f[2]))
			return fail(ld, "bad name '%s'", f[2]);
		if (ipam_find_name(ipam, IPAM_ENDPOINT, f[2]))
			return fail(ld, "endpoint name '%s' used twice", f[2]);
		if (!ipam_netns_valid(f[3]))
			return fail(ld, "bad network namespace '%s'", f[3]);
		if (strcmp(f[4], "-")) {
			if (!parse_mac(f[4], e.mac) || !ipam_mac_valid(e.mac))
				return fail(ld, "bad MAC address '%s'", f[4]);
			e.has_mac = 1;
		}
		if (nf == 6) {
			if (!ipam_owner_valid(f[5]))
				return fail(ld, "bad owner '%s'", f[5]);
			strcpy(e.owner, f[5]);
		}
		strcpy(e.name, f[2]);
		strcpy(e.netns, f[3]);
	} else if (!strcmp(f[0], "declined") && (nf == 3 || nf == 4)) {
		e.kind = IPAM_DECLINED;
		if (!parse_time(f[2], &e.expires))
			return fail(ld, "bad time '%s'", f[2]);
		if (nf == 4) {
			if (!parse_mac(f[3], e.mac) || !ipam_mac_valid(e.mac))
				return fail(ld, "bad MAC address '%s'", f[3]);
			e.has_mac = 1;
		}
	} else {
		return fail(ld,
			    "unknown entry '%s' or wrong number of fields (%u)",
			    f[0], nf);
	}
	ret = load_addr(ld, f[1], &e.addr);
	if (ret)
		return ret;
	if (!ipam->nfree)
		return fail(ld, "more entries than the table holds (%u)",
			    ipam->cfg.max_entries);
	i = ipam->free_slots[--ipam->nfree];
	ipam->slots[i].e = e;
	ipam_slot_attach(ipam, i);
	ld->n++;
	return 0;
}

/* one line of the file: header, pool, entry or end, in that order */
static int load_line(struct loader *ld, char *s, size_t len)
{
	char *f[FIELDS_MAX + 1];
	unsigned nf = 0;
	size_t i;

	ld->line++;
	if (ld->ended)
		return fail(ld, "text after the end line");
	if (len > LINE_MAX_LEN)
		return fail(ld, "line longer than %d bytes", LINE_MAX_LEN);
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return fail(ld, "control or non-ASCII byte 0x%02x",
				    (unsigned char)s[i]);
	/* split on single spaces; empty fields are errors */
	f[nf++] = s;
	for (i = 0; i < len; i++) {
		if (s[i] != ' ')
			continue;
		s[i] = '\0';
		if (nf > FIELDS_MAX)
			return fail(ld, "too many fields");
		f[nf++] = s + i + 1;
	}
	for (i = 0; i < nf; i++)
		if (!*f[i])
			return fail(ld, "empty field %zu (stray space?)",
				    i + 1);

	if (ld->line == 1) {
		if (nf != 2 || strcmp(f[0], "hostnat-ipam") ||
		    strcmp(f[1], "1"))
			return fail(ld, "not a hostnat-ipam version 1 file");
		return 0;
	}
	if (ld->line == 2) {
		char want[24], a[LIB_ADDR_LEN];

		lib_addr_fmt(a, ld->ipam->net);
		snprintf(want, sizeof(want), "%s/%u", a, ld->ipam->cfg.plen);
		if (nf != 2 || strcmp(f[0], "pool"))
			return fail(ld, "expected 'pool PREFIX'");
		if (strcmp(f[1], want))
			return fail(ld,
				    "pool %s does not match this network's %s",
				    f[1], want);
		return 0;
	}
	if (!strcmp(f[0], "end")) {
		uint64_t n;

		if (nf != 2 || !parse_u64(f[1], UINT32_MAX, &n))
			return fail(ld, "expected 'end COUNT'");
		if (n != ld->n)
			return fail(ld,
				    "end says %" PRIu64
				    " entries, the file has %u",
				    n, ld->n);
		ld->ended = true;
		return 0;
	}
	return load_entry(ld, f, nf);
}

static void reset(struct ipam *ipam)
{
	uint32_t i;

	for (i = 0; i < ipam->cfg.max_entries; i++)
		if (ipam->slots[i].live)
			ipam_slot_free(ipam, i);
	ipam->next_expiry = INT64_MAX;
}

static int load_finish(struct loader *ld, int ret)
{
	if (!ret && !ld->ended) {
		ld->line++;
		ret = fail(ld, "no end line: file cut short");
	}
	if (ret) {
		reset(ld->ipam);
		return ret;
	}
	if (ld->err && ld->errlen)
		ld->err[0] = '\0';
	return 0;
}

/**
 * ipam_load() - fill an empty pool from its state file text
 * @ipam:	pool, with no entries
 * @text:	the text ipam_save() wrote
 * @len:	its length
 * @err:	on failure, a message naming the line and the problem
 * @errlen:	size of @err
 *
 * All or nothing: on failure the pool is left empty.
 *
 * Return: 0, -EBUSY if the pool has entries, -EINVAL for bad text
 */
int ipam_load(struct ipam *ipam, const char *text, size_t len, char *err,
	      size_t errlen)
{
	struct loader ld = { .ipam = ipam, .err = err, .errlen = errlen };
	char line[LINE_MAX_LEN + 1];
	size_t pos = 0;
	int ret = 0;

	if (ipam->nfree != ipam->cfg.max_entries) {
		snprintf(err, errlen, "pool already has entries");
		return -EBUSY;
	}
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		if (!nl) {
			ld.line++;
			ret = fail(&ld,
				   "no newline at the end: file cut short");
			break;
		}
		if (n > LINE_MAX_LEN) {
			ld.line++;
			ret = fail(&ld, "line longer than %d bytes",
				   LINE_MAX_LEN);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		ret = load_line(&ld, line, n);
		pos += n + 1;
	}
	return load_finish(&ld, ret);
}

/**
 * ipam_load_file() - fill an empty pool from its state file
 * @ipam:	pool, with no entries
 * @f:		stream
 * @err:	on failure, a message naming the line and the problem
 * @errlen:	size of @err
 *
 * Return: 0, -EBUSY if the pool has entries, -EINVAL for bad text, -EIO
 */
int ipam_load_file(struct ipam *ipam, FILE *f, char *err, size_t errlen)
{
	struct loader ld = { .ipam = ipam, .err = err, .errlen = errlen };
	char line[LINE_MAX_LEN + 2];
	int ret = 0;

	if (ipam->nfree != ipam->cfg.max_entries) {
		snprintf(err, errlen, "pool already has entries");
		return -EBUSY;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (n && line[n - 1] == '\n') {
			line[n - 1] = '\0';
			ret = load_line(&ld, line, n - 1);
			continue;
		}
		ld.line++;
		if (n == sizeof(line) - 1)
			ret = fail(&ld, "line longer than %d bytes",
				   LINE_MAX_LEN);
		else if (!feof(f))
			ret = fail(&ld, "NUL byte in the line");
		else
			ret = fail(&ld,
				   "no newline at the end: file cut short");
	}
	if (!ret && ferror(f)) {
		snprintf(err, errlen, "read error");
		reset(ipam);
		return -EIO;
	}
	return load_finish(&ld, ret);
}
