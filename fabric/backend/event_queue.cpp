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
  heap_.push_back(Event{t.ps, seq_++, std::move(a)});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  // An earlier pending notification wins, so this only ever brings the wake-up forward.
  wake_.notify(to_sc(Time{heap_.front().t - now}));
}

void EventQueue::run() {
  const int64_t now = sim_now().ps;
  while (!heap_.empty() && heap_.front().t <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Action a = std::move(heap_.back().action);
    heap_.pop_back();
    ++executed_;
    a();
  }
  if (!heap_.empty()) wake_.notify(to_sc(Time{heap_.front().t - now}));
}

}  // namespace litesim
