#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hostnat - test_man_cni.sh: hostnat-cni(8) cannot drift from the plugin
#
# test_man_cni.sh PLUGIN SOURCE PAGE: PAGE (hostnat-cni.8) renders with
# man -l, and names, as read from SOURCE (src/cni/hostnat-cni.c):
#   - every key the plugin reads with json_object_get() but the keys of
#     hostnatd's answers (listed below: they are the API's, not the
#     configuration's);
#   - every environment variable it reads (getenv) and every CNI_ARGS key
#     (strcmp(kv, "KEY"): "KEY=");
#   - every command of its table commands[];
#   - every error code of enum cni_err, as a term of the ERRORS section;
#   - every version PLUGIN answers to VERSION.
# Prints "ok: ..." or each missing word; exit status 0 or 1.
set -u
PLUGIN=$1
SRC=$2
PAGE=$3
DIR=$(mktemp -d /tmp/hostnat-man-cni-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
fail=0

# the keys only hostnatd's answers have (endpoint.add, *.list, every
# answer's "ok" and "result"): the plugin reads them, a user never writes
# them (those the configuration has too, such as "mac", stay checked)
API_KEYS="ok result gateway dns dns_domain owner present reason proto
external_port"

LC_ALL=C MANWIDTH=1000 man -l "$PAGE" 2>"$DIR/man.err" | col -b >"$DIR/lines"
tr -s ' \t\n' '   ' <"$DIR/lines" >"$DIR/page"
grep -q 'NAME' "$DIR/page" ||
	{ echo "FAIL: hostnat-cni.8 does not render: $(cat "$DIR/man.err")"; exit 1; }

need() { # WHAT WORD: WORD is in the page
	grep -qF -- "$2" "$DIR/page" ||
		{ echo "FAIL: hostnat-cni.8 lacks the $1 '$2'"; fail=1; }
}

# configuration keys: the last string argument of each json_object_get()
# (a nested call's inner key is found too: both are on the line)
grep -o 'json_object_get([^;]*' "$SRC" | grep -o '"[^"]*"' | tr -d '"' |
	sort -u >"$DIR/keys.all"
for k in $API_KEYS; do echo "$k"; done | sort -u >"$DIR/keys.api"
comm -23 "$DIR/keys.all" "$DIR/keys.api" >"$DIR/keys"
[ "$(wc -l <"$DIR/keys")" -ge 10 ] ||
	{ echo "FAIL: found only $(wc -l <"$DIR/keys") keys in $SRC"; exit 1; }
while read -r w; do need "configuration key" "$w"; done <"$DIR/keys"

grep -o 'getenv("[A-Z_]*")' "$SRC" | grep -o '"[^"]*"' | tr -d '"' |
	sort -u >"$DIR/env"
[ "$(wc -l <"$DIR/env")" -ge 5 ] ||
	{ echo "FAIL: found only $(wc -l <"$DIR/env") variables in $SRC"; exit 1; }
while read -r w; do need "environment variable" "$w"; done <"$DIR/env"
for w in $(grep -o 'strcmp(kv, "[A-Z_]*")' "$SRC" | grep -o '"[^"]*"' |
	tr -d '"'); do
	need "CNI_ARGS key" "$w="
done

grep -o '{ "[A-Z]*", cmd_[a-z]* }' "$SRC" | grep -o '"[A-Z]*"' | tr -d '"' \
	>"$DIR/commands"
[ "$(wc -l <"$DIR/commands")" -ge 5 ] ||
	{ echo "FAIL: no command table in $SRC"; exit 1; }
while read -r w; do need "command" "$w"; done <"$DIR/commands"

# error codes: "CNI_ERR_X = N," in enum cni_err; each a term (a line of
# its own) of the ERRORS section
sed -n 's/^[[:space:]]*CNI_ERR_[A-Z]* = \([0-9][0-9]*\),.*/\1/p' "$SRC" \
	>"$DIR/codes"
[ "$(wc -l <"$DIR/codes")" -ge 5 ] ||
	{ echo "FAIL: no error codes in $SRC"; exit 1; }
sed -n '/^ERRORS/,/^FILES/p' "$DIR/lines" >"$DIR/errors"
while read -r n; do
	grep -Eq "^[[:space:]]+$n[[:space:]]*\$" "$DIR/errors" ||
		{ echo "FAIL: hostnat-cni.8 lacks the error code $n in ERRORS"; fail=1; }
done <"$DIR/codes"

CNI_COMMAND=VERSION "$PLUGIN" </dev/null >"$DIR/version" ||
	{ echo "FAIL: $PLUGIN VERSION failed"; exit 1; }
vers=$(grep -o '"[0-9]*\.[0-9]*\.[0-9]*"' "$DIR/version" | tr -d '"' | sort -u)
[ -n "$vers" ] || { echo "FAIL: no versions in VERSION's answer"; exit 1; }
for v in $vers; do need "version" "$v"; done

[ $fail = 0 ] && echo "ok: $(wc -l <"$DIR/keys") keys, $(wc -l <"$DIR/env")" \
	"variables, $(wc -l <"$DIR/commands") commands, $(wc -l <"$DIR/codes")" \
	"error codes, versions $(echo $vers)"
exit $fail
