#pragma once
// `litesim study [SPEC] [--out DIR] [--jobs N | --engine slurm ...] [--full] [--quiet]`: the study
// (study/study.h, docs/study.md). Its points run as `litesim sweep point DIR/points/<id>` child
// processes here, or as a Slurm job array (the sweep's engine, docs/sweeps.md).
#include <string>

#include <CLI/CLI.hpp>

#include "testbenches/sweep_cmd.h"

namespace litesim {

struct StudyCmdOptions {
  std::string spec, out = "out/study";
  int jobs = 0;  // 0: the number of CPUs
  bool full = false, quiet = false;
  EngineOptions eng;  // --engine local | slurm and the Slurm options
};
CLI::App* add_study(CLI::App& app, StudyCmdOptions& o);
int run_study_cmd(const StudyCmdOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
