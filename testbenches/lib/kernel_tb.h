#pragma once
// The kernel testbench (one package running one kernel) and the package summary behind
// `litesim tb kernel` and `litesim cost`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/die/kernel.h"
#include "hw/package/cost.h"
#include "traces/system/system_config.h"

namespace litesim {

struct ResolvedPackage {
  PackageParams params;
  std::string yaml;  // the resolved package config
  std::string digest;
  ConfigPtr tree;
};

// `{preset: NAME}` (a package preset, configs/package/NAME.yaml) with `overrides` (a.b=VALUE paths
// inside the package) applied, resolved and checked.
ResolvedPackage resolve_package(const std::string& configs_dir, const std::string& name,
                                const std::vector<std::string>& overrides);

// Peaks of a package: peak_TFLOPS per dtype (all dies), peak_GBps (HBM pins x rate), hbm_GB,
// network_GBps_per_direction, power_W, sms.
nlohmann::json package_peaks(const PackageParams& p);

// Runs one kernel on one package (one simulation: call once per process) and returns the
// `kernel_tb` object: time_ns, achieved_TFLOPS, achieved_GBps, peak_TFLOPS, peak_GBps,
// arithmetic_intensity, roofline {bound, attainable_TFLOPS, fraction}, waves, tiles, tile_shape,
// energy_pJ {die_dynamic, hbm, static, total}.
nlohmann::json run_kernel_tb(const ResolvedPackage& pkg, const KernelDesc& k);

// The package's cost report (die geometry, bill of materials, peak dense BF16 TFLOPS).
CostReport package_cost(const PackageParams& p);

}  // namespace litesim
