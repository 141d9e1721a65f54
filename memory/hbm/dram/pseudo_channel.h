#pragma once
// One HBM pseudo-channel and its controller: per-bank row state, every timing constraint of the
// memspec enforced per command, FR-FCFS scheduling over a read and a write queue (writes drained
// between watermarks), the page policy and refresh. Plain C++ in clock cycles with no SystemC in
// it, so it can be driven exactly by tests and benchmarks; the TLM target (hbm_dram.h) drives it
// from simulated time.
//
// Time model (DRAMSys style, event-driven): issuing a command moves forward the earliest cycle at
// which each later command may issue, per bank, per bank group and per pseudo-channel. A decision
// picks, among the next commands of the queued requests, the one that can issue earliest (ties: a
// column command before a row command, then the oldest request); row hits are thereby served
// first, and a row is only precharged when no request of the queue being served hits it (a write
// drain may close a row that reads still want, as real controllers do). Row commands (ACT, PRE,
// REF) and column commands (RD, WR) have separate command buses, one command per cycle each.
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "memory/hbm/dram/controller_params.h"
#include "memory/hbm/dram/memspec.h"

namespace litesim {

class PseudoChannel {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  static constexpr int kMaxBanks = 256;

  struct Burst {
    uint64_t owner = 0;  // the request it belongs to (for completion)
    uint32_t bank_group = 0, bank = 0, row = 0, column = 0;
    bool write = false;
    int64_t arrival = 0;  // cycle it entered the queue
  };
  struct Completion {
    uint64_t owner;
    int64_t cycle;  // last data beat transferred
  };
  struct Stats {
    uint64_t reads = 0, writes = 0, acts = 0, pres = 0, refab = 0, refpb = 0;
    uint64_t row_hits = 0;  // column accesses that needed no ACT of their own (all but the first after an ACT)
    int64_t last_cycle = 0; // last cycle of activity (data or command)
  };

  // One issued command, for traces and tests.
  struct Command {
    int64_t cycle;
    const char* name;  // ACT PRE RD WR REFab REFpb
    int bank;          // flat: bank_group x banks_per_group + bank (-1 for REFab)
    int64_t row;
  };

  PseudoChannel(const MemSpec& m, const ControllerParams& c);
  // Records every issued command into `log` (null: off).
  void set_command_log(std::vector<Command>* log) { log_ = log; }

  bool has_room(bool write) const;
  void push(const Burst& b);
  size_t queued() const { return rq_n_ + wq_n_; }
  // The earliest cycle at which the next command a queued burst `b` needs could issue (ignoring
  // the other requests): a driver need not wake the channel for `b` before then.
  int64_t earliest_for(const Burst& b) const;

  // Issues every command that may issue at or before `until` (pass `now` for one event per
  // command; a larger value lets the channel run ahead: the fidelity knob). Completions are
  // appended to `done` (their cycle may lie after `until`). Returns the next cycle at which a
  // command could issue, kNever if there is nothing to do but wait for requests or refresh.
  int64_t advance(int64_t until, std::vector<Completion>& done);
  // The cycle of the next refresh. An idle channel need not be woken for it: the next advance()
  // replays the refreshes that fell due meanwhile at their own cycles.
  int64_t next_refresh() const { return next_ref_; }

  const Stats& stats() const { return st_; }

 private:
  enum class Cmd { ACT, PRE, RD, WR, REFAB, REFPB, NONE };
  struct Bank {
    int64_t open_row = -1;
    int64_t act_at = std::numeric_limits<int64_t>::min() / 2;
    int64_t last_use = 0;  // last column command (adaptive page policy)
    int64_t next_act = 0, next_pre = 0, next_rd = 0, next_wr = 0;
    int hits[2] = {0, 0};  // queued reads [0] and writes [1] for the open row
    bool fresh = false;    // activated and not accessed yet
  };
  struct Group {
    int64_t next_act = 0, next_rd = 0, next_wr = 0;
  };
  struct Entry {
    Burst burst;
    uint64_t seq;  // arrival order across the channel (age)
  };
  using Queue = std::deque<Entry>;  // one per bank and direction, oldest first
  struct Choice {
    Cmd cmd = Cmd::NONE;
    int64_t at = kNever;
    int bank = -1;           // flat bank index
    Queue* q = nullptr;      // the bank queue of the request it serves (ACT, RD, WR)
    size_t index = 0;        // in q
    uint64_t seq = UINT64_MAX;
  };

  int flat(const Burst& b) const { return static_cast<int>(b.bank_group) * banks_per_group_ + static_cast<int>(b.bank); }
  int group_of(int bank) const { return bank / banks_per_group_; }
  struct ChannelFloor {
    int64_t act, pre, rd, wr;
  };
  ChannelFloor channel_floor() const;
  int64_t earliest(Cmd c, int bank, const ChannelFloor& f) const;
  Choice choose() const;
  void issue(const Choice& ch, int64_t t, std::vector<Completion>& done);
  void consider(Choice& best, Cmd c, int bank, Queue* q, size_t index, uint64_t seq, int64_t floor) const;
  static void take_if_better(Choice& best, Cmd c, int64_t at, int bank, Queue* q, size_t index, uint64_t seq);
  void recount_hits(int bank);
  int64_t oldest_write() const;

  const MemSpec m_;
  const MemTiming& t_;
  const ControllerParams c_;
  enum class Policy { Open, Closed, Adaptive } policy_;
  bool per_bank_refresh_;
  int banks_per_group_;
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  int64_t next_act_ = 0, next_rd_ = 0, next_wr_ = 0;  // pseudo-channel wide
  int64_t row_bus_ = 0, col_bus_ = 0;                 // next free cycle of each command bus
  std::deque<int64_t> faw_;                           // the last four ACT cycles
  std::vector<Queue> rq_, wq_;  // per bank
  size_t rq_n_ = 0, wq_n_ = 0;
  uint64_t seq_ = 0;
  bool draining_ = false;
  int64_t next_ref_;
  int ref_bank_ = 0;  // per-bank refresh: the next bank in turn
  Stats st_;
  std::vector<Command>* log_ = nullptr;
};

}  // namespace litesim
