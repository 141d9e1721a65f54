#pragma once
// Registry by name. Every swappable part (topology, router, fabric backend, and later schedulers,
// page policies, collective algorithms) registers itself from its own .cpp file with a static
// Registrar, so adding one is a new file, not an edit to a central switch. The libraries holding
// registrations are linked whole (see CMakeLists.txt) so the linker keeps them.
//
// Catalog: the category -> {name -> description, parameter schema} view shared by all registries,
// used by config validation (ImplConfig fields) and by `litesim list`.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"

namespace litesim {

struct CatalogEntry {
  std::string category;
  std::string name;
  std::string doc;
  const SchemaBase* schema = nullptr;  // parameters of this kind (may have no fields)
};

class Catalog {
 public:
  static Catalog& instance();
  void add(CatalogEntry e);
  const CatalogEntry* find(const std::string& category, const std::string& name) const;
  std::vector<std::string> names(const std::string& category) const;
  std::vector<std::string> categories() const;
  // Plain parameter blocks (package, hbm, die, cpo, link, ...) for `litesim list`.
  void add_block(const SchemaBase* schema);
  const std::vector<const SchemaBase*>& blocks() const { return blocks_; }

 private:
  std::map<std::string, std::map<std::string, CatalogEntry>> by_category_;
  std::vector<const SchemaBase*> blocks_;
};

// A typed factory registry: Registry<Topology, const ImplConfig&>::instance().create("ring", ...).
template <class Base, class... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Base>(const ConfigPtr& params, Args...)>;

  static Registry& instance() {
    static Registry r;
    return r;
  }
  void add(const std::string& category, const std::string& name, const std::string& doc, const SchemaBase* schema,
           Factory f) {
    category_ = category;
    factories_[name] = std::move(f);
    Catalog::instance().add(CatalogEntry{category, name, doc, schema});
  }
  // `impl` comes from a validated ImplConfig, so the kind is known to exist.
  std::unique_ptr<Base> create(const ImplConfig& impl, Args... args) const {
    auto it = factories_.find(impl.kind);
    if (it == factories_.end()) throw std::logic_error("no registered " + category_ + " named " + impl.kind);
    return it->second(impl.params, std::forward<Args>(args)...);
  }

 private:
  std::string category_;
  std::map<std::string, Factory> factories_;
};

// Registers a typed parameter block for `litesim list`.
struct BlockRegistrar {
  explicit BlockRegistrar(const SchemaBase& s) { Catalog::instance().add_block(&s); }
};

}  // namespace litesim
