#pragma once
// Runs a workload on a system. Ops become ready when their dependencies (`after`) are done:
//   kernel: runs on the rank's compute stream (one process per rank; kernels of a rank run one at
//           a time, in file order, each once it is ready);
//   send:   a process is spawned when the send is ready: the copy engine reads the payload from
//           local HBM, the fabric carries it, the destination's copy engine writes it into the
//           peer's HBM; the send completes then;
//   recv:   completes when it is ready and its matching send (same source, tag; n-th with n-th)
//           has been delivered (no process needed).
// Live processes are therefore one per rank plus one per send in flight, whatever the op count.
// When the simulation runs out of events with ops unfinished, check_complete() reports each stuck
// op and what it waits for (a deadlock), instead of hanging.
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "core/message.h"
#include "core/sim_context.h"
#include "traces/system/system.h"
#include "traces/workload/workload.h"

namespace litesim {

struct MessageRecord {
  MessageInfo info;
  Time t_send{}, t_inject{}, t_arrive{}, t_delivered{};
  bool delivered = false;
  int recv_rank = -1, recv_op = -1;  // the matching recv
};

struct OpRecord {
  Time start{}, end{};
  bool started = false, done = false;
};

class Runner {
 public:
  Runner(System& system, const Workload& workload, SimContext& sim);
  // Throws SimError naming the stuck ops if anything did not finish.
  void check_complete() const;

  const std::vector<MessageRecord>& messages() const { return messages_; }
  const std::vector<std::vector<OpRecord>>& ops() const { return ops_; }

 private:
  void compute_stream(int rank);
  void run_send(int rank, int index);
  void on_ready(int rank, int index);  // all dependencies done
  void on_delivered(size_t msg);
  void try_finish_recv(int rank, int index);
  void finish(int rank, int index);
  const Op& op(int rank, int index) const;

  System& sys_;
  SimContext& sim_;
  const Workload& w_;
  std::vector<std::vector<OpRecord>> ops_;
  std::vector<std::vector<int>> pending_;                  // unfinished dependencies per op
  std::vector<std::vector<std::vector<int>>> dependents_;  // ops waiting on each op
  std::vector<std::vector<bool>> ready_;
  std::vector<std::vector<size_t>> msg_of_;                    // message index of each send/recv op
  std::vector<std::unique_ptr<sc_core::sc_event>> stream_ev_;  // per rank: a kernel became ready
  std::vector<MessageRecord> messages_;
};

}  // namespace litesim
