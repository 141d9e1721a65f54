#pragma once
// Writes a result file into an output folder atomically (a temporary file renamed over the
// name), so a reader never sees half a file and a failed run leaves the old one whole.
#include <filesystem>
#include <fstream>
#include <string>

namespace litesim {

inline void put_output_file(const std::string& dir, const std::string& name, const std::string& text) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const fs::path tmp = fs::path(dir) / ("." + name + ".tmp");
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
  fs::rename(tmp, fs::path(dir) / name);
}

}  // namespace litesim
