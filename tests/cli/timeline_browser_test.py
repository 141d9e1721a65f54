#!/usr/bin/env python3
"""timeline.json in a real browser: headless Chromium loads a page that parses the file with the
browser's own JSON.parse and writes what it found (event count, events per phase, the first event,
the sum of the op durations) into the DOM, which --dump-dom prints; the test compares that with
Python's reading of the same file and with ops.csv. Chromium is installed from Debian when missing
(scripts/install-deps.sh installs it too); a browser that cannot be installed or cannot start is a
failure, not a skip. Usage: timeline_browser_test.py LITESIM."""
import csv
import html
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium_util  # noqa: E402

LITESIM = sys.argv[1]


def fail(what):
    sys.exit(f"FAIL [browser]: {what}")


def chromium():
    return chromium_util.chromium(fail)


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body>
<script type="application/json" id="timeline">%s</script>
<pre id="verdict">not run</pre>
<script>
const verdict = {};
try {
  const t = JSON.parse(document.getElementById("timeline").textContent);
  const ev = t.traceEvents;
  verdict.displayTimeUnit = t.displayTimeUnit;
  verdict.count = ev.length;
  verdict.first = ev[0];
  verdict.phases = {};
  for (const e of ev) verdict.phases[e.ph] = (verdict.phases[e.ph] || 0) + 1;
  verdict.op_us = ev.filter(e => e.ph === "X").reduce((sum, e) => sum + e.dur, 0);
  verdict.ok = true;
} catch (e) {
  verdict.ok = false;
  verdict.error = String(e);
}
document.getElementById("timeline").remove();
document.getElementById("verdict").textContent = JSON.stringify(verdict);
</script></body></html>
"""

with tempfile.TemporaryDirectory() as tmp:
    exe = chromium()
    out = os.path.join(tmp, "o")
    p = subprocess.run([LITESIM, "run", "--quiet", "--out", out], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"litesim run failed ({p.returncode}): {p.stderr}")
    text = open(os.path.join(out, "timeline.json"), encoding="utf-8").read()
    page = os.path.join(tmp, "check.html")
    with open(page, "w", encoding="utf-8") as f:
        # "<" occurs only inside JSON strings, where \u003c means the same: nothing can end the script
        f.write(PAGE % text.replace("<", "\\u003c"))
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp}/profile",
           "--dump-dom", "file://" + page]
    try:
        b = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        fail("chromium did not finish within 300 s")
    m = re.search(r'<pre id="verdict">(.*?)</pre>', b.stdout, re.S)
    if b.returncode != 0 or not m:
        fail(f"chromium could not load the page (status {b.returncode}): {b.stderr.strip()[-600:]}")
    verdict = json.loads(html.unescape(m.group(1)))
    if not verdict.get("ok"):
        fail(f"the browser's JSON.parse rejected timeline.json: {verdict.get('error')}")

    mine = json.loads(text)
    ev = mine["traceEvents"]
    ops = list(csv.DictReader(open(os.path.join(out, "ops.csv"))))
    phases = {}
    for e in ev:
        phases[e["ph"]] = phases.get(e["ph"], 0) + 1
    checks = [
        (verdict["displayTimeUnit"] == "ns", f"displayTimeUnit {verdict['displayTimeUnit']}"),
        (verdict["count"] == len(ev), f"the browser read {verdict['count']} events, Python {len(ev)}"),
        (verdict["first"] == ev[0], f"first event: browser {verdict['first']}, Python {ev[0]}"),
        (verdict["first"]["ph"] == "M" and verdict["first"]["name"] == "process_name" and
         verdict["first"]["pid"] == 1 and verdict["first"]["args"]["name"].startswith("gpu0 ("),
         f"the first event is not gpu0's process name: {verdict['first']}"),
        (verdict["phases"] == phases, f"events per phase: browser {verdict['phases']}, Python {phases}"),
        (verdict["phases"].get("X") == len(ops), f"{verdict['phases'].get('X')} op events for {len(ops)} ops"),
        (abs(verdict["op_us"] * 1000 - sum(float(o["duration_ns"]) for o in ops)) <= 1e-6 * verdict["op_us"] * 1000,
         f"op time {verdict['op_us']} us in the browser vs ops.csv"),
    ]
    for ok, what in checks:
        if not ok:
            fail(what)
print(f"PASS [browser]: Chromium parsed {verdict['count']} events ({verdict['phases']})")
