// `mesh2d`: an x-by-y grid of GPUs, each linked to its neighbours along both dimensions (no wrap).
// Numbering and link order: grid.h.
#include <fmt/format.h>

#include "fabric/topology/grid.h"
#include "fabric/topology/topo_params.h"

namespace litesim {
namespace {

struct Mesh2dParams {
  int x = 0, y = 0;
  static const ParamSet<Mesh2dParams>& schema() {
    static const ParamSet<Mesh2dParams> s(
        "mesh2d", "x-by-y 2-D mesh",
        [](ParamSet<Mesh2dParams>& p) {
          p.integer("x", &Mesh2dParams::x, "GPUs along dimension 0").at_least(1).at_most(4096);
          p.integer("y", &Mesh2dParams::y, "GPUs along dimension 1").at_least(1).at_most(4096);
        },
        [](const Mesh2dParams& p, const ParamWhere& w) {
          if (p.x * p.y < 2) w.fail("x", fmt::format("a mesh needs at least 2 GPUs (got x*y = {})", p.x * p.y));
          if (p.x * p.y > 65536) w.fail("x", fmt::format("x*y = {} GPUs is above the 65536 supported", p.x * p.y));
        });
    return s;
  }
};

class Mesh2dTopology : public GridTopology {
 public:
  explicit Mesh2dTopology(const Mesh2dParams& p) { build_grid({p.x, p.y}, false); }
};

const TopologyRegistrar<Mesh2dTopology, Mesh2dParams> reg("mesh2d", "x-by-y 2-D mesh of point-to-point links");

}  // namespace
}  // namespace litesim
