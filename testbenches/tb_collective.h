#pragma once
// `litesim tb collective`: one collective (all-reduce, all-gather, ...) with a named algorithm as
// real traffic over a system's fabric; nccl-tests style algbw / busbw, traffic and energy.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct TbCollectiveOptions {
  std::string system;  // default: configs/system/default.yaml
  std::string op;
  std::string algo = "ring";
  std::string bytes;
  std::string chunk = "0";
  std::string group;  // "0,1,2,3"; empty: all GPUs
  int root = 0;
  int iters = 1;
  std::string reduce_bw = "0";
  std::vector<std::string> sets;
  std::string out = "out/tb-collective";
};
CLI::App* add_tb_collective(CLI::App& tb, TbCollectiveOptions& o);
int run_tb_collective(const TbCollectiveOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
