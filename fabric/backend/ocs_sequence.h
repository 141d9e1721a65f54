#pragma once
// The OCS circuit schedule (fabric.ocs.schedule) as both fabric backends follow it. Steady: phase
// current() carries traffic. Draining: phase target() is due; GPUs start nothing more and what is in
// the network lands. Switching: the network is empty, current() = target() already, and the circuits
// are dark until ready_at(). An idle fabric reconfigures without events (catch_up), so a schedule
// never prolongs a run. A backend owns one and says, through OcsHooks, what "gate", "switch" and
// "resume" mean for it (packets or flows).
#include <cstdint>
#include <vector>

#include <systemc>

#include "core/sim_context.h"
#include "core/stats.h"
#include "core/units.h"
#include "fabric/backend/event_queue.h"
#include "fabric/fabric.h"

namespace litesim {

// What a backend does at each step of a reconfiguration.
class OcsHooks {
 public:
  virtual ~OcsHooks() = default;
  // Messages handed to the fabric and not yet delivered.
  virtual uint64_t ocs_in_flight() const = 0;
  // The next phase is due and the gate has closed: stop sending, and call network_empty() once what
  // is in the network has landed.
  virtual void ocs_gate() = 0;
  // The circuits change from phase `from` to current_phase() (nothing is in the network).
  virtual void ocs_switching(size_t from) = 0;
  // The circuits are up: resume.
  virtual void ocs_resume() = 0;
};

class OcsSequence {
 public:
  enum class State { Steady, Draining, Switching };

  // `phase_at[k]`: when circuit set k is due (phase 0 at time 0). `reconfiguration` is the OCS's
  // dark time; `stats` gets the counters ocs_reconfigurations and ocs_dark_time. A multi-phase
  // schedule spawns a SystemC method for its wake-ups.
  OcsSequence(std::vector<Time> phase_at, Time reconfiguration, StatGroup& stats, SimContext& sim, EventQueue& eq,
              OcsHooks& hooks);

  State state() const { return state_; }
  bool gated() const { return state_ != State::Steady; }
  size_t current_phase() const { return cur_; }
  size_t target_phase() const { return target_; }

  // Call from send() on an empty fabric, before counting the new message.
  void catch_up();
  // Call when a message is handed to the fabric.
  void arm_phase_event();
  // Call when the network has emptied during Draining.
  void network_empty();
  // Call when the fabric has just delivered its last message in flight.
  void now_idle();
  bool has_schedule() const { return phase_at_.size() > 1; }
  // For stuck_report(): a line when a reconfiguration is under way, else "".
  std::string report() const;

 private:
  void on_phase_due();
  void begin_switch(Time start);
  void finish_switch();

  std::vector<Time> phase_at_;
  Time reconfiguration_;
  SimContext& sim_;
  EventQueue& eq_;
  OcsHooks& hooks_;
  Counter& reconfigurations_;
  Counter& dark_ns_;
  State state_ = State::Steady;
  size_t cur_ = 0;
  size_t next_phase_ = 1;  // the next schedule entry to fall due
  size_t target_ = 0;      // Draining / Switching: the phase being set up
  Time ready_at_;          // Switching: when its circuits are up
  Time gate_closed_at_;    // when injection stopped for the reconfiguration under way
  Time idle_since_;        // when the fabric last became empty
  sc_core::sc_event phase_due_;
};

// When each of the context's circuit sets is due.
std::vector<Time> phase_times(const FabricContext& ctx);

}  // namespace litesim
