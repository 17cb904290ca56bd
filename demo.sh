#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# demo.sh - the README's first command: install what hostnat needs from
# Debian, build it, and show it working in network namespaces (nothing of
# the machine's own network is touched; everything is removed afterwards).
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (sudo ./demo.sh): it installs packages and" \
		"creates network namespaces" >&2
	exit 1
fi
echo "==> installing build and test dependencies (Debian packages)"
scripts/deps
echo "==> building hostnat into ./build"
if [ -f build/meson-private/coredata.dat ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build
echo "==> demonstration"
exec demo/run build
