// `ocs_direct`: GPUs joined directly, every link an optical circuit through an optical circuit
// switch (OCS) rather than a fixed fibre, so the pattern (`logical`) is a setting of the OCS units,
// not of the cabling (as TPU v4 builds its 3-D tori; Jouppi et al., ISCA 2023).
//
//  - logical: torus2d | torus3d (x, y[, z]): the torus of grid.h (same numbering, dims, wrap
//    marks), one OCS unit per dimension that has links (role "dim0", "dim1", "dim2");
//  - logical: ring (gpus): the ring of `ring` (link i joins i and i+1), one unit (role "ring");
//  - logical: fully_connected (gpus): the pairs of `fully_connected`, one unit (role "fully_connected").
// Each circuit takes two ports of its unit. `ocs_ports` (0: just enough) sets every unit's port
// count; a unit needs 2 x its circuits, which for a torus dimension of size >= 3 is 2 x GPUs.
// The OCS is not a vertex: GPUs have degree as in the fixed topology; link class "circuit".
#include <algorithm>

#include <fmt/format.h>

#include "fabric/topology/grid.h"
#include "fabric/topology/topo_params.h"

namespace litesim {
namespace {

struct OcsDirectParams {
  std::string logical;
  int gpus = 0;
  int x = 0, y = 0, z = 0;
  int ocs_ports = 0;

  std::vector<int> dims() const {
    if (logical == "torus2d") return {x, y};
    if (logical == "torus3d") return {x, y, z};
    return {};
  }
  int num_gpus() const {
    int n = 1;
    for (int k : dims()) n *= k;
    return dims().empty() ? gpus : n;
  }
  // Circuits in each OCS unit, in unit order.
  std::vector<int> circuits_per_unit() const {
    if (logical == "ring") return {gpus};
    if (logical == "fully_connected") return {gpus * (gpus - 1) / 2};
    std::vector<int> out;
    for (int k : dims())
      if (GridTopology::line_links(k, true) > 0) out.push_back(num_gpus() / k * GridTopology::line_links(k, true));
    return out;
  }

  static const ParamSet<OcsDirectParams>& schema() {
    static const ParamSet<OcsDirectParams> s(
        "ocs_direct", "direct GPU-to-GPU circuits through optical circuit switches",
        [](ParamSet<OcsDirectParams>& p) {
          p.choice("logical", &OcsDirectParams::logical, {"ring", "torus2d", "torus3d", "fully_connected"},
                   "the pattern the circuits form");
          p.integer("gpus", &OcsDirectParams::gpus, "GPUs (logical ring or fully_connected only)")
              .non_negative()
              .at_most(1024)
              .fallback("0");
          p.integer("x", &OcsDirectParams::x, "GPUs along dimension 0 (torus only)")
              .non_negative()
              .at_most(1024)
              .fallback("0");
          p.integer("y", &OcsDirectParams::y, "GPUs along dimension 1 (torus only)")
              .non_negative()
              .at_most(1024)
              .fallback("0");
          p.integer("z", &OcsDirectParams::z, "GPUs along dimension 2 (torus3d only)")
              .non_negative()
              .at_most(1024)
              .fallback("0");
          p.integer("ocs_ports", &OcsDirectParams::ocs_ports, "ports of each OCS unit (0: just enough)")
              .non_negative()
              .at_most(1 << 20)
              .fallback("0");
        },
        [](const OcsDirectParams& p, const ParamWhere& w) {
          // A size that the pattern does not use must stay 0 (its default, which `litesim config`
          // prints, so 0 is allowed).
          const bool torus = !p.dims().empty();
          auto unused = [&](const char* key, int value) {
            if (value != 0) w.fail(key, fmt::format("not a parameter of logical: {} (leave it out)", p.logical));
          };
          if (torus) unused("gpus", p.gpus);
          if (!torus) unused("x", p.x), unused("y", p.y);
          if (p.logical != "torus3d") unused("z", p.z);
          if (torus) {
            const std::vector<std::string> keys = {"x", "y", "z"};
            long n = 1;
            for (size_t d = 0; d < p.dims().size(); ++d) {
              if (p.dims()[d] < 1) w.fail(keys[d], fmt::format("logical: {} needs {} >= 1", p.logical, keys[d]));
              n *= p.dims()[d];
            }
            if (n < 2 || n > 65536) w.fail("x", fmt::format("the torus must have 2 to 65536 GPUs (got {})", n));
          } else {
            const int min = p.logical == "ring" ? 3 : 2;
            if (p.gpus < min)
              w.fail("gpus", fmt::format("logical: {} needs gpus >= {} (got {})", p.logical, min, p.gpus));
          }
          const auto c = p.circuits_per_unit();
          const int need = 2 * (c.empty() ? 0 : *std::max_element(c.begin(), c.end()));
          if (p.ocs_ports > 0 && p.ocs_ports < need)
            w.fail("ocs_ports", fmt::format("an OCS unit of logical: {} holds {} circuits and needs {} ports (got {})",
                                            p.logical, need / 2, need, p.ocs_ports));
        });
    return s;
  }
};

class OcsDirectTopology : public GridTopology {
 public:
  explicit OcsDirectTopology(const OcsDirectParams& p) {
    const std::vector<int> circuits = p.circuits_per_unit();
    auto ports = [&](size_t unit) { return p.ocs_ports > 0 ? p.ocs_ports : 2 * circuits[unit]; };
    LinkOpts o;
    o.cls = "circuit";
    if (p.logical == "ring" || p.logical == "fully_connected") {
      for (int i = 0; i < p.gpus; ++i) add_gpu();
      o.ocs = add_ocs(ports(0), p.logical);
      for (const auto& [a, b] : p.logical == "ring" ? ring_pairs(p.gpus) : all_pairs(p.gpus)) add_link(a, b, o);
      return;
    }
    std::vector<int> unit_of_dim;
    size_t unit = 0;
    for (size_t d = 0; d < p.dims().size(); ++d) {
      const bool has_links = GridTopology::line_links(p.dims()[d], true) > 0;
      unit_of_dim.push_back(has_links ? add_ocs(ports(unit), fmt::format("dim{}", d)) : -1);
      if (has_links) ++unit;
    }
    build_grid(p.dims(), true, unit_of_dim, "circuit");
  }
};

const TopologyRegistrar<OcsDirectTopology, OcsDirectParams> reg(
    "ocs_direct", "direct GPU-to-GPU circuits through optical circuit switches (ring, torus or fully connected)");

}  // namespace
}  // namespace litesim
