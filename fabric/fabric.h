#pragma once
// The one interface GPUs, collectives and the trace runner see of the network. Backends register
// by name in category "fabric-backend" and are chosen by `fabric.fidelity`: `packet` (messages cut
// into packets hop by hop, fabric/backend/packet_fabric.cpp) or `flow` (a message is one flow,
// links shared max-min fair, fabric/backend/flow_fabric.cpp). Both take their packetisation and
// flow-control parameters from `fabric.backend`, and whatever the backend, statistics and energy go
// through the same hardware, ledger and reports.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/message.h"
#include "core/params.h"
#include "core/registry.h"
#include "core/sim_context.h"
#include "fabric/backend/packet_params.h"
#include "fabric/collective/collective_params.h"
#include "fabric/fault/fault_params.h"
#include "fabric/link/link_budget.h"
#include "fabric/link/link_params.h"
#include "fabric/optics/cpo_params.h"
#include "fabric/routing/router.h"
#include "fabric/switch/switch_params.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct FabricParams {
  std::string fidelity;  // the fabric-backend: packet | flow
  PacketParams backend;  // packetisation and flow control (both fidelities)
  ImplConfig topology;   // topology
  ImplConfig routing;    // router
  LinkParams link;
  std::optional<SwitchParams> eps;            // `switch`: required when the topology has switches
  std::optional<OcsParams> ocs;               // required when the topology has OCS units
  CollectiveParams collective;                // how collectives run by default (algorithms, chunk, ...)
  std::vector<FaultParams> faults;            // injected into the run (docs/faults.md); empty: none
  RecoveryParams recovery;                    // detection and rerouting of a dead link
  std::optional<FaultDrawParams> fault_draw;  // link faults drawn from a rate with the run's seed
  static const ParamSet<FabricParams>& schema();
};

// The checks of `switch` and `ocs` against the topology, for every consumer of a fabric config
// (the packet backend, `litesim topo`): a topology with electrical packet switches needs
// `fabric.switch`, and no switch may have more links than `fabric.switch.radix`; one with OCS
// units needs `fabric.ocs`. Throws ConfigError naming the key, at where(key), or at the nearest
// enclosing section that `where` locates when the key itself is absent.
void check_switches(const Topology& t, const FabricParams& p,
                    const std::function<SourceLoc(const std::string&)>& where);

// One circuit set of the fabric: its topology and router from `at` on. Phase 0 is fabric.topology
// from time 0; an OCS schedule (fabric.ocs.schedule) adds the others, each with the same GPUs and
// switches and the same fixed links, differing only in the circuits of the OCS units.
struct FabricPhase {
  Time at;
  const Topology* topology = nullptr;
  const Router* router = nullptr;
};

// Everything a backend is built from. cpo[g] is GPU g's package optics (packages may differ).
struct FabricContext {
  const Topology& topology;  // phase 0's
  const Router& router;      // phase 0's
  std::vector<CpoParams> cpo;
  const FabricParams& params;
  SimContext& sim;
  std::vector<FabricPhase> phases;  // phase 0 first; more only with an OCS schedule
  std::vector<LinkFault> faults;    // fabric.faults resolved on phase 0's topology

  // The optics at vertex v's end of its links: the GPU's package optics or the switch ports'.
  LinkEnd end_optics(int v) const { return vertex_optics(topology, v, cpo, params.eps); }
};

// One row of links.csv / summary.json links[].
struct LinkReport {
  int id = 0;
  std::string name;
  int end_a = 0, end_b = 0;  // vertex numbers (GPU rank for GPUs; switches follow the GPUs)
  double rate_Gbps = 0;      // per direction
  uint64_t bytes_ab = 0, bytes_ba = 0;
  uint64_t messages = 0;  // PACKETS (not messages) that crossed it, both directions (docs/outputs.md)
  double utilization_ab = 0, utilization_ba = 0;
  double energy_pJ = 0;  // both transceivers of the link (the fibre itself is passive)
};

// One direction of one link over time: its serialiser's busy picoseconds per window (the time
// resolution of LinkReport's utilisation: the windows add up to utilisation x end).
struct LinkActivity {
  int link = 0;                          // LinkReport::id
  std::string name;                      // "link<id>" ("phase<k>_link<id>" in OCS schedule phase k)
  int from = 0, to = 0;                  // vertex numbers of the sending and receiving ends
  std::string from_name, to_name;        // their names: "gpu3", "switch1"
  const WindowedSum* busy_ps = nullptr;  // owned by the fabric
};

// What the faults of a run did (fabric.faults; docs/faults.md).
struct FaultEvent {
  std::string text;  // the fault as configured
  int link = 0;
  Time at, detected, rerouted;  // when it struck, was detected, and routes avoided the link
  int dead_gpu = -1;            // a `gpu N` fail-stop's GPU: its compute stops at `at` too
};
struct FaultReport {
  std::vector<FaultEvent> faults;
  uint64_t messages_dropped = 0;  // message copies lost with a dead link (each retransmitted if a route remains)
  uint64_t retransmissions = 0;
  uint64_t messages_lost = 0;  // dropped with no route left: never delivered
  Time first_lost{-1};         // when the first of them was given up (-1: none)
};

class Fabric {
 public:
  // Called when the message's last byte has reached its destination, inside the fabric's event
  // method: it must not wait(). What the destination does next (its DMA writing the payload into
  // HBM) is the caller's, in a process of its own (the trace runner's on_arrival).
  using DeliveredCallback = std::function<void(const MessageInfo&)>;

  virtual ~Fabric() = default;
  // Starts a message; returns at once. May be called from any SystemC process.
  virtual void send(const MessageInfo& msg, DeliveredCallback done) = 0;

  // Every byte handed to the fabric, a retransmission again; delivered; lost with a dead link.
  virtual uint64_t bytes_injected() const = 0;
  virtual uint64_t bytes_delivered() const = 0;
  virtual uint64_t bytes_dropped() const { return 0; }
  virtual FaultReport fault_report() const { return {}; }
  virtual uint64_t messages_in_flight() const = 0;
  // Network latency of delivered messages: injection to arrival at the destination, in ns.
  virtual const Histogram& latency_ns() const = 0;
  virtual std::vector<LinkReport> link_reports(Time end) const = 0;
  // Per link direction, in link id order, a -> b before b -> a; empty for a backend that keeps none.
  virtual std::vector<LinkActivity> link_activity() const { return {}; }
  // What is waiting where, for a run that ended with messages in flight (a deadlock); empty if nothing.
  virtual std::string stuck_report() const { return ""; }
};

using FabricRegistry = Registry<Fabric, const FabricContext&>;

// At the end of a run: every byte injected was delivered or dropped (a dead link's) and nothing is
// left in flight; a SimError naming the counts otherwise.
inline void check_conservation(const Fabric& f) {
  if (f.bytes_injected() != f.bytes_delivered() + f.bytes_dropped() || f.messages_in_flight() != 0)
    throw SimError("conservation violated: " + std::to_string(f.bytes_injected()) + " B injected, " +
                   std::to_string(f.bytes_delivered()) + " B delivered, " + std::to_string(f.bytes_dropped()) +
                   " B dropped");
}

}  // namespace litesim
