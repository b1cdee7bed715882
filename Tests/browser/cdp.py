#!/usr/bin/env python3
"""Load a dashboard page in headless Chromium (Debian package) over the DevTools protocol,
wait for live updates, and print what the page shows as JSON. Used by DashboardTests.

  cdp.py URL --updates N --timeout S [--screenshot PNG]

Only loopback is contacted: the page URL given (the test's own server) and Chromium's own
DevTools port. Any JavaScript dialog (alert) is recorded: an escaped process name never opens one.
"""
import argparse, base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

import websocket

EXTRACT = r"""
(() => {
  const b = document.body, h = document.getElementById('headline');
  const cells = [...document.querySelectorAll('.gpu')].map(c => ({
    uuid: c.dataset.uuid, state: c.dataset.state,
    node: c.closest('tr') ? c.closest('tr').dataset.node : null, text: c.innerText }));
  const nodes = [...document.querySelectorAll('table.board tr')].map(r => ({
    name: r.dataset.node, down: r.classList.contains('down'),
    problem: (r.querySelector('.node-problem') || {}).innerText || null }));
  return JSON.stringify({
    generation: +b.dataset.generation, updates: +b.dataset.updates,
    free: h ? +h.dataset.free : null, total: h ? +h.dataset.total : null,
    headline: h ? h.innerText : null, updated: document.getElementById('updated').innerText,
    banner: document.getElementById('banner').hidden ? null : document.getElementById('banner').innerText,
    imgs: document.querySelectorAll('main img').length, cells, nodes,
    title: document.title });
})()
"""

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--updates", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1100)
    a = ap.parse_args()
    profile = tempfile.mkdtemp(prefix="gpucluster-chromium-")
    chrome = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--disable-background-networking", "--disable-sync", "--disable-default-apps", "--hide-scrollbars",
         f"--user-data-dir={profile}", "--remote-debugging-port=0", f"--window-size={a.width},{a.height}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 20
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > deadline: raise SystemExit("chromium did not start")
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=5))
        page = next(t for t in targets if t["type"] == "page")
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=10, suppress_origin=True)
        ids = iter(range(1, 1 << 30))
        events = []
        def call(method, **params):
            i = next(ids)
            ws.send(json.dumps({"id": i, "method": method, "params": params}))
            while True:
                m = json.loads(ws.recv())
                if m.get("id") == i:
                    if "error" in m: raise SystemExit(f"{method}: {m['error']}")
                    return m.get("result", {})
                events.append(m)
        call("Page.enable"); call("Runtime.enable"); call("Log.enable")
        start = time.time()
        call("Page.navigate", url=a.url)
        result = None
        first = None
        while time.time() - start < a.timeout:
            time.sleep(0.3)
            r = call("Runtime.evaluate", expression=EXTRACT, returnByValue=True)
            v = r.get("result", {}).get("value")
            if not v: continue
            result = json.loads(v)
            if first is None: first = result
            if any(e.get("method") == "Page.javascriptDialogOpening" for e in events):
                call("Page.handleJavaScriptDialog", accept=True)
            if result["updates"] >= a.updates: break
        if result is None: raise SystemExit("page never rendered")
        result["firstGeneration"] = first["generation"]
        result["seconds"] = round(time.time() - start, 2)
        result["dialogs"] = [e["params"].get("message") for e in events if e.get("method") == "Page.javascriptDialogOpening"]
        result["consoleErrors"] = [e["params"]["entry"].get("text") for e in events
                                   if e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error"]
        result["exceptions"] = [e["params"]["exceptionDetails"].get("text") for e in events if e.get("method") == "Runtime.exceptionThrown"]
        if a.screenshot:
            shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            with open(a.screenshot, "wb") as f: f.write(base64.b64decode(shot["data"]))
        ws.close()
        print(json.dumps(result))
    finally:
        chrome.terminate()
        try: chrome.wait(timeout=5)
        except subprocess.TimeoutExpired: chrome.kill()
        shutil.rmtree(profile, ignore_errors=True)

main()
