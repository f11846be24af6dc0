#!/usr/bin/env python3
"""A stand-in web server for the capture scripts (run inside the server namespace): answers every
request, whatever its method, with 200 and a short body after reading any Content-Length body. The
virtual patches block requests, so only the client's framing matters. HTTP/1.0 (one request per
connection) unless --http11 (keep-alive); listens on every PORT given.
Usage: http-ok.py [--http11] [--bind ADDR] PORT..."""
import argparse
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--http11", action="store_true")
ap.add_argument("--bind", default="0.0.0.0", help="address to listen on (:: for IPv6)")
ap.add_argument("ports", type=int, nargs="+")
args = ap.parse_args()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1" if args.http11 else "HTTP/1.0"

    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, *a):
        pass


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    address_family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET


servers = [Server((args.bind, p), H) for p in args.ports]
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
servers[0].serve_forever()
