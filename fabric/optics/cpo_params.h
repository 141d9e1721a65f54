#pragma once
// Co-packaged optics of one package: its optical lanes and what one transceiver crossing costs.
#include <string>

#include "core/params.h"

namespace litesim {

struct CpoParams {
  std::string name;
  int engines = 0;              // optical engines (chiplets) carrying the lanes: 0 for electrical I/O
  int lanes = 0;                // optical lanes per direction, all engines of the package
  DataRate lane_rate;           // line rate of one lane, one direction
  Time serdes_latency;          // one transceiver crossing (paid at the sending and at the receiving end)
  EnergyPerBit energy_per_bit;  // per bit through one transceiver (booked at each end)
  Power static_power_per_lane;  // laser and idle electronics, per lane (both directions)

  static const ParamSet<CpoParams>& schema();
};

}  // namespace litesim
