/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - handover.c: the sessions file one daemon leaves the next
 *
 * Theory of operation
 * -------------------
 * A hostnatd that stops cleanly (SIGTERM, SIGINT: systemctl restart or
 * stop) writes every live session of its engine to the file "sessions" of
 * its state directory (handover_save()), atomically like the state file.
 * The programs in the kernel stay attached and carry settled flows for the
 * fast path's grace period; the next hostnatd reads the file once its
 * networks and static mappings are in the engine and before its programs
 * are replaced or any packet is read (handover_load(), from cmd_load()),
 * so a flow finds its session (same external port, same TCP state) on
 * whichever side of the restart its packets arrive.
 *
 * The file, host byte order (it never leaves the machine):
 *   struct ho_head   magic "hostnat-sessions", version, record size,
 *                    record count, CLOCK_MONOTONIC ms of the save, the
 *                    kernel's boot_id
 *   count x struct nat_saved
 *   uint32_t         FNV-1a of everything before it
 * It is read once and removed before the first record is used: a daemon
 * that crashes later never brings back sessions older than its own. A
 * file of another boot (the monotonic clock means nothing there), of
 * another size or version, or whose hash does not match is refused whole,
 * with one line in the log; each record is then checked by the engine
 * (nat_restore()) and refused alone if it does not fit the configuration
 * as it is now.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "hash.h"
#include "log.h"
#include "model.h"
#include "nat.h"

#define HO_FILE "sessions"
#define HO_MAGIC "hostnat-sessions"	/* 16 bytes, no NUL */
#define HO_VERSION 1
#define HO_BOOT_ID 36			/* bytes of a boot_id */

struct ho_head {
	char magic[16];
	uint32_t version;
	uint32_t rec_size;		/* sizeof(struct nat_saved) */
	uint64_t count;			/* records */
	uint64_t saved_ms;		/* CLOCK_MONOTONIC at the save */
	char boot_id[40];		/* HO_BOOT_ID bytes, NUL padded */
};

_Static_assert(sizeof(struct ho_head) == 80, "the file's header");
_Static_assert(sizeof(struct nat_saved) == 32, "the file's record");

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* the kernel's boot_id into @id (HO_BOOT_ID bytes and NULs); 0 or -errno */
static int boot_id(char id[40])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	memset(id, 0, 40);
	if (fd < 0)
		return -errno;
	n = read(fd, id, HO_BOOT_ID);
	close(fd);
	if (n != HO_BOOT_ID) {
		memset(id, 0, 40);
		return -EIO;
	}
	return 0;
}

struct ho_buf {
	uint8_t *p;
	size_t len, room;
};

static int ho_put(const struct nat_saved *r, void *ctx)
{
	struct ho_buf *b = ctx;

	if (b->len + sizeof(*r) > b->room) {
		size_t room = b->room * 2;
		uint8_t *p = realloc(b->p, room);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->room = room;
	}
	memcpy(b->p + b->len, r, sizeof(*r));
	b->len += sizeof(*r);
	return 0;
}

/**
 * handover_save() - write every live session to the state directory's
 * sessions file, for the next daemon
 * @nat:	engine
 * @dir:	state directory
 *
 * Return: sessions written, or -errno (logged)
 */
long handover_save(struct nat *nat, const char *dir)
{
	char path[PATH_MAX], tmp[PATH_MAX], err[CTL_ERR_MAX];
	struct ho_head h = { .version = HO_VERSION,
			     .rec_size = sizeof(struct nat_saved) };
	struct ho_buf b = { .room = 1 << 16 };
	uint32_t sum;
	int ret;

	memcpy(h.magic, HO_MAGIC, sizeof(h.magic));
	if (snprintf(path, sizeof(path), "%s/%s", dir, HO_FILE) >=
		    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, HO_FILE) >=
		    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	ret = boot_id(h.boot_id);
	if (ret) {
		log_msg(LOG_WARNING, "sessions not saved: cannot read the "
			"boot id: %s", strerror(-ret));
		return ret;
	}
	b.p = malloc(b.room);
	if (!b.p)
		return -ENOMEM;
	b.len = sizeof(h);
	h.saved_ms = mono_ms();
	ret = nat_save_walk(nat, h.saved_ms, ho_put, &b);
	if (!ret && b.len + sizeof(sum) > b.room) {
		uint8_t *q = realloc(b.p, b.len + sizeof(sum));

		if (q)
			b.p = q;
		else
			ret = -ENOMEM;
	}
	if (ret) {
		free(b.p);
		log_msg(LOG_WARNING, "sessions not saved: %s", strerror(-ret));
		return ret;
	}
	h.count = (b.len - sizeof(h)) / sizeof(struct nat_saved);
	memcpy(b.p, &h, sizeof(h));
	sum = lib_fnv1a_buf(b.p, b.len, LIB_FNV1A_INIT);
	memcpy(b.p + b.len, &sum, sizeof(sum));
	ret = model_write_atomic(dir, path, tmp, (const char *)b.p,
				 b.len + sizeof(sum), "sessions file", err,
				 sizeof(err));
	free(b.p);
	if (ret) {
		log_msg(LOG_WARNING, "sessions not saved: %s", err);
		return ret;
	}
	return (long)h.count;
}

/* the whole file into memory, at most @max bytes; removed once read */
static int ho_read(const char *path, size_t max, uint8_t **pp, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	uint8_t *p;
	size_t off = 0;
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, p + off, (size_t)st.st_size - off);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			free(p);
			goto out;
		}
		off += (size_t)n;
	}
	*pp = p;
	*lenp = off;
out:
	close(fd);
	unlink(path);	/* read once: never again after this start */
	return ret;
}

/* why a file is refused whole, NULL if it is sound */
static const char *ho_check(const uint8_t *p, size_t len, size_t max_rec,
			    const struct ho_head *h)
{
	char id[40];
	uint32_t sum;

	if (len < sizeof(*h) + sizeof(sum) ||
	    memcmp(h->magic, HO_MAGIC, sizeof(h->magic)))
		return "not a sessions file";
	if (h->version != HO_VERSION ||
	    h->rec_size != sizeof(struct nat_saved))
		return "written by another version of hostnatd";
	if (h->count > max_rec)
		return "it holds more sessions than --max-flows";
	if (len != sizeof(*h) + h->count * sizeof(struct nat_saved) +
		       sizeof(sum))
		return "its length does not match its record count";
	memcpy(&sum, p + len - sizeof(sum), sizeof(sum));
	if (sum != lib_fnv1a_buf(p, len - sizeof(sum), LIB_FNV1A_INIT))
		return "its checksum does not match (damaged)";
	if (boot_id(id) || memcmp(id, h->boot_id, sizeof(id)))
		return "it is from before the last boot";
	if (h->saved_ms > mono_ms())
		return "it was saved in the future";
	return NULL;
}

/**
 * handover_apply() - check a sessions file's contents and restore its
 * sessions into the engine
 * @nat:	engine, its networks and static mappings in place
 * @p:		the file's bytes (untrusted)
 * @len:	their length
 * @path:	the file, for the log
 *
 * Return: sessions restored; a file refused whole, and the records
 * refused, are logged
 */
long handover_apply(struct nat *nat, const uint8_t *p, size_t len,
		    const char *path)
{
	unsigned long refused[4] = { 0 };	/* EINVAL ENOENT EEXIST limit */
	struct nat_limits lim;
	struct ho_head h;
	const char *why;
	uint64_t now, i;
	uint32_t away;
	long done = 0;
	int ret;

	nat_limits_get(nat, &lim);
	if (len >= sizeof(h))
		memcpy(&h, p, sizeof(h));
	else
		memset(&h, 0, sizeof(h));
	why = ho_check(p, len, lim.max_flows, &h);
	if (why) {
		log_msg(LOG_WARNING, "sessions file %s ignored: %s", path, why);
		return 0;
	}
	now = mono_ms();
	away = (uint32_t)((now - h.saved_ms + 999) / 1000);
	for (i = 0; i < h.count; i++) {
		struct nat_saved r;

		memcpy(&r, p + sizeof(h) + i * sizeof(r), sizeof(r));
		ret = nat_restore(nat, now, &r, away);
		if (!ret)
			done++;
		else
			refused[ret == -EINVAL ? 0 : ret == -ENOENT ? 1 :
				ret == -EEXIST ? 2 : 3]++;
	}
	if (done || h.count)
		log_msg(done == (long)h.count ? LOG_INFO : LOG_WARNING,
			"restored %ld of %llu sessions of the last daemon "
			"(away %u s); refused: %lu not valid, %lu whose "
			"network, address or mapping is gone, %lu taken, "
			"%lu over a limit", done, (unsigned long long)h.count,
			away, refused[0], refused[1], refused[2], refused[3]);
	return done;
}

/**
 * handover_load() - take back the sessions an earlier daemon saved, if its
 * file is there; the file is removed whatever it holds
 * @nat:	engine, its networks and static mappings in place
 * @dir:	state directory
 *
 * Return: sessions restored (0 without a file); what was refused is logged
 */
long handover_load(struct nat *nat, const char *dir)
{
	struct nat_limits lim;
	char path[PATH_MAX];
	uint8_t *p = NULL;
	size_t len = 0;
	long done;
	int ret;

	nat_limits_get(nat, &lim);
	if (snprintf(path, sizeof(path), "%s/%s", dir, HO_FILE) >=
	    (int)sizeof(path))
		return 0;
	ret = ho_read(path, sizeof(struct ho_head) +
			    (size_t)lim.max_flows * sizeof(struct nat_saved) +
			    sizeof(uint32_t), &p, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		log_msg(LOG_WARNING, "sessions file %s ignored: %s", path,
			ret == -EFBIG ? "larger than --max-flows sessions" :
					strerror(-ret));
		return 0;
	}
	done = handover_apply(nat, p, len, path);
	free(p);
	return done;
}
