#pragma once
// `litesim tb fault` (docs/faults.md, "litesim tb fault"): a workload trace run twice on a system at
// flow fidelity (or `--fidelity packet`), without and with the faults given, each as its own `litesim run` (SystemC
// allows one simulation per process); DIR holds the faulty run's outputs, DIR/baseline the other's, and
// DIR/summary.json's `faults` block gains the time to detect, to recover and the slowdown.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct TbFaultOptions {
  std::string system, workload;
  std::vector<std::string> faults;  // "link gpu3-gpu4 fail-stop at 50us", ...
  std::vector<std::string> sets;
  std::string policy;  // empty: fabric.recovery.policy as configured
  std::string fidelity = "flow";
  std::string out = "out/tb-fault";
  bool quiet = false;
};
CLI::App* add_tb_fault(CLI::App& tb, TbFaultOptions& o);
int run_tb_fault(const TbFaultOptions& o, const std::string& configs_dir);

}  // namespace litesim
