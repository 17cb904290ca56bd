/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - log.h: one logging helper with syslog priorities
 */
#ifndef HOSTNAT_LOG_H
#define HOSTNAT_LOG_H

#include <syslog.h>

void log_set_level(int prio);
int log_get_level(void);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* HOSTNAT_LOG_H */
