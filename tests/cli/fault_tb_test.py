#!/usr/bin/env python3
"""`litesim tb fault` on the shipped ring-shift-4 sample (four GPUs each sending 32 MiB to the next on
the default 4-GPU ring): the link 0-1 dies while GPU 0's message crosses it. Checked against values
derived here: bytes injected = delivered + dropped, exactly the one 32 MiB message dropped and resent,
the slowdown as the two runs' simulated times (each from its own summary.json), the faulty run ending
no sooner than the fault + detect + reconverge (fabric.recovery's defaults) and no later than that plus
what was left of the fault-free run from the send's start; the dead link carrying only what crossed
it before the fault; the resent copy on the detour 0-3-2-1. Bad faults: exit 2, nothing written.
Usage: fault_tb_test.py LITESIM CASE"""
import csv
import json
import os
import subprocess
import sys
import tempfile

LITESIM, CASE = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "traces", "samples", "ring-shift-4.yaml")
MIB32 = 32 << 20
AT_NS, DETECT_NS, RECONVERGE_NS = 1.3e6, 1e6, 10e6  # the fault; recovery's documented defaults


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def tb(out, *faults, fidelity=None):
    args = [LITESIM, "tb", "fault", "--workload", SAMPLE, "--out", out, "--quiet"]
    if fidelity:
        args += ["--fidelity", fidelity]
    for f in faults:
        args += ["--fault", f]
    return subprocess.run(args, capture_output=True, text=True)


def links(path):
    with open(path) as f:
        return {(int(r["end_a"]), int(r["end_b"])): r for r in csv.DictReader(f)}


def dead_link(tmp):
    out = os.path.join(tmp, "out")
    r = tb(out, "link gpu0-gpu1 fail-stop at 1.3ms")
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    with open(os.path.join(out, "baseline", "summary.json")) as f:
        b = json.load(f)
    fb = s["faults"]
    for k in ("injected_bytes", "delivered_bytes", "dropped_bytes", "detect_ns", "recover_ns", "slowdown"):
        check(k in fb, f"summary.json faults lacks {k}: {sorted(fb)}")
    check(fb["injected_bytes"] == fb["delivered_bytes"] + fb["dropped_bytes"], f"conservation: {fb}")
    check(fb["dropped_bytes"] == MIB32 and fb["retransmissions"] == 1 and fb["messages_lost"] == 0,
          f"one 32 MiB message dropped and resent: {fb}")
    check(fb["delivered_bytes"] == 4 * MIB32 and b["messages"]["bytes_delivered"] == 4 * MIB32, "every message delivered")
    check(fb["detect_ns"] == DETECT_NS and fb["recover_ns"] == DETECT_NS + RECONVERGE_NS, f"recovery times: {fb}")
    t, t0 = s["sim_time_ns"], b["sim_time_ns"]
    check(abs(fb["slowdown"] - t / t0) <= 1e-12 * t / t0, f"slowdown {fb['slowdown']} != {t} / {t0}")
    # GPU 0's send in the fault-free run: what is left of the run from its start bounds the resend
    with open(os.path.join(out, "baseline", "ops.csv")) as f:
        send = next(r for r in csv.DictReader(f) if r["rank"] == "0" and r["kind"] == "send")
    start = float(send["start_ns"])
    check(start < AT_NS < float(send["end_ns"]), f"the fault must strike during the send ({send})")
    resent = AT_NS + DETECT_NS + RECONVERGE_NS
    check(resent < t <= resent + (t0 - start), f"faulty run ends at {t} ns, expected in ({resent}, {resent + t0 - start}]")
    # the dead link carried only part of the message before the fault; the detour carried all of it
    lk, lk0 = links(os.path.join(out, "links.csv")), links(os.path.join(out, "baseline", "links.csv"))
    check(0 < int(lk[(0, 1)]["bytes_a_to_b"]) < MIB32, f"dead link bytes {lk[(0, 1)]['bytes_a_to_b']}")
    extra = {k: int(lk[k]["bytes_a_to_b"]) + int(lk[k]["bytes_b_to_a"]) -
             int(lk0[k]["bytes_a_to_b"]) - int(lk0[k]["bytes_b_to_a"]) for k in lk if k != (0, 1)}
    check(sorted(extra.values()) == [MIB32] * 3, f"the resent copy crosses the three other links once: {extra}")
    # deterministic: the same faults give byte-identical outputs
    out2 = os.path.join(tmp, "again")
    check(tb(out2, "link gpu0-gpu1 fail-stop at 1.3ms").returncode == 0, "second run")
    for name in ("summary.json", "links.csv", "messages.csv", "ops.csv"):
        with open(os.path.join(out, name), "rb") as a, open(os.path.join(out2, name), "rb") as b_:
            check(a.read() == b_.read(), f"{name} differs between two identical runs")
    print("ok")


def dead_gpu(tmp):
    """GPU 1 dies while GPU 0's message to it and its own to GPU 2 are on the wire: both are lost for
    good, the job cannot finish and is aborted the collective timeout (600 s) after the GPU died;
    what finished is kept: the four GEMMs, GPU 2's and GPU 3's sends, GPU 3's receive and add (8 of
    16 ops). `litesim run` on the same faults exits 4 with the same summary."""
    out = os.path.join(tmp, "out")
    r = tb(out, "gpu 1 fail-stop at 1.3ms")
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    a, fb = s["aborted"], s["faults"]
    check(s["status"] == "aborted" and fb["aborted"] is True and fb["slowdown"] is None, f"status: {s['status']} {fb}")
    check(a["first_loss_ns"] == AT_NS and a["gpu_died_ns"] == AT_NS and a["at_ns"] == AT_NS + 600e9,
          f"abort times (the GPU's death, + the 600 s timeout): {a}")
    check(a["messages_lost"] == 2 and a["ops_done"] == 8 and a["ops_unfinished"] == 8, f"abort counts: {a}")
    check("gpu0 -> gpu1" in a["report"] and "gpu1 -> gpu2" in a["report"] and "rank 2 op 'recv'" in a["report"],
          f"the report: {a['report']}")
    check(fb["injected_bytes"] == fb["delivered_bytes"] + fb["dropped_bytes"] and fb["dropped_bytes"] == 2 * MIB32,
          f"conservation: {fb}")
    with open(os.path.join(out, "ops.csv")) as f:
        done = list(csv.DictReader(f))
    check(len(done) == 8 and all(float(o["end_ns"]) <= s["sim_time_ns"] for o in done), f"ops.csv: {done}")
    r = subprocess.run([LITESIM, "run", "--workload", SAMPLE, "--out", os.path.join(tmp, "run"), "--quiet", "--set",
                        "fabric.fidelity=flow", "--set", "fabric.faults=[{target: gpu 1, kind: fail-stop, at: 1.3 ms}]"],
                       capture_output=True, text=True)
    check(r.returncode == 4 and "aborted by injected faults" in r.stderr, f"litesim run: exit {r.returncode} {r.stderr}")
    with open(os.path.join(tmp, "run", "summary.json")) as f:
        check(json.load(f)["aborted"]["ops_done"] == 8, "litesim run's summary")
    print("ok")


def dead_gpu_computing(tmp):
    """GPU 2 dies at 0.5 ms, inside its 1.1 ms GEMM and before any message: its GEMM never finishes and
    none of its ops start; GPU 1's message to it is lost (and GPU 1's receive and add wait behind that
    send on its comm stream); everything else finishes: GPU 0's four ops, GPU 1's GEMM, GPU 3's GEMM
    and send (7 of 16)."""
    out = os.path.join(tmp, "out")
    r = tb(out, "gpu 2 fail-stop at 0.5ms")
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        a = json.load(f)["aborted"]
    check(a["ops_done"] == 7 and a["ops_unfinished"] == 9 and a["first_loss_ns"] == 0.5e6, f"aborted: {a}")
    with open(os.path.join(out, "ops.csv")) as f:
        done = {(o["rank"], o["id"]) for o in csv.DictReader(f)}
    expect = {("0", x) for x in ("gemm", "send", "recv", "add")} | {("1", "gemm"), ("3", "gemm"), ("3", "send")}
    check(done == expect, f"finished ops {sorted(done)}, expected {sorted(expect)}")
    print("ok")


def recovery(tmp):
    """Two replicas of a Llama-3-8B decode step (`gen llm --tp 2 --replicas 2`) on the 8-GPU switch
    system; GPU 1 dies at 100 us, hitting replica 0 (GPUs 0-1) only; replica 1 finishes. Every
    policy's figures are derived here from the two runs' ops.csv, the job's abort time, the recovery
    defaults (detect 1 ms + reconverge 10 ms: a spare joining through the switch), `litesim cost`'s
    HBM capacity over the package's link rate (the spare's restore) and the policies' documented
    defaults (restart after 240 s from the run's start; one spare)."""
    system = os.path.join(HERE, "..", "..", "configs", "system", "lite-switch-8.yaml")
    trace = os.path.join(tmp, "r2.yaml")
    r = subprocess.run([LITESIM, "gen", "llm", "--model", "llama3-8b", "--phase", "decode", "--batch", "1", "--seq",
                        "128", "--tp", "2", "--replicas", "2", "--system", system, "-o", trace],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"gen llm: {r.stderr}")
    out = os.path.join(tmp, "out")
    r = subprocess.run([LITESIM, "tb", "fault", "--system", system, "--workload", trace, "--fault",
                        "gpu 1 fail-stop at 100us", "--policy", "spare", "--out", out], capture_output=True, text=True)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    fb = s["faults"]

    def ends(path):
        e = {}
        with open(path) as f:
            for o in csv.DictReader(f):
                rep = int(o["rank"]) // 2
                e[rep] = max(e.get(rep, 0.0), float(o["end_ns"]))
        return e
    base, faulty = ends(os.path.join(out, "baseline", "ops.csv")), ends(os.path.join(out, "ops.csv"))
    check(fb["replicas"] == 2 and fb["replicas_hit"] == 1, f"replicas: {fb['replicas']}, hit {fb['replicas_hit']}")
    check(faulty[1] == base[1] and faulty[0] < base[0], f"replica 1 unhurt, replica 0 cut short: {faulty} {base}")
    fail, abort = 100e3, 100e3 + 600e9
    total = 2 * base[0] + 2 * base[1]
    cost = json.loads(subprocess.run([LITESIM, "cost", "--package", "lite-quarter", "--json"], capture_output=True,
                                     text=True, check=True).stdout)["peaks"]
    restore = cost["hbm_GB"] / cost["network_GBps_per_direction"] * 1e9
    want = {
        "abort": dict(work_done=2 * base[1] / total, capacity_after=0, lost_gpu_s=2 * fail / 1e9,
                      completed_ns=base[1], resumed_ns=None, replicas_dropped=2),
        "restart": dict(work_done=1, capacity_after=1, lost_gpu_s=4 * fail / 1e9, resumed_ns=abort + 240e9,
                        completed_ns=abort + 240e9 + max(base.values()), replicas_dropped=0),
        "shrink": dict(work_done=2 * base[1] / total, capacity_after=0.5, lost_gpu_s=2 * fail / 1e9,
                       completed_ns=base[1], resumed_ns=None, replicas_dropped=1),
        "spare": dict(work_done=1, capacity_after=1, lost_gpu_s=2 * fail / 1e9, resumed_ns=abort + 11e6 + restore,
                      completed_ns=abort + 11e6 + restore + base[0], replicas_dropped=0),
    }
    got = {c["policy"]: c for c in fb["recovery_compared"]}
    check(sorted(got) == sorted(want) and fb["recovery"]["policy"] == "spare", f"policies: {sorted(got)}")
    for name, w in want.items():
        for k, v in w.items():
            g = got[name][k]
            ok = g is None if v is None else g is not None and abs(g - v) <= 1e-9 * max(1.0, abs(v))
            check(ok, f"{name}.{k} = {g}, expected {v}")
    check("spare" in r.stdout and "through the switch" in r.stdout, f"stdout: {r.stdout}")
    print("ok")


def packet_agrees(tmp):
    """The same faults at both fidelities (`tb fault --fidelity`): a dead link, a link degraded to half
    in the middle of its message, a flap and a dead GPU. Both backends drop, resend and lose the same
    messages (the same counts and bytes, injected = delivered + dropped) and the faulty runs end
    within 1% of each other (the flow level is packet-exact on a path to itself, as here)."""
    for fault in ("link gpu0-gpu1 fail-stop at 1.3ms", "link gpu0-gpu1 degrade 0.5 at 1.3ms",
                  "link gpu0-gpu1 flap 2 ms at 1.3ms", "gpu 1 fail-stop at 1.3ms"):
        got = {}
        for fidelity in ("flow", "packet"):
            out = os.path.join(tmp, fidelity)
            r = tb(out, fault, fidelity=fidelity)
            check(r.returncode == 0, f"{fault} at {fidelity}: exit {r.returncode}: {r.stderr}")
            with open(os.path.join(out, "summary.json")) as f:
                got[fidelity] = json.load(f)
            fb = got[fidelity]["faults"]
            check(fb["injected_bytes"] == fb["delivered_bytes"] + fb["dropped_bytes"], f"{fault} {fidelity}: {fb}")
        f, p = got["flow"], got["packet"]
        for k in ("injected_bytes", "delivered_bytes", "dropped_bytes", "messages_dropped", "retransmissions",
                  "messages_lost"):
            check(f["faults"][k] == p["faults"][k], f"{fault}: {k} flow {f['faults'][k]}, packet {p['faults'][k]}")
        tf, tp = f["sim_time_ns"], p["sim_time_ns"]
        check(abs(tp - tf) <= 0.01 * tf, f"{fault}: flow ends at {tf} ns, packet at {tp} ns")
        check(f["status"] == p["status"], f"{fault}: status flow {f['status']}, packet {p['status']}")
        print(f"{fault}: flow {tf:.0f} ns, packet {tp:.0f} ns ({(tp - tf) / tf:+.4%})")
    print("ok")


def bad_fault(tmp):
    for fault, words in (("link gpu0-gpu2 fail-stop at 1ms", "no link joins gpu0 and gpu2"),
                         ("link 0 boom at 1ms", "expected 'link ID|END-END"),
                         ("link 0 degrade 1.5 at 1ms", "remaining")):
        out = os.path.join(tmp, "bad")
        r = tb(out, fault)
        check(r.returncode == 2 and words in r.stderr, f"{fault}: exit {r.returncode}: {r.stderr}")
        check(not os.path.exists(out), f"{fault}: {out} was written")
    print("ok")


with tempfile.TemporaryDirectory() as tmp:
    {"dead_link": dead_link, "dead_gpu": dead_gpu, "dead_gpu_computing": dead_gpu_computing,
     "recovery": recovery, "packet_agrees": packet_agrees, "bad_fault": bad_fault}[CASE](tmp)
