#include "core/sim_time.h"

#include <stdexcept>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_context.h"

namespace litesim {

void check_time_resolution() {
  if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
    throw std::logic_error("LiteSim needs SystemC's time resolution to be 1 ps");
}

void run_to_completion(SimContext& sim) {
  // sc_stop() after a failed process is ours; its informational report would only be noise
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  try {
    sc_core::sc_start();
  } catch (const sc_core::sc_report& e) {
    throw SimError(fmt::format("SystemC: {}", e.what()));
  }
  if (sim.error) std::rethrow_exception(sim.error);
}

}  // namespace litesim
