#include "fabric/link/link_budget.h"

#include <algorithm>

namespace litesim {

LinkBudget link_budget(const TopoEdge& e, const LinkParams& link, const CpoParams& end_u, const CpoParams& end_v) {
  LinkBudget b;
  b.lanes = e.lanes > 0 ? e.lanes : link.lanes;
  b.rate_bps = b.lanes * std::min(end_u.lane_rate.bits_per_s, end_v.lane_rate.bits_per_s);
  b.static_W = b.lanes * (end_u.static_power_per_lane().watts + end_v.static_power_per_lane().watts);
  b.fibre_m = e.fibre_m >= 0 ? e.fibre_m : link.fibre_length.m;
  b.optical_lanes = end_u.optical() && end_v.optical() ? b.lanes : 0;
  return b;
}

}  // namespace litesim
