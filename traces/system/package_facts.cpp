#include "traces/system/package_facts.h"

#include <stdexcept>

#include "memory/hbm/hbm.h"

namespace litesim {

nlohmann::json package_peaks(const PackageParams& p) {
  const HbmFacts h = hbm_facts(p.hbm);
  nlohmann::json tf;
  for (const auto& n : dtype_names()) {
    Dtype d;
    parse_dtype(n, &d);
    tf[n] = p.peak_flops(d) / 1e12;
  }
  return {{"name", p.name},
          {"dies", p.dies},
          {"sms", p.die.sms * p.dies},
          {"peak_TFLOPS", tf},
          {"peak_GBps", h.peak_bytes_per_s / 1e9},
          {"hbm_GB", static_cast<double>(h.capacity) / 1e9},
          {"network_GBps_per_direction", p.cpo.lanes() * p.cpo.payload_lane_bps() / 8e9},
          {"power_W", p.power_budget.watts},
          {"die_area_mm2", p.die.geometry().area_mm2()}};
}

CostReport package_cost(const PackageParams& p) {
  const HbmFacts h = hbm_facts(p.hbm);
  const PackageBill b{p.dies, static_cast<double>(h.capacity) / 1e9, p.cpo.engines, p.peak_flops(Dtype::bf16) / 1e12};
  try {
    return compute_cost(p.cost, p.die.geometry(), b);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(SourceLoc{"<package " + p.name + ">", 0, 0}, "package.cost", e.what());
  }
}

}  // namespace litesim
