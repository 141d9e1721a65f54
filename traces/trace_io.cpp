#include "traces/trace_io.h"

#include <filesystem>

#include "traces/chakra/chakra.h"

namespace litesim {

bool is_native_trace_path(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

Trace read_any_trace(const std::string& path) {
  return is_native_trace_path(path) ? read_trace(path) : read_chakra(path);
}

}  // namespace litesim
