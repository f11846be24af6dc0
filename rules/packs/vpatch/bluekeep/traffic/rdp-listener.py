#!/usr/bin/env python3
"""A minimal RDP listener for capture.sh: answers every X.224 Connection Request with a Connection
Confirm selecting standard RDP security (so the client's MCS Connect Initial follows in clear), then
reads what the client sends and closes. Only the client's bytes matter for the tests."""
import socket
import sys
import threading

ADDR = sys.argv[1] if len(sys.argv) > 1 else "0.0.0.0"


def cc() -> bytes:
    neg = bytes([2, 0, 8, 0, 0, 0, 0, 0])
    x224 = bytes([14, 0xD0, 0, 0, 0x12, 0x34, 0]) + neg
    return bytes([3, 0, 0, 4 + len(x224)]) + x224


def serve(c: socket.socket) -> None:
    c.settimeout(3)
    try:
        first = c.recv(4096)
        if not first:
            return
        c.sendall(cc())
        while True:
            d = c.recv(65536)
            if not d:
                break
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ADDR, 3389))
s.listen(16)
while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
