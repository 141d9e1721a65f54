#pragma once
// A compute die: SMs that run kernels and a copy engine (DMA) that moves message payloads
// between HBM and the network. Both reach HBM through the initiator socket `hbm` with real TLM
// transactions, approximately timed (four phases): each stream keeps at most max_outstanding
// requests in flight, and the socket carries one BEGIN_REQ at a time (the HBM's END_REQ, withheld
// while its buffer is full, is the back-pressure).
//
// Kernel timing (this issue, a roofline with real memory traffic):
//     T = launch_overhead + max(FLOPs / peak(dtype), T_mem)
// where T_mem is what the HBM target reports for the kernel's reads and writes issued as a
// stream of mem_chunk requests (so contention with DMA traffic shows up). Loads overlap compute
// (double buffering). Energy: FLOPs x pJ/FLOP(dtype) + static power x time.
#include <cstdint>
#include <map>
#include <string>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "core/message.h"
#include "core/sim_context.h"
#include "hw/die/die_params.h"

namespace litesim {

struct KernelSpec {
  std::string name;
  double flops = 0;
  Dtype dtype = Dtype::bf16;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
};

class ComputeDie : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<ComputeDie> hbm;

  ComputeDie(sc_core::sc_module_name name, const DieParams& params, uint64_t hbm_capacity, SimContext& ctx);

  // Blocking; call from a SystemC thread. Returns when the kernel has finished.
  void run_kernel(const KernelSpec& k);
  // Blocking DMA between HBM and the network interface: reads (send side) or writes (receive
  // side) `bytes`, tagged with the message.
  void dma(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo& msg);

  const DieParams& params() const { return p_; }
  double flops() const { return flops_.value(); }
  uint64_t kernels() const { return static_cast<uint64_t>(kernels_.value()); }
  const BusyTime& compute_busy() const { return busy_; }
  uint64_t kernel_bytes() const { return static_cast<uint64_t>(kernel_bytes_.value()); }
  uint64_t dma_bytes() const { return static_cast<uint64_t>(dma_bytes_.value()); }
  EnergyLedger::AccountId account() const { return account_; }

 private:
  // Issues `bytes` as mem_chunk requests, at most max_outstanding in flight; returns when all
  // have completed.
  void stream(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo* msg);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
  struct StreamState {
    int in_flight = 0;
    std::vector<tlm::tlm_generic_payload*> free;
    sc_core::sc_event response;
    std::string error;
  };
  void responded(tlm::tlm_generic_payload& t);
  std::map<tlm::tlm_generic_payload*, StreamState*> owner_;
  bool req_busy_ = false;                        // a BEGIN_REQ awaits its END_REQ
  tlm::tlm_generic_payload* req_trans_ = nullptr;
  sc_core::sc_event req_free_;
  uint64_t next_address(uint64_t len);

  DieParams p_;
  uint64_t capacity_;
  uint64_t cursor_ = 0;
  EnergyLedger& ledger_;
  EnergyLedger::AccountId account_;
  StatGroup& stats_;
  Counter& flops_;
  Counter& kernels_;
  Counter& kernel_bytes_;
  Counter& dma_bytes_;
  BusyTime& busy_;
};

}  // namespace litesim
