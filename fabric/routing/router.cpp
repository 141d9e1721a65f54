#include "fabric/routing/router.h"

#include <stdexcept>

namespace litesim {

std::vector<int> Router::path(const Topology& topo, int src_gpu, int dst_gpu, uint64_t flow,
                              std::vector<int>* vcs_out) const {
  std::vector<int> out{src_gpu};
  if (vcs_out) vcs_out->clear();
  RouteQuery q;
  q.vertex = src_gpu;
  q.src_gpu = src_gpu;
  q.dst_gpu = dst_gpu;
  q.flow = flow;
  const int limit = topo.num_vertices() * std::max(1, vcs());
  while (q.vertex != dst_gpu) {
    const RouteChoice c = route(q);
    if (c.port < 0 || c.port >= topo.degree(q.vertex) || !topo.can_send(q.vertex, c.port))
      throw std::logic_error("router chose an unusable port");
    if (c.vc < 0 || c.vc >= vcs()) throw std::logic_error("router chose a virtual channel out of range");
    if (vcs_out) vcs_out->push_back(c.vc);
    const auto [next, in_port] = topo.peer(q.vertex, c.port);
    q.vertex = next;
    q.in_port = in_port;
    q.in_vc = c.vc;
    out.push_back(next);
    if (static_cast<int>(out.size()) > limit + 1) throw std::logic_error("routing loop");
  }
  return out;
}

}  // namespace litesim
