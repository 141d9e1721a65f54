#pragma once
// A rack topology: a Boost.Graph of GPUs (and, with the fabric issue, switches and OCS) joined by
// links. Each vertex numbers its links as ports 0, 1, ... in the order they were added.
// Topologies register by name (category "topology") and are chosen by `fabric.topology.kind`.
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "core/params.h"
#include "core/registry.h"

namespace litesim {

struct TopoVertex {
  enum class Kind { Gpu, Switch } kind = Kind::Gpu;
  int index = 0;  // GPU number (rank) for GPUs
};

struct TopoEdge {
  int id = 0;                  // link number
  int u = 0, v = 0;            // end vertices (u = end "a", v = end "b")
  int port_u = 0, port_v = 0;  // port number at each end
};

using TopoGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, TopoVertex, TopoEdge>;

class Topology {
 public:
  virtual ~Topology() = default;
  const TopoGraph& graph() const { return g_; }
  int num_gpus() const { return gpus_; }
  int num_links() const { return static_cast<int>(boost::num_edges(g_)); }
  int degree(int vertex) const { return static_cast<int>(boost::out_degree(static_cast<size_t>(vertex), g_)); }
  // Links in id order.
  std::vector<TopoEdge> links() const;
  // The far end (vertex, port) of `port` at `vertex`.
  std::pair<int, int> peer(int vertex, int port) const;

 protected:
  int add_gpu();
  void add_link(int u, int v);

 private:
  TopoGraph g_;
  int gpus_ = 0;
};

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
