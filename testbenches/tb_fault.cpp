// `litesim tb fault` (tb_fault.h).
#include "testbenches/tb_fault.h"

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <boost/pending/disjoint_sets.hpp>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "core/process.h"
#include "fabric/fabric.h"
#include "fabric/fault/recovery.h"
#include "traces/system/package_facts.h"
#include "traces/system/system_config.h"
#include "traces/trace_io.h"

namespace litesim {

namespace fs = std::filesystem;

CLI::App* add_tb_fault(CLI::App& tb, TbFaultOptions& o) {
  auto* c = tb.add_subcommand("fault", "a workload with and without injected link faults: drops, recovery, slowdown");
  c->footer(
      "Runs the workload twice at fabric.fidelity: flow (or --fidelity), without and with the faults, each a `litesim "
      "run` of its "
      "own: DIR has the faulty run's outputs (summary.json with its `faults` block: injected, delivered and dropped "
      "bytes, detect_ns, recover_ns, slowdown), DIR/baseline the fault-free run's. A fault: 'link ID|END-END "
      "fail-stop at TIME', '... degrade SHARE at TIME', '... flap DURATION at TIME', 'gpu|switch N fail-stop at TIME', "
      "'hbm gpuN.K|engine gpuN.E|laser gpuN.E.K fail-stop at TIME' (docs/faults.md). A faulty run that loses messages "
      "for good is aborted (summary.json status: aborted, what "
      "finished kept). Exit status: 0 ok, 2 bad input (nothing run), 3 a run failed.");
  c->add_option("--system", o.system, "system YAML (default: configs/system/default.yaml)");
  c->add_option("--workload,--trace", o.workload, "workload trace (litesim-trace/1 or Chakra ET)")->required();
  c->add_option("--fault", o.faults, "a fault (repeatable), e.g. 'link gpu3-gpu4 fail-stop at 50us'")->required();
  c->add_option("--set", o.sets, "override a config value, KEY=VALUE (repeatable)");
  c->add_option("--policy", o.policy,
                "the recovery policy applied when the faults stop the job (fabric.recovery.policy): abort, restart, "
                "shrink or spare; every policy is compared in summary.json either way")
      ->check(CLI::IsMember(recovery_policy_names()));
  c->add_option("--fidelity", o.fidelity, "fabric model of both runs: flow or packet (packets hop by hop)")
      ->check(CLI::IsMember({"packet", "flow"}))
      ->capture_default_str();
  c->add_option("--out", o.out, "output folder")->capture_default_str();
  c->add_flag("--quiet", o.quiet, "print nothing on success");
  return c;
}

namespace {

nlohmann::json read_summary(const std::string& dir) {
  std::ifstream f(fs::path(dir) / "summary.json");
  nlohmann::json j;
  if (!f || !(f >> j)) throw std::runtime_error(fmt::format("cannot read {}/summary.json", dir));
  return j;
}

// The trace's replicas: sets of ranks joined (transitively) by a peer or a group of some op, in
// order of their lowest rank; ranks without ops are left out.
std::vector<std::vector<int>> trace_replicas(const Trace& t) {
  boost::disjoint_sets_with_storage<> sets(static_cast<size_t>(t.gpus));
  std::vector<bool> used(static_cast<size_t>(t.gpus), false), group_used(t.groups.size(), false);
  for (const TraceRank& r : t.ranks)
    for (const TraceOp& op : r.ops) {
      used[static_cast<size_t>(r.rank)] = true;
      if (op.peer >= 0) sets.union_set(r.rank, op.peer);
      if (op.group >= 0) group_used[static_cast<size_t>(op.group)] = true;
    }
  for (size_t g = 0; g < t.groups.size(); ++g)  // each group once, however many ops use it
    if (group_used[g] && !t.groups[g].ranks.empty())
      for (int m : t.groups[g].ranks) sets.union_set(t.groups[g].ranks.front(), m);
  std::map<int, std::vector<int>> by_root;
  for (int i = 0; i < t.gpus; ++i)
    if (used[static_cast<size_t>(i)]) by_root[static_cast<int>(sets.find_set(i))].push_back(i);
  std::vector<std::vector<int>> out;
  for (auto& [r, ranks] : by_root) out.push_back(std::move(ranks));
  std::sort(out.begin(), out.end());
  return out;
}

// What the two runs measured, as a recovery policy takes it (recovery.h).
JobOutcome job_outcome(const Trace& t, const nlohmann::json& s, const nlohmann::json& b, const ResolvedSystem& rs,
                       const Topology& topo) {
  JobOutcome job;
  job.base_ns = b.at("sim_time_ns").get<double>();
  job.fail_ns = s.at("aborted").at("first_loss_ns").get<double>();
  job.abort_ns = s.at("aborted").at("at_ns").get<double>();
  std::set<int> dead;
  for (const nlohmann::json& f : s.at("faults").at("faults"))
    if (f.contains("dead_gpu") && f.at("at_ns").get<double>() <= job.abort_ns) dead.insert(f.at("dead_gpu").get<int>());
  auto per_rank = [](const nlohmann::json& summary) {
    std::map<int, nlohmann::json> m;
    for (const nlohmann::json& row : summary.at("streams")) m[row.at("rank").get<int>()] = row;
    return m;
  };
  const auto faulty = per_rank(s), base = per_rank(b);
  for (const std::vector<int>& ranks : trace_replicas(t)) {
    ReplicaOutcome r;
    r.gpus = ranks;
    for (int g : ranks) {
      const nlohmann::json &fr = faulty.at(g), &br = base.at(g);
      r.hit = r.hit || fr.at("ops_done").get<uint64_t>() < fr.at("ops").get<uint64_t>();
      r.dead_gpus += dead.count(g) ? 1 : 0;
      r.base_end_ns = std::max(r.base_end_ns, br.at("end_ns").get<double>());
      r.end_ns = std::max(r.end_ns, fr.at("end_ns").get<double>());
    }
    job.replicas.push_back(r);
  }
  const FabricParams& fp = rs.params.fabric;
  if (!topo.ocs_units().empty() && fp.ocs) {
    job.spare_path = "ocs";
    job.spare_join_ns = fp.ocs->reconfiguration_time.ns();
  } else if (topo.num_switches() > 0) {
    job.spare_path = "switch";
    job.spare_join_ns = (fp.recovery.detect + fp.recovery.reconverge).ns();
  }
  const nlohmann::json peaks = package_peaks(rs.params.package);
  job.restore_ns = peaks.at("hbm_GB").get<double>() / peaks.at("network_GBps_per_direction").get<double>() * 1e9;
  return job;
}

nlohmann::json outcome_json(const RecoveryOutcome& o) {
  auto time = [](double ns) { return ns < 0 ? nlohmann::json(nullptr) : nlohmann::json(ns); };
  return {{"policy", o.policy},
          {"resumed_ns", time(o.resumed_ns)},
          {"completed_ns", time(o.completed_ns)},
          {"work_done", o.work_done},
          {"lost_gpu_s", o.lost_gpu_s},
          {"capacity_after", o.capacity_after},
          {"replicas_dropped", o.replicas_dropped},
          {"how", o.how}};
}

}  // namespace

int run_tb_fault(const TbFaultOptions& o, const std::string& configs) {
  const std::string system = o.system.empty() ? (fs::path(configs) / "system" / "default.yaml").string() : o.system;
  // The faults as a config override, checked here (on the system's topology) before anything runs.
  std::string list;
  for (const std::string& text : o.faults) {
    const FaultParams f = parse_fault(text, "--fault");
    list += fmt::format("{}{{target: '{}', kind: {}, at: {} ps, remaining: {}, duration: {} ps}}",
                        list.empty() ? "" : ", ", f.target, f.kind, f.at.ps, f.remaining, f.duration.ps);
  }
  std::vector<std::string> base_sets = o.sets;
  base_sets.push_back("fabric.fidelity=" + o.fidelity);
  if (!o.policy.empty()) base_sets.push_back("fabric.recovery.policy=" + o.policy);
  std::vector<std::string> fault_sets = base_sets;
  fault_sets.push_back("fabric.faults=[" + list + "]");
  const ResolvedSystem rs = resolve_system(system, fault_sets, configs);
  const auto topo = TopologyRegistry::instance().create(rs.params.fabric.topology);
  const FaultScope scope{{rs.params.package.cpo}, rs.params.fabric.link, rs.params.package.hbm_stacks()};
  const auto at_option = [](const std::string&) { return SourceLoc{"--fault", 0, 0}; };
  resolve_faults(*topo, rs.params.fabric.faults, at_option, &scope);
  const Trace trace = read_any_trace(o.workload);  // a bad trace: exit 2 before anything runs

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  auto run = [&](const std::vector<std::string>& sets, const std::string& out) {
    std::vector<std::string> args{self,         "--configs", configs, "run", "--system", system,
                                  "--workload", o.workload,  "--out", out,   "--quiet"};
    for (const std::string& s : sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    const int status = run_and_wait(args);
    const bool aborted = out == o.out && WIFEXITED(status) && WEXITSTATUS(status) == 4;  // cut short by the faults
    if (!aborted && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
      std::cerr << fmt::format("litesim: tb fault: the {} run failed ({})\n", out == o.out ? "faulty" : "fault-free",
                               describe_wait_status(status));
      return false;
    }
    return true;
  };
  const std::string base_dir = (fs::path(o.out) / "baseline").string();
  if (!run(base_sets, base_dir) || !run(fault_sets, o.out)) return 3;

  nlohmann::json s = read_summary(o.out);
  const nlohmann::json b = read_summary(base_dir);
  const double t = s.at("sim_time_ns").get<double>(), t0 = b.at("sim_time_ns").get<double>();
  if (!s.contains("faults"))  // every fault is checked to touch a link; this would be a bug
    throw std::logic_error(fmt::format("the faulty run in {} reports no faults", o.out));
  nlohmann::json& f = s["faults"];
  // the first fault's detection and recovery (each fault's are in f["faults"])
  f["detect_ns"] = f.at("faults").at(0).at("detect_ns");
  f["recover_ns"] = f.at("faults").at(0).at("recover_ns");
  f["baseline_sim_time_ns"] = t0;
  const bool aborted = s.value("status", "complete") == "aborted";
  f["aborted"] = aborted;
  // an aborted job never finishes: no slowdown; its lost time runs to the abort
  f["lost_ns"] = aborted ? s.at("aborted").at("at_ns").get<double>() - t0 : t - t0;
  f["slowdown"] = aborted ? nlohmann::json(nullptr) : nlohmann::json(t0 > 0 ? t / t0 : 1.0);
  // A job the faults stopped: what the configured recovery policy makes of it, and every policy's.
  std::vector<RecoveryOutcome> outcomes;
  if (aborted) {
    const JobOutcome job = job_outcome(trace, s, b, rs, *topo);
    const ImplConfig& chosen = rs.params.fabric.recovery.policy;
    f["replicas"] = job.replicas.size();
    f["replicas_hit"] = std::count_if(job.replicas.begin(), job.replicas.end(), [](auto& r) { return r.hit; });
    nlohmann::json compared = nlohmann::json::array();
    for (const std::string& name : recovery_policy_names()) {
      const ImplConfig impl = name == chosen.kind ? chosen : default_recovery_policy(name);
      outcomes.push_back(RecoveryPolicyRegistry::instance().create(impl)->apply(job));
      compared.push_back(outcome_json(outcomes.back()));
      if (name == chosen.kind) f["recovery"] = compared.back();
    }
    f["recovery_compared"] = compared;
  }
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  if (!o.quiet && aborted)
    std::cout << fmt::format(
        "tb fault: the faults left {} message(s) with no route: the job is aborted at {:.3f} s with {} of {} ops "
        "done; {} B dropped\nresults in {}/ (fault-free run in {}/)\n",
        f.at("messages_lost").get<uint64_t>(), s.at("aborted").at("at_ns").get<double>() / 1e9,
        s.at("aborted").at("ops_done").get<uint64_t>(),
        s.at("aborted").at("ops_done").get<uint64_t>() + s.at("aborted").at("ops_unfinished").get<uint64_t>(),
        f.at("dropped_bytes").get<uint64_t>(), o.out, base_dir);
  if (!o.quiet && aborted) {
    std::cout << fmt::format("{} replica(s), {} hit; recovery policies (fabric.recovery.policy: {}):\n",
                             f.at("replicas").get<size_t>(), f.at("replicas_hit").get<int64_t>(),
                             rs.params.fabric.recovery.policy.kind);
    for (const RecoveryOutcome& r : outcomes)
      std::cout << fmt::format(
          "  {:<8} {:5.1f}% of the work done, {:.6g} GPU-s lost, {:.0f}% of the replicas serving after: {}\n", r.policy,
          100 * r.work_done, r.lost_gpu_s, 100 * r.capacity_after, r.how);
  } else if (!o.quiet)
    std::cout << fmt::format(
        "tb fault: {} fault(s); detected after {:.3f} us, routed around after {:.3f} us; {} B dropped, {} "
        "retransmission(s), {} message(s) lost; {:.3f} us against {:.3f} us without: slowdown {:.4f}\nresults in "
        "{}/ (fault-free run in {}/)\n",
        f.at("faults").size(), f.at("detect_ns").get<double>() / 1e3, f.at("recover_ns").get<double>() / 1e3,
        f.at("dropped_bytes").get<uint64_t>(), f.at("retransmissions").get<uint64_t>(),
        f.at("messages_lost").get<uint64_t>(), t / 1e3, t0 / 1e3, f.at("slowdown").get<double>(), o.out, base_dir);
  return 0;
}

}  // namespace litesim
