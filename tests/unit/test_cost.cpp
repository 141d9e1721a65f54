// The package cost and yield model against figures derived apart from the code: the worked
// example of /work/shared/REFERENCE-FIGURES.md ("Yield and cost"), closed forms at A x D0 = 1,
// a binomial hand computation, and the bookkeeping of the package bill.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <stdexcept>

#include "core/config.h"
#include "core/error.h"
#include "hw/package/cost.h"

using namespace litesim;

namespace {

const char* const kModels[] = {"poisson", "murphy", "negative-binomial", "seeds"};

// The worked example's assumptions: full 300 mm wafer, no scribe, D0 = 0.1/cm², Murphy.
CostParams worked_example() {
  CostParams c;
  c.wafer_diameter_mm = 300;
  c.edge_exclusion_mm = 0;
  c.scribe_mm = 0;
  c.defect_density_per_cm2 = 0.1;
  c.yield_model = "murphy";
  c.harvesting = false;
  c.hbm_usd_per_GB = 0;
  c.packaging_usd = 0;
  c.test_assembly_usd = 0;
  c.optics_usd_per_engine = 0;
  return c;
}

DieGeometry die_of(double area_mm2, int physical = 1, int enabled = 1) {
  // Half the area in SMs, half in the uncore: the unharvested yield depends on the total only.
  DieGeometry d;
  d.sms_physical = physical;
  d.sms_enabled = enabled;
  d.sm_area_mm2 = area_mm2 / 2 / physical;
  d.uncore_area_mm2 = area_mm2 / 2;
  return d;
}

PackageBill one_die() {
  PackageBill b;
  b.dies = 1;
  b.peak_TFLOPS = 1000;
  return b;
}

double harvested(const CostReport& r, const std::string& m) { return r.yield_harvested.of(m); }
double plain(const CostReport& r, const std::string& m) { return r.yield.of(m); }

}  // namespace

// REFERENCE-FIGURES: 814 mm² -> 63.5 DPW, 47% yield, 29.7 good.
TEST(CostWorkedExample, H100SizedDie) {
  const CostReport r = compute_cost(worked_example(), die_of(814, 144, 144), one_die());
  EXPECT_NEAR(r.die_area_mm2, 814, 1e-9);
  EXPECT_NEAR(r.dies_per_wafer, 63.5, 0.05);
  EXPECT_EQ(r.dies_per_wafer_whole, 63);
  EXPECT_NEAR(r.yield.murphy, 0.47, 0.005);
  EXPECT_NEAR(r.yield_used, r.yield.murphy, 0);
  EXPECT_NEAR(r.good_dies_per_wafer, 29.7, 0.05);
  EXPECT_NEAR(r.die_cost_usd, 17000 / r.good_dies_per_wafer, 1e-9);
}

// REFERENCE-FIGURES: 203.5 mm² -> 301 DPW, 82% yield, 246 good; 2.07x H100-equivalents per wafer.
TEST(CostWorkedExample, QuarterDie) {
  const CostReport big = compute_cost(worked_example(), die_of(814), one_die());
  const CostReport r = compute_cost(worked_example(), die_of(203.5, 33, 33), one_die());
  EXPECT_NEAR(r.dies_per_wafer, 301, 0.5);
  EXPECT_NEAR(r.yield.murphy, 0.82, 0.005);
  EXPECT_NEAR(r.good_dies_per_wafer, 246, 0.5);
  EXPECT_NEAR(r.good_dies_per_wafer / (4 * big.good_dies_per_wafer), 2.07, 0.005);
}

// Edge exclusion and scribe: d = 300 - 2 x 3 = 294 mm, S = (10 + 0.1)² = 102.01 mm²;
// pi 147² / 102.01 - pi 294 / sqrt(204.02) = 665.48 - 64.66 = 600.83.
TEST(CostDiesPerWafer, EdgeExclusionAndScribe) {
  CostParams c = worked_example();
  c.edge_exclusion_mm = 3;
  c.scribe_mm = 0.1;
  const CostReport r = compute_cost(c, die_of(100), one_die());
  EXPECT_NEAR(r.dies_per_wafer, 600.83, 0.01);
  EXPECT_EQ(r.dies_per_wafer_whole, 600);
}

// At A x D0 = 1: Poisson e^-1, Murphy (1 - e^-1)², negative binomial with alpha = 1 gives 1/2,
// Seeds 1/2. 1000 mm² = 10 cm² at 0.1/cm².
TEST(CostYield, ClosedFormsAtOneExpectedDefect) {
  const double e1 = std::exp(-1.0);
  EXPECT_NEAR(die_yield("poisson", 1, 3), e1, 1e-15);
  EXPECT_NEAR(die_yield("murphy", 1, 3), (1 - e1) * (1 - e1), 1e-15);
  EXPECT_NEAR(die_yield("negative-binomial", 1, 1), 0.5, 1e-15);
  EXPECT_NEAR(die_yield("seeds", 1, 3), 0.5, 1e-15);
  EXPECT_NEAR(die_yield("negative-binomial", 1, 2), 1 / 2.25, 1e-15);  // (1 + 1/2)^-2

  CostParams c = worked_example();
  c.nb_alpha = 1;
  const CostReport r = compute_cost(c, die_of(1000), one_die());
  EXPECT_NEAR(r.yield.poisson, e1, 1e-12);
  EXPECT_NEAR(r.yield.murphy, (1 - e1) * (1 - e1), 1e-12);
  EXPECT_NEAR(r.yield.negative_binomial, 0.5, 1e-12);
  EXPECT_NEAR(r.yield.seeds, 0.5, 1e-12);
}

// A x D0 -> 0: every model tends to 1 - A D0, and is exactly 1 at zero (no 0/0).
TEST(CostYield, SmallDefectLimits) {
  for (const char* m : kModels) {
    EXPECT_EQ(die_yield(m, 0, 3), 1.0) << m;
    EXPECT_NEAR(die_yield(m, 1e-9, 3), 1 - 1e-9, 1e-15) << m;
  }
  CostParams c = worked_example();
  c.defect_density_per_cm2 = 0;
  c.harvesting = true;
  const CostReport r = compute_cost(c, die_of(400, 10, 8), one_die());
  for (const char* m : kModels) {
    EXPECT_EQ(plain(r, m), 1.0) << m;
    EXPECT_EQ(harvested(r, m), 1.0) << m;
  }
}

// Clustering ranks the models: for the same A x D0, Poisson <= Murphy <= Seeds, and the
// negative binomial moves from Seeds (alpha = 1) towards Poisson as alpha grows.
TEST(CostYield, ModelOrdering) {
  for (double l : {0.1, 0.5, 1.0, 3.0}) {
    EXPECT_LT(die_yield("poisson", l, 3), die_yield("murphy", l, 3));
    EXPECT_LT(die_yield("murphy", l, 3), die_yield("seeds", l, 3));
    EXPECT_GT(die_yield("negative-binomial", l, 3), die_yield("poisson", l, 3));
    EXPECT_LT(die_yield("negative-binomial", l, 3), die_yield("seeds", l, 3));
  }
}

// No spares: a harvested die is a perfect die, so the harvested yields equal the closed forms.
TEST(CostHarvest, NoSparesEqualsUnharvested) {
  for (double d0 : {0.05, 0.1, 0.5, 2.0}) {
    CostParams c = worked_example();
    c.defect_density_per_cm2 = d0;
    const CostReport r = compute_cost(c, die_of(814, 144, 144), one_die());
    for (const char* m : kModels) EXPECT_NEAR(harvested(r, m), plain(r, m), 1e-10) << m << " D0 " << d0;
  }
}

// More spares never lower the yield; harvesting never lowers it below the no-spare yield.
TEST(CostHarvest, NeverLowersYield) {
  for (double d0 : {0.05, 0.1, 0.3, 1.0}) {
    CostParams c = worked_example();
    c.defect_density_per_cm2 = d0;
    for (const char* m : kModels) {
      double prev = 0;
      for (int spares = 0; spares <= 12; spares += 3) {
        const CostReport r = compute_cost(c, die_of(814, 144, 144 - spares), one_die());
        EXPECT_GE(harvested(r, m), plain(r, m) - 1e-12) << m << " spares " << spares;
        EXPECT_GE(harvested(r, m), prev - 1e-12) << m << " spares " << spares;
        EXPECT_LE(harvested(r, m), 1.0) << m;
        prev = harvested(r, m);
      }
    }
  }
}

// One spare, Poisson, by hand: 4 SMs of 25 mm², uncore 100 mm², D0 = 0.5/cm².
// Per SM p = e^-0.125 = 0.882497; uncore e^-0.5 = 0.606531.
// Y = e^-0.5 [p^4 + 4 (1 - p) p^3] = 0.606531 x (0.606531 + 4 x 0.117503 x 0.687289)
//   = 0.606531 x 0.929568 = 0.563810.
TEST(CostHarvest, OneSparePoissonBinomialByHand) {
  CostParams c = worked_example();
  c.defect_density_per_cm2 = 0.5;
  c.yield_model = "poisson";
  c.harvesting = true;
  DieGeometry d;
  d.sms_physical = 4;
  d.sms_enabled = 3;
  d.sm_area_mm2 = 25;
  d.uncore_area_mm2 = 100;
  const CostReport r = compute_cost(c, d, one_die());
  EXPECT_NEAR(r.yield_harvested.poisson, 0.563810, 1e-6);
  const double p = std::exp(-0.125);
  EXPECT_NEAR(r.yield_harvested.poisson, std::exp(-0.5) * (std::pow(p, 4) + 4 * (1 - p) * std::pow(p, 3)), 1e-14);
  EXPECT_NEAR(r.yield.poisson, std::exp(-1.0), 1e-14);
  EXPECT_NEAR(r.yield_used, r.yield_harvested.poisson, 0);
}

// One spare, any model: given the die's defect density D the die is good with probability
// e^(-A D) + n (e^(-(A - a) D) - e^(-A D)), so averaging over D gives
// Y_h = Y(A D0) + n [Y((A - a) D0) - Y(A D0)] with Y the model's own closed form.
TEST(CostHarvest, OneSpareMatchesMixtureClosedForm) {
  const int n = 8;
  const double sm = 20, uncore = 140, d0 = 0.4;  // A = 300 mm² = 3 cm², a = 0.2 cm²
  CostParams c = worked_example();
  c.defect_density_per_cm2 = d0;
  c.nb_alpha = 2;
  DieGeometry d;
  d.sms_physical = n;
  d.sms_enabled = n - 1;
  d.sm_area_mm2 = sm;
  d.uncore_area_mm2 = uncore;
  const CostReport r = compute_cost(c, d, one_die());
  const double l = 3.0 * d0, l_minus = (3.0 - 0.2) * d0;
  for (const char* m : kModels) {
    const double alpha = std::string(m) == "negative-binomial" ? 2 : 3;
    const double want = die_yield(m, l, alpha) + n * (die_yield(m, l_minus, alpha) - die_yield(m, l, alpha));
    EXPECT_NEAR(harvested(r, m), want, 1e-9) << m;
  }
}

// Seeds is the negative binomial at alpha = 1, and the negative binomial tends to Poisson as
// alpha grows (the latter compares two computations of the harvested yield that share no code).
TEST(CostHarvest, NegativeBinomialLimits) {
  CostParams c = worked_example();
  c.defect_density_per_cm2 = 0.2;
  c.nb_alpha = 1;
  const DieGeometry d = die_of(814, 144, 132);
  const CostReport seeds = compute_cost(c, d, one_die());
  EXPECT_NEAR(seeds.yield_harvested.negative_binomial, seeds.yield_harvested.seeds, 1e-14);
  c.nb_alpha = 1e7;
  const CostReport poissonish = compute_cost(c, d, one_die());
  EXPECT_NEAR(poissonish.yield_harvested.negative_binomial, poissonish.yield_harvested.poisson, 1e-5);
  EXPECT_GT(poissonish.yield_harvested.poisson, poissonish.yield.poisson + 0.1);  // 12 spares matter
}

// Package cost = dies x die cost + HBM + packaging + test and assembly + optics.
TEST(CostBill, PackageCostIsSumOfParts) {
  CostParams c = worked_example();
  c.harvesting = true;
  c.hbm_usd_per_GB = 10;
  c.packaging_usd = 750;
  c.test_assembly_usd = 920;
  c.optics_usd_per_engine = 300;
  PackageBill b;
  b.dies = 4;
  b.hbm_GB = 80;
  b.optics_engines = 2;
  b.peak_TFLOPS = 989.4;
  const CostReport r = compute_cost(c, die_of(203.5, 36, 33), b);
  EXPECT_NEAR(r.die_cost_usd, 17000 / r.good_dies_per_wafer, 1e-9);
  EXPECT_NEAR(r.good_dies_per_wafer, r.dies_per_wafer * r.yield_harvested.murphy, 1e-9);
  EXPECT_EQ(r.hbm_cost_usd, 800);
  EXPECT_EQ(r.packaging_usd, 750);
  EXPECT_EQ(r.test_assembly_usd, 920);
  EXPECT_EQ(r.optics_usd, 600);
  EXPECT_NEAR(r.package_cost_usd, 4 * r.die_cost_usd + 800 + 750 + 920 + 600, 1e-9);
  EXPECT_NEAR(r.usd_per_TFLOPS, r.package_cost_usd / 989.4, 1e-12);

  const nlohmann::json j = r.to_json();
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"die_area_mm2", "dies_per_wafer", "yield", "good_dies_per_wafer",
                                         "die_cost_usd", "hbm_cost_usd", "packaging_usd", "test_assembly_usd",
                                         "optics_usd", "package_cost_usd", "usd_per_TFLOPS"}));
  std::set<std::string> ykeys;
  for (const auto& [k, v] : j.at("yield").items()) ykeys.insert(k);
  EXPECT_EQ(ykeys, (std::set<std::string>{"poisson", "murphy", "negative_binomial", "seeds", "harvested", "used"}));
  EXPECT_EQ(j.at("yield").at("harvested").size(), 4u);
  EXPECT_DOUBLE_EQ(j.at("yield").at("used").get<double>(), r.yield_harvested.murphy);
  EXPECT_DOUBLE_EQ(j.at("package_cost_usd").get<double>(), r.package_cost_usd);

  const std::string t = r.table();
  EXPECT_NE(t.find("dies per wafer"), std::string::npos);
  EXPECT_NE(t.find("murphy"), std::string::npos);
  EXPECT_NE(t.find("<- used"), std::string::npos);
}

TEST(CostBill, BadInputsThrow) {
  const CostParams c = worked_example();
  auto throws = [&](const CostParams& p, const DieGeometry& d, const PackageBill& b, const char* what) {
    try {
      compute_cost(p, d, b);
      ADD_FAILURE() << "no exception for " << what;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  throws(c, die_of(50000), one_die(), "does not fit");
  throws(c, die_of(0.4 * 300 * 300), one_die(), "zero dies per wafer");  // fits, but DPW < 0
  throws(c, die_of(100, 10, 11), one_die(), "exceeds sms_physical");
  throws(c, die_of(100, 0, 0), one_die(), "sms_physical");
  DieGeometry neg = die_of(100);
  neg.uncore_area_mm2 = -1;
  throws(c, neg, one_die(), "uncore_area_mm2");
  PackageBill b = one_die();
  b.peak_TFLOPS = 0;
  throws(c, die_of(100), b, "peak_TFLOPS");
  b = one_die();
  b.dies = 0;
  throws(c, die_of(100), b, "at least one die");
  CostParams p = c;
  p.edge_exclusion_mm = 150;
  throws(p, die_of(100), one_die(), "edge exclusion");
  p = c;
  p.defect_density_per_cm2 = std::nan("");
  throws(p, die_of(100), one_die(), "defect_density_per_cm2");
  p = c;
  p.yield_model = "gauss";
  throws(p, die_of(100), one_die(), "unknown yield model");
  p = c;
  p.defect_density_per_cm2 = 1e4;  // yield underflows to zero
  p.yield_model = "poisson";
  throws(p, die_of(800), one_die(), "no good dies");
}

// The `cost:` section: defaults only where REFERENCE-FIGURES (or the brief) gives one; prices of
// HBM, packaging, test and optics are required.
TEST(CostParamsSchema, DefaultsAndRequiredPrices) {
  const auto& s = CostParams::schema();
  const CostParams p = s.resolve(parse_yaml("hbm_usd_per_GB: 10\npackaging_usd: 750\ntest_assembly_usd: 920\n"
                                            "optics_usd_per_engine: 0\n",
                                            "<test>"),
                                 "cost", SourceLoc{});
  EXPECT_EQ(p.wafer_diameter_mm, 300);
  EXPECT_EQ(p.edge_exclusion_mm, 3);
  EXPECT_EQ(p.scribe_mm, 0.1);
  EXPECT_EQ(p.defect_density_per_cm2, 0.1);
  EXPECT_EQ(p.nb_alpha, 3);
  EXPECT_EQ(p.wafer_price_usd, 17000);
  EXPECT_EQ(p.yield_model, "murphy");
  EXPECT_TRUE(p.harvesting);
  EXPECT_EQ(p.hbm_usd_per_GB, 10);
  EXPECT_EQ(p.test_assembly_usd, 920);

  EXPECT_THROW(s.resolve(parse_yaml("packaging_usd: 750\ntest_assembly_usd: 1\noptics_usd_per_engine: 0\n", "<t>"),
                         "cost", SourceLoc{}),
               ConfigError);
  EXPECT_THROW(s.resolve(parse_yaml("hbm_usd_per_GB: 1\npackaging_usd: 1\ntest_assembly_usd: 1\n"
                                    "optics_usd_per_engine: 0\nyield_model: gauss\n",
                                    "<t>"),
                         "cost", SourceLoc{}),
               ConfigError);
  EXPECT_THROW(s.resolve(parse_yaml("hbm_usd_per_GB: 1\npackaging_usd: 1\ntest_assembly_usd: 1\n"
                                    "optics_usd_per_engine: 0\nnb_alpha: 0\n",
                                    "<t>"),
                         "cost", SourceLoc{}),
               ConfigError);
}
