// `dor`: dimension-order routing on meshes and tori (mesh2d, torus2d, torus3d, and a ring as a
// 1-D torus). A packet corrects its coordinates one dimension at a time, in order 0, 1, 2, ...; in
// each dimension it goes the minimal way round: on a torus of extent k with offset
// dp = (dst - here) mod k it goes positive if dp < k - dp, negative if dp > k - dp; a tie (k even,
// dp = k/2) goes positive from an even coordinate and negative from an odd one, so the half-way
// traffic splits over both directions (all-positive ties load the positive links 1.25x as much
// under uniform traffic on a 4-ary torus and cap it below its bisection bound). Once a packet has
// taken its first hop in a dimension it is no longer tied and keeps that direction. On a mesh it
// goes towards the destination. A dimension of extent
// 2 is routed as a mesh line (both ways are one hop; a parallel wrap link is left unused). When a
// torus dimension's links are one-way (a unidirectional ring) the packet goes the way they allow.
//
// Coordinates: Topology::dims() and each GPU's coord when the topology gives them; otherwise a
// topology of GPUs only whose links are exactly i -- (i+1) mod N (a ring, in either direction) is
// taken as a 1-D torus of extent N with GPU i at coordinate i. Anything else is refused with a
// ConfigError naming fabric.routing. Directions and the dateline come from the coordinates (the
// far end of each port), not from TopoEdge::dim / wrap, so they hold for the derived ring too.
//
// Virtual channels (torus only; a mesh uses one VC): dateline VCs (Dally & Seitz 1987). In each
// dimension a packet travels on VC 0 until it crosses that dimension's dateline, the wrap-around
// link between coordinates k-1 and 0; the crossing hop and every later hop in that dimension use
// VC 1; turning into the next dimension resets it to VC 0. Why the channel dependency graph is
// acyclic: dimension order means a dependency never leads from dimension j back to i < j, so a
// cycle would have to stay inside one ring of one dimension. Within a ring, dependencies go from
// VC 0 to VC 1 but never back, so the cycle would be all VC 0 or all VC 1. VC 0 channels are never
// the wrap link, and the VC 0 chain (i -> i+1 -> ...) is cut there; a packet on VC 1 has crossed
// the dateline and, a minimal route being shorter than the ring, stops before it comes back to
// it, so no VC 1 dependency leads into the wrap link's VC 1 channel from the link before it. Both
// chains are paths, not cycles.
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.h"
#include "fabric/routing/router.h"

namespace litesim {
namespace {

struct DorParams {
  static const ParamSet<DorParams>& schema() {
    static const ParamSet<DorParams> s("dor",
                                       "dimension-order routing on meshes and tori; dateline virtual channels on tori");
    return s;
  }
};

[[noreturn]] void refuse(const std::string& what) {
  throw ConfigError(SourceLoc{"<fabric>", 0, 0}, "fabric.routing", "dor: " + what);
}

class DorRouter : public Router {
 public:
  explicit DorRouter(const DorParams&) {}

  void build(const Topology& topo) override {
    coordinates(topo);
    const int n = topo.num_gpus();
    const size_t nd = dims_.size();
    plus_.assign(static_cast<size_t>(n) * nd, -1);
    minus_.assign(static_cast<size_t>(n) * nd, -1);
    port_dim_.assign(static_cast<size_t>(n), {});
    torus_.assign(nd, false);
    for (int v = 0; v < n; ++v) {
      port_dim_[static_cast<size_t>(v)].assign(static_cast<size_t>(topo.degree(v)), -1);
      for (int p = 0; p < topo.degree(v); ++p) {
        const int u = topo.peer(v, p).first;
        if (!topo.is_gpu(u)) continue;
        const int d = differing_dim(v, u);
        if (d < 0) continue;
        port_dim_[static_cast<size_t>(v)][static_cast<size_t>(p)] = d;
        const int k = dims_[static_cast<size_t>(d)];
        const int c = coord(v, d);
        const int to = coord(u, d);
        if (k > 2 && ((c == k - 1 && to == 0) || (c == 0 && to == k - 1))) torus_[static_cast<size_t>(d)] = true;
        if (!topo.can_send(v, p)) continue;
        // The first matching port wins, so parallel links give one deterministic choice.
        int& plus = plus_[slot(v, static_cast<size_t>(d))];
        int& minus = minus_[slot(v, static_cast<size_t>(d))];
        if (plus < 0 && to == step(c, k, +1))
          plus = p;
        else if (minus < 0 && to == step(c, k, -1))
          minus = p;
      }
    }
    check_links();
    vcs_ = 1;
    for (bool t : torus_)
      if (t) vcs_ = 2;
  }

  RouteChoice route(const RouteQuery& q) const override {
    const int v = q.vertex;
    if (v < 0 || v >= static_cast<int>(coords_.size())) throw std::logic_error("dor: routing at a switch");
    for (size_t d = 0; d < dims_.size(); ++d) {
      const int k = dims_[d];
      const int c = coords_[static_cast<size_t>(v)][d];
      const int t = coords_[static_cast<size_t>(q.dst_gpu)][d];
      if (c == t) continue;
      const bool torus = torus_[d];
      bool up = t > c;
      if (torus) {
        const int dp = ((t - c) % k + k) % k;
        const bool tie_up = dp == k - dp && c % 2 == 0;
        up = plus_ok_[d] && (dp < k - dp || tie_up || !minus_ok_[d]);
      }
      const int port = up ? plus_[slot(v, d)] : minus_[slot(v, d)];
      if (port < 0) throw std::logic_error("dor: no link in the chosen direction");
      if (!torus) return {port, 0};
      const bool crossing = up ? c == k - 1 : c == 0;
      const bool on_vc1 = q.in_port >= 0 && q.in_vc == 1 &&
                          port_dim_[static_cast<size_t>(v)][static_cast<size_t>(q.in_port)] == static_cast<int>(d);
      return {port, crossing || on_vc1 ? 1 : 0};
    }
    throw std::logic_error("dor: packet is already at its destination");
  }
  int vcs() const override { return vcs_; }

 private:
  size_t slot(int v, size_t d) const { return static_cast<size_t>(v) * dims_.size() + d; }
  int coord(int v, int d) const { return coords_[static_cast<size_t>(v)][static_cast<size_t>(d)]; }
  // The neighbour coordinate one step along `dir`, or -2 when there is none (mesh edge). Extent 2
  // is a line: 0's only neighbour is +1, 1's only neighbour is -1.
  static int step(int c, int k, int dir) {
    const int to = c + dir;
    if (to >= 0 && to < k) return to;
    return k > 2 ? (to + k) % k : -2;
  }
  // The one dimension in which u's coordinate differs from v's, -1 if none or several.
  int differing_dim(int v, int u) const {
    int found = -1;
    for (size_t d = 0; d < dims_.size(); ++d)
      if (coords_[static_cast<size_t>(v)][d] != coords_[static_cast<size_t>(u)][d]) {
        if (found >= 0) return -1;
        found = static_cast<int>(d);
      }
    return found;
  }

  // GPU coordinates: the topology's, or a ring's derived ones.
  void coordinates(const Topology& topo) {
    const int n = topo.num_gpus();
    coords_.assign(static_cast<size_t>(n), {});
    if (!topo.dims().empty()) {
      dims_ = topo.dims();
      long cells = 1;
      for (int k : dims_) {
        if (k < 1) refuse("topology extent below 1");
        cells *= k;
      }
      if (cells != n) refuse(fmt::format("topology dims hold {} positions but it has {} GPUs", cells, n));
      std::vector<char> taken(static_cast<size_t>(n), 0);
      for (int v = 0; v < n; ++v) {
        const std::vector<int>& c = topo.vertex(v).coord;
        if (c.size() != dims_.size()) refuse(fmt::format("GPU {} has no coordinate in the topology's dims", v));
        long linear = 0;
        for (size_t d = 0; d < dims_.size(); ++d) {
          if (c[d] < 0 || c[d] >= dims_[d]) refuse(fmt::format("GPU {} coordinate out of range", v));
          linear = linear * dims_[d] + c[d];
        }
        if (taken[static_cast<size_t>(linear)]++) refuse(fmt::format("two GPUs share GPU {}'s coordinate", v));
        coords_[static_cast<size_t>(v)] = c;
      }
      return;
    }
    if (!is_ring(topo))
      refuse(
          "needs GPU coordinates (a mesh or torus topology) or a ring of GPUs; this topology has neither (route it "
          "with another fabric.routing, e.g. shortest)");
    dims_ = {n};
    for (int v = 0; v < n; ++v) coords_[static_cast<size_t>(v)] = {v};
  }

  // GPUs only, and the links are exactly i -- (i+1) mod N (one each, either direction).
  static bool is_ring(const Topology& topo) {
    const int n = topo.num_gpus();
    if (n < 2 || topo.num_switches() != 0) return false;
    std::vector<int> seen(static_cast<size_t>(n), 0);
    for (const TopoEdge& e : topo.links()) {
      if (e.v == (e.u + 1) % n)
        ++seen[static_cast<size_t>(e.u)];
      else if (e.u == (e.v + 1) % n)
        ++seen[static_cast<size_t>(e.v)];
      else
        return false;
    }
    // A ring of two is one link (0 -- 1), counted at 0 or at 1.
    if (n == 2) return topo.num_links() == 1;
    for (int c : seen)
      if (c != 1) return false;
    return true;
  }

  // Every direction a route can take must have its link: on a mesh both neighbours, on a torus
  // all GPUs' links one way round (or both).
  void check_links() {
    const int n = static_cast<int>(coords_.size());
    plus_ok_.assign(dims_.size(), true);
    minus_ok_.assign(dims_.size(), true);
    for (int v = 0; v < n; ++v)
      for (size_t d = 0; d < dims_.size(); ++d) {
        const int k = dims_[d];
        const int c = coords_[static_cast<size_t>(v)][d];
        const bool need_plus = torus_[d] || c + 1 < k;
        const bool need_minus = torus_[d] || c > 0;
        if (need_plus && plus_[slot(v, d)] < 0) plus_ok_[d] = false;
        if (need_minus && minus_[slot(v, d)] < 0) minus_ok_[d] = false;
        if (!torus_[d] && (!plus_ok_[d] || !minus_ok_[d]))
          refuse(fmt::format("GPU {} lacks a usable link to a neighbour in mesh dimension {}", v, d));
      }
    for (size_t d = 0; d < dims_.size(); ++d)
      if (torus_[d] && !plus_ok_[d] && !minus_ok_[d])
        refuse(fmt::format("torus dimension {} has no direction every GPU can send in", d));
  }

  std::vector<int> dims_;
  std::vector<std::vector<int>> coords_;    // [gpu] -> coordinate
  std::vector<int> plus_, minus_;           // [gpu * dims + d] -> port one step +/- along d, -1 if none
  std::vector<std::vector<int>> port_dim_;  // [gpu][port] -> dimension the link runs along, -1 if none
  std::vector<bool> torus_;                 // [d] -> has wrap-around links (and extent > 2)
  std::vector<bool> plus_ok_, minus_ok_;    // [d] -> every GPU that needs it has the link
  int vcs_ = 1;
};

const RouterRegistrar<DorRouter, DorParams> reg(
    "dor", "dimension-order routing (mesh, torus, ring); dateline virtual channels on tori");

}  // namespace
}  // namespace litesim
