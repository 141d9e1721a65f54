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
  int dies = 1;            // identical compute dies acting as one GPU (their SMs share each kernel)
  Power power_budget;      // the package's thermal design power
  CostParams cost;         // wafer, yield and bill of materials (litesim cost)
  static const ParamSet<PackageParams>& schema();
};

struct SystemParams {
  std::string name;
  PackageParams package;  // every GPU of this system (mixed packages come with the study issue)
  FabricParams fabric;
  static const ParamSet<SystemParams>& schema();
};

struct ResolvedSystem {
  SystemParams params;
  ConfigPtr tree;                    // normalised: every key, canonical text, source locations kept
  std::string yaml;                  // the normalised tree as YAML: what `litesim config` prints
  std::string digest;                // FNV-1a of `yaml`
  std::string source;                // the system file
  std::vector<std::string> presets;  // presets expanded, in order
};

// Loads, expands presets, applies overrides (`a.b=VALUE`, in order) and validates.
ResolvedSystem resolve_system(const std::string& path, const std::vector<std::string>& overrides,
                              const std::string& configs_dir);

// Finds a value of the normalised tree by dotted path (for error locations); null if absent.
ConfigPtr find_path(const ConfigPtr& tree, const std::string& dotted);

}  // namespace litesim
