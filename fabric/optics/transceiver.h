#pragma once
// One co-packaged-optics transceiver: the package end of one optical link.
//
// Send side (tx_in -> line_out): a message of L bytes waits for the serialiser, occupies it for
// L x 8 / rate (rate = lanes x lane_rate of the link), then leaves after serdes_latency.
// Receive side (line_in -> rx_out): adds serdes_latency. Each crossing books L x 8 x energy_per_bit;
// lasers and idle electronics burn static power for the whole run.
// Messages are serialised whole (store-and-forward per hop); MTU packetisation and FEC come with
// the packet fabric issue.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "core/sim_context.h"
#include "fabric/optics/cpo_params.h"

namespace litesim {

// What one transceiver instance runs at, resolved by the fabric builder from both ends' CpoParams.
struct TransceiverConfig {
  int lanes = 0;
  DataRate rate;  // lanes x lane rate (the slower end's lane rate)
  Time serdes_latency;
  EnergyPerBit energy_per_bit;
  Power static_power;
};

class Transceiver : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Transceiver> tx_in;        // from the local network interface
  tlm_utils::simple_initiator_socket<Transceiver> line_out;  // into the fibre
  tlm_utils::simple_target_socket<Transceiver> line_in;      // out of the fibre
  tlm_utils::simple_initiator_socket<Transceiver> rx_out;    // to the local network interface

  Transceiver(sc_core::sc_module_name name, const TransceiverConfig& cfg, SimContext& ctx);

  const TransceiverConfig& config() const { return cfg_; }
  EnergyLedger::AccountId account() const { return account_; }
  uint64_t bytes_sent() const { return static_cast<uint64_t>(sent_.value()); }
  uint64_t bytes_received() const { return static_cast<uint64_t>(received_.value()); }
  const BusyTime& tx_busy() const { return busy_; }

 private:
  void transmit(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void receive(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  TransceiverConfig cfg_;
  EnergyLedger& ledger_;
  EnergyLedger::AccountId account_;
  Time tx_free_{};
  StatGroup& stats_;
  Counter& sent_;
  Counter& received_;
  BusyTime& busy_;
};

}  // namespace litesim
