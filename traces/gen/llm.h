#pragma once
// The LLM workload generator (`litesim gen llm`): one forward pass of a dense transformer
// (prefill of a batch of prompts, or one decode step) under Megatron-style tensor parallelism T
// and pipeline parallelism P, as a litesim-trace/1 program (TraceDoc) whose kernels are sized
// exactly from the model's architecture; and the memory check that the model fits each package's
// HBM. Model, assumptions and what is left out: docs/trace-generator.md.
#include <cstdint>
#include <string>
#include <vector>

#include "traces/gen/model.h"
#include "traces/trace/trace.h"

namespace litesim {

enum class LlmPhase { Prefill, Decode };
const char* llm_phase_name(LlmPhase p);

struct LlmRequest {
  ModelParams model;
  LlmPhase phase = LlmPhase::Decode;
  int64_t batch = 1;  // sequences
  int64_t seq = 1;    // prefill: prompt tokens per sequence; decode: tokens in the KV cache (this one included)
  int tp = 1;         // tensor-parallel ranks per stage
  int pp = 1;         // pipeline stages
  int replicas = 1;   // independent copies of the pass on disjoint GPUs (replica k: ranks k x tp x pp on)
  // Weights and the GEMMs that use them (QKV, output, MLP, LM head): bf16, or fp8 as FP8 serving
  // does (weights and GEMM inputs quantised; norms, attention, KV cache and all-reduces stay bf16).
  Dtype weights = Dtype::bf16;
};

// What one rank computes, derived from the request; every count is per rank.
struct LlmShapes {
  int64_t tokens = 0;        // rows of every per-token GEMM: batch x seq (prefill) or batch (decode)
  int64_t logit_tokens = 0;  // rows of the LM head: one per sequence (the next token's logits)
  int64_t q_len = 0, kv_len = 0;
  int64_t heads = 0;                  // query heads
  int64_t kv_heads = 0;               // KV heads (1 when the model has fewer KV heads than tp: replicated)
  int64_t qkv_n = 0;                  // (heads + 2 kv_heads) x head_dim
  int64_t attn_width = 0;             // heads x head_dim: K of the output projection
  int64_t ffn = 0;                    // ffn_dim / tp: K of the down projection
  int64_t up_n = 0;                   // 2 x ffn (SwiGLU: gate and up) or ffn
  int64_t vocab = 0;                  // ceil(vocab / tp): LM head columns (the vocabulary padded to a multiple of tp)
  std::vector<int64_t> stage_layers;  // blocks of each pipeline stage
  uint64_t activation_bytes = 0;      // tokens x d_model x 2: an all-reduce, a stage-to-stage transfer
};

// Checks the request against the model (tp divides the heads and the FFN width, kv_heads and tp
// divide one another, seq within the context, ...) and derives the shapes. Errors are ConfigErrors
// naming the option (--tp, --pp, --seq, --batch).
LlmShapes llm_shapes(const LlmRequest& r);

// Bytes one rank of pipeline stage `stage` holds in HBM.
struct LlmMemory {
  int stage = 0;
  uint64_t weights = 0;      // its share of the parameters, bf16
  uint64_t kv_cache = 0;     // 2 x its layers x batch x seq x its KV heads x head_dim x 2 B
  uint64_t activations = 0;  // the largest working set of one block (+ the logits on the last stage)
  uint64_t total() const { return weights + kv_cache + activations; }
};
LlmMemory llm_memory(const LlmRequest& r, const LlmShapes& s, int stage);
// The rank with the most bytes over all stages.
LlmMemory llm_memory_peak(const LlmRequest& r, const LlmShapes& s);
// Bytes in GiB (2^30 B), as the memory report and the errors give them.
inline double to_gib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0); }

// What the trace must fit: the system's GPUs and one package's HBM.
struct LlmTarget {
  int gpus = 0;
  uint64_t capacity = 0;        // bytes of HBM per package
  std::string system, package;  // names, for messages
};

// Refuses (ConfigError naming --tp/--pp, exit status 2 in the CLI) when the request needs more
// ranks than the system has GPUs, or when the fullest rank's bytes exceed one package's HBM: the
// message gives each term in GiB and the capacity, and the fewest tp x pp ranks that would fit.
void check_llm_fits(const LlmRequest& r, const LlmShapes& s, const LlmTarget& target);

// The trace: tp x pp ranks (its `gpus`), one program per stage shared by the stage's tp ranks,
// one `repeat` block per stage over its layers.
TraceDoc generate_llm(const LlmRequest& r, const LlmShapes& s);

}  // namespace litesim
