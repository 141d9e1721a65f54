#!/usr/bin/env python3
"""`litesim run` on native traces (litesim-trace/1) whose timing is known in closed form, on the
pair-exact test system (round numbers; tests/data/pair-exact.yaml). Usage: trace_run_test.py
LITESIM ROOT CASE. Expected times come from the resolved config and the models of docs/memory.md
(simple HBM), docs/fabric.md (packets) and docs/trace-format.md (stream semantics)."""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, ROOT, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
PAIR = os.path.join(ROOT, "tests", "data", "pair-exact.yaml")
MiB = 1 << 20
US = 1e-6


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def qty(text):
    num, unit = text.split()
    scale = {"ns": 1e-9, "us": 1e-6, "ps": 1e-12, "m": 1, "ns/m": 1e-9, "Gbps": 1e9, "TB/s": 1e12, "B": 1,
             "KiB": 1024}
    return float(num) * scale[unit]


def ceil_ps(seconds):
    return math.ceil(round(seconds * 1e12, 3)) * 1e-12


CFG = yaml.safe_load(subprocess.run([LITESIM, "config", "--system", PAIR], capture_output=True, text=True).stdout)


def hbm_s(nbytes):
    """Simple HBM: bytes / (bandwidth x efficiency) + access latency (one copy-engine transfer)."""
    h = CFG["package"]["hbm"]
    return nbytes / (qty(h["bandwidth"]) * float(h["efficiency"])) + qty(h["access_latency"])


def net_s(nbytes):
    """One message over the pair's link: ceil(S/mtu) packets of payload + header back to back at
    lanes x lane rate, then one head latency (2 SerDes + fibre); a 0-byte message is one header."""
    cpo, link, be = CFG["package"]["cpo"], CFG["fabric"]["link"], CFG["fabric"]["backend"]
    mtu, header = qty(be["mtu"]), qty(be["header"])
    rate = link["lanes"] * qty(cpo["lane_rate"])
    full, rest = divmod(nbytes, int(mtu))
    t = full * ceil_ps(8 * (mtu + header) / rate) + (ceil_ps(8 * (rest + header) / rate) if rest or not full else 0)
    return t + 2 * qty(cpo["transceiver"]["serdes_latency"]) + qty(link["fibre_length"]) * qty(link["propagation_delay"])


def run(trace_text, expect_rc=0):
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "t.yaml")
    open(path, "w").write(trace_text)
    out = os.path.join(tmp, "out")
    r = subprocess.run([LITESIM, "run", "--system", PAIR, "--workload", path, "--out", out, "--quiet"],
                       capture_output=True, text=True)
    check(r.returncode == expect_rc, f"exit {r.returncode}, expected {expect_rc}: {r.stderr}")
    if expect_rc != 0:
        return r.stderr, None
    s = json.load(open(os.path.join(out, "summary.json")))
    ops = {(int(row["rank"]), row["id"]): row for row in csv.DictReader(open(os.path.join(out, "ops.csv")))}
    return s, ops


def t_of(ops, rank, op, key):
    return float(ops[(rank, op)][key]) * 1e-9


def close(got, expect, what, tol=2e-12):
    check(abs(got - expect) <= tol, f"{what}: {got * 1e9:.4f} ns, closed form {expect * 1e9:.4f} ns")


HEAD = "format: litesim-trace/1\nname: t\ngpus: 2\nranks:\n"

if CASE == "critical_path":
    # rank 0: A (10 us) then B (4 us) on compute, B independent of everything but queued behind A;
    # the send after A. rank 1: the recv, C (2 us) after it, and D (30 us) on its own stream.
    # The run ends with C: 10 us + HBM read + network + HBM write + 2 us; D ends at 30 us.
    s, ops = run(HEAD + """  - rank: 0
    ops:
      - {id: A, op: delay, duration: 10 us}
      - {id: B, op: delay, duration: 4 us}
      - {id: tx, op: send, to: 1, bytes: 1 MiB, after: [A]}
  - rank: 1
    ops:
      - {id: rx, op: recv, from: 0, bytes: 1 MiB}
      - {id: C, op: delay, duration: 2 us, after: [rx]}
      - {id: D, op: delay, duration: 30 us, stream: side}
""")
    arrive = 10 * US + hbm_s(MiB) + net_s(MiB) + hbm_s(MiB)
    close(t_of(ops, 0, "B", "start_ns"), 10 * US, "B waits behind A on its stream")
    close(t_of(ops, 0, "tx", "end_ns"), arrive, "the send is done when its payload is written at rank 1")
    close(t_of(ops, 1, "C", "end_ns"), arrive + 2 * US, "C ends the critical path")
    close(t_of(ops, 1, "D", "end_ns"), 30 * US, "D runs on its own stream from 0")
    ends = [float(r["end_ns"]) * 1e-9 for r in ops.values()]
    close(max(ends), arrive + 2 * US, "the last op")
elif CASE == "remote_ops":
    # rank 0: a put of 1 MiB into rank 1, then a get of 1 MiB from rank 1 (both on comm, in order).
    # put: read here, network, write there. get: a 64-byte request, the peer reads, network, write here.
    s, ops = run(HEAD + """  - rank: 0
    ops:
      - {id: put, op: remote_write, peer: 1, bytes: 1 MiB}
      - {id: get, op: remote_read, peer: 1, bytes: 1 MiB}
""")
    put = hbm_s(MiB) + net_s(MiB) + hbm_s(MiB)
    get = net_s(64) + hbm_s(MiB) + net_s(MiB) + hbm_s(MiB)
    close(t_of(ops, 0, "put", "end_ns"), put, "remote_write")
    close(t_of(ops, 0, "get", "end_ns") - t_of(ops, 0, "get", "start_ns"), get, "remote_read")
    hbm1 = next(h for h in s["hbm"] if h["gpu"] == 1)
    check(hbm1["bytes_written"] == MiB and hbm1["bytes_read"] == MiB, f"rank 1's HBM moved {hbm1}")
elif CASE == "barrier_waits_for_the_last_member":
    # rank 0 reaches the barrier after 5 us of work; rank 1 at once. The barrier is an 8-byte ring
    # all-reduce over 2 GPUs: 2 (p-1) = 2 steps of 4 bytes, each one message across the link.
    s, ops = run(HEAD + """  - rank: 0
    ops:
      - {id: work, op: delay, duration: 5 us}
      - {id: bar, op: barrier, group: world, after: [work]}
  - rank: 1
    ops:
      - {id: bar, op: barrier, group: world}
""")
    end = 5 * US + 2 * net_s(4)
    close(t_of(ops, 1, "bar", "end_ns"), end, "rank 1's barrier")
    close(t_of(ops, 0, "bar", "end_ns"), end, "rank 0's barrier")
    c = s["collectives"][0]
    check(c["op"] == "barrier" and abs(c["skew_wait_ns"] - 5000) < 1e-3, f"barrier row {c}")
elif CASE == "collective_deadlock_names_the_missing_member":
    # rank 0 receives before the collective on its comm stream; rank 1 sends only after it: neither
    # can go on. The run stops (exit 3) and names what each op waits for.
    err, _ = run(HEAD + """  - rank: 0
    ops:
      - {id: rx, op: recv, from: 1, bytes: 1 KiB}
      - {id: ar, op: collective, coll: allreduce, group: world, bytes: 1 MiB}
  - rank: 1
    ops:
      - {id: ar, op: collective, coll: allreduce, group: world, bytes: 1 MiB}
      - {id: tx, op: send, to: 0, bytes: 1 KiB}
""", expect_rc=3)
    check("deadlock" in err, err)
    check("rank 1 op 'ar'" in err and "members 0 to reach it" in err, err)
    check("rank 0 op 'ar'" in err and "waits behind 'rx' on stream comm" in err, err)
    check("rank 0 op 'rx'" in err and "not yet sent" in err, err)
else:
    sys.exit(f"unknown case {CASE}")
