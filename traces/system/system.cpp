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
  auto where = [&](const std::string& key) { return locate_key(tree, key, "<system>"); };
  net_ = std::make_unique<FabricInstance>(params.fabric, std::vector<CpoParams>{params.package.cpo}, ctx, where,
                                          params.package.hbm_stacks());
  const int n = net_->gpus();
  for (int g = 0; g < n; ++g)
    gpus_.push_back(
        std::make_unique<Gpu>(fmt::format("gpu{}", g).c_str(), g, params.package, ctx, where("package.hbm")));
}

}  // namespace litesim
