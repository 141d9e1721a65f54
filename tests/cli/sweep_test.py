#!/usr/bin/env python3
"""`litesim sweep` as a user meets it. Usage: sweep_test.py LITESIM SOURCE_DIR CASE.
A 4-point sweep (fabric.link.lanes x fabric.link.fibre_length on the default 4-GPU ring, the
ring-shift-4 sample trace): identical results for any --jobs; each point's metrics equal a hand-run
`litesim run --set ...` of the same point (the independent value); re-runs skip complete points and
re-run exactly the incomplete or changed ones; a failing point is reported and the others complete;
bad specs exit 2 naming the spec file and line and write nothing; `sweep merge` reproduces the merge."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

LITESIM, SRC, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
TRACE = os.path.join(SRC, "traces", "samples", "ring-shift-4.yaml")
LANES, FIBRES = ["2", "4"], ["1 m", "20 m"]
# ids by the documented rule: index (4 digits), then each axis's last path component and value
IDS = ["0000-lanes2-fibrelength1m", "0001-lanes2-fibrelength20m", "0002-lanes4-fibrelength1m",
       "0003-lanes4-fibrelength20m"]

SPEC = f"""sweep: tiny
run:
  system: system/default.yaml          # not beside the spec: found under the configs root
  workload: {TRACE}
  seed: 1
  set: {{fabric.link.propagation_delay: 5 ns/m}}
axes:
  - {{path: fabric.link.lanes, values: [{", ".join(LANES)}]}}
  - {{path: fabric.link.fibre_length, values: ["{FIBRES[0]}", "{FIBRES[1]}"]}}
"""


def write_spec(d, text=SPEC, name="spec.yaml"):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def sweep(*args, env=None, expect=0):
    r = subprocess.run([LITESIM, "sweep", *args], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    if r.returncode != expect:
        sys.exit(f"litesim sweep {' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stdout}\n{r.stderr}")
    return r.stdout + r.stderr


def read(p, mode="r"):
    with open(p, mode) as f:
        return f.read()


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)


def mtimes(out):
    return {i: os.stat(os.path.join(out, "points", i, "result.json")).st_mtime_ns for i in IDS}


def case_jobs_identical():
    d = tempfile.mkdtemp()
    spec = write_spec(d)
    sweep(spec, "--out", os.path.join(d, "j1"), "--jobs", "1")
    sweep(spec, "--out", os.path.join(d, "j2"), "--jobs", "2", "--quiet")
    for f in ("results.csv", "results.json"):
        check(read(os.path.join(d, "j1", f), "rb") == read(os.path.join(d, "j2", f), "rb"), f + " differs by --jobs")
    res = json.loads(read(os.path.join(d, "j1", "results.json")))
    check([p["id"] for p in res["points"]] == IDS, f"ids {[p['id'] for p in res['points']]}")
    check(all(p["status"] == "ok" for p in res["points"]), "a point failed")
    # last axis fastest
    check([(p["axes"]["fabric.link.lanes"], p["axes"]["fabric.link.fibre_length"]) for p in res["points"]] ==
          [(a, b) for a in LANES for b in FIBRES], "point order")
    csv = read(os.path.join(d, "j1", "results.csv")).splitlines()
    check(csv[0].startswith("point,fabric.link.lanes,fabric.link.fibre_length,status,sim_time_ns,energy_pJ"),
          "csv header " + csv[0])
    check(len(csv) == 5, "csv rows")
    text = read(os.path.join(d, "j1", "results.json")) + "\n".join(csv)
    check(d not in text and "wall" not in text, "results hold a path or a wall time")
    check("points_wall_seconds" in json.loads(read(os.path.join(d, "j1", "timings.json"))), "timings.json")


def case_matches_litesim_run():
    d = tempfile.mkdtemp()
    out = os.path.join(d, "s")
    sweep(write_spec(d), "--out", out, "--jobs", "2", "--quiet")
    res = {p["id"]: p for p in json.loads(read(os.path.join(out, "results.json")))["points"]}
    times = set()
    for i, (lanes, fibre) in [(IDS[0], (LANES[0], FIBRES[0])), (IDS[3], (LANES[1], FIBRES[1]))]:
        one = os.path.join(d, "run-" + i)
        subprocess.run([LITESIM, "run", "--system", os.path.join(SRC, "configs", "system", "default.yaml"),
                        "--workload", TRACE, "--seed", "1", "--set", "fabric.link.propagation_delay=5 ns/m",
                        "--set", "fabric.link.lanes=" + lanes, "--set", "fabric.link.fibre_length=" + fibre,
                        "--no-timeline", "--quiet", "--out", one], check=True)
        s = json.loads(read(os.path.join(one, "summary.json")))
        m = res[i]["metrics"]
        check(m["sim_time_ns"] == s["sim_time_ns"], f"{i}: sim_time_ns {m['sim_time_ns']} != {s['sim_time_ns']}")
        check(m["config_digest"] == s["config_digest"], f"{i}: config_digest")
        check(m["energy_pJ"] == s["energy"]["total_pJ"], f"{i}: energy_pJ")
        check(m["bytes_delivered"] == s["messages"]["bytes_delivered"], f"{i}: bytes_delivered")
        times.add(s["sim_time_ns"])
        # the point's own summary.json is the same run's
        ps = json.loads(read(os.path.join(out, "points", i, "summary.json")))
        check(ps["sim_time_ns"] == s["sim_time_ns"], f"{i}: point summary.json")
    check(len(times) == 2, "the two points should differ (fewer lanes, longer fibre)")


def case_rerun_skips():
    d = tempfile.mkdtemp()
    out = os.path.join(d, "s")
    spec = write_spec(d)
    sweep(spec, "--out", out, "--jobs", "2")
    before = mtimes(out)
    csv = read(os.path.join(out, "results.csv"), "rb")
    o = sweep(spec, "--out", out, "--jobs", "2")
    check("0 run, 4 skipped" in o, "re-run should skip all 4 points:\n" + o)
    check(mtimes(out) == before, "a complete point was re-run")
    check(read(os.path.join(out, "results.csv"), "rb") == csv, "results.csv changed on a re-run")
    os.remove(os.path.join(out, "points", IDS[2], "result.json"))
    o = sweep(spec, "--out", out, "--jobs", "2")
    check("1 run, 3 skipped" in o, "only the point without result.json should run:\n" + o)
    after = mtimes(out)
    check(all(after[i] == before[i] for i in IDS if i != IDS[2]), "another point was re-run")
    check(read(os.path.join(out, "results.csv"), "rb") == csv, "results.csv differs after re-running one point")
    # a changed spec changes every point.yaml (another seed): all re-run, none reused
    o = sweep(write_spec(d, SPEC.replace("seed: 1", "seed: 2")), "--out", out, "--jobs", "2")
    check("4 run, 0 skipped" in o, "a changed point.yaml must re-run its point:\n" + o)
    check("seed: 2" in read(os.path.join(out, "points", IDS[0], "point.yaml")), "point.yaml not rewritten")
    # a result.json of another point.yaml (edited behind the sweep's back) is stale: merge drops it
    pt = os.path.join(out, "points", IDS[1], "point.yaml")
    with open(pt, "a") as f:
        f.write("# edited\n")
    sweep("merge", out)
    rows = read(os.path.join(out, "results.csv")).splitlines()
    check(sum(1 for r in rows[1:] if r.startswith(IDS[1] + ",") and ",ok," in r) == 0,
          "a result whose point.yaml changed was merged as ok:\n" + "\n".join(rows))


def case_failing_point():
    d = tempfile.mkdtemp()
    out = os.path.join(d, "s")
    spec = write_spec(d)
    bad = IDS[1]
    r = subprocess.run([LITESIM, "sweep", spec, "--out", out, "--jobs", "2"], capture_output=True, text=True,
                       env={**os.environ, "LITESIM_SWEEP_FAIL_POINT": bad})
    check(r.returncode == 3, f"exit {r.returncode}, expected 3\n{r.stderr}")
    check(f"point {bad} failed: exit status 3" in r.stderr, "failure reason:\n" + r.stderr)
    check("failed on purpose" in r.stderr, "the log's last line should be in the reason:\n" + r.stderr)
    check(f"1 of 4 points failed: {bad}" in r.stderr, "final failure list:\n" + r.stderr)
    res = json.loads(read(os.path.join(out, "results.json")))["points"]
    for p in res:
        check(p["status"] == ("failed" if p["id"] == bad else "ok"), f"{p['id']} status {p['status']}")
        check(os.path.exists(os.path.join(out, "points", p["id"], "result.json")) == (p["id"] != bad), p["id"])
    check("exit status 3" in [p for p in res if p["id"] == bad][0]["error"], "error in results.json")
    check(",failed," in read(os.path.join(out, "results.csv")), "failed row in results.csv")
    o = sweep(spec, "--out", out, "--jobs", "2")
    check("1 run, 3 skipped" in o, "the re-run should run only the failed point:\n" + o)
    check(all(p["status"] == "ok" for p in json.loads(read(os.path.join(out, "results.json")))["points"]),
          "the sweep should be complete after the re-run")


def case_bad_spec():
    d = tempfile.mkdtemp()
    head = f"sweep: bad\nrun: {{system: system/default.yaml, workload: {TRACE}}}\n"
    cases = [
        ("unknown top-level key", head + "axis: []\n", 3, "unknown key"),
        ("values and range", head + "axes:\n  - {path: fabric.link.lanes, values: [1], range: {from: 1, to: 2, step: 1}}\n",
         4, "both"),
        ("zip of unequal lengths", head + "axes:\n  - zip:\n      - {path: fabric.link.lanes, values: [2, 4]}\n"
         "      - {path: fabric.link.fibre_length, values: [1 m]}\n", 4, "same number of values"),
        ("bad config path", head + "axes:\n  - {path: fabric.link.lanes, values: [2]}\n"
         "  - {path: fabric.link.lanez, values: [4]}\n", 5, "lanez"),
        # the bad value is in the last point: nothing may run before it is found
        ("bad value in a later point", head + "axes:\n  - {path: fabric.link.lanes, values: [2, 4, four]}\n", 4,
         "point 0002-lanesfour"),
        ("workload file missing", "sweep: bad\nrun: {system: system/default.yaml, workload: nowhere.yaml}\n", 2,
         "no such trace"),
    ]
    for name, text, line, what in cases:
        spec = write_spec(d, text, "bad.yaml")
        out = os.path.join(d, "out-" + name.replace(" ", "-"))
        r = subprocess.run([LITESIM, "sweep", spec, "--out", out], capture_output=True, text=True)
        check(r.returncode == 2, f"{name}: exit {r.returncode}, expected 2\n{r.stderr}")
        check(f"{spec}:{line}:" in r.stderr, f"{name}: should name {spec}:{line}:\n{r.stderr}")
        check(what in r.stderr, f"{name}: should say '{what}':\n{r.stderr}")
        check(not os.path.exists(out), f"{name}: created {out}")
    r = subprocess.run([LITESIM, "sweep", write_spec(d), "--out", os.path.join(d, "j0"), "--jobs", "0"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and not os.path.exists(os.path.join(d, "j0")), "--jobs 0 must be refused")


def case_merge_reproduces():
    d = tempfile.mkdtemp()
    out = os.path.join(d, "s")
    sweep(write_spec(d), "--out", out, "--jobs", "2", "--quiet")
    csv, js = read(os.path.join(out, "results.csv"), "rb"), read(os.path.join(out, "results.json"), "rb")
    os.remove(os.path.join(out, "results.csv"))
    os.remove(os.path.join(out, "results.json"))
    # the points folder alone (moved elsewhere) is enough
    moved = os.path.join(d, "moved")
    shutil.move(out, moved)
    sweep("merge", moved)
    check(read(os.path.join(moved, "results.csv"), "rb") == csv, "merge: results.csv differs")
    check(read(os.path.join(moved, "results.json"), "rb") == js, "merge: results.json differs")


def case_example():
    d = tempfile.mkdtemp()
    out = os.path.join(d, "s")
    o = sweep(os.path.join(SRC, "configs", "sweeps", "example.yaml"), "--out", out, "--jobs", "2", "--quiet")
    res = json.loads(read(os.path.join(out, "results.json")))
    check(all(p["status"] == "ok" for p in res["points"]) and len(res["points"]) == 12, "example:\n" + o)
    # one generated-workload point against `litesim gen llm` + `litesim run` by hand with the same values
    p = [p for p in res["points"] if p["id"].startswith("0005-")][0]
    check(p["axes"] == {"fabric.link.lanes": "1", "workload.batch": "64", "package.cpo.lane_rate": "56.25 Gbps",
                        "package.cpo.fibres_per_engine": "16"}, f"point 5's values {p['axes']}")
    system = os.path.join(SRC, "configs", "system", "lite-torus2d-16.yaml")
    sets = ["--set", "fabric.link.lanes=1", "--set", "package.cpo.lane_rate=56.25 Gbps", "--set",
            "package.cpo.fibres_per_engine=16"]
    trace = os.path.join(d, "g.yaml")
    subprocess.run([LITESIM, "gen", "llm", "--model", "llama3-8b", "--phase", "decode", "--batch", "64", "--seq",
                    "2048", "--tp", "4", "--pp", "4", "--system", system, *sets, "-o", trace], check=True,
                   capture_output=True)
    subprocess.run([LITESIM, "run", "--system", system, "--workload", trace, "--fidelity", "flow", *sets,
                    "--no-timeline", "--quiet", "--out", os.path.join(d, "g")], check=True)
    s = json.loads(read(os.path.join(d, "g", "summary.json")))
    check(p["metrics"]["sim_time_ns"] == s["sim_time_ns"], f"sim_time_ns {p['metrics']['sim_time_ns']} != {s['sim_time_ns']}")
    check(p["metrics"]["config_digest"] == s["config_digest"], "config_digest")


globals()["case_" + CASE]()
print("ok")
