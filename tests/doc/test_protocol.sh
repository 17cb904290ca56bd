#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test_protocol.sh WORDS PROTOCOL.md - docs/PROTOCOL.md documents every
# command of req.c's table (a "### `NAME`" section), every argument of it
# in that section's table ("| `ARG` | TYPE | required|optional |") as the
# table says, no command that the table lacks, and every setting of
# parse.c's table ("| `KEY` | ... | UNIT |" in "## Network settings").
# WORDS is protocol_words, which prints the tables.
set -u
words=$1
doc=$2
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

[ -r "$doc" ] || { echo "FAIL: no $doc"; exit 1; }
out=$("$words") || { echo "FAIL: $words failed"; exit 1; }

# the text of one "### `NAME`" section, up to the next heading
section() {
	awk -v h="### \`$1\`" '
		$0 == h { on = 1; next }
		on && /^##/ { exit }
		on { print }' "$doc"
}

# a table row of the settings section
setting_row() {
	awk '/^## Network settings/ { on = 1; next }
		on && /^## / { exit }
		on { print }' "$doc" | grep -F "| \`$1\` |"
}

echo "$out" | while read -r kind a b c; do
	case $kind in
	cmd)
		grep -qxF "### \`$a\`" "$doc" ||
			fail "command $a has no section '### \`$a\`'"
		;;
	arg)
		row=$(section "$a" | grep -F "| \`$b\` |")
		if [ -z "$row" ]; then
			fail "argument $b of $a is not in its section's table"
		elif ! echo "$row" | grep -q "| $c |"; then
			fail "argument $b of $a is $c; the row says: $row"
		fi
		;;
	setting)
		row=$(setting_row "$a")
		if [ -z "$row" ]; then
			fail "setting $a is not in '## Network settings'"
		elif [ "$b" != - ] && ! echo "$row" | grep -q "| $b |"; then
			fail "setting $a has unit $b; the row says: $row"
		fi
		;;
	esac
done > "${TMPDIR:-/tmp}/test_protocol.$$"
fails=$(grep -c '^FAIL' "${TMPDIR:-/tmp}/test_protocol.$$")
cat "${TMPDIR:-/tmp}/test_protocol.$$"
rm -f "${TMPDIR:-/tmp}/test_protocol.$$"

# no section for a command that does not exist
for h in $(sed -n 's/^### `\([a-z.]*\)`$/\1/p' "$doc"); do
	echo "$out" | grep -qxF "cmd $h" || {
		echo "FAIL: $doc documents '$h', which req.c's table lacks"
		fails=$((fails + 1))
	}
done

n=$(echo "$out" | grep -c '^cmd ')
s=$(echo "$out" | grep -c '^setting ')
if [ "$fails" -ne 0 ]; then
	echo "$fails problems"
	exit 1
fi
echo "ok: $n commands, their arguments and $s settings are in $doc"
