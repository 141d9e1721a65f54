#include "core/sim_time.h"

#include <stdexcept>

namespace litesim {

void check_time_resolution() {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    throw std::logic_error("LiteSim needs SystemC's time resolution to be 1 ps");
}

}  // namespace litesim
