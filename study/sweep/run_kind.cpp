// The `run` point kind (run_kind.h): the spec's `run:` block checked, every point's system config
// and workload resolved before anything runs, point.yaml written from them, and one point run
// from its point.yaml exactly as `litesim run` would (simulate, write_outputs; no timeline).
#include "study/sweep/run_kind.h"

#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "core/params.h"
#include "fabric/topology/topology.h"
#include "memory/hbm/hbm.h"
#include "study/sweep/point_kind.h"
#include "traces/gen/llm.h"
#include "traces/runner/simulate.h"
#include "traces/system/system_config.h"
#include "traces/trace_io.h"

namespace litesim {

namespace fs = std::filesystem;

namespace {

std::string g_version = "unknown";

// The LLM generator's parameters a spec (and a `workload.` axis) may set.
const std::vector<std::string> kGenKeys{"model", "phase", "batch", "seq", "tp", "pp", "weights"};

bool exists_as_workload(const fs::path& p) { return fs::exists(p) || fs::exists(p.string() + ".0.et"); }

// An override with where it came from in the spec, so that a config error it causes names that line.
struct Override {
  std::string assignment;
  SourceLoc loc;
};

// A generated workload's parameters (text, as in the spec), checked and turned into a request.
struct GenParams {
  std::map<std::string, std::string> values;
  std::map<std::string, SourceLoc> locs;
};

int64_t gen_integer(const GenParams& g, const std::string& key, int64_t lo, int64_t hi) {
  const auto it = g.values.find(key);
  const std::string& s = it->second;
  int64_t v = 0;
  if (!parse_integer(s, &v) || v < lo || v > hi)
    throw ConfigError(g.locs.at(key), "workload." + key,
                      fmt::format("expected an integer from {} to {}, got '{}'", lo, hi, s));
  return v;
}

LlmRequest gen_request(const GenParams& g, const ModelParams& model) {
  LlmRequest r;
  r.model = model;
  const std::string& phase = g.values.at("phase");
  if (phase != "prefill" && phase != "decode")
    throw ConfigError(g.locs.at("phase"), "workload.phase", fmt::format("expected prefill or decode, got '{}'", phase));
  r.phase = phase == "prefill" ? LlmPhase::Prefill : LlmPhase::Decode;
  r.batch = gen_integer(g, "batch", 1, int64_t{1} << 24);
  r.seq = gen_integer(g, "seq", 1, int64_t{1} << 30);
  r.tp = static_cast<int>(gen_integer(g, "tp", 1, 1 << 16));
  r.pp = static_cast<int>(gen_integer(g, "pp", 1, 1 << 16));
  const std::string& w = g.values.at("weights");
  if ((w != "bf16" && w != "fp8") || !parse_dtype(w, &r.weights))
    throw ConfigError(g.locs.at("weights"), "workload.weights", fmt::format("expected bf16 or fp8, got '{}'", w));
  return r;
}

// The spec's `run:` block, checked.
struct RunBody {
  std::string system;                // located file
  std::optional<std::string> trace;  // located trace path (absolute), or a generated workload:
  GenParams gen;
  SourceLoc workload_loc;
  std::vector<Override> sets;  // run.set, then fidelity
  int64_t seed = 1;
};

RunBody parse_body(const SweepSpec& spec, const std::string& configs) {
  const ConfigPtr& b = spec.body;
  if (!b->is_map())
    throw ConfigError(b->loc, "run", fmt::format("expected a mapping (system, workload, ...), got {}", b->kind_name()));
  const std::vector<std::string> keys{"system", "workload", "fidelity", "seed", "set"};
  for (const auto& e : b->entries)
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end())
      throw ConfigError(e.key_loc, "run." + e.key, fmt::format("unknown key; run expects: {}", fmt::join(keys, ", ")));
  RunBody r;
  auto scalar = [&](const char* key) -> ConfigPtr {
    const ConfigPtr n = b->find(key);
    if (n && (!n->is_scalar() || n->scalar.empty()))
      throw ConfigError(n->loc, std::string("run.") + key,
                        fmt::format("expected a single value, got {}", n->kind_name()));
    return n;
  };
  const ConfigPtr sys = scalar("system");
  if (!sys) throw ConfigError(b->loc, "run.system", "missing; expected a system file (e.g. system/lite-pair.yaml)");
  r.system = locate_spec_file(sys->scalar, spec.file, configs);
  if (!fs::exists(r.system))
    throw ConfigError(sys->loc, "run.system",
                      fmt::format("no such file '{}' (looked beside the spec and in {})", sys->scalar, configs));
  const ConfigPtr w = b->find("workload");
  if (!w)
    throw ConfigError(b->loc, "run.workload",
                      "missing; expected a trace file or {gen: llm, model, phase, batch, seq, tp, pp}");
  r.workload_loc = w->loc;
  if (w->is_scalar() && !w->scalar.empty()) {
    const std::string p = locate_spec_file(w->scalar, spec.file, configs);
    if (!exists_as_workload(p))
      throw ConfigError(w->loc, "run.workload",
                        fmt::format("no such trace '{}' (looked beside the spec and in {})", w->scalar, configs));
    r.trace = fs::absolute(p).lexically_normal().string();
  } else if (w->is_map()) {
    const ConfigPtr gen = w->find("gen");
    if (!gen || !gen->is_scalar() || gen->scalar != "llm")
      throw ConfigError(gen ? gen->loc : w->loc, "run.workload.gen", "expected `gen: llm` (the LLM trace generator)");
    r.gen.values["weights"] = "bf16";
    r.gen.values["tp"] = r.gen.values["pp"] = "1";
    for (const auto& e : w->entries) {
      if (e.key == "gen") continue;
      if (std::find(kGenKeys.begin(), kGenKeys.end(), e.key) == kGenKeys.end())
        throw ConfigError(e.key_loc, "run.workload." + e.key,
                          fmt::format("unknown key; a generated workload expects: gen, {}", fmt::join(kGenKeys, ", ")));
      if (!e.value->is_scalar() || e.value->scalar.empty())
        throw ConfigError(e.value->loc, "run.workload." + e.key,
                          fmt::format("expected a single value, got {}", e.value->kind_name()));
      r.gen.values[e.key] = e.value->scalar;
    }
    for (const auto& k : kGenKeys) {
      if (!r.gen.values.count(k)) throw ConfigError(w->loc, "run.workload." + k, "missing (the generator needs it)");
      r.gen.locs[k] = w->find(k) ? w->find(k)->loc : w->loc;
    }
  } else {
    throw ConfigError(w->loc, "run.workload",
                      fmt::format("expected a trace file or a mapping {{gen: llm, ...}}, got {}", w->kind_name()));
  }
  if (const ConfigPtr set = b->find("set")) {
    if (!set->is_map())
      throw ConfigError(set->loc, "run.set", fmt::format("expected a mapping PATH: VALUE, got {}", set->kind_name()));
    for (const auto& e : set->entries) {
      if (e.key.rfind("workload.", 0) == 0)
        throw ConfigError(e.key_loc, "run.set." + e.key, "workload parameters go in run.workload");
      r.sets.push_back({e.key + "=" + flow_yaml(*e.value), e.value->loc});
    }
  }
  if (const ConfigPtr f = scalar("fidelity")) {
    if (f->scalar != "packet" && f->scalar != "flow")
      throw ConfigError(f->loc, "run.fidelity", fmt::format("expected packet or flow, got '{}'", f->scalar));
    r.sets.push_back({"fabric.fidelity=" + f->scalar, f->loc});
  }
  if (const ConfigPtr s = scalar("seed"))
    if (!parse_integer(s->scalar, &r.seed) || r.seed < 0)
      throw ConfigError(s->loc, "run.seed", fmt::format("expected a non-negative integer, got '{}'", s->scalar));
  for (const auto& a : spec.axes)
    for (const auto& c : a.columns) {
      if (c.path.rfind("workload.", 0) != 0) continue;
      const std::string key = c.path.substr(9);
      if (r.trace)
        throw ConfigError(c.loc, c.path,
                          "a workload parameter needs a generated workload (run.workload: {gen: llm, ...})");
      if (std::find(kGenKeys.begin(), kGenKeys.end(), key) == kGenKeys.end())
        throw ConfigError(c.loc, c.path,
                          fmt::format("unknown workload parameter; expected one of: {}", fmt::join(kGenKeys, ", ")));
    }
  return r;
}

// The point's error: where it stands in the spec (the axis value or run key that caused it, when
// known, else the run block), the point, and the error itself.
[[noreturn]] void point_error(const SweepPoint& p, const SourceLoc& at, const ConfigError& e) {
  throw ConfigError(at, "", fmt::format("point {} ({}): {}", p.id, p.describe(), e.what()));
}

ConfigPtr scalar_node(const std::string& s) { return ConfigNode::make_scalar(s, {}); }

std::vector<std::string> prepare_run(const SweepSpec& spec, const std::vector<SweepPoint>& points,
                                     const std::string& configs) {
  const RunBody body = parse_body(spec, configs);
  std::optional<Trace> trace;
  if (body.trace) trace = read_any_trace(*body.trace);
  std::map<std::string, Resolved<ModelParams>> models;
  std::vector<std::string> out;
  for (const auto& p : points) {
    std::vector<Override> sets = body.sets;
    GenParams gen = body.gen;
    for (const auto& a : p.settings) {
      if (a.path.rfind("workload.", 0) == 0) {
        gen.values[a.path.substr(9)] = a.value;
        gen.locs[a.path.substr(9)] = a.loc;
      } else {
        sets.push_back({a.path + "=" + a.value, a.loc});
      }
    }
    std::vector<std::string> assignments;
    for (const auto& s : sets) assignments.push_back(s.assignment);
    ResolvedSystem rs;
    try {
      rs = resolve_system(body.system, assignments, configs);
    } catch (const ConfigError& e) {
      SourceLoc at = spec.body->loc;
      for (const auto& s : sets)
        if (e.loc().file == "--set " + s.assignment) at = s.loc;
      point_error(p, at, e);
    }
    const ConfigPtr pt = ConfigNode::make_map({});
    pt->set("kind", scalar_node("run"));
    pt->set("id", scalar_node(p.id));
    pt->set("sweep", scalar_node(spec.name));
    const ConfigPtr axes = ConfigNode::make_map({});
    for (const auto& a : p.settings) axes->set(a.path, scalar_node(a.value));
    pt->set("axes", axes);
    pt->set("seed", scalar_node(std::to_string(body.seed)));
    const ConfigPtr wl = ConfigNode::make_map({});
    const int gpus = TopologyRegistry::instance().create(rs.params.fabric.topology)->num_gpus();
    if (trace) {
      try {
        check_trace(*trace, gpus, rs.params.name);
      } catch (const ConfigError& e) {
        point_error(p, body.workload_loc, e);
      }
      wl->set("trace", scalar_node(*body.trace));
    } else {
      SourceLoc at = gen.locs.at("model");
      try {
        const std::string& name = gen.values.at("model");
        if (!models.count(name)) {
          const ConfigPtr raw = ConfigNode::make_map(at);
          raw->set("preset", ConfigNode::make_scalar(name, at), at);
          models.emplace(name, resolve_model(raw, configs));
        }
        const Resolved<ModelParams>& m = models.at(name);
        at = body.workload_loc;
        const LlmRequest r = gen_request(gen, m.params);
        const LlmShapes s = llm_shapes(r);
        const PackageParams& pkg = rs.params.package;
        check_llm_fits(r, s, {gpus, hbm_facts(pkg.hbm).capacity, rs.params.name, pkg.name});
      } catch (const ConfigError& e) {
        // a workload axis's value, when the error is about it (gen_request names workload.KEY;
        // llm_shapes and check_llm_fits name the option --KEY)
        for (const auto& [k, loc] : gen.locs)
          if (e.key_path() == "workload." + k || e.key_path() == "--" + k || e.loc().file == "--" + k) at = loc;
        point_error(p, at, e);
      }
      wl->set("gen", scalar_node("llm"));
      wl->set("model", models.at(gen.values.at("model")).tree->clone());
      for (const auto& k : kGenKeys)
        if (k != "model") wl->set(k, scalar_node(gen.values.at(k)));
    }
    pt->set("workload", wl);
    pt->set("system", rs.tree->clone());
    out.push_back(
        fmt::format("# litesim sweep point: run from this file alone with `litesim sweep point DIR`\n"
                    "# (docs/sweeps.md); system and model are resolved configs.\n{}",
                    to_yaml(*pt)));
  }
  return out;
}

nlohmann::json run_point(const ConfigPtr& point, const std::string& dir, const std::string& configs) {
  const ResolvedSystem rs = point_system(point, dir, configs);
  const ConfigPtr& wl = point_field(point, "workload");
  Trace trace;
  if (const ConfigPtr t = wl->find("trace")) {
    trace = read_any_trace(t->scalar);
  } else {
    GenParams g;
    for (const auto& k : kGenKeys)
      if (k != "model") {
        g.values[k] = point_field(wl, k)->scalar;
        g.locs[k] = point_field(wl, k)->loc;
      }
    trace = generated_trace(gen_request(g, resolve_model(point_field(wl, "model")->clone(), configs).params));
  }
  const uint64_t seed = std::stoull(point_field(point, "seed")->scalar);
  const RunResult r = simulate_point(rs, trace, seed, dir, g_version);
  const nlohmann::json& s = r.summary;
  return {{"sim_time_ns", s.at("sim_time_ns")},
          {"energy_pJ", s.at("energy").at("total_pJ")},
          {"pJ_per_bit", s.at("energy").at("pJ_per_bit_delivered")},
          {"bytes_delivered", s.at("messages").at("bytes_delivered")},
          {"config_digest", s.at("config_digest")}};
}

}  // namespace

Resolved<ModelParams> resolve_model(const ConfigPtr& raw, const std::string& configs) {
  return resolve_block<ModelParams>(raw, {}, configs, "models", "model");
}

// The trace a generated workload stands for, as `litesim gen llm -o F` then `litesim run --workload F`
// would read it (the digest is that of the trace text).
Trace generated_trace(const LlmRequest& r) {
  std::ostringstream text;
  write_trace(generate_llm(r, llm_shapes(r)), text);
  return expand(parse_trace_doc(text.str(), "<gen llm>"));
}

std::string locate_spec_file(const std::string& name, const std::string& spec_file, const std::string& configs) {
  const fs::path p(name);
  if (p.is_absolute()) return name;
  const fs::path beside = fs::path(spec_file).parent_path() / p;
  if (exists_as_workload(beside)) return beside.string();
  return (fs::path(configs) / p).string();
}

void register_run_kind(const std::string& version) {
  g_version = version;
  PointKinds::instance().add(
      {"run", prepare_run, run_point, {"sim_time_ns", "energy_pJ", "pJ_per_bit", "bytes_delivered", "config_digest"}});
}

}  // namespace litesim
