#include "fabric/link/link_budget.h"

#include <algorithm>
#include <stdexcept>

namespace litesim {

LinkEnd vertex_optics(const Topology& t, int v, const std::vector<CpoParams>& gpu_cpo,
                      const std::optional<SwitchParams>& eps) {
  if (t.is_gpu(v)) return LinkEnd::of(gpu_cpo.at(gpu_cpo.size() == 1 ? 0 : static_cast<size_t>(v)));
  if (!eps) throw std::logic_error("a switch end without switch parameters (check_switches first)");
  return LinkEnd::of(*eps);
}

LinkBudget link_budget(const TopoEdge& e, const LinkParams& link, const LinkEnd& end_u, const LinkEnd& end_v) {
  LinkBudget b;
  b.lanes = link_lanes(e, link);
  b.rate_bps = b.lanes * std::min(end_u.lane_rate.bits_per_s, end_v.lane_rate.bits_per_s);
  b.payload_bps_uv = b.rate_bps * end_u.tech->fec_code_rate();
  b.payload_bps_vu = b.rate_bps * end_v.tech->fec_code_rate();
  b.static_W = b.lanes * (end_u.tech->static_power_per_lane().watts + end_v.tech->static_power_per_lane().watts);
  b.fibre_m = link_fibre_m(e, link);
  b.optical_lanes = end_u.tech->optical() && end_v.tech->optical() ? b.lanes : 0;
  return b;
}

}  // namespace litesim
