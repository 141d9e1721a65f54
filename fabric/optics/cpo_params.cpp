#include "fabric/optics/cpo_params.h"

#include "core/registry.h"

namespace litesim {

const ParamSet<CpoParams>& CpoParams::schema() {
  static const ParamSet<CpoParams> s(
      "cpo", "co-packaged optical transceivers of one package", [](ParamSet<CpoParams>& p) {
        p.string("name", &CpoParams::name, "label of this optics configuration").fallback("cpo");
        p.integer("engines", &CpoParams::engines, "optical engines carrying the lanes (0: electrical SerDes)")
            .non_negative()
            .fallback("1");
        p.integer("lanes", &CpoParams::lanes, "optical lanes per direction on the package (split among its links)")
            .at_least(1);
        p.quantity("lane_rate", &CpoParams::lane_rate, "line rate of one lane in one direction").positive();
        p.quantity("serdes_latency", &CpoParams::serdes_latency, "latency of one transceiver crossing (each end)")
            .non_negative();
        p.quantity("energy_per_bit", &CpoParams::energy_per_bit, "energy per bit through one transceiver (each end)")
            .non_negative();
        p.quantity("static_power_per_lane", &CpoParams::static_power_per_lane, "laser and idle power per lane")
            .non_negative();
      });
  return s;
}

namespace {
const BlockRegistrar reg(CpoParams::schema());
}

}  // namespace litesim
