// The study's mapper (study/llm/mapper.h) against values computed here: the HBM fit of every split
// from the generator's own memory model called stage by stage, pp dividing the batch, the ranking
// by each objective, the estimate never below the weights streamed from HBM, and the cluster facts
// of a shipped study system against its config.
#include <gtest/gtest.h>

#include <algorithm>

#include "fabric/topology/topology.h"
#include "study/llm/llm_kind.h"
#include "study/llm/mapper.h"
#include "traces/system/system_config.h"

using namespace litesim;

namespace {

const std::string kConfigs = LITESIM_CONFIGS_DIR;

ClusterFacts small_cluster(uint64_t capacity) {
  ClusterFacts c;
  c.system = "test";
  c.gpus = 64;
  c.domain = 8;
  c.hbm_capacity = capacity;
  c.peak_flops_bf16 = 250e12;
  c.peak_flops_fp8 = 500e12;
  c.hbm_bytes_per_s = 800e9;
  c.scaleup_bytes_per_s = 100e9;
  c.scaleout_bytes_per_s = 12.5e9;
  c.collective_latency_s = 10e-6;
  c.step_latency_s = 1e-6;
  c.kernel_launch_s = 3e-6;
  return c;
}

LlmWorkload decode70b(int64_t batch) {
  LlmWorkload w;
  w.model = load_model(kConfigs, "llama3-70b");
  w.phase = LlmPhase::Decode;
  w.batch = batch;
  w.seq = 4096;
  return w;
}

}  // namespace

TEST(Mapper, FitIsTheGeneratorsMemoryOfTheWholeBatch) {
  const uint64_t cap = uint64_t{20} << 30;  // a quarter of an H100's 80 GiB
  const LlmWorkload w = decode70b(16);
  const auto maps = map_llm(w, small_cluster(cap), Objective::Throughput);
  ASSERT_FALSE(maps.empty());
  int fitting = 0;
  for (const Mapping& m : maps) {
    // the fullest stage: its weights, every sequence's KV cache of its layers, one micro-batch's
    // activations (the generator's memory model, stage by stage)
    const LlmRequest pass = pass_request(w, m);
    LlmRequest all = pass;
    all.batch = w.batch;
    uint64_t most = 0;
    for (int st = 0; st < m.pp; ++st) {
      const LlmMemory a = llm_memory(all, llm_shapes(all), st), p = llm_memory(pass, llm_shapes(pass), st);
      most = std::max(most, a.weights + a.kv_cache + p.activations);
      EXPECT_GE(a.activations, p.activations);  // a micro-batch's activations: no more than the batch's
    }
    EXPECT_EQ(m.memory.total(), most) << m.tp << "x" << m.pp;
    EXPECT_EQ(m.fits, most <= cap) << m.tp << "x" << m.pp;
    fitting += m.fits;
    if (!m.fits) {
      EXPECT_NE(m.why_not.find("GiB"), std::string::npos);
    }
  }
  EXPECT_GT(fitting, 0);
  // 140 GB of bf16 weights cannot fit on fewer than 7 GPUs of 20 GiB
  for (const Mapping& m : maps) {
    if (m.fits) {
      EXPECT_GE(m.gpus(), 7) << m.tp << "x" << m.pp;
    }
  }
  // fitting ones come first
  const auto first_bad = std::find_if(maps.begin(), maps.end(), [](const Mapping& m) { return !m.fits; });
  EXPECT_TRUE(std::all_of(first_bad, maps.end(), [](const Mapping& m) { return !m.fits; }));
}

TEST(Mapper, PipelineStagesDivideTheBatchOrTakeOneSequenceEach) {
  const auto maps = map_llm(decode70b(6), small_cluster(uint64_t{80} << 30), Objective::Latency);
  ASSERT_FALSE(maps.empty());
  for (const Mapping& m : maps) {
    if (m.pp <= 6) {  // pp micro-batches of 6 / pp
      EXPECT_EQ(6 % m.pp, 0) << m.pp;
      EXPECT_EQ(m.micro_batch * m.pp, 6);
    } else {  // more stages than sequences: one sequence per micro-batch
      EXPECT_EQ(m.micro_batch, 1);
    }
    EXPECT_EQ(m.micro_batches * m.micro_batch, 6);
    EXPECT_EQ(m.replicas, 64 / m.gpus());
  }
  EXPECT_TRUE(std::any_of(maps.begin(), maps.end(), [](const Mapping& m) { return m.pp == 2; }));
  EXPECT_FALSE(std::any_of(maps.begin(), maps.end(), [](const Mapping& m) { return m.pp == 4; }));  // 6 % 4
  EXPECT_TRUE(std::any_of(maps.begin(), maps.end(), [](const Mapping& m) { return m.pp == 8; }));
}

TEST(Mapper, RanksByTheObjective) {
  const ClusterFacts c = small_cluster(uint64_t{80} << 30);
  const LlmWorkload w = decode70b(32);
  const auto lat = map_llm(w, c, Objective::Latency);
  const auto thr = map_llm(w, c, Objective::Throughput);
  for (size_t i = 1; i < lat.size() && lat[i].fits; ++i) EXPECT_LE(lat[i - 1].est_pass_s, lat[i].est_pass_s);
  for (size_t i = 1; i < thr.size() && thr[i].fits; ++i)
    EXPECT_GE(thr[i - 1].est_tokens_per_s_per_gpu, thr[i].est_tokens_per_s_per_gpu);
  // tokens/s per GPU is the batch over the pass over the GPUs
  for (const Mapping& m : thr)
    EXPECT_NEAR(m.est_tokens_per_s_per_gpu, 32.0 / m.est_pass_s / m.gpus(), 1e-9 * m.est_tokens_per_s_per_gpu);
}

TEST(Mapper, EstimateNeverBeatsStreamingTheWeights) {
  const ClusterFacts c = small_cluster(uint64_t{80} << 30);
  const LlmWorkload w = decode70b(1);
  const double weights = 2.0 * static_cast<double>(param_counts(w.model).total());  // bf16
  for (const Mapping& m : map_llm(w, c, Objective::Latency))
    EXPECT_GE(m.est_pass_s, weights / (m.tp * c.hbm_bytes_per_s)) << m.tp << "x" << m.pp;
}

TEST(Mapper, ClusterFactsOfTheH100Cluster) {
  const ResolvedSystem rs = resolve_system(kConfigs + "/system/study/h100-cluster.yaml", {}, kConfigs);
  const ClusterFacts c = cluster_facts(rs);
  EXPECT_EQ(c.gpus, 64);
  EXPECT_EQ(c.domain, 8);
  EXPECT_EQ(c.hbm_capacity, uint64_t{80} << 30);
  EXPECT_NEAR(c.peak_flops_bf16, 989.4e12, 0.1e12);  // REFERENCE: 989.4 TFLOPS dense BF16
  // 36 NVLink lanes of 100 Gb/s = 450 GB/s in the board, 4 = 50 GB/s out (no FEC on these SerDes)
  EXPECT_NEAR(c.scaleup_bytes_per_s, 450e9, 1e6);
  EXPECT_NEAR(c.scaleout_bytes_per_s, 50e9, 1e6);
}

// Every study system sized to replicas of 1 to 256 GPUs gives a valid fabric with room for them
// (the OCS torus of 1 or 2 GPUs once kept the cluster's x and y under a `logical: ring`).
TEST(Mapper, ReplicaFabricsOfEveryStudySystemAreValid) {
  for (const char* name : {"h100-cluster", "lite-basic", "lite-cpo-switch", "lite-cpo-torus", "lite-cpo-ocs"}) {
    const std::string file = kConfigs + "/system/study/" + name + ".yaml";
    const ResolvedSystem cluster = resolve_system(file, {}, kConfigs);
    const int all = TopologyRegistry::instance().create(cluster.params.fabric.topology)->num_gpus();
    for (int n : {1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256}) {
      if (n > all) continue;  // the mapper never asks for more GPUs than the cluster has
      std::vector<std::string> sets;
      ResolvedSystem r;
      ASSERT_NO_THROW({
        sets = replica_sets(cluster, n);
        r = resolve_system(file, sets, kConfigs);
      }) << name
         << " " << n;
      const auto t = TopologyRegistry::instance().create(r.params.fabric.topology);
      EXPECT_GE(t->num_gpus(), n) << name << " " << n;
      if (n >= all) {
        EXPECT_TRUE(sets.empty()) << name;  // the whole cluster as it is
      }
    }
  }
}

// On a direct topology a ring collective uses one link at a time: the estimate's bandwidth is one
// link's (4 lanes of 112.5 Gb/s on the CPO torus), not the GPU's 16 lanes.
TEST(Mapper, DirectTopologiesRingOverOneLink) {
  const ResolvedSystem rs = resolve_system(kConfigs + "/system/study/lite-cpo-torus.yaml", {}, kConfigs);
  const ClusterFacts c = cluster_facts(rs);
  EXPECT_EQ(c.gpus, 256);
  EXPECT_NEAR(c.scaleup_bytes_per_s, 4 * 112.5e9 / 8, 1e6);
  const ResolvedSystem sw = resolve_system(kConfigs + "/system/study/lite-cpo-switch.yaml", {}, kConfigs);
  EXPECT_NEAR(cluster_facts(sw).scaleup_bytes_per_s, 16 * 112.5e9 / 8, 1e6);  // one 16-lane link to the leaf
}
