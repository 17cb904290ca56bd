#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/newconn.sh P NAT_SCRIPT: only the new-connection figure of the
# reference bench.sh (same topology from $BENCH_DIR/topo.sh, same wrk and
# nginx settings), for quick iterations: compare.sh runs it with ONLY=newconn.
set -u
P=${1:?prefix}; NAT=${2:?nat script}
D=${BENCH_DIR:?reference scripts}
C="ip netns exec $P-c1"; I="ip netns exec $P-inet"
cleanup() { "$D/topo.sh" down "$P"; rm -rf "/tmp/$P-nginx"; }
trap cleanup EXIT
"$D/topo.sh" up "$P" && "$NAT" "$P" || { echo "setup failed"; exit 1; }
sleep 1
$C ping -c 1 -W 2 198.51.100.1 >/dev/null || { echo "no connectivity"; exit 1; }
mkdir -p /tmp/$P-nginx
cat > /tmp/$P-nginx/nginx.conf <<NGX
worker_processes 1; daemon on; pid /tmp/$P-nginx/pid; error_log /tmp/$P-nginx/err;
events { worker_connections 4096; }
http { access_log off; server { listen 198.51.100.1:80; location / { return 200 "ok\n"; } } }
NGX
$I nginx -c /tmp/$P-nginx/nginx.conf -p /tmp/$P-nginx 2>/dev/null; sleep 0.5
$C timeout 20 wrk -t 2 -c 32 -d ${NEWCONN_S:-4} -H "Connection: close" http://198.51.100.1/ 2>/dev/null |
	awk '/Requests\/sec/ { printf "new_conn_rate %.0f conn/s\n", $2 } /Socket errors/ { print "wrk_" $0 }'
[ -n "${NEWCONN_HOOK:-}" ] && eval "$NEWCONN_HOOK"
[ -f /tmp/$P-nginx/pid ] && kill "$(cat /tmp/$P-nginx/pid)" 2>/dev/null
exit 0
