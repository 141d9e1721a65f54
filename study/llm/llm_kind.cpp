// The study's `llm` point kind (llm_kind.h): the point file, the replica's fabric, the pass
// simulated and its metrics (docs/study.md, Metrics).
#include "study/llm/llm_kind.h"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "fabric/link/link_budget.h"
#include "fabric/topology/topology.h"
#include "study/sweep/point_kind.h"
#include "study/sweep/run_kind.h"
#include "traces/runner/simulate.h"
#include "traces/system/package_facts.h"

namespace litesim {

namespace {

std::string g_version = "unknown";

ConfigPtr scalar(const std::string& s) { return ConfigNode::make_scalar(s, {}); }
std::string num(double v) { return fmt::format("{}", v); }

int64_t need_int(const ConfigPtr& map, const std::string& key) { return std::stoll(point_field(map, key)->scalar); }
double need_real(const ConfigPtr& map, const std::string& key) { return std::stod(point_field(map, key)->scalar); }

// The largest divisor of n at most sqrt(n): a grid as square as n allows.
int grid_x(int n) {
  int best = 1;
  for (int d = 1; static_cast<int64_t>(d) * d <= n; ++d)
    if (n % d == 0) best = d;
  return best;
}

int int_param(const ConfigPtr& t, const std::string& key, int fallback) {
  const ConfigPtr v = t ? t->find(key) : nullptr;
  return v && v->is_scalar() ? static_cast<int>(std::stoll(v->scalar)) : fallback;
}

// Each pipeline stage's busy span in the pass, in ns: on each of its ranks, from the arrival of the
// activations from the stage before (its receive's end; 0 for the first stage) to the end of its
// last kernel or collective; the stage's is its slowest rank's. From ops.csv
// (rank,id,name,kind,stream,start_ns,end_ns,...).
std::vector<double> stage_spans(const std::string& ops_csv, int tp, int pp) {
  std::vector<double> from(static_cast<size_t>(tp * pp), 0.0), to(static_cast<size_t>(tp * pp), 0.0);
  std::istringstream in(ops_csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (f.size() < 7) continue;
    const int rank = std::stoi(f[0]);
    if (rank < 0 || rank >= tp * pp) continue;
    const double end = std::stod(f[6]);
    if (f[3] == "recv")
      from[static_cast<size_t>(rank)] = std::max(from[static_cast<size_t>(rank)], end);
    else if (f[3] != "send")
      to[static_cast<size_t>(rank)] = std::max(to[static_cast<size_t>(rank)], end);
  }
  std::vector<double> span(static_cast<size_t>(pp), 0.0);
  for (int r = 0; r < tp * pp; ++r)
    span[static_cast<size_t>(r / tp)] =
        std::max(span[static_cast<size_t>(r / tp)], to[static_cast<size_t>(r)] - from[static_cast<size_t>(r)]);
  return span;
}

double component(const nlohmann::json& by, const char* key) {
  return by.contains(key) ? by.at(key).get<double>() : 0.0;
}

}  // namespace

NetworkShare network_share(const ResolvedSystem& cluster, const Economics& e) {
  const SystemParams& sys = cluster.params;
  const auto t = TopologyRegistry::instance().create(sys.fabric.topology);
  const std::vector<CpoParams> gpu_cpo{sys.package.cpo};
  double static_W = 0, switch_lanes = 0, ocs_ports = 0;
  for (const TopoEdge& l : t->links()) {
    const LinkBudget b = link_budget(l, sys.fabric.link, vertex_optics(*t, l.u, gpu_cpo, sys.fabric.eps),
                                     vertex_optics(*t, l.v, gpu_cpo, sys.fabric.eps));
    static_W += b.static_W;
    if (l.ocs >= 0) {
      ocs_ports += 2;  // a circuit takes two ports of its unit
      continue;
    }
    switch_lanes += b.lanes * ((t->is_gpu(l.u) ? 0 : 1) + (t->is_gpu(l.v) ? 0 : 1));
  }
  // A switch with fewer links than its radix is taken to be sized to them (assumption, docs/study.md):
  // it burns static_power x links / radix.
  if (sys.fabric.eps && sys.fabric.eps->radix > 0)
    for (int v = t->num_gpus(); v < t->num_vertices(); ++v)
      static_W +=
          sys.fabric.eps->static_power.watts * std::min(1.0, static_cast<double>(t->degree(v)) / sys.fabric.eps->radix);
  if (sys.fabric.ocs) static_W += ocs_ports * sys.fabric.ocs->static_power_per_port.watts;
  const double gpus = t->num_gpus();
  return {static_W / gpus, (switch_lanes * e.switch_usd_per_lane + ocs_ports * e.ocs_usd_per_port) / gpus};
}

std::vector<std::string> replica_sets(const ResolvedSystem& cluster, int gpus) {
  const ImplConfig& t = cluster.params.fabric.topology;
  const int n = std::max(gpus, 2);  // a one-GPU replica still gets a fabric (its trace uses one rank)
  const int all = TopologyRegistry::instance().create(t)->num_gpus();
  if (gpus >= all) return {};
  const std::string& kind = t.kind;
  if (kind == "hierarchical") {
    const ConfigPtr inner = t.params->find("inner");
    const int size = int_param(inner, "size", n);
    if (n <= size) {  // one group: its inner network alone, at its links' lanes
      const ConfigPtr k = inner ? inner->find("kind") : nullptr;
      const std::string ik = k ? k->scalar : "switch";
      std::vector<std::string> sets{
          fmt::format("fabric.topology={{kind: {}, gpus: {}}}", ik, ik == "ring" ? std::max(n, 3) : n)};
      const int lanes = int_param(inner, "lanes", 0);
      if (lanes > 0) sets.push_back(fmt::format("fabric.link.lanes={}", lanes));
      return sets;
    }
    return {fmt::format("fabric.topology.groups={}", (n + size - 1) / size)};
  }
  if (kind == "clos") {
    const int per_leaf = int_param(t.params, "gpus_per_leaf", n);
    const int leaves = std::max(2, (n + per_leaf - 1) / per_leaf);
    return {fmt::format("fabric.topology.gpus={}", leaves * per_leaf)};
  }
  if (kind == "torus2d" || kind == "mesh2d") {
    const int x = grid_x(n);
    return {fmt::format("fabric.topology={{kind: mesh2d, x: {}, y: {}}}", x, n / x)};
  }
  if (kind == "ocs_direct") {
    // always `logical: torus2d` (a 1 x n torus is an n-ring): the cluster's own pattern (and its
    // preset's) is merged under this one, so x and y must be given whatever n is
    const int x = grid_x(n);
    return {fmt::format("fabric.topology={{kind: ocs_direct, logical: torus2d, x: {}, y: {}}}", x, n / x)};
  }
  if (kind == "switch" || kind == "ring" || kind == "fully_connected")
    return {fmt::format("fabric.topology.gpus={}", kind == "ring" ? std::max(n, 3) : n)};
  throw ConfigError(cluster.where("fabric.topology.kind"), "fabric.topology.kind",
                    fmt::format("the study cannot size a '{}' fabric to one replica (it sizes hierarchical, clos, "
                                "torus2d, mesh2d, ocs_direct, switch, ring and fully_connected)",
                                kind));
}

std::string llm_point_yaml(const LlmPointSpec& p) {
  const ConfigPtr pt = ConfigNode::make_map({});
  pt->set("kind", scalar("llm"));
  pt->set("id", scalar(p.id));
  pt->set("system_label", scalar(p.system_label));
  pt->set("base_system", scalar(p.base_system));
  pt->set("sensitivity", scalar(p.sensitivity));
  pt->set("value", scalar(p.value));
  pt->set("phase", scalar(llm_phase_name(p.workload.phase)));
  pt->set("batch", scalar(std::to_string(p.workload.batch)));
  pt->set("seq", scalar(std::to_string(p.workload.seq)));
  pt->set("weights", scalar(p.workload.weights == Dtype::fp8 ? "fp8" : "bf16"));
  pt->set("tp", scalar(std::to_string(p.mapping.tp)));
  pt->set("pp", scalar(std::to_string(p.mapping.pp)));
  pt->set("micro_batch", scalar(std::to_string(p.mapping.micro_batch)));
  pt->set("replicas", scalar(std::to_string(p.mapping.replicas)));
  pt->set("cluster_gpus", scalar(std::to_string(p.cluster_gpus)));
  pt->set("gpus_per_rack", scalar(std::to_string(p.gpus_per_rack)));
  pt->set("objectives", scalar(p.objectives));
  pt->set("rank", scalar(std::to_string(p.rank)));
  pt->set("est_pass_s", scalar(num(p.mapping.est_pass_s)));
  pt->set("memory_GiB", scalar(num(to_gib(p.mapping.memory.total()))));
  const ConfigPtr e = ConfigNode::make_map({});
  e->set("lifetime_years", scalar(num(p.econ.lifetime_years)));
  e->set("usd_per_kwh", scalar(num(p.econ.usd_per_kwh)));
  e->set("pue", scalar(num(p.econ.pue)));
  e->set("switch_usd_per_lane", scalar(num(p.econ.switch_usd_per_lane)));
  e->set("ocs_usd_per_port", scalar(num(p.econ.ocs_usd_per_port)));
  pt->set("economics", e);
  pt->set("network_static_W_per_gpu", scalar(num(p.network.static_W_per_gpu)));
  pt->set("network_usd_per_gpu", scalar(num(p.network.usd_per_gpu)));
  pt->set("model", p.model_tree->clone());
  pt->set("system", p.replica.tree->clone());
  return fmt::format(
      "# litesim study point: run from this file alone with `litesim sweep point DIR` (docs/study.md);\n"
      "# system (sized to one replica) and model are resolved configs.\n{}",
      to_yaml(*pt));
}

const std::vector<std::string>& llm_columns() {
  // clang-format off
  static const std::vector<std::string> c{
      "system", "base_system", "sensitivity", "value", "model", "phase", "batch", "seq", "objectives", "rank", "gpus_per_replica", "tp", "pp",
      "micro_batch", "replicas", "memory_GiB", "est_pass_ms", "pass_ms", "cycle_ms", "ttft_ms", "tpot_ms", "tokens_per_s",
      "tokens_per_s_cluster", "tokens_per_s_per_gpu", "tokens_per_s_per_pflops", "capex_usd", "capex_usd_per_gpu",
      "tokens_per_s_per_usd", "usd_per_mtok", "J_per_token", "J_per_token_die", "J_per_token_hbm",
      "J_per_token_optics", "J_per_token_switch", "J_per_token_static", "pJ_per_bit_hbm", "pJ_per_bit_optics",
      "pJ_per_bit_switch", "comm_share", "hbm_util", "link_util", "W_per_package", "W_per_mm2", "kW_per_rack",
      "die_area_mm2", "config_digest"};
  // clang-format on
  return c;
}

namespace {

nlohmann::json run_llm_point(const ConfigPtr& point, const std::string& dir, const std::string& configs) {
  const ResolvedSystem rs = point_system(point, dir, configs);
  const Resolved<ModelParams> model = resolve_model(point_field(point, "model")->clone(), configs);
  LlmWorkload w;
  w.model = model.params;
  w.phase = point_field(point, "phase")->scalar == "prefill" ? LlmPhase::Prefill : LlmPhase::Decode;
  w.batch = need_int(point, "batch");
  w.seq = need_int(point, "seq");
  w.weights = point_field(point, "weights")->scalar == "fp8" ? Dtype::fp8 : Dtype::bf16;
  Mapping m;
  m.tp = static_cast<int>(need_int(point, "tp"));
  m.pp = static_cast<int>(need_int(point, "pp"));
  m.micro_batch = need_int(point, "micro_batch");
  m.replicas = static_cast<int>(need_int(point, "replicas"));
  const int cluster_gpus = static_cast<int>(need_int(point, "cluster_gpus"));
  const int per_rack = static_cast<int>(need_int(point, "gpus_per_rack"));
  const ConfigPtr econ = point_field(point, "economics");

  const RunResult r = simulate_point(rs, generated_trace(pass_request(w, m)), 1, dir, g_version);
  const nlohmann::json& s = r.summary;

  // Time and tokens: one pass carries a micro-batch through every stage; the replica keeps n
  // micro-batches in flight, each crossing every stage once per cycle, so a cycle yields a token for
  // all `batch` sequences (decode) or all `batch` prompts' tokens (prefill). The cycle is the pass,
  // or n times the slowest stage's span when that is longer (a stage works on one micro-batch at a
  // time).
  const double pass_s = s.at("sim_time_ns").get<double>() * 1e-9;
  const int gpus = m.gpus();
  const double n_mb = static_cast<double>(w.batch / m.micro_batch);
  const std::vector<double> spans = stage_spans(r.ops_csv, m.tp, m.pp);
  const double slowest_s = *std::max_element(spans.begin(), spans.end()) * 1e-9;
  const double cycle_s = std::max(pass_s, n_mb * slowest_s);
  const double tokens = w.phase == LlmPhase::Decode ? static_cast<double>(w.batch)
                                                    : static_cast<double>(w.batch) * static_cast<double>(w.seq);
  const double tps = tokens / cycle_s;
  // Energy of one cycle in steady state: each of the n micro-batches makes its pass, so the dynamic
  // energy is n times the simulated pass's; static power runs for the cycle.
  const nlohmann::json& en = s.at("energy");
  const nlohmann::json& dyn = en.at("dynamic_pJ_by_component");
  const nlohmann::json& st = en.at("static_pJ_by_component");
  const double pp = n_mb;  // dynamic energy per cycle: each micro-batch's pass
  const double d_die = component(dyn, "die"), d_hbm = component(dyn, "hbm");
  const double d_opt = component(dyn, "cpo") + component(dyn, "serdes");
  const double d_sw = component(dyn, "switch") + component(dyn, "ocs");
  // Static: the package's die and HBM as simulated; the network's (every link end's transceivers and
  // every switch) as this replica's share of the whole cluster's.
  // The simulated fabric may hold more GPUs than the replica (whole leaves, groups): their idle
  // packages' static energy is not the replica's.
  const double mine = static_cast<double>(gpus) / s.at("gpu_count").get<double>();
  const double pkg_static_pJ = (component(st, "die") + component(st, "hbm")) * mine * (cycle_s / pass_s);
  const double net_static_pJ = need_real(point, "network_static_W_per_gpu") * gpus * cycle_s * 1e12;
  const double static_pJ = pkg_static_pJ + net_static_pJ;
  const double cycle_J = (pp * (d_die + d_hbm + d_opt + d_sw) + static_pJ) * 1e-12;
  const double replica_W = cycle_J / cycle_s;
  const double package_W = (pp * (d_die + d_hbm) + pkg_static_pJ) * 1e-12 / cycle_s / gpus;
  const PackageParams& pkg = rs.params.package;
  const double area = pkg.die.geometry().area_mm2() * pkg.dies;

  // Capex: the packages (cost model, yield included) and the network's ports.
  const CostReport cost = package_cost(pkg);
  const double per_gpu_usd = cost.package_cost_usd + need_real(point, "network_usd_per_gpu");
  const double replica_usd = per_gpu_usd * gpus;
  const double cluster_usd = per_gpu_usd * cluster_gpus;
  const double life_s = need_real(econ, "lifetime_years") * 365.25 * 86400.0;
  const double usd_per_J = need_real(econ, "usd_per_kwh") / 3.6e6;
  const double usd_per_s = replica_usd / life_s + replica_W * need_real(econ, "pue") * usd_per_J;

  double comm = 0, hbm_util = 0, link_util = 0;
  for (const auto& x : s.at("streams")) comm += x.at("comm_busy_ns").get<double>();
  comm /= std::max<size_t>(1, s.at("streams").size()) * s.at("sim_time_ns").get<double>();
  for (const auto& x : s.at("hbm"))  // the replica's GPUs (ranks 0..gpus-1), not idle ones of the fabric
    if (x.at("gpu").get<int>() < gpus) hbm_util += x.at("utilization").get<double>();
  hbm_util /= gpus;
  size_t used_links = 0;
  for (const auto& x : s.at("links"))
    if (x.at("bytes").get<double>() > 0) {
      link_util += x.at("utilization").get<double>();
      ++used_links;
    }
  link_util = used_links ? link_util / static_cast<double>(used_links) : 0.0;
  const nlohmann::json& pj = en.at("pJ_per_bit");
  auto pjb = [&](std::initializer_list<const char*> keys) -> nlohmann::json {
    for (const char* k : keys)
      if (pj.contains(k)) return pj.at(k);
    return nullptr;
  };

  const bool decode = w.phase == LlmPhase::Decode;
  const double pass_ms = pass_s * 1e3, cycle_ms = cycle_s * 1e3;
  return {{"system", point_field(point, "system_label")->scalar},
          {"base_system", point_field(point, "base_system")->scalar},
          {"sensitivity", point_field(point, "sensitivity")->scalar},
          {"value", point_field(point, "value")->scalar},
          {"model", w.model.name},
          {"phase", llm_phase_name(w.phase)},
          {"batch", w.batch},
          {"seq", w.seq},
          {"objectives", point_field(point, "objectives")->scalar},
          {"rank", need_int(point, "rank")},
          {"gpus_per_replica", gpus},
          {"tp", m.tp},
          {"pp", m.pp},
          {"micro_batch", m.micro_batch},
          {"replicas", m.replicas},
          {"memory_GiB", need_real(point, "memory_GiB")},
          {"est_pass_ms", need_real(point, "est_pass_s") * 1e3},
          {"pass_ms", pass_ms},
          {"cycle_ms", cycle_ms},
          {"ttft_ms", decode ? nlohmann::json(nullptr) : nlohmann::json(pass_ms)},
          {"tpot_ms", decode ? nlohmann::json(cycle_ms) : nlohmann::json(nullptr)},
          {"tokens_per_s", tps},
          {"tokens_per_s_cluster", tps * m.replicas},
          {"tokens_per_s_per_gpu", tps / gpus},
          {"tokens_per_s_per_pflops", tps / (gpus * pkg.peak_flops(Dtype::bf16) * 1e-15)},
          {"capex_usd", cluster_usd},
          {"capex_usd_per_gpu", per_gpu_usd},
          {"tokens_per_s_per_usd", tps * m.replicas / cluster_usd},
          {"usd_per_mtok", usd_per_s / tps * 1e6},
          {"J_per_token", cycle_J / tokens},
          {"J_per_token_die", pp * d_die * 1e-12 / tokens},
          {"J_per_token_hbm", pp * d_hbm * 1e-12 / tokens},
          {"J_per_token_optics", pp * d_opt * 1e-12 / tokens},
          {"J_per_token_switch", pp * d_sw * 1e-12 / tokens},
          {"J_per_token_static", static_pJ * 1e-12 / tokens},
          {"pJ_per_bit_hbm", pjb({"hbm"})},
          {"pJ_per_bit_optics", pjb({"cpo", "serdes"})},
          {"pJ_per_bit_switch", pjb({"switch"})},
          {"comm_share", comm},
          {"hbm_util", hbm_util},
          {"link_util", link_util},
          {"W_per_package", package_W},
          {"W_per_mm2", package_W / area},
          {"kW_per_rack", package_W * per_rack / 1e3},
          {"die_area_mm2", area},
          {"config_digest", s.at("config_digest")}};
}

std::vector<std::string> no_prepare(const SweepSpec& spec, const std::vector<SweepPoint>&, const std::string&) {
  throw ConfigError(spec.body ? spec.body->loc : SourceLoc{spec.file, 0, 0}, "llm",
                    "llm points are prepared by `litesim study`, not by a sweep spec");
}

}  // namespace

void register_llm_kind(const std::string& version) {
  g_version = version;
  PointKinds::instance().add({"llm", no_prepare, run_llm_point, llm_columns()});
}

}  // namespace litesim
