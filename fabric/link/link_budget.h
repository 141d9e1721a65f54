#pragma once
// What one link of a topology runs at, from its own options, fabric.link and the optics at its
// ends: lanes per direction, rate per direction and the static (laser/idle) power of both ends.
// A pure function of the parameters, so `litesim topo` can report a large topology without
// building its modules; the packet backend builds its transceivers from the same numbers.
#include "fabric/link/link_params.h"
#include "fabric/optics/cpo_params.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct LinkBudget {
  int lanes = 0;          // lanes per direction
  double rate_bps = 0;    // line rate per direction (lanes x the slower end's lane rate)
  double static_W = 0;    // static power of both ends' transceivers for this link's lanes
  double fibre_m = 0;     // fibre length
  int optical_lanes = 0;  // lanes per direction carried on optics (0 for electrical ends)
};

// `end_u` / `end_v`: the optics at each end (a switch port's optics, or a GPU's package optics).
LinkBudget link_budget(const TopoEdge& e, const LinkParams& link, const CpoParams& end_u, const CpoParams& end_v);

}  // namespace litesim
