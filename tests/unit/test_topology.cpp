// Topologies and routing against graph facts: ring hop counts are min(d, N - d).
#include <gtest/gtest.h>

#include "core/config.h"
#include "fabric/routing/router.h"
#include "fabric/topology/topology.h"

using namespace litesim;

namespace {
std::unique_ptr<Topology> make(const std::string& yaml) {
  ConfigPtr n = parse_yaml(yaml, "<test>");
  ImplConfig impl;
  impl.kind = n->find("kind")->scalar;
  impl.params = n->clone();
  impl.params->erase("kind");
  return TopologyRegistry::instance().create(impl);
}
std::unique_ptr<Router> shortest(const Topology& t) {
  ImplConfig impl{"shortest", ConfigNode::make_map({})};
  auto r = RouterRegistry::instance().create(impl);
  r->build(t);
  return r;
}
}  // namespace

TEST(Topology, PairIsOneLink) {
  auto t = make("kind: pair");
  EXPECT_EQ(t->num_gpus(), 2);
  EXPECT_EQ(t->num_links(), 1);
  EXPECT_EQ(t->peer(0, 0), std::make_pair(1, 0));
}

TEST(Topology, RingDegreesAndShortestHops) {
  for (int n : {3, 4, 5, 8}) {
    auto t = make("kind: ring\ngpus: " + std::to_string(n));
    EXPECT_EQ(t->num_gpus(), n);
    EXPECT_EQ(t->num_links(), n);
    auto r = shortest(*t);
    for (int s = 0; s < n; ++s) {
      EXPECT_EQ(t->degree(s), 2);
      for (int d = 0; d < n; ++d) {
        const int dist = std::min((d - s + n) % n, (s - d + n) % n);
        EXPECT_EQ(static_cast<int>(r->path(*t, s, d).size()) - 1, dist) << n << ": " << s << "->" << d;
      }
    }
  }
}
