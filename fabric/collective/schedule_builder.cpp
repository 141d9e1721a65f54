#include "fabric/collective/schedule_builder.h"

#include <algorithm>

#include <fmt/format.h>

namespace litesim {

uint32_t ScheduleBuilder::add(const CollStep& s, std::vector<uint32_t>& deps, const std::string& phase) {
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  return out_.append(s, deps, phase);
}

CollSchedule ScheduleBuilder::take() {
  written_.clear();
  written_.shrink_to_fit();
  return std::move(out_);
}

namespace {
// The run holding byte `at` (runs[0] starts at 0).
size_t run_at(const std::deque<std::pair<uint64_t, uint32_t>>& runs, uint64_t at) {
  auto it = std::upper_bound(runs.begin(), runs.end(), at,
                             [](uint64_t v, const std::pair<uint64_t, uint32_t>& r) { return v < r.first; });
  return static_cast<size_t>(it - runs.begin()) - 1;
}
}  // namespace

void ScheduleBuilder::writers(int gpu, Range r, std::vector<uint32_t>& out) const {
  if (static_cast<size_t>(gpu) >= written_.size() || r.bytes == 0) return;
  const Runs& runs = written_[static_cast<size_t>(gpu)];
  if (runs.empty()) return;
  // The run holding r.offset, then every run starting inside r.
  for (size_t i = run_at(runs, r.offset); i < runs.size() && runs[i].first < r.end(); ++i)
    if (runs[i].second != kNone) out.push_back(runs[i].second);
}

void ScheduleBuilder::set_writer(int gpu, Range r, uint32_t step) {
  if (static_cast<size_t>(gpu) >= written_.size()) written_.resize(static_cast<size_t>(gpu) + 1);
  Runs& runs = written_[static_cast<size_t>(gpu)];
  if (runs.empty()) runs.emplace_back(0, kNone);
  const size_t i = run_at(runs, r.offset);
  // The common case: r is exactly one run.
  if (runs[i].first == r.offset && i + 1 < runs.size() && runs[i + 1].first == r.end()) {
    runs[i].second = step;
    return;
  }
  // Otherwise the runs starting inside r go, r becomes one run, a run that r starts inside keeps
  // its head and one that r ends inside keeps its tail (from r.end(), with its writer).
  const size_t last = run_at(runs, r.end());
  const bool tail = runs[last].first < r.end();
  const std::pair<uint64_t, uint32_t> after{r.end(), runs[last].second};
  const size_t first = runs[i].first == r.offset ? i : i + 1;
  const size_t stop = tail ? last + 1 : last;  // runs [first, stop) start inside r
  runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(first), runs.begin() + static_cast<std::ptrdiff_t>(stop));
  const std::pair<uint64_t, uint32_t> mine{r.offset, step};
  if (tail)
    runs.insert(runs.begin() + static_cast<std::ptrdiff_t>(first), {mine, after});
  else
    runs.insert(runs.begin() + static_cast<std::ptrdiff_t>(first), mine);
}

void ScheduleBuilder::transfer(int from, int to, Range r, bool reduce, const std::string& phase) {
  if (r.bytes == 0) return;
  for (const Range& piece : split_chunks(r, chunk_)) {
    CollStep send;
    send.kind = CollStep::Kind::Send;
    send.src = from;
    send.dst = to;
    send.data = piece;
    send.reduce = reduce;
    deps_.clear();
    writers(from, piece, deps_);
    // A free reduction into data nobody has written yet (the receiver's own input) waits only for
    // the send: done on delivery.
    std::vector<uint32_t>& local = local_;
    local.clear();
    if (reduce) writers(to, piece, local);
    send.fused = reduce && free_reductions_ && local.empty();
    const uint32_t s = add(send, deps_, phase);
    if (!reduce || send.fused) {
      set_writer(to, piece, s);
      continue;
    }
    CollStep red;
    red.kind = CollStep::Kind::Reduce;
    red.src = red.dst = to;
    red.data = piece;
    red.input = static_cast<int32_t>(s);
    deps_.swap(local);
    deps_.push_back(s);
    set_writer(to, piece, add(red, deps_, phase));
  }
}

void ring_reduce_scatter(ScheduleBuilder& b, const std::vector<int>& order, const std::vector<Range>& blocks,
                         const std::string& phase) {
  const int p = static_cast<int>(order.size());
  for (int s = 0; s < p - 1; ++s)
    for (int k = 0; k < p; ++k)
      b.transfer(order[static_cast<size_t>(k)], order[static_cast<size_t>((k + 1) % p)],
                 blocks[static_cast<size_t>(((k - s - 1) % p + p) % p)], true, phase);
}

void ring_all_gather(ScheduleBuilder& b, const std::vector<int>& order, const std::vector<Range>& blocks,
                     const std::string& phase) {
  const int p = static_cast<int>(order.size());
  for (int s = 0; s < p - 1; ++s)
    for (int k = 0; k < p; ++k)
      b.transfer(order[static_cast<size_t>(k)], order[static_cast<size_t>((k + 1) % p)],
                 blocks[static_cast<size_t>(((k - s) % p + p) % p)], false, phase);
}

void chain(ScheduleBuilder& b, const std::vector<int>& order, Range r, bool reduce, const std::string& phase) {
  for (size_t k = 0; k + 1 < order.size(); ++k) b.transfer(order[k], order[k + 1], r, reduce, phase);
}

std::vector<int> ring_order(const std::vector<int>& gpus, int first, bool backwards) {
  const int p = static_cast<int>(gpus.size());
  std::vector<int> out;
  for (int k = 0; k < p; ++k) {
    const int i = backwards ? ((first - k) % p + p) % p : (first + k) % p;
    out.push_back(gpus[static_cast<size_t>(i)]);
  }
  return out;
}

void unsupported(const std::string& algo, CollOp op) {
  require_op(algo, op);
  throw std::logic_error(
      fmt::format("collective algorithm '{}' registered {} but does not emit it", algo, op_name(op)));
}

}  // namespace litesim
