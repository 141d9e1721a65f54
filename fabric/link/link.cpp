#include "fabric/link/link.h"

#include <algorithm>

namespace litesim {

Time Link::Direction::serialise(uint64_t wire) const {
  if (wire != last_wire) {
    last_time = duration_of(static_cast<double>(wire) * 8.0, payload_bps);
    last_wire = wire;
  }
  return last_time;
}

Link::Link(sc_core::sc_module_name name, Transceiver& a, Transceiver& b, Time fibre, Time extra, SimContext& ctx)
    : sc_module(name), stats_(ctx.stats.group(this->name())), fibre_(fibre) {
  const int lanes = std::min(a.lanes(), b.lanes());
  const double lane_bps = std::min(a.lane_rate().bits_per_s, b.lane_rate().bits_per_s);
  line_bps_ = lanes * lane_bps;
  auto make = [&](Direction& d, Transceiver& tx, Transceiver& rx, const std::string& tag) {
    d.tx = &tx;
    d.rx = &rx;
    d.payload_bps = line_bps_ * tx.tech().fec_code_rate();
    const Time fec = tx.tech().fec == "none" ? Time{} : tx.tech().fec_latency;
    d.head_latency = tx.tech().serdes_latency + fec + fibre + extra + rx.tech().serdes_latency;
    d.payload_bytes = &stats_.counter("payload_bytes_" + tag, "B", "message bytes carried " + tag);
    d.wire_bytes = &stats_.counter("wire_bytes_" + tag, "B", "bytes on the wire " + tag + " (headers included)");
    d.packets = &stats_.counter("packets_" + tag, "", "packets carried " + tag);
    d.busy = &stats_.busy("busy_" + tag, "serialiser busy " + tag);
  };
  make(ab_, a, b, "a_to_b");
  make(ba_, b, a, "b_to_a");
}

}  // namespace litesim
