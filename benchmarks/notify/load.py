#!/usr/bin/env python3
"""Load for benchmarks/notify/run, on 127.0.0.1 only, bounded.

  load.py accept PORT PATH N THREADS KIND   -> {"requests": N, "seconds": s, "per_second": r, "errors": e}
      KIND webhook: Alertmanager webhook payloads (v4), each with a new alert (so each is stored)
      KIND alerts:  Alertmanager API v2 alert lists (what Prometheus sends), each a new alert
  load.py latency PORT CHATLOG N            -> {"p50_ms": .., "p95_ms": .., "samples": N}
      N webhook payloads 1.2 s apart; latency = the chat endpoint's receipt time minus the moment
      notify acknowledged (stored) the payload.
"""
import http.client
import json
import sys
import threading
import time


def webhook(i):
    return json.dumps({"version": "4", "groupKey": "{}:{alertname=\"Bench\"}", "status": "firing", "receiver": "notify",
                       "groupLabels": {"alertname": "Bench"}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://127.0.0.1", "truncatedAlerts": 0,
                       "alerts": [{"status": "firing", "labels": {"alertname": "Bench", "node": "gpu%05d" % i, "severity": "warning"},
                                   "annotations": {"summary": "bench alert %d" % i}, "startsAt": "2026-12-01T10:00:00Z",
                                   "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://127.0.0.1", "fingerprint": "%016x" % i}]})


def alerts(i):
    return json.dumps([{"labels": {"alertname": "Bench", "node": "gpu%05d" % i, "severity": "warning"},
                        "annotations": {"summary": "bench alert %d" % i}, "startsAt": "2026-12-01T10:00:00Z"}])


def accept(port, path, n, threads, kind):
    make = webhook if kind == "webhook" else alerts
    counter = iter(range(n))
    lock = threading.Lock()
    errors = [0]

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            c.request("POST", path, body=make(i), headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if r.status != 200:
                with lock:
                    errors[0] += 1
        c.close()

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    s = time.time() - start
    print(json.dumps({"requests": n, "seconds": s, "per_second": n / s, "errors": errors[0]}))


def latency(port, chatlog, n):
    acked = {}
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(n):
        body = webhook(1_000_000 + i)
        c.request("POST", "/alertmanager", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        acked["gpu%05d" % (1_000_000 + i)] = time.time()
        time.sleep(1.2)
    time.sleep(3)
    got = {}
    for line in open(chatlog):
        rec = json.loads(line)
        if rec["status"] != 200:
            continue
        text = json.loads(rec["body"]).get("text", "")
        for node in acked:
            if " on " + node + ":" in text:
                got[node] = rec["t"]
    lat = sorted((got[k] - acked[k]) * 1000 for k in got)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    print(json.dumps({"p50_ms": pick(0.5), "p95_ms": pick(0.95), "samples": len(lat)}))


if sys.argv[1] == "accept":
    accept(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
else:
    latency(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
