#pragma once
// Errors that reach the user. A ConfigError names where the bad input is (file:line:column) and
// the key path, and says what was expected; the CLI prints it as one line and exits with status 2.
#include <stdexcept>
#include <string>

namespace litesim {

struct SourceLoc {
  std::string file;  // path as given, or "<--set>" / "<string>"
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string str() const;
};

class ConfigError : public std::runtime_error {
 public:
  ConfigError(SourceLoc loc, std::string key_path, std::string what);
  const SourceLoc& loc() const { return loc_; }
  const std::string& key_path() const { return key_; }
  const std::string& detail() const { return detail_; }

 private:
  SourceLoc loc_;
  std::string key_;
  std::string detail_;
};

// A simulation that cannot finish (deadlock) or an internal inconsistency found at run time.
class SimError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace litesim
