// The LLM trace generator (`litesim gen llm`) against closed forms and published figures: the
// FLOPs of the generated kernels (read back through the trace reader) against the dense
// transformer's forward-pass count, the parameter counts against the published model sizes, the
// memory check against a package's HBM, the per-layer structure and the bad requests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "memory/hbm/hbm.h"
#include "traces/gen/llm.h"
#include "traces/system/system_config.h"

using namespace litesim;

namespace {

const std::string kConfigs = LITESIM_CONFIGS_DIR;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

LlmRequest request(const std::string& model, LlmPhase phase, int64_t batch, int64_t seq, int tp, int pp) {
  LlmRequest r;
  r.model = load_model(kConfigs, model);
  r.phase = phase;
  r.batch = batch;
  r.seq = seq;
  r.tp = tp;
  r.pp = pp;
  return r;
}

// The generated program written as litesim-trace/1 and read back (expanded) by the format's reader.
Trace round_trip(const LlmRequest& r) {
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("litesim-gen-{}-{}-tp{}-pp{}.yaml", getpid(), r.model.name, r.tp, r.pp);
  {
    std::ofstream f(path);
    write_trace(generate_llm(r, llm_shapes(r)), f);
  }
  Trace t = read_trace(path.string());
  std::filesystem::remove(path);
  return t;
}

// A kernel's multiply-add FLOPs from its shape alone (2 FLOP per multiply-add): a GEMM's m n k, an
// attention's Q K^T and P V over the keys each query sees (causal: the query's own position and
// those before it).
double matmul_flops(const KernelDesc& k) {
  const auto f = [](int64_t v) { return static_cast<double>(v); };
  if (k.kind == KernelKind::Gemm) return 2 * f(k.m) * f(k.n) * f(k.k) * f(k.batch);
  if (k.kind != KernelKind::Attention) return 0;
  double pairs = f(k.q_len) * f(k.kv_len);
  if (k.causal) pairs = f(k.q_len) * f(k.kv_len - k.q_len) + f(k.q_len) * f(k.q_len + 1) / 2;
  return 2 * 2 * f(k.head_dim) * pairs * f(k.heads) * f(k.batch);
}

// A dense transformer's forward pass in FLOPs (Kaplan et al. 2020, "Scaling Laws for Neural Language
// Models", Table 1: C_forward = 2N per token for the N non-embedding matmul weights, plus 2 d_model
// n_vocab for the de-embedding, plus the attention's context term, which Hoffmann et al. 2022
// (Chinchilla), Appendix F, counts as 2 x key_size x heads for the logits and as much again for the
// reduction over the values, per (query, key) pair). Here: every token through every block; the LM
// head on one token per sequence, over the vocabulary padded to a multiple of tp; (query, key)
// pairs per sequence S(S+1)/2 for causal prefill and S for a decode step.
double closed_form_flops(const ModelParams& m, LlmPhase phase, int64_t batch, int64_t seq, int tp) {
  const double d = static_cast<double>(m.d_model), hd = static_cast<double>(m.head_dim);
  const double h = static_cast<double>(m.heads), kv = static_cast<double>(m.kv_heads);
  const double block = d * (h + 2 * kv) * hd + h * hd * d + (m.mlp == "swiglu" ? 3 : 2) * d * m.ffn_dim;
  const double tokens = phase == LlmPhase::Prefill ? static_cast<double>(batch * seq) : static_cast<double>(batch);
  const double vocab = std::ceil(static_cast<double>(m.vocab) / tp) * tp;
  const double s = static_cast<double>(seq);
  const double pairs = phase == LlmPhase::Prefill ? s * (s + 1) / 2 : s;
  const double layers = static_cast<double>(m.layers), b = static_cast<double>(batch);
  return 2 * layers * block * tokens + 2 * d * vocab * b + 4 * layers * b * pairs * h * hd;
}

struct Sums {
  double matmul = 0;  // GEMM and attention FLOPs from the shapes
  double useful = 0;  // every kernel's useful FLOPs as the die plans them (vector work included)
};

// Over every kernel of every rank; each kernel must also plan on a lite-quarter die (what the
// runner checks before a run).
Sums sum_flops(const Trace& t) {
  const PackageParams pkg = resolve_package(kConfigs, "lite-quarter", {}).params;
  const PlanTarget target{pkg.die.sms * pkg.dies, hbm_facts(pkg.hbm).peak_bytes_per_s};
  Sums s;
  for (const TraceRank& r : t.ranks)
    for (const TraceOp& op : r.ops)
      if (op.kind == TraceOpKind::Kernel) {
        s.matmul += matmul_flops(op.kernel);
        s.useful += plan_kernel(op.kernel, pkg.die, target).useful_flops;
      }
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(LlmGen, KernelFlopsMatchTheDenseTransformerClosedForm) {
  struct Case {
    std::string model;
    LlmPhase phase;
    int64_t batch, seq;
    int tp, pp;
  };
  for (const Case& c : std::vector<Case>{{"llama3-8b", LlmPhase::Decode, 8, 4096, 4, 2},
                                         {"llama3-70b", LlmPhase::Prefill, 2, 2048, 8, 1},
                                         {"gpt3-175b", LlmPhase::Prefill, 1, 2048, 8, 4},
                                         {"gpt3-175b", LlmPhase::Decode, 16, 1000, 1, 3}}) {
    const LlmRequest r = request(c.model, c.phase, c.batch, c.seq, c.tp, c.pp);
    const Sums s = sum_flops(round_trip(r));
    const double want = closed_form_flops(r.model, c.phase, c.batch, c.seq, c.tp);
    EXPECT_NEAR(s.matmul / want, 1.0, 1e-12) << c.model << " " << llm_phase_name(c.phase);
    // norms, activations and residual adds are a few FLOPs per element against 2 d_model per weight row
    EXPECT_GT(s.useful, s.matmul);
    EXPECT_NEAR(s.useful / want, 1.0, 1e-3) << c.model;
  }
}

// With more ranks than KV heads each rank holds one KV head: the T - kv_heads extra copies each
// project K and V for every token (2 GEMM columns of head_dim, 2 FLOP per multiply-add, per layer).
TEST(LlmGen, ReplicatedKvHeadsAddTheirProjectionsOnly) {
  const LlmRequest r = request("llama3-405b", LlmPhase::Decode, 4, 8192, 16, 2);
  ASSERT_LT(r.model.kv_heads, r.tp);
  const LlmShapes s = llm_shapes(r);
  EXPECT_EQ(s.kv_heads, 1);
  EXPECT_EQ(s.heads, r.model.heads / r.tp);
  const double extra = static_cast<double>(r.model.layers) * 4.0 /*tokens*/ * 2 * r.model.d_model * 2 *
                       r.model.head_dim * static_cast<double>(r.tp - r.model.kv_heads);
  const Sums sums = sum_flops(round_trip(r));
  EXPECT_NEAR(sums.matmul / (closed_form_flops(r.model, r.phase, 4, 8192, r.tp) + extra), 1.0, 1e-12);
}

// Published sizes: Llama 3 8B and 405B (Meta 2024, "The Llama 3 Herd of Models"), 70.6B (the
// Hugging Face checkpoints' safetensors count), GPT-3 175.0B (Brown et al. 2020, Table 2.1).
TEST(LlmGen, ParameterCountsMatchThePublishedSizes) {
  for (const auto& [name, published] : std::vector<std::pair<std::string, double>>{
           {"llama3-8b", 8.0e9}, {"llama3-70b", 70.6e9}, {"llama3-405b", 405e9}, {"gpt3-175b", 175.0e9}}) {
    const double n = static_cast<double>(param_counts(load_model(kConfigs, name)).total());
    EXPECT_NEAR(n / published, 1.0, 0.015) << name << ": " << n;
  }
}

// Every weight is on exactly one rank, except the norms (and row-parallel biases) every
// tensor-parallel rank keeps a copy of.
TEST(LlmGen, WeightsAreShardedOverTheRanks) {
  LlmRequest r = request("llama3-70b", LlmPhase::Decode, 1, 128, 1, 4);
  const ParamCounts p = param_counts(r.model);
  LlmShapes s = llm_shapes(r);
  uint64_t sum = 0;
  for (int st = 0; st < r.pp; ++st) sum += llm_memory(r, s, st).weights;
  EXPECT_EQ(sum, 2 * static_cast<uint64_t>(p.total()));
  r.tp = 8;
  r.pp = 1;
  s = llm_shapes(r);
  const int64_t d = r.model.d_model, norms = r.model.layers * 2 * d + d;
  EXPECT_EQ(llm_memory(r, s, 0).weights * 8, 2 * static_cast<uint64_t>(p.total() + 7 * norms));
}

// --weights fp8: one byte per weight, and the weight GEMMs (only they) run in fp8.
TEST(LlmGen, Fp8WeightsHalveTheWeightBytesAndQuantiseOnlyTheGemms) {
  LlmRequest r = request("llama3-70b", LlmPhase::Decode, 1, 128, 1, 4);
  const ParamCounts p = param_counts(r.model);
  r.weights = Dtype::fp8;
  const LlmShapes s = llm_shapes(r);
  uint64_t sum = 0;
  for (int st = 0; st < r.pp; ++st) sum += llm_memory(r, s, st).weights;
  EXPECT_EQ(sum, static_cast<uint64_t>(p.total()));
  const Trace t = expand(generate_llm(r, s));
  int gemms = 0;
  for (const TraceOp& op : t.ranks[0].ops) {
    if (op.kind != TraceOpKind::Kernel) continue;
    const bool gemm = op.kernel.kind == KernelKind::Gemm;
    gemms += gemm;
    EXPECT_EQ(op.kernel.dtype, gemm ? Dtype::fp8 : Dtype::bf16) << op.id;
  }
  EXPECT_GT(gemms, 0);
}

TEST(LlmGen, MemoryCheckRefuses405bOnOneLiteQuarterAndAcceptsATpxPpThatFits) {
  const uint64_t capacity = hbm_facts(resolve_package(kConfigs, "lite-quarter", {}).params.hbm).capacity;
  ASSERT_EQ(capacity, uint64_t{20} << 30);  // a quarter of the H100's 80 GiB (docs/parameters.md)
  const LlmRequest one = request("llama3-405b", LlmPhase::Decode, 1, 4096, 1, 1);
  const LlmTarget target{64, capacity, "s", "lite-quarter"};
  const std::string e = error_of([&] { check_llm_fits(one, llm_shapes(one), target); });
  // terms from the architecture: all weights in bf16; K and V of every layer for 4096 tokens
  const ModelParams& m = one.model;
  const double weights = 2.0 * static_cast<double>(param_counts(m).total()) / kGiB;
  const double kv = 2.0 * m.layers * 4096 * m.kv_heads * m.head_dim * 2 / kGiB;
  EXPECT_GT(weights, 700);
  for (const std::string& want :
       {fmt::format("weights {:.2f} GiB", weights), fmt::format("KV cache {:.2f} GiB", kv),
        std::string("20.00 GiB HBM capacity of package 'lite-quarter'"), std::string("--tp/--pp")})
    EXPECT_NE(e.find(want), std::string::npos) << want << " not in: " << e;
  // the layout it suggests fits, and needs at least weights / capacity ranks
  const std::string hint = "use a larger --tp or --pp: the fewest ranks that fit are --tp ";
  ASSERT_NE(e.find(hint), std::string::npos) << e;
  int tp = 0, pp = 0;
  ASSERT_EQ(std::sscanf(e.c_str() + e.find(hint) + hint.size(), "%d --pp %d", &tp, &pp), 2) << e;
  const LlmRequest hinted = request("llama3-405b", LlmPhase::Decode, 1, 4096, tp, pp);
  EXPECT_EQ(error_of([&] { check_llm_fits(hinted, llm_shapes(hinted), {tp * pp, capacity, "s", "p"}); }), "");
  EXPECT_GE(tp * pp, weights * kGiB / static_cast<double>(capacity));
  // 64 ranks: 126 layers as 16 x 6 + 15 x 2, each rank 1/8 of its stage's blocks
  const LlmRequest split = request("llama3-405b", LlmPhase::Decode, 1, 4096, 8, 8);
  EXPECT_EQ(error_of([&] { check_llm_fits(split, llm_shapes(split), target); }), "");
  EXPECT_LT(llm_memory_peak(split, llm_shapes(split)).weights, capacity);
  // but not on a system with fewer GPUs
  EXPECT_NE(error_of([&] {
              check_llm_fits(split, llm_shapes(split), {16, capacity, "s", "p"});
            }).find("8 x 8 = 64 ranks, but system 's' has 16 GPUs"),
            std::string::npos);
}

TEST(LlmGen, KvCacheIsTwoTensorsPerLayerPerToken) {
  const LlmRequest r = request("llama3-70b", LlmPhase::Decode, 8, 4096, 4, 2);
  const LlmMemory mem = llm_memory(r, llm_shapes(r), 1);
  // 40 layers on the stage, 2 of the 8 KV heads on the rank, K and V of 128 bf16 values each
  EXPECT_EQ(mem.kv_cache, uint64_t{2} * 40 * 8 * 4096 * 2 * 128 * 2);
}

TEST(LlmGen, LayersAreSplitEvenlyWithTheRemainderOnTheFirstStages) {
  const LlmShapes s = llm_shapes(request("llama3-405b", LlmPhase::Decode, 1, 16, 1, 4));
  EXPECT_EQ(s.stage_layers, (std::vector<int64_t>{32, 32, 31, 31}));
  const LlmShapes g = llm_shapes(request("gpt3-175b", LlmPhase::Decode, 1, 16, 1, 5));
  EXPECT_EQ(g.stage_layers, (std::vector<int64_t>{20, 19, 19, 19, 19}));
}

TEST(LlmGen, EveryBlockHasItsKernelsCollectivesAndDependencies) {
  const LlmRequest r = request("llama3-8b", LlmPhase::Prefill, 2, 512, 2, 2);
  const Trace t = round_trip(r);
  check_trace(t, 4, "test");  // every send meets its recv, the TP groups issue the same collectives
  ASSERT_EQ(t.gpus, 4);
  const ModelParams& m = r.model;
  const uint64_t act = 2 * 512 * 4096 * 2;  // tokens x d_model x bf16
  const std::vector<std::string> block = {"attn_norm", "qkv",     "attn", "o_proj", "attn_ar", "attn_res",
                                          "mlp_norm",  "gate_up", "act",  "down",   "mlp_ar",  "mlp_res"};
  for (const TraceRank& rank : t.ranks) {
    const int stage = rank.rank / 2;
    std::map<std::string, int> count;
    std::map<std::string, uint32_t> at;
    for (uint32_t i = 0; i < rank.ops.size(); ++i) {
      const TraceOp& op = rank.ops[i];
      ++count[op.name];
      at[op.id] = i;
      if (op.kind == TraceOpKind::Collective && op.coll == CollOp::AllReduce) {
        EXPECT_EQ(op.bytes, act) << op.id;
        EXPECT_EQ(t.groups[static_cast<size_t>(op.group)].ranks, (std::vector<int>{2 * stage, 2 * stage + 1}));
      }
      if (op.name == "qkv") {
        EXPECT_EQ(op.kernel.n, (32 / 2 + 2 * 8 / 2) * 128);
      }
      if (op.name == "gate_up") {
        EXPECT_EQ(op.kernel.n, 2 * 14336 / 2);
      }
      if (op.name == "down") {
        EXPECT_EQ(op.kernel.k, 14336 / 2);
      }
      if (op.name == "attn") {
        EXPECT_TRUE(op.kernel.causal);
        EXPECT_EQ(op.kernel.q_len, 512);
        EXPECT_EQ(op.kernel.kv_len, 512);
        EXPECT_EQ(op.kernel.heads, 16);
        EXPECT_EQ(op.kernel.kv_heads, 4);
      }
    }
    for (const std::string& name : block) EXPECT_EQ(count[name], 16) << name;  // 32 layers over 2 stages
    // block i starts after block i-1's residual add (every block also names the stage's input,
    // which only the first one waits for)
    const uint32_t input = at[stage == 0 ? "embed_ar" : "recv_act"];
    EXPECT_EQ(rank.ops[at["layer[5].attn_norm"]].deps, (std::vector<uint32_t>{at["layer[4].mlp_res"], input}));
    if (stage == 0) {
      EXPECT_EQ(count["embed_ar"], 1);
      const TraceOp& send = rank.ops[at["send_act"]];
      EXPECT_EQ(send.peer, rank.rank + 2);
      EXPECT_EQ(send.bytes, act);
      // on the comm stream, after the stage's last block
      EXPECT_EQ(t.streams[static_cast<size_t>(send.stream)], "comm");
      EXPECT_EQ(send.deps, std::vector<uint32_t>{at["layer[15].mlp_res"]});
      EXPECT_EQ(rank.ops[at["layer[0].attn_norm"]].deps, std::vector<uint32_t>{at["embed_ar"]});
    } else {
      EXPECT_EQ(rank.ops[0].kind, TraceOpKind::Recv);
      EXPECT_EQ(rank.ops[0].peer, rank.rank - 2);
      EXPECT_EQ(rank.ops[at["layer[0].attn_norm"]].deps, std::vector<uint32_t>{at["recv_act"]});
      const TraceOp& head = rank.ops[at["lm_head"]];
      EXPECT_EQ(head.kernel.m, 2);  // the last token of each sequence
      EXPECT_EQ(head.kernel.n, m.vocab / 2);
      const TraceOp& gather = rank.ops[at["logits_ag"]];
      EXPECT_EQ(gather.coll, CollOp::AllGather);
      EXPECT_EQ(gather.bytes, uint64_t{2} * 128256 * 2);
    }
  }
}

// A stage-to-stage transfer above one message's limit is cut into several sends.
TEST(LlmGen, LargeActivationsCrossStagesAsSeveralSends) {
  const LlmRequest r = request("llama3-8b", LlmPhase::Prefill, 4, 65536, 1, 2);  // 2 GiB of activations
  const Trace t = round_trip(r);
  check_trace(t, 2, "test");
  uint64_t sent = 0;
  int sends = 0;
  for (const TraceOp& op : t.ranks[0].ops)
    if (op.kind == TraceOpKind::Send) sent += op.bytes, ++sends;
  EXPECT_EQ(sent, uint64_t{4} * 65536 * 4096 * 2);
  EXPECT_GT(sends, 1);
}

TEST(LlmGen, BadRequestsNameTheOption) {
  const auto err = [](LlmRequest r) { return error_of([&] { llm_shapes(r); }); };
  LlmRequest r = request("llama3-8b", LlmPhase::Decode, 1, 128, 3, 1);
  EXPECT_NE(err(r).find("--tp: 3 does not divide model 'llama3-8b''s 32 query heads"), std::string::npos) << err(r);
  r.tp = 1;
  r.pp = 33;
  EXPECT_NE(err(r).find("--pp: 33 stages for model 'llama3-8b''s 32 layers"), std::string::npos) << err(r);
  r = request("gpt3-175b", LlmPhase::Prefill, 1, 4096, 1, 1);
  EXPECT_NE(err(r).find("--seq: 4096 tokens exceed model 'gpt3-175b''s context of 2048"), std::string::npos) << err(r);
  r.seq = 16;
  r.model.heads = 24;
  r.model.kv_heads = 6;
  r.model.ffn_dim = 4096;
  r.tp = 4;
  EXPECT_NE(err(r).find("--tp: 4 and model 'gpt3-175b''s 6 KV heads must divide one another"), std::string::npos)
      << err(r);
}

TEST(LlmGen, UnknownModelNamesTheOptionAndThePresets) {
  std::string e;
  try {
    load_model(kConfigs, "llama9");
  } catch (const ConfigError& x) {
    e = x.what();
  }
  EXPECT_NE(e.find("--model"), std::string::npos) << e;
  EXPECT_NE(e.find("no preset 'llama9'"), std::string::npos) << e;
  EXPECT_NE(e.find("llama3-70b"), std::string::npos) << e;  // the known presets
}

// An architect's copy of a preset is checked like any config: file:line, key, what was expected.
TEST(LlmGen, ModelFilesAreValidatedWithFileLineAndKey) {
  std::ifstream in(kConfigs + "/models/llama3-8b.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto path = std::filesystem::temp_directory_path() / "litesim-test-model.yaml";
  const auto load = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    std::ofstream(path) << t;
    try {
      load_model(kConfigs, path.string());
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(load("kv_heads: 8", "kv_heads: 8"), "");
  EXPECT_NE(load("kv_heads: 8", "kv_heads: 6").find(":7:11: model.kv_heads: must divide heads"), std::string::npos)
      << load("kv_heads: 8", "kv_heads: 6");
  EXPECT_NE(load("mlp: swiglu", "mlp: relu").find("model.mlp"), std::string::npos);
  EXPECT_NE(load("layers: 32\n", "").find("model.layers"), std::string::npos);
  std::filesystem::remove(path);
}
