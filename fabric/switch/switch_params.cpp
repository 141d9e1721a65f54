#include "fabric/switch/switch_params.h"

#include <fmt/format.h>

#include "core/registry.h"

namespace litesim {

const ParamSet<SwitchParams>& SwitchParams::schema() {
  static const ParamSet<SwitchParams> s(
      "switch", "electrical packet switch of the fabric (configs/switch/)", [](ParamSet<SwitchParams>& p) {
        p.string("name", &SwitchParams::name, "label of this switch").fallback("switch");
        p.integer("radix", &SwitchParams::radix, "ports of one switch").at_least(2);
        p.quantity("latency", &SwitchParams::latency, "port-to-port latency").non_negative();
        p.choice("mode", &SwitchParams::mode, {"cut_through", "store_and_forward"},
                 "forward from the head's (cut-through) or the tail's arrival");
        p.quantity("buffer_per_port", &SwitchParams::buffer_per_port, "input buffer per port per virtual channel")
            .positive();
        p.quantity("energy_per_bit", &SwitchParams::energy_per_bit, "switching energy per bit").non_negative();
        p.quantity("static_power", &SwitchParams::static_power, "static power of one switch (port optics excluded)")
            .non_negative();
        p.quantity("lane_rate", &SwitchParams::lane_rate, "line rate of one lane of a switch port").positive();
        p.section("transceiver", &SwitchParams::transceiver, "the switch ports' transceiver technology");
      });
  return s;
}

const ParamSet<OcsPhase>& OcsPhase::schema() {
  static const ParamSet<OcsPhase> s("ocs_phase", "one entry of an OCS circuit schedule", [](ParamSet<OcsPhase>& p) {
    p.quantity("at", &OcsPhase::at, "when the OCS starts switching to these circuits (the fabric drains first)")
        .positive();
    p.impl("topology", &OcsPhase::topology, "topology", "the circuits from then on, as a topology (kind: ...)");
  });
  return s;
}

const ParamSet<OcsParams>& OcsParams::schema() {
  static const ParamSet<OcsParams> s(
      "ocs", "optical circuit switch of the fabric (configs/ocs/)",
      [](ParamSet<OcsParams>& p) {
        p.string("name", &OcsParams::name, "label of this OCS").fallback("ocs");
        p.quantity("insertion_latency", &OcsParams::insertion_latency, "latency added to each circuit").non_negative();
        p.quantity("reconfiguration_time", &OcsParams::reconfiguration_time, "time to set up new circuits")
            .non_negative();
        p.quantity("static_power_per_port", &OcsParams::static_power_per_port, "static power per port").non_negative();
        p.list("schedule", &OcsParams::schedule,
               "circuit sets the OCS switches to during the run, by increasing `at` (empty: fabric.topology "
               "throughout)");
      },
      [](const OcsParams& p, const ParamWhere& w) {
        for (size_t i = 1; i < p.schedule.size(); ++i)
          if (!(p.schedule[i - 1].at < p.schedule[i].at))
            w.fail(fmt::format("schedule[{}].at", i), "schedule entries must be in increasing order of `at`");
      });
  return s;
}

namespace {
const BlockRegistrar reg_switch(SwitchParams::schema());
const BlockRegistrar reg_ocs(OcsParams::schema());
}  // namespace

}  // namespace litesim
