// `flow` backend (fabric.fidelity: flow): each message is one flow over its routed path instead of
// packets hop by hop. Link bandwidth is shared by max-min fairness (fabric/backend/maxmin.h),
// recomputed only when flows start or end: every change marks the links it touches, and one solve
// per simulated instant re-rates the flows connected to them through shared links (a ring step's N
// starts are one solve; flows on disjoint links are separate, tiny systems).
//
// Timing. A message of S bytes is n = max(1, ceil(S / mtu)) packets of wire bytes W (payload +
// header), exactly as the packet backend cuts it. Its source sends W_tot = S + n x header bytes.
//  - On a path it has to itself it takes exactly the packet backend's time: the max-plus closed form
//    of the packet pipeline (cut-through or store-and-forward per vertex, a shorter last packet,
//    rate changes between hops) gives its delivery T_solo and the time D_solo its source finishes
//    sending (n packet times at the path's slowest hop). docs/fabric.md derives both.
//  - While it shares a link its rate is its max-min share; it finishes sending when its wire bits
//    run out at the rates it got, and is delivered L = T_solo - D_solo (the pipeline's latency:
//    hop latencies, forwarding, the last packet's serialisation) after that.
//  - A flow's own rate limit is its path's slowest hop and the credit window of each hop (buffer
//    per VC over the credit loop), as in the packet backend's flow control.
// What it leaves out, by design: queueing delay behind other packets, per-queue (not per-flow)
// round-robin arbitration, credit back-pressure between flows (head-of-line blocking) and transients
// shorter than a packet; docs/fabric.md compares both fidelities case by case.
//
// Bookkeeping is the packet backend's: the same hardware (fabric/backend/fabric_hardware.h), so
// the same links, transceivers, switch energy, counters, link reports and link activity, with bytes
// and energy booked per hop when the source has sent the message, and busy time from the rates.
// OCS circuit schedules: when a phase is due the flows stop, what is on the wire lands (the longest
// pipeline latency of the flows stopped), the circuits are dark for the reconfiguration time, and the
// rest of every message resumes on the new circuits.
// Faults (fabric.faults, docs/faults.md): a link that dies drops the messages crossing it (their
// bytes counted dropped) and black-holes new ones routed over it until the routing has converged
// around it (fabric.recovery: detect + reconverge after the death); each lost message is sent again
// then, on a route avoiding every dead link (the transport's retransmission), or is lost for good
// when no route is left. A degraded link runs at its share of its bandwidth; a flapping link dies
// and comes back. Fault changes that fall due while the fabric is idle apply when it next sends, so
// a fault never prolongs a run. The fault bookkeeping (link states, convergence, detours, the
// report) is fabric/backend/link_faults.h, shared with the packet backend.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <systemc>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/backend/event_queue.h"
#include "fabric/backend/fabric_hardware.h"
#include "fabric/backend/link_faults.h"
#include "fabric/backend/maxmin.h"
#include "fabric/backend/ocs_sequence.h"
#include "fabric/backend/packet_params.h"
#include "fabric/backend/pair_fifo.h"
#include "fabric/fabric.h"

namespace litesim {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

// One direction of one link in one phase, as the flows see it.
struct Dir {
  HwPort* hw = nullptr;
  double bps = 0;               // payload rate of wire bits
  std::vector<uint32_t> flows;  // active flows crossing it
  double alloc = 0;             // sum of their rates since `since`
  Time since;                   // busy time is booked up to here
  uint32_t stamp = 0;           // component search mark
  uint32_t local = 0;           // index in the current solve
  bool dirty = false;
};

struct Msg {
  MessageInfo info;
  Fabric::DeliveredCallback done;
  Time injected;
  uint64_t hash = 0;
  uint32_t next_free = kNone;
};

struct Flow {
  uint32_t msg = kNone;
  std::vector<uint32_t> dirs;                   // its hops
  std::vector<uint32_t> pos;                    // its index in each hop's Dir::flows
  double bits = 0;                              // wire bits left to send
  double rate = 0;                              // current rate (bit/s)
  double cap = 0;                               // its own limit: slowest hop and credit windows (bit/s)
  Time updated;                                 // `bits` is as of this time
  Time start;                                   // when it (or its resumption after an OCS reconfiguration) began
  Time solo_drain;                              // D_solo: source busy time on a path to itself
  Time latency;                                 // L = T_solo - D_solo
  uint64_t payload = 0, wire = 0, packets = 0;  // booked per hop when it has been sent
  uint32_t epoch = 0;                           // invalidates a superseded drain event
  uint32_t stamp = 0;
  bool contended = false;  // its rate has been below its own limit
  bool active = false;
  uint32_t next_free = kNone;
};

class FlowFabric : public sc_core::sc_module, public Fabric, private OcsHooks {
 public:
  FlowFabric(sc_core::sc_module_name name, const PacketParams& pp, const FabricContext& ctx)
      : sc_module(name),
        pp_(pp),
        sim_(ctx.sim),
        eq_("events", ctx.sim),
        fifo_(pp.injection == "per_pair_fifo"),
        stats_(ctx.sim.stats.group(this->name())),
        c_(stats_),
        ocs_(phase_times(ctx), ctx.params.ocs ? ctx.params.ocs->reconfiguration_time : Time{}, stats_, ctx.sim, eq_,
             *this),
        solves_(stats_.counter("rate_solves", "", "max-min rate recomputations (one per instant with flow changes)")),
        dropped_(stats_.counter("bytes_dropped", "B", "bytes of message copies lost with a dead link")),
        hw_(this->name(), pp, ctx),
        topo_(ctx.topology),
        faults_(
            ctx.topology, ctx.faults, ctx.params.recovery, ctx.sim, [this](const LinkFaults::Change& c) { apply(c); },
            [this] { return in_flight_ > 0; }) {
    for (HwPhase& hp : hw_.phases()) {
      std::vector<uint32_t> base;
      for (auto& ports : hp.ports) {
        base.push_back(static_cast<uint32_t>(dirs_.size()));
        for (HwPort& h : ports) {
          Dir d;
          d.hw = &h;
          d.bps = h.dir->payload_bps;
          dirs_.push_back(std::move(d));
        }
      }
      dir_base_.push_back(std::move(base));
    }
  }

  void send(const MessageInfo& m, DeliveredCallback done) override {
    if (m.src == m.dst) throw SimError(fmt::format("message {} is sent from GPU {} to itself", m.id, m.src));
    if (in_flight_ == 0) ocs_.catch_up();
    faults_.catch_up();
    c_.injected.add(static_cast<double>(m.bytes));
    ++in_flight_;
    const uint32_t id = alloc_msg();
    Msg& msg = msgs_[id];
    msg.info = m;
    msg.done = std::move(done);
    msg.injected = sim_now();
    msg.hash = message_flow_hash(m);
    // behind the pair's earlier messages: it starts when the one before has been sent
    if (fifo_ && !pairs_.join(m.src, m.dst, id)) return;
    begin(id);
    ocs_.arm_phase_event();
    faults_.arm();
  }

  uint64_t bytes_injected() const override { return static_cast<uint64_t>(c_.injected.value()); }
  uint64_t bytes_delivered() const override { return static_cast<uint64_t>(c_.delivered.value()); }
  uint64_t bytes_dropped() const override { return static_cast<uint64_t>(dropped_.value()); }
  FaultReport fault_report() const override { return faults_.report(); }
  uint64_t messages_in_flight() const override { return in_flight_; }
  const Histogram& latency_ns() const override { return c_.latency; }
  std::vector<LinkReport> link_reports(Time end) const override { return hw_.link_reports(end); }
  std::vector<LinkActivity> link_activity() const override { return hw_.link_activity(); }

  std::string stuck_report() const override {
    std::string s;
    s += ocs_.report();
    size_t shown = 0;
    for (size_t f = 0; f < flows_.size() && shown < 20; ++f) {
      const Flow& fl = flows_[f];
      if (!fl.active) continue;
      const MessageInfo& m = msgs_[fl.msg].info;
      s += fmt::format("  message {} gpu{} -> gpu{}: {:.0f} of {} wire bits left at {:.3g} Gbit/s\n", m.id, m.src,
                       m.dst, fl.bits, 8 * fl.wire, fl.rate / 1e9);
      ++shown;
    }
    if (!held_.empty()) s += fmt::format("  {} message(s) held for the OCS reconfiguration\n", held_.size());
    return s + faults_.lost_report();
  }

 private:
  const HwPhase& phase() const { return hw_.phases()[ocs_.current_phase()]; }
  uint32_t dir_of(int vertex, int port) const {
    return dir_base_[ocs_.current_phase()][static_cast<size_t>(vertex)] + static_cast<uint32_t>(port);
  }

  uint32_t alloc_msg() {
    if (free_msg_ != kNone) {
      const uint32_t i = free_msg_;
      free_msg_ = msgs_[i].next_free;
      msgs_[i] = Msg{};
      return i;
    }
    msgs_.emplace_back();
    return static_cast<uint32_t>(msgs_.size() - 1);
  }
  void free_msg(uint32_t i) {
    msgs_[i].done = nullptr;
    msgs_[i].next_free = free_msg_;
    free_msg_ = i;
  }
  uint32_t alloc_flow() {
    if (free_flow_ != kNone) {
      const uint32_t i = free_flow_;
      free_flow_ = flows_[i].next_free;
      flows_[i].next_free = kNone;
      return i;
    }
    flows_.emplace_back();
    return static_cast<uint32_t>(flows_.size() - 1);
  }

  void free_flow(uint32_t f) {
    flows_[f].next_free = free_flow_;
    free_flow_ = f;
  }

  // Flow f stops now, short of its end (an OCS reconfiguration, a dead link): it leaves its links,
  // what it has sent is booked on its hops, and it is inactive. Returns the payload it had sent.
  uint64_t stop_flow(uint32_t f) {
    const Time now = sim_now();
    Flow& fl = flows_[f];
    fl.bits = std::max(0.0, fl.bits - fl.rate * static_cast<double>((now - fl.updated).ps) * 1e-12);
    fl.updated = now;
    leave_links(f);
    const double sent = 1.0 - fl.bits / (8.0 * static_cast<double>(fl.wire));
    const uint64_t payload_sent = static_cast<uint64_t>(std::floor(sent * static_cast<double>(fl.payload)));
    const uint64_t packets_sent = payload_sent / pp_.mtu.bytes;
    const uint64_t wire_sent = payload_sent + packets_sent * pp_.header.bytes;
    for (uint32_t d : fl.dirs) hw_.book_traffic(*dirs_[d].hw, payload_sent, wire_sent, packets_sent);
    c_.packets.add(static_cast<double>(packets_sent));
    fl.active = false;
    fl.rate = 0;
    ++fl.epoch;
    return payload_sent;
  }

  // Message `id` starts sending now (unless an OCS reconfiguration holds it, or a dead link the
  // routing has not yet gone around swallows it).
  void begin(uint32_t id) {
    if (ocs_.gated()) {
      held_.push_back(id);
      return;
    }
    std::vector<RouteStep> steps;
    Time retry;
    if (faults_.links_dead() == 0) {
      const HwPhase& ph = phase();
      steps = ph.router->steps(*ph.topo, msgs_[id].info.src, msgs_[id].info.dst, msgs_[id].hash);
    } else if (!faulty_route(id, steps, retry)) {
      lose(id, retry);
      return;
    }
    const uint64_t bytes = msgs_[id].info.bytes;
    const uint32_t f = alloc_flow();
    flows_[f].msg = id;
    start_flow(f, bytes, std::max<uint64_t>(1, (bytes + pp_.mtu.bytes - 1) / pp_.mtu.bytes), &steps);
  }

  // Flow f (of message flows_[f].msg) starts now on `route` (default: the current phase's route),
  // with `payload` bytes in `n` packets to send.
  void start_flow(uint32_t f, uint64_t payload, uint64_t n, const std::vector<RouteStep>* route = nullptr) {
    Flow& fl = flows_[f];
    fl.payload = payload;
    fl.packets = n;
    fl.wire = payload + n * pp_.header.bytes;
    const Msg& msg = msgs_[fl.msg];
    const HwPhase& ph = phase();
    const std::vector<RouteStep> steps =
        route ? *route : ph.router->steps(*ph.topo, msg.info.src, msg.info.dst, msg.hash);
    fl.dirs.clear();
    fl.pos.clear();
    for (const RouteStep& s : steps) fl.dirs.push_back(dir_of(s.vertex, s.port));
    timing(fl, payload, n);
    fl.bits = 8.0 * static_cast<double>(fl.wire);
    fl.rate = 0;
    fl.updated = fl.start = sim_now();
    fl.contended = false;
    fl.active = true;
    ++fl.epoch;
    for (uint32_t d : fl.dirs) {
      Dir& dir = dirs_[d];
      fl.pos.push_back(static_cast<uint32_t>(dir.flows.size()));
      dir.flows.push_back(f);
      mark(d);
    }
  }

  // The packet pipeline's timing on the flow's path when it has the path to itself: D_solo, L and
  // the flow's own rate limit. Packets: n - 1 of mtu + header wire bytes, then the last one.
  void timing(Flow& fl, uint64_t payload, uint64_t n) {
    const size_t k = fl.dirs.size();
    const uint64_t w_full = pp_.mtu.bytes + pp_.header.bytes;
    const uint64_t w_last = payload - (n - 1) * pp_.mtu.bytes + pp_.header.bytes;
    // per hop: full and last packet's serialisation, head latency, the next vertex's forwarding
    std::vector<int64_t>&tf = hop_.tf, &tl = hop_.tl, &h = hop_.h, &fwd = hop_.fwd;
    std::vector<uint8_t>& ct = hop_.ct;
    for (auto* v : {&tf, &tl, &h, &fwd}) v->resize(k);
    ct.resize(k);
    for (size_t j = 0; j < k; ++j) {
      const Dir& d = dirs_[fl.dirs[j]];
      const Link::Direction& ld = *d.hw->dir;
      tf[j] = ld.serialise(w_full).ps;
      tl[j] = ld.serialise(w_last).ps;
      h[j] = ld.head_latency.ps;
      const HwNode& next = hw_.node(d.hw->peer_vertex);
      fwd[j] = next.latency.ps;
      ct[j] = next.cut_through;
    }
    // e_j(W): from the end of a packet's serialisation on hop j to... the start of hop j+1 minus
    // tau_{j+1}: h_j + max(F - tau_j, -tau_{j+1}) cut-through, h_j + F store-and-forward.
    auto e = [&](size_t j, const std::vector<int64_t>& tau) {
      return ct[j] ? h[j] + std::max(fwd[j] - tau[j], -tau[j + 1]) : h[j] + fwd[j];
    };
    // E(n, k) over monotone paths in the (packet, hop) grid; rows 1..n-1 full, row n the last packet.
    int64_t best = 0;
    if (n == 1) {
      best = tl[0];
      for (size_t j = 0; j + 1 < k; ++j) best += e(j, tl) + tl[j + 1];
    } else {
      int64_t prefix = tf[0], tmax = 0;  // prefix: full-packet row from hop 1 to hop c
      for (size_t c = 0; c < k; ++c) {
        if (c > 0) prefix += e(c - 1, tf) + tf[c];
        tmax = std::max(tmax, tf[c]);
        int64_t tail = tl[c];
        for (size_t j = c; j + 1 < k; ++j) tail += e(j, tl) + tl[j + 1];
        best = std::max(best, prefix + static_cast<int64_t>(n - 2) * tmax + tail);
      }
    }
    const int64_t t_solo = best + h[k - 1];
    const std::vector<int64_t>& pace = n == 1 ? tl : tf;
    const size_t slow = static_cast<size_t>(std::max_element(pace.begin(), pace.end()) - pace.begin());
    const int64_t d_solo = static_cast<int64_t>(n - 1) * tf[slow] + tl[slow];
    fl.solo_drain = Time{d_solo};
    fl.latency = Time{std::max<int64_t>(t_solo - d_solo, 0)};
    // Own limit: the pace of the slowest hop, and per hop the credit window (the buffer's whole
    // packets) over the credit loop: the packet's serialisation, its time to leave the next vertex
    // (or reach the destination), and the credit's way back.
    double cap = 8.0 * static_cast<double>(fl.wire) / (static_cast<double>(d_solo) * 1e-12);
    bool credit_limited = false;
    for (size_t j = 0; j < k; ++j) {
      const Dir& d = dirs_[fl.dirs[j]];
      const int64_t window = (d.hw->buffer / static_cast<int64_t>(w_full)) * static_cast<int64_t>(w_full);
      const HwPort& back = phase().ports[static_cast<size_t>(d.hw->peer_vertex)][static_cast<size_t>(d.hw->peer_port)];
      // released when the packet has left the next vertex, or reached the destination
      const int64_t held = j + 1 < k ? e(j, tf) + tf[j + 1] : h[j];
      const int64_t loop = tf[j] + held + back.dir->head_latency.ps;
      const double credit_bps = 8.0 * static_cast<double>(window) / (static_cast<double>(loop) * 1e-12);
      if (credit_bps < cap) {
        cap = credit_bps;
        credit_limited = true;
      }
    }
    fl.cap = cap;
    fl.contended = credit_limited;  // its pace is the credit window's, not the closed form's
  }

  // A hop's flows changed: re-rate its component at the end of this instant.
  void mark(uint32_t d) {
    Dir& dir = dirs_[d];
    if (!dir.dirty) {
      dir.dirty = true;
      dirty_.push_back(d);
    }
    if (!solve_pending_) {
      solve_pending_ = true;
      eq_.at(sim_now(), [this] { solve(); });
    }
  }

  void solve() {
    solve_pending_ = false;
    const Time now = sim_now();
    ++stamp_;
    comp_dirs_.clear();
    comp_flows_.clear();
    for (uint32_t d : dirty_) {
      dirs_[d].dirty = false;
      if (dirs_[d].stamp == stamp_) continue;
      dirs_[d].stamp = stamp_;
      comp_dirs_.push_back(d);
    }
    dirty_.clear();
    // The links reachable from the changed ones through shared flows, and their flows.
    for (size_t i = 0; i < comp_dirs_.size(); ++i) {
      for (uint32_t f : dirs_[comp_dirs_[i]].flows) {
        Flow& fl = flows_[f];
        if (fl.stamp == stamp_) continue;
        fl.stamp = stamp_;
        comp_flows_.push_back(f);
        for (uint32_t d : fl.dirs)
          if (dirs_[d].stamp != stamp_) {
            dirs_[d].stamp = stamp_;
            comp_dirs_.push_back(d);
          }
      }
    }
    solves_.add();
    cap_.clear();
    for (size_t i = 0; i < comp_dirs_.size(); ++i) {
      Dir& d = dirs_[comp_dirs_[i]];
      d.local = static_cast<uint32_t>(i);
      cap_.push_back(d.bps);
    }
    first_.assign(1, 0);
    link_.clear();
    fcap_.clear();
    for (uint32_t f : comp_flows_) {
      Flow& fl = flows_[f];
      fl.bits = std::max(0.0, fl.bits - fl.rate * static_cast<double>((now - fl.updated).ps) * 1e-12);
      fl.updated = now;
      for (uint32_t d : fl.dirs) link_.push_back(dirs_[d].local);
      first_.push_back(static_cast<uint32_t>(link_.size()));
      fcap_.push_back(fl.cap);
    }
    solver_.solve(cap_, first_, link_, fcap_, rate_);
    // Busy time up to now at the old rates; then the new ones.
    for (uint32_t d : comp_dirs_) close_busy(dirs_[d], now);
    for (size_t i = 0; i < comp_flows_.size(); ++i) {
      const uint32_t f = comp_flows_[i];
      Flow& fl = flows_[f];
      const double r = rate_[i];
      for (uint32_t d : fl.dirs) dirs_[d].alloc += r;
      if (r == fl.rate) continue;
      fl.rate = r;
      if (r < fl.cap * (1 - 1e-9)) fl.contended = true;
      if (!(r > 0)) continue;  // stuck: nothing to schedule (stuck_report)
      ++fl.epoch;
      const Time at = fl.contended ? now + duration_of(fl.bits, r) : fl.start + fl.solo_drain;
      const uint32_t ep = fl.epoch;
      eq_.at(at, [this, f, ep] { drained(f, ep); });
    }
  }

  void close_busy(Dir& d, Time now) {
    if (d.alloc > 0 && d.since < now) {
      const Time span = now - d.since;
      const double share = std::min(1.0, d.alloc / d.bps);
      hw_.book_busy(*d.hw, d.since, now, Time{static_cast<int64_t>(std::llround(share * span.ps))});
    }
    d.alloc = 0;
    d.since = now;
  }

  // Flow f's source has sent its last bit: it leaves its links, the pair's next message starts, and
  // it lands at its destination after the pipeline latency.
  void drained(uint32_t f, uint32_t epoch) {
    Flow& fl = flows_[f];
    if (!fl.active || fl.epoch != epoch) return;
    const Time now = sim_now();
    fl.bits = 0;
    leave_links(f);
    for (uint32_t d : fl.dirs) hw_.book_traffic(*dirs_[d].hw, fl.payload, fl.wire, fl.packets);
    c_.packets.add(static_cast<double>(fl.packets));
    const uint32_t m = fl.msg;
    const Time arrive = now + fl.latency;
    fl.active = false;
    free_flow(f);
    ++landing_;
    eq_.at(arrive, [this, m] { arrive_at(m); });
    if (fifo_) {
      const MessageInfo& info = msgs_[m].info;
      const uint32_t next = pairs_.handed_over(info.src, info.dst, m);
      if (next != PairFifo::kNone) begin(next);
    }
  }

  void leave_links(uint32_t f) {
    Flow& fl = flows_[f];
    for (size_t j = 0; j < fl.dirs.size(); ++j) {
      const uint32_t d = fl.dirs[j];
      Dir& dir = dirs_[d];
      const uint32_t p = fl.pos[j];
      const uint32_t moved = dir.flows.back();
      dir.flows[p] = moved;
      dir.flows.pop_back();
      if (moved != f) {
        Flow& mf = flows_[moved];
        for (size_t i = 0; i < mf.dirs.size(); ++i)
          if (mf.dirs[i] == d) mf.pos[i] = p;
      }
      mark(d);
    }
  }

  void arrive_at(uint32_t m) {
    --landing_;
    const Msg& msg = msgs_[m];
    c_.latency.add((sim_now() - msg.injected).ns());
    finish(m);
    try_drained();
  }

  void finish(uint32_t m) {
    Msg& msg = msgs_[m];
    c_.delivered.add(static_cast<double>(msg.info.bytes));
    leave_flight();
    DeliveredCallback done = std::move(msg.done);
    const MessageInfo info = msg.info;
    free_msg(m);
    if (done) done(info);
  }

  // --- OCS circuit schedule (fabric/backend/ocs_sequence.h) -----------------------------------

  uint64_t ocs_in_flight() const override { return in_flight_; }

  // Every flow stops where it is; what it has sent lands within its pipeline latency.
  void ocs_gate() override {
    const Time now = sim_now();
    Time landed = now;
    for (uint32_t f = 0; f < flows_.size(); ++f) {
      Flow& fl = flows_[f];
      if (!fl.active) continue;
      landed = std::max(landed, now + fl.latency);
      // What it has sent went over the old circuits; the rest goes over the new ones.
      fl.payload -= stop_flow(f);
      fl.packets = std::max<uint64_t>(1, (fl.payload + pp_.mtu.bytes - 1) / pp_.mtu.bytes);
      stopped_.push_back(f);
    }
    drain_until_ = landed;
    eq_.at(landed, [this] { try_drained(); });
  }

  void try_drained() {
    if (ocs_.state() == OcsSequence::State::Draining && landing_ == 0 && !(sim_now() < drain_until_))
      ocs_.network_empty();
  }

  void ocs_switching(size_t) override {}

  // The stopped flows resume with what they had left, then the held messages start, in order.
  void ocs_resume() override {
    std::vector<uint32_t> stopped;
    stopped.swap(stopped_);
    for (uint32_t f : stopped) start_flow(f, flows_[f].payload, flows_[f].packets);
    std::vector<uint32_t> held;
    held.swap(held_);
    for (uint32_t m : held) begin(m);
  }

  // --- faults (fabric.faults) -------------------------------------------------------------------

  // The directions of topology link `l` (phase 0: faults and OCS schedules do not mix).
  std::vector<uint32_t> link_dirs(int l) const {
    const TopoEdge& e = topo_.links()[static_cast<size_t>(l)];
    std::vector<uint32_t> out;
    if (topo_.can_send(e.u, e.port_u)) out.push_back(dir_base_[0][static_cast<size_t>(e.u)] + e.port_u);
    if (topo_.can_send(e.v, e.port_v)) out.push_back(dir_base_[0][static_cast<size_t>(e.v)] + e.port_v);
    return out;
  }

  // Change `c` (its link's state already changed): a death drops the flows crossing the link; a
  // degrade or revival re-rates it.
  void apply(const LinkFaults::Change& c) {
    if (c.what == LinkFaults::Change::Die) {
      const Time retry = faults_.converged(c.link);
      for (uint32_t d : link_dirs(c.link)) {
        const std::vector<uint32_t> crossing = dirs_[d].flows;
        for (uint32_t f : crossing)
          if (flows_[f].active) drop_flow(f, retry);
      }
      return;
    }
    for (uint32_t d : link_dirs(c.link)) {
      dirs_[d].bps = dirs_[d].hw->dir->payload_bps * c.share;  // degraded, or back at its latest share
      close_busy(dirs_[d], sim_now());
      mark(d);
    }
  }

  // With dead links: message `id`'s route. The router's when it crosses no dead link; when it does
  // and the routing has converged around them, the shortest route avoiding every dead link (false
  // and retry = never when there is none); before that, false and retry = when it will have.
  bool faulty_route(uint32_t id, std::vector<RouteStep>& steps, Time& retry) {
    const MessageInfo& m = msgs_[id].info;
    const HwPhase& ph = phase();
    steps = ph.router->steps(*ph.topo, m.src, m.dst, msgs_[id].hash);
    const LinkFaults::Fate fate = faults_.route(m.src, m.dst, steps, sim_now(), retry);
    return fate == LinkFaults::Fate::Normal || fate == LinkFaults::Fate::Detour;
  }

  // Flow f crossed a link that died: what it sent is booked on its hops, the message is lost and
  // sent again at `retry`.
  void drop_flow(uint32_t f, Time retry) {
    stop_flow(f);
    const uint32_t m = flows_[f].msg;
    free_flow(f);
    lose(m, retry);
  }

  // Message `id`'s copy is lost: its bytes count as dropped; it is sent again at `retry` (a
  // negative retry: never, no route is left). The pair's next message may start.
  void lose(uint32_t id, Time retry) {
    const MessageInfo info = msgs_[id].info;
    dropped_.add(static_cast<double>(info.bytes));
    ++faults_.report().messages_dropped;
    if (retry.ps < 0)
      give_up(id);
    else
      eq_.at(retry, [this, id] { retransmit(id); });
    if (fifo_) {
      const uint32_t next = pairs_.handed_over(info.src, info.dst, id);
      if (next != PairFifo::kNone) begin(next);
    }
  }

  // No route is left for message `id`: it is never delivered (its consumer's wait is reported as
  // stuck by the run) and no longer in flight.
  void give_up(uint32_t id) {
    faults_.lost(msgs_[id].info, sim_now());
    msgs_[id].done = nullptr;
    leave_flight();
  }

  // A message is no longer in flight (delivered, or lost for good): an empty fabric is idle.
  void leave_flight() {
    if (--in_flight_ > 0) return;
    ocs_.now_idle();
    faults_.idle();
  }

  // The transport sends a lost message again, unless no route is left (then it gives up without
  // sending: nothing more is injected or dropped).
  void retransmit(uint32_t id) {
    faults_.catch_up();
    std::vector<RouteStep> steps;
    Time retry;
    if (faults_.links_dead() > 0 && !faulty_route(id, steps, retry) && retry.ps < 0) {
      give_up(id);
      return;
    }
    c_.injected.add(static_cast<double>(msgs_[id].info.bytes));
    ++faults_.report().retransmissions;
    begin(id);
    faults_.arm();
  }

  PacketParams pp_;
  SimContext& sim_;
  EventQueue eq_;
  bool fifo_;
  StatGroup& stats_;
  FabricCounters c_;
  OcsSequence ocs_;
  Counter& solves_;
  Counter& dropped_;
  FabricHardware hw_;
  const Topology& topo_;
  LinkFaults faults_;  // fabric.faults: link states, routes around dead links, the report

  std::vector<Dir> dirs_;                        // every phase's link directions
  std::vector<std::vector<uint32_t>> dir_base_;  // [phase][vertex]: index of its port 0's Dir
  std::vector<Msg> msgs_;
  uint32_t free_msg_ = kNone;
  std::vector<Flow> flows_;
  uint32_t free_flow_ = kNone;
  PairFifo pairs_;          // per (src, dst): its messages not yet sent
  uint64_t in_flight_ = 0;  // messages not yet delivered
  uint64_t landing_ = 0;    // sent, not yet arrived

  struct HopScratch {  // timing()'s per-hop figures, kept between flows
    std::vector<int64_t> tf, tl, h, fwd;
    std::vector<uint8_t> ct;
  } hop_;

  // the solve of this instant
  std::vector<uint32_t> dirty_, comp_dirs_, comp_flows_, first_, link_;
  std::vector<double> cap_, fcap_, rate_;
  MaxMinSolver solver_;
  uint32_t stamp_ = 0;
  bool solve_pending_ = false;

  // OCS schedule
  Time drain_until_;               // Draining: what was on the wire has landed by then
  std::vector<uint32_t> stopped_;  // flows stopped by a reconfiguration, to resume
  std::vector<uint32_t> held_;     // messages that came due while the circuits were changing
};

const bool registered = register_fabric_backend<FlowFabric>(
    "flow",
    "flow level: each message one flow over its route, links shared max-min fair, packet-exact on an idle path "
    "(fabric.fidelity: flow; parameters in fabric.backend)");

}  // namespace
}  // namespace litesim
