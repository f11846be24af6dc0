#!/usr/bin/env python3
"""A TLS endpoint for capture.sh that answers a ClientHello with ServerHello (advertising the
heartbeat extension, RFC 6520) + Certificate-less ServerHelloDone, the way OpenSSL 1.0.1 does before
key exchange, so nmap's ssl-heartbleed script sends its heartbeat request (OpenSSL 3 no longer
implements heartbeats, so s_server cannot play the vulnerable server). It answers a heartbeat
request the way a vulnerable OpenSSL 1.0.1f did: payload_length bytes, whatever the request carried
(here filler bytes, not memory). Usage: hb-server.py PORT"""
import os, socket, struct, sys, threading

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b

def serve(c):
    try:
        hdr = recv_exact(c, 5)
        if not hdr:
            return
        ver = hdr[1:3]
        body = recv_exact(c, struct.unpack(">H", hdr[3:5])[0])
        if body is None or body[0] != 1:
            return
        ext = struct.pack(">HHB", 0x000f, 1, 1)
        sh = ver + os.urandom(32) + b"\x00" + struct.pack(">H", 0x002f) + b"\x00" + struct.pack(">H", len(ext)) + ext
        msgs = b"\x02" + struct.pack(">I", len(sh))[1:] + sh + b"\x0e\x00\x00\x00"
        c.sendall(b"\x16" + ver + struct.pack(">H", len(msgs)) + msgs)
        while True:
            hdr = recv_exact(c, 5)
            if not hdr:
                return
            rl = struct.unpack(">H", hdr[3:5])[0]
            body = recv_exact(c, rl)
            if body is None:
                return
            if hdr[0] == 24 and body[0] == 1:
                plen = struct.unpack(">H", body[1:3])[0]
                leak = (body[3:] + b"\xa5" * plen)[:plen]
                resp = b"\x02" + struct.pack(">H", plen) + leak + b"\x00" * 16
                c.sendall(b"\x18" + hdr[1:3] + struct.pack(">H", len(resp)) + resp)
    except OSError:
        pass  # nmap resets the connection once it has its answer
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
