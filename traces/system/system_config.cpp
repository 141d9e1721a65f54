#include "traces/system/system_config.h"

#include "core/registry.h"

namespace litesim {

int PackageParams::hbm_stacks() const {
  const ConfigPtr v = hbm.params ? hbm.params->find("stacks") : nullptr;
  return v && v->is_scalar() ? static_cast<int>(std::stoll(v->scalar)) : 0;
}

const ParamSet<PackageParams>& PackageParams::schema() {
  static const ParamSet<PackageParams> s(
      "package", "one GPU package: compute die, HBM and co-packaged optics", [](ParamSet<PackageParams>& p) {
        p.string("name", &PackageParams::name, "package label (e.g. the preset it came from)");
        p.integer("dies", &PackageParams::dies, "compute dies, acting as one GPU").at_least(1).fallback("1");
        p.section("die", &PackageParams::die, "the compute die (each of them)");
        p.quantity("power_budget", &PackageParams::power_budget, "the package's thermal design power").positive();
        p.section("cost", &PackageParams::cost, "wafer, yield and bill of materials (litesim cost)");
        p.impl("hbm", &PackageParams::hbm, "hbm-model", "the package's HBM (kind: simple | dram)");
        p.section("cpo", &PackageParams::cpo, "the package's co-packaged optics");
      });
  return s;
}

const ParamSet<SystemParams>& SystemParams::schema() {
  static const ParamSet<SystemParams> s("system", "a rack: packages joined by a fabric", [](ParamSet<SystemParams>& p) {
    p.string("name", &SystemParams::name, "system label");
    p.section("package", &SystemParams::package, "the package of every GPU");
    p.section("fabric", &SystemParams::fabric, "the fabric");
  });
  return s;
}

namespace {
const BlockRegistrar reg_p(PackageParams::schema());
const BlockRegistrar reg_s(SystemParams::schema());
}  // namespace

ResolvedSystem resolve_system(const std::string& path, const std::vector<std::string>& overrides,
                              const std::string& configs_dir) {
  ConfigPtr raw = load_yaml_file(path);
  if (!raw->is_map()) throw ConfigError(raw->loc, "", "a system file must be a mapping (name, package, fabric)");
  ResolvedSystem r;
  static_cast<Resolved<SystemParams>&>(r) = resolve_block<SystemParams>(raw, overrides, configs_dir, "system", "");
  r.source = path;
  return r;
}

ResolvedPackage resolve_package(const std::string& configs_dir, const std::string& name,
                                const std::vector<std::string>& overrides) {
  const SourceLoc at{"--package", 0, 0};
  ConfigPtr raw = ConfigNode::make_map(at);
  raw->set("preset", ConfigNode::make_scalar(name, at), at);
  return resolve_block<PackageParams>(raw, overrides, configs_dir, "package", "package");
}

SourceLoc ResolvedSystem::where(const std::string& dotted) const { return locate_key(tree, dotted, source); }

}  // namespace litesim
