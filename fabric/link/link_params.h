#pragma once
// A point-to-point optical link: how many lanes of each end it uses and how long its fibre is.
#include "core/params.h"

namespace litesim {

struct LinkParams {
  int lanes = 0;  // lanes per direction this link takes from each end's CPO
  Length fibre_length;
  DelayPerLength propagation_delay;  // time of flight per metre of fibre

  // Time of flight over `metres` of fibre, and over fibre_length.
  Time propagation(double metres) const { return duration_of(metres * propagation_delay.ps_per_m, 1e12); }
  Time propagation() const { return propagation(fibre_length.m); }
  static const ParamSet<LinkParams>& schema();
};

}  // namespace litesim
