#!/usr/bin/env python3
"""Test servers for capture.sh (run inside the server namespace): an HTTP server on :80 that serves
DIR with the file's own Content-Type (.hta -> application/hta, .rtf -> application/rtf), gzip when the
path has ?gzip, chunked when it has ?chunked; and a minimal SMTP receiver on :25 that accepts any
mail (enough for curl's SMTP client). Usage: serve.py DIR"""
import gzip, os, socketserver, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]
TYPES = {".html": "text/html; charset=utf-8", ".hta": "application/hta", ".rtf": "application/rtf",
         ".doc": "application/msword"}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        path, _, query = self.path.partition("?")
        f = os.path.join(ROOT, os.path.basename(path))
        if not os.path.isfile(f):
            self.send_error(404)
            return
        body = open(f, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(os.path.splitext(f)[1], "application/octet-stream"))
        if "gzip" in query:
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        if "chunked" in query:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 700):
                piece = body[i:i + 700]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    def log_message(self, *a):
        pass

class Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 mail.tsv-cli.test ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                self.wfile.write(b"250-mail.tsv-cli.test\r\n250 8BITMIME\r\n")
            elif cmd.startswith(b"DATA"):
                self.wfile.write(b"354 go ahead\r\n")
                while self.rfile.readline() not in (b".\r\n", b".\n", b""):
                    pass
                self.wfile.write(b"250 queued\r\n")
            elif cmd.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")

class TS(socketserver.ThreadingTCPServer):
    allow_reuse_address = True

threading.Thread(target=TS(("0.0.0.0", 25), Smtp).serve_forever, daemon=True).start()
ThreadingHTTPServer(("0.0.0.0", 80), H).serve_forever()
