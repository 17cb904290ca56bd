/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - nsexec.h: work inside other network namespaces, through a
 * privileged helper process when one was started (nsexec.c)
 */
#ifndef HOSTNAT_NSEXEC_H
#define HOSTNAT_NSEXEC_H

#include "dp.h"

int nsexec_start(int (*confine)(void));
void nsexec_stop(void);
int nsexec_open(const char *netns, int *fd);
int nsexec_configure(int nsfd, const struct dp_endpoint *ep,
		     const char **step);

#endif /* HOSTNAT_NSEXEC_H */
