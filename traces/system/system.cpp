#include "traces/system/system.h"

#include <fmt/format.h>

namespace litesim {

namespace {
std::unique_ptr<Hbm> make_hbm(const PackageParams& p, SimContext& ctx, const SourceLoc& where) {
  try {
    return HbmRegistry::instance().create(p.hbm, "hbm", ctx);
  } catch (const ConfigError& e) {
    throw ConfigError(where, "package.hbm." + e.key_path(), e.detail());
  }
}
}  // namespace

Gpu::Gpu(sc_core::sc_module_name name, int index, const PackageParams& p, SimContext& ctx, const SourceLoc& where)
    : sc_module(name),
      hbm(make_hbm(p, ctx, where)),
      die("die", p.die, p.dies, hbm->capacity(), hbm->peak_bytes_per_s(), ctx),
      index_(index),
      p_(p) {
  die.hbm.bind(hbm->socket());
}

void System::finish(Time end) {
  for (auto& g : gpus_) g->hbm->finish(end);
}

System::System(const SystemParams& params, const ConfigPtr& tree, SimContext& ctx) : params_(params) {
  topology_ = TopologyRegistry::instance().create(params.fabric.topology);
  router_ = RouterRegistry::instance().create(params.fabric.routing);
  router_->build(*topology_);
  const int n = topology_->num_gpus();
  auto where = [&](const std::string& key) {
    ConfigPtr node = tree ? find_path(tree, key) : nullptr;
    return node ? node->loc : SourceLoc{"<system>", 0, 0};
  };
  // Every link takes link.lanes lanes of each end's optics.
  for (int g = 0; g < n; ++g) {
    const int64_t need = static_cast<int64_t>(topology_->degree(g)) * params.fabric.link.lanes;
    if (need > params.package.cpo.lanes)
      throw ConfigError(where("fabric.link.lanes"), "fabric.link.lanes",
                        fmt::format("GPU {} has {} links x {} lanes = {} lanes, but package.cpo.lanes is {}", g,
                                    topology_->degree(g), params.fabric.link.lanes, need, params.package.cpo.lanes));
  }
  for (int g = 0; g < n; ++g)
    gpus_.push_back(std::make_unique<Gpu>(fmt::format("gpu{}", g).c_str(), g, params.package, ctx, where("package.hbm")));
  FabricContext fctx{*topology_, *router_, std::vector<CpoParams>(static_cast<size_t>(n), params.package.cpo),
                     params.fabric.link, ctx};
  fabric_ = FabricRegistry::instance().create(params.fabric.backend, fctx);
}

}  // namespace litesim
