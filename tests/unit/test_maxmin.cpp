// Max-min fair rates (fabric/backend/maxmin.h): hand-derived allocations, and on random instances
// the defining property checked independently of the algorithm: every link within capacity, and
// every flow either at its cap or crossing a saturated link on which no flow has a higher rate
// (Bertsekas & Gallager, "Data Networks", 2nd ed., 6.5.2: the bottleneck characterisation).
#include <gtest/gtest.h>

#include <random>

#include "fabric/backend/maxmin.h"

using namespace litesim;

TEST(MaxMin, OneLinkSplitsEvenly) {
  const auto r = max_min_rates({10}, {{{0}}, {{0}}});
  EXPECT_DOUBLE_EQ(r[0], 5);
  EXPECT_DOUBLE_EQ(r[1], 5);
}

// Parking lot: f0 crosses A and B, f1 only A, f2 only B: everyone gets half a link.
TEST(MaxMin, ParkingLot) {
  const auto r = max_min_rates({10, 10}, {{{0, 1}}, {{0}}, {{1}}});
  EXPECT_DOUBLE_EQ(r[0], 5);
  EXPECT_DOUBLE_EQ(r[1], 5);
  EXPECT_DOUBLE_EQ(r[2], 5);
}

// f1 is held to 4 by link B; f0 takes what f1 leaves of A: 10 - 4 = 6.
TEST(MaxMin, ALowerBottleneckElsewhereFreesCapacity) {
  const auto r = max_min_rates({10, 4}, {{{0}}, {{0, 1}}});
  EXPECT_DOUBLE_EQ(r[0], 6);
  EXPECT_DOUBLE_EQ(r[1], 4);
}

TEST(MaxMin, CapsAndFlowsWithoutLinks) {
  const auto r = max_min_rates({10}, {{{0}, 1}, {{0}}, {{}, 3}, {{}}});
  EXPECT_DOUBLE_EQ(r[0], 1);
  EXPECT_DOUBLE_EQ(r[1], 9);
  EXPECT_DOUBLE_EQ(r[2], 3);  // no link: its cap
  EXPECT_DOUBLE_EQ(r[3], 0);  // no link, no cap: nothing here limits it, the caller decides
  EXPECT_THROW(max_min_rates({-1}, {}), std::invalid_argument);
  EXPECT_THROW(max_min_rates({1}, {{{2}}}), std::invalid_argument);
}

TEST(MaxMin, RandomInstancesSatisfyTheBottleneckCondition) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const int nl = 1 + static_cast<int>(rng() % 12), nf = 1 + static_cast<int>(rng() % 30);
    std::vector<double> cap(static_cast<size_t>(nl));
    for (double& c : cap) c = 1 + static_cast<double>(rng() % 1000);
    std::vector<FlowDemand> flows(static_cast<size_t>(nf));
    for (FlowDemand& f : flows) {
      for (int l = 0; l < nl; ++l)
        if (rng() % 3 == 0) f.links.push_back(l);
      if (f.links.empty()) f.links.push_back(static_cast<int>(rng() % static_cast<uint64_t>(nl)));
      if (rng() % 4 == 0) f.cap = 1 + static_cast<double>(rng() % 200);
    }
    const auto r = max_min_rates(cap, flows);
    std::vector<double> used(static_cast<size_t>(nl), 0), top(static_cast<size_t>(nl), 0);
    for (size_t f = 0; f < flows.size(); ++f)
      for (int l : flows[f].links) {
        used[static_cast<size_t>(l)] += r[f];
        top[static_cast<size_t>(l)] = std::max(top[static_cast<size_t>(l)], r[f]);
      }
    for (int l = 0; l < nl; ++l) EXPECT_LE(used[static_cast<size_t>(l)], cap[static_cast<size_t>(l)] * (1 + 1e-9));
    for (size_t f = 0; f < flows.size(); ++f) {
      const double eps = 1e-9 * std::max(1.0, r[f]);
      bool ok = flows[f].cap > 0 && r[f] >= flows[f].cap - eps;
      for (int l : flows[f].links) {
        const size_t li = static_cast<size_t>(l);
        ok = ok || (used[li] >= cap[li] * (1 - 1e-9) && r[f] >= top[li] - eps);
      }
      EXPECT_TRUE(ok) << "trial " << trial << " flow " << f << " rate " << r[f] << " has no bottleneck";
    }
  }
}
