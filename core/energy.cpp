#include "core/energy.h"

#include <stdexcept>

namespace litesim {

EnergyLedger::AccountId EnergyLedger::open(std::string name, std::string kind, Power static_power) {
  if (closed_) throw std::logic_error("EnergyLedger::open after close");
  accounts_.push_back(Account{std::move(name), std::move(kind), static_power});
  return accounts_.size() - 1;
}

void EnergyLedger::close(Time end) {
  if (closed_) throw std::logic_error("EnergyLedger::close called twice");
  for (auto& a : accounts_) a.static_pj = a.static_power.watts * end.s() * 1e12;
  closed_ = true;
}

std::map<std::string, EnergyLedger::KindTotal> EnergyLedger::by_kind() const {
  std::map<std::string, KindTotal> out;
  for (const auto& a : accounts_) {
    auto& k = out[a.kind];
    k.static_pj += a.static_pj;
    k.dynamic_pj += a.dynamic_pj;
    k.bits += a.bits;
  }
  return out;
}

double EnergyLedger::total_pj() const {
  double t = 0;
  for (const auto& a : accounts_) t += a.total_pj();
  return t;
}

}  // namespace litesim
