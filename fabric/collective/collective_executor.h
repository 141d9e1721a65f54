#pragma once
// Runs a collective schedule as real traffic over a Fabric (any backend: only Fabric::send and its
// delivery callback are used). A step starts when all its dependencies are done: a Send becomes
// one fabric message (id = id_base + step index, tag = request.tag_base + step index) and is done
// when delivered; a Reduce occupies its GPU's reduction engine for bytes / reduce_bandwidth.
// A schedule that cannot finish (a message never delivered, a dependency that never completes)
// leaves steps pending when the simulation runs out of events: check_complete() then throws a
// SimError naming them, instead of the run hanging or passing silently.
#include <cstdint>
#include <deque>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>

#include "core/sim_context.h"
#include "core/units.h"
#include "fabric/collective/collective.h"
#include "fabric/fabric.h"

namespace litesim {

struct ExecutorParams {
  // Rate at which a GPU reduces received data into its buffer (one reduction at a time per GPU, in
  // the order they become ready). 0 (the default): reductions take no time, i.e. not modelled, as
  // when they are fused into the receive at HBM speed well above the link rate (NCCL's case).
  DataRate reduce_bandwidth{0};
  uint64_t id_base = 0;  // message ids used: [id_base, id_base + schedule.steps.size())
  // Messages in flight per connection (source, destination GPU); 0 (the default): unlimited. The
  // packet backend already keeps a connection's messages in order (fabric.backend.injection:
  // per_pair_fifo), so chunks pipeline without a window; 1 makes a connection wait for each
  // delivery before the next send (one link latency per message), as a rendezvous protocol does.
  int connection_window = 0;
  // Keep every step's ready / start / end times (timing(), csv_rows()); off, a step costs the
  // executor 5 bytes instead of 37, for runs too large to report step by step.
  bool keep_timing = true;
};

// Whether reductions cost nothing at `reduce_bandwidth` (0: not modelled). Then a schedule may be
// built with CollectiveRequest::free_reductions, and only then.
inline bool reductions_are_free(DataRate reduce_bandwidth) { return reduce_bandwidth.bits_per_s <= 0; }

struct StepTiming {
  Time ready;  // all dependencies done (the send was handed to the fabric; the reduce queued)
  Time start;  // Send: handed to the fabric (its connection's window had room); Reduce: the engine took it
  Time end;    // delivered / reduced
  bool started = false;
  bool done = false;
};

class CollectiveExecutor {
 public:
  // `fabric`, `schedule` and `sim` must outlive the executor.
  CollectiveExecutor(Fabric& fabric, const CollSchedule& schedule, const ExecutorParams& params, SimContext& sim);
  CollectiveExecutor(const CollectiveExecutor&) = delete;
  CollectiveExecutor& operator=(const CollectiveExecutor&) = delete;

  // Starts every step without dependencies and returns when all steps are done. Call from a SystemC
  // thread (spawn it through SimContext::guard). Runs once.
  void run();

  bool finished() const { return done_ == schedule_.steps.size(); }
  Time start_time() const { return start_; }
  Time end_time() const { return end_; }
  // Per step (empty when params.keep_timing is off).
  const std::vector<StepTiming>& timing() const { return timing_; }
  uint64_t messages() const { return messages_; }
  // Throws SimError listing the steps not done (the first 20), with what each waits for.
  void check_complete() const;
  // One row per step: step,kind,phase,src,dst,offset,bytes,deps,ready_ns,start_ns,end_ns (with a
  // leading `prefix` column value when given, e.g. the iteration). Needs params.keep_timing.
  static std::string csv_header();
  void csv_rows(std::ostream& o, const std::string& prefix) const;

 private:
  void issue(size_t i);
  void start_send(size_t i);
  void complete(size_t i);

  struct Connection {
    int in_flight = 0;
    std::vector<size_t> queued;  // ready sends held by the window, in the order they became ready
    size_t next = 0;             // queued[next] is the first still held
  };

  Fabric& fabric_;
  const CollSchedule& schedule_;
  ExecutorParams params_;
  SimContext& sim_;
  std::vector<uint32_t> waiting_;  // dependencies not yet done, per step
  enum class State : uint8_t { Waiting, Ready, Started, Done };
  std::vector<State> state_;
  std::vector<StepTiming> timing_;
  // Per GPU, its reduction engine: when it is next free, and the reductions it is working through
  // (they finish in the order they start), woken by one method per GPU rather than a process per step.
  struct Engine {
    Time free;
    std::deque<std::pair<Time, size_t>> busy;  // (finish time, step)
    std::unique_ptr<sc_core::sc_event> wake;
  };
  void engine_wakes(size_t gpu);
  std::vector<Engine> engines_;
  // One per (source, destination) of the schedule's sends, and each Send's; only with a connection window.
  std::vector<Connection> connections_;
  std::vector<uint32_t> conn_of_step_;  // per Send step: its connection
  size_t done_ = 0;
  uint64_t messages_ = 0;
  bool started_ = false;
  Time start_, end_;
  sc_core::sc_event all_done_;
};

}  // namespace litesim
