#pragma once
// The availability model simulated (docs/faults.md): every unit of an Inventory alternates up
// (exponential, mean MTBF) and down (exponential, mean MTTR) independently over the cluster's
// lifetime, starting in its steady state (down with probability MTTR / (MTBF + MTTR)), so the
// lifetime mean estimates the steady-state availability the closed forms give. A replica is out
// of service while a unit whose blast covers it is down, or while it misses a GPU. Spares: when a
// replica's GPU fails (its die, HBM or optics) an up spare takes its place at once and the failed
// GPU, once repaired, joins the spares; with no up spare the replica waits, and the first spare
// repaired goes to the waiting replica missing the fewest GPUs (ties: the lowest numbered).
// Seeded and deterministic: run i draws from its own stream of the seed.
#include <cstdint>
#include <vector>

#include "study/availability/inventory.h"

namespace litesim {

struct McOptions {
  int runs = 1000;   // lifetimes simulated
  double years = 4;  // one lifetime
  uint64_t seed = 1;
};

struct McResult {
  int runs = 0;
  double mean = 0;                      // mean over runs of the time-averaged fraction of serving capacity
  double sd = 0;                        // its standard deviation over runs
  double half_width = 0;                // 95% confidence half-width of the mean: 1.96 sd / sqrt(runs)
  double full_capacity_time = 0;        // mean fraction of time with every replica up
  double min_capacity = 1;              // the fewest replicas up at any moment of any run, as a fraction
  double replica_outages_per_year = 0;  // a replica going out of service
  double failures_per_year = 0;         // unit failures
  std::vector<double> by_year;          // mean fraction of serving capacity in each year of life (last may be partial)
};

McResult simulate_availability(const Inventory& inv, const McOptions& o);

}  // namespace litesim
