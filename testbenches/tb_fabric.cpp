#include "testbenches/tb_fabric.h"

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "testbenches/lib/fabric_tb.h"
#include "testbenches/tb_options.h"

namespace litesim {
namespace {

// "routing dor, 2 VCs" from a testbench summary's `routing` and `vcs`.
std::string routing_text(const nlohmann::json& tb) {
  const int vcs = tb["vcs"].get<int>();
  return fmt::format("routing {}, {} VC{}", tb["routing"].get<std::string>(), vcs, vcs == 1 ? "" : "s");
}

}  // namespace

CLI::App* add_tb_link(CLI::App& tb, TbLinkOptions& o) {
  auto* c = tb.add_subcommand("link", "latency and bandwidth against message size between two GPUs");
  c->add_option("--system", o.system, "system YAML (default: configs/system/default.yaml)");
  c->add_option("--from", o.from, "source GPU")->capture_default_str();
  c->add_option("--to", o.to, "destination GPU")->capture_default_str();
  c->add_option("--sizes", o.sizes, "message sizes, comma-separated")->capture_default_str();
  c->add_option("--set", o.sets, "override a config value, KEY=VALUE (repeatable)");
  add_fidelity_option(c, o.sets);
  c->add_option("--out", o.out, "output folder")->capture_default_str();
  return c;
}

int run_tb_link(const TbLinkOptions& o, const std::string& configs_dir, const std::string& version) {
  const ResolvedSystem rs = resolve_system_option(o.system, o.sets, configs_dir);
  LinkTbOptions t;
  t.src = o.from;
  t.dst = o.to;
  for (const auto& s : split_list(o.sizes))
    t.sizes.push_back(static_cast<uint64_t>(option_quantity(s, Dim::DataSize, "--sizes").value));
  forget_old_summary(o.out);
  nlohmann::json tb;
  try {
    tb = run_link_tb(rs, t);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(SourceLoc{"tb link", 0, 0}, "", e.what());
  }
  nlohmann::json s = summary_header(rs, version);
  s["sim_time_ns"] = tb["sim_time_ns"];
  s["link_tb"] = tb;
  std::string csv = "bytes,latency_ns,bandwidth_GBps\n";
  for (const auto& r : tb["rows"])
    csv += fmt::format("{},{},{}\n", r["bytes"].get<uint64_t>(), r["latency_ns"].get<double>(),
                       r["bandwidth_GBps"].get<double>());
  put_output_file(o.out, "system_config.yaml", rs.yaml);
  put_output_file(o.out, "link.csv", csv);
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  std::cout << fmt::format("LiteSim tb link: gpu{} -> gpu{} on '{}' ({} hops; {})\n", o.from, o.to, rs.params.name,
                           tb["hops"].get<int>(), routing_text(tb));
  std::cout << fmt::format("  {:>14} {:>14} {:>12}\n", "bytes", "latency (ns)", "GB/s");
  for (const auto& r : tb["rows"])
    std::cout << fmt::format("  {:>14} {:>14.1f} {:>12.2f}\n", r["bytes"].get<uint64_t>(),
                             r["latency_ns"].get<double>(), r["bandwidth_GBps"].get<double>());
  if (tb.contains("alpha_ns"))
    std::cout << fmt::format("  alpha-beta fit: alpha {:.1f} ns, beta {:.2f} GB/s\n", tb["alpha_ns"].get<double>(),
                             tb["beta_GBps"].get<double>());
  std::cout << fmt::format("results in {}/summary.json, link.csv\n", o.out);
  return 0;
}

CLI::App* add_tb_traffic(CLI::App& tb, TbTrafficOptions& o) {
  auto* c = tb.add_subcommand("traffic", "latency against offered load and saturation throughput of a traffic pattern");
  c->add_option("--system", o.system, "system YAML (default: configs/system/default.yaml)");
  c->add_option("--pattern", o.pattern, "uniform | permutation | transpose | hotspot | all-to-all")
      ->capture_default_str();
  c->add_option("--load", o.loads, "offered loads, fractions of each GPU's injection bandwidth, comma-separated")
      ->capture_default_str();
  c->add_option("--message", o.message, "message size")->capture_default_str();
  c->add_option("--window", o.window, "injection time per load (the network drains after it)")->capture_default_str();
  c->add_option("--hotspot", o.hotspot, "hotspot: share of traffic aimed at GPU 0")->capture_default_str();
  c->add_option("--seed", o.seed, "random seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  c->add_option("--set", o.sets, "override a config value, KEY=VALUE (repeatable)");
  add_fidelity_option(c, o.sets);
  c->add_option("--out", o.out, "output folder")->capture_default_str();
  return c;
}

int run_tb_traffic(const TbTrafficOptions& o, const std::string& configs_dir, const std::string& version) {
  const ResolvedSystem rs = resolve_system_option(o.system, o.sets, configs_dir);
  TrafficTbOptions t;
  t.pattern = o.pattern;
  for (const auto& s : split_list(o.loads)) {
    try {
      size_t used = 0;
      t.loads.push_back(std::stod(s, &used));
      if (used != s.size()) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      throw ConfigError(SourceLoc{"--load", 0, 0}, "", fmt::format("'{}' is not a number", s));
    }
  }
  t.message_bytes = static_cast<uint64_t>(option_quantity(o.message, Dim::DataSize, "--message").value);
  t.window = Time{static_cast<int64_t>(option_quantity(o.window, Dim::Time, "--window").value)};
  t.hotspot_fraction = o.hotspot;
  t.seed = static_cast<uint64_t>(o.seed);
  forget_old_summary(o.out);
  nlohmann::json tb;
  try {
    tb = run_traffic_tb(rs, t);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(SourceLoc{"tb traffic", 0, 0}, "", e.what());
  }
  nlohmann::json s = summary_header(rs, version);
  s["seed"] = t.seed;
  s["sim_time_ns"] = tb["sim_time_ns"];
  s["traffic_tb"] = tb;
  std::string csv = "load,offered_GBps_per_gpu,accepted_GBps_per_gpu,latency_mean_ns,latency_p50_ns,latency_p99_ns\n";
  for (const auto& l : tb["loads"])
    csv += fmt::format("{},{},{},{},{},{}\n", l["load"].get<double>(), l["offered_GBps_per_gpu"].get<double>(),
                       l["accepted_GBps_per_gpu"].get<double>(), l["latency_ns"]["mean"].get<double>(),
                       l["latency_ns"]["p50"].get<double>(), l["latency_ns"]["p99"].get<double>());
  put_output_file(o.out, "system_config.yaml", rs.yaml);
  put_output_file(o.out, "traffic.csv", csv);
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  std::cout << fmt::format("LiteSim tb traffic: {} on '{}' ({} GPUs, {:.1f} GB/s injection per GPU; {})\n", o.pattern,
                           rs.params.name, tb["gpus"].get<int>(), tb["injection_GBps_per_gpu"].get<double>(),
                           routing_text(tb));
  std::cout << fmt::format("  {:>6} {:>12} {:>12} {:>12} {:>12}\n", "load", "offered", "accepted", "mean ns", "p99 ns");
  for (const auto& l : tb["loads"])
    std::cout << fmt::format("  {:>6.2f} {:>12.2f} {:>12.2f} {:>12.1f} {:>12.1f}\n", l["load"].get<double>(),
                             l["offered_GBps_per_gpu"].get<double>(), l["accepted_GBps_per_gpu"].get<double>(),
                             l["latency_ns"]["mean"].get<double>(), l["latency_ns"]["p99"].get<double>());
  std::cout << fmt::format("  saturation throughput {:.2f} GB/s per GPU ({:.1f}% of injection bandwidth)\n",
                           tb["saturation_GBps_per_gpu"].get<double>(), 100 * tb["saturation_fraction"].get<double>());
  std::cout << fmt::format("results in {}/summary.json, traffic.csv\n", o.out);
  return 0;
}

}  // namespace litesim
