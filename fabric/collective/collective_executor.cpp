#include "fabric/collective/collective_executor.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

CollectiveExecutor::CollectiveExecutor(Fabric& fabric, const CollSchedule& schedule, const ExecutorParams& params,
                                       SimContext& sim)
    : fabric_(fabric), schedule_(schedule), params_(params), sim_(sim) {
  const size_t n = schedule.steps.size();
  waiting_.resize(n);
  state_.assign(n, State::Waiting);
  if (params_.keep_timing) timing_.resize(n);
  int gpus = 0;
  std::map<std::pair<int, int>, uint32_t> connection_of;  // (src, dst) -> index into connections_
  const bool windowed = params_.connection_window > 0;    // connections matter only with a window
  if (windowed) conn_of_step_.resize(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const CollStep& s = schedule.steps[i];
    gpus = std::max({gpus, s.src + 1, s.dst + 1});
    if (s.fused && !reductions_are_free(params_.reduce_bandwidth))
      throw std::logic_error("a schedule built with free reductions run with a reduce bandwidth");
    if (windowed && s.kind == CollStep::Kind::Send) {
      auto [it, fresh] = connection_of.try_emplace({s.src, s.dst}, static_cast<uint32_t>(connections_.size()));
      if (fresh) connections_.emplace_back();
      conn_of_step_[i] = it->second;
    }
    waiting_[i] = static_cast<uint32_t>(schedule.deps(i).size());  // earlier steps only (CollSchedule::append)
  }
  if (n > 0) schedule.dependents(0);  // built once per schedule, before the run
  engines_.resize(static_cast<size_t>(gpus));
  if (!reductions_are_free(params_.reduce_bandwidth))
    for (size_t g = 0; g < engines_.size(); ++g) {
      engines_[g].wake = std::make_unique<sc_core::sc_event>();
      sc_core::sc_spawn_options opts;
      opts.spawn_method();
      opts.set_sensitivity(engines_[g].wake.get());
      opts.dont_initialize();
      sc_core::sc_spawn(sim_.guard([this, g] { engine_wakes(g); }),
                        fmt::format("coll{}_reduce_gpu{}", params_.id_base, g).c_str(), &opts);
    }
}

void CollectiveExecutor::engine_wakes(size_t gpu) {
  Engine& e = engines_[gpu];
  while (!e.busy.empty() && !(sim_now() < e.busy.front().first)) {
    const size_t i = e.busy.front().second;
    e.busy.pop_front();
    complete(i);  // may start further reductions here, queued behind the others
  }
  if (!e.busy.empty()) e.wake->notify(to_sc(e.busy.front().first - sim_now()));
}

void CollectiveExecutor::run() {
  if (started_) throw std::logic_error("a CollectiveExecutor runs once");
  started_ = true;
  start_ = end_ = sim_now();
  if (schedule_.steps.empty()) return;
  for (size_t i = 0; i < schedule_.steps.size(); ++i)
    if (waiting_[i] == 0) issue(i);
  if (!finished()) sc_core::wait(all_done_);
}

void CollectiveExecutor::issue(size_t i) {
  const CollStep& s = schedule_.steps[i];
  state_[i] = State::Ready;
  if (!timing_.empty()) timing_[i].ready = timing_[i].start = sim_now();
  if (s.kind == CollStep::Kind::Send) {
    if (params_.connection_window > 0 && connections_[conn_of_step_[i]].in_flight >= params_.connection_window) {
      Connection& c = connections_[conn_of_step_[i]];
      c.queued.push_back(i);
      return;
    }
    start_send(i);
    return;
  }
  state_[i] = State::Started;
  if (!timing_.empty()) timing_[i].started = true;
  if (reductions_are_free(params_.reduce_bandwidth)) {
    complete(i);
    return;
  }
  // The GPU reduces one piece at a time, at reduce_bandwidth, in the order pieces become ready.
  Engine& e = engines_[static_cast<size_t>(s.src)];
  const Time start = std::max(sim_now(), e.free);
  if (!timing_.empty()) timing_[i].start = start;
  e.free = start + transfer_time(s.data.bytes, params_.reduce_bandwidth);
  e.busy.emplace_back(e.free, i);
  if (e.busy.size() == 1) e.wake->notify(to_sc(e.free - sim_now()));
}

void CollectiveExecutor::start_send(size_t i) {
  const CollStep& s = schedule_.steps[i];
  state_[i] = State::Started;
  if (!timing_.empty()) {
    timing_[i].start = sim_now();
    timing_[i].started = true;
  }
  if (params_.connection_window > 0) ++connections_[conn_of_step_[i]].in_flight;
  ++messages_;
  const MessageInfo m{params_.id_base + i, s.src, s.dst, s.data.bytes,
                      schedule_.request.tag_base + static_cast<int64_t>(i)};
  fabric_.send(m, [this, i](const MessageInfo&) { complete(i); });
}

void CollectiveExecutor::complete(size_t i) {
  state_[i] = State::Done;
  if (!timing_.empty()) {
    timing_[i].end = sim_now();
    timing_[i].done = true;
  }
  end_ = std::max(end_, sim_now());
  ++done_;
  const CollStep& s = schedule_.steps[i];
  if (s.kind == CollStep::Kind::Send && params_.connection_window > 0) {
    // the connection's next message goes before newly ready ones
    Connection& c = connections_[conn_of_step_[i]];
    --c.in_flight;
    if (c.next < c.queued.size()) start_send(c.queued[c.next++]);
  }
  for (uint32_t d : schedule_.dependents(i))
    if (--waiting_[d] == 0) issue(d);
  if (finished()) all_done_.notify();
}

void CollectiveExecutor::check_complete() const {
  if (finished()) return;
  auto at = [this](size_t i, bool start) {
    return timing_.empty() ? std::string()
                           : fmt::format(" at {} ns", (start ? timing_[i].start : timing_[i].ready).ns());
  };
  std::string list;
  size_t shown = 0, pending = 0;
  for (size_t i = 0; i < schedule_.steps.size(); ++i) {
    if (state_[i] == State::Done) continue;
    ++pending;
    if (shown == 20) continue;
    ++shown;
    const CollStep& s = schedule_.steps[i];
    std::string what;
    if (!started_)
      what = "the collective never started";
    else if (waiting_[i] > 0)
      what = fmt::format("waits for {} of steps {}", waiting_[i], fmt::join(schedule_.deps(i), ","));
    else if (s.kind == CollStep::Kind::Send && state_[i] != State::Started)
      what = fmt::format("ready{}, queued behind an undelivered message of its connection", at(i, false));
    else if (s.kind == CollStep::Kind::Send)
      what = fmt::format("message {} sent{}, never delivered", params_.id_base + i, at(i, true));
    else
      what = fmt::format("reduction started{}, never finished", at(i, true));
    const std::string kind =
        s.kind == CollStep::Kind::Send ? fmt::format("send {}->{}", s.src, s.dst) : fmt::format("reduce at {}", s.src);
    list += fmt::format("\n  step {} ({}, {}, {} B): {}", i, kind, schedule_.phase(i), s.data.bytes, what);
  }
  throw SimError(fmt::format("collective {} ({}) did not finish: {} of {} steps pending{}{}",
                             op_name(schedule_.request.op), schedule_.algorithm, pending, schedule_.steps.size(), list,
                             pending > shown ? fmt::format("\n  ... and {} more", pending - shown) : ""));
}

std::string CollectiveExecutor::csv_header() {
  return "step,kind,phase,src,dst,offset,bytes,deps,ready_ns,start_ns,end_ns";
}

void CollectiveExecutor::csv_rows(std::ostream& o, const std::string& prefix) const {
  if (!params_.keep_timing) throw std::logic_error("csv_rows needs ExecutorParams.keep_timing");
  fmt::memory_buffer row;
  for (size_t i = 0; i < schedule_.steps.size(); ++i) {
    const CollStep& s = schedule_.steps[i];
    const StepTiming& t = timing_[i];
    row.clear();
    if (!prefix.empty()) fmt::format_to(std::back_inserter(row), "{},", prefix);
    fmt::format_to(std::back_inserter(row), "{},{},{},{},{},{},{},{},{},{},{}\n", i,
                   s.kind == CollStep::Kind::Send ? "send" : "reduce", schedule_.phase(i), s.src, s.dst, s.data.offset,
                   s.data.bytes, fmt::join(schedule_.deps(i), " "), t.ready.ns(), t.start.ns(), t.end.ns());
    o.write(row.data(), static_cast<std::streamsize>(row.size()));
  }
}

}  // namespace litesim
