#pragma once
// Statistics owned by each block, collected on the hot path as plain numbers and turned into
// derived values (utilisation, percentiles) only at the end. Formatting (JSON, CSV) is separate.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/units.h"

namespace litesim {

// A monotonically increasing count (events, bytes, FLOPs).
class Counter {
 public:
  void add(double v = 1) { value_ += v; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

// Time-weighted average of a level (utilisation is the level 0/1 of a resource; occupancy is
// a queue length). set() at every change; average() integrates up to `end`.
class TimeWeighted {
 public:
  void set(Time now, double level);
  double average(Time end) const;
  double integral(Time end) const;  // level x picoseconds
  double max_level() const { return max_; }

 private:
  Time last_{};
  double level_ = 0;
  double area_ = 0;  // level x ps
  double max_ = 0;
};

// Busy time of a resource that is reserved in non-overlapping intervals (a serialiser).
class BusyTime {
 public:
  void add(Time start, Time end) { busy_ps_ += (end - start).ps; }
  Time busy() const { return Time{busy_ps_}; }
  double utilization(Time end) const { return end.ps > 0 ? static_cast<double>(busy_ps_) / end.ps : 0.0; }

 private:
  int64_t busy_ps_ = 0;
};

// Exact sample distribution. Percentiles use the nearest-rank method: the p-th percentile of n
// sorted samples is the ceil(p/100 * n)-th smallest (1-based), so it is always an observed value.
class Histogram {
 public:
  void add(double v) { samples_.push_back(v); sorted_ = false; }
  size_t count() const { return samples_.size(); }
  double percentile(double p) const;
  double min() const;
  double max() const;
  double mean() const;
  double sum() const;
  // {count, mean, min, p50, p95, p99, max}; all zero when empty.
  nlohmann::json to_json() const;

 private:
  mutable std::vector<double> samples_;
  mutable bool sorted_ = true;
  void sort() const;
};

}  // namespace litesim
