#include "fabric/backend/maxmin.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace litesim {

void MaxMinSolver::solve(const std::vector<double>& capacity, const std::vector<uint32_t>& first,
                         const std::vector<uint32_t>& link, const std::vector<double>& cap, std::vector<double>& rate) {
  const size_t nl = capacity.size(), nf = cap.size();
  rate.assign(nf, 0.0);
  left_.assign(capacity.begin(), capacity.end());
  users_.assign(nl, 0);
  frozen_.assign(nf, 0);
  full_.assign(nl, 0);
  live_.clear();
  for (size_t f = 0; f < nf; ++f) {
    if (first[f] == first[f + 1]) {  // nothing shared limits it
      rate[f] = cap[f];
      frozen_[f] = 1;
      continue;
    }
    for (uint32_t i = first[f]; i < first[f + 1]; ++i) ++users_[link[i]];
    live_.push_back(static_cast<uint32_t>(f));
  }
  double level = 0;  // the common rate of every unfrozen flow
  while (!live_.empty()) {
    ++rounds_;
    // the next event: a link used up, or a flow at its cap
    double step = std::numeric_limits<double>::infinity();
    for (size_t l = 0; l < nl; ++l)
      if (users_[l] > 0) step = std::min(step, left_[l] / users_[l]);
    for (uint32_t f : live_)
      if (cap[f] > 0) step = std::min(step, cap[f] - level);
    step = std::max(step, 0.0);
    level += step;
    // freeze: flows on a used-up link, flows at their cap (relative tolerance for rounding)
    for (size_t l = 0; l < nl; ++l) {
      left_[l] -= step * users_[l];
      full_[l] = users_[l] > 0 && left_[l] <= 1e-12 * std::max(capacity[l], 1.0);
    }
    size_t kept = 0;
    for (uint32_t f : live_) {
      bool stop = cap[f] > 0 && level >= cap[f] * (1 - 1e-12);
      for (uint32_t i = first[f]; i < first[f + 1] && !stop; ++i) stop = full_[link[i]] != 0;
      if (!stop) {
        live_[kept++] = f;
        continue;
      }
      frozen_[f] = 1;
      rate[f] = cap[f] > 0 ? std::min(level, cap[f]) : level;
      for (uint32_t i = first[f]; i < first[f + 1]; ++i) --users_[link[i]];
    }
    live_.resize(kept);
    for (size_t l = 0; l < nl; ++l)
      if (full_[l]) left_[l] = 0;
  }
}

std::vector<double> max_min_rates(const std::vector<double>& capacity, const std::vector<FlowDemand>& flows) {
  const size_t nl = capacity.size();
  for (double c : capacity)
    if (!(c >= 0)) throw std::invalid_argument("max_min_rates: a negative or NaN link capacity");
  std::vector<uint32_t> first{0}, link;
  std::vector<double> cap;
  for (const FlowDemand& f : flows) {
    if (!(f.cap >= 0)) throw std::invalid_argument("max_min_rates: a negative or NaN flow cap");
    for (int l : f.links) {
      if (l < 0 || static_cast<size_t>(l) >= nl) throw std::invalid_argument("max_min_rates: link index out of range");
      link.push_back(static_cast<uint32_t>(l));
    }
    first.push_back(static_cast<uint32_t>(link.size()));
    cap.push_back(f.cap);
  }
  std::vector<double> rate;
  MaxMinSolver().solve(capacity, first, link, cap, rate);
  return rate;
}

}  // namespace litesim
