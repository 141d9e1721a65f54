// Statistics and the energy ledger against hand-computed values.
#include <gtest/gtest.h>

#include "core/energy.h"
#include "core/rng.h"
#include "core/stats.h"

using namespace litesim;

TEST(Histogram, NearestRankPercentilesOfTenSamples) {
  Histogram h;
  for (double v : {15, 20, 35, 40, 50, 7, 3, 100, 60, 45}) h.add(v);
  // sorted: 3 7 15 20 35 40 45 50 60 100
  EXPECT_EQ(h.percentile(50), 35);   // ceil(0.5 x 10) = 5th
  EXPECT_EQ(h.percentile(95), 100);  // ceil(9.5) = 10th
  EXPECT_EQ(h.percentile(90), 60);   // 9th
  EXPECT_EQ(h.percentile(10), 3);    // 1st
  EXPECT_EQ(h.percentile(100), 100);
  EXPECT_EQ(h.min(), 3);
  EXPECT_EQ(h.max(), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 37.5);
}

TEST(Histogram, TwentySamplesP95IsThe19th) {
  Histogram h;
  for (int i = 20; i >= 1; --i) h.add(i);
  EXPECT_EQ(h.percentile(95), 19);  // 0.95 x 20 = 19 exactly (no float creep to the 20th)
  EXPECT_EQ(h.percentile(99), 20);
  EXPECT_EQ(h.percentile(50), 10);
}

TEST(Histogram, EmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.percentile(99), 0);
  EXPECT_EQ(h.to_json()["count"], 0);
}

TEST(TimeWeighted, AverageOfAStepFunction) {
  TimeWeighted q;
  q.set(Time{0}, 2);   // 2 for 10 ps
  q.set(Time{10}, 0);  // 0 for 30 ps
  q.set(Time{40}, 4);  // 4 for 60 ps
  EXPECT_DOUBLE_EQ(q.integral(Time{100}), 2 * 10 + 4 * 60);
  EXPECT_DOUBLE_EQ(q.average(Time{100}), 2.6);
  EXPECT_EQ(q.max_level(), 4);
}

TEST(BusyTime, Utilisation) {
  BusyTime b;
  b.add(Time{0}, Time{25});
  b.add(Time{50}, Time{75});
  EXPECT_DOUBLE_EQ(b.utilization(Time{100}), 0.5);
}

TEST(EnergyLedger, TotalIsSumOfStaticAndDynamicParts) {
  EnergyLedger l;
  auto a = l.open("gpu0.die", "die", Power{25});
  auto b = l.open("gpu0.hbm", "hbm", Power{5});
  auto c = l.open("gpu1.hbm", "hbm", Power{0});
  l.add_dynamic(a, 1000);
  l.add_dynamic(b, 300);
  l.add_bits(b, 100);
  l.add_dynamic(c, 200);
  l.add_bits(c, 100);
  l.close(Time{2000000});  // 2 us: 25 W -> 50 uJ = 5e7 pJ; 5 W -> 1e7 pJ
  EXPECT_DOUBLE_EQ(l.accounts()[0].static_pj, 5e7);
  EXPECT_DOUBLE_EQ(l.accounts()[1].static_pj, 1e7);
  const auto k = l.by_kind();
  EXPECT_DOUBLE_EQ(k.at("hbm").total_pj(), 1e7 + 500);
  EXPECT_DOUBLE_EQ(k.at("hbm").pj_per_bit(), (1e7 + 500) / 200);
  EXPECT_DOUBLE_EQ(l.total_pj(), 5e7 + 1000 + 1e7 + 300 + 200);
  EXPECT_THROW(l.close(Time{1}), std::logic_error);
}

TEST(Rng, SameSeedAndStreamSameSequenceOthersDiffer) {
  Rng a(42, "fabric"), b(42, "fabric"), c(43, "fabric"), d(42, "hbm");
  const uint64_t a0 = a.next();
  EXPECT_EQ(a0, b.next());
  EXPECT_NE(a0, c.next());
  EXPECT_NE(a0, d.next());
  for (int i = 0; i < 1000; ++i) {
    const double u = a.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_LT(a.below(7), 7u);
  }
}

TEST(StatRegistry, GroupsOwnNamedStatsAndReportThemAtTheEnd) {
  StatRegistry reg;
  StatGroup& g = reg.group("gpu0.hbm");
  Counter& bytes = g.counter("bytes_read", "B", "bytes read");
  BusyTime& busy = g.busy("data_pipe", "busy time");
  Histogram& lat = g.histogram("latency", "ns", "latency");
  bytes.add(64);
  bytes.add(64);
  busy.add(Time{0}, Time{300});
  for (double v : {5, 1, 3}) lat.add(v);
  const auto j = reg.to_json(Time{1000});
  EXPECT_EQ(j["gpu0.hbm"]["bytes_read"].get<double>(), 128);
  EXPECT_DOUBLE_EQ(j["gpu0.hbm"]["data_pipe"]["utilization"].get<double>(), 0.3);
  EXPECT_EQ(j["gpu0.hbm"]["latency"]["p50"].get<double>(), 3);
  EXPECT_EQ(g.describe()["bytes_read"]["unit"], "B");
  EXPECT_THROW(g.counter("bytes_read", "B", "again"), std::logic_error);
  EXPECT_THROW(reg.group("gpu0.hbm"), std::logic_error);
}
