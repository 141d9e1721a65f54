#pragma once
// A rack topology: a Boost.Graph of GPUs and electrical packet switches joined by full-duplex
// links. An optical circuit switch (OCS) is not a vertex: it buffers nothing and makes no routing
// decision, so each circuit it holds is a link (GPU to GPU, or to a switch) marked with the OCS
// unit it passes through; the units themselves (ports, circuits) are listed beside the graph. Each
// vertex numbers its links as ports 0, 1, ... in the order they were added. Topologies register by
// name (category "topology") and are chosen by `fabric.topology.kind`.
//
// Invariants every topology keeps (the routers and backends rely on them):
//  - GPUs are added before any switch, so GPU rank r is vertex r (vertices >= num_gpus() are switches);
//  - a link's optional overrides (lanes, fibre length) apply to that link only; 0 / negative means
//    "as fabric.link";
//  - mesh and torus topologies give every GPU its coordinate (dims()) and mark each link with the
//    dimension it runs along and whether it is a wrap-around link (the dateline for deadlock-free
//    dimension-order routing).
#include <string>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "core/params.h"
#include "core/registry.h"

namespace litesim {

struct TopoVertex {
  enum class Kind { Gpu, Switch } kind = Kind::Gpu;
  int index = 0;           // GPU rank for GPUs; switch number (0, 1, ...) for switches
  std::string role;        // what the vertex is in its topology ("leaf", "spine", "router", ...), for reports
  int group = -1;          // group number (dragonfly group, hierarchical level-0 group), -1 when none
  std::vector<int> coord;  // position in dims() for mesh/torus GPUs; empty otherwise
};

// Per-link options for Topology::add_link, kept by the link (TopoEdge).
struct LinkOpts {
  int lanes = 0;         // lanes per direction; 0: fabric.link.lanes
  double fibre_m = -1;   // fibre length in metres; negative: fabric.link.fibre_length
  int dim = -1;          // mesh/torus dimension the link runs along; -1 when none
  bool wrap = false;     // torus wrap-around link (crosses the dateline of its dimension)
  std::string cls;       // link class for reports: "local", "global", "up", ... (may be empty)
  bool one_way = false;  // traffic may only flow u -> v (a unidirectional ring)
  int ocs = -1;          // OCS unit (from add_ocs) this link is a circuit through; -1 for a plain fibre
};

struct TopoEdge : LinkOpts {
  int id = 0;                  // link number
  int u = 0, v = 0;            // end vertices (u = end "a", v = end "b")
  int port_u = 0, port_v = 0;  // port number at each end
};

// One optical circuit switch: its port count and the links (circuits) it currently holds.
struct OcsUnit {
  int ports = 0;
  std::string role;
  std::vector<int> links;
};

using TopoGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, TopoVertex, TopoEdge>;

class Topology {
 public:
  virtual ~Topology() = default;
  const TopoGraph& graph() const { return g_; }
  int num_gpus() const { return gpus_; }
  int num_vertices() const { return static_cast<int>(boost::num_vertices(g_)); }
  int num_switches() const { return num_vertices() - gpus_; }
  int num_links() const { return static_cast<int>(boost::num_edges(g_)); }
  int degree(int vertex) const { return static_cast<int>(boost::out_degree(static_cast<size_t>(vertex), g_)); }
  const TopoVertex& vertex(int v) const { return g_[static_cast<size_t>(v)]; }
  bool is_gpu(int v) const { return v < gpus_; }
  // Links in id order.
  const std::vector<TopoEdge>& links() const { return links_; }
  // The far end (vertex, port) of `port` at `vertex`.
  std::pair<int, int> peer(int vertex, int port) const;
  // Whether traffic may leave `vertex` through `port` (false only on the far end of a one-way link).
  bool can_send(int vertex, int port) const;
  // The link at (vertex, port).
  const TopoEdge& link_at(int vertex, int port) const;
  const std::vector<OcsUnit>& ocs_units() const { return ocs_; }
  // Mesh/torus extent per dimension (empty for other topologies).
  const std::vector<int>& dims() const { return dims_; }
  // GPUs on one side of this topology's canonical bisection (the cut its bisection bandwidth is
  // quoted for). Default: when every GPU has a group, the GPUs of the first half of the groups
  // (whole leaves, dragonfly groups, hierarchical groups); otherwise ranks [0, num_gpus/2).
  // Topologies whose natural halves differ (grids) override it.
  virtual std::vector<int> bisection_side() const;

 protected:
  // Must all come before the first add_switch (GPU rank r is vertex r).
  int add_gpu(std::vector<int> coord = {}, int group = -1);
  int add_switch(std::string role, int group = -1);
  // An OCS unit with `ports` ports; links added with LinkOpts::ocs = its number take two of its ports.
  int add_ocs(int ports, std::string role);
  int add_link(int u, int v, const LinkOpts& opts = {});
  void set_dims(std::vector<int> dims) { dims_ = std::move(dims); }

 private:
  TopoGraph g_;
  int gpus_ = 0;
  int switches_ = 0;
  std::vector<TopoEdge> links_;
  std::vector<std::vector<int>> port_link_;  // [vertex][port] -> link id
  std::vector<int> dims_;
  std::vector<OcsUnit> ocs_;
};

// The member pairs (i, (i + 1) mod n) of a ring over n members, i = 0 .. n-1; two members are one
// pair (0, 1), fewer than two none.
std::vector<std::pair<int, int>> ring_pairs(int n);
// Every pair (i, j) with i < j of n members, in lexicographic order (0-1, 0-2, ..., 1-2, ...).
std::vector<std::pair<int, int>> all_pairs(int n);

using TopologyRegistry = Registry<Topology>;

// Registers a topology class T with parameters P (P::schema(), constructor T(const P&)).
template <class T, class P>
struct TopologyRegistrar {
  TopologyRegistrar(const std::string& name, const std::string& doc) {
    TopologyRegistry::instance().add("topology", name, doc, &P::schema(), [](const ConfigPtr& params) {
      return std::unique_ptr<Topology>(new T(P::schema().resolve(params, "", {})));
    });
  }
};

}  // namespace litesim
