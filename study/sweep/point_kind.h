#pragma once
// Point kinds: what one point of a sweep runs, by the `kind:` of its point.yaml. A kind prepares
// every point of a spec into its point.yaml (all the point needs, so that a task runs from that
// file alone, here or on another machine) and runs one point from it, returning the point's
// metrics; the executor and the merge know nothing else about it. `run` (run_kind.h) is a
// `litesim run`; a later kind registers itself the same way, with its own metric columns.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "study/sweep/spec.h"
#include "traces/runner/simulate.h"
#include "traces/system/system_config.h"

namespace litesim {

struct PointKind {
  std::string name;  // the spec's block key and point.yaml's `kind:`
  // Checks the spec's block and resolves every point (its system config, its workload); returns
  // each point's point.yaml text. Errors are ConfigErrors naming the spec file, the line and the
  // point. Nothing is written.
  std::function<std::vector<std::string>(const SweepSpec&, const std::vector<SweepPoint>&, const std::string& configs)>
      prepare;
  // Runs the point described by `point` (point.yaml, parsed) writing its outputs into `dir`;
  // returns its metrics (one value per column).
  std::function<nlohmann::json(const ConfigPtr& point, const std::string& dir, const std::string& configs)> run;
  std::vector<std::string> columns;  // metric keys, in results.csv order
};

class PointKinds {
 public:
  static PointKinds& instance();
  void add(PointKind k);  // replaces a kind of the same name
  const PointKind* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<PointKind> kinds_;
};

// The point folder's files.
inline constexpr const char* kPointFile = "point.yaml";
inline constexpr const char* kResultFile = "result.json";  // written last, atomically: the point is complete
inline constexpr const char* kFailedFile = "failed.json";  // why the last attempt failed (by the executor)
inline constexpr const char* kLogFile = "log.txt";

// `litesim sweep point DIR`: reads DIR/point.yaml, runs it through its kind and writes
// DIR/result.json ({id, kind, axes, metrics}) last, through a temporary file and a rename.
void run_point_dir(const std::string& dir, const std::string& configs);

// The result.json of a point folder, or null when it is missing or does not parse (incomplete).
nlohmann::json read_point_result(const std::string& dir);

// For a kind's run function. A key of point.yaml (written by the kind's prepare, so missing only
// when edited by hand: a ConfigError naming the key).
ConfigPtr point_field(const ConfigPtr& point, const std::string& key);
// The point's `system:` (a resolved system config) resolved again, its source the point file.
ResolvedSystem point_system(const ConfigPtr& point, const std::string& dir, const std::string& configs);
// Simulates `trace` on `system` (no timeline) and writes the run's outputs into `dir`, with a
// run_info.json naming the point file, the host and the wall time.
RunResult simulate_point(const ResolvedSystem& system, const Trace& trace, uint64_t seed, const std::string& dir,
                         const std::string& version);

}  // namespace litesim
