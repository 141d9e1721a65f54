#include "traces/runner/runner.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

namespace {
// Per-process stack of stream threads: deep enough for the b_transport chain of a kernel's tiles.
constexpr size_t kStreamStack = 256 * 1024;
// Message ids from here up belong to collectives (their executors number their own sends).
constexpr uint64_t kCollectiveIds = uint64_t{1} << 40;
constexpr uint64_t kReadRequestBytes = 64;  // a remote read's request (one header-sized message)
constexpr uint64_t kBarrierBytes = 8;
}  // namespace

const TraceOp& Runner::op(int rank, uint32_t i) const { return t_.ranks[static_cast<size_t>(rank)].ops[i]; }

Runner::Runner(System& system, const Trace& trace, const RunnerParams& params, SimContext& sim)
    : sys_(system), sim_(sim), t_(trace), params_(params) {
  const size_t n = t_.ranks.size();
  const size_t streams = t_.streams.size();
  ops_.resize(n);
  death_.assign(n, Time{-1});
  pending_.resize(n);
  dependents_.resize(n);
  stream_ops_.assign(n, std::vector<std::vector<uint32_t>>(streams));
  stream_pos_.assign(n, std::vector<size_t>(streams, 0));
  wake_.resize(n);
  msg_of_.resize(n);
  for (size_t r = 0; r < n; ++r) {
    const auto& ops = t_.ranks[r].ops;
    ops_[r].resize(ops.size());
    pending_[r].assign(ops.size(), 0);
    dependents_[r].resize(ops.size());
    msg_of_[r].assign(ops.size(), SIZE_MAX);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const TraceOp& o = ops[i];
      pending_[r][i] = static_cast<uint32_t>(o.deps.size());
      for (uint32_t d : o.deps) dependents_[r][d].push_back(i);
      stream_ops_[r][static_cast<size_t>(o.stream)].push_back(i);
    }
  }
  // Point-to-point: the n-th send of (src, dst, tag) meets the n-th recv of the same key, a message
  // per send. Collectives: the n-th op on a group is instance (group, n) on every member.
  const TraceMatch match = match_trace(t_);
  for (const TraceMatch::Message& mm : match.messages) {
    const auto [sr, si] = mm.send;
    const auto [rr, ri] = mm.recv;
    const TraceOp& o = op(sr, si);
    const size_t m = new_message(MessageRecord::Kind::Send, sr, o.peer, o.bytes, o.tag, rr, ri);
    messages_[m].send_op = static_cast<int>(si);
    msg_of_[static_cast<size_t>(sr)][si] = m;
    msg_of_[static_cast<size_t>(rr)][ri] = m;
  }
  for (const TraceMatch::Collective& mc : match.collectives) {
    auto c = std::make_unique<CollectiveRecord>();
    c->group = mc.group;
    c->seq = mc.seq;
    c->ops = mc.ops;
    for (const auto& [r, i] : mc.ops) msg_of_[static_cast<size_t>(r)][i] = colls_.size();
    colls_.push_back(std::move(c));
  }
  // Each collective's schedule, built now so that an algorithm that cannot do it fails before the run.
  // Instances making the same request (every layer's all-reduce on a group) share one schedule.
  std::map<std::tuple<int, CollOp, uint64_t, int, std::string>, std::shared_ptr<const CollSchedule>> built;
  for (auto& cp : colls_) {
    CollectiveRecord& c = *cp;
    const auto [r0, i0] = c.ops.front();
    const TraceOp& o = op(r0, i0);
    CollectiveRequest req;
    req.group = t_.groups[static_cast<size_t>(c.group)].ranks;
    req.op = o.kind == TraceOpKind::Barrier ? CollOp::AllReduce : o.coll;
    req.bytes = o.kind == TraceOpKind::Barrier ? kBarrierBytes : o.bytes;
    req.root = o.root;
    req.chunk = params_.chunk.bytes;
    req.free_reductions = reductions_are_free(params_.reduce_bandwidth);
    ImplConfig algo = params_.algorithm.of(req.op);
    if (!o.algo.empty()) algo = ImplConfig{o.algo, nullptr};
    std::shared_ptr<const CollSchedule>& schedule = built[{c.group, req.op, req.bytes, req.root, algorithm_text(algo)}];
    if (!schedule) {
      try {
        schedule = std::make_shared<const CollSchedule>(build_schedule(req, algo, &sys_.topology()));
      } catch (const CollectiveError& e) {
        if (!o.algo.empty()) throw ConfigError(o.loc, o.id + ".algo", e.what());
        // The system's algorithm does not do this group (e.g. a power-of-two-only variant): the default
        // algorithm does every op on any group.
        try {
          schedule = std::make_shared<const CollSchedule>(
              build_schedule(req, ImplConfig{default_algorithm(req.op), nullptr}, &sys_.topology()));
        } catch (const CollectiveError& e2) {
          throw ConfigError(o.loc, o.id, e2.what());
        }
      }
    }
    c.schedule = schedule;
    c.algo = c.schedule->algorithm;
  }
  for (size_t r = 0; r < n; ++r)
    for (size_t s = 0; s < streams; ++s) {
      wake_[r].push_back(std::make_unique<sc_core::sc_event>());
      if (stream_ops_[r][s].empty()) continue;
      sc_core::sc_spawn_options opts;
      opts.set_stack_size(kStreamStack);
      sc_core::sc_spawn(sim_.guard([this, r, s]() { stream_thread(static_cast<int>(r), static_cast<int>(s)); }),
                        fmt::format("rank{}_{}", r, t_.streams[s]).c_str(), &opts);
    }
}

size_t Runner::new_message(MessageRecord::Kind kind, int src, int dst, uint64_t bytes, int64_t tag, int rank,
                           uint32_t op) {
  MessageRecord m;
  m.kind = kind;
  m.info = MessageInfo{messages_.size(), src, dst, bytes, tag};
  m.rank = rank;
  m.op = op;
  messages_.push_back(m);
  return messages_.size() - 1;
}

Time Runner::first_death() const {
  Time first{-1};
  for (const Time& d : death_)
    if (d.ps >= 0 && (first.ps < 0 || d < first)) first = d;
  return first;
}

void Runner::stream_thread(int rank, int stream) {
  const size_t r = static_cast<size_t>(rank), s = static_cast<size_t>(stream);
  for (uint32_t i : stream_ops_[r][s]) {
    while (pending_[r][i] > 0) sc_core::wait(*wake_[r][s]);
    if (dead(rank)) return;  // a dead GPU starts nothing more
    OpRecord& rec = ops_[r][i];
    rec.started = true;
    rec.start = sim_now();
    execute(rank, i);
    ++stream_pos_[r][s];
  }
}

void Runner::execute(int rank, uint32_t i) {
  const TraceOp& o = op(rank, i);
  Gpu& gpu = sys_.gpu(rank);
  const MessageInfo local{0, rank, rank, o.bytes, 0};
  switch (o.kind) {
    case TraceOpKind::Kernel: {
      const KernelResult k = gpu.die.run_kernel(o.kernel);
      ops_[static_cast<size_t>(rank)][i].flops = k.useful_flops;
      finish(rank, i);
      return;
    }
    case TraceOpKind::Load:
    case TraceOpKind::Store:
      gpu.die.dma(o.kind == TraceOpKind::Load ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND, o.bytes, local);
      finish(rank, i);
      return;
    case TraceOpKind::Delay:
      sc_core::wait(to_sc(o.duration));
      finish(rank, i);
      return;
    case TraceOpKind::Send:
      send_message(msg_of_[static_cast<size_t>(rank)][i]);
      wait_done(rank, i);
      return;
    case TraceOpKind::Recv: {
      const MessageRecord& m = messages_[msg_of_[static_cast<size_t>(rank)][i]];
      if (m.delivered) {
        finish(rank, i);
        return;
      }
      wait_done(rank, i);
      return;
    }
    case TraceOpKind::RemoteWrite: {
      const size_t m = new_message(MessageRecord::Kind::RemoteWrite, rank, o.peer, o.bytes, 0, rank, i);
      msg_of_[static_cast<size_t>(rank)][i] = m;
      send_message(m);
      wait_done(rank, i);
      return;
    }
    case TraceOpKind::RemoteRead: {
      const size_t m = new_message(MessageRecord::Kind::ReadRequest, rank, o.peer, kReadRequestBytes, 0, rank, i);
      msg_of_[static_cast<size_t>(rank)][i] = m;
      MessageRecord& rec = messages_[m];
      rec.t_send = rec.t_inject = sim_now();
      sys_.fabric().send(rec.info, [this, m](const MessageInfo&) { on_arrival(m); });
      wait_done(rank, i);
      return;
    }
    case TraceOpKind::Collective:
    case TraceOpKind::Barrier:
      arrive_collective(msg_of_[static_cast<size_t>(rank)][i]);
      wait_done(rank, i);
      return;
  }
}

void Runner::wait_done(int rank, uint32_t i) {
  const size_t r = static_cast<size_t>(rank);
  sc_core::sc_event& ev = *wake_[r][static_cast<size_t>(op(rank, i).stream)];
  while (!ops_[r][i].done) sc_core::wait(ev);
}

void Runner::finish(int rank, uint32_t i) {
  if (dead(rank)) return;  // what a dead GPU was doing never completes
  const size_t r = static_cast<size_t>(rank);
  OpRecord& rec = ops_[r][i];
  rec.end = sim_now();
  rec.done = true;
  for (uint32_t d : dependents_[r][i]) --pending_[r][d];
  for (auto& ev : wake_[r]) ev->notify(sc_core::SC_ZERO_TIME);
}

void Runner::send_message(size_t m) {
  MessageRecord& rec = messages_[m];
  rec.t_send = sim_now();
  sys_.gpu(rec.info.src).die.dma(tlm::TLM_READ_COMMAND, rec.info.bytes, rec.info);
  rec.t_inject = sim_now();
  sys_.fabric().send(rec.info, [this, m](const MessageInfo&) { on_arrival(m); });
}

// Message m has crossed the fabric (called in its delivery context, which must not wait): the
// destination's DMA writes the payload into HBM, then it counts as delivered. A remote read's
// request carries no payload. Collective payloads never come here: they stream fabric to fabric
// (docs/trace-format.md).
void Runner::on_arrival(size_t m) {
  sc_core::sc_spawn(sim_.guard([this, m] {
    MessageRecord& rec = messages_[m];
    rec.t_arrive = sim_now();
    if (rec.kind != MessageRecord::Kind::ReadRequest)
      sys_.gpu(rec.info.dst).die.dma(tlm::TLM_WRITE_COMMAND, rec.info.bytes, rec.info);
    on_delivered(m);
  }),
                    fmt::format("deliver{}", messages_[m].info.id).c_str());
}

// Message m is in its destination's memory: its ops finish. Must not wait.
void Runner::on_delivered(size_t m) {
  MessageRecord& rec = messages_[m];
  rec.t_delivered = sim_now();
  rec.delivered = true;
  switch (rec.kind) {
    case MessageRecord::Kind::Send:
      finish(rec.info.src, static_cast<uint32_t>(rec.send_op));
      if (rec.rank >= 0 && ops_[static_cast<size_t>(rec.rank)][rec.op].started) finish(rec.rank, rec.op);
      return;
    case MessageRecord::Kind::RemoteWrite:
    case MessageRecord::Kind::ReadData:
      finish(rec.rank, rec.op);
      return;
    case MessageRecord::Kind::ReadRequest: {
      // The peer's copy engine reads the bytes and sends them back.
      const TraceOp& o = op(rec.rank, rec.op);
      const size_t data =
          new_message(MessageRecord::Kind::ReadData, rec.info.dst, rec.info.src, o.bytes, 0, rec.rank, rec.op);
      sc_core::sc_spawn(sim_.guard([this, data] { send_message(data); }), fmt::format("read{}", data).c_str());
      return;
    }
  }
}

void Runner::arrive_collective(size_t ci) {
  CollectiveRecord& c = *colls_[ci];
  if (c.arrived++ == 0) c.first_arrival = sim_now();
  if (c.arrived < static_cast<int>(c.ops.size())) return;
  c.start = sim_now();
  c.started = true;
  sc_core::sc_spawn(sim_.guard([this, ci] { run_collective(ci); }), fmt::format("coll{}", ci).c_str());
}

void Runner::run_collective(size_t ci) {
  CollectiveRecord& c = *colls_[ci];
  ExecutorParams p;
  p.reduce_bandwidth = params_.reduce_bandwidth;
  p.connection_window = params_.connection_window;
  p.id_base = kCollectiveIds + coll_ids_;
  p.keep_timing = false;  // the runner reports the collective, not its steps
  coll_ids_ += c.schedule->steps.size();
  CollectiveExecutor executor(sys_.fabric(), *c.schedule, p, sim_);
  if (params_.launch_latency.ps > 0) sc_core::wait(to_sc(params_.launch_latency));
  executor.run();
  executor.check_complete();
  c.messages = executor.messages();
  c.end = sim_now();
  c.done = true;
  for (const auto& [r, i] : c.ops) finish(r, i);
}

std::string Runner::waits_for(int rank, uint32_t i) const {
  const size_t r = static_cast<size_t>(rank);
  const TraceOp& o = op(rank, i);
  std::vector<std::string> waiting;
  for (uint32_t d : o.deps)
    if (!ops_[r][d].done) waiting.push_back(op(rank, d).id);
  if (!waiting.empty()) return fmt::format("waits for {}", fmt::join(waiting, ", "));
  const auto& sops = stream_ops_[r][static_cast<size_t>(o.stream)];
  const size_t pos = stream_pos_[r][static_cast<size_t>(o.stream)];
  if (pos < sops.size() && sops[pos] != i && !ops_[r][i].started)
    return fmt::format("waits behind '{}' on stream {}", op(rank, sops[pos]).id,
                       t_.streams[static_cast<size_t>(o.stream)]);
  if (!ops_[r][i].started) return "never started";
  switch (o.kind) {
    case TraceOpKind::Recv: {
      const MessageRecord& m = messages_[msg_of_[r][i]];
      return fmt::format("waits for message {} from rank {} (tag {}), not yet {}", m.info.id, m.info.src, m.info.tag,
                         m.t_inject.ps > 0 || m.delivered ? "delivered" : "sent");
    }
    case TraceOpKind::Collective:
    case TraceOpKind::Barrier: {
      const CollectiveRecord& c = *colls_[msg_of_[r][i]];
      std::vector<int> missing;
      for (const auto& [mr, mi] : c.ops)
        if (!ops_[static_cast<size_t>(mr)][mi].started) missing.push_back(mr);
      if (!missing.empty())
        return fmt::format("waits for group '{}' members {} to reach it", t_.groups[static_cast<size_t>(c.group)].name,
                           fmt::join(missing, ", "));
      return "the collective started but never finished";
    }
    default:
      return "started but never finished";
  }
}

void Runner::check_complete() const {
  std::vector<std::string> stuck;
  size_t total = 0;
  for (size_t r = 0; r < ops_.size(); ++r)
    for (uint32_t i = 0; i < ops_[r].size(); ++i) {
      if (ops_[r][i].done) continue;
      ++total;
      const TraceOp& o = op(static_cast<int>(r), i);
      if (stuck.size() < 20)
        stuck.push_back(fmt::format("  rank {} op '{}' ({}, {}): {}", r, o.id, trace_op_name(o.kind), o.loc.str(),
                                    waits_for(static_cast<int>(r), i)));
    }
  if (total == 0) return;
  throw SimError(fmt::format("deadlock: the simulation ran out of events at {} ns with {} op(s) unfinished:\n{}{}",
                             sim_now().ns(), total, fmt::join(stuck, "\n"),
                             total > stuck.size() ? fmt::format("\n  ... and {} more", total - stuck.size()) : ""));
}

}  // namespace litesim
