#include "memory/hbm/dram/pseudo_channel.h"

#include <algorithm>
#include <bitset>
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
      next_ref_(c.refresh == "per-bank" ? m.timing.REFIpb : m.timing.REFI) {
  if (c.refresh == "per-bank" && m.timing.REFIpb <= 0) throw std::invalid_argument("per-bank refresh needs REFIpb > 0");
  if (m.banks() > kMaxBanks) throw std::invalid_argument("more banks per pseudo-channel than the controller supports");
}

bool PseudoChannel::has_room(bool write) const {
  return write ? static_cast<int>(wq_.size()) < c_.write_queue : static_cast<int>(rq_.size()) < c_.read_queue;
}

void PseudoChannel::push(const Burst& b) {
  if (!has_room(b.write)) throw std::logic_error("PseudoChannel::push on a full queue");
  (b.write ? wq_ : rq_).push_back(b);
  Bank& k = banks_[static_cast<size_t>(flat(b))];
  if (k.open_row == static_cast<int64_t>(b.row)) ++k.hits;
}

bool PseudoChannel::queued_hit(int bank, int64_t row) const {
  const Bank& b = banks_[static_cast<size_t>(bank)];
  return row == b.open_row && b.hits > 0;
}

int64_t PseudoChannel::earliest_for(const Burst& b) const {
  const int bank = flat(b);
  const Bank& k = banks_[static_cast<size_t>(bank)];
  if (k.open_row == static_cast<int64_t>(b.row)) return earliest(b.write ? Cmd::WR : Cmd::RD, bank);
  return earliest(k.open_row < 0 ? Cmd::ACT : Cmd::PRE, bank);
}

int64_t PseudoChannel::earliest(Cmd c, int bank) const {
  const Bank& b = banks_[static_cast<size_t>(bank)];
  const Group& g = groups_[static_cast<size_t>(group_of(bank))];
  switch (c) {
    case Cmd::ACT: {
      int64_t at = std::max({b.next_act, g.next_act, next_act_, row_bus_});
      if (faw_.size() == 4) at = std::max(at, faw_.front() + t_.FAW);
      return at;
    }
    case Cmd::PRE: return std::max(b.next_pre, row_bus_);
    case Cmd::RD: return std::max({b.next_rd, g.next_rd, next_rd_, col_bus_});
    case Cmd::WR: return std::max({b.next_wr, g.next_wr, next_wr_, col_bus_});
    case Cmd::REFPB: return std::max(b.next_act, row_bus_);
    case Cmd::REFAB: {
      int64_t at = row_bus_;
      for (const Bank& x : banks_) at = std::max(at, x.next_act);
      return at;
    }
    case Cmd::NONE: break;
  }
  return kNever;
}

void PseudoChannel::consider(Choice& best, Cmd c, int bank, std::deque<Burst>* q, size_t index, int64_t floor) const {
  const int64_t at = std::max(earliest(c, bank), floor);
  const bool col = c == Cmd::RD || c == Cmd::WR;
  const bool best_col = best.cmd == Cmd::RD || best.cmd == Cmd::WR;
  // earliest first; on a tie a column command (a row hit) first; then the older request (scan order)
  if (at < best.at || (at == best.at && col && !best_col)) best = Choice{c, at, bank, q, index};
}

PseudoChannel::Choice PseudoChannel::choose(int64_t now) const {
  Choice best;
  const bool per_bank = per_bank_refresh_;
  const int ref_target = per_bank ? ref_bank_ : -1;
  // Normal work may not start at or after a due refresh (of its bank, for per-bank refresh).
  auto blocked = [&](int bank, int64_t at) { return at >= next_ref_ && (!per_bank || bank == ref_target); };

  // Which queue: drain writes between the watermarks, or when no read waits.
  const std::deque<Burst>* active = &rq_;
  if (draining_ || rq_.empty()) active = &wq_;
  auto* q = const_cast<std::deque<Burst>*>(active);
  // no column command of this queue can issue before this cycle
  const int64_t col_floor = std::max({now, col_bus_, active == &rq_ ? next_rd_ : next_wr_});
  // A younger request needing the same command on the same bank cannot do better than an older
  // one (same earliest cycle, and ties go to the older): each (bank, command) is considered once.
  std::bitset<kMaxBanks * 2> seen;
  for (size_t i = 0; i < q->size(); ++i) {
    const Burst& r = (*q)[i];
    const int bank = flat(r);
    const Bank& b = banks_[static_cast<size_t>(bank)];
    const bool hit = b.open_row == static_cast<int64_t>(r.row);
    const size_t key = static_cast<size_t>(bank) * 2 + (hit ? 0 : 1);
    if (seen[key]) continue;
    seen[key] = true;
    Choice cand = best;
    if (b.open_row == static_cast<int64_t>(r.row)) {
      consider(cand, r.write ? Cmd::WR : Cmd::RD, bank, q, i, now);
    } else if (b.open_row < 0) {
      consider(cand, Cmd::ACT, bank, q, i, now);
    } else if (!queued_hit(bank, b.open_row)) {
      consider(cand, Cmd::PRE, bank, q, i, now);  // a conflict, and nobody else wants the open row
    }
    if (cand.at < best.at || cand.cmd != best.cmd || cand.index != best.index)
      if (!blocked(bank, cand.at)) best = cand;
    // Nothing can beat the oldest row hit that issues on the first free column-bus cycle no
    // later than the row bus frees (ties go to column commands): stop scanning.
    if ((best.cmd == Cmd::RD || best.cmd == Cmd::WR) && best.at <= col_floor && best.at <= row_bus_) break;
  }
  // Page policy: close rows that no queued request hits.
  if (policy_ != Policy::Open) {
    for (int bank = 0; bank < static_cast<int>(banks_.size()); ++bank) {
      const Bank& b = banks_[static_cast<size_t>(bank)];
      if (b.open_row < 0 || queued_hit(bank, b.open_row)) continue;
      const int64_t floor = policy_ == Policy::Adaptive ? std::max(now, b.last_use + c_.page_timeout) : now;
      Choice cand = best;
      consider(cand, Cmd::PRE, bank, nullptr, 0, floor);
      if (cand.at != best.at || cand.bank != best.bank)
        if (!blocked(bank, cand.at)) best = cand;
    }
  }
  // Refresh: close what must be closed, then refresh, from the due cycle on (its commands cannot
  // issue before then, so they only matter when the best normal command is not earlier).
  const int64_t due = std::max(now, next_ref_);
  if (best.at < due) return best;
  Choice ref;
  if (per_bank) {
    const Bank& b = banks_[static_cast<size_t>(ref_target)];
    consider(ref, b.open_row >= 0 ? Cmd::PRE : Cmd::REFPB, ref_target, nullptr, 0, due);
  } else {
    bool any_open = false;
    for (int bank = 0; bank < static_cast<int>(banks_.size()); ++bank)
      if (banks_[static_cast<size_t>(bank)].open_row >= 0) {
        any_open = true;
        consider(ref, Cmd::PRE, bank, nullptr, 0, due);
      }
    if (!any_open) consider(ref, Cmd::REFAB, 0, nullptr, 0, due);
  }
  if (ref.at <= best.at) best = ref;
  return best;
}

void PseudoChannel::issue(const Choice& ch, int64_t t, std::vector<Completion>& done) {
  const int bank = ch.bank;
  Bank& b = banks_[static_cast<size_t>(bank)];
  Group& g = groups_[static_cast<size_t>(group_of(bank))];
  st_.last_cycle = std::max(st_.last_cycle, t);
  if (log_) {
    static const char* names[] = {"ACT", "PRE", "RD", "WR", "REFab", "REFpb", "-"};
    const int64_t row = ch.cmd == Cmd::ACT ? (*ch.q)[ch.index].row : b.open_row;
    log_->push_back(Command{t, names[static_cast<int>(ch.cmd)], ch.cmd == Cmd::REFAB ? -1 : bank, row});
  }
  switch (ch.cmd) {
    case Cmd::ACT: {
      const Burst& r = (*ch.q)[ch.index];
      b.open_row = r.row;
      b.hits = 0;
      for (const auto* q : {&rq_, &wq_})
        for (const Burst& x : *q)
          if (flat(x) == bank && x.row == r.row) ++b.hits;
      b.act_at = t;
      b.next_pre = std::max(b.next_pre, t + t_.RAS);
      b.next_rd = std::max(b.next_rd, t + t_.RCDRD);
      b.next_wr = std::max(b.next_wr, t + t_.RCDWR);
      b.next_act = std::max(b.next_act, t + t_.RC);
      g.next_act = std::max(g.next_act, t + t_.RRDL);
      next_act_ = std::max(next_act_, t + t_.RRDS);
      faw_.push_back(t);
      if (faw_.size() > 4) faw_.pop_front();
      row_bus_ = t + 1;
      ++st_.acts;
      break;
    }
    case Cmd::PRE:
      b.open_row = -1;
      b.hits = 0;
      b.next_act = std::max(b.next_act, t + t_.RP);
      row_bus_ = t + 1;
      ++st_.pres;
      break;
    case Cmd::RD:
    case Cmd::WR: {
      const Burst r = (*ch.q)[ch.index];
      ch.q->erase(ch.q->begin() + static_cast<std::ptrdiff_t>(ch.index));
      --b.hits;
      if (b.act_at < r.arrival) ++st_.row_hits;
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
  int64_t now = 0;  // commands never issue before the previous one of their kind; see choose()
  while (true) {
    // write-drain hysteresis
    const double fill = static_cast<double>(wq_.size()) / c_.write_queue;
    if (!draining_ && fill >= c_.write_high) draining_ = true;
    if (draining_ && (fill <= c_.write_low || wq_.empty())) draining_ = false;
    const Choice ch = choose(now);
    if (ch.cmd == Cmd::NONE) return kNever;
    if (ch.at > until) return queued() == 0 ? kNever : ch.at;
    issue(ch, ch.at, done);
  }
}

}  // namespace litesim
