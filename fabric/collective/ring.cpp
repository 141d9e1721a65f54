// `ring`: NCCL's ring algorithms (Thakur, Rabenseifner & Gropp 2005, section 4). All-reduce is a
// reduce-scatter then an all-gather around the ring of the group's order, 2(p-1) steps of S/p per
// rank; broadcast and reduce are a pipelined chain from / to the root; sendrecv is one ring shift.
#include <fmt/format.h>

#include "fabric/collective/schedule_builder.h"

namespace litesim {
namespace {

struct RingParams {
  static const ParamSet<RingParams>& schema() {
    static const ParamSet<RingParams> s("ring", "ring collective (no parameters)");
    return s;
  }
};

class RingCollective : public CollectiveAlgorithm {
 public:
  RingCollective(const RingParams&, const Topology*) {}
  void emit(ScheduleBuilder& b, const CollView& v) const override {
    const int p = v.size();
    const Range space{v.base, data_space(v.op, v.bytes, p)};
    const std::vector<Range> blocks = split_even(space, p);
    switch (v.op) {
      case CollOp::AllReduce:
        ring_reduce_scatter(b, v.gpus, blocks, "reduce-scatter");
        ring_all_gather(b, v.gpus, blocks, "all-gather");
        return;
      case CollOp::ReduceScatter:
        return ring_reduce_scatter(b, v.gpus, blocks, "reduce-scatter");
      case CollOp::AllGather:
        return ring_all_gather(b, v.gpus, blocks, "all-gather");
      case CollOp::Broadcast:
        return chain(b, ring_order(v.gpus, v.root, false), space, false, "broadcast");
      // The chain starts after the root and ends at it: root+1 -> root+2 -> ... -> root.
      case CollOp::Reduce:
        return chain(b, ring_order(v.gpus, (v.root + 1) % p, false), space, true, "reduce");
      case CollOp::SendRecv:
        for (int k = 0; k < p; ++k)
          b.transfer(v.gpus[static_cast<size_t>(k)], v.gpus[static_cast<size_t>((k + 1) % p)],
                     {v.base + static_cast<uint64_t>(k) * v.bytes, v.bytes}, false, "sendrecv");
        return;
      case CollOp::AllToAll:
        break;
    }
    unsupported("ring", v.op);
  }
};

const CollectiveRegistrar<RingCollective, RingParams> reg(
    "ring", "ring in group order: all-reduce = reduce-scatter + all-gather (2(p-1) steps); chains for broadcast/reduce",
    {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::Broadcast, CollOp::Reduce, CollOp::SendRecv});

}  // namespace
}  // namespace litesim
