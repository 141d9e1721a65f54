#pragma once
// The `run` point kind: each point is a `litesim run` of a system (with the point's --set
// overrides) and a workload (a trace file, or the LLM generator with the point's parameters).
// Its point.yaml holds the resolved system config, the resolved model (for a generated workload)
// or the trace's absolute path, and the seed, so it runs from that file alone. docs/sweeps.md.
#include <string>

#include "core/params.h"
#include "traces/gen/llm.h"
#include "traces/trace/trace.h"

namespace litesim {

// Adds `run` to PointKinds (idempotent). `version` goes into each point's run_info.json.
void register_run_kind(const std::string& version);

// A file named in a spec: absolute as given; else relative to the spec's folder when it exists
// there (for a Chakra prefix, PATH.0.et), else relative to the configs root.
std::string locate_spec_file(const std::string& name, const std::string& spec_file, const std::string& configs);

// A model config (a `preset:` mapping or a resolved tree) resolved against configs/models/.
Resolved<ModelParams> resolve_model(const ConfigPtr& raw, const std::string& configs);

// The trace the LLM generator writes for `r`, as `litesim run` would read it back from the file.
Trace generated_trace(const LlmRequest& r);

}  // namespace litesim
