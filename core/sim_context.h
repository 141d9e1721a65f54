#pragma once
// What every block of one simulation shares, injected through its constructor: the energy ledger,
// the statistics registry and the run seed (for per-block RNG streams). One per simulation, never
// global, so tests and sweeps can build several systems side by side.
#include <cstdint>
#include <exception>

#include <systemc>

#include "core/energy.h"
#include "core/stats.h"

namespace litesim {

struct SimContext {
  EnergyLedger ledger;
  StatRegistry stats;
  uint64_t seed = 1;
  // Whether blocks keep time-resolved records (the activity windows behind timeline.json). A run
  // that reports no timeline (the collective testbench) turns them off: 16 KiB per link direction.
  bool time_resolved = true;
  // The first exception that escaped a process body wrapped with guard(); the simulation stops
  // and simulate() rethrows it with its own type (SystemC would otherwise wrap it in an sc_report).
  std::exception_ptr error;

  template <class F>
  auto guard(F body) {
    return [this, body]() {
      try {
        body();
      } catch (const sc_core::sc_unwind_exception&) {
        throw;  // SystemC's own process kill/reset: must propagate
      } catch (...) {
        if (!error) error = std::current_exception();
        sc_core::sc_stop();
      }
    };
  }
};

}  // namespace litesim
