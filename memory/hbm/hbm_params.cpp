#include "memory/hbm/hbm_params.h"

#include "core/registry.h"

namespace litesim {

const ParamSet<HbmParams>& HbmParams::schema() {
  static const ParamSet<HbmParams> s(
      "hbm", "HBM stacks of one package (bandwidth-latency model)", [](ParamSet<HbmParams>& p) {
        p.string("name", &HbmParams::name, "label of this memory configuration").fallback("hbm");
        p.integer("stacks", &HbmParams::stacks, "number of HBM stacks on the package").at_least(1);
        p.quantity("capacity", &HbmParams::capacity, "capacity of all stacks").positive();
        p.quantity("bandwidth", &HbmParams::bandwidth, "peak bandwidth of all stacks (reads and writes share it)")
            .positive();
        p.real("efficiency", &HbmParams::efficiency, "fraction of peak a stream achieves (0..1]")
            .fallback("1.0")
            .positive()
            .at_most(1.0);
        p.quantity("access_latency", &HbmParams::access_latency, "unloaded request-to-data latency").non_negative();
        p.quantity("read_energy", &HbmParams::read_energy, "energy per bit read (device + I/O)").non_negative();
        p.quantity("write_energy", &HbmParams::write_energy, "energy per bit written (device + I/O)").non_negative();
        p.quantity("static_power", &HbmParams::static_power, "background power of all stacks").non_negative();
      });
  return s;
}

namespace {
const BlockRegistrar reg(HbmParams::schema());
}

}  // namespace litesim
