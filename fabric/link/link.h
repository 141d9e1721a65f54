#pragma once
// A point-to-point full-duplex fibre between two transceivers (ends a and b). Passive: it adds the
// time of flight (fibre_length x propagation_delay) and counts what crosses it per direction.
// Its utilisation per direction is the serialisation time of what crossed it over the run.
#include <string>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "core/sim_context.h"
#include "fabric/link/link_params.h"

namespace litesim {

class Link : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Link> a_in;      // from end a's transmitter
  tlm_utils::simple_initiator_socket<Link> b_out;  // to end b's receiver
  tlm_utils::simple_target_socket<Link> b_in;      // from end b's transmitter
  tlm_utils::simple_initiator_socket<Link> a_out;  // to end a's receiver

  // `rate` is the per-direction rate both ends run this link at.
  Link(sc_core::sc_module_name name, const LinkParams& params, DataRate rate, SimContext& ctx);

  struct Direction {
    Counter& bytes;
    Counter& messages;
    BusyTime& serialisation;  // sum of L x 8 / rate over what crossed
  };
  const Direction& a_to_b() const { return ab_; }
  const Direction& b_to_a() const { return ba_; }
  DataRate rate() const { return rate_; }
  Time propagation() const { return prop_; }
  const LinkParams& params() const { return p_; }

 private:
  void a_to_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void b_to_a_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void forward(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay, Direction& d,
               tlm_utils::simple_initiator_socket<Link>& out);

  LinkParams p_;
  DataRate rate_;
  Time prop_;
  EnergyLedger& ledger_;
  EnergyLedger::AccountId account_;
  StatGroup& stats_;
  Direction ab_, ba_;
};

}  // namespace litesim
