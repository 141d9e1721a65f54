// The staged path's serving model (serving.h; docs/study.md, Staged path).
#include "study/llm/serving.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace litesim {

namespace {

// Capex over the lifetime plus energy at the wall, per output token, in $ per million.
double usd_per_mtok(const Serving& s, const Economics& e) {
  if (!(s.output_tokens_per_s > 0)) return std::numeric_limits<double>::quiet_NaN();
  const double life_s = e.lifetime_years * 365.25 * 86400.0;
  const double usd_per_s = s.capex_usd / life_s + s.power_W * e.pue * e.usd_per_kwh / 3.6e6;
  return usd_per_s / s.output_tokens_per_s * 1e6;
}

}  // namespace

double kv_cache_bytes(const ModelParams& m, int64_t tokens) {
  return 2.0 * static_cast<double>(m.layers) * static_cast<double>(m.kv_heads) * static_cast<double>(m.head_dim) *
         static_cast<double>(tokens) * 2.0;
}

Serving serve_colocated(const ServingMix& mix, const PoolPhase& pre, const PoolPhase& dec, const Economics& e) {
  Serving s;
  const double P = static_cast<double>(mix.prompt), O = static_cast<double>(mix.output);
  // A replica spends P / T_pre seconds on a request's prompt and O / T_dec on its output tokens.
  const double per_request_s = P / pre.tokens_per_s_replica + O / dec.tokens_per_s_replica;
  s.requests_per_s = dec.replicas / per_request_s;
  s.output_tokens_per_s = s.requests_per_s * O;
  s.prefill_busy = P / pre.tokens_per_s_replica / per_request_s;
  s.decode_busy = 1.0 - s.prefill_busy;
  s.limit = "both";
  s.ttft_ms = pre.pass_ms;
  s.tpot_ms = dec.cycle_ms;
  s.tpot_interleaved_ms = dec.cycle_ms / s.decode_busy;
  // Each phase runs at full load for its share of the time: its J/token (static included) holds.
  const double J_per_request = P * pre.J_per_token + O * dec.J_per_token;
  s.power_W = J_per_request * s.requests_per_s;
  s.J_per_output_token = J_per_request / O;
  s.capex_usd = dec.gpus * dec.capex_usd_per_gpu;
  s.usd_per_mtok = usd_per_mtok(s, e);
  return s;
}

Serving serve_disaggregated(const ServingMix& mix, const PoolPhase& pre, const PoolPhase& dec, double kv_bytes,
                            const KvPath& kv, const Economics& e) {
  Serving s;
  const double P = static_cast<double>(mix.prompt), O = static_cast<double>(mix.output);
  const double r_pre = pre.pool_tokens_per_s() / P, r_dec = dec.pool_tokens_per_s() / O;
  // Every working GPU of both pools sends or receives KV caches at once, at most.
  const double kv_bps = std::min(kv.src_bytes_per_s_per_gpu * pre.replicas * pre.gpus_per_replica,
                                 kv.dst_bytes_per_s_per_gpu * dec.replicas * dec.gpus_per_replica);
  const double r_kv = kv_bytes > 0 ? kv_bps / kv_bytes : r_pre;
  s.requests_per_s = std::min({r_pre, r_dec, r_kv});
  s.limit = s.requests_per_s == r_pre ? "prefill" : s.requests_per_s == r_dec ? "decode" : "kv";
  s.output_tokens_per_s = s.requests_per_s * O;
  s.prefill_busy = s.requests_per_s / r_pre;
  s.decode_busy = s.requests_per_s / r_dec;
  // One request's cache from one prefill replica's GPUs to one decode replica's.
  const double one_bps =
      std::min(kv.src_bytes_per_s_per_gpu * pre.gpus_per_replica, kv.dst_bytes_per_s_per_gpu * dec.gpus_per_replica);
  s.kv_ms = (kv_bytes / one_bps + kv.latency_s) * 1e3;
  s.ttft_ms = pre.pass_ms + s.kv_ms;
  s.tpot_ms = s.tpot_interleaved_ms = dec.cycle_ms;
  s.power_W = pre.static_W() + dec.static_W() +
              s.requests_per_s * (P * pre.dynamic_J_per_token() + O * dec.dynamic_J_per_token() +
                                  kv_bytes * 8.0 * kv.pj_per_bit * 1e-12);
  s.J_per_output_token = s.output_tokens_per_s > 0 ? s.power_W / s.output_tokens_per_s : 0;
  s.capex_usd = pre.gpus * pre.capex_usd_per_gpu + dec.gpus * dec.capex_usd_per_gpu;
  s.usd_per_mtok = usd_per_mtok(s, e);
  return s;
}

}  // namespace litesim
