#include "hw/package/cost.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/registry.h"

namespace litesim {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMm2PerCm2 = 100.0;

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> n = {"poisson", "murphy", "negative-binomial", "seeds"};
  return n;
}

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("cost model: " + what); }

void require(bool ok, const std::string& what) {
  if (!ok) bad(what);
}

void require_finite_at_least(double v, double lo, bool exclusive, const char* name) {
  if (!std::isfinite(v) || (exclusive ? !(v > lo) : !(v >= lo)))
    bad(fmt::format("{} must be {} {} (got {})", name, exclusive ? ">" : ">=", lo, v));
}

// ---- yields without spares: closed forms in lambda = A x D0 ----

double poisson_yield(double lambda) { return std::exp(-lambda); }

double murphy_yield(double lambda) {
  if (lambda == 0) return 1.0;
  const double r = -std::expm1(-lambda) / lambda;  // (1 - e^-x) / x, accurate as x -> 0
  return r * r;
}

double nb_yield(double lambda, double alpha) {
  if (lambda == 0) return 1.0;
  return std::exp(-alpha * std::log1p(lambda / alpha));  // (1 + x/alpha)^-alpha, accurate as x -> 0
}

double seeds_yield(double lambda) { return 1.0 / (1.0 + lambda); }

// ---- yields with spares ----
// Each model is read as a Poisson process of killer defects whose density D varies from die to
// die (Poisson: D = D0 fixed; Murphy: triangular on [0, 2 D0]; negative binomial: gamma with
// shape alpha and mean D0; Seeds: exponential, i.e. gamma with alpha = 1). Given D, defect counts
// in the uncore and in each SM are independent Poisson variables. The die is good if the uncore
// has none and at most `spares` SMs have one or more. With spares = 0 this reduces exactly to
// the closed forms above.

struct Split {
  int n = 0;          // SMs on the die
  int spares = 0;     // tolerated defective SMs
  double sm_cm2 = 0;  // area of one SM
  double uncore_cm2 = 0;
  double total_cm2() const { return n * sm_cm2 + uncore_cm2; }
};

// Poisson harvested yield at a fixed defect density d (per cm²):
// e^(-A_u d) x sum_{k<=spares} C(n,k) (1-p)^k p^(n-k), p = e^(-a d).
double poisson_harvested(const Split& s, double d) {
  const double lam_sm = s.sm_cm2 * d;
  const double fail = -std::expm1(-lam_sm);  // 1 - p
  double sum = 0;
  for (int k = 0; k <= s.spares && k <= s.n; ++k) {
    if (k > 0 && fail == 0) break;
    const double log_c = std::lgamma(s.n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(s.n - k + 1.0);
    const double log_term = log_c + (k > 0 ? k * std::log(fail) : 0.0) - (s.n - k) * lam_sm;
    sum += std::exp(log_term);
  }
  return std::exp(-s.uncore_cm2 * d) * std::min(1.0, sum);
}

// Murphy: Poisson harvested yield averaged over the triangular density of D on [0, 2 D0]
// (composite Simpson on each linear half; the integrand is smooth).
double murphy_harvested(const Split& s, double d0) {
  if (d0 == 0) return 1.0;
  constexpr int kIntervals = 2048;  // even
  auto half = [&](double lo, double hi, auto weight) {
    const double h = (hi - lo) / kIntervals;
    double acc = 0;
    for (int i = 0; i <= kIntervals; ++i) {
      const double d = lo + i * h;
      const double c = (i == 0 || i == kIntervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
      acc += c * weight(d) * poisson_harvested(s, d);
    }
    return acc * h / 3.0;
  };
  const double inv = 1.0 / (d0 * d0);
  return half(0.0, d0, [&](double d) { return d * inv; }) +
         half(d0, 2 * d0, [&](double d) { return (2 * d0 - d) * inv; });
}

// Negative binomial (and Seeds, alpha = 1): sum over the die's total defect count N of
// P(N) x Q(N). P is the negative-binomial distribution of N (the gamma mixture of Poissons),
// Q(N) the chance that N defects, each placed uniformly by area, miss the uncore and hit at
// most `spares` distinct SMs (a small occupancy recursion; all terms positive).
double nb_harvested(const Split& s, double d0, double alpha) {
  const double lambda = s.total_cm2() * d0;
  if (lambda == 0) return 1.0;
  const double q = s.sm_cm2 / s.total_cm2();  // per SM, per defect
  std::vector<double> alive(static_cast<size_t>(s.spares) + 1, 0.0), next(alive.size());
  alive[0] = 1.0;                                            // Q(0): no defects, no SM hit
  double p = std::exp(-alpha * std::log1p(lambda / alpha));  // P(0)
  const double ratio = lambda / (alpha + lambda);
  double cum_p = 0, yield = 0;
  for (long n_def = 0; n_def < 100000000L; ++n_def) {
    double qn = 0;
    for (double a : alive) qn += a;
    yield += p * qn;
    cum_p += p;
    // Q is non-increasing in N, so the rest adds at most (1 - cum_p) x Q(N).
    if (qn < 1e-300 || ((1.0 - cum_p) * qn < 1e-14 && n_def > lambda)) break;
    std::fill(next.begin(), next.end(), 0.0);
    for (size_t m = 0; m < alive.size(); ++m) {
      next[m] += alive[m] * static_cast<double>(m) * q;  // lands on an SM already defective
      if (m + 1 < alive.size()) next[m + 1] += alive[m] * static_cast<double>(s.n - static_cast<int>(m)) * q;
    }
    alive.swap(next);
    p *= (static_cast<double>(n_def) + alpha) / (static_cast<double>(n_def) + 1.0) * ratio;
  }
  return std::min(1.0, yield);
}

std::string money(double usd) { return fmt::format("{:>12.2f}", usd); }

}  // namespace

double die_yield(const std::string& model, double lambda, double alpha) {
  require_finite_at_least(lambda, 0, false, "expected defects per die (A x D0)");
  if (model == "poisson") return poisson_yield(lambda);
  if (model == "murphy") return murphy_yield(lambda);
  if (model == "negative-binomial") {
    require_finite_at_least(alpha, 0, true, "nb_alpha");
    return nb_yield(lambda, alpha);
  }
  if (model == "seeds") return seeds_yield(lambda);
  bad(fmt::format("unknown yield model '{}' (one of: {})", model, fmt::join(model_names(), ", ")));
}

double YieldByModel::of(const std::string& model) const {
  if (model == "poisson") return poisson;
  if (model == "murphy") return murphy;
  if (model == "negative-binomial") return negative_binomial;
  if (model == "seeds") return seeds;
  bad(fmt::format("unknown yield model '{}' (one of: {})", model, fmt::join(model_names(), ", ")));
}

const ParamSet<CostParams>& CostParams::schema() {
  static const ParamSet<CostParams> s(
      "cost", "package cost and yield model (dies per wafer, die yield, bill of the package)",
      [](ParamSet<CostParams>& p) {
        p.real("wafer_diameter_mm", &CostParams::wafer_diameter_mm, "wafer diameter, mm").positive().fallback("300");
        p.real("edge_exclusion_mm", &CostParams::edge_exclusion_mm,
               "unusable ring at the wafer edge, mm (default is an assumption)")
            .non_negative()
            .fallback("3");
        p.real("scribe_mm", &CostParams::scribe_mm,
               "scribe street added to each die side for dies per wafer, mm (default is an assumption)")
            .non_negative()
            .fallback("0.1");
        p.real("defect_density_per_cm2", &CostParams::defect_density_per_cm2,
               "killer defect density D0 per cm² (TSMC N5 ~0.10-0.11, N7 ~0.09)")
            .non_negative()
            .fallback("0.1");
        p.real("nb_alpha", &CostParams::nb_alpha, "negative-binomial clustering parameter alpha (typically 0.5-3)")
            .positive()
            .fallback("3");
        p.real("wafer_price_usd", &CostParams::wafer_price_usd, "price of one processed wafer, USD (N5 ~16-17k)")
            .non_negative()
            .fallback("17000");
        p.choice("yield_model", &CostParams::yield_model, model_names(), "die yield model used for cost")
            .fallback("murphy");
        p.boolean("harvesting", &CostParams::harvesting,
                  "spare SMs (physical minus enabled) may absorb defects in the yield used for cost")
            .fallback("true");
        p.real("hbm_usd_per_GB", &CostParams::hbm_usd_per_GB, "HBM price per GB, USD").non_negative();
        p.real("packaging_usd", &CostParams::packaging_usd, "per package: CoWoS / interposer / substrate, USD")
            .non_negative();
        p.real("test_assembly_usd", &CostParams::test_assembly_usd, "per package: test and assembly, USD")
            .non_negative();
        p.real("optics_usd_per_engine", &CostParams::optics_usd_per_engine, "per co-packaged optical engine, USD")
            .non_negative();
      });
  return s;
}

CostReport compute_cost(const CostParams& c, const DieGeometry& die, const PackageBill& bill) {
  // ---- inputs ----
  require_finite_at_least(c.wafer_diameter_mm, 0, true, "wafer_diameter_mm");
  require_finite_at_least(c.edge_exclusion_mm, 0, false, "edge_exclusion_mm");
  require_finite_at_least(c.scribe_mm, 0, false, "scribe_mm");
  require_finite_at_least(c.defect_density_per_cm2, 0, false, "defect_density_per_cm2");
  require_finite_at_least(c.nb_alpha, 0, true, "nb_alpha");
  require_finite_at_least(c.wafer_price_usd, 0, false, "wafer_price_usd");
  require_finite_at_least(c.hbm_usd_per_GB, 0, false, "hbm_usd_per_GB");
  require_finite_at_least(c.packaging_usd, 0, false, "packaging_usd");
  require_finite_at_least(c.test_assembly_usd, 0, false, "test_assembly_usd");
  require_finite_at_least(c.optics_usd_per_engine, 0, false, "optics_usd_per_engine");
  {
    YieldByModel probe;
    (void)probe.of(c.yield_model);  // throws on an unknown name
  }
  require(die.sms_physical >= 1, fmt::format("sms_physical must be >= 1 (got {})", die.sms_physical));
  require(die.sms_enabled >= 1, fmt::format("sms_enabled must be >= 1 (got {})", die.sms_enabled));
  require(die.sms_enabled <= die.sms_physical,
          fmt::format("sms_enabled ({}) exceeds sms_physical ({})", die.sms_enabled, die.sms_physical));
  require_finite_at_least(die.sm_area_mm2, 0, true, "sm_area_mm2");
  require_finite_at_least(die.uncore_area_mm2, 0, false, "uncore_area_mm2");
  require(bill.dies >= 1, fmt::format("a package needs at least one die (got {})", bill.dies));
  require_finite_at_least(bill.hbm_GB, 0, false, "hbm_GB");
  require(bill.optics_engines >= 0, fmt::format("optics_engines must be >= 0 (got {})", bill.optics_engines));
  require_finite_at_least(bill.peak_TFLOPS, 0, true, "peak_TFLOPS");

  CostReport r;
  r.yield_model = c.yield_model;
  r.harvesting = c.harvesting;
  r.dies = bill.dies;

  // ---- dies per wafer ----
  const double area = die.area_mm2();
  r.die_area_mm2 = area;
  const double usable = c.wafer_diameter_mm - 2 * c.edge_exclusion_mm;
  require(usable > 0, fmt::format("edge exclusion {} mm leaves nothing of a {} mm wafer", c.edge_exclusion_mm,
                                  c.wafer_diameter_mm));
  const double side = std::sqrt(area) + c.scribe_mm;
  const double step = side * side;  // S: die area including scribe
  require(side * std::sqrt(2.0) <= usable,
          fmt::format("die of {:.1f} mm² ({:.2f} mm side with scribe) does not fit the usable wafer ({} mm across)",
                      area, side, usable));
  r.dies_per_wafer = kPi * (usable / 2) * (usable / 2) / step - kPi * usable / std::sqrt(2 * step);
  require(r.dies_per_wafer >= 1,
          fmt::format("zero dies per wafer: a {:.1f} mm² die on a {} mm usable wafer gives {:.2f}", area, usable,
                      r.dies_per_wafer));
  r.dies_per_wafer_whole = static_cast<int>(std::floor(r.dies_per_wafer));

  // ---- yield ----
  const double d0 = c.defect_density_per_cm2;
  const double lambda = area / kMm2PerCm2 * d0;
  r.yield.poisson = poisson_yield(lambda);
  r.yield.murphy = murphy_yield(lambda);
  r.yield.negative_binomial = nb_yield(lambda, c.nb_alpha);
  r.yield.seeds = seeds_yield(lambda);

  Split s;
  s.n = die.sms_physical;
  s.spares = die.sms_physical - die.sms_enabled;
  s.sm_cm2 = die.sm_area_mm2 / kMm2PerCm2;
  s.uncore_cm2 = die.uncore_area_mm2 / kMm2PerCm2;
  r.yield_harvested.poisson = poisson_harvested(s, d0);
  r.yield_harvested.murphy = murphy_harvested(s, d0);
  r.yield_harvested.negative_binomial = nb_harvested(s, d0, c.nb_alpha);
  r.yield_harvested.seeds = nb_harvested(s, d0, 1.0);

  r.yield_used = (c.harvesting ? r.yield_harvested : r.yield).of(c.yield_model);

  // ---- cost ----
  r.good_dies_per_wafer = r.dies_per_wafer * r.yield_used;
  require(r.good_dies_per_wafer > 0 && std::isfinite(c.wafer_price_usd / r.good_dies_per_wafer),
          fmt::format("no good dies per wafer ({} yield {:.3g} at {:.3g} expected defects per die)", c.yield_model,
                      r.yield_used, lambda));
  r.die_cost_usd = c.wafer_price_usd / r.good_dies_per_wafer;
  r.hbm_cost_usd = bill.hbm_GB * c.hbm_usd_per_GB;
  r.packaging_usd = c.packaging_usd;
  r.test_assembly_usd = c.test_assembly_usd;
  r.optics_usd = bill.optics_engines * c.optics_usd_per_engine;
  r.package_cost_usd =
      bill.dies * r.die_cost_usd + r.hbm_cost_usd + r.packaging_usd + r.test_assembly_usd + r.optics_usd;
  r.usd_per_TFLOPS = r.package_cost_usd / bill.peak_TFLOPS;
  return r;
}

nlohmann::json CostReport::to_json() const {
  auto models = [](const YieldByModel& y) {
    return nlohmann::json{
        {"poisson", y.poisson}, {"murphy", y.murphy}, {"negative_binomial", y.negative_binomial}, {"seeds", y.seeds}};
  };
  nlohmann::json yj = models(yield);
  yj["harvested"] = models(yield_harvested);
  yj["used"] = yield_used;
  return nlohmann::json{{"die_area_mm2", die_area_mm2},
                        {"dies_per_wafer", dies_per_wafer},
                        {"yield", yj},
                        {"good_dies_per_wafer", good_dies_per_wafer},
                        {"die_cost_usd", die_cost_usd},
                        {"hbm_cost_usd", hbm_cost_usd},
                        {"packaging_usd", packaging_usd},
                        {"test_assembly_usd", test_assembly_usd},
                        {"optics_usd", optics_usd},
                        {"package_cost_usd", package_cost_usd},
                        {"usd_per_TFLOPS", usd_per_TFLOPS}};
}

std::string CostReport::table() const {
  std::string t;
  auto row = [&t](const std::string& label, const std::string& value) {
    t += fmt::format("  {:<24}{}\n", label, value);
  };
  auto pct = [](double y) { return fmt::format("{:>9.2f} %", 100 * y); };
  t += fmt::format("cost and yield (model {}, harvesting {})\n", yield_model, harvesting ? "on" : "off");
  row("die area", fmt::format("{:>12.2f} mm2", die_area_mm2));
  row("dies per wafer", fmt::format("{:>12.2f} ({} whole)", dies_per_wafer, dies_per_wafer_whole));
  t += fmt::format("  {:<24}{:>11}  {:>11}\n", "yield", "no spares", "harvested");
  const std::pair<const char*, double YieldByModel::*> models[] = {
      {"poisson", &YieldByModel::poisson},
      {"murphy", &YieldByModel::murphy},
      {"negative-binomial", &YieldByModel::negative_binomial},
      {"seeds", &YieldByModel::seeds}};
  for (const auto& [name, member] : models)
    t += fmt::format("    {:<22}{}  {}{}\n", name, pct(yield.*member), pct(yield_harvested.*member),
                     yield_model == name ? "  <- used" : "");
  row("yield used", pct(yield_used));
  row("good dies per wafer", fmt::format("{:>12.2f}", good_dies_per_wafer));
  row("die cost", money(die_cost_usd) + " USD");
  t += "  package\n";
  row(fmt::format("  dies ({} x)", dies), money(dies * die_cost_usd) + " USD");
  row("  HBM", money(hbm_cost_usd) + " USD");
  row("  packaging", money(packaging_usd) + " USD");
  row("  test and assembly", money(test_assembly_usd) + " USD");
  row("  optics", money(optics_usd) + " USD");
  row("  total", money(package_cost_usd) + " USD");
  row("USD per peak TFLOPS", money(usd_per_TFLOPS));
  return t;
}

namespace {
const BlockRegistrar reg(CostParams::schema());
}

}  // namespace litesim
