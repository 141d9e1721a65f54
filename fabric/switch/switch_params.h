#pragma once
// Parameters of the two switch kinds a fabric may hold.
//  - An electrical packet switch (EPS) is a vertex of the topology: packets are buffered at its input
//    ports (credit-controlled), routed, and cross it after `latency` (cut-through: from the head's
//    arrival; store-and-forward: from the tail's). Its ports' transceivers are its own optics.
//  - An optical circuit switch (OCS) buffers nothing and routes nothing: a circuit through it is a
//    link (Topology::ocs_units); it adds `insertion_latency` to each circuit and burns static power
//    per port. Reconfiguring its circuits takes `reconfiguration_time`; `schedule` lists the circuit
//    sets it switches to during a run (docs/fabric.md, "Circuit schedule").
#include <string>
#include <vector>

#include "core/params.h"
#include "fabric/optics/cpo_params.h"

namespace litesim {

struct SwitchParams {
  std::string name;
  int radix = 0;                // ports; a topology whose switch has more links is an error
  Time latency;                 // port-to-port pipeline latency
  std::string mode;             // cut_through | store_and_forward
  DataSize buffer_per_port;     // input buffer of one port per virtual channel
  EnergyPerBit energy_per_bit;  // switching energy per bit crossing the switch
  Power static_power;           // whole switch, idle included (port optics excluded)
  DataRate lane_rate;           // line rate of one lane of a switch port
  TransceiverTech transceiver;  // the optics of the switch ports

  bool cut_through() const { return mode == "cut_through"; }
  static const ParamSet<SwitchParams>& schema();
};

// One entry of an OCS circuit schedule: from `at` on, the circuits are those of `topology` (every
// entry keeps the GPUs and switches of fabric.topology and changes only what the OCS units connect).
struct OcsPhase {
  Time at;              // when the OCS starts to switch to these circuits
  ImplConfig topology;  // the topology (kind: ..., as fabric.topology) the circuits then form

  static const ParamSet<OcsPhase>& schema();
};

struct OcsParams {
  std::string name;
  Time insertion_latency;          // added to every circuit through the OCS (beyond the fibre)
  Time reconfiguration_time;       // time to set up a new set of circuits
  Power static_power_per_port;     // mirrors/actuators and control, per port
  std::vector<OcsPhase> schedule;  // later circuit sets, by increasing time; empty: fabric.topology throughout

  static const ParamSet<OcsParams>& schema();
};

}  // namespace litesim
