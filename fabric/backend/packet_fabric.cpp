// `packet` backend: messages cut into packets at the MTU, each crossing real blocks hop by hop:
// source GPU port (serialiser, credits) -> transceiver -> fibre (time of flight, FEC, OCS) ->
// transceiver -> input buffer of the next switch or GPU -> routed to an output port -> ... ->
// destination GPU, where the packets are reassembled and the message delivered.
//
// Flow control is credit-based and per virtual channel: a port sends a packet only when the input
// buffer it feeds has room for all of it (virtual cut-through), so congestion backs up and nothing
// is dropped for it (only a dead link drops packets, below). A buffer slot is freed when the
// packet's tail leaves that buffer and the credit reaches the sender one link latency later. The
// router picks each hop's port and virtual channel.
//
// Timing runs on the fabric's EventQueue (fabric/backend/event_queue.h): one SystemC method for all
// packets, deterministic. docs/fabric.md gives the equations.
//
// With an OCS circuit schedule (fabric.ocs.schedule) the fabric has one phase per circuit set, each
// with its own links and router over the same GPUs, switches and port transceivers. When a phase is
// due, GPUs stop injecting, the packets in flight drain (and their credits return), the circuits are
// dark for the OCS's reconfiguration_time, and then the messages still waiting resume on the new
// circuits. An idle fabric reconfigures without events, so a schedule never prolongs a run.
//
// Faults (fabric.faults, docs/faults.md; the bookkeeping shared with the flow backend is
// fabric/backend/link_faults.h): when a link dies, what is queued at its two sending ports is
// dropped, and so is each packet on its wire when it would have arrived, or routed onto it later
// (black-holed at the dead hop). The first dropped packet of a message loses that copy: its bytes
// count as dropped once, the source stops injecting it, and it is resent whole when the routing has
// converged (death + detect + reconverge). The copy's other packets are stale (their copy number is
// behind the message's) and are discarded the next time they move, freeing their buffer space and
// returning its credit, so nothing waits on them. After convergence a message whose route crosses a
// dead link carries a detour (the shortest route over live links) as a source route, on virtual
// channel 0: simple, not deadlock-free (on a topology with cycles, detours under load may deadlock,
// which the run reports). With no route left the message is lost for good. A degraded link
// serialises the packets that start after the fault at its share of the rate; a flapping link dies
// and comes back. Changes that fall due while the fabric is idle apply on its next send.
#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <systemc>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/backend/event_queue.h"
#include "fabric/backend/fabric_hardware.h"
#include "fabric/backend/link_faults.h"
#include "fabric/backend/ocs_sequence.h"
#include "fabric/backend/packet_params.h"
#include "fabric/backend/pair_fifo.h"
#include "fabric/fabric.h"
#include "fabric/link/link.h"
#include "fabric/optics/transceiver.h"

namespace litesim {
namespace {

struct OutPort;

struct Packet {
  uint32_t msg = 0;      // index into msgs_
  uint32_t copy = 0;     // the copy of its message it belongs to (stale once that copy is lost)
  uint32_t payload = 0;  // message bytes carried
  uint32_t wire = 0;     // payload + header
  int vc = 0;            // virtual channel on the current / next hop
  int in_port = -1;      // port it arrived on at the current vertex (-1: injected there)
  int in_vc = 0;
  int at = 0;               // the vertex it is at (or crossing a link to): its buffer slot is there
  int hop = 0;              // its next hop on its message's source route (a detour)
  OutPort* via = nullptr;   // the link direction it last crossed (or is crossing)
  uint32_t via_deaths = 0;  // that link's deaths when it started crossing
  Time head, tail;          // arrival of its first and last bit at the current vertex
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
  uint32_t copy = 0;             // copies lost so far (fabric.faults): packets of earlier ones are stale
  std::vector<RouteStep> route;  // a detour around dead links, as a source route; empty: the router's
  OutPort* queued = nullptr;     // the port whose injection queue holds it, if any
};

// One direction of one link, at its sending vertex: the serialiser and what waits for it.
struct OutPort {
  HwPort* hw = nullptr;                     // the link direction, its ends and the peer's buffer size
  std::vector<std::deque<uint32_t>> queue;  // forwarded packets ready to go, per VC
  std::deque<uint32_t> inject;              // messages injected here (GPU ports), served round robin
  std::vector<int64_t> credits;             // free bytes in the peer's input buffer, per VC
  Time free_at;
  int rr = 0;
  int link = 0;         // the topology link (its id)
  double share = 1;     // of the link's rate left (a degrade)
  uint32_t deaths = 0;  // times the link died: what was crossing it then is lost
};

class PacketFabric : public sc_core::sc_module, public Fabric, private OcsHooks {
 public:
  PacketFabric(sc_core::sc_module_name name, const PacketParams& pp, const FabricContext& ctx)
      : sc_module(name),
        pp_(pp),
        sim_(ctx.sim),
        eq_("events", ctx.sim),
        fifo_(pp.injection == "per_pair_fifo"),
        age_(pp.arbitration == "age"),
        stats_(ctx.sim.stats.group(this->name())),
        c_(stats_),
        ocs_(phase_times(ctx), ctx.params.ocs ? ctx.params.ocs->reconfiguration_time : Time{}, stats_, ctx.sim, eq_,
             *this),
        hw_(this->name(), pp, ctx),
        dropped_(stats_.counter("bytes_dropped", "B", "bytes of message copies lost with a dead link")),
        topo_(ctx.topology),
        faults_(
            ctx.topology, ctx.faults, ctx.params.recovery, ctx.sim, [this](const LinkFaults::Change& c) { apply(c); },
            [this] { return in_flight_ > 0; }) {
    build();
  }

  void send(const MessageInfo& m, DeliveredCallback done) override {
    if (m.src == m.dst) throw SimError(fmt::format("message {} is sent from GPU {} to itself", m.id, m.src));
    if (in_flight_ == 0) ocs_.catch_up();
    faults_.catch_up();
    c_.injected.add(static_cast<double>(m.bytes));
    ++in_flight_;
    const uint32_t id = static_cast<uint32_t>(msgs_.size());
    Msg msg;
    msg.info = m;
    msg.done = std::move(done);
    msg.to_send = m.bytes;
    msg.flow = message_flow_hash(m);
    msg.injected = sim_now();
    msgs_.push_back(std::move(msg));
    // behind the pair's earlier messages: it starts when the one before has sent its last packet
    if (fifo_ && !pairs_.join(m.src, m.dst, id)) return;
    start_injecting(id);
    ocs_.arm_phase_event();
    faults_.arm();
  }

  // Message `id` joins the injection queue of its first hop's port. With dead links about, its
  // route may be a detour (a source route), or it may have none left (lost for good); when its
  // first hop is dead it is lost at once (black-holed: sent again when the routing has converged).
  void start_injecting(uint32_t id) {
    Msg& msg = msgs_[id];
    msg.route.clear();
    RouteQuery q;
    q.vertex = msg.info.src;
    q.src_gpu = msg.info.src;
    q.dst_gpu = msg.info.dst;
    q.flow = msg.flow;
    RouteChoice c;
    Time retry;
    LinkFaults::Fate fate = LinkFaults::Fate::Normal;
    if (faults_.links_dead() > 0) {
      std::vector<RouteStep> steps = router().steps(topo_, msg.info.src, msg.info.dst, msg.flow);
      fate = faults_.route(msg.info.src, msg.info.dst, steps, sim_now(), retry);
      if (fate == LinkFaults::Fate::NoRoute) {
        lose(id, Time{-1});
        return;
      }
      if (fate == LinkFaults::Fate::Detour) {
        msg.route = std::move(steps);
        c = {msg.route.front().port, msg.route.front().vc};
      }
    }
    if (fate != LinkFaults::Fate::Detour) c = router().route(q);
    msg.vc = c.vc;
    OutPort& o = out(msg.info.src, c.port);
    if (dead(o)) {  // only a black-holed route starts on a dead link
      lose(id, retry);
      return;
    }
    msg.queued = &o;
    o.inject.push_back(id);
    eq_.at(sim_now(), [this, &o] { try_start(o); });
  }

  // Message `id` has handed its last packet to the fabric, or its copy was lost: the pair's next
  // message may start (once: a resent copy does not start it again).
  void hand_over(uint32_t id) {
    if (!fifo_) return;
    const Msg& msg = msgs_[id];
    const uint32_t next = pairs_.handed_over(msg.info.src, msg.info.dst, id);
    if (next != PairFifo::kNone) start_injecting(next);
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
    for (const auto& ports : phases_[ocs_.current_phase()].out)
      for (const OutPort& o : ports) {
        size_t waiting = o.inject.size();
        for (const auto& q : o.queue) waiting += q.size();
        if (waiting == 0) continue;
        std::string credits;
        for (size_t vc = 0; vc < o.credits.size(); ++vc)
          credits += fmt::format("{}vc{} {}/{} B", vc ? ", " : "", vc, o.credits[vc], o.hw->buffer);
        s += fmt::format("  {} port {} -> {}: {} packet(s) or message(s) waiting; credits {}\n",
                         vertex_name(o.hw->vertex), o.hw->port, vertex_name(o.hw->peer_vertex), waiting, credits);
      }
    return s + faults_.lost_report();
  }

 private:
  std::string vertex_name(int v) const { return hw_.vertex_name(v); }

  OutPort& out(int vertex, int port) {
    return phases_[ocs_.current_phase()].out[static_cast<size_t>(vertex)][static_cast<size_t>(port)];
  }
  const Router& router() const { return *phases_[ocs_.current_phase()].router; }

  // The packet state of every phase's ports, over the hardware's.
  void build() {
    phases_.reserve(hw_.phases().size());
    for (HwPhase& hp : hw_.phases()) {
      Phase& ph = phases_.emplace_back();
      ph.at = hp.at;
      ph.router = hp.router;
      const size_t vcs = static_cast<size_t>(hp.router->vcs());
      ph.out.resize(hp.ports.size());
      for (size_t v = 0; v < hp.ports.size(); ++v) {
        ph.out[v].resize(hp.ports[v].size());
        for (size_t p = 0; p < hp.ports[v].size(); ++p) {
          HwPort& h = hp.ports[v][p];
          OutPort& o = ph.out[v][p];
          o.hw = &h;
          o.queue.resize(vcs);
          o.credits.assign(vcs, h.buffer);
          o.link = hp.topo->link_at(static_cast<int>(v), static_cast<int>(p)).id;
        }
      }
    }
  }

  // --- OCS circuit schedule (fabric/backend/ocs_sequence.h) -----------------------------------

  bool gated() const { return ocs_.gated(); }
  uint64_t ocs_in_flight() const override { return in_flight_; }
  void ocs_gate() override { try_drained(); }
  void try_drained() {
    if (ocs_.state() == OcsSequence::State::Draining && live_packets_ == 0 && credits_out_ == 0) ocs_.network_empty();
  }
  // Messages waiting at the old phase's ports move to the new phase's first hops.
  void ocs_switching(size_t from) override {
    std::vector<uint32_t> waiting;
    for (auto& ports : phases_[from].out)
      for (OutPort& o : ports) {
        waiting.insert(waiting.end(), o.inject.begin(), o.inject.end());
        o.inject.clear();
      }
    for (uint32_t id : waiting) start_injecting(id);
  }
  void ocs_resume() override {
    for (auto& ports : phases_[ocs_.current_phase()].out)
      for (OutPort& o : ports)
        if (!o.inject.empty()) eq_.at(sim_now(), [this, &o] { try_start(o); });
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
    p.copy = msg.copy;
    p.payload = static_cast<uint32_t>(std::min<uint64_t>(msg.to_send, pp_.mtu.bytes));
    p.wire = p.payload + static_cast<uint32_t>(pp_.header.bytes);
    p.vc = msg.vc;
    return p;
  }

  void try_start(OutPort& o) {
    if (sim_now() < o.free_at) return;  // the serialiser's end-of-packet action calls again
    if (copies_lost_ > 0) discard_stale(o);
    if (age_)
      serve_oldest(o);
    else
      serve_round_robin(o);
  }

  // `arbitration: round_robin`: one slot per VC queue, then local injection, in turn.
  void serve_round_robin(OutPort& o) {
    const int slots = static_cast<int>(o.queue.size()) + 1;  // one per VC, then local injection
    for (int k = 0; k < slots; ++k) {
      const int c = (o.rr + k) % slots;
      if (c < static_cast<int>(o.queue.size())) {
        if (!forwardable(o, c)) continue;
        o.rr = (c + 1) % slots;
        forward(o, c);
        return;
      }
      const long t = injectable(o);
      if (t < 0) continue;
      o.rr = (c + 1) % slots;
      inject_packet(o, static_cast<size_t>(t));
      return;
    }
  }

  // `arbitration: age` (Abts and Weisser, SC'07): the waiting packet whose message was handed to the
  // fabric earliest goes first. Ties go to the VC queues in round-robin order, then to local injection,
  // whose age is that of the message it would serve next.
  void serve_oldest(OutPort& o) {
    const int vcs = static_cast<int>(o.queue.size());
    int best = -1;
    Time oldest;
    for (int k = 0; k < vcs; ++k) {
      const int c = (o.rr + k) % vcs;
      if (!forwardable(o, c)) continue;
      const Time born = msgs_[pkts_[o.queue[static_cast<size_t>(c)].front()].msg].injected;
      if (best < 0 || born < oldest) {
        best = c;
        oldest = born;
      }
    }
    const long t = injectable(o);
    if (t >= 0 && (best < 0 || msgs_[o.inject[static_cast<size_t>(t)]].injected < oldest)) {
      inject_packet(o, static_cast<size_t>(t));
      return;
    }
    if (best < 0) return;
    o.rr = (best + 1) % vcs;
    forward(o, best);
  }

  // VC queue `c` has a packet and the next buffer has room for it.
  bool forwardable(const OutPort& o, int c) const {
    const auto& q = o.queue[static_cast<size_t>(c)];
    return !q.empty() && o.credits[static_cast<size_t>(c)] >= pkts_[q.front()].wire;
  }

  void forward(OutPort& o, int c) {
    auto& q = o.queue[static_cast<size_t>(c)];
    const uint32_t i = q.front();
    q.pop_front();
    transmit(o, i);
  }

  // Position in the injection queue of the first message (in service order) whose next packet the
  // next buffer has room for; -1 if none (or the circuits are being reconfigured).
  long injectable(const OutPort& o) const {
    if (gated()) return -1;
    for (size_t t = 0; t < o.inject.size(); ++t) {
      const Packet p = next_packet(o.inject[t]);
      if (o.credits[static_cast<size_t>(p.vc)] >= p.wire) return static_cast<long>(t);
    }
    return -1;
  }

  // Sends the next packet of the message at position `t` of the injection queue; the messages before
  // it (no room for theirs) go to the back of the queue, and so does it if it has more to send.
  void inject_packet(OutPort& o, size_t t) {
    for (; t > 0; --t) {
      o.inject.push_back(o.inject.front());
      o.inject.pop_front();
    }
    const uint32_t m = o.inject.front();
    o.inject.pop_front();
    const Packet p = next_packet(m);
    Msg& msg = msgs_[m];
    msg.to_send -= p.payload;
    msg.sent_any = true;
    if (msg.to_send > 0)
      o.inject.push_back(m);
    else
      msg.queued = nullptr;
    const uint32_t i = alloc_packet();
    pkts_[i] = p;
    c_.packets.add();
    transmit(o, i);
    if (msg.to_send == 0) hand_over(m);
  }

  void transmit(OutPort& o, uint32_t i) {
    Packet& p = pkts_[i];
    Link::Direction& d = *o.hw->dir;
    const Time start = sim_now();
    const Time end = start + serialise(o, p.wire);
    o.free_at = end;
    o.credits[static_cast<size_t>(p.vc)] -= p.wire;
    hw_.book_traffic(*o.hw, p.payload, p.wire, 1);
    hw_.book_busy(*o.hw, start, end, end - start);
    if (p.in_port >= 0) return_credit(o.hw->vertex, p.in_port, p.in_vc, p.wire, end);
    p.head = start + d.head_latency;
    p.tail = end + d.head_latency;
    p.in_port = o.hw->peer_port;
    p.in_vc = p.vc;
    p.via = &o;
    p.via_deaths = o.deaths;
    ++p.hop;
    const int to = o.hw->peer_vertex;
    p.at = to;
    if (to == msgs_[p.msg].info.dst)  // the last hop: nothing to route, the tail's arrival ejects it
      eq_.at(p.tail, [this, to, i] { eject(to, i); });
    else
      eq_.at(p.head, [this, to, i] { arrive(to, i); });
    eq_.at(end, [this, &o] { try_start(o); });
  }

  // The buffer at (vertex, in_port) frees `bytes` of `vc` at `when`; the credit reaches the sender
  // after the reverse direction's latency.
  void return_credit(int vertex, int in_port, int vc, uint32_t bytes, Time when) {
    OutPort& back = out(vertex, in_port);
    OutPort& up = out(back.hw->peer_vertex, back.hw->peer_port);
    ++credits_out_;
    eq_.at(when + back.hw->dir->head_latency, [this, &up, vc, bytes] {
      up.credits[static_cast<size_t>(vc)] += bytes;
      --credits_out_;
      try_start(up);
      try_drained();
    });
  }

  void arrive(int v, uint32_t i) {
    if (lost_on_the_way(i)) return;
    Packet& p = pkts_[i];
    const Msg& msg = msgs_[p.msg];
    RouteChoice c;
    if (!msg.route.empty()) {  // a detour: the hop its source chose, on virtual channel 0
      const RouteStep& st = msg.route[static_cast<size_t>(p.hop)];
      if (st.vertex != v)
        throw std::logic_error(fmt::format("message {}: a detoured packet at {} expected at {}", msg.info.id,
                                           vertex_name(v), vertex_name(st.vertex)));
      c = {st.port, st.vc};
    } else {
      RouteQuery q;
      q.vertex = v;
      q.in_port = p.in_port;
      q.in_vc = p.in_vc;
      q.src_gpu = msg.info.src;
      q.dst_gpu = msg.info.dst;
      q.flow = msg.flow;
      c = router().route(q);
    }
    OutPort& o = out(v, c.port);
    if (dead(o)) {  // black-holed at the dead hop
      drop(i, o.link);
      return;
    }
    const HwNode& node = hw_.node(v);
    Time ready = (node.cut_through ? p.head : p.tail) + node.latency;
    // cut-through onto a faster link cannot finish sending before the tail has arrived
    const Time ser_out = serialise(o, p.wire);
    if (ready + ser_out < p.tail) ready = p.tail - ser_out;
    p.vc = c.vc;
    eq_.at(ready, [this, &o, i] { enqueue(o, i); });
  }

  // Packet i, routed to `o`, is ready to go: it waits for the serialiser (unless its copy was lost
  // or the link died meanwhile).
  void enqueue(OutPort& o, uint32_t i) {
    if (!current(pkts_[i])) {
      discard(i);
      return;
    }
    if (dead(o)) {
      drop(i, o.link);
      return;
    }
    o.queue[static_cast<size_t>(pkts_[i].vc)].push_back(i);
    try_start(o);
  }

  void eject(int v, uint32_t i) {
    if (lost_on_the_way(i)) return;
    const Packet p = pkts_[i];
    free_.push_back(i);
    --live_packets_;
    return_credit(v, p.in_port, p.in_vc, p.wire, sim_now());
    Msg& msg = msgs_[p.msg];
    msg.arrived += p.payload;
    if (msg.arrived < msg.info.bytes || msg.to_send > 0) return;
    c_.latency.add((sim_now() - msg.injected).ns());
    c_.delivered.add(static_cast<double>(msg.info.bytes));
    leave_flight();
    if (msg.done) msg.done(msg.info);
    msg.done = nullptr;
  }

  // A message is no longer in flight (delivered, or lost for good): an empty fabric is idle.
  void leave_flight() {
    if (--in_flight_ > 0) return;
    ocs_.now_idle();
    faults_.idle();
  }

  // The time packet `wire` bytes take on `o`'s serialiser, at the share of its rate left.
  static Time serialise(const OutPort& o, uint32_t wire) {
    const Link::Direction& d = *o.hw->dir;
    return o.share == 1 ? d.serialise(wire) : duration_of(8.0 * wire, d.payload_bps * o.share);
  }

  // --- faults (fabric.faults; fabric/backend/link_faults.h) ------------------------------------

  bool dead(const OutPort& o) const { return faults_.links_dead() > 0 && faults_.dead(o.link); }
  bool current(const Packet& p) const { return msgs_[p.msg].copy == p.copy; }

  // Change `c` on both directions of its link (its state already changed). A death loses what is
  // queued to go out on the link (packets and messages at its sending ports); what is on the wire
  // is lost as it arrives (lost_on_the_way). A degrade slows the serialisers from the next packet
  // on; a revival restores their rate.
  void apply(const LinkFaults::Change& c) {
    const TopoEdge& e = topo_.links()[static_cast<size_t>(c.link)];
    for (OutPort* o : {&out(e.u, e.port_u), &out(e.v, e.port_v)}) {
      if (c.what != LinkFaults::Change::Die) {
        o->share = c.share;  // degraded, or back at its latest share
        continue;
      }
      ++o->deaths;
      for (auto& q : o->queue)
        while (!q.empty()) {
          const uint32_t i = q.front();
          q.pop_front();
          drop(i, c.link);
        }
      const std::deque<uint32_t> waiting = o->inject;
      for (uint32_t m : waiting) lose(m, faults_.converged(c.link));
    }
  }

  // Packet i reached the end of a link (its head for forwarding, its tail at the destination): if
  // the link died while it was crossing, it is lost there; if its copy was lost elsewhere, it is
  // discarded. True when it goes no further.
  bool lost_on_the_way(uint32_t i) {
    const Packet& p = pkts_[i];
    if (p.via->deaths != p.via_deaths) {
      drop(i, p.via->link);
      return true;
    }
    if (current(p)) return false;
    discard(i);
    return true;
  }

  // Packet i hit dead link `link`: its message's copy is lost (sent again when the routing has gone
  // around the link, or at once if it already has), and the packet discarded.
  void drop(uint32_t i, int link) {
    const Packet& p = pkts_[i];
    if (current(p)) lose(p.msg, std::max(sim_now(), faults_.converged(link)));
    discard(i);
  }

  // Packet i leaves the fabric without arriving: the buffer slot it holds (at the vertex it is at,
  // or crossing a link to) is freed and its credit returned.
  void discard(uint32_t i) {
    const Packet p = pkts_[i];
    free_.push_back(i);
    --live_packets_;
    if (p.in_port >= 0) return_credit(p.at, p.in_port, p.in_vc, p.wire, sim_now());
  }

  // The packets of lost copies waiting at the head of `o`'s queues are discarded.
  void discard_stale(OutPort& o) {
    for (auto& q : o.queue)
      while (!q.empty() && !current(pkts_[q.front()])) {
        const uint32_t i = q.front();
        q.pop_front();
        discard(i);
      }
  }

  // Message `id`'s copy is lost: its bytes count as dropped, its packets elsewhere in the fabric are
  // stale from now on (discarded as they next move), and it is sent again at `retry` (a negative
  // retry: never, no route is left). The pair's next message may start.
  void lose(uint32_t id, Time retry) {
    Msg& msg = msgs_[id];
    ++msg.copy;
    ++copies_lost_;
    if (msg.queued) {
      auto& q = msg.queued->inject;
      const auto it = std::find(q.begin(), q.end(), id);
      if (it != q.end()) q.erase(it);
      msg.queued = nullptr;
    }
    msg.to_send = 0;
    msg.arrived = 0;
    dropped_.add(static_cast<double>(msg.info.bytes));
    ++faults_.report().messages_dropped;
    if (retry.ps < 0)
      give_up(id);
    else
      eq_.at(retry, [this, id] { retransmit(id); });
    hand_over(id);
  }

  // No route is left for message `id`: it is never delivered (its consumer's wait is reported as
  // stuck by the run) and no longer in flight.
  void give_up(uint32_t id) {
    faults_.lost(msgs_[id].info, sim_now());
    msgs_[id].done = nullptr;
    leave_flight();
  }

  // The transport sends a lost message again, whole, unless no route is left (then it gives up
  // without sending: nothing more is injected or dropped).
  void retransmit(uint32_t id) {
    faults_.catch_up();
    Msg& msg = msgs_[id];
    if (faults_.links_dead() > 0) {
      std::vector<RouteStep> steps = router().steps(topo_, msg.info.src, msg.info.dst, msg.flow);
      Time retry;
      if (faults_.route(msg.info.src, msg.info.dst, steps, sim_now(), retry) == LinkFaults::Fate::NoRoute) {
        give_up(id);
        return;
      }
    }
    c_.injected.add(static_cast<double>(msg.info.bytes));
    ++faults_.report().retransmissions;
    msg.to_send = msg.info.bytes;
    start_injecting(id);
    faults_.arm();
  }

  // One circuit set: its topology, router, output ports [vertex][port] and links.
  struct Phase {
    Time at;
    const Router* router = nullptr;
    std::vector<std::vector<OutPort>> out;  // over the hardware's ports of the phase
  };

  PacketParams pp_;
  SimContext& sim_;
  EventQueue eq_;
  bool fifo_;
  bool age_;        // arbitration: age (else round_robin)
  PairFifo pairs_;  // per (src, dst): its messages not yet fully injected
  StatGroup& stats_;
  FabricCounters c_;
  OcsSequence ocs_;
  FabricHardware hw_;
  std::vector<Phase> phases_;
  uint64_t live_packets_ = 0;
  uint64_t credits_out_ = 0;  // credits on their way back
  std::deque<Msg> msgs_;
  std::vector<Packet> pkts_;
  std::vector<uint32_t> free_;
  uint64_t in_flight_ = 0;
  Counter& dropped_;
  const Topology& topo_;  // phase 0's (faults and OCS schedules do not mix)
  LinkFaults faults_;     // fabric.faults: link states, routes around dead links, the report
  uint64_t copies_lost_ = 0;
};

const bool registered = register_fabric_backend<PacketFabric>(
    "packet",
    "packets at an MTU with credit flow control through transceivers, links and switches (fabric.fidelity: "
    "packet; parameters in fabric.backend)");

}  // namespace
}  // namespace litesim
