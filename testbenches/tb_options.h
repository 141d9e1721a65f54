#pragma once
// What every testbench's command line shares: quantities and lists given as options (errors name
// the option and exit 2 like config errors), the system file (the shipped default when none is
// given) and the head of every summary.json.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/units.h"
#include "traces/system/system_config.h"

namespace CLI {
class App;
}

namespace litesim {

// `--fidelity packet|flow`: appends `fabric.fidelity=<value>` to `sets` (the fabric model; the
// rest of the config is unchanged).
void add_fidelity_option(CLI::App* c, std::vector<std::string>& sets);

// "64 MiB" as `dim`; a ConfigError naming `option` otherwise.
Quantity option_quantity(const std::string& text, Dim dim, const std::string& option);
// "a,b,,c" -> {a, b, c}
std::vector<std::string> split_list(const std::string& text);
// configs/system/default.yaml under `configs_dir`.
std::string default_system_file(const std::string& configs_dir);
// `file` (or the default system) with `sets` applied, resolved.
ResolvedSystem resolve_system_option(const std::string& file, const std::vector<std::string>& sets,
                                     const std::string& configs_dir);
// Once the inputs are valid: a summary.json left in `out_dir` by an earlier run must not pass for
// this run's if this one fails.
void forget_old_summary(const std::string& out_dir);
// {schema_version, litesim_version, config_digest, system}
nlohmann::json summary_header(const ResolvedSystem& rs, const std::string& version);

}  // namespace litesim
