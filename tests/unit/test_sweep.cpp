// The sweep spec's expansion (study/sweep/spec.h): the cartesian product's size and order (the
// last axis fastest), zips and their length check, ranges (step, mul, the inclusive end), the
// stable point ids, and spec errors naming the file and line. Expected values are written out by
// hand from the spec texts below.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "study/sweep/executor.h"
#include "study/sweep/run_kind.h"
#include "study/sweep/spec.h"

using namespace litesim;

namespace {

SweepSpec spec_of(const std::string& text) {
  register_run_kind("test");  // the `run:` block is a registered point kind
  return parse_sweep_spec(parse_yaml(text, "s.yaml"), "s.yaml", text);
}

// The error a spec raises ("" when it raises none).
std::string error_of(const std::string& text) {
  try {
    expand_points(spec_of(text));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> values_of(const std::string& range) {
  return expand_range(parse_yaml(range, "r.yaml"), "range");
}

const std::string kHead = "sweep: t\nrun: {system: system/lite-pair.yaml, workload: w.yaml}\n";

}  // namespace

TEST(Sweep, CartesianCountAndLastAxisFastest) {
  const auto pts = expand_points(spec_of(kHead + "axes:\n"
                                                 "  - {path: a.x, values: [1, 2, 3]}\n"
                                                 "  - {path: b.y, values: [p, q]}\n"
                                                 "  - {path: c.z, values: [7, 8]}\n"));
  ASSERT_EQ(pts.size(), 3u * 2u * 2u);
  auto vals = [&](size_t i) {
    std::vector<std::string> v;
    for (const auto& s : pts[i].settings) v.push_back(s.value);
    return v;
  };
  EXPECT_EQ(vals(0), (std::vector<std::string>{"1", "p", "7"}));
  EXPECT_EQ(vals(1), (std::vector<std::string>{"1", "p", "8"}));
  EXPECT_EQ(vals(2), (std::vector<std::string>{"1", "q", "7"}));
  EXPECT_EQ(vals(4), (std::vector<std::string>{"2", "p", "7"}));
  EXPECT_EQ(vals(11), (std::vector<std::string>{"3", "q", "8"}));
  for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i].index, i);
}

TEST(Sweep, NoAxesIsOnePoint) {
  const auto pts = expand_points(spec_of(kHead));
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].id, "0000");
}

TEST(Sweep, ZipVariesTogether) {
  const auto pts =
      expand_points(spec_of(kHead + "axes:\n"
                                    "  - {path: a, values: [1, 2]}\n"
                                    "  - zip:\n"
                                    "      - {path: rate, values: [\"56 Gb/s\", \"112 Gb/s\", \"224 Gb/s\"]}\n"
                                    "      - {path: lanes, values: [8, 4, 2]}\n"));
  ASSERT_EQ(pts.size(), 2u * 3u);
  ASSERT_EQ(pts[1].settings.size(), 3u);
  EXPECT_EQ(pts[1].settings[1].value, "112 Gb/s");
  EXPECT_EQ(pts[1].settings[2].value, "4");
  EXPECT_EQ(pts[5].settings[0].value, "2");
  EXPECT_EQ(pts[5].settings[1].value, "224 Gb/s");
  EXPECT_EQ(pts[5].settings[2].value, "2");
}

TEST(Sweep, ZipOfUnequalLengthsNamesTheLine) {
  const std::string e = error_of(kHead +
                                 "axes:\n"
                                 "  - {path: a, values: [1, 2]}\n"
                                 "  - zip:\n"  // line 5
                                 "      - {path: rate, values: [1, 2, 3]}\n"
                                 "      - {path: lanes, values: [8, 4]}\n");
  EXPECT_NE(e.find("s.yaml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("same number of values"), std::string::npos) << e;
}

TEST(Sweep, ValuesAndRangeTogetherIsAnError) {
  const std::string e = error_of(kHead + "axes:\n  - {path: a, values: [1], range: {from: 1, to: 2, step: 1}}\n");
  EXPECT_NE(e.find("s.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("both"), std::string::npos) << e;
}

TEST(Sweep, UnknownTopLevelKeyNamesTheLine) {
  const std::string e = error_of(kHead + "axis: []\n");
  EXPECT_NE(e.find("s.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("axis: unknown key"), std::string::npos) << e;
}

TEST(Sweep, RepeatedPathIsAnError) {
  EXPECT_NE(error_of(kHead + "axes:\n  - {path: a, values: [1]}\n  - {path: a, values: [2]}\n").find("s.yaml:5:"),
            std::string::npos);
}

TEST(Sweep, RangeWithStepIncludesTheEndWhenHit) {
  EXPECT_EQ(values_of("{from: 1, to: 10, step: 3}"), (std::vector<std::string>{"1", "4", "7", "10"}));
  EXPECT_EQ(values_of("{from: 1, to: 9, step: 3}"), (std::vector<std::string>{"1", "4", "7"}));
  EXPECT_EQ(values_of("{from: 5, to: 5, step: 1}"), (std::vector<std::string>{"5"}));
  // reals: 0.1 + 2 x 0.1 is 0.30000000000000004 in binary, still counted as reaching `to`
  EXPECT_EQ(values_of("{from: 0.1, to: 0.3, step: 0.1}"), (std::vector<std::string>{"0.1", "0.2", "0.3"}));
  EXPECT_EQ(values_of("{from: 0.5, to: 2, step: 0.5}"), (std::vector<std::string>{"0.5", "1", "1.5", "2"}));
}

TEST(Sweep, RangeWithMul) {
  EXPECT_EQ(values_of("{from: 1, to: 64, mul: 2}"), (std::vector<std::string>{"1", "2", "4", "8", "16", "32", "64"}));
  EXPECT_EQ(values_of("{from: 3, to: 64, mul: 2}"), (std::vector<std::string>{"3", "6", "12", "24", "48"}));
  EXPECT_EQ(values_of("{from: 1, to: 100, mul: 10}"), (std::vector<std::string>{"1", "10", "100"}));
  EXPECT_EQ(values_of("{from: 0.25, to: 1, mul: 2}"), (std::vector<std::string>{"0.25", "0.5", "1"}));
}

TEST(Sweep, BadRanges) {
  auto err = [](const std::string& r) {
    try {
      values_of(r);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err("{from: 1, to: 8}").find("step"), std::string::npos);
  EXPECT_NE(err("{from: 1, to: 8, step: 1, mul: 2}").find("one of"), std::string::npos);
  EXPECT_NE(err("{from: 1, to: 8, mul: 1}").find("greater than 1"), std::string::npos);
  EXPECT_NE(err("{from: 1, to: 8, step: 0}").find("positive"), std::string::npos);
  EXPECT_NE(err("{from: 9, to: 8, step: 1}").find("below"), std::string::npos);
  EXPECT_NE(err("{from: 1 GiB, to: 8, step: 1}").find("plain number"), std::string::npos);
}

TEST(Sweep, IdsAreStable) {
  const std::vector<AxisSetting> s{{"fabric.link.lanes", "4", {}}, {"workload.batch", "8", {}}};
  EXPECT_EQ(point_id(3, 12, s), "0003-lanes4-batch8");
  EXPECT_EQ(point_id(3, 12345, s), "00003-lanes4-batch8");  // as wide as the largest index, 12344
  EXPECT_EQ(point_slug({{"package.cpo.lane_rate", "56 Gb/s", {}}}), "lanerate56Gbs");
  EXPECT_EQ(point_slug({{"fabric.topology", "{kind: ring, gpus: 6}", {}}}), "topologykindringgpus6");
  // The same spec expands to the same ids every time.
  const std::string text = kHead +
                           "axes:\n  - {path: fabric.link.lanes, values: [2, 4]}\n"
                           "  - {path: workload.batch, range: {from: 1, to: 4, mul: 2}}\n";
  const auto a = expand_points(spec_of(text)), b = expand_points(spec_of(text));
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].id, "0000-lanes2-batch1");
  EXPECT_EQ(a[5].id, "0005-lanes4-batch4");
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].id, b[i].id);
}

// A point whose process cannot start is a failed point with its reason (failed.json), and the
// executor goes on with the others instead of throwing away the sweep.
TEST(Sweep, PointThatCannotStartIsAFailureNotAnAbort) {
  const std::string out = ::testing::TempDir() + "/sweep_cannot_start_" + std::to_string(::getpid());
  std::filesystem::remove_all(out);
  const std::vector<PreparedPoint> points{{"0000-a", "kind: run\n"}, {"0001-b", "kind: run\n"}};
  ExecOptions o;
  o.command = {"/nonexistent/litesim", "sweep", "point"};
  o.jobs = 2;
  o.quiet = true;
  std::ostringstream progress;
  ExecReport r;
  ASSERT_NO_THROW(r = execute_points(out, points, o, progress));
  ASSERT_EQ(r.failures.size(), 2u);
  for (const auto& f : r.failures) {
    EXPECT_NE(f.reason.find("cannot start /nonexistent/litesim"), std::string::npos) << f.reason;
    EXPECT_TRUE(std::filesystem::exists(point_dir(out, f.id) + "/failed.json")) << f.id;
  }
  EXPECT_EQ(r.ran, 0u);
  std::filesystem::remove_all(out);
}
