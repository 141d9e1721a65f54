#include "fabric/backend/event_queue.h"

#include <algorithm>
#include <stdexcept>

#include "core/sim_time.h"

namespace litesim {

EventQueue::EventQueue(sc_core::sc_module_name name, SimContext& sim) : sc_module(name), sim_(sim) {
  sc_core::sc_spawn_options opts;
  opts.spawn_method();
  opts.set_sensitivity(&wake_);
  opts.dont_initialize();
  sc_core::sc_spawn(sim_.guard([this] { run(); }), "run", &opts);
}

void EventQueue::at(Time t, Action a) {
  const int64_t now = sim_now().ps;
  if (t.ps < now) throw std::logic_error("an action scheduled in the past");
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(a);
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = a;
  }
  heap_.push_back(Event{t.ps, seq_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  if (running_ || (wake_at_ >= 0 && wake_at_ <= t.ps)) return;
  // An earlier pending notification wins, so this only ever brings the wake-up forward.
  wake_at_ = t.ps;
  wake_.notify(to_sc(Time{t.ps - now}));
}

void EventQueue::run() {
  const int64_t now = sim_now().ps;
  running_ = true;
  wake_at_ = -1;
  while (!heap_.empty() && heap_.front().t <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const uint32_t slot = heap_.back().slot;
    heap_.pop_back();
    Action a = slots_[slot];  // a copy: the action may schedule others, which may grow slots_
    free_slots_.push_back(slot);
    ++executed_;
    a();
  }
  running_ = false;
  if (!heap_.empty()) {
    wake_at_ = heap_.front().t;
    wake_.notify(to_sc(Time{wake_at_ - now}));
  }
}

}  // namespace litesim
