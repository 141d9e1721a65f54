#pragma once
// A compute die: SMs that run kernels and a copy engine (DMA) that moves message payloads
// between HBM and the network. Both reach HBM through the initiator socket `hbm` with real TLM
// transactions, approximately timed (four phases): each stream keeps at most max_outstanding
// requests in flight, and the socket carries one BEGIN_REQ at a time (the HBM's END_REQ, withheld
// while its buffer is full, is the back-pressure).
//
// Kernels (docs/compute.md): plan_kernel() cuts a kernel into tiles; the SMs (one SystemC thread
// each) take tiles in order as they free up, so waves and tails appear. Each tile loads its
// operands through L2 (a shared pipe at l2_bandwidth) and its share of the kernel's HBM traffic as
// real TLM reads, in `tiles.pipeline_pieces` pieces (the K loop's stages); a piece's compute (the
// slowest of its tensor, vector and special-function work at the per-SM rate) overlaps the loading
// of the SM's next piece, of this tile or of its next tile (double buffering); a tile's outputs go
// to HBM as writes, issued by a write-back stream while the SM goes on.
//     T = launch_overhead + time until the last tile's compute and all writes are done
// Energy: executed tensor FLOPs x pJ/FLOP(dtype) + vector FLOPs and special ops x vector pJ/FLOP,
// plus static power x time (the ledger).
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "core/message.h"
#include "core/sim_context.h"
#include "hw/die/die_params.h"
#include "hw/die/kernel.h"

namespace litesim {

struct KernelResult {
  std::string name;
  Time time{0};  // launch to last write
  int64_t tiles = 0, waves = 0;
  std::string tile_shape;
  double useful_flops = 0, executed_flops = 0;
  uint64_t hbm_read = 0, hbm_write = 0, l2_read = 0;
  double energy_pJ = 0;  // dynamic
};

class ComputeDie : public sc_core::sc_module {
 public:
  static constexpr int kMemoPieces = 8;
  tlm_utils::simple_initiator_socket<ComputeDie> hbm;

  // `dies` dies of this kind act as one GPU (their SMs share the kernel); `hbm_bytes_per_s` is the
  // HBM's peak, for the tile-shape choice.
  ComputeDie(sc_core::sc_module_name name, const DieParams& params, int dies, uint64_t hbm_capacity,
             double hbm_bytes_per_s, SimContext& ctx);

  // Blocking; call from a SystemC thread. Returns when the kernel has finished. One kernel at a
  // time (the compute stream); DMA may run alongside. With `kernel_memo`, a kernel of a shape
  // this die has run before is replayed: it lasts as long as the first one did, or longer if its
  // HBM traffic (the same bytes, as kMemoPieces large reads and writes issued at its start) takes
  // longer, and books the same FLOPs, HBM bytes and energy.
  KernelResult run_kernel(const KernelDesc& k);
  KernelPlan plan(const KernelDesc& k) const;
  int sms() const { return sms_; }
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
  void stream(tlm::tlm_command cmd, uint64_t bytes, const MessageInfo* msg, uint64_t chunk = 0);
  // kernel_memo: the first run of each kernel shape, by shape (KernelDesc less its name).
  std::unordered_map<std::string, KernelResult> memo_;
  KernelResult replay_kernel(const KernelDesc& k, const KernelResult& first);
  void book_kernel(Time t0, double useful_flops, uint64_t hbm_bytes, double energy_pJ);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
  struct StreamState {
    int in_flight = 0;
    std::vector<tlm::tlm_generic_payload*> free;
    sc_core::sc_event response;
    std::string error;
  };
  void responded(tlm::tlm_generic_payload& t);
  std::map<tlm::tlm_generic_payload*, StreamState*> owner_;
  bool req_busy_ = false;  // a BEGIN_REQ awaits its END_REQ
  tlm::tlm_generic_payload* req_trans_ = nullptr;
  sc_core::sc_event req_free_;
  uint64_t next_address(uint64_t len);
  void sm_loop(int sm);
  void writer_loop();
  int64_t take_tile();  // -1 when none is left
  struct TileWork {     // what one tile does, worked out once when an SM takes it
    size_t group = 0;
    uint64_t hbm_read = 0, hbm_write = 0;  // its exact shares of the kernel's HBM traffic
    int pieces = 1;
  };
  TileWork tile_work(int64_t j) const;
  Time load_piece(const TileWork& w, int piece);
  size_t group_of(int64_t tile) const;
  uint64_t carried_before(int64_t tile, uint64_t total, const std::vector<uint64_t>& cum,
                          uint64_t TileGroup::*weight) const;

  // the kernel being run
  const KernelPlan* plan_ = nullptr;
  std::vector<Time> group_time_;            // compute time of one tile, per group
  std::vector<int64_t> group_end_;          // cumulative tile counts
  std::vector<uint64_t> cum_l2_, cum_out_;  // per group: bytes before it (for exact HBM shares)
  int64_t next_tile_ = 0;
  int sms_done_ = 0;
  Time l2_free_{0};
  sc_core::sc_event kernel_start_, sms_done_ev_;
  std::deque<uint64_t> write_queue_;
  bool writer_busy_ = false;
  uint64_t write_chunk_ = 0;  // request size of the write-back stream (0: mem_chunk)
  sc_core::sc_event write_ev_, writes_done_ev_;
  int sms_ = 0;
  double hbm_bytes_per_s_ = 0;

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
