// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * protocol_words - print the words of the API from the tables they live in,
 * for tests/doc/test_protocol.sh to look for in docs/PROTOCOL.md:
 *
 *	cmd NAME			every command of req.c's table
 *	arg NAME ARG required|optional	its arguments, in table order
 *	setting KEY UNIT|-		every setting of parse.c's table
 */
#include <stdbool.h>
#include <stdio.h>

#include "parse.h"
#include "req.h"

int main(void)
{
	unsigned c, i, k;

	for (c = 0; c < CMD_N; c++) {
		const char *name = ctl_cmd_name((enum ctl_cmd)c);
		const char *arg;
		bool req;

		printf("cmd %s\n", name);
		for (i = 0; (arg = ctl_cmd_arg((enum ctl_cmd)c, i, &req)); i++)
			printf("arg %s %s %s\n", name, arg,
			       req ? "required" : "optional");
	}
	for (k = 0; k < SET_NKEYS; k++) {
		const char *u = parse_setting_unit((enum parse_setting)k);

		printf("setting %s %s\n",
		       parse_setting_name((enum parse_setting)k), u ? u : "-");
	}
	return 0;
}
