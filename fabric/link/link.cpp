#include "fabric/link/link.h"

#include "core/sim_time.h"

namespace litesim {

Link::Link(sc_core::sc_module_name name, const LinkParams& params, DataRate rate, SimContext& ctx)
    : sc_module(name),
      a_in("a_in"),
      b_out("b_out"),
      b_in("b_in"),
      a_out("a_out"),
      p_(params),
      rate_(rate),
      prop_(params.propagation()),
      ledger_(ctx.ledger),
      account_(ctx.ledger.open(this->name(), "link", Power{0})),
      stats_(ctx.stats.group(this->name())),
      ab_{stats_.counter("bytes_a_to_b", "B", "bytes carried from end a to end b"),
          stats_.counter("messages_a_to_b", "1", "messages carried from end a to end b"),
          stats_.busy("busy_a_to_b", "serialisation time of what crossed a -> b")},
      ba_{stats_.counter("bytes_b_to_a", "B", "bytes carried from end b to end a"),
          stats_.counter("messages_b_to_a", "1", "messages carried from end b to end a"),
          stats_.busy("busy_b_to_a", "serialisation time of what crossed b -> a")} {
  a_in.register_b_transport(this, &Link::a_to_b_transport);
  b_in.register_b_transport(this, &Link::b_to_a_transport);
}

void Link::a_to_b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) { forward(t, d, ab_, b_out); }
void Link::b_to_a_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) { forward(t, d, ba_, a_out); }

void Link::forward(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay, Direction& d,
                   tlm_utils::simple_initiator_socket<Link>& out) {
  const uint64_t len = trans.get_data_length();
  d.bytes.add(static_cast<double>(len));
  d.messages.add();
  d.serialisation.add_duration(transfer_time(len, rate_));
  ledger_.add_bits(account_, static_cast<double>(len) * 8.0);  // a passive fibre: bits, no energy
  delay += to_sc(prop_);
  out->b_transport(trans, delay);
}

}  // namespace litesim
