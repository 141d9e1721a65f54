// `litesim study` (study.h): the spec, the points, the choice and the outputs.
#include "study/study.h"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/output_files.h"
#include "hw/package/cost.h"
#include "study/sweep/executor.h"
#include "study/sweep/merge.h"
#include "study/sweep/point_kind.h"
#include "study/sweep/run_kind.h"
#include "study/sweep/spec.h"
#include "traces/system/package_facts.h"

extern char** environ;

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

}  // namespace

StudySpec load_study_spec(const std::string& path, bool full, const std::string& configs) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  if (!f || !(text << f.rdbuf())) throw ConfigError(SourceLoc{path, 0, 0}, "", "cannot read the study spec");
  const ConfigPtr root = parse_yaml(text.str(), path);
  if (!root->is_map()) throw ConfigError(root->loc, "", "a study spec is a mapping (study, systems, models, ...)");
  only_keys(root, "",
            {"study", "systems", "models", "weights", "prefill", "decode", "objectives", "candidates", "economics",
             "quick", "sensitivity"});
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
  std::string key;  // system | model | phase | batch | seq
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
void write_configs_and_costs(const std::string& out, const StudySpec& spec, const std::string& configs) {
  std::ifstream f(spec.file, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  put_output_file(out, "study.yaml", text.str());
  fs::create_directories(fs::path(out) / "configs");
  for (const StudySystem& sys : spec.systems) {
    const ResolvedSystem rs = resolve_system(sys.file, sys.sets, configs);
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

// report.md, report.html and plots/ by study/report/report.py, under Debian's python3 (whose
// python3-pandas and python3-matplotlib scripts/install-deps.sh installs).
void write_report(const std::string& out) {
  const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  std::vector<std::string> args{python, LITESIM_STUDY_REPORT, out};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error(fmt::format("cannot start {} for the report", python));
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("the report ({} {} {}) failed: {}", python, LITESIM_STUDY_REPORT, out,
                                         describe_wait_status(status)));
}

}  // namespace

int run_study(const StudyOptions& o, const std::string& configs, const std::string& version) {
  register_llm_kind(version);
  const StudySpec spec = load_study_spec(o.spec, o.full, configs);

  // Plan: every point resolved before anything is written.
  std::map<std::string, Resolved<ModelParams>> models;
  std::vector<Planned> planned;
  std::map<std::string, size_t> by_mapping;  // case key + tp x pp -> planned index
  std::vector<CaseKey> case_keys;
  std::vector<nlohmann::json> unmapped;
  for (const StudySystem& sys : spec.systems) {
    const ResolvedSystem cluster = resolve_system(sys.file, sys.sets, configs);
    const ClusterFacts facts = cluster_facts(cluster);
    const NetworkShare network = network_share(cluster, spec.econ);
    for (const StudyCase& c : spec.cases) {
      if (!sys.models.empty() && std::find(sys.models.begin(), sys.models.end(), c.model) == sys.models.end())
        continue;  // a sensitivity sweep limited to some models
      if (!models.count(c.model)) {
        const ConfigPtr raw = ConfigNode::make_map({spec.file, 0, 0});
        raw->set("preset", ConfigNode::make_scalar(c.model, {spec.file, 0, 0}));
        models.emplace(c.model, resolve_model(raw, configs));
      }
      LlmWorkload w;
      w.model = models.at(c.model).params;
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
          const std::string key = case_key(sys.label, c) + fmt::format("|{}x{}", m.tp, m.pp);
          auto it = by_mapping.find(key);
          if (it != by_mapping.end()) {
            std::string& objs = planned[it->second].spec.objectives;
            objs += std::string(",") + objective_name(obj);
            continue;
          }
          Planned p;
          p.key = case_key(sys.label, c);
          LlmPointSpec& ps = p.spec;
          ps.system_label = sys.label;
          ps.sensitivity = sys.sensitivity;
          ps.value = sys.value;
          ps.base_system = sys.base.empty() ? sys.label : sys.base;
          std::vector<std::string> sets = sys.sets;
          for (const std::string& r : replica_sets(cluster, m.gpus())) sets.push_back(r);
          sets.push_back("fabric.fidelity=flow");
          sets.push_back("package.die.kernel_memo=true");
          ps.replica = resolve_system(sys.file, sets, configs);
          ps.model_tree = models.at(c.model).tree;
          ps.workload = w;
          ps.mapping = m;
          ps.cluster_gpus = facts.gpus;
          ps.gpus_per_rack = sys.gpus_per_rack;
          ps.objectives = objective_name(obj);
          ps.rank = taken;
          ps.econ = spec.econ;
          ps.network = network;
          by_mapping.emplace(key, planned.size());
          planned.push_back(std::move(p));
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
  std::vector<PreparedPoint> prepared;
  const size_t width = std::max<size_t>(4, std::to_string(planned.size()).size());
  for (size_t i = 0; i < planned.size(); ++i) {
    LlmPointSpec& ps = planned[i].spec;
    const StudyCase c{ps.workload.model.name, ps.workload.phase, ps.workload.batch, ps.workload.seq};
    ps.id = fmt::format("{:0{}}-{}-{}-{}-b{}-s{}-tp{}pp{}", i, width, slug(ps.system_label), slug(c.model),
                        llm_phase_name(c.phase), c.batch, c.seq, ps.mapping.tp, ps.mapping.pp);
    prepared.push_back({ps.id, llm_point_yaml(ps)});
  }

  // Run.
  fs::create_directories(o.out);
  ExecOptions eo;
  eo.command = o.command;
  eo.jobs = o.jobs;
  eo.quiet = o.quiet;
  eo.terminal = o.terminal;
  const ExecReport rep = execute_points(o.out, prepared, eo, std::cerr);

  // Collect and choose.
  std::vector<nlohmann::json> candidates;
  std::map<std::string, std::vector<nlohmann::json>> by_case;
  for (const Planned& p : planned) {
    nlohmann::json r = read_point_result(point_dir(o.out, p.spec.id));
    if (r.is_null()) continue;
    nlohmann::json m = r.at("metrics");
    m["point"] = p.spec.id;
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
  put_output_file(o.out, "unmapped.csv",
                  csv_table({"system", "model", "phase", "batch", "seq", "objective", "why"}, unmapped));
  nlohmann::json systems = nlohmann::json::array();
  for (const StudySystem& sys : spec.systems) {
    const ResolvedSystem rs = resolve_system(sys.file, sys.sets, configs);
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
                           {"unmapped", unmapped}};
  put_output_file(o.out, "results.json", doc.dump(2) + "\n");

  write_configs_and_costs(o.out, spec, configs);
  write_report(o.out);

  std::cout << fmt::format(
      "study {}: {} points ({} run, {} skipped, {} failed) in {:.1f} s; {} results in {}/results.csv, "
      "report in {}/report.html\n",
      spec.name, rep.total, rep.ran, rep.skipped, rep.failures.size(), rep.wall_seconds, chosen.size(), o.out, o.out);
  return failed_points_status("study", spec.name, rep, std::cerr);
}

}  // namespace litesim
