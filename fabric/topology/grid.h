#pragma once
// Meshes and tori (k-ary n-cubes) on a grid of GPUs, shared by mesh2d, torus2d, torus3d and the
// torus patterns of ocs_direct.
//
// Numbering: GPU rank r has coordinate (c0, c1, c2) with r = c0 + d0 * (c1 + d1 * c2) (dimension 0
// varies fastest). Links are added dimension by dimension, and within a dimension GPU by GPU in
// rank order, each GPU adding the link to its + neighbour (end a = the GPU with the lower
// coordinate, except the wrap link, whose end a is the GPU at k-1). A GPU's ports therefore follow
// the order its links were added in, not a fixed (dim, direction) slot: use Topology::peer().
//
// Small torus dimensions: size 1 adds no link; size 2 adds one link (0-1), not a second parallel
// "wrap" link between the same two GPUs, and that link is not marked wrap (a 2-ring has no cycle,
// so it needs no dateline). Every dimension of size >= 3 adds k links, the last (k-1 -> 0) marked wrap.
#include <vector>

#include "fabric/topology/topology.h"

namespace litesim {

class GridTopology : public Topology {
 public:
  // The GPUs below the middle of the largest dimension (the first one on ties): the cut a torus or
  // mesh bisection is quoted for. Falls back to ranks [0, N/2) when the topology has no dims().
  std::vector<int> bisection_side() const override;

  // Links along one line of k GPUs: k - 1 for a mesh; for a torus k when k >= 3, else k - 1.
  static int line_links(int k, bool torus) { return torus && k >= 3 ? k : (k > 0 ? k - 1 : 0); }

 protected:
  // Adds every GPU, then every link. ocs_per_dim[d] (when given) is the OCS unit the links of
  // dimension d are circuits through; `cls` names the links' class (may be empty).
  void build_grid(const std::vector<int>& dims, bool torus, const std::vector<int>& ocs_per_dim = {},
                  const std::string& cls = "");
};

}  // namespace litesim
