// `double_binary_tree`: NCCL's all-reduce over two complementary binary trees (NCCL 2.4, "Massively
// scale your deep learning training with NCCL 2.4", NVIDIA 2019; src/graph/trees.cc). Each tree
// carries half of the buffer: reduce up to the root, then broadcast down, both pipelined by chunks
// (a rank forwards chunk c up once it has reduced chunk c of all its children). Tree 0 is NCCL's
// in-order binary tree over ranks 0..p-1; tree 1 is its mirror (rank r -> p-1-r) for even p and its
// shift by one for odd p, so that (for even p) every rank is a leaf in at least one tree and the
// bandwidth term is that of a ring while the latency grows with log2(p).
#include <functional>

#include "fabric/collective/schedule_builder.h"

namespace litesim {
namespace {

struct DbtParams {
  static const ParamSet<DbtParams>& schema() {
    static const ParamSet<DbtParams> s("double_binary_tree", "NCCL double binary tree all-reduce (no parameters)");
    return s;
  }
};

// Parent of `rank` in NCCL's binary tree of n ranks (ncclGetBtree): the rank with its lowest set bit
// cleared and the next bit set, or just cleared when that is out of range; -1 for the root 0.
int btree_parent(int n, int rank) {
  if (rank == 0) return -1;
  const int bit = rank & -rank;
  const int up = (rank ^ bit) | (bit << 1);
  return up < n ? up : rank ^ bit;
}

// Parent of `rank` in tree t (ncclGetDtree).
int dtree_parent(int n, int rank, int t) {
  if (t == 0) return btree_parent(n, rank);
  if (n % 2 == 0) {
    const int u = btree_parent(n, n - 1 - rank);
    return u < 0 ? -1 : n - 1 - u;
  }
  const int u = btree_parent(n, (rank - 1 + n) % n);
  return u < 0 ? -1 : (u + 1) % n;
}

class DoubleBinaryTree : public CollectiveAlgorithm {
 public:
  DoubleBinaryTree(const DbtParams&, const Topology*) {}
  void emit(ScheduleBuilder& b, const CollView& v) const override {
    if (v.op != CollOp::AllReduce) unsupported("double_binary_tree", v.op);
    const int p = v.size();
    const auto halves = split_even({v.base, v.bytes}, 2);
    std::vector<std::vector<std::vector<int>>> children(2, std::vector<std::vector<int>>(static_cast<size_t>(p)));
    int root[2] = {-1, -1};
    for (int t = 0; t < 2; ++t)
      for (int r = 0; r < p; ++r) {
        const int u = dtree_parent(p, r, t);
        if (u < 0)
          root[t] = r;
        else
          children[static_cast<size_t>(t)][static_cast<size_t>(u)].push_back(r);
      }
    auto gpu = [&](int r) { return v.gpus[static_cast<size_t>(r)]; };
    for (int t = 0; t < 2; ++t) {  // reduce up: children before their parent (post-order)
      const std::string phase = "tree" + std::to_string(t) + "-up";
      std::function<void(int)> up = [&](int r) {
        for (int c : children[static_cast<size_t>(t)][static_cast<size_t>(r)]) {
          up(c);
          b.transfer(gpu(c), gpu(r), halves[static_cast<size_t>(t)], true, phase);
        }
      };
      up(root[t]);
    }
    for (int t = 0; t < 2; ++t) {  // broadcast down: parents before their children (pre-order)
      const std::string phase = "tree" + std::to_string(t) + "-down";
      std::function<void(int)> down = [&](int r) {
        for (int c : children[static_cast<size_t>(t)][static_cast<size_t>(r)]) {
          b.transfer(gpu(r), gpu(c), halves[static_cast<size_t>(t)], false, phase);
          down(c);
        }
      };
      down(root[t]);
    }
  }
};

const CollectiveRegistrar<DoubleBinaryTree, DbtParams> reg(
    "double_binary_tree", "NCCL's two complementary binary trees, half the data each, reduce up + broadcast down",
    {CollOp::AllReduce});

}  // namespace
}  // namespace litesim
