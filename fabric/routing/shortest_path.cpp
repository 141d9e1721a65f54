// `shortest`: minimum-hop routing. For every destination a breadth-first search backwards from it
// (over the directions links may carry) gives each vertex its distance (HopDistance); a packet
// leaves by the lowest-numbered port whose far end is one hop closer, so routes are deterministic
// and depend only on (vertex, destination).
// Virtual channels: build() checks the channel dependency graph (CDG) of these routes on a single
// VC (fabric/routing/deadlock.h). Acyclic (a pair, a star, a leaf-spine Clos: up/down routes):
// one VC, deadlock-free by Dally & Seitz (1987). Cyclic (rings, tori, meshes routed this way):
// the packet takes VC h on its h-th hop (hop-indexed buffer classes, Gunther 1981; Merlin &
// Schweitzer 1980): every dependency goes from class h to class h+1, so the CDG has no cycle;
// vcs() is then the longest route in hops (the diameter).
#include <stdexcept>

#include "fabric/routing/deadlock.h"
#include "fabric/routing/hop_distance.h"
#include "fabric/routing/router.h"

namespace litesim {
namespace {

struct ShortestParams {
  static const ParamSet<ShortestParams>& schema() {
    static const ParamSet<ShortestParams> s(
        "shortest", "minimum-hop routing, lowest port first; one VC when that is deadlock-free, else hop-indexed VCs");
    return s;
  }
};

class ShortestPathRouter : public Router {
 public:
  explicit ShortestPathRouter(const ShortestParams&) {}

  void build(const Topology& topo) override {
    const HopDistance dist(topo);
    const int n = topo.num_vertices();
    vertices_ = n;
    next_.assign(static_cast<size_t>(n) * static_cast<size_t>(topo.num_gpus()), -1);
    std::vector<int> ports;
    for (int dst = 0; dst < topo.num_gpus(); ++dst)
      for (int v = 0; v < n; ++v) {
        dist.minimal_ports(v, dst, &ports);
        if (!ports.empty()) next_[slot(v, dst)] = ports.front();
      }
    const CdgResult one_vc = check_destination_routes_single_vc(topo, [this](int v, int dst, std::vector<int>* out) {
      out->clear();
      const int p = next_[slot(v, dst)];
      if (p >= 0) out->push_back(p);
    });
    hop_indexed_ = !one_vc.acyclic;
    vcs_ = hop_indexed_ ? std::max(1, dist.diameter()) : 1;
  }

  RouteChoice route(const RouteQuery& q) const override {
    const int p = next_.at(slot(q.vertex, q.dst_gpu));
    if (p < 0) throw std::logic_error("no route");
    return {p, hop_indexed_ && q.in_port >= 0 ? q.in_vc + 1 : 0};
  }
  int vcs() const override { return vcs_; }

 private:
  // Destination-major, as HopDistance, so build() fills it in order.
  size_t slot(int vertex, int dst) const {
    return static_cast<size_t>(dst) * static_cast<size_t>(vertices_) + static_cast<size_t>(vertex);
  }
  std::vector<int> next_;  // [dst * vertices + vertex] -> port, -1 when none
  int vertices_ = 0;
  bool hop_indexed_ = false;
  int vcs_ = 1;
};

const RouterRegistrar<ShortestPathRouter, ShortestParams> reg(
    "shortest", "minimum-hop routes (lowest port first); one VC if deadlock-free, else hop-indexed VCs");

}  // namespace
}  // namespace litesim
