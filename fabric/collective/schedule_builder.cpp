#include "fabric/collective/schedule_builder.h"

#include <algorithm>

#include <fmt/format.h>

namespace litesim {

int ScheduleBuilder::add(CollStep s) {
  std::sort(s.deps.begin(), s.deps.end());
  s.deps.erase(std::unique(s.deps.begin(), s.deps.end()), s.deps.end());
  steps_.push_back(std::move(s));
  return static_cast<int>(steps_.size()) - 1;
}

std::vector<int> ScheduleBuilder::writers(int gpu, Range r) const {
  std::vector<int> out;
  auto g = written_.find(gpu);
  if (g == written_.end() || r.bytes == 0) return out;
  const auto& runs = g->second;
  // The run holding r.offset, then every run starting inside r.
  auto it = runs.upper_bound(r.offset);
  if (it != runs.begin()) --it;
  for (; it != runs.end() && it->first < r.end(); ++it)
    if (it->second >= 0) out.push_back(it->second);
  return out;
}

void ScheduleBuilder::set_writer(int gpu, Range r, int step) {
  auto& runs = written_[gpu];
  if (runs.empty()) runs[0] = -1;
  // Split the runs at both ends of r (the new run after r keeps the writer it had), then replace
  // everything inside r by one run.
  auto split_at = [&](uint64_t at) {
    auto it = runs.upper_bound(at);
    --it;  // runs[0] exists, so some run starts at or before `at`
    if (it->first != at) runs[at] = it->second;
  };
  split_at(r.end());
  split_at(r.offset);
  runs.erase(runs.upper_bound(r.offset), runs.lower_bound(r.end()));
  runs[r.offset] = step;
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
    send.deps = writers(from, piece);
    send.phase = phase;
    const int s = add(std::move(send));
    if (!reduce) {
      set_writer(to, piece, s);
      continue;
    }
    CollStep red;
    red.kind = CollStep::Kind::Reduce;
    red.src = red.dst = to;
    red.data = piece;
    red.input = s;
    red.deps = writers(to, piece);
    red.deps.push_back(s);
    red.phase = phase;
    set_writer(to, piece, add(std::move(red)));
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
