// `halving_doubling`: Rabenseifner's all-reduce (Thakur, Rabenseifner & Gropp 2005, section 4.4):
// reduce-scatter by recursive halving (step k: exchange half of the range still held with the rank
// p/2^(k+1) away, keep and reduce the other half: messages S/2, S/4, ..., S/p), then all-gather by
// recursive doubling (the same exchanges in reverse: S/p, ..., S/2); sizes are exact when p divides
// S. log2(p) steps per phase.
//
// Any other p folds first, as MPICH's Rabenseifner all-reduce does ("dropping to the nearest lower
// power-of-two", Thakur et al. 2005; MPICH src/mpi/coll/allreduce): with p' the largest
// power of two <= p and r = p - p', the first 2r ranks pair up (2i, 2i+1); each even one hands its
// data to its odd partner (all-reduce, reduce-scatter: the whole buffer, reduced there; all-gather:
// its block, copied), the p' remaining ranks (the odd ones of the pairs, then ranks 2r..p-1) run
// the power-of-two algorithm, and each odd rank hands the even one its result at the end
// (all-reduce: the whole buffer; reduce-scatter: block 2i; all-gather: everything but block 2i).
// All-reduce splits the buffer evenly over the p' ranks (messages S/2, ..., S/p'); reduce-scatter
// and all-gather keep the op's p blocks, the pair's rank owning blocks 2i and 2i+1.
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
    const bool rs = v.op == CollOp::AllReduce || v.op == CollOp::ReduceScatter;
    const bool ag = v.op == CollOp::AllReduce || v.op == CollOp::AllGather;
    if (!rs && !ag) unsupported("halving_doubling", v.op);
    int q = 1;  // p'
    while (2 * q <= p) q *= 2;
    const int r = p - q;
    auto gpu = [&](int rank) { return v.gpus[static_cast<size_t>(rank)]; };
    // The p' ranks that run the power-of-two algorithm: active rank j is collective rank act(j).
    auto act = [&](int j) { return j < r ? 2 * j + 1 : j + r; };
    const Range all{v.base, v.bytes};
    const std::vector<Range> blocks = split_even(all, p);
    auto block = [&](int i) { return blocks[static_cast<size_t>(i)]; };
    // What active rank j holds after the reduce-scatter and starts the all-gather from: runs of the
    // buffer in increasing order, so that any run of active ranks [lo, hi) holds one range.
    std::vector<Range> owned;
    if (v.op == CollOp::AllReduce)
      owned = split_even(all, q);
    else
      for (int j = 0; j < q; ++j)
        owned.push_back(j < r ? Range{block(2 * j).offset, block(2 * j).bytes + block(2 * j + 1).bytes} : block(j + r));
    auto range = [&](std::pair<int, int> ix) {
      const uint64_t lo = owned[static_cast<size_t>(ix.first)].offset;
      return Range{lo, owned[static_cast<size_t>(ix.second - 1)].end() - lo};
    };

    for (int i = 0; i < r; ++i)  // fold in
      b.transfer(gpu(2 * i), gpu(2 * i + 1), rs ? all : block(2 * i), rs, "fold-in");
    // Active rank j's range as a run of active ranks [lo, hi). Halving keeps the lower half at the
    // rank whose bit d is 0, so after the last step rank j holds owned[j].
    std::vector<std::pair<int, int>> held(static_cast<size_t>(q), {0, q});
    std::vector<std::vector<std::pair<int, int>>> history;  // held ranges before each halving step
    for (int d = q / 2; d >= 1; d /= 2) {
      history.push_back(held);
      for (int j = 0; j < q; ++j) {
        auto& h = held[static_cast<size_t>(j)];
        const int mid = (h.first + h.second) / 2;
        const bool low = (j & d) == 0;
        const std::pair<int, int> keep = low ? std::make_pair(h.first, mid) : std::make_pair(mid, h.second);
        const std::pair<int, int> give = low ? std::make_pair(mid, h.second) : std::make_pair(h.first, mid);
        if (rs) b.transfer(gpu(act(j)), gpu(act(j ^ d)), range(give), true, "reduce-scatter");
        h = keep;
      }
    }
    if (ag) {
      // All-gather: each step active rank j sends all it holds to its partner and receives the
      // partner's, so its held range doubles back through `history`.
      int k = static_cast<int>(history.size()) - 1;
      for (int d = 1; d < q; d *= 2, --k) {
        for (int j = 0; j < q; ++j)
          b.transfer(gpu(act(j)), gpu(act(j ^ d)), range(held[static_cast<size_t>(j)]), false, "all-gather");
        held = history[static_cast<size_t>(k)];
      }
    }
    for (int i = 0; i < r; ++i) {  // fold out: what rank 2i lacks of its result
      const Range own = block(2 * i);
      if (v.op == CollOp::AllReduce) {
        b.transfer(gpu(2 * i + 1), gpu(2 * i), all, false, "fold-out");
      } else if (v.op == CollOp::ReduceScatter) {
        b.transfer(gpu(2 * i + 1), gpu(2 * i), own, false, "fold-out");
      } else {
        b.transfer(gpu(2 * i + 1), gpu(2 * i), {all.offset, own.offset - all.offset}, false, "fold-out");
        b.transfer(gpu(2 * i + 1), gpu(2 * i), {own.end(), all.end() - own.end()}, false, "fold-out");
      }
    }
  }
};

const CollectiveRegistrar<HalvingDoubling, HdParams> reg(
    "halving_doubling",
    "recursive halving reduce-scatter + recursive doubling all-gather; other than power-of-two groups fold the first "
    "2(p - p') ranks in pairs first",
    {CollOp::AllReduce, CollOp::ReduceScatter, CollOp::AllGather});

}  // namespace
}  // namespace litesim
