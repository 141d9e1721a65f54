#include "fabric/link/link.h"

#include "core/sim_time.h"

namespace litesim {

Link::Link(sc_core::sc_module_name name, const LinkParams& params, DataRate rate, EnergyLedger& ledger)
    : sc_module(name),
      a_in("a_in"),
      b_out("b_out"),
      b_in("b_in"),
      a_out("a_out"),
      p_(params),
      rate_(rate),
      prop_(params.propagation()),
      ledger_(ledger),
      account_(ledger.open(this->name(), "link", Power{0})) {
  a_in.register_b_transport(this, &Link::a_to_b_transport);
  b_in.register_b_transport(this, &Link::b_to_a_transport);
}

void Link::a_to_b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) { forward(t, d, ab_, b_out); }
void Link::b_to_a_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) { forward(t, d, ba_, a_out); }

void Link::forward(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay, Direction& d,
                   tlm_utils::simple_initiator_socket<Link>& out) {
  const uint64_t len = trans.get_data_length();
  d.bytes += len;
  d.messages += 1;
  d.serialisation = d.serialisation + transfer_time(len, rate_);
  ledger_.add_bits(account_, static_cast<double>(len) * 8.0);  // a passive fibre: bits, no energy
  delay += to_sc(prop_);
  out->b_transport(trans, delay);
}

}  // namespace litesim
