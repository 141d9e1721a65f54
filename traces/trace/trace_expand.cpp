// TraceDoc -> Trace: repeats expanded, names resolved, groups and streams indexed, cycles rejected;
// Trace -> TraceDoc (trace_to_doc); and the cross-rank checks of check_trace(). docs/trace-format.md
// gives the naming rules.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "traces/trace/trace.h"

namespace litesim {
namespace {

constexpr uint64_t kMaxOpsPerRank = 50'000'000;

// Ops a block expands to (saturating at kMaxOpsPerRank + 1).
uint64_t block_size(const Block& b) {
  uint64_t n = 0;
  for (const BlockItem& it : b.items) {
    const uint64_t add = it.is_repeat ? static_cast<uint64_t>(it.repeat.count) * block_size(*it.repeat.body) : 1;
    n = std::min(n + add, kMaxOpsPerRank + 1);
  }
  return n;
}

struct Scope {
  std::map<std::string, uint32_t> here;                         // this instance's direct ops
  std::map<std::string, std::map<std::string, uint32_t>> last;  // repeat id -> its last iteration's ops
  const std::map<std::string, uint32_t>* prev = nullptr;        // the previous iteration's (inside a repeat)
  bool in_repeat = false;
  const Scope* parent = nullptr;
  std::string prefix;  // "layer[3]." inside iteration 3 of repeat `layer`
};

class Expander {
 public:
  Expander(const TraceDoc& d, Trace& t) : d_(d), t_(t) {}

  void rank(const RankProgram& p, int r) {
    const uint64_t size = block_size(p.body);
    if (size > kMaxOpsPerRank)
      throw ConfigError(p.loc, "ranks", fmt::format("rank {} expands to more than {} ops", r, kMaxOpsPerRank));
    rank_ = r;
    ops_ = &t_.ranks[static_cast<size_t>(r)].ops;
    ops_->reserve(size);
    Scope top;
    emit(p.body, top);
    check_cycles();
  }

 private:
  // Flat index of each direct op of `b` when the block starts at `base`.
  void index_block(const Block& b, uint32_t base, Scope& s) {
    uint64_t at = base;
    for (const BlockItem& it : b.items) {
      if (it.is_repeat) {
        at += static_cast<uint64_t>(it.repeat.count) * block_size(*it.repeat.body);
        continue;
      }
      if (!s.here.emplace(it.op.id, static_cast<uint32_t>(at)).second)
        throw ConfigError(it.op.loc, it.op.id,
                          fmt::format("op id '{}' is used twice in one block of rank {}", it.op.id, rank_));
      ++at;
    }
  }

  void emit(const Block& b, Scope& s) {
    index_block(b, static_cast<uint32_t>(ops_->size()), s);
    for (const BlockItem& it : b.items) {
      if (!it.is_repeat) {
        ops_->push_back(make_op(it.op, s));
        continue;
      }
      std::map<std::string, uint32_t> last;
      for (int64_t i = 0; i < it.repeat.count; ++i) {
        Scope child;
        child.parent = &s;
        child.in_repeat = true;
        child.prev = i == 0 ? nullptr : &last;
        child.prefix = fmt::format("{}{}[{}].", s.prefix, it.repeat.id, i);
        emit(*it.repeat.body, child);
        last = std::move(child.here);
      }
      s.last[it.repeat.id] = std::move(last);
    }
  }

  uint32_t resolve(const std::string& name, const SourceLoc& loc, const Scope& s, bool* none) const {
    *none = false;
    if (name.rfind("prev.", 0) == 0) {
      if (!s.in_repeat) throw ConfigError(loc, name, "prev.ID refers to the previous iteration: only inside a repeat");
      if (!s.prev) {
        *none = true;  // the first iteration has no previous one
        return 0;
      }
      const auto it = s.prev->find(name.substr(5));
      if (it == s.prev->end())
        throw ConfigError(loc, name, fmt::format("no op '{}' in this repeat block", name.substr(5)));
      return it->second;
    }
    if (const auto dot = name.find('.'); dot != std::string::npos) {  // REPEAT.ID: its last iteration's ID
      const std::string rep = name.substr(0, dot), id = name.substr(dot + 1);
      for (const Scope* c = &s; c; c = c->parent) {
        const auto r = c->last.find(rep);
        if (r == c->last.end()) continue;
        const auto it = r->second.find(id);
        if (it == r->second.end()) throw ConfigError(loc, name, fmt::format("repeat '{}' has no op '{}'", rep, id));
        return it->second;
      }
      throw ConfigError(
          loc, name,
          fmt::format("no repeat '{}' before this op in its block or an enclosing one of rank {}", rep, rank_));
    }
    for (const Scope* c = &s; c; c = c->parent) {
      const auto it = c->here.find(name);
      if (it != c->here.end()) return it->second;
    }
    throw ConfigError(loc, name, fmt::format("no op '{}' in this block or an enclosing one of rank {}", name, rank_));
  }

  int stream_index(const std::string& name) {
    const auto it = std::find(t_.streams.begin(), t_.streams.end(), name);
    if (it != t_.streams.end()) return static_cast<int>(it - t_.streams.begin());
    t_.streams.push_back(name);
    return static_cast<int>(t_.streams.size()) - 1;
  }

  int group_index(const std::string& name, const SourceLoc& loc) const {
    for (size_t g = 0; g < t_.groups.size(); ++g)
      if (t_.groups[g].name == name) return static_cast<int>(g);
    std::vector<std::string> names;
    for (const auto& g : t_.groups) names.push_back(g.name);
    throw ConfigError(loc, "group", fmt::format("no rank group '{}'; the trace has: {}", name, fmt::join(names, ", ")));
  }

  TraceOp make_op(const OpSpec& o, const Scope& s) {
    TraceOp op;
    op.id = s.prefix + o.id;
    op.name = o.id;
    op.kind = o.kind;
    op.stream = stream_index(o.stream.empty() ? default_stream(o.kind) : o.stream);
    op.kernel = o.kernel;
    op.kernel.name = o.id;
    op.bytes = o.bytes;
    op.tag = o.tag;
    op.coll = o.coll;
    op.root = o.root;
    op.algo = o.algo;
    op.duration = o.duration;
    op.loc = o.loc;
    op.peer = o.peer_relative ? rank_ + o.peer_offset : o.peer;
    const bool has_peer = o.kind == TraceOpKind::Send || o.kind == TraceOpKind::Recv ||
                          o.kind == TraceOpKind::RemoteRead || o.kind == TraceOpKind::RemoteWrite;
    if (has_peer) {
      if (op.peer < 0 || op.peer >= d_.gpus)
        throw ConfigError(
            o.loc, op.id,
            fmt::format("rank {}'s peer {} is out of range (the trace has {} GPUs)", rank_, op.peer, d_.gpus));
      if (op.peer == rank_) throw ConfigError(o.loc, op.id, fmt::format("rank {} names itself as its peer", rank_));
    }
    if (o.kind == TraceOpKind::Collective || o.kind == TraceOpKind::Barrier) {
      op.group = group_index(o.group, o.loc);
      const RankGroup& g = t_.groups[static_cast<size_t>(op.group)];
      if (std::find(g.ranks.begin(), g.ranks.end(), rank_) == g.ranks.end())
        throw ConfigError(
            o.loc, op.id,
            fmt::format("rank {} is not a member of group '{}' ({})", rank_, g.name, fmt::join(g.ranks, ", ")));
      if (op.root >= static_cast<int>(g.ranks.size()))
        throw ConfigError(o.loc, op.id + ".root",
                          fmt::format("root {} is not a collective rank of group '{}' ({} members)", op.root, g.name,
                                      g.ranks.size()));
    }
    for (size_t i = 0; i < o.after.size(); ++i) {
      bool none = false;
      const uint32_t d = resolve(o.after[i], o.after_loc[i], s, &none);
      if (!none) op.deps.push_back(d);
    }
    return op;
  }

  // Kahn's algorithm; an op left over lies on or behind a cycle: report one on the cycle.
  void check_cycles() const {
    const auto& ops = *ops_;
    std::vector<std::vector<uint32_t>> deps(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) deps[i] = ops[i].deps;
    uint32_t v = 0;
    if (!stable_topological_order(deps, &v).empty() || ops.empty()) return;
    throw ConfigError(ops[v].loc, ops[v].id,
                      fmt::format("dependency cycle through op '{}' of rank {}", ops[v].id, rank_));
  }

  const TraceDoc& d_;
  Trace& t_;
  int rank_ = 0;
  std::vector<TraceOp>* ops_ = nullptr;
};

// An op id as a name of the native format: every character but letters, digits, '_' and '-'
// becomes '_'.
std::string as_name(const std::string& id) {
  std::string s = id.empty() ? "op" : id;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  return s;
}

}  // namespace

std::vector<uint32_t> stable_topological_order(const std::vector<std::vector<uint32_t>>& deps, uint32_t* on_cycle) {
  const size_t n = deps.size();
  std::vector<uint32_t> indeg(n, 0);
  std::vector<std::vector<uint32_t>> out(n);
  for (size_t i = 0; i < n; ++i)
    for (uint32_t d : deps[i]) {
      out[d].push_back(static_cast<uint32_t>(i));
      ++indeg[i];
    }
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (indeg[i] == 0) ready.push(static_cast<uint32_t>(i));
  std::vector<uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const uint32_t v = ready.top();
    ready.pop();
    order.push_back(v);
    for (uint32_t w : out[v])
      if (--indeg[w] == 0) ready.push(w);
  }
  if (order.size() == n) return order;
  // Walk back along unfinished dependencies until a node repeats: it lies on a cycle.
  size_t v = 0;
  while (indeg[v] == 0) ++v;
  std::vector<bool> seen(n, false);
  while (!seen[v]) {
    seen[v] = true;
    for (uint32_t d : deps[v])
      if (indeg[d] > 0) {
        v = d;
        break;
      }
  }
  *on_cycle = static_cast<uint32_t>(v);
  return {};
}

Trace expand(const TraceDoc& d) {
  Trace t;
  t.name = d.name;
  t.file = d.file;
  t.digest = d.digest;
  t.gpus = d.gpus;
  t.groups.push_back(world_group(d.gpus));
  t.groups.insert(t.groups.end(), d.groups.begin(), d.groups.end());
  t.ranks.resize(static_cast<size_t>(d.gpus));
  for (int r = 0; r < d.gpus; ++r) t.ranks[static_cast<size_t>(r)].rank = r;
  Expander ex(d, t);
  for (const RankProgram& p : d.programs)
    for (int r : p.ranks) ex.rank(p, r);
  return t;
}

TraceDoc trace_to_doc(const Trace& t) {
  TraceDoc d;
  d.name = t.name.empty() ? "trace" : t.name;
  d.gpus = t.gpus;
  d.groups.assign(t.groups.begin() + (t.groups.empty() ? 0 : 1), t.groups.end());  // all but `world`
  for (const TraceRank& r : t.ranks) {
    if (r.ops.empty()) continue;
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const TraceOp& op : r.ops) {
      const std::string base = as_name(op.id);
      std::string n = base;
      for (int k = 2; !used.insert(n).second; ++k) n = fmt::format("{}-{}", base, k);
      names.push_back(n);
    }
    RankProgram p;
    p.ranks = {r.rank};
    for (size_t i = 0; i < r.ops.size(); ++i) {
      const TraceOp& op = r.ops[i];
      BlockItem item;
      OpSpec& o = item.op;
      o.id = names[i];
      o.kind = op.kind;
      const std::string& stream = t.streams.at(static_cast<size_t>(op.stream));
      if (stream != default_stream(op.kind)) o.stream = stream;
      for (uint32_t dep : op.deps) o.after.push_back(names.at(dep));
      o.kernel = op.kernel;
      o.peer = op.peer;
      o.bytes = op.bytes;
      o.tag = op.tag;
      o.coll = op.coll;
      if (op.group >= 0) o.group = t.groups.at(static_cast<size_t>(op.group)).name;
      o.root = op.root;
      o.algo = op.algo;
      o.duration = op.duration;
      p.body.items.push_back(std::move(item));
    }
    d.programs.push_back(std::move(p));
  }
  return d;
}

TraceMatch match_trace(const Trace& t) {
  TraceMatch match;
  auto op_of = [&t](const OpRef& o) -> const TraceOp& { return t.ranks[static_cast<size_t>(o.first)].ops[o.second]; };
  // Every send meets a recv with the same (source, destination, tag) and size, n-th with n-th.
  std::map<std::tuple<int, int, int64_t>, std::vector<size_t>> sends;  // -> indices into match.messages
  std::map<std::tuple<int, int, int64_t>, std::vector<OpRef>> recvs;
  // Every member of a group issues the same collectives and barriers on it, in the same order:
  // on_group[g][m] lists member m's ops on group g.
  std::vector<std::vector<std::vector<uint32_t>>> on_group(t.groups.size());
  for (size_t g = 0; g < t.groups.size(); ++g) on_group[g].resize(t.groups[g].ranks.size());
  std::map<std::pair<int, size_t>, size_t> instance;  // (group, n) -> index into match.collectives
  for (size_t ri = 0; ri < t.ranks.size(); ++ri) {
    const TraceRank& r = t.ranks[ri];
    const int rank = static_cast<int>(ri);
    for (uint32_t i = 0; i < r.ops.size(); ++i) {
      const TraceOp& op = r.ops[i];
      if (op.kind == TraceOpKind::Send) {
        sends[{r.rank, op.peer, op.tag}].push_back(match.messages.size());
        match.messages.push_back({{rank, i}, {-1, 0}});
      }
      if (op.kind == TraceOpKind::Recv) recvs[{op.peer, r.rank, op.tag}].push_back({rank, i});
      if (op.group < 0 || op.group >= static_cast<int>(t.groups.size())) continue;
      const auto& members = t.groups[static_cast<size_t>(op.group)].ranks;
      const auto pos = static_cast<size_t>(std::find(members.begin(), members.end(), rank) - members.begin());
      if (pos == members.size()) continue;
      auto& seq = on_group[static_cast<size_t>(op.group)][pos];
      const auto [it, fresh] = instance.try_emplace({op.group, seq.size()}, match.collectives.size());
      if (fresh) match.collectives.push_back({op.group, seq.size(), std::vector<OpRef>(members.size(), {-1, 0})});
      match.collectives[it->second].ops[pos] = {rank, i};
      seq.push_back(i);
    }
  }
  for (const auto& [key, list] : sends) {
    const auto& rl = recvs[key];
    for (size_t i = 0; i < list.size(); ++i) {
      TraceMatch::Message& m = match.messages[list[i]];
      const TraceOp& s = op_of(m.send);
      if (i >= rl.size())
        throw ConfigError(s.loc, s.id,
                          fmt::format("send {}->{} tag {} has no matching recv in rank {}", std::get<0>(key),
                                      std::get<1>(key), std::get<2>(key), std::get<1>(key)));
      const TraceOp& rv = op_of(rl[i]);
      if (rv.bytes != s.bytes)
        throw ConfigError(
            rv.loc, rv.id,
            fmt::format("recv of {} B does not match its send of {} B ({})", rv.bytes, s.bytes, s.loc.str()));
      m.recv = rl[i];
    }
  }
  for (const auto& [key, list] : recvs) {
    const size_t ns = sends.count(key) ? sends[key].size() : 0;
    if (list.size() > ns) {
      const TraceOp& rv = op_of(list[ns]);
      throw ConfigError(rv.loc, rv.id,
                        fmt::format("recv {}<-{} tag {} has no matching send in rank {}", std::get<1>(key),
                                    std::get<0>(key), std::get<2>(key), std::get<0>(key)));
    }
  }
  for (size_t g = 0; g < t.groups.size(); ++g) {
    const RankGroup& grp = t.groups[g];
    const auto& seq = on_group[g];
    auto describe = [](const TraceOp* op) {
      if (op->kind == TraceOpKind::Barrier) return std::string("barrier");
      return fmt::format("{} of {} B{}{}", op_name(op->coll), op->bytes,
                         op->root ? fmt::format(" (root {})", op->root) : "",
                         op->algo.empty() ? "" : " by " + op->algo);
    };
    for (size_t m = 1; m < seq.size(); ++m) {
      const size_t n = std::max(seq[0].size(), seq[m].size());
      for (size_t i = 0; i < n; ++i) {
        const TraceOp* a = i < seq[0].size() ? &op_of({grp.ranks[0], seq[0][i]}) : nullptr;
        const TraceOp* b = i < seq[m].size() ? &op_of({grp.ranks[m], seq[m][i]}) : nullptr;
        const bool same = a && b && a->kind == b->kind && a->coll == b->coll && a->bytes == b->bytes &&
                          a->root == b->root && a->algo == b->algo;
        if (same) continue;
        const TraceOp* at = b ? b : a;
        throw ConfigError(at->loc, at->id,
                          fmt::format("group mismatch between ranks on group '{}': op {} on it is {} on rank {} but {} "
                                      "on rank {}",
                                      grp.name, i, a ? describe(a) : "missing", grp.ranks[0],
                                      b ? describe(b) : "missing", grp.ranks[m]));
      }
    }
  }
  return match;
}

void check_trace(const Trace& t, int gpus, const std::string& system_label) {
  if (t.gpus > gpus)
    throw ConfigError(
        SourceLoc{t.file, 0, 0}, "gpus",
        fmt::format("the trace is written for {} GPUs but the system {} has only {}", t.gpus, system_label, gpus));
  match_trace(t);
}

}  // namespace litesim
