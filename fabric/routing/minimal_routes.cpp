// The two minimal-route routers. Both start from the same table: for every vertex and destination
// GPU, its minimal next hops (the ports whose far end is one hop closer, HopDistance, respecting
// one-way links), lowest port first. They differ only in which of them a packet takes:
//  - `shortest`: the lowest-numbered one, so routes depend only on (vertex, destination);
//  - `ecmp` (equal-cost multipath): the one picked by i = splitmix64(flow ^ splitmix64(vertex))
//    mod (number of minimal ports). splitmix64 (Steele, Lea & Flood 2014; the mixer of Java's
//    SplittableRandom) is a bijective 64-bit mixer, so nearby flow values land on unrelated
//    choices, and hashing the vertex too decorrelates one flow's choices at successive vertices;
//    different flows spread over the equal-cost paths (on a leaf-spine Clos: over the spines) while
//    one flow always takes one path, keeping its packets in order.
// Virtual channels, for both: build() checks the channel dependency graph (CDG) of every route the
// choices allow on a single VC (fabric/routing/deadlock.h). Acyclic (a pair, a star, a leaf-spine
// Clos: up/down routes): one VC, deadlock-free by Dally & Seitz (1987). Cyclic (rings, tori, meshes
// routed this way): the packet takes VC h on its h-th hop (hop-indexed buffer classes, Gunther 1981;
// Merlin & Schweitzer 1980): every dependency goes from class h to class h+1, so the CDG has no
// cycle; vcs() is then the longest route in hops (the diameter).
#include <stdexcept>

#include "core/rng.h"
#include "fabric/routing/deadlock.h"
#include "fabric/routing/hop_distance.h"
#include "fabric/routing/router.h"

namespace litesim {
namespace {

struct ShortestParams {
  static const ParamSet<ShortestParams>& schema() {
    static const ParamSet<ShortestParams> s(
        "shortest", "minimum-hop routing, lowest port first; one VC when that is deadlock-free, else hop-indexed VCs");
    return s;
  }
};

struct EcmpParams {
  static const ParamSet<EcmpParams>& schema() {
    static const ParamSet<EcmpParams> s(
        "ecmp", "equal-cost multipath: a hash of (flow, vertex) picks among the minimal next hops");
    return s;
  }
};

class MinimalRouter : public Router {
 public:
  explicit MinimalRouter(bool multipath) : multipath_(multipath) {}

  void build(const Topology& topo) override {
    const HopDistance dist(topo);
    // Every (vertex, destination)'s minimal ports, lowest first, in one flat table: route() is
    // called per packet per hop and then costs one lookup.
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
    const CdgResult one_vc = check_destination_routes_single_vc(topo, [this](int v, int dst, std::vector<int>* out) {
      const size_t i = index(v, dst);
      const uint32_t end = multipath_ || first_[i] == first_[i + 1] ? first_[i + 1] : first_[i] + 1;
      out->assign(ports_.begin() + first_[i], ports_.begin() + end);
    });
    hop_indexed_ = !one_vc.acyclic;
    vcs_ = hop_indexed_ ? std::max(1, dist.diameter()) : 1;
  }

  RouteChoice route(const RouteQuery& q) const override {
    const size_t i = index(q.vertex, q.dst_gpu);
    const uint32_t count = first_[i + 1] - first_[i];
    if (count == 0) throw std::logic_error("no route");
    const uint64_t pick = multipath_ ? splitmix64(q.flow ^ splitmix64(static_cast<uint64_t>(q.vertex))) % count : 0;
    return {ports_[first_[i] + pick], hop_indexed_ && q.in_port >= 0 ? q.in_vc + 1 : 0};
  }
  int vcs() const override { return vcs_; }

 private:
  size_t index(int vertex, int dst) const {
    return static_cast<size_t>(vertex) * static_cast<size_t>(gpus_) + static_cast<size_t>(dst);
  }

  bool multipath_;
  int gpus_ = 0;
  std::vector<uint32_t> first_;  // [vertex * gpus + dst] -> its first entry in ports_; one extra at the end
  std::vector<int> ports_;       // minimal ports, lowest first, per (vertex, destination)
  bool hop_indexed_ = false;
  int vcs_ = 1;
};

struct ShortestRouter : MinimalRouter {
  explicit ShortestRouter(const ShortestParams&) : MinimalRouter(false) {}
};
struct EcmpRouter : MinimalRouter {
  explicit EcmpRouter(const EcmpParams&) : MinimalRouter(true) {}
};

const RouterRegistrar<ShortestRouter, ShortestParams> reg_shortest(
    "shortest", "minimum-hop routes (lowest port first); one VC if deadlock-free, else hop-indexed VCs");
const RouterRegistrar<EcmpRouter, EcmpParams> reg_ecmp(
    "ecmp", "equal-cost multipath over minimal routes, hashed per (flow, vertex); VCs as shortest");

}  // namespace
}  // namespace litesim
