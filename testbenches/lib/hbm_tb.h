#pragma once
// The HBM testbench: one traffic generator driving one package's HBM (HbmDram) through TLM.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory/hbm/dram_params.h"
#include "testbenches/lib/traffic_generator.h"

namespace litesim {

using ResolvedDram = Resolved<DramParams>;  // yaml: the resolved HBM config

// {stacks, memspec: {preset: NAME}, controller: {preset: default}} with `overrides` (a.b=VALUE
// paths inside that tree) applied, resolved and checked.
ResolvedDram resolve_dram(const std::string& configs_dir, const std::string& memspec, int stacks,
                          const std::vector<std::string>& overrides);

// Runs the testbench (one simulation: call once per process). Returns the `hbm_tb` object:
// peak_GBps, achieved_GBps, efficiency, latency_ns {mean, p50, p99, max}, row_hit_rate,
// refresh_overhead, pJ_per_bit, pJ_per_bit_with_static, plus counts and the energy parts.
nlohmann::json run_hbm_tb(const DramParams& dram, const TrafficParams& traffic);

}  // namespace litesim
