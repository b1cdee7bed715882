#!/usr/bin/env python3
"""The peer: how gpuview (and the seed's 2018 Flask dashboard) read a cluster, one host after
another with urllib. Reads the ports from a file and does one round; prints seconds and CPU."""
import json, sys, time, urllib.request, resource
ports = [int(p) for p in open(sys.argv[1]).read().split()]
t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
ok = 0
for p in ports:
    with urllib.request.urlopen(f"http://127.0.0.1:{p}/api/v1/node", timeout=2) as r:
        json.loads(r.read()); ok += 1
c1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime), "ok": ok}))
