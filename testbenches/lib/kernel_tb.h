#pragma once
// The kernel testbench: one package running one kernel (`litesim tb kernel`).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/die/kernel.h"
#include "traces/system/system_config.h"

namespace litesim {

// Runs one kernel on one package (one simulation: call once per process) and returns the
// `kernel_tb` object: time_ns, achieved_TFLOPS, achieved_GBps, peak_TFLOPS, peak_GBps,
// arithmetic_intensity, roofline {bound, attainable_TFLOPS, fraction}, waves, tiles, tile_shape,
// energy_pJ {die_dynamic, hbm, static, total}.
nlohmann::json run_kernel_tb(const ResolvedPackage& pkg, const KernelDesc& k);

}  // namespace litesim
