#include "fabric/topology/topology.h"

#include <stdexcept>

namespace litesim {

int Topology::add_gpu() {
  const auto v = boost::add_vertex(TopoVertex{TopoVertex::Kind::Gpu, gpus_}, g_);
  ++gpus_;
  return static_cast<int>(v);
}

void Topology::add_link(int u, int v) {
  if (u == v) throw std::logic_error("a link needs two different ends");
  TopoEdge e;
  e.id = num_links();
  e.u = u;
  e.v = v;
  e.port_u = degree(u);
  e.port_v = degree(v);
  boost::add_edge(static_cast<size_t>(u), static_cast<size_t>(v), e, g_);
}

std::vector<TopoEdge> Topology::links() const {
  std::vector<TopoEdge> out(static_cast<size_t>(num_links()));
  for (auto [it, end] = boost::edges(g_); it != end; ++it) out[static_cast<size_t>(g_[*it].id)] = g_[*it];
  return out;
}

std::pair<int, int> Topology::peer(int vertex, int port) const {
  for (auto [it, end] = boost::out_edges(static_cast<size_t>(vertex), g_); it != end; ++it) {
    const TopoEdge& e = g_[*it];
    if (e.u == vertex && e.port_u == port) return {e.v, e.port_v};
    if (e.v == vertex && e.port_v == port) return {e.u, e.port_u};
  }
  throw std::out_of_range("no such port");
}

}  // namespace litesim
