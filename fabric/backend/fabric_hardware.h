#pragma once
// The hardware every fabric backend moves bytes over, built once from a FabricContext: the
// forwarding vertices (GPU network interfaces and switches, with their latency and energy accounts),
// the transceivers at each (vertex, port), and per circuit-set phase the links and the two ports of
// each (one direction each). A backend adds its own state per port (the packet backend: queues and
// credits; the flow backend: the flows crossing it) and books what it moves through book(), so both
// fidelities fill the same counters, energy ledger, link reports and link activity.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/sim_context.h"
#include "fabric/backend/packet_params.h"
#include "fabric/fabric.h"
#include "fabric/link/link.h"
#include "fabric/optics/transceiver.h"

namespace litesim {

// A switch or GPU as a forwarder.
struct HwNode {
  bool gpu = true;
  Time latency;             // forwarding latency (head or tail arrival to ready to send)
  bool cut_through = true;  // else store-and-forward
  double pj_per_bit = 0;    // switch energy per bit sent out of it
  EnergyLedger::AccountId account = 0;
  bool has_account = false;  // switches only
};

// One direction of one link, at its sending vertex.
struct HwPort {
  Link::Direction* dir = nullptr;
  int vertex = 0, port = 0, peer_vertex = 0, peer_port = 0;
  int64_t buffer = 0;   // the peer's input buffer per virtual channel, in bytes
  WindowedSum busy_ps;  // the serialiser's busy time over time (timeline.json)
};

// The counters every backend keeps in its stat group (the same names at every fidelity).
struct FabricCounters {
  explicit FabricCounters(StatGroup& g)
      : injected(g.counter("bytes_injected", "B", "message bytes handed to the fabric")),
        delivered(g.counter("bytes_delivered", "B", "message bytes delivered to their destination")),
        packets(g.counter("packets", "", "packets injected")),
        latency(g.histogram("latency", "ns", "message injection to arrival of its last byte")) {}
  Counter& injected;
  Counter& delivered;
  Counter& packets;
  Histogram& latency;
};

// One circuit set: its topology, router, ports [vertex][port] and links (index = link id).
struct HwPhase {
  Time at;
  const Topology* topo = nullptr;
  const Router* router = nullptr;
  std::vector<std::vector<HwPort>> ports;
  std::vector<std::unique_ptr<Link>> links;
};

class FabricHardware {
 public:
  // `owner` names the energy accounts ("<owner>.switch3") and must be a SystemC hierarchical name
  // scope in which the links and transceivers are created (call from the backend's constructor).
  // Throws ConfigError when a buffer cannot hold one packet of mtu + header.
  FabricHardware(const std::string& owner, const PacketParams& pp, const FabricContext& ctx);
  FabricHardware(const FabricHardware&) = delete;
  FabricHardware& operator=(const FabricHardware&) = delete;

  const HwNode& node(int v) const { return nodes_[static_cast<size_t>(v)]; }
  std::vector<HwPhase>& phases() { return phases_; }
  const std::vector<HwPhase>& phases() const { return phases_; }
  std::string vertex_name(int v) const;

  // `packets` packets carrying `payload` message bytes in `wire` bytes leave through `o`: counters
  // and the energy of the transceivers and (at a switch) of the switch.
  void book_traffic(HwPort& o, uint64_t payload, uint64_t wire, uint64_t packets);
  // `o`'s serialiser was busy for `busy` of [start, end): busy time and activity windows.
  void book_busy(HwPort& o, Time start, Time end, Time busy) {
    o.dir->busy->add_duration(busy);
    if (time_resolved_) o.busy_ps.add(start, end, static_cast<uint64_t>(busy.ps));
  }

  // Every phase's links; a later phase's link ids follow the earlier phases'. The transceivers at a
  // (vertex, port) serve that port's circuit in every phase, so links of different phases may
  // report the same transceivers' energy: the ledger, not a sum over links, holds the total.
  std::vector<LinkReport> link_reports(Time end) const;
  // Empty when the simulation keeps no time-resolved records (SimContext::time_resolved).
  std::vector<LinkActivity> link_activity() const;

 private:
  bool time_resolved_;
  void build_phase(const FabricContext& ctx, size_t k);
  Transceiver* port_transceiver(const FabricContext& ctx, int v, int port, int lanes);

  const PacketParams pp_;
  const Topology& topo_;  // phase 0's (GPUs and switches are the same in every phase)
  SimContext& sim_;
  std::vector<HwNode> nodes_;
  std::vector<HwPhase> phases_;
  std::vector<std::unique_ptr<Transceiver>> xcvrs_;
  std::map<std::pair<int, int>, Transceiver*> port_xcvr_;  // (vertex, port) -> its transceiver
};

// Registers backend B (constructed as B("fabric", fabric.backend, ctx)) as fabric.fidelity `name`.
// Its parameters are fabric.backend's, shared by every fidelity, so the entry has no schema of its own.
template <class B>
bool register_fabric_backend(const char* name, const char* doc) {
  FabricRegistry::instance().add("fabric-backend", name, doc, nullptr, [](const ConfigPtr&, const FabricContext& ctx) {
    return std::unique_ptr<Fabric>(new B("fabric", ctx.params.backend, ctx));
  });
  return true;
}

// A message's flow hash for multipath routers (the same in every backend, so an ECMP route is the
// same at either fidelity).
inline uint64_t message_flow_hash(const MessageInfo& m) {
  return splitmix64(splitmix64(m.id) ^ (static_cast<uint64_t>(m.src) << 32 | static_cast<uint32_t>(m.dst)));
}

}  // namespace litesim
