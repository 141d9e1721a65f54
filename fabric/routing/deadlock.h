#pragma once
// Deadlock-freedom and minimality checks for a router over a topology.
//
// A channel is one direction of one link on one virtual channel: (vertex it leaves, port, vc).
// The channel dependency graph (CDG) has an edge c1 -> c2 whenever some route takes c2 right after
// c1 (a packet holding a buffer of c1 waits for one of c2). Dally & Seitz (1987): a deterministic
// router is deadlock-free if its CDG is acyclic. The checks here build the CDG from the routes
// themselves (every ordered GPU pair, and for multipath routers every flow value asked for), so
// they test the router as written, not its documentation.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fabric/routing/port_table.h"
#include "fabric/routing/router.h"
#include "fabric/topology/topology.h"

namespace litesim {

struct Channel {
  int vertex = 0;  // the vertex the channel leaves
  int port = 0;    // its port there
  int vc = 0;
  bool operator==(const Channel& o) const { return vertex == o.vertex && port == o.port && vc == o.vc; }
};

// "gpu3 port1 vc0" or "switch2 port0 vc1" (switches by their switch number).
std::string channel_name(const Topology& topo, const Channel& c);

struct CdgResult {
  bool acyclic = true;
  int channels = 0;      // channels some route uses
  int dependencies = 0;  // distinct edges c1 -> c2
  // When cyclic: one cycle, cycle[i] -> cycle[i+1] and cycle.back() -> cycle.front() are edges.
  std::vector<Channel> cycle;
  std::string cycle_text;  // "gpu0 port0 vc0 -> gpu1 port0 vc0 -> ... -> gpu0 port0 vc0"
};

// The CDG itself, filled route by route or edge by edge, over channels of `vcs` virtual channels.
class ChannelDependencyGraph {
 public:
  ChannelDependencyGraph(const Topology& topo, int vcs);
  // A route as its channels in order: adds every consecutive dependency.
  void add_route(const std::vector<Channel>& hops);
  // `to` must leave the vertex `from` arrives at (std::logic_error otherwise).
  void add_dependency(const Channel& from, const Channel& to);
  // from -> (vertex `from` arrives at, q, to_vc) for every port q in to_ports: the fast path for
  // destination-based routes.
  void add_dependencies(const Channel& from, const std::vector<int>& to_ports, int to_vc);
  // Acyclicity by depth-first search (Boost.Graph); a back edge closes the reported cycle.
  CdgResult check() const;

 private:
  int index(const Channel& c) const;
  Channel channel(int index) const;
  const Topology& topo_;
  int vcs_;
  PortTable ports_;
  std::vector<char> used_;  // [channel index]
  // A dependency always joins a channel to one leaving the vertex it arrives at, so each channel
  // keeps a bitmap over that vertex's (port, vc) channels: adding is O(1) and needs no hashing,
  // which keeps building the CDG of every route of a few thousand GPUs to about a second.
  std::vector<size_t> succ_base_;  // [channel index] -> first bit of its successor bitmap
  std::vector<uint64_t> succ_;
};

struct CdgOptions {
  // Every ordered GPU pair is routed with flow values 0 .. flows-1. 1 suffices for routers whose
  // routes ignore the flow (`shortest`, `dor`). For multipath routers the checker cannot know which
  // flows the router tells apart, so the caller passes enough for every equal-cost choice to be
  // taken: `ecmp` hashes consecutive values to unrelated choices, and 8 to 16 cover the test
  // topologies; the routers' own build-time check (below) needs no flows at all.
  uint64_t flows = 1;
  // Record every channel on VC 0: the CDG of the same routes had the router one virtual channel.
  bool single_vc = false;
};

// The channels one route takes, following Router::route from src to dst (checks as Router::path:
// usable port, VC in range, no loop).
std::vector<Channel> route_channels(const Topology& topo, const Router& router, int src_gpu, int dst_gpu,
                                    uint64_t flow = 0);

// The CDG of the router's routes for every GPU pair (and flow, see CdgOptions), checked.
CdgResult check_deadlock_free(const Topology& topo, const Router& router, const CdgOptions& opts = {});

// For destination-based routers, whose choice at a vertex depends only on the destination (and
// for multipath ones, on the flow): next(vertex, dst, &ports) lists every port a route to dst may
// leave `vertex` by. The single-VC CDG of all routes those choices allow, from every GPU to every
// other, checked. Built per destination without enumerating paths, so it is cheap enough for a
// router's build() to decide whether one virtual channel suffices.
using NextPorts = std::function<void(int vertex, int dst_gpu, std::vector<int>* ports)>;
CdgResult check_destination_routes_single_vc(const Topology& topo, const NextPorts& next);

struct MinimalityResult {
  bool minimal = true;
  long routes = 0;              // routes checked
  std::string first_violation;  // "gpu0 -> gpu3 flow 0: 5 hops, shortest 3"
};

// Whether every route (every GPU pair, flows 0 .. flows-1) is as short as the breadth-first
// distance over the directions links may carry.
MinimalityResult check_minimal(const Topology& topo, const Router& router, uint64_t flows = 1);

}  // namespace litesim
