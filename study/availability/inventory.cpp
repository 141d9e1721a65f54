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

// Union-find with union by size and no path compression, so that the unions made after a mark()
// can be undone (a replica's own links, tried one replica at a time).
class UndoDsu {
 public:
  explicit UndoDsu(size_t n) : parent_(n), size_(n, 1) { std::iota(parent_.begin(), parent_.end(), 0); }
  int find(int x) const {
    while (parent_[static_cast<size_t>(x)] != x) x = parent_[static_cast<size_t>(x)];
    return x;
  }
  void unite(int a, int b) {
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (size_[static_cast<size_t>(a)] > size_[static_cast<size_t>(b)]) std::swap(a, b);
    parent_[static_cast<size_t>(a)] = b;
    size_[static_cast<size_t>(b)] += size_[static_cast<size_t>(a)];
    undo_.push_back(a);
  }
  size_t mark() const { return undo_.size(); }
  void undo(size_t m) {
    for (; undo_.size() > m; undo_.pop_back()) {
      const int a = undo_.back(), b = parent_[static_cast<size_t>(a)];
      size_[static_cast<size_t>(b)] -= size_[static_cast<size_t>(a)];
      parent_[static_cast<size_t>(a)] = a;
    }
  }

 private:
  std::vector<int> parent_, size_, undo_;
};

// Which replicas a scenario disconnects (see inventory.h for who may route whose traffic).
//
// Replica r's check depends only on the pieces the routing links (between switches, and between
// GPUs in a direct network) leave and, in a switched fabric, on r's own GPUs' links. So a failure
// that leaves the routing pieces as they were (but for the removed vertex) changes the answer only
// for the replicas whose GPUs' links it removes; every other replica keeps its answer with nothing
// failed. Only those are checked again (all of them when the pieces split), each by adding its own
// links to the routing pieces and undoing them after. Likewise the GPUs cut off are counted per
// group, and only the group a failure touches is counted again (the whole fabric when some GPU has
// no group).
class Reach {
 public:
  Reach(const Topology& t, const ReplicaLayout& l)
      : t_(t),
        l_(l),
        nv_(static_cast<size_t>(t.num_vertices())),
        base_all_(nv_),
        base_local_(nv_),
        seen_(nv_, -1),
        pos_(nv_, -1) {
    for (const TopoEdge& e : t.links()) {
      direct_ = direct_ || (t.is_gpu(e.u) && t.is_gpu(e.v));
      one_way_ = one_way_ || e.one_way;
    }
    for (const TopoEdge& e : t.links())
      if (routes(e.u) && routes(e.v)) routing_.push_back(e.id);
    int groups = 0;
    for (int v = 0; v < t.num_vertices(); ++v) groups = std::max(groups, group(v) + 1);
    members_.resize(static_cast<size_t>(groups));
    local_links_.resize(static_cast<size_t>(groups));
    for (int v = 0; v < t.num_vertices(); ++v) {
      if (group(v) >= 0) {
        pos_[static_cast<size_t>(v)] = static_cast<int>(members_[static_cast<size_t>(group(v))].size());
        members_[static_cast<size_t>(group(v))].push_back(v);
      }
      grouped_ = grouped_ && (!t.is_gpu(v) || group(v) >= 0);
    }
    for (const TopoEdge& e : t.links())
      if (group(e.u) >= 0 && group(e.u) == group(e.v)) local_links_[static_cast<size_t>(group(e.u))].push_back(e.id);
    if (one_way_) return;
    for (int id : routing_) join(base_all_, base_local_, edge(id));
    base_group_lost_.resize(static_cast<size_t>(groups));
    for (size_t grp = 0; grp < members_.size(); ++grp) {
      base_group_lost_[grp] = group_lost(static_cast<int>(grp), {});
      base_lost_ += base_group_lost_[grp];
    }
    if (!grouped_) base_lost_ = lost_all({});
    base_cut_.assign(static_cast<size_t>(l_.replicas), 0);
    for (int r : blast({}).cut) base_cut_[static_cast<size_t>(r)] = 1;
  }
  bool direct() const { return direct_; }

  Blast blast(Scenario s) {
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
    const bool none = s.vertex < 0 && s.link < 0;
    // The routing pieces: those with nothing failed when the failure removes no routing vertex or link.
    const bool routing_hit = none || (s.vertex >= 0 && routes(s.vertex)) ||
                             (s.link >= 0 && routes(edge(s.link).u) && routes(edge(s.link).v));
    std::unique_ptr<UndoDsu> own_all, own_local;
    if (routing_hit && !none) {
      own_all = std::make_unique<UndoDsu>(nv_);
      own_local = std::make_unique<UndoDsu>(nv_);
      for (int id : routing_)
        if (alive(edge(id), s)) join(*own_all, *own_local, edge(id));
    }
    UndoDsu& all = own_all ? *own_all : base_all_;
    UndoDsu& local = own_local ? *own_local : base_local_;
    // The replicas to check again: those whose own links the failure removes, or all when it splits a piece.
    std::vector<int> check;
    if (none || (routing_hit && (splits(base_all_, all, s) || splits(base_local_, local, s)))) {
      check.resize(static_cast<size_t>(l_.replicas));
      std::iota(check.begin(), check.end(), 0);
    } else if (!direct_) {
      if (s.vertex >= 0)
        for (int port = 0; port < t_.degree(s.vertex); ++port) {
          const TopoEdge& e = t_.link_at(s.vertex, port);
          check.push_back(l_.replica_of(e.u == s.vertex ? e.v : e.u));
        }
      if (s.link >= 0)
        for (int v : {edge(s.link).u, edge(s.link).v})
          if (t_.is_gpu(v)) check.push_back(l_.replica_of(v));
      std::sort(check.begin(), check.end());
      check.erase(std::unique(check.begin(), check.end()), check.end());
    }
    const int g = l_.gpus_per_replica;
    size_t next = 0;
    for (int r = 0; r < l_.replicas && g > 1; ++r) {  // a one-GPU replica needs no network
      while (next < check.size() && check[next] < r) ++next;
      if (r == own) continue;
      if (next >= check.size() || check[next] != r) {
        if (base_cut_[static_cast<size_t>(r)]) b.cut.push_back(r);
        continue;
      }
      const size_t ma = all.mark(), ml = local.mark();
      if (!direct_)  // switched: the replica's own GPUs route its traffic (GPU-level forwarding), others' do not
        for (int v = r * g; v < r * g + g; ++v)
          for (int port = 0; port < t_.degree(v); ++port) {
            const TopoEdge& e = t_.link_at(v, port);
            if (alive(e, s)) join(all, local, e);
          }
      if (!connected(all, local, r)) b.cut.push_back(r);
      all.undo(ma);
      local.undo(ml);
    }
    b.gpus_lost = (s.vertex >= 0 && t_.is_gpu(s.vertex) ? 1 : 0) + lost(s);
    return b;
  }

 private:
  const TopoEdge& edge(int id) const { return t_.links()[static_cast<size_t>(id)]; }
  static bool alive(const TopoEdge& e, Scenario s) { return e.id != s.link && e.u != s.vertex && e.v != s.vertex; }
  // Whether `now` (base minus the failure) splits a piece of `base` among the vertices left.
  bool splits(const UndoDsu& base, const UndoDsu& now, Scenario s) {
    bool split = false;
    std::vector<int> roots;
    for (int v = direct_ ? 0 : t_.num_gpus(); v < t_.num_vertices() && !split; ++v) {
      if (v == s.vertex) continue;
      int& first = seen_[static_cast<size_t>(base.find(v))];
      if (first < 0) {
        first = now.find(v);
        roots.push_back(base.find(v));
      } else {
        split = first != now.find(v);
      }
    }
    for (int x : roots) seen_[static_cast<size_t>(x)] = -1;
    return split;
  }
  // GPUs cut off: outside the largest piece their group (the whole fabric when they have none) falls
  // into; all of them when no two can talk any more. A GPU here joins the pieces of its links (in a
  // switched fabric it has one link into its group).
  int lost(Scenario s) const {
    if (!grouped_) return lost_all(s);
    int grp = -1;
    if (s.vertex >= 0) grp = group(s.vertex);
    if (s.link >= 0 && group(edge(s.link).u) == group(edge(s.link).v)) grp = group(edge(s.link).u);
    if (grp < 0) return base_lost_;
    return base_lost_ - base_group_lost_[static_cast<size_t>(grp)] + group_lost(grp, s);
  }
  // The GPUs of group `grp` cut off (every GPU has a group).
  int group_lost(int grp, Scenario s) const {
    const std::vector<int>& in = members_[static_cast<size_t>(grp)];
    Dsu local(in.size());
    for (int id : local_links_[static_cast<size_t>(grp)])
      if (alive(edge(id), s)) local.unite(pos_[static_cast<size_t>(edge(id).u)], pos_[static_cast<size_t>(edge(id).v)]);
    std::vector<int> size(in.size(), 0);
    int members = 0;
    for (size_t i = 0; i < in.size(); ++i)
      if (t_.is_gpu(in[i]) && in[i] != s.vertex) {
        ++size[static_cast<size_t>(local.find(static_cast<int>(i)))];
        ++members;
      }
    const int largest = size.empty() ? 0 : *std::max_element(size.begin(), size.end());
    int n = 0;
    for (size_t i = 0; i < in.size(); ++i)
      if (t_.is_gpu(in[i]) && in[i] != s.vertex) {
        const int mine = size[static_cast<size_t>(local.find(static_cast<int>(i)))];
        if (members > 1 && (mine < largest || largest == 1)) ++n;
      }
    return n;
  }
  // The same over the whole fabric (some GPU has no group).
  int lost_all(Scenario s) const {
    Dsu all(nv_), local(nv_);
    for (const TopoEdge& e : t_.links())
      if (alive(e, s)) {
        all.unite(e.u, e.v);
        if (group(e.u) >= 0 && group(e.u) == group(e.v)) local.unite(e.u, e.v);
      }
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
      if (alive(e, s)) out.push_back(e);
    return out;
  }
  int group(int v) const { return t_.vertex(v).group; }
  void join(UndoDsu& all, UndoDsu& local, const TopoEdge& e) const {
    all.unite(e.u, e.v);
    if (group(e.u) >= 0 && group(e.u) == group(e.v)) local.unite(e.u, e.v);
  }
  // Every GPU of replica r reaches its first one, and each reaches the replica's first GPU of its
  // own group inside that group (a board's GPUs do not talk through other boards' NICs).
  bool connected(const UndoDsu& all, const UndoDsu& local, int r) const {
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
  size_t nv_;
  bool direct_ = false, one_way_ = false, grouped_ = true;
  std::vector<int> routing_;                             // links between routing vertices
  std::vector<std::vector<int>> members_, local_links_;  // by group: its vertices, its links inside
  UndoDsu base_all_, base_local_;                        // the routing pieces with nothing failed
  std::vector<char> base_cut_;                           // replicas cut with nothing failed
  std::vector<int> base_group_lost_, seen_, pos_;        // pos_: a vertex's index in its group's members_
  int base_lost_ = 0;
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
  Reach reach(*t, inv.layout);
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
