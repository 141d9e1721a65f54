#pragma once
// `litesim gen llm`: writes a dense transformer's forward pass (prefill or one decode step) under
// tensor and pipeline parallelism as a litesim-trace/1 file for a system, after checking that the
// model fits the system's GPUs and HBM (traces/gen/llm.h, docs/trace-generator.md).
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace litesim {

// Registers `gen` and `gen llm` on `app`. The command runs from its own callback once the command
// line is parsed and ends the parse through CLI11 (CLI::Success, or CLI::RuntimeError(2) after
// printing the error line), so the caller needs no dispatch of its own. `configs_dir` gives the
// presets root (the program's --configs, $LITESIM_CONFIGS or the shipped configs/) at that time.
struct GenLlmOptions {
  std::string model, phase, system, out, weights = "bf16";
  std::vector<std::string> sets;
  int64_t batch = 0, seq = 0;
  int tp = 1, pp = 1, replicas = 1;
};
// `litesim gen llm`: returns the `llm` subcommand; main runs run_gen_llm when it was parsed.
CLI::App* add_gen(CLI::App& app, GenLlmOptions& o);
int run_gen_llm(const GenLlmOptions& o, const std::string& configs_dir);

}  // namespace litesim
