#!/usr/bin/env python3
"""Trace-run speed: wall time and peak memory of `litesim gen llm` + `litesim run` for LLM steps on
the shipped systems (every kernel as tiles on the die, every collective as packets). Usage:
bench/trace_bench.py LITESIM [--quick]   (scripts/bench.sh builds Release and runs it). --quick
runs only the decode cases. Writes out/bench-trace.json."""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

LITESIM = sys.argv[1]
QUICK = "--quick" in sys.argv
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYS = os.path.join(ROOT, "configs", "system")

CASES = [
    ("llama3-70b decode b8 s4096, TP8 on 8 x H100", "h100-nvswitch-8", "llama3-70b", "decode", 8, 4096, 8, 1),
    ("llama3-70b decode b8 s4096, TP8 PP2 on 16 Lite-GPUs (torus)", "lite-torus2d-16", "llama3-70b", "decode", 8,
     4096, 8, 2),
    ("llama3-405b decode b8 s4096, TP8 PP8 on 64 Lite-GPUs (3-D torus)", "lite-torus3d-64", "llama3-405b", "decode",
     8, 4096, 8, 8),
]
if not QUICK:
    CASES.append(("llama3-70b prefill b1 s2048, TP8 on 8 x H100", "h100-nvswitch-8", "llama3-70b", "prefill", 1,
                  2048, 8, 1))

rows = []
for name, system, model, phase, batch, seq, tp, pp in CASES:
    d = tempfile.mkdtemp()
    trace = os.path.join(d, "t.yaml")
    sysf = os.path.join(SYS, system + ".yaml")
    subprocess.run([LITESIM, "gen", "llm", "--model", model, "--phase", phase, "--batch", str(batch), "--seq",
                    str(seq), "--tp", str(tp), "--pp", str(pp), "--system", sysf, "-o", trace], check=True,
                   capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([LITESIM, "run", "--quiet", "--system", sysf, "--workload", trace, "--out",
                    os.path.join(d, "out")], check=True)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    s = json.load(open(os.path.join(d, "out", "summary.json")))
    ops = sum(1 for _ in open(os.path.join(d, "out", "ops.csv"))) - 1
    packets = s["stats"]["fabric"]["packets"]
    row = {"case": name, "wall_s": wall, "simulated_ms": s["sim_time_ns"] / 1e6, "ops": ops, "packets": packets,
           "packets_per_wall_s": packets / wall, "peak_MiB_so_far": max(peak, before) / 1024}
    rows.append(row)
    print(f"{name}: {wall:.2f} s wall, simulated {row['simulated_ms']:.3f} ms, {ops} ops, {packets:.3g} packets "
          f"({row['packets_per_wall_s']:.3g}/wall-s), peak {row['peak_MiB_so_far']:.0f} MiB")
os.makedirs("out", exist_ok=True)
json.dump(rows, open("out/bench-trace.json", "w"), indent=2)
