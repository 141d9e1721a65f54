#include "core/registry.h"
#include "fabric/fabric.h"

namespace litesim {

const ParamSet<FabricParams>& FabricParams::schema() {
  static const ParamSet<FabricParams> s("fabric", "the network joining the packages", [](ParamSet<FabricParams>& p) {
    p.impl("backend", &FabricParams::backend, "fabric-backend", "fabric model", std::string("packet"));
    p.impl("topology", &FabricParams::topology, "topology", "rack topology");
    p.impl("routing", &FabricParams::routing, "router", "routing algorithm", std::string("shortest"));
    p.section("link", &FabricParams::link, "every link of the topology");
    p.optional_section("switch", &FabricParams::eps, "the electrical packet switches (configs/switch/)");
    p.optional_section("ocs", &FabricParams::ocs, "the optical circuit switches (configs/ocs/)");
    p.section("collective", &FabricParams::collective,
              "how collectives run unless the command line says otherwise: algorithm per op, chunk, ...");
  });
  return s;
}

namespace {
const BlockRegistrar reg(FabricParams::schema());
}

}  // namespace litesim
