// `litesim study` (study_cmd.h).
#include "testbenches/study_cmd.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "study/study.h"

namespace litesim {

CLI::App* add_study(CLI::App& app, StudyCmdOptions& o) {
  auto* s = app.add_subcommand(
      "study", "should we build this cluster from Lite-GPUs? systems x LLM workloads x objectives (docs/study.md)");
  s->footer(
      "The mapper picks tensor x pipeline parallelism per system and workload; each candidate runs as a point in "
      "DIR/points/<id>/ (re-runs skip complete points). Writes DIR/results.csv (one row per system, workload and "
      "objective), candidates.csv, unmapped.csv, results.json, report.md and report.html with its plots/. Exit status: "
      "0 ok, 2 bad spec or "
      "config (nothing written), 3 some points failed, 1 other.");
  s->add_option("spec", o.spec, "study spec YAML (default: configs/studies/lite-vs-h100.yaml)");
  s->add_option("--out", o.out, "output folder")->capture_default_str();
  s->add_option("--jobs,-j", o.jobs, "points run at once (default: the number of CPUs)")->check(CLI::Range(1, 4096));
  s->add_flag("--full", o.full, "run the spec's whole grid (default: its `quick:` subset)");
  s->add_flag("--quiet", o.quiet, "print only errors and the final line (no progress)");
  add_engine_options(s, o.eng);
  return s;
}

int run_study_cmd(const StudyCmdOptions& o, const std::string& configs, const std::string& version) {
  StudyOptions so;
  so.spec = o.spec.empty() ? (std::filesystem::path(configs) / "studies" / "lite-vs-h100.yaml").string() : o.spec;
  so.out = o.out;
  const unsigned cpus = std::thread::hardware_concurrency();
  so.jobs = o.jobs > 0 ? o.jobs : static_cast<int>(cpus > 0 ? cpus : 1);
  so.full = o.full;
  so.quiet = o.quiet;
  so.terminal = isatty(STDERR_FILENO) != 0;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  so.command = {self, "--configs", configs, "sweep", "point"};
  check_engine_options(o.eng, o.jobs);
  if (o.eng.slurm()) {
    so.slurm = slurm_options(o.eng, o.quiet);
    so.task_command = {self, "--configs", configs, "sweep", "task"};
  }
  return run_study(so, configs, version);
}

}  // namespace litesim
