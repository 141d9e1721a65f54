#pragma once
// What one link of a topology runs at, from its own options, fabric.link and the optics at its
// ends: lanes per direction, rate per direction and the static (laser/idle) power of both ends.
// A pure function of the parameters, so `litesim topo` can report a large topology without
// building its modules; the packet backend builds its transceivers and links from the same numbers.
#include <optional>
#include <vector>

#include "fabric/link/link_params.h"
#include "fabric/optics/cpo_params.h"
#include "fabric/switch/switch_params.h"
#include "fabric/topology/topology.h"

namespace litesim {

// The optics at one end of a link: a GPU's package optics, or a switch port's.
struct LinkEnd {
  DataRate lane_rate;
  const TransceiverTech* tech = nullptr;
  static LinkEnd of(const CpoParams& c) { return {c.lane_rate, &c.transceiver}; }
  static LinkEnd of(const SwitchParams& s) { return {s.lane_rate, &s.transceiver}; }
};

// The optics at vertex v's end of its links: at a GPU its package optics (gpu_cpo[v], or
// gpu_cpo[0] for every GPU when only one is given), at a switch the switch ports' own optics
// (`eps`, which a topology with switches must have: check_switches in fabric/fabric.h).
LinkEnd vertex_optics(const Topology& t, int v, const std::vector<CpoParams>& gpu_cpo,
                      const std::optional<SwitchParams>& eps);

// A link's lanes per direction and fibre length: its own override, else fabric.link's.
inline int link_lanes(const TopoEdge& e, const LinkParams& link) { return e.lanes > 0 ? e.lanes : link.lanes; }
inline double link_fibre_m(const TopoEdge& e, const LinkParams& link) {
  return e.fibre_m >= 0 ? e.fibre_m : link.fibre_length.m;
}
// A link's time of flight: its fibre length (as link_fibre_m) at fabric.link's propagation delay.
inline Time link_flight_time(const TopoEdge& e, const LinkParams& link) {
  return link.propagation(link_fibre_m(e, link));
}

struct LinkBudget {
  int lanes = 0;                                  // lanes per direction
  double rate_bps = 0;                            // line rate per direction (lanes x the slower end's lane rate)
  double payload_bps_uv = 0, payload_bps_vu = 0;  // after the sender's FEC, each direction
  double static_W = 0;                            // static power of both ends' transceivers for this link's lanes
  double fibre_m = 0;                             // fibre length
  int optical_lanes = 0;                          // lanes per direction carried on optics (0 for electrical ends)
};

LinkBudget link_budget(const TopoEdge& e, const LinkParams& link, const LinkEnd& end_u, const LinkEnd& end_v);
inline LinkBudget link_budget(const TopoEdge& e, const LinkParams& link, const CpoParams& end_u,
                              const CpoParams& end_v) {
  return link_budget(e, link, LinkEnd::of(end_u), LinkEnd::of(end_v));
}

}  // namespace litesim
