// The local sweep executor (executor.h): point folders, skips, child processes through
// posix_spawn, failures with their reasons, progress on stderr, timings.json.
#include "study/sweep/executor.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/output_files.h"
#include "study/sweep/point_kind.h"

extern char** environ;

namespace litesim {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::string s;
  if (f) s.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return s;
}

// Starts `command` + {dir} with stdin from /dev/null and stdout and stderr into dir/log.txt.
pid_t spawn_point(const std::vector<std::string>& command, const std::string& dir, std::string* error) {
  std::vector<std::string> args = command;
  args.push_back(dir);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (fs::path(dir) / kLogFile).string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 2, 1);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {  // the point fails (reported like any other failure); the sweep goes on
    *error = fmt::format("cannot start {}: {}", argv[0], std::strerror(rc));
    return -1;
  }
  return pid;
}

}  // namespace

int failed_points_status(const std::string& what, const std::string& name, const ExecReport& r, std::ostream& err) {
  if (r.failures.empty()) return 0;
  std::string ids;
  for (const auto& f : r.failures) ids += (ids.empty() ? "" : ", ") + f.id;
  err << fmt::format("litesim: {} {}: {} of {} points failed: {}\n", what, name, r.failures.size(), r.total, ids);
  return 3;
}

std::string point_dir(const std::string& out_dir, const std::string& id) {
  return (fs::path(out_dir) / "points" / id).string();
}

std::string last_line(const std::string& file) {
  std::string text = read_file(file);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const auto nl = text.find_last_of('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::string format_seconds(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{}m{:02.0f}s", static_cast<int>(s / 60), s - 60 * static_cast<int>(s / 60));
  return fmt::format("{}h{:02}m", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
}

bool point_complete(const std::string& out_dir, const PreparedPoint& p) {
  const std::string dir = point_dir(out_dir, p.id);
  return read_file(fs::path(dir) / kPointFile) == p.yaml && !read_point_result(dir).is_null();
}

std::vector<size_t> prepare_point_dirs(const std::string& out_dir, const std::vector<PreparedPoint>& points) {
  // An unchanged point.yaml with a result that parses is complete; a changed one loses its old
  // result before the new point.yaml is written (a stale result never passes for it).
  std::vector<size_t> pending;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string dir = point_dir(out_dir, points[i].id);
    const bool same = read_file(fs::path(dir) / kPointFile) == points[i].yaml;
    if (same && !read_point_result(dir).is_null()) continue;  // complete
    fs::create_directories(dir);
    fs::remove(fs::path(dir) / kResultFile);
    fs::remove(fs::path(dir) / kFailedFile);
    if (!same) put_output_file(dir, kPointFile, points[i].yaml, true);
    pending.push_back(i);
  }
  return pending;
}

void write_point_failure(const std::string& dir, const std::string& id, const std::string& reason) {
  put_output_file(dir, kFailedFile, nlohmann::json{{"id", id}, {"reason", reason}}.dump(2) + "\n");
}

std::string point_failure(int status, const std::string& dir) {
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok && !read_point_result(dir).is_null()) return "";
  std::string reason = ok ? "exit status 0 without a result.json" : describe_wait_status(status);
  const std::string last = last_line((fs::path(dir) / kLogFile).string());
  if (!last.empty()) reason += ": " + last;
  return reason;
}

int run_point_now(const std::vector<std::string>& command, const std::string& dir, std::string* error,
                  const std::function<void(pid_t)>& started) {
  const pid_t pid = spawn_point(command, dir, error);
  if (pid < 0) return -1;
  if (started) started(pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
  return status;
}

ExecReport execute_points(const std::string& out_dir, const std::vector<PreparedPoint>& points, const ExecOptions& o,
                          std::ostream& progress) {
  const auto t0 = Clock::now();
  ExecReport rep;
  rep.total = points.size();
  const std::vector<size_t> pending = prepare_point_dirs(out_dir, points);
  std::deque<size_t> queue(pending.begin(), pending.end());
  rep.skipped = points.size() - pending.size();

  std::map<pid_t, std::pair<size_t, Clock::time_point>> running;
  std::map<std::string, double> walls;  // this run's points
  std::map<size_t, std::string> failed;
  size_t done = rep.skipped, finished = 0;
  double finished_wall = 0;
  const size_t jobs = static_cast<size_t>(std::max(o.jobs, 1));
  auto status_line = [&] {
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    std::string eta = "?";
    if (finished > 0)
      eta = format_seconds(finished_wall / static_cast<double>(finished) *
                           static_cast<double>(queue.size() + running.size()) / static_cast<double>(jobs));
    return fmt::format("[{}/{}] points, running {}, failed {}, elapsed {}, ETA {}", done, rep.total, running.size(),
                       failed.size(), format_seconds(elapsed), eta);
  };
  auto show = [&](const std::string& line) {
    if (o.terminal)
      progress << "\r\x1b[K" << line << std::flush;
    else
      progress << line << "\n" << std::flush;
  };

  auto record_failure = [&](size_t i, const std::string& reason) {
    const PreparedPoint& p = points[i];
    const std::string dir = point_dir(out_dir, p.id);
    failed[i] = reason;
    write_point_failure(dir, p.id, reason);
    if (o.terminal) progress << "\r\x1b[K";
    progress << fmt::format("litesim: point {} failed: {} (log: {})\n", p.id, reason,
                            (fs::path(dir) / kLogFile).string());
    if (!o.quiet && !o.terminal) show(status_line());
  };
  while (!queue.empty() || !running.empty()) {
    while (running.size() < jobs && !queue.empty()) {
      const size_t i = queue.front();
      queue.pop_front();
      std::string error;
      const pid_t child = spawn_point(o.command, point_dir(out_dir, points[i].id), &error);
      if (child < 0) {
        ++done;
        record_failure(i, error);
        continue;
      }
      running[child] = {i, Clock::now()};
    }
    if (running.empty()) continue;
    if (o.terminal && !o.quiet) show(status_line());
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const auto [i, start] = it->second;
    running.erase(it);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    const PreparedPoint& p = points[i];
    const std::string dir = point_dir(out_dir, p.id);
    walls[p.id] = wall;
    finished_wall += wall;
    ++finished;
    ++done;
    ++rep.ran;
    const std::string reason = point_failure(status, dir);
    if (reason.empty()) {
      if (!o.quiet && !o.terminal) show(fmt::format("{}: {} ok ({:.1f} s)", status_line(), p.id, wall));
      continue;
    }
    record_failure(i, reason);
  }
  if (o.terminal && !o.quiet) progress << "\r\x1b[K" << std::flush;
  for (const auto& [i, reason] : failed) rep.failures.push_back({points[i].id, reason});
  rep.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  nlohmann::json t = {
      {"wall_seconds", rep.wall_seconds}, {"jobs", jobs}, {"skipped", rep.skipped}, {"points_wall_seconds", walls}};
  put_output_file(out_dir, "timings.json", t.dump(2) + "\n");
  return rep;
}

}  // namespace litesim
