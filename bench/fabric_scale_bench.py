#!/usr/bin/env python3
"""Fabric cost against scale, at both fidelities: wall time and peak memory (max resident set of the
litesim process) of a ring all-reduce of 1 GiB on a ring of N GPUs and of an all-to-all of 64 MiB on
a non-blocking two-tier Clos of N GPUs, for N = 8, 64, 256, 1,024 and 4,096, with the packet / flow
wall-time ratio. Each run is one `litesim tb collective --no-steps` process.

Usage: bench/fabric_scale_bench.py LITESIM [--max-gpus N] [--packet-timeout S]
  --max-gpus N        largest N to run (default 4096)
  --packet-timeout S  a packet run taking longer is stopped and reported as such, and larger N are
                      not tried at packet level for that case (default 240 s)
scripts/bench.sh builds Release and runs it. Writes out/bench-fabric-scale.json and prints a
Markdown table (docs/performance.md keeps the one it printed on the machine named there)."""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

LITESIM = sys.argv[1]


def option(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


MAX_GPUS = option("--max-gpus", 4096)
PACKET_TIMEOUT = option("--packet-timeout", 240.0)
SIZES = [n for n in (8, 64, 256, 1024, 4096) if n <= MAX_GPUS]


def clos(n):
    """A non-blocking two-tier Clos of n GPUs: leaves of up to 32 GPUs (half the 64-port switch's
    ports down, half up), as many spines as uplinks per leaf; the spines' radix is the leaf count."""
    per_leaf = min(32, n // 2)
    leaves = n // per_leaf
    topo = (f"fabric.topology={{kind: clos, gpus: {n}, gpus_per_leaf: {per_leaf}, spines: {per_leaf}, "
            f"oversubscription: 1, spine_fibre_length: 10 m}}")
    return ["--system", "configs/system/lite-clos-64.yaml", "--set", topo,
            "--set", f"fabric.switch.radix={max(64, leaves)}"]


CASES = [
    ("ring all-reduce 1 GiB, ring", lambda n: ["--op", "allreduce", "--algo", "ring", "--bytes", "1GiB",
                                               "--topology", "ring", "--gpus", str(n)]),
    ("all-to-all 64 MiB, Clos", lambda n: ["--op", "alltoall", "--algo", "direct", "--bytes", "64MiB"] + clos(n)),
]


def run(args, fidelity, timeout):
    """(wall seconds, peak MiB, simulated us) of one run, or None when it hit the timeout."""
    out = tempfile.mkdtemp()
    cmd = [LITESIM, "tb", "collective", "--fidelity", fidelity, "--no-steps", "--out", out] + args
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + timeout if timeout else None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return None
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    s = json.load(open(os.path.join(out, "summary.json")))["collective_tb"]
    return {"wall_s": wall, "peak_MiB": usage.ru_maxrss / 1024, "simulated_us": s["time_ns"] / 1e3,
            "messages": s["messages"]}


rows = []
for case, make in CASES:
    packet_gave_up = False
    for n in SIZES:
        row = {"case": case, "gpus": n}
        row["flow"] = run(make(n), "flow", None)
        if packet_gave_up:
            row["packet"] = "not run"
        else:
            p = run(make(n), "packet", PACKET_TIMEOUT)
            row["packet"] = p if p else f"over {PACKET_TIMEOUT:.0f} s"
            packet_gave_up = p is None
        f, p = row["flow"], row["packet"]
        if isinstance(p, dict):
            row["ratio"] = p["wall_s"] / f["wall_s"]
            row["sim_diff"] = f["simulated_us"] / p["simulated_us"] - 1
        rows.append(row)
        print(f"{case}, {n} GPUs: flow {f['wall_s']:.2f} s {f['peak_MiB']:.0f} MiB; packet "
              + (f"{p['wall_s']:.2f} s {p['peak_MiB']:.0f} MiB" if isinstance(p, dict) else p), flush=True)

cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
machine = f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
print(f"\nMachine: {machine}\n")
print("| case | GPUs | messages | flow wall s | flow peak MiB | packet wall s | packet peak MiB | packet/flow wall "
      "| flow vs packet simulated time |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    f, p = r["flow"], r["packet"]
    pk = isinstance(p, dict)
    print(f"| {r['case']} | {r['gpus']} | {f['messages']:,} | {f['wall_s']:.2f} | {f['peak_MiB']:.0f} | "
          + (f"{p['wall_s']:.2f} | {p['peak_MiB']:.0f} | {r['ratio']:.1f}x | {100 * r['sim_diff']:+.3f}% |" if pk
             else f"{p} | | | |"))
os.makedirs("out", exist_ok=True)
json.dump({"machine": machine, "rows": rows}, open("out/bench-fabric-scale.json", "w"), indent=2)
