#pragma once
// `litesim tb hbm`: the HBM testbench on the command line.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct TbHbmOptions {
  std::string memspec = "hbm3";
  int stacks = 1;
  int channels = 0;  // 0: the memspec's
  std::string pattern = "stream";
  std::string request_bytes = "64 B";
  int outstanding = 32;
  uint64_t requests = 100000;
  double read_ratio = 1.0;
  int64_t seed = 1;
  std::string footprint;  // default: the whole memory
  std::string stride;
  std::string page_policy, mapping, refresh;
  int lookahead = -1;
  std::vector<std::string> sets;
  std::string out = "out/tb-hbm";
};

CLI::App* add_tb_hbm(CLI::App& tb, TbHbmOptions& o);
int run_tb_hbm(const TbHbmOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
