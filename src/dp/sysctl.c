/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - sysctl.c: kernel settings under /proc/sys
 *
 * Theory of operation: paths are given relative to /proc/sys with dots or
 * slashes ("net.ipv4.ip_forward"); a value is read whole (trailing newline
 * removed) and written in one write(2), as sysctl(8) does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"

static void sysctl_path(const char *name, char *out, size_t len)
{
	size_t i, n = (size_t)snprintf(out, len, "/proc/sys/%s", name);

	for (i = 10; i < n && i < len; i++)
		if (out[i] == '.')
			out[i] = '/';
}

/**
 * sysctl_read() - read a kernel setting
 * @name:	e.g. "net.ipv4.ip_forward" (interface names with dots: use
 *		slashes)
 * @buf:	value, without the trailing newline
 * @len:	room in @buf
 *
 * Return: 0, -errno
 */
int sysctl_read(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	sysctl_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return 0;
}

/**
 * sysctl_write() - write a kernel setting
 * @name:	as for sysctl_read()
 * @val:	value
 *
 * Return: 0, -errno
 */
int sysctl_write(const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd, ret = 0;

	sysctl_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}
