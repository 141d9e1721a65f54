// `clos`: a two-tier leaf-spine network. Vertices: GPUs 0..N-1 (group = leaf index), then the
// leaves (role "leaf", group = leaf index), then the spines (role "spine"). Links: first every GPU
// to its leaf (GPU g to leaf g / gpus_per_leaf, class "down"; GPU port 0, leaf port = g mod
// gpus_per_leaf), then leaf by leaf its U = gpus_per_leaf / oversubscription uplinks (class "up"):
// uplink k of a leaf goes to spine k mod spines (leaf port gpus_per_leaf + k), so every leaf has
// U / spines parallel links to every spine.
#include <cmath>

#include <fmt/format.h>

#include "fabric/topology/topo_params.h"
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct ClosParams {
  int gpus = 0;
  int gpus_per_leaf = 0;
  int spines = 0;
  double oversubscription = 1;
  int spine_lanes = 0;
  Length spine_fibre_length;
  int uplinks() const { return static_cast<int>(std::lround(gpus_per_leaf / oversubscription)); }

  static const ParamSet<ClosParams>& schema() {
    static const ParamSet<ClosParams> s(
        "clos", "two-tier leaf-spine",
        [](ParamSet<ClosParams>& p) {
          p.integer("gpus", &ClosParams::gpus, "number of GPUs").at_least(2).at_most(65536);
          p.integer("gpus_per_leaf", &ClosParams::gpus_per_leaf, "GPUs under each leaf switch (divides gpus)")
              .at_least(1)
              .at_most(4096);
          p.integer("spines", &ClosParams::spines, "spine switches (divides each leaf's uplink count)")
              .at_least(1)
              .at_most(4096);
          p.real("oversubscription", &ClosParams::oversubscription,
                 "leaf down:up link ratio; uplinks per leaf = gpus_per_leaf / oversubscription")
              .at_least(1)
              .fallback("1");
          p.integer("spine_lanes", &ClosParams::spine_lanes, "lanes of each leaf-spine link (0: fabric.link.lanes)")
              .non_negative()
              .at_most(4096)
              .fallback("0");
          p.quantity("spine_fibre_length", &ClosParams::spine_fibre_length,
                     "fibre of each leaf-spine link (leave out: fabric.link.fibre_length)")
              .fallback("-1 m");
        },
        [](const ClosParams& p, const ParamWhere& w) {
          if (p.gpus % p.gpus_per_leaf != 0)
            w.fail("gpus_per_leaf", fmt::format("must divide gpus = {} (got {})", p.gpus, p.gpus_per_leaf));
          if (p.gpus / p.gpus_per_leaf < 2)
            w.fail("gpus_per_leaf", fmt::format("a clos needs at least 2 leaves (gpus / gpus_per_leaf = {} / {})",
                                                p.gpus, p.gpus_per_leaf));
          const double up = p.gpus_per_leaf / p.oversubscription;
          if (std::fabs(up - std::round(up)) > 1e-9 || std::round(up) < 1)
            w.fail("oversubscription",
                   fmt::format("gpus_per_leaf / oversubscription = {} / {} must be a whole number of uplinks >= 1",
                               p.gpus_per_leaf, p.oversubscription));
          if (p.uplinks() % p.spines != 0)
            w.fail("spines", fmt::format("must divide the {} uplinks of each leaf (gpus_per_leaf / oversubscription) "
                                         "so they spread evenly (got {})",
                                         p.uplinks(), p.spines));
          check_length_override(p.spine_fibre_length.m, "spine_fibre_length", w);
        });
    return s;
  }
};

class ClosTopology : public Topology {
 public:
  explicit ClosTopology(const ClosParams& p) {
    const int leaves = p.gpus / p.gpus_per_leaf;
    for (int g = 0; g < p.gpus; ++g) add_gpu({}, g / p.gpus_per_leaf);
    for (int l = 0; l < leaves; ++l) add_switch("leaf", l);
    for (int s = 0; s < p.spines; ++s) add_switch("spine");
    const int leaf0 = p.gpus, spine0 = p.gpus + leaves;
    LinkOpts down;
    down.cls = "down";
    for (int g = 0; g < p.gpus; ++g) add_link(g, leaf0 + g / p.gpus_per_leaf, down);
    LinkOpts up;
    up.cls = "up";
    up.lanes = p.spine_lanes;
    up.fibre_m = p.spine_fibre_length.m;
    for (int l = 0; l < leaves; ++l)
      for (int k = 0; k < p.uplinks(); ++k) add_link(leaf0 + l, spine0 + k % p.spines, up);
  }  // bisection: the GPUs of the first half of the leaves (their groups; Topology's default)
};

const TopologyRegistrar<ClosTopology, ClosParams> reg("clos", "two-tier leaf-spine of packet switches");

}  // namespace
}  // namespace litesim
