#pragma once
// A topology's ports, flattened for the inner loops of the routing checks (Topology::peer and
// can_send go through two lookups each): port p of vertex v is number index(v, p), vertex by
// vertex, and each number knows the vertex at the port's far end and whether traffic may leave by
// it. Shared by HopDistance (fabric/routing/hop_distance.h) and the channel dependency graph
// (fabric/routing/deadlock.h).
#include <algorithm>
#include <cstddef>
#include <vector>

#include "fabric/topology/topology.h"

namespace litesim {

class PortTable {
 public:
  PortTable() = default;
  explicit PortTable(const Topology& topo) {
    for (int v = 0; v < topo.num_vertices(); ++v) {
      for (int p = 0; p < topo.degree(v); ++p) {
        far_.push_back(topo.peer(v, p).first);
        can_send_.push_back(topo.can_send(v, p));
      }
      base_.push_back(static_cast<int>(far_.size()));
    }
  }

  int vertices() const { return static_cast<int>(base_.size()) - 1; }
  // All vertices' ports.
  int ports() const { return base_.back(); }
  int index(int vertex, int port) const { return base_[static_cast<size_t>(vertex)] + port; }
  // The vertex's port count (as Topology::degree).
  int degree(int vertex) const { return base_[static_cast<size_t>(vertex) + 1] - base_[static_cast<size_t>(vertex)]; }
  // The vertex whose port `index` is: the last one whose port 0 is at or before it.
  int vertex_of(int index) const {
    const auto it = std::upper_bound(base_.begin(), base_.end(), index);
    return static_cast<int>(it - base_.begin()) - 1;
  }
  // The vertex at the far end of port `index` (Topology::peer), and whether the port may send.
  int far(int index) const { return far_[static_cast<size_t>(index)]; }
  bool can_send(int index) const { return can_send_[static_cast<size_t>(index)] != 0; }

 private:
  std::vector<int> base_ = std::vector<int>(1, 0);  // [vertex] -> index of its port 0; [vertices] = ports()
  std::vector<int> far_;                            // [port index] -> far-end vertex
  std::vector<char> can_send_;                      // [port index] -> Topology::can_send
};

}  // namespace litesim
