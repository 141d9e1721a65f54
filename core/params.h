#pragma once
// Self-describing parameters. A block's Params struct declares its fields once (key, type or unit,
// default, meaning, bounds) in a ParamSet; from that one declaration LiteSim
//   - validates a config mapping (unknown key, missing key, wrong unit, bad value: each a
//     ConfigError naming file:line and the key path),
//   - binds the values into the struct,
//   - produces the normalised tree that `litesim config` prints and the digest hashes,
//   - prints the parameter table in `litesim list`.
// Two layers, as in DRAMSys: the ConfigNode tree is what was parsed (with locations), the
// struct is what was resolved (units converted, defaults applied in one place).
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "core/units.h"

namespace litesim {

enum class FieldKind { Quantity, Integer, Real, Bool, String, Choice, Section, Impl, List };

class SchemaBase;

// What `litesim list` shows of one field.
struct FieldInfo {
  std::string key;
  std::string doc;
  FieldKind kind = FieldKind::String;
  Dim dim = Dim::Time;                      // Quantity
  std::optional<std::string> default_text;  // unset: the field is required
  std::optional<double> min;                // in the dimension's base unit
  bool min_exclusive = false;
  std::optional<double> max;
  std::vector<std::string> choices;     // Choice
  const SchemaBase* section = nullptr;  // Section, List (the schema of each item)
  std::string impl_category;            // Impl: the registry category that names the kinds
  std::string type_text() const;        // "data rate", "integer", "section hbm", ...
};

class SchemaBase {
 public:
  explicit SchemaBase(std::string name, std::string doc) : name_(std::move(name)), doc_(std::move(doc)) {}
  virtual ~SchemaBase() = default;
  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::vector<FieldInfo>& fields() const { return infos_; }
  // Validates `node` (a mapping, or null for "all defaults") and returns the normalised tree.
  virtual ConfigPtr normalize(const ConfigPtr& node, const std::string& path, const SourceLoc& parent) const = 0;

 protected:
  std::vector<FieldInfo> infos_;
  std::string name_, doc_;
};

// A kind chosen from a registry category plus that kind's own parameters, e.g.
// `topology: {kind: ring, gpus: 4}`. `params` is the normalised mapping (kind included).
struct ImplConfig {
  std::string kind;
  ConfigPtr params;
};

namespace detail {
[[noreturn]] void fail(const ConfigPtr& node, const SourceLoc& fallback, const std::string& path,
                       const std::string& what);
ConfigPtr scalar_node(const ConfigPtr& node, const SourceLoc& parent, const std::string& path, const char* expected);
ConfigPtr normalize_value(const FieldInfo& f, const ConfigPtr& value, const std::string& path, const SourceLoc& parent);
ConfigPtr normalize_impl(const FieldInfo& f, const ConfigPtr& value, const std::string& path, const SourceLoc& parent,
                         ImplConfig* out);
void check_keys(const SchemaBase& s, const ConfigPtr& node, const std::string& path);
std::string join_path(const std::string& a, const std::string& b);
int64_t as_int(const ConfigNode& n);
// `map[key]` as a data size ("64 MiB") in bytes, 0 when absent and not required; ConfigError
// naming path.key otherwise (not a size, negative, above 1 EB).
uint64_t data_size_key(const ConfigPtr& map, const std::string& key, const std::string& path, bool required);
// `map[key]` as an integer in [lo, hi]; when absent, *fallback, or a ConfigError if it is null
// (required). The same errors name path.key.
int64_t int_key(const ConfigPtr& map, const std::string& key, const std::string& path, int64_t lo, int64_t hi,
                const int64_t* fallback = nullptr);
double as_real(const ConfigNode& n);
}  // namespace detail

// Locates a key of a parameter mapping, for a check over several fields (ParamSet's cross-check).
class ParamWhere {
 public:
  ParamWhere() = default;
  ParamWhere(ConfigPtr node, std::string path, SourceLoc parent)
      : node_(std::move(node)), path_(std::move(path)), parent_(std::move(parent)) {}
  // Throws a ConfigError at `key` (dotted for nested keys, "inner.size"); when the key was not
  // given (a default), at its mapping.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    const ConfigPtr v = find_path(node_, key);
    const SourceLoc loc = v && v->loc.line > 0 ? v->loc : (node_ && node_->loc.line > 0 ? node_->loc : parent_);
    throw ConfigError(loc, path_.empty() ? key : path_ + "." + key, what);
  }
  // Whether the user wrote `key` (false when checking a struct built in code).
  bool given(const std::string& key) const {
    const ConfigPtr v = find_path(node_, key);
    return v && !v->is_null();
  }

 private:
  ConfigPtr node_;
  std::string path_;
  SourceLoc parent_;
};

// The typed schema of one Params struct T.
template <class T>
class ParamSet : public SchemaBase {
 public:
  // A check over several fields of the bound struct (divisibility, "x only with kind y"), run by
  // every resolve() after the fields are bound, so its errors carry file:line like any other.
  using CrossCheck = std::function<void(const T&, const ParamWhere&)>;

  using SchemaBase::SchemaBase;
  // Declares the fields in place: the binders keep `this`, so a ParamSet never moves or copies.
  template <class Fill>
  ParamSet(std::string name, std::string doc, Fill fill) : SchemaBase(std::move(name), std::move(doc)) {
    fill(*this);
  }
  template <class Fill>
  ParamSet(std::string name, std::string doc, Fill fill, CrossCheck check)
      : SchemaBase(std::move(name), std::move(doc)), cross_(std::move(check)) {
    fill(*this);
  }
  ParamSet(const ParamSet&) = delete;
  ParamSet& operator=(const ParamSet&) = delete;

  // Chainable refinements of the field just added.
  class Field {
   public:
    explicit Field(FieldInfo& f) : f_(f) {}
    Field& positive() {
      f_.min = 0;
      f_.min_exclusive = true;
      return *this;
    }
    Field& non_negative() {
      f_.min = 0;
      f_.min_exclusive = false;
      return *this;
    }
    Field& at_least(double v) {
      f_.min = v;
      f_.min_exclusive = false;
      return *this;
    }
    Field& at_most(double v) {
      f_.max = v;
      return *this;
    }
    Field& fallback(std::string text) {
      f_.default_text = std::move(text);
      return *this;
    }

   private:
    FieldInfo& f_;
  };

  // A quantity with a unit (Time, DataRate, ...): required unless .fallback(...) is given.
  template <class Q>
  Field quantity(std::string key, Q T::*member, std::string doc) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::Quantity);
    f.dim = UnitTraits<Q>::dim;
    return add(f, [member](T& t, const ConfigNode& n) {
      t.*member = UnitTraits<Q>::make(parse_quantity(n.scalar, UnitTraits<Q>::dim));
    });
  }
  template <class I>
  Field integer(std::string key, I T::*member, std::string doc) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::Integer);
    f.min = static_cast<double>(std::numeric_limits<I>::lowest());  // the member's range, unless narrowed
    f.max = static_cast<double>(std::numeric_limits<I>::max());
    return add(f, [member](T& t, const ConfigNode& n) { t.*member = static_cast<I>(detail::as_int(n)); });
  }
  Field real(std::string key, double T::*member, std::string doc) {
    return add(base(std::move(key), std::move(doc), FieldKind::Real),
               [member](T& t, const ConfigNode& n) { t.*member = detail::as_real(n); });
  }
  Field boolean(std::string key, bool T::*member, std::string doc) {
    return add(base(std::move(key), std::move(doc), FieldKind::Bool),
               [member](T& t, const ConfigNode& n) { t.*member = n.scalar == "true"; });
  }
  Field string(std::string key, std::string T::*member, std::string doc) {
    return add(base(std::move(key), std::move(doc), FieldKind::String),
               [member](T& t, const ConfigNode& n) { t.*member = n.scalar; });
  }
  Field choice(std::string key, std::string T::*member, std::vector<std::string> choices, std::string doc) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::Choice);
    f.choices = std::move(choices);
    return add(f, [member](T& t, const ConfigNode& n) { t.*member = n.scalar; });
  }
  // A nested block with its own schema (U::schema()).
  template <class U>
  void section(std::string key, U T::*member, std::string doc) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::Section);
    const ParamSet<U>& sub = U::schema();
    f.section = &sub;
    f.default_text = sub.all_defaulted() ? std::optional<std::string>("{}") : std::nullopt;
    infos_.push_back(f);
    binders_.push_back([member, &sub](T& t, const ConfigPtr& v, const std::string& path, const SourceLoc& parent) {
      ConfigPtr norm;
      t.*member = sub.resolve(v, path, parent, &norm);
      return norm;
    });
  }
  // A nested block that may be left out (std::nullopt when absent or null): for parts a config
  // needs only sometimes (a fabric's switches). Absent, it is absent from the normalised tree too.
  template <class U>
  void optional_section(std::string key, std::optional<U> T::*member, std::string doc) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::Section);
    const ParamSet<U>& sub = U::schema();
    f.section = &sub;
    f.default_text = std::string("(none)");
    infos_.push_back(f);
    binders_.push_back(
        [member, &sub](T& t, const ConfigPtr& v, const std::string& path, const SourceLoc& parent) -> ConfigPtr {
          if (!v || v->is_null()) {
            t.*member = std::nullopt;
            return nullptr;
          }
          ConfigPtr norm;
          t.*member = sub.resolve(v, path, parent, &norm);
          return norm;
        });
  }
  // A list of blocks, each with U's schema (a schedule's entries); absent or null: empty. Item i's
  // errors name `key[i].field`.
  template <class U>
  void list(std::string key, std::vector<U> T::*member, std::string doc) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::List);
    const ParamSet<U>& sub = U::schema();
    f.section = &sub;
    f.default_text = std::string("[]");
    infos_.push_back(f);
    binders_.push_back(
        [member, &sub](T& t, const ConfigPtr& v, const std::string& path, const SourceLoc& parent) -> ConfigPtr {
          (t.*member).clear();
          const SourceLoc here = v && v->loc.line > 0 ? v->loc : parent;
          ConfigPtr out = ConfigNode::make_seq(here);
          if (!v || v->is_null()) return out;
          if (!v->is_seq())
            detail::fail(v, parent, path, std::string("expected a list (- ...), got ") + v->kind_name());
          for (size_t i = 0; i < v->items.size(); ++i) {
            ConfigPtr norm;
            (t.*member).push_back(sub.resolve(v->items[i], path + "[" + std::to_string(i) + "]", here, &norm));
            out->items.push_back(norm);
          }
          return out;
        });
  }
  // A swappable part chosen by `kind:` from a registry category (see core/registry.h).
  void impl(std::string key, ImplConfig T::*member, std::string category, std::string doc,
            std::optional<std::string> default_kind = std::nullopt) {
    FieldInfo f = base(std::move(key), std::move(doc), FieldKind::Impl);
    f.impl_category = std::move(category);
    f.default_text = std::move(default_kind);
    infos_.push_back(f);
    const size_t idx = infos_.size() - 1;
    binders_.push_back([this, idx, member](T& t, const ConfigPtr& v, const std::string& path, const SourceLoc& parent) {
      return detail::normalize_impl(infos_[idx], v, path, parent, &(t.*member));
    });
  }

  bool all_defaulted() const {
    for (const auto& f : infos_)
      if (!f.default_text) return false;
    return true;
  }

  // Validates and binds. `node` may be null (all defaults). Returns the struct; the normalised
  // tree goes to *normalized when asked for.
  T resolve(const ConfigPtr& node, const std::string& path, const SourceLoc& parent,
            ConfigPtr* normalized = nullptr) const {
    if (node && !node->is_null() && !node->is_map())
      detail::fail(node, parent, path, std::string("expected a mapping of parameters, got ") + node->kind_name());
    if (node) detail::check_keys(*this, node, path);
    const SourceLoc here = node && node->loc.line > 0 ? node->loc : parent;
    T t{};
    ConfigPtr out = ConfigNode::make_map(here);
    for (size_t i = 0; i < infos_.size(); ++i) {
      const FieldInfo& f = infos_[i];
      const std::string fpath = detail::join_path(path, f.key);
      ConfigPtr v = node ? node->find(f.key) : nullptr;
      if (ConfigPtr n = binders_[i](t, v, fpath, here)) out->set(f.key, n);
    }
    if (cross_) cross_(t, ParamWhere(node, path, parent));
    if (normalized) *normalized = out;
    return t;
  }

  ConfigPtr normalize(const ConfigPtr& node, const std::string& path, const SourceLoc& parent) const override {
    ConfigPtr out;
    resolve(node, path, parent, &out);
    return out;
  }

 private:
  using Binder = std::function<ConfigPtr(T&, const ConfigPtr&, const std::string&, const SourceLoc&)>;

  static FieldInfo base(std::string key, std::string doc, FieldKind kind) {
    FieldInfo f;
    f.key = std::move(key);
    f.doc = std::move(doc);
    f.kind = kind;
    return f;
  }
  Field add(FieldInfo f, std::function<void(T&, const ConfigNode&)> assign) {
    infos_.push_back(std::move(f));
    const size_t idx = infos_.size() - 1;
    binders_.push_back([this, idx, assign](T& t, const ConfigPtr& v, const std::string& path, const SourceLoc& parent) {
      ConfigPtr norm = detail::normalize_value(infos_[idx], v, path, parent);
      assign(t, *norm);
      return norm;
    });
    return Field(infos_.back());
  }

  std::vector<Binder> binders_;
  CrossCheck cross_;
};

// A parameter block resolved from a raw tree: the one path every config takes (system files,
// package presets, testbench HBMs): overrides applied (`a.b=VALUE`, in order), presets expanded
// (configs/<section>/NAME.yaml), validated and bound; with the normalised tree, its YAML (a valid
// config by itself) and the digest of that YAML.
template <class T>
struct Resolved {
  T params;
  ConfigPtr tree;
  std::string yaml;
  std::string digest;
  std::vector<std::string> presets;  // expanded, in order
};

// `path` prefixes key paths in errors ("" at the top of a file, "package" for a package preset).
template <class T>
Resolved<T> resolve_block(const ConfigPtr& raw, const std::vector<std::string>& overrides,
                          const std::string& configs_dir, const std::string& section, const std::string& path) {
  int i = 1;
  for (const auto& o : overrides) apply_override(raw, o, i++);
  PresetResolver r;
  r.configs_dir = configs_dir;
  const ConfigPtr expanded = r.expand(raw, section);
  Resolved<T> out;
  out.params = T::schema().resolve(expanded, path, raw->loc.line > 0 ? raw->loc : expanded->loc, &out.tree);
  out.yaml = to_yaml(*out.tree);
  out.digest = fnv1a_hex(out.yaml);
  out.presets = r.used;
  return out;
}

// Loads the preset configs/<section>/<name>.yaml under `configs_dir` and resolves it against T's
// schema (its own presets expanded): for blocks used on their own, in tests and testbenches.
template <class T>
T load_preset(const std::string& configs_dir, const std::string& section, const std::string& name) {
  const ConfigPtr raw = parse_yaml("preset: " + name, "<" + section + " " + name + ">");
  return resolve_block<T>(raw, {}, configs_dir, section, section).params;
}

}  // namespace litesim
