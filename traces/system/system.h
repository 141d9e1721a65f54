#pragma once
// The system builder: the one place where packages (die + HBM), the topology, the router and the
// fabric are created from resolved parameters and wired together through their TLM sockets.
#include <memory>
#include <vector>

#include <systemc>

#include "core/sim_context.h"
#include "fabric/fabric_builder.h"
#include "hw/die/compute_die.h"
#include "memory/hbm/hbm.h"
#include "traces/system/system_config.h"

namespace litesim {

// One GPU package instance: its die's `hbm` socket bound to its HBM controller.
class Gpu : public sc_core::sc_module {
 public:
  // `where` locates package.hbm in the config, for errors found while building the HBM.
  Gpu(sc_core::sc_module_name name, int index, const PackageParams& p, SimContext& ctx, const SourceLoc& where);
  int index() const { return index_; }
  const PackageParams& params() const { return p_; }
  std::unique_ptr<Hbm> hbm;
  ComputeDie die;

 private:
  int index_;
  PackageParams p_;
};

class System {
 public:
  // `tree` (the normalised config) is used only to point errors at the right line; may be null.
  System(const SystemParams& params, const ConfigPtr& tree, SimContext& ctx);

  int gpus() const { return static_cast<int>(gpus_.size()); }
  Gpu& gpu(int g) { return *gpus_.at(static_cast<size_t>(g)); }
  const Gpu& gpu(int g) const { return *gpus_.at(static_cast<size_t>(g)); }
  Fabric& fabric() { return net_->fabric(); }
  const Fabric& fabric() const { return net_->fabric(); }
  // Ends the run for every block that needs it (HBM refresh of the idle tail), before the ledger closes.
  void finish(Time end);
  const Topology& topology() const { return net_->topology(); }
  const SystemParams& params() const { return params_; }

 private:
  SystemParams params_;
  std::unique_ptr<FabricInstance> net_;  // before the GPUs: the fabric's modules are named first
  std::vector<std::unique_ptr<Gpu>> gpus_;
};

}  // namespace litesim
