// `direct`: every rank exchanges with every other rank directly, all transfers at once (the fabric's
// routes and link sharing decide the rest). All-to-all sends block j of each rank's buffer to rank
// j; all-reduce is a direct reduce-scatter (block j to rank j, reduced there) then a direct
// all-gather (rank j sends the reduced block j to all): one step each, p-1 messages of S/p per
// rank per phase. Rank i sends to i+1, i+2, ... in that order, so that at any moment the ranks aim
// at different destinations.
#include "fabric/collective/schedule_builder.h"

namespace litesim {
namespace {

struct DirectParams {
  static const ParamSet<DirectParams>& schema() {
    static const ParamSet<DirectParams> s("direct", "direct (all pairs) collective (no parameters)");
    return s;
  }
};

class DirectCollective : public CollectiveAlgorithm {
 public:
  DirectCollective(const DirectParams&, const Topology*) {}
  void emit(ScheduleBuilder& b, const CollView& v) const override {
    const int p = v.size();
    const Range space{v.base, data_space(v.op, v.bytes, p)};
    const std::vector<Range> blocks = split_even(space, p);
    auto gpu = [&](int rank) { return v.gpus[static_cast<size_t>(((rank % p) + p) % p)]; };
    auto scatter = [&](bool reduce, const std::string& phase) {  // block j of every rank to rank j
      for (int k = 1; k < p; ++k)
        for (int i = 0; i < p; ++i)
          b.transfer(gpu(i), gpu(i + k), blocks[static_cast<size_t>((i + k) % p)], reduce, phase);
    };
    auto gather = [&](const std::string& phase) {  // rank j's block j to every rank
      for (int k = 1; k < p; ++k)
        for (int j = 0; j < p; ++j) b.transfer(gpu(j), gpu(j + k), blocks[static_cast<size_t>(j)], false, phase);
    };
    switch (v.op) {
      case CollOp::AllReduce:
        scatter(true, "reduce-scatter");
        gather("all-gather");
        return;
      case CollOp::ReduceScatter:
        return scatter(true, "reduce-scatter");
      case CollOp::AllGather:
        return gather("all-gather");
      case CollOp::AllToAll: {
        // rank i's send buffer cut into p blocks, block j for rank j (the same cut for every rank)
        const std::vector<Range> sub = split_even({0, v.bytes}, p);
        for (int k = 1; k < p; ++k)
          for (int i = 0; i < p; ++i) {
            Range r = sub[static_cast<size_t>((i + k) % p)];
            r.offset += v.base + static_cast<uint64_t>(i) * v.bytes;
            b.transfer(gpu(i), gpu(i + k), r, false, "alltoall");
          }
        return;
      }
      case CollOp::Broadcast:
        for (int k = 1; k < p; ++k) b.transfer(gpu(v.root), gpu(v.root + k), space, false, "broadcast");
        return;
      case CollOp::Reduce:
        for (int k = 1; k < p; ++k) b.transfer(gpu(v.root + k), gpu(v.root), space, true, "reduce");
        return;
      case CollOp::SendRecv:
        for (int i = 0; i < p; ++i)
          b.transfer(gpu(i), gpu(i + 1), {v.base + static_cast<uint64_t>(i) * v.bytes, v.bytes}, false, "sendrecv");
        return;
    }
  }
};

const CollectiveRegistrar<DirectCollective, DirectParams> reg(
    "direct", "every rank to every rank at once: all-to-all, direct reduce-scatter + all-gather, star broadcast/reduce",
    {CollOp::AllReduce, CollOp::AllGather, CollOp::ReduceScatter, CollOp::AllToAll, CollOp::Broadcast, CollOp::Reduce,
     CollOp::SendRecv});

}  // namespace
}  // namespace litesim
