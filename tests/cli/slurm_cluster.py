"""A real, throwaway, single-node Slurm cluster for the tests: Debian's slurm-wlm and munge
(installed with apt-get when missing), our own munged, slurmctld and
slurmd started on this machine with a config in a temporary folder, and stopped again by the pids
this module started. Never a mock, never a skip: when Slurm cannot be brought up, SlurmClusterError
is raised with the reason and the tails of the daemons' logs.

    from slurm_cluster import SlurmCluster
    with SlurmCluster() as c:              # install if missing, start, wait until the node is idle
        out = c.run(["sbatch", "--parsable", "--wrap", "true"])   # clients get SLURM_CONF via c.env
        job = c.job(out.stdout.strip())    # `scontrol show job -o` parsed into a dict
    # here: jobs cancelled, slurmd, slurmctld, munged stopped by pid, temporary folder removed

What it sets up (everything under c.tmpdir, nothing under /etc, /run or /var is used or changed,
so daemons that the packages' postinst may have started, or another SlurmCluster, do not clash):
- munge: a random 1024-byte key (mode 0400), munged -F --force with its own --socket, --pid-file,
  --log-file, --seed-file; checked with `munge -n -S sock | unmunge -S sock` before Slurm starts.
- slurm.conf: AuthType=auth/munge, CredType=cred/munge, AuthInfo=socket=<our munge socket> (read
  by both plugins in 22.05), SlurmctldHost=<short host name>(127.0.0.1), SlurmUser=SlurmdUser=
  root, SlurmctldPort/SlurmdPort picked free at run time, state/spool/pid/log paths in the folder,
  ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, JobAcctGatherType=jobacct_gather/none,
  AccountingStorageType=accounting_storage/none, JobCompType=jobcomp/none, SelectType=
  select/cons_tres with CR_CPU (one CPU per task, whatever the core/thread layout), sched/backfill,
  MinJobAge=3600 (`scontrol show job` still knows finished jobs), KillWait=2, ReturnToService=2,
  one NodeName=<host> NodeAddr=127.0.0.1 CPUs=<os.cpu_count()> and one default partition.
- cgroups: none of the configured plugins use them (linuxproc, task/none, jobacct_gather/none),
  so no cgroup.conf is written. slurmd 22.05 still autodetects and loads a cgroup plugin at
  start (cgroup/v1 in this container, where that loads cleanly) but makes no cgroups for jobs;
  22.05 has no CgroupPlugin=disabled (later Slurm has). Should a host with cgroup v2 and no
  systemd make slurmd fail there, a cgroup.conf beside slurm.conf with IgnoreSystemd=yes (or
  IgnoreSystemdOnFailure=yes) is the knob to try; the raised error shows slurmd's log.
- daemons run in the foreground (-D / -F) as our children, each in a session of its own, with
  PR_SET_PDEATHSIG=SIGTERM so they go down even when the test process is killed; slurmctld with
  -c -i on its fresh state folder. stop() (also run from atexit and on SIGTERM/SIGHUP) cancels the
  jobs, waits for them to leave, then SIGTERMs slurmd, slurmctld, munged by pid, waits up to 10 s,
  SIGKILLs what is left; job processes that outlive that (found by SLURM_CONF=<our conf> in their
  environment or an open file in our folder, e.g. a slurmstepd) are killed by pid too.

No accounting database: sacct does not work here (it answers that accounting is disabled); use
scontrol show job (kept MinJobAge seconds after the end) and squeue instead.
"""
import atexit
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PACKAGES = ["slurm-wlm", "munge"]
PROGRAMS = ["slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo", "scancel",
            "munged", "munge", "unmunge"]
_SBIN = ["/usr/sbin", "/usr/local/sbin", "/sbin"]


class SlurmClusterError(RuntimeError):
    """Slurm could not be installed, started or stopped; the message says why."""


def _which(prog):
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(_SBIN)
    return shutil.which(prog, path=path)


def _tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError as e:
        return f"  (no {path}: {e.strerror})"
    text = "\n".join(text.splitlines()[-lines:])
    return "\n".join("  " + l for l in text.splitlines()) or f"  ({path} is empty)"


def ensure_installed():
    """Install Debian's slurm-wlm and munge when any of their programs is missing; returns a dict
    program -> absolute path. apt-get update only when the install fails without it."""
    if all(_which(p) for p in PROGRAMS):
        return {p: _which(p) for p in PROGRAMS}
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]  # for callers other than SlurmCluster
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + PACKAGES
    p = subprocess.run(install, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        upd = subprocess.run(sudo + ["apt-get", "update", "-q"], capture_output=True, text=True,
                             env=env, stdin=subprocess.DEVNULL)
        if upd.returncode != 0:
            raise SlurmClusterError(
                f"`{' '.join(install)}` failed:\n{p.stderr.strip()[-1500:]}\n"
                f"and `apt-get update` failed too:\n{upd.stderr.strip()[-1500:]}")
        p = subprocess.run(install, capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise SlurmClusterError(f"`{' '.join(install)}` failed (after apt-get update):\n"
                                    f"{p.stdout.strip()[-1000:]}\n{p.stderr.strip()[-1500:]}")
    missing = [p for p in PROGRAMS if not _which(p)]
    if missing:
        raise SlurmClusterError(f"{' '.join(PACKAGES)} installed but {missing} not found on PATH "
                                f"or in {_SBIN}")
    return {p: _which(p) for p in PROGRAMS}


def _free_ports(n):
    """n distinct TCP ports free right now on all addresses (Slurm's daemons bind 0.0.0.0)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _pdeathsig():
    """preexec_fn: the child gets SIGTERM when the thread that started it dies (Linux)."""
    if _prctl is not None:
        _prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG


def _pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


_live = []          # clusters not stopped yet, for atexit and the signal handlers
_handlers_set = False


def _stop_all():
    for c in list(_live):
        try:
            c.stop()
        except Exception:
            pass


def _on_signal(signum, frame):
    _stop_all()
    raise SystemExit(128 + signum)


def _install_handlers():
    global _handlers_set
    if _handlers_set:
        return
    _handlers_set = True
    atexit.register(_stop_all)
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                signal.signal(sig, _on_signal)
    except ValueError:  # not the main thread: atexit and PDEATHSIG still cover us
        pass


class SlurmCluster:
    """One node, one partition; see the module docstring. Attributes once started: tmpdir,
    conf_path, env, partition, cpus, node, munge_socket, ctld_port, slurmd_port, pids (dict
    daemon -> pid), bringup_seconds."""

    def __init__(self, partition="litesim", cpus=None, startup_timeout=60.0, keep_tmpdir=False,
                 cluster_name="litesim", debug="info", extra_conf=""):
        self.partition = partition
        self.cpus = int(cpus or os.cpu_count() or 1)
        self.startup_timeout = startup_timeout
        self.keep_tmpdir = keep_tmpdir
        self.cluster_name = cluster_name
        self.debug = debug
        self.extra_conf = extra_conf
        self.node = socket.gethostname().split(".")[0]
        self.tmpdir = None
        self.conf_path = None
        self.env = None
        self.pids = {}
        self.bringup_seconds = None
        self._procs = {}        # name -> Popen, in start order
        self._logs = {}         # name -> log path
        self._stopped = True

    # ---------------------------------------------------------------- public
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def run(self, args, check=False, timeout=60, **kw):
        """subprocess.run with the cluster's env, text output captured."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        kw.setdefault("env", self.env)
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.run(list(args), timeout=timeout, **kw)
        if check and p.returncode != 0:
            raise SlurmClusterError(f"`{' '.join(map(str, args))}` exited {p.returncode}: "
                                    f"{(p.stderr or '').strip()[-800:]}")
        return p

    def sbatch(self, args, **kw):
        """sbatch --parsable ARGS; returns the job id (str, without ';cluster')."""
        p = self.run(["sbatch", "--parsable"] + list(args), check=True, **kw)
        return p.stdout.strip().split(";")[0]

    def job(self, job_id):
        """`scontrol show job -o JOBID` as a dict of its Key=Value fields (first record)."""
        return self.jobs(job_id)[0]

    def jobs(self, job_id):
        """`scontrol show job -o JOBID` as a list of dicts, one per record (for an array's
        JOBID: one per task or pending-task group)."""
        p = self.run(["scontrol", "show", "job", "-o", str(job_id)], check=True)
        return [parse_scontrol_record(line) for line in p.stdout.splitlines() if line.strip()]

    def queue(self, job_id=None):
        """Jobs still in squeue: list of (id, state) with id as JOBID or ARRAYJOB_TASK."""
        args = ["squeue", "-h", "-r", "-o", "%i %T"] + (["-j", str(job_id)] if job_id else [])
        p = self.run(args, check=True)
        return [tuple(l.split(None, 1)) for l in p.stdout.splitlines() if l.strip()]

    def wait_gone(self, job_id, timeout=60.0, poll=0.2):
        """Poll squeue until JOBID (array: all its tasks) has left; raises on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.queue(job_id):
                return
            time.sleep(poll)
        raise SlurmClusterError(f"job {job_id} still queued after {timeout:.0f} s: "
                                f"{self.queue(job_id)}\n{self.logs()}")

    def logs(self, lines=30):
        """Tails of the daemons' logs, for failure messages (a daemon's stdout, where -D also
        copies its log, when its log file has nothing: e.g. it died before opening it)."""
        parts = []
        for name, path in self._logs.items():
            out = self._path(f"{name}.stdout")
            if path != out and (not os.path.exists(path) or os.path.getsize(path) == 0):
                path = out
            parts.append(f"--- {name} log {path}:\n{_tail(path, lines)}")
        return "\n".join(parts)

    # ---------------------------------------------------------------- start
    def start(self):
        if not self._stopped:
            return self
        t0 = time.monotonic()
        if os.geteuid() != 0:
            raise SlurmClusterError("SlurmCluster runs its daemons as root (SlurmUser=root, munged "
                                    "key checks); run the test as root, as CI does")
        self.exe = ensure_installed()
        reap_stale()
        self.tmpdir = tempfile.mkdtemp(prefix=_PREFIX, dir=_root())
        os.chmod(self.tmpdir, 0o755)
        with open(self._path("owner"), "w") as f:
            f.write(f"{os.getpid()} {_start_time(os.getpid())}\n")
        self._stopped = False
        _live.append(self)
        _install_handlers()
        try:
            self._start_munged()
            self._write_conf()
            self._start_slurmctld()
            self._start_slurmd()
            self._wait_idle()
        except BaseException:
            self.stop()
            raise
        self.bringup_seconds = time.monotonic() - t0
        return self

    def _path(self, *parts):
        return os.path.join(self.tmpdir, *parts)

    def _spawn(self, name, args, log):
        out = open(self._path(f"{name}.stdout"), "wb")
        try:
            p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, cwd=self.tmpdir,
                                 start_new_session=True, preexec_fn=_pdeathsig,
                                 env=self._daemon_env())
        finally:
            out.close()
        self._procs[name] = p
        self.pids[name] = p.pid
        self._logs[name] = log
        return p

    def _daemon_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        if self.conf_path:
            env["SLURM_CONF"] = self.conf_path
        return env

    def _fail(self, what):
        raise SlurmClusterError(f"{what}\n{self.logs()}")

    def _check_alive(self, name):
        p = self._procs[name]
        if p.poll() is not None:
            self._fail(f"{name} (pid {p.pid}) exited with status {p.returncode} during start-up")

    def _start_munged(self):
        d = self._path("munge")
        os.mkdir(d, 0o755)  # the socket must be reachable by non-root clients too; the key is 0400
        self.munge_key = os.path.join(d, "munge.key")
        with open(os.open(self.munge_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400), "wb") as f:
            f.write(secrets.token_bytes(1024))
        os.chmod(self.munge_key, 0o400)
        self.munge_socket = os.path.join(d, "munge.socket")
        # in the foreground (-F) munged logs to stderr, not to --log-file: our munged.stdout
        log = self._path("munged.stdout")
        self._spawn("munged", [self.exe["munged"], "-F", "--force",
                               f"--key-file={self.munge_key}", f"--socket={self.munge_socket}",
                               f"--pid-file={os.path.join(d, 'munged.pid')}",
                               f"--log-file={os.path.join(d, 'munged.log')}",
                               f"--seed-file={os.path.join(d, 'munged.seed')}",
                               "--num-threads=4"], log)
        deadline = time.monotonic() + 15
        err = ""
        while time.monotonic() < deadline:
            self._check_alive("munged")
            if os.path.exists(self.munge_socket):
                cred = subprocess.run([self.exe["munge"], "-n", "-S", self.munge_socket],
                                      capture_output=True, timeout=10)
                if cred.returncode == 0:
                    un = subprocess.run([self.exe["unmunge"], "-S", self.munge_socket],
                                        input=cred.stdout, capture_output=True, timeout=10)
                    if un.returncode == 0:
                        return
                    err = un.stderr.decode(errors="replace")
                else:
                    err = cred.stderr.decode(errors="replace")
            time.sleep(0.1)
        self._fail(f"munged did not answer on {self.munge_socket} within 15 s "
                   f"(`munge -n | unmunge`: {err.strip()})")

    def _write_conf(self):
        for sub in ("state", "spool", "jobs"):
            os.mkdir(self._path(sub), 0o755)
        self.ctld_port, self.slurmd_port = _free_ports(2)
        self.conf_path = self._path("slurm.conf")
        conf = f"""\
# throwaway single-node cluster written by tests/cli/slurm_cluster.py
ClusterName={self.cluster_name}
SlurmctldHost={self.node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={self._path('state')}
SlurmdSpoolDir={self._path('spool')}
SlurmctldPidFile={self._path('slurmctld.pid')}
SlurmdPidFile={self._path('slurmd.pid')}
SlurmctldLogFile={self._path('slurmctld.log')}
SlurmdLogFile={self._path('slurmd.log')}
SlurmctldDebug={self.debug}
SlurmdDebug={self.debug}
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1
MpiDefault=none
ReturnToService=2
MinJobAge=3600
KillWait=2
InactiveLimit=0
OverTimeLimit=0
MessageTimeout=10
SlurmdTimeout=60
SlurmctldTimeout=60
NodeName={self.node} NodeAddr=127.0.0.1 NodeHostname={self.node} CPUs={self.cpus} \
RealMemory=1024 State=UNKNOWN
PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
{self.extra_conf}
"""
        with open(self.conf_path, "w") as f:
            f.write(conf)
        self.env = self._daemon_env()

    def _start_slurmctld(self):
        self._spawn("slurmctld", [self.exe["slurmctld"], "-D", "-c", "-i", "-f", self.conf_path],
                    self._path("slurmctld.log"))
        deadline = time.monotonic() + self.startup_timeout
        last = ""
        while time.monotonic() < deadline:
            self._check_alive("slurmctld")
            p = self.run(["scontrol", "ping"], timeout=30)
            last = (p.stdout + p.stderr).strip()
            if p.returncode == 0 and "UP" in p.stdout:
                return
            time.sleep(0.2)
        self._fail(f"slurmctld did not answer `scontrol ping` within {self.startup_timeout:.0f} s "
                   f"(last: {last})")

    def _start_slurmd(self):
        self._spawn("slurmd", [self.exe["slurmd"], "-D", "-N", self.node, "-f", self.conf_path],
                    self._path("slurmd.log"))

    def _wait_idle(self):
        deadline = time.monotonic() + self.startup_timeout
        last = ""
        while time.monotonic() < deadline:
            self._check_alive("slurmctld")
            self._check_alive("slurmd")
            p = self.run(["sinfo", "-h", "-N", "-n", self.node, "-o", "%T"], timeout=30)
            last = (p.stdout + p.stderr).strip()
            if p.returncode == 0 and last == "idle":
                return
            time.sleep(0.2)
        self._fail(f"node {self.node} not idle within {self.startup_timeout:.0f} s "
                   f"(sinfo says: {last!r})")

    # ---------------------------------------------------------------- stop
    def stop(self):
        """Cancel jobs, stop the daemons this object started (by pid), remove the folder."""
        if self._stopped:
            return
        self._stopped = True
        errors = []
        ctld = self._procs.get("slurmctld")
        if ctld is not None and ctld.poll() is None and self.conf_path:
            try:
                self.run(["scancel", "--quiet", f"--partition={self.partition}"], timeout=20)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and self.queue():
                    time.sleep(0.2)
            except Exception as e:  # the daemons are stopped below all the same
                errors.append(f"cancelling jobs: {e}")
        for name in ("slurmd", "slurmctld", "munged"):
            p = self._procs.get(name)
            if p is None or p.poll() is not None:
                continue
            try:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    errors.append(f"{name} (pid {p.pid}) ignored SIGTERM for 10 s; SIGKILLed")
                    p.kill()
                    p.wait(10)
            except Exception as e:
                errors.append(f"stopping {name} (pid {p.pid}): {e}")
        self._kill_leftovers()
        if self in _live:
            _live.remove(self)
        if self.tmpdir and not self.keep_tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.stop_errors = errors

    def leftover_pids(self):
        """Pids of the processes of this cluster's jobs (slurmstepd and what it runs), found by
        SLURM_CONF=<our conf> in their environment or a file in our folder held open (slurmstepd
        keeps SlurmdLogFile open); not our daemons, not their helpers, not this process's own
        children. Empty once stop() is done, and while no job runs."""
        if not self.tmpdir:
            return []
        me = os.getpid()
        mine = {p.pid for p in self._procs.values()}
        needle = f"SLURM_CONF={self.conf_path}".encode() if self.conf_path else None
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid == me or pid in mine or not _pid_alive(pid):
                continue
            try:
                if needle:
                    with open(f"/proc/{pid}/environ", "rb") as f:
                        if needle in f.read().split(b"\0"):
                            found.append(pid)
                            continue
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(self.tmpdir + "/"):
                            found.append(pid)
                            break
                    except OSError:
                        pass
            except OSError:
                pass
        # a process under slurmd is a job's; other children of our daemons (slurmctld's
        # slurmscriptd) go with them; other children of ours (a client the test left running)
        # are the test's business
        slurmd = self.pids.get("slurmd")
        return [p for p in found
                if next((a for a in _ancestors(p) if a in mine or a == me), None) in (None, slurmd)]

    def _kill_leftovers(self):
        pids = self.leftover_pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.killed_leftovers = pids


_PREFIX = "litesim-slurm-"


def _root():
    """Where our folders go: the temp dir, unless its path would make our unix sockets (munged's,
    slurmd's and slurmstepd's, limited to 107 bytes) too long."""
    t = tempfile.gettempdir()
    return t if len(t) <= 40 else "/tmp"


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def reap_stale():
    """Clean up after a SlurmCluster whose test process was SIGKILLed (no atexit ran; its daemons
    died of PR_SET_PDEATHSIG, but job processes and the folder stay): for each of our folders
    in the temp dir whose owner process (pid + start time in its `owner` file) is gone, SIGKILL
    the processes whose environment has SLURM_CONF=<that folder>/slurm.conf, and remove it.
    Returns the pids killed."""
    killed = []
    root = _root()
    try:
        names = [n for n in os.listdir(root) if n.startswith(_PREFIX)]
    except OSError:
        return killed
    for name in names:
        d = os.path.join(root, name)
        try:
            with open(os.path.join(d, "owner")) as f:
                pid, start = f.read().split()
            if _pid_alive(int(pid)) and _start_time(int(pid)) == start:
                continue
        except (OSError, ValueError):
            continue  # not ours, or not set up yet
        needle = f"SLURM_CONF={os.path.join(d, 'slurm.conf')}".encode()
        for e in os.listdir("/proc"):
            if not e.isdigit():
                continue
            try:
                with open(f"/proc/{e}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        os.kill(int(e), signal.SIGKILL)
                        killed.append(int(e))
            except OSError:
                pass
        shutil.rmtree(d, ignore_errors=True)
    return killed


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _ancestors(pid):
    """The parent, grandparent, ... of pid (up to pid 1), nearest first."""
    out = []
    pid = _ppid(pid)
    while pid > 1 and pid not in out:
        out.append(pid)
        pid = _ppid(pid)
    return out


_FIELD = re.compile(r"(?:^|\s)([A-Za-z:/_]+)=")


def parse_scontrol_record(line):
    """`scontrol show ... -o` one-line record -> dict. Values may contain spaces (Command=,
    WorkDir=, Reason=), so a value runs until the next ` Key=`."""
    out = {}
    matches = list(_FIELD.finditer(line))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        out[m.group(1)] = line[m.end():end].strip()
    return out
