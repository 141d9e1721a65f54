#include "memory/hbm/hbm_controller.h"

#include <algorithm>

#include "core/sim_time.h"

namespace litesim {

HbmController::HbmController(sc_core::sc_module_name name, const HbmParams& params, SimContext& ctx)
    : sc_module(name),
      tsock("tsock"),
      p_(params),
      ledger_(ctx.ledger),
      account_(ctx.ledger.open(this->name(), "hbm", params.static_power)),
      effective_(params.effective_bandwidth()),
      stats_(ctx.stats.group(this->name())),
      bytes_read_(stats_.counter("bytes_read", "B", "bytes read")),
      bytes_written_(stats_.counter("bytes_written", "B", "bytes written")),
      requests_(stats_.counter("requests", "1", "requests served")),
      busy_(stats_.busy("data_pipe", "time the data pipe was transferring")),
      latency_ns_(stats_.histogram("latency", "ns", "arrival to data complete, per request")),
      peq_(this, &HbmController::peq_cb) {
  tsock.register_b_transport(this, &HbmController::b_transport);
  tsock.register_nb_transport_fw(this, &HbmController::nb_transport_fw);
}

Time HbmController::serve(tlm::tlm_generic_payload& trans, Time arrival) {
  const uint64_t len = trans.get_data_length();
  const uint64_t addr = trans.get_address();
  const auto cmd = trans.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return arrival;
  }
  if (len == 0 || addr >= p_.capacity.bytes || len > p_.capacity.bytes - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return arrival;
  }
  const Time start = std::max(arrival, pipe_free_);
  pipe_free_ = start + transfer_time(len, effective_);
  busy_.add(start, pipe_free_);
  traffic_.add(start, pipe_free_, len);
  const Time done = pipe_free_ + p_.access_latency;
  const double bits = static_cast<double>(len) * 8.0;
  if (cmd == tlm::TLM_READ_COMMAND) {
    bytes_read_.add(static_cast<double>(len));
    ledger_.add_dynamic(account_, bits * p_.read_energy.pj_per_bit);
  } else {
    bytes_written_.add(static_cast<double>(len));
    ledger_.add_dynamic(account_, bits * p_.write_energy.pj_per_bit);
  }
  ledger_.add_bits(account_, bits);
  requests_.add();
  latency_ns_.add((done - arrival).ns());
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return done;
}

void HbmController::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const Time arrival = sim_now() + from_sc(delay);
  const Time done = serve(trans, arrival);
  delay = to_sc(done - sim_now());
}

tlm::tlm_sync_enum HbmController::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                                  sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    const Time arrival = sim_now() + from_sc(delay);
    const Time done = serve(trans, arrival);
    peq_.notify(trans, tlm::BEGIN_RESP, to_sc(done - sim_now()));
    phase = tlm::END_REQ;
    delay = sc_core::SC_ZERO_TIME;
    return tlm::TLM_UPDATED;
  }
  // END_RESP: the initiator took the response; nothing is held for it.
  return tlm::TLM_COMPLETED;
}

namespace {
const bool registered = [] {
  HbmRegistry::instance().add("hbm-model", "simple", "one pipe at bandwidth x efficiency plus a fixed access latency",
                              &HbmParams::schema(), [](const ConfigPtr& params, const char* name, SimContext& ctx) {
                                return std::unique_ptr<Hbm>(new HbmController(name, HbmParams::schema().resolve(params, "", {}), ctx));
                              });
  register_hbm_facts("simple", [](const ConfigPtr& params) {
    const HbmParams p = HbmParams::schema().resolve(params, "", {});
    return HbmFacts{p.capacity.bytes, p.bandwidth.bytes_per_s()};
  });
  return true;
}();
}  // namespace

void HbmController::peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  tlm::tlm_phase ph = phase;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  tsock->nb_transport_bw(trans, ph, t);  // TLM_COMPLETED or TLM_ACCEPTED (END_RESP follows)
}

}  // namespace litesim
