#pragma once
// A router turns a packet's place (vertex, the port and virtual channel it came in on) and
// destination into the output port and virtual channel to take. Routers register by name
// (category "router") and are chosen by `fabric.routing`.
//
// Contract:
//  - route() is deterministic: the same query gives the same answer. Adaptive choices (ECMP) hash
//    `flow`, which the fabric derives from (source, destination, message), so a message's packets
//    stay in order unless the router says otherwise;
//  - vcs() is how many virtual channels the router's routes use (0 .. vcs()-1); it is part of the
//    router's deadlock-freedom argument, which docs/fabric.md states for each router and
//    fabric/routing/deadlock.h checks (channel dependency graph of every route);
//  - a route never leaves through a port the topology forbids (Topology::can_send).
#include <cstdint>
#include <memory>
#include <vector>

#include "core/registry.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct RouteQuery {
  int vertex = 0;   // where the packet is
  int in_port = -1;  // port it arrived on; -1 when injected here
  int in_vc = 0;     // virtual channel it arrived on (0 when injected)
  int src_gpu = 0;
  int dst_gpu = 0;
  uint64_t flow = 0;  // flow hash for multipath choices
};

struct RouteChoice {
  int port = -1;
  int vc = 0;
};

// One hop of a route: leave `vertex` by `port` on virtual channel `vc`.
struct RouteStep {
  int vertex = 0;
  int port = 0;
  int vc = 0;
};

class Router {
 public:
  virtual ~Router() = default;
  // Called once, after the topology is built. A topology this router cannot serve (`dor` without
  // coordinates) throws ConfigError with key path "fabric.routing" (location "<fabric>");
  // std::logic_error only for programming errors.
  virtual void build(const Topology& topo) = 0;
  virtual RouteChoice route(const RouteQuery& q) const = 0;
  virtual int vcs() const { return 1; }
  // The vertices a packet of `flow` visits from src to dst (both included), and the VCs it uses on
  // each hop (vcs_out[i] is the VC on the link from path[i] to path[i+1]).
  std::vector<int> path(const Topology& topo, int src_gpu, int dst_gpu, uint64_t flow = 0,
                        std::vector<int>* vcs_out = nullptr) const;
  // The hops of that route, checked: every port usable, every VC in range, no loop (std::logic_error).
  std::vector<RouteStep> steps(const Topology& topo, int src_gpu, int dst_gpu, uint64_t flow = 0) const;
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
