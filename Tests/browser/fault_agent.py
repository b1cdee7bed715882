#!/usr/bin/env python3
"""A misbehaving agent for the dashboard's fault tests, on 127.0.0.1 only.

  fault_agent.py MODEFILE VALIDJSON

Prints "listening on http://127.0.0.1:PORT". Each request reads MODEFILE:
  hang     accept, say nothing for 20 s (bounded), close
  garbage  200 with bytes that are not JSON
  500      an error status
  redirect:URL  302 to URL (the dashboard must not follow it)
  ok       200 with the contents of VALIDJSON (a real agent's report)
"""
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE, VALID = sys.argv[1], sys.argv[2]

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        mode = open(MODE).read().strip()
        if mode == "hang":
            time.sleep(20)
            return
        if mode == "garbage":
            body = b"\x00\xff<html>not an agent{{{"
            self.send_response(200)
        elif mode.startswith("redirect:"):
            body = b""
            self.send_response(302)
            self.send_header("Location", mode[len("redirect:"):])
        elif mode == "500":
            body = b"internal error"
            self.send_response(500)
        else:
            body = open(VALID, "rb").read()
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
