#!/usr/bin/python3
"""Capture helper for the DCERPC virtual patches (ms08-067, printnightmare, zerologon, petitpotam).

Runs, inside the server network namespace made by capture.sh:
  * a minimal connection-oriented DCERPC endpoint on TCP 49700 that accepts every presentation
    context of a bind / alter_context (as a vulnerable Windows server that exposes the interface
    would) and answers every request with a fault (nca_s_fault_access_denied): the virtual patches
    must block the REQUEST, so no server-side implementation is needed;
  * impacket's SimpleSMBServer on 445 (SMB1 and SMB2), whose named pipes \\spoolss, \\netlogon,
    \\lsarpc and \\efsrpc are forwarded to that endpoint (impacket's own \\srvsvc server stays).
Test fixture tooling only: never part of Tsugi.
"""
import socket
import struct
import sys
import threading

NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)


def pdu(ptype, call_id, body, flags=0x03):
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\x00\x00\x00", 16 + len(body), 0, call_id) + body


def bind_ack(req, call_id, ptype):
    n = req[24]
    p = 28
    results = b""
    for _ in range(n):
        nts = req[p + 2]
        ts = req[p + 24:p + 44]
        results += struct.pack("<HH", 0, 0) + ts
        p += 24 + 20 * nts
    sec = b"49700\x00"
    body = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H", len(sec)) + sec
    while (16 + len(body)) % 4:
        body += b"\x00"
    body += struct.pack("<B3x", n) + results
    return pdu(ptype, call_id, body)


def serve(conn):
    buf = b""
    try:
        while True:
            while len(buf) < 16 or len(buf) < struct.unpack_from("<H", buf, 8)[0]:
                d = conn.recv(65536)
                if not d:
                    return
                buf += d
            flen = struct.unpack_from("<H", buf, 8)[0]
            req, buf = buf[:flen], buf[flen:]
            ptype, flags, call_id = req[2], req[3], struct.unpack_from("<I", req, 12)[0]
            if ptype in (11, 14):
                conn.sendall(bind_ack(req, call_id, 12 if ptype == 11 else 15))
            elif ptype == 0 and flags & 0x02:
                ctx = struct.unpack_from("<H", req, 20)[0]
                conn.sendall(pdu(3, call_id, struct.pack("<IHBBII", 32, ctx, 0, 0, 5, 0)))
    finally:
        conn.close()


def tcp_endpoint(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def main():
    threading.Thread(target=tcp_endpoint, args=(49700,), daemon=True).start()
    from impacket import smbserver
    srv = smbserver.SimpleSMBServer(listenAddress="0.0.0.0", listenPort=445)
    srv.addShare("SHARE", "/tmp", "")
    srv.setSMB2Support(True)
    for pipe in ("spoolss", "netlogon", "lsarpc", "efsrpc"):
        srv.registerNamedPipe(pipe, ("127.0.0.1", 49700))
    srv.start()


if __name__ == "__main__":
    sys.exit(main())
