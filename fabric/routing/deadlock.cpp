#include "fabric/routing/deadlock.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

#include "fabric/routing/hop_distance.h"

namespace litesim {

std::string channel_name(const Topology& topo, const Channel& c) {
  const TopoVertex& v = topo.vertex(c.vertex);
  const char* kind = v.kind == TopoVertex::Kind::Gpu ? "gpu" : "switch";
  return fmt::format("{}{} port{} vc{}", kind, v.index, c.port, c.vc);
}

ChannelDependencyGraph::ChannelDependencyGraph(const Topology& topo, int vcs)
    : topo_(topo), vcs_(std::max(1, vcs)), ports_(topo) {
  used_.assign(static_cast<size_t>(ports_.ports()) * static_cast<size_t>(vcs_), 0);
  size_t bits = 0;
  for (int i = 0; i < ports_.ports(); ++i) {
    const size_t next = static_cast<size_t>(ports_.degree(ports_.far(i))) * static_cast<size_t>(vcs_);
    for (int vc = 0; vc < vcs_; ++vc) {
      succ_base_.push_back(bits);
      bits += next;
    }
  }
  succ_base_.push_back(bits);
  succ_.assign((bits + 63) / 64, 0);
}

int ChannelDependencyGraph::index(const Channel& c) const {
  if (c.vertex < 0 || c.vertex >= ports_.vertices() || c.port < 0 || c.port >= ports_.degree(c.vertex) || c.vc < 0 ||
      c.vc >= vcs_)
    throw std::logic_error(fmt::format("channel out of range: vertex {} port {} vc {}", c.vertex, c.port, c.vc));
  return ports_.index(c.vertex, c.port) * vcs_ + c.vc;
}

Channel ChannelDependencyGraph::channel(int index) const {
  const int port_index = index / vcs_;
  const int vertex = ports_.vertex_of(port_index);
  return Channel{vertex, port_index - ports_.index(vertex, 0), index % vcs_};
}

void ChannelDependencyGraph::add_dependency(const Channel& from, const Channel& to) {
  const int a = index(from);
  const int b = index(to);
  if (ports_.far(a / vcs_) != to.vertex)
    throw std::logic_error("dependency between channels that do not meet: " + channel_name(topo_, from) + " -> " +
                           channel_name(topo_, to));
  used_[static_cast<size_t>(a)] = 1;
  used_[static_cast<size_t>(b)] = 1;
  const size_t bit = succ_base_[static_cast<size_t>(a)] + static_cast<size_t>(to.port) * static_cast<size_t>(vcs_) +
                     static_cast<size_t>(to.vc);
  succ_[bit / 64] |= uint64_t{1} << (bit % 64);
}

void ChannelDependencyGraph::add_dependencies(const Channel& from, const std::vector<int>& to_ports, int to_vc) {
  const int a = index(from);
  const int u = ports_.far(a / vcs_);
  const int degree = ports_.degree(u);
  if (to_vc < 0 || to_vc >= vcs_) throw std::logic_error("dependency to a virtual channel out of range");
  used_[static_cast<size_t>(a)] = 1;
  const size_t base = succ_base_[static_cast<size_t>(a)];
  for (int q : to_ports) {
    if (q < 0 || q >= degree) throw std::logic_error("dependency to a port out of range");
    const size_t k = static_cast<size_t>(q) * static_cast<size_t>(vcs_) + static_cast<size_t>(to_vc);
    succ_[(base + k) / 64] |= uint64_t{1} << ((base + k) % 64);
    used_[static_cast<size_t>(ports_.index(u, 0)) * static_cast<size_t>(vcs_) + k] = 1;
  }
}

void ChannelDependencyGraph::add_route(const std::vector<Channel>& hops) {
  if (hops.size() == 1) used_[static_cast<size_t>(index(hops.front()))] = 1;
  for (size_t i = 1; i < hops.size(); ++i) add_dependency(hops[i - 1], hops[i]);
}

namespace {

using Cdg = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Records DFS tree parents and the first back edge (an edge to a vertex still on the DFS stack:
// exactly the edges that close a cycle).
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<int>* parent;
  std::pair<int, int>* back;  // (-1, -1) until found
  void tree_edge(Cdg::edge_descriptor e, const Cdg& g) const {
    (*parent)[boost::target(e, g)] = static_cast<int>(boost::source(e, g));
  }
  void back_edge(Cdg::edge_descriptor e, const Cdg& g) const {
    if (back->first < 0) *back = {static_cast<int>(boost::source(e, g)), static_cast<int>(boost::target(e, g))};
  }
};

}  // namespace

CdgResult ChannelDependencyGraph::check() const {
  CdgResult r;
  r.channels = static_cast<int>(std::count(used_.begin(), used_.end(), 1));
  // Edges in channel order: the same routes give the same graph and the same reported cycle.
  Cdg g(used_.size());
  for (size_t a = 0; a < used_.size(); ++a) {
    if (!used_[a]) continue;
    const int u = ports_.far(static_cast<int>(a) / vcs_);
    for (size_t bit = succ_base_[a]; bit < succ_base_[a + 1]; ++bit) {
      if (!(succ_[bit / 64] >> (bit % 64) & 1)) continue;
      const int k = static_cast<int>(bit - succ_base_[a]);
      boost::add_edge(a, static_cast<size_t>(index(Channel{u, k / vcs_, k % vcs_})), g);
      ++r.dependencies;
    }
  }
  std::vector<int> parent(used_.size(), -1);
  std::pair<int, int> back{-1, -1};
  CycleFinder finder;
  finder.parent = &parent;
  finder.back = &back;
  std::vector<boost::default_color_type> color(used_.size());
  boost::depth_first_search(g, boost::visitor(finder).color_map(boost::make_iterator_property_map(
                                   color.begin(), boost::get(boost::vertex_index, g))));
  if (back.first < 0) return r;
  r.acyclic = false;
  // back = (u, v) with v an ancestor of u: the cycle is v -> ... -> u (tree path) -> v.
  std::vector<int> rev;
  for (int x = back.first; x != back.second; x = parent[static_cast<size_t>(x)]) rev.push_back(x);
  rev.push_back(back.second);
  for (auto it = rev.rbegin(); it != rev.rend(); ++it) r.cycle.push_back(channel(*it));
  for (const Channel& c : r.cycle) r.cycle_text += channel_name(topo_, c) + " -> ";
  r.cycle_text += channel_name(topo_, r.cycle.front());
  return r;
}

std::vector<Channel> route_channels(const Topology& topo, const Router& router, int src_gpu, int dst_gpu,
                                    uint64_t flow) {
  std::vector<Channel> hops;
  for (const RouteStep& h : router.steps(topo, src_gpu, dst_gpu, flow)) hops.push_back(Channel{h.vertex, h.port, h.vc});
  return hops;
}

CdgResult check_deadlock_free(const Topology& topo, const Router& router, const CdgOptions& opts) {
  ChannelDependencyGraph cdg(topo, opts.single_vc ? 1 : router.vcs());
  const int n = topo.num_gpus();
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d) {
      if (s == d) continue;
      for (uint64_t f = 0; f < std::max<uint64_t>(1, opts.flows); ++f) {
        std::vector<Channel> hops = route_channels(topo, router, s, d, f);
        if (opts.single_vc)
          for (Channel& c : hops) c.vc = 0;
        cdg.add_route(hops);
      }
    }
  return cdg.check();
}

CdgResult check_destination_routes_single_vc(const Topology& topo, const NextPorts& next) {
  ChannelDependencyGraph cdg(topo, 1);
  const int n = topo.num_vertices();
  std::vector<std::vector<int>> ports(static_cast<size_t>(n));
  std::vector<char> seen(static_cast<size_t>(n));
  std::vector<int> stack, order;
  for (int dst = 0; dst < topo.num_gpus(); ++dst) {
    // The vertices some route to dst passes: everything the allowed choices reach from the GPUs.
    std::fill(seen.begin(), seen.end(), 0);
    order.clear();
    for (int s = 0; s < topo.num_gpus(); ++s) {
      if (s == dst || seen[static_cast<size_t>(s)]) continue;
      seen[static_cast<size_t>(s)] = 1;
      stack.push_back(s);
      while (!stack.empty()) {
        const int v = stack.back();
        stack.pop_back();
        order.push_back(v);
        std::vector<int>& pv = ports[static_cast<size_t>(v)];
        next(v, dst, &pv);
        for (int p : pv) {
          const int u = topo.peer(v, p).first;
          if (u == dst || seen[static_cast<size_t>(u)]) continue;
          seen[static_cast<size_t>(u)] = 1;
          stack.push_back(u);
        }
      }
    }
    // A packet at v leaving by p reaches u, and leaves u by any of u's choices.
    for (int v : order)
      for (int p : ports[static_cast<size_t>(v)]) {
        const int u = topo.peer(v, p).first;
        if (u == dst) {
          cdg.add_route({Channel{v, p, 0}});
          continue;
        }
        cdg.add_dependencies(Channel{v, p, 0}, ports[static_cast<size_t>(u)], 0);
      }
  }
  return cdg.check();
}

MinimalityResult check_minimal(const Topology& topo, const Router& router, uint64_t flows) {
  const HopDistance dist(topo);
  MinimalityResult r;
  const int n = topo.num_gpus();
  for (int s = 0; s < n; ++s)
    for (int d = 0; d < n; ++d) {
      if (s == d) continue;
      for (uint64_t f = 0; f < std::max<uint64_t>(1, flows); ++f) {
        const int hops = static_cast<int>(route_channels(topo, router, s, d, f).size());
        ++r.routes;
        if (hops != dist.at(s, d) && r.minimal) {
          r.minimal = false;
          r.first_violation = fmt::format("gpu{} -> gpu{} flow {}: {} hops, shortest {}", s, d, f, hops, dist.at(s, d));
        }
      }
    }
  return r;
}

}  // namespace litesim
