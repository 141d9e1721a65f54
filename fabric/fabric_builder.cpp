#include "fabric/fabric_builder.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"

namespace litesim {

SourceLoc no_location(const std::string&) { return SourceLoc{"<fabric>", 0, 0}; }

namespace {

// The fixed (non-circuit) links of a topology, as (lower end, higher end, lanes, fibre), sorted.
std::vector<std::tuple<int, int, int, double>> fixed_links(const Topology& t) {
  std::vector<std::tuple<int, int, int, double>> out;
  for (const TopoEdge& e : t.links())
    if (e.ocs < 0) out.emplace_back(std::min(e.u, e.v), std::max(e.u, e.v), e.lanes, e.fibre_m);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

FabricInstance::FabricInstance(const FabricParams& params, std::vector<CpoParams> gpu_cpo, SimContext& sim,
                               const std::function<SourceLoc(const std::string&)>& where) {
  topology_ = TopologyRegistry::instance().create(params.topology);
  check_switches(*topology_, params, where);
  router_ = RouterRegistry::instance().create(params.routing);
  router_->build(*topology_);
  const int n = topology_->num_gpus();
  if (gpu_cpo.size() == 1) gpu_cpo.assign(static_cast<size_t>(n), gpu_cpo.front());
  if (static_cast<int>(gpu_cpo.size()) != n)
    throw std::logic_error(fmt::format("{} GPU optics for {} GPUs", gpu_cpo.size(), n));
  // Every link takes its lanes (its own, or fabric.link.lanes) of each GPU end's optics.
  auto check_lanes = [&](const Topology& t, const std::string& which) {
    for (int g = 0; g < n; ++g) {
      int64_t need = 0;
      for (int p = 0; p < t.degree(g); ++p) need += link_lanes(t.link_at(g, p), params.link);
      const CpoParams& c = gpu_cpo[static_cast<size_t>(g)];
      if (need > c.lanes())
        throw ConfigError(
            where("fabric.link.lanes"), "fabric.link.lanes",
            fmt::format("{}GPU {} has {} links taking {} lanes in all, but its package optics '{}' has {} "
                        "lanes per direction",
                        which, g, t.degree(g), need, c.name, c.lanes()));
    }
  };
  check_lanes(*topology_, "");
  std::vector<FabricPhase> phases{{Time{}, topology_.get(), router_.get()}};
  const std::vector<OcsPhase> schedule = params.ocs ? params.ocs->schedule : std::vector<OcsPhase>{};
  for (size_t i = 0; i < schedule.size(); ++i) {
    const std::string key = fmt::format("fabric.ocs.schedule[{}].topology", i);
    auto fail = [&](const std::string& what) { throw ConfigError(where(key), key, what); };
    if (topology_->ocs_units().empty())
      throw ConfigError(where("fabric.topology"), "fabric.topology",
                        "an OCS schedule needs a topology with optical circuit switches (e.g. kind: ocs_direct)");
    phase_topologies_.push_back(TopologyRegistry::instance().create(schedule[i].topology));
    const Topology& t = *phase_topologies_.back();
    if (t.num_gpus() != n || t.num_switches() != topology_->num_switches())
      fail(
          fmt::format("has {} GPUs and {} switches, but fabric.topology has {} and {}: an OCS changes circuits, not "
                      "the GPUs and switches",
                      t.num_gpus(), t.num_switches(), n, topology_->num_switches()));
    if (t.ocs_units().empty()) fail("has no optical circuit switches: nothing to reconfigure");
    if (fixed_links(t) != fixed_links(*topology_))
      fail("its fixed (non-circuit) links differ from fabric.topology's: an OCS can only change its circuits");
    check_switches(t, params, where);
    check_lanes(t, fmt::format("in OCS schedule entry {}, ", i));
    phase_routers_.push_back(RouterRegistry::instance().create(params.routing));
    phase_routers_.back()->build(t);
    phases.push_back(FabricPhase{schedule[i].at, &t, phase_routers_.back().get()});
  }
  params_ = params;
  ctx_.reset(new FabricContext{*topology_, *router_, std::move(gpu_cpo), params_, sim, std::move(phases)});
  fabric_ = FabricRegistry::instance().create(ImplConfig{params.fidelity, nullptr}, *ctx_);
}

}  // namespace litesim
