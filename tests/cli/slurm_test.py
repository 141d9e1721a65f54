#!/usr/bin/env python3
"""`litesim sweep --engine slurm` against a real Slurm: a throwaway single-node cluster
(slurm_cluster.py: Debian's slurm-wlm and munge, installed when missing, our own munged, slurmctld
and slurmd, stopped by pid). The shipped example sweep (12 points) is run on the local engine, then
through Slurm; the checks:
- the Slurm run's results.csv and results.json are byte-identical to the local engine's;
- while that job runs, a second sweep on the same folder (either engine) is refused, naming the job;
- a task cancelled mid-run (scancel, once its first point is done) leaves its other points without
  a result; the sweep reports each of them by id with Slurm's CANCELLED state and exits 3; running
  the same command again submits only those points, completes the sweep and gives the local tables;
- a point that fails in its task (the LITESIM_SWEEP_FAIL_POINT hook) is reported with its reason;
- --dry-run prints the job script and the sbatch line and writes nothing; a sweep name built to run
  a shell command (`$(touch ...)`) never reaches a shell (no file appears, the script holds no `$(`);
- `litesim study --engine slurm` on a tiny study gives the local engine's tables and report.
Case time_limit: a task held past its 1-minute limit (by a --setup line sleeping 2 minutes, so no
point of it runs) is ended by Slurm; every one of its points is reported with TIMEOUT (Slurm checks
limits about every 30 s, so this case takes about 90 s).
When Slurm cannot be started the test fails with the reason (SlurmClusterError), it never skips.
Usage: slurm_test.py LITESIM SOURCE_DIR sweep|time_limit"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import SlurmCluster  # noqa: E402

LITESIM, SRC, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
SPEC = os.path.join(SRC, "configs", "sweeps", "example.yaml")


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sweep(env, out, *extra, spec=SPEC):
    return subprocess.run([LITESIM, "sweep", spec, "--out", out, *extra], env=env, capture_output=True, text=True,
                          timeout=600)


def same_tables(a, b, what):
    for name in ("results.csv", "results.json"):
        check(read(os.path.join(a, name)) == read(os.path.join(b, name)), f"{what}: {name} differs from the local one")


def done_points(out):
    pts = os.path.join(out, "points")
    return sorted(p for p in os.listdir(pts) if os.path.exists(os.path.join(pts, p, "result.json"))) \
        if os.path.isdir(pts) else []


# A tiny study (docs/study.md): Llama-3-8B, one prefill and one decode case on two systems.
STUDY = """study: tiny
systems:
  - {name: h100, system: system/study/h100-cluster.yaml, gpus_per_rack: 32}
  - {name: lite-clos, system: system/study/lite-cpo-switch.yaml, gpus_per_rack: 128}
models: [llama3-8b]
prefill: {prompt: [512], batch: [1]}
decode: {batch: [4], context: [1024]}
objectives: [latency, throughput]
candidates: 2
economics: {lifetime_years: 3, usd_per_kwh: 0.1, pue: 1.25, switch_usd_per_lane: 40, ocs_usd_per_port: 250}
"""


def study_on_slurm(tmp, c, slurm_args):
    """`litesim study --engine slurm`: the same tables and report as the local engine."""
    spec = os.path.join(tmp, "tiny-study.yaml")
    with open(spec, "w") as f:
        f.write(STUDY)
    outs = {"local": os.path.join(tmp, "study-local"), "slurm": os.path.join(tmp, "study-slurm")}
    for engine, extra in (("local", ["--jobs", "2"]), ("slurm", slurm_args)):
        r = subprocess.run([LITESIM, "study", spec, "--out", outs[engine], "--quiet", *extra], env=c.env,
                           capture_output=True, text=True, timeout=900)
        check(r.returncode == 0, f"study on the {engine} engine: exit {r.returncode}: {r.stderr}")
    for name in ("results.csv", "results.json", "candidates.csv", "availability.csv", "report.md"):
        check(read(os.path.join(outs["local"], name)) == read(os.path.join(outs["slurm"], name)),
              f"study: {name} differs between the local and the Slurm engine")


def main(tmp, c):
    env = c.env
    slurm_args = ["--engine", "slurm", "--poll", "0.2", "--partition", c.partition]
    local = os.path.join(tmp, "local")
    r = sweep(env, local, "--jobs", "2", "--quiet")
    check(r.returncode == 0, f"local sweep: exit {r.returncode}: {r.stderr}")
    ids = sorted(os.listdir(os.path.join(local, "points")))
    check(len(ids) == 12, f"12 points, got {ids}")

    # 1. the same sweep through Slurm: the same tables
    s1 = os.path.join(tmp, "slurm")
    r = sweep(env, s1, *slurm_args, "--max-parallel", "2", "--points-per-task", "3")
    check(r.returncode == 0, f"slurm sweep: exit {r.returncode}: {r.stderr}")
    same_tables(local, s1, "slurm sweep")
    subs = json.loads(read(os.path.join(s1, "slurm", "submissions.json")))
    check(len(subs) == 1 and subs[0]["tasks"] == 4 and len(subs[0]["points"]) == 12, f"submissions: {subs}")
    states = {j["ArrayTaskId"]: j["JobState"] for j in c.jobs(subs[0]["job_id"])}
    check(states == {str(t): "COMPLETED" for t in range(4)}, f"task states: {states}")
    timings = json.loads(read(os.path.join(s1, "timings.json")))
    check(timings["engine"] == "slurm" and timings["job_id"] == subs[0]["job_id"], f"timings: {timings}")
    # again: nothing to run, nothing submitted
    r = sweep(env, s1, *slurm_args)
    check(r.returncode == 0 and "12 skipped" in r.stdout, f"re-run of a complete sweep: {r.stdout} {r.stderr}")
    check(len(json.loads(read(os.path.join(s1, "slurm", "submissions.json")))) == 1, "a complete sweep resubmitted")

    # 2. a task cancelled mid-run: its points without results are reported; a re-run completes them
    s2 = os.path.join(tmp, "cancel")
    p = subprocess.Popen([LITESIM, "sweep", SPEC, "--out", s2, *slurm_args, "--points-per-task", "12"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not done_points(s2) and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    subs = json.loads(read(os.path.join(s2, "slurm", "submissions.json")))
    job = subs[0]["job_id"]
    # while the job runs, neither engine may start on the same folder
    for engine in (["--jobs", "1"], slurm_args):
        r = sweep(env, s2, *engine)
        check(r.returncode == 2 and f"job {job} (submission 1)" in r.stderr and "still queued or running" in r.stderr,
              f"a second sweep on a folder with a running job: exit {r.returncode}: {r.stderr}")
    kill = c.run(["scancel", f"{job}_0"])
    check(kill.returncode == 0, f"scancel: {kill.stderr}")
    out, err = p.communicate(timeout=300)
    survived = done_points(s2)
    check(p.returncode == 3, f"cancelled sweep: exit {p.returncode} (expected 3): {err}")
    missing = [i for i in ids if i not in survived]
    check(0 < len(survived) < 12 and missing, f"cancelled mid-run: {len(survived)} of 12 points done")
    for i in missing:
        check(f"point {i} failed: Slurm task {job}_0 CANCELLED" in err, f"point {i} not reported cancelled: {err}")
        reason = json.loads(read(os.path.join(s2, "points", i, "failed.json")))["reason"]
        check("CANCELLED" in reason, f"{i}/failed.json: {reason}")
    check(c.job(job)["JobState"] == "CANCELLED", f"scontrol: {c.job(job)}")
    r = sweep(env, s2, *slurm_args)
    check(r.returncode == 0, f"resubmission: exit {r.returncode}: {r.stderr}")
    check(f"{len(survived)} skipped" in r.stdout, f"resubmission should skip the {len(survived)} done: {r.stdout}")
    subs = json.loads(read(os.path.join(s2, "slurm", "submissions.json")))
    check(len(subs) == 2 and subs[1]["points"] == missing, f"resubmitted {subs[-1]['points']}, expected {missing}")
    same_tables(local, s2, "cancelled then resubmitted sweep")

    # 3. a point failing in its task is reported with its reason
    s3 = os.path.join(tmp, "fail")
    fenv = dict(env, LITESIM_SWEEP_FAIL_POINT=ids[4])
    r = subprocess.run([LITESIM, "sweep", SPEC, "--out", s3, *slurm_args], env=fenv, capture_output=True, text=True,
                       timeout=600)
    check(r.returncode == 3, f"failing point: exit {r.returncode}: {r.stderr}")
    check(f"point {ids[4]} failed: Slurm task" in r.stderr and "failed on purpose" in r.stderr,
          f"the failed point's reason: {r.stderr}")
    check(done_points(s3) == [i for i in ids if i != ids[4]], "the other points completed")

    # 4. --dry-run writes nothing; a hostile sweep name reaches no shell
    hostile = os.path.join(tmp, "hostile.yaml")
    marker = os.path.join(tmp, "PWNED")
    with open(SPEC) as f:
        text = f.read()
    with open(hostile, "w") as f:
        f.write(text.replace("sweep: example", f"sweep: \"x$(touch {marker})'; touch {marker}; '\"", 1)
                .replace("system/", os.path.join(SRC, "configs", "system") + "/"))
    s4 = os.path.join(tmp, "dry")
    r = sweep(env, s4, *slurm_args, "--dry-run", spec=hostile)
    check(r.returncode == 0 and "#!/bin/bash -l" in r.stdout and "'sbatch' '--parsable'" in r.stdout,
          f"dry run: exit {r.returncode}: {r.stdout} {r.stderr}")
    check(not os.path.exists(s4), "--dry-run wrote the output folder")
    check("$(" not in r.stdout.split("# submitted with:")[0], f"the job script holds the spec's `$(`: {r.stdout}")
    r = sweep(env, os.path.join(tmp, "hostile"), *slurm_args, spec=hostile)
    check(r.returncode == 0, f"hostile-named sweep: exit {r.returncode}: {r.stderr}")
    check(not os.path.exists(marker), "a shell ran a command from the spec")

    # 5. the study through the same engine
    study_on_slurm(tmp, c, slurm_args)


def time_limit(tmp, c):
    out = os.path.join(tmp, "timeout")
    r = sweep(c.env, out, "--engine", "slurm", "--poll", "1", "--partition", c.partition, "--time", "1",
              "--points-per-task", "12", "--setup", "sleep 120")
    check(r.returncode == 3, f"timed-out sweep: exit {r.returncode}: {r.stderr}")
    job = json.loads(read(os.path.join(out, "slurm", "submissions.json")))[0]["job_id"]
    check(c.job(job)["JobState"] == "TIMEOUT", f"scontrol: {c.job(job)}")
    ids = sorted(os.listdir(os.path.join(out, "points")))
    check(len(ids) == 12 and not done_points(out), f"no point should have run: {done_points(out)}")
    for i in ids:
        check(f"point {i} failed: Slurm task {job}_0 TIMEOUT" in r.stderr, f"point {i} not reported: {r.stderr}")


with tempfile.TemporaryDirectory() as tmp, SlurmCluster() as cluster:
    {"sweep": main, "time_limit": time_limit}[CASE](tmp, cluster)
    print("ok")
