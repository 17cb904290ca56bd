/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - pool.h: each network's address pool, its file and its JSON
 */
#ifndef HOSTNAT_POOL_H
#define HOSTNAT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ipam.h"
#include "model.h"

#define POOL_FILE_PREFIX "leases-"	/* leases-<network>.txt */
#define POOL_FILE_SUFFIX ".txt"

int pool_open(struct ipam **out, const struct model_net *n, const char *dir,
	      bool load, char *err, size_t errlen);
int pool_save(const struct ipam *p, const char *dir, const char *net,
	      char *err, size_t errlen);
void pool_remove(const char *dir, const char *net);
json_t *pool_json(const struct ipam *p);
json_t *pool_entry_json(const struct ipam_entry *e);
int64_t pool_now(void);

#endif /* HOSTNAT_POOL_H */
