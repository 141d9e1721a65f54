#pragma once
// Closed forms of the availability model (docs/faults.md): one repairable unit, a birth-death
// Markov chain solved exactly for its stationary distribution, k-of-n with repair, and the
// Young/Daly checkpoint interval with the lost time it leaves, in closed form and simulated.
#include <cstdint>
#include <vector>

namespace litesim {

// Steady-state availability of one unit failing at `lambda` and repaired at `mu` (per hour):
// mu / (lambda + mu), the long-run fraction of time it is up (MTBF / (MTBF + MTTR)).
double unit_availability(double lambda, double mu);

// The stationary distribution pi[0..n] of a birth-death chain on 0..n with rate birth[j] from j to
// j+1 (j < n) and death[j] from j to j-1 (j >= 1; death[0] unused): pi[j+1] = pi[j] birth[j] /
// death[j+1], normalised. Every death[j >= 1] must be positive.
std::vector<double> birth_death_stationary(const std::vector<double>& birth, const std::vector<double>& death);

// The number of failed units among n identical independent units (failure `lambda`, repair `mu`
// each) in steady state, as the birth-death chain with birth (n - j) lambda and death
// min(j, crews) mu (crews: repairs at once; 0 = every failed unit under repair).
std::vector<double> failed_units_distribution(int n, double lambda, double mu, int crews = 0);

// k-of-n with repair: the steady-state probability that at least k of the n units are up.
double k_of_n_availability(int k, int n, double lambda, double mu, int crews = 0);

// Young/Daly (Young 1974; Daly 2006, first order): the checkpoint interval that minimises lost
// time, sqrt(2 C M), for checkpoint cost C and job MTBF M (same unit), and the fraction of wall time
// lost at interval tau with restart time R: C / tau (checkpoints) + (tau / 2 + R) / M (half an
// interval of work and a restart per failure). Valid while tau + C + R << M.
double young_daly_interval(double checkpoint, double mtbf);
double checkpoint_waste(double tau, double checkpoint, double restart, double mtbf);

// Simulated: a job checkpointing after every `tau` of work (cost `checkpoint`), failures a Poisson
// process of mean gap `mtbf` in wall time, each failure losing the work since the last completed
// checkpoint and costing `restart` (a failure during a restart starts it again). Over `failures`
// gaps drawn from `seed` (the same gaps for every tau: common random numbers), the fraction of wall
// time that is not useful work.
double simulate_lost_fraction(double tau, double checkpoint, double restart, double mtbf, int failures, uint64_t seed);

}  // namespace litesim
