// litesim: the command line architects run.
//   litesim run     [--system F] [--workload F] [--out DIR] [--set K=V ...] [--seed N]  (a trace, docs/trace-format.md)
//   litesim config  [--system F] [--set K=V ...]   (the resolved config as YAML, on stdout)
//   litesim list                                    (every registered part and its parameters)
//   litesim topo    [--system F] [--json] [--set K=V ...] [--configs DIR]  (topology properties, no simulation)
//   litesim gen llm --model M --phase P --batch B --seq S [--tp T] [--pp P] [-o F]  (an LLM trace)
//   litesim trace convert IN OUT                    (litesim-trace/1 <-> Chakra ET)
//   litesim study [SPEC] [--out DIR] [--full]       (Lite-GPU vs H100 clusters: the report; docs/study.md)
//   litesim sweep SPEC --out DIR [--jobs N]        (many runs in parallel, merged; docs/sweeps.md)
//   litesim availability --system F --model M [...] (failures, blast radius, capacity; docs/faults.md)
// Exit status: 0 success, 2 bad input (config, workload, command line), 3 the simulation could not
// finish (deadlock) or broke an invariant, 1 anything else.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "core/error.h"
#include "core/registry.h"
#include "testbenches/availability_cmd.h"
#include "testbenches/gen_cmd.h"
#include "testbenches/study_cmd.h"
#include "testbenches/sweep_cmd.h"
#include "testbenches/tb_collective.h"
#include "testbenches/tb_fabric.h"
#include "testbenches/tb_fault.h"
#include "testbenches/tb_hbm.h"
#include "testbenches/tb_kernel.h"
#include "testbenches/tb_options.h"
#include "testbenches/tb_topo.h"
#include "testbenches/trace_cmd.h"
#include "traces/runner/simulate.h"
#include "traces/system/system_config.h"
#include "traces/trace_io.h"

namespace {

using namespace litesim;

std::string configs_dir(const std::string& opt) {
  if (!opt.empty()) return opt;
  if (const char* e = std::getenv("LITESIM_CONFIGS")) return e;
  return LITESIM_CONFIGS_DIR;
}

std::string default_workload() { return std::string(LITESIM_SAMPLES_DIR) + "/ring-shift-4.yaml"; }

void print_schema(const SchemaBase& s, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& f : s.fields()) {
    std::string def = f.default_text ? *f.default_text : "(required)";
    if (f.kind == FieldKind::Section || f.kind == FieldKind::List) {
      std::cout << fmt::format("{}{:<24} {:<18} {}\n", pad, f.key, f.kind == FieldKind::List ? "list of" : "section",
                               f.doc);
      print_schema(*f.section, indent + 2);
      continue;
    }
    std::cout << fmt::format("{}{:<24} {:<18} {:<12} {}\n", pad, f.key, f.type_text(), def, f.doc);
  }
}

int cmd_list() {
  auto& cat = Catalog::instance();
  std::cout << "Swappable parts (chosen by `kind:` in the config):\n";
  for (const auto& c : cat.categories()) {
    std::cout << fmt::format("\n[{}]\n", c);
    for (const auto& n : cat.names(c)) {
      const CatalogEntry* e = cat.find(c, n);
      std::cout << fmt::format("  {:<14} {}\n", n, e->doc);
      if (e->schema && !e->schema->fields().empty()) print_schema(*e->schema, 4);
    }
  }
  std::cout << "\nParameter blocks (key, type or unit, default, meaning):\n";
  // Print each block once: skip blocks that appear as a section inside another block.
  std::set<const SchemaBase*> nested;
  std::function<void(const SchemaBase&)> collect = [&](const SchemaBase& s) {
    for (const auto& f : s.fields())
      if (f.section) {
        nested.insert(f.section);
        collect(*f.section);
      }
  };
  for (const SchemaBase* b : cat.blocks()) collect(*b);
  for (const SchemaBase* b : cat.blocks()) {
    if (nested.count(b)) continue;
    std::cout << fmt::format("\n[{}] {}\n", b->name(), b->doc());
    print_schema(*b, 2);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  CLI::App app{"LiteSim: a SystemC/TLM-2.0 model of Lite-GPU packages and their optical fabric"};
  app.require_subcommand(1);
  std::string configs_opt;
  app.add_option("--configs", configs_opt, "presets root (default: $LITESIM_CONFIGS or the shipped configs/)");

  std::string system_file, workload_file, out_dir = "out/run";
  std::vector<std::string> sets;
  int64_t seed = 1;
  bool quiet = false, no_timeline = false;
  auto* run = app.add_subcommand("run", "simulate a workload trace on a system and write results");
  run->add_option("--system", system_file, "system YAML (default: configs/system/default.yaml)");
  run->add_option("--workload,--trace", workload_file,
                  "trace: litesim-trace/1 YAML, or a Chakra ET prefix (default: traces/samples/ring-shift-4.yaml)");
  run->add_option("--out", out_dir, "output folder")->capture_default_str();
  run->add_option("--set", sets, "override a config value, KEY=VALUE (repeatable)");
  add_fidelity_option(run, sets);
  run->add_option("--seed", seed, "random seed (non-negative integer)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  run->add_flag("--quiet", quiet, "print nothing on success");
  run->add_flag("--no-timeline", no_timeline, "do not write timeline.json (the Perfetto / chrome://tracing timeline)");

  auto* config = app.add_subcommand("config", "print the fully resolved system config as YAML");
  config->add_option("--system", system_file, "system YAML (default: configs/system/default.yaml)");
  config->add_option("--set", sets, "override a config value, KEY=VALUE (repeatable)");

  app.add_subcommand("list", "list every registered part and parameter block");

  auto* tb = app.add_subcommand("tb", "testbenches of single blocks");
  tb->require_subcommand(1);
  TbHbmOptions tb_hbm_opts;
  auto* tb_hbm = add_tb_hbm(*tb, tb_hbm_opts);
  TbKernelOptions tb_kernel_opts;
  auto* tb_kernel = add_tb_kernel(*tb, tb_kernel_opts);
  TbLinkOptions tb_link_opts;
  auto* tb_link = add_tb_link(*tb, tb_link_opts);
  TbTrafficOptions tb_traffic_opts;
  auto* tb_traffic = add_tb_traffic(*tb, tb_traffic_opts);
  TbCollectiveOptions tb_collective_opts;
  auto* tb_collective = add_tb_collective(*tb, tb_collective_opts);
  TbFaultOptions tb_fault_opts;
  auto* tb_fault = add_tb_fault(*tb, tb_fault_opts);
  CostOptions cost_opts;
  auto* cost = add_cost(app, cost_opts);
  TopoOptions topo_opts;
  auto* topo = add_topo(app, topo_opts);
  GenLlmOptions gen_opts;
  auto* gen_llm = add_gen(app, gen_opts);
  TraceConvertOptions convert_opts;
  auto* trace_convert = add_trace_cmd(app, convert_opts);
  SweepOptions sweep_opts;
  auto* sweep = add_sweep(app, sweep_opts);
  StudyCmdOptions study_opts;
  auto* study = add_study(app, study_opts);
  AvailabilityOptions avail_opts;
  auto* avail = add_availability(app, avail_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    const std::string cfg = configs_dir(configs_opt);
    if (app.got_subcommand("list")) return cmd_list();
    if (tb_hbm->parsed()) return run_tb_hbm(tb_hbm_opts, cfg, LITESIM_VERSION);
    if (tb_kernel->parsed()) return run_tb_kernel(tb_kernel_opts, cfg, LITESIM_VERSION);
    if (tb_link->parsed()) return run_tb_link(tb_link_opts, cfg, LITESIM_VERSION);
    if (tb_traffic->parsed()) return run_tb_traffic(tb_traffic_opts, cfg, LITESIM_VERSION);
    if (tb_collective->parsed()) return run_tb_collective(tb_collective_opts, cfg, LITESIM_VERSION);
    if (tb_fault->parsed()) return run_tb_fault(tb_fault_opts, cfg);
    if (cost->parsed()) return run_cost(cost_opts, cfg);
    if (topo->parsed()) return run_topo(topo_opts, cfg);
    if (gen_llm->parsed()) return run_gen_llm(gen_opts, cfg);
    if (trace_convert->parsed()) return run_trace_convert(convert_opts);
    if (sweep->parsed()) return run_sweep(sweep_opts, cfg, LITESIM_VERSION);
    if (study->parsed()) return run_study_cmd(study_opts, cfg, LITESIM_VERSION);
    if (avail->parsed()) return run_availability(avail_opts, cfg);
    if (system_file.empty()) system_file = default_system_file(cfg);
    const ResolvedSystem rs = resolve_system(system_file, sets, cfg);
    if (app.got_subcommand("config")) {
      std::cout << "# LiteSim resolved config (a valid --system file)\n# from: " << system_file << "\n";
      for (const auto& p : rs.presets) std::cout << "# preset " << p << "\n";
      std::cout << "# digest: " << rs.digest << "\n" << rs.yaml;
      return 0;
    }
    if (workload_file.empty()) workload_file = default_workload();
    // litesim-trace/1 YAML, or a Chakra ET prefix (PREFIX.0.et, ...) or one of its files.
    const Trace w = read_any_trace(workload_file);
    // The inputs are valid (bad input changes nothing on disk). From here on, a summary.json left
    // by an earlier run into this folder must not pass for this run's if the simulation fails.
    forget_old_summary(out_dir);
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = simulate(rs, w, static_cast<uint64_t>(seed), !no_timeline);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    const std::time_t now = std::time(nullptr);
    char stamp[64];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    std::string cmdline;
    for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
    nlohmann::json info = {{"litesim_version", LITESIM_VERSION},
                           {"build_type", LITESIM_BUILD_TYPE},
                           {"compiler", __VERSION__},
                           {"host", host},
                           {"finished_utc", stamp},
                           {"wall_seconds", wall},
                           {"command_line", cmdline},
                           {"system_file", system_file},
                           {"workload_file", workload_file},
                           {"configs_dir", cfg},
                           {"presets", rs.presets}};
    write_outputs(out_dir, r, info);
    if (r.summary.value("status", "complete") == "aborted") {
      // Injected faults cut the job short: the outputs hold what finished (docs/faults.md).
      if (!quiet) std::cout << r.human;
      std::cerr << fmt::format(
          "litesim: the run was aborted by injected faults ({} message(s) lost for good; summary.json `aborted` "
          "says what was left); what finished is in {}/\n",
          r.summary["aborted"]["messages_lost"].get<uint64_t>(), out_dir);
      return 4;
    }
    if (!quiet) {
      std::cout << r.human;
      std::cout << fmt::format(
          "results in {}/ (summary.json, ops.csv, collectives.csv, gpus.csv, hbm.csv, links.csv, messages.csv{})\n",
          out_dir, no_timeline ? "" : ", timeline.json");
    }
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "litesim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "litesim: error: cannot write the results: " << e.what() << "\n";
    return 2;
  } catch (const SimError& e) {
    std::cerr << "litesim: simulation error: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "litesim: internal error: " << e.what() << "\n";
    return 1;
  }
}
