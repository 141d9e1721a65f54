#pragma once
// Runs a workload on a system. Per rank, every op is a SystemC process that waits for its
// dependencies and then:
//   kernel: runs on the rank's compute stream (kernels of a rank run one at a time, in file order);
//   send:   the copy engine reads the payload from local HBM, the fabric carries it, and the
//           destination's copy engine writes it into the peer's HBM; the send completes then;
//   recv:   completes when its matching send (same source, tag; n-th with n-th) is delivered.
// Sends and receives do not occupy a stream: several may be in flight at once.
// When the simulation runs out of events with ops unfinished, check_complete() reports each stuck
// op and what it waits for (a deadlock), instead of hanging.
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "core/message.h"
#include "traces/system/system.h"
#include "traces/workload/workload.h"

namespace litesim {

struct MessageRecord {
  MessageInfo info;
  Time t_send{}, t_inject{}, t_arrive{}, t_delivered{};
  bool delivered = false;
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
  Time last_op_end() const;

 private:
  void run_op(int rank, int index);
  void run_send(int rank, const Op& op, size_t msg);
  void on_arrival(const MessageInfo& m);
  void finish(int rank, int index);

  System& sys_;
  SimContext& sim_;
  const Workload& w_;
  std::vector<std::vector<OpRecord>> ops_;
  std::vector<std::vector<std::unique_ptr<sc_core::sc_event>>> done_ev_;
  std::vector<std::vector<int>> prev_kernel_;  // implicit stream order
  std::vector<std::vector<size_t>> msg_of_;    // message index of each send/recv op
  std::vector<MessageRecord> messages_;
  std::vector<std::unique_ptr<sc_core::sc_event>> delivered_ev_;
};

}  // namespace litesim
