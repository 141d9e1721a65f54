// `shortest`: minimum-hop routing. For every destination a breadth-first search backwards from it
// (over the directions links may carry) gives each vertex its distance; a packet leaves by the
// lowest-numbered port whose far end is one hop closer, so routes are deterministic.
// Deadlock freedom: a packet takes virtual channel h on its h-th hop (hop-indexed buffer classes,
// Gunther 1981): every dependency goes from class h to class h+1, so the channel dependency graph
// has no cycle. vcs() is therefore the longest route in hops (the diameter).
#include <deque>
#include <stdexcept>

#include "fabric/routing/router.h"

namespace litesim {
namespace {

struct ShortestParams {
  static const ParamSet<ShortestParams>& schema() {
    static const ParamSet<ShortestParams> s("shortest", "minimum-hop routing with hop-indexed virtual channels");
    return s;
  }
};

class ShortestPathRouter : public Router {
 public:
  explicit ShortestPathRouter(const ShortestParams&) {}

  void build(const Topology& topo) override {
    const int n = topo.num_vertices();
    const int gpus = topo.num_gpus();
    next_.assign(static_cast<size_t>(n) * static_cast<size_t>(gpus), -1);
    gpus_ = gpus;
    int longest = 0;
    for (int dst = 0; dst < gpus; ++dst) {
      std::vector<int> dist(static_cast<size_t>(n), -1);
      dist[static_cast<size_t>(dst)] = 0;
      std::deque<int> queue{dst};
      while (!queue.empty()) {
        const int v = queue.front();
        queue.pop_front();
        for (int p = 0; p < topo.degree(v); ++p) {
          const auto [u, up] = topo.peer(v, p);
          // u can reach v through u's port up if u may send there
          if (dist[static_cast<size_t>(u)] >= 0 || !topo.can_send(u, up)) continue;
          // only GPUs that are the destination end traffic; other GPUs forward (direct topologies)
          dist[static_cast<size_t>(u)] = dist[static_cast<size_t>(v)] + 1;
          queue.push_back(u);
        }
      }
      for (int v = 0; v < n; ++v) {
        if (v == dst || dist[static_cast<size_t>(v)] < 0) continue;
        if (v < gpus) longest = std::max(longest, dist[static_cast<size_t>(v)]);
        for (int p = 0; p < topo.degree(v); ++p) {
          const int u = topo.peer(v, p).first;
          if (topo.can_send(v, p) && dist[static_cast<size_t>(u)] == dist[static_cast<size_t>(v)] - 1) {
            next_[static_cast<size_t>(v) * static_cast<size_t>(gpus) + static_cast<size_t>(dst)] = p;
            break;
          }
        }
      }
    }
    vcs_ = std::max(1, longest);
  }

  RouteChoice route(const RouteQuery& q) const override {
    const int p = next_.at(static_cast<size_t>(q.vertex) * static_cast<size_t>(gpus_) + static_cast<size_t>(q.dst_gpu));
    if (p < 0) throw std::logic_error("no route");
    return {p, q.in_port < 0 ? 0 : q.in_vc + 1};
  }
  int vcs() const override { return vcs_; }

 private:
  std::vector<int> next_;  // [vertex * gpus + dst] -> port
  int gpus_ = 0;
  int vcs_ = 1;
};

const RouterRegistrar<ShortestPathRouter, ShortestParams> reg("shortest",
                                                               "minimum-hop routes, hop-indexed virtual channels");

}  // namespace
}  // namespace litesim
