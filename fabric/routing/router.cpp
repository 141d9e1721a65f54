#include "fabric/routing/router.h"

#include <stdexcept>

#include <fmt/format.h>

namespace litesim {

std::vector<RouteStep> Router::steps(const Topology& topo, int src_gpu, int dst_gpu, uint64_t flow) const {
  std::vector<RouteStep> hops;
  RouteQuery q;
  q.vertex = src_gpu;
  q.src_gpu = src_gpu;
  q.dst_gpu = dst_gpu;
  q.flow = flow;
  const size_t limit = static_cast<size_t>(topo.num_vertices()) * static_cast<size_t>(std::max(1, vcs()));
  while (q.vertex != dst_gpu) {
    const RouteChoice c = route(q);
    if (c.port < 0 || c.port >= topo.degree(q.vertex) || !topo.can_send(q.vertex, c.port))
      throw std::logic_error(fmt::format("router chose an unusable port {} at vertex {}", c.port, q.vertex));
    if (c.vc < 0 || c.vc >= vcs()) throw std::logic_error("router chose a virtual channel out of range");
    hops.push_back(RouteStep{q.vertex, c.port, c.vc});
    const auto [next, in_port] = topo.peer(q.vertex, c.port);
    q.vertex = next;
    q.in_port = in_port;
    q.in_vc = c.vc;
    if (hops.size() > limit) throw std::logic_error(fmt::format("routing loop from gpu{} to gpu{}", src_gpu, dst_gpu));
  }
  return hops;
}

std::vector<int> Router::path(const Topology& topo, int src_gpu, int dst_gpu, uint64_t flow,
                              std::vector<int>* vcs_out) const {
  std::vector<int> out{src_gpu};
  if (vcs_out) vcs_out->clear();
  for (const RouteStep& h : steps(topo, src_gpu, dst_gpu, flow)) {
    out.push_back(topo.peer(h.vertex, h.port).first);
    if (vcs_out) vcs_out->push_back(h.vc);
  }
  return out;
}

}  // namespace litesim
