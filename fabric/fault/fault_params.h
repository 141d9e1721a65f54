#pragma once
// Faults injected into a run (issue 10; docs/faults.md, "Fault injection"): `fabric.faults`, a list
// of {target, kind, at, ...}, and `fabric.recovery`, how long the network takes to notice a dead
// link and to route around it. A fault's target names a link of the topology: `link 12` (its id,
// as `litesim topo` lists them), `link gpu3-gpu4` / `link gpu0-switch1` (its two ends), `gpu N` or
// `switch N` (every link of it at once: a dead GPU or switch, as the network sees it). Kinds:
//  - fail-stop: the link is dead from `at` on;
//  - degrade:   from `at` on it runs at `remaining` of its bandwidth (lanes or lasers lost);
//  - flap:      it is dead from `at` for `duration`, then up again.
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/params.h"
#include "core/units.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct FaultParams {
  std::string target;      // "link <id>", "link <vertex>-<vertex>", "gpu <N>" or "switch <N>"
  std::string kind;        // fail-stop | degrade | flap
  Time at;                 // when it strikes
  double remaining = 0.5;  // degrade: the share of the link's bandwidth left
  Time duration;           // flap: how long the link is down
  static const ParamSet<FaultParams>& schema();
};

struct RecoveryParams {
  Time detect;              // from a link's death to its ends and the routing knowing
  Time reconverge;          // from then to every route avoiding it
  Time collective_timeout;  // a job waiting on a message lost for good is aborted this long after the loss
  static const ParamSet<RecoveryParams>& schema();
};

// Link faults drawn from a failure rate with the run's seed (`fabric.fault_draw`): each link fails
// after an exponential time of mean mtbf / acceleration and is down for an exponential time of mean
// mttr / acceleration (a flap). Draws later than 10^6 s of simulated time are left out.
struct FaultDrawParams {
  double link_mtbf_hours = 0;  // one link's mean time between failures
  double link_mttr_hours = 0;  // and to repair it
  double acceleration = 1;     // both divided by this: failures a run of microseconds can see
  static const ParamSet<FaultDrawParams>& schema();
};

enum class FaultKind { FailStop, Degrade, Flap };

// A fault resolved against the topology.
struct LinkFault {
  int link = 0;  // TopoEdge::id
  FaultKind kind = FaultKind::FailStop;
  Time at;
  double remaining = 1;
  Time duration;
  std::string text;  // as written, for reports: "link gpu3-gpu4 fail-stop at 50 us"
  int gpu = -1;      // a `gpu N` fault's GPU (its compute stops too when it is a fail-stop), else -1
};

// The faults of `faults` on `topo`, one per link (a GPU's: one per link of it), checked: an unknown
// link or GPU, or ends that no link joins, is a ConfigError at where("fabric.faults[i].target").
std::vector<LinkFault> resolve_faults(const Topology& topo, const std::vector<FaultParams>& faults,
                                      const std::function<SourceLoc(const std::string&)>& where);

// One flap per link of `topo`, drawn with `seed` (the run's): the link's first failure and its
// repair, as `draw` says; in link order, later than 10^6 s left out.
std::vector<LinkFault> draw_link_faults(const Topology& topo, const FaultDrawParams& draw, uint64_t seed);

// A fault from the command line: "link gpu3-gpu4 fail-stop at 50us", "link 7 degrade 0.5 at 1 ms",
// "link 7 flap 20 us at 1 ms". A ConfigError naming `option` when it does not parse.
FaultParams parse_fault(const std::string& text, const std::string& option);

const char* fault_kind_name(FaultKind k);

}  // namespace litesim
