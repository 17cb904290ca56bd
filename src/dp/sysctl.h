/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - sysctl.h: reading and writing /proc/sys (sysctl.c)
 */
#ifndef HOSTNAT_SYSCTL_H
#define HOSTNAT_SYSCTL_H

#include <stddef.h>

int sysctl_read(const char *path, char *buf, size_t len);
int sysctl_write(const char *path, const char *val);

#endif /* HOSTNAT_SYSCTL_H */
