// Config: presets and inheritance, overrides, the resolved round trip, and every error naming
// file, line and key path.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/sim_context.h"
#include "traces/system/system.h"
#include "traces/system/system_config.h"

using namespace litesim;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path d = fs::temp_directory_path() / (std::string("litesim_") + info->test_suite_name() + "_" + info->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p.string();
}

ResolvedSystem resolve(const std::string& path, const std::vector<std::string>& sets = {},
                       const std::string& configs = LITESIM_CONFIGS_DIR) {
  return resolve_system(path, sets, configs);
}

// Resolves and returns the error it must raise.
// The error names the line, the key path and what was expected.
#define EXPECT_CONFIG_ERROR(err, at_line, path, text)                          \
  do {                                                                         \
    EXPECT_EQ((err).loc().line, at_line);                                      \
    EXPECT_EQ((err).key_path(), path);                                         \
    EXPECT_NE((err).detail().find(text), std::string::npos) << (err).what();   \
  } while (0)

ConfigError error_of(const std::string& path, const std::vector<std::string>& sets = {},
                     const std::string& configs = LITESIM_CONFIGS_DIR) {
  try {
    resolve(path, sets, configs);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError for " << path;
  return ConfigError({}, "", "");
}

const char* kGood =
    "name: t\n"                 // 1
    "package:\n"                // 2
    "  preset: lite-quarter\n"  // 3
    "fabric:\n"                 // 4
    "  preset: cpo-pair\n";     // 5

}  // namespace

TEST(Config, PresetInheritanceAndLocalOverride) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml",
                       "name: t\n"
                       "package:\n"
                       "  preset: lite-quarter\n"
                       "  die:\n"
                       "    sms: 20\n"
                       "  hbm:\n"
                       "    preset: lite-quarter-hbm3\n"
                       "fabric:\n"
                       "  preset: cpo-pair\n");
  const ResolvedSystem r = resolve(f);
  EXPECT_EQ(r.params.package.die.sms, 20);                            // the system file wins
  EXPECT_DOUBLE_EQ(r.params.package.die.tensor_clock.hz, 1.83e9);     // inherited from h100 via lite-quarter
  EXPECT_EQ(r.params.package.die.flops_per_clock_per_sm.bf16, 4096);  // from h100
  EXPECT_EQ(r.params.package.hbm.kind, "dram");                             // lite-quarter-hbm3
  EXPECT_EQ(find_path(r.tree, "package.hbm.memspec.data_rate")->scalar, "6.4 Gbps");  // its memspec preset hbm3
  EXPECT_EQ(find_path(r.tree, "package.hbm.controller.page_policy")->scalar, "open");  // controller preset
  EXPECT_EQ(r.params.fabric.topology.kind, "pair");
  EXPECT_EQ(r.params.fabric.routing.kind, "shortest");
  EXPECT_EQ(r.params.fabric.link.propagation().ps, 10000);  // 2 m x 5 ns/m
}

TEST(Config, CommandLineOverride) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", kGood);
  const ResolvedSystem r = resolve(f, {"package.hbm.memspec.timing.CL=22", "package.preset=lite-quarter",
                                         "package.hbm.preset=lite-quarter-hbm3"});
  EXPECT_EQ(find_path(r.tree, "package.hbm.memspec.timing.CL")->scalar, "22");
  EXPECT_EQ(find_path(r.tree, "package.hbm.memspec.timing.CWL")->scalar, "10");  // the rest of the preset stays
  const ResolvedSystem r2 = resolve(f, {"fabric.topology={kind: ring, gpus: 6}", "fabric.link.lanes=4"});
  EXPECT_EQ(r2.params.fabric.topology.kind, "ring");
  EXPECT_NE(r.digest, r2.digest);
}

// A map whose kind differs replaces the one it lands on (over a preset too); the same kind merges.
TEST(Config, AnotherKindReplacesTheOldKindsParameters) {
  const ConfigPtr ring = parse_yaml("{kind: ring, gpus: 4, direction: uni}", "a");
  const ConfigPtr torus = parse_yaml("{kind: torus2d, x: 4, y: 2}", "b");
  const ConfigPtr m = merge(ring, torus);
  EXPECT_EQ(m->find("kind")->scalar, "torus2d");
  EXPECT_EQ(m->find("gpus"), nullptr);
  EXPECT_EQ(m->find("direction"), nullptr);
  const ConfigPtr same = merge(ring, parse_yaml("{kind: ring, gpus: 8}", "c"));
  EXPECT_EQ(same->find("gpus")->scalar, "8");
  EXPECT_EQ(same->find("direction")->scalar, "uni");  // same kind: the rest stays
  const ConfigPtr no_kind = merge(ring, parse_yaml("{gpus: 6}", "d"));
  EXPECT_EQ(no_kind->find("kind")->scalar, "ring");
  // Over the shipped ring preset, from the command line: a torus with none of the ring's keys.
  const ResolvedSystem r = resolve_system(std::string(LITESIM_CONFIGS_DIR) + "/system/default.yaml",
                                          {"fabric.topology={kind: torus2d, x: 2, y: 2}"}, LITESIM_CONFIGS_DIR);
  EXPECT_EQ(r.params.fabric.topology.kind, "torus2d");
  EXPECT_EQ(find_path(r.tree, "fabric.topology.gpus"), nullptr);
}

TEST(Config, ResolvedDumpRoundTrips) {
  const auto d = temp_dir();
  const ResolvedSystem a = resolve(std::string(LITESIM_CONFIGS_DIR) + "/system/default.yaml", {"package.die.sms=30"});
  const auto f = write(d / "resolved.yaml", a.yaml);
  // Resolved with an empty presets root: the dump must not depend on any preset.
  const ResolvedSystem b = resolve(f, {}, (d / "no-presets").string());
  EXPECT_EQ(a.yaml, b.yaml);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(b.params.package.die.sms, 30);
  EXPECT_DOUBLE_EQ(b.params.package.cpo.lane_rate.bits_per_s, a.params.package.cpo.lane_rate.bits_per_s);
  EXPECT_TRUE(b.presets.empty());
}

TEST(ConfigErrors, MisspeltKeyNamesFileLineAndSuggests) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml",
                       "name: t\n"
                       "package:\n"
                       "  preset: lite-quarter\n"
                       "  hbm:\n"
                       "    stcks: 2\n"
                       "fabric:\n"
                       "  preset: cpo-pair\n");
  const ConfigError e = error_of(f);
  EXPECT_EQ(e.loc().file, f);
  EXPECT_CONFIG_ERROR(e, 5, "package.hbm.stcks", "did you mean 'stacks'");
}

TEST(ConfigErrors, WrongUnit) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", std::string(kGood) + "  link:\n    fibre_length: 2 m\n");
  const auto f2 = write(d / "s2.yaml",
                        "name: t\n"
                        "package:\n"
                        "  preset: lite-quarter\n"
                        "  cpo:\n"
                        "    lane_rate: 800 Gbs\n"
                        "fabric:\n"
                        "  preset: cpo-pair\n");
  EXPECT_NO_THROW(resolve(f));
  const ConfigError e = error_of(f2);
  EXPECT_CONFIG_ERROR(e, 5, "package.cpo.lane_rate", "unknown unit 'Gbs'");
}

TEST(ConfigErrors, NegativeLength) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", std::string(kGood) + "  link:\n    fibre_length: -2 m\n");
  const ConfigError e = error_of(f);
  EXPECT_CONFIG_ERROR(e, 7, "fabric.link.fibre_length", "must not be negative");
}

TEST(ConfigErrors, MissingRequiredKeyPointsAtItsMapping) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml",
                       "name: t\n"
                       "package:\n"
                       "  preset: lite-quarter\n"
                       "fabric:\n"
                       "  topology: {kind: pair}\n"
                       "  link:\n"
                       "    lanes: 8\n"
                       "    fibre_length: 1 m\n");
  const ConfigError e = error_of(f);
  // the link mapping starts on the line of its first key
  EXPECT_CONFIG_ERROR(e, 7, "fabric.link.propagation_delay", "missing required key");
}

TEST(ConfigErrors, IntegerWithUnitOrWord) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", std::string(kGood) + "  link:\n    lanes: many\n");
  const ConfigError e = error_of(f);
  EXPECT_CONFIG_ERROR(e, 7, "fabric.link.lanes", "expected an integer");
}

TEST(ConfigErrors, UnknownPresetListsKnownOnes) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", "name: t\npackage:\n  preset: lite-half\nfabric:\n  preset: cpo-pair\n");
  const ConfigError e = error_of(f);
  EXPECT_CONFIG_ERROR(e, 3, "package.preset", "lite-quarter");
}

TEST(ConfigErrors, PresetCycle) {
  const auto d = temp_dir();
  write(d / "configs/package/a.yaml", "preset: b\n");
  write(d / "configs/package/b.yaml", "preset: a\n");
  const auto f = write(d / "s.yaml", "name: t\npackage:\n  preset: a\nfabric: {}\n");
  const ConfigError e = error_of(f, {}, (d / "configs").string());
  EXPECT_NE(e.detail().find("preset cycle"), std::string::npos) << e.what();
}

TEST(ConfigErrors, UnknownTopologyKind) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", std::string(kGood) + "  topology:\n    kind: taurus\n");
  const ConfigError e = error_of(f);
  EXPECT_CONFIG_ERROR(e, 7, "fabric.topology.kind", "no topology named 'taurus'; registered: ");
  EXPECT_NE(e.detail().find("pair, ring"), std::string::npos) << e.what();
}

TEST(ConfigErrors, TopologyParameterOutOfRange) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", std::string(kGood) + "  topology:\n    kind: ring\n    gpus: 2\n");
  const ConfigError e = error_of(f);
  EXPECT_EQ(e.loc().line, 8);
  EXPECT_EQ(e.key_path(), "fabric.topology.gpus");
}

TEST(ConfigErrors, YamlSyntax) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", "name: t\npackage: [unclosed\n");
  const ConfigError e = error_of(f);
  EXPECT_EQ(e.loc().file, f);
  EXPECT_GE(e.loc().line, 2);
  EXPECT_NE(e.detail().find("YAML syntax error"), std::string::npos) << e.what();
}

TEST(ConfigErrors, MissingFile) {
  const ConfigError e = error_of("/nonexistent/system.yaml");
  EXPECT_EQ(e.loc().file, "/nonexistent/system.yaml");
  EXPECT_NE(e.detail().find("cannot open"), std::string::npos);
}

TEST(ConfigErrors, OverrideOfUnknownKeyNamesTheOverride) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", kGood);
  const ConfigError e = error_of(f, {"package.hbm.bandwith=900 GB/s"});
  EXPECT_EQ(e.key_path(), "package.hbm.bandwith");
  EXPECT_NE(e.loc().file.find("--set package.hbm.bandwith=900 GB/s"), std::string::npos) << e.what();
  const ConfigError e2 = error_of(f, {"nonsense"});
  EXPECT_NE(e2.detail().find("expected KEY=VALUE"), std::string::npos) << e2.what();
}

TEST(ConfigErrors, LinksNeedMoreLanesThanThePackageHas) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml",
                       "name: t\n"
                       "package:\n"
                       "  preset: lite-quarter\n"
                       "fabric:\n"
                       "  preset: cpo-ring\n"
                       "  link:\n"
                       "    lanes: 5\n");
  const ResolvedSystem r = resolve(f);  // valid on its own; the system builder checks the sum
  SimContext sim;
  try {
    System sys(r.params, r.tree, sim);
    FAIL() << "no error for 2 links x 5 lanes > 8";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.loc().line, 7);
    EXPECT_EQ(e.key_path(), "fabric.link.lanes");
    EXPECT_NE(e.detail().find("2 links taking 10 lanes"), std::string::npos) << e.what();
  }
}

TEST(Config, OverridingAChildPresetReplacesIt) {
  const auto d = temp_dir();
  // lite-quarter's die is the lite-quarter die (33 SMs); naming the h100 die here must give the
  // H100's 132 SMs, not the lite-quarter die's fields merged over it.
  const auto f = write(d / "s.yaml",
                       "name: t\n"
                       "package:\n"
                       "  preset: lite-quarter\n"
                       "  die:\n"
                       "    preset: h100\n"
                       "fabric:\n"
                       "  preset: cpo-pair\n");
  const ResolvedSystem r = resolve(f);
  EXPECT_EQ(r.params.package.die.sms, 132);
  EXPECT_DOUBLE_EQ(r.params.package.die.static_power.watts, 100);
  EXPECT_EQ(find_path(r.tree, "package.hbm.stacks")->scalar, "1");  // the rest of lite-quarter stays
}

TEST(ConfigErrors, IntegerWiderThanItsField) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", kGood);
  const ConfigError e = error_of(f, {"package.die.sms=99999999999"});
  EXPECT_EQ(e.key_path(), "package.die.sms");
  EXPECT_NE(e.detail().find("must be <= 2147483647"), std::string::npos) << e.what();
}

TEST(ConfigErrors, NumbersOutOfRange) {
  const auto d = temp_dir();
  const auto f = write(d / "s.yaml", kGood);
  for (const char* v : {"package.cpo.lane_rate=1e400 Gbps", "package.cpo.lane_rate=1e308 TB/s",
                        "package.cpo.transceiver.serdes_latency=1e-400 s"}) {
    const ConfigError e = error_of(f, {v});
    EXPECT_NE(e.detail().find("out of range"), std::string::npos) << v << ": " << e.what();
  }
}

TEST(ConfigErrors, AliasBombIsRejected) {
  const auto d = temp_dir();
  std::string y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 8; ++i)
    y += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
         std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
         std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
         std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]\n";
  const ConfigError e = error_of(write(d / "s.yaml", y));  // 10^9 nodes once expanded
  EXPECT_NE(e.detail().find("more than 2000000 nodes"), std::string::npos) << e.what();
}
