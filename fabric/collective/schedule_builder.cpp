#include "fabric/collective/schedule_builder.h"

#include <algorithm>

#include <fmt/format.h>

namespace litesim {

uint32_t ScheduleBuilder::add(const CollStep& s, std::vector<uint32_t>& deps, const std::string& phase) {
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  return out_.append(s, deps, phase);
}

void ScheduleBuilder::writers(int gpu, Range r, std::vector<uint32_t>& out) const {
  if (static_cast<size_t>(gpu) >= written_.size() || r.bytes == 0) return;
  const auto& runs = written_[static_cast<size_t>(gpu)];
  if (runs.empty()) return;
  // The run holding r.offset, then every run starting inside r.
  auto it = runs.upper_bound(r.offset);
  if (it != runs.begin()) --it;
  for (; it != runs.end() && it->first < r.end(); ++it)
    if (it->second != kNone) out.push_back(it->second);
}

void ScheduleBuilder::set_writer(int gpu, Range r, uint32_t step) {
  if (static_cast<size_t>(gpu) >= written_.size()) written_.resize(static_cast<size_t>(gpu) + 1);
  auto& runs = written_[static_cast<size_t>(gpu)];
  if (runs.empty()) runs[0] = kNone;
  // Split the runs at both ends of r (the new run after r keeps the writer it had), then replace
  // everything inside r by one run.
  auto split_at = [&](uint64_t at) {
    auto it = runs.upper_bound(at);
    --it;  // runs[0] exists, so some run starts at or before `at`
    if (it->first != at) runs.emplace_hint(std::next(it), at, it->second);
  };
  split_at(r.end());
  split_at(r.offset);
  auto first = runs.find(r.offset);
  first->second = step;
  runs.erase(std::next(first), runs.lower_bound(r.end()));
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
    const uint32_t s = add(send, deps_, phase);
    if (!reduce) {
      set_writer(to, piece, s);
      continue;
    }
    CollStep red;
    red.kind = CollStep::Kind::Reduce;
    red.src = red.dst = to;
    red.data = piece;
    red.input = static_cast<int32_t>(s);
    deps_.clear();
    writers(to, piece, deps_);
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
