#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace litesim {

void TimeWeighted::set(Time now, double level) {
  if (now < last_) throw std::logic_error("TimeWeighted::set: time went backwards");
  area_ += level_ * static_cast<double>((now - last_).ps);
  last_ = now;
  level_ = level;
  max_ = std::max(max_, level);
}

double TimeWeighted::integral(Time end) const {
  const int64_t tail = std::max<int64_t>(0, (end - last_).ps);
  return area_ + level_ * static_cast<double>(tail);
}

double TimeWeighted::average(Time end) const { return end.ps > 0 ? integral(end) / end.ps : 0.0; }

void Histogram::sort() const {
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
}

double Histogram::percentile(double p) const {
  if (samples_.empty()) return 0;
  if (p <= 0 || p > 100) throw std::invalid_argument("percentile must be in (0, 100]");
  sort();
  const double n = static_cast<double>(samples_.size());
  // ceil, with a guard so that e.g. 0.95 * 20 = 19.000000000000004 ranks 19, not 20
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * n - 1e-9));
  return samples_[std::max<size_t>(rank, 1) - 1];
}

double Histogram::min() const {
  sort();
  return samples_.empty() ? 0 : samples_.front();
}
double Histogram::max() const {
  sort();
  return samples_.empty() ? 0 : samples_.back();
}
double Histogram::sum() const { return std::accumulate(samples_.begin(), samples_.end(), 0.0); }
double Histogram::mean() const { return samples_.empty() ? 0 : sum() / samples_.size(); }

nlohmann::json Histogram::to_json() const {
  nlohmann::json j;
  j["count"] = count();
  j["mean"] = mean();
  j["min"] = min();
  j["p50"] = percentile(50);
  j["p95"] = percentile(95);
  j["p99"] = percentile(99);
  j["max"] = max();
  return j;
}

}  // namespace litesim

namespace litesim {

StatGroup::Entry& StatGroup::add(const std::string& name, const std::string& unit, const std::string& doc) {
  for (const auto& e : entries_)
    if (e.name == name) throw std::logic_error("statistic " + path_ + "." + name + " registered twice");
  entries_.push_back(Entry{name, unit, doc, nullptr, nullptr, nullptr, nullptr});
  return entries_.back();
}

Counter& StatGroup::counter(const std::string& name, const std::string& unit, const std::string& doc) {
  auto& e = add(name, unit, doc);
  e.counter = std::make_unique<Counter>();
  return *e.counter;
}

TimeWeighted& StatGroup::time_weighted(const std::string& name, const std::string& unit, const std::string& doc) {
  auto& e = add(name, unit, doc);
  e.tw = std::make_unique<TimeWeighted>();
  return *e.tw;
}

BusyTime& StatGroup::busy(const std::string& name, const std::string& doc) {
  auto& e = add(name, "fraction", doc);
  e.busy = std::make_unique<BusyTime>();
  return *e.busy;
}

Histogram& StatGroup::histogram(const std::string& name, const std::string& unit, const std::string& doc) {
  auto& e = add(name, unit, doc);
  e.hist = std::make_unique<Histogram>();
  return *e.hist;
}

nlohmann::json StatGroup::to_json(Time end) const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& e : entries_) {
    if (e.counter) j[e.name] = e.counter->value();
    if (e.tw) j[e.name] = {{"mean", e.tw->average(end)}, {"max", e.tw->max_level()}};
    if (e.busy) j[e.name] = {{"busy_ns", e.busy->busy().ns()}, {"utilization", e.busy->utilization(end)}};
    if (e.hist) j[e.name] = e.hist->to_json();
  }
  return j;
}

nlohmann::json StatGroup::describe() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& e : entries_) j[e.name] = {{"unit", e.unit}, {"doc", e.doc}};
  return j;
}

StatGroup& StatRegistry::group(const std::string& path) {
  auto& g = groups_[path];
  if (g) throw std::logic_error("statistics group " + path + " registered twice");
  g = std::make_unique<StatGroup>(path);
  return *g;
}

nlohmann::json StatRegistry::to_json(Time end) const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [path, g] : groups_) j[path] = g->to_json(end);
  return j;
}

}  // namespace litesim
