#pragma once
// A calendar of timed actions run by one SystemC method. The packet fabric moves millions of
// packets; giving each a SystemC process (or each hop a b_transport with wait()) costs a context
// switch per hop. Instead every block of the fabric schedules its next step here, and the method
// runs all actions due at the current time, in (time, order of scheduling) order — so a run is
// deterministic — then sleeps until the next one. SystemC time stays the one clock.
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <vector>

#include <systemc>

#include "core/sim_context.h"
#include "core/units.h"

namespace litesim {

// A scheduled action: a small closure (up to 32 bytes of trivially copyable captures: `this`, a
// reference, a few indices) kept inline and called through one function pointer. The packet
// fabric runs about 100 million of them for a 64-GPU 1 GiB ring all-reduce; std::function's
// type erasure, moves and destruction were a fifth of that run's time.
class EventAction {
 public:
  EventAction() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, EventAction>>>
  EventAction(F f) {  // NOLINT: implicit, so that lambdas pass straight to EventQueue::at
    static_assert(sizeof(F) <= sizeof(buf_) && alignof(F) <= alignof(std::max_align_t) &&
                      std::is_trivially_copyable_v<F> && std::is_trivially_destructible_v<F>,
                  "an event action captures at most 32 bytes of plain values (pointers, references, indices)");
    new (buf_) F(f);
    call_ = [](void* p) { (*std::launder(static_cast<F*>(p)))(); };
  }
  void operator()() { call_(buf_); }

 private:
  alignas(std::max_align_t) unsigned char buf_[32];
  void (*call_)(void*) = nullptr;
};

class EventQueue : public sc_core::sc_module {
 public:
  using Action = EventAction;

  EventQueue(sc_core::sc_module_name name, SimContext& sim);
  // Runs `a` at time `t` (not before now).
  void at(Time t, Action a);
  uint64_t executed() const { return executed_; }
  size_t pending() const { return heap_.size(); }

 private:
  // The heap holds plain (time, order, slot) records, cheap to move while it is reordered; the
  // actions wait in slots (reused through a free list).
  struct Event {
    int64_t t;
    uint64_t seq;
    uint32_t slot;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
  };
  void run();

  SimContext& sim_;
  std::vector<Event> heap_;
  std::vector<Action> slots_;
  std::vector<uint32_t> free_slots_;
  sc_core::sc_event wake_;
  // The SystemC wake-up is asked for only when it must move earlier: not while run() works
  // through the due actions (it asks once at the end), nor for an action after the one pending.
  bool running_ = false;
  int64_t wake_at_ = -1;  // time of the pending wake-up; -1: none
  uint64_t seq_ = 0;
  uint64_t executed_ = 0;
};

}  // namespace litesim
