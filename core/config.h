#pragma once
// The human config tree. YAML files are read into ConfigNode trees that remember, for every value,
// the file, line and column it came from, so that any later error can point at it. On top of that:
// presets (a mapping with `preset: NAME` is merged over the preset file configs/<key>/NAME.yaml,
// where <key> is the mapping's own key, "system" at the top), command-line overrides
// (`--set a.b.c=VALUE`) and a resolved dump that is itself a valid config.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace litesim {

class ConfigNode;
using ConfigPtr = std::shared_ptr<ConfigNode>;

class ConfigNode {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };
  struct Entry {
    std::string key;
    SourceLoc key_loc;
    ConfigPtr value;
  };

  Kind kind = Kind::Null;
  std::string scalar;            // Scalar
  std::vector<ConfigPtr> items;  // Sequence
  std::vector<Entry> entries;    // Map, in file order
  SourceLoc loc;

  static ConfigPtr make_scalar(std::string text, SourceLoc loc);
  static ConfigPtr make_map(SourceLoc loc);
  static ConfigPtr make_seq(SourceLoc loc);

  bool is_map() const { return kind == Kind::Map; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_seq() const { return kind == Kind::Sequence; }
  bool is_null() const { return kind == Kind::Null; }
  const char* kind_name() const;

  const Entry* find_entry(const std::string& key) const;
  ConfigPtr find(const std::string& key) const;
  void set(const std::string& key, ConfigPtr value, SourceLoc key_loc = {});
  void erase(const std::string& key);
  ConfigPtr clone() const;
};

// Reads a YAML file or string; syntax errors become ConfigErrors with the position.
ConfigPtr load_yaml_file(const std::string& path);
ConfigPtr parse_yaml(const std::string& text, const std::string& file_label);

// Deep merge: maps merge key by key (over wins, new keys appended); anything else is replaced, and
// so is a map whose `kind:` differs from the one it lands on (a part of another kind keeps none of
// the old kind's parameters).
ConfigPtr merge(const ConfigPtr& base, const ConfigPtr& over);

// Applies `a.b.c=VALUE` (VALUE is parsed as YAML, so maps and lists work) to a raw tree.
void apply_override(const ConfigPtr& root, const std::string& assignment, int index);

// Where presets are looked for and which were used.
struct PresetResolver {
  std::string configs_dir;        // configs/ root: presets live in configs/<section>/<name>.yaml
  std::vector<std::string> used;  // "section=name (path)", in the order they were expanded

  // Expands every `preset:` key in the tree (recursively, presets may name presets).
  ConfigPtr expand(const ConfigPtr& node, const std::string& section);
  std::string locate(const std::string& section, const std::string& name, const SourceLoc& where,
                     const std::string& key_path) const;

 private:
  std::vector<std::string> stack_;
};

// Dumps a tree as YAML (block style, keys in tree order).
std::string to_yaml(const ConfigNode& node);
// The same on one line, flow style ({kind: ring, gpus: 6}), no newline: what `--set KEY=VALUE` takes.
std::string to_flow_yaml(const ConfigNode& node);

// The node at `dotted` ("package.hbm.stacks", "fabric.ocs.schedule[1].at") under `tree`, or null.
ConfigPtr find_path(const ConfigPtr& tree, const std::string& dotted);
// The location of `dotted` in `tree` (may be null); {fallback_file, 0, 0} when it is not there.
SourceLoc locate_key(const ConfigPtr& tree, const std::string& dotted, const std::string& fallback_file);

// 64-bit FNV-1a, fed in pieces (a digest of several files, hashed as they are read).
struct Fnv1a {
  uint64_t h = 1469598103934665603ULL;
  void add(const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(p[i]);
      h *= 1099511628211ULL;
    }
  }
  std::string hex() const;  // 16 hex digits
};
// 64-bit FNV-1a of a text, as 16 hex digits: the config digest.
std::string fnv1a_hex(const std::string& text);

}  // namespace litesim
