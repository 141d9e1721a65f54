// `packet` backend: messages cut into packets at the MTU, each crossing real blocks hop by hop:
// source GPU port (serialiser, credits) -> transceiver -> fibre (time of flight, FEC, OCS) ->
// transceiver -> input buffer of the next switch or GPU -> routed to an output port -> ... ->
// destination GPU, where the packets are reassembled and the message delivered.
//
// Flow control is credit-based and per virtual channel: a port sends a packet only when the input
// buffer it feeds has room for all of it (virtual cut-through), so congestion backs up and nothing
// is ever dropped. A buffer slot is freed when the packet's tail leaves that buffer and the credit
// reaches the sender one link latency later. The router picks each hop's port and virtual channel.
//
// Timing runs on the fabric's EventQueue (fabric/backend/event_queue.h): one SystemC method for all
// packets, deterministic. docs/fabric.md gives the equations.
//
// With an OCS circuit schedule (fabric.ocs.schedule) the fabric has one phase per circuit set, each
// with its own links and router over the same GPUs, switches and port transceivers. When a phase is
// due, GPUs stop injecting, the packets in flight drain (and their credits return), the circuits are
// dark for the OCS's reconfiguration_time, and then the messages still waiting resume on the new
// circuits. An idle fabric reconfigures without events, so a schedule never prolongs a run.
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <systemc>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/backend/event_queue.h"
#include "fabric/backend/packet_params.h"
#include "fabric/fabric.h"
#include "fabric/link/link.h"
#include "fabric/optics/transceiver.h"

namespace litesim {
namespace {

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser: a message's flow hash for multipath routers
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Packet {
  uint32_t msg = 0;      // index into msgs_
  uint32_t payload = 0;  // message bytes carried
  uint32_t wire = 0;     // payload + header
  int vc = 0;            // virtual channel on the current / next hop
  int in_port = -1;      // port it arrived on at the current vertex (-1: injected there)
  int in_vc = 0;
  Time head, tail;  // arrival of its first and last bit at the current vertex
};

struct Msg {
  MessageInfo info;
  Fabric::DeliveredCallback done;
  uint64_t to_send = 0;  // payload bytes not yet packetised
  uint64_t arrived = 0;  // payload bytes reassembled at the destination
  bool sent_any = false;
  uint64_t flow = 0;
  int vc = 0;  // first hop's virtual channel
  Time injected;
};

// One direction of one link, at its sending vertex: the serialiser and what waits for it.
struct OutPort {
  Link::Direction* dir = nullptr;
  int vertex = 0, port = 0, peer_vertex = 0, peer_port = 0;
  std::vector<std::deque<uint32_t>> queue;  // forwarded packets ready to go, per VC
  std::deque<uint32_t> inject;              // messages injected here (GPU ports), served round robin
  std::vector<int64_t> credits;             // free bytes in the peer's input buffer, per VC
  int64_t buffer = 0;                       // that buffer's size per VC
  Time free_at;
  int rr = 0;
  WindowedSum busy_ps;  // the serialiser's busy time over time (timeline.json)
};

// A switch or GPU as a packet forwarder.
struct Node {
  bool gpu = true;
  Time latency;
  bool cut_through = true;
  double pj_per_bit = 0;
  EnergyLedger::AccountId account = 0;
  bool has_account = false;
};

class PacketFabric : public sc_core::sc_module, public Fabric {
 public:
  PacketFabric(sc_core::sc_module_name name, const PacketParams& pp, const FabricContext& ctx)
      : sc_module(name),
        pp_(pp),
        topo_(ctx.topology),
        sim_(ctx.sim),
        eq_("events", ctx.sim),
        fifo_(pp.injection == "per_pair_fifo"),
        stats_(ctx.sim.stats.group(this->name())),
        injected_(stats_.counter("bytes_injected", "B", "message bytes handed to the fabric")),
        delivered_(stats_.counter("bytes_delivered", "B", "message bytes delivered to their destination")),
        packets_(stats_.counter("packets", "", "packets injected")),
        latency_(stats_.histogram("latency", "ns", "message injection to arrival of its last byte")),
        reconfigurations_(stats_.counter("ocs_reconfigurations", "", "OCS circuit-set changes (fabric.ocs.schedule)")),
        dark_ns_(stats_.counter("ocs_dark_time", "ns",
                                "time injection was stopped for OCS reconfigurations (drain + reconfiguration_time)")) {
    build(ctx);
    if (phases_.size() > 1) {
      sc_core::sc_spawn_options opts;
      opts.spawn_method();
      opts.set_sensitivity(&phase_due_);
      opts.dont_initialize();
      sc_core::sc_spawn(sim_.guard([this] { on_phase_due(); }), "ocs_schedule", &opts);
    }
  }

  void set_arrival_handler(ArrivalHandler h) override { arrival_ = std::move(h); }

  void send(const MessageInfo& m, DeliveredCallback done) override {
    if (m.src == m.dst) throw SimError(fmt::format("message {} is sent from GPU {} to itself", m.id, m.src));
    if (in_flight_ == 0 && phases_.size() > 1) catch_up();
    injected_.add(static_cast<double>(m.bytes));
    ++in_flight_;
    const uint32_t id = static_cast<uint32_t>(msgs_.size());
    Msg msg;
    msg.info = m;
    msg.done = std::move(done);
    msg.to_send = m.bytes;
    msg.flow = mix64(mix64(m.id) ^ (static_cast<uint64_t>(m.src) << 32 | static_cast<uint32_t>(m.dst)));
    msg.injected = sim_now();
    msgs_.push_back(std::move(msg));
    if (fifo_) {  // behind the pair's earlier messages: it starts when the one before has sent its last packet
      std::deque<uint32_t>& waiting = pair_queue_[pair_key(m.src, m.dst)];
      waiting.push_back(id);
      if (waiting.size() > 1) return;
    }
    start_injecting(id);
    arm_phase_event();
  }

  uint64_t pair_key(int src, int dst) const { return static_cast<uint64_t>(src) << 32 | static_cast<uint32_t>(dst); }

  // Message `id` joins the injection queue of its first hop's port.
  void start_injecting(uint32_t id) {
    Msg& msg = msgs_[id];
    RouteQuery q;
    q.vertex = msg.info.src;
    q.src_gpu = msg.info.src;
    q.dst_gpu = msg.info.dst;
    q.flow = msg.flow;
    const RouteChoice c = router().route(q);
    msg.vc = c.vc;
    OutPort& o = out(msg.info.src, c.port);
    o.inject.push_back(id);
    eq_.at(sim_now(), [this, &o] { try_start(o); });
  }

  // Message `id` has handed its last packet to the fabric: the pair's next message may start.
  void finished_injecting(uint32_t id) {
    if (!fifo_) return;
    const MessageInfo& m = msgs_[id].info;
    auto it = pair_queue_.find(pair_key(m.src, m.dst));
    it->second.pop_front();
    if (it->second.empty()) {
      pair_queue_.erase(it);
      return;
    }
    start_injecting(it->second.front());
  }

  uint64_t bytes_injected() const override { return static_cast<uint64_t>(injected_.value()); }
  uint64_t bytes_delivered() const override { return static_cast<uint64_t>(delivered_.value()); }
  uint64_t messages_in_flight() const override { return in_flight_; }
  const Histogram& latency_ns() const override { return latency_; }

  // Every phase's links; a later phase's link ids follow the earlier phases'. The transceivers at a
  // (vertex, port) serve that port's circuit in every phase, so links of different phases may
  // report the same transceivers' energy: the ledger, not a sum over links, holds the total.
  std::vector<LinkReport> link_reports(Time end) const override {
    std::vector<LinkReport> outv;
    const auto& accounts = sim_.ledger.accounts();
    int base = 0;
    for (const Phase& ph : phases_) {
      for (size_t i = 0; i < ph.links.size(); ++i) {
        const Link& l = *ph.links[i];
        const TopoEdge& e = ph.topo->links()[i];
        LinkReport r;
        r.id = base + e.id;
        r.name = l.name();
        r.end_a = e.u;
        r.end_b = e.v;
        r.rate_Gbps = l.line_bps() / 1e9;
        r.bytes_ab = static_cast<uint64_t>(l.a_to_b().payload_bytes->value());
        r.bytes_ba = static_cast<uint64_t>(l.b_to_a().payload_bytes->value());
        r.messages = static_cast<uint64_t>(l.a_to_b().packets->value() + l.b_to_a().packets->value());
        r.utilization_ab = l.a_to_b().busy->utilization(end);
        r.utilization_ba = l.b_to_a().busy->utilization(end);
        r.energy_pJ =
            accounts.at(l.a_to_b().tx->account()).total_pj() + accounts.at(l.b_to_a().tx->account()).total_pj();
        outv.push_back(r);
      }
      base += ph.topo->num_links();
    }
    return outv;
  }

  std::vector<LinkActivity> link_activity() const override {
    std::vector<LinkActivity> outv;
    int base = 0;
    for (const Phase& ph : phases_) {
      for (size_t i = 0; i < ph.links.size(); ++i) {
        const TopoEdge& e = ph.topo->links()[i];
        const auto& ab = ph.out[static_cast<size_t>(e.u)][static_cast<size_t>(e.port_u)];
        const auto& ba = ph.out[static_cast<size_t>(e.v)][static_cast<size_t>(e.port_v)];
        outv.push_back({base + e.id, ph.links[i]->basename(), e.u, e.v, &ab.busy_ps});
        outv.push_back({base + e.id, ph.links[i]->basename(), e.v, e.u, &ba.busy_ps});
      }
      base += ph.topo->num_links();
    }
    return outv;
  }

  std::string stuck_report() const override {
    std::string s;
    if (ocs_state_ != OcsState::Steady)
      s += fmt::format("  OCS reconfiguration to schedule phase {} under way ({})\n", target_,
                       ocs_state_ == OcsState::Draining ? "draining" : "switching");
    for (const auto& ports : phases_[cur_].out)
      for (const OutPort& o : ports) {
        size_t waiting = o.inject.size();
        for (const auto& q : o.queue) waiting += q.size();
        if (waiting == 0) continue;
        std::string credits;
        for (size_t vc = 0; vc < o.credits.size(); ++vc)
          credits += fmt::format("{}vc{} {}/{} B", vc ? ", " : "", vc, o.credits[vc], o.buffer);
        s += fmt::format("  {} port {} -> {}: {} packet(s) or message(s) waiting; credits {}\n", vertex_name(o.vertex),
                         o.port, vertex_name(o.peer_vertex), waiting, credits);
      }
    return s;
  }

 private:
  std::string vertex_name(int v) const {
    const TopoVertex& tv = topo_.vertex(v);
    return tv.kind == TopoVertex::Kind::Gpu ? fmt::format("gpu{}", tv.index) : fmt::format("switch{}", tv.index);
  }

  OutPort& out(int vertex, int port) {
    return phases_[cur_].out[static_cast<size_t>(vertex)][static_cast<size_t>(port)];
  }
  const Router& router() const { return *phases_[cur_].router; }

  void build(const FabricContext& ctx) {
    const FabricParams& fp = ctx.params;
    const int n = topo_.num_vertices();
    const int64_t packet_max = static_cast<int64_t>(pp_.mtu.bytes + pp_.header.bytes);
    nodes_.resize(static_cast<size_t>(n));
    // fabric.switch / fabric.ocs presence and switch radices: checked by FabricInstance (check_switches).
    for (int v = 0; v < n; ++v) {
      Node& node = nodes_[static_cast<size_t>(v)];
      if (topo_.is_gpu(v)) {
        node.gpu = true;
        node.latency = pp_.forward_latency;
        node.cut_through = pp_.forward_mode == "cut_through";
      } else {
        const SwitchParams& sp = *fp.eps;
        if (static_cast<int64_t>(sp.buffer_per_port.bytes) < packet_max)
          throw ConfigError(
              SourceLoc{"<fabric>", 0, 0}, "fabric.switch.buffer_per_port",
              fmt::format("{} B cannot hold one packet of {} B (mtu + header)", sp.buffer_per_port.bytes, packet_max));
        node.gpu = false;
        node.latency = sp.latency;
        node.cut_through = sp.cut_through();
        node.pj_per_bit = sp.energy_per_bit.pj_per_bit;
        node.account = sim_.ledger.open(fmt::format("{}.{}", name(), vertex_name(v)), "switch", sp.static_power);
        node.has_account = true;
      }
    }
    if (static_cast<int64_t>(pp_.buffer_per_port.bytes) < packet_max)
      throw ConfigError(
          SourceLoc{"<fabric>", 0, 0}, "fabric.backend.buffer_per_port",
          fmt::format("{} B cannot hold one packet of {} B (mtu + header)", pp_.buffer_per_port.bytes, packet_max));
    // One OCS unit is one piece of hardware through every phase: as many ports as any phase uses.
    std::vector<int> unit_ports;
    for (const FabricPhase& ph : ctx.phases)
      for (size_t u = 0; u < ph.topology->ocs_units().size(); ++u) {
        if (unit_ports.size() <= u) unit_ports.resize(u + 1, 0);
        unit_ports[u] = std::max(unit_ports[u], ph.topology->ocs_units()[u].ports);
      }
    for (size_t u = 0; u < unit_ports.size(); ++u)
      sim_.ledger.open(fmt::format("{}.ocs{}", name(), u), "ocs",
                       Power{unit_ports[u] * fp.ocs->static_power_per_port.watts});
    if (fp.ocs) ocs_ = &*fp.ocs;
    phases_.reserve(ctx.phases.size());
    for (size_t k = 0; k < ctx.phases.size(); ++k) build_phase(ctx, k);
  }

  // Phase k's output ports and links; the transceivers at a (vertex, port) are shared by all phases.
  void build_phase(const FabricContext& ctx, size_t k) {
    const FabricParams& fp = ctx.params;
    const FabricPhase& fph = ctx.phases[k];
    const Topology& t = *fph.topology;
    Phase& ph = phases_.emplace_back();
    ph.at = fph.at;
    ph.topo = &t;
    ph.router = fph.router;
    const int vcs = fph.router->vcs();
    ph.out.resize(static_cast<size_t>(t.num_vertices()));
    for (int v = 0; v < t.num_vertices(); ++v) {
      ph.out[static_cast<size_t>(v)].resize(static_cast<size_t>(t.degree(v)));
    }
    for (const TopoEdge& e : t.links()) {
      const int lanes = link_lanes(e, fp.link);
      Transceiver* ta = port_transceiver(ctx, e.u, e.port_u, lanes);
      Transceiver* tb = port_transceiver(ctx, e.v, e.port_v, lanes);
      const Time fibre = duration_of(link_fibre_m(e, fp.link) * fp.link.propagation_delay.ps_per_m, 1e12);
      const Time extra = e.ocs >= 0 ? fp.ocs->insertion_latency : Time{};
      const std::string lname = k == 0 ? fmt::format("link{}", e.id) : fmt::format("phase{}_link{}", k, e.id);
      ph.links.push_back(std::make_unique<Link>(lname.c_str(), *ta, *tb, fibre, extra, sim_));
      Link& l = *ph.links.back();
      auto wire_port = [&](OutPort& o, Link::Direction& d, int v, int p, int pv, int pp) {
        o.dir = &d;
        o.vertex = v;
        o.port = p;
        o.peer_vertex = pv;
        o.peer_port = pp;
        o.queue.resize(static_cast<size_t>(vcs));
        o.buffer = static_cast<int64_t>(t.is_gpu(pv) ? pp_.buffer_per_port.bytes : fp.eps->buffer_per_port.bytes);
        o.credits.assign(static_cast<size_t>(vcs), o.buffer);
      };
      auto& out = ph.out;
      wire_port(out[static_cast<size_t>(e.u)][static_cast<size_t>(e.port_u)], l.a_to_b(), e.u, e.port_u, e.v, e.port_v);
      wire_port(out[static_cast<size_t>(e.v)][static_cast<size_t>(e.port_v)], l.b_to_a(), e.v, e.port_v, e.u, e.port_u);
    }
  }

  Transceiver* port_transceiver(const FabricContext& ctx, int v, int port, int lanes) {
    auto [it, fresh] = port_xcvr_.try_emplace({v, port}, nullptr);
    if (!fresh) {
      if (it->second->lanes() != lanes)
        throw ConfigError(SourceLoc{"<fabric>", 0, 0}, "fabric.ocs.schedule",
                          fmt::format("{} port {} has {} lanes in one circuit set and {} in another: a port's "
                                      "transceiver is the same in every phase",
                                      vertex_name(v), port, it->second->lanes(), lanes));
      return it->second;
    }
    const LinkEnd end = ctx.end_optics(v);
    xcvrs_.push_back(std::make_unique<Transceiver>(fmt::format("{}_port{}", vertex_name(v), port).c_str(), lanes,
                                                   end.lane_rate, *end.tech, sim_));
    it->second = xcvrs_.back().get();
    return it->second;
  }

  // --- OCS circuit schedule ---------------------------------------------------------------------
  // Steady: phase cur_ carries traffic. Draining: phase target_ is due; GPUs inject nothing more and
  // the packets in flight finish. Switching: the network is empty, cur_ = target_ already, and the
  // circuits are dark until ready_at_.

  bool gated() const { return ocs_state_ != OcsState::Steady; }

  // While messages are in flight, an event wakes the fabric when the next phase is due.
  void arm_phase_event() {
    if (ocs_state_ != OcsState::Steady || next_phase_ >= phases_.size() || in_flight_ == 0) return;
    const Time due = phases_[next_phase_].at;
    phase_due_.cancel();
    phase_due_.notify(to_sc(due < sim_now() ? Time{} : due - sim_now()));
  }

  void on_phase_due() {
    if (ocs_state_ != OcsState::Steady || next_phase_ >= phases_.size() || in_flight_ == 0) return;
    if (sim_now() < phases_[next_phase_].at) return;  // a stale wake-up
    ocs_state_ = OcsState::Draining;
    target_ = next_phase_++;
    gate_closed_at_ = sim_now();
    try_drained();
  }

  void try_drained() {
    if (ocs_state_ == OcsState::Draining && live_packets_ == 0 && credits_out_ == 0) begin_switch(sim_now());
  }

  // The network is empty: phase target_'s circuits are set up from `start` (now, or for an idle
  // fabric the moment the phase became due) and ready reconfiguration_time later. Messages waiting
  // at the old phase's ports move to the new phase's first hops.
  void begin_switch(Time start) {
    std::vector<uint32_t> waiting;
    for (auto& ports : phases_[cur_].out)
      for (OutPort& o : ports) {
        waiting.insert(waiting.end(), o.inject.begin(), o.inject.end());
        o.inject.clear();
      }
    cur_ = target_;
    ocs_state_ = OcsState::Switching;
    ready_at_ = start + ocs_->reconfiguration_time;
    reconfigurations_.add();
    dark_ns_.add((ready_at_ - gate_closed_at_).ns());
    for (uint32_t id : waiting) start_injecting(id);
    if (in_flight_ > 0) eq_.at(ready_at_, [this] { finish_switch(); });
  }

  void finish_switch() {
    ocs_state_ = OcsState::Steady;
    for (auto& ports : phases_[cur_].out)
      for (OutPort& o : ports)
        if (!o.inject.empty()) eq_.at(sim_now(), [this, &o] { try_start(o); });
    if (next_phase_ < phases_.size() && !(sim_now() < phases_[next_phase_].at) && in_flight_ > 0) {
      on_phase_due();
      return;
    }
    arm_phase_event();
  }

  // Called by send() on an empty fabric: applies, without events, every reconfiguration that fell
  // due while it was idle (each starting when due, or when the previous one was ready).
  void catch_up() {
    const Time now = sim_now();
    Time idle_from = idle_since_;
    for (;;) {
      if (ocs_state_ == OcsState::Switching) {
        if (now < ready_at_) break;
        ocs_state_ = OcsState::Steady;
        idle_from = ready_at_;
        continue;
      }
      if (ocs_state_ != OcsState::Steady || next_phase_ >= phases_.size() || now < phases_[next_phase_].at) break;
      target_ = next_phase_++;
      gate_closed_at_ = std::max(phases_[target_].at, idle_from);
      begin_switch(gate_closed_at_);
    }
    if (ocs_state_ == OcsState::Switching) eq_.at(ready_at_, [this] { finish_switch(); });
  }

  // The fabric has just become empty of messages.
  void now_idle() {
    idle_since_ = sim_now();
    if (ocs_state_ == OcsState::Steady) phase_due_.cancel();
  }

  uint32_t alloc_packet() {
    ++live_packets_;
    if (!free_.empty()) {
      const uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    pkts_.emplace_back();
    return static_cast<uint32_t>(pkts_.size() - 1);
  }

  // The next packet of message `m`, or none if it has nothing left to packetise.
  Packet next_packet(uint32_t m) const {
    const Msg& msg = msgs_[m];
    Packet p;
    p.msg = m;
    p.payload = static_cast<uint32_t>(std::min<uint64_t>(msg.to_send, pp_.mtu.bytes));
    p.wire = p.payload + static_cast<uint32_t>(pp_.header.bytes);
    p.vc = msg.vc;
    return p;
  }

  void try_start(OutPort& o) {
    const Time now = sim_now();
    if (now < o.free_at) return;                             // the serialiser's end-of-packet action calls again
    const int slots = static_cast<int>(o.queue.size()) + 1;  // one per VC, then local injection
    for (int k = 0; k < slots; ++k) {
      const int c = (o.rr + k) % slots;
      if (c < static_cast<int>(o.queue.size())) {
        auto& q = o.queue[static_cast<size_t>(c)];
        if (q.empty() || o.credits[static_cast<size_t>(c)] < pkts_[q.front()].wire) continue;
        const uint32_t i = q.front();
        q.pop_front();
        o.rr = (c + 1) % slots;
        transmit(o, i);
        return;
      }
      for (size_t tries = gated() ? 0 : o.inject.size(); tries > 0; --tries) {
        const uint32_t m = o.inject.front();
        o.inject.pop_front();
        const Packet p = next_packet(m);
        if (o.credits[static_cast<size_t>(p.vc)] < p.wire) {
          o.inject.push_back(m);
          continue;
        }
        Msg& msg = msgs_[m];
        msg.to_send -= p.payload;
        msg.sent_any = true;
        if (msg.to_send > 0) o.inject.push_back(m);
        const uint32_t i = alloc_packet();
        pkts_[i] = p;
        packets_.add();
        o.rr = (c + 1) % slots;
        transmit(o, i);
        if (msg.to_send == 0) finished_injecting(m);
        return;
      }
    }
  }

  void transmit(OutPort& o, uint32_t i) {
    Packet& p = pkts_[i];
    Link::Direction& d = *o.dir;
    const Time start = sim_now();
    const Time end = start + d.serialise(p.wire);
    o.free_at = end;
    o.credits[static_cast<size_t>(p.vc)] -= p.wire;
    const double bits = 8.0 * p.wire;
    d.tx->transmit(bits);
    d.rx->receive(bits);
    d.payload_bytes->add(p.payload);
    d.wire_bytes->add(p.wire);
    d.packets->add();
    d.busy->add(start, end);
    o.busy_ps.add(start, end, static_cast<uint64_t>((end - start).ps));
    const Node& node = nodes_[static_cast<size_t>(o.vertex)];
    if (node.has_account) {
      sim_.ledger.add_dynamic(node.account, bits * node.pj_per_bit);
      sim_.ledger.add_bits(node.account, bits);
    }
    if (p.in_port >= 0) return_credit(o.vertex, p.in_port, p.in_vc, p.wire, end);
    p.head = start + d.head_latency;
    p.tail = end + d.head_latency;
    p.in_port = o.peer_port;
    p.in_vc = p.vc;
    const int to = o.peer_vertex;
    eq_.at(p.head, [this, to, i] { arrive(to, i); });
    eq_.at(end, [this, &o] { try_start(o); });
  }

  // The buffer at (vertex, in_port) frees `bytes` of `vc` at `when`; the credit reaches the sender
  // after the reverse direction's latency.
  void return_credit(int vertex, int in_port, int vc, uint32_t bytes, Time when) {
    OutPort& back = out(vertex, in_port);
    OutPort& up = out(back.peer_vertex, back.peer_port);
    ++credits_out_;
    eq_.at(when + back.dir->head_latency, [this, &up, vc, bytes] {
      up.credits[static_cast<size_t>(vc)] += bytes;
      --credits_out_;
      try_start(up);
      try_drained();
    });
  }

  void arrive(int v, uint32_t i) {
    Packet& p = pkts_[i];
    const Msg& msg = msgs_[p.msg];
    if (v == msg.info.dst) {
      eq_.at(p.tail, [this, v, i] { eject(v, i); });
      return;
    }
    RouteQuery q;
    q.vertex = v;
    q.in_port = p.in_port;
    q.in_vc = p.in_vc;
    q.src_gpu = msg.info.src;
    q.dst_gpu = msg.info.dst;
    q.flow = msg.flow;
    const RouteChoice c = router().route(q);
    OutPort& o = out(v, c.port);
    const Node& node = nodes_[static_cast<size_t>(v)];
    Time ready = (node.cut_through ? p.head : p.tail) + node.latency;
    // cut-through onto a faster link cannot finish sending before the tail has arrived
    const Time ser_out = o.dir->serialise(p.wire);
    if (ready + ser_out < p.tail) ready = p.tail - ser_out;
    p.vc = c.vc;
    eq_.at(ready, [this, &o, i] {
      o.queue[static_cast<size_t>(pkts_[i].vc)].push_back(i);
      try_start(o);
    });
  }

  void eject(int v, uint32_t i) {
    const Packet p = pkts_[i];
    free_.push_back(i);
    --live_packets_;
    return_credit(v, p.in_port, p.in_vc, p.wire, sim_now());
    Msg& msg = msgs_[p.msg];
    msg.arrived += p.payload;
    if (msg.arrived < msg.info.bytes || msg.to_send > 0) return;
    latency_.add((sim_now() - msg.injected).ns());
    const uint32_t m = p.msg;
    if (!arrival_) {  // nothing to wait for: deliver now, without a process per message
      delivered_.add(static_cast<double>(msg.info.bytes));
      if (--in_flight_ == 0) now_idle();
      if (msg.done) msg.done(msg.info);
      msg.done = nullptr;
      return;
    }
    sc_core::sc_spawn(sim_.guard([this, m] {
      Msg& done = msgs_[m];
      if (arrival_) arrival_(done.info);
      delivered_.add(static_cast<double>(done.info.bytes));
      if (--in_flight_ == 0) now_idle();
      if (done.done) done.done(done.info);
      done.done = nullptr;
    }),
                      fmt::format("deliver{}", msg.info.id).c_str());
  }

  // One circuit set: its topology, router, output ports [vertex][port] and links.
  struct Phase {
    Time at;
    const Topology* topo = nullptr;
    const Router* router = nullptr;
    std::vector<std::vector<OutPort>> out;
    std::vector<std::unique_ptr<Link>> links;
  };
  enum class OcsState { Steady, Draining, Switching };

  PacketParams pp_;
  const Topology& topo_;  // phase 0's (GPUs and switches are the same in every phase)
  SimContext& sim_;
  EventQueue eq_;
  bool fifo_;
  std::unordered_map<uint64_t, std::deque<uint32_t>>
      pair_queue_;  // per (src, dst): its messages not yet fully injected
  StatGroup& stats_;
  Counter& injected_;
  Counter& delivered_;
  Counter& packets_;
  Histogram& latency_;
  Counter& reconfigurations_;
  Counter& dark_ns_;
  std::vector<Node> nodes_;
  std::vector<Phase> phases_;
  size_t cur_ = 0;  // the phase whose circuits are set
  std::vector<std::unique_ptr<Transceiver>> xcvrs_;
  std::map<std::pair<int, int>, Transceiver*> port_xcvr_;  // (vertex, port) -> its transceiver
  const OcsParams* ocs_ = nullptr;
  OcsState ocs_state_ = OcsState::Steady;
  size_t next_phase_ = 1;  // the next schedule entry to fall due
  size_t target_ = 0;      // Draining / Switching: the phase being set up
  Time ready_at_;          // Switching: when its circuits are up
  Time gate_closed_at_;    // when injection stopped for the reconfiguration under way
  Time idle_since_;        // when the fabric last became empty
  uint64_t live_packets_ = 0;
  uint64_t credits_out_ = 0;  // credits on their way back
  sc_core::sc_event phase_due_;
  std::deque<Msg> msgs_;
  std::vector<Packet> pkts_;
  std::vector<uint32_t> free_;
  ArrivalHandler arrival_;
  uint64_t in_flight_ = 0;
};

const bool registered = [] {
  FabricRegistry::instance().add("fabric-backend", "packet",
                                 "packets at an MTU with credit flow control through transceivers, links and switches",
                                 &PacketParams::schema(), [](const ConfigPtr& params, const FabricContext& ctx) {
                                   const PacketParams pp = PacketParams::schema().resolve(params, "fabric.backend", {});
                                   return std::unique_ptr<Fabric>(new PacketFabric("fabric", pp, ctx));
                                 });
  return true;
}();

}  // namespace
}  // namespace litesim
