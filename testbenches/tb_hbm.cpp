#include "testbenches/tb_hbm.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "core/units.h"
#include "testbenches/lib/hbm_tb.h"
#include "testbenches/tb_options.h"

namespace litesim {

CLI::App* add_tb_hbm(CLI::App& tb, TbHbmOptions& o) {
  auto* c =
      tb.add_subcommand("hbm", "drive one package's HBM with a traffic pattern and report bandwidth, latency, energy");
  c->add_option("--memspec", o.memspec, "memspec preset (configs/memspec/): hbm2, hbm2e, hbm3, hbm3e")
      ->capture_default_str();
  c->add_option("--stacks", o.stacks, "HBM stacks")->capture_default_str()->check(CLI::Range(1, 64));
  c->add_option("--channels", o.channels, "channels per stack (default: the memspec's)")->check(CLI::Range(1, 1024));
  c->add_option("--pattern", o.pattern, "stream | random | strided | mixed")->capture_default_str();
  c->add_option("--request-bytes", o.request_bytes, "size of each request, with unit")->capture_default_str();
  c->add_option("--outstanding", o.outstanding, "requests in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  c->add_option("--requests", o.requests, "requests to issue")->capture_default_str();
  c->add_option("--read-ratio", o.read_ratio, "fraction of reads")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_option("--seed", o.seed, "random seed")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  c->add_option("--footprint", o.footprint, "address range the pattern covers, with unit (default: all)");
  c->add_option("--stride", o.stride, "strided pattern: bytes between requests, with unit");
  c->add_option("--page-policy", o.page_policy, "open | closed | adaptive (default: the controller preset's)");
  c->add_option("--mapping", o.mapping, "address mapping, e.g. Ro-Ba-Bg-Co-Pc-Ch");
  c->add_option("--refresh", o.refresh, "all-bank | per-bank");
  c->add_option("--lookahead", o.lookahead, "fidelity knob: cycles a pseudo-channel may run ahead (0: exact)");
  c->add_option("--set", o.sets, "override inside the HBM config, e.g. memspec.timing.CL=22 (repeatable)");
  c->add_option("--out", o.out, "output folder")->capture_default_str();
  return c;
}

namespace {
uint64_t size_option(const std::string& text, const char* option) {
  return static_cast<uint64_t>(option_quantity(text, Dim::DataSize, option).value);
}
}  // namespace

int run_tb_hbm(const TbHbmOptions& o, const std::string& configs_dir, const std::string& version) {
  std::vector<std::string> sets;
  if (o.channels > 0) sets.push_back(fmt::format("memspec.organisation.channels={}", o.channels));
  if (!o.page_policy.empty()) sets.push_back("controller.page_policy=" + o.page_policy);
  if (!o.mapping.empty()) sets.push_back("controller.mapping=" + o.mapping);
  if (!o.refresh.empty()) sets.push_back("controller.refresh=" + o.refresh);
  if (o.lookahead >= 0) sets.push_back(fmt::format("controller.lookahead={}", o.lookahead));
  sets.insert(sets.end(), o.sets.begin(), o.sets.end());
  const ResolvedDram dram = resolve_dram(configs_dir, o.memspec, o.stacks, sets);
  TrafficParams t;
  t.pattern = o.pattern;
  t.request_bytes = size_option(o.request_bytes, "--request-bytes");
  t.outstanding = o.outstanding;
  t.requests = o.requests;
  t.read_ratio = o.read_ratio;
  t.seed = static_cast<uint64_t>(o.seed);
  if (!o.footprint.empty()) t.footprint = size_option(o.footprint, "--footprint");
  if (!o.stride.empty()) t.stride = size_option(o.stride, "--stride");
  nlohmann::json tb;
  try {
    tb = run_hbm_tb(dram.params, t);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(SourceLoc{"tb hbm", 0, 0}, "", e.what());
  }
  nlohmann::json s;
  s["schema_version"] = 1;
  s["litesim_version"] = version;
  s["config_digest"] = dram.digest;
  s["seed"] = t.seed;
  s["traffic"] = {{"pattern", t.pattern},
                  {"request_bytes", t.request_bytes},
                  {"outstanding", t.outstanding},
                  {"requests", t.requests},
                  {"read_ratio", t.read_ratio},
                  {"footprint", t.footprint == 0 ? dram.params.capacity() : t.footprint},
                  {"stride", t.stride}};
  s["sim_time_ns"] = tb["sim_time_ns"];
  s["hbm_tb"] = tb;

  put_output_file(o.out, "hbm_config.yaml", dram.yaml);
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  const auto& l = tb["latency_ns"];
  std::cout << fmt::format(
      "LiteSim tb hbm: {} x {} ({} pseudo-channels), {} pattern, {} B requests, {} outstanding, {} requests, read "
      "ratio {}\n",
      o.stacks, dram.params.memspec.name, tb["pseudo_channels"].get<int>(), t.pattern, t.request_bytes, t.outstanding,
      t.requests, t.read_ratio);
  std::cout << fmt::format("  peak            {:10.1f} GB/s\n", tb["peak_GBps"].get<double>());
  std::cout << fmt::format("  achieved        {:10.1f} GB/s   efficiency {:.1f}%\n", tb["achieved_GBps"].get<double>(),
                           100 * tb["efficiency"].get<double>());
  std::cout << fmt::format("  latency         mean {:.1f}  p50 {:.1f}  p99 {:.1f}  max {:.1f} ns\n",
                           l["mean"].get<double>(), l["p50"].get<double>(), l["p99"].get<double>(),
                           l["max"].get<double>());
  std::cout << fmt::format("  row hit rate    {:10.1f}%\n", 100 * tb["row_hit_rate"].get<double>());
  std::cout << fmt::format("  refresh         {:10.2f}% of the time\n", 100 * tb["refresh_overhead"].get<double>());
  std::cout << fmt::format("  energy          {:.2f} pJ/bit dynamic, {:.2f} pJ/bit with static\n",
                           tb["pJ_per_bit"].get<double>(), tb["pJ_per_bit_with_static"].get<double>());
  std::cout << fmt::format("results in {}/summary.json\n", o.out);
  return 0;
}

}  // namespace litesim
