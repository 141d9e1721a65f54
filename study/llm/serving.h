#pragma once
// The study's staged path (docs/study.md, Staged path): a request mix (prompt P tokens, O output
// tokens) served by a deployment, from the simulated prefill and decode points of its pools.
//
// colocated: one pool of replicas, each running both phases with one mapping by turns (time
//   sharing, as a serving engine without disaggregation does): a replica's requests/s is
//   1 / (P / T_pre + O / T_dec), T_pre and T_dec its prefill and decode tokens/s.
// disaggregated: a prefill pool and a decode pool (Splitwise, DistServe), the KV cache of each
//   request shipped between them: requests/s = min(prefill pool tokens/s / P, decode pool
//   tokens/s / O, KV path bytes/s / KV bytes of a request); TTFT = prefill + the KV transfer.
// Energy: each phase's dynamic energy per token from its point, static power of each pool for the
// whole time (a pool waiting on the other still burns it), plus the KV bits over the path.
// Money: the pools' capex over the lifetime plus energy at PUE x price, per output token.
#include <cstdint>
#include <string>

#include "study/llm/llm_kind.h"
#include "traces/gen/model.h"

namespace litesim {

// One pool's simulated phase (from an `llm` point's metrics).
struct PoolPhase {
  double tokens_per_s_replica = 0;  // steady state, one replica
  int replicas = 0, gpus_per_replica = 0;
  int gpus = 0;                      // the pool's GPUs (replicas x gpus_per_replica and any left idle)
  double J_per_token = 0;            // at full load, static included
  double J_per_token_static = 0;     // its static part
  double pass_ms = 0, cycle_ms = 0;  // one pass (TTFT of prefill) and the steady-state cycle (TPOT of decode)
  double capex_usd_per_gpu = 0;      // package + the GPU's share of the network
  double pool_tokens_per_s() const { return tokens_per_s_replica * replicas; }
  double static_W() const { return J_per_token_static * pool_tokens_per_s(); }
  double dynamic_J_per_token() const { return J_per_token - J_per_token_static; }
};

// The path a request's KV cache takes from a prefill replica to a decode replica.
struct KvPath {
  double src_bytes_per_s_per_gpu = 0;  // a prefill GPU's link to the other pool (one direction)
  double dst_bytes_per_s_per_gpu = 0;  // a decode GPU's
  double latency_s = 0;                // head latency of a transfer
  double pj_per_bit = 0;               // sender's transmit + any switch + receiver's receive
};

struct ServingMix {
  int64_t prompt = 0, output = 0;
};

struct Serving {
  double requests_per_s = 0;
  double output_tokens_per_s = 0;
  double ttft_ms = 0;              // the prompt's prefill pass (+ the KV transfer when disaggregated), no queueing
  double tpot_ms = 0;              // one decode step of the decode batch
  double tpot_interleaved_ms = 0;  // colocated: the decode step stretched by the prefills run between steps
  double kv_ms = 0;                // disaggregated: one request's KV transfer
  double prefill_busy = 0, decode_busy = 0;  // share of time each pool (or phase) works
  std::string limit;                         // what bounds requests/s: prefill, decode, kv (colocated: both)
  double capex_usd = 0, power_W = 0, J_per_output_token = 0, usd_per_mtok = 0;
};

// Bytes of K and V of `tokens` tokens of `m` (every layer, bf16).
double kv_cache_bytes(const ModelParams& m, int64_t tokens);

Serving serve_colocated(const ServingMix& mix, const PoolPhase& prefill, const PoolPhase& decode, const Economics& e);
Serving serve_disaggregated(const ServingMix& mix, const PoolPhase& prefill, const PoolPhase& decode, double kv_bytes,
                            const KvPath& kv, const Economics& e);

}  // namespace litesim
