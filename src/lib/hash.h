/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - hash.h: the string hash of names derived from names
 */
#ifndef HOSTNAT_LIB_HASH_H
#define HOSTNAT_LIB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LIB_FNV1A_INIT 2166136261u /* FNV-1a 32-bit offset basis */

uint32_t lib_fnv1a(const char *s, uint32_t h);
uint32_t lib_fnv1a_buf(const void *p, size_t n, uint32_t h);

#endif /* HOSTNAT_LIB_HASH_H */
