#pragma once
// Testbenches of the network alone (no dies, no HBM): the fabric of a system file built with
// FabricInstance and driven through the Fabric interface.
//  - link:    one message at a time from `src` to `dst`, for each size: latency and bandwidth
//             against message size (the alpha-beta picture of one path).
//  - traffic: every GPU injects messages open-loop (Poisson arrivals) by a pattern at a load, for
//             each load in turn (the network drains between loads): latency against offered load
//             and the accepted throughput, the classic interconnect study.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "traces/system/system_config.h"

namespace litesim {

struct LinkTbOptions {
  int src = 0, dst = 1;
  std::vector<uint64_t> sizes;  // bytes
};
nlohmann::json run_link_tb(const ResolvedSystem& rs, const LinkTbOptions& o);

struct TrafficTbOptions {
  std::string pattern = "uniform";  // uniform | permutation | transpose | hotspot | all-to-all
  std::vector<double> loads;        // fractions of each GPU's injection bandwidth, in (0, 1]
  uint64_t message_bytes = 4096;
  Time window = Time::from_ns(20000);  // injection time per load
  double hotspot_fraction = 0.2;       // hotspot: share of traffic aimed at GPU 0
  uint64_t seed = 1;
};
// Throws std::invalid_argument naming the bad option.
nlohmann::json run_traffic_tb(const ResolvedSystem& rs, const TrafficTbOptions& o);

// The destination of GPU `src`'s next message under `pattern` (exposed for tests).
int traffic_destination(const std::string& pattern, int src, int gpus, uint64_t draw, double hotspot_fraction,
                        double uniform01);

}  // namespace litesim
