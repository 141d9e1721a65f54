#include "study/availability/inventory.h"

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "fabric/topology/topology.h"
#include "study/availability/markov.h"

namespace litesim {

namespace {

struct Dsu {
  std::vector<int> parent;
  explicit Dsu(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) {
    while (parent[static_cast<size_t>(x)] != x) {
      parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
      x = parent[static_cast<size_t>(x)];
    }
    return x;
  }
  void unite(int a, int b) { parent[static_cast<size_t>(find(a))] = find(b); }
};

// One failure: a vertex (GPU or switch) or a link removed; -1 for none.
struct Scenario {
  int vertex = -1, link = -1;
};

// What one failure takes down: the replicas it disconnects (the replica of a removed GPU left
// out) and the GPUs it fails or cuts off (see inventory.h).
struct Blast {
  std::vector<int> cut;
  int gpus_lost = 0;
};

// Which replicas a scenario disconnects (see inventory.h for who may route whose traffic).
class Reach {
 public:
  Reach(const Topology& t, const ReplicaLayout& l) : t_(t), l_(l) {
    for (const TopoEdge& e : t.links()) {
      direct_ = direct_ || (t.is_gpu(e.u) && t.is_gpu(e.v));
      one_way_ = one_way_ || e.one_way;
    }
  }
  bool direct() const { return direct_; }

  Blast blast(Scenario s) const {
    Blast b;
    const int own = s.vertex >= 0 ? l_.replica_of(s.vertex) : -1;
    if (one_way_) {
      for (int r = 0; r < l_.replicas; ++r)
        if (r != own && !(reaches_all(r, s, true) && reaches_all(r, s, false))) b.cut.push_back(r);
      // GPUs lost on fabrics with one-way links (rings): the removed GPU and the replicas cut.
      b.gpus_lost =
          (s.vertex >= 0 && t_.is_gpu(s.vertex) ? 1 : 0) + l_.gpus_per_replica * static_cast<int>(b.cut.size());
      return b;
    }
    const std::vector<TopoEdge> live = live_links(s);
    // Links between routing vertices (switches always, GPUs too in a direct network); `local`
    // keeps only those inside one group (a board, a leaf, a domain).
    Dsu all(static_cast<size_t>(t_.num_vertices())), local(static_cast<size_t>(t_.num_vertices()));
    for (const TopoEdge& e : live)
      if (routes(e.u) && routes(e.v)) join(all, local, e);
    const int g = l_.gpus_per_replica;
    for (int r = 0; r < l_.replicas && g > 1; ++r) {  // a one-GPU replica needs no network
      if (r == own) continue;
      Dsu a = all, b_ = local;
      if (!direct_)  // switched: the replica's own GPUs route its traffic (GPU-level forwarding), others' do not
        for (int v = r * g; v < r * g + g; ++v)
          for (int port = 0; port < t_.degree(v); ++port) {
            const TopoEdge& e = t_.link_at(v, port);
            if (e.id != s.link && e.u != s.vertex && e.v != s.vertex) join(a, b_, e);
          }
      if (!connected(a, b_, r)) b.cut.push_back(r);
    }
    b.gpus_lost = (s.vertex >= 0 && t_.is_gpu(s.vertex) ? 1 : 0) + lost(live, s);
    return b;
  }

 private:
  // GPUs cut off: outside the largest piece their group (the whole fabric when they have none) falls
  // into; all of them when no two can talk any more. A GPU here joins the pieces of its links (in a
  // switched fabric it has one link into its group).
  int lost(const std::vector<TopoEdge>& live, Scenario s) const {
    Dsu all(static_cast<size_t>(t_.num_vertices())), local(static_cast<size_t>(t_.num_vertices()));
    for (const TopoEdge& e : live) join(all, local, e);
    std::map<std::pair<int, int>, int> size;  // (group, root) -> GPUs
    std::map<int, int> largest, members;      // group -> largest piece, GPUs
    auto key = [&](int v) { return std::make_pair(group(v), group(v) >= 0 ? local.find(v) : all.find(v)); };
    for (int v = 0; v < t_.num_gpus(); ++v)
      if (v != s.vertex) ++size[key(v)];
    for (const auto& [k, n] : size) {
      largest[k.first] = std::max(largest[k.first], n);
      members[k.first] += n;
    }
    int n = 0;
    for (int v = 0; v < t_.num_gpus(); ++v) {
      if (v == s.vertex) continue;
      const int grp = group(v), mine = size[key(v)];
      if (members[grp] > 1 && (mine < largest[grp] || largest[grp] == 1)) ++n;
    }
    return n;
  }
  bool routes(int v) const { return !t_.is_gpu(v) || direct_; }
  bool in_replica(int v, int r) const { return t_.is_gpu(v) && l_.replica_of(v) == r; }
  std::vector<TopoEdge> live_links(Scenario s) const {
    std::vector<TopoEdge> out;
    for (const TopoEdge& e : t_.links())
      if (e.id != s.link && e.u != s.vertex && e.v != s.vertex) out.push_back(e);
    return out;
  }
  int group(int v) const { return t_.vertex(v).group; }
  void join(Dsu& all, Dsu& local, const TopoEdge& e) const {
    all.unite(e.u, e.v);
    if (group(e.u) >= 0 && group(e.u) == group(e.v)) local.unite(e.u, e.v);
  }
  // Every GPU of replica r reaches its first one, and each reaches the replica's first GPU of its
  // own group inside that group (a board's GPUs do not talk through other boards' NICs).
  bool connected(Dsu& all, Dsu& local, int r) const {
    const int g = l_.gpus_per_replica, first = r * g;
    std::vector<std::pair<int, int>> heads;  // (group, its first GPU in the replica)
    for (int v = first; v < first + g; ++v) {
      if (all.find(v) != all.find(first)) return false;
      if (group(v) < 0) continue;
      auto h = std::find_if(heads.begin(), heads.end(), [&](const auto& x) { return x.first == group(v); });
      if (h == heads.end())
        heads.emplace_back(group(v), v);
      else if (local.find(v) != local.find(h->second))
        return false;
    }
    return true;
  }
  // One-way links: every GPU of replica r reached from its first GPU (forward) or reaching it.
  bool reaches_all(int r, Scenario s, bool forward) const {
    const int first = r * l_.gpus_per_replica;
    std::vector<char> seen(static_cast<size_t>(t_.num_vertices()), 0);
    std::vector<int> stack{first};
    seen[static_cast<size_t>(first)] = 1;
    const std::vector<TopoEdge> live = live_links(s);  // (no group rule here: one-way links are rings')
    while (!stack.empty()) {
      const int x = stack.back();
      stack.pop_back();
      if (x != first && t_.is_gpu(x) && !direct_ && !in_replica(x, r)) continue;  // reached, does not route
      for (const TopoEdge& e : live) {
        int y = -1;
        if (e.u == x && (forward || !e.one_way)) y = e.v;
        if (e.v == x && (!forward || !e.one_way)) y = e.u;
        if (y < 0 || seen[static_cast<size_t>(y)]) continue;
        seen[static_cast<size_t>(y)] = 1;
        stack.push_back(y);
      }
    }
    for (int v = first; v < first + l_.gpus_per_replica; ++v)
      if (!seen[static_cast<size_t>(v)]) return false;
    return true;
  }

  const Topology& t_;
  const ReplicaLayout& l_;
  bool direct_ = false, one_way_ = false;
};

class Builder {
 public:
  Builder(Inventory& inv, const ReliabilityParams& rel) : inv_(inv), rel_(rel) {}
  int kind(const std::string& key, const std::string& part, const std::string& what, const PartRate& rate, bool own_gpu,
           const std::string& note = "") {
    for (size_t i = 0; i < inv_.kinds.size(); ++i)
      if (inv_.kinds[i].key == key) return static_cast<int>(i);
    PartKind k;
    k.key = key;
    k.part = part;
    k.what = what;
    k.rate = rate;
    k.own_gpu = own_gpu;
    k.note = note;
    inv_.kinds.push_back(k);
    return static_cast<int>(inv_.kinds.size()) - 1;
  }
  // A port's optics: co-packaged or a pluggable module, by the transceiver's name.
  int optics_kind(const std::string& key, const std::string& transceiver, const std::string& what, bool own_gpu) {
    const bool plug = rel_.pluggable_optics(transceiver);
    return kind(key, plug ? "pluggable" : "cpo",
                fmt::format("{} ({}, {})", what, transceiver, plug ? "pluggable" : "co-packaged"),
                plug ? rel_.pluggable : rel_.cpo, own_gpu);
  }
  void add(int kind, int gpu, const Blast& x) {
    inv_.units.push_back(Unit{kind, gpu, x.cut, x.gpus_lost});
    ++inv_.kinds[static_cast<size_t>(kind)].count;
  }

 private:
  Inventory& inv_;
  const ReliabilityParams& rel_;
};

std::string suffixed(const std::string& base, const std::string& sub) { return sub.empty() ? base : base + "." + sub; }

void summarise(Inventory& inv) {
  const double replicas = inv.layout.replicas;
  std::vector<double> sum(inv.kinds.size(), 0.0);
  for (const Unit& u : inv.units) {
    PartKind& k = inv.kinds[static_cast<size_t>(u.kind)];
    const int down = static_cast<int>(inv.replicas_down(u).size());
    k.gpus = std::max(k.gpus, u.gpus_lost);
    k.replicas = std::max(k.replicas, down);
    sum[static_cast<size_t>(u.kind)] += down / replicas;
    k.capacity_lost += (1.0 - unit_availability(k.rate.rate_per_hour(), k.rate.repair_per_hour())) * down / replicas;
  }
  for (size_t i = 0; i < inv.kinds.size(); ++i) {
    PartKind& k = inv.kinds[i];
    k.capacity_fraction = k.replicas / replicas;
    k.mean_capacity_fraction = k.count > 0 ? sum[i] / k.count : 0.0;
  }
}

}  // namespace

std::vector<int> Inventory::replicas_down(const Unit& u) const {
  std::vector<int> out = u.cut;
  const int own = u.gpu >= 0 ? layout.replica_of(u.gpu) : -1;
  if (own >= 0) out.insert(std::lower_bound(out.begin(), out.end(), own), own);
  return out;
}

Inventory build_inventory(const ResolvedSystem& rs, const ReliabilityParams& rel, ReplicaLayout layout) {
  const SystemParams& sys = rs.params;
  const std::unique_ptr<Topology> t = TopologyRegistry::instance().create(sys.fabric.topology);
  layout.cluster_gpus = t->num_gpus();
  const int g = layout.gpus_per_replica;
  if (g < 1 || layout.replicas < 1 || layout.spares < 0 || layout.active() + layout.spares > layout.cluster_gpus)
    throw ConfigError(rs.where("fabric.topology"), "fabric.topology",
                      fmt::format("{} replicas of {} GPUs and {} spares do not fit the system's {} GPUs",
                                  layout.replicas, g, layout.spares, layout.cluster_gpus));
  Inventory inv;
  inv.layout = layout;
  const Reach reach(*t, inv.layout);
  inv.direct = reach.direct();
  const std::vector<int> base = reach.blast({}).cut;
  if (!base.empty()) {
    const int r = base.front();
    throw ConfigError(rs.where("fabric.topology"), "fabric.topology",
                      fmt::format("replica {} (GPUs {}-{}) cannot connect its GPUs with nothing failed: this {} "
                                  "fabric does not join them without other replicas' GPUs routing for it",
                                  r, r * g, r * g + g - 1, sys.fabric.topology.kind));
  }
  Builder b(inv, rel);

  // The packages: dies, HBM stacks, optical engines.
  const PackageParams& pkg = sys.package;
  const double area = pkg.die.geometry().area_mm2();
  PartRate die = rel.gpu_die;
  std::string note = "per_die: as the reference die (assumption)";
  if (rel.die_scaling == "die_area") {
    die.mtbf_hours = rel.gpu_die.mtbf_hours * rel.reference_die_area_mm2 / area;
    note = fmt::format("die_area: rate x {:.4f} = {:.1f} / {:.1f} mm2 (assumption)", area / rel.reference_die_area_mm2,
                       area, rel.reference_die_area_mm2);
  }
  const int k_die =
      b.kind("gpu_die", "gpu_die", fmt::format("compute die ({}, {:.1f} mm2)", pkg.die.name, area), die, true, note);
  const int stacks = pkg.hbm_stacks();
  const int k_hbm = b.kind("hbm_stack", "hbm_stack", "HBM stack", rel.hbm_stack, true);
  const TransceiverTech& gx = pkg.cpo.transceiver;
  const int engines = gx.optical() ? pkg.cpo.engines : 0;
  const int k_opt = engines > 0 ? b.optics_kind("gpu_optics", gx.name, "optical engine of a GPU package", true) : -1;
  for (int v = 0; v < layout.cluster_gpus; ++v) {
    // In a switched fabric a GPU routes only its own replica's traffic: losing it cuts no other replica.
    const Blast x = inv.direct ? reach.blast({v, -1}) : Blast{{}, 1};
    for (int i = 0; i < pkg.dies; ++i) b.add(k_die, v, x);
    for (int i = 0; i < stacks; ++i) b.add(k_hbm, v, x);
    for (int i = 0; i < engines; ++i) b.add(k_opt, v, x);
  }

  // The network: switches, links, the optics at switch ports, OCS ports.
  for (int v = layout.cluster_gpus; v < t->num_vertices(); ++v) {
    const std::string& role = t->vertex(v).role;
    const int k = b.kind(suffixed("switch", role), "switch",
                         fmt::format("packet switch{}{}", role.empty() ? "" : " ", role), rel.packet_switch, false);
    b.add(k, -1, reach.blast({v, -1}));
  }
  for (const TopoEdge& e : t->links()) {
    const Blast x = reach.blast({-1, e.id});
    const bool gpu_u = t->is_gpu(e.u), gpu_v = t->is_gpu(e.v);
    const char* ends = gpu_u && gpu_v ? "GPU-GPU" : (gpu_u || gpu_v ? "GPU-switch" : "switch-switch");
    b.add(b.kind(suffixed("link", e.cls), "link",
                 fmt::format("{} link{}", ends, e.cls.empty() ? "" : " (" + e.cls + ")"), rel.link, false),
          -1, x);
    for (const bool at_switch : {!gpu_u, !gpu_v})
      if (at_switch && sys.fabric.eps && sys.fabric.eps->transceiver.optical())
        b.add(b.optics_kind(suffixed("switch_optics", e.cls), sys.fabric.eps->transceiver.name,
                            "a switch port's optics", false),
              -1, x);
    if (e.ocs >= 0)
      for (int port = 0; port < 2; ++port)  // a circuit holds two ports of its unit
        b.add(b.kind("ocs_port", "ocs_port", "optical circuit switch port", rel.ocs_port, false), -1, x);
  }
  summarise(inv);
  return inv;
}

}  // namespace litesim
