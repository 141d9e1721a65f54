#include "testbenches/lib/collective_tb.h"

#include <algorithm>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_context.h"
#include "core/sim_time.h"
#include "fabric/collective/collective_executor.h"
#include "fabric/fabric_builder.h"

namespace litesim {

namespace {

// One op of the run: its schedules (one per chunk) and executors [iteration][chunk].
struct OpRun {
  const CollectiveTbConfig* c = nullptr;
  CollectiveRequest req;
  std::vector<CollSchedule> scheds;
  std::vector<std::vector<std::unique_ptr<CollectiveExecutor>>> runs;
};

}  // namespace

CollectiveTbResult run_collective_tb(const ResolvedSystem& rs, const CollectiveTbConfig& c) {
  return run_collective_tb(rs, std::vector<CollectiveTbConfig>{c});
}

CollectiveTbResult run_collective_tb(const ResolvedSystem& rs, const std::vector<CollectiveTbConfig>& configs,
                                     OutputStream* steps_csv) {
  check_time_resolution();
  SimContext sim;
  sim.time_resolved = false;  // no timeline here
  auto where = [&rs](const std::string& key) { return rs.where(key); };
  FabricInstance net(rs.params.fabric, std::vector<CpoParams>{rs.params.package.cpo}, sim, where);
  std::vector<OpRun> ops(configs.size());
  uint64_t id_base = 0;  // message ids never repeat across ops, iterations and chunks
  for (size_t o = 0; o < configs.size(); ++o) {
    const CollectiveTbConfig& c = configs[o];
    OpRun& op = ops[o];
    op.c = &c;
    op.req.op = c.op;
    op.req.bytes = c.bytes;
    op.req.chunk = c.chunk;
    op.req.root = c.root;
    op.req.group = c.group;
    op.req.free_reductions = reductions_are_free(c.reduce_bandwidth);
    if (op.req.group.empty()) {
      op.req.group.resize(static_cast<size_t>(net.gpus()));
      std::iota(op.req.group.begin(), op.req.group.end(), 0);
    }
    // One schedule per chunk of the data (one chunk: the collective whole).
    for (const Range& part : split_even(Range{0, c.bytes}, c.chunks)) {
      CollectiveRequest r = op.req;
      r.bytes = part.bytes;
      op.scheds.push_back(build_schedule(r, c.algo, &net.topology()));
    }
    op.runs.resize(static_cast<size_t>(c.iters));
    for (auto& iter : op.runs)
      for (const CollSchedule& sched : op.scheds) {
        iter.push_back(std::make_unique<CollectiveExecutor>(
            net.fabric(), sched, ExecutorParams{c.reduce_bandwidth, id_base, c.connection_window, steps_csv != nullptr},
            sim));
        id_base += sched.steps.size();
      }
  }
  // The ops one after the other, each its iterations back to back.
  sc_core::sc_spawn(sim.guard([&] {
    for (OpRun& op : ops)
      for (auto& iter : op.runs) {
        if (op.c->sequential) {
          for (auto& r : iter) r->run();
          continue;
        }
        // pipelined: every chunk issued at once; the iteration ends when the last one does
        std::vector<sc_core::sc_process_handle> others;
        for (size_t k = 1; k < iter.size(); ++k)
          others.push_back(sc_core::sc_spawn(sim.guard([&iter, k] { iter[k]->run(); })));
        iter[0]->run();
        for (auto& h : others)
          if (!h.terminated()) sc_core::wait(h.terminated_event());
      }
    sc_core::sc_stop();  // nothing else to wait for, whatever the backend keeps scheduled
  }),
                    "collective");
  run_to_completion(sim);
  try {
    for (const OpRun& op : ops)
      for (const auto& iter : op.runs)
        for (const auto& r : iter) r->check_complete();
  } catch (const SimError& e) {
    const std::string fabric = net.fabric().stuck_report();
    throw SimError(fabric.empty() ? std::string(e.what()) : std::string(e.what()) + "\nfabric:\n" + fabric);
  }
  const Time end = sim_now();
  sim.ledger.close(end);
  const Fabric& f = net.fabric();
  check_conservation(f);

  CollectiveTbResult out;
  if (steps_csv) steps_csv->stream() << "op,iter,chunk," << CollectiveExecutor::csv_header() << "\n";
  const double energy = sim.ledger.total_pj();
  const double bits = static_cast<double>(f.bytes_delivered()) * 8.0;
  for (size_t o = 0; o < ops.size(); ++o) {
    const OpRun& op = ops[o];
    const CollectiveTbConfig& c = *op.c;
    const int p = static_cast<int>(op.req.group.size());
    std::vector<double> iter_ns;
    uint64_t messages = 0, sent = 0;
    size_t steps = 0;
    for (const CollSchedule& sched : op.scheds) {
      steps += sched.steps.size();
      sent += sched.bytes_sent();
    }
    for (size_t i = 0; i < op.runs.size(); ++i) {
      Time first = op.runs[i].front()->start_time(), last = first;
      for (size_t k = 0; k < op.runs[i].size(); ++k) {
        const CollectiveExecutor& r = *op.runs[i][k];
        first = std::min(first, r.start_time());
        last = std::max(last, r.end_time());
        messages += r.messages();
        if (steps_csv) r.csv_rows(steps_csv->stream(), fmt::format("{},{},{}", o, i, k));
      }
      iter_ns.push_back((last - first).ns());
    }
    const double t_ns = std::accumulate(iter_ns.begin(), iter_ns.end(), 0.0) / static_cast<double>(iter_ns.size());
    const double algbw = t_ns > 0 ? static_cast<double>(c.bytes) / t_ns : 0.0;  // B/ns == GB/s
    const double factor = busbw_factor(c.op, p);
    nlohmann::json j;
    j["op"] = op_name(c.op);
    j["algo"] = c.algo.kind;
    j["algo_text"] = c.algo_text;
    j["algo_source"] = c.algo_source;
    j["gpus"] = p;
    j["group"] = op.req.group;
    j["root"] = c.root;
    j["bytes"] = c.bytes;
    j["chunk"] = c.chunk;
    j["connection_window"] = c.connection_window;
    j["iters"] = c.iters;
    j["reduce_bandwidth_GBps"] = c.reduce_bandwidth.bytes_per_s() / 1e9;
    j["time_ns"] = t_ns;
    j["iter_time_ns"] = iter_ns;
    j["algbw_GBps"] = algbw;
    j["busbw_factor"] = factor;
    j["busbw_GBps"] = algbw * factor;
    // This op's own traffic (its schedules' sends); with one op, the fabric's totals.
    j["bytes_injected"] = ops.size() == 1 ? f.bytes_injected() : sent * static_cast<uint64_t>(c.iters);
    j["bytes_delivered"] = ops.size() == 1 ? f.bytes_delivered() : sent * static_cast<uint64_t>(c.iters);
    j["messages"] = messages;
    j["steps"] = steps;
    j["chunks"] = c.chunks;
    j["chunk_mode"] = c.sequential ? "sequential" : "pipelined";
    if (ops.size() == 1) {  // the ledger covers the whole run: per op only when there is one
      j["energy_pJ"] = energy;
      j["pJ_per_bit"] = bits > 0 ? energy / bits : 0.0;
      j["sim_time_ns"] = end.ns();
    }
    out.rows.push_back(j);

    std::string& hm = out.human;
    // the group in full, or as a range when it is every GPU in order (4,096 numbers otherwise)
    bool in_order = true;
    for (int i = 0; i < p; ++i) in_order = in_order && op.req.group[static_cast<size_t>(i)] == i;
    const std::string group =
        in_order && p > 16 ? fmt::format("0..{}", p - 1) : fmt::format("{}", fmt::join(op.req.group, ","));
    hm += fmt::format("LiteSim tb collective: {} {} of {} B over {} GPUs ({}), system {}\n", c.algo_text, op_name(c.op),
                      c.bytes, p, group, rs.params.name);
    hm += fmt::format("  algorithm from  {}\n", c.algo_source);
    hm += fmt::format("  chunk           {}\n", c.chunk ? fmt::format("{} B", c.chunk) : std::string("none"));
    if (c.chunks > 1)
      hm += fmt::format("  chunks          {} of ~{} B, {}\n", c.chunks, c.bytes / static_cast<uint64_t>(c.chunks),
                        c.sequential ? "sequential" : "pipelined");
    if (c.connection_window > 0) hm += fmt::format("  window          {} per connection\n", c.connection_window);
    hm += fmt::format("  time            {:12.3f} us per iteration ({} iteration{})\n", t_ns / 1e3, c.iters,
                      c.iters == 1 ? "" : "s");
    hm += fmt::format("  algbw           {:12.3f} GB/s\n", algbw);
    hm += fmt::format("  busbw           {:12.3f} GB/s (x {:.4f})\n", algbw * factor, factor);
    hm += fmt::format("  traffic         {} messages, {} B injected, {} B delivered\n", messages,
                      j["bytes_injected"].get<uint64_t>(), j["bytes_delivered"].get<uint64_t>());
  }
  out.tb = out.rows.front();
  out.energy = {{"energy_pJ", energy},
                {"pJ_per_bit", bits > 0 ? energy / bits : 0.0},
                {"bytes_delivered", f.bytes_delivered()},
                {"sim_time_ns", end.ns()}};
  out.human += fmt::format("  energy          {:.3f} uJ, {:.3f} pJ/bit delivered{}\n", energy / 1e6,
                           bits > 0 ? energy / bits : 0.0, ops.size() > 1 ? " (all ops)" : "");
  return out;
}

}  // namespace litesim
