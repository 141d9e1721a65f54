#pragma once
// Graph properties of a topology, for `litesim topo` and the design-space tables: counts, hop
// distances, bisection bandwidth, optical lanes and static optical power. Computed from the graph
// and each link's LinkBudget alone (no simulation).
//
// Conventions:
//  - hops are links on a shortest GPU-to-GPU path (a GPU-switch-GPU path is 2 hops), over every
//    ordered pair s != d, following one-way links only forwards;
//  - bisection_GBps is ONE direction: the largest rate (1 GB/s = 1e9 bytes/s) the GPUs of
//    Topology::bisection_side() can send together to all the other GPUs, i.e. the minimum cut
//    between the two GPU sets, with each link counted at its per-direction rate in the direction
//    it is crossed (a one-way link only u -> v) and switches free to fall on either side of the cut.
//    A bidirectional fabric carries the same again in the other direction;
//  - optical_lanes is per direction, summed over links (lanes on optics at both ends);
//  - static_optical_W sums LinkBudget::static_W, the laser and idle power of both ends of every
//    link (of electrical ends too, when a budget has any).
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "fabric/link/link_budget.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct TopologyProperties {
  int gpus = 0;
  int switches = 0;
  int ocs_units = 0;
  int links = 0;
  bool connected = true;  // every GPU reaches every other GPU
  int diameter = 0;       // largest GPU-to-GPU hop count; -1 when not connected
  double avg_hops = 0;    // mean hop count over ordered GPU pairs s != d (over reachable pairs)
  int bisection_gpus = 0;     // GPUs on bisection_side()
  double bisection_GBps = 0;  // one direction, see above
  int64_t optical_lanes = 0;  // per direction, all links
  double static_optical_W = 0;
  int max_gpu_degree = 0;                  // most links at one GPU
  int max_gpu_lanes = 0;                   // most lanes (per direction) the links of one GPU take
  std::map<std::string, int> link_classes;  // TopoEdge::cls -> links ("none" for links without a class)
};

TopologyProperties topology_properties(const Topology& t, const std::function<LinkBudget(const TopoEdge&)>& budget);

// Hop distances from GPU `src` to every vertex (-1: unreachable), following one-way links forwards.
std::vector<int> hop_distances(const Topology& t, int src);

}  // namespace litesim
