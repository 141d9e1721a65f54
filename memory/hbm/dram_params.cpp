#include "memory/hbm/dram_params.h"

#include <stdexcept>

#include "core/error.h"
#include "core/registry.h"
#include "memory/hbm/dram/address_mapping.h"

namespace litesim {

const ParamSet<DramParams>& DramParams::schema() {
  static const ParamSet<DramParams> s("hbm", "HBM stacks of one package (cycle-approximate)", [](ParamSet<DramParams>& p) {
    p.string("name", &DramParams::name, "label of this memory configuration").fallback("hbm");
    p.integer("stacks", &DramParams::stacks, "HBM stacks on the package (not a power of two: the mapping must end with St)").at_least(1).at_most(64);
    p.section("memspec", &DramParams::memspec, "the stacks' standard: organisation, timing, energy");
    p.section("controller", &DramParams::controller, "the memory controller of every pseudo-channel");
  });
  return s;
}

void check_dram(const DramParams& p, const SourceLoc& where) {
  check_memspec(p.memspec, where, "memspec");
  check_controller(p.controller, where, "controller");
  try {
    AddressMapping check(p.controller.mapping, p.memspec, p.stacks);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(where, "controller.mapping", e.what());
  }
}

}  // namespace litesim
