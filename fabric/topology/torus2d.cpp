// `torus2d`: an x-by-y grid of GPUs with wrap-around links in both dimensions. Numbering, link
// order and dimensions of size 1 or 2: grid.h.
#include <fmt/format.h>

#include "fabric/topology/grid.h"
#include "fabric/topology/topo_params.h"

namespace litesim {
namespace {

struct Torus2dParams {
  int x = 0, y = 0;
  static const ParamSet<Torus2dParams>& schema() {
    static const ParamSet<Torus2dParams> s(
        "torus2d", "x-by-y 2-D torus",
        [](ParamSet<Torus2dParams>& p) {
          p.integer("x", &Torus2dParams::x, "GPUs along dimension 0").at_least(1).at_most(4096);
          p.integer("y", &Torus2dParams::y, "GPUs along dimension 1").at_least(1).at_most(4096);
        },
        [](const Torus2dParams& p, const ParamWhere& w) {
          if (p.x * p.y < 2) w.fail("x", fmt::format("a torus needs at least 2 GPUs (got x*y = {})", p.x * p.y));
          if (p.x * p.y > 65536) w.fail("x", fmt::format("x*y = {} GPUs is above the 65536 supported", p.x * p.y));
        });
    return s;
  }
};

class Torus2dTopology : public GridTopology {
 public:
  explicit Torus2dTopology(const Torus2dParams& p) { build_grid({p.x, p.y}, true); }
};

const TopologyRegistrar<Torus2dTopology, Torus2dParams> reg("torus2d",
                                                            "x-by-y 2-D torus (wrap-around links in both dimensions)");

}  // namespace
}  // namespace litesim
