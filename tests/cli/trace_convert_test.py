#!/usr/bin/env python3
"""`litesim trace convert` between litesim-trace/1 YAML and Chakra ET. Usage:
trace_convert_test.py LITESIM CASE. Expected files, ops and values are derived here from the input
trace and the documented mapping (docs/trace-format.md), never from the program's own output."""
import json
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]

NATIVE = """format: litesim-trace/1
name: pair
gpus: 2
groups:
  rev: [1, 0]
ranks:
  - rank: 0
    ops:
      - {id: mm, op: kernel, kind: gemm, m: 128, n: 64, k: 32}
      - {id: ar, op: collective, coll: allreduce, group: rev, bytes: 1 MiB, after: [mm]}
      - {id: tx, op: send, to: 1, bytes: 64 KiB, tag: 5, after: [ar]}
      - {id: host, op: delay, duration: 3 us}
  - rank: 1
    ops:
      - {id: ar, op: collective, coll: allreduce, group: rev, bytes: 1 MiB}
      - {id: rx, op: recv, from: 0, bytes: 64 KiB, tag: 5, after: [ar]}
"""


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def convert(src, dst):
    return subprocess.run([LITESIM, "trace", "convert", src, dst], capture_output=True, text=True)


def expect_error(r, *parts):
    check(r.returncode == 2, f"exit status {r.returncode}, expected 2; stderr: {r.stderr}")
    lines = [l for l in r.stderr.splitlines() if not l.startswith("==")]
    check(len(lines) == 1, f"expected one error line, got: {r.stderr}")
    for p in parts:
        check(p in lines[0], f"error does not mention '{p}': {lines[0]}")


def ops_of(doc, rank):
    for p in doc["ranks"]:
        if p["rank"] == rank:
            return p["ops"]
    return []


with tempfile.TemporaryDirectory() as T:
    src = os.path.join(T, "pair.yaml")
    with open(src, "w") as f:
        f.write(NATIVE)
    prefix = os.path.join(T, "et", "pair")

    if CASE == "round_trip":
        r = convert(src, prefix)
        check(r.returncode == 0, f"native -> Chakra exited {r.returncode}: {r.stderr}")
        for rank in (0, 1):
            check(os.path.getsize(f"{prefix}.{rank}.et") > 0, f"no rank file {rank}")
        check(not os.path.exists(f"{prefix}.2.et"), "a rank file beyond the trace's two ranks")
        with open(f"{prefix}.groups.json") as f:
            check(json.load(f) == {"1": [1, 0]}, "groups file: `rev` should be group 1 = [1, 0]")
        back = os.path.join(T, "back.yaml")
        r = convert(f"{prefix}.1.et", back)  # one rank file names the trace
        check(r.returncode == 0, f"Chakra -> native exited {r.returncode}: {r.stderr}")
        with open(back) as f:
            doc = yaml.safe_load(f)
        check(doc["format"] == "litesim-trace/1" and doc["gpus"] == 2, f"header: {doc}")
        check(doc["groups"] == {"pg1": [1, 0]}, f"groups: {doc.get('groups')}")
        r0, r1 = ops_of(doc, 0), ops_of(doc, 1)
        check([o["id"] for o in r0] == ["mm", "ar", "tx", "host"], f"rank 0 ops: {r0}")
        check([o["id"] for o in r1] == ["ar", "rx"], f"rank 1 ops: {r1}")
        mm = r0[0]
        check(mm["op"] == "kernel" and mm["kind"] == "generic", f"a kernel comes back generic: {mm}")
        check(float(mm["flops"]) == 2 * 128 * 64 * 32, f"gemm FLOPs 2mnk: {mm}")
        check(mm["read"] == f"{(128 * 32 + 32 * 64 + 128 * 64) * 2} B", f"gemm bytes A+B+C in bf16: {mm}")
        check(r0[1]["coll"] == "allreduce" and r0[1]["group"] == "pg1" and r0[1]["bytes"] == f"{1 << 20} B",
              f"collective: {r0[1]}")
        check(r0[2]["to"] == 1 and r0[2]["tag"] == 5 and r0[2]["bytes"] == "65536 B", f"send: {r0[2]}")
        check(r0[3]["op"] == "delay" and r0[3]["duration"] == "3000000 ps", f"delay: {r0[3]}")
        check(r1[1]["from"] == 0 and r1[1]["after"] == ["ar"], f"recv: {r1[1]}")
        # host follows mm on the compute stream: the stream order comes back as a dependency
        check(r0[3]["after"] == ["mm"], f"stream order: {r0[3]}")
        # a second trip changes nothing
        again = os.path.join(T, "again", "pair")  # the prefix's last part names the trace
        check(convert(back, again).returncode == 0, "back.yaml -> Chakra")
        third = os.path.join(T, "third.yaml")
        check(convert(again, third).returncode == 0, "Chakra -> third.yaml")
        with open(back) as a, open(third) as b:
            check(a.read() == b.read(), "a second round trip changed the trace")
    elif CASE == "bad_input":
        expect_error(convert(os.path.join(T, "none"), os.path.join(T, "x.yaml")), os.path.join(T, "none.0.et"),
                     "no Chakra trace files")
        remote = os.path.join(T, "remote.yaml")
        with open(remote, "w") as f:
            f.write(NATIVE.replace("{id: host, op: delay, duration: 3 us}",
                                   "{id: host, op: remote_read, peer: 1, bytes: 4 KiB}"))
        expect_error(convert(remote, prefix), f"{remote}:12:", "host: remote_read has no Chakra ET node type")
        check(convert(src, prefix).returncode == 0, "a good conversion")
        with open(f"{prefix}.0.et", "rb") as f:
            data = f.read()
        with open(f"{prefix}.0.et", "wb") as f:
            f.write(data[:-2])
        expect_error(convert(prefix, os.path.join(T, "x.yaml")), f"{prefix}.0.et:4: record:", "truncated")
        expect_error(convert(src, T + "/"), T + "/", "expected a prefix")  # a folder is not a prefix
    else:
        sys.exit(f"unknown case {CASE}")
