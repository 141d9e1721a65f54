// `halving_doubling`: Rabenseifner's all-reduce (Thakur, Rabenseifner & Gropp 2005, section 4.4):
// reduce-scatter by recursive halving (step k: exchange half of the range still held with the rank
// p/2^(k+1) away, keep and reduce the other half: messages S/2, S/4, ..., S/p), then all-gather by
// recursive doubling (the same exchanges in reverse: S/p, ..., S/2); sizes are exact when p divides S. log2(p) steps
// per phase. Power-of-two groups only; other sizes are refused with an error (the usual fix, folding the extra ranks
// into their neighbours first, is not implemented).
#include <fmt/format.h>

#include "fabric/collective/schedule_builder.h"

namespace litesim {
namespace {

struct HdParams {
  static const ParamSet<HdParams>& schema() {
    static const ParamSet<HdParams> s("halving_doubling", "recursive halving / doubling collective (no parameters)");
    return s;
  }
};

class HalvingDoubling : public CollectiveAlgorithm {
 public:
  HalvingDoubling(const HdParams&, const Topology*) {}
  void emit(ScheduleBuilder& b, const CollView& v) const override {
    const int p = v.size();
    if ((p & (p - 1)) != 0)
      throw CollectiveError(fmt::format("halving_doubling needs a power-of-two group, this one has {} ranks", p));
    const bool rs = v.op == CollOp::AllReduce || v.op == CollOp::ReduceScatter;
    const bool ag = v.op == CollOp::AllReduce || v.op == CollOp::AllGather;
    if (!rs && !ag) unsupported("halving_doubling", v.op);
    // Rank r's range is a run of the p blocks of split_even (the layout reduce-scatter ends with
    // and all-gather starts from), held as block indices [lo, hi). Halving keeps the lower half at
    // the rank whose bit d is 0, so after the last step rank r holds block r.
    const std::vector<Range> blocks = split_even({v.base, v.bytes}, p);
    auto range = [&](std::pair<int, int> ix) {
      const uint64_t lo = blocks[static_cast<size_t>(ix.first)].offset;
      return Range{lo, blocks[static_cast<size_t>(ix.second - 1)].end() - lo};
    };
    auto gpu = [&](int r) { return v.gpus[static_cast<size_t>(r)]; };
    std::vector<std::pair<int, int>> held(static_cast<size_t>(p), {0, p});
    std::vector<std::vector<std::pair<int, int>>> history;  // held ranges before each halving step
    for (int d = p / 2; d >= 1; d /= 2) {
      history.push_back(held);
      for (int r = 0; r < p; ++r) {
        auto& h = held[static_cast<size_t>(r)];
        const int mid = (h.first + h.second) / 2;
        const bool low = (r & d) == 0;
        const std::pair<int, int> keep = low ? std::make_pair(h.first, mid) : std::make_pair(mid, h.second);
        const std::pair<int, int> give = low ? std::make_pair(mid, h.second) : std::make_pair(h.first, mid);
        if (rs) b.transfer(gpu(r), gpu(r ^ d), range(give), true, "reduce-scatter");
        h = keep;
      }
    }
    if (!ag) return;
    // All-gather: each step rank r sends all it holds to its partner and receives the partner's,
    // so its held range doubles back through `history`.
    int k = static_cast<int>(history.size()) - 1;
    for (int d = 1; d < p; d *= 2, --k) {
      for (int r = 0; r < p; ++r)
        b.transfer(gpu(r), gpu(r ^ d), range(held[static_cast<size_t>(r)]), false, "all-gather");
      held = history[static_cast<size_t>(k)];
    }
  }
};

const CollectiveRegistrar<HalvingDoubling, HdParams> reg(
    "halving_doubling", "recursive halving reduce-scatter + recursive doubling all-gather (power-of-two groups)",
    {CollOp::AllReduce, CollOp::ReduceScatter, CollOp::AllGather});

}  // namespace
}  // namespace litesim
