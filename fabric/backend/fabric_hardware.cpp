#include "fabric/backend/fabric_hardware.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_time.h"

namespace litesim {

FabricHardware::FabricHardware(const std::string& owner, const PacketParams& pp, const FabricContext& ctx)
    : pp_(pp), topo_(ctx.topology), sim_(ctx.sim) {
  time_resolved_ = ctx.sim.time_resolved;
  const FabricParams& fp = ctx.params;
  const int n = topo_.num_vertices();
  const int64_t packet_max = static_cast<int64_t>(pp_.mtu.bytes + pp_.header.bytes);
  nodes_.resize(static_cast<size_t>(n));
  // fabric.switch / fabric.ocs presence and switch radices: checked by FabricInstance (check_switches).
  for (int v = 0; v < n; ++v) {
    HwNode& node = nodes_[static_cast<size_t>(v)];
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
      node.account = sim_.ledger.open(fmt::format("{}.{}", owner, vertex_name(v)), "switch", sp.static_power);
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
    sim_.ledger.open(fmt::format("{}.ocs{}", owner, u), "ocs",
                     Power{unit_ports[u] * fp.ocs->static_power_per_port.watts});
  phases_.reserve(ctx.phases.size());
  for (size_t k = 0; k < ctx.phases.size(); ++k) build_phase(ctx, k);
}

std::string FabricHardware::vertex_name(int v) const {
  const TopoVertex& tv = topo_.vertex(v);
  return tv.kind == TopoVertex::Kind::Gpu ? fmt::format("gpu{}", tv.index) : fmt::format("switch{}", tv.index);
}

// Phase k's ports and links; the transceivers at a (vertex, port) are shared by all phases.
void FabricHardware::build_phase(const FabricContext& ctx, size_t k) {
  const FabricParams& fp = ctx.params;
  const FabricPhase& fph = ctx.phases[k];
  const Topology& t = *fph.topology;
  HwPhase& ph = phases_.emplace_back();
  ph.at = fph.at;
  ph.topo = &t;
  ph.router = fph.router;
  ph.ports.resize(static_cast<size_t>(t.num_vertices()));
  for (int v = 0; v < t.num_vertices(); ++v) ph.ports[static_cast<size_t>(v)].resize(static_cast<size_t>(t.degree(v)));
  for (const TopoEdge& e : t.links()) {
    const int lanes = link_lanes(e, fp.link);
    Transceiver* ta = port_transceiver(ctx, e.u, e.port_u, lanes);
    Transceiver* tb = port_transceiver(ctx, e.v, e.port_v, lanes);
    const Time fibre = link_flight_time(e, fp.link);
    const Time extra = e.ocs >= 0 ? fp.ocs->insertion_latency : Time{};
    const std::string lname = k == 0 ? fmt::format("link{}", e.id) : fmt::format("phase{}_link{}", k, e.id);
    ph.links.push_back(std::make_unique<Link>(lname.c_str(), *ta, *tb, fibre, extra, sim_));
    Link& l = *ph.links.back();
    auto wire_port = [&](HwPort& o, Link::Direction& d, int v, int p, int pv, int pp) {
      o.dir = &d;
      o.vertex = v;
      o.port = p;
      o.peer_vertex = pv;
      o.peer_port = pp;
      o.buffer = static_cast<int64_t>(t.is_gpu(pv) ? pp_.buffer_per_port.bytes : fp.eps->buffer_per_port.bytes);
    };
    auto& ports = ph.ports;
    wire_port(ports[static_cast<size_t>(e.u)][static_cast<size_t>(e.port_u)], l.a_to_b(), e.u, e.port_u, e.v, e.port_v);
    wire_port(ports[static_cast<size_t>(e.v)][static_cast<size_t>(e.port_v)], l.b_to_a(), e.v, e.port_v, e.u, e.port_u);
  }
}

Transceiver* FabricHardware::port_transceiver(const FabricContext& ctx, int v, int port, int lanes) {
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

void FabricHardware::book_traffic(HwPort& o, uint64_t payload, uint64_t wire, uint64_t packets) {
  Link::Direction& d = *o.dir;
  const double bits = 8.0 * static_cast<double>(wire);
  d.tx->transmit(bits);
  d.rx->receive(bits);
  d.payload_bytes->add(static_cast<double>(payload));
  d.wire_bytes->add(static_cast<double>(wire));
  d.packets->add(static_cast<double>(packets));
  const HwNode& node = nodes_[static_cast<size_t>(o.vertex)];
  if (node.has_account) {
    sim_.ledger.add_dynamic(node.account, bits * node.pj_per_bit);
    sim_.ledger.add_bits(node.account, bits);
  }
}

std::vector<LinkReport> FabricHardware::link_reports(Time end) const {
  std::vector<LinkReport> outv;
  const auto& accounts = sim_.ledger.accounts();
  int base = 0;
  for (const HwPhase& ph : phases_) {
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
      r.energy_pJ = accounts.at(l.a_to_b().tx->account()).total_pj() + accounts.at(l.b_to_a().tx->account()).total_pj();
      outv.push_back(r);
    }
    base += ph.topo->num_links();
  }
  return outv;
}

std::vector<LinkActivity> FabricHardware::link_activity() const {
  std::vector<LinkActivity> outv;
  if (!time_resolved_) return outv;
  int base = 0;
  for (const HwPhase& ph : phases_) {
    for (size_t i = 0; i < ph.links.size(); ++i) {
      const TopoEdge& e = ph.topo->links()[i];
      const HwPort& ab = ph.ports[static_cast<size_t>(e.u)][static_cast<size_t>(e.port_u)];
      const HwPort& ba = ph.ports[static_cast<size_t>(e.v)][static_cast<size_t>(e.port_v)];
      const std::string u = vertex_name(e.u), v = vertex_name(e.v);
      outv.push_back({base + e.id, ph.links[i]->basename(), e.u, e.v, u, v, &ab.busy_ps});
      outv.push_back({base + e.id, ph.links[i]->basename(), e.v, e.u, v, u, &ba.busy_ps});
    }
    base += ph.topo->num_links();
  }
  return outv;
}

}  // namespace litesim
