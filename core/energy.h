#pragma once
// The energy ledger: one account per component instance, with a static part (power x simulated
// time, booked once at the end) and a dynamic part (picojoules booked per event), plus the bits
// the component moved, so that pJ/bit per component kind is energy over bits of that kind.
// Conservation: total = sum over accounts of (static + dynamic), checked by the tests.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/units.h"

namespace litesim {

class EnergyLedger {
 public:
  using AccountId = size_t;
  struct Account {
    std::string name;  // instance, e.g. gpu1.cpo.port0
    std::string kind;  // component kind, e.g. cpo
    Power static_power;
    double static_pj = 0;
    double dynamic_pj = 0;
    double bits = 0;
    double total_pj() const { return static_pj + dynamic_pj; }
  };
  struct KindTotal {
    double static_pj = 0, dynamic_pj = 0, bits = 0;
    double total_pj() const { return static_pj + dynamic_pj; }
    double pj_per_bit() const { return bits > 0 ? total_pj() / bits : 0.0; }
  };

  AccountId open(std::string name, std::string kind, Power static_power);
  void add_dynamic(AccountId id, double pj) { accounts_.at(id).dynamic_pj += pj; }
  void add_bits(AccountId id, double bits) { accounts_.at(id).bits += bits; }
  // Books static energy for [0, end]; call once when the simulation ends.
  void close(Time end);

  const std::vector<Account>& accounts() const { return accounts_; }
  std::map<std::string, KindTotal> by_kind() const;
  double total_pj() const;
  bool closed() const { return closed_; }

 private:
  std::vector<Account> accounts_;
  bool closed_ = false;
};

}  // namespace litesim
