#pragma once
// Parameters of the two switch kinds a fabric may hold.
//  - An electrical packet switch (EPS) is a vertex of the topology: packets are buffered at its input
//    ports (credit-controlled), routed, and cross it after `latency` (cut-through: from the head's
//    arrival; store-and-forward: from the tail's). Its ports' transceivers are its own optics.
//  - An optical circuit switch (OCS) buffers nothing and routes nothing: a circuit through it is a
//    link (Topology::ocs_units); it adds `insertion_latency` to each circuit and burns static power
//    per port. Reconfiguring its circuits takes `reconfiguration_time`.
#include <string>

#include "core/params.h"
#include "fabric/optics/cpo_params.h"

namespace litesim {

struct SwitchParams {
  std::string name;
  int radix = 0;                    // ports; a topology whose switch has more links is an error
  Time latency;                     // port-to-port pipeline latency
  std::string mode;                 // cut_through | store_and_forward
  DataSize buffer_per_port;         // input buffer of one port per virtual channel
  EnergyPerBit energy_per_bit;      // switching energy per bit crossing the switch
  Power static_power;               // whole switch, idle included (port optics excluded)
  DataRate lane_rate;               // line rate of one lane of a switch port
  TransceiverTech transceiver;      // the optics of the switch ports

  bool cut_through() const { return mode == "cut_through"; }
  static const ParamSet<SwitchParams>& schema();
};

struct OcsParams {
  std::string name;
  Time insertion_latency;       // added to every circuit through the OCS (beyond the fibre)
  Time reconfiguration_time;    // time to set up a new set of circuits
  Power static_power_per_port;  // mirrors/actuators and control, per port

  static const ParamSet<OcsParams>& schema();
};

}  // namespace litesim
