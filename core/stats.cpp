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

WindowedSum::WindowedSum(Time base, size_t cap) : base_(base.ps), w_(base.ps), cap_(cap) {
  if (base.ps <= 0 || cap < 2) throw std::invalid_argument("WindowedSum: base must be > 0 and cap >= 2");
}

void WindowedSum::fit(int64_t last_ps) {
  while (static_cast<uint64_t>(last_ps / w_) >= cap_) {
    for (size_t i = 0; i < v_.size(); i += 2) v_[i / 2] = v_[i] + (i + 1 < v_.size() ? v_[i + 1] : 0);
    v_.resize((v_.size() + 1) / 2);
    w_ *= 2;
  }
}

void WindowedSum::add(Time start, Time end, uint64_t amount) {
  if (start.ps < 0) throw std::invalid_argument("WindowedSum::add: negative time");
  if (amount == 0) return;
  const int64_t s = start.ps, len = std::max<int64_t>(0, (end - start).ps);
  const int64_t last = len > 0 ? s + len - 1 : s;
  last_ = std::max(last_, s + len);
  fit(last);
  const size_t k0 = static_cast<size_t>(s / w_), k1 = static_cast<size_t>(last / w_);
  if (v_.size() <= k1) v_.resize(k1 + 1, 0);
  if (k0 == k1) {
    v_[k0] += amount;
    return;
  }
  // share of [s, x): floor(amount x (x - s) / len); each window gets the difference at its bounds
  auto upto = [&](int64_t x) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(amount) * static_cast<uint64_t>(x - s) /
                                 static_cast<uint64_t>(len));
  };
  uint64_t given = 0;
  for (size_t k = k0; k <= k1; ++k) {
    const uint64_t to = k == k1 ? amount : upto(static_cast<int64_t>(k + 1) * w_);
    v_[k] += to - given;
    given = to;
  }
}

uint64_t WindowedSum::total() const { return std::accumulate(v_.begin(), v_.end(), uint64_t{0}); }

std::vector<uint64_t> WindowedSum::regrid(Time w, size_t n) const {
  if (w.ps < w_ || w.ps % w_ != 0) throw std::invalid_argument("WindowedSum::regrid: not a multiple of the window");
  const size_t f = static_cast<size_t>(w.ps / w_);
  std::vector<uint64_t> out(n, 0);
  for (size_t i = 0; i < v_.size(); ++i) {
    if (i / f < n)
      out[i / f] += v_[i];
    else if (v_[i] != 0)
      throw std::invalid_argument("WindowedSum::regrid: records beyond the last window");
  }
  return out;
}

Time WindowedSum::width_for(Time end, Time base, size_t cap, Time at_least) {
  int64_t w = base.ps;
  while (w < at_least.ps || (end.ps + w - 1) / w > static_cast<int64_t>(cap)) w *= 2;
  return Time{w};
}

void Histogram::fold() const {
  if (pending_.empty()) return;
  std::sort(pending_.begin(), pending_.end());
  std::vector<std::pair<double, uint64_t>> fresh;
  for (double v : pending_)
    if (!fresh.empty() && fresh.back().first == v)
      ++fresh.back().second;
    else
      fresh.emplace_back(v, 1);
  pending_.clear();
  std::vector<std::pair<double, uint64_t>> merged;
  merged.reserve(runs_.size() + fresh.size());
  size_t i = 0, j = 0;
  while (i < runs_.size() || j < fresh.size()) {
    if (j == fresh.size() || (i < runs_.size() && runs_[i].first < fresh[j].first)) {
      merged.push_back(runs_[i++]);
    } else if (i == runs_.size() || fresh[j].first < runs_[i].first) {
      merged.push_back(fresh[j++]);
    } else {
      merged.emplace_back(runs_[i].first, runs_[i].second + fresh[j].second);
      ++i;
      ++j;
    }
  }
  runs_.swap(merged);
}

double Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  if (p <= 0 || p > 100) throw std::invalid_argument("percentile must be in (0, 100]");
  fold();
  const double n = static_cast<double>(count_);
  // ceil, with a guard so that e.g. 0.95 * 20 = 19.000000000000004 ranks 19, not 20
  const uint64_t rank = std::max<uint64_t>(static_cast<uint64_t>(std::ceil(p / 100.0 * n - 1e-9)), 1);
  uint64_t below = 0;
  for (const auto& [value, count] : runs_) {
    below += count;
    if (below >= rank) return value;
  }
  return runs_.back().first;
}

double Histogram::min() const {
  fold();
  return runs_.empty() ? 0 : runs_.front().first;
}
double Histogram::max() const {
  fold();
  return runs_.empty() ? 0 : runs_.back().first;
}
double Histogram::mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }

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
