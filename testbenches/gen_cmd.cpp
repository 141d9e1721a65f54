#include "testbenches/gen_cmd.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "fabric/topology/topology.h"
#include "memory/hbm/hbm.h"
#include "testbenches/tb_options.h"
#include "traces/gen/llm.h"

namespace litesim {

int run_gen_llm(const GenLlmOptions& o, const std::string& configs_dir) {
  LlmRequest r;
  r.model = load_model(configs_dir, o.model);
  r.phase = o.phase == "prefill" ? LlmPhase::Prefill : LlmPhase::Decode;
  r.batch = o.batch;
  r.seq = o.seq;
  r.tp = o.tp;
  r.pp = o.pp;
  r.replicas = o.replicas;
  parse_dtype(o.weights, &r.weights);
  const LlmShapes s = llm_shapes(r);
  const ResolvedSystem rs = resolve_system_option(o.system, o.sets, configs_dir);
  const PackageParams& pkg = rs.params.package;
  const LlmTarget target{TopologyRegistry::instance().create(rs.params.fabric.topology)->num_gpus(),
                         hbm_facts(pkg.hbm).capacity, rs.params.name, pkg.name};
  check_llm_fits(r, s, target);
  const LlmMemory peak = llm_memory_peak(r, s);
  const std::string head = fmt::format(
      "# litesim gen llm --model {} --phase {} --batch {} --seq {} --tp {} --pp {}{} --weights {}\n"
      "# {} ranks for system '{}' ({} GPUs); {} layers, per stage: {}\n"
      "# fullest rank (stage {}): weights {:.3f} GiB + KV cache {:.3f} GiB + activations {:.3f} GiB = {:.3f} GiB "
      "of {:.3f} GiB HBM (package '{}')\n",
      o.model, llm_phase_name(r.phase), r.batch, r.seq, r.tp, r.pp,
      r.replicas > 1 ? fmt::format(" --replicas {}", r.replicas) : "", o.weights, r.tp * r.pp * r.replicas,
      target.system, target.gpus, r.model.layers, fmt::join(s.stage_layers, ", "), peak.stage, to_gib(peak.weights),
      to_gib(peak.kv_cache), to_gib(peak.activations), to_gib(peak.total()), to_gib(target.capacity), target.package);
  std::ostringstream text;
  text << head;
  write_trace(generate_llm(r, s), text);
  if (o.out.empty()) {
    std::cout << text.str();
    return 0;
  }
  std::ofstream f(o.out, std::ios::binary);
  if (!(f << text.str()) || !f.flush())
    throw ConfigError(SourceLoc{"-o", 0, 0}, "", fmt::format("cannot write the trace to '{}'", o.out));
  std::cout << head << "# written to " << o.out << "\n";
  return 0;
}

CLI::App* add_gen(CLI::App& app, GenLlmOptions& o) {
  auto* gen = app.add_subcommand("gen", "generate workload traces (litesim-trace/1)");
  gen->require_subcommand(1);
  auto* c = gen->add_subcommand("llm", "an LLM's forward pass (prefill or one decode step) under TP x PP");
  c->add_option("--model", o.model,
                "model preset (configs/models/: llama3-8b, llama3-70b, llama3-405b, gpt3-175b) "
                "or a model YAML file")
      ->required();
  c->add_option("--phase", o.phase, "prefill (a batch of prompts) or decode (one token per sequence)")
      ->required()
      ->check(CLI::IsMember({"prefill", "decode"}));
  c->add_option("--batch", o.batch, "sequences")->required()->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  c->add_option("--seq", o.seq, "prefill: prompt tokens per sequence; decode: tokens in the KV cache")
      ->required()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  c->add_option("--tp", o.tp, "tensor-parallel ranks per stage")->capture_default_str()->check(CLI::Range(1, 1 << 16));
  c->add_option("--pp", o.pp, "pipeline stages")->capture_default_str()->check(CLI::Range(1, 1 << 16));
  c->add_option("--replicas", o.replicas,
                "independent copies of the pass on disjoint GPUs (replica k on ranks k x tp x pp on), e.g. for "
                "`litesim tb fault`'s recovery policies")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  c->add_option("--weights", o.weights,
                "weights and the GEMMs using them: bf16, or fp8 (FP8 serving: norms, attention, KV cache and "
                "all-reduces stay bf16)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bf16", "fp8"}));
  c->add_option("--system", o.system, "system YAML (default: configs/system/default.yaml)");
  c->add_option("--set", o.sets, "override a system config value, KEY=VALUE (repeatable)");
  c->add_option("-o,--out", o.out, "trace file to write (default: stdout)");
  return c;
}

}  // namespace litesim
