#include "fabric/optics/transceiver.h"

#include <algorithm>

#include "core/sim_time.h"

namespace litesim {

Transceiver::Transceiver(sc_core::sc_module_name name, const TransceiverConfig& cfg, SimContext& ctx)
    : sc_module(name),
      tx_in("tx_in"),
      line_out("line_out"),
      line_in("line_in"),
      rx_out("rx_out"),
      cfg_(cfg),
      ledger_(ctx.ledger),
      account_(ctx.ledger.open(this->name(), "cpo", cfg.static_power)),
      stats_(ctx.stats.group(this->name())),
      sent_(stats_.counter("bytes_sent", "B", "bytes serialised onto the fibre")),
      received_(stats_.counter("bytes_received", "B", "bytes received from the fibre")),
      busy_(stats_.busy("tx_busy", "time the serialiser was busy")) {
  tx_in.register_b_transport(this, &Transceiver::transmit);
  line_in.register_b_transport(this, &Transceiver::receive);
}

void Transceiver::transmit(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // Synchronise: the serialiser is a shared resource, so reservations happen in simulated-time order.
  if (delay != sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  const uint64_t len = trans.get_data_length();
  const Time start = std::max(sim_now(), tx_free_);
  tx_free_ = start + transfer_time(len, cfg_.rate);
  busy_.add(start, tx_free_);
  sc_core::wait(to_sc(tx_free_ - sim_now()));
  const double bits = static_cast<double>(len) * 8.0;
  sent_.add(static_cast<double>(len));
  ledger_.add_dynamic(account_, bits * cfg_.energy_per_bit.pj_per_bit);
  ledger_.add_bits(account_, bits);
  delay = to_sc(cfg_.serdes_latency);
  line_out->b_transport(trans, delay);
}

void Transceiver::receive(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t len = trans.get_data_length();
  const double bits = static_cast<double>(len) * 8.0;
  received_.add(static_cast<double>(len));
  ledger_.add_dynamic(account_, bits * cfg_.energy_per_bit.pj_per_bit);
  ledger_.add_bits(account_, bits);
  delay += to_sc(cfg_.serdes_latency);
  rx_out->b_transport(trans, delay);
}

}  // namespace litesim
