#!/usr/bin/env python3
"""Packet fabric speed: packets per wall-clock second and wall time of a 64-GPU ring all-reduce of
1 GiB on the shipped optical ring (every packet through transceivers, links and credits), plus peak
memory. Usage: bench/fabric_bench.py LITESIM [--quick]   (scripts/bench.sh builds Release and runs it)
--quick runs 64 MiB instead of 1 GiB. Writes out/bench-fabric.json."""
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

LITESIM = sys.argv[1]
QUICK = "--quick" in sys.argv
size = "64MiB" if QUICK else "1GiB"
out = tempfile.mkdtemp()
cmd = [LITESIM, "tb", "collective", "--op", "allreduce", "--algo", "ring", "--bytes", size,
       "--set", "fabric.topology.gpus=64", "--out", out]
t0 = time.perf_counter()
subprocess.run(cmd, check=True, capture_output=True)
wall = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
s = json.load(open(os.path.join(out, "summary.json")))["collective_tb"]
# every message of the ring crosses one link; packets = sum over messages of ceil(bytes / mtu)
mtu = 4096
packets = s["bytes_injected"] / mtu  # the ring's messages are whole multiples of the MTU here
row = {"case": f"64-GPU ring all-reduce, {size}", "wall_s": wall, "packets": packets,
       "packets_per_wall_s": packets / wall, "simulated_us": s["time_ns"] / 1e3, "busbw_GBps": s["busbw_GBps"],
       "peak_MiB": peak_kb / 1024}
print(f"{row['case']}: {wall:.2f} s wall, {packets:.3g} packets, {row['packets_per_wall_s']:.3g} packets/wall-s, "
      f"simulated {row['simulated_us']:.1f} us, busbw {row['busbw_GBps']:.2f} GB/s, peak {row['peak_MiB']:.0f} MiB")
os.makedirs("out", exist_ok=True)
json.dump(row, open("out/bench-fabric.json", "w"), indent=2)
