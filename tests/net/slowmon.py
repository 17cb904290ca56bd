#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# slowmon.py SOCK FLAG OUT: a monitor that does not read. It subscribes
# ("monitor"), then reads nothing (a small receive buffer) until the file
# FLAG exists; then it reads until 2 s pass without a byte and writes every line it got to OUT.
import json, os, socket, sys, time

sock, flag, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sock)
s.sendall(b'{"cmd":"monitor"}\n')
with open(out + ".ready", "w"):
    pass
while not os.path.exists(flag):
    time.sleep(0.05)
# read until 2 s pass without a byte (10 s at most)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.settimeout(2)
buf = b""
end = time.monotonic() + 10
while time.monotonic() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    if not d:
        break
    buf += d
with open(out, "w") as f:
    for line in buf.split(b"\n"):
        if line:
            f.write(line.decode(errors="replace") + "\n")
