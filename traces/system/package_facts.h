#pragma once
// What a package is, from its config alone (no simulation): its peaks and its cost. Used by
// `litesim tb kernel`, `litesim cost` and (later) the study.
#include <nlohmann/json.hpp>

#include "hw/package/cost.h"
#include "traces/system/system_config.h"

namespace litesim {

// name, dies, sms (all dies), peak_TFLOPS per dtype, peak_GBps (HBM), hbm_GB,
// network_GBps_per_direction, power_W, die_area_mm2.
nlohmann::json package_peaks(const PackageParams& p);

// The package's cost report: its die's geometry, its bill (dies, HBM GB, optical engines) and its
// peak dense BF16 TFLOPS. Bad cost inputs are a ConfigError on package.cost.
CostReport package_cost(const PackageParams& p);

}  // namespace litesim
