#include "core/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/registry.h"

namespace litesim {

std::string FieldInfo::type_text() const {
  switch (kind) {
    case FieldKind::Quantity: {
      std::string d = dim_name(dim);
      return d.substr(d.find(' ') + 1);
    }
    case FieldKind::Integer:
      return "integer";
    case FieldKind::Real:
      return "number";
    case FieldKind::Bool:
      return "true|false";
    case FieldKind::String:
      return "text";
    case FieldKind::Choice:
      return fmt::format("one of {}", fmt::join(choices, "|"));
    case FieldKind::Section:
      return "section";
    case FieldKind::Impl:
      return fmt::format("{} (kind: ...)", impl_category);
    case FieldKind::List:
      return fmt::format("list of {}", section ? section->name() : "?");
  }
  return "?";
}

namespace detail {

std::string join_path(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

void fail(const ConfigPtr& node, const SourceLoc& fallback, const std::string& path, const std::string& what) {
  const SourceLoc& loc =
      node && node->loc.line > 0 ? node->loc : (node && !node->loc.file.empty() ? node->loc : fallback);
  throw ConfigError(loc, path, what);
}

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggest(const std::string& word, const std::vector<std::string>& options) {
  std::string best;
  size_t best_d = 3;
  for (const auto& o : options) {
    const size_t d = edit_distance(word, o);
    if (d < best_d) best_d = d, best = o;
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

std::string format_bound(const FieldInfo& f, double v) {
  if (f.kind != FieldKind::Quantity) return fmt::format("{}", v);
  static const char* base[] = {"ps", "Hz", "B", "bit/s", "pJ", "pJ/bit", "pJ/FLOP", "W", "m", "ps/m", "FLOP/s"};
  return fmt::format("{} {}", v, base[static_cast<int>(f.dim)]);
}

void check_bounds(const FieldInfo& f, double v, const ConfigPtr& node, const std::string& path,
                  const std::string& shown) {
  if (f.min) {
    const bool bad = f.min_exclusive ? !(v > *f.min) : !(v >= *f.min);
    if (bad) {
      std::string need;
      if (*f.min == 0)
        need = f.min_exclusive ? "must be positive" : "must not be negative";
      else
        need = fmt::format("must be {} {}", f.min_exclusive ? ">" : ">=", format_bound(f, *f.min));
      fail(node, {}, path, fmt::format("{} (got '{}')", need, shown));
    }
  }
  if (f.max && v > *f.max)
    fail(node, {}, path, fmt::format("must be <= {} (got '{}')", format_bound(f, *f.max), shown));
}
}  // namespace

int64_t int_key(const ConfigPtr& map, const std::string& key, const std::string& path, int64_t lo, int64_t hi,
                const int64_t* fallback) {
  const std::string where = path + "." + key;
  ConfigPtr v = map->find(key);
  if (!v || v->is_null()) {
    if (fallback) return *fallback;
    throw ConfigError(map->loc, where, fmt::format("missing required key (expected an integer >= {})", lo));
  }
  int64_t x = 0;
  try {
    if (!v->is_scalar()) throw std::invalid_argument("");
    x = as_int(*v);
  } catch (const std::exception&) {
    throw ConfigError(v->loc, where,
                      fmt::format("expected an integer, got '{}'", v->is_scalar() ? v->scalar : v->kind_name()));
  }
  if (x < lo) throw ConfigError(v->loc, where, fmt::format("must be at least {} (got {})", lo, x));
  if (x > hi) throw ConfigError(v->loc, where, fmt::format("must be at most {} (got {})", hi, x));
  return x;
}

uint64_t data_size_key(const ConfigPtr& map, const std::string& key, const std::string& path, bool required) {
  const std::string where = path + "." + key;
  ConfigPtr v = map->find(key);
  if (!v || v->is_null()) {
    if (required) throw ConfigError(map->loc, where, "missing required key (expected a data size, e.g. 64 MiB)");
    return 0;
  }
  if (!v->is_scalar()) throw ConfigError(v->loc, where, "expected a data size, e.g. 64 MiB");
  Quantity q;
  try {
    q = parse_quantity(v->scalar, Dim::DataSize);
  } catch (const UnitError& e) {
    throw ConfigError(v->loc, where, e.what());
  }
  if (q.value < 0) throw ConfigError(v->loc, where, "must not be negative");
  if (q.value > 1e18) throw ConfigError(v->loc, where, "must be at most 1 EB");
  return static_cast<uint64_t>(q.value);
}

int64_t as_int(const ConfigNode& n) {
  int64_t v = 0;
  const auto* b = n.scalar.data();
  const auto* e = b + n.scalar.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e) throw std::invalid_argument("not an integer");
  return v;
}

double as_real(const ConfigNode& n) {
  size_t used = 0;
  double v = std::stod(n.scalar, &used);
  if (used != n.scalar.size() || !std::isfinite(v)) throw std::invalid_argument("not a number");
  return v;
}

ConfigPtr scalar_node(const ConfigPtr& node, const SourceLoc& parent, const std::string& path, const char* expected) {
  if (!node->is_scalar()) fail(node, parent, path, fmt::format("expected {}, got {}", expected, node->kind_name()));
  return node;
}

void check_keys(const SchemaBase& s, const ConfigPtr& node, const std::string& path) {
  std::vector<std::string> keys;
  for (const auto& f : s.fields()) keys.push_back(f.key);
  for (const auto& e : node->entries) {
    if (std::find(keys.begin(), keys.end(), e.key) != keys.end()) continue;
    throw ConfigError(e.key_loc, join_path(path, e.key),
                      fmt::format("unknown key{}; {} expects: {}", suggest(e.key, keys), path.empty() ? s.name() : path,
                                  fmt::join(keys, ", ")));
  }
}

ConfigPtr normalize_value(const FieldInfo& f, const ConfigPtr& given, const std::string& path,
                          const SourceLoc& parent) {
  ConfigPtr value = given;
  if (!value || value->is_null()) {
    if (!f.default_text) {
      std::string example;
      if (f.kind == FieldKind::Quantity) example = fmt::format(", e.g. {}", dim_examples(f.dim));
      fail(value, parent, path, fmt::format("missing required key (expected {}{}: {})", f.type_text(), example, f.doc));
    }
    value = ConfigNode::make_scalar(*f.default_text, SourceLoc{"<default of " + path + ">", 0, 0});
  }
  const char* expected = "a single value";
  switch (f.kind) {
    case FieldKind::Quantity: {
      scalar_node(value, parent, path, dim_name(f.dim));
      Quantity q;
      try {
        q = parse_quantity(value->scalar, f.dim);
      } catch (const UnitError& e) {
        fail(value, parent, path, e.what());
      }
      check_bounds(f, q.value, value, path, q.text);
      return ConfigNode::make_scalar(q.text, value->loc);
    }
    case FieldKind::Integer: {
      scalar_node(value, parent, path, "an integer");
      int64_t v = 0;
      try {
        v = as_int(*value);
      } catch (const std::exception&) {
        fail(value, parent, path, fmt::format("expected an integer (no unit), got '{}'", value->scalar));
      }
      check_bounds(f, static_cast<double>(v), value, path, value->scalar);
      return ConfigNode::make_scalar(std::to_string(v), value->loc);
    }
    case FieldKind::Real: {
      scalar_node(value, parent, path, "a number");
      double v = 0;
      try {
        v = as_real(*value);
      } catch (const std::exception&) {
        fail(value, parent, path, fmt::format("expected a plain number (no unit), got '{}'", value->scalar));
      }
      check_bounds(f, v, value, path, value->scalar);
      return ConfigNode::make_scalar(value->scalar, value->loc);
    }
    case FieldKind::Bool: {
      scalar_node(value, parent, path, "true or false");
      const std::string& s = value->scalar;
      if (s == "true" || s == "yes" || s == "on") return ConfigNode::make_scalar("true", value->loc);
      if (s == "false" || s == "no" || s == "off") return ConfigNode::make_scalar("false", value->loc);
      fail(value, parent, path, fmt::format("expected true or false, got '{}'", s));
    }
    case FieldKind::String:
      scalar_node(value, parent, path, "a text value");
      return ConfigNode::make_scalar(value->scalar, value->loc);
    case FieldKind::Choice:
      scalar_node(value, parent, path, "a name");
      if (std::find(f.choices.begin(), f.choices.end(), value->scalar) == f.choices.end())
        fail(value, parent, path,
             fmt::format("'{}' is not one of: {}{}", value->scalar, fmt::join(f.choices, ", "),
                         suggest(value->scalar, f.choices)));
      return ConfigNode::make_scalar(value->scalar, value->loc);
    default:
      break;
  }
  fail(value, parent, path, expected);
}

ConfigPtr normalize_impl(const FieldInfo& f, const ConfigPtr& given, const std::string& path, const SourceLoc& parent,
                         ImplConfig* out) {
  ConfigPtr value = given;
  if (!value || value->is_null()) {
    if (!f.default_text)
      fail(value, parent, path,
           fmt::format("missing required key (expected a {} mapping with kind: one of {})", f.impl_category,
                       fmt::join(Catalog::instance().names(f.impl_category), ", ")));
    value = ConfigNode::make_scalar(*f.default_text, SourceLoc{"<default of " + path + ">", 0, 0});
  }
  ConfigPtr params;
  ConfigPtr kind_node;
  if (value->is_scalar()) {  // shorthand: `routing: shortest`
    kind_node = value;
    params = ConfigNode::make_map(value->loc);
  } else if (value->is_map()) {
    kind_node = value->find("kind");
    if (!kind_node)
      fail(value, parent, path,
           fmt::format("missing 'kind' (one of: {})", fmt::join(Catalog::instance().names(f.impl_category), ", ")));
    params = value->clone();
    params->erase("kind");
  } else {
    fail(value, parent, path,
         fmt::format("expected a {} name or mapping, got {}", f.impl_category, value->kind_name()));
  }
  const std::string kind_path = join_path(path, "kind");
  scalar_node(kind_node, parent, kind_path, "a name");
  const CatalogEntry* e = Catalog::instance().find(f.impl_category, kind_node->scalar);
  if (!e) {
    auto names = Catalog::instance().names(f.impl_category);
    fail(kind_node, parent, kind_path,
         fmt::format("no {} named '{}'; registered: {}{}", f.impl_category, kind_node->scalar, fmt::join(names, ", "),
                     suggest(kind_node->scalar, names)));
  }
  ConfigPtr norm_params = e->schema->normalize(params, path, value->loc);
  ConfigPtr norm = ConfigNode::make_map(value->loc);
  norm->set("kind", ConfigNode::make_scalar(kind_node->scalar, kind_node->loc));
  for (const auto& pe : norm_params->entries) norm->set(pe.key, pe.value, pe.key_loc);
  out->kind = kind_node->scalar;
  out->params = norm_params;
  return norm;
}

}  // namespace detail

Catalog& Catalog::instance() {
  static Catalog c;
  return c;
}

void Catalog::add(CatalogEntry e) {
  auto& cat = by_category_[e.category];
  const std::string name = e.name;
  cat[name] = std::move(e);
}

const CatalogEntry* Catalog::find(const std::string& category, const std::string& name) const {
  auto c = by_category_.find(category);
  if (c == by_category_.end()) return nullptr;
  auto it = c->second.find(name);
  return it == c->second.end() ? nullptr : &it->second;
}

std::vector<std::string> Catalog::names(const std::string& category) const {
  std::vector<std::string> out;
  auto c = by_category_.find(category);
  if (c != by_category_.end())
    for (const auto& [n, _] : c->second) out.push_back(n);
  return out;
}

std::vector<std::string> Catalog::categories() const {
  std::vector<std::string> out;
  for (const auto& [c, _] : by_category_) out.push_back(c);
  return out;
}

void Catalog::add_block(const SchemaBase* schema) {
  if (std::find(blocks_.begin(), blocks_.end(), schema) == blocks_.end()) blocks_.push_back(schema);
}

}  // namespace litesim
