#pragma once
// Package cost and yield model: dies per wafer, die yield (four classic models, with and without
// SM harvesting), cost per good die, and the bill of one package (dies, HBM, packaging, test and
// assembly, optics) down to USD per peak TFLOPS. Closed forms only; no simulation state.
// Equations, inputs and their sources: docs/cost.md.
#include <string>

#include <nlohmann/json.hpp>

#include "core/params.h"
#include "hw/die/die_params.h"  // DieGeometry

namespace litesim {

// The `cost:` section of a package config. Prices in US dollars, lengths in mm; each numeric
// field is a plain number with its unit in the key name.
struct CostParams {
  double wafer_diameter_mm = 300;
  double edge_exclusion_mm = 3;
  double scribe_mm = 0.1;  // street width added to each die side
  double defect_density_per_cm2 = 0.1;
  double nb_alpha = 3;  // negative-binomial clustering parameter
  double wafer_price_usd = 17000;
  std::string yield_model = "murphy";  // poisson | murphy | negative-binomial | seeds
  bool harvesting = true;              // spare SMs may absorb defects
  double hbm_usd_per_GB = 0;           // required in a config
  double packaging_usd = 0;            // per package: CoWoS / interposer / substrate; required
  double test_assembly_usd = 0;        // per package; required
  double optics_usd_per_engine = 0;    // per co-packaged optical engine; required
  static const ParamSet<CostParams>& schema();
};

// What one package holds.
struct PackageBill {
  int dies = 1;
  double hbm_GB = 0;
  int optics_engines = 0;
  double peak_TFLOPS = 0;  // of the whole package, for USD per TFLOPS
};

// Die yield under each model.
struct YieldByModel {
  double poisson = 0;
  double murphy = 0;
  double negative_binomial = 0;
  double seeds = 0;
  double of(const std::string& model) const;  // model as in CostParams::yield_model
};

struct CostReport {
  std::string yield_model;  // the model used for cost
  bool harvesting = false;
  int dies = 0;  // per package
  double die_area_mm2 = 0;
  double dies_per_wafer = 0;       // closed form (fractional)
  int dies_per_wafer_whole = 0;    // its floor
  YieldByModel yield;              // no spares used: every SM and the uncore defect-free
  YieldByModel yield_harvested;    // up to sms_physical - sms_enabled defective SMs tolerated
  double yield_used = 0;           // yield_model's yield, harvested if harvesting
  double good_dies_per_wafer = 0;  // dies_per_wafer x yield_used
  double die_cost_usd = 0;         // wafer_price_usd / good_dies_per_wafer
  double hbm_cost_usd = 0;
  double packaging_usd = 0;
  double test_assembly_usd = 0;
  double optics_usd = 0;
  double package_cost_usd = 0;  // dies x die_cost_usd + hbm + packaging + test/assembly + optics
  double usd_per_TFLOPS = 0;

  nlohmann::json to_json() const;
  std::string table() const;  // aligned text for the terminal
};

// Die yield of one model for an expected defect count lambda = A x D0 (A in cm², D0 per cm²).
// model: poisson | murphy | negative-binomial | seeds; alpha is used by negative-binomial only.
double die_yield(const std::string& model, double lambda, double alpha);

// Throws std::invalid_argument naming the bad input (die that does not fit the usable wafer,
// zero dies per wafer, sms_enabled > sms_physical, negative or non-finite values, no good dies).
CostReport compute_cost(const CostParams& params, const DieGeometry& die, const PackageBill& bill);

}  // namespace litesim
