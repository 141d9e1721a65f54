#include "memory/hbm/dram/controller_params.h"

#include <fmt/format.h>

#include "core/registry.h"

namespace litesim {

const ParamSet<ControllerParams>& ControllerParams::schema() {
  static const ParamSet<ControllerParams> s("controller", "HBM memory controller (per pseudo-channel)", [](ParamSet<ControllerParams>& p) {
    p.integer("read_queue", &ControllerParams::read_queue, "read queue entries (bursts) per pseudo-channel").at_least(1);
    p.integer("write_queue", &ControllerParams::write_queue, "write queue entries (bursts) per pseudo-channel").at_least(1);
    p.real("write_high", &ControllerParams::write_high, "write-queue fill that starts a write drain (0..1]").positive().at_most(1);
    p.real("write_low", &ControllerParams::write_low, "write-queue fill that ends a write drain [0..1)").non_negative().at_most(1);
    p.integer("write_max_age", &ControllerParams::write_max_age,
              "cycles the oldest write may wait before the writes are drained anyway (no starvation)")
        .at_least(1);
    p.choice("page_policy", &ControllerParams::page_policy, {"open", "closed", "adaptive"},
             "open: rows stay open until another row is needed; closed: closed after access unless a queued "
             "request hits; adaptive: closed after page_timeout idle cycles");
    p.integer("page_timeout", &ControllerParams::page_timeout, "adaptive policy: idle cycles before a row is closed").at_least(1);
    p.choice("refresh", &ControllerParams::refresh, {"all-bank", "per-bank"}, "refresh mode");
    p.string("mapping", &ControllerParams::mapping, "address mapping, most to least significant field");
    p.integer("request_buffer", &ControllerParams::request_buffer, "TLM requests held before END_REQ is withheld").at_least(1);
    p.integer("lookahead", &ControllerParams::lookahead,
              "fidelity knob: cycles a pseudo-channel schedules ahead of simulated time (0 = one event per command)")
        .at_least(0);
  });
  return s;
}

void check_controller(const ControllerParams& c, const SourceLoc& where, const std::string& path) {
  if (c.write_low >= c.write_high)
    throw ConfigError(where, path + ".write_low", fmt::format("must be below write_high ({} >= {})", c.write_low, c.write_high));
}

ControllerParams load_controller(const std::string& configs_dir, const std::string& name) {
  ControllerParams c = load_preset<ControllerParams>(configs_dir, "controller", name);
  check_controller(c, SourceLoc{configs_dir + "/controller/" + name + ".yaml", 0, 0}, "controller");
  return c;
}

namespace {
const BlockRegistrar reg(ControllerParams::schema());
}

}  // namespace litesim
