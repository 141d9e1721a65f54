#include <map>
#include <stdexcept>

#include "memory/hbm/hbm.h"

namespace litesim {
namespace {
std::map<std::string, HbmFactsFn>& facts() {
  static std::map<std::string, HbmFactsFn> m;
  return m;
}
}  // namespace

void register_hbm_facts(const std::string& kind, HbmFactsFn f) { facts()[kind] = f; }

HbmFacts hbm_facts(const ImplConfig& c) {
  const auto it = facts().find(c.kind);
  if (it == facts().end()) throw std::logic_error("HBM kind '" + c.kind + "' registered no facts");
  return it->second(c.params);
}

}  // namespace litesim
