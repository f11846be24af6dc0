#!/usr/bin/env python3
"""Recomputes the IPv4 header and TCP/UDP checksums of every Ethernet/IPv4 frame (and the TCP/UDP
checksums of Ethernet/IPv6 frames without extension headers) of a classic pcap, in place. Captures on veth pairs carry partial (offloaded) checksums, which an IPS rightly treats as bad
packets; netns.sh runs this on each pcap a capture script writes. Usage: fix-checksums.py FILE.pcap..."""
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def l4sum(frame: bytearray, l4: int, end: int, proto: int, pseudo_addrs: bytes) -> None:
    seg = bytearray(frame[l4:end])
    pos = {6: 16, 17: 6}.get(proto)
    if pos is None or len(seg) < pos + 2:
        return
    seg[pos : pos + 2] = b"\0\0"
    if len(pseudo_addrs) == 8:
        pseudo = pseudo_addrs + struct.pack("!BBH", 0, proto, len(seg))
    else:
        pseudo = pseudo_addrs + struct.pack("!IxxxB", len(seg), proto)
    c = csum(pseudo + bytes(seg))
    if proto == 17 and c == 0:
        c = 0xFFFF
    frame[l4 + pos : l4 + pos + 2] = struct.pack("!H", c)


def fix6(frame: bytearray) -> None:
    if len(frame) < 54:
        return
    ip = 14
    end = ip + 40 + struct.unpack("!H", frame[ip + 4 : ip + 6])[0]
    if end > len(frame):
        return  # truncated by snaplen: leave it
    l4sum(frame, ip + 40, end, frame[ip + 6], bytes(frame[ip + 8 : ip + 40]))


def fix(frame: bytearray) -> None:
    if frame[12:14] == b"\x86\xdd":
        fix6(frame)
        return
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return
    ip = 14
    ihl = (frame[ip] & 0x0F) * 4
    total = struct.unpack("!H", frame[ip + 2 : ip + 4])[0]
    if ip + total > len(frame):
        return  # truncated by snaplen: leave it
    frame[ip + 10 : ip + 12] = b"\0\0"
    frame[ip + 10 : ip + 12] = struct.pack("!H", csum(bytes(frame[ip : ip + ihl])))
    proto = frame[ip + 9]
    frag = struct.unpack("!H", frame[ip + 6 : ip + 8])[0]
    if frag & 0x3FFF:
        return
    l4sum(frame, ip + ihl, ip + total, frame[ip + 9], bytes(frame[ip + 12 : ip + 20]))


for path in sys.argv[1:]:
    b = bytearray(open(path, "rb").read())
    magic = struct.unpack("<I", b[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(path + ": not a little-endian classic pcap")
    if struct.unpack("<I", b[20:24])[0] != 1:
        sys.exit(path + ": not Ethernet")
    p = 24
    while p + 16 <= len(b):
        incl = struct.unpack("<I", b[p + 8 : p + 12])[0]
        frame = bytearray(b[p + 16 : p + 16 + incl])
        fix(frame)
        b[p + 16 : p + 16 + incl] = frame
        p += 16 + incl
    open(path, "wb").write(bytes(b))
