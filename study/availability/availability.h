#pragma once
// `litesim availability`'s model beyond the Monte Carlo (docs/faults.md): the closed-form
// steady-state fraction of serving capacity, training goodput under Young/Daly checkpointing, and
// the smallest tensor x pipeline split of a model that fits one package.
#include <string>

#include "study/availability/inventory.h"
#include "study/llm/mapper.h"

namespace litesim {

struct ClosedForm {
  double capacity = 0;  // expected fraction of serving capacity, steady state
  std::string method;   // "product" (no spares) | "birth-death" (spares)
  bool exact = true;
  double gpu_unavailability = 0;  // one GPU down through its own parts: 1 - prod of their availabilities
  double p_two_uncovered = 0;     // spares: probability that two or more replica GPUs wait for a spare at once
};
// No spares: replica r is up iff every unit whose blast covers it is up, independent units, so
// E[capacity] = mean over r of prod A_u (exact). Spares: the number of failed GPUs D is the
// birth-death chain of n = replicas x g + spares GPUs (solved exactly); max(0, D - spares) replica
// GPUs wait for a spare, taken to fall on uniformly random replica GPUs (exact for fewer than two
// or one replica), times the availability of the network units covering each replica.
ClosedForm closed_form_availability(const Inventory& inv);

struct TrainingGoodput {
  int gpus = 0;           // the job: every replica's GPUs, one data-parallel training job
  double mtbf_hours = 0;  // 1 / sum of the failure rates of the units whose blast covers a replica
  double interruptions_per_day = 0;
  double checkpoint_s = 0, restart_s = 0;
  double interval_s = 0;          // Young/Daly sqrt(2 C M)
  double waste = 0, goodput = 0;  // first order at that interval (markov.h checkpoint_waste)
};
TrainingGoodput training_goodput(const Inventory& inv, double checkpoint_s, double restart_s);

// The workload that sizes a replica when no --tp/--pp are given: decode of 8 sequences of 4,096
// tokens of context, BF16 weights (the weights plus a modest KV cache).
LlmWorkload sizing_workload(const ModelParams& model);
// The fitting mapping with the fewest GPUs (tp x pp, powers of two; ties: the larger tp) that
// leaves at least one replica on the system, or a ConfigError naming the model and system.
Mapping smallest_fitting_mapping(const ResolvedSystem& rs, const ModelParams& model);

}  // namespace litesim
