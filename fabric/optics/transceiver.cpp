#include "fabric/optics/transceiver.h"

namespace litesim {

Transceiver::Transceiver(sc_core::sc_module_name name, int lanes, DataRate lane_rate, const TransceiverTech& tech,
                         SimContext& ctx)
    : sc_module(name),
      lanes_(lanes),
      lane_rate_(lane_rate),
      tech_(tech),
      ledger_(ctx.ledger),
      account_(ledger_.open(this->name(), tech.optical() ? "cpo" : "serdes",
                            Power{lanes * tech.static_power_per_lane().watts})),
      stats_(ctx.stats.group(this->name())),
      sent_(stats_.counter("bits_sent", "bit", "bits serialised onto the link, headers included")),
      received_(stats_.counter("bits_received", "bit", "bits received from the link, headers included")) {}

void Transceiver::transmit(double bits) {
  sent_.add(bits);
  ledger_.add_dynamic(account_, bits * tech_.tx_pj_per_bit());
  ledger_.add_bits(account_, bits);  // a link bit is counted once, at its sending end
}

void Transceiver::receive(double bits) {
  received_.add(bits);
  ledger_.add_dynamic(account_, bits * tech_.rx_pj_per_bit());
}

}  // namespace litesim
