#!/usr/bin/env python3
"""`package.die.kernel_memo` (docs/compute.md, "Kernel memo"): a run with the memo against the same
run without it, whose every kernel runs its tiles. The memo replays a kernel of a shape the die has
run before with the first one's time and the same FLOPs, HBM bytes and energy, so the totals must
agree: bytes and FLOPs exactly, time and energy within 0.5% (they differ only where a replayed
kernel's HBM traffic would have met other traffic differently).
Usage: kernel_memo_test.py LITESIM CASE."""
import json
import os
import subprocess
import sys
import tempfile

LITESIM, CASE = sys.argv[1], sys.argv[2]
SYSTEMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "system")
CASES = {
    # a decode step (memory-bound kernels), pipelined over two stages, on the H100 board
    "decode_h100": ("h100-nvswitch-8.yaml", ["--model", "llama3-8b", "--phase", "decode", "--batch", "8", "--seq",
                                              "2048", "--tp", "2", "--pp", "2"]),
    # a prefill (compute-bound GEMMs and attention) on Lite-GPUs forwarding for each other
    "prefill_lite_torus": ("lite-torus2d-16.yaml", ["--model", "llama3-8b", "--phase", "prefill", "--batch", "1",
                                                     "--seq", "512", "--tp", "4", "--pp", "2"]),
}


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def run(system, trace, memo, out):
    r = subprocess.run([LITESIM, "run", "--system", system, "--workload", trace, "--fidelity", "flow", "--quiet",
                        "--no-timeline", "--set", f"package.die.kernel_memo={memo}", "--out", out],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"run exited {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def close(a, b, tol):
    return abs(a - b) <= tol * abs(a)


def main():
    system, gen = CASES[CASE]
    system = os.path.join(SYSTEMS, system)
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.yaml")
        g = subprocess.run([LITESIM, "gen", "llm", *gen, "--system", system, "-o", trace], capture_output=True,
                           text=True)
        check(g.returncode == 0, f"gen exited {g.returncode}: {g.stderr}")
        full = run(system, trace, "false", os.path.join(tmp, "tiles"))
        memo = run(system, trace, "true", os.path.join(tmp, "memo"))
        check(len(full["gpus"]) == len(memo["gpus"]), "same GPUs")
        for a, b in zip(full["gpus"], memo["gpus"]):
            for key in ("kernels", "flops", "bytes_sent", "bytes_received"):
                check(a[key] == b[key], f"GPU {a['gpu']}: {key} {a[key]} with tiles, {b[key]} with the memo")
        for a, b in zip(full["hbm"], memo["hbm"]):
            for key in ("bytes_read", "bytes_written"):
                check(a[key] == b[key], f"HBM of GPU {a['gpu']}: {key} {a[key]} with tiles, {b[key]} with the memo")
        check(memo["hbm"][0]["requests"] < full["hbm"][0]["requests"] / 4,
              f"the memo should issue far fewer HBM requests: {memo['hbm'][0]['requests']} vs "
              f"{full['hbm'][0]['requests']}")
        check(close(full["sim_time_ns"], memo["sim_time_ns"], 0.005),
              f"time {memo['sim_time_ns']} ns with the memo, {full['sim_time_ns']} ns with tiles")
        ef, em = full["energy"], memo["energy"]
        check(close(ef["total_pJ"], em["total_pJ"], 0.005), f"energy {em['total_pJ']} vs {ef['total_pJ']} pJ")
        for part in ("die", "hbm"):
            check(close(ef["dynamic_pJ_by_component"][part], em["dynamic_pJ_by_component"][part], 1e-9),
                  f"dynamic {part} energy {em['dynamic_pJ_by_component'][part]} vs "
                  f"{ef['dynamic_pJ_by_component'][part]} pJ")
        print(f"ok: time {full['sim_time_ns']:.1f} vs {memo['sim_time_ns']:.1f} ns, HBM requests "
              f"{full['hbm'][0]['requests']} vs {memo['hbm'][0]['requests']}")


main()
