#include "fabric/optics/cpo_params.h"

#include "core/registry.h"

namespace litesim {

double TransceiverTech::fec_code_rate() const {
  if (fec == "rs544") return 514.0 / 544.0;
  if (fec == "rs272") return 257.0 / 272.0;
  return 1.0;
}

Power TransceiverTech::static_power_per_lane() const {
  return Power{laser_power_per_lane.watts / laser_wall_plug_efficiency + idle_power_per_lane.watts};
}

const ParamSet<TransceiverTech>& TransceiverTech::schema() {
  static const ParamSet<TransceiverTech> s(
      "transceiver", "a transceiver technology: latency, FEC and the parts of its energy per bit",
      [](ParamSet<TransceiverTech>& p) {
        p.string("name", &TransceiverTech::name, "label of this technology").fallback("transceiver");
        p.choice("medium", &TransceiverTech::medium, {"optical", "electrical"}, "what carries the lanes");
        p.choice("modulation", &TransceiverTech::modulation, {"nrz", "pam4"}, "line coding of a lane");
        p.choice("fec", &TransceiverTech::fec, {"none", "rs544", "rs272"},
                 "forward error correction: none, RS(544,514) or RS(272,257)")
            .fallback("none");
        p.quantity("fec_latency", &TransceiverTech::fec_latency, "FEC encode + decode latency per hop")
            .non_negative()
            .fallback("0 ns");
        p.quantity("serdes_latency", &TransceiverTech::serdes_latency, "one end's SerDes/engine crossing")
            .non_negative();
        p.quantity("laser_power_per_lane", &TransceiverTech::laser_power_per_lane,
                   "laser optical output power per lane (0 for electrical)")
            .non_negative()
            .fallback("0 mW");
        p.real("laser_wall_plug_efficiency", &TransceiverTech::laser_wall_plug_efficiency,
               "laser optical output over electrical input")
            .positive()
            .at_most(1)
            .fallback("1");
        p.quantity("idle_power_per_lane", &TransceiverTech::idle_power_per_lane,
                   "electronics power per lane at each end, burnt whether or not bits flow")
            .non_negative()
            .fallback("0 mW");
        p.quantity("modulator_driver_energy", &TransceiverTech::modulator_driver_energy,
                   "modulator and driver energy per bit (transmit end)")
            .non_negative();
        p.quantity("receiver_tia_energy", &TransceiverTech::receiver_tia_energy,
                   "photodetector, TIA and receiver energy per bit (receive end)")
            .non_negative();
        p.quantity("serdes_dsp_energy", &TransceiverTech::serdes_dsp_energy,
                   "electrical SerDes / DSP energy per bit at each end")
            .non_negative();
      });
  return s;
}

const ParamSet<CpoParams>& CpoParams::schema() {
  static const ParamSet<CpoParams> s(
      "cpo", "a package's I/O lanes (optical engines or SerDes) and their transceiver technology",
      [](ParamSet<CpoParams>& p) {
        p.string("name", &CpoParams::name, "label of this I/O configuration").fallback("cpo");
        p.integer("engines", &CpoParams::engines, "optical engines (chiplets), or SerDes macros").at_least(1);
        p.integer("fibres_per_engine", &CpoParams::fibres_per_engine, "fibre pairs (or lane pairs) per engine")
            .at_least(1);
        p.integer("wavelengths_per_fibre", &CpoParams::wavelengths_per_fibre, "WDM wavelengths per fibre")
            .at_least(1)
            .fallback("1");
        p.quantity("lane_rate", &CpoParams::lane_rate, "line rate of one lane in one direction").positive();
        p.section("transceiver", &CpoParams::transceiver, "transceiver technology (configs/transceiver/)");
      });
  return s;
}

namespace {
const BlockRegistrar reg(CpoParams::schema());
const BlockRegistrar reg_tech(TransceiverTech::schema());
}  // namespace

}  // namespace litesim
