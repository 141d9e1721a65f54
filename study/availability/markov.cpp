#include "study/availability/markov.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/rng.h"

namespace litesim {

double unit_availability(double lambda, double mu) { return mu / (lambda + mu); }

std::vector<double> birth_death_stationary(const std::vector<double>& birth, const std::vector<double>& death) {
  const size_t n = death.size();
  if (n == 0 || birth.size() != n) throw std::invalid_argument("birth_death_stationary: birth and death sizes differ");
  std::vector<double> pi(n, 0.0);
  pi[0] = 1.0;
  for (size_t j = 0; j + 1 < n; ++j) {
    if (!(death[j + 1] > 0)) throw std::invalid_argument("birth_death_stationary: a death rate is not positive");
    pi[j + 1] = pi[j] * birth[j] / death[j + 1];
  }
  double sum = 0;
  for (double p : pi) sum += p;
  for (double& p : pi) p /= sum;
  return pi;
}

std::vector<double> failed_units_distribution(int n, double lambda, double mu, int crews) {
  std::vector<double> birth(static_cast<size_t>(n) + 1, 0.0), death(static_cast<size_t>(n) + 1, 0.0);
  for (int j = 0; j <= n; ++j) {
    birth[static_cast<size_t>(j)] = (n - j) * lambda;
    death[static_cast<size_t>(j)] = (crews > 0 ? std::min(j, crews) : j) * mu;
  }
  return birth_death_stationary(birth, death);
}

double k_of_n_availability(int k, int n, double lambda, double mu, int crews) {
  const std::vector<double> pi = failed_units_distribution(n, lambda, mu, crews);
  double up = 0;
  for (int j = 0; j <= n - k; ++j) up += pi[static_cast<size_t>(j)];
  return up;
}

double young_daly_interval(double checkpoint, double mtbf) { return std::sqrt(2.0 * checkpoint * mtbf); }

double checkpoint_waste(double tau, double checkpoint, double restart, double mtbf) {
  return checkpoint / tau + (tau / 2.0 + restart) / mtbf;
}

double simulate_lost_fraction(double tau, double checkpoint, double restart, double mtbf, int failures, uint64_t seed) {
  Rng rng(seed, "availability/checkpoint");
  const double period = tau + checkpoint;
  double wall = 0, useful = 0;
  for (int i = 0; i < failures; ++i) {
    const double gap = -mtbf * std::log1p(-rng.uniform());  // wall time to the next failure
    wall += gap;
    if (gap > restart) useful += std::floor((gap - restart) / period) * tau;  // completed, checkpointed work
  }
  return 1.0 - useful / wall;
}

}  // namespace litesim
