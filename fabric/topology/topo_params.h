#pragma once
// Parameter checks that span several fields of one topology (divisibility, "x is only for
// logical: torus2d", ...). A ParamSet checks each field alone; CheckedParamSet adds one check over
// the bound struct that runs where the config is validated (normalize(), reached through the
// `fabric.topology` impl field), so its errors carry file:line and the full key path like any
// other ConfigError. Topology constructors run the same check again (without locations) because
// code and tests may create a topology straight from the registry.
#include <functional>
#include <string>

#include "core/config.h"
#include "core/error.h"
#include "core/params.h"

namespace litesim {

// Locates a key of a topology's parameter mapping for an error.
class ParamWhere {
 public:
  ParamWhere() = default;
  ParamWhere(ConfigPtr node, std::string path, SourceLoc parent)
      : node_(std::move(node)), path_(std::move(path)), parent_(std::move(parent)) {}
  // Throws a ConfigError at `key` (dotted for nested keys, "inner.size"); when the key was not
  // given (a default), at its mapping.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    const ConfigPtr v = find(key);
    SourceLoc loc = v && v->loc.line > 0 ? v->loc : (node_ && node_->loc.line > 0 ? node_->loc : parent_);
    throw ConfigError(loc, path_.empty() ? key : path_ + "." + key, what);
  }
  // Whether the user wrote `key` (false when checking a struct built in code).
  bool given(const std::string& key) const {
    const ConfigPtr v = find(key);
    return v && !v->is_null();
  }

 private:
  ConfigPtr find(const std::string& dotted) const {
    ConfigPtr cur = node_;
    size_t start = 0;
    while (cur && cur->is_map()) {
      const size_t dot = dotted.find('.', start);
      cur = cur->find(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) return cur;
      start = dot + 1;
    }
    return nullptr;
  }

  ConfigPtr node_;
  std::string path_;
  SourceLoc parent_;
};

template <class T>
class CheckedParamSet : public ParamSet<T> {
 public:
  using Check = std::function<void(const T&, const ParamWhere&)>;
  template <class Fill>
  CheckedParamSet(std::string name, std::string doc, Fill fill, Check check)
      : ParamSet<T>(std::move(name), std::move(doc), fill), check_(std::move(check)) {}

  ConfigPtr normalize(const ConfigPtr& node, const std::string& path, const SourceLoc& parent) const override {
    ConfigPtr out;
    const T t = this->resolve(node, path, parent, &out);
    check_(t, ParamWhere(node, path, parent));
    return out;
  }
  // The same check for a struct resolved without locations (the topology constructor).
  void check(const T& t) const { check_(t, ParamWhere()); }

 private:
  Check check_;
};

// Checks shared by several topologies. A fibre length override defaults to -1 m, "not given: use
// fabric.link.fibre_length" (so `litesim config` prints -1 m, and that output must load again).
// Any other negative length is a mistake, not a request for the default.
inline void check_length_override(double metres, const std::string& key, const ParamWhere& w) {
  if (metres < 0 && metres != -1.0 && w.given(key))
    w.fail(key, "must not be negative (leave it out, or give -1 m, to use fabric.link.fibre_length)");
}

}  // namespace litesim
