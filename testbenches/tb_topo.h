#pragma once
// `litesim topo`: a system's topology and its graph properties (hop counts, bisection bandwidth,
// optical lanes, static optical power) without building or simulating anything.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct TopoOptions {
  std::string system;  // empty: configs/system/default.yaml
  std::vector<std::string> sets;
  std::string configs;  // empty: the program's --configs / $LITESIM_CONFIGS / shipped configs
  bool json = false;
};
CLI::App* add_topo(CLI::App& app, TopoOptions& o);
// `configs_dir` is used when o.configs is empty.
int run_topo(const TopoOptions& o, const std::string& configs_dir);

}  // namespace litesim
