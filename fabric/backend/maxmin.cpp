#include "fabric/backend/maxmin.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace litesim {

std::vector<double> max_min_rates(const std::vector<double>& capacity, const std::vector<FlowDemand>& flows) {
  const size_t nl = capacity.size(), nf = flows.size();
  for (double c : capacity)
    if (!(c >= 0)) throw std::invalid_argument("max_min_rates: a negative or NaN link capacity");
  std::vector<double> rate(nf, 0.0), left(capacity);
  std::vector<int> users(nl, 0);  // unfrozen flows per link
  std::vector<bool> frozen(nf, false);
  size_t active = 0;
  for (size_t f = 0; f < nf; ++f) {
    if (!(flows[f].cap >= 0)) throw std::invalid_argument("max_min_rates: a negative or NaN flow cap");
    for (int l : flows[f].links)
      if (l < 0 || static_cast<size_t>(l) >= nl) throw std::invalid_argument("max_min_rates: link index out of range");
    if (flows[f].links.empty()) {  // nothing shared limits it
      rate[f] = flows[f].cap;
      frozen[f] = true;
      continue;
    }
    for (int l : flows[f].links) ++users[static_cast<size_t>(l)];
    ++active;
  }
  double level = 0;  // the common rate of every unfrozen flow
  while (active > 0) {
    // the next event: a link used up, or a flow at its cap
    double step = std::numeric_limits<double>::infinity();
    for (size_t l = 0; l < nl; ++l)
      if (users[l] > 0) step = std::min(step, left[l] / users[l]);
    for (size_t f = 0; f < nf; ++f)
      if (!frozen[f] && flows[f].cap > 0) step = std::min(step, flows[f].cap - level);
    step = std::max(step, 0.0);
    level += step;
    for (size_t l = 0; l < nl; ++l) left[l] -= step * users[l];
    // freeze: flows on a used-up link, flows at their cap (relative tolerance for rounding)
    std::vector<bool> full(nl, false);
    for (size_t l = 0; l < nl; ++l) full[l] = users[l] > 0 && left[l] <= 1e-12 * std::max(capacity[l], 1.0);
    for (size_t f = 0; f < nf; ++f) {
      if (frozen[f]) continue;
      bool stop = flows[f].cap > 0 && level >= flows[f].cap * (1 - 1e-12);
      for (int l : flows[f].links) stop = stop || full[static_cast<size_t>(l)];
      if (!stop) continue;
      frozen[f] = true;
      rate[f] = flows[f].cap > 0 ? std::min(level, flows[f].cap) : level;
      for (int l : flows[f].links) --users[static_cast<size_t>(l)];
      --active;
    }
    for (size_t l = 0; l < nl; ++l)
      if (full[l]) left[l] = 0;
  }
  return rate;
}

}  // namespace litesim
