#pragma once
// A router turns (current vertex, destination GPU) into the output port to take. Routers register
// by name (category "router") and are chosen by `fabric.routing`.
#include <memory>
#include <vector>

#include "core/registry.h"
#include "fabric/topology/topology.h"

namespace litesim {

class Router {
 public:
  virtual ~Router() = default;
  // Called once, after the topology is built.
  virtual void build(const Topology& topo) = 0;
  virtual int next_port(int vertex, int dst_gpu) const = 0;
  // The vertices a message visits from src to dst (both included).
  std::vector<int> path(const Topology& topo, int src_gpu, int dst_gpu) const;
};

using RouterRegistry = Registry<Router>;

template <class T, class P>
struct RouterRegistrar {
  RouterRegistrar(const std::string& name, const std::string& doc) {
    RouterRegistry::instance().add("router", name, doc, &P::schema(), [](const ConfigPtr& params) {
      return std::unique_ptr<Router>(new T(P::schema().resolve(params, "", {})));
    });
  }
};

}  // namespace litesim
