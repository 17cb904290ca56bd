/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - hash.c: FNV-1a over strings and buffers
 *
 * Theory of operation
 * -------------------
 * names hostnat makes from other names (a network's
 * default bridge, an endpoint's host-side interface "hne" + 8 hex digits)
 * are a 32-bit FNV-1a hash of those names. The hash is chained: a caller
 * hashes several strings in a row by passing the last result as the next
 * starting value, LIB_FNV1A_INIT for the first. The values end up in the
 * names of kernel interfaces that outlive a daemon, so they must never
 * change: tests/unit/test_lib.c pins them. Not for hash tables on the
 * packet path (htab.c has a keyed hash for that); libc only.
 */
#include "hash.h"

#define FNV1A_PRIME 16777619u /* FNV 32-bit prime */

/**
 * lib_fnv1a() - fold a string into a 32-bit FNV-1a hash
 * @s:	NUL-terminated string, its bytes hashed without the NUL
 * @h:	starting value: LIB_FNV1A_INIT, or the hash of what came before
 *
 * Return: the hash after the bytes of @s
 */
uint32_t lib_fnv1a(const char *s, uint32_t h)
{
	while (*s)
		h = (h ^ (uint8_t)*s++) * FNV1A_PRIME;
	return h;
}

/**
 * lib_fnv1a_buf() - fold bytes into a 32-bit FNV-1a hash (a check of a
 * file's integrity, not a defence against anyone)
 * @p:	bytes
 * @n:	how many
 * @h:	starting value: LIB_FNV1A_INIT, or the hash of what came before
 *
 * Return: the hash after the @n bytes at @p
 */
uint32_t lib_fnv1a_buf(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * FNV1A_PRIME;
	return h;
}
