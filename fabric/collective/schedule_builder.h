#pragma once
// Builds a schedule from transfers, inferring every dependency from the data: each GPU keeps, per
// byte of the data space, the last step that wrote it there (a Reduce at that GPU, or a copying
// Send into it). A Send depends on the writers of what it reads at its source; a Reduce on its
// input Send and on the writers of its range at its GPU. Algorithms therefore only state *what*
// moves, in an order where every read comes after the write it needs; the dependencies come out
// exact (chunk c of ring step s+1 waits for chunk c of step s and its reduction, nothing else), and
// composed algorithms (hierarchical) chain through their data without barriers.
// Only read-after-write is tracked: receive buffers are taken as distinct from send buffers, as in
// NCCL, so a write never waits for an earlier read of the same bytes.
#include <deque>
#include <string>
#include <vector>

#include "fabric/collective/collective.h"

namespace litesim {

class ScheduleBuilder {
 public:
  // free_reductions: see CollectiveRequest.
  explicit ScheduleBuilder(uint64_t chunk, bool free_reductions = false)
      : chunk_(chunk), free_reductions_(free_reductions) {}

  // Moves `r` from GPU `from` to GPU `to` in pieces of at most chunk bytes; the receiver reduces
  // each piece into its buffer (reduce) or copies it over its own. Empty ranges add nothing.
  void transfer(int from, int to, Range r, bool reduce, const std::string& phase);

  uint64_t chunk() const { return chunk_; }
  // The steps, their dependencies and phase names (the caller fills in request, algorithm, space).
  CollSchedule take();

 private:
  uint32_t add(const CollStep& s, std::vector<uint32_t>& deps, const std::string& phase);
  void writers(int gpu, Range r, std::vector<uint32_t>& out) const;
  void set_writer(int gpu, Range r, uint32_t step);

  uint64_t chunk_;
  bool free_reductions_;
  CollSchedule out_;
  std::vector<uint32_t> deps_, local_;  // scratch
  // Per GPU, its runs of bytes in order: (start, last writer or kNone); a run reaches the next
  // one's start, the last one the end of the data space. Most writes replace one whole run (a
  // ring's block), found by binary search; new boundaries are inserted, at a cost that is the
  // distance to the nearer end of a deque: O(1) for a direct all-to-all's receives, which arrive
  // in descending then wrapping order (a vector made those quadratic, a map costs 48 B a run).
  static constexpr uint32_t kNone = UINT32_MAX;
  using Runs = std::deque<std::pair<uint64_t, uint32_t>>;
  std::vector<Runs> written_;
};

// Shared patterns, over `order`: the GPUs of a ring in the direction data travels.
// Ring reduce-scatter of blocks[k] (blocks.size() == order.size()): after p-1 steps, order[k] holds
// blocks[k] reduced over every rank. Step s: order[k] sends blocks[(k - s - 1) mod p] to order[k+1].
void ring_reduce_scatter(ScheduleBuilder& b, const std::vector<int>& order, const std::vector<Range>& blocks,
                         const std::string& phase);
// Ring all-gather: order[k] starts with blocks[k]; step s: order[k] sends blocks[(k - s) mod p]
// to order[k+1]; after p-1 steps everyone has every block.
void ring_all_gather(ScheduleBuilder& b, const std::vector<int>& order, const std::vector<Range>& blocks,
                     const std::string& phase);
// A chain order[0] -> order[1] -> ... -> order[n-1] carrying `r`; pipelined by the builder's chunks.
void chain(ScheduleBuilder& b, const std::vector<int>& order, Range r, bool reduce, const std::string& phase);
// `gpus` rotated so that collective rank `first` comes first, reversed when `backwards`.
std::vector<int> ring_order(const std::vector<int>& gpus, int first, bool backwards);

// For an op an algorithm's emit() does not handle: a CollectiveError naming the ops it registered.
[[noreturn]] void unsupported(const std::string& algo, CollOp op);

}  // namespace litesim
