#pragma once
// What every block of one simulation shares, injected through its constructor: the energy ledger,
// the statistics registry and the run seed (for per-block RNG streams). One per simulation, never
// global, so tests and sweeps can build several systems side by side.
#include <cstdint>

#include "core/energy.h"
#include "core/stats.h"

namespace litesim {

struct SimContext {
  EnergyLedger ledger;
  StatRegistry stats;
  uint64_t seed = 1;
};

}  // namespace litesim
