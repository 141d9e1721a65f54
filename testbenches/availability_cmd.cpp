// `litesim availability` (availability_cmd.h).
#include "testbenches/availability_cmd.h"

#include <iostream>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "study/availability/availability.h"
#include "study/availability/markov.h"
#include "study/availability/montecarlo.h"
#include "testbenches/tb_options.h"
#include "traces/gen/model.h"

namespace litesim {

namespace {

// In-memory checkpoints recover ~13x faster (GEMINI, SOSP'23): the restart the second goodput uses.
constexpr double kInMemorySpeedup = 13.0;

[[noreturn]] void bad_option(const std::string& option, const std::string& what) {
  throw ConfigError(SourceLoc{option, 0, 0}, "", what);
}

struct Choice {
  Mapping mapping;
  std::string how;  // "given" or why it was chosen
};

Choice choose_mapping(const AvailabilityOptions& o, const ResolvedSystem& rs, const ModelParams& model) {
  if ((o.tp > 0) != (o.pp > 0)) bad_option(o.tp > 0 ? "--tp" : "--pp", "give both --tp and --pp, or neither");
  if (o.tp == 0) {
    Choice c{smallest_fitting_mapping(rs, model), ""};
    c.how = fmt::format(
        "auto: the fewest GPUs (tp x pp, powers of two) whose weights and KV cache of 8 sequences of 4096 tokens "
        "fit one package ({:.2f} GiB of {:.2f} GiB)",
        to_gib(c.mapping.memory.total()), to_gib(cluster_facts(rs).hbm_capacity));
    return c;
  }
  for (const Mapping& m : map_llm(sizing_workload(model), cluster_facts(rs), Objective::Throughput)) {
    if (m.tp != o.tp || m.pp != o.pp) continue;
    if (!m.fits)
      bad_option("--tp", fmt::format("{} as tp {} x pp {} on '{}' with 8 sequences of 4096 tokens: {}", model.name,
                                     o.tp, o.pp, rs.params.name, m.why_not));
    return {m, "given"};
  }
  bad_option("--tp", fmt::format("{} does not split as tp {} x pp {} on '{}' (tp and pp powers of two, tp dividing "
                                 "its heads and KV heads, tp x pp at most the system's GPUs)",
                                 model.name, o.tp, o.pp, rs.params.name));
}

ReplicaLayout choose_layout(const AvailabilityOptions& o, int cluster_gpus, int g) {
  ReplicaLayout l;
  l.cluster_gpus = cluster_gpus;
  l.gpus_per_replica = g;
  l.spares = o.spares;
  if (o.gpus > 0) {
    if (o.gpus % g != 0)
      bad_option("--gpus", fmt::format("{} GPUs are not a whole number of replicas of {} GPUs", o.gpus, g));
    l.replicas = o.gpus / g;
  } else {
    l.replicas = o.replicas > 0 ? o.replicas : (cluster_gpus - o.spares) / g;
  }
  if (l.replicas < 1 || l.active() + l.spares > cluster_gpus)
    bad_option(o.gpus > 0 ? "--gpus" : (o.replicas > 0 ? "--replicas" : "--spares"),
               fmt::format("{} replicas of {} GPUs and {} spares need {} GPUs; the system has {}", l.replicas, g,
                           l.spares, l.active() + l.spares, cluster_gpus));
  return l;
}

nlohmann::json rate_json(const PartRate& r) {
  return {{"mtbf_hours", r.mtbf_hours},
          {"failure_rate_per_hour", r.rate_per_hour()},
          {"mttr_hours", r.mttr_hours},
          {"basis", r.basis},
          {"source", r.source}};
}

nlohmann::json goodput_json(const TrainingGoodput& t) {
  return {{"gpus", t.gpus},
          {"mtbf_hours", t.mtbf_hours},
          {"interruptions_per_day", t.interruptions_per_day},
          {"checkpoint_cost_s", t.checkpoint_s},
          {"restart_s", t.restart_s},
          {"interval_s", t.interval_s},
          {"waste", t.waste},
          {"goodput", t.goodput}};
}

// Whether the Monte Carlo agrees with the closed form: within its 95% interval. A simulation that saw
// no outage at all has no interval (null): it can neither confirm nor contradict the closed form.
nlohmann::json agreement(const ClosedForm& cf, const McResult& mc) {
  if (mc.min_capacity >= 1) return nullptr;
  return std::abs(mc.mean - cf.capacity) <= mc.half_width;
}

struct Results {
  Inventory inv;
  ClosedForm cf;
  McResult mc;
  TrainingGoodput train, train_mem;
};

nlohmann::json to_json(const AvailabilityOptions& o, const ResolvedSystem& rs, const Resolved<ReliabilityParams>& rel,
                       const ModelParams& model, const Choice& c, const Results& r) {
  const ReplicaLayout& l = r.inv.layout;
  nlohmann::json j;
  j["system"] = rs.params.name;
  j["system_file"] = o.system;
  j["config_digest"] = rs.digest;
  j["model"] = model.name;
  j["tp"] = c.mapping.tp;
  j["pp"] = c.mapping.pp;
  j["mapping"] = c.how;
  j["cluster_gpus"] = l.cluster_gpus;
  j["gpus_per_replica"] = l.gpus_per_replica;
  j["replicas"] = l.replicas;
  j["spares"] = l.spares;
  j["direct_network"] = r.inv.direct;
  j["reliability"] = {{"name", rel.params.name},
                      {"die_scaling", rel.params.die_scaling},
                      {"reference_die_area_mm2", rel.params.reference_die_area_mm2},
                      {"digest", rel.digest}};
  nlohmann::json comps = nlohmann::json::object(), blast = nlohmann::json::object();
  for (const PartKind& k : r.inv.kinds) {
    nlohmann::json cj = rate_json(k.rate);
    cj["count"] = k.count;
    cj["part"] = k.part;
    cj["what"] = k.what;
    cj["failures_per_year"] = k.count * 8766.0 / k.rate.mtbf_hours;
    if (!k.note.empty()) cj["scaling"] = k.note;
    comps[k.key] = cj;
    blast[k.key] = {{"gpus", k.gpus},
                    {"replicas", k.replicas},
                    {"capacity_fraction", k.capacity_fraction},
                    {"mean_capacity_fraction", k.mean_capacity_fraction},
                    {"capacity_lost_no_spares", k.capacity_lost}};
  }
  j["components"] = comps;
  j["blast_radius"] = blast;
  j["availability"] = {{"closed_form",
                        {{"capacity", r.cf.capacity},
                         {"method", r.cf.method},
                         {"exact", r.cf.exact},
                         {"gpu_unavailability", r.cf.gpu_unavailability},
                         {"p_two_uncovered", r.cf.p_two_uncovered}}},
                       {"monte_carlo",
                        {{"capacity", r.mc.mean},
                         {"ci95", {r.mc.mean - r.mc.half_width, r.mc.mean + r.mc.half_width}},
                         {"half_width", r.mc.half_width},
                         {"sd", r.mc.sd},
                         {"runs", r.mc.runs},
                         {"years", o.years},
                         {"seed", o.seed},
                         {"full_capacity_time", r.mc.full_capacity_time},
                         {"min_capacity", r.mc.min_capacity},
                         {"replica_outages_per_year", r.mc.replica_outages_per_year},
                         {"failures_per_year", r.mc.failures_per_year},
                         {"by_year", r.mc.by_year}}},
                       {"agree", agreement(r.cf, r.mc)}};
  nlohmann::json t = goodput_json(r.train);
  t["in_memory"] = goodput_json(r.train_mem);
  j["training_goodput"] = t;
  return j;
}

std::string percent(double f) { return fmt::format("{:.4f}%", 100.0 * f); }

void print_text(const AvailabilityOptions& o, const ResolvedSystem& rs, const Resolved<ReliabilityParams>& rel,
                const ModelParams& model, const Choice& c, const Results& r) {
  const ReplicaLayout& l = r.inv.layout;
  std::cout << fmt::format(
      "LiteSim availability: {} ({} GPUs), {} as {} replicas of tp {} x pp {} ({} GPUs), {} spares\n", rs.params.name,
      l.cluster_gpus, model.name, l.replicas, c.mapping.tp, c.mapping.pp, l.gpus_per_replica, l.spares);
  std::cout << fmt::format("  split: {}\n", c.how);
  std::cout << fmt::format(
      "  rates: {} (die_scaling {}); blast: one failure, worst unit of the kind, before a spare joins\n\n",
      rel.params.name, rel.params.die_scaling);
  std::cout << fmt::format("  {:<24} {:>6} {:>11} {:>6} {:<10} {:>5} {:>8} {:>10} {:>12}\n", "part kind", "count",
                           "MTBF h", "MTTR h", "basis", "GPUs", "replicas", "capacity", "kept down*");
  for (const PartKind& k : r.inv.kinds)
    std::cout << fmt::format("  {:<24} {:>6} {:>11.0f} {:>6.0f} {:<10} {:>5} {:>8} {:>10} {:>12}\n", k.key, k.count,
                             k.rate.mtbf_hours, k.rate.mttr_hours, k.rate.basis, k.gpus, k.replicas,
                             percent(k.capacity_fraction), percent(k.capacity_lost));
  const nlohmann::json agree = agreement(r.cf, r.mc);
  std::cout << "  * capacity the kind keeps down on average: first order, without spares\n";
  std::cout << fmt::format(
      "\n  serving capacity, steady state: closed form {:.6f} (lost {:.3g}; {}{}); Monte Carlo {:.6f} +- {:.6f} (95%, "
      "{} lifetimes of {} years, seed {}){}\n",
      r.cf.capacity, 1 - r.cf.capacity, r.cf.method, r.cf.exact ? ", exact" : ", approximate", r.mc.mean,
      r.mc.half_width, r.mc.runs, o.years, o.seed,
      agree.is_null() ? ": no outage in any lifetime, no interval" : (agree.get<bool>() ? ": agree" : ": DIFFER"));
  std::cout << fmt::format(
      "  every replica up {} of the time; fewest up {}; {:.2f} replica outages and {:.1f} part failures a year\n",
      percent(r.mc.full_capacity_time), percent(r.mc.min_capacity), r.mc.replica_outages_per_year,
      r.mc.failures_per_year);
  for (const TrainingGoodput* t : {&r.train, &r.train_mem})
    std::cout << fmt::format(
        "  training on {} GPUs{}: MTBF {:.2f} h ({:.2f} interruptions a day), checkpoint {:g} s, restart {:g} s -> "
        "Young/Daly interval {:.0f} s, goodput {}\n",
        t->gpus, t == &r.train_mem ? " (in-memory checkpoints)" : "", t->mtbf_hours, t->interruptions_per_day,
        t->checkpoint_s, t->restart_s, t->interval_s, percent(t->goodput));
  std::cout << "\n  sources:\n";
  for (const PartKind& k : r.inv.kinds)
    std::cout << fmt::format("    {}: {}{}\n", k.key, k.rate.source, k.note.empty() ? "" : "; " + k.note);
}

// The rates file with --reliability-set overrides; their errors name that option, not --set.
Resolved<ReliabilityParams> reliability(const AvailabilityOptions& o, const std::string& configs_dir) {
  try {
    return resolve_reliability(o.reliability, o.reliability_sets, configs_dir);
  } catch (const ConfigError& e) {
    SourceLoc loc = e.loc();
    if (loc.file.rfind("--set", 0) == 0) loc.file = "--reliability-set" + loc.file.substr(5);
    throw ConfigError(loc, e.key_path(), e.detail());
  }
}

}  // namespace

CLI::App* add_availability(CLI::App& app, AvailabilityOptions& o) {
  auto* c = app.add_subcommand(
      "availability",
      "what fails, what one failure takes down, and the serving capacity and training goodput left (docs/faults.md)");
  c->add_option("--system", o.system, "system YAML")->required();
  c->add_option("--model", o.model, "model: a name in configs/models/ or a YAML file")->required();
  c->add_option("--tp", o.tp, "tensor-parallel GPUs of a replica (with --pp; default: the smallest split that fits)")
      ->check(CLI::Range(1, 1 << 16));
  c->add_option("--pp", o.pp, "pipeline stages of a replica (with --tp)")->check(CLI::Range(1, 1 << 16));
  auto* rep = c->add_option("--replicas", o.replicas, "replicas served (default: as many as the GPUs hold)")
                  ->check(CLI::Range(1, 1 << 24));
  c->add_option("--gpus", o.gpus, "GPUs given to replicas (a multiple of tp x pp)")
      ->check(CLI::Range(1, 1 << 24))
      ->excludes(rep);
  c->add_option("--spares", o.spares, "spare GPUs standing by")->capture_default_str()->check(CLI::Range(0, 1 << 24));
  c->add_option("--years", o.years, "the cluster's lifetime simulated, years")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 100.0));
  c->add_option("--runs", o.runs, "Monte Carlo lifetimes")->capture_default_str()->check(CLI::Range(2, 1000000));
  c->add_option("--seed", o.seed, "random seed (non-negative integer)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  c->add_option("--reliability", o.reliability, "failure rates: a name in configs/reliability/ or a YAML file")
      ->capture_default_str();
  c->add_option("--reliability-set", o.reliability_sets, "override a rate, KEY=VALUE (repeatable)");
  c->add_option("--set", o.sets, "override a system config value, KEY=VALUE (repeatable)");
  c->add_option("--checkpoint-cost", o.checkpoint, "training: time to write one checkpoint (assumption)")
      ->capture_default_str();
  c->add_option("--restart", o.restart, "training: time from a failure to resuming from the checkpoint (assumption)")
      ->capture_default_str();
  c->add_flag("--json", o.json, "print JSON only");
  c->footer("Exit status: 0 ok, 2 bad input (option, system, model or rates file), 1 other.");
  return c;
}

int run_availability(const AvailabilityOptions& o, const std::string& configs_dir) {
  const double checkpoint_s = option_quantity(o.checkpoint, Dim::Time, "--checkpoint-cost").value * 1e-12;
  const double restart_s = option_quantity(o.restart, Dim::Time, "--restart").value * 1e-12;
  if (!(checkpoint_s > 0)) bad_option("--checkpoint-cost", "expected a positive time, e.g. 30 s");
  if (restart_s < 0) bad_option("--restart", "expected a time of at least 0 s, e.g. 240 s");
  const ResolvedSystem rs = resolve_system_option(o.system, o.sets, configs_dir);
  const ModelParams model = load_model(configs_dir, o.model);
  const Resolved<ReliabilityParams> rel = reliability(o, configs_dir);
  const Choice c = choose_mapping(o, rs, model);
  Results r;
  r.inv = build_inventory(rs, rel.params, choose_layout(o, cluster_facts(rs).gpus, c.mapping.gpus()));
  r.cf = closed_form_availability(r.inv);
  r.mc = simulate_availability(r.inv, McOptions{o.runs, o.years, static_cast<uint64_t>(o.seed)});
  r.train = training_goodput(r.inv, checkpoint_s, restart_s);
  r.train_mem = training_goodput(r.inv, checkpoint_s, restart_s / kInMemorySpeedup);
  if (o.json)
    std::cout << to_json(o, rs, rel, model, c, r).dump(2) << "\n";
  else
    print_text(o, rs, rel, model, c, r);
  return 0;
}

}  // namespace litesim
