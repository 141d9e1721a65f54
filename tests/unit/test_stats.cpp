// Statistics and the energy ledger against hand-computed values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

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

TEST(Histogram, FoldedRunsKeepEveryRankExact) {
  // 200,000 samples (three folds of 64 Ki and a pending tail) drawn from 1,000 values, queried
  // between adds: every percentile equals the nearest-rank value of the sorted samples.
  Histogram h;
  std::vector<double> all;
  Rng rng(7, "hist");
  for (int i = 0; i < 200000; ++i) {
    const double v = static_cast<double>(rng.below(1000)) * 0.5;
    h.add(v);
    all.push_back(v);
    if (i == 70000) {
      EXPECT_EQ(h.max(), *std::max_element(all.begin(), all.end()));
    }
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(h.count(), all.size());
  for (double p : {0.001, 1.0, 25.0, 50.0, 95.0, 99.0, 99.999, 100.0}) {
    const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(all.size()) - 1e-9));
    EXPECT_EQ(h.percentile(p), all[std::max<size_t>(rank, 1) - 1]) << "p" << p;
  }
  EXPECT_EQ(h.min(), all.front());
  EXPECT_EQ(h.max(), all.back());
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

TEST(WindowedSum, SpreadsAnIntervalExactlyOverItsWindows) {
  WindowedSum w(Time{10}, 8);
  w.add(Time{5}, Time{35}, 30);  // 1 per ps: 5 in [0,10), 10 in [10,20) and [20,30), 5 in [30,40)
  EXPECT_EQ(w.windows(), (std::vector<uint64_t>{5, 10, 10, 5}));
  w.add(Time{12}, Time{12}, 7);  // an instant: all in its window
  w.add(Time{0}, Time{30}, 10);  // 10/3 per window: floor(10 x 10/30) = 3, floor(10 x 20/30) - 3 = 3, the rest 4
  EXPECT_EQ(w.windows(), (std::vector<uint64_t>{8, 20, 14, 5}));
  EXPECT_EQ(w.total(), 30u + 7 + 10);
  EXPECT_EQ(w.window().ps, 10);
  EXPECT_EQ(w.last().ps, 35);
}

TEST(WindowedSum, DoublesItsWindowMergingPairsWhenPastTheCap) {
  WindowedSum w(Time{10}, 4);
  for (int k = 0; k < 4; ++k) w.add(Time{10 * k}, Time{10 * k + 10}, static_cast<uint64_t>(k + 1));
  EXPECT_EQ(w.windows(), (std::vector<uint64_t>{1, 2, 3, 4}));
  w.add(Time{45}, Time{46}, 5);  // window 4 at width 10 is past the cap: width 20 holds it (window 2)
  EXPECT_EQ(w.window().ps, 20);
  EXPECT_EQ(w.windows(), (std::vector<uint64_t>{3, 7, 5}));
  w.add(Time{170}, Time{171}, 1);  // 170 / 20 = 8 and 170 / 40 = 4 are past the cap; 170 / 80 = 2
  EXPECT_EQ(w.window().ps, 80);
  EXPECT_EQ(w.windows(), (std::vector<uint64_t>{15, 0, 1}));
  // The same records in another order give the same windows.
  WindowedSum v(Time{10}, 4);
  v.add(Time{170}, Time{171}, 1);
  v.add(Time{45}, Time{46}, 5);
  for (int k = 3; k >= 0; --k) v.add(Time{10 * k}, Time{10 * k + 10}, static_cast<uint64_t>(k + 1));
  EXPECT_EQ(v.windows(), w.windows());
  EXPECT_EQ(v.window(), w.window());
}

TEST(WindowedSum, RegridsToACoarserWidthAndPicksTheWidthOfARun) {
  WindowedSum w(Time{10}, 8);
  w.add(Time{0}, Time{50}, 50);
  EXPECT_EQ(w.regrid(Time{20}, 4), (std::vector<uint64_t>{20, 20, 10, 0}));
  EXPECT_THROW(w.regrid(Time{15}, 4), std::invalid_argument);
  EXPECT_THROW(w.regrid(Time{40}, 1), std::invalid_argument);  // records in [40, 50) would be lost
  // 1000 ps in at most 8 windows: 10 x 2^4 = 160 (7 windows); never finer than asked
  EXPECT_EQ(WindowedSum::width_for(Time{1000}, Time{10}, 8, Time{0}).ps, 160);
  EXPECT_EQ(WindowedSum::width_for(Time{1000}, Time{10}, 8, Time{320}).ps, 320);
  EXPECT_EQ(WindowedSum::width_for(Time{0}, Time{10}, 8, Time{0}).ps, 10);
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
