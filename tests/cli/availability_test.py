#!/usr/bin/env python3
"""`litesim availability` on the shipped study systems. Usage: availability_test.py LITESIM CASE.
Blast radii are derived here from `litesim topo --json` (which GPUs hang off which switch or link,
whether the graph stays connected without it); counts and rates from the preset files read directly
(configs/); the closed form against the first-order sum of the kinds' losses, and the Monte Carlo
within its confidence interval of it."""
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "..", "configs")
STUDY = os.path.join(CONFIGS, "system", "study")
SHIPPED = ["h100-cluster", "lite-basic", "lite-cpo-switch", "lite-cpo-torus", "lite-cpo-ocs"]


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def close(a, b, what, rel=1e-9):
    check(abs(a - b) <= rel * max(1e-300, abs(b)), f"{what}: got {a}, expected {b}")


def preset(section, name):
    """configs/SECTION/NAME.yaml with its `preset:` base, read directly."""
    with open(os.path.join(CONFIGS, section, name + ".yaml")) as fh:
        d = yaml.safe_load(fh)
    out = preset(section, d.pop("preset")) if "preset" in d else {}
    out.update(d)
    return out


def run(*args):
    r = subprocess.run([LITESIM, *args], capture_output=True, text=True)
    check(r.returncode == 0, f"{' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r.stdout


def avail(system, *args):
    return json.loads(run("availability", "--system", os.path.join(STUDY, system + ".yaml"), "--json", *args))


def topo(system):
    return json.loads(run("topo", "--system", os.path.join(STUDY, system + ".yaml"), "--json"))


def refused(*args):
    r = subprocess.run([LITESIM, *args], capture_output=True, text=True)
    check(r.returncode == 2, f"{' '.join(args)}: exit {r.returncode}, expected 2: {r.stderr}")
    check("Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr)
    return r


def attached(t):
    """switch vertex -> GPUs with a link to it"""
    gpus = {n["id"] for n in t["nodes"] if n["kind"] == "gpu"}
    out = defaultdict(set)
    for e in t["edges"]:
        for a, b in ((e["u"], e["v"]), (e["v"], e["u"])):
            if a in gpus and b not in gpus:
                out[b].add(a)
    return out


def connected_without(t, edge_id):
    adj = defaultdict(list)
    for e in t["edges"]:
        if e["id"] != edge_id:
            adj[e["u"]].append(e["v"])
            adj[e["v"]].append(e["u"])
    seen, stack = {0}, [0]
    while stack:
        for y in adj[stack.pop()]:
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(t["nodes"])


RELIABILITY = preset("reliability", "llama3-h100")

if CASE == "blast_h100":
    # 64 H100s on 8 NVSwitch boards (group switches) joined by 8 rail switches; llama3-70b fits 2 GPUs.
    t = topo("h100-cluster")
    j = avail("h100-cluster", "--model", "llama3-70b")
    g = j["tp"] * j["pp"]
    check(g == 2 and j["replicas"] == 64 // g, f"split {j['tp']}x{j['pp']}, {j['replicas']} replicas")
    roles = {n["id"]: n["role"] for n in t["nodes"]}
    att = attached(t)
    boards = [sorted(v) for s, v in att.items() if roles[s] == "group-switch"]
    check(len(boards) == 8 and all(len(b) == 8 for b in boards), f"boards {boards}")
    # An NVSwitch alone joins its board's 8 GPUs: they and the replicas among them go down.
    lost = max(len({v // g for v in b}) for b in boards)
    b = j["blast_radius"]["switch.group-switch"]
    check(b["gpus"] == 8 and b["replicas"] == lost == 4, f"group switch {b}, expected 8 GPUs, {lost} replicas")
    close(b["capacity_fraction"], lost / j["replicas"], "group switch capacity")
    # A rail switch: every GPU it serves still has its board; replicas inside a board do not need it.
    check(j["blast_radius"]["switch.rail-switch"]["replicas"] == 0, "rail switch")
    check(j["blast_radius"]["link.inner"] == {**j["blast_radius"]["link.inner"], "gpus": 1, "replicas": 1}, "inner")
    check(j["blast_radius"]["link.outer"]["replicas"] == 0, "outer link")
    hbm = preset("hbm", "h100-hbm3")["stacks"]
    c = j["components"]
    check(c["gpu_die"]["count"] == t["gpus"] and c["hbm_stack"]["count"] == t["gpus"] * hbm, "package counts")
    check(c["link.inner"]["count"] == t["link_classes"]["inner"] and c["switch.group-switch"]["count"] == 8, "network")
    check("gpu_optics" not in c, "NVLink is electrical: no optics")
    for k in ("gpu_die", "hbm_stack"):
        close(c[k]["mtbf_hours"], float(RELIABILITY[k]["mtbf_hours"]), k)
        check(c[k]["source"] == RELIABILITY[k]["source"], f"{k} source")
    # llama3-405b needs 16 GPUs, two boards: one NVSwitch still takes its 8 GPUs and so the replica.
    j = avail("h100-cluster", "--model", "llama3-405b")
    check(j["tp"] * j["pp"] == 16, "405b split")
    b = j["blast_radius"]["switch.group-switch"]
    check(b["gpus"] == 8 and b["replicas"] == 1, f"405b group switch {b}")

elif CASE == "blast_lite":
    # lite-cpo-switch: 256 Lite-GPUs, 16 leaves of 16, 16 spines; llama3-70b fits 4 GPUs.
    t = topo("lite-cpo-switch")
    j = avail("lite-cpo-switch", "--model", "llama3-70b")
    g = j["tp"] * j["pp"]
    check(g == 4 and j["replicas"] == 64, f"split {g}, {j['replicas']} replicas")
    roles = {n["id"]: n["role"] for n in t["nodes"]}
    att = attached(t)
    leaves = [sorted(v) for s, v in att.items() if roles[s] == "leaf"]
    per_leaf = max(len(x) for x in leaves)
    lost = max(len({v // g for v in x}) for x in leaves)
    b = j["blast_radius"]["switch.leaf"]
    check(b["gpus"] == per_leaf == 16 and b["replicas"] == lost == 4, f"leaf {b}")
    close(b["capacity_fraction"], lost / j["replicas"], "leaf capacity")
    ups = Counter(e["u"] for e in t["edges"] if e["class"] == "up")
    check(min(ups.values()) > 1, "every leaf has several uplinks")
    for k in ("switch.spine", "link.up", "switch_optics.up"):
        check(j["blast_radius"][k]["replicas"] == 0 and j["blast_radius"][k]["gpus"] == 0, f"{k} (path diversity)")
    for k in ("link.down", "switch_optics.down", "gpu_die", "hbm_stack", "gpu_optics"):
        check(j["blast_radius"][k]["gpus"] == 1 and j["blast_radius"][k]["replicas"] == 1, f"{k}")
    pkg = preset("package", "lite-quarter-shoreline")
    stacks = preset("hbm", "lite-quarter-shoreline-hbm")["stacks"]
    engines = preset("cpo", "lite-quarter-shoreline-cpo")["engines"]
    c = j["components"]
    check(pkg["cpo"]["preset"] == "lite-quarter-shoreline-cpo", "package optics preset")
    check(c["hbm_stack"]["count"] == 256 * stacks and c["gpu_optics"]["count"] == 256 * engines, "package counts")
    check(c["switch_optics.down"]["count"] == t["link_classes"]["down"], "one CPO port per GPU link at its leaf")
    check(c["switch_optics.up"]["count"] == 2 * t["link_classes"]["up"], "CPO ports at both ends of an uplink")
    close(c["gpu_optics"]["mtbf_hours"], float(RELIABILITY["cpo"]["mtbf_hours"]), "CPO MTBF")
    # The torus: no single link failure disconnects it, so none takes a replica down.
    t = topo("lite-cpo-torus")
    check(all(connected_without(t, e["id"]) for e in t["edges"][:32]), "torus connected without a link")
    j = avail("lite-cpo-torus", "--model", "llama3-70b")
    check(j["blast_radius"]["link"]["replicas"] == 0 and j["direct_network"], "torus link")

elif CASE == "closed_form_and_monte_carlo":
    for s in SHIPPED:
        j = avail(s, "--model", "llama3-70b", "--runs", "400")
        a = j["availability"]
        cf, mc = a["closed_form"], a["monte_carlo"]
        check(cf["exact"] and cf["method"] == "product", f"{s}: {cf}")
        lo, hi = mc["ci95"]
        check(lo <= cf["capacity"] <= hi and a["agree"], f"{s}: closed form {cf['capacity']} outside [{lo}, {hi}]")
        close(hi - lo, 2 * 1.96 * mc["sd"] / math.sqrt(mc["runs"]), f"{s}: CI width", 1e-9)
        # First order, the capacity lost is the kinds' losses summed (union bound; second order apart).
        first = sum(b["capacity_lost_no_spares"] for b in j["blast_radius"].values())
        check(0 < 1 - cf["capacity"] <= first and first - (1 - cf["capacity"]) <= first ** 2 + 1e-12,
              f"{s}: 1 - {cf['capacity']} against first order {first}")
        check(len(mc["by_year"]) == 4, f"{s}: 4 years")
    # Spares: the birth-death form, more capacity than without.
    j0 = avail("lite-basic", "--model", "llama3-70b", "--runs", "200")
    j8 = avail("lite-basic", "--model", "llama3-70b", "--runs", "200", "--spares", "8")
    check(j8["replicas"] == (256 - 8) // 8 and j8["spares"] == 8, "spares layout")
    a = j8["availability"]
    check(a["closed_form"]["method"] == "birth-death" and a["agree"], f"spares: {a}")
    check(a["closed_form"]["capacity"] > j0["availability"]["closed_form"]["capacity"], "spares help")

elif CASE == "training_goodput":
    j = avail("h100-cluster", "--model", "llama3-70b", "--checkpoint-cost", "60 s", "--restart", "600 s")
    r = RELIABILITY
    # Every unit of these kinds covers a replica (64 GPUs all in replicas of 2 on their boards).
    rate = 64 / r["gpu_die"]["mtbf_hours"] + 320 / r["hbm_stack"]["mtbf_hours"] + \
        8 / r["switch"]["mtbf_hours"] + 64 / r["link"]["mtbf_hours"]
    t = j["training_goodput"]
    close(t["mtbf_hours"], 1 / rate, "job MTBF")
    m = 3600 / rate
    close(t["interval_s"], math.sqrt(2 * 60 * m), "Young/Daly interval")
    close(t["goodput"], 1 - (60 / t["interval_s"] + (t["interval_s"] / 2 + 600) / m), "goodput")
    close(t["in_memory"]["restart_s"], 600 / 13, "GEMINI: 13x faster recovery")

elif CASE == "deterministic":
    args = ["availability", "--system", os.path.join(STUDY, "lite-cpo-ocs.yaml"), "--model", "llama3-70b",
            "--runs", "100", "--spares", "4"]
    a, b = run(*args, "--json"), run(*args, "--json")
    check(a == b, "same inputs, different JSON")
    c = run(*args, "--json", "--seed", "2")
    check(json.loads(a)["availability"]["monte_carlo"] != json.loads(c)["availability"]["monte_carlo"], "seed ignored")
    text = run(*args)
    check(text == run(*args), "same inputs, different text")
    for k in json.loads(a)["components"]:
        check(f"  {k} " in text, f"text table lacks {k}")
    check("no outage in any lifetime" in text and "Young/Daly" in text, "text summary (4 spares: no outage)")
    check(json.loads(a)["availability"]["agree"] is None, "no interval without an outage")
    text = run(*args[:-2])
    check(": agree" in text, "text summary")

elif CASE == "bad_input":
    sysf = os.path.join(STUDY, "h100-cluster.yaml")
    r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--tp", "2")
    check("--pp" in r.stderr or "--tp" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--tp", "3", "--pp", "1")
    check("--tp" in r.stderr and "does not split" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "llama3-405b", "--tp", "1", "--pp", "1")
    check("--tp" in r.stderr and "GiB" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "nosuch")
    check("nosuch" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--replicas", "40")
    check("--replicas" in r.stderr and "the system has 64" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--gpus", "7")
    check("--gpus" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--restart", "4 minutes")
    check("--restart" in r.stderr, r.stderr)
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "rates.yaml")
        with open(f, "w") as fh:
            fh.write("preset: llama3-h100\nswitch:\n  mttr_hours: -1\n")
        r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--reliability", f)
        check(f"{f}:3:" in r.stderr and "switch.mttr_hours" in r.stderr, r.stderr)
    r = refused("availability", "--system", sysf, "--model", "llama3-70b", "--reliability-set", "die_scaling=sm")
    check("--reliability-set die_scaling=sm" in r.stderr and "per_die" in r.stderr, r.stderr)

else:
    sys.exit(f"unknown case {CASE}")
