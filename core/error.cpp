#include "core/error.h"

#include <fmt/format.h>

namespace litesim {

std::string SourceLoc::str() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string format_error(const SourceLoc& loc, const std::string& key, const std::string& what) {
  if (key.empty()) return fmt::format("{}: {}", loc.str(), what);
  return fmt::format("{}: {}: {}", loc.str(), key, what);
}
}  // namespace

ConfigError::ConfigError(SourceLoc loc, std::string key_path, std::string what)
    : std::runtime_error(format_error(loc, key_path, what)),
      loc_(std::move(loc)),
      key_(std::move(key_path)),
      detail_(std::move(what)) {}

}  // namespace litesim
