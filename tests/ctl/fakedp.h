/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - fakedp.h: a datapath without a kernel, for the ctl tests
 */
#ifndef HOSTNAT_FAKEDP_H
#define HOSTNAT_FAKEDP_H

#include "dp.h"

void fakedp_add_addr(struct dp *dp, const char *ifname, uint32_t addr,
		     unsigned plen);
void fakedp_add_route(struct dp *dp, const char *ifname, uint32_t addr,
		      unsigned plen);
void fakedp_set_default(struct dp *dp, const char *ifname);
void fakedp_fail_sync(struct dp *dp, bool fail);
const struct dp_state *fakedp_state(const struct dp *dp);
unsigned fakedp_syncs(const struct dp *dp);
void fakedp_endpoint_fail(struct dp *dp, bool fail);
const struct dp_endpoint *fakedp_endpoint(const struct dp *dp, unsigned i);
void fakedp_endpoint_lose(struct dp *dp, const char *host_if);
void fakedp_endpoint_detach(struct dp *dp, const char *host_if);
unsigned fakedp_reattaches(const struct dp *dp);
void fakedp_add_bridge(struct dp *dp, const char *name);
void fakedp_add_dev(struct dp *dp, const char *name);

#endif /* HOSTNAT_FAKEDP_H */
