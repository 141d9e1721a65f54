#include "fabric/backend/link_faults.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/sim_time.h"

namespace litesim {

LinkFaults::LinkFaults(const Topology& topo, const std::vector<LinkFault>& faults, const RecoveryParams& recovery,
                       SimContext& sim, std::function<void(const Change&)> apply, std::function<bool()> busy)
    : topo_(topo),
      detect_(recovery.detect),
      reconverge_(recovery.reconverge),
      apply_(std::move(apply)),
      busy_(std::move(busy)) {
  links_.resize(static_cast<size_t>(topo_.num_links()));
  for (size_t i = 0; i < faults.size(); ++i) {
    const LinkFault& f = faults[i];
    changes_.push_back({f.at, f.link, f.kind == FaultKind::Degrade ? Change::Degrade : Change::Die, f.remaining, i});
    if (f.kind == FaultKind::Flap) changes_.push_back({f.at + f.duration, f.link, Change::Revive, 1.0, i});
    report_.faults.push_back({f.text, f.link, f.at, f.at + detect_, f.at + detect_ + reconverge_,
                              f.kind == FaultKind::FailStop ? f.gpu : -1});
    if (f.kind == FaultKind::Degrade) report_.faults.back().detected = report_.faults.back().rerouted = f.at;
  }
  std::stable_sort(changes_.begin(), changes_.end(), [](const Change& a, const Change& b) { return a.at < b.at; });
  if (changes_.empty()) return;
  sc_core::sc_spawn_options opts;
  opts.spawn_method();
  opts.set_sensitivity(&due_);
  opts.dont_initialize();
  sc_core::sc_spawn(sim.guard([this] {
    catch_up();
    arm();
  }),
                    "faults", &opts);
}

void LinkFaults::catch_up() {
  const Time now = sim_now();
  while (next_ < changes_.size() && !(now < changes_[next_].at)) {
    Change c = changes_[next_++];
    LinkState& ls = links_[static_cast<size_t>(c.link)];
    detours_.clear();
    // A link is dead while any of its deaths lasts (a fail-stop forever, a flap for its duration):
    // the backend hears of the first death and of the last revival only. It runs at its latest
    // degrade's share when alive, and comes back at that share.
    if (c.what == Change::Die) {
      if (ls.deaths++ > 0) continue;
      ls.died = c.at;
      ++links_dead_;
    } else if (c.what == Change::Revive) {
      if (ls.deaths == 0 || --ls.deaths > 0) continue;
      --links_dead_;
      c.share = ls.share;
    } else {
      ls.share = c.share;
      if (ls.deaths > 0) continue;  // applies when the link comes back
    }
    apply_(c);
  }
}

void LinkFaults::arm() {
  if (next_ < changes_.size() && busy_()) due_.notify(to_sc(changes_[next_].at - sim_now()));
}

LinkFaults::Fate LinkFaults::route(int src, int dst, std::vector<RouteStep>& steps, Time now, Time& retry) {
  Time converged{};
  bool crosses = false;
  for (const RouteStep& st : steps) {
    const int l = topo_.link_at(st.vertex, st.port).id;
    if (!dead(l)) continue;
    crosses = true;
    converged = std::max(converged, this->converged(l));
  }
  if (!crosses) return Fate::Normal;
  if (now < converged) {
    retry = converged;
    return Fate::BlackHole;
  }
  const auto key = std::make_pair(src, dst);
  auto it = detours_.find(key);
  if (it == detours_.end()) it = detours_.emplace(key, detour(src, dst)).first;
  steps = it->second;
  retry = Time{-1};
  return steps.empty() ? Fate::NoRoute : Fate::Detour;
}

std::vector<RouteStep> LinkFaults::detour(int src, int dst) const {
  const bool gpus_forward = topo_.num_switches() == 0;
  std::vector<int> from(static_cast<size_t>(topo_.num_vertices()), -2), via(from.size(), -1);
  std::vector<int> queue{src};
  from[static_cast<size_t>(src)] = -1;
  for (size_t qi = 0; qi < queue.size() && from[static_cast<size_t>(dst)] == -2; ++qi) {
    const int v = queue[qi];
    if (v != src && topo_.is_gpu(v) && !gpus_forward) continue;
    for (int p = 0; p < topo_.degree(v); ++p) {
      if (!topo_.can_send(v, p) || dead(topo_.link_at(v, p).id)) continue;
      const int w = topo_.peer(v, p).first;
      if (from[static_cast<size_t>(w)] != -2) continue;
      from[static_cast<size_t>(w)] = v;
      via[static_cast<size_t>(w)] = p;
      queue.push_back(w);
    }
  }
  std::vector<RouteStep> steps;
  if (from[static_cast<size_t>(dst)] == -2) return steps;
  for (int w = dst; w != src; w = from[static_cast<size_t>(w)])
    steps.push_back({from[static_cast<size_t>(w)], via[static_cast<size_t>(w)], 0});
  std::reverse(steps.begin(), steps.end());
  return steps;
}

void LinkFaults::lost(const MessageInfo& m, Time now) {
  ++report_.messages_lost;
  if (report_.first_lost.ps < 0) report_.first_lost = now;
  lost_.push_back(fmt::format("message {} gpu{} -> gpu{} ({} B) lost: no route around the dead links", m.id, m.src,
                              m.dst, m.bytes));
}

std::string LinkFaults::lost_report() const {
  std::string s;
  for (const std::string& l : lost_) s += "  " + l + "\n";
  return s;
}

}  // namespace litesim
