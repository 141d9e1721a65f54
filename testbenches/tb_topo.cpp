#include "testbenches/tb_topo.h"

#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "fabric/fabric.h"
#include "fabric/link/link_budget.h"
#include "fabric/topology/properties.h"
#include "testbenches/tb_options.h"
#include "traces/system/system_config.h"

namespace litesim {

namespace {

nlohmann::json vertex_json(const Topology& t, int v) {
  const TopoVertex& tv = t.vertex(v);
  nlohmann::json j = {{"id", v},           {"kind", tv.kind == TopoVertex::Kind::Gpu ? "gpu" : "switch"},
                      {"index", tv.index}, {"role", tv.role},
                      {"group", tv.group}, {"degree", t.degree(v)}};
  if (!tv.coord.empty()) j["coord"] = tv.coord;
  return j;
}

nlohmann::json edge_json(const TopoEdge& e, const LinkBudget& b) {
  nlohmann::json j = {{"id", e.id},
                      {"u", e.u},
                      {"v", e.v},
                      {"port_u", e.port_u},
                      {"port_v", e.port_v},
                      {"lanes", b.lanes},
                      {"rate_Gbps", b.rate_bps / 1e9},
                      {"fibre_m", b.fibre_m},
                      {"static_W", b.static_W},
                      {"class", e.cls},
                      {"one_way", e.one_way}};
  if (e.dim >= 0) {
    j["dim"] = e.dim;
    j["wrap"] = e.wrap;
  }
  if (e.ocs >= 0) j["ocs"] = e.ocs;
  return j;
}

}  // namespace

CLI::App* add_topo(CLI::App& app, TopoOptions& o) {
  auto* c = app.add_subcommand("topo", "a system's topology and its graph properties (no simulation)");
  c->add_option("--system", o.system, "system YAML (default: configs/system/default.yaml)");
  c->add_option("--set", o.sets, "override a config value, KEY=VALUE (repeatable)");
  c->add_option("--configs", o.configs, "presets root (default: $LITESIM_CONFIGS or the shipped configs/)");
  c->add_flag("--json", o.json, "print JSON only");
  return c;
}

int run_topo(const TopoOptions& o, const std::string& configs_dir) {
  const std::string cfg = o.configs.empty() ? configs_dir : o.configs;
  const std::string system_file = o.system.empty() ? default_system_file(cfg) : o.system;
  const ResolvedSystem rs = resolve_system(system_file, o.sets, cfg);
  const SystemParams& sys = rs.params;
  const std::unique_ptr<Topology> t = TopologyRegistry::instance().create(sys.fabric.topology);
  check_switches(*t, sys.fabric, [&rs](const std::string& key) { return rs.where(key); });
  // A GPU end of a link is its package's optics, a switch end the switch ports' own.
  const std::vector<CpoParams> gpu_cpo{sys.package.cpo};
  auto budget = [&](const TopoEdge& e) {
    return link_budget(e, sys.fabric.link, vertex_optics(*t, e.u, gpu_cpo, sys.fabric.eps),
                       vertex_optics(*t, e.v, gpu_cpo, sys.fabric.eps));
  };
  const TopologyProperties p = topology_properties(*t, budget);
  const int package_lanes = sys.package.cpo.lanes();

  if (o.json) {
    nlohmann::json j;
    j["system"] = sys.name;
    j["topology"] = sys.fabric.topology.kind;
    j["config_digest"] = rs.digest;
    j["gpus"] = p.gpus;
    j["switches"] = p.switches;
    j["ocs_units"] = p.ocs_units;
    j["links"] = p.links;
    j["connected"] = p.connected;
    j["diameter"] = p.diameter;
    j["avg_hops"] = p.avg_hops;
    j["bisection_GBps"] = p.bisection_GBps;
    j["bisection_gpus"] = p.bisection_gpus;
    j["optical_lanes"] = p.optical_lanes;
    j["static_optical_W"] = p.static_optical_W;
    j["max_gpu_degree"] = p.max_gpu_degree;
    j["max_gpu_lanes"] = p.max_gpu_lanes;
    j["package_lanes"] = package_lanes;
    j["link_classes"] = p.link_classes;
    j["dims"] = t->dims();
    nlohmann::json nodes = nlohmann::json::array();
    for (int v = 0; v < t->num_vertices(); ++v) nodes.push_back(vertex_json(*t, v));
    j["nodes"] = nodes;
    nlohmann::json edges = nlohmann::json::array();
    for (const TopoEdge& e : t->links()) edges.push_back(edge_json(e, budget(e)));
    j["edges"] = edges;
    nlohmann::json units = nlohmann::json::array();
    for (const OcsUnit& u : t->ocs_units())
      units.push_back({{"role", u.role}, {"ports", u.ports}, {"circuits", u.links.size()}, {"links", u.links}});
    j["ocs"] = units;
    std::cout << j.dump(2) << "\n";
    return 0;
  }

  std::string classes;
  for (const auto& [cls, n] : p.link_classes) classes += fmt::format("{}{} {}", classes.empty() ? "" : ", ", cls, n);
  std::cout << fmt::format("LiteSim topo: {} (fabric.topology.kind: {})\n", sys.name, sys.fabric.topology.kind);
  std::cout << fmt::format("  GPUs            {}\n", p.gpus);
  std::cout << fmt::format("  switches        {}\n", p.switches);
  std::cout << fmt::format("  OCS units       {}\n", p.ocs_units);
  std::cout << fmt::format("  links           {} ({})\n", p.links, classes);
  if (p.connected)
    std::cout << fmt::format("  hops            diameter {}, average {:.4f} (GPU to GPU, shortest)\n", p.diameter,
                             p.avg_hops);
  else
    std::cout << "  hops            NOT CONNECTED: some GPU cannot reach another\n";
  std::cout << fmt::format("  bisection       {:.2f} GB/s one direction ({} of {} GPUs on one side)\n",
                           p.bisection_GBps, p.bisection_gpus, p.gpus);
  std::cout << fmt::format("  optical lanes   {} per direction\n", p.optical_lanes);
  std::cout << fmt::format("  static optics   {:.3f} W (lasers and idle electronics, both ends of every link)\n",
                           p.static_optical_W);
  std::cout << fmt::format("  GPU lanes       at most {} per direction on one GPU ({} links); the package has {}{}\n",
                           p.max_gpu_lanes, p.max_gpu_degree, package_lanes,
                           p.max_gpu_lanes > package_lanes ? ": TOO MANY, `litesim run` will refuse this fabric" : "");
  return 0;
}

}  // namespace litesim
