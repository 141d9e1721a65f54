#include "study/availability/montecarlo.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <string>

#include "core/rng.h"
#include "study/availability/markov.h"

namespace litesim {

namespace {

constexpr double kHoursPerYear = 8766.0;  // 365.25 days

double draw_exp(Rng& rng, double rate) { return -std::log1p(-rng.uniform()) / rate; }

// One lifetime of the cluster.
class Lifetime {
 public:
  Lifetime(const Inventory& inv, double hours)
      : inv_(inv),
        l_(inv.layout),
        hours_(hours),
        g_(l_.gpus_per_replica),
        down_(inv.units.size(), 0),
        gpu_down_(static_cast<size_t>(l_.cluster_gpus), 0),
        gpu_slot_(static_cast<size_t>(l_.cluster_gpus), -1),
        slot_gpu_(static_cast<size_t>(l_.active())),
        holes_(static_cast<size_t>(l_.replicas), 0),
        cuts_(static_cast<size_t>(l_.replicas), 0),
        up_(l_.replicas),
        by_year_(static_cast<size_t>(std::ceil(hours / kHoursPerYear)), 0.0) {
    for (int s = 0; s < l_.active(); ++s) {
      slot_gpu_[static_cast<size_t>(s)] = s;
      gpu_slot_[static_cast<size_t>(s)] = s;
    }
    for (int v = l_.active(); v < l_.active() + l_.spares; ++v) pool_.push_back(v);
  }

  void run(Rng& rng) {
    using Event = std::pair<double, size_t>;
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> q;
    for (size_t u = 0; u < inv_.units.size(); ++u) {
      const PartRate& r = rate(u);
      const double lambda = r.rate_per_hour(), mu = r.repair_per_hour();
      const bool starts_down = rng.uniform() < 1.0 - unit_availability(lambda, mu);
      if (starts_down) set(u, true);
      const double t = draw_exp(rng, starts_down ? mu : lambda);
      if (t < hours_) q.push({t, u});
    }
    min_up_ = up_;
    outages_ = 0;  // replicas already down at the start are in the steady state, not new outages
    while (!q.empty()) {
      const auto [t, u] = q.top();
      q.pop();
      advance(t);
      const bool fails = !down_[u];
      if (fails) ++failures_;
      set(u, fails);
      const PartRate& r = rate(u);
      const double next = t + draw_exp(rng, fails ? r.repair_per_hour() : r.rate_per_hour());
      if (next < hours_) q.push({next, u});
    }
    advance(hours_);
  }

  double capacity() const { return area_ / (hours_ * l_.replicas); }
  double full_time() const { return full_ / hours_; }
  double min_up() const { return static_cast<double>(min_up_) / l_.replicas; }
  long outages() const { return outages_; }
  long failures() const { return failures_; }
  double year(size_t y) const {
    const double span = std::min(hours_, (y + 1) * kHoursPerYear) - y * kHoursPerYear;
    return by_year_[y] / (span * l_.replicas);
  }
  size_t years() const { return by_year_.size(); }

 private:
  const PartRate& rate(size_t u) const { return inv_.kinds[static_cast<size_t>(inv_.units[u].kind)].rate; }
  bool replica_up(int r) const { return holes_[static_cast<size_t>(r)] == 0 && cuts_[static_cast<size_t>(r)] == 0; }

  // Integrates the replicas up from the last event to t, year by year.
  void advance(double t) {
    while (now_ < t) {
      const size_t y = static_cast<size_t>(now_ / kHoursPerYear);
      const double end = std::min(t, (y + 1) * kHoursPerYear);
      by_year_[std::min(y, by_year_.size() - 1)] += up_ * (end - now_);
      area_ += up_ * (end - now_);
      if (up_ == l_.replicas) full_ += end - now_;
      now_ = end;
    }
  }

  // Changes replica r's holes or cuts by `d`, keeping the count of replicas up.
  void change(std::vector<int>& counter, int r, int d) {
    const bool was = replica_up(r);
    counter[static_cast<size_t>(r)] += d;
    const bool is = replica_up(r);
    if (was && !is) {
      --up_;
      ++outages_;
      min_up_ = std::min(min_up_, up_);
    } else if (!was && is) {
      ++up_;
    }
  }

  void set(size_t u, bool down) {
    down_[u] = down;
    const Unit& unit = inv_.units[u];
    for (int r : unit.cut) change(cuts_, r, down ? 1 : -1);
    if (unit.gpu < 0) return;
    int& n = gpu_down_[static_cast<size_t>(unit.gpu)];
    n += down ? 1 : -1;
    if (down && n == 1) gpu_failed(unit.gpu);
    if (!down && n == 0) gpu_repaired(unit.gpu);
  }

  void swap_in(int slot, size_t pool_index) {
    const int spare = pool_[pool_index], failed = slot_gpu_[static_cast<size_t>(slot)];
    pool_[pool_index] = failed;
    gpu_slot_[static_cast<size_t>(failed)] = -1;
    slot_gpu_[static_cast<size_t>(slot)] = spare;
    gpu_slot_[static_cast<size_t>(spare)] = slot;
  }

  void gpu_failed(int v) {
    const int slot = gpu_slot_[static_cast<size_t>(v)];
    if (slot < 0) return;  // a spare or an unused GPU
    for (size_t i = 0; i < pool_.size(); ++i)
      if (gpu_down_[static_cast<size_t>(pool_[i])] == 0) {
        swap_in(slot, i);
        return;
      }
    change(holes_, slot / g_, 1);
  }

  void gpu_repaired(int v) {
    const int slot = gpu_slot_[static_cast<size_t>(v)];
    if (slot >= 0) {  // it was missing from its replica
      change(holes_, slot / g_, -1);
      return;
    }
    const auto at = std::find(pool_.begin(), pool_.end(), v);
    if (at == pool_.end()) return;  // unused
    int best = -1;
    for (int r = 0; r < l_.replicas; ++r)
      if (holes_[static_cast<size_t>(r)] > 0 &&
          (best < 0 || holes_[static_cast<size_t>(r)] < holes_[static_cast<size_t>(best)]))
        best = r;
    if (best < 0) return;
    for (int s = best * g_; s < best * g_ + g_; ++s)
      if (gpu_down_[static_cast<size_t>(slot_gpu_[static_cast<size_t>(s)])] > 0) {
        swap_in(s, static_cast<size_t>(at - pool_.begin()));
        change(holes_, best, -1);
        return;
      }
  }

  const Inventory& inv_;
  const ReplicaLayout& l_;
  double hours_;
  int g_;
  std::vector<char> down_;
  std::vector<int> gpu_down_, gpu_slot_, slot_gpu_, pool_, holes_, cuts_;
  int up_, min_up_ = 0;
  double now_ = 0, area_ = 0, full_ = 0;
  long outages_ = 0, failures_ = 0;
  std::vector<double> by_year_;
};

}  // namespace

McResult simulate_availability(const Inventory& inv, const McOptions& o) {
  const double hours = o.years * kHoursPerYear;
  McResult m;
  m.runs = o.runs;
  double mean = 0, m2 = 0, full = 0;  // Welford's running mean and sum of squared deviations
  long outages = 0, failures = 0;
  for (int i = 0; i < o.runs; ++i) {
    Rng rng(o.seed, "availability/lifetime/" + std::to_string(i));
    Lifetime life(inv, hours);
    life.run(rng);
    const double c = life.capacity();
    const double d = c - mean;
    mean += d / (i + 1);
    m2 += d * (c - mean);
    full += life.full_time();
    m.min_capacity = std::min(m.min_capacity, life.min_up());
    outages += life.outages();
    failures += life.failures();
    if (m.by_year.empty()) m.by_year.assign(life.years(), 0.0);
    for (size_t y = 0; y < life.years(); ++y) m.by_year[y] += life.year(y) / o.runs;
  }
  const double n = o.runs;
  m.mean = mean;
  m.sd = o.runs > 1 ? std::sqrt(m2 / (n - 1)) : 0.0;
  m.half_width = 1.96 * m.sd / std::sqrt(n);
  m.full_capacity_time = full / n;
  m.replica_outages_per_year = outages / n / o.years;
  m.failures_per_year = failures / n / o.years;
  return m;
}

}  // namespace litesim
