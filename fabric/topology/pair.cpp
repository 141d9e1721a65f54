// `pair`: two GPUs joined by one link.
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct PairParams {
  static const ParamSet<PairParams>& schema() {
    static const ParamSet<PairParams> s("pair", "two GPUs, one link");
    return s;
  }
};

class PairTopology : public Topology {
 public:
  explicit PairTopology(const PairParams&) {
    const int a = add_gpu();
    const int b = add_gpu();
    add_link(a, b);
  }
};

const TopologyRegistrar<PairTopology, PairParams> reg("pair", "two GPUs joined by one point-to-point link");

}  // namespace
}  // namespace litesim
