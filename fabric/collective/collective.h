#pragma once
// Collective communication as real traffic: a request (op, group, bytes, chunking) is turned by a
// named algorithm into a schedule, a DAG of sends and reductions, which the executor
// (collective_executor.h) runs over any Fabric. Algorithms register by name in category
// "collective" from their own files (ring.cpp, direct.cpp, ...); docs/fabric.md gives
// each one's DAG and alpha-beta cost.
//
// Data space. Every step moves a byte range of the op's *data space*, laid out per op so that the
// schedule can be checked for data conservation (tests/unit/test_collective_schedule.cpp):
//   allreduce, reduce, broadcast, reducescatter: [0, bytes), one buffer every rank holds;
//   allgather:  [0, bytes) is the output; rank i contributes block i;
//   alltoall, sendrecv: [0, p x bytes); rank i's send buffer is [i x bytes, (i+1) x bytes).
// "Block i of n" of a range is always the i-th part of split_even(range, n).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/registry.h"
#include "fabric/topology/topology.h"

namespace litesim {

// `bytes` follows nccl-tests (the size column of its output):
//   allreduce, broadcast, reduce: the buffer size (every rank's input and output);
//   allgather: the output size (each rank contributes bytes / p);
//   reducescatter: the input size (each rank ends with bytes / p of it reduced);
//   alltoall: the total each rank sends, itself included (bytes / p to each rank);
//   sendrecv: what each rank sends to the next rank of the group (and receives from the previous).
enum class CollOp { AllReduce, AllGather, ReduceScatter, AllToAll, Broadcast, Reduce, SendRecv };

const char* op_name(CollOp op);
// Throws CollectiveError naming the ops for an unknown name.
CollOp parse_op(const std::string& name);
const std::vector<std::string>& op_names();
// nccl-tests' bus bandwidth factor: busbw = algbw x factor.
double busbw_factor(CollOp op, int ranks);
// Size of the op's data space (see above).
uint64_t data_space(CollOp op, uint64_t bytes, int ranks);

// A request or schedule the algorithm cannot do (wrong op, group size, ...). Callers turn it into
// their own error (the testbench: a ConfigError naming the option, exit status 2).
struct CollectiveError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// A request that no algorithm can run (a group of one, a GPU not in the system, 0 bytes, a root
// outside the group); `field` names the request member at fault: "group", "bytes" or "root".
struct CollectiveRequestError : CollectiveError {
  CollectiveRequestError(std::string field_name, const std::string& what)
      : CollectiveError(what), field(std::move(field_name)) {}
  std::string field;
};

struct Range {
  uint64_t offset = 0, bytes = 0;
  uint64_t end() const { return offset + bytes; }
};
// `r` cut into n contiguous parts, the first r.bytes % n of them one byte larger.
std::vector<Range> split_even(Range r, int n);
// `r` cut into pieces of `chunk` bytes (the last may be shorter); chunk 0: `r` whole.
std::vector<Range> split_chunks(Range r, uint64_t chunk);

struct CollectiveRequest {
  CollOp op = CollOp::AllReduce;
  std::vector<int> group;  // GPU ranks in order: group[i] is collective rank i
  uint64_t bytes = 0;      // see CollOp
  int root = 0;            // collective rank (index into group) of broadcast / reduce
  uint64_t chunk = 0;      // largest message: transfers are cut into pieces of at most this; 0: whole
  int64_t tag_base = 0;    // MessageInfo.tag of step i is tag_base + i
  // Reductions take no time (the executor's reduce_bandwidth is 0): a reduction that would wait
  // for nothing but its incoming data (a ring reduce-scatter's, every time) is not a step of its
  // own but done on delivery (CollStep::fused), with the same timing and a third fewer steps.
  bool free_reductions = false;
};

// One step of a schedule, kept small (32 bytes): a 1,024-GPU ring all-reduce has three million.
struct CollStep {
  enum class Kind : uint8_t { Send, Reduce };
  Range data;          // bytes of the data space moved or reduced
  int32_t src = 0;     // Send: sending GPU; Reduce: the reducing GPU
  int32_t dst = 0;     // Send: receiving GPU; Reduce: == src
  int32_t input = -1;  // Reduce: the Send whose data it reduces
  Kind kind = Kind::Send;
  bool reduce = false;  // Send: the receiver reduces the data into its buffer (a Reduce step follows,
                        // unless fused) rather than copying it over its own
  bool fused = false;   // reducing Send: the receiver reduces it on delivery, no Reduce step follows
                        // (CollectiveRequest::free_reductions)
  uint8_t phase = 0;    // index into CollSchedule::phases
};

// A step's dependencies: a view into the schedule's dependency list.
class StepDeps {
 public:
  StepDeps(const uint32_t* b, const uint32_t* e) : b_(b), e_(e) {}
  const uint32_t* begin() const { return b_; }
  const uint32_t* end() const { return e_; }
  size_t size() const { return static_cast<size_t>(e_ - b_); }
  bool empty() const { return b_ == e_; }
  std::vector<uint32_t> vec() const { return {b_, e_}; }

 private:
  const uint32_t* b_;
  const uint32_t* e_;
};

struct CollSchedule {
  CollectiveRequest request;
  std::string algorithm;
  uint64_t space = 0;               // data_space(op, bytes, p)
  std::vector<CollStep> steps;      // in a topological order (deps point backwards)
  std::vector<std::string> phases;  // "reduce-scatter", "all-gather", "tree0-up", ... for reports and tests

  // The steps (all earlier in the schedule) that must finish before step i starts, ascending.
  StepDeps deps(size_t i) const { return {dep_list_.data() + dep_begin_[i], dep_list_.data() + dep_begin_[i + 1]}; }
  // The steps that depend on step i, ascending: the inverse of deps(), built once on first use
  // (after the last append) and shared by every executor that runs this schedule.
  StepDeps dependents(size_t i) const;
  const std::string& phase(size_t i) const { return phases[steps[i].phase]; }
  // Appends a step with its dependencies (earlier steps) and phase name; returns its index.
  uint32_t append(CollStep s, const std::vector<uint32_t>& deps, const std::string& phase);

  uint64_t sends() const;
  uint64_t bytes_sent() const;         // all ranks
  uint64_t bytes_sent(int gpu) const;  // by one GPU

 private:
  // Step i's dependencies are dep_list_[dep_begin_[i] .. dep_begin_[i + 1]).
  std::vector<uint32_t> dep_begin_{0};
  std::vector<uint32_t> dep_list_;
  // The inverse, likewise: step i's dependents are dependent_list_[dependent_begin_[i] .. [i + 1]);
  // empty until dependents() first needs it, cleared by append().
  mutable std::vector<uint32_t> dependent_begin_, dependent_list_;
};

class ScheduleBuilder;

// One collective's view of its part of a (possibly composed) schedule: the ranks taking part (GPU
// numbers, in collective-rank order) and where its data space starts in the whole schedule's.
struct CollView {
  CollOp op = CollOp::AllReduce;
  std::vector<int> gpus;
  uint64_t bytes = 0;  // as CollOp
  uint64_t base = 0;   // offset of this collective's data space
  int root = 0;        // collective rank
  int size() const { return static_cast<int>(gpus.size()); }
};

class CollectiveAlgorithm {
 public:
  virtual ~CollectiveAlgorithm() = default;
  // Appends the steps of `v` to `b`. Throws CollectiveError for an op or group it cannot do.
  virtual void emit(ScheduleBuilder& b, const CollView& v) const = 0;
};

// Algorithms are built from their parameters and the topology (null when there is none at hand:
// only `hierarchical` looks at it, for vertex.group).
using CollectiveRegistry = Registry<CollectiveAlgorithm, const Topology*>;

// The ops an algorithm implements, as it registered them (empty for an unknown name).
const std::vector<CollOp>& collective_ops(const std::string& algo);
// Throws CollectiveError naming the ops `algo` does implement when it does not implement `op`.
void require_op(const std::string& algo, CollOp op);

namespace detail {
void register_collective_ops(const std::string& algo, std::vector<CollOp> ops);
std::string ops_text(const std::vector<CollOp>& ops);
}  // namespace detail

// Registers algorithm T (parameters P) under `name`, with the ops it implements: build_schedule
// refuses the others before T sees them, and `litesim list` shows them.
template <class T, class P>
struct CollectiveRegistrar {
  CollectiveRegistrar(const std::string& name, const std::string& doc, std::vector<CollOp> ops) {
    const std::string listed = doc + " [" + detail::ops_text(ops) + "]";
    detail::register_collective_ops(name, std::move(ops));
    CollectiveRegistry::instance().add(
        "collective", name, listed, &P::schema(), [](const ConfigPtr& params, const Topology* topo) {
          return std::unique_ptr<CollectiveAlgorithm>(new T(P::schema().resolve(params, "", {}), topo));
        });
  }
};

// "ring" or "hierarchical group_size=4 inner=ring outer=halving_doubling": an algorithm name and its
// parameters as key=value words, validated against its schema. Errors are ConfigErrors at `where`.
ImplConfig parse_algorithm(const std::string& text, const std::string& where);
// The inverse: "hierarchical group_size=0 inner=ring outer=ring" (every parameter, normalised).
std::string algorithm_text(const ImplConfig& algo);
// `algo` with its parameters normalised (all defaults when it came without any). Throws
// CollectiveError for an unknown algorithm.
ImplConfig normalised_algorithm(const ImplConfig& algo);
// Whether `algo` can run `op` at all: it implements the op and can be built from its parameters
// (hierarchical's parts exist and implement what it needs). Group-dependent limits (a group_size
// that does not divide the group) are left to build_schedule. Throws CollectiveError.
void check_algorithm(const ImplConfig& algo, CollOp op);

// Checks the request (group, root, bytes: CollectiveRequestError) and builds the schedule (the
// algorithm's own errors: CollectiveError).
CollSchedule build_schedule(const CollectiveRequest& req, const ImplConfig& algo, const Topology* topo = nullptr);

}  // namespace litesim
