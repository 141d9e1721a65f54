#include "testbenches/tb_collective.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "core/units.h"
#include "fabric/topology/topology.h"
#include "testbenches/lib/collective_tb.h"
#include "testbenches/tb_options.h"

namespace litesim {

CLI::App* add_tb_collective(CLI::App& tb, TbCollectiveOptions& o) {
  auto* c = tb.add_subcommand("collective",
                              "run one collective as real traffic over a system's fabric: time, algbw, "
                              "busbw (nccl-tests definitions), traffic, energy");
  c->add_option("--system", o.system, "system YAML (default: configs/system/default.yaml)");
  auto* op =
      c->add_option("--op", o.op, "allreduce | allgather | reducescatter | alltoall | broadcast | reduce | sendrecv");
  auto* ops = c->add_option("--ops", o.ops,
                            "several ops, comma-separated (e.g. allreduce,allgather), run one after the other in one "
                            "simulation, each with the same size and options; a row per op in summary.json "
                            "(collective_tb_ops)");
  op->excludes(ops);
  ops->excludes(op);
  c->add_option("--algo", o.algo,
                "collective algorithm and its parameters, e.g. 'hierarchical group_size=2 inner=ring outer=ring' "
                "(litesim list, [collective]; default: the system's fabric.collective.algorithm.<op>)");
  c->add_option("--bytes", o.bytes, "size as nccl-tests counts it, with unit, e.g. 64MiB (docs/fabric.md)")->required();
  c->add_option("--chunk", o.chunk,
                "largest message: transfers are cut into chunks of this and pipelined; 0: whole (default: "
                "fabric.collective.chunk)");
  c->add_option("--topology", o.topology,
                "quick study: replace the system's topology by this kind (ring, fully_connected, switch, mesh2d, "
                "torus2d, torus3d) of --gpus GPUs; routing dor on rings, meshes and tori, shortest otherwise");
  c->add_option("--gpus", o.gpus, "quick study: GPUs of --topology (or of the system's topology kind)")
      ->check(CLI::Range(2, 65536));
  c->add_option("--link-bandwidth", o.link_bandwidth,
                "quick study: every link's line rate per direction, e.g. 50GiB/s (one lane, no FEC; packet headers "
                "still take their share)");
  c->add_option("--link-latency", o.link_latency,
                "quick study: every link's latency per hop, e.g. 500ns (SerDes at both ends, no fibre; GPU and "
                "switch forwarding latencies stay the system's)");
  c->add_option("--chunks", o.chunks,
                "run the collective as this many collectives of bytes / chunks each (see --chunk-mode)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  c->add_option("--chunk-mode", o.chunk_mode,
                "pipelined: the chunks are issued together and share the links; sequential: chunk i+1 starts when "
                "chunk i has completed everywhere")
      ->capture_default_str()
      ->check(CLI::IsMember({"pipelined", "sequential"}));
  c->add_option("--group", o.group, "GPUs taking part in rank order, e.g. 0,1,2,3 (default: all)");
  c->add_option("--root", o.root, "rank (index into the group) of broadcast / reduce")->capture_default_str();
  c->add_option("--iters", o.iters, "iterations, back to back")->capture_default_str()->check(CLI::Range(1, 1000000));
  c->add_option("--reduce-bw", o.reduce_bw,
                "rate at which a GPU reduces received data, e.g. 1TB/s; 0: not modelled (default: "
                "fabric.collective.reduce_bandwidth)");
  c->add_option("--connection-window", o.connection_window,
                "messages in flight per (source, destination) GPU pair; 0: unlimited (default: "
                "fabric.collective.connection_window)")
      ->check(CLI::Range(0, 1000000));
  c->add_option("--set", o.sets, "override a system config value, KEY=VALUE (repeatable)");
  add_fidelity_option(c, o.sets);
  c->add_flag("--no-steps", o.no_steps,
              "do not write steps.csv (one row per step of every iteration: 2 million rows for a 1,024-GPU ring "
              "all-reduce) nor keep per-step times");
  c->add_option("--out", o.out, "output folder")->capture_default_str();
  return c;
}

namespace {

std::vector<int> parse_group(const std::string& text) {
  std::vector<int> out;
  if (text.empty() || text == "all") return out;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string word = text.substr(at, comma - at);
    size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (word.empty() || used != word.size())
      throw ConfigError(SourceLoc{"--group", 0, 0}, "",
                        fmt::format("expected GPU numbers separated by commas (e.g. 0,1,2,3), got '{}'", text));
    out.push_back(v);
    at = comma + 1;
  }
  return out;
}

// The --set overrides that turn --topology / --gpus / --link-bandwidth / --link-latency into a
// fabric (after the user's own --set, so the quick-study options win).
std::vector<std::string> quick_study_sets(const TbCollectiveOptions& o, const std::string& configs_dir) {
  std::vector<std::string> sets = o.sets;
  if (o.topology.empty() && o.gpus == 0 && o.link_bandwidth.empty() && o.link_latency.empty()) return sets;
  const ResolvedSystem base = resolve_system_option(o.system, sets, configs_dir);
  const std::string kind = o.topology.empty() ? base.params.fabric.topology.kind : o.topology;
  if (!o.topology.empty() || o.gpus > 0) {
    const int n = o.gpus > 0 ? o.gpus : 0;
    std::string topo;
    if (kind == "ring" || kind == "fully_connected" || kind == "switch") {
      if (n == 0) throw ConfigError(SourceLoc{"--gpus", 0, 0}, "", "--topology " + kind + " needs --gpus N");
      topo = fmt::format("{{kind: {}, gpus: {}}}", kind, n);
    } else if (kind == "mesh2d" || kind == "torus2d" || kind == "torus3d") {
      if (n == 0) throw ConfigError(SourceLoc{"--gpus", 0, 0}, "", "--topology " + kind + " needs --gpus N");
      // as square (cubic) as N allows: x the largest divisor of N at most its square (cube) root
      auto largest_divisor_upto = [](int m, double limit) {
        int best = 1;
        for (int d = 1; d <= m && d <= limit + 1e-9; ++d)
          if (m % d == 0) best = d;
        return best;
      };
      if (kind == "torus3d") {
        const int x = largest_divisor_upto(n, std::cbrt(static_cast<double>(n)));
        const int y = largest_divisor_upto(n / x, std::sqrt(static_cast<double>(n / x)));
        topo = fmt::format("{{kind: torus3d, x: {}, y: {}, z: {}}}", x, y, n / x / y);
      } else {
        const int x = largest_divisor_upto(n, std::sqrt(static_cast<double>(n)));
        topo = fmt::format("{{kind: {}, x: {}, y: {}}}", kind, x, n / x);
      }
    } else {
      throw ConfigError(SourceLoc{o.topology.empty() ? "--gpus" : "--topology", 0, 0}, "",
                        fmt::format("quick studies take ring, fully_connected, switch, mesh2d, torus2d or torus3d; "
                                    "give '{}' with --set 'fabric.topology={{kind: {}, ...}}'",
                                    kind, kind));
    }
    sets.push_back("fabric.topology=" + topo);
    const bool grid = kind == "ring" || kind == "mesh2d" || kind == "torus2d" || kind == "torus3d";
    sets.push_back(std::string("fabric.routing=") + (grid ? "dor" : "shortest"));
    if (kind == "switch" && !base.params.fabric.eps) sets.push_back("fabric.switch={preset: eps-scaleup}");
  }
  // The busiest GPU's link count, on the topology as it now stands.
  const ResolvedSystem shaped = resolve_system_option(o.system, sets, configs_dir);
  const auto topo = TopologyRegistry::instance().create(shaped.params.fabric.topology);
  int degree = 1;
  for (int g = 0; g < topo->num_gpus(); ++g) degree = std::max(degree, topo->degree(g));
  const bool switched = topo->num_switches() > 0;
  if (!o.link_bandwidth.empty()) {
    // one lane per link at exactly the rate asked, no FEC; the package has a lane per link
    const double bps = option_quantity(o.link_bandwidth, Dim::DataRate, "--link-bandwidth").value;
    if (!(bps > 0)) throw ConfigError(SourceLoc{"--link-bandwidth", 0, 0}, "", "must be positive");
    const std::string rate = fmt::format("{} bit/s", bps);
    for (const std::string& s :
         {"package.cpo.lane_rate=" + rate, std::string("package.cpo.engines=1"),
          fmt::format("package.cpo.fibres_per_engine={}", degree), std::string("package.cpo.wavelengths_per_fibre=1"),
          std::string("package.cpo.transceiver.fec=none"), std::string("fabric.link.lanes=1")})
      sets.push_back(s);
    if (switched) {
      sets.push_back("fabric.switch.lane_rate=" + rate);
      sets.push_back("fabric.switch.transceiver.fec=none");
    }
  } else if (!o.topology.empty() || o.gpus > 0) {
    // the presets' rule: the package's lanes split evenly over the busiest GPU's links
    const int lanes = std::max(1, shaped.params.package.cpo.lanes() / degree);
    sets.push_back(fmt::format("fabric.link.lanes={}", lanes));
  }
  if (!o.link_latency.empty()) {
    const double ps = option_quantity(o.link_latency, Dim::Time, "--link-latency").value;
    if (ps < 0) throw ConfigError(SourceLoc{"--link-latency", 0, 0}, "", "must not be negative");
    const std::string half = fmt::format("{} ps", ps / 2);
    sets.push_back("package.cpo.transceiver.serdes_latency=" + half);
    sets.push_back("package.cpo.transceiver.fec=none");
    sets.push_back("fabric.link.fibre_length=0 m");
    if (switched) {
      sets.push_back("fabric.switch.transceiver.serdes_latency=" + half);
      sets.push_back("fabric.switch.transceiver.fec=none");
    }
  }
  return sets;
}

}  // namespace

int run_tb_collective(const TbCollectiveOptions& o, const std::string& configs_dir, const std::string& version) {
  if (o.op.empty() && o.ops.empty())
    throw ConfigError(SourceLoc{"--op", 0, 0}, "", "give the collective: --op OP, or --ops OP,OP,...");
  const std::string op_option = o.ops.empty() ? "--op" : "--ops";
  std::vector<CollOp> op_list;
  for (const std::string& name : split_list(o.ops.empty() ? o.op : o.ops)) {
    try {
      op_list.push_back(parse_op(name));
    } catch (const CollectiveError& e) {
      throw ConfigError(SourceLoc{op_option, 0, 0}, "", e.what());
    }
  }
  if (op_list.empty()) throw ConfigError(SourceLoc{op_option, 0, 0}, "", "expected at least one collective op");
  CollectiveTbConfig c;
  ImplConfig given_algo;
  if (!o.algo.empty()) given_algo = parse_algorithm(o.algo, "--algo");
  c.bytes = static_cast<uint64_t>(option_quantity(o.bytes, Dim::DataSize, "--bytes").value);
  c.group = parse_group(o.group);
  c.root = o.root;
  c.iters = o.iters;
  const ResolvedSystem rs = resolve_system_option(o.system, quick_study_sets(o, configs_dir), configs_dir);

  // What the command line leaves out comes from the system's fabric.collective block.
  const CollectiveParams& sys = rs.params.fabric.collective;
  c.chunk = o.chunk.empty()  ? sys.chunk.bytes
            : o.chunk == "0" ? 0
                             : static_cast<uint64_t>(option_quantity(o.chunk, Dim::DataSize, "--chunk").value);
  c.reduce_bandwidth = o.reduce_bw.empty() ? sys.reduce_bandwidth
                       : o.reduce_bw == "0"
                           ? DataRate{0}
                           : DataRate{option_quantity(o.reduce_bw, Dim::DataRate, "--reduce-bw").value};
  c.connection_window = o.connection_window >= 0 ? o.connection_window : sys.connection_window;
  c.chunks = o.chunks;
  c.sequential = o.chunk_mode == "sequential";
  std::vector<CollectiveTbConfig> configs;
  for (CollOp op : op_list) {
    c.op = op;
    const std::string algo_key = std::string("fabric.collective.algorithm.") + op_name(op);
    c.algo = o.algo.empty() ? sys.algorithm.of(op) : given_algo;
    c.algo_text = o.algo.empty() ? algorithm_text(c.algo) : o.algo;
    c.algo_source = o.algo.empty() ? algo_key : "--algo";
    configs.push_back(c);
  }

  // Bad input changes nothing on disk; a failed run must not leave an older summary to pass for its.
  forget_old_summary(o.out);
  CollectiveTbResult r;
  std::unique_ptr<OutputStream> steps;
  if (!o.no_steps) steps = std::make_unique<OutputStream>(o.out, "steps.csv");
  try {
    r = run_collective_tb(rs, configs, steps.get());
  } catch (const CollectiveRequestError& e) {
    throw ConfigError(SourceLoc{"--" + e.field, 0, 0}, "", e.what());
  } catch (const CollectiveError& e) {
    if (!o.algo.empty()) throw ConfigError(SourceLoc{"--algo " + o.algo, 0, 0}, "", e.what());
    if (configs.size() > 1) throw ConfigError(SourceLoc{"--ops " + o.ops, 0, 0}, "", e.what());
    const std::string algo_key = configs.front().algo_source;
    throw ConfigError(rs.where(algo_key), algo_key, e.what());
  }
  nlohmann::json s = summary_header(rs, version);
  s["sim_time_ns"] = r.energy["sim_time_ns"];
  s["collective_tb"] = r.tb;
  s["collective_tb_ops"] = r.rows;
  s["collective_tb_energy"] = r.energy;
  put_output_file(o.out, "system_config.yaml", rs.yaml);
  if (steps) {
    steps->commit();
  } else {  // an earlier run's steps.csv would pass for this one's
    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(o.out) / "steps.csv", ec);
  }
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  std::cout << r.human << fmt::format("results in {}/ (summary.json{})\n", o.out, steps ? ", steps.csv" : "");
  return 0;
}

}  // namespace litesim
