#include "fabric/routing/router.h"

#include <stdexcept>

namespace litesim {

std::vector<int> Router::path(const Topology& topo, int src_gpu, int dst_gpu) const {
  std::vector<int> out{src_gpu};
  int cur = src_gpu;
  const int limit = static_cast<int>(boost::num_vertices(topo.graph()));
  while (cur != dst_gpu) {
    cur = topo.peer(cur, next_port(cur, dst_gpu)).first;
    out.push_back(cur);
    if (static_cast<int>(out.size()) > limit + 1) throw std::logic_error("routing loop");
  }
  return out;
}

}  // namespace litesim
