// timeline.json's caps (traces/runner/timeline.h) on a real run, against what the run itself recorded:
// at most max_ops op events, the ones that start first (ties by rank, then issue order); counters in
// at most max_windows windows of the finest power-of-two width, still adding up to each link
// direction's busy time and each HBM's bytes.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/sim_time.h"
#include "traces/runner/runner.h"
#include "traces/runner/timeline.h"
#include "traces/system/system.h"

using namespace litesim;

namespace {

struct FinishedRun {
  explicit FinishedRun(const std::string& system, const std::string& trace)
      : rs(resolve_system(std::string(LITESIM_TEST_DATA) + "/" + system, {}, LITESIM_CONFIGS_DIR)),
        w(read_trace(std::string(LITESIM_TEST_DATA) + "/" + trace)) {
    check_time_resolution();
    sys = std::make_unique<System>(rs.params, rs.tree, sim);
    runner = std::make_unique<Runner>(*sys, w, rs.params.fabric.collective, sim);
    run_to_completion(sim);
    runner->check_complete();
    end = sim_now();
  }
  ResolvedSystem rs;
  Trace w;
  SimContext sim;
  std::unique_ptr<System> sys;
  std::unique_ptr<Runner> runner;
  Time end;
};

// {track name: integral of value x us} of the counters of process `pid`.
std::map<std::string, double> integrals(const nlohmann::json& events, int pid, size_t max_samples) {
  std::map<std::string, std::vector<std::pair<double, double>>> tracks;
  for (const auto& e : events)
    if (e["ph"] == "C" && e["pid"] == pid)
      tracks[e["name"].get<std::string>()].emplace_back(e["ts"].get<double>(), e["args"].begin()->get<double>());
  std::map<std::string, double> out;
  for (const auto& [name, s] : tracks) {
    EXPECT_LE(s.size(), max_samples) << name;
    for (size_t i = 0; i + 1 < s.size(); ++i) out[name] += s[i].second * (s[i + 1].first - s[i].first);
  }
  return out;
}

}  // namespace

TEST(Timeline, WritesTheOpsThatStartFirstUpToTheCap) {
  FinishedRun r("pair-exact.yaml", "exchange-2.yaml");
  // The expected choice, from the runner's records: (start, rank, index), smallest first.
  std::vector<std::tuple<int64_t, int, uint32_t>> all;
  for (size_t k = 0; k < r.runner->ops().size(); ++k)
    for (uint32_t i = 0; i < r.runner->ops()[k].size(); ++i)
      all.emplace_back(r.runner->ops()[k][i].start.ps, static_cast<int>(k), i);
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 4u);
  ASSERT_EQ(std::get<0>(all[0]), std::get<0>(all[1]));  // both sends start at 0: a tie broken by rank
  for (size_t cap : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{9}}) {
    TimelineLimits lim;
    lim.max_ops = cap;
    const auto tl = nlohmann::json::parse(timeline_json(*r.sys, *r.runner, r.end, {{"system", "pair"}}, lim));
    std::vector<std::tuple<int64_t, int, uint32_t>> got;
    for (const auto& e : tl["traceEvents"]) {
      if (e["ph"] != "X") continue;
      const int rank = e["pid"].get<int>() - 1;
      const auto& ops = r.w.ranks[static_cast<size_t>(rank)].ops;
      const auto it = std::find_if(ops.begin(), ops.end(), [&](const TraceOp& o) { return o.id == e["name"]; });
      ASSERT_NE(it, ops.end());
      const uint32_t i = static_cast<uint32_t>(it - ops.begin());
      got.emplace_back(r.runner->ops()[static_cast<size_t>(rank)][i].start.ps, rank, i);
    }
    std::sort(got.begin(), got.end());
    const size_t n = std::min(cap, all.size());
    EXPECT_EQ(got, decltype(all)(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n))) << "cap " << cap;
    EXPECT_EQ(tl["metadata"]["ops_written"], n);
    EXPECT_EQ(tl["metadata"]["ops"], 4u);
    EXPECT_EQ(tl["metadata"]["ops_truncated"], n < 4);
    EXPECT_EQ(tl["metadata"]["system"], "pair");
  }
}

TEST(Timeline, CountersFitTheWindowCapAndKeepBusyTimeAndBytes) {
  FinishedRun r("pair-exact.yaml", "exchange-2.yaml");
  TimelineLimits lim;
  lim.max_windows = 16;
  const auto tl = nlohmann::json::parse(timeline_json(*r.sys, *r.runner, r.end, {}, lim));
  // 1 ns x 2^j, the finest with ceil(end / w) <= 16
  const double w_ns = tl["metadata"]["window_ns"].get<double>();
  const double end_ns = r.end.ns();
  const double j = std::log2(w_ns);
  EXPECT_EQ(j, std::round(j));
  EXPECT_LE(std::ceil(end_ns / w_ns), 16);
  EXPECT_GT(std::ceil(end_ns / (w_ns / 2)), 16);
  // at most one sample per window, and the final 0
  const int fabric = r.sys->gpus() + 1;
  const auto links = integrals(tl["traceEvents"], fabric, 17);
  const auto reports = r.sys->fabric().link_reports(r.end);
  ASSERT_EQ(links.size(), 2 * reports.size());
  for (const LinkReport& l : reports) {
    const std::string ab = fmt::format("link{} gpu{}->gpu{}", l.id, l.end_a, l.end_b);
    const std::string ba = fmt::format("link{} gpu{}->gpu{}", l.id, l.end_b, l.end_a);
    EXPECT_GT(l.utilization_ab * l.utilization_ba, 0);  // the exchange uses both directions
    EXPECT_NEAR(links.at(ab) * 1e6, l.utilization_ab * r.end.ps, 1e-9 * r.end.ps) << ab;
    EXPECT_NEAR(links.at(ba) * 1e6, l.utilization_ba * r.end.ps, 1e-9 * r.end.ps) << ba;
  }
  for (int g = 0; g < r.sys->gpus(); ++g) {
    const Hbm& h = *r.sys->gpu(g).hbm;
    const double bytes = static_cast<double>(h.bytes_read() + h.bytes_written());
    EXPECT_GT(bytes, 0);
    EXPECT_NEAR(integrals(tl["traceEvents"], g + 1, 17).at("hbm") * 1e3, bytes, 1e-9 * bytes) << "gpu" << g;
  }
}
