#pragma once
// Hop distances to every GPU over the directions links may carry (Topology::can_send), by one
// breadth-first search backwards from each destination. Shared by the minimal routers (`shortest`,
// `ecmp`) and by the minimality check (fabric/routing/deadlock.h), so all agree on what "minimal" is.
#include <vector>

#include "fabric/routing/port_table.h"
#include "fabric/topology/topology.h"

namespace litesim {

class HopDistance {
 public:
  HopDistance() = default;
  explicit HopDistance(const Topology& topo) { build(topo); }
  void build(const Topology& topo);
  // Hops from `vertex` to GPU `dst_gpu`; -1 when unreachable.
  int at(int vertex, int dst_gpu) const {
    return dist_[static_cast<size_t>(dst_gpu) * static_cast<size_t>(vertices_) + static_cast<size_t>(vertex)];
  }
  // Whether leaving `vertex` by `port` brings a packet one hop closer to `dst_gpu` (and may be sent on).
  bool minimal_port(int vertex, int port, int dst_gpu) const {
    const int here = at(vertex, dst_gpu);
    const int i = ports_.index(vertex, port);
    return here > 0 && ports_.can_send(i) && at(ports_.far(i), dst_gpu) == here - 1;
  }
  // The ports minimal_port() accepts, lowest first (*out is cleared first).
  void minimal_ports(int vertex, int dst_gpu, std::vector<int>* out) const;
  // The vertex's port count (as Topology::degree).
  int degree(int vertex) const { return ports_.degree(vertex); }
  // Longest GPU-to-GPU distance (0 with fewer than two GPUs).
  int diameter() const { return diameter_; }

 private:
  // [dst * vertices + vertex]: destination-major, so the per-destination loops of the routers'
  // build() and of the deadlock check walk memory in order (a 4096-GPU table is 64 MiB).
  std::vector<int> dist_;
  int vertices_ = 0;
  PortTable ports_;
  int diameter_ = 0;
};

}  // namespace litesim
