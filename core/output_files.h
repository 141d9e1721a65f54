#pragma once
// Writes a result file into an output folder atomically (a temporary file renamed over the
// name), so a reader never sees half a file and a failed run leaves the old one whole. (In core/
// so that every layer above can use it: the testbenches and the sweep runner, study/.)
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace litesim {

// A result file too large to hold in memory (steps.csv of a 1,024-GPU collective), streamed into
// a temporary file and renamed over `name` by commit(); destroyed uncommitted (the run failed), the
// temporary is removed and a file of that name from an earlier run is left as it was.
class OutputStream {
 public:
  // Nothing is created on disk until stream() is first called.
  OutputStream(const std::string& dir, const std::string& name)
      : dir_(dir),
        tmp_(std::filesystem::path(dir) / ("." + name + ".tmp")),
        final_(std::filesystem::path(dir) / name) {}
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;
  ~OutputStream() {
    if (committed_ || !out_.is_open()) return;
    out_.close();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
  std::ostream& stream() {
    if (!out_.is_open()) {
      std::filesystem::create_directories(dir_);
      out_.open(tmp_, std::ios::binary | std::ios::trunc);
      if (!out_) throw std::runtime_error("cannot write " + tmp_.string());
    }
    return out_;
  }
  // `durable`: the temporary's bytes are flushed to the disk (fsync) before the rename, so that the
  // name never stands for a file whose contents a crash could lose (the sweep's result.json).
  void commit(bool durable = false) {
    stream();
    out_.close();
    if (!out_) throw std::runtime_error("cannot write " + tmp_.string());
    if (durable) {
      const int fd = ::open(tmp_.c_str(), O_RDONLY);
      const bool synced = fd >= 0 && ::fsync(fd) == 0;
      if (fd >= 0) ::close(fd);
      if (!synced) throw std::runtime_error("cannot write " + tmp_.string() + " to the disk");
    }
    std::filesystem::rename(tmp_, final_);
    committed_ = true;
  }

 private:
  std::string dir_;
  std::filesystem::path tmp_, final_;
  std::ofstream out_;
  bool committed_ = false;
};

// A whole result file at once, through the same temporary and rename.
inline void put_output_file(const std::string& dir, const std::string& name, const std::string& text,
                            bool durable = false) {
  OutputStream f(dir, name);
  f.stream() << text;
  f.commit(durable);
}

}  // namespace litesim
