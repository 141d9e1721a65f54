#include <fmt/format.h>

#include "core/registry.h"
#include "fabric/fabric.h"

namespace litesim {

const ParamSet<FabricParams>& FabricParams::schema() {
  static const ParamSet<FabricParams> s("fabric", "the network joining the packages", [](ParamSet<FabricParams>& p) {
    p.choice("fidelity", &FabricParams::fidelity, {"packet", "flow"},
             "the fabric model: packet (packets hop by hop, credits, queues) or flow (a flow per message, links "
             "shared max-min fair; for thousands of GPUs)")
        .fallback("packet");
    p.section("backend", &FabricParams::backend,
              "packetisation and flow control: packet size, buffers, forwarding (used by both fidelities)");
    p.impl("topology", &FabricParams::topology, "topology", "rack topology");
    p.impl("routing", &FabricParams::routing, "router", "routing algorithm", std::string("shortest"));
    p.section("link", &FabricParams::link, "every link of the topology");
    p.optional_section("switch", &FabricParams::eps, "the electrical packet switches (configs/switch/)");
    p.optional_section("ocs", &FabricParams::ocs, "the optical circuit switches (configs/ocs/)");
    p.section("collective", &FabricParams::collective,
              "how collectives run unless the command line says otherwise: algorithm per op, chunk, ...");
    p.list("faults", &FabricParams::faults,
           "faults injected into the run: links, GPUs, switches, OCS ports, HBM stacks, optical engines or lasers "
           "that fail, degrade or flap (docs/faults.md); empty: none");
    p.section("recovery", &FabricParams::recovery,
              "how long the network takes to detect a dead link and reroute, and what a job stopped by faults does");
    p.optional_section("fault_draw", &FabricParams::fault_draw,
                       "link, GPU and switch faults drawn from failure rates with the run's seed (docs/faults.md)");
  });
  return s;
}

void check_switches(const Topology& t, const FabricParams& p,
                    const std::function<SourceLoc(const std::string&)>& where) {
  // The key's location, or that of the nearest enclosing section `where` knows (line 0: unknown).
  auto fail = [&](const std::string& key, const std::string& what) {
    std::string at = key;
    SourceLoc loc = where(at);
    while (loc.line == 0 && at.find('.') != std::string::npos) {
      at.erase(at.rfind('.'));
      loc = where(at);
    }
    throw ConfigError(loc, key, what);
  };
  if (t.num_switches() > 0 && !p.eps)
    fail("fabric.switch", fmt::format("the topology has {} switch(es): give their parameters (e.g. `switch: {{preset: "
                                      "NAME}}` from configs/switch/)",
                                      t.num_switches()));
  if (!t.ocs_units().empty() && !p.ocs)
    fail("fabric.ocs", "the topology has optical circuit switches: give their parameters (configs/ocs/)");
  for (int v = t.num_gpus(); v < t.num_vertices(); ++v)
    if (t.degree(v) > p.eps->radix)
      fail("fabric.switch.radix", fmt::format("switch{} ({}) has {} links but the switch has radix {}",
                                              t.vertex(v).index, t.vertex(v).role, t.degree(v), p.eps->radix));
}

namespace {
const BlockRegistrar reg(FabricParams::schema());
}

}  // namespace litesim
