#pragma once
// Statistics owned by each block, collected on the hot path as plain numbers and turned into
// derived values (utilisation, percentiles) only at the end. Formatting (JSON, CSV) is separate.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
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
  void add_duration(Time d) { busy_ps_ += d.ps; }
  Time busy() const { return Time{busy_ps_}; }
  double utilization(Time end) const { return end.ps > 0 ? static_cast<double>(busy_ps_) / end.ps : 0.0; }

 private:
  int64_t busy_ps_ = 0;
};

// An amount (busy picoseconds, bytes moved) resolved in time, in bounded memory: window k covers
// [k w, (k + 1) w). The width w starts at `base` and doubles, adjacent pairs merged, whenever a record
// would need more than `cap` windows (as a streaming histogram does), so w = base x 2^j is always the
// finest width that holds everything recorded, and at most `cap` counts are kept. Integer-exact and
// order-independent: the same records give the same windows whatever order they came in.
class WindowedSum {
 public:
  explicit WindowedSum(Time base = Time{1000}, size_t cap = 2048);
  // Spreads `amount` uniformly over [start, end), split exactly in integers (the shares add up to
  // `amount`); an empty interval puts all of it in start's window. start must not be negative.
  void add(Time start, Time end, uint64_t amount);
  Time window() const { return Time{w_}; }
  Time base() const { return Time{base_}; }
  Time last() const { return Time{last_}; }  // the latest end of a record (0 if none)
  size_t cap() const { return cap_; }
  // Per window, up to the last one with a record (later windows hold 0).
  const std::vector<uint64_t>& windows() const { return v_; }
  uint64_t total() const;
  // The counts at width w = window() x 2^j (each the sum of 2^j windows): `n` of them.
  std::vector<uint64_t> regrid(Time w, size_t n) const;
  // The finest base x 2^j >= `at_least` that covers [0, end) in at most `cap` windows.
  static Time width_for(Time end, Time base, size_t cap, Time at_least);

 private:
  void fit(int64_t last_ps);  // widen until the window of `last_ps` is within the cap
  int64_t base_, w_, last_ = 0;
  size_t cap_;
  std::vector<uint64_t> v_;
};

// Exact sample distribution. Percentiles use the nearest-rank method: the p-th percentile of n
// sorted samples is the ceil(p/100 * n)-th smallest (1-based), so it is always an observed value.
// Samples are folded, every 64 Ki of them (or as many as there are runs), into sorted (value, count) runs: memory grows
// with the distinct values, not the samples (a symmetric collective's millions of messages share a handful of
// latencies), and nothing is approximated. The sum is kept in the order samples arrive.
class Histogram {
 public:
  void add(double v) {
    pending_.push_back(v);
    sum_ += v;
    ++count_;
    if (pending_.size() >= std::max(kFoldEvery, runs_.size())) fold();  // amortised linear
  }
  size_t count() const { return count_; }
  double percentile(double p) const;
  double min() const;
  double max() const;
  double mean() const;
  double sum() const { return sum_; }
  // {count, mean, min, p50, p95, p99, max}; all zero when empty.
  nlohmann::json to_json() const;

 private:
  static constexpr size_t kFoldEvery = size_t{1} << 16;
  void fold() const;  // pending_ merged into runs_
  mutable std::vector<double> pending_;
  mutable std::vector<std::pair<double, uint64_t>> runs_;  // distinct values ascending, with counts
  double sum_ = 0;
  size_t count_ = 0;
};

}  // namespace litesim

namespace litesim {

// A block's named statistics. Each block asks its group for the stats it keeps, giving each a
// name, a unit and a one-line meaning; the group owns them (addresses stay valid) and turns them
// into JSON at the end, computing derived values (utilisation, percentiles) only then.
class StatGroup {
 public:
  explicit StatGroup(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  Counter& counter(const std::string& name, const std::string& unit, const std::string& doc);
  TimeWeighted& time_weighted(const std::string& name, const std::string& unit, const std::string& doc);
  BusyTime& busy(const std::string& name, const std::string& doc);
  Histogram& histogram(const std::string& name, const std::string& unit, const std::string& doc);
  // {name: value} with counters as numbers, busy as {busy_ns, utilization}, histograms as their
  // summary, time-weighted as {mean, max}.
  nlohmann::json to_json(Time end) const;
  // {name: {unit, doc}}
  nlohmann::json describe() const;

 private:
  struct Entry {
    std::string name, unit, doc;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<TimeWeighted> tw;
    std::unique_ptr<BusyTime> busy;
    std::unique_ptr<Histogram> hist;
  };
  Entry& add(const std::string& name, const std::string& unit, const std::string& doc);
  std::string path_;
  std::vector<Entry> entries_;
};

// Every block's StatGroup, by hierarchical name (e.g. "gpu0.hbm"). One per simulation.
class StatRegistry {
 public:
  StatGroup& group(const std::string& path);
  nlohmann::json to_json(Time end) const;  // {path: group}
  const std::map<std::string, std::unique_ptr<StatGroup>>& groups() const { return groups_; }

 private:
  std::map<std::string, std::unique_ptr<StatGroup>> groups_;
};

}  // namespace litesim
