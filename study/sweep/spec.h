#pragma once
// A sweep spec (docs/sweeps.md): its name, the block saying what each point runs (`run:`, read by
// that point kind, point_kind.h) and its axes; and the expansion of the axes into points: the
// cartesian product of the axis entries in order, the last varying fastest, a `zip` entry's
// columns varied together. Each point gets a stable id, its index zero-padded plus a slug of its
// axis values (0003-lanes4-batch8). Spec errors are ConfigErrors naming the spec file, the line
// and the key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"

namespace litesim {

// One varied path and its values, as YAML text exactly as given in the spec (a range's values
// generated as numbers).
struct AxisColumn {
  std::string path;
  std::vector<std::string> values;
  std::vector<SourceLoc> value_locs;  // where each value stands (a range's: the range)
  SourceLoc loc;                      // the axis entry
};

// One entry of `axes:`: a single column, or a zip of columns of equal length.
struct Axis {
  std::vector<AxisColumn> columns;
  SourceLoc loc;
  size_t size() const { return columns.front().values.size(); }
};

struct SweepSpec {
  std::string file;  // the spec file, as given
  std::string name;  // sweep:
  std::string kind;  // the point kind: the key of the block saying what a point runs (`run`)
  ConfigPtr body;    // that block
  std::vector<Axis> axes;
  std::string digest;  // FNV-1a of the spec file's text
  // Every column's path, in axis order: the columns of results.csv.
  std::vector<std::string> paths() const;
};

// One axis column's value at a point.
struct AxisSetting {
  std::string path, value;
  SourceLoc loc;  // where the value stands in the spec
};

struct SweepPoint {
  size_t index = 0;
  std::string id;                     // 0003-lanes4-batch8
  std::vector<AxisSetting> settings;  // one per column, in axis order
  // "fabric.link.lanes=4, workload.batch=8": for messages.
  std::string describe() const;
};

// Reads and checks a spec's structure (top-level keys: sweep, axes, and one registered point kind's
// block). The kind's own block is checked by the kind when it prepares the points.
SweepSpec load_sweep_spec(const std::string& path);
SweepSpec parse_sweep_spec(const ConfigPtr& root, const std::string& file, const std::string& text);

// The values a range mapping {from, to, step | mul} stands for: from, from+step (or from*mul), ...
// while not past `to` (inclusive of `to` when hit). Integers stay integers.
std::vector<std::string> expand_range(const ConfigPtr& range, const std::string& key_path);

// The points of the spec, in order (the last axis varies fastest).
std::vector<SweepPoint> expand_points(const SweepSpec& spec);

// "lanes4-batch8": each column's last path component and its value, letters, digits and '.' kept.
std::string point_slug(const std::vector<AxisSetting>& settings);
// "0003-lanes4-batch8": the index zero-padded to the width of the largest index (at least 4).
std::string point_id(size_t index, size_t total, const std::vector<AxisSetting>& settings);

// A value (scalar, list or mapping) as one line of flow-style YAML: what --set takes.
std::string flow_yaml(const ConfigNode& node);
// A whole decimal integer ("12", "-3"; not "12x", "1.5", ""); false when it is not one.
bool parse_integer(const std::string& s, int64_t* out);

}  // namespace litesim
