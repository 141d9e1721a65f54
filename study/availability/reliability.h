#pragma once
// Failure and repair rates of a cluster's parts (configs/reliability/, docs/faults.md): one
// block per part kind, each with its mean time between failures, its mean time to repair and
// where the figure comes from (published, derived from a published count, or an assumption).
// Hours are plain numbers: a million-hour MTBF does not fit LiteSim's picosecond Time.
#include <string>
#include <vector>

#include "core/params.h"

namespace litesim {

struct PartRate {
  double mtbf_hours = 0;  // one unit's mean time between failures
  double mttr_hours = 0;  // mean time from its failure until it serves again
  std::string basis;      // published | derived | assumption
  std::string source;
  double rate_per_hour() const { return 1.0 / mtbf_hours; }
  double repair_per_hour() const { return 1.0 / mttr_hours; }
  static const ParamSet<PartRate>& schema();
};

struct ReliabilityParams {
  std::string name;
  // How a GPU die's failure rate carries from the die it was measured on to another
  // (assumption either way: no published law ties failure rate to die area).
  std::string die_scaling;             // per_die | die_area
  double reference_die_area_mm2 = 0;   // the die gpu_die was measured on
  std::string pluggable_transceivers;  // comma-separated transceiver names that are pluggable modules
  PartRate gpu_die, hbm_stack, cpo, pluggable, link, packet_switch, ocs_port;
  // Whether optics of transceiver `name` are pluggable modules (else co-packaged).
  bool pluggable_optics(const std::string& name) const;
  static const ParamSet<ReliabilityParams>& schema();
};

// A preset name (configs/reliability/NAME.yaml) or a YAML file (a '/' or .yaml in the name), with
// `a.b=VALUE` overrides; errors name the file, line and key.
Resolved<ReliabilityParams> resolve_reliability(const std::string& name_or_file,
                                                const std::vector<std::string>& overrides,
                                                const std::string& configs_dir);

}  // namespace litesim
