// `torus3d`: an x-by-y-by-z grid of GPUs with wrap-around links in all three dimensions.
// Numbering, link order and dimensions of size 1 or 2: grid.h.
#include <fmt/format.h>

#include "fabric/topology/grid.h"
#include "fabric/topology/topo_params.h"

namespace litesim {
namespace {

struct Torus3dParams {
  int x = 0, y = 0, z = 0;
  static const ParamSet<Torus3dParams>& schema() {
    static const ParamSet<Torus3dParams> s(
        "torus3d", "x-by-y-by-z 3-D torus",
        [](ParamSet<Torus3dParams>& p) {
          p.integer("x", &Torus3dParams::x, "GPUs along dimension 0").at_least(1).at_most(1024);
          p.integer("y", &Torus3dParams::y, "GPUs along dimension 1").at_least(1).at_most(1024);
          p.integer("z", &Torus3dParams::z, "GPUs along dimension 2").at_least(1).at_most(1024);
        },
        [](const Torus3dParams& p, const ParamWhere& w) {
          const long n = static_cast<long>(p.x) * p.y * p.z;
          if (n < 2) w.fail("x", fmt::format("a torus needs at least 2 GPUs (got x*y*z = {})", n));
          if (n > 65536) w.fail("x", fmt::format("x*y*z = {} GPUs is above the 65536 supported", n));
        });
    return s;
  }
};

class Torus3dTopology : public GridTopology {
 public:
  explicit Torus3dTopology(const Torus3dParams& p) { build_grid({p.x, p.y, p.z}, true); }
};

const TopologyRegistrar<Torus3dTopology, Torus3dParams> reg(
    "torus3d", "x-by-y-by-z 3-D torus (wrap-around links in every dimension)");

}  // namespace
}  // namespace litesim
