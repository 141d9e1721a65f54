#!/usr/bin/env python3
"""report.html of `litesim study` in a real browser: headless Chromium (installed from Debian when
missing; a browser that cannot be installed or started is a failure, not a skip) opens a copy of
the report with a checking script put first in its <head>, which records every console error,
warning and failed resource and, once the page has loaded, whether every image decoded; the test
fails on any of them, on an image count other than the plots the study wrote, and keeps a
screenshot (study_report.png in the working directory). Usage: study_report_browser_test.py LITESIM"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium_util  # noqa: E402

import yaml

LITESIM = sys.argv[1]
SPEC = {
    "study": "tiny-report",
    "systems": [{"name": "h100", "system": "system/study/h100-cluster.yaml", "gpus_per_rack": 32},
                {"name": "lite-torus", "system": "system/study/lite-cpo-torus.yaml", "gpus_per_rack": 128}],
    "models": ["llama3-8b"],
    "prefill": {"prompt": [512], "batch": [1]},
    "decode": {"batch": [4], "context": [1024]},
    "objectives": ["latency", "throughput"],
    "stages": [{"name": "pilot", "model": "llama3-8b", "prompt": 512, "output": 64, "max_batch": 16,
                "deployments": [{"name": "one H100", "system": "h100", "gpus": 1},
                                {"name": "four Lite", "system": "lite-torus", "gpus": 4}]}],
}
PROBE = """<script>
window.__problems = [];
window.addEventListener("error", e => window.__problems.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || e.type)), true);
for (const level of ["error", "warn"]) {
  const orig = console[level];
  console[level] = (...args) => { window.__problems.push(level + ": " + args.join(" ")); orig.apply(console, args); };
}
window.addEventListener("load", () => {
  const imgs = Array.from(document.images);
  const v = {images: imgs.length, broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
             problems: window.__problems, tables: document.querySelectorAll("table").length, title: document.title};
  const pre = document.createElement("pre");
  pre.id = "verdict";
  pre.textContent = JSON.stringify(v);
  document.body.appendChild(pre);
});
</script>"""


def fail(what):
    sys.exit(f"FAIL [study report browser]: {what}")


def chromium():
    return chromium_util.chromium(fail)


with tempfile.TemporaryDirectory() as tmp:
    exe = chromium()
    spec = os.path.join(tmp, "spec.yaml")
    with open(spec, "w") as f:
        yaml.safe_dump(SPEC, f)
    out = os.path.join(tmp, "study")
    p = subprocess.run([LITESIM, "study", spec, "--out", out, "--jobs", "2", "--quiet"], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"litesim study failed ({p.returncode}): {p.stderr}")
    plots = sorted(f for f in os.listdir(os.path.join(out, "plots")) if f.endswith(".png"))
    if len(plots) < 5 or "stages.png" not in plots:
        fail(f"expected the study's plots (the staged path's among them), found {plots}")
    text = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    if "<head>" not in text:
        fail("report.html has no <head>")
    if re.search(r'(src|href)="(?!data:)[^"#]', text):
        fail("report.html links a file: it must be self-contained")
    page = os.path.join(tmp, "check.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write(text.replace("<head>", "<head>" + PROBE, 1))
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp}/profile"]
    try:
        b = subprocess.run(base + ["--virtual-time-budget=10000", "--dump-dom", "file://" + page], capture_output=True,
                           text=True, timeout=300)
    except subprocess.TimeoutExpired:
        fail("chromium did not finish within 300 s")
    m = re.search(r'<pre id="verdict">(.*?)</pre>', b.stdout, re.S)
    if b.returncode != 0 or not m:
        fail(f"chromium could not load the report (status {b.returncode}): {b.stderr.strip()[-600:]}")
    v = json.loads(html.unescape(m.group(1)))
    if v["problems"]:
        fail(f"console errors or failed resources: {v['problems']}")
    if v["broken"]:
        fail(f"images that did not decode: {v['broken']}")
    if v["images"] != len(plots):
        fail(f"{v['images']} images in the page, {len(plots)} plots written")
    if v["tables"] < 2 or "tiny-report" not in v["title"]:
        fail(f"tables {v['tables']}, title {v['title']!r}")
    shot = os.path.abspath("study_report.png")
    s = subprocess.run(base + ["--window-size=1280,2400", f"--screenshot={shot}", "file://" + os.path.join(out, "report.html")],
                       capture_output=True, text=True, timeout=300)
    if s.returncode != 0 or not os.path.exists(shot):
        fail(f"no screenshot (status {s.returncode}): {s.stderr.strip()[-400:]}")
    with open(shot, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail("the screenshot is not a PNG")
print(f"PASS [study report browser]: {v['images']} plots decoded, {v['tables']} tables, no console errors; "
      f"screenshot {shot}")
