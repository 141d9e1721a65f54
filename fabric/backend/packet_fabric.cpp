// `packet` backend: every message travels as one TLM transaction through real modules:
// source network interface -> transceiver (serialise, SerDes) -> link (time of flight) ->
// transceiver (SerDes) -> network interface (deliver, or forward to the next port) -> ...
// Per hop the message is stored and forwarded whole; packetisation at an MTU, credits and
// switches come with the fabric issue behind the same interface.
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <systemc>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/backend/network_interface.h"
#include "fabric/fabric.h"
#include "fabric/link/link.h"
#include "fabric/optics/transceiver.h"

namespace litesim {
namespace {

struct PacketParams {
  static const ParamSet<PacketParams>& schema() {
    static const ParamSet<PacketParams> s("packet", "message-level store-and-forward fabric of TLM modules");
    return s;
  }
};

class PacketFabric : public sc_core::sc_module, public Fabric {
 public:
  PacketFabric(sc_core::sc_module_name name, const FabricContext& ctx)
      : sc_module(name),
        topo_(ctx.topology),
        sim_(ctx.sim),
        stats_(ctx.sim.stats.group(this->name())),
        injected_(stats_.counter("bytes_injected", "B", "bytes handed to the fabric")),
        delivered_(stats_.counter("bytes_delivered", "B", "bytes delivered to their destination")),
        latency_(stats_.histogram("latency", "ns", "injection to arrival, per message")) {
    const auto& g = topo_.graph();
    const int n = static_cast<int>(boost::num_vertices(g));
    for (int v = 0; v < n; ++v) {
      nis_.push_back(std::make_unique<NetworkInterface>(fmt::format("gpu{}_ni", v).c_str(), v, topo_.degree(v),
                                                        ctx.router,
                                                        [this](tlm::tlm_generic_payload& t) { deliver(t); }));
    }
    xcvr_.resize(static_cast<size_t>(n));
    for (int v = 0; v < n; ++v) xcvr_[static_cast<size_t>(v)].resize(static_cast<size_t>(topo_.degree(v)));
    for (const TopoEdge& e : topo_.links()) {
      const CpoParams& cu = ctx.cpo.at(static_cast<size_t>(e.u));
      const CpoParams& cv = ctx.cpo.at(static_cast<size_t>(e.v));
      const DataRate rate{ctx.link.lanes * std::min(cu.lane_rate.bits_per_s, cv.lane_rate.bits_per_s)};
      auto make = [&](int v, int port, const CpoParams& c) {
        TransceiverConfig tc{ctx.link.lanes, rate, c.serdes_latency, c.energy_per_bit,
                             Power{ctx.link.lanes * c.static_power_per_lane.watts}};
        auto t = std::make_unique<Transceiver>(fmt::format("gpu{}_cpo_port{}", v, port).c_str(), tc, sim_);
        Transceiver* raw = t.get();
        xcvr_[static_cast<size_t>(v)][static_cast<size_t>(port)] = std::move(t);
        return raw;
      };
      Transceiver* tu = make(e.u, e.port_u, cu);
      Transceiver* tv = make(e.v, e.port_v, cv);
      auto link = std::make_unique<Link>(fmt::format("link{}", e.id).c_str(), ctx.link, rate, sim_);
      // u -> link -> v
      (*nis_[static_cast<size_t>(e.u)]->to_port[static_cast<size_t>(e.port_u)]).bind(tu->tx_in);
      tu->line_out.bind(link->a_in);
      link->b_out.bind(tv->line_in);
      tv->rx_out.bind(*nis_[static_cast<size_t>(e.v)]->from_port[static_cast<size_t>(e.port_v)]);
      // v -> link -> u
      (*nis_[static_cast<size_t>(e.v)]->to_port[static_cast<size_t>(e.port_v)]).bind(tv->tx_in);
      tv->line_out.bind(link->b_in);
      link->a_out.bind(tu->line_in);
      tu->rx_out.bind(*nis_[static_cast<size_t>(e.u)]->from_port[static_cast<size_t>(e.port_u)]);
      ends_.push_back({tu, tv});
      links_.push_back(std::move(link));
    }
  }

  void set_arrival_handler(ArrivalHandler h) override { arrival_ = std::move(h); }

  void send(const MessageInfo& msg, DeliveredCallback done) override {
    injected_.add(static_cast<double>(msg.bytes));
    ++in_flight_;
    sc_core::sc_spawn_options opts;
    sc_core::sc_spawn(sim_.guard([this, msg, done]() {
      tlm::tlm_generic_payload trans;
      MessageExtension ext(msg);
      ScopedExtension attached(trans, ext);
      trans.set_command(tlm::TLM_WRITE_COMMAND);
      trans.set_address(0);
      trans.set_data_ptr(nullptr);
      if (msg.bytes > UINT32_MAX) throw SimError("a message of 4 GiB or more does not fit one TLM payload");
      trans.set_data_length(static_cast<unsigned>(msg.bytes));
      trans.set_streaming_width(static_cast<unsigned>(msg.bytes));
      inject_time_[msg.id] = sim_now();
      nis_.at(static_cast<size_t>(msg.src))->inject(trans);
      delivered_.add(static_cast<double>(msg.bytes));
      --in_flight_;
      if (done) done(msg);
    }),
                      fmt::format("msg{}", msg.id).c_str(), &opts);
  }

  uint64_t bytes_injected() const override { return static_cast<uint64_t>(injected_.value()); }
  uint64_t bytes_delivered() const override { return static_cast<uint64_t>(delivered_.value()); }
  uint64_t messages_in_flight() const override { return in_flight_; }
  const Histogram& latency_ns() const override { return latency_; }

  std::vector<LinkReport> link_reports(Time end) const override {
    std::vector<LinkReport> out;
    const auto& accounts = sim_.ledger.accounts();
    for (size_t i = 0; i < links_.size(); ++i) {
      const Link& l = *links_[i];
      const TopoEdge e = topo_.links()[i];
      LinkReport r;
      r.id = e.id;
      r.name = l.name();
      r.end_a = topo_.graph()[static_cast<size_t>(e.u)].index;
      r.end_b = topo_.graph()[static_cast<size_t>(e.v)].index;
      r.rate_Gbps = l.rate().bits_per_s / 1e9;
      r.bytes_ab = static_cast<uint64_t>(l.a_to_b().bytes.value());
      r.bytes_ba = static_cast<uint64_t>(l.b_to_a().bytes.value());
      r.messages = static_cast<uint64_t>(l.a_to_b().messages.value() + l.b_to_a().messages.value());
      r.utilization_ab = l.a_to_b().serialisation.utilization(end);
      r.utilization_ba = l.b_to_a().serialisation.utilization(end);
      r.energy_pJ =
          accounts.at(ends_[i].first->account()).total_pj() + accounts.at(ends_[i].second->account()).total_pj();
      out.push_back(r);
    }
    return out;
  }

 private:
  void deliver(tlm::tlm_generic_payload& trans) {
    const MessageInfo& m = trans.get_extension<MessageExtension>()->info;
    latency_.add((sim_now() - inject_time_.at(m.id)).ns());
    inject_time_.erase(m.id);
    if (arrival_) arrival_(m);
  }

  const Topology& topo_;
  SimContext& sim_;
  StatGroup& stats_;
  Counter& injected_;
  Counter& delivered_;
  Histogram& latency_;
  std::vector<std::unique_ptr<NetworkInterface>> nis_;
  std::vector<std::vector<std::unique_ptr<Transceiver>>> xcvr_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<std::pair<Transceiver*, Transceiver*>> ends_;
  ArrivalHandler arrival_;
  std::map<uint64_t, Time> inject_time_;
  uint64_t in_flight_ = 0;
};

const bool registered = [] {
  FabricRegistry::instance().add("fabric-backend", "packet",
                                 "message-level store-and-forward fabric built of TLM transceivers and links",
                                 &PacketParams::schema(), [](const ConfigPtr&, const FabricContext& ctx) {
                                   return std::unique_ptr<Fabric>(new PacketFabric("fabric", ctx));
                                 });
  return true;
}();

}  // namespace
}  // namespace litesim
