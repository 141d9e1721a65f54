#include "study/llm/mapper.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "fabric/topology/topology.h"
#include "memory/hbm/hbm.h"

namespace litesim {

namespace {

// Efficiencies of the estimate (ranking only; the study simulates what it reports): dense GEMMs
// at 80% of the tensor peak, attention at 60%, HBM streams at 85% of its peak (docs/study.md).
constexpr double kGemmEff = 0.8, kAttnEff = 0.6, kHbmEff = 0.85;
constexpr int kKernelsPerLayer = 8;

int64_t lanes_or(const ConfigPtr& section, int64_t fallback) {
  if (!section) return fallback;
  const ConfigPtr l = section->find("lanes");
  if (!l || !l->is_scalar()) return fallback;
  int64_t v = 0;
  try {
    v = std::stoll(l->scalar);
  } catch (const std::exception&) {
    return fallback;
  }
  return v > 0 ? v : fallback;
}

double bytes_per_weight(Dtype d) { return d == Dtype::fp8 ? 1.0 : 2.0; }

}  // namespace

const char* objective_name(Objective o) { return o == Objective::Latency ? "latency" : "throughput"; }

Objective parse_objective(const std::string& s, const SourceLoc& where, const std::string& key) {
  if (s == "latency") return Objective::Latency;
  if (s == "throughput") return Objective::Throughput;
  throw ConfigError(where, key, fmt::format("expected latency or throughput, got '{}'", s));
}

ClusterFacts cluster_facts(const ResolvedSystem& rs) {
  const SystemParams& p = rs.params;
  ClusterFacts c;
  c.system = p.name;
  const auto topo = TopologyRegistry::instance().create(p.fabric.topology);
  c.gpus = topo->num_gpus();
  c.domain = c.gpus;
  const HbmFacts hbm = hbm_facts(p.package.hbm);
  c.hbm_capacity = hbm.capacity;
  c.hbm_bytes_per_s = hbm.peak_bytes_per_s;
  c.peak_flops_bf16 = p.package.peak_flops(Dtype::bf16);
  c.peak_flops_fp8 = p.package.peak_flops(Dtype::fp8);
  const double lane = p.package.cpo.payload_lane_bps() / 8.0;
  const double all = static_cast<double>(p.package.cpo.lanes()) * lane;
  c.scaleup_bytes_per_s = c.scaleout_bytes_per_s = all;
  // Direct topologies (no switch: rings, meshes, tori, OCS circuits): a ring collective sends over
  // one link of the GPU at a time, not all of its lanes.
  if (topo->num_switches() == 0 && p.fabric.topology.kind != "hierarchical")
    c.scaleup_bytes_per_s = c.scaleout_bytes_per_s = static_cast<double>(p.fabric.link.lanes) * lane;
  if (p.fabric.topology.kind == "hierarchical") {
    const ConfigPtr& t = p.fabric.topology.params;
    const ConfigPtr inner = t->find("inner");
    if (inner && inner->find("size")) c.domain = static_cast<int>(std::stoll(inner->find("size")->scalar));
    const int64_t link = p.fabric.link.lanes;
    c.scaleup_bytes_per_s = static_cast<double>(lanes_or(inner, link)) * lane;
    c.scaleout_bytes_per_s = static_cast<double>(lanes_or(t->find("outer"), link)) * lane;
  }
  c.collective_latency_s = p.fabric.collective.launch_latency.s();
  // A message's head latency: both ends' SerDes and FEC, the fibre, a switch when there is one
  // (two on multi-tier paths are not counted: the estimate only ranks).
  const TransceiverTech& x = p.package.cpo.transceiver;
  c.step_latency_s = 2 * x.serdes_latency.s() + (x.fec == "none" ? 0.0 : x.fec_latency.s()) +
                     p.fabric.link.fibre_length.m * p.fabric.link.propagation_delay.ps_per_m * 1e-12 +
                     (topo->num_switches() > 0 && p.fabric.eps ? p.fabric.eps->latency.s() : 0.0) +
                     p.fabric.backend.forward_latency.s();
  c.kernel_launch_s = p.package.die.launch_overhead.s();
  return c;
}

LlmRequest pass_request(const LlmWorkload& w, const Mapping& m) {
  LlmRequest r;
  r.model = w.model;
  r.phase = w.phase;
  r.batch = m.micro_batch;
  r.seq = w.seq;
  r.tp = m.tp;
  r.pp = m.pp;
  r.weights = w.weights;
  return r;
}

namespace {

// The analytical estimate of one pass (docs/study.md, Mapper): per layer the slower of the tensor
// work and the HBM traffic, plus kernel launches and two tensor-parallel all-reduces (ring
// alpha-beta), times the layers, plus the stage-to-stage transfers and the LM head.
double estimate_pass(const LlmWorkload& w, const Mapping& m, const LlmShapes& s, const ClusterFacts& c) {
  const ModelParams& md = w.model;
  const double d = static_cast<double>(md.d_model);
  const double tokens = static_cast<double>(s.tokens);
  const double wb = bytes_per_weight(w.weights);
  const double peak_w = w.weights == Dtype::fp8 ? c.peak_flops_fp8 : c.peak_flops_bf16;
  const double weights = d * static_cast<double>(s.qkv_n) + static_cast<double>(s.attn_width) * d +
                         d * static_cast<double>(s.up_n) + static_cast<double>(s.ffn) * d;
  const double gemm_flops = 2.0 * tokens * weights;
  const double kv_eff = w.phase == LlmPhase::Prefill ? static_cast<double>(w.seq) / 2.0 : static_cast<double>(w.seq);
  const double attn_flops = 4.0 * tokens * kv_eff * static_cast<double>(s.heads * md.head_dim);
  double bytes = weights * wb;
  if (w.phase == LlmPhase::Decode)
    bytes += 2.0 * static_cast<double>(m.micro_batch) * static_cast<double>(w.seq) *
             static_cast<double>(s.kv_heads * md.head_dim) * 2.0;
  const double compute = gemm_flops / (peak_w * kGemmEff) + attn_flops / (c.peak_flops_bf16 * kAttnEff);
  const double memory = bytes / (c.hbm_bytes_per_s * kHbmEff);
  double layer = std::max(compute, memory) + kKernelsPerLayer * c.kernel_launch_s;
  const double act = static_cast<double>(s.activation_bytes);
  if (m.tp > 1) {
    const double bw = m.tp <= c.domain ? c.scaleup_bytes_per_s : c.scaleout_bytes_per_s;
    const double alpha = c.collective_latency_s + 2.0 * (m.tp - 1) * c.step_latency_s;  // ring: 2(p-1) steps
    layer += 2.0 * (alpha + 2.0 * (m.tp - 1) / m.tp * act / bw);
  }
  double pass = static_cast<double>(md.layers) * layer;
  if (m.pp > 1) {
    const double bw = m.gpus() <= c.domain ? c.scaleup_bytes_per_s : c.scaleout_bytes_per_s;
    pass += (m.pp - 1) * (c.collective_latency_s + act / bw);
  }
  const double head = 2.0 * static_cast<double>(s.logit_tokens) * d * static_cast<double>(s.vocab);
  pass += std::max(head / (peak_w * kGemmEff), d * static_cast<double>(s.vocab) * wb / (c.hbm_bytes_per_s * kHbmEff));
  return pass;
}

}  // namespace

std::vector<Mapping> map_llm(const LlmWorkload& w, const ClusterFacts& c, Objective o) {
  std::vector<Mapping> out;
  for (int tp = 1; tp <= c.gpus; tp *= 2)
    for (int pp = 1; tp * pp <= c.gpus && pp <= w.model.layers; pp *= 2) {
      // pp micro-batches of batch / pp; with fewer sequences than stages, one each (stages idle by turns)
      if (pp <= w.batch && w.batch % pp != 0) continue;
      Mapping m;
      m.tp = tp;
      m.pp = pp;
      m.replicas = c.gpus / m.gpus();
      m.micro_batch = pp <= w.batch ? w.batch / pp : 1;
      m.micro_batches = static_cast<int>(w.batch / m.micro_batch);
      LlmShapes s;
      try {
        const LlmRequest pass = pass_request(w, m);
        s = llm_shapes(pass);
        LlmRequest whole = pass;
        whole.batch = w.batch;  // the KV cache of every sequence the replica serves
        const LlmShapes ws = llm_shapes(whole);
        // per stage: its weights, the whole batch's KV cache of its layers, one micro-batch's activations
        for (int st = 0; st < pp; ++st) {
          LlmMemory mem = llm_memory(whole, ws, st);
          mem.activations = llm_memory(pass, s, st).activations;
          if (st == 0 || mem.total() > m.memory.total()) m.memory = mem;
        }
      } catch (const ConfigError&) {
        continue;  // the model does not split this way (heads, FFN width, KV heads)
      }
      m.fits = m.memory.total() <= c.hbm_capacity;
      if (!m.fits)
        m.why_not = fmt::format(
            "needs {:.2f} GiB per GPU (weights {:.2f} + KV cache {:.2f} + activations {:.2f}), "
            "has {:.2f} GiB",
            to_gib(m.memory.total()), to_gib(m.memory.weights), to_gib(m.memory.kv_cache), to_gib(m.memory.activations),
            to_gib(c.hbm_capacity));
      m.est_pass_s = estimate_pass(w, m, s, c);
      const double tokens = w.phase == LlmPhase::Decode ? static_cast<double>(w.batch)
                                                        : static_cast<double>(w.batch) * static_cast<double>(w.seq);
      m.est_tokens_per_s_per_gpu = tokens / m.est_pass_s / m.gpus();
      out.push_back(m);
    }
  std::stable_sort(out.begin(), out.end(), [o](const Mapping& a, const Mapping& b) {
    if (a.fits != b.fits) return a.fits;
    if (o == Objective::Latency) {
      if (a.est_pass_s != b.est_pass_s) return a.est_pass_s < b.est_pass_s;
    } else if (a.est_tokens_per_s_per_gpu != b.est_tokens_per_s_per_gpu) {
      return a.est_tokens_per_s_per_gpu > b.est_tokens_per_s_per_gpu;
    }
    if (a.gpus() != b.gpus()) return a.gpus() < b.gpus();
    return a.tp < b.tp;
  });
  return out;
}

}  // namespace litesim
