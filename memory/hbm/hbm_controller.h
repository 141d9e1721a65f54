#pragma once
// HBM controller + stacks of one package, as a TLM-2.0 target (socket `tsock`).
//
// Model (this issue): one shared data pipe at the effective bandwidth (peak x efficiency).
// A request of L bytes arriving at t starts when the pipe is free, occupies it for L / bandwidth,
// and its data is complete one access latency after its last byte left the pipe:
//     start = max(t, pipe_free);  pipe_free = start + L/BW;  done = pipe_free + access_latency.
// Requests from different initiators interleave in arrival order; latency overlaps with later
// transfers, so a stream of requests reaches the full bandwidth. Energy: bits x read/write pJ/bit
// plus static power x time. Bank-level timing, refresh and scheduling come in the HBM issue
// behind the same socket.
//
// Both TLM styles are served: b_transport (loosely timed: returns the completion time as
// annotated delay, never waits) and nb_transport_fw (approximately timed: END_REQ at once,
// BEGIN_RESP at completion; the queue is unbounded here, so there is no back-pressure yet).
#include <cstdint>

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "core/sim_context.h"
#include "memory/hbm/hbm.h"
#include "memory/hbm/hbm_params.h"

namespace litesim {

class HbmController : public sc_core::sc_module, public Hbm {
 public:
  tlm_utils::simple_target_socket<HbmController> tsock;

  HbmController(sc_core::sc_module_name name, const HbmParams& params, SimContext& ctx);

  const HbmParams& params() const { return p_; }
  tlm::tlm_target_socket<>& socket() override { return tsock; }
  const char* hbm_name() const override { return name(); }
  uint64_t capacity() const override { return p_.capacity.bytes; }
  double peak_bytes_per_s() const override { return p_.bandwidth.bytes_per_s(); }
  uint64_t bytes_read() const override { return static_cast<uint64_t>(bytes_read_.value()); }
  uint64_t bytes_written() const override { return static_cast<uint64_t>(bytes_written_.value()); }
  uint64_t requests() const override { return static_cast<uint64_t>(requests_.value()); }
  const BusyTime& busy() const { return busy_; }
  const Histogram& latency_ns() const override { return latency_ns_; }
  double utilization(Time end) const override { return busy_.utilization(end); }
  nlohmann::json details(Time) const override { return {{"model", "simple"}}; }
  const WindowedSum* traffic() const override { return &traffic_; }  // over each request's time in the pipe
  EnergyLedger::AccountId account() const { return account_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  // Books the request and returns its completion time; sets the response status.
  Time serve(tlm::tlm_generic_payload& trans, Time arrival);

  HbmParams p_;
  EnergyLedger& ledger_;
  EnergyLedger::AccountId account_;
  DataRate effective_;
  Time pipe_free_{};
  StatGroup& stats_;
  Counter& bytes_read_;
  Counter& bytes_written_;
  Counter& requests_;
  BusyTime& busy_;
  Histogram& latency_ns_;
  WindowedSum traffic_;
  tlm_utils::peq_with_cb_and_phase<HbmController> peq_;
};

}  // namespace litesim
