#include "memory/hbm/dram/pseudo_channel.h"

#include <algorithm>
#include <stdexcept>

namespace litesim {

PseudoChannel::PseudoChannel(const MemSpec& m, const ControllerParams& c)
    : m_(m),
      t_(m_.timing),
      c_(c),
      policy_(c.page_policy == "closed" ? Policy::Closed : c.page_policy == "adaptive" ? Policy::Adaptive : Policy::Open),
      per_bank_refresh_(c.refresh == "per-bank"),
      banks_per_group_(m.org.banks_per_group),
      banks_(static_cast<size_t>(m.banks())),
      groups_(static_cast<size_t>(m.org.bank_groups)),
      rq_(static_cast<size_t>(m.banks())),
      wq_(static_cast<size_t>(m.banks())),
      next_ref_(c.refresh == "per-bank" ? m.timing.REFIpb : m.timing.REFI) {
  if (c.refresh == "per-bank" && m.timing.REFIpb <= 0) throw std::invalid_argument("per-bank refresh needs REFIpb > 0");
  if (m.banks() > kMaxBanks) throw std::invalid_argument("more banks per pseudo-channel than the controller supports");
}

bool PseudoChannel::has_room(bool write) const {
  return write ? static_cast<int>(wq_n_) < c_.write_queue : static_cast<int>(rq_n_) < c_.read_queue;
}

void PseudoChannel::push(const Burst& b) {
  if (!has_room(b.write)) throw std::logic_error("PseudoChannel::push on a full queue");
  const int bank = flat(b);
  (b.write ? wq_ : rq_)[static_cast<size_t>(bank)].push_back(Entry{b, seq_++});
  ++(b.write ? wq_n_ : rq_n_);
  Bank& k = banks_[static_cast<size_t>(bank)];
  if (k.open_row == static_cast<int64_t>(b.row)) ++k.hits[b.write ? 1 : 0];
}

int64_t PseudoChannel::earliest_for(const Burst& b) const {
  const int bank = flat(b);
  const Bank& k = banks_[static_cast<size_t>(bank)];
  const ChannelFloor f = channel_floor();
  if (k.open_row == static_cast<int64_t>(b.row)) return earliest(b.write ? Cmd::WR : Cmd::RD, bank, f);
  return earliest(k.open_row < 0 ? Cmd::ACT : Cmd::PRE, bank, f);
}

// The pseudo-channel-wide part of each command's earliest cycle (command buses, tRRD_S, tFAW,
// tCCD_S, turnarounds): worked out once per decision, then combined per bank.
PseudoChannel::ChannelFloor PseudoChannel::channel_floor() const {
  ChannelFloor f;
  f.act = std::max(next_act_, row_bus_);
  if (faw_.size() == 4) f.act = std::max(f.act, faw_.front() + t_.FAW);
  f.pre = row_bus_;
  f.rd = std::max(next_rd_, col_bus_);
  f.wr = std::max(next_wr_, col_bus_);
  return f;
}

int64_t PseudoChannel::earliest(Cmd c, int bank, const ChannelFloor& f) const {
  const Bank& b = banks_[static_cast<size_t>(bank)];
  const Group& g = groups_[static_cast<size_t>(group_of(bank))];
  switch (c) {
    case Cmd::ACT: return std::max({f.act, b.next_act, g.next_act});
    case Cmd::PRE: return std::max(f.pre, b.next_pre);
    case Cmd::RD: return std::max({f.rd, b.next_rd, g.next_rd});
    case Cmd::WR: return std::max({f.wr, b.next_wr, g.next_wr});
    case Cmd::REFPB: return std::max(b.next_act, f.pre);
    case Cmd::REFAB: {
      int64_t at = f.pre;
      for (const Bank& x : banks_) at = std::max(at, x.next_act);
      return at;
    }
    case Cmd::NONE: break;
  }
  return kNever;
}

void PseudoChannel::consider(Choice& best, Cmd c, int bank, Queue* q, size_t index, uint64_t seq,
                             int64_t floor) const {
  take_if_better(best, c, std::max(earliest(c, bank, channel_floor()), floor), bank, q, index, seq);
}

void PseudoChannel::take_if_better(Choice& best, Cmd c, int64_t at, int bank, Queue* q, size_t index,
                                   uint64_t seq) {
  const bool col = c == Cmd::RD || c == Cmd::WR;
  const bool best_col = best.cmd == Cmd::RD || best.cmd == Cmd::WR;
  // earliest first; on a tie a column command (a row hit) first; then the older request
  if (at < best.at || (at == best.at && ((col && !best_col) || (col == best_col && seq < best.seq))))
    best = Choice{c, at, bank, q, index, seq};
}

// A command for a request never issues before the request arrived (its floor); refresh and page
// closes have their own due cycles. The channel's timing state keeps everything else causal.
PseudoChannel::Choice PseudoChannel::choose() const {
  Choice best;
  const bool per_bank = per_bank_refresh_;
  const int ref_target = per_bank ? ref_bank_ : -1;
  // Normal work may not start at or after a due refresh (of its bank, for per-bank refresh).
  auto blocked = [&](int bank, int64_t at) { return at >= next_ref_ && (!per_bank || bank == ref_target); };

  // Which queue: drain writes between the watermarks, or when no read waits.
  const bool writes = draining_ || rq_n_ == 0;
  auto& queues = const_cast<std::vector<Queue>&>(writes ? wq_ : rq_);
  const Cmd col = writes ? Cmd::WR : Cmd::RD;
  const ChannelFloor chf = channel_floor();
  // Per bank, the request FR-FCFS would serve: its oldest row hit, else its oldest request.
  for (int bank = 0; bank < static_cast<int>(banks_.size()); ++bank) {
    Queue& q = queues[static_cast<size_t>(bank)];
    if (q.empty()) continue;
    const Bank& b = banks_[static_cast<size_t>(bank)];
    Cmd c;
    size_t i = 0;
    if (b.open_row >= 0 && b.hits[writes ? 1 : 0] > 0) {
      while (q[i].burst.row != b.open_row) ++i;
      c = col;
    } else {
      c = b.open_row < 0 ? Cmd::ACT : Cmd::PRE;  // PRE: a conflict, nobody wants the open row
    }
    const int64_t at = std::max(earliest(c, bank, chf), q[i].burst.arrival);
    Choice cand = best;
    take_if_better(cand, c, at, bank, &q, i, q[i].seq);
    if (cand.cmd != best.cmd || cand.at != best.at || cand.bank != best.bank)
      if (!blocked(bank, cand.at)) best = cand;
  }
  // Page policy: close rows that no queued request hits.
  if (policy_ != Policy::Open) {
    for (int bank = 0; bank < static_cast<int>(banks_.size()); ++bank) {
      const Bank& b = banks_[static_cast<size_t>(bank)];
      if (b.open_row < 0 || b.hits[0] + b.hits[1] > 0) continue;
      const int64_t floor = policy_ == Policy::Adaptive ? b.last_use + c_.page_timeout : b.last_use;
      Choice cand = best;
      consider(cand, Cmd::PRE, bank, nullptr, 0, UINT64_MAX, floor);
      if (cand.at != best.at || cand.bank != best.bank)
        if (!blocked(bank, cand.at)) best = cand;
    }
  }
  // Refresh: close what must be closed, then refresh, from the due cycle on (its commands cannot
  // issue before then, so they only matter when the best normal command is not earlier).
  const int64_t due = next_ref_;
  if (best.at < due) return best;
  Choice ref;
  if (per_bank) {
    const Bank& b = banks_[static_cast<size_t>(ref_target)];
    consider(ref, b.open_row >= 0 ? Cmd::PRE : Cmd::REFPB, ref_target, nullptr, 0, UINT64_MAX, due);
  } else {
    bool any_open = false;
    for (int bank = 0; bank < static_cast<int>(banks_.size()); ++bank)
      if (banks_[static_cast<size_t>(bank)].open_row >= 0) {
        any_open = true;
        consider(ref, Cmd::PRE, bank, nullptr, 0, UINT64_MAX, due);
      }
    if (!any_open) consider(ref, Cmd::REFAB, 0, nullptr, 0, UINT64_MAX, due);
  }
  if (ref.at <= best.at) best = ref;
  return best;
}

int64_t PseudoChannel::oldest_write() const {
  int64_t oldest = kNever;
  for (const Queue& q : wq_)
    if (!q.empty()) oldest = std::min(oldest, q.front().burst.arrival);
  return oldest;
}

void PseudoChannel::recount_hits(int bank) {
  Bank& b = banks_[static_cast<size_t>(bank)];
  b.hits[0] = b.hits[1] = 0;
  for (const auto* qs : {&rq_, &wq_})
    for (const Entry& e : (*qs)[static_cast<size_t>(bank)])
      if (e.burst.row == b.open_row) ++b.hits[e.burst.write ? 1 : 0];
}

void PseudoChannel::issue(const Choice& ch, int64_t t, std::vector<Completion>& done) {
  const int bank = ch.bank;
  Bank& b = banks_[static_cast<size_t>(bank)];
  Group& g = groups_[static_cast<size_t>(group_of(bank))];
  st_.last_cycle = std::max(st_.last_cycle, t);
  if (log_) {
    static const char* names[] = {"ACT", "PRE", "RD", "WR", "REFab", "REFpb", "-"};
    const int64_t row = ch.cmd == Cmd::ACT ? (*ch.q)[ch.index].burst.row : b.open_row;
    log_->push_back(Command{t, names[static_cast<int>(ch.cmd)], ch.cmd == Cmd::REFAB ? -1 : bank, row});
  }
  switch (ch.cmd) {
    case Cmd::ACT: {
      const Burst& r = (*ch.q)[ch.index].burst;
      b.open_row = r.row;
      recount_hits(bank);
      b.act_at = t;
      b.fresh = true;
      b.next_pre = std::max(b.next_pre, t + t_.RAS);
      b.next_rd = std::max(b.next_rd, t + t_.RCDRD);
      b.next_wr = std::max(b.next_wr, t + t_.RCDWR);
      b.next_act = std::max(b.next_act, t + t_.RC);
      g.next_act = std::max(g.next_act, t + t_.RRDL);
      next_act_ = std::max(next_act_, t + t_.RRDS);
      faw_.push_back(t);
      if (faw_.size() > 4) faw_.pop_front();
      row_bus_ = t + 2;  // ACT is a two-cycle command on the HBM row bus
      ++st_.acts;
      break;
    }
    case Cmd::PRE:
      b.open_row = -1;
      b.hits[0] = b.hits[1] = 0;
      b.next_act = std::max(b.next_act, t + t_.RP);
      row_bus_ = t + 1;
      ++st_.pres;
      break;
    case Cmd::RD:
    case Cmd::WR: {
      const Burst r = (*ch.q)[ch.index].burst;
      if (ch.index == 0)
        ch.q->pop_front();
      else
        ch.q->erase(ch.q->begin() + static_cast<std::ptrdiff_t>(ch.index));
      --(r.write ? wq_n_ : rq_n_);
      --b.hits[r.write ? 1 : 0];
      if (!b.fresh) ++st_.row_hits;
      b.fresh = false;
      b.last_use = t;
      col_bus_ = t + 1;
      if (ch.cmd == Cmd::RD) {
        const int64_t end = t + t_.CL + t_.BL;
        b.next_pre = std::max(b.next_pre, t + t_.RTP);
        g.next_rd = std::max(g.next_rd, t + t_.CCDL);
        g.next_wr = std::max(g.next_wr, t + t_.CCDL);
        next_rd_ = std::max(next_rd_, t + t_.CCDS);
        next_wr_ = std::max(next_wr_, t + t_.RTW);
        ++st_.reads;
        done.push_back({r.owner, end});
        st_.last_cycle = std::max(st_.last_cycle, end);
      } else {
        const int64_t end = t + t_.CWL + t_.BL;
        b.next_pre = std::max(b.next_pre, end + t_.WR);
        g.next_rd = std::max(g.next_rd, end + t_.WTRL);
        g.next_wr = std::max(g.next_wr, t + t_.CCDL);
        next_rd_ = std::max(next_rd_, end + t_.WTRS);
        next_wr_ = std::max(next_wr_, t + t_.CCDS);
        ++st_.writes;
        done.push_back({r.owner, end});
        st_.last_cycle = std::max(st_.last_cycle, end);
      }
      break;
    }
    case Cmd::REFAB:
      for (Bank& x : banks_) x.next_act = std::max(x.next_act, t + t_.RFC);
      next_ref_ += t_.REFI;
      row_bus_ = t + 1;
      ++st_.refab;
      break;
    case Cmd::REFPB:
      b.next_act = std::max(b.next_act, t + t_.RFCpb);
      next_ref_ += t_.REFIpb;
      ref_bank_ = (ref_bank_ + 1) % static_cast<int>(banks_.size());
      row_bus_ = t + 1;
      ++st_.refpb;
      break;
    case Cmd::NONE: break;
  }
}

int64_t PseudoChannel::advance(int64_t until, std::vector<Completion>& done) {
  while (true) {
    // write-drain hysteresis
    const double fill = static_cast<double>(wq_n_) / c_.write_queue;
    if (!draining_ && fill >= c_.write_high) draining_ = true;
    if (!draining_ && wq_n_ > 0 && oldest_write() + c_.write_max_age <= until) draining_ = true;
    // stop at the low watermark, but not while a write has waited too long (no starvation)
    if (draining_ && (wq_n_ == 0 || (fill <= c_.write_low && oldest_write() + c_.write_max_age > until)))
      draining_ = false;
    const Choice ch = choose();
    if (ch.cmd == Cmd::NONE) return kNever;
    if (ch.at > until) return queued() == 0 ? kNever : ch.at;
    issue(ch, ch.at, done);
  }
}

}  // namespace litesim
