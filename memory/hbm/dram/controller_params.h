#pragma once
// Controller knobs of the HBM model: queues, scheduling, page policy, refresh, address mapping,
// and the fidelity knob. These are design choices, not properties of the DRAM.
#include <string>

#include "core/params.h"

namespace litesim {

struct ControllerParams {
  int read_queue = 0;          // bursts per pseudo-channel
  int write_queue = 0;         // bursts per pseudo-channel
  double write_high = 0;       // start draining writes at this fill of the write queue (fraction)
  double write_low = 0;        // stop draining at this fill
  int write_max_age = 0;       // also drain once the oldest write has waited this many cycles
  std::string page_policy;     // open | closed | adaptive
  int page_timeout = 0;        // adaptive: close a row idle this many cycles with no queued hit
  std::string refresh;         // all-bank | per-bank
  std::string mapping;         // e.g. Ro-Ba-Bg-Co-Pc-Ch (see address_mapping.h)
  int request_buffer = 0;      // TLM transactions accepted and not yet answered (back-pressure)
  int lookahead = 0;           // fidelity: cycles a pseudo-channel may run ahead of SystemC time
  static const ParamSet<ControllerParams>& schema();
};

// Checks relations between fields (write_low < write_high); throws ConfigError.
void check_controller(const ControllerParams& c, const SourceLoc& where, const std::string& path);

// Loads a controller preset (configs/controller/NAME.yaml under `configs_dir`).
ControllerParams load_controller(const std::string& configs_dir, const std::string& name);

}  // namespace litesim
