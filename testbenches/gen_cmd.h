#pragma once
// `litesim gen llm`: writes a dense transformer's forward pass (prefill or one decode step) under
// tensor and pipeline parallelism as a litesim-trace/1 file for a system, after checking that the
// model fits the system's GPUs and HBM (traces/gen/llm.h, docs/trace-generator.md).
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace litesim {

// Registers `gen` and `gen llm` on `app`. The command runs from its own callback once the command
// line is parsed and ends the parse through CLI11 (CLI::Success, or CLI::RuntimeError(2) after
// printing the error line), so the caller needs no dispatch of its own. `configs_dir` gives the
// presets root (the program's --configs, $LITESIM_CONFIGS or the shipped configs/) at that time.
void add_gen(CLI::App& app, std::function<std::string()> configs_dir);

}  // namespace litesim
