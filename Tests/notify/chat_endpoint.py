#!/usr/bin/env python3
"""A stand-in for a Slack-compatible chat service, for notify's tests: on 127.0.0.1, or on
the address given (the lab's `outside` namespace, which has no route beyond the lab).

POST /hook           an incoming webhook: {"text": ...}
POST /api/chat.postMessage  the chat API: {"channel", "text", "thread_ts"?} -> {"ok": true, "ts": ...}

What it answers is read from the MODE file on every request: "ok", "500", "404",
"429 SECONDS" (with Retry-After). Every request is appended to the LOG file as one JSON line
{"path", "status", "body", "ts"}; only "status": 200 lines are deliveries.
Usage: chat_endpoint.py PORT MODE_FILE LOG_FILE [ADDRESS]
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, mode_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
address = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
lock = threading.Lock()
counter = [0]


def mode():
    try:
        with open(mode_file) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = min(int(self.headers.get("Content-Length", "0") or 0), 1 << 20)
        body = self.rfile.read(length).decode("utf-8", "replace")
        m = mode()
        status, headers, answer = 200, {}, b"ok"
        if m == "500":
            status, answer = 500, b"internal error"
        elif m == "404":
            status, answer = 404, b"no_service"
        elif m.startswith("429"):
            status, answer = 429, b"rate limited"
            headers["Retry-After"] = m.split()[1] if len(m.split()) > 1 else "1"
        ts = None
        with lock:
            if status == 200:
                counter[0] += 1
                ts = "%d.000100" % (1700000000 + counter[0])
            if self.path.startswith("/api/") and status == 200:
                answer = json.dumps({"ok": True, "ts": ts}).encode()
                headers["Content-Type"] = "application/json"
            with open(log_file, "a") as f:
                f.write(json.dumps({"path": self.path, "status": status, "body": body, "ts": ts, "t": time.time()}) + "\n")
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


server = ThreadingHTTPServer((address, port), Handler)
print("listening on http://%s:%d" % (address, port), flush=True)
server.serve_forever()
