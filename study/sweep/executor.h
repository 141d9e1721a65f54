#pragma once
// The local sweep executor: writes each point's folder (DIR/points/<id>/point.yaml), skips points
// that are complete (their result.json exists and parses, and point.yaml is unchanged), runs the
// rest as child processes of this program (`litesim sweep point DIR/points/<id>`, stderr into the
// point's log.txt), at most `jobs` at once, records a failed point's reason and carries on, shows
// progress, and writes DIR/timings.json (the only file with wall times). docs/sweeps.md.
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/process.h"

namespace litesim {

struct PreparedPoint {
  std::string id;
  std::string yaml;  // point.yaml's text
};

struct ExecOptions {
  // The child's command line before the point folder: e.g. {"/path/litesim", "--configs", C, "sweep", "point"}.
  std::vector<std::string> command;
  int jobs = 1;
  bool quiet = false;     // only failures (the caller prints the final line)
  bool terminal = false;  // progress updated in place with \r (stderr is a terminal)
};

struct PointFailure {
  std::string id, reason;
};

struct ExecReport {
  size_t total = 0, skipped = 0, ran = 0;
  std::vector<PointFailure> failures;  // in point order
  double wall_seconds = 0;
};

// The exit status of a run of points (0, or 3 when any failed), after naming every failed point on
// `err`: "litesim: <what> <name>: F of N points failed: id, id, ...".
int failed_points_status(const std::string& what, const std::string& name, const ExecReport& r, std::ostream& err);

// DIR/points/<id>
std::string point_dir(const std::string& out_dir, const std::string& id);

// The point folders of `points`: complete ones (point.yaml unchanged, a result.json that parses)
// are left alone; the others get their point.yaml (when it changed) and lose any old result.json
// and failed.json. The indices of the points still to run, in order.
std::vector<size_t> prepare_point_dirs(const std::string& out_dir, const std::vector<PreparedPoint>& points);
// Whether `p`'s folder holds it complete (point.yaml unchanged, a result.json that parses); reads only.
bool point_complete(const std::string& out_dir, const PreparedPoint& p);

// Runs one point now, `command` + {dir} with its output into dir/log.txt, and waits: its wait
// status, or -1 with `error` set when it cannot start. `started` (when given) is told its pid as
// soon as it runs (to forward a signal to it).
int run_point_now(const std::vector<std::string>& command, const std::string& dir, std::string* error,
                  const std::function<void(pid_t)>& started = nullptr);
// Why a point whose process ended with `status` is not complete ("" when it is: exit 0 and a result.json).
std::string point_failure(int status, const std::string& dir);
// dir/failed.json: {id, reason}.
void write_point_failure(const std::string& dir, const std::string& id, const std::string& reason);

ExecReport execute_points(const std::string& out_dir, const std::vector<PreparedPoint>& points, const ExecOptions& o,
                          std::ostream& progress);

// "42s", "3m05s", "2h10m": a wall time in the progress lines.
std::string format_seconds(double s);
// The last non-empty line of a file ("" when there is none).
std::string last_line(const std::string& file);

}  // namespace litesim
