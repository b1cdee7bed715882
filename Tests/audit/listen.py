#!/usr/bin/env python3
"""Listeners for the audit's probe tests, run inside the test's target namespace.

Usage: listen.py TCP_PORTS UDP_ECHO_PORTS UDP_SILENT_PORTS   (comma-separated, "-" for none)
TCP ports accept and close; UDP echo ports answer every datagram; UDP silent ports read and
never answer. Prints "ready" when every socket is bound. Ends when killed (the test stops it) or after
10 minutes, whichever comes first.
"""
import select
import socket
import sys
import time


def ports(arg):
    return [] if arg == "-" else [int(p) for p in arg.split(",")]


tcp, echo, silent = (ports(a) for a in sys.argv[1:4])
socks = []
for p in tcp:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p))
    s.listen(512)
    socks.append(("tcp", s))
for kind, group in (("echo", echo), ("silent", silent)):
    for p in group:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", p))
        socks.append((kind, s))
print("ready", flush=True)
deadline = time.time() + 600
by_fd = {s.fileno(): (k, s) for k, s in socks}
while time.time() < deadline:
    ready, _, _ = select.select(list(by_fd), [], [], 1.0)
    for fd in ready:
        kind, s = by_fd[fd]
        if kind == "tcp":
            conn, _ = s.accept()
            conn.close()
        else:
            data, peer = s.recvfrom(2048)
            if kind == "echo":
                s.sendto(data or b"pong", peer)
