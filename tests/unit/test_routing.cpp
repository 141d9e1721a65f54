// Routers (shortest, ecmp, dor) and the deadlock / minimality checks, against closed forms that do
// not come from the router code: DOR hop counts sum_d min(|delta_d|, k - |delta_d|), dimension
// order read off the coordinates, dateline VCs read off the topology's wrap marks, binomial spread
// of ECMP flows. The test topologies are built here (small Topology subclasses), so the tests do
// not depend on the registered topology kinds; only the last test routes the shipped ring, mesh
// and torus systems, built from their presets as `litesim` builds them.
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "fabric/routing/deadlock.h"
#include "fabric/routing/router.h"
#include "fabric/topology/topology.h"
#include "traces/system/system_config.h"

using namespace litesim;

namespace {

// A mesh or torus: GPU rank = coordinate in mixed radix, dimension 0 fastest. Each GPU links to
// its +1 neighbour in every dimension; a torus adds the k-1 -> 0 link marked wrap (also for k = 2,
// where it is a second, parallel link).
class GridTopo : public Topology {
 public:
  GridTopo(std::vector<int> dims, bool torus) {
    int n = 1;
    for (int k : dims) n *= k;
    for (int r = 0; r < n; ++r) add_gpu(coord_of(dims, r));
    for (int r = 0; r < n; ++r)
      for (size_t d = 0; d < dims.size(); ++d) {
        std::vector<int> c = coord_of(dims, r);
        const int k = dims[d];
        LinkOpts o;
        o.dim = static_cast<int>(d);
        if (c[d] + 1 < k) {
          ++c[d];
        } else if (torus && k > 1) {
          c[d] = 0;
          o.wrap = true;
        } else {
          continue;
        }
        add_link(r, rank_of(dims, c), o);
      }
    set_dims(dims);
  }
  static std::vector<int> coord_of(const std::vector<int>& dims, int r) {
    std::vector<int> c;
    for (int k : dims) {
      c.push_back(r % k);
      r /= k;
    }
    return c;
  }
  static int rank_of(const std::vector<int>& dims, const std::vector<int>& c) {
    int r = 0;
    for (size_t d = dims.size(); d-- > 0;) r = r * dims[d] + c[d];
    return r;
  }
};

// N GPUs, link i joins i -> (i+1) mod N (one-way when uni); no coordinates, as the ring kind.
class RingTopo : public Topology {
 public:
  RingTopo(int n, bool uni) {
    for (int i = 0; i < n; ++i) add_gpu();
    for (int i = 0; i < n; ++i) {
      LinkOpts o;
      o.one_way = uni;
      add_link(i, (i + 1) % n, o);
    }
  }
};

// Leaf-spine Clos: `leaves` leaves with `per_leaf` GPUs each, every leaf linked to every spine.
class ClosTopo : public Topology {
 public:
  ClosTopo(int leaves, int per_leaf, int spines) {
    for (int g = 0; g < leaves * per_leaf; ++g) add_gpu();
    for (int l = 0; l < leaves; ++l) leaf_.push_back(add_switch("leaf"));
    for (int s = 0; s < spines; ++s) spine_.push_back(add_switch("spine"));
    for (int g = 0; g < leaves * per_leaf; ++g) add_link(g, leaf_[static_cast<size_t>(g / per_leaf)]);
    for (int l : leaf_)
      for (int s : spine_) add_link(l, s);
  }
  std::vector<int> leaf_, spine_;
};

// n GPUs on one switch.
class StarTopo : public Topology {
 public:
  explicit StarTopo(int n) {
    for (int g = 0; g < n; ++g) add_gpu();
    const int sw = add_switch("switch");
    for (int g = 0; g < n; ++g) add_link(g, sw);
  }
};

class PairTopo : public Topology {
 public:
  PairTopo() {
    add_gpu();
    add_gpu();
    add_link(0, 1);
  }
};

std::unique_ptr<Router> router(const std::string& kind, const Topology& t) {
  auto r = RouterRegistry::instance().create(ImplConfig{kind, ConfigNode::make_map({})});
  r->build(t);
  return r;
}

// The dimension a hop between two GPUs runs along (their coordinates differ in exactly one).
int hop_dim(const Topology& t, int a, int b) {
  const auto& ca = t.vertex(a).coord;
  const auto& cb = t.vertex(b).coord;
  int dim = -1;
  for (size_t d = 0; d < ca.size(); ++d)
    if (ca[d] != cb[d]) {
      EXPECT_EQ(dim, -1) << "hop changes two coordinates";
      dim = static_cast<int>(d);
    }
  return dim;
}

// The closed-form DOR distance: per dimension min(|delta|, k - |delta|) on a torus, |delta| on a mesh.
int grid_distance(const Topology& t, int s, int d, bool torus) {
  int hops = 0;
  for (size_t i = 0; i < t.dims().size(); ++i) {
    const int k = t.dims()[i];
    const int delta = std::abs(t.vertex(s).coord[i] - t.vertex(d).coord[i]);
    hops += torus ? std::min(delta, k - delta) : delta;
  }
  return hops;
}

// A reported cycle is a closed walk of channels: each leaves where the previous one arrives.
void expect_closed_walk(const Topology& t, const CdgResult& r) {
  ASSERT_FALSE(r.cycle.empty());
  for (size_t i = 0; i < r.cycle.size(); ++i) {
    const Channel& a = r.cycle[i];
    const Channel& b = r.cycle[(i + 1) % r.cycle.size()];
    EXPECT_EQ(t.peer(a.vertex, a.port).first, b.vertex) << r.cycle_text;
  }
  EXPECT_EQ(r.cycle_text.rfind("gpu", 0), 0u) << r.cycle_text;
  EXPECT_NE(r.cycle_text.find(" -> "), std::string::npos);
}

void expect_dor_on_grid(const std::vector<int>& dims, bool torus) {
  const GridTopo t(dims, torus);
  auto r = router("dor", t);
  const int n = t.num_gpus();
  bool any_wrap_used = false;
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d) {
      if (s == d) continue;
      std::vector<int> vcs;
      const std::vector<int> path = r->path(t, s, d, 0, &vcs);
      ASSERT_EQ(static_cast<int>(path.size()) - 1, grid_distance(t, s, d, torus)) << s << "->" << d;
      // Dimension order: the hop dimensions never decrease (so every hop before the first dim-1
      // hop is along dim 0, and so on).
      const std::vector<Channel> hops = route_channels(t, *r, s, d);
      int prev_dim = -1;
      int expect_vc = 0;
      for (size_t h = 0; h < hops.size(); ++h) {
        const int dim = hop_dim(t, path[h], path[h + 1]);
        ASSERT_GE(dim, prev_dim) << s << "->" << d << " hop " << h;
        // Dateline VCs from the topology's own wrap marks: VC 0 in a dimension until its wrap link,
        // VC 1 from that hop to the end of the dimension, back to 0 in the next dimension.
        if (dim != prev_dim) expect_vc = 0;
        if (t.link_at(hops[h].vertex, hops[h].port).wrap && dims[static_cast<size_t>(dim)] > 2) {
          expect_vc = 1;
          any_wrap_used = true;
        }
        EXPECT_EQ(hops[h].vc, torus ? expect_vc : 0) << s << "->" << d << " hop " << h;
        prev_dim = dim;
      }
      // Minimal direction, ties positive from an even coordinate and negative from an odd one: the
      // first hop in the first differing dimension.
      const size_t first = static_cast<size_t>(hop_dim(t, path[0], path[1]));
      const int k = dims[first];
      const int c0 = t.vertex(s).coord[first];
      const int c1 = t.vertex(path[1]).coord[first];
      const int ct = t.vertex(d).coord[first];
      const int dp = ((ct - c0) % k + k) % k;
      const bool positive = torus && k > 2 ? dp < k - dp || (dp == k - dp && c0 % 2 == 0) : ct > c0;
      EXPECT_EQ(c1, ((c0 + (positive ? 1 : -1)) % k + k) % k) << s << "->" << d;
    }
  EXPECT_EQ(any_wrap_used, torus);
  EXPECT_EQ(r->vcs(), torus ? 2 : 1);
  const CdgResult cdg = check_deadlock_free(t, *r);
  EXPECT_TRUE(cdg.acyclic) << cdg.cycle_text;
  EXPECT_GT(cdg.dependencies, 0);
  const MinimalityResult m = check_minimal(t, *r);
  EXPECT_TRUE(m.minimal) << m.first_violation;
  EXPECT_EQ(m.routes, static_cast<long>(n) * (n - 1));
}

// Goes the +1 way round a ring whatever the destination: not minimal on a bidirectional ring.
class ClockwiseRouter : public Router {
 public:
  void build(const Topology& t) override {
    n_ = t.num_gpus();
    topo_ = &t;
  }
  RouteChoice route(const RouteQuery& q) const override {
    for (int p = 0; p < topo_->degree(q.vertex); ++p)
      if (topo_->peer(q.vertex, p).first == (q.vertex + 1) % n_) return {p, q.in_port < 0 ? 0 : q.in_vc + 1};
    return {};
  }
  int vcs() const override { return n_; }

 private:
  int n_ = 0;
  const Topology* topo_ = nullptr;
};

}  // namespace

TEST(Routing, RoutersAreRegistered) {
  for (const char* name : {"shortest", "ecmp", "dor"})
    EXPECT_NE(Catalog::instance().find("router", name), nullptr) << name;
}

TEST(Routing, CdgCheckerFindsACycleAndAcceptsAChain) {
  // Ring ports: GPU 0's port 0 leads to GPU 1; GPU i > 0's port 1 leads to i + 1.
  const RingTopo t(4, false);
  ChannelDependencyGraph chain(t, 1);
  chain.add_route({{0, 0, 0}, {1, 1, 0}, {2, 1, 0}});
  const CdgResult ok = chain.check();
  EXPECT_TRUE(ok.acyclic);
  EXPECT_EQ(ok.channels, 3);
  EXPECT_EQ(ok.dependencies, 2);
  ChannelDependencyGraph loop(t, 1);
  loop.add_route({{0, 0, 0}, {1, 1, 0}, {2, 1, 0}});
  loop.add_route({{2, 1, 0}, {3, 1, 0}, {0, 0, 0}});
  const CdgResult bad = loop.check();
  EXPECT_FALSE(bad.acyclic);
  EXPECT_EQ(bad.cycle.size(), 4u);
  expect_closed_walk(t, bad);
  EXPECT_NE(bad.cycle_text.find("gpu0 port0 vc0"), std::string::npos) << bad.cycle_text;
}

TEST(Routing, DorTorus2dClosedForms) {
  expect_dor_on_grid({4, 4}, true);  // even: ties at distance 2 split by the source's parity
  expect_dor_on_grid({5, 5}, true);
  expect_dor_on_grid({3, 6}, true);
}

TEST(Routing, DorTorus3dClosedForms) {
  expect_dor_on_grid({3, 4, 5}, true);
  expect_dor_on_grid({2, 4, 3}, true);  // extent 2 (parallel wrap link) is routed as a line
}

TEST(Routing, DorMeshClosedForms) {
  expect_dor_on_grid({4, 3}, false);
  expect_dor_on_grid({3, 2, 4}, false);
}

// On k = 5 and 6 the routes of one direction chain all the way round a ring, so one VC is cyclic.
// (On k = 4 the split ties leave every chain open: 2-hop routes only start at even coordinates.)
TEST(Routing, DorDatelineAcyclicButOneVcCyclic) {
  for (int k : {5, 6}) {
    const GridTopo t({k, k}, true);
    auto r = router("dor", t);
    EXPECT_TRUE(check_deadlock_free(t, *r).acyclic);
    CdgOptions one;
    one.single_vc = true;
    const CdgResult forced = check_deadlock_free(t, *r, one);
    EXPECT_FALSE(forced.acyclic) << k;
    expect_closed_walk(t, forced);
  }
  // On a mesh the same routes need no second VC.
  const GridTopo mesh({4, 4}, false);
  CdgOptions one;
  one.single_vc = true;
  EXPECT_TRUE(check_deadlock_free(mesh, *router("dor", mesh), one).acyclic);
}

TEST(Routing, DorOnARingWithoutDims) {
  for (int n : {5, 6}) {
    const RingTopo t(n, false);
    auto r = router("dor", t);
    EXPECT_EQ(r->vcs(), 2);
    for (int s = 0; s < n; ++s)
      for (int d = 0; d < n; ++d) {
        if (s == d) continue;
        const int fwd = (d - s + n) % n;
        const std::vector<int> path = r->path(t, s, d);
        ASSERT_EQ(static_cast<int>(path.size()) - 1, std::min(fwd, n - fwd));
        // Ties (n even, n/2 apart) go the positive way, i -> i+1, from an even i, else negative.
        const bool up = fwd < n - fwd || (fwd == n - fwd && s % 2 == 0);
        EXPECT_EQ(path[1], up ? (s + 1) % n : (s + n - 1) % n) << s << "->" << d;
      }
    EXPECT_TRUE(check_deadlock_free(t, *r).acyclic);
    CdgOptions one;
    one.single_vc = true;
    EXPECT_FALSE(check_deadlock_free(t, *r, one).acyclic);
    EXPECT_TRUE(check_minimal(t, *r).minimal);
  }
  // A pair is a ring of two: one hop, one VC.
  const PairTopo pair;
  auto r = router("dor", pair);
  EXPECT_EQ(r->vcs(), 1);
  EXPECT_EQ(r->path(pair, 1, 0).size(), 2u);
}

TEST(Routing, DorOnAUnidirectionalRing) {
  const int n = 6;
  const RingTopo t(n, true);
  auto r = router("dor", t);
  EXPECT_EQ(r->vcs(), 2);
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d)
      if (s != d) {
        EXPECT_EQ(static_cast<int>(r->path(t, s, d).size()) - 1, (d - s + n) % n);
      }
  EXPECT_TRUE(check_deadlock_free(t, *r).acyclic);
  EXPECT_TRUE(check_minimal(t, *r).minimal);
}

TEST(Routing, DorRefusesATopologyWithoutCoordinates) {
  const ClosTopo t(2, 2, 2);
  auto r = RouterRegistry::instance().create(ImplConfig{"dor", ConfigNode::make_map({})});
  try {
    r->build(t);
    FAIL() << "dor built on a Clos";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key_path(), "fabric.routing");
    EXPECT_NE(std::string(e.what()).find("coordinates"), std::string::npos) << e.what();
  }
}

TEST(Routing, ShortestOnARingNeedsHopIndexedVcs) {
  for (int n : {5, 6, 7, 8}) {
    const RingTopo t(n, false);
    auto r = router("shortest", t);
    EXPECT_EQ(r->vcs(), n / 2) << n;  // the diameter
    const CdgResult hop = check_deadlock_free(t, *r);
    EXPECT_TRUE(hop.acyclic) << hop.cycle_text;
    CdgOptions one;
    one.single_vc = true;
    const CdgResult forced = check_deadlock_free(t, *r, one);
    EXPECT_FALSE(forced.acyclic) << n;
    expect_closed_walk(t, forced);
    EXPECT_TRUE(check_minimal(t, *r).minimal);
  }
}

TEST(Routing, ShortestAndEcmpUseOneVcWhereThatIsDeadlockFree) {
  const PairTopo pair;
  const StarTopo star(5);
  const ClosTopo clos(4, 3, 4);
  for (const Topology* t : std::vector<const Topology*>{&pair, &star, &clos})
    for (const char* kind : {"shortest", "ecmp"}) {
      auto r = router(kind, *t);
      EXPECT_EQ(r->vcs(), 1) << kind;
      CdgOptions opts;
      opts.flows = 16;
      const CdgResult cdg = check_deadlock_free(*t, *r, opts);
      EXPECT_TRUE(cdg.acyclic) << kind << ": " << cdg.cycle_text;
      EXPECT_TRUE(check_minimal(*t, *r, 16).minimal) << kind;
    }
}

TEST(Routing, ShortestAndEcmpOnATorusUseHopIndexedVcs) {
  // 5 x 5: two-hop routes along a ring are unique both ways, so one VC closes every ring.
  const GridTopo t({5, 5}, true);
  for (const char* kind : {"shortest", "ecmp"}) {
    auto r = router(kind, t);
    EXPECT_EQ(r->vcs(), 4) << kind;  // diameter 2 + 2
    CdgOptions opts;
    opts.flows = 8;
    EXPECT_TRUE(check_deadlock_free(t, *r, opts).acyclic) << kind;
    opts.single_vc = true;
    EXPECT_FALSE(check_deadlock_free(t, *r, opts).acyclic) << kind;
    const MinimalityResult m = check_minimal(t, *r, 8);
    EXPECT_TRUE(m.minimal) << kind << ": " << m.first_violation;
  }
  // ECMP spreads over the C(4, 2) = 6 minimal paths from (0,0) to (2,2).
  auto ecmp = router("ecmp", t);
  std::set<std::vector<int>> paths;
  for (uint64_t f = 0; f < 64; ++f) paths.insert(ecmp->path(t, 0, GridTopo::rank_of({5, 5}, {2, 2}), f));
  EXPECT_GT(paths.size(), 3u);
  EXPECT_LE(paths.size(), 6u);
}

TEST(Routing, VcCountFollowsTheSingleVcCdg) {
  // Whatever the topology, vcs() is 1 exactly when the routes on one VC have an acyclic CDG, and
  // the diameter otherwise. (On this 4 x 4 torus the lowest-port tie-break of `shortest` happens to
  // leave every ring open, so its routes need one VC; ECMP, taking ties both ways, needs 4.)
  const GridTopo t4({4, 4}, true), t5({5, 5}, true), mesh({4, 3}, false);
  const RingTopo ring(6, false), uni(5, true);
  const ClosTopo clos(3, 2, 2);
  for (const Topology* t : std::vector<const Topology*>{&t4, &t5, &mesh, &ring, &uni, &clos})
    for (const char* kind : {"shortest", "ecmp"}) {
      auto r = router(kind, *t);
      CdgOptions opts;
      opts.flows = 16;
      opts.single_vc = true;
      const bool one_vc_ok = check_deadlock_free(*t, *r, opts).acyclic;
      int diameter = 0;
      for (int s = 0; s < t->num_gpus(); ++s)
        for (int d = 0; d < t->num_gpus(); ++d)
          diameter = std::max(diameter, static_cast<int>(r->path(*t, s, d).size()) - 1);
      EXPECT_EQ(r->vcs(), one_vc_ok ? 1 : diameter) << kind << " on " << t->num_gpus() << " GPUs";
      if (t == &t4 && std::string(kind) == "ecmp") {
        EXPECT_EQ(r->vcs(), 4);
      }
      opts.single_vc = false;
      EXPECT_TRUE(check_deadlock_free(*t, *r, opts).acyclic) << kind;
    }
}

TEST(Routing, EcmpSpreadsFlowsOverSpines) {
  const ClosTopo t(2, 4, 4);
  auto r = router("ecmp", t);
  const int src = 0, dst = 4;  // GPU 0 on leaf 0, GPU 4 on leaf 1
  const int flows = 4096;
  std::map<int, int> per_spine;
  for (int f = 0; f < flows; ++f) {
    const std::vector<int> path = r->path(t, src, dst, static_cast<uint64_t>(f));
    ASSERT_EQ(path.size(), 5u);  // gpu, leaf, spine, leaf, gpu
    EXPECT_EQ(path[1], t.leaf_[0]);
    EXPECT_EQ(path[3], t.leaf_[1]);
    ++per_spine[path[2]];
    // One flow, one path: asking again gives the same vertices and VCs.
    if (f % 97 == 0) {
      std::vector<int> vcs1, vcs2;
      EXPECT_EQ(r->path(t, src, dst, static_cast<uint64_t>(f), &vcs1),
                r->path(t, src, dst, static_cast<uint64_t>(f), &vcs2));
      EXPECT_EQ(vcs1, vcs2);
    }
  }
  // Each spine's count is Binomial(4096, 1/4) if the hash is uniform: mean 1024,
  // sigma = sqrt(4096 * 1/4 * 3/4) = 27.7; allow 5 sigma.
  const double p = 1.0 / 4;
  const double mean = flows * p;
  const double sigma = std::sqrt(flows * p * (1 - p));
  ASSERT_EQ(per_spine.size(), 4u);
  for (const auto& [spine, count] : per_spine) {
    EXPECT_TRUE(std::find(t.spine_.begin(), t.spine_.end(), spine) != t.spine_.end());
    EXPECT_LE(std::abs(count - mean), 5 * sigma) << "spine vertex " << spine << ": " << count;
  }
}

TEST(Routing, MinimalityCheckCatchesALongWayRound) {
  const RingTopo t(6, false);
  ClockwiseRouter r;
  r.build(t);
  const MinimalityResult m = check_minimal(t, r);
  EXPECT_FALSE(m.minimal);
  EXPECT_NE(m.first_violation.find("shortest"), std::string::npos) << m.first_violation;
  // The same routes on one VC go round the ring: cyclic; hop-indexed they are not.
  EXPECT_TRUE(check_deadlock_free(t, r).acyclic);
  CdgOptions one;
  one.single_vc = true;
  EXPECT_FALSE(check_deadlock_free(t, r, one).acyclic);
}

TEST(Routing, ShippedRingMeshAndTorusSystemsUseDorWithDatelineVcs) {
  // Each shipped ring / mesh / torus system (and the ring's other builds: one-way, 64 GPUs, and as
  // OCS circuits) as `litesim` resolves it. Expected from the topology's definition alone: rank r
  // sits at coordinate r on a ring (the ring kinds have no dims), the mixed-radix grid coordinate
  // otherwise (dimension 0 fastest); a DOR route is sum_d min(|delta_d|, k_d - |delta_d|) hops on a
  // torus or ring, sum_d |delta_d| on a mesh, and (delta mod N) on a one-way ring; a torus or ring
  // needs 2 VCs (docs/fabric.md, `dor`), a mesh 1.
  struct Case {
    std::string system;
    std::vector<std::string> sets;
    std::vector<int> dims;  // empty: a ring of `gpus`
    int gpus;
    bool mesh, one_way;
  };
  const std::string sys = std::string(LITESIM_CONFIGS_DIR) + "/system/";
  const std::vector<Case> cases = {
      {"default.yaml", {}, {}, 4, false, false},
      {"default.yaml", {"fabric.topology.direction=uni"}, {}, 4, false, true},
      {"default.yaml", {"fabric.topology.gpus=64"}, {}, 64, false, false},
      {"default.yaml",
       {"fabric.topology={kind: ocs_direct, logical: ring, gpus: 6}", "fabric.ocs={preset: mems-ocs}"},
       {},
       6,
       false,
       false},
      {"lite-torus2d-16.yaml", {}, {4, 4}, 16, false, false},
      {"lite-ocs-torus2d-16.yaml", {}, {4, 4}, 16, false, false},
      {"lite-torus3d-64.yaml", {}, {4, 4, 4}, 64, false, false},
      {"lite-mesh2d-16.yaml", {}, {4, 4}, 16, true, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.system + (c.sets.empty() ? "" : " --set " + c.sets.front()));
    const ResolvedSystem rs = resolve_system(sys + c.system, c.sets, LITESIM_CONFIGS_DIR);
    EXPECT_EQ(rs.params.fabric.routing.kind, "dor");
    const std::unique_ptr<Topology> t = TopologyRegistry::instance().create(rs.params.fabric.topology);
    auto r = RouterRegistry::instance().create(rs.params.fabric.routing);
    r->build(*t);
    ASSERT_EQ(t->num_gpus(), c.gpus);
    EXPECT_EQ(r->vcs(), c.mesh ? 1 : 2);
    const std::vector<int> dims = c.dims.empty() ? std::vector<int>{c.gpus} : c.dims;
    auto coord = [&](int rank, size_t d) {
      for (size_t i = 0; i < d; ++i) rank /= dims[i];
      return rank % dims[d];
    };
    for (int s = 0; s < c.gpus; ++s)
      for (int d = 0; d < c.gpus; ++d) {
        if (s == d) continue;
        int hops = 0;
        for (size_t i = 0; i < dims.size(); ++i) {
          const int k = dims[i];
          const int delta = ((coord(d, i) - coord(s, i)) % k + k) % k;  // forward distance
          hops += c.one_way ? delta : c.mesh ? std::abs(coord(d, i) - coord(s, i)) : std::min(delta, k - delta);
        }
        ASSERT_EQ(static_cast<int>(r->path(*t, s, d).size()) - 1, hops) << s << "->" << d;
      }
    const CdgResult cdg = check_deadlock_free(*t, *r);
    EXPECT_TRUE(cdg.acyclic) << cdg.cycle_text;
    EXPECT_TRUE(check_minimal(*t, *r).minimal);
  }
}
