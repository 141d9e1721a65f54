#pragma once
// Runs a trace (traces/trace/trace.h) on a system. Each rank has one SystemC thread per stream
// (`compute`, `comm`, and any other the trace names); a stream runs its ops one at a time in issue
// order, each once its dependencies (`after`) are done, so streams overlap as CUDA streams do:
//   kernel          on the rank's die (tiles on SMs, real HBM traffic);
//   load / store    the die's copy engine reads / writes its own HBM;
//   delay           the stream is busy for the given time;
//   send            the copy engine reads the payload from HBM, the fabric carries it, the
//                   destination's copy engine writes it into its HBM; done when delivered;
//   recv            done when the matching send (n-th of (source, tag) with n-th) is delivered;
//   remote_write    as send, one-sided: no recv; done when written at the peer;
//   remote_read     a request crosses to the peer, whose copy engine reads the bytes and sends them
//                   back; done when they are written into this GPU's HBM;
//   collective      the group's collective: when its last member reaches it, the algorithm's
//                   schedule runs as real fabric traffic (fabric/collective/); every member's op
//                   is done when the collective is (a member waits for the slowest, as NCCL's ring
//                   does);
//   barrier         a collective of 8 bytes (all-reduce) over the group.
// A run whose events run out with ops unfinished is a deadlock: check_complete() names each stuck
// op and what it waits for.
#include <memory>
#include <string>
#include <vector>

#include "core/sim_time.h"

#include <systemc>

#include "core/message.h"
#include "core/sim_context.h"
#include "fabric/collective/collective_executor.h"
#include "fabric/collective/collective_params.h"
#include "traces/system/system.h"
#include "traces/trace/trace.h"

namespace litesim {

// How collectives run: the system's fabric.collective block (a trace op's `algo` overrides the
// algorithm of its op).
using RunnerParams = CollectiveParams;

struct MessageRecord {
  MessageInfo info;
  enum class Kind { Send, RemoteWrite, ReadRequest, ReadData } kind = Kind::Send;
  Time t_send{}, t_inject{}, t_arrive{}, t_delivered{};
  bool delivered = false;
  int rank = -1;  // the op that waits for it: its rank and index (recv, remote op)
  uint32_t op = 0;
  int send_op = -1;  // Send: the send op's index in its rank
};

struct OpRecord {
  Time start{}, end{};
  bool started = false, done = false;
  double flops = 0;  // kernels: useful FLOPs
};

// One collective (or barrier) instance: the n-th op on a group, across its members.
struct CollectiveRecord {
  int group = -1;
  size_t seq = 0;                                // n-th on its group
  std::vector<std::pair<int, uint32_t>> ops;     // (rank, op index) per member, in group order
  std::shared_ptr<const CollSchedule> schedule;  // shared by the instances that make the same request
  std::string algo;
  Time first_arrival{}, start{}, end{};  // start: the last member arrived
  int arrived = 0;
  bool started = false, done = false;
  uint64_t messages = 0;
};

class Runner {
 public:
  Runner(System& system, const Trace& trace, const RunnerParams& params, SimContext& sim);
  // Throws SimError naming the stuck ops if anything did not finish.
  void check_complete() const;

  // GPU `rank` dies at `at` (an injected `gpu N` fail-stop, docs/faults.md): from then on none of its
  // ops starts or finishes. Call before the simulation starts.
  void kill_rank_at(int rank, Time at) { death_[static_cast<size_t>(rank)] = at; }
  bool dead(int rank) const {
    const Time d = death_[static_cast<size_t>(rank)];
    return d.ps >= 0 && !(sim_now() < d);
  }
  // The earliest death, or -1.
  Time first_death() const;
  const std::vector<MessageRecord>& messages() const { return messages_; }
  const std::vector<std::vector<OpRecord>>& ops() const { return ops_; }
  const std::vector<std::unique_ptr<CollectiveRecord>>& collectives() const { return colls_; }
  const Trace& trace() const { return t_; }

 private:
  void stream_thread(int rank, int stream);
  void execute(int rank, uint32_t i);  // blocking, in the stream's thread
  void finish(int rank, uint32_t i);
  void wait_done(int rank, uint32_t i);  // until finish() has run for it
  size_t new_message(MessageRecord::Kind kind, int src, int dst, uint64_t bytes, int64_t tag, int rank, uint32_t op);
  void send_message(size_t m);  // DMA-read at the source, then into the fabric
  void on_arrival(size_t m);
  void on_delivered(size_t m);
  void arrive_collective(size_t c);
  void run_collective(size_t c);
  std::string waits_for(int rank, uint32_t i) const;
  const TraceOp& op(int rank, uint32_t i) const;

  System& sys_;
  SimContext& sim_;
  const Trace& t_;
  RunnerParams params_;
  std::vector<std::vector<OpRecord>> ops_;
  std::vector<Time> death_;                                            // per rank: when it dies (-1: never)
  std::vector<std::vector<uint32_t>> pending_;                         // unfinished dependencies per op
  std::vector<std::vector<std::vector<uint32_t>>> dependents_;         // ops waiting on each op
  std::vector<std::vector<std::vector<uint32_t>>> stream_ops_;         // [rank][stream] -> op indices in order
  std::vector<std::vector<size_t>> stream_pos_;                        // [rank][stream] -> next to run
  std::vector<std::vector<std::unique_ptr<sc_core::sc_event>>> wake_;  // [rank][stream]
  std::vector<std::vector<size_t>> msg_of_;  // send/recv op -> its message; collective op -> instance
  std::vector<MessageRecord> messages_;
  std::vector<std::unique_ptr<CollectiveRecord>> colls_;
  uint64_t coll_ids_ = 0;  // message ids handed to collectives so far (above kCollectiveIds)
};

}  // namespace litesim
