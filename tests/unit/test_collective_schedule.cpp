// Collective schedules alone (no simulation), against closed forms from the request: message counts
// and bytes per rank (Thakur, Rabenseifner & Gropp 2005), halving-doubling's message sizes, the
// double binary tree's complementary trees, and data conservation, checked by replaying each step
// on the contributor sets of every byte range using only what the step's dependencies guarantee.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <functional>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "fabric/collective/collective.h"
#include "traces/system/system_config.h"

using namespace litesim;

namespace {

std::vector<int> iota(int p, int from = 0) {
  std::vector<int> v;
  for (int i = 0; i < p; ++i) v.push_back(from + i);
  return v;
}

CollSchedule make(const std::string& algo, CollOp op, int p, uint64_t bytes, uint64_t chunk = 0, int root = 0,
                  bool free_reductions = false) {
  CollectiveRequest r;
  r.free_reductions = free_reductions;
  r.op = op;
  r.group = iota(p, 10);  // GPU numbers differ from collective ranks on purpose
  r.bytes = bytes;
  r.chunk = chunk;
  r.root = root;
  return build_schedule(r, parse_algorithm(algo, "<test>"));
}

std::map<int, std::vector<const CollStep*>> sends_by_rank(const CollSchedule& s) {
  std::map<int, std::vector<const CollStep*>> out;
  for (const auto& st : s.steps)
    if (st.kind == CollStep::Kind::Send) out[st.src].push_back(&st);
  return out;
}

// ---- data conservation ----
// The data space is cut at every step boundary into segments; each rank holds, per segment, the set
// of ranks whose contribution it has (a bit mask). A Send carries its source's masks as guaranteed
// by the Send's ancestors alone; a Reduce unions its input into its GPU's masks (contributions must
// be disjoint: nothing counted twice); a copying Send replaces the receiver's masks (and must bring
// something new: nothing received twice). Every pair of steps writing the same (rank, segment) must
// be ordered by the DAG.
using Mask = uint64_t;

struct Replay {
  const CollSchedule& s;
  int p;
  std::vector<uint64_t> cuts;
  std::map<int, int> rank_of;          // GPU -> collective rank
  std::vector<std::vector<bool>> anc;  // anc[i][j]: step j is an ancestor of step i

  explicit Replay(const CollSchedule& sch) : s(sch), p(static_cast<int>(sch.request.group.size())) {
    std::set<uint64_t> c{0, s.space};
    for (const auto& st : s.steps) c.insert({st.data.offset, st.data.end()});
    for (uint64_t b : initial_cuts())
      if (b <= s.space) c.insert(b);
    cuts.assign(c.begin(), c.end());
    for (int i = 0; i < p; ++i) rank_of[s.request.group[static_cast<size_t>(i)]] = i;
    anc.assign(s.steps.size(), std::vector<bool>(s.steps.size(), false));
    for (size_t i = 0; i < s.steps.size(); ++i)
      for (uint32_t d : s.deps(i)) {
        EXPECT_LT(static_cast<size_t>(d), i) << "step " << i << " depends on a later step";
        anc[i][static_cast<size_t>(d)] = true;
        for (size_t j = 0; j < i; ++j)
          if (anc[static_cast<size_t>(d)][j]) anc[i][j] = true;
      }
  }
  size_t segs() const { return cuts.size() - 1; }
  size_t seg(uint64_t at) const {
    return static_cast<size_t>(std::lower_bound(cuts.begin(), cuts.end(), at) - cuts.begin());
  }
  // The documented layout (collective.h): block i has bytes / p bytes, one more for i < bytes % p.
  std::vector<Range> blocks(uint64_t base, uint64_t bytes) const {
    std::vector<Range> b;
    uint64_t at = base;
    for (int i = 0; i < p; ++i) {
      const uint64_t len =
          bytes / static_cast<uint64_t>(p) + (static_cast<uint64_t>(i) < bytes % static_cast<uint64_t>(p) ? 1 : 0);
      b.push_back({at, len});
      at += len;
    }
    return b;
  }
  std::vector<uint64_t> initial_cuts() const {  // every block boundary of the layouts above
    std::vector<uint64_t> c;
    const uint64_t S = s.request.bytes;
    for (int i = 0; i <= p; ++i) {
      c.push_back(S * static_cast<uint64_t>(i));
      if (i < p)
        for (const Range& b : blocks(S * static_cast<uint64_t>(i), S)) c.push_back(b.offset);
    }
    return c;
  }
  // What rank r holds at the start, and what it must hold at the end (0: anything).
  Mask init(int r, uint64_t at) const {
    const uint64_t S = s.request.bytes;
    switch (s.request.op) {
      case CollOp::AllReduce:
      case CollOp::Reduce:
      case CollOp::ReduceScatter:
        return Mask{1} << r;
      case CollOp::Broadcast:
        return r == s.request.root ? Mask{1} << r : 0;
      case CollOp::AllGather:
        return own(blocks(0, S)[static_cast<size_t>(r)], at) ? Mask{1} << r : 0;
      case CollOp::AllToAll:
      case CollOp::SendRecv:
        return at / S == static_cast<uint64_t>(r) ? Mask{1} << r : 0;
    }
    return 0;
  }
  Mask want(int r, uint64_t at) const {
    const Mask all = (Mask{1} << p) - 1;
    const uint64_t S = s.request.bytes;
    switch (s.request.op) {
      case CollOp::AllReduce:
        return all;
      case CollOp::Reduce:
        return r == s.request.root ? all : 0;
      case CollOp::ReduceScatter:
        return own(blocks(0, S)[static_cast<size_t>(r)], at) ? all : 0;
      case CollOp::Broadcast:
        return Mask{1} << s.request.root;
      case CollOp::AllGather: {
        for (int j = 0; j < p; ++j)
          if (own(blocks(0, S)[static_cast<size_t>(j)], at)) return Mask{1} << j;
        return 0;
      }
      case CollOp::AllToAll: {  // block r of every rank i's buffer
        const int i = static_cast<int>(at / S);
        return own(blocks(static_cast<uint64_t>(i) * S, S)[static_cast<size_t>(r)], at) ? Mask{1} << i : 0;
      }
      case CollOp::SendRecv:
        return static_cast<int>(at / S) == (r - 1 + p) % p ? Mask{1} << ((r - 1 + p) % p) : 0;
    }
    return 0;
  }
  static bool own(Range b, uint64_t at) { return at >= b.offset && at < b.end(); }

  // Rank r's masks over the segments of `range`, from its initial data and the effects, in schedule
  // order, of the steps in `which` (a predicate on step indices).
  template <class Pred>
  std::vector<Mask> state(int r, Range range, const std::vector<std::vector<Mask>>& payload, Pred which) const {
    std::vector<Mask> m;
    for (size_t k = seg(range.offset); k < seg(range.end()); ++k) m.push_back(init(r, cuts[k]));
    for (size_t j = 0; j < s.steps.size(); ++j) {
      const CollStep& st = s.steps[j];
      const bool fused_here = st.kind == CollStep::Kind::Send && st.fused && rank_of.at(st.dst) == r;
      const bool reduce_here = (st.kind == CollStep::Kind::Reduce && rank_of.at(st.src) == r) || fused_here;
      const bool copy_here = st.kind == CollStep::Kind::Send && !st.reduce && rank_of.at(st.dst) == r;
      if (!(reduce_here || copy_here) || !which(j)) continue;
      const auto& in = payload[reduce_here && !fused_here ? static_cast<size_t>(st.input) : j];
      const size_t first = seg(st.data.offset);
      for (size_t k = first; k < seg(st.data.end()); ++k) {
        if (k < seg(range.offset) || k >= seg(range.end())) continue;
        Mask& cur = m[k - seg(range.offset)];
        const Mask add = in[k - first];
        if (reduce_here) {
          EXPECT_EQ(cur & add, 0u) << "step " << j << " counts a contribution twice at rank " << r;
          cur |= add;
        } else {
          EXPECT_NE(cur, add) << "step " << j << " brings rank " << r << " data it already has";
          EXPECT_EQ(cur & ~add, 0u) << "step " << j << " overwrites contributions at rank " << r;
          cur = add;
        }
      }
    }
    return m;
  }

  void check() {
    std::vector<std::vector<Mask>> payload(s.steps.size());
    std::map<std::pair<int, size_t>, std::vector<size_t>> writers;  // (rank, segment) -> steps
    for (size_t i = 0; i < s.steps.size(); ++i) {
      const CollStep& st = s.steps[i];
      if (st.kind == CollStep::Kind::Reduce) {
        ASSERT_GE(st.input, 0);
        const CollStep& in = s.steps[static_cast<size_t>(st.input)];
        EXPECT_TRUE(in.kind == CollStep::Kind::Send && in.reduce && in.dst == st.src &&
                    in.data.offset == st.data.offset && in.data.bytes == st.data.bytes)
            << "reduce " << i << " does not match its input";
        EXPECT_TRUE(anc[i][static_cast<size_t>(st.input)]) << "reduce " << i << " does not wait for its input";
      } else {
        payload[i] = state(rank_of.at(st.src), st.data, payload, [&](size_t j) { return anc[i][j]; });
        for (Mask m : payload[i]) EXPECT_NE(m, 0u) << "send " << i << " carries data its source cannot have yet";
      }
      EXPECT_TRUE(!st.fused || (st.kind == CollStep::Kind::Send && st.reduce))
          << "step " << i << " fused but no reducing send";
      const bool writes = st.kind == CollStep::Kind::Reduce || !st.reduce || st.fused;
      if (writes)
        for (size_t k = seg(st.data.offset); k < seg(st.data.end()); ++k) {
          auto& w = writers[{rank_of.at(st.dst), k}];
          for (size_t j : w) EXPECT_TRUE(anc[i][j]) << "steps " << j << " and " << i << " race on one range";
          w.push_back(i);
        }
    }
    for (int r = 0; r < p; ++r) {
      const auto fin = state(r, {0, s.space}, payload, [](size_t) { return true; });
      for (size_t k = 0; k < segs(); ++k) {
        const Mask w = want(r, cuts[k]);
        if (w) {
          EXPECT_EQ(fin[k], w) << "rank " << r << " ends with the wrong data at byte " << cuts[k];
        }
      }
    }
  }
};

}  // namespace

TEST(CollectiveSchedule, RingAllReduceStepsAndBytes) {
  for (int p : {2, 3, 4, 5, 8}) {
    const uint64_t S = 840 * 64;  // divisible by every p here
    const auto s = make("ring", CollOp::AllReduce, p, S);
    for (const auto& [gpu, sends] : sends_by_rank(s)) {
      EXPECT_EQ(sends.size(), static_cast<size_t>(2 * (p - 1))) << "p=" << p;
      EXPECT_EQ(s.bytes_sent(gpu), 2 * (p - 1) * S / p) << "p=" << p;
    }
    // Chunked: each of the 2(p-1) transfers is cut into ceil((S/p) / chunk) messages.
    const uint64_t chunk = 1000;
    const auto c = make("ring", CollOp::AllReduce, p, S, chunk);
    for (const auto& [gpu, sends] : sends_by_rank(c)) {
      EXPECT_EQ(sends.size(), static_cast<size_t>(2 * (p - 1)) * ((S / p + chunk - 1) / chunk));
      EXPECT_EQ(c.bytes_sent(gpu), 2 * (p - 1) * S / p);
    }
  }
}

TEST(CollectiveSchedule, AllGatherReduceScatterAllToAllBytes) {
  const uint64_t S = 840 * 64;
  for (int p : {2, 3, 4, 7, 8})
    for (const char* algo : {"ring", "bidirectional_ring", "direct"})
      for (CollOp op : {CollOp::AllGather, CollOp::ReduceScatter}) {
        const auto s = make(algo, op, p, S);
        for (int g : s.request.group) EXPECT_EQ(s.bytes_sent(g), (p - 1) * S / p) << algo << " p=" << p;
      }
  for (int p : {2, 3, 4, 8}) {
    const auto s = make("direct", CollOp::AllToAll, p, S);
    for (int g : s.request.group) EXPECT_EQ(s.bytes_sent(g), (p - 1) * S / p);
    for (const auto& [gpu, sends] : sends_by_rank(s)) EXPECT_EQ(sends.size(), static_cast<size_t>(p - 1));
  }
}

TEST(CollectiveSchedule, HalvingDoublingMessageSizes) {
  for (int p : {2, 4, 8, 16}) {
    const uint64_t S = 1 << 20;
    const auto s = make("halving_doubling", CollOp::AllReduce, p, S);
    int logp = 0;
    while ((1 << logp) < p) ++logp;
    for (const auto& [gpu, sends] : sends_by_rank(s)) {
      ASSERT_EQ(sends.size(), static_cast<size_t>(2 * logp)) << "p=" << p;
      for (int k = 0; k < logp; ++k) {
        EXPECT_EQ(s.phases[sends[static_cast<size_t>(k)]->phase], "reduce-scatter");
        EXPECT_EQ(sends[static_cast<size_t>(k)]->data.bytes, S >> (k + 1)) << "p=" << p << " RS step " << k;
        EXPECT_EQ(s.phases[sends[static_cast<size_t>(logp + k)]->phase], "all-gather");
        EXPECT_EQ(sends[static_cast<size_t>(logp + k)]->data.bytes, S / p << k) << "p=" << p << " AG step " << k;
      }
    }
  }
}

// Non-power-of-two p (MPICH's fold): with p' the largest power of two <= p and r = p - p', ranks
// 2i < 2r hand the whole buffer to 2i+1 and get the result back from it; the other p' ranks run
// halving-doubling among themselves with messages S/2, ..., S/p' and back.
TEST(CollectiveSchedule, HalvingDoublingFoldsNonPowerOfTwo) {
  for (int p : {3, 5, 6, 7, 12}) {
    SCOPED_TRACE("p=" + std::to_string(p));
    int q = 1, logq = 0;
    while (2 * q <= p) {
      q *= 2;
      ++logq;
    }
    const int r = p - q;
    const uint64_t S = 1 << 20;
    const auto s = make("halving_doubling", CollOp::AllReduce, p, S);
    const int gpu0 = s.request.group[0];
    std::set<int> active;  // GPUs that take part in halving-doubling
    for (int i = 0; i < p; ++i)
      if (i >= 2 * r || i % 2 == 1) active.insert(gpu0 + i);
    ASSERT_EQ(active.size(), static_cast<size_t>(q));
    auto sends = sends_by_rank(s);
    for (int i = 0; i < p; ++i) {
      const int g = gpu0 + i;
      const auto& mine = sends[g];
      if (!active.count(g)) {  // folded: one send of everything to its right neighbour
        ASSERT_EQ(mine.size(), 1u) << "rank " << i;
        EXPECT_EQ(mine[0]->dst, g + 1);
        EXPECT_EQ(mine[0]->data.bytes, S);
        EXPECT_TRUE(mine[0]->reduce);
        continue;
      }
      const bool paired = i < 2 * r;
      ASSERT_EQ(mine.size(), static_cast<size_t>(2 * logq + (paired ? 1 : 0))) << "rank " << i;
      for (int k = 0; k < logq; ++k) {
        const CollStep& rsk = *mine[static_cast<size_t>(k)];
        const CollStep& agk = *mine[static_cast<size_t>(logq + k)];
        EXPECT_TRUE(active.count(rsk.dst) && active.count(agk.dst)) << "rank " << i << " step " << k;
        EXPECT_EQ(rsk.data.bytes, S >> (k + 1)) << "rank " << i << " RS step " << k;
        EXPECT_EQ(agk.data.bytes, (S / q) << k) << "rank " << i << " AG step " << k;
      }
      if (paired) {  // the result back to its left neighbour
        EXPECT_EQ(mine.back()->dst, g - 1);
        EXPECT_EQ(mine.back()->data.bytes, S);
        EXPECT_FALSE(mine.back()->reduce);
      }
    }
    // 2r S of folding plus the power-of-two all-reduce's 2(p'-1)/p' S per active rank.
    EXPECT_EQ(s.bytes_sent(), 2 * static_cast<uint64_t>(r) * S + 2 * static_cast<uint64_t>(q - 1) * S);
  }
}

TEST(CollectiveSchedule, DoubleBinaryTreesAreComplementary) {
  for (int p : {2, 3, 4, 5, 6, 7, 8, 12, 16, 31, 32}) {
    const auto s = make("double_binary_tree", CollOp::AllReduce, p, 1000);
    std::map<int, int> interior;     // GPU -> trees in which it has a child
    std::map<std::string, int> ups;  // phase -> up messages
    for (size_t i = 0; i < s.steps.size(); ++i) {
      const CollStep& st = s.steps[i];
      const std::string& phase = s.phase(i);
      if (st.kind == CollStep::Kind::Send && phase.find("-up") != std::string::npos) {
        ++ups[phase];
        interior[st.dst] |= 1 << (phase[4] - '0');  // "tree0-up" / "tree1-up"
      }
    }
    EXPECT_EQ(ups["tree0-up"], p - 1) << "p=" << p;  // a spanning tree: p-1 edges
    EXPECT_EQ(ups["tree1-up"], p - 1) << "p=" << p;
    int both = 0;
    for (const auto& [gpu, trees] : interior) both += trees == 3;
    // Even p (NCCL mirrors tree 0): no rank is interior in both. Odd p (NCCL shifts it): only rank 0.
    EXPECT_EQ(both, p % 2 == 0 ? 0 : 1) << "p=" << p;
  }
}

TEST(CollectiveSchedule, DataConservation) {
  const std::vector<std::pair<std::string, std::vector<CollOp>>> algos = {
      {"ring",
       {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::Broadcast, CollOp::Reduce,
        CollOp::SendRecv}},
      {"bidirectional_ring",
       {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::Broadcast, CollOp::Reduce}},
      {"direct",
       {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::AllToAll, CollOp::Broadcast,
        CollOp::Reduce, CollOp::SendRecv}},
      {"halving_doubling", {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter}},
      {"double_binary_tree", {CollOp::AllReduce}},
      {"hierarchical group_size=2", {CollOp::AllReduce}},
      {"hierarchical group_size=4 inner=direct outer=halving_doubling", {CollOp::AllReduce}},
      {"hierarchical group_size=3 inner=halving_doubling outer=halving_doubling", {CollOp::AllReduce}},
  };
  for (const auto& [algo, ops] : algos)
    for (CollOp op : ops)
      for (int p : {2, 3, 4, 5, 6, 7, 8})
        for (uint64_t chunk : {uint64_t{0}, uint64_t{7}})
          for (bool free : {false, true}) {
            if (algo == "hierarchical group_size=2" && p % 2) continue;
            if (algo.find("group_size=4") != std::string::npos && p % 4) continue;
            if (algo.find("group_size=3") != std::string::npos && p % 3) continue;
            SCOPED_TRACE(algo + " " + op_name(op) + " p=" + std::to_string(p) + " chunk=" + std::to_string(chunk) +
                         (free ? " free reductions" : ""));
            Replay(make(algo, op, p, 61, chunk, p - 1, free)).check();  // 61 B: blocks of unequal size
          }
}

// Free reductions fold exactly the Reduce steps that wait for nothing but their input: all of a
// ring all-reduce's (p(p-1) fewer steps, every reducing send fused), none of a tree's second child
// (its reduction waits for the first child's too), and the other dependencies are unchanged.
TEST(CollectiveSchedule, FreeReductionsFoldOnlyReductionsThatWaitForTheirInputAlone) {
  for (int p : {3, 4, 8}) {
    const auto kept = make("ring", CollOp::AllReduce, p, 1000, 0, 0, false);
    const auto free = make("ring", CollOp::AllReduce, p, 1000, 0, 0, true);
    EXPECT_EQ(kept.steps.size(), free.steps.size() + static_cast<size_t>(p * (p - 1)));
    EXPECT_EQ(free.sends(), kept.sends());
    for (const CollStep& st : free.steps) {
      EXPECT_EQ(st.kind, CollStep::Kind::Send);
      EXPECT_EQ(st.fused, st.reduce);
    }
  }
  const auto kept = make("double_binary_tree", CollOp::AllReduce, 8, 1000, 0, 0, false);
  const auto free = make("double_binary_tree", CollOp::AllReduce, 8, 1000, 0, 0, true);
  size_t reduces = 0, kept_reduces = 0;
  for (const CollStep& st : free.steps) reduces += st.kind == CollStep::Kind::Reduce;
  for (size_t i = 0; i < kept.steps.size(); ++i)  // a Reduce that waits for more than its input stays
    kept_reduces += kept.steps[i].kind == CollStep::Kind::Reduce && kept.deps(i).size() > 1;
  EXPECT_GT(reduces, 0u);
  EXPECT_EQ(reduces, kept_reduces);
}

// `hierarchical` with group_size 0 on the shipped lite-hierarchical-16 system groups by the
// topology's vertex.group: every send stays inside a group between ring neighbours (the inner
// phases) or runs along a rail (GPU i of each group, the outer phase), the volumes are those of
// G inner ring reduce-scatters and all-gathers of S and n rail all-reduces of S/n, and the data
// are conserved.
TEST(CollectiveSchedule, HierarchicalGroupsByTopology) {
  const ResolvedSystem rs =
      resolve_system(std::string(LITESIM_CONFIGS_DIR) + "/system/lite-hierarchical-16.yaml", {}, LITESIM_CONFIGS_DIR);
  const auto topo = TopologyRegistry::instance().create(rs.params.fabric.topology);
  const ConfigPtr& tp = rs.params.fabric.topology.params;
  const int G = std::stoi(tp->find("groups")->scalar), n = std::stoi(tp->find("inner")->find("size")->scalar);
  ASSERT_EQ(topo->num_gpus(), G * n);
  auto adjacent = [&](int a, int b) {
    for (int port = 0; port < topo->degree(a); ++port)
      if (topo->peer(a, port).first == b) return true;
    return false;
  };
  const uint64_t S = 61 * 16;
  CollectiveRequest r;
  r.group = iota(G * n);
  r.bytes = S;
  const auto s = build_schedule(r, parse_algorithm("hierarchical", "<test>"), topo.get());
  uint64_t inner = 0, outer = 0;
  for (const auto& st : s.steps) {
    if (st.kind != CollStep::Kind::Send) continue;
    const int ga = topo->vertex(st.src).group, gb = topo->vertex(st.dst).group;
    ASSERT_GE(ga, 0);
    if (ga == gb) {
      EXPECT_TRUE(adjacent(st.src, st.dst)) << "inner send " << st.src << "->" << st.dst << " is not one ring hop";
      inner += st.data.bytes;
    } else {
      EXPECT_EQ(st.src % n, st.dst % n) << "outer send " << st.src << "->" << st.dst << " leaves its rail";
      outer += st.data.bytes;
    }
  }
  EXPECT_EQ(inner, static_cast<uint64_t>(G) * 2 * (n - 1) * S);  // ring RS + AG of S in each group
  EXPECT_EQ(outer, 2 * static_cast<uint64_t>(G - 1) * S);        // n rails, ring all-reduce of S/n each
  Replay(s).check();
}

// The checker itself catches broken schedules: a send that no longer waits for the data it
// forwards, and a message delivered twice.
// `s` rebuilt step by step, with the dependencies `deps_of` gives each step.
CollSchedule rebuilt(const CollSchedule& s, const std::function<std::vector<uint32_t>(size_t)>& deps_of) {
  CollSchedule out;
  out.request = s.request;
  out.algorithm = s.algorithm;
  out.space = s.space;
  for (size_t i = 0; i < s.steps.size(); ++i) out.append(s.steps[i], deps_of(i), s.phase(i));
  return out;
}
void check_missing_dependency() {
  const auto s = make("ring", CollOp::AllReduce, 4, 64);
  size_t cut = s.steps.size();
  for (size_t i = 0; i < s.steps.size() && cut == s.steps.size(); ++i)
    if (s.phase(i) == "all-gather" && !s.deps(i).empty()) cut = i;
  Replay(rebuilt(s, [&](size_t i) { return i == cut ? std::vector<uint32_t>{} : s.deps(i).vec(); })).check();
}
void check_duplicate_send() {
  auto s = make("ring", CollOp::AllGather, 4, 64);
  const uint32_t last = static_cast<uint32_t>(s.steps.size() - 1);
  s.append(s.steps.back(), {last}, s.phase(last));
  Replay(s).check();
}
// Whether running `f` reports a failure whose message contains `text` (the failures are kept out of
// this test's own result).
bool reports(void (*f)(), const std::string& text) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter intercept(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    f();
  }
  for (int i = 0; i < results.size(); ++i)
    if (std::string(results.GetTestPartResult(i).message()).find(text) != std::string::npos) return true;
  return false;
}
TEST(CollectiveSchedule, CheckerCatchesBrokenSchedules) {
  EXPECT_TRUE(reports(check_missing_dependency, "overwrites contributions"));  // forwards a partial sum
  EXPECT_TRUE(reports(check_duplicate_send, "already has"));
}

TEST(CollectiveSchedule, ChunksPipelineWithExactDependencies) {
  // Ring broadcast over 4 ranks in 3 chunks: chunk c of hop k waits for chunk c of hop k-1 only.
  const auto s = make("ring", CollOp::Broadcast, 4, 30, 10);
  ASSERT_EQ(s.steps.size(), 9u);
  for (size_t i = 0; i < s.steps.size(); ++i) {
    const size_t hop = i / 3, c = i % 3;
    EXPECT_EQ(s.steps[i].data.offset, 10 * c);
    if (hop == 0)
      EXPECT_TRUE(s.deps(i).empty());
    else
      EXPECT_EQ(s.deps(i).vec(), std::vector<uint32_t>{static_cast<uint32_t>(i - 3)});
  }
}

TEST(CollectiveSchedule, BadRequests) {
  EXPECT_THROW(parse_op("allreduse"), CollectiveError);
  EXPECT_THROW(make("ring", CollOp::AllToAll, 4, 64), CollectiveError);
  EXPECT_THROW(make("double_binary_tree", CollOp::Broadcast, 4, 64), CollectiveError);
  EXPECT_THROW(make("hierarchical group_size=3", CollOp::AllReduce, 4, 64), CollectiveError);
  EXPECT_THROW(make("ring", CollOp::AllReduce, 1, 64), CollectiveError);
  EXPECT_THROW(make("ring", CollOp::Broadcast, 4, 64, 0, 4), CollectiveError);
  EXPECT_THROW(make("ring", CollOp::AllReduce, 4, 0), CollectiveError);
  EXPECT_THROW(parse_algorithm("rign", "<test>"), ConfigError);
  EXPECT_THROW(parse_algorithm("hierarchical group_sise=2", "<test>"), ConfigError);
}
