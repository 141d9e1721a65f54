#pragma once
// The study's mapper: for one system and one LLM serving workload (a model, a phase, the batch of
// sequences a replica serves, their prompt or context length), every tensor x pipeline
// parallelism (tp, pp) the model admits, whether it fits one package's HBM (weights + KV cache of
// the whole batch + activations, traces/gen/llm.h), and an analytical estimate of its time per
// pass and tokens/s per GPU; ranked by the objective. The study simulates the best ones and picks
// by the simulated figure (docs/study.md, Mapper).
//
// Pipelining: a replica of pp stages serves its batch as pp micro-batches of batch/pp sequences,
// one in each stage at a time (as serving engines run pipeline parallelism), so a pass of one
// micro-batch through every stage yields a token for batch/pp sequences and the replica a token
// for all of them per pass: time per output token = the pass; tokens/s per replica = batch / pass
// (decode) or batch x prompt / pass (prefill, pp batches of prompts in flight). pp divides the batch,
// or exceeds it: then each of the batch's sequences is a micro-batch of its own and the stages take
// turns (pipelining for memory capacity, not throughput).
#include <string>
#include <vector>

#include "traces/gen/llm.h"
#include "traces/system/system_config.h"

namespace litesim {

// What the mapper needs to know of a system, from its config alone.
struct ClusterFacts {
  std::string system;
  int gpus = 0;                // in the whole cluster
  int domain = 0;              // GPUs on one scale-up network (a hierarchical topology's group; else all)
  uint64_t hbm_capacity = 0;   // one package
  double peak_flops_bf16 = 0;  // one package, dense
  double peak_flops_fp8 = 0;
  double hbm_bytes_per_s = 0;       // one package, peak
  double scaleup_bytes_per_s = 0;   // one GPU, one direction, inside its domain (payload)
  double scaleout_bytes_per_s = 0;  // one GPU, one direction, to other domains (payload)
  double collective_latency_s = 0;  // fabric.collective.launch_latency
  double step_latency_s = 0;        // one message's latency from GPU to GPU (a ring step's alpha)
  double kernel_launch_s = 0;       // package.die.launch_overhead
};
ClusterFacts cluster_facts(const ResolvedSystem& rs);

enum class Objective { Latency, Throughput };
const char* objective_name(Objective o);
Objective parse_objective(const std::string& s, const SourceLoc& where, const std::string& key);

struct LlmWorkload {
  ModelParams model;
  LlmPhase phase = LlmPhase::Decode;
  int64_t batch = 1;  // sequences a replica serves at once
  int64_t seq = 1;    // prefill: prompt tokens; decode: tokens in the KV cache
  Dtype weights = Dtype::bf16;
};

struct Mapping {
  int tp = 1, pp = 1;
  int gpus() const { return tp * pp; }
  int replicas = 0;         // whole replicas in the cluster
  int64_t micro_batch = 0;  // batch / pp (1 when the batch has fewer sequences than stages): one pass's load
  int micro_batches = 1;    // in flight: batch / micro_batch
  LlmMemory memory;         // the fullest rank, holding its layers' KV cache for the whole batch
  bool fits = false;
  std::string why_not;    // when it does not fit or cannot be built
  double est_pass_s = 0;  // estimated time of one pass (TTFT for prefill, TPOT for decode)
  double est_tokens_per_s_per_gpu = 0;
};

// The request generate_llm() gets for one pass of mapping `m` (micro-batch, tp, pp).
LlmRequest pass_request(const LlmWorkload& w, const Mapping& m);

// Every (tp, pp) with tp and pp powers of two, tp x pp <= the cluster's GPUs, that the model
// admits (llm_shapes) and pp dividing the batch (or exceeding it): fitting ones first, best first by the objective
// (latency: the shortest pass; throughput: the most tokens/s per GPU; ties: fewer GPUs, then
// smaller tp), then the ones that do not fit, with why.
std::vector<Mapping> map_llm(const LlmWorkload& w, const ClusterFacts& c, Objective o);

}  // namespace litesim
