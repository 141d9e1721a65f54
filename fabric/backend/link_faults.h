#pragma once
// The fault bookkeeping both fabric backends share (fabric.faults, fabric.recovery; docs/faults.md,
// "Fault injection"): the faults as link changes in time order, each link's state (dead since
// when), when the routing has converged around a dead link (died + detect + reconverge), the
// route a message takes while links are dead (its normal one, black-holed, the shortest detour
// over live links, or none), the FaultReport and the messages lost for good. A backend owns one and
// says what a change does to it (drops what crosses a dead link, re-rates a degraded one); the
// changes are applied as they fall due while the backend has something in flight, and on its next
// send (catch_up()) when it was idle, so a fault never prolongs a run.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <systemc>

#include "core/message.h"
#include "core/sim_context.h"
#include "core/units.h"
#include "fabric/fabric.h"
#include "fabric/fault/fault_params.h"
#include "fabric/routing/router.h"
#include "fabric/topology/topology.h"

namespace litesim {

class LinkFaults {
 public:
  // A change of a link's state at a time: it dies, degrades to a share, or comes back (at `share`,
  // its latest degrade's). The backend is told of a link's first death and its last revival only.
  struct Change {
    Time at;
    int link = 0;
    enum What { Die, Degrade, Revive } what = Die;
    double share = 1;
    size_t fault = 0;  // index in the report's faults
  };

  // What a message does with dead links about: its normal route (it crosses none), black-holed (it
  // crosses one the routing has not yet gone around), the shortest detour over live links, or lost
  // for good (no route left).
  enum class Fate { Normal, BlackHole, Detour, NoRoute };

  // `faults` on `topo` (phase 0's: faults and OCS schedules do not mix). `apply` does a change to
  // the backend (its link's state already changed); `busy` says whether the backend has something
  // in flight. With faults, spawns a SystemC method (call from the backend's constructor) that
  // applies the changes as they fall due while the backend is busy.
  LinkFaults(const Topology& topo, const std::vector<LinkFault>& faults, const RecoveryParams& recovery,
             SimContext& sim, std::function<void(const Change&)> apply, std::function<bool()> busy);
  LinkFaults(const LinkFaults&) = delete;
  LinkFaults& operator=(const LinkFaults&) = delete;

  // Applies the changes due by now (call on a send and before a retransmission).
  void catch_up();
  // Wakes up when the next change falls due, if the backend is busy (call after starting a message).
  void arm();
  // The backend has nothing in flight: no wake-up (it catches up on its next send).
  void idle() { due_.cancel(); }

  bool dead(int link) const { return links_[static_cast<size_t>(link)].deaths > 0; }
  int links_dead() const { return links_dead_; }
  // When the routing has gone around dead link `link`.
  Time converged(int link) const { return links_[static_cast<size_t>(link)].died + detect_ + reconverge_; }

  // The fate of a message from GPU src to GPU dst whose normal route is `steps` (the router's) at
  // `now`. BlackHole: `retry` is when every dead link on it has been gone around; Detour: `steps`
  // becomes the shortest route over live links (breadth first, ports in order, virtual channel 0;
  // GPUs forward only on a topology without switches).
  Fate route(int src, int dst, std::vector<RouteStep>& steps, Time now, Time& retry);

  FaultReport& report() { return report_; }
  const FaultReport& report() const { return report_; }
  // Message `m` is lost for good at `now` (no route left): counted, and listed by lost_report().
  void lost(const MessageInfo& m, Time now);
  // One line per message lost for good, for stuck_report().
  std::string lost_report() const;

 private:
  struct LinkState {
    int deaths = 0;    // deaths lasting now (fail-stops, flaps not yet over)
    double share = 1;  // the latest degrade's share of the bandwidth
    Time died;         // when the current death began
  };
  std::vector<RouteStep> detour(int src, int dst) const;

  const Topology& topo_;
  Time detect_, reconverge_;
  std::vector<Change> changes_;  // by time
  size_t next_ = 0;
  std::vector<LinkState> links_;  // per topology link
  int links_dead_ = 0;
  std::map<std::pair<int, int>, std::vector<RouteStep>> detours_;  // (src, dst) -> route around dead links
  FaultReport report_;
  std::vector<std::string> lost_;
  std::function<void(const Change&)> apply_;
  std::function<bool()> busy_;
  sc_core::sc_event due_;
};

}  // namespace litesim
