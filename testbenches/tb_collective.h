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
  std::string ops;  // "allreduce,allgather": several ops in one run, one after the other
  // Empty / negative: the system's fabric.collective block (algorithm.<op>, chunk,
  // reduce_bandwidth, connection_window).
  std::string algo;
  std::string bytes;
  std::string chunk;
  std::string group;  // "0,1,2,3"; empty: all GPUs
  int root = 0;
  int iters = 1;
  std::string reduce_bw;
  int connection_window = -1;
  // Quick-study fabric (override the system's): topology kind and GPU count, each link's bandwidth
  // per direction and latency per hop (docs/fabric.md, "Quick studies").
  std::string topology;
  int gpus = 0;
  std::string link_bandwidth, link_latency;
  int chunks = 1;
  std::string chunk_mode = "pipelined";
  std::vector<std::string> sets;
  bool no_steps = false;  // --no-steps: no steps.csv, no per-step times kept
  std::string out = "out/tb-collective";
};
CLI::App* add_tb_collective(CLI::App& tb, TbCollectiveOptions& o);
int run_tb_collective(const TbCollectiveOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
