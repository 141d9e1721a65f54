#pragma once
// The Slurm sweep engine (docs/sweeps.md, "Slurm"): the points still to run go to a Slurm cluster
// as one job array (`sbatch --array`), each array task running its points (one or a batch) with the
// same `litesim` binary, each point in its own folder under DIR (on a file system every node
// shares). Nothing from the spec reaches a command line or a shell: a task finds its points in
// DIR/slurm/submission-<k>/tasks.json by its SLURM_ARRAY_TASK_ID, and a point reads everything from
// its point.yaml. Progress is followed with squeue, the tasks' final states read with scontrol (or
// sacct when the cluster keeps accounting), and the points merged exactly as the local engine does.
#include <ostream>
#include <string>
#include <vector>

#include "study/sweep/executor.h"

namespace litesim {

struct SlurmOptions {
  std::string partition;           // sbatch --partition (empty: the cluster's default)
  std::string time;                // sbatch --time per task (empty: the partition's default)
  int max_parallel = 0;            // array tasks running at once (the array's %K; 0: no limit)
  int points_per_task = 1;         // points one array task runs, one after the other
  std::vector<std::string> setup;  // shell lines run before each task (e.g. "module load gcc/12")
  bool wait = true;                // follow the job to its end (else submit and return)
  bool dry_run = false;            // print the script and the sbatch command, submit nothing, write nothing
  bool quiet = false, terminal = false;
  double poll_seconds = 5;  // between squeue polls
};

struct SlurmSubmission {
  bool submitted = false;  // false: nothing to run, or a dry run
  std::string job_id;
  size_t tasks = 0;
};

// A ConfigError naming every job an earlier Slurm submission into `out_dir` still has queued or
// running (or whose state squeue cannot tell), to wait for or scancel: checked by both engines
// before they write anything, so no point runs twice at once. Nothing to check without submissions.
void check_no_active_jobs(const std::string& out_dir);

// Prepares the point folders (complete points are skipped; check_no_active_jobs first), and
// submits the rest as one job array: `task_command` + {tasks.json} is what each task runs. With
// o.wait, follows it to its end and returns the report (failures with their reasons); without, the
// report counts the points submitted as not run.
ExecReport run_on_slurm(const std::string& out_dir, const std::string& sweep_name,
                        const std::vector<PreparedPoint>& points, const std::vector<std::string>& task_command,
                        const SlurmOptions& o, std::ostream& progress, std::ostream& out,
                        SlurmSubmission* submission = nullptr);

// One array task (`litesim sweep task TASKS.json`, SLURM_ARRAY_TASK_ID set by Slurm): runs its
// points with `point_command` + {point folder}, each as a child process, skipping complete ones; a
// point that fails gets its failed.json. On SIGTERM (Slurm cancelling the task or ending it at its
// time limit) the running point is stopped and recorded as such. Exit status 0, or 3 when a point
// failed or the task was stopped.
int run_slurm_task(const std::string& tasks_file, const std::vector<std::string>& point_command);

// The job script of a submission (what --dry-run prints).
std::string slurm_job_script(const std::string& sweep_name, const std::vector<std::string>& task_command,
                             const std::string& tasks_file, const std::vector<std::string>& setup, size_t points,
                             int points_per_task);

}  // namespace litesim
