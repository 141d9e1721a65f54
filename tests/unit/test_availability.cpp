// The availability model (study/availability/) against values worked by hand here: the
// birth-death chain's stationary distribution, k-of-n with repair and its Monte Carlo, the product
// form of replicas sharing a network part, the Young/Daly interval against simulated lost time, the
// shipped rates against their published counts, and the inventory of shipped systems against their
// configs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "study/availability/availability.h"
#include "study/availability/markov.h"
#include "study/availability/montecarlo.h"
#include "traces/system/system_config.h"

using namespace litesim;

namespace {

const std::string kConfigs = LITESIM_CONFIGS_DIR;

PartRate rate(double mtbf, double mttr) {
  PartRate r;
  r.mtbf_hours = mtbf;
  r.mttr_hours = mttr;
  r.basis = "assumption";
  r.source = "test";
  return r;
}

// replicas x g GPUs + spares, each GPU one unit of `gpu`; `shared` (when given) one network unit
// cutting the replicas listed.
Inventory toy(int replicas, int g, int spares, PartRate gpu, std::vector<int> shared_cut = {},
              PartRate shared = rate(1, 1)) {
  Inventory inv;
  inv.layout.cluster_gpus = replicas * g + spares;
  inv.layout.gpus_per_replica = g;
  inv.layout.replicas = replicas;
  inv.layout.spares = spares;
  PartKind k;
  k.key = "gpu";
  k.rate = gpu;
  k.own_gpu = true;
  inv.kinds.push_back(k);
  for (int v = 0; v < inv.layout.cluster_gpus; ++v) inv.units.push_back(Unit{0, v, {}, 1});
  if (!shared_cut.empty()) {
    PartKind s;
    s.key = "switch";
    s.rate = shared;
    inv.kinds.push_back(s);
    inv.units.push_back(Unit{1, -1, shared_cut, 0});
  }
  return inv;
}

double binomial(int n, int k) { return std::tgamma(n + 1.0) / (std::tgamma(k + 1.0) * std::tgamma(n - k + 1.0)); }

}  // namespace

TEST(Availability, UnitAvailabilityIsMtbfOverMtbfPlusMttr) {
  EXPECT_DOUBLE_EQ(unit_availability(1.0 / 100, 1.0 / 1), 100.0 / 101.0);
}

TEST(Availability, BirthDeathStationaryWorkedByHand) {
  // Three units, failure 1/h, repair 2/h each, every failed unit under repair: pi_j ~ prod birth/death
  // = 1, 3/2, 3/2 x 2/4, 3/4 x 1/6 -> 8/27, 12/27, 6/27, 1/27 (the binomial with q = 1/3).
  const std::vector<double> pi = failed_units_distribution(3, 1.0, 2.0);
  ASSERT_EQ(pi.size(), 4u);
  EXPECT_NEAR(pi[0], 8.0 / 27, 1e-15);
  EXPECT_NEAR(pi[1], 12.0 / 27, 1e-15);
  EXPECT_NEAR(pi[2], 6.0 / 27, 1e-15);
  EXPECT_NEAR(pi[3], 1.0 / 27, 1e-15);
  // One repair crew: death rate 2 in every state: 1, 3/2, 3/2 x 2/2, 3/2 x 1/2 = 1, 1.5, 1.5, 0.75 (sum 4.75).
  const std::vector<double> one = failed_units_distribution(3, 1.0, 2.0, 1);
  EXPECT_NEAR(one[0], 1 / 4.75, 1e-15);
  EXPECT_NEAR(one[1], 1.5 / 4.75, 1e-15);
  EXPECT_NEAR(one[2], 1.5 / 4.75, 1e-15);
  EXPECT_NEAR(one[3], 0.75 / 4.75, 1e-15);
  // 2-of-3 with unlimited repair: no more than one failed.
  EXPECT_NEAR(k_of_n_availability(2, 3, 1.0, 2.0), 20.0 / 27, 1e-15);
}

TEST(Availability, KOfNMonteCarloWithinItsConfidenceIntervalOfTheClosedForm) {
  // One replica of 4 GPUs with 2 spares: up while at least 4 of the 6 GPUs are (4-of-6 with repair).
  // MTBF 100 h, MTTR 10 h: q = 10 / 110 = 1/11; P(up) = sum_{d <= 2} C(6, d) q^d (1 - q)^(6 - d).
  const double q = 1.0 / 11;
  double want = 0;
  for (int d = 0; d <= 2; ++d) want += binomial(6, d) * std::pow(q, d) * std::pow(1 - q, 6 - d);
  const Inventory inv = toy(1, 4, 2, rate(100, 10));
  const ClosedForm cf = closed_form_availability(inv);
  EXPECT_EQ(cf.method, "birth-death");
  EXPECT_TRUE(cf.exact);
  EXPECT_NEAR(cf.capacity, want, 1e-12);
  EXPECT_NEAR(k_of_n_availability(4, 6, 1.0 / 100, 1.0 / 10), want, 1e-12);
  const McResult mc = simulate_availability(inv, McOptions{400, 2, 7});
  EXPECT_GT(mc.half_width, 0);
  EXPECT_LT(mc.half_width, 0.05 * (1 - want));  // 5% of the unavailability: tight enough to tell policies apart
  EXPECT_NEAR(mc.mean, want, mc.half_width) << "MC " << mc.mean << " +- " << mc.half_width << ", closed form " << want;
  // Without spares the replica needs all four: (1 - q)^4, and the simulation is far from the 4-of-6 value.
  const McResult none = simulate_availability(toy(1, 4, 0, rate(100, 10)), McOptions{400, 2, 7});
  EXPECT_NEAR(none.mean, std::pow(1 - q, 4), none.half_width);
  EXPECT_GT(want - none.mean, 10 * none.half_width);
}

TEST(Availability, SharedPartProductFormAndMonteCarlo) {
  // Three replicas of two GPUs (MTBF 200 h, MTTR 20 h: A = 10/11); a switch (MTBF 50 h, MTTR 5 h:
  // A = 10/11) serves replicas 0 and 1 alone. E[capacity] = ((10/11)^3 x 2 + (10/11)^2) / 3.
  const double a = 10.0 / 11;
  const double want = (2 * std::pow(a, 3) + std::pow(a, 2)) / 3;
  const Inventory inv = toy(3, 2, 0, rate(200, 20), {0, 1}, rate(50, 5));
  const ClosedForm cf = closed_form_availability(inv);
  EXPECT_EQ(cf.method, "product");
  EXPECT_NEAR(cf.capacity, want, 1e-12);
  const McResult mc = simulate_availability(inv, McOptions{400, 2, 11});
  EXPECT_NEAR(mc.mean, want, mc.half_width);
  // Each year's mean is of the same steady state.
  for (double y : mc.by_year) EXPECT_NEAR(y, want, 6 * mc.half_width);
}

TEST(Availability, MonteCarloIsDeterministicPerSeed) {
  const Inventory inv = toy(4, 2, 1, rate(100, 10));
  const McResult a = simulate_availability(inv, McOptions{50, 1, 3});
  const McResult b = simulate_availability(inv, McOptions{50, 1, 3});
  const McResult c = simulate_availability(inv, McOptions{50, 1, 4});
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.sd, b.sd);
  EXPECT_EQ(a.by_year, b.by_year);
  EXPECT_NE(a.mean, c.mean);
}

TEST(Availability, YoungDalyIntervalMinimisesSimulatedLostTime) {
  // C = 0.1 h, M = 20 h, R = 0.2 h: tau* = sqrt(2 x 0.1 x 20) = 2 h. Grid 0.25 h x 2^(k/4), k = 0..24
  // (0.25 h to 16 h, steps of 19%); the same failures for every interval.
  const double c = 0.1, m = 20, r = 0.2;
  const double tau = young_daly_interval(c, m);
  EXPECT_DOUBLE_EQ(tau, 2.0);
  double best = 0, best_lost = 2;
  std::vector<double> lost;
  for (int k = 0; k <= 24; ++k) {
    const double t = 0.25 * std::pow(2.0, k / 4.0);
    lost.push_back(simulate_lost_fraction(t, c, r, m, 200000, 5));
    if (lost.back() < best_lost) {
      best_lost = lost.back();
      best = t;
    }
  }
  EXPECT_LE(std::abs(std::log2(best / tau)), 0.25 + 1e-9) << "simulated optimum " << best << " h, Young/Daly " << tau;
  EXPECT_GT(lost.front(), best_lost + 0.05);  // far from the optimum the loss is clearly larger
  EXPECT_GT(lost.back(), best_lost + 0.05);
  // The first-order waste at tau*: sqrt(2 C / M) + R / M = 0.1 + 0.01, within the model's O(tau / M).
  EXPECT_NEAR(checkpoint_waste(tau, c, r, m), 0.11, 1e-12);
  EXPECT_NEAR(best_lost, 0.11, 0.11 * 0.1);
}

TEST(Availability, ShippedRatesMatchTheirPublishedCounts) {
  const ReliabilityParams p = resolve_reliability("llama3-h100", {}, kConfigs).params;
  const double gpu_hours = 16384.0 * 54 * 24;  // Llama 3: 16,384 H100s for 54 days
  EXPECT_NEAR(p.gpu_die.mtbf_hours, gpu_hours / (148 + 19 + 17), 1.0);
  EXPECT_DOUBLE_EQ(p.hbm_stack.mtbf_hours, gpu_hours * 5 / 72);
  EXPECT_NEAR(p.link.mtbf_hours, gpu_hours / (35 / 2.0), 1.0);
  EXPECT_NEAR(p.packet_switch.mtbf_hours, 16384 / 16 * 1296 / (35 / 2.0), 1.0);
  EXPECT_DOUBLE_EQ(p.cpo.mtbf_hours, 2.6e6);
  EXPECT_DOUBLE_EQ(p.pluggable.mtbf_hours, 0.75e6);
  EXPECT_EQ(p.die_scaling, "per_die");
  EXPECT_TRUE(p.pluggable_optics("pluggable-800g"));
  EXPECT_FALSE(p.pluggable_optics("cpo-2025"));
}

TEST(Availability, BadRatesFileNamesItsLineAndKey) {
  const std::string f = (std::filesystem::temp_directory_path() / "litesim-bad-rates.yaml").string();
  {
    std::ofstream o(f);
    o << "preset: llama3-h100\ngpu_die:\n  mtbf_hour: 5\n";
  }
  try {
    resolve_reliability(f, {}, kConfigs);
    FAIL() << "a misspelt key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(f + ":3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mtbf_hour"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_reliability("llama3-h100", {"die_scaling=area"}, kConfigs), ConfigError);
  EXPECT_THROW(resolve_reliability("llama3-h100", {"link.mttr_hours=0"}, kConfigs), ConfigError);
  std::filesystem::remove(f);
}

TEST(Availability, InventoryCountsComeFromTheConfig) {
  // lite-cpo-switch: 256 lite-quarter-shoreline packages (2 HBM stacks, 2 optical engines each), a Clos
  // of 16 leaves and 16 spines, CPO switch ports at every switch end of its 512 links.
  const ResolvedSystem rs = resolve_system(kConfigs + "/system/study/lite-cpo-switch.yaml", {}, kConfigs);
  const ReliabilityParams rel = resolve_reliability("llama3-h100", {}, kConfigs).params;
  ReplicaLayout l;
  l.gpus_per_replica = 4;
  l.replicas = 64;
  const Inventory inv = build_inventory(rs, rel, l);
  auto kind = [&](const std::string& key) -> const PartKind& {
    for (const PartKind& k : inv.kinds)
      if (k.key == key) return k;
    throw std::runtime_error("no kind " + key);
  };
  EXPECT_EQ(kind("gpu_die").count, 256);
  EXPECT_EQ(kind("hbm_stack").count, 512);
  EXPECT_EQ(kind("gpu_optics").count, 512);
  EXPECT_EQ(kind("gpu_optics").part, "cpo");
  EXPECT_EQ(kind("switch.leaf").count, 16);
  EXPECT_EQ(kind("switch.spine").count, 16);
  EXPECT_EQ(kind("link.down").count + kind("link.up").count, 512);
  EXPECT_EQ(kind("switch_optics.down").count, 256);  // the leaf end of each GPU link
  EXPECT_EQ(kind("switch_optics.up").count, 512);    // both ends of each leaf-spine link
  // A leaf's 16 GPUs hold 4 whole replicas of 4; a spine or an uplink leaves 15 paths.
  EXPECT_EQ(kind("switch.leaf").gpus, 16);
  EXPECT_EQ(kind("switch.leaf").replicas, 4);
  EXPECT_DOUBLE_EQ(kind("switch.leaf").capacity_fraction, 4.0 / 64);
  EXPECT_EQ(kind("switch.spine").replicas, 0);
  EXPECT_EQ(kind("link.up").replicas, 0);
  EXPECT_EQ(kind("gpu_die").replicas, 1);
  // die_area scaling: the 203.5 mm2 Lite die fails at 203.5 / 814 = 1/4 of the H100 die's rate.
  const ReliabilityParams area = resolve_reliability("llama3-h100", {"die_scaling=die_area"}, kConfigs).params;
  const Inventory inv2 = build_inventory(rs, area, l);
  EXPECT_NEAR(inv2.kinds[0].rate.mtbf_hours, 4 * rel.gpu_die.mtbf_hours, 1e-6 * rel.gpu_die.mtbf_hours);
}

TEST(Availability, TrainingGoodputAtTheYoungDalyInterval) {
  // Four GPUs (MTBF 1000 h each) as two replicas: the job's MTBF is 1000 / 4 = 250 h = 900,000 s;
  // C = 60 s: tau = sqrt(2 x 60 x 900000) = 10392.3 s; waste = 60 / tau + (tau / 2 + 300) / 900000.
  const TrainingGoodput t = training_goodput(toy(2, 2, 0, rate(1000, 10)), 60, 300);
  EXPECT_NEAR(t.mtbf_hours, 250, 1e-9);
  EXPECT_NEAR(t.interval_s, std::sqrt(2.0 * 60 * 900000), 1e-6);
  EXPECT_NEAR(t.waste, 60 / t.interval_s + (t.interval_s / 2 + 300) / 900000, 1e-12);
  EXPECT_NEAR(t.goodput, 1 - t.waste, 1e-12);
}
