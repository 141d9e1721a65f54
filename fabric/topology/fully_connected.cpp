// `fully_connected`: every pair of GPUs joined by one direct link. Links are added pair by pair in
// lexicographic order (0-1, 0-2, ..., 0-(N-1), 1-2, ...), so GPU i's port to GPU j is j when j < i
// and j - 1 when j > i.
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct FullyConnectedParams {
  int gpus = 0;
  static const ParamSet<FullyConnectedParams>& schema() {
    static const ParamSet<FullyConnectedParams> s(
        "fully_connected", "every pair of GPUs directly linked", [](ParamSet<FullyConnectedParams>& p) {
          p.integer("gpus", &FullyConnectedParams::gpus, "number of GPUs (each has gpus - 1 links)")
              .at_least(2)
              .at_most(1024);
        });
    return s;
  }
};

class FullyConnectedTopology : public Topology {
 public:
  explicit FullyConnectedTopology(const FullyConnectedParams& p) {
    for (int i = 0; i < p.gpus; ++i) add_gpu();
    for (const auto& [a, b] : all_pairs(p.gpus)) add_link(a, b);
  }
};

const TopologyRegistrar<FullyConnectedTopology, FullyConnectedParams> reg(
    "fully_connected", "every pair of GPUs joined by a direct point-to-point link");

}  // namespace
}  // namespace litesim
