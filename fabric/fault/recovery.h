#pragma once
// Recovery policies (docs/faults.md, "Recovery policies"): what a job does when a fault leaves it
// unable to finish (a GPU died, or messages were lost for good), chosen by name in
// `fabric.recovery.policy: {kind: restart | shrink | spare | abort, ...}` and registered like every
// other swappable part (litesim list: [recovery-policy]).
//
// A policy does not simulate: it takes what the fault-free and the faulty run measured (JobOutcome:
// when the fault hit, when the job's watchdog aborted it, and per replica whether it was hit and
// when its work ended in each run) and says when the job's work resumes and completes, how much
// done work is thrown away and what share of its replicas still serves afterwards. A replica is a
// set of ranks that communicate only among themselves (e.g. `litesim gen llm --replicas R`); a
// trace of one replica has one.
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/registry.h"

namespace litesim {

struct ReplicaOutcome {
  std::vector<int> gpus;
  bool hit = false;        // some op of it never finished in the faulty run
  int dead_gpus = 0;       // of its GPUs, how many died (a `gpu` or `hbm` fail-stop)
  double base_end_ns = 0;  // the fault-free run: when its last op ended
  double end_ns = 0;       // the faulty run: when its last finished op ended (its end when not hit)
};

struct JobOutcome {
  double base_ns = 0;   // the fault-free run's simulated time
  double fail_ns = 0;   // the first fatal event: a GPU's death or the first message lost for good
  double abort_ns = 0;  // when the job's watchdog aborts it: that + fabric.recovery.collective_timeout
  std::vector<ReplicaOutcome> replicas;
  std::string spare_path;    // how a spare GPU joins: "ocs", "switch", or "" (it cannot)
  double spare_join_ns = 0;  // the OCS's reconfiguration time, or the switched fabric's detect + reconverge
  double restore_ns = 0;     // refilling a spare's HBM from a peer over its links (hbm capacity / link rate)
};

struct RecoveryOutcome {
  std::string policy;
  double resumed_ns = -1;     // when the hit work runs again (-1: never)
  double completed_ns = -1;   // when the last work that is going to be done is done
  double work_done = 0;       // share of the job's work (GPU time of the fault-free run) completed
  double lost_gpu_s = 0;      // GPU time of work done and then thrown away
  double capacity_after = 0;  // share of the replicas serving once recovered
  int replicas_dropped = 0;   // replicas given up
  std::string how;            // one sentence: what the policy did
};

class RecoveryPolicy {
 public:
  virtual ~RecoveryPolicy() = default;
  virtual RecoveryOutcome apply(const JobOutcome& job) const = 0;
};

using RecoveryPolicyRegistry = Registry<RecoveryPolicy>;

// The policies of `litesim tb fault`'s comparison, in order.
const std::vector<std::string>& recovery_policy_names();

// `kind`'s policy with its default parameters (for the comparison of all policies).
ImplConfig default_recovery_policy(const std::string& kind);

}  // namespace litesim
