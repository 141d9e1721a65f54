#pragma once
// The cycle-approximate HBM of one package as a TLM-2.0 target (socket `tsock`).
//
// A request of any size is split into bursts (one per burst-sized block it touches) which the
// address mapping sends to pseudo-channels; each pseudo-channel's controller (PseudoChannel)
// schedules them under every timing constraint of the memspec. The request is answered when its
// last burst's data has moved.
//
// Front end: at most `request_buffer` requests are held. Approximately timed (nb_transport_fw):
// END_REQ is withheld while the buffer is full (back-pressure) and sent when a place frees;
// BEGIN_RESP follows the last data beat of a read; writes are posted: answered once every burst
// sits in a write queue (the queues then drain them; a full queue holds dispatch back). Responses
// go out one at a time (END_RESP or TLM_COMPLETED before the next). Loosely timed (b_transport):
// blocks until the same point.
// Each request hands its bursts to the pseudo-channels in address order; a request held back by a
// full queue does not hold back the requests behind it. A request's buffer place frees when its
// response is sent.
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>

#include "core/sim_context.h"
#include "memory/hbm/hbm.h"
#include "memory/hbm/dram/address_mapping.h"
#include "memory/hbm/dram/pseudo_channel.h"
#include "memory/hbm/dram_params.h"

namespace litesim {

class HbmDram : public sc_core::sc_module, public Hbm {
 public:
  tlm_utils::simple_target_socket<HbmDram> tsock;

  HbmDram(sc_core::sc_module_name name, const DramParams& params, SimContext& ctx);

  // Brings every pseudo-channel to `end` (refreshes of the idle tail) and books energy up to it.
  void finish(Time end) override;

  const DramParams& params() const { return p_; }
  tlm::tlm_target_socket<>& socket() override { return tsock; }
  const char* hbm_name() const override { return name(); }
  uint64_t capacity() const override { return map_.capacity(); }
  double peak_bytes_per_s() const override { return p_.peak().bytes_per_s(); }
  uint64_t bytes_read() const override { return static_cast<uint64_t>(bytes_read_.value()); }
  uint64_t bytes_written() const override { return static_cast<uint64_t>(bytes_written_.value()); }
  uint64_t requests() const override { return static_cast<uint64_t>(requests_.value()); }
  const Histogram& latency_ns() const override { return latency_; }  // reads
  const Histogram& write_latency_ns() const { return write_latency_; }
  // Data-bus utilisation averaged over the pseudo-channels.
  double utilization(Time end) const override;
  nlohmann::json details(Time end) const override;
  // Over each burst's data beats (its share of its request's bytes).
  const WindowedSum* traffic() const override { return &traffic_; }
  // Totals over all pseudo-channels.
  PseudoChannel::Stats totals() const;
  double row_hit_rate() const;
  // Fraction of pseudo-channel time spent refreshing (all-bank: tRFC per REFab; per-bank: tRFCpb
  // per REFpb over the number of banks), over [0, end].
  double refresh_overhead(Time end) const;
  struct EnergyParts {
    double act = 0, read_core = 0, read_io = 0, write_core = 0, write_io = 0, refresh = 0, background = 0;
    double dynamic() const { return act + read_core + read_io + write_core + write_io + refresh; }
  };
  EnergyParts energy(Time end) const;
  EnergyLedger::AccountId account() const { return account_; }

 private:
  struct Request {
    tlm::tlm_generic_payload* trans = nullptr;
    bool write = false;
    uint64_t first = 0, count = 0;  // burst-sized blocks [first, first + count)
    uint64_t dispatched = 0, completed = 0;
    uint64_t bytes = 0;  // the request's length
    int64_t last_cycle = 0;
    bool responded = false;  // answered (the buffer place is free); kept until its bursts are done
    Time accepted{};
    sc_core::sc_event* lt_done = nullptr;  // b_transport waits on it
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  void peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
  bool check(tlm::tlm_generic_payload& trans);
  uint64_t accept(tlm::tlm_generic_payload& trans, sc_core::sc_event* lt_done);
  void dispatch();
  void run_channel(size_t pc);
  void complete(uint64_t id, Time at);
  void retire(uint64_t id);  // after the response: drop the request once all its bursts are done
  void answered(uint64_t id, tlm::tlm_generic_payload& trans);  // the response is out: free its place
  void admit();  // accept requests held back, as places free
  sc_core::sc_event admit_ev_;
  size_t in_buffer_ = 0;     // accepted and not yet answered
  void send_next_response();
  void book(size_t pc);
  int64_t cycle_now() const;
  Time time_of(int64_t cycle) const { return Time{cycle * p_.memspec.tck.ps}; }

  DramParams p_;
  SimContext& ctx_;
  AddressMapping map_;
  EnergyLedger::AccountId account_;
  std::vector<std::unique_ptr<PseudoChannel>> pcs_;
  std::vector<PseudoChannel::Stats> booked_;        // stats already booked in the ledger
  std::vector<std::unique_ptr<sc_core::sc_event>> pc_wake_;
  std::vector<int64_t> pc_next_;                    // cycle the channel is due, kNever if idle
  std::vector<bool> blocked_;                       // channels whose full queue held a request back
  std::unordered_map<uint64_t, Request> requests_live_;
  std::deque<uint64_t> order_;                      // accepted requests with bursts left to dispatch
  std::deque<tlm::tlm_generic_payload*> waiting_;   // BEGIN_REQ held back (buffer full)
  std::deque<tlm::tlm_generic_payload*> responses_; // complete, waiting to send BEGIN_RESP
  bool response_in_flight_ = false;
  sc_core::sc_event dispatch_ev_, room_ev_;
  uint64_t next_id_ = 1;
  std::vector<PseudoChannel::Completion> done_;
  tlm_utils::peq_with_cb_and_phase<HbmDram> peq_;
  std::unordered_map<tlm::tlm_generic_payload*, uint64_t> id_of_;
  StatGroup& stats_;
  Counter& bytes_read_;
  Counter& bytes_written_;
  Counter& requests_;
  Histogram& latency_;
  Histogram& write_latency_;
  WindowedSum traffic_;
};

}  // namespace litesim
