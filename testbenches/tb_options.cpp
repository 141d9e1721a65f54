#include "testbenches/tb_options.h"

#include <filesystem>
#include <sstream>

#include <CLI/CLI.hpp>

#include "core/error.h"

namespace litesim {

void add_fidelity_option(CLI::App* c, std::vector<std::string>& sets) {
  c->add_option_function<std::string>(
       "--fidelity", [&sets](const std::string& v) { sets.push_back("fabric.fidelity=" + v); },
       "fabric model: packet (packets hop by hop) or flow (a flow per message, max-min sharing; for large "
       "systems); default: the system's fabric.fidelity")
      ->check(CLI::IsMember({"packet", "flow"}));
}

Quantity option_quantity(const std::string& text, Dim dim, const std::string& option) {
  try {
    return parse_quantity(text, dim);
  } catch (const UnitError& e) {
    throw ConfigError(SourceLoc{option, 0, 0}, "", e.what());
  }
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string default_system_file(const std::string& configs_dir) { return configs_dir + "/system/default.yaml"; }

ResolvedSystem resolve_system_option(const std::string& file, const std::vector<std::string>& sets,
                                     const std::string& configs_dir) {
  return resolve_system(file.empty() ? default_system_file(configs_dir) : file, sets, configs_dir);
}

void forget_old_summary(const std::string& out_dir) {
  std::filesystem::remove(std::filesystem::path(out_dir) / "summary.json");
}

nlohmann::json summary_header(const ResolvedSystem& rs, const std::string& version) {
  nlohmann::json s;
  s["schema_version"] = 1;
  s["litesim_version"] = version;
  s["config_digest"] = rs.digest;
  s["system"] = rs.params.name;
  return s;
}

}  // namespace litesim
