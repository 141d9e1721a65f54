#include <stdexcept>

#include "memory/hbm/dram_params.h"
#include "memory/hbm/hbm.h"
#include "memory/hbm/hbm_params.h"

namespace litesim {

HbmFacts hbm_facts(const ImplConfig& c) {
  if (c.kind == "simple") {
    const HbmParams p = HbmParams::schema().resolve(c.params, "", {});
    return HbmFacts{p.capacity.bytes, p.bandwidth.bytes_per_s()};
  }
  if (c.kind == "dram") {
    const DramParams p = DramParams::schema().resolve(c.params, "", {});
    return HbmFacts{p.capacity(), p.peak().bytes_per_s()};
  }
  throw std::invalid_argument("hbm_facts: unknown HBM kind '" + c.kind + "'");
}

}  // namespace litesim
