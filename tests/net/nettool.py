#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nettool.py - small servers and clients for hostnat's network tests.

Every server tells the client what address it saw ("NAME saw IP:PORT"), so
a test can check the translation from the client's side, and logs one line
per connection or datagram to LOG, so it can be checked from the server's.
Every client has a timeout and says why it failed:

  tcp-server ADDR PORT LOG [--name N]  HTTP GET -> "N saw IP:PORT"; other
                                       streams: that line, then an echo
  udp-server ADDR PORT LOG [--name N]  "whoami" -> "N saw IP:PORT"; any
                                       other datagram is echoed unchanged
  tcp-client ADDR PORT [--sport P] [--hold S]   prints the server's line
  udp-client ADDR PORT [--sport P] [--src A] [--size N] [--timeout S]
        without --size: sends "whoami", prints the answer; with --size:
        sends N random bytes, checks the echo is identical
        exit 0 ok, 2 timeout, 3 refused (ICMP port unreachable), 4 mismatch
  conc ADDR PORT N [--hold S] [--timeout S]
        opens N TCP connections, all at once, each gets the server's line;
        prints "ok K/N" when all are up, holds them S seconds, exit 0 iff K=N
  udp-stream ADDR PORT --count N [--interval-ms F] [--sport P] [--src A]
        [--progress FILE] [--max-time S]
        sends N numbered datagrams, one every F ms (default 1), never more
        than S seconds (default 60); writes "sent K" to FILE every 100 and
        at the end; prints "sent K errors E"; exit 0
  pmtu ADDR PORT [--size N] [--sport P] [--timeout S]
        sends N-byte datagrams with DF set until the path MTU the kernel
        holds for ADDR drops below N (an ICMP "fragmentation needed"
        arrived) or S seconds pass; prints "mtu M emsgsize" or "mtu M";
        exit 0 when the MTU dropped, 2 when not
  flood udp|tcp ADDR PORT --count N [--sport-from P] [--rate R]
        [--passes K] [--max-time S]
        from a raw socket: one UDP datagram ("flood") or TCP SYN from each
        of N source ports P..P+N-1 (default 20000), R packets a second
        (default 8000), all ports K times (default 1: later passes fill
        what an overrun queue lost), never more than S seconds (default
        20); the kernel's own sockets are not involved (answers meet no
        socket); prints "sent K errors E"; exit 0
  udp-flows ADDR PORT N [--sport-from P] [--batch B] [--timeout S]
        N UDP flows from N source ports (P.. or the kernel's, default),
        B sockets at a time (default 250), each sends "whoami" (once more
        after S/2 s without an answer) and waits S seconds (default 3) for
        the answer; prints "answered K/N"; exit 0 iff K=N
  frag-flood SRC DST --count N [--rate R] [--max-time S]
        N bogus 28-byte IPv4 fragments (IP_HDRINCL): non-first (offset 8
        bytes or more), MF set, protocol UDP, random identifications,
        8 bytes of payload, SRC -> DST, R a second (default 8000);
        prints "sent K errors E"; exit 0
  udp-ping ADDR PORT --count N [--interval-ms F] [--sport P] [--src A]
        [--size N]
        [--ttl-probes T,T,...] [--progress FILE] [--timeout S]
        N numbered datagrams to an echo server, one every F ms (default
        10), each answer read; half-way, one probe per TTL T from the same
        socket (IP_RECVERR): "probe ttl T icmp TYPE/CODE from ADDR", or
        "probe ttl T echo" when the server answered it, or "... none";
        prints "echoed K/N"; exit 0 iff K=N
  tcp-chat ADDR PORT --rounds N [--sport P] [--close fin|rst]
        [--timeout S] [--size N] [--interval-ms F] [--progress FILE]:
        to a tcp-server: its line, then N messages of N bytes each
        echoed, F ms apart ("rounds K" in FILE every 10); then FIN (shutdown, read to the
        end) or RST (SO_LINGER 0); prints the line and "rounds K/N";
        exit 0 iff K=N
  icmp-error DST --type T --code C --quote SRC:SPORT-DST:DPORT
        [--proto udp|tcp] [--mtu M]: one ICMP error to DST (raw socket)
        quoting an IPv4 header and 8 bytes of a datagram SRC -> DST
  raw-tcp DST DPORT --sport P [--flags F] [--data TEXT] [--seq N]
        one TCP segment (raw socket; F of "FSRPAU", default "A")
  raw-udp DST DPORT --sport P [--data TEXT] [--no-csum]
        [--iface IF --dst-mac MAC]
        one UDP datagram (raw socket), with checksum 0 if asked; with
        --iface, a whole frame out of IF (AF_PACKET) to MAC (another
        host's, broadcast), from the address the route to DST picks
"""
import argparse
import hashlib
import os
import random
import selectors
import socket
import socketserver
import struct
import sys
import threading
import time


def log_line(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")
        f.flush()


def tcp_server(a):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            ip, port = self.client_address[:2]
            log_line(a.log, "tcp %s:%d" % (ip, port))
            who = "%s saw %s:%d\n" % (a.name, ip, port)
            s = self.request
            s.settimeout(30)
            try:
                first = s.recv(65536)
            except OSError:
                return
            if first.startswith(b"GET ") or first.startswith(b"HEAD "):
                body = who.encode()
                s.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                          b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                          % len(body) + body)
                return
            s.sendall(who.encode())
            data = first
            try:
                while data:
                    s.sendall(data)
                    data = s.recv(65536)
            except OSError:
                pass

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 1024

    Server((a.addr, a.port), Handler).serve_forever()


def udp_server(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    while True:
        data, peer = s.recvfrom(65535)
        log_line(a.log, "udp %s:%d len=%d sha=%s" % (
            peer[0], peer[1], len(data), hashlib.sha256(data).hexdigest()[:16]))
        try:
            if data == b"whoami":
                s.sendto(("%s saw %s:%d" % (a.name, peer[0], peer[1]))
                         .encode(), peer)
            else:
                s.sendto(data, peer)
        except OSError as e:
            log_line(a.log, "udp reply to %s:%d failed: %s" % (
                peer[0], peer[1], e))


def tcp_client(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(a.timeout)
    if a.sport:
        s.bind(("0.0.0.0", a.sport))
    try:
        s.connect((a.addr, a.port))
        s.sendall(b"hello\n")
        buf = b""
        while not buf.endswith(b"\n"):
            d = s.recv(4096)
            if not d:
                break
            buf += d
    except socket.timeout:
        print("timeout")
        return 2
    except ConnectionRefusedError:
        print("refused")
        return 3
    except OSError as e:
        print("error %s" % e)
        return 1
    print(buf.decode(errors="replace").splitlines()[0] if buf else "empty")
    sys.stdout.flush()
    time.sleep(a.hold)
    s.close()
    return 0 if buf else 1


def udp_client(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport or a.src:
        if a.src:
            # IP_FREEBIND: the source address may be one we do not hold
            s.setsockopt(socket.IPPROTO_IP, 15, 1)
        s.bind((a.src or "0.0.0.0", a.sport or 0))
    s.settimeout(a.timeout)
    s.connect((a.addr, a.port))
    payload = os.urandom(a.size) if a.size else b"whoami"
    try:
        s.send(payload)
        data = s.recv(65535)
    except socket.timeout:
        print("timeout")
        return 2
    except ConnectionRefusedError:
        print("refused")
        return 3
    except OSError as e:
        print("error %s" % e)
        return 1
    if a.size:
        if data == payload:
            print("echo ok %d bytes sha=%s" % (
                len(data), hashlib.sha256(data).hexdigest()[:16]))
            return 0
        print("echo mismatch: sent %d bytes, got %d" % (len(payload), len(data)))
        return 4
    print(data.decode(errors="replace"))
    return 0


def conc(a):
    deadline = time.monotonic() + a.timeout
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(a.n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((a.addr, a.port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, [b"", False])
    done = 0
    errors = {}
    pending = a.n
    while pending and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=0.5):
            s, st = key.fileobj, key.data
            if ev & selectors.EVENT_WRITE and not st[1]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    errors[os.strerror(err)] = errors.get(os.strerror(err), 0) + 1
                    sel.unregister(s)
                    pending -= 1
                    continue
                s.send(b"hello\n")
                st[1] = True
                sel.modify(s, selectors.EVENT_READ, st)
                continue
            try:
                d = s.recv(4096)
            except OSError as e:
                errors[str(e)] = errors.get(str(e), 0) + 1
                sel.unregister(s)
                pending -= 1
                continue
            st[0] += d
            if b"\n" in st[0] or not d:
                sel.unregister(s)
                pending -= 1
                if b" saw " in st[0]:
                    done += 1
                else:
                    errors["no answer"] = errors.get("no answer", 0) + 1
    if pending:
        errors["timeout"] = pending
    print("ok %d/%d%s" % (done, a.n, (" errors: %s" % errors) if errors else ""))
    sys.stdout.flush()
    time.sleep(a.hold)
    for s in socks:
        s.close()
    return 0 if done == a.n else 1


def udp_stream(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport or a.src:
        if a.src:
            s.setsockopt(socket.IPPROTO_IP, 15, 1)  # IP_FREEBIND
        s.bind((a.src or "0.0.0.0", a.sport or 0))
    s.setblocking(False)
    start = time.monotonic()
    sent = errors = 0

    def progress():
        if a.progress:
            with open(a.progress + ".tmp", "w") as f:
                f.write("sent %d errors %d\n" % (sent, errors))
            os.rename(a.progress + ".tmp", a.progress)

    progress()
    for i in range(a.count):
        due = start + i * a.interval_ms / 1000.0
        now = time.monotonic()
        if now - start > a.max_time:
            break
        if due > now:
            time.sleep(due - now)
        try:
            s.sendto(b"stream %d" % i, (a.addr, a.port))
            sent += 1
        except OSError:
            errors += 1
        if i % 100 == 99:
            progress()
    progress()
    print("sent %d errors %d" % (sent, errors))
    return 0


def pmtu(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.sport:
        s.bind(("0.0.0.0", a.sport))
    s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
    s.connect((a.addr, a.port))
    deadline = time.monotonic() + a.timeout
    payload = b"x" * a.size
    emsg = ""
    while time.monotonic() < deadline:
        try:
            s.send(payload)
        except OSError as e:
            if e.errno == 90:  # EMSGSIZE: the kernel knows a smaller MTU
                emsg = " emsgsize"
        mtu = s.getsockopt(socket.IPPROTO_IP, 14)  # IP_MTU
        if mtu < a.size + 28:
            print("mtu %d%s" % (mtu, emsg))
            return 0
        time.sleep(0.2)
    print("mtu %d" % s.getsockopt(socket.IPPROTO_IP, 14))
    return 2


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    t = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff


def flood(a):
    proto = socket.IPPROTO_UDP if a.proto == "udp" else socket.IPPROTO_TCP
    # the source address the kernel's route picks for ADDR
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.connect((a.addr, a.port))
    src = r.getsockname()[0]
    r.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    pseudo = socket.inet_aton(src) + socket.inet_aton(a.addr)
    pkts = []
    for i in range(a.count):
        sport = a.sport_from + i
        if a.proto == "udp":
            body = b"flood %d" % sport
            hdr = struct.pack("!HHHH", sport, a.port, 8 + len(body), 0)
            seg = hdr + body
            c = csum16(pseudo + struct.pack("!BBH", 0, proto, len(seg)) + seg)
            seg = seg[:6] + struct.pack("!H", c or 0xffff) + seg[8:]
        else:
            seq = random.getrandbits(32)
            # SYN, window 64240, MSS 1460
            hdr = struct.pack("!HHIIBBHHH", sport, a.port, seq, 0,
                              6 << 4, 0x02, 64240, 0, 0) + b"\x02\x04\x05\xb4"
            c = csum16(pseudo + struct.pack("!BBH", 0, proto, len(hdr)) + hdr)
            seg = hdr[:16] + struct.pack("!H", c) + hdr[18:]
        pkts.append(seg)
    start = time.monotonic()
    sent = errors = 0
    n = 0
    for _ in range(a.passes):
        for seg in pkts:
            if time.monotonic() - start > a.max_time:
                break
            due = start + n / a.rate
            n += 1
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            try:
                s.sendto(seg, (a.addr, 0))
                sent += 1
            except OSError:
                errors += 1
    print("sent %d errors %d" % (sent, errors))
    return 0


def udp_flows(a):
    answered = 0
    errors = {}
    sport = a.sport_from
    left = a.n
    while left:
        k = min(a.batch, left)
        left -= k
        sel = selectors.DefaultSelector()
        socks = []
        for _ in range(k):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if sport:
                s.bind(("0.0.0.0", sport))
                sport += 1
            s.connect((a.addr, a.port))
            s.setblocking(False)
            try:
                s.send(b"whoami")
            except OSError as e:
                errors[str(e)] = errors.get(str(e), 0) + 1
                s.close()
                continue
            socks.append(s)
            sel.register(s, selectors.EVENT_READ)
        t0 = time.monotonic()
        deadline = t0 + a.timeout
        resent = False
        pending = len(socks)
        while pending and time.monotonic() < deadline:
            if not resent and time.monotonic() > t0 + a.timeout / 2:
                resent = True
                for key in list(sel.get_map().values()):
                    try:
                        key.fileobj.send(b"whoami")
                    except OSError:
                        pass
            for key, _ in sel.select(timeout=0.1):
                s = key.fileobj
                try:
                    d = s.recv(2048)
                except OSError as e:
                    d = None
                    errors[str(e)] = errors.get(str(e), 0) + 1
                sel.unregister(s)
                pending -= 1
                if d and b" saw " in d:
                    answered += 1
                elif d is not None:
                    errors["other answer"] = errors.get("other answer", 0) + 1
        if pending:
            errors["timeout"] = errors.get("timeout", 0) + pending
        for s in socks:
            s.close()
        sel.close()
    print("answered %d/%d%s" % (answered, a.n,
                                (" errors: %s" % errors) if errors else ""))
    return 0 if answered == a.n else 1


def frag_flood(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    src, dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
    start = time.monotonic()
    sent = errors = 0
    for i in range(a.count):
        now = time.monotonic()
        if now - start > a.max_time:
            break
        due = start + i / a.rate
        if due > now:
            time.sleep(due - now)
        ident = random.getrandbits(16)
        off = random.randint(1, 8000)  # 8-byte units, not the first
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, ident, 0x2000 | off,
                        64, socket.IPPROTO_UDP, 0, src, dst)
        h = h[:10] + struct.pack("!H", csum16(h)) + h[12:]
        try:
            s.sendto(h + os.urandom(8), (a.dst, 0))
            sent += 1
        except OSError:
            errors += 1
            time.sleep(0.001)
    print("sent %d errors %d" % (sent, errors))
    return 0


def _errqueue(s):
    """one entry of the socket's error queue: (type, code, offender)"""
    try:
        _, anc, _, _ = s.recvmsg(2048, 512, socket.MSG_ERRQUEUE |
                                 socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError, socket.timeout):
        return None
    for level, typ, data in anc:
        if level == socket.IPPROTO_IP and typ == 11:  # IP_RECVERR
            # struct sock_extended_err, then the offender's sockaddr_in
            _, origin, etype, ecode = struct.unpack_from("=IBBB", data)
            off = socket.inet_ntoa(data[16 + 4:16 + 8])
            if origin == 2:  # SO_EE_ORIGIN_ICMP
                return (etype, ecode, off)
    return None


def udp_ping(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
    if a.sport or a.src:
        s.bind((a.src or "0.0.0.0", a.sport))
    s.connect((a.addr, a.port))
    s.settimeout(a.timeout)
    ttl0 = s.getsockopt(socket.IPPROTO_IP, socket.IP_TTL)
    probes = [int(t) for t in a.ttl_probes.split(",") if t]
    pad = b"." * max(0, a.size - 16)
    echoed = 0

    def progress(i):
        if a.progress:
            with open(a.progress + ".tmp", "w") as f:
                f.write("sent %d echoed %d\n" % (i, echoed))
            os.rename(a.progress + ".tmp", a.progress)

    def probe(ttl):
        while _errqueue(s):
            pass
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        tag = b"probe %d" % ttl
        s.send(tag)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl0)
        end = time.monotonic() + a.timeout
        while time.monotonic() < end:
            e = _errqueue(s)
            if e:
                return "icmp %d/%d from %s" % e
            try:
                d = s.recv(65535, socket.MSG_DONTWAIT)
                if d == tag:
                    return "echo"
            except (BlockingIOError, InterruptedError, socket.timeout):
                pass
            except OSError:
                pass  # the error itself; its entry is in the queue
            time.sleep(0.01)
        return "none"

    for i in range(a.count):
        if probes and i == a.count // 2:
            for t in probes:
                print("probe ttl %d %s" % (t, probe(t)))
                sys.stdout.flush()
        msg = b"ping %d " % i + pad
        t0 = time.monotonic()
        try:
            s.send(msg)
            while True:
                d = s.recv(65535)
                if d == msg:
                    echoed += 1
                    break
        except socket.timeout:
            pass
        except OSError as e:
            print("error %s at %d" % (e, i))
            while True:
                q = _errqueue(s)
                if not q:
                    break
                print("errqueue icmp %d/%d from %s" % q)
        if i % 10 == 9:
            progress(i + 1)
        left = a.interval_ms / 1000.0 - (time.monotonic() - t0)
        if left > 0:
            time.sleep(left)
    progress(a.count)
    print("echoed %d/%d" % (echoed, a.count))
    return 0 if echoed == a.count else 1


def tcp_chat(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(a.timeout)
    if a.sport:
        s.bind(("0.0.0.0", a.sport))
    s.connect((a.addr, a.port))
    f = s.makefile("rb")
    done = 0
    line = ""
    try:
        for i in range(a.rounds):
            msg = (b"%06d" % i) + b"x" * (a.size - 7) + b"\n"
            s.sendall(msg)
            if i == 0:
                line = f.readline().decode(errors="replace").strip()
            if f.readline() != msg:
                break
            done += 1
            if a.progress and i % 10 == 9:
                with open(a.progress + ".tmp", "w") as pf:
                    pf.write("rounds %d\n" % done)
                os.rename(a.progress + ".tmp", a.progress)
            if a.interval_ms:
                time.sleep(a.interval_ms / 1000.0)
    except OSError as e:
        print("error %s" % e)
    print(line)
    print("rounds %d/%d" % (done, a.rounds))
    sys.stdout.flush()
    if a.close == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        f.close()
        s.close()
    else:
        s.shutdown(socket.SHUT_WR)
        try:
            while f.read(4096):
                pass
        except OSError:
            pass
        f.close()
        s.close()
    return 0 if done == a.rounds else 1


def _addr_port(t):
    h, p = t.rsplit(":", 1)
    return socket.inet_aton(h), int(p)


def icmp_error(a):
    (qs, qsp), (qd, qdp) = (_addr_port(t) for t in a.quote.split("-"))
    proto = socket.IPPROTO_UDP if a.proto == "udp" else socket.IPPROTO_TCP
    ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 64, 0x1234,
                     0x4000, 63, proto, 0, qs, qd)
    ih = ih[:10] + struct.pack("!H", csum16(ih)) + ih[12:]
    if a.proto == "udp":
        l4 = struct.pack("!HHHH", qsp, qdp, 8 + 64, 0)
    else:
        l4 = struct.pack("!HHI", qsp, qdp, 0x10000000)
    rest = struct.pack("!HH", 0, a.mtu) if a.type == 3 and a.code == 4 \
        else b"\0\0\0\0"
    body = ih + l4
    m = struct.pack("!BBH", a.type, a.code, 0) + rest + body
    m = m[:2] + struct.pack("!H", csum16(m)) + m[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(m, (a.dst, 0))
    print("sent icmp %d/%d to %s quoting %s" % (a.type, a.code, a.dst,
                                                a.quote))
    return 0


def raw_tcp(a):
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.connect((a.dst, a.dport))
    src = r.getsockname()[0]
    r.close()
    flags = sum(1 << "FSRPAU".index(c) for c in a.flags)
    data = a.data.encode()
    hdr = struct.pack("!HHIIBBHHH", a.sport, a.dport, a.seq, a.ack if
                      "A" in a.flags else 0, 5 << 4, flags, 64240, 0, 0)
    seg = hdr + data
    pseudo = socket.inet_aton(src) + socket.inet_aton(a.dst) + \
        struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(seg))
    c = csum16(pseudo + seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.sendto(seg, (a.dst, 0))
    print("sent tcp %s %s:%d > %s:%d len %d" % (a.flags, src, a.sport,
                                              a.dst, a.dport, len(data)))
    return 0


def raw_udp(a):
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.connect((a.dst, a.dport))
    src = r.getsockname()[0]
    r.close()
    data = a.data.encode()
    seg = struct.pack("!HHHH", a.sport, a.dport, 8 + len(data), 0) + data
    if not a.no_csum:
        c = csum16(socket.inet_aton(src) + socket.inet_aton(a.dst) +
                   struct.pack("!BBH", 0, socket.IPPROTO_UDP, len(seg)) + seg)
        seg = seg[:6] + struct.pack("!H", c or 0xffff) + seg[8:]
    if a.iface:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0x4242,
                         0x4000, 64, socket.IPPROTO_UDP, 0,
                         socket.inet_aton(src), socket.inet_aton(a.dst))
        ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((a.iface, 0))
        dmac = bytes.fromhex(a.dst_mac.replace(":", ""))
        s.send(dmac + s.getsockname()[4] + b"\x08\x00" + ip + seg)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                          socket.IPPROTO_UDP)
        s.sendto(seg, (a.dst, 0))
    print("sent udp %s:%d > %s:%d len %d%s" % (
        src, a.sport, a.dst, a.dport, len(data),
        " no checksum" if a.no_csum else ""))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("tcp-server", "udp-server"):
        q = sub.add_parser(name)
        q.add_argument("addr")
        q.add_argument("port", type=int)
        q.add_argument("log")
        q.add_argument("--name", default="server")
    q = sub.add_parser("tcp-client")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--hold", type=float, default=0)
    q.add_argument("--timeout", type=float, default=5)
    q = sub.add_parser("udp-client")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--src", default="")
    q.add_argument("--size", type=int, default=0)
    q.add_argument("--timeout", type=float, default=3)
    q = sub.add_parser("conc")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("n", type=int)
    q.add_argument("--hold", type=float, default=0)
    q.add_argument("--timeout", type=float, default=20)
    q = sub.add_parser("udp-stream")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--interval-ms", type=float, default=1.0)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--src", default="")
    q.add_argument("--progress", default="")
    q.add_argument("--max-time", type=float, default=60)
    q = sub.add_parser("pmtu")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--size", type=int, default=1400)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--timeout", type=float, default=5)
    q = sub.add_parser("flood")
    q.add_argument("proto", choices=("udp", "tcp"))
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--sport-from", type=int, default=20000)
    q.add_argument("--rate", type=float, default=8000)
    q.add_argument("--passes", type=int, default=1)
    q.add_argument("--max-time", type=float, default=20)
    q = sub.add_parser("udp-flows")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("n", type=int)
    q.add_argument("--sport-from", type=int, default=0)
    q.add_argument("--batch", type=int, default=250)
    q.add_argument("--timeout", type=float, default=3)
    q = sub.add_parser("frag-flood")
    q.add_argument("src")
    q.add_argument("dst")
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--rate", type=float, default=8000)
    q.add_argument("--max-time", type=float, default=20)
    q = sub.add_parser("udp-ping")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--interval-ms", type=float, default=10)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--size", type=int, default=0)
    q.add_argument("--src", default="")
    q.add_argument("--ttl-probes", default="")
    q.add_argument("--progress", default="")
    q.add_argument("--timeout", type=float, default=2)
    q = sub.add_parser("tcp-chat")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--rounds", type=int, required=True)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--close", choices=("fin", "rst"), default="fin")
    q.add_argument("--interval-ms", type=float, default=0)
    q.add_argument("--progress", default="")
    q.add_argument("--size", type=int, default=100)
    q.add_argument("--timeout", type=float, default=5)
    q = sub.add_parser("icmp-error")
    q.add_argument("dst")
    q.add_argument("--type", type=int, required=True)
    q.add_argument("--code", type=int, required=True)
    q.add_argument("--quote", required=True)
    q.add_argument("--proto", choices=("udp", "tcp"), default="udp")
    q.add_argument("--mtu", type=int, default=0)
    q = sub.add_parser("raw-tcp")
    q.add_argument("dst")
    q.add_argument("dport", type=int)
    q.add_argument("--sport", type=int, required=True)
    q.add_argument("--flags", default="A")
    q.add_argument("--data", default="")
    q.add_argument("--seq", type=int, default=1)
    q.add_argument("--ack", type=int, default=1)
    q = sub.add_parser("raw-udp")
    q.add_argument("dst")
    q.add_argument("dport", type=int)
    q.add_argument("--sport", type=int, required=True)
    q.add_argument("--data", default="")
    q.add_argument("--no-csum", action="store_true")
    q.add_argument("--iface", default="")
    q.add_argument("--dst-mac", default="ff:ff:ff:ff:ff:ff")
    a = p.parse_args()
    fn = {"tcp-server": tcp_server, "udp-server": udp_server,
          "tcp-client": tcp_client, "udp-client": udp_client,
          "conc": conc, "udp-stream": udp_stream, "pmtu": pmtu,
          "flood": flood, "udp-flows": udp_flows,
          "frag-flood": frag_flood, "udp-ping": udp_ping,
          "tcp-chat": tcp_chat, "icmp-error": icmp_error,
          "raw-tcp": raw_tcp, "raw-udp": raw_udp}[a.cmd]
    return fn(a) or 0


if __name__ == "__main__":
    sys.exit(main())
