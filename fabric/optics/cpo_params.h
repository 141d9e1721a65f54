#pragma once
// The I/O of one package: how many optical lanes it has (engines x fibres x wavelengths) and at what
// rate, and the transceiver technology those lanes are built with (its own block, preset from
// configs/transceiver/, so the same package can be studied with pluggable, current-CPO or future
// optics by one line of config).
//
// A lane is one wavelength on one fibre in one direction; a fibre here is a fibre *pair* (one each
// way), so a package has `lanes()` lanes in each direction. For electrical I/O (medium: electrical)
// an engine is a SerDes macro, a fibre a differential lane pair and wavelengths_per_fibre is 1.
#include <string>

#include "core/params.h"

namespace litesim {

// What a transceiver technology costs per bit and per lane; docs/fabric.md gives the equations.
struct TransceiverTech {
  std::string name;
  std::string medium;                     // optical | electrical
  std::string modulation;                 // nrz | pam4 (bits per symbol 1 | 2: the symbol rate is reported)
  std::string fec;                        // none | rs544 (RS(544,514), "KP4") | rs272 (RS(272,257))
  Time fec_latency;                       // added once per hop when fec != none (encode + decode)
  Time serdes_latency;                    // one crossing of one end's SerDes / optical engine (paid at each end)
  Power laser_power_per_lane;             // optical output of the laser for one lane (0: no laser)
  double laser_wall_plug_efficiency = 1;  // optical out / electrical in
  Power idle_power_per_lane;              // electronics burning power whether or not bits flow
  EnergyPerBit modulator_driver_energy;   // transmit end, per bit
  EnergyPerBit receiver_tia_energy;       // receive end, per bit
  EnergyPerBit serdes_dsp_energy;         // electrical SerDes / DSP, per bit at each end

  // Payload bits per line bit after FEC (1 without FEC).
  double fec_code_rate() const;
  int bits_per_symbol() const { return modulation == "pam4" ? 2 : 1; }
  bool optical() const { return medium == "optical"; }
  // Static power of one lane at one end: the laser at the wall plus idle electronics.
  Power static_power_per_lane() const;
  double tx_pj_per_bit() const { return modulator_driver_energy.pj_per_bit + serdes_dsp_energy.pj_per_bit; }
  double rx_pj_per_bit() const { return receiver_tia_energy.pj_per_bit + serdes_dsp_energy.pj_per_bit; }
  // Dynamic energy of one bit over one link (transmit end + receive end).
  double dynamic_pj_per_bit() const { return tx_pj_per_bit() + rx_pj_per_bit(); }

  static const ParamSet<TransceiverTech>& schema();
};

struct CpoParams {
  std::string name;
  int engines = 0;                // optical engines (chiplets) or SerDes macros
  int fibres_per_engine = 0;      // fibre pairs per engine
  int wavelengths_per_fibre = 0;  // WDM wavelengths per fibre (1 for electrical lanes)
  DataRate lane_rate;             // line rate of one lane, one direction
  TransceiverTech transceiver;

  int lanes() const { return engines * fibres_per_engine * wavelengths_per_fibre; }
  // The payload rate of one lane after FEC.
  double payload_lane_bps() const { return lane_rate.bits_per_s * transceiver.fec_code_rate(); }
  Power static_power_per_lane() const { return transceiver.static_power_per_lane(); }

  static const ParamSet<CpoParams>& schema();
};

}  // namespace litesim
