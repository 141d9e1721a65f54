#include "fabric/topology/grid.h"

namespace litesim {

void GridTopology::build_grid(const std::vector<int>& dims, bool torus, const std::vector<int>& ocs_per_dim,
                              const std::string& cls) {
  const int n_dims = static_cast<int>(dims.size());
  int n = 1;
  for (int k : dims) n *= k;
  // stride[d]: rank distance of one step along dimension d.
  std::vector<int> stride(dims.size(), 1);
  for (int d = 1; d < n_dims; ++d) stride[static_cast<size_t>(d)] = stride[static_cast<size_t>(d - 1)] * dims[static_cast<size_t>(d - 1)];
  for (int r = 0; r < n; ++r) {
    std::vector<int> coord;
    for (int d = 0; d < n_dims; ++d) coord.push_back(r / stride[static_cast<size_t>(d)] % dims[static_cast<size_t>(d)]);
    add_gpu(coord);
  }
  set_dims(dims);
  for (int d = 0; d < n_dims; ++d) {
    const size_t di = static_cast<size_t>(d);
    const int k = dims[di];
    for (int r = 0; r < n; ++r) {
      const int c = vertex(r).coord[di];
      LinkOpts o;
      o.dim = d;
      o.cls = cls;
      o.ocs = di < ocs_per_dim.size() ? ocs_per_dim[di] : -1;
      if (c + 1 < k) {
        add_link(r, r + stride[di], o);
      } else if (torus && k >= 3) {  // c == k - 1: the wrap link back to coordinate 0
        o.wrap = true;
        add_link(r, r - (k - 1) * stride[di], o);
      }
    }
  }
}

std::vector<int> GridTopology::bisection_side() const {
  if (dims().empty()) return Topology::bisection_side();
  size_t big = 0;
  for (size_t d = 1; d < dims().size(); ++d)
    if (dims()[d] > dims()[big]) big = d;
  std::vector<int> out;
  for (int r = 0; r < num_gpus(); ++r)
    if (vertex(r).coord[big] < dims()[big] / 2) out.push_back(r);
  return out;
}

}  // namespace litesim
