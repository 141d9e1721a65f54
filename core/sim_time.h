#pragma once
// Bridges LiteSim's integer-picosecond Time and SystemC's sc_time. LiteSim keeps SystemC's default
// 1 ps resolution; check_time_resolution() fails loudly if something changed it.
#include <systemc>

#include "core/units.h"

namespace litesim {

inline sc_core::sc_time to_sc(Time t) { return sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(t.ps)); }
inline Time from_sc(const sc_core::sc_time& t) { return Time{static_cast<int64_t>(t.value())}; }
inline Time sim_now() { return from_sc(sc_core::sc_time_stamp()); }
void check_time_resolution();

struct SimContext;
// Runs the elaborated simulation until nothing is left to do. A SystemC error becomes a SimError;
// the first exception a guarded process threw is rethrown with its own type.
void run_to_completion(SimContext& sim);

}  // namespace litesim
