/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - name.h: the rules on names, the one place for them
 *
 * A network's name is checked by the CLI, the API (src/ctl/parse.c) and
 * the engine (src/core/config.c); a pool entry's name, namespace and owner
 * by the API and again by the pool and its file (src/svc/ipam.c). Each
 * kind has one rule, here, so that what one layer takes the next does not
 * refuse; only the length is the caller's (a network name fits
 * NAT_NAME_MAX, a pool entry's IPAM_NAME_MAX), and the message, which
 * speaks of the caller's object.
 */
#ifndef HOSTNAT_LIB_NAME_H
#define HOSTNAT_LIB_NAME_H

#include <stdbool.h>
#include <stddef.h>

bool lib_name_char(int c);
bool lib_name_valid(const char *s, size_t max);
bool lib_netns_valid(const char *s, size_t max);
bool lib_owner_valid(const char *s, size_t max);

#endif /* HOSTNAT_LIB_NAME_H */
