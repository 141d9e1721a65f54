#pragma once
// Builds a whole network from resolved parameters: the topology, its router and the fabric backend,
// after checking that every GPU's optics has the lanes its links take. Used by the system builder
// (GPUs with dies and HBM) and by the fabric testbenches (the network alone).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/sim_context.h"
#include "fabric/fabric.h"

namespace litesim {

class FabricInstance {
 public:
  // gpu_cpo[g] is GPU g's package optics; a single entry applies to every GPU. `where(key)` locates
  // a config key (e.g. "fabric.link.lanes") for errors; it may return an empty SourceLoc. With an
  // OCS schedule every entry's topology is built and routed too, and checked against the first.
  // `hbm_stacks` (per package; 0: unknown) is what `hbm gpuN.K` fault targets are checked against.
  FabricInstance(const FabricParams& params, std::vector<CpoParams> gpu_cpo, SimContext& sim,
                 const std::function<SourceLoc(const std::string&)>& where, int hbm_stacks = 0);

  // Phase 0's (fabric.topology's) topology and router.
  const Topology& topology() const { return *topologies_.front(); }
  const Router& router() const { return *routers_.front(); }
  Fabric& fabric() { return *fabric_; }
  const Fabric& fabric() const { return *fabric_; }
  int gpus() const { return topology().num_gpus(); }
  const FabricContext& context() const { return *ctx_; }

 private:
  FabricParams params_;  // the backend keeps a reference
  // Per phase: fabric.topology first, then the OCS schedule's entries in order.
  std::vector<std::unique_ptr<Topology>> topologies_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::unique_ptr<FabricContext> ctx_;
  std::unique_ptr<Fabric> fabric_;
};

// The `where` for configs built in code: no location.
SourceLoc no_location(const std::string& key);

}  // namespace litesim
