#pragma once
// `litesim tb link` (latency and bandwidth against message size on one path) and
// `litesim tb traffic` (latency against offered load, saturation throughput) on a system's fabric.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

struct TbLinkOptions {
  std::string system;
  int from = 0, to = 1;
  std::string sizes = "64B,256B,1KiB,4KiB,16KiB,64KiB,256KiB,1MiB,4MiB,16MiB,64MiB";
  std::vector<std::string> sets;
  std::string out = "out/tb-link";
};
CLI::App* add_tb_link(CLI::App& tb, TbLinkOptions& o);
int run_tb_link(const TbLinkOptions& o, const std::string& configs_dir, const std::string& version);

struct TbTrafficOptions {
  std::string system;
  std::string pattern = "uniform";
  std::string loads = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0";
  std::string message = "4KiB";
  std::string window = "20us";
  double hotspot = 0.2;
  int64_t seed = 1;
  std::vector<std::string> sets;
  std::string out = "out/tb-traffic";
};
CLI::App* add_tb_traffic(CLI::App& tb, TbTrafficOptions& o);
int run_tb_traffic(const TbTrafficOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
