#pragma once
// Parameters of a package's HBM in the cycle-approximate model: the stacks, their memspec and the
// controller in front of each pseudo-channel.
#include <string>

#include "core/params.h"
#include "memory/hbm/dram/controller_params.h"
#include "memory/hbm/dram/memspec.h"

namespace litesim {

struct DramParams {
  std::string name;
  int stacks = 0;
  MemSpec memspec;
  ControllerParams controller;
  uint64_t capacity() const { return memspec.stack_bytes() * static_cast<uint64_t>(stacks); }
  DataRate peak() const { return DataRate{memspec.peak_per_stack().bits_per_s * stacks}; }
  static const ParamSet<DramParams>& schema();
};

// Checks what the schema cannot: the memspec's relations, the controller's, and that the mapping
// decodes this organisation. Throws ConfigError at `where` (key paths relative to the HBM section).
void check_dram(const DramParams& p, const SourceLoc& where);

}  // namespace litesim
