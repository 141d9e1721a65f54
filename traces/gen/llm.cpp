// `litesim gen llm`: a dense transformer's forward pass as a litesim-trace/1 program.
// docs/trace-generator.md gives the kernels of one block, the parallel layout and the memory model.
#include "traces/gen/llm.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"

namespace litesim {

const char* llm_phase_name(LlmPhase p) { return p == LlmPhase::Prefill ? "prefill" : "decode"; }

namespace {

constexpr uint64_t kBf16 = 2;                        // bytes per weight, activation and KV entry
constexpr uint64_t kMaxMessage = uint64_t{1} << 30;  // a stage-to-stage transfer is cut into sends of at most this
constexpr double kResidualFlops = 1;                 // x + f(x)
constexpr double kSwigluFlops = 5;                   // silu(g) * u: exp, add, divide, two multiplies
constexpr double kGeluFlops = 9;  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): 7 multiplies or adds, tanh, +1
constexpr int64_t kMaxTokens = int64_t{1} << 36;  // batch x seq: keeps every byte count far from 2^64

[[noreturn]] void bad(const std::string& option, const std::string& what) {
  throw ConfigError(SourceLoc{option, 0, 0}, "", what);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// --- ops ------------------------------------------------------------------------------------------

OpSpec kernel_op(const std::string& id, KernelDesc k, std::vector<std::string> after) {
  OpSpec op;
  op.id = id;
  op.kind = TraceOpKind::Kernel;
  k.name = id;
  k.dtype = Dtype::bf16;
  op.kernel = k;
  op.after = std::move(after);
  return op;
}

OpSpec gemm(const std::string& id, int64_t m, int64_t n, int64_t k, std::vector<std::string> after,
            Dtype dtype = Dtype::bf16) {
  KernelDesc d;
  d.kind = KernelKind::Gemm;
  d.m = m;
  d.n = n;
  d.k = k;
  OpSpec op = kernel_op(id, d, std::move(after));
  op.kernel.dtype = dtype;
  return op;
}

OpSpec norm(const std::string& id, int64_t rows, int64_t cols, std::vector<std::string> after) {
  KernelDesc d;
  d.kind = KernelKind::Norm;
  d.rows = rows;
  d.cols = cols;
  return kernel_op(id, d, std::move(after));
}

OpSpec elementwise(const std::string& id, int64_t elements, int64_t inputs, double flops,
                   std::vector<std::string> after) {
  KernelDesc d;
  d.kind = KernelKind::Elementwise;
  d.elements = elements;
  d.inputs = inputs;
  d.outputs = 1;
  d.flops_per_element = flops;
  return kernel_op(id, d, std::move(after));
}

OpSpec collective(const std::string& id, CollOp c, const std::string& group, uint64_t bytes,
                  std::vector<std::string> after) {
  OpSpec op;
  op.id = id;
  op.kind = TraceOpKind::Collective;
  op.coll = c;
  op.group = group;
  op.bytes = bytes;
  op.after = std::move(after);
  return op;
}

// A transfer of `bytes` to (Send) or from (Recv) this rank + `offset`, as sends of at most
// kMaxMessage; returns the ids.
std::vector<std::string> p2p(Block& b, TraceOpKind kind, const std::string& id, int offset, uint64_t bytes,
                             const std::string& stream, const std::vector<std::string>& after = {}) {
  const uint64_t parts = (bytes + kMaxMessage - 1) / kMaxMessage;
  std::vector<std::string> ids;
  for (uint64_t i = 0; i < parts; ++i) {
    OpSpec op;
    op.id = parts == 1 ? id : fmt::format("{}{}", id, i);
    op.kind = kind;
    op.stream = stream;
    op.peer_relative = true;
    op.peer_offset = offset;
    op.bytes = std::min(kMaxMessage, bytes - i * kMaxMessage);
    op.after = after;
    ids.push_back(op.id);
    b.items.push_back(BlockItem{false, op, {}});
  }
  return ids;
}

void add(Block& b, OpSpec op) { b.items.push_back(BlockItem{false, std::move(op), {}}); }

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// One transformer block on one rank. `inputs` are the stage's input ops (embedding or receive):
// the first iteration's norm waits for them, later ones for the previous block's residual add.
std::shared_ptr<Block> block(const LlmRequest& r, const LlmShapes& s, const std::string& tp_group,
                             const std::vector<std::string>& inputs) {
  const ModelParams& m = r.model;
  const int64_t t = s.tokens, d = m.d_model;
  auto b = std::make_shared<Block>();
  // the tensor-parallel all-reduce of a row-parallel GEMM's partial sums (none on one rank)
  auto reduced = [&](const std::string& id, const std::string& gemm_id) {
    if (tp_group.empty()) return gemm_id;
    add(*b, collective(id, CollOp::AllReduce, tp_group, s.activation_bytes, {gemm_id}));
    return id;
  };
  add(*b, norm("attn_norm", t, d, with({"prev.mlp_res"}, inputs)));
  add(*b, gemm("qkv", t, s.qkv_n, d, {"attn_norm"}, r.weights));
  KernelDesc a;
  a.kind = KernelKind::Attention;
  a.batch = r.batch;
  a.heads = s.heads;
  a.kv_heads = s.kv_heads;
  a.q_len = s.q_len;
  a.kv_len = s.kv_len;
  a.head_dim = m.head_dim;
  a.causal = r.phase == LlmPhase::Prefill;
  add(*b, kernel_op("attn", a, {"qkv"}));
  add(*b, gemm("o_proj", t, d, s.attn_width, {"attn"}, r.weights));
  const std::string attn_out = reduced("attn_ar", "o_proj");
  add(*b, elementwise("attn_res", t * d, 2, kResidualFlops, {attn_out}));
  add(*b, norm("mlp_norm", t, d, {"attn_res"}));
  const std::string up = m.swiglu() ? "gate_up" : "up";
  add(*b, gemm(up, t, s.up_n, d, {"mlp_norm"}, r.weights));
  add(*b, elementwise("act", t * s.ffn, m.swiglu() ? 2 : 1, m.swiglu() ? kSwigluFlops : kGeluFlops, {up}));
  add(*b, gemm("down", t, d, s.ffn, {"act"}, r.weights));
  const std::string mlp_out = reduced("mlp_ar", "down");
  add(*b, elementwise("mlp_res", t * d, 2, kResidualFlops, {mlp_out}));
  return b;
}

// Why `tp` ranks cannot share model `m`'s layers (tp divides the heads and the FFN width, tp and the
// KV heads divide one another), or "" when they can.
std::string tp_problem(const ModelParams& m, int64_t tp) {
  if (m.heads % tp != 0) return fmt::format("{} does not divide model '{}''s {} query heads", tp, m.name, m.heads);
  if (m.ffn_dim % tp != 0) return fmt::format("{} does not divide model '{}''s FFN width {}", tp, m.name, m.ffn_dim);
  if (m.kv_heads % tp != 0 && tp % m.kv_heads != 0)
    return fmt::format(
        "{} and model '{}''s {} KV heads must divide one another (KV heads are split over the ranks, or "
        "replicated when there are fewer than ranks)",
        tp, m.name, m.kv_heads);
  return "";
}

}  // namespace

LlmShapes llm_shapes(const LlmRequest& r) {
  const ModelParams& m = r.model;
  if (r.batch < 1) bad("--batch", fmt::format("must be at least 1 (got {})", r.batch));
  if (r.seq < 1) bad("--seq", fmt::format("must be at least 1 (got {})", r.seq));
  if (r.seq > m.context)
    bad("--seq", fmt::format("{} tokens exceed model '{}''s context of {} tokens", r.seq, m.name, m.context));
  if (r.tp < 1) bad("--tp", fmt::format("must be at least 1 (got {})", r.tp));
  if (r.pp < 1) bad("--pp", fmt::format("must be at least 1 (got {})", r.pp));
  if (const std::string why = tp_problem(m, r.tp); !why.empty()) bad("--tp", why);
  if (r.pp > m.layers)
    bad("--pp",
        fmt::format("{} stages for model '{}''s {} layers (at most one stage per layer)", r.pp, m.name, m.layers));
  if (r.batch > kMaxTokens / r.seq)
    bad("--batch", fmt::format("batch x seq = {} x {} tokens is too large (at most {})", r.batch, r.seq, kMaxTokens));
  const int64_t tokens = r.phase == LlmPhase::Prefill ? r.batch * r.seq : r.batch;
  LlmShapes s;
  s.tokens = tokens;
  s.logit_tokens = r.batch;
  s.q_len = r.phase == LlmPhase::Prefill ? r.seq : 1;
  s.kv_len = r.seq;
  s.heads = m.heads / r.tp;
  s.kv_heads = std::max<int64_t>(1, m.kv_heads / r.tp);
  s.qkv_n = (s.heads + 2 * s.kv_heads) * m.head_dim;
  s.attn_width = s.heads * m.head_dim;
  s.ffn = m.ffn_dim / r.tp;
  s.up_n = (m.swiglu() ? 2 : 1) * s.ffn;
  s.vocab = ceil_div(m.vocab, r.tp);
  for (int st = 0; st < r.pp; ++st) s.stage_layers.push_back(m.layers / r.pp + (st < m.layers % r.pp ? 1 : 0));
  s.activation_bytes = static_cast<uint64_t>(tokens) * static_cast<uint64_t>(m.d_model) * kBf16;
  return s;
}

LlmMemory llm_memory(const LlmRequest& r, const LlmShapes& s, int stage) {
  const ModelParams& m = r.model;
  const uint64_t d = static_cast<uint64_t>(m.d_model);
  const ParamCounts whole = param_counts(m);
  // one block's share: column-parallel QKV and gate/up, row-parallel output and down projections;
  // norms and the row-parallel GEMMs' biases are replicated on every rank
  const BlockParams block = block_params(m, s.qkv_n, s.attn_width, s.up_n, s.ffn);
  const uint64_t layer = static_cast<uint64_t>(block.matmul + block.other);
  const uint64_t qkv = static_cast<uint64_t>(s.qkv_n), up = static_cast<uint64_t>(s.up_n);
  const uint64_t norm_params = static_cast<uint64_t>(whole.final_norm);
  const uint64_t layers = static_cast<uint64_t>(s.stage_layers[static_cast<size_t>(stage)]);
  uint64_t params = layers * layer;
  const uint64_t vocab_shard = static_cast<uint64_t>(s.vocab) * d;  // vocabulary-parallel embedding / LM head
  const bool first = stage == 0, last = stage == r.pp - 1;
  if (first) params += vocab_shard + static_cast<uint64_t>(whole.position);
  // a tied LM head shares the embedding's shard unless it sits on another stage
  if (last) params += norm_params + (!m.tied_embeddings || !first ? vocab_shard : 0);
  LlmMemory mem;
  mem.stage = stage;
  mem.weights = params * static_cast<uint64_t>(dtype_bytes(r.weights));
  mem.kv_cache = 2 * layers * static_cast<uint64_t>(r.batch) * static_cast<uint64_t>(s.kv_len) *
                 static_cast<uint64_t>(s.kv_heads) * static_cast<uint64_t>(m.head_dim) * kBf16;
  // the residual stream and its normalised copy, plus the larger of the attention's (QKV and
  // attention outputs) and the MLP's (gate/up and activation outputs) intermediates
  const uint64_t widest = std::max(qkv + static_cast<uint64_t>(s.attn_width), up + static_cast<uint64_t>(s.ffn));
  mem.activations = static_cast<uint64_t>(s.tokens) * (2 * d + widest) * kBf16;
  // the last stage's logit shard and the gathered logits
  if (last)
    mem.activations += static_cast<uint64_t>(s.logit_tokens) * static_cast<uint64_t>(s.vocab) *
                       (1 + static_cast<uint64_t>(r.tp)) * kBf16;
  return mem;
}

LlmMemory llm_memory_peak(const LlmRequest& r, const LlmShapes& s) {
  LlmMemory best = llm_memory(r, s, 0);
  for (int st = 1; st < r.pp; ++st) {
    const LlmMemory m = llm_memory(r, s, st);
    if (m.total() > best.total()) best = m;
  }
  return best;
}

void check_llm_fits(const LlmRequest& r, const LlmShapes& s, const LlmTarget& target) {
  const int64_t ranks = static_cast<int64_t>(r.tp) * r.pp;
  if (ranks > target.gpus)
    bad("--tp/--pp", fmt::format("tp x pp = {} x {} = {} ranks, but system '{}' has {} GPUs", r.tp, r.pp, ranks,
                                 target.system, target.gpus));
  if (ranks * r.replicas > target.gpus)
    bad("--replicas", fmt::format("{} replicas of tp x pp = {} ranks are {} ranks, but system '{}' has {} GPUs",
                                  r.replicas, ranks, ranks * r.replicas, target.system, target.gpus));
  const LlmMemory peak = llm_memory_peak(r, s);
  if (peak.total() <= target.capacity) return;
  // the smallest tp x pp (then the smallest tp) whose fullest rank fits
  std::string hint = "no tp x pp fits it";
  int64_t best = std::numeric_limits<int64_t>::max();
  for (int64_t tp = 1; tp <= r.model.heads; ++tp) {
    if (!tp_problem(r.model, tp).empty()) continue;
    for (int64_t pp = 1; pp <= r.model.layers && tp * pp < best; ++pp) {
      LlmRequest q = r;
      q.tp = static_cast<int>(tp);
      q.pp = static_cast<int>(pp);
      if (llm_memory_peak(q, llm_shapes(q)).total() > target.capacity) continue;
      best = tp * pp;
      hint =
          fmt::format("use a larger --tp or --pp: the fewest ranks that fit are --tp {} --pp {} ({} GPUs{})", tp, pp,
                      best, best > target.gpus ? fmt::format("; system '{}' has {}", target.system, target.gpus) : "");
    }
  }
  bad("--tp/--pp",
      fmt::format("model '{}' ({}, batch {}, seq {}) does not fit with --tp {} --pp {}: a rank of stage {} needs "
                  "weights {:.2f} GiB + KV cache {:.2f} GiB + activations {:.2f} GiB = {:.2f} GiB, above the "
                  "{:.2f} GiB HBM capacity of package '{}' (system '{}'); {}",
                  r.model.name, llm_phase_name(r.phase), r.batch, r.seq, r.tp, r.pp, peak.stage, to_gib(peak.weights),
                  to_gib(peak.kv_cache), to_gib(peak.activations), to_gib(peak.total()), to_gib(target.capacity),
                  target.package, target.system, hint));
}

TraceDoc generate_llm(const LlmRequest& r, const LlmShapes& s) {
  const ModelParams& m = r.model;
  TraceDoc doc;
  doc.name = fmt::format("{}-{}-b{}-s{}-tp{}-pp{}{}", m.name, llm_phase_name(r.phase), r.batch, r.seq, r.tp, r.pp,
                         r.replicas > 1 ? fmt::format("-r{}", r.replicas) : "");
  doc.gpus = r.tp * r.pp * r.replicas;
  // replica k: stage st on ranks k x tp x pp + st x tp ...; its groups "r<k>_tp<st>" (one replica: "tp<st>")
  for (int k = 0; k < r.replicas; ++k)
    for (int st = 0; st < r.pp; ++st) {
      RankProgram prog;
      for (int i = 0; i < r.tp; ++i) prog.ranks.push_back(k * r.tp * r.pp + st * r.tp + i);
      std::string tp_group;
      if (r.tp > 1) {
        tp_group = r.replicas > 1 ? fmt::format("r{}_tp{}", k, st) : fmt::format("tp{}", st);
        doc.groups.push_back(RankGroup{tp_group, prog.ranks, {}});
      }
      Block& b = prog.body;
      std::vector<std::string> inputs;
      if (st == 0) {
        // the token rows of the (vocabulary-parallel) embedding, plus the learned positions
        const int64_t elements = s.tokens * m.d_model;
        if (m.position == "learned") {
          add(b, elementwise("embed", elements, 2, 1, {}));
        } else {
          KernelDesc k;
          k.kind = KernelKind::Memcpy;
          k.bytes = s.activation_bytes;
          add(b, kernel_op("embed", k, {}));
        }
        inputs = {"embed"};
        if (!tp_group.empty()) {
          add(b, collective("embed_ar", CollOp::AllReduce, tp_group, s.activation_bytes, {"embed"}));
          inputs = {"embed_ar"};
        }
      } else {
        inputs = p2p(b, TraceOpKind::Recv, "recv_act", -r.tp, s.activation_bytes, "");
      }
      Repeat rep;
      rep.id = "layer";
      rep.count = s.stage_layers[static_cast<size_t>(st)];
      rep.body = block(r, s, tp_group, inputs);
      b.items.push_back(BlockItem{true, {}, rep});
      if (st < r.pp - 1) {
        // on the comm stream, after the stage's last block (REPEAT.ID: the repeat's last iteration)
        p2p(b, TraceOpKind::Send, "send_act", r.tp, s.activation_bytes, "", {"layer.mlp_res"});
      } else {
        add(b, norm("final_norm", s.logit_tokens, m.d_model, {"layer.mlp_res"}));
        add(b, gemm("lm_head", s.logit_tokens, s.vocab, m.d_model, {"final_norm"}, r.weights));
        if (!tp_group.empty())
          add(b, collective("logits_ag", CollOp::AllGather, tp_group,
                            static_cast<uint64_t>(s.logit_tokens * s.vocab) * r.tp * kBf16, {"lm_head"}));
      }
      doc.programs.push_back(std::move(prog));
    }
  return doc;
}

}  // namespace litesim
