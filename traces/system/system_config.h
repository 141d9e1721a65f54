#pragma once
// The system description: a package (die + HBM + optics) and a fabric, resolved from a YAML file
// through presets and --set overrides into typed parameters plus the normalised tree that
// `litesim config` prints. The package sits here, above hw/, memory/ and fabric/, because it
// composes parameters of all three (they do not include each other).
#include <string>
#include <vector>

#include "core/config.h"
#include "core/params.h"
#include "fabric/fabric.h"
#include "hw/die/die_params.h"
#include "hw/package/cost.h"
#include "memory/hbm/hbm.h"

namespace litesim {

struct PackageParams {
  std::string name;
  DieParams die;
  ImplConfig hbm;  // hbm-model: simple | dram
  CpoParams cpo;
  int dies = 1;        // identical compute dies acting as one GPU (their SMs share each kernel)
  Power power_budget;  // the package's thermal design power
  CostParams cost;     // wafer, yield and bill of materials (litesim cost)
  double peak_flops(Dtype d) const { return die.peak_flops(d) * dies; }  // all dies, FLOP/s
  int hbm_stacks() const;  // package.hbm.stacks (0 when the HBM model has no such key)
  static const ParamSet<PackageParams>& schema();
};

struct SystemParams {
  std::string name;
  PackageParams package;  // every GPU of this system (mixed packages come with the study issue)
  FabricParams fabric;
  static const ParamSet<SystemParams>& schema();
};

// params, the normalised tree (every key, canonical text, source locations kept), its YAML (what
// `litesim config` prints), its digest and the presets expanded; plus the system file.
struct ResolvedSystem : Resolved<SystemParams> {
  std::string source;
  // Where `dotted` (e.g. "fabric.link.lanes") stands in this config, for errors found later.
  SourceLoc where(const std::string& dotted) const;
};
using ResolvedPackage = Resolved<PackageParams>;

// Loads, expands presets, applies overrides (`a.b=VALUE`, in order) and validates.
ResolvedSystem resolve_system(const std::string& path, const std::vector<std::string>& overrides,
                              const std::string& configs_dir);

// A package preset (configs/package/NAME.yaml) with `overrides` (a.b=VALUE paths inside the
// package) applied, resolved and checked: what `litesim tb kernel` and `litesim cost` use.
ResolvedPackage resolve_package(const std::string& configs_dir, const std::string& name,
                                const std::vector<std::string>& overrides);

}  // namespace litesim
