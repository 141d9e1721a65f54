#include "fabric/link/link_params.h"

#include "core/registry.h"

namespace litesim {

const ParamSet<LinkParams>& LinkParams::schema() {
  static const ParamSet<LinkParams> s("link", "point-to-point full-duplex optical link", [](ParamSet<LinkParams>& p) {
    p.integer("lanes", &LinkParams::lanes, "lanes per direction taken from each end's CPO").at_least(1);
    p.quantity("fibre_length", &LinkParams::fibre_length, "fibre length between the two packages").non_negative();
    p.quantity("propagation_delay", &LinkParams::propagation_delay, "time of flight per metre of fibre").non_negative();
  });
  return s;
}

namespace {
const BlockRegistrar reg(LinkParams::schema());
}

}  // namespace litesim
