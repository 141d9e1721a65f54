#pragma once
// `litesim study [SPEC] [--out DIR] [--jobs N] [--full] [--quiet]`: the study (study/study.h,
// docs/study.md). Its points run as `litesim sweep point DIR/points/<id>` child processes.
#include <string>

#include <CLI/CLI.hpp>

namespace litesim {

struct StudyCmdOptions {
  std::string spec, out = "out/study";
  int jobs = 0;  // 0: the number of CPUs
  bool full = false, quiet = false;
};
CLI::App* add_study(CLI::App& app, StudyCmdOptions& o);
int run_study_cmd(const StudyCmdOptions& o, const std::string& configs_dir, const std::string& version);

}  // namespace litesim
