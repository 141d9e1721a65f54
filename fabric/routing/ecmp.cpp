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
    const HopDistance dist(topo);
    const CdgResult one_vc = check_destination_routes_single_vc(
        topo, [&dist](int v, int dst, std::vector<int>* out) { dist.minimal_ports(v, dst, out); });
    hop_indexed_ = !one_vc.acyclic;
    vcs_ = hop_indexed_ ? std::max(1, dist.diameter()) : 1;
    // Every (vertex, destination)'s minimal ports, lowest first, in one flat table: route() is
    // called per packet per hop and then costs one lookup, not a scan of the vertex's ports.
    gpus_ = topo.num_gpus();
    first_.assign(static_cast<size_t>(topo.num_vertices()) * static_cast<size_t>(gpus_) + 1, 0);
    ports_.clear();
    std::vector<int> minimal;
    for (int v = 0; v < topo.num_vertices(); ++v)
      for (int dst = 0; dst < gpus_; ++dst) {
        dist.minimal_ports(v, dst, &minimal);
        ports_.insert(ports_.end(), minimal.begin(), minimal.end());
        first_[index(v, dst) + 1] = static_cast<uint32_t>(ports_.size());
      }
  }

  RouteChoice route(const RouteQuery& q) const override {
    const size_t i = index(q.vertex, q.dst_gpu);
    const uint32_t count = first_[i + 1] - first_[i];
    if (count == 0) throw std::logic_error("no route");
    const uint64_t pick = splitmix64(q.flow ^ splitmix64(static_cast<uint64_t>(q.vertex))) % count;
    return {ports_[first_[i] + pick], hop_indexed_ && q.in_port >= 0 ? q.in_vc + 1 : 0};
  }
  int vcs() const override { return vcs_; }

 private:
  size_t index(int vertex, int dst) const {
    return static_cast<size_t>(vertex) * static_cast<size_t>(gpus_) + static_cast<size_t>(dst);
  }

  int gpus_ = 0;
  std::vector<uint32_t> first_;  // [vertex * gpus + dst] -> its first entry in ports_; one extra at the end
  std::vector<int> ports_;       // minimal ports, lowest first, per (vertex, destination)
  bool hop_indexed_ = false;
  int vcs_ = 1;
};

const RouterRegistrar<EcmpRouter, EcmpParams> reg(
    "ecmp", "equal-cost multipath over minimal routes, hashed per (flow, vertex); VCs as shortest");

}  // namespace
}  // namespace litesim
