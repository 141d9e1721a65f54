#pragma once
// A full-duplex link between two transceivers (ends a and b). Each direction is a serialiser at
// the sending end's payload rate, and a pipe whose head latency is
//   tx SerDes + FEC (if the sender encodes) + fibre time of flight + OCS insertion (if a circuit)
//   + rx SerDes.
// A packet of W wire bytes occupies the serialiser for W x 8 / payload_rate, where payload_rate =
// lanes x lane rate (the slower end's) x the sender's FEC code rate; its tail arrives that long after
// its head. Credits for the receiver's buffers travel back with the same latency (the reverse
// direction's control symbols; their bandwidth is not modelled). docs/fabric.md has the equations.
#include <cstdint>
#include <string>

#include <systemc>

#include "core/sim_context.h"
#include "fabric/optics/transceiver.h"

namespace litesim {

class Link : public sc_core::sc_module {
 public:
  struct Direction {
    Transceiver* tx = nullptr;
    Transceiver* rx = nullptr;
    double payload_bps = 0;
    Time head_latency;
    Counter* payload_bytes = nullptr;
    Counter* wire_bytes = nullptr;
    Counter* packets = nullptr;
    BusyTime* busy = nullptr;
    // Serialisation time of W wire bytes (the last size asked is remembered: most packets are full).
    Time serialise(uint64_t wire_bytes) const;
    mutable uint64_t last_wire = UINT64_MAX;
    mutable Time last_time;
  };

  // `extra` is latency added in the fibre path (an OCS), `fibre` the time of flight.
  Link(sc_core::sc_module_name name, Transceiver& a, Transceiver& b, Time fibre, Time extra, SimContext& ctx);

  Direction& a_to_b() { return ab_; }
  Direction& b_to_a() { return ba_; }
  const Direction& a_to_b() const { return ab_; }
  const Direction& b_to_a() const { return ba_; }
  double line_bps() const { return line_bps_; }
  Time fibre() const { return fibre_; }

 private:
  StatGroup& stats_;
  Time fibre_;
  double line_bps_ = 0;
  Direction ab_, ba_;
};

}  // namespace litesim
