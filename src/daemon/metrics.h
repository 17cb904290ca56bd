/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - metrics.h: hostnatd's optional /metrics endpoint
 */
#ifndef HOSTNAT_METRICS_H
#define HOSTNAT_METRICS_H

#include <netinet/in.h>
#include <stddef.h>

struct ctl;
struct metrics;

int metrics_parse(const char *s, struct sockaddr_in *sa, char *err,
		  size_t errlen);
int metrics_open(struct metrics **mp, const struct sockaddr_in *sa,
		 struct ctl *ctl);
int metrics_fd(const struct metrics *m);
void metrics_run(struct metrics *m);
void metrics_close(struct metrics *m);

#endif /* HOSTNAT_METRICS_H */
