#pragma once
// `fabric.backend.injection: per_pair_fifo` in both fidelities: a GPU's messages to one destination go
// one after the other, as on a connection or RDMA queue pair. A message starts when it is the first
// of its (source, destination); the next one starts when the one before has been handed over
// (packet: its last packet is on the wire; flow: its source has sent its last bit). Message ids are
// the backend's own slot numbers; the queue is linked through them, so a pair costs 8 bytes.
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace litesim {

class PairFifo {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Message `id` from `src` to `dst` joins its pair's queue; true when it is the first (start it now).
  bool join(int src, int dst, uint32_t id) {
    if (next_.size() <= id) next_.resize(static_cast<size_t>(id) + 1, kNone);
    next_[id] = kNone;
    auto [it, fresh] = tails_.try_emplace(key(src, dst), id);
    if (fresh) return true;
    next_[it->second] = id;
    it->second = id;
    return false;
  }

  // The pair's first message, `id`, has been handed over: the next one to start, or kNone. Only the
  // first call for a message counts: a message handed over again (a lost copy sent again, with
  // fabric.faults) returns kNone, so its pair's next message starts once.
  uint32_t handed_over(int src, int dst, uint32_t id) {
    const uint32_t next = next_[id];
    if (next == kHanded) return kNone;
    next_[id] = kHanded;
    if (next == kNone) tails_.erase(key(src, dst));
    return next;
  }

 private:
  static constexpr uint32_t kHanded = UINT32_MAX - 1;  // next_ of a message already handed over
  static uint64_t key(int src, int dst) { return static_cast<uint64_t>(src) << 32 | static_cast<uint32_t>(dst); }
  std::unordered_map<uint64_t, uint32_t> tails_;  // per pair with messages not yet handed over: its last
  std::vector<uint32_t> next_;                    // per message id: the next of its pair
};

}  // namespace litesim
