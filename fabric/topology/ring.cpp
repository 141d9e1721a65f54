// `ring`: N GPUs; link i joins GPU i to GPU (i+1) mod N (link i is end a at GPU i).
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct RingParams {
  int gpus = 0;
  static const ParamSet<RingParams>& schema() {
    static const ParamSet<RingParams> s("ring", "N GPUs in a bidirectional ring", [](ParamSet<RingParams>& p) {
      p.integer("gpus", &RingParams::gpus, "number of GPUs in the ring (use `pair` for two)").at_least(3).at_most(4096);
    });
    return s;
  }
};

class RingTopology : public Topology {
 public:
  explicit RingTopology(const RingParams& p) {
    for (int i = 0; i < p.gpus; ++i) add_gpu();
    for (int i = 0; i < p.gpus; ++i) add_link(i, (i + 1) % p.gpus);
  }
};

const TopologyRegistrar<RingTopology, RingParams> reg("ring", "N GPUs in a bidirectional ring of point-to-point links");

}  // namespace
}  // namespace litesim
