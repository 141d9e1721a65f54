#include "traces/runner/runner.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

Runner::Runner(System& system, const Workload& workload, SimContext& sim) : sys_(system), sim_(sim), w_(workload) {
  const size_t n = w_.ranks.size();
  ops_.resize(n);
  done_ev_.resize(n);
  prev_kernel_.resize(n);
  msg_of_.resize(n);
  // Message ids in (rank, op) order of the sends; the n-th send of (src, dst, tag) meets the n-th
  // recv of the same key (check_workload() has verified the counts and sizes).
  std::map<std::tuple<int, int, int64_t>, std::vector<size_t>> by_key;
  for (size_t r = 0; r < n; ++r) {
    const auto& ops = w_.ranks[r].ops;
    msg_of_[r].assign(ops.size(), SIZE_MAX);
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].kind == OpKind::Send) {
        MessageRecord m;
        m.info = MessageInfo{messages_.size(), static_cast<int>(r), ops[i].peer, ops[i].bytes, ops[i].tag};
        msg_of_[r][i] = messages_.size();
        by_key[{static_cast<int>(r), ops[i].peer, ops[i].tag}].push_back(messages_.size());
        messages_.push_back(m);
        delivered_ev_.push_back(std::make_unique<sc_core::sc_event>());
      }
  }
  std::map<std::tuple<int, int, int64_t>, size_t> taken;
  for (size_t r = 0; r < n; ++r) {
    const auto& ops = w_.ranks[r].ops;
    int last_kernel = -1;
    for (size_t i = 0; i < ops.size(); ++i) {
      ops_[r].emplace_back();
      done_ev_[r].push_back(std::make_unique<sc_core::sc_event>());
      prev_kernel_[r].push_back(ops[i].kind == OpKind::Kernel ? last_kernel : -1);
      if (ops[i].kind == OpKind::Kernel) last_kernel = static_cast<int>(i);
      if (ops[i].kind == OpKind::Recv) {
        const auto key = std::make_tuple(ops[i].peer, static_cast<int>(r), ops[i].tag);
        msg_of_[r][i] = by_key.at(key).at(taken[key]++);
      }
    }
  }
  sys_.fabric().set_arrival_handler([this](const MessageInfo& m) { on_arrival(m); });
  for (size_t r = 0; r < n; ++r)
    for (size_t i = 0; i < w_.ranks[r].ops.size(); ++i)
      sc_core::sc_spawn(sim_.guard([this, r, i]() { run_op(static_cast<int>(r), static_cast<int>(i)); }),
                        fmt::format("rank{}_op{}", r, i).c_str());
}

void Runner::finish(int rank, int index) {
  OpRecord& rec = ops_[static_cast<size_t>(rank)][static_cast<size_t>(index)];
  rec.end = sim_now();
  rec.done = true;
  done_ev_[static_cast<size_t>(rank)][static_cast<size_t>(index)]->notify(sc_core::SC_ZERO_TIME);
}

void Runner::run_op(int rank, int index) {
  const size_t r = static_cast<size_t>(rank);
  const Op& op = w_.ranks[r].ops[static_cast<size_t>(index)];
  auto wait_for = [&](int dep) {
    while (!ops_[r][static_cast<size_t>(dep)].done) sc_core::wait(*done_ev_[r][static_cast<size_t>(dep)]);
  };
  for (int d : op.deps) wait_for(d);
  const int prev = prev_kernel_[r][static_cast<size_t>(index)];
  if (prev >= 0) wait_for(prev);
  OpRecord& rec = ops_[r][static_cast<size_t>(index)];
  rec.started = true;
  rec.start = sim_now();
  switch (op.kind) {
    case OpKind::Kernel: {
      KernelSpec k{op.id, op.flops, op.dtype, op.bytes_read, op.bytes_written};
      sys_.gpu(rank).die.run_kernel(k);
      break;
    }
    case OpKind::Send:
      run_send(rank, op, msg_of_[r][static_cast<size_t>(index)]);
      break;
    case OpKind::Recv: {
      const size_t m = msg_of_[r][static_cast<size_t>(index)];
      while (!messages_[m].delivered) sc_core::wait(*delivered_ev_[m]);
      break;
    }
  }
  finish(rank, index);
}

void Runner::run_send(int rank, const Op& op, size_t m) {
  (void)op;
  MessageRecord& rec = messages_[m];
  rec.t_send = sim_now();
  sys_.gpu(rank).die.dma(tlm::TLM_READ_COMMAND, rec.info.bytes, rec.info);
  rec.t_inject = sim_now();
  sys_.fabric().send(rec.info, [this, m](const MessageInfo&) {
    messages_[m].t_delivered = sim_now();
    messages_[m].delivered = true;
    delivered_ev_[m]->notify(sc_core::SC_ZERO_TIME);
  });
  while (!rec.delivered) sc_core::wait(*delivered_ev_[m]);
}

void Runner::on_arrival(const MessageInfo& m) {
  messages_[m.id].t_arrive = sim_now();
  sys_.gpu(m.dst).die.dma(tlm::TLM_WRITE_COMMAND, m.bytes, m);
}

Time Runner::last_op_end() const {
  Time t{0};
  for (const auto& rank : ops_)
    for (const auto& o : rank) t = std::max(t, o.end);
  return t;
}

void Runner::check_complete() const {
  std::vector<std::string> stuck;
  size_t total = 0;
  for (size_t r = 0; r < ops_.size(); ++r)
    for (size_t i = 0; i < ops_[r].size(); ++i) {
      if (ops_[r][i].done) continue;
      ++total;
      if (stuck.size() >= 20) continue;
      const Op& op = w_.ranks[r].ops[i];
      std::string why;
      std::vector<std::string> waiting;
      for (int d : op.deps)
        if (!ops_[r][static_cast<size_t>(d)].done) waiting.push_back(w_.ranks[r].ops[static_cast<size_t>(d)].id);
      if (!waiting.empty()) {
        why = fmt::format("waits for {}", fmt::join(waiting, ", "));
      } else if (op.kind == OpKind::Recv) {
        const MessageRecord& m = messages_[msg_of_[r][i]];
        why = fmt::format("waits for message {} from rank {} (tag {}), not yet sent", m.info.id, m.info.src, m.info.tag);
      } else if (op.kind == OpKind::Kernel && prev_kernel_[r][i] >= 0) {
        why = fmt::format("waits for the previous kernel {} on its stream", w_.ranks[r].ops[static_cast<size_t>(prev_kernel_[r][i])].id);
      } else {
        why = ops_[r][i].started ? "started but never finished" : "never started";
      }
      stuck.push_back(fmt::format("  rank {} op '{}' ({}): {}", r, op.id, op.loc.str(), why));
    }
  if (total == 0) return;
  throw SimError(fmt::format("deadlock: the simulation ran out of events at {} ns with {} op(s) unfinished:\n{}{}",
                             sim_now().ns(), total, fmt::join(stuck, "\n"),
                             total > stuck.size() ? fmt::format("\n  ... and {} more", total - stuck.size()) : ""));
}

}  // namespace litesim
