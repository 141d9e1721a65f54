#!/usr/bin/env python3
"""timeline.json of `litesim run` (docs/outputs.md) against the run's own tables, an independent
channel: every op of ops.csv is one complete event with its exact times, each link direction's
utilisation counter integrates to its busy time in links.csv (utilisation x sim time), each HBM
counter to the bytes in hbm.csv; determinism and --no-timeline. Usage: timeline_test.py LITESIM CASE."""
import csv
import json
import os
import subprocess
import sys
import tempfile
from decimal import ROUND_CEILING, Decimal

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
GPUS = 4  # the default system: four Lite-GPUs in a ring


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def mixed_trace():
    """Every kind of op on several streams: kernels, load/store on a `copy` stream, a ring of
    send/recv, an all-reduce, a repeat, a barrier and a delay on a stream of its own."""
    lines = ["format: litesim-trace/1", "name: timeline-mix", f"gpus: {GPUS}", "ranks:"]
    for r in range(GPUS):
        lines += [
            f"  - rank: {r}",
            "    ops:",
            "      - {id: mm, op: kernel, kind: gemm, m: 1024, n: 1024, k: 1024}",
            "      - {id: ld, op: load, bytes: 4 MiB, stream: copy}",
            f"      - {{id: tx, op: send, to: {(r + 1) % GPUS}, bytes: 2 MiB, tag: 3, after: [mm]}}",
            f"      - {{id: rx, op: recv, from: {(r - 1) % GPUS}, bytes: 2 MiB, tag: 3, stream: rx}}",
            "      - {id: ar, op: collective, coll: allreduce, group: world, bytes: 8 MiB, after: [rx, tx]}",
            "      - repeat: 3",
            "        id: layer",
            "        ops:",
            "          - {id: ew, op: kernel, kind: elementwise, elements: 1048576, after: [prev.ew, ar]}",
            "          - {id: st, op: store, bytes: 1 MiB, stream: copy, after: [ew]}",
            "      - {id: bar, op: barrier, group: world, after: [ar]}",
            "      - {id: host, op: delay, duration: 5 us, stream: host}",
        ]
    return "\n".join(lines) + "\n"


def run(tmp, out, *extra):
    trace = os.path.join(tmp, "mix.yaml")
    if not os.path.exists(trace):
        with open(trace, "w") as f:
            f.write(mixed_trace())
    p = subprocess.run([LITESIM, "run", "--quiet", "--workload", trace, "--out", out, *extra],
                       capture_output=True, text=True)
    check(p.returncode == 0, f"litesim run failed ({p.returncode}): {p.stderr}")
    return out


def table(out, name):
    with open(os.path.join(out, name)) as f:
        return list(csv.DictReader(f))


def load(out):
    with open(os.path.join(out, "timeline.json")) as f:
        text = f.read()
    # Decimal: the times are compared exactly (ps written as us)
    return json.loads(text, parse_float=Decimal)


def counter_tracks(events, pid):
    """{track name: [(ts_us, value)]} of the counter events of process `pid`, in file order."""
    tracks = {}
    for e in events:
        if e["ph"] == "C" and e["pid"] == pid:
            ((key, value),) = e["args"].items()
            tracks.setdefault(f'{e["name"]} {key}', []).append((Decimal(e["ts"]), Decimal(value)))
    return tracks


def integral_us(samples):
    """A counter is a step function: each value holds until the next sample."""
    check(all(a[0] < b[0] for a, b in zip(samples, samples[1:])), "counter samples not in time order")
    return sum(v * (t1 - t0) for (t0, v), (t1, _) in zip(samples, samples[1:]))


def close(a, b, rel=Decimal("1e-9")):
    return abs(Decimal(a) - Decimal(b)) <= rel * max(abs(Decimal(a)), abs(Decimal(b))) + Decimal("1e-6")


def case_ops_and_counters(tmp, *extra):
    out = run(tmp, os.path.join(tmp, "o"), *extra)
    tl = load(out)
    summary = json.load(open(os.path.join(out, "summary.json")))
    check(list(tl) == ["displayTimeUnit", "metadata", "traceEvents"], f"top-level keys {list(tl)}")
    check(tl["displayTimeUnit"] == "ns", "displayTimeUnit is not ns")
    meta = tl["metadata"]
    for k in ["litesim_version", "system", "workload", "config_digest", "seed", "gpu_count"]:
        check(meta[k] == summary[k], f"metadata {k} = {meta[k]}, summary.json has {summary[k]}")
    events = tl["traceEvents"]
    sim_ns = Decimal(str(summary["sim_time_ns"]))
    check(Decimal(meta["sim_time_ns"]) == sim_ns, "metadata sim_time_ns")

    # Processes: one per GPU, named after its package, sorted by rank; then the fabric.
    names = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    sorts = {e["pid"]: e["args"]["sort_index"] for e in events if e["ph"] == "M" and e["name"] == "process_sort_index"}
    for g in table(out, "gpus.csv"):
        r = int(g["gpu"])
        check(names.get(r + 1) == f'gpu{r} ({g["package"]})', f"process {r + 1} is named {names.get(r + 1)}")
        check(sorts.get(r + 1) == r, f"gpu{r} sort index {sorts.get(r + 1)}")
    fabric = GPUS + 1
    check(names.get(fabric) == "fabric" and sorts.get(fabric) == GPUS, "no fabric process after the GPUs")
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}

    # Every op of ops.csv is exactly one X event, on its GPU's thread of its stream, at its times.
    ops = table(out, "ops.csv")
    check({o["stream"] for o in ops} == {"compute", "comm", "copy", "rx", "host"}, "the trace's streams")
    xs = [e for e in events if e["ph"] == "X"]
    check(len(xs) == len(ops) == meta["ops"] == meta["ops_written"] and not meta["ops_truncated"],
          f"{len(xs)} X events for {len(ops)} ops")
    by_key = {}
    for e in xs:
        key = (e["pid"] - 1, threads.get((e["pid"], e["tid"])), e["name"])
        check(key not in by_key, f"two events for {key}")
        by_key[key] = e
    colls = table(out, "collectives.csv")
    for o in ops:
        e = by_key.get((int(o["rank"]), o["stream"], o["id"]))
        check(e is not None, f"op {o['rank']}/{o['id']} on stream {o['stream']} has no event")
        check(e["cat"] == o["kind"], f"{o['id']}: cat {e['cat']} for kind {o['kind']}")
        check(e["ts"] * 1000 == Decimal(o["start_ns"]), f"{o['id']}: ts {e['ts']} us, start {o['start_ns']} ns")
        check(e["dur"] * 1000 == Decimal(o["duration_ns"]), f"{o['id']}: dur {e['dur']} us vs {o['duration_ns']} ns")
        check(e["args"]["bytes"] == int(o["bytes"]) and Decimal(e["args"]["flops"]) == Decimal(o["flops"]),
              f"{o['id']}: args {e['args']}")
        if o["kind"] in ("collective", "barrier"):
            c = colls[e["args"]["instance"]]
            check(e["args"]["group"] == c["group"] and e["args"]["algorithm"] == c["algorithm"] and
                  e["args"]["collective"] == c["op"], f"{o['id']}: args {e['args']} vs collectives.csv {c}")
            check((e["ts"] + e["dur"]) * 1000 == Decimal(c["end_ns"]), f"{o['id']} ends with its collective")
    check(any(o["kind"] == "collective" for o in ops), "no collective in the run")

    # Ops of one thread never overlap (X events nest trivially).
    per_thread = {}
    for e in xs:
        per_thread.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
    for k, spans in per_thread.items():
        spans.sort()
        check(all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), f"thread {k} has overlapping events")

    # Windows: 1 ns x 2^j, the finest that cuts the run into at most max_windows.
    w = Decimal(meta["window_ns"])
    n_max = meta["max_windows"]
    j = int(w).bit_length() - 1
    check(w == 2**j, f"window {w} ns is not a power of two ns")
    windows = lambda width: (sim_ns / width).to_integral_value(rounding=ROUND_CEILING)
    check(windows(w) <= n_max and (j == 0 or windows(w / 2) > n_max), f"window {w} ns is not the finest")

    # Links: one track per direction; values in [0, 1]; the integral is the direction's busy time.
    tracks = counter_tracks(events, fabric)
    links = table(out, "links.csv")
    check(len(tracks) == 2 * len(links), f"{len(tracks)} link tracks for {len(links)} links")
    busy_seen = 0
    for l in links:
        a, b = int(l["end_a"]), int(l["end_b"])
        for frm, to, util in ((a, b, l["utilization_a_to_b"]), (b, a, l["utilization_b_to_a"])):
            name = f'link{l["link"]} gpu{frm}->gpu{to} util'
            s = tracks.get(name)
            check(s is not None, f"no track '{name}' (have {sorted(tracks)[:4]}...)")
            check(all(0 <= v <= 1 for _, v in s), f"{name}: a value outside [0, 1]")
            check(all((t * 1000) % w == 0 for t, _ in s[:-1]), f"{name}: a sample off the window grid")
            check(s[-1] == (sim_ns / 1000, 0), f"{name}: does not end with 0 at the run's end")
            busy_ps = integral_us(s) * 10**6
            check(close(busy_ps, Decimal(util) * sim_ns * 1000), f"{name}: integral {busy_ps} ps, links.csv "
                  f"{Decimal(util) * sim_ns * 1000} ps")
            busy_seen += busy_ps
    check(busy_seen > 0, "no link was busy")

    # HBM: per GPU a bandwidth track whose integral is the bytes read and written.
    for h in table(out, "hbm.csv"):
        g = int(h["gpu"])
        s = counter_tracks(events, g + 1).get("hbm GBps")
        check(s is not None, f"gpu{g}: no hbm track")
        check(all(v >= 0 for _, v in s) and s[-1][1] == 0, f"gpu{g}: hbm values")
        moved = integral_us(s) * 1000  # GB/s x us = 1e3 B
        want = int(h["bytes_read"]) + int(h["bytes_written"])
        check(want > 0 and close(moved, want), f"gpu{g}: hbm integral {moved} B, hbm.csv {want} B")
    return events, w


def case_dram_hbm(tmp):
    """The same with the cycle-approximate HBM (the default package has the simple one), whose
    bytes sit on their bursts' data beats: one burst at a time on each pseudo-channel's data bus, so
    no window is above the pins' peak, but for the integer split of the bytes (a window gets less
    than 1 B more than its exact share of each burst crossing its start: one per pseudo-channel)."""
    hbm = ["--set", "package.hbm={preset: lite-quarter-hbm3}"]
    events, w = case_ops_and_counters(tmp, *hbm)
    p = subprocess.run([LITESIM, "config", *hbm], capture_output=True, text=True)
    check(p.returncode == 0, f"litesim config: {p.stderr}")
    h = yaml.safe_load(p.stdout)["package"]["hbm"]
    org, (rate, unit) = h["memspec"]["organisation"], h["memspec"]["data_rate"].split()
    check(h["kind"] == "dram" and unit == "Gbps", f"not the dram model: {h['kind']}, {unit}")
    pcs = h["stacks"] * org["channels"] * org["pseudo_channels"]
    peak = Decimal(pcs * org["width"]) * Decimal(rate) / 8  # GB/s
    check(peak == Decimal("819.2"), f"hbm3 peak {peak} GB/s")
    for g in range(GPUS):
        top = max(v for _, v in counter_tracks(events, g + 1)["hbm GBps"])
        # bytes are split over windows in whole bytes: a burst straddling either edge of a window can
        # put up to one byte per pseudo-channel too many into it, so 2 bytes per pseudo-channel at most
        check(peak * Decimal("0.9") < top <= peak + 2 * pcs / w,
              f"gpu{g}: hbm peaks at {top} GB/s, the pins give {peak}")


def case_deterministic(tmp):
    a = open(os.path.join(run(tmp, os.path.join(tmp, "a")), "timeline.json"), "rb").read()
    b = open(os.path.join(run(tmp, os.path.join(tmp, "b")), "timeline.json"), "rb").read()
    check(a == b, "two identical runs wrote different timeline.json")


def case_no_timeline(tmp):
    out = os.path.join(tmp, "n")
    os.makedirs(out)
    with open(os.path.join(out, "timeline.json"), "w") as f:
        f.write("{}")  # an older run's
    run(tmp, out, "--no-timeline")
    check(not os.path.exists(os.path.join(out, "timeline.json")), "--no-timeline left a timeline.json")
    with_tl = run(tmp, os.path.join(tmp, "t"))
    for f in ["summary.json", "ops.csv", "links.csv", "hbm.csv"]:
        check(open(os.path.join(out, f)).read() == open(os.path.join(with_tl, f)).read(),
              f"{f} differs with and without the timeline")


with tempfile.TemporaryDirectory() as tmp:
    {"ops_and_counters": case_ops_and_counters, "dram_hbm": case_dram_hbm, "deterministic": case_deterministic,
     "no_timeline": case_no_timeline}[CASE](tmp)
print(f"PASS [{CASE}]")
