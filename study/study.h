#pragma once
// `litesim study` (docs/study.md): a study spec (systems x LLM serving workloads x objectives)
// turned into points: for each system, model, phase case and objective the mapper ranks every
// tensor x pipeline mapping that fits (study/llm/mapper.h) and the best `candidates` become `llm`
// points (study/llm/llm_kind.h), one per distinct mapping; the sweep executor runs them; for each
// system, workload and objective the best simulated candidate is chosen. Outputs in DIR:
// points/ (one folder per point), candidates.csv (every point), results.csv and results.json (one
// row per chosen point), unmapped.csv (workloads no mapping fits), stages.csv (the staged path:
// one row per deployment, study/llm/serving.h) and report.md.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "study/llm/llm_kind.h"
#include "study/sweep/slurm.h"

namespace litesim {

struct StudySystem {
  std::string label, file;  // file: as resolved (beside the spec or under the configs root)
  int gpus_per_rack = 0;
  SourceLoc loc;
  // A sensitivity sweep's variant of a spec system: its overrides, the sweep's name and the value's
  // label ("0.5x"); empty for the spec's own systems.
  std::vector<std::string> sets;
  std::string sensitivity, value, base;
  std::vector<std::string> models;  // a sensitivity variant's models (empty: every model of the grid)
};

struct StudyCase {  // one workload: a model in one phase at one batch and sequence length
  std::string model;
  LlmPhase phase = LlmPhase::Decode;
  int64_t batch = 1, seq = 1;
};

// The staged path (docs/study.md, Staged path): a request mix served by deployments, each one pool
// of GPUs running both phases (colocated) or a prefill pool and a decode pool (disaggregated).
struct StagePool {
  std::string system;  // a spec system's name
  int gpus = 0;        // of that system, at most its cluster's
  SourceLoc loc;
};

struct StageDeployment {
  std::string name;
  bool disaggregated = false;
  StagePool prefill, decode;  // colocated: the same pool twice
  SourceLoc loc;
};

struct Stage {
  std::string name, model;
  int64_t prompt = 0, output = 0;  // tokens per request
  int64_t max_batch = 256;         // a decode replica's sequences in flight at most (it runs the most that fit)
  double hbm_utilization = 0.9;    // the share of a package's HBM a serving engine fills (weights, KV, activations)
  double ttft_slo_ms = 2000, tpot_slo_ms = 200;  // the service level a deployment's choice must meet
  std::vector<StageDeployment> deployments;
  SourceLoc loc;
};

struct StudySpec {
  std::string file, name, digest;
  std::vector<StudySystem> systems;
  std::vector<StudyCase> cases;  // the grid chosen (quick unless --full)
  std::vector<Objective> objectives;
  Dtype weights = Dtype::bf16;
  int candidates = 2;
  Economics econ;
  std::vector<Stage> stages;  // run by the quick and the full study alike
};

// Reads and checks a spec; `full` takes the whole grid, otherwise the `quick:` subset. Errors are
// ConfigErrors naming the spec file, the line and the key.
StudySpec load_study_spec(const std::string& path, bool full, const std::string& configs);

struct StudyOptions {
  std::string spec, out;
  int jobs = 1;
  bool full = false, quiet = false, terminal = false;
  std::vector<std::string> command;  // the child's command line before the point folder
  // Set: the points run on Slurm (study/sweep/slurm.h) with these options, each array task running
  // task_command + {its tasks.json}; --no-wait returns after submitting, --dry-run before.
  std::optional<SlurmOptions> slurm;
  std::vector<std::string> task_command;
};

// Runs the study; returns the exit status (0, or 3 when points failed). Writes DIR's files.
int run_study(const StudyOptions& o, const std::string& configs, const std::string& version);

}  // namespace litesim
