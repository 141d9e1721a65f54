// The Slurm sweep engine (slurm.h).
#include "study/sweep/slurm.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "core/process.h"
#include "study/sweep/point_kind.h"

namespace litesim {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kSubmissions = "submissions.json";

fs::path slurm_dir(const std::string& out_dir) { return fs::absolute(fs::path(out_dir)) / "slurm"; }

nlohmann::json read_json(const fs::path& p, nlohmann::json fallback) {
  std::ifstream f(p);
  if (!f) return fallback;
  nlohmann::json j;
  try {
    f >> j;
  } catch (const nlohmann::json::exception&) {
    return fallback;
  }
  return j;
}

std::string last_text_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  const size_t nl = s.find_last_of('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// Letters, digits, '-', '_' and '.' only (a job name, a comment in the script).
std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  return out.empty() ? "sweep" : out.substr(0, 64);
}

void check_chars(const std::string& value, const std::string& option, const std::string& allowed_extra,
                 const std::string& what) {
  for (char c : value)
    if (!std::isalnum(static_cast<unsigned char>(c)) && allowed_extra.find(c) == std::string::npos)
      throw ConfigError(SourceLoc{option, 0, 0}, "", fmt::format("'{}' is not {}", value, what));
}

// A Slurm command's output; a std::runtime_error naming it and its error output when it fails and
// `must` is set, else "" with *ok = false and *error its error output.
std::string slurm(const std::vector<std::string>& args, bool must, bool* ok = nullptr, std::string* error = nullptr) {
  std::string out, err;
  int status = 0;
  try {
    status = run_capture(args, &out, &err);
  } catch (const std::runtime_error& e) {
    if (must) throw std::runtime_error(fmt::format("{} (is Slurm installed and on PATH?)", e.what()));
    if (ok) *ok = false;
    if (error) *error = e.what();
    return "";
  }
  const bool good = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) *ok = good;
  if (error) *error = err.empty() ? out : err;
  if (!good && must)
    throw std::runtime_error(
        fmt::format("{} failed ({}): {}", args[0], describe_wait_status(status), err.empty() ? out : err));
  return good ? out : "";
}

// squeue's answer for a job Slurm has forgotten (purged after MinJobAge): the job is over.
bool job_unknown(const std::string& error) { return error.find("Invalid job id") != std::string::npos; }

// The jobs of earlier submissions still queued or running, as "123 (submission 2)". A job squeue
// cannot answer for (other than one it no longer knows) counts as active: better to refuse than to
// run a point twice.
std::vector<std::string> active_jobs(const fs::path& sdir) {
  std::vector<std::string> active;
  for (const nlohmann::json& s : read_json(sdir / kSubmissions, nlohmann::json::array())) {
    const std::string id = s.value("job_id", "");
    if (id.empty()) continue;
    bool ok = false;
    std::string error;
    const std::string out = slurm({"squeue", "-h", "-j", id, "-o", "%i"}, false, &ok, &error);
    const std::string name = fmt::format("{} (submission {})", id, s.value("submission", 0));
    if (ok && out.find_first_not_of(" \n") != std::string::npos)
      active.push_back(name);
    else if (!ok && !job_unknown(error))
      active.push_back(fmt::format("{}, whose state squeue cannot tell ({})", name, last_text_line(error)));
  }
  return active;
}

// Final state of each array task: index -> "STATE" plus details, from scontrol (or sacct).
std::map<size_t, std::string> task_states(const std::string& job) {
  std::map<size_t, std::string> states;
  bool ok = false;
  const std::string text = slurm({"scontrol", "show", "job", "-o", job}, false, &ok);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::map<std::string, std::string> kv;
    std::istringstream words(line);
    for (std::string w; words >> w;)
      if (const size_t eq = w.find('='); eq != std::string::npos) kv[w.substr(0, eq)] = w.substr(eq + 1);
    if (!kv.count("ArrayTaskId") || !kv.count("JobState")) continue;
    const std::string& t = kv["ArrayTaskId"];
    if (t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit)) continue;  // a pending range
    std::string s = kv["JobState"];
    if (s != "COMPLETED") s += fmt::format(" (exit code {}, reason {})", kv["ExitCode"], kv["Reason"]);
    states[std::stoul(t)] = s;
  }
  if (!states.empty()) return states;
  // scontrol no longer knows the job: the accounting database, when the cluster keeps one
  const std::string acct = slurm({"sacct", "-n", "-P", "-X", "-j", job, "-o", "JobID,State,ExitCode"}, false, &ok);
  std::istringstream rows(acct);
  for (std::string row; std::getline(rows, row);) {
    const size_t us = row.find('_'), bar = row.find('|');
    if (us == std::string::npos || bar == std::string::npos || bar < us) continue;
    const std::string t = row.substr(us + 1, bar - us - 1);
    if (t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit)) continue;
    const std::string rest = row.substr(bar + 1);
    const size_t bar2 = rest.find('|');
    std::string s = rest.substr(0, bar2);
    if (s != "COMPLETED" && bar2 != std::string::npos) s += fmt::format(" (exit code {})", rest.substr(bar2 + 1));
    states[std::stoul(t)] = s;
  }
  return states;
}

// SIGTERM from Slurm while a task runs (cancelled, or at its time limit): Slurm signals every
// process of the job, the running point included, so the task only notes it, to record why.
volatile sig_atomic_t g_terminated = 0;
void on_term(int) { g_terminated = 1; }

}  // namespace

std::string slurm_job_script(const std::string& sweep_name, const std::vector<std::string>& task_command,
                             const std::string& tasks_file, const std::vector<std::string>& setup, size_t points,
                             int points_per_task) {
  const size_t tasks = (points + static_cast<size_t>(points_per_task) - 1) / static_cast<size_t>(points_per_task);
  std::string s = "#!/bin/bash -l\n";  // a login shell: `module` and the site's profile, for --setup lines
  s += fmt::format(
      "# litesim sweep {}: {} point(s) in {} array task(s) of up to {} (docs/sweeps.md, Slurm).\n"
      "# Each task runs the points that tasks.json lists for its $SLURM_ARRAY_TASK_ID.\n",
      slug(sweep_name), points, tasks, points_per_task);
  if (!setup.empty()) s += "set -e  # a failing --setup line fails the task, not its points silently\n";
  for (const std::string& line : setup) s += line + "\n";
  std::string cmd = "exec";
  for (const std::string& a : task_command) cmd += " " + shell_quote(a);
  return s + cmd + " " + shell_quote(tasks_file) + "\n";
}

void check_no_active_jobs(const std::string& out_dir) {
  const fs::path sdir = slurm_dir(out_dir);
  if (!fs::exists(sdir / kSubmissions)) return;
  const std::vector<std::string> active = active_jobs(sdir);
  if (!active.empty())
    throw ConfigError(SourceLoc{"litesim sweep", 0, 0}, "",
                      fmt::format("job {} of this sweep's folder is still queued or running (squeue): wait for it to "
                                  "end, or scancel it, then run the command again",
                                  fmt::join(active, ", ")));
}

ExecReport run_on_slurm(const std::string& out_dir, const std::string& sweep_name,
                        const std::vector<PreparedPoint>& points, const std::vector<std::string>& task_command,
                        const SlurmOptions& o, std::ostream& progress, std::ostream& out, SlurmSubmission* submission) {
  const auto t0 = Clock::now();
  if (!o.partition.empty()) check_chars(o.partition, "--partition", "_.,-", "a partition name (or a list of them)");
  if (!o.time.empty()) check_chars(o.time, "--time", ":-", "a Slurm time limit (e.g. 30, 2:00:00, 1-0)");
  const fs::path sdir = slurm_dir(out_dir);
  ExecReport rep;
  rep.total = points.size();
  if (fs::absolute(fs::path(out_dir)).string().find('%') != std::string::npos)
    throw ConfigError(SourceLoc{"--out", 0, 0}, "",
                      "an output folder for --engine slurm may not contain '%' (sbatch would read it as a pattern)");
  std::vector<size_t> pending;
  if (o.dry_run) {
    for (size_t i = 0; i < points.size(); ++i)
      if (!point_complete(out_dir, points[i])) pending.push_back(i);
  } else {
    pending = prepare_point_dirs(out_dir, points);
  }
  rep.skipped = points.size() - pending.size();
  if (pending.empty()) return rep;

  nlohmann::json submissions = read_json(sdir / kSubmissions, nlohmann::json::array());
  const int k = static_cast<int>(submissions.size()) + 1;
  const fs::path sub = sdir / fmt::format("submission-{}", k);
  const std::string tasks_file = (sub / "tasks.json").string();
  const int per = std::max(1, o.points_per_task);
  const size_t tasks = (pending.size() + static_cast<size_t>(per) - 1) / static_cast<size_t>(per);
  const std::string script = slurm_job_script(sweep_name, task_command, tasks_file, o.setup, pending.size(), per);
  std::vector<std::string> sbatch{
      "sbatch",
      "--parsable",
      "--job-name=litesim-" + slug(sweep_name),
      fmt::format("--array=0-{}{}", tasks - 1, o.max_parallel > 0 ? fmt::format("%{}", o.max_parallel) : ""),
      "--output=" + (sub / "task-%a.log").string(),
      "--cpus-per-task=1"};
  if (!o.partition.empty()) sbatch.push_back("--partition=" + o.partition);
  if (!o.time.empty()) sbatch.push_back("--time=" + o.time);
  sbatch.push_back((sub / "job.sh").string());
  if (o.dry_run) {
    std::string line;
    for (const std::string& a : sbatch) line += (line.empty() ? "" : " ") + shell_quote(a);
    out << fmt::format("# {} of {} point(s) to run ({} complete); nothing submitted or written (--dry-run)\n",
                       pending.size(), points.size(), rep.skipped)
        << "# " << (sub / "job.sh").string() << ":\n"
        << script << "# submitted with:\n"
        << line << "\n";
    return rep;
  }

  nlohmann::json dirs = nlohmann::json::array(), ids = nlohmann::json::array();
  for (size_t i : pending) {
    dirs.push_back(fs::absolute(point_dir(out_dir, points[i].id)).lexically_normal().string());
    ids.push_back(points[i].id);
  }
  fs::create_directories(sub);
  put_output_file(sub.string(), "tasks.json",
                  nlohmann::json{{"points_per_task", per}, {"ids", ids}, {"dirs", dirs}}.dump(2) + "\n");
  put_output_file(sub.string(), "job.sh", script);
  fs::permissions(sub / "job.sh", fs::perms::owner_exec, fs::perm_options::add);
  std::string job = slurm(sbatch, true);
  job = job.substr(0, job.find_first_of(";\n"));
  submissions.push_back({{"submission", k}, {"job_id", job}, {"tasks", tasks}, {"points", ids}});
  put_output_file(sdir.string(), kSubmissions, submissions.dump(2) + "\n");
  if (submission) *submission = {true, job, tasks};
  if (!o.quiet)
    progress << fmt::format("submitted job {}: {} point(s) in {} array task(s) ({} complete, skipped)\n", job,
                            pending.size(), tasks, rep.skipped);
  if (!o.wait) return rep;

  // Follow the job: squeue until none of its tasks is left, counting the points done meanwhile.
  size_t done = 0, failed = 0;
  Clock::time_point first_error{};
  auto show = [&](const std::string& line) {
    if (o.quiet) return;
    if (o.terminal)
      progress << "\r\x1b[K" << line << std::flush;
    else
      progress << line << "\n" << std::flush;
  };
  std::string last_shown;
  for (;;) {
    bool ok = false;
    std::string error;
    const std::string q =
        slurm({"squeue", "-h", "-r", "-j", job, "-o", "%i %T"}, false, &ok, &error);  // a line per task
    if (!ok && job_unknown(error)) {
      ok = true;  // purged already: over
    } else if (!ok) {
      // slurmctld busy or restarting: keep trying for a while before giving up on following the job
      if (first_error.time_since_epoch().count() == 0) first_error = Clock::now();
      if (Clock::now() - first_error > std::chrono::minutes(5))
        throw std::runtime_error(fmt::format(
            "squeue has not answered for job {} for 5 minutes ({}); the job may still run: `litesim sweep merge {}` "
            "once it has ended",
            job, last_text_line(error), out_dir));
    } else {
      first_error = {};
    }
    size_t running = 0, queued_lines = 0;
    std::istringstream lines(q);
    for (std::string line; std::getline(lines, line);) {
      if (line.find_first_not_of(' ') == std::string::npos) continue;
      ++queued_lines;
      if (line.find("RUNNING") != std::string::npos) ++running;
    }
    // Progress by the files' presence only (every poll, every point, often on a shared file system):
    // a result.json appears whole (renamed into place) and stale ones were removed before submitting;
    // each result is read and checked once, after the job.
    done = failed = 0;
    for (size_t i : pending) {
      const std::string dir = point_dir(out_dir, points[i].id);
      if (fs::exists(fs::path(dir) / kResultFile))
        ++done;
      else if (fs::exists(fs::path(dir) / kFailedFile))
        ++failed;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::string eta =
        done > 0 ? format_seconds(elapsed / static_cast<double>(done) * static_cast<double>(pending.size() - done))
                 : std::string("?");
    const std::string line = fmt::format(
        "[{}/{}] points, job {}: {} task(s) running, {} queued or running, failed {}, elapsed {}, ETA {}",
        rep.skipped + done + failed, rep.total, job, running, queued_lines, failed, format_seconds(elapsed), eta);
    if (o.terminal || line.substr(0, line.find(", elapsed")) != last_shown.substr(0, last_shown.find(", elapsed")))
      show(line);
    last_shown = line;
    if (ok && queued_lines == 0) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(o.poll_seconds));
  }
  if (o.terminal && !o.quiet) progress << "\r\x1b[K" << std::flush;

  // Every submitted point without a result failed: its task's reason, and Slurm's state of the task.
  const std::map<size_t, std::string> states = task_states(job);
  for (size_t j = 0; j < pending.size(); ++j) {
    const PreparedPoint& p = points[pending[j]];
    const std::string dir = point_dir(out_dir, p.id);
    ++rep.ran;
    if (!read_point_result(dir).is_null()) continue;
    const size_t task = j / static_cast<size_t>(per);
    const auto st = states.find(task);
    const std::string state = st == states.end() ? "state unknown (Slurm no longer knows the task)" : st->second;
    const std::string own = read_json(fs::path(dir) / kFailedFile, nlohmann::json::object()).value("reason", "");
    std::string reason = fmt::format("Slurm task {}_{} {}", job, task, state);
    if (!own.empty()) reason = state.rfind("COMPLETED", 0) == 0 ? own : reason + "; " + own;
    if (own.empty() && state.rfind("COMPLETED", 0) == 0) reason += ", but the point has no result.json";
    write_point_failure(dir, p.id, reason);
    rep.failures.push_back({p.id, reason});
    progress << fmt::format("litesim: point {} failed: {} (log: {})\n", p.id, reason,
                            (fs::path(dir) / kLogFile).string());
  }
  rep.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  put_output_file(out_dir, "timings.json",
                  nlohmann::json{{"engine", "slurm"},
                                 {"job_id", job},
                                 {"tasks", tasks},
                                 {"wall_seconds", rep.wall_seconds},
                                 {"skipped", rep.skipped}}
                          .dump(2) +
                      "\n");
  return rep;
}

int run_slurm_task(const std::string& tasks_file, const std::vector<std::string>& point_command) {
  const char* env = std::getenv("SLURM_ARRAY_TASK_ID");
  const std::string index_text = env ? env : "";
  if (index_text.empty() || !std::all_of(index_text.begin(), index_text.end(), ::isdigit))
    throw ConfigError(SourceLoc{"SLURM_ARRAY_TASK_ID", 0, 0}, "",
                      "expected the array task's index (this command runs inside a Slurm array task)");
  const nlohmann::json t = read_json(tasks_file, nullptr);
  if (!t.is_object() || !t.contains("dirs") || !t.contains("points_per_task"))
    throw ConfigError(SourceLoc{tasks_file, 0, 0}, "",
                      "expected a tasks file written by `litesim sweep --engine slurm`");
  const size_t per = t.at("points_per_task").get<size_t>(), index = std::stoul(index_text);
  const std::vector<std::string> dirs = t.at("dirs").get<std::vector<std::string>>();
  if (index * per >= dirs.size())
    throw ConfigError(
        SourceLoc{"SLURM_ARRAY_TASK_ID", 0, 0}, "",
        fmt::format("task {} has no points: {} has {} point(s), {} per task", index, tasks_file, dirs.size(), per));
  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  int status_out = 0;
  for (size_t j = index * per; j < std::min(dirs.size(), (index + 1) * per) && !g_terminated; ++j) {
    const std::string& dir = dirs[j];
    const std::string id = fs::path(dir).filename().string();
    if (!read_point_result(dir).is_null()) continue;  // complete (a task run again)
    fs::remove(fs::path(dir) / kFailedFile);
    std::string error;
    const int status = run_point_now(point_command, dir, &error);
    std::string reason = status < 0 ? error : point_failure(status, dir);
    if (reason.empty()) continue;
    if (g_terminated)
      reason = "stopped by Slurm (SIGTERM: the task was cancelled or reached its time limit): " + reason;
    write_point_failure(dir, id, reason);
    std::cerr << fmt::format("litesim: point {} failed: {}\n", id, reason);
    status_out = 3;
  }
  return g_terminated ? 3 : status_out;
}

}  // namespace litesim
