#pragma once
// The merge: every point's result.json, in point order, into DIR/results.csv and DIR/results.json
// (written atomically). The sweep's manifest DIR/sweep.json (name, spec digest, kind, axis paths,
// each point's id and axis values) says which points there are, so a merge needs only DIR: points
// run elsewhere (a later Slurm engine) merge the same way. Nothing time- or host-dependent goes in,
// so the files are byte-identical for any --jobs and across re-runs. docs/sweeps.md.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "study/sweep/spec.h"

namespace litesim {

inline constexpr const char* kManifestFile = "sweep.json";

// {sweep, spec_digest, kind, axes: [path...], points: [{id, axes: {path: value}}]}
nlohmann::json sweep_manifest(const SweepSpec& spec, const std::vector<SweepPoint>& points);

struct MergeReport {
  size_t points = 0, ok = 0, failed = 0;
};

// Reads DIR/sweep.json and every point's result.json (or failed.json for the reason a point has
// none) and writes DIR/results.csv and DIR/results.json. A ConfigError when DIR has no manifest.
MergeReport merge_sweep(const std::string& out_dir, const std::string& version);

// One CSV cell: numbers as JSON writes them, strings quoted when they hold a comma, quote or newline.
std::string csv_cell(const nlohmann::json& v);
// A CSV table: a header of `columns`, then one line per row (JSON objects; a missing key or null
// is an empty cell).
std::string csv_table(const std::vector<std::string>& columns, const std::vector<nlohmann::json>& rows);

}  // namespace litesim
