#include "traces/gen/model.h"

#include <fmt/format.h>

#include "core/registry.h"

namespace litesim {

const ParamSet<ModelParams>& ModelParams::schema() {
  static const ParamSet<ModelParams> s(
      "model", "a dense decoder-only transformer for `litesim gen llm` (configs/models/)",
      [](ParamSet<ModelParams>& p) {
        p.string("name", &ModelParams::name, "label of this model");
        p.integer("layers", &ModelParams::layers, "transformer blocks").at_least(1);
        p.integer("d_model", &ModelParams::d_model, "width of the residual stream").at_least(1);
        p.integer("ffn_dim", &ModelParams::ffn_dim, "hidden width of the MLP (of each branch for swiglu)").at_least(1);
        p.integer("heads", &ModelParams::heads, "query heads of each attention").at_least(1);
        p.integer("kv_heads", &ModelParams::kv_heads, "key/value heads (grouped-query attention; heads for MHA)")
            .at_least(1);
        p.integer("head_dim", &ModelParams::head_dim, "width of one attention head").at_least(1);
        p.integer("vocab", &ModelParams::vocab, "vocabulary size (embedding rows, LM head columns)").at_least(1);
        p.integer("context", &ModelParams::context, "longest sequence the model takes, in tokens").at_least(1);
        p.choice("norm", &ModelParams::norm, {"rmsnorm", "layernorm"}, "normalisation before attention and MLP");
        p.choice("mlp", &ModelParams::mlp, {"swiglu", "gelu"},
                 "MLP form: swiglu (gate and up, then down) or gelu (up, then down)");
        p.choice("position", &ModelParams::position, {"rope", "learned"},
                 "position encoding: rope (no parameters) or a learned context x d_model table");
        p.boolean("tied_embeddings", &ModelParams::tied_embeddings, "the LM head reuses the embedding matrix");
        p.boolean("bias", &ModelParams::bias, "linear layers carry biases");
      },
      [](const ModelParams& m, const ParamWhere& w) {
        if (m.heads % m.kv_heads != 0)
          w.fail("kv_heads", fmt::format("must divide heads ({} query heads share {} KV heads)", m.heads, m.kv_heads));
      });
  return s;
}

namespace {
const BlockRegistrar reg(ModelParams::schema());
}

ModelParams load_model(const std::string& configs_dir, const std::string& name) {
  const SourceLoc at{"--model", 0, 0};
  ConfigPtr raw = ConfigNode::make_map(at);
  raw->set("preset", ConfigNode::make_scalar(name, at), at);
  return resolve_block<ModelParams>(raw, {}, configs_dir, "models", "model").params;
}

namespace {
// One norm's parameters: its gain (and bias for LayerNorm).
int64_t norm_params(const ModelParams& m) { return m.norm == "layernorm" ? 2 * m.d_model : m.d_model; }
}  // namespace

BlockParams block_params(const ModelParams& m, int64_t qkv, int64_t attn, int64_t up, int64_t ffn) {
  const int64_t d = m.d_model;
  BlockParams b;
  b.matmul = d * qkv + attn * d + d * up + ffn * d;
  b.other = 2 * norm_params(m) + (m.bias ? qkv + d + up + d : 0);
  return b;
}

ParamCounts param_counts(const ModelParams& m) {
  ParamCounts c;
  const int64_t d = m.d_model;
  const BlockParams block = block_params(m, (m.heads + 2 * m.kv_heads) * m.head_dim, m.heads * m.head_dim,
                                         (m.swiglu() ? 2 : 1) * m.ffn_dim, m.ffn_dim);  // gate and up for SwiGLU
  c.embedding = m.vocab * d;
  c.position = m.position == "learned" ? m.context * d : 0;
  c.lm_head = m.tied_embeddings ? 0 : m.vocab * d;
  c.layer_matmul = block.matmul;
  c.layer_other = block.other;
  c.final_norm = norm_params(m);
  c.layers = m.layers;
  return c;
}

}  // namespace litesim
