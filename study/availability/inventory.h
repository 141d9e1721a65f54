#pragma once
// What can fail in a cluster and what each failure takes down (docs/faults.md). From a resolved
// system: every unit of every part kind (GPU dies, HBM stacks, package optics, switches, links,
// switch-port optics, OCS ports) with its rate, and, for a layout of replicas over the GPUs, the
// replicas each unit's failure takes out of service (its blast radius).
//
// Replica r holds GPUs [r g, (r + 1) g) in rank order (as the study places them); the `spares`
// GPUs after them stand by; any GPUs after those are unused. A replica is down while any of its
// GPUs is down or while its GPUs cannot reach each other. Reachability: through switches, through
// the replica's own GPUs (a GPU-level forward, as NCCL's PXN does) and, in a direct network (one
// with GPU-to-GPU links), through any working GPU (its package routes). A failed unit removes its
// GPU, switch or link; each unit's blast is computed alone, and concurrent failures take down the
// union of their blasts (two failures that only together cut a replica are not modelled).
#include <string>
#include <vector>

#include "study/availability/reliability.h"
#include "traces/system/system_config.h"

namespace litesim {

struct ReplicaLayout {
  int cluster_gpus = 0;  // GPUs in the topology
  int gpus_per_replica = 1;
  int replicas = 0;
  int spares = 0;
  int active() const { return replicas * gpus_per_replica; }
  int replica_of(int gpu) const { return gpu < active() ? gpu / gpus_per_replica : -1; }
};

// One row of the components table: a part kind and one failure's blast radius.
struct PartKind {
  std::string key;   // "gpu_die", "hbm_stack", "gpu_optics", "switch.leaf", "link.up", "switch_optics.up", "ocs_port"
  std::string part;  // its reliability block: gpu_die, hbm_stack, cpo, pluggable, link, switch, ocs_port
  std::string what;  // what a unit is, in words
  int count = 0;
  PartRate rate;         // die_area scaling applied
  std::string note;      // the scaling applied, when any
  bool own_gpu = false;  // a part of one GPU package (a spare can stand in for its GPU)
  // One failure, worst unit of the kind: GPUs failed or cut off from a replica mate, replicas out of
  // service (before any spare joins), their fraction of the replicas; and the mean over the units.
  int gpus = 0, replicas = 0;
  double capacity_fraction = 0, mean_capacity_fraction = 0;
  // First order: the fraction of serving capacity this kind keeps down on average,
  // sum over units of (unit unavailability x replicas it downs) / replicas.
  double capacity_lost = 0;
};

struct Unit {
  int kind = 0;          // index into Inventory::kinds
  int gpu = -1;          // the GPU it is part of (package parts), else -1
  std::vector<int> cut;  // replicas it takes down besides its own GPU's (sorted)
  int gpus_lost = 0;
};

struct Inventory {
  ReplicaLayout layout;
  std::vector<PartKind> kinds;
  std::vector<Unit> units;
  bool direct = false;  // GPUs route for each other (the topology has GPU-to-GPU links)
  // Replicas unit u takes down: its GPU's replica (if any) and its cut ones.
  std::vector<int> replicas_down(const Unit& u) const;
};

// The units of `rs` with `rel`'s rates and their blast for `layout` (replicas, spares; its
// cluster_gpus is filled in). Throws ConfigError when a replica's GPUs cannot reach each other
// with nothing failed, or the layout does not fit the system.
Inventory build_inventory(const ResolvedSystem& rs, const ReliabilityParams& rel, ReplicaLayout layout);

}  // namespace litesim
