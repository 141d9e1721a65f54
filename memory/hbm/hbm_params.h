#pragma once
// Parameters of a package's HBM (all stacks together). This model is bandwidth + latency;
// the bank-level timing model replaces it behind the same TLM target (issue 3).
#include <string>

#include "core/params.h"

namespace litesim {

struct HbmParams {
  std::string name;
  int stacks = 0;
  DataSize capacity;          // all stacks
  DataRate bandwidth;         // peak, all stacks, reads and writes share it
  double efficiency = 1.0;    // achievable fraction of peak for streams
  Time access_latency;        // request to first data, unloaded
  EnergyPerBit read_energy;   // per bit read, device + I/O
  EnergyPerBit write_energy;  // per bit written, device + I/O
  Power static_power;         // background (refresh, idle I/O), all stacks

  DataRate effective_bandwidth() const { return DataRate{bandwidth.bits_per_s * efficiency}; }
  static const ParamSet<HbmParams>& schema();
};

}  // namespace litesim
