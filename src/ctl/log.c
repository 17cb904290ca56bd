/* SPDX-License-Identifier: GPL-2.0-or-later
 * hostnat - log.c: one logging helper with syslog priorities
 *
 * Theory of operation
 * -------------------
 * Every message of hostnatd goes through log_msg(), one line to stderr.
 * Under systemd (JOURNAL_STREAM set: stderr is connected to the journal),
 * the line starts with "<N>", the syslog priority prefix that journald
 * parses (sd-daemon(3)); on a terminal it starts with the priority's name
 * instead. Messages less urgent than the level set by log_set_level() are
 * dropped. The level is the only global mutable state of hostnat's control
 * layer; it is written once at start-up.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int log_level = LOG_INFO;	/* least urgent priority printed */

/**
 * log_set_level() - set the least urgent priority that is printed
 * @prio:	LOG_EMERG .. LOG_DEBUG
 */
void log_set_level(int prio)
{
	if (prio < LOG_EMERG)
		prio = LOG_EMERG;
	if (prio > LOG_DEBUG)
		prio = LOG_DEBUG;
	log_level = prio;
}

/**
 * log_get_level() - the least urgent priority that is printed
 *
 * Return: LOG_EMERG .. LOG_DEBUG
 */
int log_get_level(void)
{
	return log_level;
}

/**
 * log_msg() - write one message line to stderr
 * @prio:	syslog priority, LOG_ERR .. LOG_DEBUG
 * @fmt:	printf format; no trailing newline needed
 */
void log_msg(int prio, const char *fmt, ...)
{
	static const char *const names[] = {
		"emergency", "alert", "critical", "error",
		"warning", "notice", "info", "debug",
	};
	char line[1024];
	va_list ap;
	size_t n;

	if (prio > log_level)
		return;
	if (prio < LOG_EMERG || prio > LOG_DEBUG)
		prio = LOG_ERR;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "hostnatd: %s: %s\n", names[prio], line);
}
