#pragma once
// Child processes, started without a shell (posix_spawn: arguments reach the child as they are, so
// nothing in them is ever interpreted by a shell). Used by the sweep executors, `litesim tb fault`
// and the study report.
#include <string>
#include <vector>

namespace litesim {

// Runs args[0] (looked up on PATH) with args, its output and errors going where ours do, and waits:
// its wait status, or a std::runtime_error when it cannot start.
int run_and_wait(const std::vector<std::string>& args);

// Runs args[0] (looked up on PATH) with args and stdin from /dev/null, and waits; `out` gets its
// standard output, `err` (when given) its standard error, else it goes where ours does. Its wait
// status, or a std::runtime_error when it cannot start.
int run_capture(const std::vector<std::string>& args, std::string* out, std::string* err = nullptr);

// "exit status 3" / "killed by signal 9 (Killed)" from a waitpid status.
std::string describe_wait_status(int status);

// `s` as one shell word: in single quotes, each ' written as '"'"'.
std::string shell_quote(const std::string& s);

}  // namespace litesim
