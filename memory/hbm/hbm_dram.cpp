#include "memory/hbm/hbm_dram.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

HbmDram::HbmDram(sc_core::sc_module_name name, const DramParams& params, SimContext& ctx)
    : sc_module(name),
      tsock("tsock"),
      p_(params),
      ctx_(ctx),
      map_(params.controller.mapping, params.memspec, params.stacks),
      account_(ctx.ledger.open(this->name(), "hbm", Power{params.memspec.energy.background.watts * params.stacks})),
      peq_(this, &HbmDram::peq_cb),
      stats_(ctx.stats.group(this->name())),
      bytes_read_(stats_.counter("bytes_read", "B", "bytes read by requests")),
      bytes_written_(stats_.counter("bytes_written", "B", "bytes written by requests")),
      requests_(stats_.counter("requests", "1", "requests served")),
      latency_(stats_.histogram("latency", "ns", "read accepted (END_REQ) to response (BEGIN_RESP)")),
      write_latency_(stats_.histogram("write_latency", "ns", "write accepted to response (posted: in the write queues)")) {
  tsock.register_b_transport(this, &HbmDram::b_transport);
  tsock.register_nb_transport_fw(this, &HbmDram::nb_transport_fw);
  const size_t n = static_cast<size_t>(params.stacks * params.memspec.pseudo_channels_per_stack());
  for (size_t i = 0; i < n; ++i) {
    pcs_.push_back(std::make_unique<PseudoChannel>(p_.memspec, p_.controller));
    pc_wake_.push_back(std::make_unique<sc_core::sc_event>());
    sc_core::sc_spawn_options o;
    o.spawn_method();
    o.dont_initialize();
    o.set_sensitivity(pc_wake_.back().get());
    sc_core::sc_spawn([this, i] { run_channel(i); }, fmt::format("pc{}", i).c_str(), &o);
  }
  booked_.resize(n);
  blocked_.assign(n, false);
  pc_next_.assign(n, PseudoChannel::kNever);
  sc_core::sc_spawn_options o;
  o.spawn_method();
  o.dont_initialize();
  o.set_sensitivity(&dispatch_ev_);
  sc_core::sc_spawn([this] { dispatch(); }, "dispatch", &o);
  sc_core::sc_spawn_options oa;
  oa.spawn_method();
  oa.dont_initialize();
  oa.set_sensitivity(&admit_ev_);
  sc_core::sc_spawn([this] { admit(); }, "admit", &oa);
}

int64_t HbmDram::cycle_now() const {
  const int64_t ps = sim_now().ps, tck = p_.memspec.tck.ps;
  return (ps + tck - 1) / tck;
}

bool HbmDram::check(tlm::tlm_generic_payload& trans) {
  const uint64_t len = trans.get_data_length(), addr = trans.get_address();
  const auto cmd = trans.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return false;
  }
  if (len == 0 || addr >= map_.capacity() || len > map_.capacity() - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  return true;
}

uint64_t HbmDram::accept(tlm::tlm_generic_payload& trans, sc_core::sc_event* lt_done) {
  const uint64_t bb = p_.memspec.burst_bytes();
  const uint64_t addr = trans.get_address(), len = trans.get_data_length();
  Request r;
  r.trans = &trans;
  r.write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
  r.first = addr / bb;
  r.count = (addr + len - 1) / bb - r.first + 1;
  r.bytes = len;
  r.accepted = sim_now();
  r.lt_done = lt_done;
  const uint64_t id = next_id_++;
  requests_live_[id] = r;
  ++in_buffer_;
  id_of_[&trans] = id;
  order_.push_back(id);
  (r.write ? bytes_written_ : bytes_read_).add(static_cast<double>(len));
  requests_.add();
  dispatch_ev_.notify(sc_core::SC_ZERO_TIME);
  return id;
}

void HbmDram::dispatch() {
  const uint64_t bb = p_.memspec.burst_bytes();
  const int pcs_per_stack = p_.memspec.pseudo_channels_per_stack();
  const int64_t now = cycle_now();
  std::vector<bool> wake(pcs_.size(), false);
  std::fill(blocked_.begin(), blocked_.end(), false);
  // Each request sends its bursts in address order; a request held back by a full queue does not
  // hold back the requests behind it (the channels have separate paths).
  for (auto it = order_.begin(); it != order_.end();) {
    const uint64_t id = *it;
    Request& r = requests_live_.at(id);
    bool blocked = false;
    while (r.dispatched < r.count) {
      const DramAddress a = map_.decode((r.first + r.dispatched) * bb);
      const size_t pc = static_cast<size_t>(static_cast<int>(a.stack) * pcs_per_stack +
                                            static_cast<int>(a.channel) * p_.memspec.org.pseudo_channels +
                                            static_cast<int>(a.pseudo_channel));
      if (!pcs_[pc]->has_room(r.write)) {
        blocked = true;
        blocked_[pc] = true;
        break;
      }
      const PseudoChannel::Burst b{id, a.bank_group, a.bank, a.row, a.column, r.write, now};
      pcs_[pc]->push(b);
      // wake the channel only if the new burst could go before its next planned decision
      if (pcs_[pc]->earliest_for(b) < pc_next_[pc]) wake[pc] = true;
      ++r.dispatched;
    }
    if (blocked) {
      ++it;
      continue;
    }
    if (r.write) complete(id, sim_now());  // posted: every burst is in a write queue
    it = order_.erase(it);
  }
  for (size_t i = 0; i < pcs_.size(); ++i)
    if (wake[i]) pc_wake_[i]->notify(sc_core::SC_ZERO_TIME);
}

void HbmDram::run_channel(size_t i) {
  const int64_t now = cycle_now();
  done_.clear();
  const int64_t next = pcs_[i]->advance(now + p_.controller.lookahead, done_);
  for (const auto& c : done_) {
    Request& r = requests_live_.at(c.owner);
    // the burst's data beats carry its share of the request's bytes (the shares add up to them)
    const uint64_t share = r.bytes / r.count + (r.completed < r.bytes % r.count ? 1 : 0);
    traffic_.add(time_of(c.cycle - p_.memspec.timing.BL), time_of(c.cycle), share);
    ++r.completed;
    r.last_cycle = std::max(r.last_cycle, c.cycle);
    if (r.completed == r.count) {
      if (!r.write) complete(c.owner, time_of(r.last_cycle));
      if (r.responded) retire(c.owner);
    }
  }
  book(i);
  if (blocked_[i])
    dispatch_ev_.notify(sc_core::SC_ZERO_TIME);  // the channel that stopped dispatch may have room now
  pc_next_[i] = next;
  if (next != PseudoChannel::kNever) pc_wake_[i]->notify(to_sc(time_of(std::max(next, now + 1)) - sim_now()));
}

void HbmDram::retire(uint64_t id) {
  const Request& r = requests_live_.at(id);
  if (r.responded && r.completed == r.count) requests_live_.erase(id);
}

void HbmDram::complete(uint64_t id, Time at) {
  Request& r = requests_live_.at(id);
  const sc_core::sc_time delay = to_sc(std::max(at, sim_now()) - sim_now());
  if (r.lt_done) {
    r.lt_done->notify(delay);
  } else {
    peq_.notify(*r.trans, tlm::BEGIN_RESP, delay);
  }
}

void HbmDram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (delay != sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  if (!check(trans)) return;
  while (in_buffer_ >= static_cast<size_t>(p_.controller.request_buffer)) sc_core::wait(room_ev_);
  sc_core::sc_event done;
  const uint64_t id = accept(trans, &done);
  sc_core::wait(done);
  answered(id, trans);
}

void HbmDram::answered(uint64_t id, tlm::tlm_generic_payload& trans) {
  Request& r = requests_live_.at(id);
  (r.write ? write_latency_ : latency_).add((sim_now() - r.accepted).ns());
  admit_ev_.notify(sc_core::SC_ZERO_TIME);
  r.responded = true;
  r.trans = nullptr;
  r.lt_done = nullptr;
  --in_buffer_;
  retire(id);
  id_of_.erase(&trans);
  room_ev_.notify(sc_core::SC_ZERO_TIME);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

tlm::tlm_sync_enum HbmDram::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                            sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    if (delay != sc_core::SC_ZERO_TIME) {
      // accept at the annotated time: go through the queue to keep request order in time
      peq_.notify(trans, tlm::BEGIN_REQ, delay);
      return tlm::TLM_ACCEPTED;
    }
    if (!check(trans)) {
      phase = tlm::BEGIN_RESP;
      return tlm::TLM_COMPLETED;
    }
    if (in_buffer_ >= static_cast<size_t>(p_.controller.request_buffer) || !waiting_.empty()) {
      waiting_.push_back(&trans);  // END_REQ withheld: back-pressure
      return tlm::TLM_ACCEPTED;
    }
    accept(trans, nullptr);
    phase = tlm::END_REQ;
    return tlm::TLM_UPDATED;
  }
  if (phase == tlm::END_RESP) {
    response_in_flight_ = false;
    send_next_response();
    return tlm::TLM_COMPLETED;
  }
  throw SimError(fmt::format("{}: unexpected phase {} on the forward path", name(), phase));
}

void HbmDram::peq_cb(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
  if (phase == tlm::BEGIN_REQ) {  // a request annotated with a delay, now due
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = nb_transport_fw(trans, ph, zero);
    if (s == tlm::TLM_UPDATED) {
      ph = tlm::END_REQ;
      tsock->nb_transport_bw(trans, ph, zero);
    } else if (s == tlm::TLM_COMPLETED) {  // rejected (address or command error): answer it
      responses_.push_back(&trans);
      send_next_response();
    }
    return;
  }
  // BEGIN_RESP due: the data of the request has moved
  responses_.push_back(&trans);
  send_next_response();
}

void HbmDram::admit() {
  while (!waiting_.empty() && in_buffer_ < static_cast<size_t>(p_.controller.request_buffer)) {
    tlm::tlm_generic_payload* t = waiting_.front();
    waiting_.pop_front();
    accept(*t, nullptr);
    tlm::tlm_phase ph = tlm::END_REQ;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    tsock->nb_transport_bw(*t, ph, zero);
  }
}

void HbmDram::send_next_response() {
  while (!response_in_flight_ && !responses_.empty()) {
    tlm::tlm_generic_payload* t = responses_.front();
    responses_.pop_front();
    const auto it = id_of_.find(t);
    if (it != id_of_.end()) answered(it->second, *t);  // its place frees as the response goes out
    tlm::tlm_phase ph = tlm::BEGIN_RESP;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum s = tsock->nb_transport_bw(*t, ph, zero);
    if (s == tlm::TLM_ACCEPTED) response_in_flight_ = true;  // END_RESP will follow
  }
}

void HbmDram::book(size_t i) {
  const PseudoChannel::Stats& s = pcs_[i]->stats();
  PseudoChannel::Stats& b = booked_[i];
  const MemEnergy& e = p_.memspec.energy;
  const double burst_bits = p_.memspec.burst_bytes() * 8.0;
  const double reads = static_cast<double>(s.reads - b.reads), writes = static_cast<double>(s.writes - b.writes);
  const double pj = static_cast<double>(s.acts - b.acts) * e.act.pj +
                    reads * burst_bits * (e.read_core.pj_per_bit + e.read_io.pj_per_bit) +
                    writes * burst_bits * (e.write_core.pj_per_bit + e.write_io.pj_per_bit) +
                    static_cast<double>(s.refab - b.refab) * e.refresh_all_bank.pj +
                    static_cast<double>(s.refpb - b.refpb) * e.refresh_per_bank.pj;
  ctx_.ledger.add_dynamic(account_, pj);
  ctx_.ledger.add_bits(account_, (reads + writes) * burst_bits);
  b = s;
}

void HbmDram::finish(Time end) {
  const int64_t end_cycle = end.ps / p_.memspec.tck.ps;
  for (size_t i = 0; i < pcs_.size(); ++i) {
    done_.clear();
    pcs_[i]->advance(end_cycle, done_);
    book(i);
  }
}

double HbmDram::utilization(Time end) const {
  const auto t = totals();
  const double cycles = static_cast<double>(end.ps) / static_cast<double>(p_.memspec.tck.ps) * static_cast<double>(pcs_.size());
  return cycles > 0 ? static_cast<double>(t.reads + t.writes) * p_.memspec.timing.BL / cycles : 0.0;
}

nlohmann::json HbmDram::details(Time end) const {
  const auto t = totals();
  const auto e = energy(end);
  return {{"model", "dram"},
          {"memspec", p_.memspec.name},
          {"stacks", p_.stacks},
          {"peak_GBps", p_.peak().bytes_per_s() / 1e9},
          {"row_hit_rate", row_hit_rate()},
          {"refresh_overhead", refresh_overhead(end)},
          {"activates", t.acts},
          {"refreshes", t.refab + t.refpb},
          {"energy_pJ", {{"act", e.act}, {"read_core", e.read_core}, {"read_io", e.read_io}, {"write_core", e.write_core},
                         {"write_io", e.write_io}, {"refresh", e.refresh}, {"background", e.background}}}};
}

namespace {
const bool registered = [] {
  HbmRegistry::instance().add("hbm-model", "dram",
                              "cycle-approximate HBM: stacks, pseudo-channels, banks, per-command timing, FR-FCFS, refresh",
                              &DramParams::schema(), [](const ConfigPtr& params, const char* name, SimContext& ctx) {
                                const DramParams p = DramParams::schema().resolve(params, "", {});
                                check_dram(p, SourceLoc{});
                                return std::unique_ptr<Hbm>(new HbmDram(name, p, ctx));
                              });
  register_hbm_facts("dram", [](const ConfigPtr& params) {
    const DramParams p = DramParams::schema().resolve(params, "", {});
    return HbmFacts{p.capacity(), p.peak().bytes_per_s()};
  });
  return true;
}();
}  // namespace

PseudoChannel::Stats HbmDram::totals() const {
  PseudoChannel::Stats t;
  for (const auto& pc : pcs_) {
    const auto& s = pc->stats();
    t.reads += s.reads;
    t.writes += s.writes;
    t.acts += s.acts;
    t.pres += s.pres;
    t.refab += s.refab;
    t.refpb += s.refpb;
    t.row_hits += s.row_hits;
    t.last_cycle = std::max(t.last_cycle, s.last_cycle);
  }
  return t;
}

double HbmDram::row_hit_rate() const {
  const auto t = totals();
  const uint64_t n = t.reads + t.writes;
  return n ? static_cast<double>(t.row_hits) / static_cast<double>(n) : 0.0;
}

double HbmDram::refresh_overhead(Time end) const {
  const auto t = totals();
  const double cycles = static_cast<double>(end.ps) / static_cast<double>(p_.memspec.tck.ps) * static_cast<double>(pcs_.size());
  if (cycles <= 0) return 0;
  const auto& tm = p_.memspec.timing;
  const double busy = static_cast<double>(t.refab) * tm.RFC +
                      static_cast<double>(t.refpb) * tm.RFCpb / static_cast<double>(p_.memspec.banks());
  return busy / cycles;
}

HbmDram::EnergyParts HbmDram::energy(Time end) const {
  const auto t = totals();
  const MemEnergy& e = p_.memspec.energy;
  const double bits = p_.memspec.burst_bytes() * 8.0;
  EnergyParts out;
  out.act = static_cast<double>(t.acts) * e.act.pj;
  out.read_core = static_cast<double>(t.reads) * bits * e.read_core.pj_per_bit;
  out.read_io = static_cast<double>(t.reads) * bits * e.read_io.pj_per_bit;
  out.write_core = static_cast<double>(t.writes) * bits * e.write_core.pj_per_bit;
  out.write_io = static_cast<double>(t.writes) * bits * e.write_io.pj_per_bit;
  out.refresh = static_cast<double>(t.refab) * e.refresh_all_bank.pj + static_cast<double>(t.refpb) * e.refresh_per_bank.pj;
  out.background = e.background.watts * p_.stacks * end.s() * 1e12;
  return out;
}

}  // namespace litesim
