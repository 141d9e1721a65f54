// The staged path's serving model (study/llm/serving.h) against closed forms worked here by hand:
// time sharing of one pool (requests/s = replicas / (P / T_pre + O / T_dec)), the slowest of the
// two pools and the KV path when disaggregated, energy as the sum of its parts, and money per
// output token. The KV cache size against the published per-token figure of Llama-3-70B.
#include <gtest/gtest.h>

#include "study/llm/serving.h"

using namespace litesim;

namespace {

const std::string kConfigs = LITESIM_CONFIGS_DIR;

PoolPhase phase(double tps, int replicas, int gpus_per_replica, double J, double J_static, double pass_ms,
                double cycle_ms, double usd_per_gpu) {
  PoolPhase p;
  p.tokens_per_s_replica = tps;
  p.replicas = replicas;
  p.gpus_per_replica = gpus_per_replica;
  p.gpus = replicas * gpus_per_replica;
  p.J_per_token = J;
  p.J_per_token_static = J_static;
  p.pass_ms = pass_ms;
  p.cycle_ms = cycle_ms;
  p.capex_usd_per_gpu = usd_per_gpu;
  return p;
}

Economics econ() {
  Economics e;
  e.lifetime_years = 4;
  e.usd_per_kwh = 0.078;
  e.pue = 1.2;
  return e;
}

constexpr double kLife = 4 * 365.25 * 86400;  // seconds in the lifetime

// The disaggregated cases' pools: prefill 2 replicas of 2 GPUs at 20,000 tokens/s each, decode
// 4 replicas of 1 GPU at 750; the KV path 10 GB/s per prefill GPU, 5 GB/s per decode GPU.
PoolPhase split_prefill() { return phase(20000, 2, 2, 0.05, 0.01, 80, 80, 20000); }
PoolPhase split_decode() { return phase(750, 4, 1, 0.8, 0.2, 10, 12, 5000); }
KvPath split_path(double latency_s, double pj_per_bit) {
  KvPath kv;
  kv.src_bytes_per_s_per_gpu = 10e9;
  kv.dst_bytes_per_s_per_gpu = 5e9;
  kv.latency_s = latency_s;
  kv.pj_per_bit = pj_per_bit;
  return kv;
}

}  // namespace

TEST(Serving, KvCacheOfLlama3_70bIs320KiBPerToken) {
  // 80 layers x 8 KV heads x 128 wide x K and V x 2 bytes: 327,680 B (0.3125 MiB) per token, the
  // figure serving guides give for Llama-3-70B in bf16.
  const ModelParams m = load_model(kConfigs, "llama3-70b");
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, 1), 327680.0);
  EXPECT_DOUBLE_EQ(kv_cache_bytes(m, 2048), 2048 * 327680.0);
}

TEST(Serving, ColocatedTimeSharesEachReplica) {
  // 2 replicas of 2 GPUs; a request is 2000 prompt tokens at 10,000/s (0.2 s) and 200 output tokens
  // at 1,000/s (0.2 s): 0.4 s of a replica, so 2 / 0.4 = 5 requests/s, half the time in prefill.
  const PoolPhase pre = phase(10000, 2, 2, 0.1, 0.02, 40, 40, 10000);
  const PoolPhase dec = phase(1000, 2, 2, 1.0, 0.3, 25, 30, 10000);
  const Serving s = serve_colocated({2000, 200}, pre, dec, econ());
  EXPECT_DOUBLE_EQ(s.requests_per_s, 5.0);
  EXPECT_DOUBLE_EQ(s.output_tokens_per_s, 1000.0);
  EXPECT_DOUBLE_EQ(s.prefill_busy, 0.5);
  EXPECT_DOUBLE_EQ(s.decode_busy, 0.5);
  EXPECT_DOUBLE_EQ(s.ttft_ms, 40.0);              // the prompt's pass
  EXPECT_DOUBLE_EQ(s.tpot_ms, 30.0);              // the decode cycle
  EXPECT_DOUBLE_EQ(s.tpot_interleaved_ms, 60.0);  // stretched by the prefills in between
  // 2000 x 0.1 + 200 x 1.0 = 400 J a request, 5 a second: 2 kW, 2 J per output token
  EXPECT_DOUBLE_EQ(s.power_W, 2000.0);
  EXPECT_DOUBLE_EQ(s.J_per_output_token, 2.0);
  EXPECT_DOUBLE_EQ(s.capex_usd, 40000.0);
  const double usd_per_s = 40000.0 / kLife + 2000.0 * 1.2 * 0.078 / 3.6e6;
  EXPECT_NEAR(s.usd_per_mtok, usd_per_s / 1000.0 * 1e6, 1e-12);
}

TEST(Serving, DisaggregatedIsBoundByTheSlowerPool) {
  // prefill: 2 replicas x 20,000 tokens/s / 2000 = 20 requests/s; decode: 4 x 750 / 200 = 15 (the
  // limit); the KV path: min(4 prefill GPUs x 10 GB/s, 4 decode GPUs x 5 GB/s) / 100 MB = 200.
  const Serving s = serve_disaggregated({2000, 200}, split_prefill(), split_decode(), 1e8, split_path(1e-6, 5), econ());
  EXPECT_DOUBLE_EQ(s.requests_per_s, 15.0);
  EXPECT_EQ(s.limit, "decode");
  EXPECT_DOUBLE_EQ(s.decode_busy, 1.0);
  EXPECT_DOUBLE_EQ(s.prefill_busy, 0.75);
  // one request's cache: min(2 x 10, 1 x 5) GB/s from one replica to one: 100 MB in 20 ms + 1 us
  EXPECT_NEAR(s.kv_ms, 20.001, 1e-9);
  EXPECT_NEAR(s.ttft_ms, 80 + 20.001, 1e-9);
  EXPECT_DOUBLE_EQ(s.tpot_ms, 12.0);
  // static power of both pools all the time, dynamic energy per request, the KV bits
  const double static_W = 0.01 * 40000 + 0.2 * 3000;
  const double per_request = 2000 * 0.04 + 200 * 0.6 + 8e8 * 5e-12;
  EXPECT_NEAR(s.power_W, static_W + 15 * per_request, 1e-9);
  EXPECT_NEAR(s.J_per_output_token, s.power_W / 3000.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.capex_usd, 4 * 20000.0 + 4 * 5000.0);
}

TEST(Serving, AThinKvPathLimitsTheDisaggregatedDeployment) {
  // 2 GB a request over min(40, 20) GB/s: 10 requests/s, below both pools
  const Serving s = serve_disaggregated({2000, 200}, split_prefill(), split_decode(), 2e9, split_path(0, 0), econ());
  EXPECT_DOUBLE_EQ(s.requests_per_s, 10.0);
  EXPECT_EQ(s.limit, "kv");
  EXPECT_DOUBLE_EQ(s.prefill_busy, 0.5);
  EXPECT_NEAR(s.decode_busy, 10.0 / 15.0, 1e-15);
}
