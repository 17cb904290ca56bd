#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnat - test_man.sh: the manual pages cannot drift from the CLI
#
# test_man.sh HOSTNAT HOSTNATD HOSTNAT.8 HOSTNATD.8: both pages render with
# man -l; every command of `hostnat help` (the CLI's table cmds[]), every
# option of its usage texts and every setting of `network set` appears in
# hostnat.8, every option of `hostnatd --help` in hostnatd.8.
# Prints "ok" or each missing word; exit status 0 or 1.
set -u
CLI=$1
DAEMON=$2
PAGE=$3
DPAGE=$4
DIR=$(mktemp -d /tmp/hostnat-man-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
fail=0

render() { # PAGE: the page as plain text, all on one line of single spaces
	LC_ALL=C MANWIDTH=1000 man -l "$1" 2>"$DIR/man.err" | col -b |
		tr -s ' \t\n' '   '
}

"$CLI" help >"$DIR/help" || { echo "FAIL: hostnat help failed"; exit 1; }
render "$PAGE" >"$DIR/page"
render "$DPAGE" >"$DIR/dpage"
for p in page dpage; do
	if ! grep -q 'NAME' "$DIR/$p"; then
		echo "FAIL: $p does not render: $(cat "$DIR/man.err")"
		exit 1
	fi
done

# the commands: the first column of the table part of the help text
sed -n '3,/^$/p' "$DIR/help" | grep '^  [a-z]' | cut -c3-18 |
	sed 's/ *$//' >"$DIR/commands"
# the options of every usage text, hostnat's own --socket, --json and --pretty
grep -o -- '--[a-z][a-z-]*' "$DIR/help" | sort -u >"$DIR/options"
# the settings of network set
sed -n '/^network set keys:/,$p' "$DIR/help" | sed 1d | awk '{print $1}' \
	>"$DIR/settings"

[ "$(wc -l <"$DIR/commands")" -ge 10 ] ||
	{ echo "FAIL: no command table in hostnat help"; exit 1; }
[ "$(wc -l <"$DIR/settings")" -ge 5 ] ||
	{ echo "FAIL: no settings in hostnat help"; exit 1; }
while read -r w; do
	grep -qF -- " $w " "$DIR/page" ||
		{ echo "FAIL: hostnat.8 lacks the command '$w'"; fail=1; }
done <"$DIR/commands"
while read -r w; do
	grep -qF -- "$w" "$DIR/page" ||
		{ echo "FAIL: hostnat.8 lacks the option '$w'"; fail=1; }
done <"$DIR/options"
while read -r w; do
	grep -qF -- " $w " "$DIR/page" ||
		{ echo "FAIL: hostnat.8 lacks the setting '$w'"; fail=1; }
done <"$DIR/settings"
# hostnatd.8: every option of hostnatd --help
"$DAEMON" --help >"$DIR/dhelp" || { echo "FAIL: hostnatd --help failed"; exit 1; }
for w in $(grep -o -- '--[a-z][a-z-]*' "$DIR/dhelp" | sort -u); do
	grep -qF -- "$w" "$DIR/dpage" ||
		{ echo "FAIL: hostnatd.8 lacks the option '$w'"; fail=1; }
done
[ $fail = 0 ] && echo "ok: $(wc -l <"$DIR/commands") commands, " \
	"$(wc -l <"$DIR/options") options, $(wc -l <"$DIR/settings") settings"
exit $fail
