#!/usr/bin/env python3
"""`litesim tb link` and `litesim tb traffic` against closed forms of the resolved system config
(system_config.yaml): the alpha-beta model of one path, the bisection bound of uniform traffic on a
torus, conservation and determinism. Usage: fabric_tb_test.py LITESIM CASE."""
import json
import math
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "..", "configs")


def run(*args, expect=0):
    d = tempfile.mkdtemp()
    r = subprocess.run([LITESIM, *args, "--out", d], capture_output=True, text=True)
    if r.returncode != expect:
        sys.exit(f"FAIL [{CASE}]: {' '.join(args)} exited {r.returncode} (expected {expect}): {r.stderr}")
    if expect != 0:
        return r, None, None
    s = json.load(open(os.path.join(d, "summary.json")))
    cfg = yaml.safe_load(open(os.path.join(d, "system_config.yaml")))
    return s, cfg, d


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


UNITS = {"ps": 1e-12, "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 1.0, "B": 1, "KiB": 1024,
         "MiB": 1024**2, "Gbps": 1e9, "ns/m": 1e-9}


def qty(text):
    v, u = str(text).split()
    return float(v) * UNITS[u]


def path_model(cfg, hops):
    """Alpha-beta of one uncongested path of equal links, cut-through (docs/fabric.md):
    T(S) = 8 (S + ceil(S / mtu) header) / B + hops h + (hops - 1) t_fwd, with
    B = lanes x lane_rate x FEC code rate and h = 2 t_serdes + t_FEC + fibre x delay."""
    cpo, link, be = cfg["package"]["cpo"], cfg["fabric"]["link"], cfg["fabric"]["backend"]
    x = cpo["transceiver"]
    code = {"none": 1.0, "rs544": 514 / 544, "rs272": 257 / 272}[x["fec"]]
    B = link["lanes"] * qty(cpo["lane_rate"]) * code
    fec = 0.0 if x["fec"] == "none" else qty(x["fec_latency"])
    h = 2 * qty(x["serdes_latency"]) + fec + qty(link["fibre_length"]) * qty(link["propagation_delay"])
    mtu, header, fwd = qty(be["mtu"]), qty(be["header"]), qty(be["forward_latency"])
    return lambda S: 8 * (S + math.ceil(S / mtu) * header) / B + hops * h + (hops - 1) * fwd, B


if CASE == "link_alpha_beta":
    # Every size on a 1-hop and a 2-hop path of the shipped ring matches the closed form to 1 ps.
    for frm, to, hops in [(0, 1, 1), (0, 2, 2)]:
        s, cfg, _ = run("tb", "link", "--from", str(frm), "--to", str(to))
        t = s["link_tb"]
        check(t["hops"] == hops, f"0->{to} should be {hops} hops, got {t['hops']}")
        model, B = path_model(cfg, hops)
        for r in t["rows"]:
            want = model(r["bytes"]) * 1e9
            check(abs(r["latency_ns"] - want) <= 1e-3 * max(1, math.ceil(r["bytes"] / 4096)),
                  f"{r['bytes']} B over {hops} hop(s): {r['latency_ns']} ns, closed form {want} ns")
        # large messages approach the payload rate less the header share
        big = t["rows"][-1]
        check(abs(big["bandwidth_GBps"] / (B / 8e9 * 4096 / 4160) - 1) < 0.001, f"64 MiB at {big['bandwidth_GBps']} GB/s")

elif CASE == "fec_costs_rate_and_latency":
    # Swapping the optics for 800G pluggables (RS(544,514), 100 ns FEC, 50 ns DSP per end) by one line.
    s, cfg, _ = run("tb", "link", "--sizes", "64B,16MiB", "--set", "package.cpo.transceiver={preset: pluggable-800g}")
    model, _ = path_model(cfg, 1)
    for r in s["link_tb"]["rows"]:
        # each packet's serialisation is rounded up to the picosecond
        tol = 1e-3 * (math.ceil(r["bytes"] / 4096) + 1)
        check(abs(r["latency_ns"] - model(r["bytes"]) * 1e9) <= tol, f"{r['bytes']} B: {r['latency_ns']} vs model")
    base, bcfg, _ = run("tb", "link", "--sizes", "64B,16MiB")
    x, bx = cfg["package"]["cpo"]["transceiver"], bcfg["package"]["cpo"]["transceiver"]
    extra = (2 * (qty(x["serdes_latency"]) - qty(bx["serdes_latency"])) + qty(x["fec_latency"])) * 1e9
    got = s["link_tb"]["alpha_ns"] - base["link_tb"]["alpha_ns"]
    check(abs(got - extra) < 0.5, f"FEC and DSP should add {extra} ns per hop, added {got}")
    check(s["link_tb"]["beta_GBps"] < base["link_tb"]["beta_GBps"] * 0.95, "RS(544,514) should cost ~5.5% of rate")

elif CASE == "torus_uniform_saturation":
    # Uniform random traffic on the k x k torus (N = k^2 GPUs, each sending to the N-1 others alike),
    # B the payload rate of one link less headers. Bounds on the accepted rate theta per GPU:
    #  - any routing (bisection): (N/2) theta (N/2)/(N-1) crosses the cut each way on 2k links,
    #    theta <= 2kB (N-1) / (N/2)^2;
    #  - dor, the preset's routing (ties k/2 apart split: + from an even coordinate, - from an odd
    #    one): in each dimension a GPU has N/k destinations at each offset o, reached in min(o, k-o)
    #    hops, and the two directions share them evenly, so every channel carries
    #    theta (N/k) (sum_o min(o, k-o)) / 2 / (N-1): theta <= B (N-1) / ((N/k) sum_o min(o, k-o) / 2),
    #    which on a k x k torus equals the bisection bound.
    # dor should come near its bound; `shortest`, whose lowest-port ties happen to spread both ways
    # on this torus, between 60 % and 100 % of the bisection bound.
    N, k = 16, 4
    torus = os.path.join(CONFIGS, "system", "lite-torus2d-16.yaml")
    args = ["tb", "traffic", "--system", torus, "--pattern", "uniform", "--load", "0.2,1.0", "--window", "20us"]
    for routing, vcs in (("dor", 2), ("shortest", 1)):
        s, cfg, _ = run(*args, *([] if routing == "dor" else ["--set", "fabric.routing=shortest"]))
        t = s["traffic_tb"]
        # docs/fabric.md: dor on a torus uses 2 (dateline) VCs; shortest here needs 1
        check(t["routing"] == routing and t["vcs"] == vcs, f"routing {t['routing']} with {t['vcs']} VCs")
        _, B = path_model(cfg, 1)
        B = B / 8 * 4096 / 4160
        bisection = 2 * k * B * (N - 1) / (N / 2) ** 2 / 1e9
        dor_bound = B * (N - 1) / (N / k * sum(min(o, k - o) for o in range(k)) / 2) / 1e9
        low, high = t["loads"]
        check(abs(low["accepted_GBps_per_gpu"] / low["offered_GBps_per_gpu"] - 1) < 0.1,
              f"{routing}: at 20% load the network should carry what is offered: {low}")
        sat = t["saturation_GBps_per_gpu"]
        lo, hi = (0.85 * dor_bound, 1.1 * dor_bound) if routing == "dor" else (0.6 * bisection, 1.02 * bisection)
        check(lo <= sat <= hi, f"{routing}: saturation {sat:.2f} GB/s per GPU outside [{lo:.2f}, {hi:.2f}] "
              f"(bisection bound {bisection:.2f}, dor bound {dor_bound:.2f})")
        check(high["latency_ns"]["mean"] > 5 * low["latency_ns"]["mean"], "latency should climb past saturation")
        check(t["bytes_injected"] == t["bytes_delivered"], "bytes lost or duplicated")

elif CASE == "no_loss_no_deadlock_under_load":
    # Every pattern at full load on the torus and the ring, and uniform traffic on the other shipped
    # grids and the one-way ring (all routed by dor): everything injected is delivered, once.
    runs = [(system, [], pattern) for system in ["lite-torus2d-16.yaml", "default.yaml"]
            for pattern in ["uniform", "permutation", "hotspot", "all-to-all"]
            + (["transpose"] if "16" in system else [])]
    runs += [(system, [], "uniform") for system in ["lite-mesh2d-16.yaml", "lite-ocs-torus2d-16.yaml",
                                                    "lite-torus3d-64.yaml"]]
    runs += [("default.yaml", ["--set", "fabric.topology.direction=uni"], "uniform")]
    for system, sets, pattern in runs:
        s, _, _ = run("tb", "traffic", "--system", os.path.join(CONFIGS, "system", system), "--pattern", pattern,
                      "--load", "1.0", "--window", "5us", *sets)
        t = s["traffic_tb"]
        check(t["bytes_injected"] == t["bytes_delivered"] > 0, f"{system} {pattern}: {t['bytes_injected']} vs "
              f"{t['bytes_delivered']}")
        check(sum(l["messages"] for l in t["loads"]) * t["message_bytes"] == t["bytes_injected"],
              f"{system} {pattern}: message count and bytes disagree")

elif CASE == "deterministic":
    a, _, da = run("tb", "traffic", "--pattern", "uniform", "--load", "0.5,0.9", "--window", "5us", "--seed", "7")
    b, _, db = run("tb", "traffic", "--pattern", "uniform", "--load", "0.5,0.9", "--window", "5us", "--seed", "7")
    check(open(os.path.join(da, "summary.json")).read() == open(os.path.join(db, "summary.json")).read(),
          "same seed, different summary.json")
    c, _, _ = run("tb", "traffic", "--pattern", "uniform", "--load", "0.5,0.9", "--window", "5us", "--seed", "8")
    check(c["traffic_tb"]["loads"] != a["traffic_tb"]["loads"], "another seed should draw other traffic")

elif CASE == "bad_input":
    for args, words in [
        (["tb", "traffic", "--pattern", "zigzag"], "--pattern"),
        (["tb", "traffic", "--load", "1.5"], "--load 1.5"),
        (["tb", "traffic", "--load", "x"], "'x' is not a number"),
        (["tb", "traffic", "--pattern", "transpose", "--system",
          os.path.join(CONFIGS, "system", "lite-fully-connected-8.yaml")], "square"),
        (["tb", "link", "--to", "9"], "--from/--to"),
        (["tb", "link", "--sizes", "12 parsecs"], "--sizes"),
        (["tb", "link", "--set", "fabric.backend.mtu=0 B"], "fabric.backend.mtu"),
        (["tb", "link", "--set", "fabric.backend.buffer_per_port=1 KiB"], "buffer_per_port"),
    ]:
        r, _, _ = run(*args, expect=2)
        check(words in r.stderr, f"{args}: error should mention {words!r}: {r.stderr}")
else:
    sys.exit(f"unknown case {CASE}")
print(f"PASS [{CASE}]")
