#include "traces/runner/runner.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

namespace {
// Per-process stack of spawned sends: deep enough for the b_transport chain of a long route.
constexpr size_t kSendStack = 256 * 1024;
}  // namespace

Runner::Runner(System& system, const Workload& workload, SimContext& sim) : sys_(system), sim_(sim), w_(workload) {
  const size_t n = w_.ranks.size();
  ops_.resize(n);
  pending_.resize(n);
  dependents_.resize(n);
  ready_.resize(n);
  msg_of_.resize(n);
  // Message ids in (rank, op) order of the sends; the n-th send of (src, dst, tag) meets the n-th
  // recv of the same key (check_workload() has verified the counts and sizes).
  std::map<std::tuple<int, int, int64_t>, std::vector<size_t>> by_key;
  for (size_t r = 0; r < n; ++r) {
    const auto& ops = w_.ranks[r].ops;
    ops_[r].resize(ops.size());
    pending_[r].assign(ops.size(), 0);
    dependents_[r].resize(ops.size());
    ready_[r].assign(ops.size(), false);
    msg_of_[r].assign(ops.size(), SIZE_MAX);
    for (size_t i = 0; i < ops.size(); ++i) {
      pending_[r][i] = static_cast<int>(ops[i].deps.size());
      for (int d : ops[i].deps) dependents_[r][static_cast<size_t>(d)].push_back(static_cast<int>(i));
      if (ops[i].kind == OpKind::Send) {
        MessageRecord m;
        m.info = MessageInfo{messages_.size(), static_cast<int>(r), ops[i].peer, ops[i].bytes, ops[i].tag};
        msg_of_[r][i] = messages_.size();
        by_key[{static_cast<int>(r), ops[i].peer, ops[i].tag}].push_back(messages_.size());
        messages_.push_back(m);
      }
    }
  }
  std::map<std::tuple<int, int, int64_t>, size_t> taken;
  for (size_t r = 0; r < n; ++r) {
    const auto& ops = w_.ranks[r].ops;
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].kind == OpKind::Recv) {
        const auto key = std::make_tuple(ops[i].peer, static_cast<int>(r), ops[i].tag);
        const size_t m = by_key.at(key).at(taken[key]++);
        msg_of_[r][i] = m;
        messages_[m].recv_rank = static_cast<int>(r);
        messages_[m].recv_op = static_cast<int>(i);
      }
  }
  sys_.fabric().set_arrival_handler([this](const MessageInfo& m) {
    messages_[m.id].t_arrive = sim_now();
    sys_.gpu(m.dst).die.dma(tlm::TLM_WRITE_COMMAND, m.bytes, m);
  });
  for (size_t r = 0; r < n; ++r) {
    stream_ev_.push_back(std::make_unique<sc_core::sc_event>());
    sc_core::sc_spawn(sim_.guard([this, r]() { compute_stream(static_cast<int>(r)); }),
                      fmt::format("rank{}_compute", r).c_str());
  }
  // Ops without dependencies are ready at time zero (sends spawn their process then).
  for (size_t r = 0; r < n; ++r)
    for (size_t i = 0; i < w_.ranks[r].ops.size(); ++i)
      if (pending_[r][i] == 0) on_ready(static_cast<int>(r), static_cast<int>(i));
}

const Op& Runner::op(int rank, int index) const {
  return w_.ranks[static_cast<size_t>(rank)].ops[static_cast<size_t>(index)];
}

void Runner::on_ready(int rank, int index) {
  const size_t r = static_cast<size_t>(rank), i = static_cast<size_t>(index);
  ready_[r][i] = true;
  switch (op(rank, index).kind) {
    case OpKind::Kernel:
      stream_ev_[r]->notify(sc_core::SC_ZERO_TIME);
      break;
    case OpKind::Send: {
      sc_core::sc_spawn_options opts;
      opts.set_stack_size(kSendStack);
      sc_core::sc_spawn(sim_.guard([this, rank, index]() { run_send(rank, index); }),
                        fmt::format("rank{}_op{}", rank, index).c_str(), &opts);
      break;
    }
    case OpKind::Recv:
      ops_[r][i].started = true;
      ops_[r][i].start = sim_now();
      try_finish_recv(rank, index);
      break;
  }
}

void Runner::finish(int rank, int index) {
  const size_t r = static_cast<size_t>(rank), i = static_cast<size_t>(index);
  OpRecord& rec = ops_[r][i];
  rec.end = sim_now();
  rec.done = true;
  for (int d : dependents_[r][i])
    if (--pending_[r][static_cast<size_t>(d)] == 0) on_ready(rank, d);
}

void Runner::compute_stream(int rank) {
  const size_t r = static_cast<size_t>(rank);
  const auto& ops = w_.ranks[r].ops;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind != OpKind::Kernel) continue;
    while (!ready_[r][i]) sc_core::wait(*stream_ev_[r]);
    OpRecord& rec = ops_[r][i];
    rec.started = true;
    rec.start = sim_now();
    sys_.gpu(rank).die.run_kernel(ops[i].kernel);
    finish(rank, static_cast<int>(i));
  }
}

void Runner::run_send(int rank, int index) {
  const size_t r = static_cast<size_t>(rank), i = static_cast<size_t>(index);
  OpRecord& op_rec = ops_[r][i];
  op_rec.started = true;
  op_rec.start = sim_now();
  const size_t m = msg_of_[r][i];
  MessageRecord& rec = messages_[m];
  rec.t_send = sim_now();
  sys_.gpu(rank).die.dma(tlm::TLM_READ_COMMAND, rec.info.bytes, rec.info);
  rec.t_inject = sim_now();
  sys_.fabric().send(rec.info, [this, m](const MessageInfo&) { on_delivered(m); });
}

void Runner::on_delivered(size_t m) {
  MessageRecord& rec = messages_[m];
  rec.t_delivered = sim_now();
  rec.delivered = true;
  // the send that carried it
  const auto& ops = w_.ranks[static_cast<size_t>(rec.info.src)].ops;
  for (size_t i = 0; i < ops.size(); ++i)
    if (msg_of_[static_cast<size_t>(rec.info.src)][i] == m && ops[i].kind == OpKind::Send) {
      finish(rec.info.src, static_cast<int>(i));
      break;
    }
  try_finish_recv(rec.recv_rank, rec.recv_op);
}

void Runner::try_finish_recv(int rank, int index) {
  const size_t r = static_cast<size_t>(rank), i = static_cast<size_t>(index);
  if (ops_[r][i].done || !ready_[r][i] || !messages_[msg_of_[r][i]].delivered) return;
  finish(rank, index);
}

void Runner::check_complete() const {
  std::vector<std::string> stuck;
  size_t total = 0;
  for (size_t r = 0; r < ops_.size(); ++r) {
    int blocking_kernel = -1;  // the first unfinished kernel holds the stream
    for (size_t i = 0; i < ops_[r].size(); ++i) {
      const Op& o = w_.ranks[r].ops[i];
      if (ops_[r][i].done) continue;
      ++total;
      std::string why;
      std::vector<std::string> waiting;
      for (int d : o.deps)
        if (!ops_[r][static_cast<size_t>(d)].done) waiting.push_back(w_.ranks[r].ops[static_cast<size_t>(d)].id);
      if (!waiting.empty()) {
        why = fmt::format("waits for {}", fmt::join(waiting, ", "));
      } else if (o.kind == OpKind::Recv) {
        const MessageRecord& m = messages_[msg_of_[r][i]];
        why = fmt::format("waits for message {} from rank {} (tag {}), not yet delivered", m.info.id, m.info.src,
                          m.info.tag);
      } else if (o.kind == OpKind::Kernel && blocking_kernel >= 0) {
        why = fmt::format("waits for the earlier kernel '{}' on its stream",
                          w_.ranks[r].ops[static_cast<size_t>(blocking_kernel)].id);
      } else {
        why = ops_[r][i].started ? "started but never finished" : "never started";
      }
      if (o.kind == OpKind::Kernel && blocking_kernel < 0) blocking_kernel = static_cast<int>(i);
      if (stuck.size() < 20) stuck.push_back(fmt::format("  rank {} op '{}' ({}): {}", r, o.id, o.loc.str(), why));
    }
  }
  if (total == 0) return;
  throw SimError(fmt::format("deadlock: the simulation ran out of events at {} ns with {} op(s) unfinished:\n{}{}",
                             sim_now().ns(), total, fmt::join(stuck, "\n"),
                             total > stuck.size() ? fmt::format("\n  ... and {} more", total - stuck.size()) : ""));
}

}  // namespace litesim
