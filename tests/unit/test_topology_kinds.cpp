// Every topology kind and its properties against closed forms derived from the definitions, never
// from the code under test: k-ary n-cube diameter n*floor(k/2) and mean distance, mesh diameter,
// cut sizes, link counts, degrees; and each cross-field parameter check names its key.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <fmt/format.h>

#include "core/config.h"
#include "core/registry.h"
#include "fabric/topology/properties.h"
#include "fabric/topology/topology.h"

using namespace litesim;

namespace {

// The parameters of `yaml` (a topology mapping with kind) validated as `litesim run` does (the
// catalog schema, key path fabric.topology), then the topology built from the registry.
ImplConfig validated(const std::string& yaml) {
  ConfigPtr n = parse_yaml(yaml, "<test>");
  ImplConfig impl;
  impl.kind = n->find("kind")->scalar;
  ConfigPtr params = n->clone();
  params->erase("kind");
  const CatalogEntry* e = Catalog::instance().find("topology", impl.kind);
  if (!e) throw std::logic_error("no topology " + impl.kind);
  impl.params = e->schema->normalize(params, "fabric.topology", n->loc);
  return impl;
}
std::unique_ptr<Topology> make(const std::string& yaml) { return TopologyRegistry::instance().create(validated(yaml)); }

ConfigError error_of(const std::string& yaml) {
  try {
    make(yaml);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for:\n" << yaml;
  return ConfigError({}, "", "");
}

// A link carries its lanes x 1 GB/s per direction (lanes 0: 8, as fabric.link.lanes would), so a
// cut of L default links is 8L GB/s; every lane is optical and costs 1 W of static power.
LinkBudget budget(const TopoEdge& e) {
  LinkBudget b;
  b.lanes = e.lanes > 0 ? e.lanes : 8;
  b.rate_bps = b.lanes * 8e9;
  b.static_W = b.lanes;
  b.fibre_m = e.fibre_m >= 0 ? e.fibre_m : 2;
  b.optical_lanes = b.lanes;
  return b;
}
TopologyProperties props(const Topology& t) { return topology_properties(t, budget); }
constexpr double kLinkGBps = 8;  // one default link, one direction

int ipow(int k, int n) {
  int r = 1;
  for (int i = 0; i < n; ++i) r *= k;
  return r;
}

// Links joining the same two vertices (the size-2 torus rule forbids them).
int parallel_links(const Topology& t) {
  std::set<std::pair<int, int>> seen;
  int dup = 0;
  for (const auto& e : t.links()) dup += !seen.insert({std::min(e.u, e.v), std::max(e.u, e.v)}).second;
  return dup;
}

}  // namespace

TEST(TopologyKinds, RingBidirectionalAndUnidirectional) {
  for (int n : {3, 4, 5, 8, 9}) {
    auto bi = make("kind: ring\ngpus: " + std::to_string(n));
    const auto pb = props(*bi);
    EXPECT_EQ(pb.diameter, n / 2);
    // Mean of min(d, n-d) over d = 1..n-1: floor(n^2/4) / (n-1).
    EXPECT_DOUBLE_EQ(pb.avg_hops, static_cast<double>(n * n / 4) / (n - 1));
    EXPECT_DOUBLE_EQ(pb.bisection_GBps, 2 * kLinkGBps) << "a ring cut crosses 2 links";

    auto uni = make("kind: ring\ndirection: uni\ngpus: " + std::to_string(n));
    for (const auto& e : uni->links()) {
      EXPECT_TRUE(e.one_way);
      EXPECT_EQ(e.v, (e.u + 1) % n);
    }
    const auto pu = props(*uni);
    EXPECT_EQ(pu.diameter, n - 1);
    EXPECT_DOUBLE_EQ(pu.avg_hops, n / 2.0) << "sum 1..n-1 over n-1";
    EXPECT_DOUBLE_EQ(pu.bisection_GBps, kLinkGBps) << "one link crosses the cut in the side's direction";
  }
}

TEST(TopologyKinds, TorusIsAKAryNCube) {
  for (const auto& [k, n] : std::vector<std::pair<int, int>>{{3, 2}, {4, 2}, {5, 2}, {6, 2}, {3, 3}, {4, 3}, {5, 3}}) {
    const std::string ks = std::to_string(k);
    auto t = n == 2 ? make("kind: torus2d\nx: " + ks + "\ny: " + ks)
                    : make("kind: torus3d\nx: " + ks + "\ny: " + ks + "\nz: " + ks);
    const int N = ipow(k, n);
    ASSERT_EQ(t->num_gpus(), N);
    EXPECT_EQ(t->num_links(), n * N);
    EXPECT_EQ(t->dims(), std::vector<int>(static_cast<size_t>(n), k));
    for (int r = 0; r < N; ++r) {
      EXPECT_EQ(t->degree(r), 2 * n);
      const auto& c = t->vertex(r).coord;
      ASSERT_EQ(static_cast<int>(c.size()), n);
      int rank = 0;
      for (int d = n - 1; d >= 0; --d) rank = rank * k + c[static_cast<size_t>(d)];
      EXPECT_EQ(rank, r) << "dimension 0 varies fastest";
    }
    std::vector<int> wraps(static_cast<size_t>(n), 0);
    for (const auto& e : t->links()) {
      ASSERT_GE(e.dim, 0);
      const auto &cu = t->vertex(e.u).coord, &cv = t->vertex(e.v).coord;
      for (int d = 0; d < n; ++d)
        if (d != e.dim) {
          EXPECT_EQ(cu[static_cast<size_t>(d)], cv[static_cast<size_t>(d)]);
        }
      if (e.wrap) {
        ++wraps[static_cast<size_t>(e.dim)];
        EXPECT_EQ(cu[static_cast<size_t>(e.dim)], k - 1);
        EXPECT_EQ(cv[static_cast<size_t>(e.dim)], 0);
      } else {
        EXPECT_EQ(cv[static_cast<size_t>(e.dim)], cu[static_cast<size_t>(e.dim)] + 1);
      }
    }
    for (int w : wraps) EXPECT_EQ(w, N / k) << "one wrap link per line";
    const auto p = props(*t);
    EXPECT_EQ(p.diameter, n * (k / 2));
    // Per dimension the mean ring distance over all k targets (self included) is floor(k^2/4)/k;
    // dimensions add; excluding the pair s = d scales by N/(N-1).
    const double per_dim = static_cast<double>(k * k / 4) / k;
    EXPECT_NEAR(p.avg_hops, n * per_dim * N / (N - 1), 1e-12);
    // Cut across one dimension: every line along it crosses twice (middle and wrap).
    EXPECT_DOUBLE_EQ(p.bisection_GBps, 2.0 * ipow(k, n - 1) * kLinkGBps);
    EXPECT_EQ(p.bisection_gpus, (k / 2) * ipow(k, n - 1));
  }
}

TEST(TopologyKinds, TorusDimensionsOfSizeTwoAndOne) {
  auto t = make("kind: torus2d\nx: 2\ny: 3");
  // Dimension 0 (size 2): one link per line, 3 lines; dimension 1 (size 3): a 3-ring per line, 2 lines.
  EXPECT_EQ(t->num_links(), 3 * 1 + 2 * 3);
  EXPECT_EQ(parallel_links(*t), 0);
  for (const auto& e : t->links())
    if (e.dim == 0) {
      EXPECT_FALSE(e.wrap) << "a 2-ring has no dateline";
    }
  EXPECT_EQ(props(*t).diameter, 1 + 1);

  auto line = make("kind: torus2d\nx: 1\ny: 5");
  EXPECT_EQ(line->num_links(), 5) << "size 1 adds no link: a 5-ring";
  for (int r = 0; r < 5; ++r) EXPECT_EQ(line->degree(r), 2);
  auto cube = make("kind: torus3d\nx: 2\ny: 2\nz: 2");
  EXPECT_EQ(cube->num_links(), 3 * 4) << "a 2x2x2 torus is the 3-cube: 12 edges";
  EXPECT_EQ(parallel_links(*cube), 0);
  EXPECT_EQ(props(*cube).diameter, 3);
}

TEST(TopologyKinds, TorusBisectsItsLargestDimension) {
  auto t = make("kind: torus2d\nx: 3\ny: 6");
  const auto side = t->bisection_side();
  EXPECT_EQ(static_cast<int>(side.size()), 9);
  for (int r : side) EXPECT_LT(t->vertex(r).coord[1], 3);
  EXPECT_DOUBLE_EQ(props(*t).bisection_GBps, 2 * 3 * kLinkGBps) << "3 lines along y, 2 crossings each";
}

TEST(TopologyKinds, Mesh2d) {
  for (const auto& [x, y] : std::vector<std::pair<int, int>>{{2, 2}, {4, 4}, {4, 3}, {5, 2}, {1, 6}}) {
    auto t = make("kind: mesh2d\nx: " + std::to_string(x) + "\ny: " + std::to_string(y));
    const int N = x * y;
    EXPECT_EQ(t->num_links(), (x - 1) * y + x * (y - 1));
    for (int r = 0; r < N; ++r) {
      const auto& c = t->vertex(r).coord;
      const int deg = (c[0] > 0) + (c[0] < x - 1) + (c[1] > 0) + (c[1] < y - 1);
      EXPECT_EQ(t->degree(r), deg);
    }
    for (const auto& e : t->links()) EXPECT_FALSE(e.wrap);
    const auto p = props(*t);
    EXPECT_EQ(p.diameter, (x - 1) + (y - 1));
    // Mean |i - j| over all k^2 ordered pairs of a line of k is (k^2 - 1) / (3k).
    const double mean = (x * x - 1.0) / (3.0 * x) + (y * y - 1.0) / (3.0 * y);
    EXPECT_NEAR(p.avg_hops, mean * N / (N - 1), 1e-12);
    // The cut across the larger dimension crosses one link per line along it.
    EXPECT_DOUBLE_EQ(p.bisection_GBps, (x >= y ? y : x) * kLinkGBps);
  }
}

TEST(TopologyKinds, FullyConnected) {
  for (int n : {2, 3, 4, 5, 8}) {
    auto t = make("kind: fully_connected\ngpus: " + std::to_string(n));
    EXPECT_EQ(t->num_links(), n * (n - 1) / 2);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(t->degree(i), n - 1);
      for (int p = 0; p < n - 1; ++p) EXPECT_EQ(t->peer(i, p).first, p < i ? p : p + 1);
    }
    const auto p = props(*t);
    EXPECT_EQ(p.diameter, 1);
    EXPECT_DOUBLE_EQ(p.avg_hops, 1.0);
    EXPECT_DOUBLE_EQ(p.bisection_GBps, (n / 2) * (n - n / 2) * kLinkGBps) << "(N/2)^2 links for even N";
  }
}

TEST(TopologyKinds, SingleSwitch) {
  for (const auto& [n, u] : std::vector<std::pair<int, int>>{{2, 1}, {8, 1}, {7, 2}, {16, 3}}) {
    auto t = make("kind: switch\ngpus: " + std::to_string(n) + "\nuplinks_per_gpu: " + std::to_string(u));
    EXPECT_EQ(t->num_gpus(), n);
    EXPECT_EQ(t->num_switches(), 1);
    EXPECT_EQ(t->vertex(n).role, "switch");
    EXPECT_EQ(t->degree(n), n * u);
    for (int g = 0; g < n; ++g) EXPECT_EQ(t->degree(g), u);
    const auto p = props(*t);
    EXPECT_EQ(p.links, n * u);
    EXPECT_EQ(p.diameter, 2);
    EXPECT_DOUBLE_EQ(p.avg_hops, 2.0);
    EXPECT_DOUBLE_EQ(p.bisection_GBps, (n / 2) * u * kLinkGBps) << "the smaller side's uplinks";
  }
}

TEST(TopologyKinds, ClosBisectionFollowsOversubscription) {
  const int N = 32, g = 8, L = N / g;
  for (const auto& [spines, os] : std::vector<std::pair<int, int>>{{4, 1}, {2, 1}, {2, 2}, {1, 4}, {8, 1}}) {
    auto t = make(fmt::format("kind: clos\ngpus: {}\ngpus_per_leaf: {}\nspines: {}\noversubscription: {}", N, g,
                              spines, os));
    const int U = g / os;
    EXPECT_EQ(t->num_switches(), L + spines);
    for (int l = 0; l < L; ++l) {
      EXPECT_EQ(t->vertex(N + l).role, "leaf");
      EXPECT_EQ(t->vertex(N + l).group, l);
      EXPECT_EQ(t->degree(N + l), g + U);
    }
    for (int s = 0; s < spines; ++s) {
      EXPECT_EQ(t->vertex(N + L + s).role, "spine");
      EXPECT_EQ(t->degree(N + L + s), L * U / spines);
    }
    for (int r = 0; r < N; ++r) EXPECT_EQ(t->vertex(r).group, r / g);
    const auto p = props(*t);
    EXPECT_EQ(p.link_classes.at("down"), N);
    EXPECT_EQ(p.link_classes.at("up"), L * U);
    EXPECT_EQ(p.diameter, 4);
    EXPECT_NEAR(p.avg_hops, (g - 1.0) * 2 / (N - 1) + (N - g) * 4.0 / (N - 1), 1e-12);
    // Half the leaves send through their uplinks: (L/2) x min(g down, U up) links.
    EXPECT_DOUBLE_EQ(p.bisection_GBps, L / 2 * std::min(g, U) * kLinkGBps);
  }
  // Narrower spine links: the uplinks bind at (L/2) x U x 4 lanes.
  auto t = make("kind: clos\ngpus: 32\ngpus_per_leaf: 8\nspines: 4\nspine_lanes: 4\nspine_fibre_length: 10 m");
  for (const auto& e : t->links()) {
    EXPECT_EQ(e.lanes, e.cls == "up" ? 4 : 0);
    EXPECT_EQ(e.fibre_m, e.cls == "up" ? 10.0 : -1.0);
  }
  EXPECT_DOUBLE_EQ(props(*t).bisection_GBps, L / 2 * 8 * 4 * 1.0);
}

TEST(TopologyKinds, DragonflyConsecutiveArrangement) {
  struct Case {
    int G, a, p, h;
  };
  for (const Case c : {Case{9, 4, 2, 2}, Case{3, 2, 1, 1}, Case{5, 4, 2, 2}, Case{2, 2, 3, 1}}) {
    auto t = make(fmt::format("kind: dragonfly\ngroups: {}\nrouters_per_group: {}\ngpus_per_router: {}\n"
                              "global_links_per_router: {}\nglobal_fibre_length: 20 m",
                              c.G, c.a, c.p, c.h));
    const int N = c.G * c.a * c.p, R = c.G * c.a, rounds = c.a * c.h / (c.G - 1);
    EXPECT_EQ(t->num_gpus(), N);
    EXPECT_EQ(t->num_switches(), R);
    const auto p = props(*t);
    EXPECT_EQ(p.link_classes.at("none"), N);
    EXPECT_EQ(p.link_classes.at("local"), c.G * c.a * (c.a - 1) / 2);
    EXPECT_EQ(p.link_classes.at("global"), c.G * c.a * c.h / 2);
    std::map<std::pair<int, int>, int> between;  // global links per pair of groups
    std::vector<int> global_at(static_cast<size_t>(t->num_vertices()), 0);
    for (const auto& e : t->links()) {
      if (e.cls != "global") continue;
      EXPECT_EQ(e.fibre_m, 20.0);
      const int gu = t->vertex(e.u).group, gv = t->vertex(e.v).group;
      EXPECT_NE(gu, gv);
      ++between[{std::min(gu, gv), std::max(gu, gv)}];
      ++global_at[static_cast<size_t>(e.u)], ++global_at[static_cast<size_t>(e.v)];
    }
    EXPECT_EQ(static_cast<int>(between.size()), c.G * (c.G - 1) / 2);
    for (const auto& [pair, links] : between) EXPECT_EQ(links, rounds);
    for (int r = N; r < N + R; ++r) {
      EXPECT_EQ(t->vertex(r).role, "router");
      EXPECT_EQ(global_at[static_cast<size_t>(r)], c.h);
      EXPECT_EQ(t->degree(r), c.p + c.a - 1 + c.h);
    }
    // Bisection: the first floor(G/2) groups; each pair across the cut has `rounds` global links, and
    // the GPUs and local links can feed them (checked per case: G/2 * a * p >= the cut).
    EXPECT_DOUBLE_EQ(p.bisection_GBps, (c.G / 2) * (c.G - c.G / 2) * rounds * kLinkGBps);
  }
  // Diameter GPU-router-...-router-GPU: routers are at most local-global-local (3) apart. For
  // G=9, a=4, h=2, a router reaches at most 1 + 5 + (3*2 + 2*4) = 20 < 36 routers within 2 hops
  // (Moore bound), so some pair is 3 apart: 1 + 3 + 1 = 5.
  EXPECT_EQ(props(*make("kind: dragonfly\ngroups: 9\nrouters_per_group: 4\ngpus_per_router: 2\n"
                        "global_links_per_router: 2"))
                .diameter,
            5);
  // G=3, a=2, h=1: group 0's router 0 links to group 1's router 0 and its router 1 to group 2's
  // router 0; group 1's router 1 to group 2's router 1. Router (0,1) reaches (0,0) and (2,0) in one
  // hop, (1,0) and (2,1) in two, so (1,1) is 3 router hops away: 5.
  EXPECT_EQ(props(*make("kind: dragonfly\ngroups: 3\nrouters_per_group: 2\ngpus_per_router: 1\n"
                        "global_links_per_router: 1"))
                .diameter,
            5);
}

TEST(TopologyKinds, OcsDirectTorusAndRing) {
  auto t = make("kind: ocs_direct\nlogical: torus2d\nx: 4\ny: 4");
  const int N = 16;
  ASSERT_EQ(t->ocs_units().size(), 2u);
  for (size_t u = 0; u < 2; ++u) {
    EXPECT_EQ(t->ocs_units()[u].ports, 2 * N) << "a torus dimension unit has 2 x GPUs ports";
    EXPECT_EQ(t->ocs_units()[u].links.size(), static_cast<size_t>(N));
    for (int id : t->ocs_units()[u].links) EXPECT_EQ(t->links()[static_cast<size_t>(id)].dim, static_cast<int>(u));
  }
  for (const auto& e : t->links()) EXPECT_GE(e.ocs, 0);
  EXPECT_EQ(t->num_switches(), 0) << "an OCS is not a vertex";
  const auto p = props(*t);
  EXPECT_EQ(p.diameter, 2 * (4 / 2));
  EXPECT_DOUBLE_EQ(p.bisection_GBps, 2 * 4 * kLinkGBps);

  auto r = make("kind: ocs_direct\nlogical: ring\ngpus: 5\nocs_ports: 64");
  ASSERT_EQ(r->ocs_units().size(), 1u);
  EXPECT_EQ(r->ocs_units()[0].ports, 64);
  EXPECT_EQ(r->num_links(), 5);
  EXPECT_EQ(props(*r).diameter, 2);
  auto fc = make("kind: ocs_direct\nlogical: fully_connected\ngpus: 4");
  EXPECT_EQ(fc->ocs_units()[0].ports, 2 * 6);
  auto t3 = make("kind: ocs_direct\nlogical: torus3d\nx: 2\ny: 3\nz: 1");
  EXPECT_EQ(t3->ocs_units().size(), 2u) << "the size-1 dimension has no links and no unit";
  EXPECT_EQ(t3->num_links(), 3 + 2 * 3);
}

TEST(TopologyKinds, Hierarchical) {
  // Rings of 4 inside, a switch per rail: 2 hops to the rail switch plus the ring distance.
  auto t = make("kind: hierarchical\ngroups: 4\ninner: {kind: ring, size: 4, lanes: 3}\nouter: {kind: switch}");
  EXPECT_EQ(t->num_gpus(), 16);
  EXPECT_EQ(t->num_switches(), 4);
  for (int r = 0; r < 16; ++r) {
    EXPECT_EQ(t->vertex(r).group, r / 4);
    EXPECT_EQ(t->degree(r), 3);
  }
  for (int s = 16; s < 20; ++s) EXPECT_EQ(t->vertex(s).role, "rail-switch");
  for (const auto& e : t->links()) {
    EXPECT_EQ(e.lanes, e.cls == "inner" ? 3 : 0);
    EXPECT_EQ(e.fibre_m, -1.0);
    if (e.cls == "outer") {
      EXPECT_EQ(e.u % 4, t->vertex(e.v).index) << "GPU i of every group on rail switch i";
    }
  }
  auto p = props(*t);
  EXPECT_EQ(p.link_classes.at("inner"), 16);
  EXPECT_EQ(p.link_classes.at("outer"), 16);
  EXPECT_EQ(p.diameter, 2 + 2);
  // Each rail switch has 2 GPUs on each side of the group cut: 4 rails x 2 links.
  EXPECT_DOUBLE_EQ(p.bisection_GBps, 4 * 2 * kLinkGBps);

  // Fully connected groups of 3, rails as 5-rings: 1 + floor(5/2) hops at most.
  auto u = make("kind: hierarchical\ngroups: 5\ninner: {kind: fully_connected, size: 3}\n"
                "outer: {kind: ring, fibre_length: 10 m}");
  EXPECT_EQ(u->num_links(), 5 * 3 + 3 * 5);
  EXPECT_EQ(props(*u).diameter, 3);
  for (const auto& e : u->links())
    if (e.cls == "outer") {
      EXPECT_EQ(e.fibre_m, 10.0);
    }
  // A switch per group and rails fully connected: 1 rail hop + 2 through a group switch.
  auto w = make("kind: hierarchical\ngroups: 3\ninner: {kind: switch, size: 4}\nouter: {kind: fully_connected}");
  EXPECT_EQ(w->num_switches(), 3);
  EXPECT_EQ(w->vertex(12).role, "group-switch");
  EXPECT_EQ(w->vertex(12).group, 0);
  EXPECT_EQ(props(*w).diameter, 3);
  // A 2-group ring rail is one link, not two.
  auto two = make("kind: hierarchical\ngroups: 2\ninner: {kind: ring, size: 3}\nouter: {kind: ring}");
  EXPECT_EQ(parallel_links(*two), 0);
  EXPECT_EQ(two->num_links(), 2 * 3 + 3);
}

TEST(TopologyKinds, OverridesOnlyWhenGiven) {
  for (const char* yaml : {"kind: ring\ngpus: 4", "kind: torus3d\nx: 3\ny: 3\nz: 3", "kind: mesh2d\nx: 3\ny: 2",
                           "kind: fully_connected\ngpus: 5", "kind: switch\ngpus: 4",
                           "kind: clos\ngpus: 8\ngpus_per_leaf: 4\nspines: 2",
                           "kind: dragonfly\ngroups: 3\nrouters_per_group: 2\ngpus_per_router: 1\n"
                           "global_links_per_router: 1",
                           "kind: ocs_direct\nlogical: torus2d\nx: 3\ny: 3",
                           "kind: hierarchical\ngroups: 2\ninner: {kind: ring, size: 4}\nouter: {kind: switch}"}) {
    auto t = make(yaml);
    for (const auto& e : t->links()) {
      EXPECT_EQ(e.lanes, 0) << yaml;
      EXPECT_LT(e.fibre_m, 0) << yaml;
    }
    for (int v = 0; v < t->num_vertices(); ++v) EXPECT_EQ(t->is_gpu(v), t->vertex(v).kind == TopoVertex::Kind::Gpu);
  }
}

TEST(TopologyKinds, PropertiesCountLanesAndPower) {
  auto t = make("kind: torus2d\nx: 4\ny: 4");
  const auto p = props(*t);
  EXPECT_EQ(p.optical_lanes, 32 * 8);
  EXPECT_DOUBLE_EQ(p.static_optical_W, 32 * 8.0);
  EXPECT_EQ(p.max_gpu_degree, 4);
  EXPECT_EQ(p.max_gpu_lanes, 4 * 8);
  EXPECT_EQ(p.link_classes.at("none"), 32);
}

#define EXPECT_TOPO_ERROR(yaml, at_line, path, text)                     \
  do {                                                                   \
    const ConfigError e_ = error_of(yaml);                               \
    EXPECT_EQ(e_.loc().line, at_line) << e_.what();                      \
    EXPECT_EQ(e_.key_path(), path) << e_.what();                         \
    EXPECT_NE(e_.detail().find(text), std::string::npos) << e_.what(); \
  } while (0)

TEST(TopologyKinds, BadParametersNameTheKey) {
  EXPECT_TOPO_ERROR("kind: ring\ngpus: 4\ndirection: sideways", 3, "fabric.topology.direction", "not one of");
  EXPECT_TOPO_ERROR("kind: torus2d\nx: 0\ny: 4", 2, "fabric.topology.x", "must be >= 1");
  EXPECT_TOPO_ERROR("kind: torus2d\nx: 1\ny: 1", 2, "fabric.topology.x", "at least 2 GPUs");
  EXPECT_TOPO_ERROR("kind: clos\ngpus: 64\ngpus_per_leaf: 7\nspines: 1", 3, "fabric.topology.gpus_per_leaf",
                    "must divide gpus");
  EXPECT_TOPO_ERROR("kind: clos\ngpus: 8\ngpus_per_leaf: 8\nspines: 1", 3, "fabric.topology.gpus_per_leaf",
                    "at least 2 leaves");
  EXPECT_TOPO_ERROR("kind: clos\ngpus: 64\ngpus_per_leaf: 8\nspines: 1\noversubscription: 3", 5,
                    "fabric.topology.oversubscription", "whole number");
  EXPECT_TOPO_ERROR("kind: clos\ngpus: 64\ngpus_per_leaf: 8\nspines: 1\noversubscription: 0.5", 5,
                    "fabric.topology.oversubscription", ">= 1");
  EXPECT_TOPO_ERROR("kind: clos\ngpus: 64\ngpus_per_leaf: 8\nspines: 3", 4, "fabric.topology.spines", "spread evenly");
  EXPECT_TOPO_ERROR("kind: clos\ngpus: 64\ngpus_per_leaf: 8\nspines: 4\nspine_fibre_length: -3 m", 5,
                    "fabric.topology.spine_fibre_length", "must not be negative");
  EXPECT_TOPO_ERROR("kind: dragonfly\ngroups: 10\nrouters_per_group: 4\ngpus_per_router: 2\nglobal_links_per_router: 2",
                    2, "fabric.topology.groups", "<= routers_per_group x global_links_per_router + 1 = 9");
  EXPECT_TOPO_ERROR("kind: dragonfly\ngroups: 8\nrouters_per_group: 4\ngpus_per_router: 2\nglobal_links_per_router: 2",
                    5, "fabric.topology.global_links_per_router", "multiple of groups - 1");
  EXPECT_TOPO_ERROR("kind: ocs_direct\nlogical: ring\ngpus: 4\nx: 2", 4, "fabric.topology.x", "not a parameter");
  EXPECT_TOPO_ERROR("kind: ocs_direct\nlogical: torus2d\nx: 4", 1, "fabric.topology.y", "needs y >= 1");
  EXPECT_TOPO_ERROR("kind: ocs_direct\nlogical: torus2d\nx: 4\ny: 4\nocs_ports: 30", 5, "fabric.topology.ocs_ports",
                    "needs 32 ports");
  EXPECT_TOPO_ERROR("kind: hierarchical\ngroups: 2\ninner: {kind: switch, size: 1}\nouter: {kind: ring}", 3,
                    "fabric.topology.inner.size", "size >= 2");
  EXPECT_TOPO_ERROR("kind: hierarchical\ngroups: 2\ninner: {kind: star, size: 4}\nouter: {kind: ring}", 3,
                    "fabric.topology.inner.kind", "not one of");
  EXPECT_TOPO_ERROR("kind: hierarchical\ngroups: 2\ninner: {kind: ring, size: 4}", 1, "fabric.topology.outer.kind",
                    "missing required key");
}
