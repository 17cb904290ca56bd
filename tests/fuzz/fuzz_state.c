// SPDX-License-Identifier: GPL-2.0-or-later
/* hostnat - fuzz_state.c: libFuzzer target for the state file loader
 *
 * Theory of operation
 * -------------------
 * An input is a state file (state.json): it is written to a scratch
 * state directory (under /dev/shm when it exists, else /tmp, made once)
 * and read with model_load() (src/ctl/model.c), exactly as hostnatd reads
 * it at start. Checked with abort():
 *  - the result is 0, -EINVAL or -ENOMEM, and a refusal has a message;
 *  - a file that loads gives networks that obey the model's rules (names
 *    pass parse_name(), counts fit their arrays, mappings point at a
 *    network in use), and it saves (model_json()) to a document that
 *    loads again into the very same document: what hostnatd writes, it
 *    reads back unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[128];

static void die(const char *why, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_state: %s\ninput: %.*s\n", why, (int)size,
		(const char *)data);
	abort();
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s/fuzz-state-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, MODEL_FILE);
	log_set_level(LOG_EMERG);
}

static void check_model(const struct model *m, const uint8_t *data,
			size_t size)
{
	char err[CTL_ERR_MAX];
	unsigned i;

	for (i = 0; i < DP_MAX_NETS; i++) {
		const struct model_net *n = &m->net[i];

		if (!n->used)
			continue;
		if (parse_name(n->cfg.name, err, sizeof(err)))
			die("a network name that parse_name() refuses", data,
			    size);
		if (n->nprefix > DP_NET_PREFIXES || n->next > CTL_NET_EXT_MAX)
			die("a list longer than its array", data, size);
	}
	for (i = 0; i < DP_MAX_STATIC; i++)
		if (m->map[i].used && (m->map[i].net >= DP_MAX_NETS ||
				       !m->net[m->map[i].net].used))
			die("a mapping of no network", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m, m2;
	char err[CTL_ERR_MAX];
	json_t *doc, *doc2;
	char *t1, *t2;
	FILE *f;
	int ret;

	if (!dir[0])
		setup();
	f = fopen(path, "we");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	err[0] = '\0';
	ret = model_load(&m, dir, err, sizeof(err));
	if (ret && ret != -EINVAL && ret != -ENOMEM)
		die("unexpected return value", data, size);
	if (ret) {
		if (!err[0])
			die("refusal without a message", data, size);
		return 0;
	}
	check_model(&m, data, size);
	doc = model_json(&m);
	t1 = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!t1)
		die("a loaded model does not save", data, size);
	if (model_from_json(doc, &m2, err, sizeof(err))) {
		fprintf(stderr, "saved: %s\nerror: %s\n", t1, err);
		die("a saved model does not load again", data, size);
	}
	doc2 = model_json(&m2);
	t2 = doc2 ? json_dumps(doc2, JSON_COMPACT | JSON_PRESERVE_ORDER) :
		    NULL;
	if (!t2 || strcmp(t1, t2)) {
		fprintf(stderr, "first:  %s\nsecond: %s\n", t1,
			t2 ? t2 : "(none)");
		die("save, load, save differs", data, size);
	}
	free(t1);
	free(t2);
	json_decref(doc);
	json_decref(doc2);
	return 0;
}
