// `dragonfly` (Kim et al., ISCA 2008): G groups of a routers; each router has p GPUs, a - 1 local
// links (the routers of a group are fully connected, class "local") and h global links (class
// "global") to other groups.
//
// Global arrangement: "consecutive" (also called absolute; Camarero et al., ACM TACO 2014). Group
// i numbers its a*h global ports k = r*h + j (router r, its j-th global link). Port k is in round
// c = k / (G-1) and points at the (k mod (G-1))-th other group in increasing order, skipping i
// itself. Because a*h must be a multiple of G-1, every pair of groups gets exactly
// a*h / (G-1) global links, one per round.
//
// Vertices: GPUs (rank = (group*a + router)*p + local, group = group index), then routers (role
// "router", router r of group i is switch i*a + r, group = i). Links in this order: every GPU to
// its router (GPU port 0; router ports 0..p-1); the local links group by group, router pairs in
// lexicographic order; then the global links pair of groups by pair (i < j lexicographic), round
// by round: group i's port c*(G-1) + j-1 to group j's port c*(G-1) + i.
#include <fmt/format.h>

#include "fabric/topology/topo_params.h"
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct DragonflyParams {
  int groups = 0;
  int routers_per_group = 0;
  int gpus_per_router = 0;
  int global_links_per_router = 0;
  Length global_fibre_length;

  static const ParamSet<DragonflyParams>& schema() {
    static const ParamSet<DragonflyParams> s(
        "dragonfly", "groups of fully connected routers joined by global links",
        [](ParamSet<DragonflyParams>& p) {
          p.integer("groups", &DragonflyParams::groups, "groups (G)").at_least(2).at_most(4096);
          p.integer("routers_per_group", &DragonflyParams::routers_per_group, "routers per group (a)")
              .at_least(1)
              .at_most(256);
          p.integer("gpus_per_router", &DragonflyParams::gpus_per_router, "GPUs on each router (p)")
              .at_least(1)
              .at_most(256);
          p.integer("global_links_per_router", &DragonflyParams::global_links_per_router,
                    "global links of each router (h)")
              .at_least(1)
              .at_most(256);
          p.quantity("global_fibre_length", &DragonflyParams::global_fibre_length,
                     "fibre of each global link (leave out: fabric.link.fibre_length)")
              .fallback("-1 m");
        },
        [](const DragonflyParams& p, const ParamWhere& w) {
          const int ports = p.routers_per_group * p.global_links_per_router;
          if (p.groups > ports + 1)
            w.fail("groups", fmt::format("must be <= routers_per_group x global_links_per_router + 1 = {} (got {})",
                                         ports + 1, p.groups));
          if (ports % (p.groups - 1) != 0)
            w.fail("global_links_per_router",
                   fmt::format("routers_per_group x global_links_per_router = {} must be a multiple of groups - 1 = {} "
                               "so every pair of groups gets the same number of global links",
                               ports, p.groups - 1));
          if (static_cast<long>(p.groups) * p.routers_per_group * p.gpus_per_router > 65536)
            w.fail("groups", "more than 65536 GPUs");
          check_length_override(p.global_fibre_length.m, "global_fibre_length", w);
        });
    return s;
  }
};

class DragonflyTopology : public Topology {
 public:
  explicit DragonflyTopology(const DragonflyParams& p) {
    const int G = p.groups, a = p.routers_per_group, h = p.global_links_per_router;
    const int per_group = a * p.gpus_per_router;
    const int n = G * per_group;
    for (int g = 0; g < n; ++g) add_gpu({}, g / per_group);
    for (int i = 0; i < G; ++i)
      for (int r = 0; r < a; ++r) add_switch("router", i);
    auto router = [&](int group, int r) { return n + group * a + r; };
    for (int g = 0; g < n; ++g) add_link(g, n + g / p.gpus_per_router);
    LinkOpts local;
    local.cls = "local";
    for (int i = 0; i < G; ++i)
      for (const auto& [r1, r2] : all_pairs(a)) add_link(router(i, r1), router(i, r2), local);
    LinkOpts global;
    global.cls = "global";
    global.fibre_m = p.global_fibre_length.m;
    const int rounds = a * h / (G - 1);
    for (int i = 0; i < G; ++i)
      for (int j = i + 1; j < G; ++j)
        for (int c = 0; c < rounds; ++c) {
          const int k_i = c * (G - 1) + j - 1;  // j > i: i is skipped before j
          const int k_j = c * (G - 1) + i;      // i < j: nothing skipped before i
          add_link(router(i, k_i / h), router(j, k_j / h), global);
        }
  }  // bisection: the GPUs of the first half of the groups (Topology's default)
};

const TopologyRegistrar<DragonflyTopology, DragonflyParams> reg(
    "dragonfly", "groups of fully connected routers joined by global links (consecutive arrangement)");

}  // namespace
}  // namespace litesim
