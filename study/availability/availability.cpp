#include "study/availability/availability.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "study/availability/markov.h"

namespace litesim {

namespace {

double unit_log_availability(const Inventory& inv, const Unit& u) {
  const PartRate& r = inv.kinds[static_cast<size_t>(u.kind)].rate;
  return std::log(unit_availability(r.rate_per_hour(), r.repair_per_hour()));
}

// P(a given replica misses none of its g GPUs) when m of the N replica GPUs are missing, placed
// uniformly: C(N - g, m) / C(N, m).
double none_missing(int n, int g, int m) {
  double p = 1;
  for (int i = 0; i < m; ++i) p *= static_cast<double>(n - g - i) / (n - i);
  return std::max(0.0, p);
}

}  // namespace

ClosedForm closed_form_availability(const Inventory& inv) {
  const ReplicaLayout& l = inv.layout;
  ClosedForm cf;
  std::vector<double> own(static_cast<size_t>(l.replicas), 0.0), net(static_cast<size_t>(l.replicas), 0.0);
  double gpu0 = 0;  // log availability of GPU 0's own parts (every package is alike)
  for (const Unit& u : inv.units) {
    const double la = unit_log_availability(inv, u);
    if (u.gpu == 0) gpu0 += la;
    for (int r : u.cut) net[static_cast<size_t>(r)] += la;
    const int mine = u.gpu >= 0 ? l.replica_of(u.gpu) : -1;
    if (mine >= 0) own[static_cast<size_t>(mine)] += la;
  }
  cf.gpu_unavailability = -std::expm1(gpu0);
  double sum = 0;
  if (l.spares == 0) {
    cf.method = "product";
    for (int r = 0; r < l.replicas; ++r) sum += std::exp(own[static_cast<size_t>(r)] + net[static_cast<size_t>(r)]);
  } else {
    cf.method = "birth-death";
    const int n = l.active() + l.spares;
    // Any chain with lambda / (lambda + mu) = the GPU's unavailability has its stationary distribution.
    const double q = cf.gpu_unavailability;
    const std::vector<double> pi = failed_units_distribution(n, q / (1.0 - q), 1.0);
    double covered = 0;
    for (int d = 0; d <= n; ++d) {
      const int missing = std::max(0, d - l.spares);
      covered += pi[static_cast<size_t>(d)] * none_missing(l.active(), l.gpus_per_replica, missing);
      if (missing >= 2) cf.p_two_uncovered += pi[static_cast<size_t>(d)];
    }
    cf.exact = l.replicas == 1;
    for (int r = 0; r < l.replicas; ++r) sum += covered * std::exp(net[static_cast<size_t>(r)]);
  }
  cf.capacity = sum / l.replicas;
  return cf;
}

TrainingGoodput training_goodput(const Inventory& inv, double checkpoint_s, double restart_s) {
  TrainingGoodput t;
  t.gpus = inv.layout.active();
  double rate = 0;  // per hour: every unit whose failure takes a replica (so the job) down
  for (const Unit& u : inv.units)
    if (!inv.replicas_down(u).empty()) rate += inv.kinds[static_cast<size_t>(u.kind)].rate.rate_per_hour();
  t.mtbf_hours = 1.0 / rate;
  t.interruptions_per_day = 24.0 * rate;
  t.checkpoint_s = checkpoint_s;
  t.restart_s = restart_s;
  const double m = t.mtbf_hours * 3600.0;
  t.interval_s = young_daly_interval(checkpoint_s, m);
  t.waste = checkpoint_waste(t.interval_s, checkpoint_s, restart_s, m);
  t.goodput = std::max(0.0, 1.0 - t.waste);
  return t;
}

LlmWorkload sizing_workload(const ModelParams& model) {
  LlmWorkload w;
  w.model = model;
  w.phase = LlmPhase::Decode;
  w.batch = 8;
  w.seq = 4096;
  w.weights = Dtype::bf16;
  return w;
}

Mapping smallest_fitting_mapping(const ResolvedSystem& rs, const ModelParams& model) {
  const ClusterFacts c = cluster_facts(rs);
  std::vector<Mapping> fits;
  for (const Mapping& m : map_llm(sizing_workload(model), c, Objective::Throughput))
    if (m.fits) fits.push_back(m);
  if (fits.empty())
    throw ConfigError(SourceLoc{"--model", 0, 0}, "model",
                      fmt::format("{} does not fit any tp x pp split of system '{}' ({} GPUs of {:.1f} GiB HBM) with "
                                  "8 sequences of 4096 tokens of KV cache",
                                  model.name, rs.params.name, c.gpus, to_gib(c.hbm_capacity)));
  return *std::min_element(fits.begin(), fits.end(), [](const Mapping& a, const Mapping& b) {
    return a.gpus() != b.gpus() ? a.gpus() < b.gpus() : a.tp > b.tp;
  });
}

}  // namespace litesim
