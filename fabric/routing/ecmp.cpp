// `ecmp`: equal-cost multipath. At each vertex the minimal next hops are the ports whose far end
// is one hop closer to the destination (HopDistance, respecting one-way links); the packet takes
// the one picked by a hash of (flow, vertex), so different flows spread over the equal-cost paths
// (on a leaf-spine Clos: over the spines) while one flow always takes one path, keeping its
// packets in order.
// Hash: i = splitmix64(flow ^ splitmix64(vertex)) mod (number of minimal ports), ports in
// increasing order. splitmix64 (Steele, Lea & Flood 2014; the mixer of Java's SplittableRandom)
// is a bijective 64-bit mixer, so nearby flow values land on unrelated choices, and hashing the
// vertex too decorrelates the choices one flow makes at successive vertices.
// Virtual channels as `shortest`: one VC when the single-VC channel dependency graph of every
// route the choices allow is acyclic, hop-indexed VCs (vcs() = diameter) otherwise.
#include <stdexcept>

#include "fabric/routing/deadlock.h"
#include "fabric/routing/hop_distance.h"
#include "fabric/routing/router.h"

namespace litesim {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

struct EcmpParams {
  static const ParamSet<EcmpParams>& schema() {
    static const ParamSet<EcmpParams> s(
        "ecmp", "equal-cost multipath: a hash of (flow, vertex) picks among the minimal next hops");
    return s;
  }
};

class EcmpRouter : public Router {
 public:
  explicit EcmpRouter(const EcmpParams&) {}

  void build(const Topology& topo) override {
    dist_.build(topo);
    const CdgResult one_vc = check_destination_routes_single_vc(
        topo, [this](int v, int dst, std::vector<int>* out) { dist_.minimal_ports(v, dst, out); });
    hop_indexed_ = !one_vc.acyclic;
    vcs_ = hop_indexed_ ? std::max(1, dist_.diameter()) : 1;
  }

  RouteChoice route(const RouteQuery& q) const override {
    // Count the minimal ports, then take the hashed one: no allocation per hop.
    int count = 0;
    const int degree = dist_.degree(q.vertex);
    for (int p = 0; p < degree; ++p) count += dist_.minimal_port(q.vertex, p, q.dst_gpu) ? 1 : 0;
    if (count == 0) throw std::logic_error("no route");
    int pick = static_cast<int>(splitmix64(q.flow ^ splitmix64(static_cast<uint64_t>(q.vertex))) %
                                static_cast<uint64_t>(count));
    for (int p = 0; p < degree; ++p)
      if (dist_.minimal_port(q.vertex, p, q.dst_gpu) && pick-- == 0)
        return {p, hop_indexed_ && q.in_port >= 0 ? q.in_vc + 1 : 0};
    throw std::logic_error("unreachable");
  }
  int vcs() const override { return vcs_; }

 private:
  HopDistance dist_;  // distances and the flattened ports of the topology passed to build()
  bool hop_indexed_ = false;
  int vcs_ = 1;
};

const RouterRegistrar<EcmpRouter, EcmpParams> reg(
    "ecmp", "equal-cost multipath over minimal routes, hashed per (flow, vertex); VCs as shortest");

}  // namespace
}  // namespace litesim
