#pragma once
// The `llm` point kind of the study (docs/study.md): one LLM serving pass (prefill of a batch of
// prompts, or one decode step of a batch of sequences) under one mapping (tp x pp, micro-batches)
// on a system sized to one replica, simulated at flow fidelity with the kernel memo; its metrics:
// time to first token or per output token, tokens/s per replica and per cluster, energy per token
// split by component, power per package and per rack, W/mm2, capex and $ per million tokens.
// The study writes each point's point.yaml (llm_point_yaml); the sweep executor runs it.
#include <string>

#include <nlohmann/json.hpp>

#include "study/llm/mapper.h"
#include "traces/system/system_config.h"

namespace litesim {

// What a study charges for, besides the packages (docs/study.md, Economics).
struct Economics {
  double lifetime_years = 4;        // capex amortised over it
  double usd_per_kwh = 0.078;       // electricity
  double pue = 1.2;                 // facility power / IT power
  double switch_usd_per_lane = 50;  // an electrical packet switch's port, per lane of the link on it
  double ocs_usd_per_port = 300;    // an optical circuit switch port
};

// The cluster's network, per GPU: the static power of every link's transceivers (both ends) and of
// the switches, and the capex of its switch and OCS ports. A replica is charged its GPUs' share of
// the whole cluster's network, not the switches of the smaller fabric its pass is simulated on.
struct NetworkShare {
  double static_W_per_gpu = 0;
  double usd_per_gpu = 0;
};
NetworkShare network_share(const ResolvedSystem& cluster, const Economics& e);

// One point's inputs: everything the point needs (the point file is read alone, elsewhere).
struct LlmPointSpec {
  std::string id, system_label;
  std::string base_system, sensitivity, value;  // a sensitivity variant's spec system, sweep and value
  ResolvedSystem replica;                       // the system sized to one replica (flow fidelity, kernel memo on)
  ConfigPtr model_tree;                         // the resolved model config
  LlmWorkload workload;
  Mapping mapping;
  int cluster_gpus = 0, gpus_per_rack = 0;
  std::string objectives;  // the objectives this mapping is a candidate for ("latency,throughput")
  int rank = 0;            // its place in the mapper's ranking
  Economics econ;
  NetworkShare network;
};

std::string llm_point_yaml(const LlmPointSpec& p);

// The overrides that size `cluster`'s fabric to `gpus` GPUs for one replica (docs/study.md):
// a hierarchical topology keeps its groups' size, a Clos its leaves, a static torus gives a mesh
// slice, an OCS torus rewires into a torus of that size, a switch or ring takes that many GPUs.
std::vector<std::string> replica_sets(const ResolvedSystem& cluster, int gpus);

void register_llm_kind(const std::string& version);

// The metric columns of an llm point, in results.csv order.
const std::vector<std::string>& llm_columns();

}  // namespace litesim
