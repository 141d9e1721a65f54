#pragma once
// `litesim tb kernel` (one kernel on one package) and `litesim cost` (the package cost table).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct TbKernelOptions {
  std::string package = "h100-sxm";
  std::string kernel;
  std::vector<std::string> sets;
  std::string out = "out/tb-kernel";
};
CLI::App* add_tb_kernel(CLI::App& tb, TbKernelOptions& o);
int run_tb_kernel(const TbKernelOptions& o, const std::string& configs_dir, const std::string& version);

struct CostOptions {
  std::vector<std::string> packages;
  std::vector<std::string> sets;
  bool json = false;
};
CLI::App* add_cost(CLI::App& app, CostOptions& o);
int run_cost(const CostOptions& o, const std::string& configs_dir);

}  // namespace litesim
