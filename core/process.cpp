// Child processes (process.h).
#include "core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

extern char** environ;

namespace litesim {

namespace {

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
  return status;
}

}  // namespace

int run_and_wait(const std::vector<std::string>& args) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv = argv_of(copy);
  pid_t pid = 0;
  if (const int rc = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0)
    throw std::runtime_error(fmt::format("cannot start {}: {}", args[0], std::strerror(rc)));
  return wait_for(pid);
}

int run_capture(const std::vector<std::string>& args, std::string* out, std::string* err) {
  // close-on-exec: no other child (spawned meanwhile) keeps a write end open; dup2 clears it in ours
  int po[2] = {-1, -1}, pe[2] = {-1, -1};
  auto close_all = [&] {
    for (int* fd : {&po[0], &po[1], &pe[0], &pe[1]})
      if (*fd >= 0) close(std::exchange(*fd, -1));
  };
  if (pipe2(po, O_CLOEXEC) != 0 || (err && pipe2(pe, O_CLOEXEC) != 0)) {
    const int e = errno;
    close_all();
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(e)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, po[1], 1);
  if (err) posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
  std::vector<std::string> copy = args;
  std::vector<char*> argv = argv_of(copy);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(std::exchange(po[1], -1));
  if (pe[1] >= 0) close(std::exchange(pe[1], -1));
  if (rc != 0) {
    close_all();
    throw std::runtime_error(fmt::format("cannot start {}: {}", args[0], std::strerror(rc)));
  }
  // Read both pipes to their ends (either may fill while the other is drained).
  std::string* sinks[2] = {out, err};
  pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  int open_fds = err ? 2 : 1;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;  // the read ends are closed below, so the child cannot block on a full pipe
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        if (sinks[i]) sinks[i]->append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      fds[i].fd = -1;
      --open_fds;
    }
  }
  close_all();
  return wait_for(pid);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("wait status {}", status);
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return q + "'";
}

}  // namespace litesim
