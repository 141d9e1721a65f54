// `litesim sweep` (sweep_cmd.h): the command line over study/sweep/: check the spec and resolve
// every point before anything is written, run the points, merge, report.
#include "testbenches/sweep_cmd.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/output_files.h"
#include "study/llm/llm_kind.h"
#include "study/sweep/executor.h"
#include "study/sweep/merge.h"
#include "study/sweep/point_kind.h"
#include "study/sweep/run_kind.h"
#include "study/sweep/spec.h"

namespace litesim {

namespace fs = std::filesystem;

CLI::App* add_sweep(CLI::App& app, SweepOptions& o) {
  auto* s = app.add_subcommand("sweep", "run every point of a sweep spec (docs/sweeps.md) and merge the results");
  s->footer(
      "Each point runs as a child process in DIR/points/<id>/ (point.yaml, log.txt, summary.json, ..., result.json "
      "last). Re-running skips complete points. Exit status: 0 all points ok, 2 bad spec (nothing written), 3 some "
      "points failed (named on stderr), 1 other.");
  s->add_option("spec", o.spec, "sweep spec YAML (e.g. configs/sweeps/example.yaml)");
  s->add_option("--out", o.out, "output folder DIR (required): points/, results.csv, results.json, timings.json");
  s->add_option("--jobs,-j", o.jobs, "points run at once (default: the number of CPUs)")->check(CLI::Range(1, 4096));
  s->add_flag("--quiet", o.quiet, "print only errors and the final line (no progress)");
  o.merge = s->add_subcommand("merge", "re-merge DIR/points/*/result.json into DIR/results.csv and results.json");
  o.merge->add_option("dir", o.dir, "the sweep's output folder")->required();
  // Internal: what the executor starts for each point. Hidden (empty group).
  o.point = s->add_subcommand("point", "run one point from DIR/point.yaml")->group("");
  o.point->add_option("dir", o.dir, "the point's folder")->required();
  o.sweep = s;
  return s;
}

namespace {

int sweep_point(const SweepOptions& o, const std::string& configs) {
  // Test hook (docs/sweeps.md): LITESIM_SWEEP_FAIL_POINT=<id> makes that point fail as a simulation
  // error would. Honoured only here, by the point runner.
  const std::string id = fs::path(o.dir).lexically_normal().filename().string().empty()
                             ? fs::path(o.dir).lexically_normal().parent_path().filename().string()
                             : fs::path(o.dir).lexically_normal().filename().string();
  if (const char* f = std::getenv("LITESIM_SWEEP_FAIL_POINT"); f && id == f)
    throw SimError(fmt::format("point {} failed on purpose (LITESIM_SWEEP_FAIL_POINT, a test hook)", id));
  run_point_dir(o.dir, configs);
  return 0;
}

int sweep_merge(const SweepOptions& o, const std::string& version) {
  const MergeReport m = merge_sweep(o.dir, version);
  std::cout << fmt::format("merged {} points ({} ok, {} failed) into {}/results.csv and results.json\n", m.points, m.ok,
                           m.failed, o.dir);
  return 0;
}

}  // namespace

int run_sweep(const SweepOptions& o, const std::string& configs, const std::string& version) {
  register_run_kind(version);
  register_llm_kind(version);  // the study's points (litesim study) run through `sweep point` too
  if (o.point->parsed()) return sweep_point(o, configs);
  if (o.merge->parsed()) return sweep_merge(o, version);
  if (o.spec.empty())
    throw ConfigError(SourceLoc{"litesim sweep", 0, 0}, "", "expected a sweep spec: litesim sweep SPEC --out DIR");
  if (o.out.empty())
    throw ConfigError(SourceLoc{"--out", 0, 0}, "", "expected the output folder: litesim sweep SPEC --out DIR");

  // Everything is checked and every point resolved before anything is written.
  const SweepSpec spec = load_sweep_spec(o.spec);
  const std::vector<SweepPoint> points = expand_points(spec);
  const PointKind* kind = PointKinds::instance().find(spec.kind);
  const std::vector<std::string> texts = kind->prepare(spec, points, configs);
  std::vector<PreparedPoint> prepared;
  for (size_t i = 0; i < points.size(); ++i) prepared.push_back({points[i].id, texts[i]});

  fs::create_directories(o.out);
  put_output_file(o.out, kManifestFile, sweep_manifest(spec, points).dump(2) + "\n");
  ExecOptions eo;
  eo.command = {fs::read_symlink("/proc/self/exe").string(), "--configs", configs, "sweep", "point"};
  const unsigned cpus = std::thread::hardware_concurrency();
  eo.jobs = o.jobs > 0 ? o.jobs : static_cast<int>(cpus > 0 ? cpus : 1);
  eo.quiet = o.quiet;
  eo.terminal = isatty(STDERR_FILENO) != 0;
  const ExecReport r = execute_points(o.out, prepared, eo, std::cerr);
  merge_sweep(o.out, version);
  std::cout << fmt::format(
      "sweep {}: {} points: {} run, {} skipped (already complete), {} failed, {:.1f} s; results in {}/results.csv\n",
      spec.name, r.total, r.ran, r.skipped, r.failures.size(), r.wall_seconds, o.out);
  return failed_points_status("sweep", spec.name, r, std::cerr);
}

}  // namespace litesim
