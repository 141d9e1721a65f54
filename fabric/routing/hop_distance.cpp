#include "fabric/routing/hop_distance.h"

#include <algorithm>
#include <deque>

namespace litesim {

void HopDistance::build(const Topology& topo) {
  const int n = topo.num_vertices();
  const int gpus = topo.num_gpus();
  vertices_ = n;
  diameter_ = 0;
  ports_ = PortTable(topo);
  std::vector<std::vector<int>> senders(static_cast<size_t>(n));  // [v] -> vertices that may send to v
  for (int v = 0; v < n; ++v)
    for (int p = 0; p < ports_.degree(v); ++p) {
      const int i = ports_.index(v, p);
      if (ports_.can_send(i)) senders[static_cast<size_t>(ports_.far(i))].push_back(v);
    }
  dist_.assign(static_cast<size_t>(n) * static_cast<size_t>(gpus), -1);
  for (int dst = 0; dst < gpus; ++dst) {
    int* d = &dist_[static_cast<size_t>(dst) * static_cast<size_t>(n)];
    d[dst] = 0;
    std::deque<int> queue{dst};
    while (!queue.empty()) {
      const int v = queue.front();
      queue.pop_front();
      // Backwards: u is one hop further than v if u may send to v (one-way links respected).
      for (int u : senders[static_cast<size_t>(v)]) {
        if (d[u] >= 0) continue;
        d[u] = d[v] + 1;
        queue.push_back(u);
      }
    }
    for (int v = 0; v < gpus; ++v) diameter_ = std::max(diameter_, d[v]);
  }
}

void HopDistance::minimal_ports(int vertex, int dst_gpu, std::vector<int>* out) const {
  out->clear();
  for (int p = 0; p < degree(vertex); ++p)
    if (minimal_port(vertex, p, dst_gpu)) out->push_back(p);
}

}  // namespace litesim
