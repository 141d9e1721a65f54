#include "fabric/topology/properties.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

// GCC's -Wmaybe-uninitialized misfires inside Boost.Graph's edge iterator (a boost::optional it
// copies) once boykov_kolmogorov_max_flow is inlined; the warning points into the Boost header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/boykov_kolmogorov_max_flow.hpp>

namespace litesim {
namespace {

// The residual-network graph boykov_kolmogorov_max_flow works on. Capacities are whole bits per
// second, so the cut is exact for any rate the configs can express.
using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS,
    boost::property<boost::vertex_color_t, boost::default_color_type,
                    boost::property<boost::vertex_distance_t, long,
                                    boost::property<boost::vertex_predecessor_t, FlowTraits::edge_descriptor>>>,
    boost::property<boost::edge_capacity_t, int64_t,
                    boost::property<boost::edge_residual_capacity_t, int64_t,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

void add_arc(FlowGraph& g, size_t u, size_t v, int64_t cap) {
  const auto e = boost::add_edge(u, v, g).first;
  const auto r = boost::add_edge(v, u, g).first;
  boost::put(boost::edge_capacity, g, e, cap);
  boost::put(boost::edge_capacity, g, r, int64_t{0});
  boost::put(boost::edge_reverse, g, e, r);
  boost::put(boost::edge_reverse, g, r, e);
}

// Max flow from `side` to the other GPUs through a super source and sink, in bit/s.
int64_t bisection_bps(const Topology& t, const std::vector<int>& side, const std::vector<int64_t>& rate_bps) {
  const size_t n = static_cast<size_t>(t.num_vertices());
  std::vector<bool> in_side(static_cast<size_t>(t.num_gpus()), false);
  for (int g : side) in_side[static_cast<size_t>(g)] = true;
  if (side.empty() || static_cast<int>(side.size()) == t.num_gpus()) return 0;
  FlowGraph g(n + 2);
  const size_t src = n, sink = n + 1;
  int64_t total = 1;
  for (const TopoEdge& e : t.links()) {
    const int64_t r = rate_bps[static_cast<size_t>(e.id)];
    add_arc(g, static_cast<size_t>(e.u), static_cast<size_t>(e.v), r);
    if (!e.one_way) add_arc(g, static_cast<size_t>(e.v), static_cast<size_t>(e.u), r);
    total += 2 * r;
  }
  for (int v = 0; v < t.num_gpus(); ++v) {
    if (in_side[static_cast<size_t>(v)])
      add_arc(g, src, static_cast<size_t>(v), total);  // "infinite": more than every link together
    else
      add_arc(g, static_cast<size_t>(v), sink, total);
  }
  return boost::boykov_kolmogorov_max_flow(g, src, sink);
}

}  // namespace

std::vector<int> hop_distances(const Topology& t, int src) {
  std::vector<int> dist(static_cast<size_t>(t.num_vertices()), -1);
  std::deque<int> q{src};
  dist[static_cast<size_t>(src)] = 0;
  while (!q.empty()) {
    const int v = q.front();
    q.pop_front();
    for (int p = 0; p < t.degree(v); ++p) {
      if (!t.can_send(v, p)) continue;
      const int w = t.peer(v, p).first;
      if (dist[static_cast<size_t>(w)] >= 0) continue;
      dist[static_cast<size_t>(w)] = dist[static_cast<size_t>(v)] + 1;
      q.push_back(w);
    }
  }
  return dist;
}

TopologyProperties topology_properties(const Topology& t, const std::function<LinkBudget(const TopoEdge&)>& budget) {
  TopologyProperties p;
  p.gpus = t.num_gpus();
  p.switches = t.num_switches();
  p.ocs_units = static_cast<int>(t.ocs_units().size());
  p.links = t.num_links();

  std::vector<int64_t> rate_bps;
  std::vector<int> lanes_of(static_cast<size_t>(t.num_vertices()), 0);
  for (const TopoEdge& e : t.links()) {
    const LinkBudget b = budget(e);
    rate_bps.push_back(static_cast<int64_t>(std::llround(b.rate_bps)));
    p.optical_lanes += b.optical_lanes;
    p.static_optical_W += b.static_W;
    lanes_of[static_cast<size_t>(e.u)] += b.lanes;
    lanes_of[static_cast<size_t>(e.v)] += b.lanes;
    ++p.link_classes[e.cls.empty() ? "none" : e.cls];
  }
  for (int g = 0; g < t.num_gpus(); ++g) {
    p.max_gpu_degree = std::max(p.max_gpu_degree, t.degree(g));
    p.max_gpu_lanes = std::max(p.max_gpu_lanes, lanes_of[static_cast<size_t>(g)]);
  }

  // Hop counts: one BFS per GPU (the topologies are sparse; N BFS are O(N (V + E))).
  double sum = 0;
  int64_t pairs = 0;
  for (int s = 0; s < t.num_gpus(); ++s) {
    const std::vector<int> dist = hop_distances(t, s);
    for (int d = 0; d < t.num_gpus(); ++d) {
      if (d == s) continue;
      const int h = dist[static_cast<size_t>(d)];
      if (h < 0) {
        p.connected = false;
        continue;
      }
      p.diameter = std::max(p.diameter, h);
      sum += h;
      ++pairs;
    }
  }
  if (!p.connected) p.diameter = -1;
  p.avg_hops = pairs > 0 ? sum / static_cast<double>(pairs) : 0;

  const std::vector<int> side = t.bisection_side();
  p.bisection_gpus = static_cast<int>(side.size());
  p.bisection_GBps = static_cast<double>(bisection_bps(t, side, rate_bps)) / 8 / 1e9;
  return p;
}

}  // namespace litesim

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
