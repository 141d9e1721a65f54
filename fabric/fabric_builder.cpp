#include "fabric/fabric_builder.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "core/error.h"

namespace litesim {

SourceLoc no_location(const std::string&) { return SourceLoc{"<fabric>", 0, 0}; }

namespace {

// The fixed (non-circuit) links of a topology, as (lower end, higher end, lanes, fibre), sorted.
using FixedLinks = std::vector<std::tuple<int, int, int, double>>;
FixedLinks fixed_links(const Topology& t) {
  FixedLinks out;
  for (const TopoEdge& e : t.links())
    if (e.ocs < 0) out.emplace_back(std::min(e.u, e.v), std::max(e.u, e.v), e.lanes, e.fibre_m);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

FabricInstance::FabricInstance(const FabricParams& params, std::vector<CpoParams> gpu_cpo, SimContext& sim,
                               const std::function<SourceLoc(const std::string&)>& where, int hbm_stacks) {
  auto add_topology = [&](const ImplConfig& spec) -> const Topology& {
    topologies_.push_back(TopologyRegistry::instance().create(spec));
    return *topologies_.back();
  };
  auto route = [&](const Topology& t) -> const Router* {
    routers_.push_back(RouterRegistry::instance().create(params.routing));
    routers_.back()->build(t);
    return routers_.back().get();
  };
  // Every link takes its lanes (its own, or fabric.link.lanes) of each GPU end's optics.
  auto check_lanes = [&](const Topology& t, const std::string& which) {
    for (int g = 0; g < t.num_gpus(); ++g) {
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
  // The steps of phase 0 and of an OCS entry come in different orders (phase 0 is routed before its
  // lanes are checked, an entry after): the order decides which error a bad config reports first.
  const Topology& t0 = add_topology(params.topology);
  check_switches(t0, params, where);
  std::vector<FabricPhase> phases{{Time{}, &t0, route(t0)}};
  const int n = t0.num_gpus();
  if (gpu_cpo.size() == 1) gpu_cpo.assign(static_cast<size_t>(n), gpu_cpo.front());
  if (static_cast<int>(gpu_cpo.size()) != n)
    throw std::logic_error(fmt::format("{} GPU optics for {} GPUs", gpu_cpo.size(), n));
  check_lanes(t0, "");
  const std::vector<OcsPhase> schedule = params.ocs ? params.ocs->schedule : std::vector<OcsPhase>{};
  if (!schedule.empty() && t0.ocs_units().empty())
    throw ConfigError(where("fabric.topology"), "fabric.topology",
                      "an OCS schedule needs a topology with optical circuit switches (e.g. kind: ocs_direct)");
  const FixedLinks fixed = schedule.empty() ? FixedLinks{} : fixed_links(t0);
  for (size_t i = 0; i < schedule.size(); ++i) {
    const std::string key = fmt::format("fabric.ocs.schedule[{}].topology", i);
    auto fail = [&](const std::string& what) { throw ConfigError(where(key), key, what); };
    const Topology& t = add_topology(schedule[i].topology);
    if (t.num_gpus() != n || t.num_switches() != t0.num_switches())
      fail(
          fmt::format("has {} GPUs and {} switches, but fabric.topology has {} and {}: an OCS changes circuits, not "
                      "the GPUs and switches",
                      t.num_gpus(), t.num_switches(), n, t0.num_switches()));
    if (t.ocs_units().empty()) fail("has no optical circuit switches: nothing to reconfigure");
    if (fixed_links(t) != fixed)
      fail("its fixed (non-circuit) links differ from fabric.topology's: an OCS can only change its circuits");
    check_switches(t, params, where);
    check_lanes(t, fmt::format("in OCS schedule entry {}, ", i));
    phases.push_back(FabricPhase{schedule[i].at, &t, route(t)});
  }
  const FaultScope scope{gpu_cpo, params.link, hbm_stacks};
  std::vector<LinkFault> faults = resolve_faults(t0, params.faults, where, &scope);
  if (params.fault_draw)
    for (const LinkFault& f : draw_faults(t0, *params.fault_draw, sim.seed)) faults.push_back(f);
  const std::string fkey = params.faults.empty() && params.fault_draw ? "fabric.fault_draw" : "fabric.faults";
  if (!faults.empty() && phases.size() > 1)
    throw ConfigError(where(fkey), fkey, "faults and an OCS circuit schedule cannot be combined yet");
  params_ = params;
  ctx_.reset(
      new FabricContext{t0, *routers_.front(), std::move(gpu_cpo), params_, sim, std::move(phases), std::move(faults)});
  fabric_ = FabricRegistry::instance().create(ImplConfig{params.fidelity, nullptr}, *ctx_);
}

}  // namespace litesim
