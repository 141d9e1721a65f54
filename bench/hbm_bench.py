#!/usr/bin/env python3
"""HBM model speed: simulated GB and requests per wall-clock second for a stream and a random
pattern, exact (lookahead 0) and coarse (the default lookahead), plus peak memory.
Usage: bench/hbm_bench.py LITESIM [--quick]   (scripts/bench.sh builds Release and runs it)
Target (issue 3): a 1 GiB sequential read on one HBM3 stack in seconds of wall time."""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

LITESIM = sys.argv[1]
QUICK = "--quick" in sys.argv
CASES = [
    ("stream 1 GiB, 4 KiB requests", ["--requests", str(16384 if QUICK else 262144), "--request-bytes", "4 KiB",
                                      "--outstanding", "256"]),
    ("random, 64 B requests", ["--pattern", "random", "--requests", str(50000 if QUICK else 500000),
                               "--request-bytes", "64 B", "--outstanding", "256"]),
]
rows = []
for name, args in CASES:
    for mode, la in [("exact", "0"), ("coarse", None)]:
        out = tempfile.mkdtemp()
        cmd = [LITESIM, "tb", "hbm", "--out", out, *args] + (["--lookahead", la] if la else [])
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        s = json.load(open(f"{out}/summary.json"))["hbm_tb"]
        rows.append({"case": name, "mode": mode, "wall_s": wall, "simulated_GB": s["bytes"] / 1e9,
                     "GB_per_wall_s": s["bytes"] / 1e9 / wall, "requests_per_wall_s": s["requests"] / wall,
                     "achieved_GBps": s["achieved_GBps"]})
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{'case':32} {'mode':7} {'wall s':>8} {'sim GB':>8} {'GB/wall-s':>10} {'req/wall-s':>12} {'sim GB/s':>9}")
for r in rows:
    print(f"{r['case']:32} {r['mode']:7} {r['wall_s']:8.2f} {r['simulated_GB']:8.3f} {r['GB_per_wall_s']:10.3f} "
          f"{r['requests_per_wall_s']:12.0f} {r['achieved_GBps']:9.1f}")
print(f"peak memory of one run: {peak_kb / 1024:.0f} MiB")
os.makedirs("out", exist_ok=True)
json.dump({"rows": rows, "peak_rss_MiB": peak_kb / 1024}, open("out/bench-hbm.json", "w"), indent=2)
print("results in out/bench-hbm.json")
