#pragma once
// `fabric.backend`, used at both fidelities (packet and flow): how messages are cut into
// packets and how a GPU's on-package network interface buffers and forwards them (GPUs forward for
// each other in direct topologies: rings, tori, meshes).
#include <string>

#include "core/params.h"

namespace litesim {

struct PacketParams {
  DataSize mtu;              // largest payload of one packet
  DataSize header;           // header + trailer bytes added to every packet
  DataSize buffer_per_port;  // a GPU's input buffer per port per virtual channel
  Time forward_latency;      // a GPU forwarding a packet from one port to another
  std::string forward_mode;  // cut_through | store_and_forward
  std::string injection;     // per_pair_fifo | round_robin: how a GPU port serves its messages
  std::string arbitration;   // age | round_robin: how an output port picks the next packet

  static const ParamSet<PacketParams>& schema() {
    static const ParamSet<PacketParams> s(
        "packet", "packets at an MTU with credit-based flow control", [](ParamSet<PacketParams>& p) {
          p.quantity("mtu", &PacketParams::mtu, "largest payload of one packet").positive().fallback("4 KiB");
          p.quantity("header", &PacketParams::header, "header and trailer bytes per packet").fallback("64 B");
          p.quantity("buffer_per_port", &PacketParams::buffer_per_port,
                     "a GPU's input buffer per port per virtual channel")
              .positive()
              .fallback("64 KiB");
          p.quantity("forward_latency", &PacketParams::forward_latency, "a GPU forwarding a packet between ports")
              .non_negative()
              .fallback("100 ns");
          p.choice("forward_mode", &PacketParams::forward_mode, {"cut_through", "store_and_forward"},
                   "a forwarding GPU starts from the head's (cut-through) or the tail's arrival")
              .fallback("cut_through");
          p.choice("injection", &PacketParams::injection, {"per_pair_fifo", "round_robin"},
                   "per_pair_fifo: messages from one GPU to one destination go in order, one after the other (a "
                   "connection/queue pair); round_robin: every message at a port is served packet by packet together")
              .fallback("per_pair_fifo");
          p.choice("arbitration", &PacketParams::arbitration, {"age", "round_robin"},
                   "how an output port picks among the packets waiting for it: age: the one whose message was "
                   "handed to the fabric earliest (ties: forwarded packets, then local injection); round_robin: "
                   "its virtual-channel queues and local injection in turn")
              .fallback("age");
        });
    return s;
  }
};

}  // namespace litesim
