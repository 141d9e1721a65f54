// `bidirectional_ring`: the ring algorithms run twice at once, each on half of every block, one
// clockwise (group order) and one counter-clockwise, so both directions of every ring link carry
// data: on a ring of full-duplex links, about twice the bandwidth of `ring` for large messages.
#include "fabric/collective/schedule_builder.h"

namespace litesim {
namespace {

struct BiRingParams {
  static const ParamSet<BiRingParams>& schema() {
    static const ParamSet<BiRingParams> s("bidirectional_ring", "bidirectional ring collective (no parameters)");
    return s;
  }
};

class BiRingCollective : public CollectiveAlgorithm {
 public:
  BiRingCollective(const BiRingParams&, const Topology*) {}
  void emit(ScheduleBuilder& b, const CollView& v) const override {
    const int p = v.size();
    const Range space{v.base, data_space(v.op, v.bytes, p)};
    const std::vector<Range> blocks = split_even(space, p);
    // Direction d's ring order and, in that order, the d-th half of each rank's block, so that the
    // rank at order position k owns (all-gather) or ends with (reduce-scatter) its own block.
    auto order = [&](int d) { return ring_order(v.gpus, 0, d == 1); };
    auto halves = [&](int d) {
      std::vector<Range> out;
      for (int k = 0; k < p; ++k) {
        const int rank = d == 0 ? k : (p - k) % p;  // ring_order(gpus, 0, true)[k] is rank -k mod p
        out.push_back(split_even(blocks[static_cast<size_t>(rank)], 2)[static_cast<size_t>(d)]);
      }
      return out;
    };
    const std::string dir[2] = {"cw ", "ccw "};
    const std::vector<Range> whole = split_even(space, 2);
    switch (v.op) {
      case CollOp::AllReduce:
        for (int d = 0; d < 2; ++d) ring_reduce_scatter(b, order(d), halves(d), dir[d] + "reduce-scatter");
        for (int d = 0; d < 2; ++d) ring_all_gather(b, order(d), halves(d), dir[d] + "all-gather");
        return;
      case CollOp::ReduceScatter:
        for (int d = 0; d < 2; ++d) ring_reduce_scatter(b, order(d), halves(d), dir[d] + "reduce-scatter");
        return;
      case CollOp::AllGather:
        for (int d = 0; d < 2; ++d) ring_all_gather(b, order(d), halves(d), dir[d] + "all-gather");
        return;
      case CollOp::Broadcast:
        for (int d = 0; d < 2; ++d)
          chain(b, ring_order(v.gpus, v.root, d == 1), whole[static_cast<size_t>(d)], false, dir[d] + "broadcast");
        return;
      case CollOp::Reduce:
        chain(b, ring_order(v.gpus, (v.root + 1) % p, false), whole[0], true, dir[0] + "reduce");
        chain(b, ring_order(v.gpus, (v.root - 1 + p) % p, true), whole[1], true, dir[1] + "reduce");
        return;
      case CollOp::AllToAll:
      case CollOp::SendRecv:
        break;
    }
    unsupported("bidirectional_ring", v.op);
  }
};

const CollectiveRegistrar<BiRingCollective, BiRingParams> reg(
    "bidirectional_ring", "two rings in opposite directions, each carrying half of every block",
    {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::Broadcast, CollOp::Reduce});

}  // namespace
}  // namespace litesim
