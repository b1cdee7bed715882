#!/usr/bin/env python3
"""A local stand-in for https://github.com/USER.keys on 127.0.0.1 (render's key fetching).
  keys_mirror.py DIR   → serves DIR/USER.keys; prints "listening on http://127.0.0.1:PORT"."""
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=sys.argv[1]))
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
