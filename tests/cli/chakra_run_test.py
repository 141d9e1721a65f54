#!/usr/bin/env python3
"""`litesim run` on a hand-made Chakra ET trace whose timing is known. Usage: chakra_run_test.py
LITESIM ROOT CASE. The .et files are encoded here byte by byte from the public format (varint
length-delimited protobuf records: GlobalMetadata, then Nodes; docs/trace-format.md), without
LiteSim's schema or protoc, and the expected time is a closed form of the resolved config."""
import json
import csv
import math
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, ROOT, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
PAIR = os.path.join(ROOT, "tests", "data", "pair-exact.yaml")


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


# --- protobuf wire format -------------------------------------------------------------------
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, v):
    return key(field, 0) + varint(v)


def f_bytes(field, data):
    return key(field, 2) + varint(len(data)) + data


def f_str(field, s):
    return f_bytes(field, s.encode())


# AttributeProto: name = 1; int32_val = 7, int64_val = 9, uint64_val = 13, bool_val = 27, string_val = 29
def attr(name, **v):
    ((kind, value),) = v.items()
    field = {"int32": 7, "int64": 9, "uint64": 13, "bool": 27}[kind]
    return f_bytes(10, f_str(1, name) + f_varint(field, int(value)))


# Node: id 1, name 2, type 3, data_deps 5 (packed), duration_micros 7, attr 10.
# NodeType: COMP_NODE 4, COMM_SEND_NODE 5, COMM_RECV_NODE 6, COMM_COLL_NODE 7.
def node(nid, name, ntype, deps=(), duration_us=None, attrs=b""):
    b = f_varint(1, nid) + f_str(2, name) + f_varint(3, ntype)
    if deps:
        b += f_bytes(5, b"".join(varint(d) for d in deps))
    if duration_us is not None:
        b += f_varint(7, duration_us)
    return b + attrs


def write_rank(path, nodes):
    with open(path, "wb") as f:
        meta = f_str(1, "0.0.4")  # GlobalMetadata.version
        for rec in [meta] + nodes:
            f.write(varint(len(rec)) + rec)


def qty(text):
    num, unit = text.split()
    scale = {"ns": 1e-9, "us": 1e-6, "ps": 1e-12, "m": 1, "ns/m": 1e-9, "Gbps": 1e9, "TB/s": 1e12, "GB/s": 1e9,
             "B": 1, "KiB": 1024, "MiB": 1 << 20}
    return float(num) * scale[unit]


def ceil_ps(seconds):
    return math.ceil(round(seconds * 1e12, 3)) * 1e-12


with tempfile.TemporaryDirectory() as tmp:
    prefix = os.path.join(tmp, "hand")
    S = 1 << 20  # 1 MiB
    if CASE == "send_after_compute":
        # rank 0: host work of 5 us (a COMP node with only a duration), then a 1 MiB send to rank 1
        # that depends on it; rank 1: the receive, then 3 us of host work that depends on it. The
        # nodes of rank 1 are listed in reverse (the reader must order them by their dependency).
        write_rank(prefix + ".0.et", [
            node(10, "host", 4, duration_us=5, attrs=attr("is_cpu_op", bool=1)),
            node(11, "tx", 5, deps=[10], attrs=attr("comm_dst", int32=1) + attr("comm_size", int64=S)
                 + attr("comm_tag", int32=3)),
        ])
        write_rank(prefix + ".1.et", [
            node(21, "post", 4, deps=[20], duration_us=3, attrs=attr("is_cpu_op", bool=1)),
            node(20, "rx", 6, attrs=attr("comm_src", int32=0) + attr("comm_size", int64=S) + attr("comm_tag", int32=3)),
        ])
        out = os.path.join(tmp, "out")
        r = subprocess.run([LITESIM, "run", "--system", PAIR, "--workload", prefix, "--out", out, "--quiet"],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"run failed: {r.stderr}")
        s = json.load(open(os.path.join(out, "summary.json")))
        cfg = yaml.safe_load(subprocess.run([LITESIM, "config", "--system", PAIR], capture_output=True,
                                            text=True).stdout)
        hbm, cpo, link = cfg["package"]["hbm"], cfg["package"]["cpo"], cfg["fabric"]["link"]
        be = cfg["fabric"]["backend"]
        # HBM (simple model): bytes / (bandwidth x efficiency) + access latency, at each end.
        hbm_s = S / (qty(hbm["bandwidth"]) * float(hbm["efficiency"])) + qty(hbm["access_latency"])
        # Network: ceil(S/mtu) packets of mtu + header back to back at lanes x lane rate, plus one
        # head latency (2 SerDes + fibre).
        mtu, header = qty(be["mtu"]), qty(be["header"])
        rate = link["lanes"] * qty(cpo["lane_rate"])
        packets = math.ceil(S / mtu)
        net = packets * ceil_ps(8 * (mtu + header) / rate) + 2 * qty(cpo["transceiver"]["serdes_latency"]) \
            + qty(link["fibre_length"]) * qty(link["propagation_delay"])
        expect = 5e-6 + hbm_s + net + hbm_s + 3e-6
        got = s["sim_time_ns"] * 1e-9
        check(abs(got - expect) < 1e-12 * 10, f"end {got * 1e9:.3f} ns, closed form {expect * 1e9:.3f} ns")
    elif CASE == "allreduce_overlaps_compute":
        # Two ranks, each: an all-reduce of 8 MiB on the comm stream and, independent of it, 40 us of
        # host work on the compute stream. They overlap: the run takes max(allreduce, 40 us), not the sum.
        for rank in (0, 1):
            write_rank(f"{prefix}.{rank}.et", [
                node(1, "ar", 7, attrs=attr("comm_type", int64=0) + attr("comm_size", int64=8 * S)),
                node(2, "work", 4, duration_us=40, attrs=attr("is_cpu_op", bool=1)),
            ])
        out = os.path.join(tmp, "out")
        r = subprocess.run([LITESIM, "run", "--system", PAIR, "--workload", prefix + ".0.et", "--out", out,
                            "--quiet"], capture_output=True, text=True)
        check(r.returncode == 0, f"run failed: {r.stderr}")
        s = json.load(open(os.path.join(out, "summary.json")))
        coll = s["collectives"][0]
        check(coll["op"] == "allreduce" and coll["bytes"] == 8 * S and coll["members"] == 2, f"collective {coll}")
        t_ar = coll["mean_ns"]
        check(t_ar > 40e3, f"the all-reduce ({t_ar} ns) should outlast the 40 us of work for this test to bite")
        # The last op ends when the all-reduce does (the simulation itself ends a credit return later).
        ends = [float(row["end_ns"]) for row in csv.DictReader(open(os.path.join(out, "ops.csv")))]
        check(abs(max(ends) - t_ar) < 1.0, f"last op ends at {max(ends)} ns: overlap means max(ar {t_ar}, 40000)")
        for row in s["streams"]:
            check(abs(row["overlap_ns"] - 40e3) < 1.0, f"rank {row['rank']}: compute and comm overlap {row}")
    else:
        sys.exit(f"unknown case {CASE}")
