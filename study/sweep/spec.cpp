// The sweep spec: reading and checking it (sweep, axes, the point kind's block) and expanding the
// axes into points with their ids. docs/sweeps.md.
#include "study/sweep/spec.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "study/sweep/point_kind.h"

namespace litesim {

namespace {

// Sweeps larger than this are almost certainly a mistake (a range with a tiny step).
constexpr size_t kMaxPoints = 100000;

std::string scalar_of(const ConfigPtr& n, const SourceLoc& parent, const std::string& key, const std::string& what) {
  if (!n) throw ConfigError(parent, key, fmt::format("missing; expected {}", what));
  if (!n->is_scalar() || n->scalar.empty())
    throw ConfigError(n->loc, key, fmt::format("expected {}, got {}", what, n->kind_name()));
  return n->scalar;
}

void check_keys(const ConfigNode& map, const std::vector<std::string>& allowed, const std::string& path) {
  for (const auto& e : map.entries) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == e.key;
    if (!ok)
      throw ConfigError(
          e.key_loc, path.empty() ? e.key : path + "." + e.key,
          fmt::format("unknown key; {} expects: {}", path.empty() ? "a sweep spec" : path, fmt::join(allowed, ", ")));
  }
}

// A number of a range: an integer when it reads as one, else a finite real.
struct Num {
  bool integer = false;
  int64_t i = 0;
  double d = 0;
};
Num number_of(const ConfigPtr& n, const SourceLoc& parent, const std::string& key) {
  const std::string s = scalar_of(n, parent, key, "a number");
  Num v;
  if (parse_integer(s, &v.i)) {
    v.integer = true;
    v.d = static_cast<double>(v.i);
    return v;
  }
  char* stop = nullptr;
  errno = 0;
  v.d = std::strtod(s.c_str(), &stop);
  if (stop != s.c_str() + s.size() || errno != 0 || !std::isfinite(v.d))
    throw ConfigError(n->loc, key, fmt::format("expected a plain number (ranges take no units), got '{}'", s));
  return v;
}

AxisColumn parse_column(const ConfigPtr& n, const std::string& key) {
  if (!n->is_map())
    throw ConfigError(n->loc, key, fmt::format("expected a mapping {{path, values | range}}, got {}", n->kind_name()));
  check_keys(*n, {"path", "values", "range"}, key);
  AxisColumn c;
  c.loc = n->loc;
  c.path = scalar_of(n->find("path"), n->loc, key + ".path", "a config path (e.g. fabric.link.lanes)");
  const ConfigPtr values = n->find("values"), range = n->find("range");
  if (values && range) throw ConfigError(n->loc, key, "has both `values` and `range`; give one of them");
  if (!values && !range) throw ConfigError(n->loc, key, "expected `values: [...]` or `range: {from, to, step | mul}`");
  if (values) {
    if (!values->is_seq() || values->items.empty())
      throw ConfigError(values->loc, key + ".values",
                        fmt::format("expected a non-empty list, got {}", values->kind_name()));
    for (const auto& v : values->items) {
      if (v->is_null() || (v->is_scalar() && v->scalar.empty()))
        throw ConfigError(v->loc, key + ".values", "empty value");
      c.values.push_back(flow_yaml(*v));
      c.value_locs.push_back(v->loc);
    }
  } else {
    c.values = expand_range(range, key + ".range");
    c.value_locs.assign(c.values.size(), range->loc);
  }
  return c;
}

}  // namespace

bool parse_integer(const std::string& s, int64_t* out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

std::string flow_yaml(const ConfigNode& node) {
  return node.is_scalar() ? node.scalar : to_flow_yaml(node);  // a scalar as given (what --set takes)
}

std::vector<std::string> SweepSpec::paths() const {
  std::vector<std::string> p;
  for (const auto& a : axes)
    for (const auto& c : a.columns) p.push_back(c.path);
  return p;
}

std::string SweepPoint::describe() const {
  std::string s;
  for (const auto& a : settings) s += (s.empty() ? "" : ", ") + a.path + "=" + a.value;
  return s.empty() ? "(no axes)" : s;
}

std::vector<std::string> expand_range(const ConfigPtr& range, const std::string& key) {
  if (!range->is_map())
    throw ConfigError(range->loc, key,
                      fmt::format("expected a mapping {{from, to, step | mul}}, got {}", range->kind_name()));
  check_keys(*range, {"from", "to", "step", "mul"}, key);
  const Num from = number_of(range->find("from"), range->loc, key + ".from");
  const Num to = number_of(range->find("to"), range->loc, key + ".to");
  const ConfigPtr step_n = range->find("step"), mul_n = range->find("mul");
  if (!step_n == !mul_n) throw ConfigError(range->loc, key, "expected one of `step:` (add) or `mul:` (multiply)");
  const bool mul = mul_n != nullptr;
  const Num by = mul ? number_of(mul_n, range->loc, key + ".mul") : number_of(step_n, range->loc, key + ".step");
  if (to.d < from.d) throw ConfigError(range->loc, key, fmt::format("`to` ({}) is below `from` ({})", to.d, from.d));
  if (mul && !(by.d > 1.0)) throw ConfigError(mul_n->loc, key + ".mul", "must be greater than 1");
  if (mul && !(from.d > 0.0)) throw ConfigError(range->loc, key + ".from", "must be positive with `mul:`");
  if (!mul && !(by.d > 0.0)) throw ConfigError(step_n->loc, key + ".step", "must be positive");
  std::vector<std::string> out;
  const bool integer = from.integer && to.integer && by.integer;
  const double slack = 1e-9 * std::max(std::fabs(to.d), 1.0);  // `to` counts as hit despite rounding
  for (int64_t k = 0;; ++k) {
    if (out.size() >= kMaxPoints) throw ConfigError(range->loc, key, fmt::format("more than {} values", kMaxPoints));
    if (integer) {
      // by > 1 (mul) or > 0 (step): the loop ends before overflowing as `to` fits int64
      const int64_t v = mul ? (k == 0 ? from.i : std::stoll(out.back()) * by.i) : from.i + k * by.i;
      if (v > to.i) break;
      out.push_back(std::to_string(v));
      if (mul ? v > to.i / by.i : v > to.i - by.i) break;  // the next one would pass `to` (or overflow)
    } else {
      const double v = mul ? from.d * std::pow(by.d, static_cast<double>(k)) : from.d + static_cast<double>(k) * by.d;
      if (v > to.d + slack) break;
      out.push_back(fmt::format("{:.12g}", v));
    }
  }
  return out;
}

SweepSpec parse_sweep_spec(const ConfigPtr& root, const std::string& file, const std::string& text) {
  if (!root->is_map()) throw ConfigError(root->loc, "", "a sweep spec must be a mapping (sweep, run, axes)");
  SweepSpec s;
  s.file = file;
  s.digest = fnv1a_hex(text);
  std::vector<std::string> allowed{"sweep", "axes"};
  for (const auto& k : PointKinds::instance().names()) allowed.push_back(k);
  check_keys(*root, allowed, "");
  s.name = scalar_of(root->find("sweep"), root->loc, "sweep", "the sweep's name");
  for (const auto& e : root->entries) {
    if (e.key == "sweep" || e.key == "axes") continue;
    if (!s.kind.empty())
      throw ConfigError(e.key_loc, e.key, fmt::format("a sweep runs one kind of point; `{}` is already given", s.kind));
    s.kind = e.key;
    s.body = e.value;
  }
  if (s.kind.empty())
    throw ConfigError(
        root->loc, "",
        fmt::format("missing what each point runs: one of {}", fmt::join(allowed.begin() + 2, allowed.end(), ", ")));
  const ConfigPtr axes = root->find("axes");
  if (axes && !axes->is_null()) {
    if (!axes->is_seq())
      throw ConfigError(axes->loc, "axes", fmt::format("expected a list, got {}", axes->kind_name()));
    std::set<std::string> seen;
    size_t total = 1;
    for (size_t i = 0; i < axes->items.size(); ++i) {
      const ConfigPtr& n = axes->items[i];
      const std::string key = fmt::format("axes[{}]", i);
      Axis a;
      a.loc = n->loc;
      if (n->is_map() && n->find("zip")) {
        check_keys(*n, {"zip"}, key);
        const ConfigPtr z = n->find("zip");
        if (!z->is_seq() || z->items.empty())
          throw ConfigError(z->loc, key + ".zip",
                            fmt::format("expected a non-empty list of axes, got {}", z->kind_name()));
        for (size_t j = 0; j < z->items.size(); ++j)
          a.columns.push_back(parse_column(z->items[j], fmt::format("{}.zip[{}]", key, j)));
        for (const auto& c : a.columns)
          if (c.values.size() != a.columns.front().values.size())
            throw ConfigError(
                n->loc, key + ".zip",
                fmt::format("zipped axes must have the same number of values: {} has {}, {} has {}",
                            a.columns.front().path, a.columns.front().values.size(), c.path, c.values.size()));
      } else {
        a.columns.push_back(parse_column(n, key));
      }
      for (const auto& c : a.columns)
        if (!seen.insert(c.path).second)
          throw ConfigError(c.loc, key + ".path", fmt::format("'{}' is varied by an earlier axis too", c.path));
      total *= a.size();
      if (total > kMaxPoints)
        throw ConfigError(n->loc, key, fmt::format("the sweep would have more than {} points", kMaxPoints));
      s.axes.push_back(std::move(a));
    }
  }
  return s;
}

SweepSpec load_sweep_spec(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream text;
  if (!f || !(text << f.rdbuf())) throw ConfigError(SourceLoc{path, 0, 0}, "", "cannot read the sweep spec");
  return parse_sweep_spec(parse_yaml(text.str(), path), path, text.str());
}

std::vector<SweepPoint> expand_points(const SweepSpec& spec) {
  size_t total = 1;
  for (const auto& a : spec.axes) total *= a.size();
  std::vector<SweepPoint> points;
  points.reserve(total);
  std::vector<size_t> at(spec.axes.size(), 0);  // each axis's value index: an odometer, last fastest
  for (size_t p = 0; p < total; ++p) {
    SweepPoint pt;
    pt.index = p;
    for (size_t i = 0; i < spec.axes.size(); ++i)
      for (const auto& c : spec.axes[i].columns) pt.settings.push_back({c.path, c.values[at[i]], c.value_locs[at[i]]});
    pt.id = point_id(p, total, pt.settings);
    points.push_back(std::move(pt));
    for (size_t i = spec.axes.size(); i-- > 0;) {
      if (++at[i] < spec.axes[i].size()) break;
      at[i] = 0;
    }
  }
  return points;
}

std::string point_slug(const std::vector<AxisSetting>& settings) {
  auto clean = [](const std::string& s, size_t max) {
    std::string o;
    for (char ch : s)
      if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.') o += ch;
    return o.substr(0, max);
  };
  std::string slug;
  for (const auto& a : settings) {
    const auto dot = a.path.rfind('.');
    const std::string part = clean(dot == std::string::npos ? a.path : a.path.substr(dot + 1), 16) + clean(a.value, 16);
    slug += (slug.empty() ? "" : "-") + part;
  }
  return slug.substr(0, 80);
}

std::string point_id(size_t index, size_t total, const std::vector<AxisSetting>& settings) {
  const size_t width = std::max<size_t>(4, std::to_string(total > 0 ? total - 1 : 0).size());
  const std::string slug = point_slug(settings);
  return fmt::format("{:0{}}", index, width) + (slug.empty() ? "" : "-" + slug);
}

}  // namespace litesim
