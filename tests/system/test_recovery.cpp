// Recovery policies (fabric/fault/recovery.h; docs/faults.md, "Recovery policies") on a job worked by
// hand: two replicas of two GPUs; replica A (GPUs 0-1, one of them dead) needs 10 ms of fault-free
// time, replica B (GPUs 2-3, untouched) 12 ms and finished at 12 ms in the faulty run too. The fault
// hits at 4 ms; the watchdog aborts the job 600 s later. The job's work is 2 x 10 + 2 x 12 = 44
// GPU-ms, of which B's 24 survive any policy.
#include <gtest/gtest.h>

#include "fabric/fault/recovery.h"

using namespace litesim;

namespace {

constexpr double kMs = 1e6;  // ns
constexpr double kAbort = 4 * kMs + 600e9;

JobOutcome job(const std::string& spare_path = "switch", int dead_in_a = 1) {
  JobOutcome j;
  j.base_ns = 12 * kMs;
  j.fail_ns = 4 * kMs;
  j.abort_ns = kAbort;
  j.replicas = {ReplicaOutcome{{0, 1}, true, dead_in_a, 10 * kMs, 3 * kMs},
                ReplicaOutcome{{2, 3}, false, 0, 12 * kMs, 12 * kMs}};
  j.spare_path = spare_path;
  j.spare_join_ns = 11 * kMs;
  j.restore_ns = 190 * kMs;
  return j;
}

RecoveryOutcome apply(const std::string& yaml, const JobOutcome& j) {
  const ConfigPtr node = parse_yaml(yaml, "<test policy>");
  ImplConfig impl{node->find("kind")->scalar, node->clone()};
  impl.params->erase("kind");
  return RecoveryPolicyRegistry::instance().create(impl)->apply(j);
}

}  // namespace

TEST(Recovery, AbortKeepsOnlyWhatFinished) {
  const RecoveryOutcome o = apply("{kind: abort}", job());
  EXPECT_DOUBLE_EQ(o.work_done, 24.0 / 44);
  EXPECT_DOUBLE_EQ(o.lost_gpu_s, 2 * 4e-3);  // A's two GPUs' 4 ms
  EXPECT_EQ(o.capacity_after, 0);
  EXPECT_EQ(o.resumed_ns, -1);
  EXPECT_EQ(o.replicas_dropped, 2);
}

// Checkpoints every 3 ms: the last before the fault is at 3 ms; every replica redoes from there
// (12 - 3 = 9 ms after the restart) and loses 4 - 3 = 1 ms on each of its 4 GPUs.
TEST(Recovery, RestartRedoesEverythingSinceTheCheckpoint) {
  const RecoveryOutcome o = apply("{kind: restart, restart: 240 s, checkpoint_interval: 3 ms}", job());
  EXPECT_DOUBLE_EQ(o.resumed_ns, kAbort + 240e9);
  EXPECT_DOUBLE_EQ(o.completed_ns, kAbort + 240e9 + 9 * kMs);
  EXPECT_DOUBLE_EQ(o.lost_gpu_s, 4 * 1e-3);
  EXPECT_EQ(o.work_done, 1);
  EXPECT_EQ(o.capacity_after, 1);
  // no checkpoint but the start: all 4 ms of the 4 GPUs lost, the whole 12 ms redone
  const RecoveryOutcome s = apply("{kind: restart, restart: 1 s}", job());
  EXPECT_DOUBLE_EQ(s.completed_ns, kAbort + 1e9 + 12 * kMs);
  EXPECT_DOUBLE_EQ(s.lost_gpu_s, 4 * 4e-3);
}

TEST(Recovery, ShrinkContinuesWithTheUntouchedReplicas) {
  const RecoveryOutcome o = apply("{kind: shrink}", job());
  EXPECT_DOUBLE_EQ(o.work_done, 24.0 / 44);
  EXPECT_DOUBLE_EQ(o.completed_ns, 12 * kMs);
  EXPECT_DOUBLE_EQ(o.capacity_after, 0.5);
  EXPECT_EQ(o.replicas_dropped, 1);
  EXPECT_DOUBLE_EQ(o.lost_gpu_s, 2 * 4e-3);
}

// A spare joins 11 ms after the abort and is restored in 190 ms (the job's figures); A redoes its
// 10 ms from there. Without spares, with too few for A's two dead GPUs, or with no way to connect
// one (no OCS, no switch), A is given up as shrink would.
TEST(Recovery, SpareRedoesTheHitReplicaOnTheSpare) {
  const RecoveryOutcome o = apply("{kind: spare}", job());
  EXPECT_DOUBLE_EQ(o.resumed_ns, kAbort + 11 * kMs + 190 * kMs);
  EXPECT_DOUBLE_EQ(o.completed_ns, kAbort + 201 * kMs + 10 * kMs);
  EXPECT_EQ(o.work_done, 1);
  EXPECT_EQ(o.capacity_after, 1);
  const RecoveryOutcome r = apply("{kind: spare, restore: 2 s}", job());
  EXPECT_DOUBLE_EQ(r.resumed_ns, kAbort + 11 * kMs + 2e9);
  for (const RecoveryOutcome& none : {apply("{kind: spare, spares: 0}", job()), apply("{kind: spare}", job("", 1)),
                                      apply("{kind: spare, spares: 1}", job("ocs", 2))}) {
    EXPECT_EQ(none.replicas_dropped, 1);
    EXPECT_DOUBLE_EQ(none.work_done, 24.0 / 44);
    EXPECT_DOUBLE_EQ(none.capacity_after, 0.5);
    EXPECT_EQ(none.resumed_ns, -1);
  }
}

TEST(Recovery, PoliciesAreRegisteredByName) {
  for (const std::string& name : recovery_policy_names())
    EXPECT_EQ(RecoveryPolicyRegistry::instance().create(default_recovery_policy(name))->apply(job()).policy, name);
}

// The fault strikes at 15 ms, after the 12 ms the fault-free run takes (a run slowed by an earlier
// degrade): with checkpoints every 3 ms the last one inside the fault-free run is at 9 ms (12 would
// be its end), so 3 ms are redone, and each GPU had done all of its replica's work since 9 ms:
// A (ending at 10 ms) 1 ms on 2 GPUs, B (12 ms) 3 ms on 2 GPUs.
TEST(Recovery, RestartAfterTheFaultFreeEndRollsBackInsideIt) {
  JobOutcome j = job();
  j.fail_ns = 15 * kMs;
  j.abort_ns = j.fail_ns + 600e9;
  const RecoveryOutcome o = apply("{kind: restart, restart: 1 s, checkpoint_interval: 3 ms}", j);
  EXPECT_DOUBLE_EQ(o.completed_ns, j.abort_ns + 1e9 + 3 * kMs);
  EXPECT_DOUBLE_EQ(o.lost_gpu_s, (2 * 1 + 2 * 3) * 1e-3);
  EXPECT_GT(o.completed_ns, o.resumed_ns);
}

// Every replica hit: nothing completes without a restart or spares (completed -1, none of the work).
TEST(Recovery, EveryReplicaHitLeavesNothingToComplete) {
  JobOutcome j = job();
  j.replicas[1].hit = true;
  j.replicas[1].end_ns = 5 * kMs;
  for (const char* kind : {"{kind: abort}", "{kind: shrink}", "{kind: spare, spares: 0}"}) {
    const RecoveryOutcome o = apply(kind, j);
    EXPECT_EQ(o.completed_ns, -1) << kind;
    EXPECT_EQ(o.work_done, 0) << kind;
    EXPECT_EQ(o.capacity_after, 0) << kind;
  }
  // two spares cover both (one dead GPU each): both redo their work, B's 12 ms ending last
  const RecoveryOutcome sp = apply("{kind: spare, spares: 2}", [&] {
    JobOutcome k = j;
    k.replicas[1].dead_gpus = 1;
    return k;
  }());
  EXPECT_DOUBLE_EQ(sp.completed_ns, kAbort + 201 * kMs + 12 * kMs);
  EXPECT_EQ(sp.work_done, 1);
}
