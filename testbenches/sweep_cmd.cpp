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
#include "study/sweep/slurm.h"
#include "study/sweep/spec.h"

namespace litesim {

namespace fs = std::filesystem;

void add_engine_options(CLI::App* c, EngineOptions& e) {
  c->add_option("--engine", e.engine, "local (child processes here) or slurm (one Slurm job array; docs/sweeps.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "slurm"}));
  c->add_option("--partition", e.partition, "slurm: the partition (sbatch --partition)");
  c->add_option("--time", e.time, "slurm: each array task's time limit (sbatch --time, e.g. 30 or 2:00:00)");
  c->add_option("--max-parallel", e.max_parallel, "slurm: array tasks running at once (the array's %K)")
      ->check(CLI::Range(1, 1 << 20));
  c->add_option("--points-per-task", e.points_per_task, "slurm: points each array task runs, one after the other")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  c->add_option("--setup", e.setup, "slurm: a shell line each task runs first, e.g. 'module load gcc/12' (repeatable)");
  c->add_flag("--no-wait", e.no_wait, "slurm: submit and return (run the command again, or merge, once it has ended)");
  c->add_flag("--dry-run", e.dry_run, "slurm: print the job script and the sbatch command; submit and write nothing");
  c->add_option("--poll", e.poll, "slurm: seconds between squeue polls")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
}

void check_engine_options(const EngineOptions& e, int jobs) {
  if (!e.slurm() && (e.no_wait || e.dry_run || !e.partition.empty() || !e.time.empty() || e.max_parallel > 0 ||
                     e.points_per_task != 1 || !e.setup.empty()))
    throw ConfigError(SourceLoc{"--engine", 0, 0}, "",
                      "--partition, --time, --max-parallel, --points-per-task, --setup, --no-wait and --dry-run "
                      "go with --engine slurm");
  if (e.slurm() && jobs > 0)
    throw ConfigError(SourceLoc{"--jobs", 0, 0}, "", "--jobs is the local engine's; Slurm runs --max-parallel tasks");
}

SlurmOptions slurm_options(const EngineOptions& e, bool quiet) {
  SlurmOptions so;
  so.partition = e.partition;
  so.time = e.time;
  so.max_parallel = e.max_parallel;
  so.points_per_task = e.points_per_task;
  so.setup = e.setup;
  so.wait = !e.no_wait;
  so.dry_run = e.dry_run;
  so.quiet = quiet;
  so.terminal = isatty(STDERR_FILENO) != 0;
  so.poll_seconds = e.poll;
  return so;
}

CLI::App* add_sweep(CLI::App& app, SweepOptions& o) {
  auto* s = app.add_subcommand("sweep", "run every point of a sweep spec (docs/sweeps.md) and merge the results");
  s->footer(
      "Each point runs as a child process in DIR/points/<id>/ (point.yaml, log.txt, summary.json, ..., result.json "
      "last). Re-running skips complete points. Exit status: 0 all points ok, 2 bad spec (nothing written), 3 some "
      "points failed (named on stderr), 1 other.");
  s->add_option("spec", o.spec, "sweep spec YAML (e.g. configs/sweeps/example.yaml)");
  s->add_option("--out", o.out, "output folder DIR (required): points/, results.csv, results.json, timings.json");
  s->add_option("--jobs,-j", o.jobs, "local engine: points run at once (default: the number of CPUs)")
      ->check(CLI::Range(1, 4096));
  s->add_flag("--quiet", o.quiet, "print only errors and the final line (no progress)");
  add_engine_options(s, o.eng);
  o.merge = s->add_subcommand("merge", "re-merge DIR/points/*/result.json into DIR/results.csv and results.json");
  o.merge->add_option("dir", o.dir, "the sweep's output folder")->required();
  // Internal: what the executor starts for each point. Hidden (empty group).
  o.point = s->add_subcommand("point", "run one point from DIR/point.yaml")->group("");
  o.point->add_option("dir", o.dir, "the point's folder")->required();
  // Internal: what each Slurm array task runs. Hidden.
  o.task = s->add_subcommand("task", "run a Slurm array task's points from its tasks.json")->group("");
  o.task->add_option("tasks", o.dir, "DIR/slurm/submission-<k>/tasks.json")->required();
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
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  if (o.point->parsed()) return sweep_point(o, configs);
  if (o.task->parsed()) return run_slurm_task(o.dir, {self, "--configs", configs, "sweep", "point"});
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

  check_engine_options(o.eng, o.jobs);
  const bool slurm = o.eng.slurm();
  if (!o.eng.dry_run) {
    check_no_active_jobs(o.out);  // an earlier Slurm job still writing these points: refuse, either engine
    fs::create_directories(o.out);
    put_output_file(o.out, kManifestFile, sweep_manifest(spec, points).dump(2) + "\n");
  }
  ExecReport r;
  if (slurm) {
    const SlurmOptions so = slurm_options(o.eng, o.quiet);
    SlurmSubmission sub;
    r = run_on_slurm(o.out, spec.name, prepared, {self, "--configs", configs, "sweep", "task"}, so, std::cerr,
                     std::cout, &sub);
    if (o.eng.dry_run) return 0;
    if (o.eng.no_wait) {
      std::cout << fmt::format(
          "sweep {}: {} points: {} submitted{}, {} skipped (already complete); when the job has ended: litesim sweep "
          "merge {}\n",
          spec.name, r.total, r.total - r.skipped, sub.submitted ? " as job " + sub.job_id : "", r.skipped, o.out);
      return 0;
    }
  } else {
    ExecOptions eo;
    eo.command = {self, "--configs", configs, "sweep", "point"};
    const unsigned cpus = std::thread::hardware_concurrency();
    eo.jobs = o.jobs > 0 ? o.jobs : static_cast<int>(cpus > 0 ? cpus : 1);
    eo.quiet = o.quiet;
    eo.terminal = isatty(STDERR_FILENO) != 0;
    r = execute_points(o.out, prepared, eo, std::cerr);
  }
  merge_sweep(o.out, version);
  std::cout << fmt::format(
      "sweep {}: {} points: {} run, {} skipped (already complete), {} failed, {:.1f} s; results in {}/results.csv\n",
      spec.name, r.total, r.ran, r.skipped, r.failures.size(), r.wall_seconds, o.out);
  return failed_points_status("sweep", spec.name, r, std::cerr);
}

}  // namespace litesim
