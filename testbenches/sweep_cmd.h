#pragma once
// `litesim sweep`: runs every point of a sweep spec as a child process of this program (at most
// --jobs at once), skips points already complete, and merges the points' results into
// results.csv and results.json; `litesim sweep merge DIR` re-merges, and the hidden
// `litesim sweep point DIR/points/<id>` runs one point from its point.yaml. The pieces live in
// study/sweep/ (spec, point kinds, executor, merge); docs/sweeps.md.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "study/sweep/slurm.h"

namespace litesim {

// Where points run: `--engine local` (child processes here, --jobs) or `--engine slurm` and its
// options (study/sweep/slurm.h). Shared by `litesim sweep` and `litesim study`.
struct EngineOptions {
  std::string engine = "local";  // local | slurm
  std::string partition, time;   // slurm: sbatch --partition, --time
  int max_parallel = 0;          // slurm: array tasks at once (0: no limit)
  int points_per_task = 1;       // slurm
  std::vector<std::string> setup;
  bool no_wait = false, dry_run = false;
  double poll = 5;  // slurm: seconds between squeue polls
  bool slurm() const { return engine == "slurm"; }
};
void add_engine_options(CLI::App* c, EngineOptions& e);
// A ConfigError when Slurm options come without --engine slurm, or --jobs with it (`jobs` > 0: given).
void check_engine_options(const EngineOptions& e, int jobs);
SlurmOptions slurm_options(const EngineOptions& e, bool quiet);

struct SweepOptions {
  std::string spec, out, dir;
  int jobs = 0;  // 0: the number of CPUs
  bool quiet = false;
  EngineOptions eng;
  CLI::App *sweep = nullptr, *point = nullptr, *merge = nullptr, *task = nullptr;
};
// Registers `sweep` (and its `merge` and hidden `point` subcommands) on `app`; main runs
// run_sweep when `o.sweep` was parsed.
CLI::App* add_sweep(CLI::App& app, SweepOptions& o);
int run_sweep(const SweepOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
