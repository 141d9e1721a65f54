// `switch`: one tier. Every GPU links to one electrical packet switch (vertex N, role "switch"),
// `uplinks_per_gpu` parallel links each. Links are added GPU by GPU: GPU g's uplink u is link
// g * uplinks_per_gpu + u, port u at the GPU and the same number at the switch.
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct SwitchTopologyParams {
  int gpus = 0;
  int uplinks_per_gpu = 1;
  static const ParamSet<SwitchTopologyParams>& schema() {
    static const ParamSet<SwitchTopologyParams> s(
        "switch", "every GPU to one switch", [](ParamSet<SwitchTopologyParams>& p) {
          p.integer("gpus", &SwitchTopologyParams::gpus, "number of GPUs").at_least(2).at_most(4096);
          p.integer("uplinks_per_gpu", &SwitchTopologyParams::uplinks_per_gpu,
                    "parallel links from each GPU to the switch")
              .at_least(1)
              .at_most(64)
              .fallback("1");
        });
    return s;
  }
};

class SwitchTopology : public Topology {
 public:
  explicit SwitchTopology(const SwitchTopologyParams& p) {
    for (int i = 0; i < p.gpus; ++i) add_gpu();
    const int sw = add_switch("switch");
    for (int i = 0; i < p.gpus; ++i)
      for (int u = 0; u < p.uplinks_per_gpu; ++u) add_link(i, sw);
  }
};

const TopologyRegistrar<SwitchTopology, SwitchTopologyParams> reg(
    "switch", "one tier: every GPU linked to a single packet switch");

}  // namespace
}  // namespace litesim
