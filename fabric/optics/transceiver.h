#pragma once
// One end of one link: the transceiver lanes a link takes from a package's optics (or a switch
// port's). It books its energy in the ledger: static power for its lanes for the whole run (lasers
// at the wall and idle electronics burn whether or not bits flow), and per bit sent
// (modulator/driver + SerDes/DSP) or received (receiver/TIA + SerDes/DSP). Timing lives in the link
// (fabric/link/link.h), which knows both ends.
#include <string>

#include <systemc>

#include "core/sim_context.h"
#include "fabric/optics/cpo_params.h"

namespace litesim {

class Transceiver : public sc_core::sc_module {
 public:
  Transceiver(sc_core::sc_module_name name, int lanes, DataRate lane_rate, const TransceiverTech& tech,
              SimContext& ctx);

  void transmit(double bits);
  void receive(double bits);

  int lanes() const { return lanes_; }
  DataRate lane_rate() const { return lane_rate_; }
  const TransceiverTech& tech() const { return tech_; }
  EnergyLedger::AccountId account() const { return account_; }
  double bits_sent() const { return sent_.value(); }
  double bits_received() const { return received_.value(); }

 private:
  int lanes_;
  DataRate lane_rate_;
  TransceiverTech tech_;
  EnergyLedger& ledger_;
  EnergyLedger::AccountId account_;
  StatGroup& stats_;
  Counter& sent_;
  Counter& received_;
};

}  // namespace litesim
