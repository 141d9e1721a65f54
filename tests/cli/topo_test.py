#!/usr/bin/env python3
"""`litesim topo` against closed forms of the shipped systems. Usage: topo_test.py LITESIM CASE.
Link rates come from the resolved config (`litesim config`: fabric.link.lanes x
package.cpo.lane_rate); static optical power from the preset files themselves (configs/); hop
counts and cut sizes from the topology's definition, never from the program's own output."""
import json
import os
import subprocess
import sys
import tempfile

import yaml

LITESIM, CASE = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "..", "configs")
SYSTEMS = os.path.join(CONFIGS, "system")
KEYS = {"nodes", "gpus", "switches", "ocs_units", "links", "diameter", "avg_hops", "bisection_GBps",
        "optical_lanes", "static_optical_W", "topology", "link_classes"}


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL [{CASE}]: {what}")


def close(a, b, what, rel=1e-9):
    check(abs(a - b) <= rel * max(1.0, abs(b)), f"{what}: got {a}, expected {b}")


def qty(text):  # "112.5 Gbps" -> 112.5e9, "21.25 mW" -> 0.02125 (decimal prefixes only)
    v, u = str(text).split()
    return float(v) * ({"G": 1e9, "T": 1e12, "M": 1e6, "k": 1e3, "m": 1e-3}.get(u[0], 1.0) if len(u) > 1 else 1.0)


def preset(section, name):
    """configs/SECTION/NAME.yaml read directly, not through LiteSim: a `preset:` key is the base its
    sibling keys override, and a nested mapping with `preset:` names a file of the folder of its key."""
    with open(os.path.join(CONFIGS, section, name + ".yaml")) as fh:
        d = yaml.safe_load(fh)
    out = preset(section, d.pop("preset")) if "preset" in d else {}
    for k, v in d.items():
        if isinstance(v, dict) and "preset" in v:
            out[k] = preset(k, v.pop("preset"))
            out[k].update(v)
        else:
            out[k] = v
    return out


def lane_W(x):  # static power of one lane at one end: laser at the wall plus idle electronics
    return qty(x.get("laser_power_per_lane", "0 W")) / float(x.get("laser_wall_plug_efficiency", 1)) + \
        qty(x.get("idle_power_per_lane", "0 W"))


GPU_OPTICS = preset("package", "lite-quarter")["cpo"]  # every shipped system's package


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


def system_file(name, text):  # a system file in a fresh temporary folder
    path = os.path.join(tempfile.mkdtemp(), os.path.basename(name))
    with open(path, "w") as fh:
        fh.write(text)
    return path


def refused(*args):  # `litesim ARGS` must exit 2 (bad input) with nothing on stdout
    r = subprocess.run([LITESIM, *args], capture_output=True, text=True)
    check(r.returncode == 2 and r.stdout == "", f"{args}: exit {r.returncode} (expected 2), stdout {r.stdout!r}")
    return r


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
    # GPUs only: both ends of every lane are the package's optics.
    close(j["static_optical_W"], j["links"] * lanes * 2 * lane_W(GPU_OPTICS["transceiver"]), "static power")

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
        # A down link has a GPU end (package optics) and a leaf end (switch-port optics, here
        # eps-cpo-51t's cpo-2025, not the package's); an up link two switch ends.
        fab = preset("fabric", "cpo-clos-64")
        lanes, pg, ps = fab["link"]["lanes"], lane_W(GPU_OPTICS["transceiver"]), lane_W(fab["switch"]["transceiver"])
        check(pg != ps, "the test needs switch-port optics that differ from the package's")
        close(j["static_optical_W"], lanes * (N * (pg + ps) + L * U * 2 * ps),
              f"static W at oversubscription {os_ratio}")
        for e in j["edges"]:
            close(e["static_W"], lanes * (pg + ps if e["class"] == "down" else 2 * ps), f"link {e['id']} static W")

elif CASE == "switch_port_optics":
    # One switch, N GPUs, one link each. The switch ports swapped to 800G pluggables at half the
    # package's lane rate: each link runs at lanes x the slower end's lane rate, and burns one
    # package lane-end and one pluggable lane-end per lane. Half the GPUs' links cross the cut.
    sysf = os.path.join(SYSTEMS, "lite-switch-8.yaml")
    fab, plug = preset("fabric", "cpo-switch-8"), preset("transceiver", "pluggable-800g")
    N, lanes = fab["topology"]["gpus"], fab["link"]["lanes"]
    rg, pg = qty(GPU_OPTICS["lane_rate"]), lane_W(GPU_OPTICS["transceiver"])
    swap = ["fabric.switch.transceiver={preset: pluggable-800g}", f"fabric.switch.lane_rate={rg / 2e9} Gbps"]
    for sets, rs, ps in (([], qty(fab["switch"]["lane_rate"]), lane_W(fab["switch"]["transceiver"])),
                         (swap, rg / 2, lane_W(plug))):
        j = topo(sysf, *sets)
        check(j["switches"] == 1 and j["links"] == N, "one switch, one link per GPU")
        close(j["static_optical_W"], N * lanes * (pg + ps), f"static W {sets}")
        close(j["bisection_GBps"], N // 2 * lanes * min(rg, rs) / 8 / 1e9, f"bisection {sets}")
        for e in j["edges"]:
            close(e["rate_Gbps"], lanes * min(rg, rs) / 1e9, f"link {e['id']} rate {sets}")
        check(j["optical_lanes"] == N * lanes, "every end optical")

elif CASE == "switch_checks":
    # More links at a switch than its radix, and switches without `fabric.switch`: exit 2 with the
    # key and the config location; `tb link` (the packet backend) refuses the same file alike.
    small = system_file("small-switch.yaml", "name: small\npackage:\n  preset: lite-quarter\nfabric:\n"
                        "  preset: cpo-switch-8\n  switch:\n    radix: 4\n")
    none = system_file("no-switch.yaml", "name: none\npackage:\n  preset: lite-quarter\nfabric:\n"
                       "  topology: {kind: switch, gpus: 8}\n"
                       "  link: {lanes: 8, fibre_length: 2 m, propagation_delay: 5 ns/m}\n")
    N = preset("fabric", "cpo-switch-8")["topology"]["gpus"]
    for f, line, key, words in ((small, 7, "fabric.switch.radix", f"has {N} links but the switch has radix 4"),
                                (none, 5, "fabric.switch", "give their parameters")):
        r = refused("topo", "--system", f, "--json")
        check(f"{f}:{line}:" in r.stderr and f" {key}: " in r.stderr and words in r.stderr, r.stderr)
        b = refused("tb", "link", "--system", f, "--out", tempfile.mkdtemp())
        check(b.stderr.split(f" {key}: ")[-1] == r.stderr.split(f" {key}: ")[-1],
              f"topo and the backend word the error differently:\n{r.stderr}{b.stderr}")

elif CASE == "uni_ring":
    # The default ring made one-way: mean hops sum(1..N-1)/(N-1) = N/2, one link crosses the cut.
    sysf = os.path.join(SYSTEMS, "default.yaml")
    j, cfg = topo(sysf, "fabric.topology.direction=uni"), config(sysf)
    N = cfg["fabric"]["topology"]["gpus"]
    close(j["avg_hops"], N / 2, "avg_hops")
    check(j["diameter"] == N - 1, "diameter")
    close(j["bisection_GBps"], link_GBps(cfg), "bisection")

elif CASE == "every_shipped_system":
    # Every shipped system (the study's in system/study/ too) resolves and its topology fits the
    # package's lanes.
    shipped = sorted(os.path.relpath(os.path.join(d, f), SYSTEMS) for d, _, fs in os.walk(SYSTEMS) for f in fs
                     if f.endswith(".yaml"))
    check(len(shipped) >= 18, f"shipped systems: {shipped}")
    for f in shipped:
        j = topo(os.path.join(SYSTEMS, f))
        check(j["max_gpu_lanes"] <= j["package_lanes"], f"{f}: {j['max_gpu_lanes']} lanes > {j['package_lanes']}")
        check(j["connected"] and j["diameter"] >= 1, f"{f}: connected")
        # `litesim config` prints a valid system file: the same topology must come back from it.
        r = subprocess.run([LITESIM, "config", "--system", os.path.join(SYSTEMS, f)], capture_output=True, text=True)
        again = topo(system_file(f, r.stdout))
        for k in KEYS:
            check(again[k] == j[k], f"{f}: {k} differs after the config round trip")

elif CASE == "bad_input":
    bad = system_file("bad-clos.yaml", "name: bad\npackage:\n  preset: lite-quarter\nfabric:\n  preset: cpo-clos-64\n"
                      "  topology:\n    kind: clos\n    gpus: 64\n    gpus_per_leaf: 7\n    spines: 4\n")
    r = refused("topo", "--system", bad, "--json")
    check(f"{bad}:9:" in r.stderr, f"file:line missing: {r.stderr}")
    check("fabric.topology.gpus_per_leaf" in r.stderr and "must divide gpus" in r.stderr, r.stderr)
    r = refused("topo", "--system", os.path.join(SYSTEMS, "lite-torus2d-16.yaml"), "--set", "fabric.topology.z=4")
    check("fabric.topology.z" in r.stderr and "unknown key" in r.stderr, r.stderr)

else:
    sys.exit(f"unknown case {CASE}")
