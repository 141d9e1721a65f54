#include "fabric/topology/topology.h"

#include <algorithm>
#include <stdexcept>

namespace litesim {

int Topology::add_gpu(std::vector<int> coord, int group) {
  if (switches_ > 0) throw std::logic_error("GPUs must be added before switches");
  TopoVertex tv;
  tv.kind = TopoVertex::Kind::Gpu;
  tv.index = gpus_;
  tv.role = "gpu";
  tv.group = group;
  tv.coord = std::move(coord);
  const auto v = boost::add_vertex(tv, g_);
  port_link_.emplace_back();
  ++gpus_;
  return static_cast<int>(v);
}

int Topology::add_switch(std::string role, int group) {
  TopoVertex tv;
  tv.kind = TopoVertex::Kind::Switch;
  tv.index = switches_++;
  tv.role = std::move(role);
  tv.group = group;
  const auto v = boost::add_vertex(tv, g_);
  port_link_.emplace_back();
  return static_cast<int>(v);
}

int Topology::add_ocs(int ports, std::string role) {
  ocs_.push_back(OcsUnit{ports, std::move(role), {}});
  return static_cast<int>(ocs_.size()) - 1;
}

int Topology::add_link(int u, int v, const LinkOpts& opts) {
  if (u == v) throw std::logic_error("a link needs two different ends");
  if (u < 0 || v < 0 || u >= num_vertices() || v >= num_vertices()) throw std::logic_error("link end out of range");
  TopoEdge e;
  static_cast<LinkOpts&>(e) = opts;
  e.id = num_links();
  e.u = u;
  e.v = v;
  e.port_u = degree(u);
  e.port_v = degree(v);
  if (e.ocs >= 0) {
    OcsUnit& unit = ocs_.at(static_cast<size_t>(e.ocs));
    if (2 * static_cast<int>(unit.links.size() + 1) > unit.ports) throw std::logic_error("OCS unit out of ports");
    unit.links.push_back(e.id);
  }
  boost::add_edge(static_cast<size_t>(u), static_cast<size_t>(v), e, g_);
  port_link_[static_cast<size_t>(u)].push_back(e.id);
  port_link_[static_cast<size_t>(v)].push_back(e.id);
  links_.push_back(e);
  return e.id;
}

const TopoEdge& Topology::link_at(int vertex, int port) const {
  return links_.at(static_cast<size_t>(port_link_.at(static_cast<size_t>(vertex)).at(static_cast<size_t>(port))));
}

std::pair<int, int> Topology::peer(int vertex, int port) const {
  const TopoEdge& e = link_at(vertex, port);
  if (e.u == vertex && e.port_u == port) return {e.v, e.port_v};
  return {e.u, e.port_u};
}

bool Topology::can_send(int vertex, int port) const {
  const TopoEdge& e = link_at(vertex, port);
  return !e.one_way || (e.u == vertex && e.port_u == port);
}

std::vector<std::pair<int, int>> ring_pairs(int n) {
  std::vector<std::pair<int, int>> out;
  if (n == 2) out.emplace_back(0, 1);
  if (n >= 3)
    for (int i = 0; i < n; ++i) out.emplace_back(i, (i + 1) % n);
  return out;
}

std::vector<std::pair<int, int>> all_pairs(int n) {
  std::vector<std::pair<int, int>> out;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) out.emplace_back(i, j);
  return out;
}

std::vector<int> Topology::bisection_side() const {
  std::vector<int> out;
  bool grouped = gpus_ > 0;
  int groups = 0;
  for (int r = 0; r < gpus_; ++r) {
    if (vertex(r).group < 0) grouped = false;
    groups = std::max(groups, vertex(r).group + 1);
  }
  if (grouped) {  // whole groups (leaves, dragonfly groups) on each side
    for (int r = 0; r < gpus_; ++r)
      if (vertex(r).group < groups / 2) out.push_back(r);
    return out;
  }
  for (int r = 0; r < gpus_ / 2; ++r) out.push_back(r);
  return out;
}

}  // namespace litesim
