#pragma once
// A dense decoder-only transformer's architecture, as data (configs/models/NAME.yaml, one
// ParamSet), and what follows from it alone: its parameter counts. The LLM trace generator
// (llm.h) sizes every kernel from these numbers. docs/trace-generator.md.
#include <cstdint>
#include <string>

#include "core/params.h"

namespace litesim {

struct ModelParams {
  std::string name;
  int64_t layers = 0;            // transformer blocks
  int64_t d_model = 0;           // width of the residual stream
  int64_t ffn_dim = 0;           // hidden width of the MLP (per branch for SwiGLU)
  int64_t heads = 0;             // query heads
  int64_t kv_heads = 0;          // key/value heads (grouped-query attention; = heads for multi-head attention)
  int64_t head_dim = 0;          // width of one head
  int64_t vocab = 0;             // tokens of the vocabulary (rows of the embedding, columns of the LM head)
  int64_t context = 0;           // longest sequence the model takes (and rows of a learned position table)
  std::string norm;              // rmsnorm | layernorm
  std::string mlp;               // swiglu (gate, up, down) | gelu (up, down)
  std::string position;          // rope (no parameters) | learned (a context x d_model table)
  bool tied_embeddings = false;  // the LM head reuses the embedding matrix
  bool bias = false;             // linear layers carry biases
  bool swiglu() const { return mlp == "swiglu"; }
  static const ParamSet<ModelParams>& schema();
};

// configs/models/<name>.yaml under `configs_dir`, or a file when `name` has a '/' or ends in
// .yaml; errors name the option `--model`.
ModelParams load_model(const std::string& configs_dir, const std::string& name);

// Parameters by where they live. Matmul weights are the ones a forward pass multiplies every token
// by (2 FLOP each); the rest are looked up (embeddings) or applied element-wise (norms, biases).
struct ParamCounts {
  int64_t embedding = 0;     // vocab x d_model
  int64_t position = 0;      // context x d_model when learned
  int64_t lm_head = 0;       // vocab x d_model unless tied
  int64_t layer_matmul = 0;  // one block's QKV, output, MLP weights
  int64_t layer_other = 0;   // one block's norms and biases
  int64_t final_norm = 0;    // the norm before the LM head
  int64_t layers = 0;        // blocks
  int64_t total() const { return embedding + position + lm_head + layers * (layer_matmul + layer_other) + final_norm; }
};
ParamCounts param_counts(const ModelParams& m);

// One transformer block's parameters for its widths: `qkv` the QKV projection's outputs, `attn`
// the output projection's inputs, `up` the gate/up projection's outputs, `ffn` the down
// projection's inputs. With the model's widths it is the whole block (param_counts); with one
// tensor-parallel rank's (LlmShapes) that rank's share: the column-parallel QKV and gate/up biases
// split with their weights, the norms and the output and down biases whole on every rank.
struct BlockParams {
  int64_t matmul = 0;  // QKV, output, MLP weights
  int64_t other = 0;   // norms and biases
};
BlockParams block_params(const ModelParams& m, int64_t qkv, int64_t attn, int64_t up, int64_t ffn);

}  // namespace litesim
