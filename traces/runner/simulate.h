#pragma once
// One simulation, start to end: build the system, run the workload, close the energy ledger and
// compose the outputs. SystemC allows one simulation per process, so call this once per process.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/energy.h"
#include "traces/system/system_config.h"
#include "traces/trace/trace.h"

namespace litesim {

inline constexpr int kSummarySchemaVersion = 1;

struct RunResult {
  nlohmann::json summary;  // summary.json: nothing host- or wall-clock-dependent
  std::string gpus_csv, hbm_csv, links_csv, messages_csv, ops_csv, collectives_csv;
  std::string timeline_json;  // timeline.json (traces/runner/timeline.h); empty when not asked for
  std::string human;  // the one-screen text summary
};

RunResult simulate(const ResolvedSystem& system, const Trace& trace, uint64_t seed, bool timeline = true);

// Writes summary.json, the CSV tables, timeline.json (if the result has one; else an older one is
// removed) and run_info.json into `dir` (created if needed). Every file is written beside its final
// name and renamed into place, summary.json last, so a failed write never leaves a partial summary
// that looks complete.
void write_outputs(const std::string& dir, const RunResult& r, const nlohmann::json& run_info);

}  // namespace litesim
