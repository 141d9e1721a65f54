#pragma once
// A calendar of timed actions run by one SystemC method. The packet fabric moves millions of
// packets; giving each a SystemC process (or each hop a b_transport with wait()) costs a context
// switch per hop. Instead every block of the fabric schedules its next step here, and the method
// runs all actions due at the current time, in (time, order of scheduling) order — so a run is
// deterministic — then sleeps until the next one. SystemC time stays the one clock.
#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>

#include "core/sim_context.h"
#include "core/units.h"

namespace litesim {

class EventQueue : public sc_core::sc_module {
 public:
  using Action = std::function<void()>;

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
  uint64_t seq_ = 0;
  uint64_t executed_ = 0;
};

}  // namespace litesim
