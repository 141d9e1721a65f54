#!/usr/bin/env python3
"""`litesim topo` against closed forms of the shipped systems. Usage: topo_test.py LITESIM CASE.
Link rates come from the resolved config (`litesim config`: fabric.link.lanes x
package.cpo.lane_rate); hop counts and cut sizes from the topology's definition, never from the
program's own output."""
import json
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEMS = os.path.join(HERE, "..", "..", "configs", "system")
KEYS = {"nodes", "gpus", "switches", "ocs_units", "links", "diameter", "avg_hops", "bisection_GBps",
        "optical_lanes", "static_optical_W", "topology", "link_classes"}


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def close(a, b, what, rel=1e-9):
    check(abs(a - b) <= rel * max(1.0, abs(b)), f"{what}: got {a}, expected {b}")


def qty(text):  # "112.5 Gbps" -> 112.5e9 (decimal prefixes only)
    v, u = text.split()
    return float(v) * {"G": 1e9, "T": 1e12, "M": 1e6, "k": 1e3}.get(u[0], 1.0)


def topo(system, *sets):
    args = [LITESIM, "topo", "--system", system, "--json"]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True)
    check(r.returncode == 0, f"topo {system} exited {r.returncode}: {r.stderr}")
    j = json.loads(r.stdout)  # stdout is only JSON
    check(KEYS <= set(j), f"missing keys {KEYS - set(j)}")
    return j


def config(system, *sets):
    args = [LITESIM, "config", "--system", system]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True)
    check(r.returncode == 0, f"config {system} exited {r.returncode}: {r.stderr}")
    return yaml.safe_load(r.stdout)


def link_GBps(cfg):  # one default link, one direction
    return cfg["fabric"]["link"]["lanes"] * qty(cfg["package"]["cpo"]["lane_rate"]) / 8 / 1e9


if CASE == "torus2d_json":
    # 4-ary 2-cube: diameter n*floor(k/2); mean distance n*floor(k^2/4)/k over all targets, times
    # N/(N-1) without the source; 2 x k links cross the cut; n*N links.
    sysf = os.path.join(SYSTEMS, "lite-torus2d-16.yaml")
    j, cfg = topo(sysf), config(sysf)
    k, n, N = 4, 2, 16
    check(j["topology"] == "torus2d", j["topology"])
    check(j["gpus"] == N and j["switches"] == 0 and j["ocs_units"] == 0, "counts")
    check(len(j["nodes"]) == N and all(v["kind"] == "gpu" for v in j["nodes"]), "nodes")
    check(all(v["degree"] == 2 * n for v in j["nodes"]), "every GPU has 2n links")
    check(j["links"] == n * N, f"links {j['links']}")
    check(j["diameter"] == n * (k // 2), f"diameter {j['diameter']}")
    close(j["avg_hops"], n * (k * k // 4) / k * N / (N - 1), "avg_hops")
    close(j["bisection_GBps"], 2 * k * link_GBps(cfg), "bisection")
    lanes = cfg["fabric"]["link"]["lanes"]
    check(j["optical_lanes"] == j["links"] * lanes, "optical lanes = links x lanes (all ends optical)")
    check(lanes * 2 * n <= 8, "the preset fits the package's 8 lanes")
    check(j["link_classes"] == {"none": n * N}, j["link_classes"])
    check(j["static_optical_W"] > 0, "static power")

elif CASE == "clos_json":
    # 8 leaves of 8 GPUs, 4 spines: diameter 4; half the leaves send over their U = 8/os uplinks.
    sysf = os.path.join(SYSTEMS, "lite-clos-64.yaml")
    for os_ratio, S in ((1, 4), (2, 4), (4, 2)):
        s = [f"fabric.topology.oversubscription={os_ratio}", f"fabric.topology.spines={S}"]
        j, cfg = topo(sysf, *s), config(sysf, *s)
        N, g = 64, 8
        L, U = N // g, g // os_ratio
        check(j["topology"] == "clos", j["topology"])
        check(j["gpus"] == N and j["switches"] == L + S, f"switches {j['switches']}")
        roles = [v["role"] for v in j["nodes"]]
        check(roles == ["gpu"] * N + ["leaf"] * L + ["spine"] * S, "GPUs first, then leaves, then spines")
        check(j["link_classes"] == {"down": N, "up": L * U}, j["link_classes"])
        check(j["links"] == N + L * U, "links")
        check(j["diameter"] == 4, f"diameter {j['diameter']}")
        close(j["avg_hops"], ((g - 1) * 2 + (N - g) * 4) / (N - 1), "avg_hops")
        close(j["bisection_GBps"], L // 2 * U * link_GBps(cfg), f"bisection at oversubscription {os_ratio}")
    # Both shipped systems use the same package: the static power per lane-end must agree.
    t = topo(os.path.join(SYSTEMS, "lite-torus2d-16.yaml"))
    c = topo(sysf)
    close(c["static_optical_W"] / (2 * c["optical_lanes"]), t["static_optical_W"] / (2 * t["optical_lanes"]),
          "static W per lane and end")

elif CASE == "uni_ring":
    # The default ring made one-way: mean hops sum(1..N-1)/(N-1) = N/2, one link crosses the cut.
    sysf = os.path.join(SYSTEMS, "default.yaml")
    j, cfg = topo(sysf, "fabric.topology.direction=uni"), config(sysf)
    N = cfg["fabric"]["topology"]["gpus"]
    close(j["avg_hops"], N / 2, "avg_hops")
    check(j["diameter"] == N - 1, "diameter")
    close(j["bisection_GBps"], link_GBps(cfg), "bisection")

elif CASE == "every_shipped_system":
    # Every shipped system resolves and its topology fits the package's lanes.
    for f in sorted(os.listdir(SYSTEMS)):
        j = topo(os.path.join(SYSTEMS, f))
        check(j["max_gpu_lanes"] <= j["package_lanes"], f"{f}: {j['max_gpu_lanes']} lanes > {j['package_lanes']}")
        check(j["connected"] and j["diameter"] >= 1, f"{f}: connected")
        # `litesim config` prints a valid system file: the same topology must come back from it.
        r = subprocess.run([LITESIM, "config", "--system", os.path.join(SYSTEMS, f)], capture_output=True, text=True)
        d = tempfile.mkdtemp()
        with open(os.path.join(d, f), "w") as fh:
            fh.write(r.stdout)
        again = topo(os.path.join(d, f))
        for k in KEYS:
            check(again[k] == j[k], f"{f}: {k} differs after the config round trip")

elif CASE == "bad_input":
    d = tempfile.mkdtemp()
    bad = os.path.join(d, "bad-clos.yaml")
    with open(bad, "w") as fh:
        fh.write("name: bad\npackage:\n  preset: lite-quarter\nfabric:\n  preset: cpo-clos-64\n"
                 "  topology:\n    kind: clos\n    gpus: 64\n    gpus_per_leaf: 7\n    spines: 4\n")
    r = subprocess.run([LITESIM, "topo", "--system", bad, "--json"], capture_output=True, text=True)
    check(r.returncode == 2, f"exit {r.returncode}, expected 2")
    check(r.stdout == "", "nothing on stdout")
    check(f"{bad}:9:" in r.stderr, f"file:line missing: {r.stderr}")
    check("fabric.topology.gpus_per_leaf" in r.stderr and "must divide gpus" in r.stderr, r.stderr)
    r = subprocess.run([LITESIM, "topo", "--system", os.path.join(SYSTEMS, "lite-torus2d-16.yaml"),
                        "--set", "fabric.topology.z=4"], capture_output=True, text=True)
    check(r.returncode == 2 and "fabric.topology.z" in r.stderr and "unknown key" in r.stderr, r.stderr)

else:
    sys.exit(f"unknown case {CASE}")
