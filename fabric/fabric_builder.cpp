#include "fabric/fabric_builder.h"

#include <fmt/format.h>

#include "core/error.h"

namespace litesim {

SourceLoc no_location(const std::string&) { return SourceLoc{"<fabric>", 0, 0}; }

FabricInstance::FabricInstance(const FabricParams& params, std::vector<CpoParams> gpu_cpo, SimContext& sim,
                               const std::function<SourceLoc(const std::string&)>& where) {
  topology_ = TopologyRegistry::instance().create(params.topology);
  router_ = RouterRegistry::instance().create(params.routing);
  router_->build(*topology_);
  const int n = topology_->num_gpus();
  if (gpu_cpo.size() == 1) gpu_cpo.assign(static_cast<size_t>(n), gpu_cpo.front());
  if (static_cast<int>(gpu_cpo.size()) != n)
    throw std::logic_error(fmt::format("{} GPU optics for {} GPUs", gpu_cpo.size(), n));
  // Every link takes its lanes (its own, or fabric.link.lanes) of each GPU end's optics.
  for (int g = 0; g < n; ++g) {
    int64_t need = 0;
    for (int p = 0; p < topology_->degree(g); ++p) need += link_lanes(topology_->link_at(g, p), params.link);
    const CpoParams& c = gpu_cpo[static_cast<size_t>(g)];
    if (need > c.lanes())
      throw ConfigError(where("fabric.link.lanes"), "fabric.link.lanes",
                        fmt::format("GPU {} has {} links taking {} lanes in all, but its package optics '{}' has {} "
                                    "lanes per direction",
                                    g, topology_->degree(g), need, c.name, c.lanes()));
  }
  params_ = params;
  ctx_.reset(new FabricContext{*topology_, *router_, std::move(gpu_cpo), params_, sim});
  fabric_ = FabricRegistry::instance().create(params.backend, *ctx_);
}

}  // namespace litesim
