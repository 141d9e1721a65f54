// `litesim tb fault` (tb_fault.h).
#include "testbenches/tb_fault.h"

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "fabric/fabric.h"
#include "study/sweep/executor.h"
#include "traces/system/system_config.h"

namespace litesim {

namespace fs = std::filesystem;

CLI::App* add_tb_fault(CLI::App& tb, TbFaultOptions& o) {
  auto* c = tb.add_subcommand("fault", "a workload with and without injected link faults: drops, recovery, slowdown");
  c->footer(
      "Runs the workload twice at fabric.fidelity: flow, without and with the faults, each a `litesim run` of its "
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
  base_sets.push_back("fabric.fidelity=flow");
  std::vector<std::string> fault_sets = base_sets;
  fault_sets.push_back("fabric.faults=[" + list + "]");
  const ResolvedSystem rs = resolve_system(system, fault_sets, configs);
  const auto topo = TopologyRegistry::instance().create(rs.params.fabric.topology);
  const FaultScope scope{{rs.params.package.cpo}, rs.params.fabric.link, rs.params.package.hbm_stacks()};
  resolve_faults(
      *topo, rs.params.fabric.faults,
      [](const std::string&) {
        return SourceLoc{"--fault", 0, 0};
      },
      &scope);

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
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  if (!o.quiet && aborted)
    std::cout << fmt::format(
        "tb fault: the faults left {} message(s) with no route: the job is aborted at {:.3f} s with {} of {} ops "
        "done; {} B dropped\nresults in {}/ (fault-free run in {}/)\n",
        f.at("messages_lost").get<uint64_t>(), s.at("aborted").at("at_ns").get<double>() / 1e9,
        s.at("aborted").at("ops_done").get<uint64_t>(),
        s.at("aborted").at("ops_done").get<uint64_t>() + s.at("aborted").at("ops_unfinished").get<uint64_t>(),
        f.at("dropped_bytes").get<uint64_t>(), o.out, base_dir);
  else if (!o.quiet)
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
