/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - name.c: the rules on names (see name.h)
 *
 * Theory of operation
 * -------------------
 * Three kinds of words name things the user chooses:
 *   name   a network, or a pool entry: [A-Za-z0-9][A-Za-z0-9._-]*, so
 *          that it never reads as an option ("-x") or a hidden file, and
 *          can make an interface name (hn-NAME) or a line of a file;
 *   netns  a network namespace: a name under /run/netns of
 *          [A-Za-z0-9._:@+-] (no '/'), or an absolute path of the same
 *          characters and '/' (CNI_NETNS's /run/netns/cni-..., a
 *          container's /proc/PID/ns/net), never with "..";
 *   owner  who made an endpoint or a mapping, a container id:
 *          [A-Za-z0-9._:-].
 * Each is 1 to @max - 1 bytes, @max being the caller's buffer with its
 * NUL. The characters are ASCII, whatever the locale.
 */
#include <string.h>

#include "name.h"

static bool is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* bytes of @s when it is 1 to @max - 1 of them, else 0 (NULL included) */
static size_t name_len(const char *s, size_t max)
{
	size_t n = s && max ? strnlen(s, max) : 0;

	return n < max ? n : 0;
}

/**
 * lib_name_char() - may @c stand in a name (after its first character)?
 * @c:		the character
 *
 * Return: true for a letter, a digit, '.', '_' or '-'
 */
bool lib_name_char(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '-';
}

/**
 * lib_name_valid() - is @s a name: a letter or digit, then letters, digits,
 * '.', '_' or '-'; 1 to @max - 1 bytes
 * @s:		the text (NULL is not a name)
 * @max:	bytes of the caller's buffer, with the NUL
 *
 * Return: true if it is
 */
bool lib_name_valid(const char *s, size_t max)
{
	size_t i, n = name_len(s, max);

	if (!n || !is_alnum(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!lib_name_char(s[i]))
			return false;
	return true;
}

/**
 * lib_netns_valid() - is @s a network namespace: a name under /run/netns
 * or an absolute path, of [A-Za-z0-9._/:@+-], without ".."; 1 to @max - 1
 * bytes
 * @s:		the text (NULL is not one)
 * @max:	bytes of the caller's buffer, with the NUL
 *
 * Return: true if it is
 */
bool lib_netns_valid(const char *s, size_t max)
{
	size_t i, n = name_len(s, max);

	if (!n || !(is_alnum(s[0]) || s[0] == '/') ||
	    strstr(s, "..") || (strchr(s, '/') && s[0] != '/'))
		return false;
	for (i = 0; i < n; i++)
		if (!lib_name_char(s[i]) && !strchr("/:@+", s[i]))
			return false;
	return true;
}

/**
 * lib_owner_valid() - is @s an owner (a container id): letters, digits,
 * '.', ':' or '-'; 1 to @max - 1 bytes
 * @s:		the text (NULL is not one)
 * @max:	bytes of the caller's buffer, with the NUL
 *
 * Return: true if it is
 */
bool lib_owner_valid(const char *s, size_t max)
{
	size_t i, n = name_len(s, max);

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != ':' &&
		    s[i] != '-')
			return false;
	return true;
}
