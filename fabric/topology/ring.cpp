// `ring`: N GPUs; link i joins GPU i to GPU (i+1) mod N (link i is end a at GPU i, so GPU i's port
// 0 is its link to i-1 ... except GPU 0, whose port 0 is link 0 to GPU 1 and port 1 the link from
// N-1). `direction: uni` makes every link one-way, i -> i+1: traffic circulates one way only.
#include "fabric/topology/topology.h"

namespace litesim {
namespace {

struct RingParams {
  int gpus = 0;
  std::string direction;
  static const ParamSet<RingParams>& schema() {
    static const ParamSet<RingParams> s("ring", "N GPUs in a ring", [](ParamSet<RingParams>& p) {
      p.integer("gpus", &RingParams::gpus, "number of GPUs in the ring (use `pair` for two)").at_least(3).at_most(4096);
      p.choice("direction", &RingParams::direction, {"bi", "uni"},
               "bi: full-duplex links; uni: each link carries traffic i -> i+1 only")
          .fallback("bi");
    });
    return s;
  }
};

class RingTopology : public Topology {
 public:
  explicit RingTopology(const RingParams& p) {
    for (int i = 0; i < p.gpus; ++i) add_gpu();
    LinkOpts o;
    o.one_way = p.direction == "uni";
    for (const auto& [a, b] : ring_pairs(p.gpus)) add_link(a, b, o);
  }
};

const TopologyRegistrar<RingTopology, RingParams> reg(
    "ring", "N GPUs in a ring of point-to-point links (bi- or unidirectional)");

}  // namespace
}  // namespace litesim
