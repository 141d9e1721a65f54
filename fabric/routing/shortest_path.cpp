// `shortest`: minimum-hop routing. For every destination a breadth-first search from it gives each
// vertex its parent towards the destination; ties go to the lower-numbered port of the parent
// search (Boost visits edges in insertion order), so routes are deterministic.
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>

#include "fabric/routing/router.h"

namespace litesim {
namespace {

struct ShortestParams {
  static const ParamSet<ShortestParams>& schema() {
    static const ParamSet<ShortestParams> s("shortest", "minimum-hop routing");
    return s;
  }
};

class ShortestPathRouter : public Router {
 public:
  explicit ShortestPathRouter(const ShortestParams&) {}

  void build(const Topology& topo) override {
    const auto& g = topo.graph();
    const size_t n = boost::num_vertices(g);
    next_.assign(n, std::vector<int>(static_cast<size_t>(topo.num_gpus()), -1));
    for (int dst = 0; dst < topo.num_gpus(); ++dst) {
      std::vector<size_t> pred(n);
      for (size_t i = 0; i < n; ++i) pred[i] = i;
      boost::breadth_first_search(
          g, static_cast<size_t>(dst),
          boost::visitor(boost::make_bfs_visitor(boost::record_predecessors(pred.data(), boost::on_tree_edge()))));
      for (size_t v = 0; v < n; ++v) {
        if (static_cast<int>(v) == dst || pred[v] == v) continue;
        // the port at v of the edge towards its parent
        for (int p = 0; p < topo.degree(static_cast<int>(v)); ++p)
          if (topo.peer(static_cast<int>(v), p).first == static_cast<int>(pred[v])) {
            next_[v][static_cast<size_t>(dst)] = p;
            break;
          }
      }
    }
  }

  int next_port(int vertex, int dst_gpu) const override {
    const int p = next_.at(static_cast<size_t>(vertex)).at(static_cast<size_t>(dst_gpu));
    if (p < 0) throw std::logic_error("no route");
    return p;
  }

 private:
  std::vector<std::vector<int>> next_;
};

const RouterRegistrar<ShortestPathRouter, ShortestParams> reg("shortest", "minimum-hop routes by breadth-first search");

}  // namespace
}  // namespace litesim
