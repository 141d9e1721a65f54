#include "traces/runner/simulate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <systemc>

#include "core/error.h"
#include "core/sim_time.h"
#include "traces/runner/runner.h"
#include "traces/runner/timeline.h"
#include "traces/system/system.h"

#ifndef LITESIM_VERSION
#define LITESIM_VERSION "0.0.0"
#endif

namespace litesim {
namespace fs = std::filesystem;

namespace {

std::string num(double v) { return fmt::format("{}", v); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

RunResult simulate(const ResolvedSystem& rs, const Trace& workload, uint64_t seed, bool timeline) {
  check_time_resolution();
  SimContext sim;
  sim.seed = seed;
  EnergyLedger& ledger = sim.ledger;
  {
    // Check the workload against the system before building it (a large system takes a while).
    const auto topology = TopologyRegistry::instance().create(rs.params.fabric.topology);
    check_trace(workload, topology->num_gpus(), rs.params.name);
    // Every kernel must be plannable on this die (dtype throughput, a tile that fits).
    const PackageParams& pkg = rs.params.package;
    for (const TraceRank& r : workload.ranks)
      for (const TraceOp& op : r.ops)
        if (op.kind == TraceOpKind::Kernel) {
          try {
            plan_kernel(op.kernel, pkg.die, PlanTarget{pkg.die.sms * pkg.dies, hbm_facts(pkg.hbm).peak_bytes_per_s});
          } catch (const ConfigError& e) {
            throw ConfigError(op.loc, op.id,
                              fmt::format("cannot run on package '{}' of system '{}': {}: {}", pkg.name, rs.params.name,
                                          e.key_path(), e.detail()));
          }
        }
  }
  System sys(rs.params, rs.tree, sim);
  Runner runner(sys, workload, rs.params.fabric.collective, sim);
  for (const FaultEvent& f : sys.fabric().fault_report().faults)
    if (f.dead_gpu >= 0 && f.dead_gpu < static_cast<int>(workload.ranks.size())) runner.kill_rank_at(f.dead_gpu, f.at);
  run_to_completion(sim);
  // Injected faults that left messages without a route cut the job short: it is aborted (the
  // collective timeout after the first loss), its finished work kept; without them, unfinished ops
  // are a deadlock.
  nlohmann::json aborted;
  try {
    runner.check_complete();
  } catch (const SimError& e) {
    const FaultReport fr = sys.fabric().fault_report();
    const Time death = runner.first_death();
    if (fr.messages_lost == 0 && death.ps < 0) throw;
    // the first loss: a message given up, or a GPU dying
    Time first = fr.first_lost;
    if (death.ps >= 0 && (first.ps < 0 || death < first)) first = death;
    size_t unfinished = 0, total = 0;
    for (const auto& r : runner.ops())
      for (const OpRecord& o : r) {
        ++total;
        unfinished += o.done ? 0 : 1;
      }
    const Time at = first + rs.params.fabric.recovery.collective_timeout;
    aborted = {{"at_ns", at.ns()},
               {"first_loss_ns", first.ns()},
               {"gpu_died_ns", death.ps >= 0 ? nlohmann::json(death.ns()) : nlohmann::json(nullptr)},
               {"collective_timeout_ns", rs.params.fabric.recovery.collective_timeout.ns()},
               {"messages_lost", fr.messages_lost},
               {"ops_done", total - unfinished},
               {"ops_unfinished", unfinished},
               {"report", sys.fabric().stuck_report() + e.what()}};
  }
  const Time end = sim_now();
  sys.finish(end);
  ledger.close(end);
  check_conservation(sys.fabric());

  RunResult out;
  nlohmann::json& s = out.summary;
  s["schema_version"] = kSummarySchemaVersion;
  s["litesim_version"] = LITESIM_VERSION;
  s["config_digest"] = rs.digest;
  s["system"] = rs.params.name;
  s["workload"] = {{"name", workload.name}, {"digest", workload.digest}};
  s["seed"] = seed;
  s["gpu_count"] = sys.gpus();
  s["sim_time_ns"] = end.ns();
  s["status"] = aborted.is_null() ? "complete" : "aborted";
  if (!aborted.is_null()) s["aborted"] = aborted;

  // Energy, by component kind and in total.
  nlohmann::json energy;
  double total = 0, stat = 0, dyn = 0;
  for (const auto& [kind, k] : ledger.by_kind()) {
    energy["by_component"][kind] = k.total_pj();
    energy["pJ_per_bit"][kind] = k.pj_per_bit();
    energy["static_pJ_by_component"][kind] = k.static_pj;
    energy["dynamic_pJ_by_component"][kind] = k.dynamic_pj;
    total += k.total_pj();
    stat += k.static_pj;
    dyn += k.dynamic_pj;
  }
  energy["total_pJ"] = total;
  energy["static_pJ"] = stat;
  energy["dynamic_pJ"] = dyn;
  const double delivered_bits = static_cast<double>(sys.fabric().bytes_delivered()) * 8.0;
  energy["pJ_per_bit_delivered"] = delivered_bits > 0 ? total / delivered_bits : 0.0;
  s["energy"] = energy;

  // Per-component energy from the ledger, keyed by instance name.
  std::map<std::string, double> by_name;
  for (const auto& a : ledger.accounts()) by_name[a.name] = a.total_pj();

  std::ostringstream gcsv, hcsv, lcsv, mcsv;
  gcsv << "gpu,package,kernels,flops,compute_busy_ns,compute_utilization,kernel_bytes,dma_bytes,bytes_sent,bytes_"
          "received,die_energy_pJ,hbm_energy_pJ\n";
  hcsv << "gpu,bytes_read,bytes_written,requests,achieved_GBps,utilization,latency_p50_ns,latency_p99_ns,energy_pJ\n";
  std::vector<uint64_t> sent(static_cast<size_t>(sys.gpus()), 0), received(static_cast<size_t>(sys.gpus()), 0);
  for (const auto& m : runner.messages()) {
    if (!m.delivered) continue;  // lost with an injected fault
    sent[static_cast<size_t>(m.info.src)] += m.info.bytes;
    received[static_cast<size_t>(m.info.dst)] += m.info.bytes;
  }
  s["gpus"] = nlohmann::json::array();
  s["hbm"] = nlohmann::json::array();
  for (int g = 0; g < sys.gpus(); ++g) {
    const Gpu& gpu = sys.gpu(g);
    const double die_e = by_name.at(gpu.die.name());
    const double hbm_e = by_name.at(gpu.hbm->hbm_name());
    const double util = gpu.die.compute_busy().utilization(end);
    s["gpus"].push_back({{"gpu", g},
                         {"package", gpu.params().name},
                         {"kernels", gpu.die.kernels()},
                         {"flops", gpu.die.flops()},
                         {"compute_utilization", util},
                         {"bytes_sent", sent[static_cast<size_t>(g)]},
                         {"bytes_received", received[static_cast<size_t>(g)]},
                         {"die_energy_pJ", die_e}});
    gcsv << g << ',' << csv_field(gpu.params().name) << ',' << gpu.die.kernels() << ',' << num(gpu.die.flops()) << ','
         << num(gpu.die.compute_busy().busy().ns()) << ',' << num(util) << ',' << gpu.die.kernel_bytes() << ','
         << gpu.die.dma_bytes() << ',' << sent[static_cast<size_t>(g)] << ',' << received[static_cast<size_t>(g)] << ','
         << num(die_e) << ',' << num(hbm_e) << '\n';
    const Hbm& h = *gpu.hbm;
    const double moved = static_cast<double>(h.bytes_read() + h.bytes_written());
    const double gbps = end.ps > 0 ? moved / end.s() / 1e9 : 0.0;
    const double hutil = h.utilization(end);
    s["hbm"].push_back({{"gpu", g},
                        {"bytes_read", h.bytes_read()},
                        {"bytes_written", h.bytes_written()},
                        {"requests", h.requests()},
                        {"achieved_GBps", gbps},
                        {"utilization", hutil},
                        {"latency_ns", h.latency_ns().to_json()},
                        {"energy_pJ", hbm_e},
                        {"details", h.details(end)}});
    hcsv << g << ',' << h.bytes_read() << ',' << h.bytes_written() << ',' << h.requests() << ',' << num(gbps) << ','
         << num(hutil) << ',' << num(h.latency_ns().percentile(50)) << ',' << num(h.latency_ns().percentile(99)) << ','
         << num(hbm_e) << '\n';
  }

  lcsv << "link,name,end_a,end_b,rate_Gbps,bytes_a_to_b,bytes_b_to_a,messages,utilization_a_to_b,utilization_b_to_a,"
          "energy_pJ\n";
  s["links"] = nlohmann::json::array();
  for (const auto& l : sys.fabric().link_reports(end)) {
    const double util = (l.utilization_ab + l.utilization_ba) / 2.0;
    s["links"].push_back({{"id", l.id},
                          {"name", l.name},
                          {"end_a", l.end_a},
                          {"end_b", l.end_b},
                          {"rate_Gbps", l.rate_Gbps},
                          {"bytes", l.bytes_ab + l.bytes_ba},
                          {"bytes_a_to_b", l.bytes_ab},
                          {"bytes_b_to_a", l.bytes_ba},
                          {"messages", l.messages},
                          {"utilization", util},
                          {"utilization_a_to_b", l.utilization_ab},
                          {"utilization_b_to_a", l.utilization_ba},
                          {"energy_pJ", l.energy_pJ}});
    lcsv << l.id << ',' << l.name << ',' << l.end_a << ',' << l.end_b << ',' << num(l.rate_Gbps) << ',' << l.bytes_ab
         << ',' << l.bytes_ba << ',' << l.messages << ',' << num(l.utilization_ab) << ',' << num(l.utilization_ba)
         << ',' << num(l.energy_pJ) << '\n';
  }

  mcsv << "id,src,dst,tag,bytes,send_ns,inject_ns,arrive_ns,delivered_ns,network_latency_ns,end_to_end_ns\n";
  Histogram e2e;
  for (const auto& m : runner.messages()) {
    if (!m.delivered) continue;  // lost with an injected fault
    e2e.add((m.t_delivered - m.t_send).ns());
    mcsv << m.info.id << ',' << m.info.src << ',' << m.info.dst << ',' << m.info.tag << ',' << m.info.bytes << ','
         << num(m.t_send.ns()) << ',' << num(m.t_inject.ns()) << ',' << num(m.t_arrive.ns()) << ','
         << num(m.t_delivered.ns()) << ',' << num((m.t_arrive - m.t_inject).ns()) << ','
         << num((m.t_delivered - m.t_send).ns()) << '\n';
  }
  s["messages"] = {{"count", runner.messages().size()},
                   {"bytes_injected", sys.fabric().bytes_injected()},
                   {"bytes_delivered", sys.fabric().bytes_delivered()},
                   {"bytes_dropped", sys.fabric().bytes_dropped()},
                   {"latency_ns", sys.fabric().latency_ns().to_json()},
                   {"end_to_end_ns", e2e.to_json()}};
  if (const FaultReport fr = sys.fabric().fault_report(); !fr.faults.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const FaultEvent& f : fr.faults) {
      list.push_back({{"fault", f.text},
                      {"link", f.link},
                      {"at_ns", f.at.ns()},
                      {"detect_ns", (f.detected - f.at).ns()},
                      {"recover_ns", (f.rerouted - f.at).ns()}});
      if (f.dead_gpu >= 0) list.back()["dead_gpu"] = f.dead_gpu;
    }
    s["faults"] = {{"injected_bytes", sys.fabric().bytes_injected()},
                   {"delivered_bytes", sys.fabric().bytes_delivered()},
                   {"dropped_bytes", sys.fabric().bytes_dropped()},
                   {"messages_dropped", fr.messages_dropped},
                   {"retransmissions", fr.retransmissions},
                   {"messages_lost", fr.messages_lost},
                   {"faults", list}};
  }
  // Every op, and the per-kernel and per-collective tables (grouped by the name as written).
  std::ostringstream ocsv, ccsv;
  ocsv << "rank,id,name,kind,stream,start_ns,end_ns,duration_ns,bytes,flops\n";
  struct KernelRow {
    std::string kind;
    uint64_t count = 0;
    double total_ns = 0, max_ns = 0, flops = 0;
  };
  std::map<std::string, KernelRow> kernel_rows;
  s["streams"] = nlohmann::json::array();
  for (size_t r = 0; r < workload.ranks.size(); ++r) {
    const auto& tops = workload.ranks[r].ops;
    std::vector<std::vector<std::pair<double, double>>> busy(workload.streams.size());
    for (uint32_t i = 0; i < tops.size(); ++i) {
      const TraceOp& o = tops[i];
      const OpRecord& rec = runner.ops()[r][i];
      if (!rec.done) continue;  // an aborted run's unfinished op
      const double d = (rec.end - rec.start).ns();
      busy[static_cast<size_t>(o.stream)].emplace_back(rec.start.ns(), rec.end.ns());
      ocsv << r << ',' << csv_field(o.id) << ',' << csv_field(o.name) << ',' << trace_op_name(o.kind) << ','
           << csv_field(workload.streams[static_cast<size_t>(o.stream)]) << ',' << num(rec.start.ns()) << ','
           << num(rec.end.ns()) << ',' << num(d) << ',' << o.bytes << ',' << num(rec.flops) << '\n';
      if (o.kind != TraceOpKind::Kernel) continue;
      KernelRow& k = kernel_rows[o.name];
      k.kind = kernel_kind_name(o.kernel.kind);
      ++k.count;
      k.total_ns += d;
      k.max_ns = std::max(k.max_ns, d);
      k.flops += rec.flops;
    }
    // Time each stream was busy, and how much of the comm stream's time the compute stream hid.
    nlohmann::json row = {{"rank", r}};
    auto total = [](const std::vector<std::pair<double, double>>& v) {
      double t = 0;
      for (const auto& [a, b] : v) t += b - a;
      return t;
    };
    for (size_t st = 0; st < busy.size(); ++st) row[workload.streams[st] + "_busy_ns"] = total(busy[st]);
    double overlap = 0;
    const auto &cv = busy[0], &mv = busy[1];  // ops of one stream never overlap each other
    for (size_t a = 0, b = 0; a < cv.size() && b < mv.size();) {
      overlap += std::max(0.0, std::min(cv[a].second, mv[b].second) - std::max(cv[a].first, mv[b].first));
      if (cv[a].second < mv[b].second)
        ++a;
      else
        ++b;
    }
    row["overlap_ns"] = overlap;
    row["exposed_comm_ns"] = total(mv) - overlap;
    // the rank's ops, how many finished (fewer in an aborted run) and when its last one ended
    uint64_t done = 0;
    double end = 0;
    for (const OpRecord& rec : runner.ops()[r])
      if (rec.done) {
        ++done;
        end = std::max(end, rec.end.ns());
      }
    row["ops"] = tops.size();
    row["ops_done"] = done;
    row["end_ns"] = end;
    s["streams"].push_back(row);
  }
  s["kernels"] = nlohmann::json::array();
  for (const auto& [name, k] : kernel_rows)
    s["kernels"].push_back({{"name", name},
                            {"kind", k.kind},
                            {"count", k.count},
                            {"total_ns", k.total_ns},
                            {"mean_ns", k.total_ns / static_cast<double>(k.count)},
                            {"max_ns", k.max_ns},
                            {"flops", k.flops},
                            {"TFLOPS", k.total_ns > 0 ? k.flops / k.total_ns / 1e3 : 0.0}});
  ccsv << "index,name,op,group,members,bytes,algorithm,first_arrival_ns,start_ns,end_ns,time_ns,algbw_GBps,busbw_GBps,"
          "messages\n";
  struct CollRow {
    std::string op, group, algo;
    uint64_t bytes = 0, count = 0;
    int members = 0;
    double total_ns = 0, wait_ns = 0;
  };
  std::map<std::pair<std::string, std::string>, CollRow> coll_rows;  // by (name, group)
  for (size_t c = 0; c < runner.collectives().size(); ++c) {
    const CollectiveRecord& rec = *runner.collectives()[c];
    if (!rec.done) continue;  // an aborted run's unfinished collective
    const TraceOp& o = workload.ranks[static_cast<size_t>(rec.ops[0].first)].ops[rec.ops[0].second];
    const std::string op = o.kind == TraceOpKind::Barrier ? "barrier" : op_name(o.coll);
    const int p = static_cast<int>(rec.ops.size());
    const double t = (rec.end - rec.start).ns();
    const double algbw = t > 0 ? static_cast<double>(o.bytes) / t : 0.0;  // B/ns = GB/s
    const double busbw = o.kind == TraceOpKind::Barrier ? 0.0 : algbw * busbw_factor(o.coll, p);
    const std::string& group = workload.groups[static_cast<size_t>(rec.group)].name;
    ccsv << c << ',' << csv_field(o.name) << ',' << op << ',' << csv_field(group) << ',' << p << ',' << o.bytes << ','
         << csv_field(rec.algo) << ',' << num(rec.first_arrival.ns()) << ',' << num(rec.start.ns()) << ','
         << num(rec.end.ns()) << ',' << num(t) << ',' << num(algbw) << ',' << num(busbw) << ',' << rec.messages << '\n';
    CollRow& row = coll_rows[{o.name, group}];
    row.op = op;
    row.group = group;
    row.algo = rec.algo;
    row.bytes = o.bytes;
    row.members = p;
    ++row.count;
    row.total_ns += t;
    row.wait_ns += (rec.start - rec.first_arrival).ns();
  }
  s["collectives"] = nlohmann::json::array();
  for (const auto& [key, c] : coll_rows) {
    const std::string& name = key.first;
    const double mean = c.total_ns / static_cast<double>(c.count);
    const double algbw = mean > 0 ? static_cast<double>(c.bytes) / mean : 0.0;
    s["collectives"].push_back({{"name", name},
                                {"op", c.op},
                                {"group", c.group},
                                {"members", c.members},
                                {"algorithm", c.algo},
                                {"bytes", c.bytes},
                                {"count", c.count},
                                {"total_ns", c.total_ns},
                                {"mean_ns", mean},
                                {"algbw_GBps", algbw},
                                {"skew_wait_ns", c.wait_ns}});
  }
  out.ops_csv = ocsv.str();
  out.collectives_csv = ccsv.str();
  s["stats"] = sim.stats.to_json(end);
  out.gpus_csv = gcsv.str();
  out.hbm_csv = hcsv.str();
  out.links_csv = lcsv.str();
  out.messages_csv = mcsv.str();
  if (timeline)
    out.timeline_json = timeline_json(sys, runner, end,
                                      {{"litesim_version", s["litesim_version"]},
                                       {"system", s["system"]},
                                       {"workload", s["workload"]},
                                       {"config_digest", s["config_digest"]},
                                       {"seed", seed},
                                       {"gpu_count", s["gpu_count"]}});

  // The one-screen summary for people.
  std::ostringstream h;
  h << fmt::format("LiteSim {}  system '{}' ({} GPUs, {} topology)  workload '{}'\n", LITESIM_VERSION, rs.params.name,
                   sys.gpus(), rs.params.fabric.topology.kind, workload.name);
  h << fmt::format("config digest {}  seed {}\n", rs.digest, seed);
  h << fmt::format("simulated time     {:.3f} us\n", end.ns() / 1e3);
  if (!aborted.is_null())
    h << fmt::format(
        "ABORTED            injected faults (a dead GPU, or {} message(s) with no route) cut the job; it is aborted at "
        "{:.3f} s "
        "(first loss + the collective timeout) with {} of {} ops done\n{}",
        aborted["messages_lost"].get<uint64_t>(), aborted["at_ns"].get<double>() / 1e9,
        aborted["ops_done"].get<size_t>(), aborted["ops_done"].get<size_t>() + aborted["ops_unfinished"].get<size_t>(),
        aborted["report"].get<std::string>() + "\n");
  h << fmt::format("messages           {}  ({} B delivered of {} B injected{})\n", runner.messages().size(),
                   sys.fabric().bytes_delivered(), sys.fabric().bytes_injected(),
                   sys.fabric().bytes_dropped() ? fmt::format(", {} B dropped", sys.fabric().bytes_dropped()) : "");
  const auto& lat = sys.fabric().latency_ns();
  h << fmt::format("network latency    p50 {:.1f} ns  p99 {:.1f} ns  max {:.1f} ns\n", lat.percentile(50),
                   lat.percentile(99), lat.max());
  // Up to 8 links and HBMs line by line; beyond that (a rack) one line each: the spread.
  constexpr size_t kListed = 8;
  if (s["links"].size() <= kListed) {
    for (const auto& l : s["links"])
      h << fmt::format("link {:<3} {}<->{}  {:>8.1f} Gbps/dir  {:>12} B  util {:5.1f}%\n", l["id"].get<int>(),
                       l["end_a"].get<int>(), l["end_b"].get<int>(), l["rate_Gbps"].get<double>(),
                       l["bytes"].get<uint64_t>(), 100.0 * l["utilization"].get<double>());
  } else {
    double lo = 1, hi = 0, sum = 0;
    uint64_t bytes = 0;
    for (const auto& l : s["links"]) {
      const double u = l["utilization"].get<double>();
      lo = std::min(lo, u), hi = std::max(hi, u), sum += u;
      bytes += l["bytes"].get<uint64_t>();
    }
    h << fmt::format("links ({})         {} B carried; utilization min {:.1f}% mean {:.1f}% max {:.1f}% (links.csv)\n",
                     s["links"].size(), bytes, 100 * lo, 100 * sum / static_cast<double>(s["links"].size()), 100 * hi);
  }
  if (s["hbm"].size() <= kListed) {
    for (const auto& x : s["hbm"])
      h << fmt::format("hbm  gpu{:<3}  read {:>12} B  written {:>12} B  {:8.1f} GB/s avg\n", x["gpu"].get<int>(),
                       x["bytes_read"].get<uint64_t>(), x["bytes_written"].get<uint64_t>(),
                       x["achieved_GBps"].get<double>());
  } else {
    double lo = 1e300, hi = 0;
    for (const auto& x : s["hbm"]) {
      lo = std::min(lo, x["achieved_GBps"].get<double>());
      hi = std::max(hi, x["achieved_GBps"].get<double>());
    }
    h << fmt::format("hbm ({} GPUs)      {:.1f} to {:.1f} GB/s average per GPU (hbm.csv)\n", s["hbm"].size(), lo, hi);
  }
  if (!s["kernels"].empty()) {
    h << fmt::format("{:<24} {:<12} {:>7} {:>14} {:>12} {:>9}\n", "kernel", "kind", "count", "total us", "mean us",
                     "TFLOPS");
    for (const auto& k : s["kernels"])
      h << fmt::format("{:<24} {:<12} {:>7} {:>14.3f} {:>12.3f} {:>9.1f}\n", k["name"].get<std::string>(),
                       k["kind"].get<std::string>(), k["count"].get<uint64_t>(), k["total_ns"].get<double>() / 1e3,
                       k["mean_ns"].get<double>() / 1e3, k["TFLOPS"].get<double>());
  }
  if (!s["collectives"].empty()) {
    h << fmt::format("{:<24} {:<14} {:<8} {:>7} {:>12} {:>12} {:>10}\n", "collective", "op", "group", "count", "bytes",
                     "mean us", "algbw GB/s");
    for (const auto& c : s["collectives"])
      h << fmt::format("{:<24} {:<14} {:<8} {:>7} {:>12} {:>12.3f} {:>10.2f}\n", c["name"].get<std::string>(),
                       c["op"].get<std::string>(), c["group"].get<std::string>(), c["count"].get<uint64_t>(),
                       c["bytes"].get<uint64_t>(), c["mean_ns"].get<double>() / 1e3, c["algbw_GBps"].get<double>());
  }
  h << fmt::format("energy             {:.3f} mJ total", total / 1e9);
  for (const auto& [kind, k] : ledger.by_kind()) h << fmt::format("  {} {:.3f} mJ", kind, k.total_pj() / 1e9);
  h << fmt::format("\n                   {:.3f} pJ per delivered bit\n", energy["pJ_per_bit_delivered"].get<double>());
  out.human = h.str();
  return out;
}

void write_outputs(const std::string& dir, const RunResult& r, const nlohmann::json& run_info) {
  fs::create_directories(dir);
  auto put = [&](const std::string& name, const std::string& text) {
    const fs::path final_path = fs::path(dir) / name;
    const fs::path tmp = fs::path(dir) / ("." + name + ".tmp");
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) throw std::runtime_error("cannot write " + tmp.string());
      f << text;
      if (!f) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, final_path);
  };
  put("gpus.csv", r.gpus_csv);
  put("hbm.csv", r.hbm_csv);
  put("links.csv", r.links_csv);
  put("messages.csv", r.messages_csv);
  put("ops.csv", r.ops_csv);
  put("collectives.csv", r.collectives_csv);
  if (!r.timeline_json.empty())
    put("timeline.json", r.timeline_json);
  else
    fs::remove(fs::path(dir) / "timeline.json");  // an older run's must not pass for this one's
  put("run_info.json", run_info.dump(2) + "\n");
  put("summary.json", r.summary.dump(2) + "\n");
}

}  // namespace litesim
