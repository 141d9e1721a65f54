// The recovery policies (recovery.h; docs/faults.md, "Recovery policies").
#include "fabric/fault/recovery.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/units.h"

namespace litesim {

namespace {

double gpus(const ReplicaOutcome& r) { return static_cast<double>(r.gpus.size()); }

// The job's work: every replica's GPUs over its fault-free time (GPU-ns).
double total_work(const JobOutcome& job) {
  double w = 0;
  for (const ReplicaOutcome& r : job.replicas) w += gpus(r) * r.base_end_ns;
  return w;
}

// GPU-ns a replica had done when the fault hit (progress taken as linear in time), from `since`.
double done_since(const ReplicaOutcome& r, double fail_ns, double since) {
  return gpus(r) * std::max(0.0, std::min(fail_ns, r.base_end_ns) - since);
}

// What no policy changes: the replicas the fault did not hit finished their work in the faulty run.
struct Base {
  double total = 0, survivors_work = 0, survivors_end = 0, hit_done = 0;
  int hit = 0;
};
Base base(const JobOutcome& job) {
  Base b;
  b.total = total_work(job);
  for (const ReplicaOutcome& r : job.replicas) {
    if (r.hit) {
      ++b.hit;
      b.hit_done += done_since(r, job.fail_ns, 0);
    } else {
      b.survivors_work += gpus(r) * r.base_end_ns;
      b.survivors_end = std::max(b.survivors_end, r.end_ns);
    }
  }
  return b;
}

double share(double part, double whole) { return whole > 0 ? part / whole : 0.0; }
int replica_count(const JobOutcome& job) { return static_cast<int>(job.replicas.size()); }

// The untouched replicas' work done, the hit ones' given up (what shrink does; the others start here).
RecoveryOutcome keep_untouched(const char* policy, const JobOutcome& job) {
  const Base b = base(job);
  RecoveryOutcome o;
  o.policy = policy;
  o.completed_ns = b.hit < replica_count(job) ? b.survivors_end : -1;  // -1: nothing completes
  o.work_done = share(b.survivors_work, b.total);
  o.lost_gpu_s = b.hit_done / 1e9;
  o.replicas_dropped = b.hit;
  o.capacity_after = share(replica_count(job) - b.hit, replica_count(job));
  return o;
}

// abort: no recovery. The watchdog ends the job; the hit replicas' work is lost, nothing serves.
struct AbortParams {
  static const ParamSet<AbortParams>& schema() {
    static const ParamSet<AbortParams> s("abort", "no recovery: the job ends when its watchdog aborts it",
                                         [](ParamSet<AbortParams>&) {});
    return s;
  }
};
class AbortPolicy : public RecoveryPolicy {
 public:
  explicit AbortPolicy(const AbortParams&) {}
  RecoveryOutcome apply(const JobOutcome& job) const override {
    RecoveryOutcome o = keep_untouched("abort", job);
    o.capacity_after = 0;
    o.replicas_dropped = replica_count(job);
    o.how =
        fmt::format("the job is aborted at {:.3f} s (the collective timeout) and not restarted", job.abort_ns / 1e9);
    return o;
  }
};

// restart: the whole job restarts from its last checkpoint once the failed part is replaced.
struct RestartParams {
  Time restart;              // from the abort to the job running again (relaunch, reload)
  Time checkpoint_interval;  // 0: the only checkpoint is the run's start
  static const ParamSet<RestartParams>& schema() {
    static const ParamSet<RestartParams> s(
        "restart", "the whole job restarts from its last checkpoint (torchelastic-style)",
        [](ParamSet<RestartParams>& p) {
          p.quantity("restart", &RestartParams::restart,
                     "from the abort to the job running again on repaired hardware (assumption: 240 s, as "
                     "`litesim availability --restart`)")
              .non_negative()
              .fallback("240 s");
          p.quantity("checkpoint_interval", &RestartParams::checkpoint_interval,
                     "simulated time between checkpoints; 0: only the run's start")
              .non_negative()
              .fallback("0 s");
        });
    return s;
  }
};
class RestartPolicy : public RecoveryPolicy {
 public:
  explicit RestartPolicy(const RestartParams& p) : p_(p) {}
  RecoveryOutcome apply(const JobOutcome& job) const override {
    const double interval = p_.checkpoint_interval.ns();
    // the last checkpoint before the fault, of the fault-free run's progress (a slowed run may fail
    // after the fault-free one would have ended: its last checkpoint is then the last before T0)
    double checkpoint = interval > 0 ? std::floor(std::min(job.fail_ns, job.base_ns) / interval) * interval : 0.0;
    if (checkpoint >= job.base_ns) checkpoint = std::max(0.0, checkpoint - interval);
    RecoveryOutcome o;
    o.policy = "restart";
    o.resumed_ns = job.abort_ns + p_.restart.ns();
    o.completed_ns = o.resumed_ns + (job.base_ns - checkpoint);
    for (const ReplicaOutcome& r : job.replicas) o.lost_gpu_s += done_since(r, job.fail_ns, checkpoint) / 1e9;
    o.work_done = 1;
    o.capacity_after = 1;
    o.how = fmt::format(
        "every replica stops at the abort ({:.3f} s), restarts {:.3f} s later from the checkpoint at {:.3f} us and "
        "redoes the {:.3f} us after it",
        job.abort_ns / 1e9, p_.restart.ns() / 1e9, checkpoint / 1e3, (job.base_ns - checkpoint) / 1e3);
    return o;
  }

 private:
  RestartParams p_;
};

// shrink: the replicas the fault did not touch carry on; the hit ones are given up.
struct ShrinkParams {
  static const ParamSet<ShrinkParams>& schema() {
    static const ParamSet<ShrinkParams> s(
        "shrink", "the surviving replicas continue without the hit ones (NCCL's ncclCommShrink)",
        [](ParamSet<ShrinkParams>&) {});
    return s;
  }
};
class ShrinkPolicy : public RecoveryPolicy {
 public:
  explicit ShrinkPolicy(const ShrinkParams&) {}
  RecoveryOutcome apply(const JobOutcome& job) const override {
    RecoveryOutcome o = keep_untouched("shrink", job);
    const int hit = o.replicas_dropped;
    o.how = hit == replica_count(job) ? std::string("every replica was hit: nothing is left to continue")
                                      : fmt::format("{} of {} replica(s) continue; the {} hit one(s) are given up",
                                                    replica_count(job) - hit, replica_count(job), hit);
    return o;
  }
};

// spare: a standby GPU takes each dead GPU's place, joining through the OCS or the switches.
struct SpareParams {
  int spares = 1;
  Time restore;  // negative: refill the spare's HBM over its links (JobOutcome::restore_ns)
  static const ParamSet<SpareParams>& schema() {
    static const ParamSet<SpareParams> s(
        "spare", "hot spare GPUs take the dead GPUs' places; each hit replica redoes its work on them",
        [](ParamSet<SpareParams>& p) {
          p.integer("spares", &SpareParams::spares, "spare GPUs standing by").at_least(0).fallback("1");
          p.quantity("restore", &SpareParams::restore,
                     "from a spare's joining to its replica running again; -1 s: the package's HBM capacity over "
                     "its links' payload rate (its state copied from a peer)")
              .fallback("-1 s");
        });
    return s;
  }
};
class SparePolicy : public RecoveryPolicy {
 public:
  explicit SparePolicy(const SpareParams& p) : p_(p) {}
  RecoveryOutcome apply(const JobOutcome& job) const override {
    RecoveryOutcome o = keep_untouched("spare", job);
    const double total = total_work(job);
    double done = o.work_done * total;
    int left = p_.spares, covered = 0;
    const double restore = p_.restore.ps < 0 ? job.restore_ns : p_.restore.ns();
    const double back = job.abort_ns + job.spare_join_ns + restore;  // a covered replica runs again from here
    for (const ReplicaOutcome& r : job.replicas) {
      if (!r.hit) continue;
      const int need = std::max(1, r.dead_gpus);  // a replica cut off without a dead GPU swaps one GPU
      if (job.spare_path.empty() || need > left) continue;
      left -= need;
      ++covered;
      --o.replicas_dropped;
      done += gpus(r) * r.base_end_ns;
      o.resumed_ns = back;
      o.completed_ns = std::max(o.completed_ns, back + r.base_end_ns);
    }
    o.work_done = share(done, total);
    o.capacity_after = share(replica_count(job) - o.replicas_dropped, replica_count(job));
    if (job.spare_path.empty())
      o.how = "no spare can join: the topology has neither an OCS nor switches to connect one (as shrink)";
    else
      o.how = fmt::format(
          "{} hit replica(s) redo their work on spares joined through the {} at {:.3f} s (abort + {:.3f} ms join + "
          "{:.3f} ms restore); {} given up for want of spares",
          covered, job.spare_path, back / 1e9, job.spare_join_ns / 1e6, restore / 1e6, o.replicas_dropped);
    return o;
  }

 private:
  SpareParams p_;
};

template <class T, class P>
struct PolicyRegistrar {
  PolicyRegistrar(const std::string& name, const std::string& doc) {
    RecoveryPolicyRegistry::instance().add("recovery-policy", name, doc, &P::schema(), [](const ConfigPtr& params) {
      return std::unique_ptr<RecoveryPolicy>(new T(P::schema().resolve(params, "", {})));
    });
  }
};

const PolicyRegistrar<AbortPolicy, AbortParams> reg_abort(
    "abort", "no recovery: the job ends at its collective timeout (NCCL under PyTorch)");
const PolicyRegistrar<RestartPolicy, RestartParams> reg_restart(
    "restart", "the whole job restarts from its last checkpoint after `restart`");
const PolicyRegistrar<ShrinkPolicy, ShrinkParams> reg_shrink("shrink",
                                                             "the surviving replicas continue without the hit ones");
const PolicyRegistrar<SparePolicy, SpareParams> reg_spare(
    "spare", "hot spares join through the OCS or switches; hit replicas redo their work on them");

}  // namespace

const std::vector<std::string>& recovery_policy_names() {
  static const std::vector<std::string> names{"abort", "restart", "shrink", "spare"};
  return names;
}

ImplConfig default_recovery_policy(const std::string& kind) {
  return ImplConfig{kind, ConfigNode::make_map({"<default>", 0, 0})};  // every parameter at its default
}

}  // namespace litesim
