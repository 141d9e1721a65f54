#pragma once
// Faults injected into a run (issue 10; docs/faults.md, "Fault injection"): `fabric.faults`, a list
// of {target, kind, at, ...}, and `fabric.recovery`, how long the network takes to notice a dead
// link and to route around it. A fault's target names a link of the topology: `link 12` (its id,
// as `litesim topo` lists them), `link gpu3-gpu4` / `link gpu0-switch1` (its two ends), `gpu N` or
// `switch N` (every link of it at once: a dead GPU or switch, as the network sees it), `ocs N` or
// `ocs N port P` (an optical circuit switch unit, or one port: circuit k of a unit takes its ports
// 2k and 2k + 1, in the unit's circuit order as `litesim topo --json` lists them), `hbm gpuN.K`
// (HBM stack K of GPU N: the GPU is taken out, as a `gpu N` fail-stop), `engine gpuN.E` (optical
// engine E of GPU N: its lanes are lost) or `laser gpuN.E.K` (wavelength K of engine E's laser
// source: that wavelength on each of the engine's fibres is lost). A GPU's links take its lanes in
// port order (port 0 the first `lanes`, ...), an engine holds fibres_per_engine x
// wavelengths_per_fibre consecutive lanes, fibre by fibre; a link that loses lanes at either end
// retrains at the lanes left in both directions (a degrade), or dies when none is left. Kinds:
//  - fail-stop: the link is dead from `at` on;
//  - degrade:   from `at` on it runs at `remaining` of its bandwidth (lanes or lasers lost);
//  - flap:      it is dead from `at` for `duration`, then up again.
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/params.h"
#include "core/units.h"
#include "fabric/link/link_params.h"
#include "fabric/optics/cpo_params.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct FaultParams {
  std::string target;      // "link <id>", "link <vertex>-<vertex>", "gpu <N>", "switch <N>", "hbm gpu<N>.<K>",
                           // "engine gpu<N>.<E>" or "laser gpu<N>.<E>.<K>"
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
  ImplConfig policy;        // what the job does then (recovery.h): abort | restart | shrink | spare
  static const ParamSet<RecoveryParams>& schema();
};

// Faults drawn from failure rates with the run's seed (`fabric.fault_draw`), each time an exponential
// of mean (MTBF or MTTR) / acceleration: each link fails and is down for its repair time (a flap);
// each GPU and each switch fails for good (a fail-stop: its repair takes hours, longer than any
// run). A rate of 0 draws no faults of that part. Draws later than 10^6 s are left out.
struct FaultDrawParams {
  double link_mtbf_hours = 0;    // one link's mean time between failures
  double link_mttr_hours = 0;    // and to repair it
  double gpu_mtbf_hours = 0;     // one GPU's (die, HBM and package: whatever takes it out)
  double switch_mtbf_hours = 0;  // one switch's
  double acceleration = 1;       // all divided by this: failures a run of microseconds can see
  static const ParamSet<FaultDrawParams>& schema();
};

// What a fault target may name beyond the topology's links, GPUs and switches: the GPUs' optics
// (engines, lasers) with the lanes each link takes, and the HBM stacks of a package (0: unknown,
// `hbm` targets refused).
struct FaultScope {
  std::vector<CpoParams> gpu_cpo;  // per GPU; a single entry applies to every GPU
  LinkParams link;                 // fabric.link: the lanes of a link without its own
  int hbm_stacks = 0;
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
  int gpu = -1;      // a `gpu N` or `hbm gpuN.K` fault's GPU (its compute stops too when it is a fail-stop), else -1
};

// The faults of `faults` on `topo` as link changes, checked: an unknown link, GPU, switch, stack,
// engine or laser, or ends that no link joins, is a ConfigError at where("fabric.faults[i].target").
// A GPU's or switch's fault is one change per link of it; engine and laser faults are taken in time
// order, each a degrade (lanes left / lanes) or fail-stop of every link whose lanes it removes.
// Without `scope`, `hbm`, `engine` and `laser` targets are refused.
std::vector<LinkFault> resolve_faults(const Topology& topo, const std::vector<FaultParams>& faults,
                                      const std::function<SourceLoc(const std::string&)>& where,
                                      const FaultScope* scope = nullptr);

// Faults drawn with `seed` (the run's) at the rates of `draw`: one flap per link (its first failure
// and its repair), then one fail-stop per GPU, then per switch, each in index order from a random
// stream of its own (so adding GPU rates leaves the links' draws as they were); later than 10^6 s
// left out.
std::vector<LinkFault> draw_faults(const Topology& topo, const FaultDrawParams& draw, uint64_t seed);

// A fault from the command line: "link gpu3-gpu4 fail-stop at 50us", "link 7 degrade 0.5 at 1 ms",
// "link 7 flap 20 us at 1 ms", "laser gpu2.0.3 fail-stop at 10 us". A ConfigError naming `option`
// when it does not parse.
FaultParams parse_fault(const std::string& text, const std::string& option);

const char* fault_kind_name(FaultKind k);

}  // namespace litesim
