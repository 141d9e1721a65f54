// `litesim study` (study.h): the spec, the points, the choice and the outputs.
#include "study/study.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/output_files.h"
#include "fabric/topology/topology.h"
#include "hw/package/cost.h"
#include "memory/hbm/hbm.h"
#include "study/availability/availability.h"
#include "study/llm/serving.h"
#include "study/sweep/executor.h"
#include "study/sweep/merge.h"
#include "study/sweep/point_kind.h"
#include "study/sweep/run_kind.h"
#include "study/sweep/spec.h"
#include "traces/system/package_facts.h"

namespace litesim {

namespace fs = std::filesystem;

namespace {

// ---- the spec ----

ConfigPtr field(const ConfigPtr& map, const std::string& key, const std::string& path, bool required) {
  ConfigPtr v = map->find(key);
  if (!v && required) throw ConfigError(map->loc, path + key, "missing");
  return v;
}

void only_keys(const ConfigPtr& map, const std::string& path, const std::set<std::string>& keys) {
  for (const auto& e : map->entries)
    if (!keys.count(e.key)) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
      throw ConfigError(e.key_loc, path + e.key, fmt::format("unknown key (expected one of: {})", list));
    }
}

ConfigPtr need_map(const ConfigPtr& v, const std::string& path) {
  if (!v->is_map()) throw ConfigError(v->loc, path, fmt::format("expected a mapping, got a {}", v->kind_name()));
  return v;
}

std::vector<ConfigPtr> need_list(const ConfigPtr& v, const std::string& path) {
  if (v->is_scalar()) return {v};
  if (!v->is_seq() || v->items.empty())
    throw ConfigError(v->loc, path, "expected a value or a non-empty list of values");
  return v->items;
}

int64_t integer(const ConfigPtr& v, const std::string& path, int64_t lo, int64_t hi) {
  int64_t x = 0;
  if (!v->is_scalar() || !parse_integer(v->scalar, &x) || x < lo || x > hi)
    throw ConfigError(v->loc, path,
                      fmt::format("expected an integer from {} to {}, got '{}'", lo, hi,
                                  v->is_scalar() ? v->scalar : v->kind_name()));
  return x;
}

double real(const ConfigPtr& v, const std::string& path) {
  double x = 0;
  size_t used = 0;
  try {
    x = std::stod(v->is_scalar() ? v->scalar : "", &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (!v->is_scalar() || used != v->scalar.size() || !(x >= 0) || !std::isfinite(x))
    throw ConfigError(
        v->loc, path,
        fmt::format("expected a non-negative number, got '{}'", v->is_scalar() ? v->scalar : v->kind_name()));
  return x;
}

std::vector<int64_t> integers(const ConfigPtr& v, const std::string& path, int64_t hi) {
  std::vector<int64_t> out;
  for (const auto& x : need_list(v, path)) out.push_back(integer(x, path, 1, hi));
  return out;
}

// The grid of one block (the spec's top level, or `quick:` over it).
struct Grid {
  std::vector<ConfigPtr> models;
  ConfigPtr prefill, decode;
};

void read_grid(const ConfigPtr& map, Grid& g) {
  if (const ConfigPtr m = map->find("models")) g.models = need_list(m, "models");
  if (const ConfigPtr p = map->find("prefill")) g.prefill = p;
  if (const ConfigPtr d = map->find("decode")) g.decode = d;
}

std::vector<StudyCase> cases_of(const Grid& g, const std::string& path) {
  std::vector<StudyCase> out;
  for (const auto& m : g.models) {
    if (!m->is_scalar()) throw ConfigError(m->loc, path + "models", "expected model preset names");
    if (g.prefill) {
      need_map(g.prefill, path + "prefill");
      only_keys(g.prefill, path + "prefill.", {"prompt", "batch"});
      for (int64_t b : integers(field(g.prefill, "batch", path + "prefill.", true), path + "prefill.batch", 1 << 20))
        for (int64_t s :
             integers(field(g.prefill, "prompt", path + "prefill.", true), path + "prefill.prompt", 1 << 24))
          out.push_back({m->scalar, LlmPhase::Prefill, b, s});
    }
    if (g.decode) {
      need_map(g.decode, path + "decode");
      only_keys(g.decode, path + "decode.", {"batch", "context"});
      for (int64_t b : integers(field(g.decode, "batch", path + "decode.", true), path + "decode.batch", 1 << 20))
        for (int64_t s : integers(field(g.decode, "context", path + "decode.", true), path + "decode.context", 1 << 24))
          out.push_back({m->scalar, LlmPhase::Decode, b, s});
    }
  }
  return out;
}

// A pool of a stage's deployment: {system: NAME, gpus: N}, or the deployment's own system and gpus.
// `gpus_of` gives a spec system's cluster size; `used` sums the deployment's pools per system.
StagePool read_pool(const ConfigPtr& map, const std::string& path, const StudySpec& s,
                    const std::function<int(const StudySystem&)>& gpus_of, std::map<std::string, int>& used) {
  StagePool p;
  p.loc = map->loc;
  const ConfigPtr sys = field(map, "system", path, true);
  const auto it = std::find_if(s.systems.begin(), s.systems.end(),
                               [&](const StudySystem& x) { return x.base.empty() && x.label == sys->scalar; });
  if (!sys->is_scalar() || it == s.systems.end())
    throw ConfigError(sys->loc, path + "system",
                      fmt::format("'{}' is not one of the spec's systems", sys->is_scalar() ? sys->scalar : ""));
  p.system = sys->scalar;
  const ConfigPtr g = field(map, "gpus", path, true);
  p.gpus = static_cast<int>(integer(g, path + "gpus", 1, 1 << 20));
  const int have = gpus_of(*it);
  if ((used[p.system] += p.gpus) > have)
    throw ConfigError(
        g->loc, path + "gpus",
        fmt::format("the deployment takes {} GPUs of {}, whose cluster has {}", used[p.system], p.system, have));
  return p;
}

void read_stages(const ConfigPtr& list, StudySpec& s, const std::string& configs) {
  std::map<std::string, int> cluster_gpus;
  auto gpus_of = [&](const StudySystem& sys) {
    if (!cluster_gpus.count(sys.label)) {
      const ResolvedSystem rs = resolve_system(sys.file, sys.sets, configs);
      cluster_gpus[sys.label] = TopologyRegistry::instance().create(rs.params.fabric.topology)->num_gpus();
    }
    return cluster_gpus.at(sys.label);
  };
  std::set<std::string> names;
  for (const auto& e : need_list(list, "stages")) {
    need_map(e, "stages[]");
    only_keys(e, "stages[].",
              {"name", "model", "prompt", "output", "max_batch", "hbm_utilization", "slo", "deployments"});
    Stage st;
    st.loc = e->loc;
    const ConfigPtr nm = field(e, "name", "stages[].", true);
    if (!nm->is_scalar() || nm->scalar.empty() || !names.insert(nm->scalar).second)
      throw ConfigError(nm->loc, "stages[].name", "expected a name no other stage has");
    st.name = nm->scalar;
    const ConfigPtr model = field(e, "model", "stages[].", true);
    const ConfigPtr raw = ConfigNode::make_map(model->loc);
    raw->set("preset", ConfigNode::make_scalar(model->scalar, model->loc));
    int64_t context = 0;
    try {
      context = resolve_model(raw, configs).params.context;
    } catch (const ConfigError& err) {
      throw ConfigError(model->loc, "stages[].model", err.what());
    }
    st.model = model->scalar;
    st.prompt = integer(field(e, "prompt", "stages[].", true), "stages[].prompt", 1, 1 << 24);
    const ConfigPtr out = field(e, "output", "stages[].", true);
    st.output = integer(out, "stages[].output", 1, 1 << 24);
    if (st.prompt + st.output > context)
      throw ConfigError(out->loc, "stages[].output",
                        fmt::format("{} prompt + {} output tokens is beyond {}'s context of {}", st.prompt, st.output,
                                    st.model, context));
    if (const ConfigPtr b = e->find("max_batch")) st.max_batch = integer(b, "stages[].max_batch", 1, 1 << 20);
    if (const ConfigPtr u = e->find("hbm_utilization")) {
      st.hbm_utilization = real(u, "stages[].hbm_utilization");
      if (!(st.hbm_utilization > 0) || st.hbm_utilization > 1)
        throw ConfigError(u->loc, "stages[].hbm_utilization", "expected a share above 0 and at most 1");
    }
    if (const ConfigPtr slo = e->find("slo")) {
      need_map(slo, "stages[].slo");
      only_keys(slo, "stages[].slo.", {"ttft_ms", "tpot_ms"});
      if (const ConfigPtr t = slo->find("ttft_ms")) st.ttft_slo_ms = real(t, "stages[].slo.ttft_ms");
      if (const ConfigPtr t = slo->find("tpot_ms")) st.tpot_slo_ms = real(t, "stages[].slo.tpot_ms");
    }
    std::set<std::string> deps;
    for (const auto& d : need_list(field(e, "deployments", "stages[].", true), "stages[].deployments")) {
      const std::string path = "stages[].deployments[].";
      need_map(d, "stages[].deployments[]");
      only_keys(d, path, {"name", "system", "gpus", "prefill", "decode"});
      StageDeployment dep;
      dep.loc = d->loc;
      std::map<std::string, int> used;  // GPUs per system in this deployment
      const ConfigPtr dn = field(d, "name", path, true);
      if (!dn->is_scalar() || dn->scalar.empty() || !deps.insert(dn->scalar).second)
        throw ConfigError(dn->loc, path + "name", "expected a name no other deployment of the stage has");
      dep.name = dn->scalar;
      const bool split = d->find("prefill") || d->find("decode");
      if (split && (d->find("system") || d->find("gpus")))
        throw ConfigError(d->loc, path + "system",
                          "give system and gpus (one pool running both phases) or prefill and decode pools, not both");
      if (split) {
        dep.disaggregated = true;
        dep.prefill =
            read_pool(need_map(field(d, "prefill", path, true), path + "prefill"), path + "prefill.", s, gpus_of, used);
        dep.decode =
            read_pool(need_map(field(d, "decode", path, true), path + "decode"), path + "decode.", s, gpus_of, used);
      } else {
        dep.prefill = dep.decode = read_pool(d, path, s, gpus_of, used);
      }
      st.deployments.push_back(dep);
    }
    s.stages.push_back(st);
  }
}

}  // namespace

StudySpec load_study_spec(const std::string& path, bool full, const std::string& configs) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  if (!f || !(text << f.rdbuf())) throw ConfigError(SourceLoc{path, 0, 0}, "", "cannot read the study spec");
  const ConfigPtr root = parse_yaml(text.str(), path);
  if (!root->is_map()) throw ConfigError(root->loc, "", "a study spec is a mapping (study, systems, models, ...)");
  only_keys(root, "",
            {"study", "systems", "models", "weights", "prefill", "decode", "objectives", "candidates", "economics",
             "quick", "sensitivity", "stages"});
  StudySpec s;
  s.file = path;
  s.digest = fnv1a_hex(text.str());
  const ConfigPtr name = field(root, "study", "", true);
  if (!name->is_scalar() || name->scalar.empty()) throw ConfigError(name->loc, "study", "expected the study's name");
  s.name = name->scalar;
  std::set<std::string> labels;
  for (const auto& e : need_list(field(root, "systems", "", true), "systems")) {
    need_map(e, "systems[]");
    only_keys(e, "systems[].", {"name", "system", "gpus_per_rack"});
    StudySystem sys;
    sys.loc = e->loc;
    const ConfigPtr nm = field(e, "name", "systems[].", true);
    if (!nm->is_scalar() || nm->scalar.empty())
      throw ConfigError(nm->loc, "systems[].name", "expected the system's name (a non-empty word)");
    sys.label = nm->scalar;
    if (!labels.insert(sys.label).second)
      throw ConfigError(e->loc, "systems[].name", fmt::format("'{}' is named twice", sys.label));
    sys.file = locate_spec_file(field(e, "system", "systems[].", true)->scalar, path, configs);
    if (!fs::exists(sys.file))
      throw ConfigError(field(e, "system", "", true)->loc, "systems[].system",
                        fmt::format("no such system file '{}'", sys.file));
    sys.gpus_per_rack =
        static_cast<int>(integer(field(e, "gpus_per_rack", "systems[].", true), "systems[].gpus_per_rack", 1, 1 << 20));
    s.systems.push_back(sys);
  }
  // Sensitivity sweeps: variants of a spec system, one per value of one config path.
  if (const ConfigPtr sens = root->find("sensitivity")) {
    std::set<std::string> names;
    for (const auto& e : need_list(sens, "sensitivity")) {
      need_map(e, "sensitivity[]");
      only_keys(e, "sensitivity[].", {"name", "system", "path", "values", "labels", "quick", "models"});
      const ConfigPtr nm = field(e, "name", "sensitivity[].", true);
      if (!names.insert(nm->scalar).second)
        throw ConfigError(nm->loc, "sensitivity[].name", fmt::format("'{}' is named twice", nm->scalar));
      const ConfigPtr sysname = field(e, "system", "sensitivity[].", true);
      const auto base = std::find_if(s.systems.begin(), s.systems.end(), [&](const StudySystem& x) {
        return x.label == sysname->scalar && x.base.empty();
      });
      if (base == s.systems.end())
        throw ConfigError(sysname->loc, "sensitivity[].system",
                          fmt::format("'{}' is not one of the spec's systems", sysname->scalar));
      const ConfigPtr at = e->find("path");  // one path, or every value a mapping of paths
      const std::vector<ConfigPtr> values =
          need_list(field(e, "values", "sensitivity[].", true), "sensitivity[].values");
      std::vector<ConfigPtr> labels = values;
      if (const ConfigPtr l = e->find("labels")) {
        labels = need_list(l, "sensitivity[].labels");
        if (labels.size() != values.size())
          throw ConfigError(l->loc, "sensitivity[].labels",
                            fmt::format("{} labels for {} values", labels.size(), values.size()));
      }
      bool quick = false;
      if (const ConfigPtr q = e->find("quick")) {
        if (!q->is_scalar() || (q->scalar != "true" && q->scalar != "false"))
          throw ConfigError(q->loc, "sensitivity[].quick", "expected true or false");
        quick = q->scalar == "true";
      }
      std::vector<std::string> only;  // the models this sweep runs (default: all of the grid's)
      if (const ConfigPtr ms = e->find("models"))
        for (const auto& m : need_list(ms, "sensitivity[].models")) {
          if (!m->is_scalar()) throw ConfigError(m->loc, "sensitivity[].models", "expected model names");
          const ConfigPtr grid = root->find("models");
          const bool listed = grid && std::any_of(grid->items.begin(), grid->items.end(),
                                                  [&](const ConfigPtr& g) { return g->scalar == m->scalar; });
          if (!listed)
            throw ConfigError(m->loc, "sensitivity[].models",
                              fmt::format("'{}' is not one of the spec's models", m->scalar));
          only.push_back(m->scalar);
        }
      const StudySystem b = *base;
      std::vector<StudySystem> variants;
      for (size_t i = 0; i < values.size(); ++i) {
        StudySystem v = b;
        v.base = b.label;
        v.sensitivity = nm->scalar;
        v.models = only;
        v.value = labels[i]->is_scalar() ? labels[i]->scalar : flow_yaml(*labels[i]);
        v.label = fmt::format("{} [{} {}]", b.label, nm->scalar, v.value);
        v.loc = values[i]->loc;
        if (values[i]->is_map()) {
          for (const auto& kv : values[i]->entries) v.sets.push_back(kv.key + "=" + flow_yaml(*kv.value));
        } else if (at && at->is_scalar()) {
          v.sets.push_back(at->scalar + "=" + flow_yaml(*values[i]));
        } else {
          throw ConfigError(values[i]->loc, "sensitivity[].values",
                            "expected a mapping of config paths to values, or give `path:` for plain values");
        }
        try {
          resolve_system(v.file, v.sets, configs);
        } catch (const ConfigError& err) {
          throw ConfigError(values[i]->loc, "sensitivity[].values", err.what());
        }
        variants.push_back(v);
      }
      if (full || quick)
        for (auto& v : variants) s.systems.push_back(v);
    }
  }
  if (const ConfigPtr w = root->find("weights")) {
    if (!w->is_scalar() || (w->scalar != "bf16" && w->scalar != "fp8"))
      throw ConfigError(w->loc, "weights", "expected bf16 or fp8");
    s.weights = w->scalar == "fp8" ? Dtype::fp8 : Dtype::bf16;
  }
  for (const auto& o : need_list(field(root, "objectives", "", true), "objectives"))
    s.objectives.push_back(parse_objective(o->scalar, o->loc, "objectives"));
  if (const ConfigPtr c = root->find("candidates")) s.candidates = static_cast<int>(integer(c, "candidates", 1, 16));
  if (const ConfigPtr e = root->find("economics")) {
    need_map(e, "economics");
    only_keys(e, "economics.", {"lifetime_years", "usd_per_kwh", "pue", "switch_usd_per_lane", "ocs_usd_per_port"});
    const std::map<std::string, double*> keys{{"lifetime_years", &s.econ.lifetime_years},
                                              {"usd_per_kwh", &s.econ.usd_per_kwh},
                                              {"pue", &s.econ.pue},
                                              {"switch_usd_per_lane", &s.econ.switch_usd_per_lane},
                                              {"ocs_usd_per_port", &s.econ.ocs_usd_per_port}};
    for (const auto& [k, dst] : keys)
      if (const ConfigPtr v = e->find(k)) *dst = real(v, "economics." + k);
    if (!(s.econ.lifetime_years > 0)) throw ConfigError(e->loc, "economics.lifetime_years", "must be positive");
    if (s.econ.pue < 1) throw ConfigError(e->loc, "economics.pue", "must be at least 1");
  }
  if (const ConfigPtr st = root->find("stages")) read_stages(st, s, configs);
  Grid g;
  read_grid(root, g);
  if (g.models.empty()) throw ConfigError(root->loc, "models", "missing");
  if (!g.prefill && !g.decode) throw ConfigError(root->loc, "decode", "give prefill:, decode: or both");
  s.cases = cases_of(g, "");        // checks the whole grid even when the quick subset runs
  for (const auto& m : g.models) {  // every model of the grid exists, named at its place in the spec
    const ConfigPtr raw = ConfigNode::make_map(m->loc);
    raw->set("preset", ConfigNode::make_scalar(m->scalar, m->loc));
    try {
      resolve_model(raw, configs);
    } catch (const ConfigError& e) {
      throw ConfigError(m->loc, "models", e.what());
    }
  }
  if (!full) {
    if (const ConfigPtr q = root->find("quick")) {
      need_map(q, "quick");
      only_keys(q, "quick.", {"models", "prefill", "decode"});
      Grid quick;
      quick.models = g.models;
      read_grid(q, quick);
      if (!q->find("prefill") && q->find("decode")) quick.prefill = nullptr;
      if (!q->find("decode") && q->find("prefill")) quick.decode = nullptr;
      if (!q->find("prefill") && !q->find("decode")) {
        quick.prefill = g.prefill;
        quick.decode = g.decode;
      }
      s.cases = cases_of(quick, "quick.");
    }
  }
  return s;
}

namespace {

// ---- points ----

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.') ? c : '-';
  return out;
}

struct Planned {
  LlmPointSpec spec;
  std::string key;  // system | model | phase | batch | seq (| g<cap> for a stage's pool of some of the GPUs)
  int cap = 0;      // a stage's pool: GPUs of the cluster it has (0: all)
};

// A spec system's whole cluster.
struct Cluster {
  ResolvedSystem rs;
  ClusterFacts facts;
  NetworkShare network;
};

// A stage's deployment and its planned points (indices into the plan).
struct StagePlan {
  const Stage* stage = nullptr;
  const StageDeployment* dep = nullptr;
  std::vector<std::pair<size_t, size_t>> pairs;  // colocated: (prefill, decode) of one mapping
  std::vector<size_t> pre, dec;                  // disaggregated: each pool's candidates
  std::string why;                               // when no mapping fits
};

struct CaseKey {
  std::string system;
  StudyCase c;
  Objective objective;
};

std::string case_key(const std::string& system, const StudyCase& c) {
  return fmt::format("{}|{}|{}|{}|{}", system, c.model, llm_phase_name(c.phase), c.batch, c.seq);
}

// What the latency objective minimises: the time per output token in decode (the steady-state
// cycle), the time to first token in prefill (one pass).
double latency_ms(const nlohmann::json& m) {
  return m.at(m.at("phase").get<std::string>() == "decode" ? "tpot_ms" : "ttft_ms").get<double>();
}

// A label as a file name: anything but [A-Za-z0-9._-] becomes '-' (report.py does the same).
std::string file_name(const std::string& label) {
  std::string out;
  for (char c : label)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '-';
  return out;
}

// DIR/study.yaml (the spec), DIR/configs/<system>.yaml (each cluster's resolved config) and
// DIR/cost_curve.csv (the cost model over die area, for the report's yield plot).
void write_configs_and_costs(const std::string& out, const StudySpec& spec,
                             const std::map<std::string, Cluster>& clusters, const std::string& configs) {
  std::ifstream f(spec.file, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  put_output_file(out, "study.yaml", text.str());
  fs::create_directories(fs::path(out) / "configs");
  for (const StudySystem& sys : spec.systems) {
    const ResolvedSystem& rs = clusters.at(sys.label).rs;
    put_output_file((fs::path(out) / "configs").string(), file_name(sys.label) + ".yaml",
                    fmt::format("# {} (resolved from {}), digest {}\n{}", sys.label,
                                fs::path(sys.file).lexically_relative(configs).string(), rs.digest, rs.yaml));
  }
  // The H100's die and process scaled in area: SMs (and spares) and the uncore in proportion.
  const ResolvedPackage h100 = resolve_package(configs, "h100-sxm", {});
  const DieGeometry g = h100.params.die.geometry();
  const PackageBill bill{1, 0, 0, 1};
  std::string csv_text =
      "die_area_mm2,sms_physical,sms_enabled,dies_per_wafer,yield_no_spares,yield_used,"
      "good_dies_per_wafer,die_cost_usd,usd_per_good_mm2\n";
  for (double scale : {0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0}) {
    DieGeometry d = g;
    d.sms_physical = std::max(1, static_cast<int>(std::lround(g.sms_physical * scale)));
    d.sms_enabled = std::max(1, static_cast<int>(std::lround(g.sms_enabled * scale)));
    d.uncore_area_mm2 = g.uncore_area_mm2 * scale;
    const CostReport c = compute_cost(h100.params.cost, d, bill);
    csv_text += fmt::format("{},{},{},{},{},{},{},{},{}\n", d.area_mm2(), d.sms_physical, d.sms_enabled,
                            c.dies_per_wafer, c.yield.of(c.yield_model), c.yield_used, c.good_dies_per_wafer,
                            c.die_cost_usd, c.die_cost_usd / d.area_mm2());
  }
  put_output_file(out, "cost_curve.csv", csv_text);
}

// ---- the staged path ----

PoolPhase pool_phase(const nlohmann::json& m, int gpus) {
  PoolPhase p;
  p.tokens_per_s_replica = m.at("tokens_per_s").get<double>();
  p.replicas = m.at("replicas").get<int>();
  p.gpus_per_replica = m.at("gpus_per_replica").get<int>();
  p.gpus = gpus;
  p.J_per_token = m.at("J_per_token").get<double>();
  p.J_per_token_static = m.at("J_per_token_static").get<double>();
  p.pass_ms = m.at("pass_ms").get<double>();
  p.cycle_ms = m.at("cycle_ms").get<double>();
  p.capex_usd_per_gpu = m.at("capex_usd_per_gpu").get<double>();
  return p;
}

// A request's KV cache from a GPU of `from` to one of `to`: each GPU's scale-out link (the whole
// optics of a GPU on a flat network), the slower message latency of the two, and the energy of the
// sender's transmit, one switch of the sender's network when it has switches, the receiver's receive.
KvPath kv_path(const Cluster& from, const Cluster& to) {
  KvPath k;
  k.src_bytes_per_s_per_gpu = from.facts.scaleout_bytes_per_s;
  k.dst_bytes_per_s_per_gpu = to.facts.scaleout_bytes_per_s;
  k.latency_s = std::max(from.facts.step_latency_s, to.facts.step_latency_s);
  const auto& eps = from.rs.params.fabric.eps;
  const bool switched = TopologyRegistry::instance().create(from.rs.params.fabric.topology)->num_switches() > 0;
  k.pj_per_bit = from.rs.params.package.cpo.transceiver.tx_pj_per_bit() +
                 (switched && eps ? eps->transceiver.dynamic_pj_per_bit() + eps->energy_per_bit.pj_per_bit : 0.0) +
                 to.rs.params.package.cpo.transceiver.rx_pj_per_bit();
  return k;
}

std::string mapping_text(const nlohmann::json& m) {
  return fmt::format("tp{} x pp{}", m.at("tp").get<int>(), m.at("pp").get<int>());
}

// One row per deployment of every stage (stages.csv): the best simulated mapping(s) served by the
// model of study/llm/serving.h, or why none fits.
std::vector<nlohmann::json> serve_stages(const StudySpec& spec, const std::vector<StagePlan>& plans,
                                         const std::vector<nlohmann::json>& metrics,
                                         const std::map<std::string, Cluster>& clusters,
                                         const std::map<std::string, Resolved<ModelParams>>& models) {
  std::vector<nlohmann::json> rows;
  for (const StagePlan& sp : plans) {
    const Stage& st = *sp.stage;
    const StageDeployment& d = *sp.dep;
    const ServingMix mix{st.prompt, st.output};
    nlohmann::json row{{"stage", st.name},
                       {"deployment", d.name},
                       {"layout", d.disaggregated ? "disaggregated" : "colocated"},
                       {"model", st.model},
                       {"prompt", st.prompt},
                       {"output", st.output},
                       {"max_batch", st.max_batch},
                       {"prefill_system", d.prefill.system},
                       {"prefill_gpus", d.prefill.gpus},
                       {"decode_system", d.decode.system},
                       {"decode_gpus", d.decode.gpus},
                       {"gpus", d.disaggregated ? d.prefill.gpus + d.decode.gpus : d.decode.gpus},
                       {"note", sp.why}};
    auto peak = [&](const StagePool& p) {
      return p.gpus * clusters.at(p.system).rs.params.package.peak_flops(Dtype::bf16) / 1e15;
    };
    const double pflops = d.disaggregated ? peak(d.prefill) + peak(d.decode) : peak(d.decode);
    row["peak_PFLOPS"] = pflops;
    auto hbm = [&](const StagePool& p) {
      const HbmFacts h = hbm_facts(clusters.at(p.system).rs.params.package.hbm);
      return std::pair<double, double>(p.gpus * to_gib(h.capacity), p.gpus * h.peak_bytes_per_s / 1e12);
    };
    const auto [gib, tbps] = d.disaggregated ? std::pair<double, double>(hbm(d.prefill).first + hbm(d.decode).first,
                                                                         hbm(d.prefill).second + hbm(d.decode).second)
                                             : hbm(d.decode);
    row["hbm_GiB"] = gib;
    row["hbm_TBps"] = tbps;
    // Every combination of a simulated prefill and decode candidate, served; the chosen one meets the
    // stage's service level with the most requests/s, or (when none does) misses it by the least.
    struct Option {
      Serving sv;
      const nlohmann::json *pre, *dec;
      bool meets;
      double miss;  // the larger of TTFT / its limit and TPOT (prefills included) / its limit
    };
    std::vector<Option> options;
    const double kv = kv_cache_bytes(models.at(st.model).params, st.prompt);
    const KvPath path = kv_path(clusters.at(d.prefill.system), clusters.at(d.decode.system));
    auto consider = [&](const nlohmann::json& a, const nlohmann::json& b) {
      if (a.is_null() || b.is_null()) return;
      const PoolPhase pa = pool_phase(a, d.prefill.gpus), pb = pool_phase(b, d.decode.gpus);
      const Serving v = d.disaggregated ? serve_disaggregated(mix, pa, pb, kv, path, spec.econ)
                                        : serve_colocated(mix, pa, pb, spec.econ);
      const double miss = std::max(v.ttft_ms / st.ttft_slo_ms, v.tpot_interleaved_ms / st.tpot_slo_ms);
      options.push_back({v, &a, &b, miss <= 1.0, miss});
    };
    if (!d.disaggregated) {
      for (const auto& [a, b] : sp.pairs) consider(metrics[a], metrics[b]);
    } else {
      for (size_t a : sp.pre)
        for (size_t b : sp.dec) consider(metrics[a], metrics[b]);
    }
    std::stable_sort(options.begin(), options.end(), [](const Option& x, const Option& y) {
      if (x.meets != y.meets) return x.meets;
      if (x.meets) return x.sv.requests_per_s > y.sv.requests_per_s;
      return x.miss < y.miss;
    });
    const nlohmann::json* pre = options.empty() ? nullptr : options[0].pre;
    const nlohmann::json* dec = options.empty() ? nullptr : options[0].dec;
    const Serving sv = options.empty() ? Serving{} : options[0].sv;
    std::string runner_up = "none that fits";
    if (options.size() > 1) {
      const Option& r = options[1];
      runner_up = fmt::format("{} / {} at batch {}: {:.3f} requests/s{}", mapping_text(*r.pre), mapping_text(*r.dec),
                              r.dec->at("batch").get<int64_t>(), r.sv.requests_per_s,
                              r.meets ? "" : ", misses the service level");
    }
    row["ttft_slo_ms"] = st.ttft_slo_ms;
    row["tpot_slo_ms"] = st.tpot_slo_ms;
    if (!options.empty()) {
      row["slo_met"] = options[0].meets;
      if (!options[0].meets)
        row["note"] =
            fmt::format("no candidate meets the service level; the closest misses it by {:.2f}x", options[0].miss);
    }
    if (d.disaggregated && pre) {
      row["kv_MB"] = kv / 1e6;
      row["kv_ms"] = sv.kv_ms;
      row["kv_GBps"] = std::min(path.src_bytes_per_s_per_gpu * pre->at("gpus_per_replica").get<int>(),
                                path.dst_bytes_per_s_per_gpu * dec->at("gpus_per_replica").get<int>()) /
                       1e9;
    }
    if (!pre || !dec) {
      if (sp.why.empty()) row["note"] = "its points failed";
      rows.push_back(row);
      continue;
    }
    row["prefill_tp"] = pre->at("tp");
    row["prefill_pp"] = pre->at("pp");
    row["prefill_replicas"] = pre->at("replicas");
    row["decode_tp"] = dec->at("tp");
    row["decode_pp"] = dec->at("pp");
    row["decode_replicas"] = dec->at("replicas");
    row["decode_batch"] = dec->at("batch");
    // prefill GPUs per decode GPU at which both phases would be equally busy
    const double pre_gpu_s = static_cast<double>(st.prompt) * pre->at("gpus_per_replica").get<double>() /
                             pre->at("tokens_per_s").get<double>();
    const double dec_gpu_s = static_cast<double>(st.output) * dec->at("gpus_per_replica").get<double>() /
                             dec->at("tokens_per_s").get<double>();
    row["balanced_prefill_per_decode_gpu"] = pre_gpu_s / dec_gpu_s;
    row["requests_per_s"] = sv.requests_per_s;
    row["output_tokens_per_s"] = sv.output_tokens_per_s;
    row["output_tokens_per_s_per_gpu"] = sv.output_tokens_per_s / row.at("gpus").get<int>();
    row["output_tokens_per_s_per_pflops"] = sv.output_tokens_per_s / pflops;
    row["ttft_ms"] = sv.ttft_ms;
    row["tpot_ms"] = sv.tpot_ms;
    row["tpot_interleaved_ms"] = sv.tpot_interleaved_ms;
    row["limit"] = sv.limit;
    row["prefill_busy"] = sv.prefill_busy;
    row["decode_busy"] = sv.decode_busy;
    row["capex_usd"] = sv.capex_usd;
    row["power_kW"] = sv.power_W / 1e3;
    row["J_per_output_token"] = sv.J_per_output_token;
    row["usd_per_mtok"] = sv.usd_per_mtok;
    row["runner_up"] = runner_up;
    row["prefill_point"] = pre->at("point");
    row["decode_point"] = dec->at("point");
    rows.push_back(row);
  }
  return rows;
}

// ---- blast radius and availability (docs/study.md, Availability) ----

// Per spec system (not a sensitivity variant) and model: the chosen throughput mapping of the
// model's decode workload with the largest batch (then the shortest context), laid out over the
// cluster as the study's replicas, under the default failure rates (docs/faults.md): one GPU
// failure's blast, the expected serving capacity (closed form) and the cluster's tokens/s that
// leaves, and the cluster as one training job's MTBF and goodput at the Young/Daly interval.
std::vector<nlohmann::json> availability_rows(const StudySpec& spec, const std::vector<nlohmann::json>& chosen,
                                              const std::map<std::string, Cluster>& clusters,
                                              const std::string& configs) {
  const Resolved<ReliabilityParams> rel = resolve_reliability("llama3-h100", {}, configs);
  std::vector<nlohmann::json> rows;
  for (const StudySystem& sys : spec.systems) {
    if (!sys.base.empty()) continue;
    std::map<std::string, const nlohmann::json*> pick;  // model -> its row
    for (const nlohmann::json& r : chosen) {
      if (r.at("system") != sys.label || r.at("phase") != "decode" || r.at("objective") != "throughput") continue;
      const std::string model = r.at("model");
      const nlohmann::json* p = pick.count(model) ? pick[model] : nullptr;
      if (!p || r.at("batch").get<int64_t>() > p->at("batch").get<int64_t>() ||
          (r.at("batch") == p->at("batch") && r.at("seq").get<int64_t>() < p->at("seq").get<int64_t>()))
        pick[model] = &r;
    }
    for (const auto& [model, r] : pick) {
      ReplicaLayout layout;
      layout.gpus_per_replica = r->at("gpus_per_replica").get<int>();
      layout.replicas = r->at("replicas").get<int>();
      const Inventory inv = build_inventory(clusters.at(sys.label).rs, rel.params, layout);
      const ClosedForm cf = closed_form_availability(inv);
      const TrainingGoodput tg = training_goodput(inv, 30, 240);
      double per_year = 0;
      for (const Unit& u : inv.units) per_year += inv.kinds[static_cast<size_t>(u.kind)].rate.rate_per_hour() * 8766;
      const PartKind* die = nullptr;
      for (const PartKind& k : inv.kinds)
        if (k.key == "gpu_die") die = &k;
      const double tps = r->at("tokens_per_s_cluster").get<double>();
      rows.push_back({{"system", sys.label},
                      {"model", model},
                      {"batch", r->at("batch")},
                      {"seq", r->at("seq")},
                      {"tp", r->at("tp")},
                      {"pp", r->at("pp")},
                      {"gpus_per_replica", layout.gpus_per_replica},
                      {"replicas", layout.replicas},
                      {"gpu_failure_gpus_down", die ? die->gpus : 0},
                      {"gpu_failure_capacity_fraction", die ? die->capacity_fraction : 0.0},
                      {"part_failures_per_year", per_year},
                      {"expected_capacity", cf.capacity},
                      {"tokens_per_s_cluster", tps},
                      {"tokens_per_s_available", tps * cf.capacity},
                      {"training_mtbf_hours", tg.mtbf_hours},
                      {"training_goodput", tg.goodput}});
    }
  }
  return rows;
}

const std::vector<std::string>& stage_columns() {
  // clang-format off
  static const std::vector<std::string> c{
      "stage", "deployment", "layout", "model", "prompt", "output", "max_batch", "gpus", "prefill_system", "prefill_gpus",
      "prefill_tp", "prefill_pp", "prefill_replicas", "decode_system", "decode_gpus", "decode_tp", "decode_pp",
      "decode_replicas", "decode_batch", "requests_per_s", "output_tokens_per_s", "output_tokens_per_s_per_gpu",
      "peak_PFLOPS", "hbm_GiB", "hbm_TBps", "output_tokens_per_s_per_pflops", "ttft_ms", "tpot_ms",
      "tpot_interleaved_ms", "ttft_slo_ms", "tpot_slo_ms", "slo_met", "kv_MB", "kv_GBps", "kv_ms", "limit",
      "prefill_busy", "decode_busy", "balanced_prefill_per_decode_gpu", "capex_usd", "power_kW", "J_per_output_token",
      "usd_per_mtok", "runner_up", "prefill_point", "decode_point", "note"};
  // clang-format on
  return c;
}

// report.md, report.html and plots/ by study/report/report.py, under Debian's python3 (whose
// python3-pandas and python3-matplotlib scripts/install-deps.sh installs).
void write_report(const std::string& out) {
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const int status = run_and_wait({python, LITESIM_STUDY_REPORT, out});
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("the report ({} {} {}) failed: {}", python, LITESIM_STUDY_REPORT, out,
                                         describe_wait_status(status)));
}

}  // namespace

int run_study(const StudyOptions& o, const std::string& configs, const std::string& version) {
  register_llm_kind(version);
  const StudySpec spec = load_study_spec(o.spec, o.full, configs);

  // Plan: every point resolved before anything is written. Each spec system's cluster once.
  std::map<std::string, Cluster> clusters;
  for (const StudySystem& sys : spec.systems) {
    ResolvedSystem rs = resolve_system(sys.file, sys.sets, configs);
    const ClusterFacts facts = cluster_facts(rs);
    const NetworkShare network = network_share(rs, spec.econ);
    clusters.emplace(sys.label, Cluster{std::move(rs), facts, network});
  }
  std::map<std::string, Resolved<ModelParams>> models;
  auto model_of = [&](const std::string& name) -> const Resolved<ModelParams>& {
    if (!models.count(name)) {
      const ConfigPtr raw = ConfigNode::make_map({spec.file, 0, 0});
      raw->set("preset", ConfigNode::make_scalar(name, {spec.file, 0, 0}));
      models.emplace(name, resolve_model(raw, configs));
    }
    return models.at(name);
  };
  std::vector<Planned> planned;
  std::map<std::string, size_t> by_mapping;  // case key (+ GPU cap) + tp x pp -> planned index
  // One point: system `sys` with `cap` of its cluster's GPUs (0: all), case `c` under mapping `m`,
  // for `tag` (an objective, or "stage"); a mapping planned already for it gets the tag added.
  auto plan = [&](const StudySystem& sys, int cap, const StudyCase& c, const LlmWorkload& w, const Mapping& m,
                  const std::string& tag, int rank) -> size_t {
    const Cluster& cl = clusters.at(sys.label);
    const bool capped = cap > 0 && cap != cl.facts.gpus;
    const std::string at = case_key(sys.label, c) + (capped ? fmt::format("|g{}", cap) : "");
    const std::string key = at + fmt::format("|{}x{}", m.tp, m.pp);
    const auto it = by_mapping.find(key);
    if (it != by_mapping.end()) {
      std::string& objs = planned[it->second].spec.objectives;
      if (("," + objs + ",").find("," + tag + ",") == std::string::npos) objs += "," + tag;
      return it->second;
    }
    Planned p;
    p.key = at;
    p.cap = capped ? cap : 0;
    LlmPointSpec& ps = p.spec;
    ps.system_label = sys.label;
    ps.sensitivity = sys.sensitivity;
    ps.value = sys.value;
    ps.base_system = sys.base.empty() ? sys.label : sys.base;
    std::vector<std::string> sets = sys.sets;
    for (const std::string& r : replica_sets(cl.rs, m.gpus())) sets.push_back(r);
    sets.push_back("fabric.fidelity=flow");
    sets.push_back("package.die.kernel_memo=true");
    ps.replica = resolve_system(sys.file, sets, configs);
    ps.model_tree = model_of(c.model).tree;
    ps.workload = w;
    ps.mapping = m;
    ps.cluster_gpus = capped ? cap : cl.facts.gpus;
    ps.gpus_per_rack = sys.gpus_per_rack;
    ps.objectives = tag;
    ps.rank = rank;
    ps.econ = spec.econ;
    ps.network = cl.network;
    by_mapping.emplace(key, planned.size());
    planned.push_back(std::move(p));
    return planned.size() - 1;
  };
  std::vector<CaseKey> case_keys;
  std::vector<nlohmann::json> unmapped;
  for (const StudySystem& sys : spec.systems) {
    const ClusterFacts& facts = clusters.at(sys.label).facts;
    for (const StudyCase& c : spec.cases) {
      if (!sys.models.empty() && std::find(sys.models.begin(), sys.models.end(), c.model) == sys.models.end())
        continue;  // a sensitivity sweep limited to some models
      LlmWorkload w;
      w.model = model_of(c.model).params;
      w.phase = c.phase;
      w.batch = c.batch;
      w.seq = c.seq;
      w.weights = spec.weights;
      const bool too_long = w.seq > w.model.context;  // e.g. GPT-3's 2k context at 8k: no such workload
      for (Objective obj : spec.objectives) {
        if (too_long) {
          unmapped.push_back(
              {{"system", sys.label},
               {"model", c.model},
               {"phase", llm_phase_name(c.phase)},
               {"batch", c.batch},
               {"seq", c.seq},
               {"objective", objective_name(obj)},
               {"why", fmt::format("{} tokens is beyond the model's context of {}", c.seq, w.model.context)}});
          continue;
        }
        case_keys.push_back({sys.label, c, obj});
        const std::vector<Mapping> ranked = map_llm(w, facts, obj);
        int taken = 0;
        for (const Mapping& m : ranked) {
          if (!m.fits || taken == spec.candidates) break;
          ++taken;
          plan(sys, 0, c, w, m, objective_name(obj), taken);
        }
        if (taken == 0) {
          const Mapping* best = ranked.empty() ? nullptr : &ranked.front();
          unmapped.push_back({{"system", sys.label},
                              {"model", c.model},
                              {"phase", llm_phase_name(c.phase)},
                              {"batch", c.batch},
                              {"seq", c.seq},
                              {"objective", objective_name(obj)},
                              {"why", best ? best->why_not : "no tensor x pipeline split of the model"}});
        }
      }
    }
  }

  // The staged path (docs/study.md, Staged path): each deployment's mappings, by the mapper's
  // estimate of requests/s; the best `candidates` of them simulated in both phases.
  std::vector<StagePlan> stage_plans;
  auto system_named = [&](const std::string& label) -> const StudySystem& {
    return *std::find_if(spec.systems.begin(), spec.systems.end(),
                         [&](const StudySystem& x) { return x.label == label && x.base.empty(); });
  };
  // A pool as the mapper sees it: its GPUs, each with the share of its HBM a serving engine fills.
  auto capped = [&](const StagePool& pool, const Stage& st) {
    ClusterFacts f = clusters.at(pool.system).facts;
    f.gpus = pool.gpus;
    f.hbm_capacity = static_cast<uint64_t>(std::floor(static_cast<double>(f.hbm_capacity) * st.hbm_utilization));
    return f;
  };
  auto pool_tps = [](const Mapping& m) { return m.est_tokens_per_s_per_gpu * m.gpus() * m.replicas; };
  auto by_pool_tps = [&](std::vector<Mapping>& ms) {
    std::stable_sort(ms.begin(), ms.end(), [&](const Mapping& a, const Mapping& b) {
      if (pool_tps(a) != pool_tps(b)) return pool_tps(a) > pool_tps(b);
      return a.gpus() < b.gpus();
    });
  };
  for (const Stage& st : spec.stages) {
    const ModelParams& md = model_of(st.model).params;
    LlmWorkload dec_fit;  // the KV cache at its largest: the prompt and every output token
    dec_fit.model = md;
    dec_fit.phase = LlmPhase::Decode;
    dec_fit.seq = st.prompt + st.output;
    dec_fit.weights = spec.weights;
    // The decode point runs at the mean context over a request's output tokens.
    auto dec_work = [&](const Mapping& m) {
      LlmWorkload w = dec_fit;
      w.batch = m.micro_batch * m.micro_batches;
      w.seq = st.prompt + st.output / 2;
      return w;
    };
    // Decode: each tp x pp at the largest batch up to max_batch (a multiple of pp) that fits the
    // HBM, as a serving engine fills its KV cache memory with sequences.
    // Each comes with smaller batches (a half and a quarter of it), for a service level the
    // largest batch misses: levels[0] is the largest.
    auto decode_maps = [&](const ClusterFacts& f, std::string* why) {
      std::vector<std::vector<Mapping>> out;
      for (int tp = 1; tp <= f.gpus; tp *= 2)
        for (int pp = 1; tp * pp <= f.gpus && pp <= st.max_batch; pp *= 2) {
          auto at = [&](int64_t k) -> std::optional<Mapping> {
            LlmWorkload w = dec_fit;
            w.batch = k * pp;
            for (const Mapping& m : map_llm(w, f, Objective::Throughput))
              if (m.tp == tp && m.pp == pp) return m;
            return std::nullopt;  // the model does not split this way
          };
          std::optional<Mapping> best = at(1);
          if (!best) continue;
          if (!best->fits) {
            if (why->empty()) *why = best->why_not;
            continue;
          }
          int64_t lo = 1, hi = st.max_batch / pp;  // the largest k with k x pp fitting lies in [lo, hi]
          while (lo < hi) {
            const int64_t mid = lo + (hi - lo + 1) / 2;
            std::optional<Mapping> m = at(mid);
            if (m && m->fits) {
              lo = mid;
              best = m;
            } else {
              hi = mid - 1;
            }
          }
          std::vector<Mapping> levels{*best};
          for (int64_t k = lo / 2; k >= 1 && levels.size() < 3; k /= 2)
            if (std::optional<Mapping> m = at(k)) levels.push_back(*m);
          out.push_back(levels);
        }
      return out;
    };
    // Prefill: one prompt per micro-batch, as many prompts in flight as the pipeline has stages.
    auto pre_work = [&](const Mapping& m) {
      LlmWorkload w = dec_fit;  // one prompt per micro-batch, pp of them in flight
      w.phase = LlmPhase::Prefill;
      w.seq = st.prompt;
      w.batch = m.pp;
      return w;
    };
    auto prefill_maps = [&](const ClusterFacts& f, std::string* why) {
      std::vector<Mapping> out;
      for (int pp = 1; pp <= f.gpus; pp *= 2) {
        Mapping probe;
        probe.pp = pp;
        for (const Mapping& m : map_llm(pre_work(probe), f, Objective::Throughput)) {
          if (m.pp != pp) continue;
          if (m.fits)
            out.push_back(m);
          else if (why->empty())
            *why = m.why_not;
        }
      }
      return out;
    };
    for (const StageDeployment& d : st.deployments) {
      StagePlan sp;
      sp.stage = &st;
      sp.dep = &d;
      const StudySystem& sys_pre = system_named(d.prefill.system);
      const StudySystem& sys_dec = system_named(d.decode.system);
      std::string pre_why, dec_why;
      std::vector<Mapping> pres = prefill_maps(capped(d.prefill, st), &pre_why);
      const std::vector<std::vector<Mapping>> decs = decode_maps(capped(d.decode, st), &dec_why);
      auto plan_pre = [&](const Mapping& m, int rank) {
        return plan(sys_pre, d.prefill.gpus, StudyCase{st.model, LlmPhase::Prefill, m.pp, st.prompt}, pre_work(m), m,
                    "stage", rank);
      };
      auto plan_dec = [&](const Mapping& m, int rank) {
        const LlmWorkload w = dec_work(m);
        return plan(sys_dec, d.decode.gpus, StudyCase{st.model, LlmPhase::Decode, w.batch, w.seq}, w, m, "stage", rank);
      };
      auto missing = [](const std::string& why) { return why.empty() ? std::string("no split of the model") : why; };
      if (!d.disaggregated) {  // one mapping for both phases
        struct Both {
          Mapping pre;
          const std::vector<Mapping>* dec;
          double est_rps;  // at the largest batch
        };
        std::vector<Both> both;
        for (const std::vector<Mapping>& levels : decs)
          for (const Mapping& pm : pres)
            if (pm.tp == levels[0].tp && pm.pp == levels[0].pp) {
              const Mapping& dm = levels[0];
              const double g = dm.gpus();
              both.push_back({pm, &levels,
                              dm.replicas / (static_cast<double>(st.prompt) / (pm.est_tokens_per_s_per_gpu * g) +
                                             static_cast<double>(st.output) / (dm.est_tokens_per_s_per_gpu * g))});
            }
        std::stable_sort(both.begin(), both.end(), [](const Both& a, const Both& b) {
          if (a.est_rps != b.est_rps) return a.est_rps > b.est_rps;
          return a.pre.gpus() < b.pre.gpus();
        });
        for (size_t i = 0; i < both.size() && static_cast<int>(i) < spec.candidates; ++i) {
          const size_t pre = plan_pre(both[i].pre, static_cast<int>(i) + 1);
          for (const Mapping& dm : *both[i].dec) sp.pairs.emplace_back(pre, plan_dec(dm, static_cast<int>(i) + 1));
        }
        if (both.empty())
          sp.why = decs.empty()   ? "decode: " + missing(dec_why)
                   : pres.empty() ? "prefill: " + missing(pre_why)
                                  : "no mapping fits both phases";
      } else {  // each pool its own mapping
        by_pool_tps(pres);
        std::vector<std::vector<Mapping>> ranked = decs;
        std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
          if (pool_tps(a[0]) != pool_tps(b[0])) return pool_tps(a[0]) > pool_tps(b[0]);
          return a[0].gpus() < b[0].gpus();
        });
        for (size_t i = 0; i < pres.size() && static_cast<int>(i) < spec.candidates; ++i)
          sp.pre.push_back(plan_pre(pres[i], static_cast<int>(i) + 1));
        for (size_t i = 0; i < ranked.size() && static_cast<int>(i) < spec.candidates; ++i)
          for (const Mapping& dm : ranked[i]) sp.dec.push_back(plan_dec(dm, static_cast<int>(i) + 1));
        if (pres.empty()) sp.why = "prefill: " + missing(pre_why);
        if (decs.empty()) sp.why = "decode: " + missing(dec_why);
      }
      stage_plans.push_back(sp);
    }
  }
  std::vector<PreparedPoint> prepared;
  const size_t width = std::max<size_t>(4, std::to_string(planned.size()).size());
  for (size_t i = 0; i < planned.size(); ++i) {
    LlmPointSpec& ps = planned[i].spec;
    const StudyCase c{ps.workload.model.name, ps.workload.phase, ps.workload.batch, ps.workload.seq};
    ps.id = fmt::format("{:0{}}-{}-{}-{}-b{}-s{}-tp{}pp{}{}", i, width, slug(ps.system_label), slug(c.model),
                        llm_phase_name(c.phase), c.batch, c.seq, ps.mapping.tp, ps.mapping.pp,
                        planned[i].cap ? fmt::format("-g{}", planned[i].cap) : "");
    prepared.push_back({ps.id, llm_point_yaml(ps)});
  }

  // Run: here, or on Slurm.
  ExecReport rep;
  if (!(o.slurm && o.slurm->dry_run)) {
    check_no_active_jobs(o.out);  // an earlier Slurm job still writing these points
    fs::create_directories(o.out);
  }
  if (o.slurm) {
    SlurmSubmission sub;
    rep = run_on_slurm(o.out, "study-" + spec.name, prepared, o.task_command, *o.slurm, std::cerr, std::cout, &sub);
    if (o.slurm->dry_run) return 0;
    if (!o.slurm->wait) {
      std::cout << fmt::format(
          "study {}: {} points: {} submitted{}, {} skipped (already complete); once the job has ended, run the same "
          "command again: it skips the complete points and writes the tables and the report\n",
          spec.name, rep.total, rep.total - rep.skipped, sub.submitted ? " as job " + sub.job_id : "", rep.skipped);
      return 0;
    }
  } else {
    ExecOptions eo;
    eo.command = o.command;
    eo.jobs = o.jobs;
    eo.quiet = o.quiet;
    eo.terminal = o.terminal;
    rep = execute_points(o.out, prepared, eo, std::cerr);
  }

  // Collect and choose.
  std::vector<nlohmann::json> candidates;
  std::vector<nlohmann::json> metrics(planned.size());  // null: the point failed
  std::map<std::string, std::vector<nlohmann::json>> by_case;
  for (size_t i = 0; i < planned.size(); ++i) {
    const Planned& p = planned[i];
    nlohmann::json r = read_point_result(point_dir(o.out, p.spec.id));
    if (r.is_null()) continue;
    nlohmann::json m = r.at("metrics");
    m["point"] = p.spec.id;
    metrics[i] = m;
    candidates.push_back(m);
    by_case[p.key].push_back(m);
  }
  std::vector<nlohmann::json> chosen;
  for (const CaseKey& k : case_keys) {
    const std::string obj = objective_name(k.objective);
    const auto it = by_case.find(case_key(k.system, k.c));
    if (it == by_case.end()) continue;
    std::vector<nlohmann::json> mine;
    for (const auto& m : it->second)
      if (("," + m.at("objectives").get<std::string>() + ",").find("," + obj + ",") != std::string::npos)
        mine.push_back(m);
    if (mine.empty()) continue;
    const bool lat = k.objective == Objective::Latency;
    std::stable_sort(mine.begin(), mine.end(), [lat](const nlohmann::json& a, const nlohmann::json& b) {
      if (lat) return latency_ms(a) < latency_ms(b);
      return a.at("tokens_per_s_per_gpu").get<double>() > b.at("tokens_per_s_per_gpu").get<double>();
    });
    nlohmann::json row = mine.front();
    row["objective"] = obj;
    row.erase("objectives");
    if (mine.size() > 1) {
      const auto& ru = mine[1];
      row["runner_up"] =
          fmt::format("tp{} x pp{}: {}", ru.at("tp").get<int>(), ru.at("pp").get<int>(),
                      lat ? fmt::format("{:.3f} ms", latency_ms(ru))
                          : fmt::format("{:.1f} tok/s/GPU", ru.at("tokens_per_s_per_gpu").get<double>()));
    } else {
      row["runner_up"] = "none that fits";
    }
    chosen.push_back(row);
  }

  const std::vector<nlohmann::json> stages = serve_stages(spec, stage_plans, metrics, clusters, models);

  std::vector<std::string> cand_cols{"point"};
  for (const auto& c : llm_columns()) cand_cols.push_back(c);
  std::vector<std::string> res_cols{"system", "model", "phase", "batch", "seq", "objective"};
  for (const auto& c : llm_columns())
    if (c != "system" && c != "model" && c != "phase" && c != "batch" && c != "seq" && c != "objectives")
      res_cols.push_back(c);
  res_cols.push_back("runner_up");
  res_cols.push_back("point");
  put_output_file(o.out, "candidates.csv", csv_table(cand_cols, candidates));
  put_output_file(o.out, "results.csv", csv_table(res_cols, chosen));
  put_output_file(o.out, "stages.csv", csv_table(stage_columns(), stages));
  const std::vector<nlohmann::json> avail = availability_rows(spec, chosen, clusters, configs);
  put_output_file(
      o.out, "availability.csv",
      csv_table({"system", "model", "batch", "seq", "tp", "pp", "gpus_per_replica", "replicas", "gpu_failure_gpus_down",
                 "gpu_failure_capacity_fraction", "part_failures_per_year", "expected_capacity", "tokens_per_s_cluster",
                 "tokens_per_s_available", "training_mtbf_hours", "training_goodput"},
                avail));
  put_output_file(o.out, "unmapped.csv",
                  csv_table({"system", "model", "phase", "batch", "seq", "objective", "why"}, unmapped));
  nlohmann::json systems = nlohmann::json::array();
  for (const StudySystem& sys : spec.systems) {
    const ResolvedSystem& rs = clusters.at(sys.label).rs;
    const double peak = rs.params.package.peak_flops(Dtype::bf16);
    const double net = rs.params.package.cpo.lanes() * rs.params.package.cpo.payload_lane_bps() / 8.0;
    systems.push_back({{"name", sys.label},
                       {"base", sys.base.empty() ? sys.label : sys.base},
                       {"sensitivity", sys.sensitivity},
                       {"value", sys.value},
                       {"overrides", sys.sets},
                       {"package", rs.params.package.name},
                       {"peak_TFLOPS_bf16", peak / 1e12},
                       {"network_GBps_per_direction", net / 1e9},
                       {"bytes_per_flop", net / peak},
                       {"file", fs::path(sys.file).lexically_relative(configs).string()},
                       {"config_digest", rs.digest},
                       {"gpus_per_rack", sys.gpus_per_rack}});
  }
  const nlohmann::json doc{{"study", spec.name},         {"spec_digest", spec.digest},
                           {"litesim_version", version}, {"grid", o.full ? "full" : "quick"},
                           {"systems", systems},         {"results", chosen},
                           {"unmapped", unmapped},       {"stages", stages},
                           {"availability", avail}};
  put_output_file(o.out, "results.json", doc.dump(2) + "\n");

  write_configs_and_costs(o.out, spec, clusters, configs);
  write_report(o.out);

  std::cout << fmt::format(
      "study {}: {} points ({} run, {} skipped, {} failed) in {:.1f} s; {} results in {}/results.csv, "
      "report in {}/report.html\n",
      spec.name, rep.total, rep.ran, rep.skipped, rep.failures.size(), rep.wall_seconds, chosen.size(), o.out, o.out);
  return failed_points_status("study", spec.name, rep, std::cerr);
}

}  // namespace litesim
