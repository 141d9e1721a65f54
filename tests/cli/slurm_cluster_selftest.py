"""Self-check of slurm_cluster.py against a real Slurm: brings the throwaway cluster up, runs job
arrays through it (outputs, a cancelled task, a failing task, optionally a timed-out task), stops it
and checks that every daemon and job process it started is gone; then that a config Slurm rejects
raises with the log, and that a SIGKILLed test process leaves nothing behind for long.
Fails (exit 1) with the reason, never skips.
Usage: python3 slurm_cluster_selftest.py [--time-limit] [-v]"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slurm_cluster import SlurmCluster, SlurmClusterError, _pid_alive  # noqa: E402

VERBOSE = "-v" in sys.argv
passed, failed = 0, 0


def _env_has(pid, needle):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return needle in f.read().split(b"\0")
    except OSError:
        return False


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def show(c, job):
    for r in c.jobs(job):
        print("     ", {k: r.get(k) for k in ("JobId", "ArrayJobId", "ArrayTaskId",
                                               "ArrayTaskThrottle", "JobState", "Reason",
                                               "ExitCode", "TimeLimit", "RunTime")})


def task_records(c, job):
    """ArrayTaskId -> record, for an array whose tasks have all left the queue."""
    return {r["ArrayTaskId"]: r for r in c.jobs(job)}


def wait_running(c, task_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (task_id, "RUNNING") in c.queue():
            return True
        time.sleep(0.2)
    return False


def main():
    t0 = time.monotonic()
    with SlurmCluster() as c:
        print(f"bring-up {c.bringup_seconds:.2f} s; pids {c.pids}; {c.tmpdir}; "
              f"{c.cpus} CPUs, partition {c.partition}, ports {c.ctld_port}/{c.slurmd_port}")
        pids = dict(c.pids)
        tmpdir = c.tmpdir
        jobs = os.path.join(c.tmpdir, "jobs")

        # 1. a throttled array writes one output per task
        t = time.monotonic()
        j = c.sbatch(["--array=0-3%2", f"--chdir={jobs}", f"--output={jobs}/a_%A_%a.log",
                      "--wrap", "echo $SLURM_ARRAY_TASK_ID > out_$SLURM_ARRAY_TASK_ID; sleep 1"])
        q = c.run(["squeue", "-h", "-o", "%i %T %r"]).stdout.strip()
        if VERBOSE:
            print("      squeue right after sbatch:", q.replace("\n", " | "))
        running_max = 0
        deadline = time.monotonic() + 60
        while c.queue(j) and time.monotonic() < deadline:
            running_max = max(running_max, sum(1 for _, s in c.queue(j) if s == "RUNNING"))
            time.sleep(0.1)
        check("array 0-3%2 leaves the queue", not c.queue(j), c.queue(j))
        print(f"      array of 4 (1 s each, %2) took {time.monotonic() - t:.1f} s")
        check("throttle %2 holds", running_max <= 2, running_max)
        outs = {i: open(os.path.join(jobs, f"out_{i}")).read().strip()
                if os.path.exists(os.path.join(jobs, f"out_{i}")) else None for i in range(4)}
        check("every task wrote its output", outs == {i: str(i) for i in range(4)}, outs)
        recs = task_records(c, j)
        if VERBOSE:
            show(c, j)
        check("scontrol: 4 COMPLETED tasks, ExitCode 0:0",
              sorted(recs) == ["0", "1", "2", "3"] and
              all(r["JobState"] == "COMPLETED" and r["ExitCode"] == "0:0" for r in recs.values()),
              recs)
        check("scontrol: ArrayJobId is the submitted id",
              all(r["ArrayJobId"] == j for r in recs.values()))
        sacct = c.run(["sacct", "-j", j, "-n", "-X", "-o", "JobID,State,ExitCode"])
        said = (sacct.stdout + sacct.stderr).strip()[:200]
        print(f"      sacct exit {sacct.returncode}: {said!r}")

        # 2. cancel one running task, the other ends; 3. a failing task
        j = c.sbatch(["--array=0-2", f"--chdir={jobs}", f"--output={jobs}/b_%A_%a.log", "--wrap",
                      "case $SLURM_ARRAY_TASK_ID in 0) sleep 60;; 1) exit 3;; *) true;; esac"])
        check("long task starts", wait_running(c, f"{j}_0"), c.queue())
        c.run(["scancel", f"{j}_0"], check=True)
        c.wait_gone(j, timeout=30)
        recs = task_records(c, j)
        if VERBOSE:
            show(c, j)
        st = {k: (r["JobState"], r["ExitCode"], r["Reason"]) for k, r in recs.items()}
        check("scancel JOB_0 -> CANCELLED", st.get("0", ("",))[0] == "CANCELLED", st)
        check("exit 3 -> FAILED 3:0", st.get("1", ("", ""))[:2] == ("FAILED", "3:0"), st)
        check("other task COMPLETED", st.get("2", ("",))[0] == "COMPLETED", st)
        leftover = [p for p in c.leftover_pids()]
        check("no job process left after cancel", not leftover, leftover)

        # 4. optional: a task over its time limit (takes about a minute and a half)
        if "--time-limit" in sys.argv:
            t = time.monotonic()
            j = c.sbatch(["--array=0", "--time=0:01", f"--chdir={jobs}",
                          f"--output={jobs}/c_%A_%a.log", "--wrap", "sleep 120"])
            c.wait_gone(j, timeout=150)
            if VERBOSE:
                show(c, j)
            r = c.job(j)
            check("time limit -> TIMEOUT", r["JobState"] == "TIMEOUT", r)
            print(f"      timed-out task left the queue after {time.monotonic() - t:.0f} s")

        # a running job at stop time is cancelled by stop()
        j = c.sbatch([f"--chdir={jobs}", f"--output={jobs}/d_%j.log", "--wrap", "sleep 300"])
        check("job running at stop time", wait_running(c, j), c.queue())

    check("daemons gone after stop", not any(_pid_alive(p) for p in pids.values()),
          {n: _pid_alive(p) for n, p in pids.items()})
    check("temporary folder removed", not os.path.exists(tmpdir), tmpdir)
    check("stop had no trouble", not c.stop_errors, c.stop_errors)
    check("no leftovers needed killing", not c.killed_leftovers, c.killed_leftovers)
    needle = f"SLURM_CONF={tmpdir}/slurm.conf".encode()
    stray = [int(e) for e in os.listdir("/proc") if e.isdigit() and _env_has(e, needle)]
    check("no process of that cluster left", not stray, stray)

    # a cluster that cannot start fails with the reason and leaves nothing behind
    bad = SlurmCluster(extra_conf="NoSuchSlurmOption=1", startup_timeout=20)
    try:
        bad.start()
        check("bad config raises", False, "started")
        bad.stop()
    except SlurmClusterError as e:
        msg = str(e)
        check("bad config raises with the daemon's log",
              "slurmctld" in msg and "NoSuchSlurmOption" in msg, msg[-600:])
        if VERBOSE:
            print("      " + msg.splitlines()[0])
    check("bad config: its daemons stopped", not any(_pid_alive(p) for p in bad.pids.values()),
          bad.pids)

    # a test process killed with SIGKILL: its daemons die with it (PR_SET_PDEATHSIG), and the
    # next SlurmCluster kills its job processes and removes its folder (reap_stale)
    child = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
from slurm_cluster import SlurmCluster
c = SlurmCluster().start()
j = c.sbatch(["--wrap", "sleep 300", "--output", c.tmpdir + "/jobs/k.log"])
while ("" + j, "RUNNING") not in c.queue():
    time.sleep(0.1)
print(" ".join(str(p) for p in c.pids.values()), c.tmpdir, flush=True)
time.sleep(300)
"""], stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline().split()
    check("killed test process had its cluster up", len(line) == 4, line)
    if len(line) == 4:
        kpids, kdir = [int(p) for p in line[:3]], line[3]
        conf = f"SLURM_CONF={kdir}/slurm.conf".encode()
        jobs = [int(e) for e in os.listdir("/proc") if e.isdigit() and _env_has(e, conf)]
        child.kill()
        child.wait()
        deadline = time.monotonic() + 10
        while any(_pid_alive(p) for p in kpids) and time.monotonic() < deadline:
            time.sleep(0.1)
        check("SIGKILLed test process: its daemons died with it",
              not any(_pid_alive(p) for p in kpids), kpids)
        check("SIGKILLed test process: its job processes outlived it",
              any(_pid_alive(p) for p in jobs), jobs)
        with SlurmCluster():
            check("next cluster killed them", not any(_pid_alive(p) for p in jobs),
                  [p for p in jobs if _pid_alive(p)])
            check("next cluster removed the folder", not os.path.exists(kdir), kdir)

    print(f"selftest took {time.monotonic() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
