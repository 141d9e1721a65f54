// `hierarchical`: all-reduce on a multi-dimensional system in three phases, as NCCL's and
// Megatron's 2D schemes do: ranks form groups (group_size consecutive ranks of the group order, or
// the topology's vertex.group when group_size is 0), member l of every group sits on rail l.
//   1. reduce-scatter inside each group (the `inner` algorithm): member l holds block l of S/G;
//   2. all-reduce of block l across the groups, on rail l (the `outer` algorithm), all rails at once;
//   3. all-gather inside each group (`inner`).
// A single group is the inner algorithm's all-reduce. The phases chain through the data
// (schedule_builder.h): rail l starts block l's all-reduce at a rank as soon as that rank has
// reduced its block l, not at a barrier.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "fabric/collective/schedule_builder.h"

namespace litesim {
namespace {

struct HierParams {
  int group_size = 0;
  std::string inner, outer;
  static const ParamSet<HierParams>& schema() {
    static const ParamSet<HierParams> s(
        "hierarchical", "two-level all-reduce: inside groups, then across them", [](auto& p) {
          p.integer("group_size", &HierParams::group_size,
                    "ranks per group, consecutive in group order; 0: group by the topology's vertex.group")
              .at_least(0)
              .fallback("0");
          p.string("inner", &HierParams::inner, "algorithm inside a group (reduce-scatter, then all-gather)")
              .fallback("ring");
          p.string("outer", &HierParams::outer, "algorithm across groups (all-reduce on each rail)").fallback("ring");
        });
    return s;
  }
};

// The `inner` or `outer` algorithm, which must be a flat one implementing `needs`.
std::unique_ptr<CollectiveAlgorithm> make_part(const std::string& name, const char* role, const Topology* topo,
                                               const std::vector<CollOp>& needs) {
  if (!Catalog::instance().find("collective", name) || name == "hierarchical")
    throw CollectiveError(fmt::format("hierarchical: {}={} is not a flat collective algorithm; registered: {}", role,
                                      name, fmt::join(Catalog::instance().names("collective"), ", ")));
  try {
    for (CollOp op : needs) require_op(name, op);
  } catch (const CollectiveError& err) {
    throw CollectiveError(fmt::format("hierarchical: {}={}: {}", role, name, err.what()));
  }
  return CollectiveRegistry::instance().create(normalised_algorithm(ImplConfig{name, nullptr}), topo);
}

class Hierarchical : public CollectiveAlgorithm {
 public:
  Hierarchical(const HierParams& p, const Topology* topo)
      : p_(p),
        topo_(topo),
        inner_(make_part(p.inner, "inner", topo, {CollOp::ReduceScatter, CollOp::AllGather})),
        outer_(make_part(p.outer, "outer", topo, {CollOp::AllReduce})) {}

  void emit(ScheduleBuilder& b, const CollView& v) const override {
    if (v.op != CollOp::AllReduce) unsupported("hierarchical", v.op);
    const auto groups = make_groups(v);
    const int g = static_cast<int>(groups.front().size());
    // One group: nothing crosses a rail, so this is the inner algorithm's own all-reduce (a
    // reduce-scatter and an all-gather composed may move more: halving-doubling's fold would
    // resend the folded ranks' blocks to partners that already hold them reduced).
    const auto& inner_ops = collective_ops(p_.inner);
    if (groups.size() == 1 && std::find(inner_ops.begin(), inner_ops.end(), CollOp::AllReduce) != inner_ops.end())
      return inner_->emit(b, CollView{CollOp::AllReduce, groups.front(), v.bytes, v.base, 0});
    const auto blocks = split_even({v.base, v.bytes}, g);
    if (g > 1)
      for (const auto& grp : groups) inner_->emit(b, CollView{CollOp::ReduceScatter, grp, v.bytes, v.base, 0});
    if (groups.size() > 1)
      for (int l = 0; l < g; ++l) {
        std::vector<int> rail;
        for (const auto& grp : groups) rail.push_back(grp[static_cast<size_t>(l)]);
        const Range blk = blocks[static_cast<size_t>(l)];
        if (blk.bytes > 0) outer_->emit(b, CollView{CollOp::AllReduce, rail, blk.bytes, blk.offset, 0});
      }
    if (g > 1)
      for (const auto& grp : groups) inner_->emit(b, CollView{CollOp::AllGather, grp, v.bytes, v.base, 0});
  }

 private:
  std::vector<std::vector<int>> make_groups(const CollView& v) const {
    const int p = v.size();
    std::vector<std::vector<int>> groups;
    if (p_.group_size > 0) {
      if (p % p_.group_size != 0)
        throw CollectiveError(
            fmt::format("hierarchical: group_size {} does not divide the {} ranks", p_.group_size, p));
      for (int i = 0; i < p; ++i) {
        if (i % p_.group_size == 0) groups.emplace_back();
        groups.back().push_back(v.gpus[static_cast<size_t>(i)]);
      }
      return groups;
    }
    std::map<int, size_t> index;  // topology group -> position in `groups`, in order of first rank
    for (int gpu : v.gpus) {
      const int tg = topo_ ? topo_->vertex(gpu).group : -1;
      if (tg < 0)
        throw CollectiveError(
            fmt::format("hierarchical: GPU {} has no group in the topology; give group_size (e.g. --algo 'hierarchical "
                        "group_size=2')",
                        gpu));
      auto it = index.emplace(tg, groups.size()).first;
      if (it->second == groups.size()) groups.emplace_back();
      groups[it->second].push_back(gpu);
    }
    for (const auto& grp : groups)
      if (grp.size() != groups.front().size())
        throw CollectiveError("hierarchical: the topology's groups differ in size within this collective's ranks");
    return groups;
  }

  HierParams p_;
  const Topology* topo_;
  std::unique_ptr<CollectiveAlgorithm> inner_, outer_;
};

const CollectiveRegistrar<Hierarchical, HierParams> reg(
    "hierarchical", "reduce-scatter inside groups, all-reduce across groups on rails, all-gather inside groups",
    {CollOp::AllReduce});

}  // namespace
}  // namespace litesim
