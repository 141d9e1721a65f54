#include "study/availability/reliability.h"

#include <sstream>

#include "core/registry.h"

namespace litesim {

namespace {
const BlockRegistrar reg(ReliabilityParams::schema());
}  // namespace

const ParamSet<PartRate>& PartRate::schema() {
  static const ParamSet<PartRate> s("part_rate", "one part kind's failure and repair", [](ParamSet<PartRate>& p) {
    p.real("mtbf_hours", &PartRate::mtbf_hours, "mean time between failures of one unit, hours").positive();
    p.real("mttr_hours", &PartRate::mttr_hours, "mean time to repair (failure until it serves again), hours")
        .positive();
    p.choice("basis", &PartRate::basis, {"published", "derived", "assumption"},
             "published figure, derived from a published count, or an assumption");
    p.string("source", &PartRate::source, "where the figures come from (docs/faults.md)");
  });
  return s;
}

bool ReliabilityParams::pluggable_optics(const std::string& name) const {
  std::stringstream ss(pluggable_transceivers);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t a = item.find_first_not_of(' '), b = item.find_last_not_of(' ');
    if (a != std::string::npos && item.substr(a, b - a + 1) == name) return true;
  }
  return false;
}

const ParamSet<ReliabilityParams>& ReliabilityParams::schema() {
  static const ParamSet<ReliabilityParams> s(
      "reliability", "failure and repair rates of a cluster's parts (litesim availability, docs/faults.md)",
      [](ParamSet<ReliabilityParams>& p) {
        p.string("name", &ReliabilityParams::name, "preset name");
        p.choice("die_scaling", &ReliabilityParams::die_scaling, {"per_die", "die_area"},
                 "a GPU die fails as often as the reference die (per_die) or in proportion to its area (die_area); "
                 "both assumptions")
            .fallback("per_die");
        p.real("reference_die_area_mm2", &ReliabilityParams::reference_die_area_mm2,
               "area of the die gpu_die's rate was measured on, mm2")
            .positive();
        p.string("pluggable_transceivers", &ReliabilityParams::pluggable_transceivers,
                 "comma-separated transceiver names whose optics are pluggable modules (others are co-packaged)")
            .fallback("pluggable-800g");
        p.section("gpu_die", &ReliabilityParams::gpu_die, "one compute die");
        p.section("hbm_stack", &ReliabilityParams::hbm_stack, "one HBM stack");
        p.section("cpo", &ReliabilityParams::cpo,
                  "co-packaged optics: one optical engine of a GPU package, or one switch port's optics");
        p.section("pluggable", &ReliabilityParams::pluggable, "one pluggable transceiver module (a port's optics)");
        p.section("link", &ReliabilityParams::link, "one cable, fibre or board link, its end optics not included");
        p.section("switch", &ReliabilityParams::packet_switch, "one packet switch (NVSwitch, leaf, spine, rail)");
        p.section("ocs_port", &ReliabilityParams::ocs_port, "one port of an optical circuit switch");
      });
  return s;
}

Resolved<ReliabilityParams> resolve_reliability(const std::string& name_or_file,
                                                const std::vector<std::string>& overrides,
                                                const std::string& configs_dir) {
  const SourceLoc at{"--reliability", 0, 0};
  ConfigPtr raw = ConfigNode::make_map(at);
  raw->set("preset", ConfigNode::make_scalar(name_or_file, at), at);
  return resolve_block<ReliabilityParams>(raw, overrides, configs_dir, "reliability", "");
}

}  // namespace litesim
