#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpus of fuzz_engine into tests/fuzz/corpus/.

Each seed is a short scenario in the record format that fuzz_engine.c
describes at its top: two bytes (flags, clock) then, for a template, 12 knob
bytes, or for a raw packet a config byte, a 16-bit length and the bytes.
The seeds open sessions of every kind and then hit them (replies, ICMP
errors, fragments, hairpins, static mappings, held SYNs, table fills), so
that the fuzzer starts from packets that reach deep into the engine.

Run it again after changing the record format:  tests/fuzz/gen_corpus.py
"""
import os
import struct
import sys

# Template modes, as in fuzz_engine.c
UDP_OUT, TCP_OUT, ICMP_OUT, UDP_IN, TCP_IN, ICMP_IN = 4, 5, 6, 7, 8, 9
ERR_IN, ERR_OUT, FRAG_OUT, FRAG_IN, BURST, REPLAY = 10, 11, 12, 13, 14, 15
REPLY_OUT, HAIRPIN, CONTROL = 16, 17, 18

# TCP flag choices of knob 6
SYN, SYNACK, ACK, FINACK, RST = 0, 1, 2, 3, 4


def rec(mode, k=None, clock=0, flush=True, partial=False, dir_=0,
        extra=b""):
    """One template record; k maps knob index -> value."""
    knobs = [0] * 12
    for i, v in (k or {}).items():
        knobs[i] = v
    flags = mode << 3 | flush << 2 | partial << 1 | dir_
    return bytes([flags, clock] + knobs) + extra


def raw(pkt, dir_=0, clock=0, cfg=0, flush=True, partial=False):
    """One raw record."""
    flags = 0 << 3 | flush << 2 | partial << 1 | dir_
    return bytes([flags, clock, cfg]) + struct.pack(">H", len(pkt)) + pkt


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ihl=5, fix=True, ttl=64):
    hdr = bytearray(struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0,
                                ihl * 4 + len(payload), 1, 0, ttl, proto, 0,
                                bytes(src), bytes(dst)))
    hdr += b"\x01" * (ihl * 4 - 20)
    if fix:
        hdr[10:12] = struct.pack(">H", csum(bytes(hdr)))
    return bytes(hdr) + payload


SEEDS = {
    # UDP out, the reply, an ICMP port unreachable about it, time passes
    "udp_session": rec(UDP_OUT, {4: 4}) + rec(UDP_IN) +
    rec(ERR_IN, {6: 0, 7: 12}) + rec(UDP_IN, {4: 0x80}) +
    rec(UDP_OUT, {4: 4}, clock=0xf8),
    # TCP three-way handshake, data, FIN both ways, RST
    "tcp_session": rec(TCP_OUT, {6: SYN, 4: 6}) + rec(TCP_IN, {6: SYNACK}) +
    rec(TCP_OUT, {6: ACK, 4: 6, 7: 40}) + rec(TCP_IN, {6: ACK, 7: 100}) +
    rec(TCP_OUT, {6: FINACK, 4: 6}) + rec(TCP_IN, {6: FINACK}) +
    rec(TCP_OUT, {6: RST, 4: 6}, clock=0xf8),
    # ICMP echo out and its reply; an echo request to our address
    "icmp_echo": rec(ICMP_OUT, {7: 56}) + rec(ICMP_IN, {7: 56}) +
    rec(ICMP_IN, {4: 3, 5: 77}),
    # inbound through static mappings, the endpoint answers
    "static_maps": rec(UDP_IN, {4: 2, 5: 1, 1: 3}) + rec(REPLY_OUT, {4: 0}) +
    rec(TCP_IN, {4: 2, 5: 0, 1: 0, 6: SYN}) +
    rec(REPLY_OUT, {4: 1, 6: SYNACK}) +
    rec(TCP_IN, {4: 2, 5: 2, 1: 1, 6: SYN}) +
    rec(TCP_IN, {4: 2, 5: 2, 1: 6, 6: SYN}) +
    rec(UDP_IN, {4: 2, 5: 3, 1: 4}),
    # an endpoint sends an ICMP error about an inbound packet
    "icmp_err_out": rec(UDP_IN, {4: 2, 5: 1, 1: 3}) +
    rec(ERR_OUT, {4: 0, 6: 0, 7: 30}) + rec(ERR_OUT, {4: 0, 6: 2}),
    # ICMP errors of every type about outbound TCP, UDP, ICMP sessions
    "icmp_err_in": rec(TCP_OUT, {6: SYN}) + rec(UDP_OUT, {}) +
    rec(ICMP_OUT, {}) + b"".join(
        rec(ERR_IN, {4: p, 6: t, 7: 8 * t, 1: 0x80 * (t & 1)})
        for p in range(3) for t in range(8)),
    # hairpin to a session and to a static mapping
    "hairpin": rec(UDP_OUT, {0: 3}) + rec(HAIRPIN, {0: 5, 4: 0}) +
    rec(REPLY_OUT, {4: 0}) + rec(HAIRPIN, {0: 5, 5: 0x81}) +
    rec(HAIRPIN, {0: 5, 5: 0x80}),
    # a hairpin session outlives the mapping it was aimed at
    "hairpin_expired": rec(UDP_OUT, {0: 3}) + rec(HAIRPIN, {0: 2, 4: 0}) +
    rec(HAIRPIN, {0: 2, 4: 0}, clock=0xf7) +
    rec(HAIRPIN, {0: 2, 4: 0}, clock=0xf7),
    # fragments of one outbound UDP datagram, last first
    "frag_out": b"".join(rec(FRAG_OUT, {7: 60, 9: i << 3 | 1, 8: 1},
                             flush=False) for i in (4, 3, 2, 1, 0)) +
    rec(FRAG_OUT, {7: 60, 9: 1, 8: 1, 4: 2}, clock=0x90),
    # the reply, fragmented, in order; then an orphan fragment times out
    "frag_in": rec(UDP_OUT, {}) + b"".join(
        rec(FRAG_IN, {7: 40, 9: i << 3 | 2, 8: 2}) for i in range(3)) +
    rec(FRAG_IN, {7: 40, 9: 2 << 3 | 2, 8: 3}) + rec(ICMP_OUT, {}, clock=0xff),
    # fill a host's flows and the table, then let them all expire
    "burst": rec(BURST, {6: 15, 0: 2}) + rec(BURST, {6: 15, 0: 0x20}) +
    rec(BURST, {6: 3, 1: 1, 0: 0x12}) + rec(UDP_OUT, {}, clock=0xff) +
    rec(UDP_OUT, {}, clock=0xff),
    # network b: address-and-port-dependent filtering
    "net_b": rec(UDP_OUT, {0: 0x13}) + rec(UDP_IN, {}) +
    rec(UDP_IN, {4: 0x80, 1: 5}) + rec(UDP_IN, {4: 0x40, 2: 0x80, 3: 9}) +
    rec(TCP_OUT, {0: 0x13, 6: SYN}) + rec(TCP_IN, {6: SYNACK, 4: 0x80}),
    # unsolicited SYN: held 6 s, then answered
    "syn_hold": rec(TCP_IN, {4: 3, 5: 0x99, 6: SYN}) +
    rec(TCP_IN, {4: 3 | 0x40, 5: 0x42, 6: SYN}) +
    rec(TCP_OUT, {6: SYN}, clock=0x80 + 70) + rec(TCP_OUT, {6: ACK}, clock=10),
    # checksum offload: pseudo-header sums only
    "csum_partial": rec(UDP_OUT, {7: 33}, partial=True) +
    rec(UDP_IN, {7: 21}, partial=True) +
    rec(TCP_OUT, {6: SYN}, partial=True) +
    rec(TCP_IN, {6: SYNACK}, partial=True) +
    rec(HAIRPIN, {0: 4}, partial=True),
    # run-time configuration changes between packets
    "control": rec(CONTROL, {0: 0, 1: 0, 2: 0}) + rec(UDP_IN, {4: 3}) +
    rec(CONTROL, {0: 4, 2: 0x23, 3: 0x45}) + rec(UDP_IN, {4: 3, 1: 0x23, 5: 0x45}) +
    rec(CONTROL, {0: 4}) + rec(CONTROL, {0: 5, 3: 50}) +
    rec(UDP_OUT, {}) + rec(CONTROL, {0: 2}) + rec(CONTROL, {0: 3}) +
    rec(CONTROL, {0: 1}) + rec(CONTROL, {0: 2, 1: 2}),
    # external address, prefix and network b removed under live sessions
    "config_churn": rec(UDP_OUT, {0: 0x13}) + rec(TCP_OUT, {0: 0x13}) +
    rec(UDP_OUT, {0: 1}) + rec(HAIRPIN, {0: 0x12, 4: 0}) +
    rec(CONTROL, {0: 9}) + rec(UDP_IN, {}) + rec(UDP_OUT, {0: 0x13}) +
    rec(CONTROL, {0: 9}) + rec(UDP_OUT, {0: 0x13}) + rec(CONTROL, {0: 8}) +
    rec(UDP_IN, {}) + rec(CONTROL, {0: 8}) + rec(CONTROL, {0: 6}) +
    rec(UDP_IN, {4: 0}) + rec(HAIRPIN, {0: 2, 4: 0}) + rec(CONTROL, {0: 6}) +
    rec(CONTROL, {0: 7}) + rec(CONTROL, {0: 7, 1: 1}),
    # replay what came out, both ways
    "replay": rec(UDP_OUT, {}) + rec(REPLAY, {}) + rec(REPLAY, {}, dir_=1) +
    rec(TCP_IN, {4: 3, 6: SYN, 10: 0xc0}) + rec(REPLAY, {8: 1}, dir_=1),
    # IP options, TTL 0/1, byte flips, tight buffers, misalignment
    "odd_packets": rec(UDP_OUT, {10: 0x10}) + rec(UDP_OUT, {10: 0x30}) +
    rec(UDP_OUT, {10: 0x70}) + rec(UDP_OUT, {10: 0xc1}) +
    rec(TCP_OUT, {10: 0x0f}, extra=b"\x09\x0f\x14\x40\x21\x01") +
    rec(UDP_OUT, {11: 0x0b}) + rec(UDP_OUT, {0: 0xe2}) +
    rec(UDP_OUT, {1: 0xf8}) + rec(ERR_IN, {11: 0x08}),
    # raw: valid, bad header checksum, IHL too big, truncated, not IPv4
    "raw": raw(ipv4([172, 16, 0, 2], [192, 0, 2, 1], 17,
                    struct.pack(">HHHH", 1234, 53, 12, 0) + b"abcd")) +
    raw(ipv4([198, 51, 100, 9], [198, 51, 100, 2], 6, b"\0" * 20, fix=False),
        dir_=1) +
    raw(ipv4([172, 16, 0, 2], [192, 0, 2, 1], 1, b"\x08\0\0\0", ihl=15)) +
    raw(ipv4([172, 16, 0, 2], [192, 0, 2, 1], 6, b"\0" * 8)) +
    raw(b"\x60" + b"\0" * 39, cfg=0x09) +
    raw(ipv4([172, 16, 0, 2], [192, 0, 2, 1], 47, b"gre!")),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        os.unlink(os.path.join(out, name))
    total = 0
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{len(SEEDS)} seeds, {total} bytes in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
