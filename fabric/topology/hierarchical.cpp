// `hierarchical`: `groups` groups of `inner.size` GPUs. Inside each group the GPUs form
// `inner.kind` (ring | fully_connected | switch); across groups, GPU i of every group belongs to
// rail i, and the rails form `outer.kind` (ring | fully_connected over the groups: GPU i of group g
// links to GPU i of the neighbouring / every other group; switch: one switch per rail, every GPU of
// the rail linked to it). In YAML:
//
//   topology:
//     kind: hierarchical
//     groups: 4
//     inner: {kind: ring, size: 4}               # optional: lanes, fibre_length
//     outer: {kind: switch, fibre_length: 10 m}  # optional: lanes, fibre_length
//
// Vertices: GPUs (rank = group * size + i, vertex group = group), then one switch per group for an
// inner switch (role "group-switch", group = g), then one switch per rail for an outer switch (role
// "rail-switch"). Links: the inner links group by group (class "inner"), then the outer links rail
// by rail (class "outer"). A ring of 2 is one link and a ring of 1 none (as a torus dimension).
#include <utility>

#include <fmt/format.h>

#include "fabric/topology/topo_params.h"
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct InnerParams {
  std::string kind;
  int size = 0;
  int lanes = 0;
  Length fibre_length;
  static const ParamSet<InnerParams>& schema() {
    static const ParamSet<InnerParams> s("inner", "the topology inside each group", [](ParamSet<InnerParams>& p) {
      p.choice("kind", &InnerParams::kind, {"ring", "fully_connected", "switch"}, "pattern inside a group");
      p.integer("size", &InnerParams::size, "GPUs per group").at_least(1).at_most(1024);
      p.integer("lanes", &InnerParams::lanes, "lanes of each inner link (0: fabric.link.lanes)")
          .non_negative()
          .at_most(4096)
          .fallback("0");
      p.quantity("fibre_length", &InnerParams::fibre_length,
                 "fibre of each inner link (leave out: fabric.link.fibre_length)")
          .fallback("-1 m");
    });
    return s;
  }
};

struct OuterParams {
  std::string kind;
  int lanes = 0;
  Length fibre_length;
  static const ParamSet<OuterParams>& schema() {
    static const ParamSet<OuterParams> s("outer", "how each rail joins the groups", [](ParamSet<OuterParams>& p) {
      p.choice("kind", &OuterParams::kind, {"ring", "fully_connected", "switch"},
               "pattern of each rail (GPU i of every group)");
      p.integer("lanes", &OuterParams::lanes, "lanes of each outer link (0: fabric.link.lanes)")
          .non_negative()
          .at_most(4096)
          .fallback("0");
      p.quantity("fibre_length", &OuterParams::fibre_length,
                 "fibre of each outer link (leave out: fabric.link.fibre_length)")
          .fallback("-1 m");
    });
    return s;
  }
};

struct HierarchicalParams {
  int groups = 0;
  InnerParams inner;
  OuterParams outer;
  static const ParamSet<HierarchicalParams>& schema() {
    static const ParamSet<HierarchicalParams> s(
        "hierarchical", "groups joined by rails",
        [](ParamSet<HierarchicalParams>& p) {
          p.integer("groups", &HierarchicalParams::groups, "number of groups").at_least(2).at_most(4096);
          p.section("inner", &HierarchicalParams::inner, "inside each group: kind, size[, lanes, fibre_length]");
          p.section("outer", &HierarchicalParams::outer, "across groups, rail by rail: kind[, lanes, fibre_length]");
        },
        [](const HierarchicalParams& p, const ParamWhere& w) {
          if (p.inner.kind == "switch" && p.inner.size < 2)
            w.fail("inner.size", fmt::format("an inner switch needs size >= 2 (got {})", p.inner.size));
          if (static_cast<long>(p.groups) * p.inner.size > 65536) w.fail("groups", "more than 65536 GPUs");
          check_length_override(p.inner.fibre_length.m, "inner.fibre_length", w);
          check_length_override(p.outer.fibre_length.m, "outer.fibre_length", w);
        });
    return s;
  }
};

// The member pairs of a ring or fully connected pattern over n members.
std::vector<std::pair<int, int>> pattern_pairs(const std::string& kind, int n) {
  return kind == "ring" ? ring_pairs(n) : all_pairs(n);
}

class HierarchicalTopology : public Topology {
 public:
  explicit HierarchicalTopology(const HierarchicalParams& p) {
    const int G = p.groups, S = p.inner.size;
    for (int g = 0; g < G; ++g)
      for (int i = 0; i < S; ++i) add_gpu({}, g);
    std::vector<int> group_switch, rail_switch;
    if (p.inner.kind == "switch")
      for (int g = 0; g < G; ++g) group_switch.push_back(add_switch("group-switch", g));
    if (p.outer.kind == "switch")
      for (int i = 0; i < S; ++i) rail_switch.push_back(add_switch("rail-switch"));
    LinkOpts in;
    in.cls = "inner";
    in.lanes = p.inner.lanes;
    in.fibre_m = p.inner.fibre_length.m;
    for (int g = 0; g < G; ++g) {
      if (p.inner.kind == "switch") {
        for (int i = 0; i < S; ++i) add_link(g * S + i, group_switch[static_cast<size_t>(g)], in);
      } else {
        for (const auto& [a, b] : pattern_pairs(p.inner.kind, S)) add_link(g * S + a, g * S + b, in);
      }
    }
    LinkOpts out;
    out.cls = "outer";
    out.lanes = p.outer.lanes;
    out.fibre_m = p.outer.fibre_length.m;
    for (int i = 0; i < S; ++i) {
      if (p.outer.kind == "switch") {
        for (int g = 0; g < G; ++g) add_link(g * S + i, rail_switch[static_cast<size_t>(i)], out);
      } else {
        for (const auto& [a, b] : pattern_pairs(p.outer.kind, G)) add_link(a * S + i, b * S + i, out);
      }
    }
  }  // bisection: the GPUs of the first half of the groups (Topology's default)
};

const TopologyRegistrar<HierarchicalTopology, HierarchicalParams> reg(
    "hierarchical",
    "groups (ring, fully connected or switch inside) joined rail by rail (ring, fully connected or switch)");

}  // namespace
}  // namespace litesim
