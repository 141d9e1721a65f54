#include "fabric/backend/ocs_sequence.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/sim_time.h"

namespace litesim {

OcsSequence::OcsSequence(std::vector<Time> phase_at, Time reconfiguration, StatGroup& stats, SimContext& sim,
                         EventQueue& eq, OcsHooks& hooks)
    : phase_at_(std::move(phase_at)),
      reconfiguration_(reconfiguration),
      sim_(sim),
      eq_(eq),
      hooks_(hooks),
      reconfigurations_(stats.counter("ocs_reconfigurations", "", "OCS circuit-set changes (fabric.ocs.schedule)")),
      dark_ns_(stats.counter("ocs_dark_time", "ns",
                             "time injection was stopped for OCS reconfigurations (drain + reconfiguration_time)")) {
  if (!has_schedule()) return;
  sc_core::sc_spawn_options opts;
  opts.spawn_method();
  opts.set_sensitivity(&phase_due_);
  opts.dont_initialize();
  sc_core::sc_spawn(sim_.guard([this] { on_phase_due(); }), "ocs_schedule", &opts);
}

// While messages are in flight, an event wakes the fabric when the next phase is due.
void OcsSequence::arm_phase_event() {
  if (state_ != State::Steady || next_phase_ >= phase_at_.size() || hooks_.ocs_in_flight() == 0) return;
  const Time due = phase_at_[next_phase_];
  phase_due_.cancel();
  phase_due_.notify(to_sc(due < sim_now() ? Time{} : due - sim_now()));
}

void OcsSequence::on_phase_due() {
  if (state_ != State::Steady || next_phase_ >= phase_at_.size() || hooks_.ocs_in_flight() == 0) return;
  if (sim_now() < phase_at_[next_phase_]) return;  // a stale wake-up
  state_ = State::Draining;
  target_ = next_phase_++;
  gate_closed_at_ = sim_now();
  hooks_.ocs_gate();
}

void OcsSequence::network_empty() {
  if (state_ == State::Draining) begin_switch(sim_now());
}

// The network is empty: phase target_'s circuits are set up from `start` (now, or for an idle
// fabric the moment the phase became due) and ready reconfiguration_time later.
void OcsSequence::begin_switch(Time start) {
  const size_t from = cur_;
  cur_ = target_;
  state_ = State::Switching;
  ready_at_ = start + reconfiguration_;
  reconfigurations_.add();
  dark_ns_.add((ready_at_ - gate_closed_at_).ns());
  hooks_.ocs_switching(from);
  if (hooks_.ocs_in_flight() > 0) eq_.at(ready_at_, [this] { finish_switch(); });
}

void OcsSequence::finish_switch() {
  state_ = State::Steady;
  hooks_.ocs_resume();
  if (next_phase_ < phase_at_.size() && !(sim_now() < phase_at_[next_phase_]) && hooks_.ocs_in_flight() > 0) {
    on_phase_due();
    return;
  }
  arm_phase_event();
}

// Applies, without events, every reconfiguration that fell due while the fabric was idle (each
// starting when due, or when the previous one was ready).
void OcsSequence::catch_up() {
  if (!has_schedule() || hooks_.ocs_in_flight() != 0) return;
  const Time now = sim_now();
  Time idle_from = idle_since_;
  for (;;) {
    if (state_ == State::Switching) {
      if (now < ready_at_) break;
      state_ = State::Steady;
      idle_from = ready_at_;
      continue;
    }
    if (state_ != State::Steady || next_phase_ >= phase_at_.size() || now < phase_at_[next_phase_]) break;
    target_ = next_phase_++;
    gate_closed_at_ = std::max(phase_at_[target_], idle_from);
    begin_switch(gate_closed_at_);
  }
  if (state_ == State::Switching) eq_.at(ready_at_, [this] { finish_switch(); });
}

void OcsSequence::now_idle() {
  idle_since_ = sim_now();
  if (state_ == State::Steady) phase_due_.cancel();
}

std::string OcsSequence::report() const {
  if (state_ == State::Steady) return "";
  return fmt::format("  OCS reconfiguration to schedule phase {} under way ({})\n", target_,
                     state_ == State::Draining ? "draining" : "switching");
}

std::vector<Time> phase_times(const FabricContext& ctx) {
  std::vector<Time> at;
  for (const FabricPhase& ph : ctx.phases) at.push_back(ph.at);
  return at;
}

}  // namespace litesim
