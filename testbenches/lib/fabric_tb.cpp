#include "testbenches/lib/fabric_tb.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <systemc>

#include "core/error.h"
#include "core/rng.h"
#include "core/sim_time.h"
#include "fabric/fabric_builder.h"
#include "fabric/link/link_budget.h"

namespace litesim {
namespace {

std::function<SourceLoc(const std::string&)> locator(const ResolvedSystem& rs) {
  return [&rs](const std::string& key) { return rs.where(key); };
}

nlohmann::json energy_json(SimContext& sim, Time end, double delivered_bits) {
  sim.ledger.close(end);
  nlohmann::json e;
  double total = 0, stat = 0;
  for (const auto& [kind, k] : sim.ledger.by_kind()) {
    e["by_component_pJ"][kind] = k.total_pj();
    total += k.total_pj();
    stat += k.static_pj;
  }
  e["total_pJ"] = total;
  e["static_pJ"] = stat;
  e["dynamic_pJ"] = total - stat;
  e["pJ_per_bit_delivered"] = delivered_bits > 0 ? total / delivered_bits : 0.0;
  return e;
}

// Payload bandwidth a GPU can inject: the sum of its links' payload rates out of it (bytes/s).
double injection_Bps(const FabricInstance& net, const SystemParams& p, int g) {
  double bps = 0;
  const Topology& t = net.topology();
  for (int port = 0; port < t.degree(g); ++port) {
    if (!t.can_send(g, port)) continue;
    const int peer = t.peer(g, port).first;
    const auto& ctx = net.context();
    bps += link_budget(t.link_at(g, port), p.fabric.link, ctx.end_optics(g), ctx.end_optics(peer)).payload_bps_uv;
  }
  return bps / 8.0;
}

// The router and how many virtual channels its routes use (each input port buffers
// buffer_per_port bytes per VC): `routing` and `vcs` of both testbenches' summaries.
void put_routing(const FabricInstance& net, const SystemParams& p, nlohmann::json& out) {
  out["routing"] = p.fabric.routing.kind;
  out["vcs"] = net.router().vcs();
}

// The side k of the k x k grid the transpose pattern lays `gpus` GPUs on (k * k == gpus when they fit).
int grid_side(int gpus) { return static_cast<int>(std::lround(std::sqrt(static_cast<double>(gpus)))); }

}  // namespace

nlohmann::json run_link_tb(const ResolvedSystem& rs, const LinkTbOptions& o) {
  check_time_resolution();
  SimContext sim;
  FabricInstance net(rs.params.fabric, {rs.params.package.cpo}, sim, locator(rs));
  const int n = net.gpus();
  if (o.src < 0 || o.src >= n || o.dst < 0 || o.dst >= n || o.src == o.dst)
    throw std::invalid_argument(fmt::format("--from/--to must be two different GPUs in 0..{}", n - 1));
  if (o.sizes.empty()) throw std::invalid_argument("--sizes: give at least one message size");
  struct Row {
    uint64_t bytes;
    Time sent, delivered;
  };
  std::vector<Row> rows;
  for (uint64_t b : o.sizes) rows.push_back({b, {}, {}});
  Fabric& f = net.fabric();
  sc_core::sc_event done_ev;
  sc_core::sc_spawn(sim.guard([&] {
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].sent = sim_now();
      f.send(MessageInfo{i, o.src, o.dst, rows[i].bytes, 0}, [&, i](const MessageInfo&) {
        rows[i].delivered = sim_now();
        done_ev.notify(sc_core::SC_ZERO_TIME);
      });
      sc_core::wait(done_ev);
    }
  }),
                    "link_tb");
  run_to_completion(sim);
  const Time end = sim_now();
  if (f.messages_in_flight() != 0)
    throw SimError("the link testbench ended with messages in flight:\n" + f.stuck_report());
  std::vector<int> vcs;
  const std::vector<int> path = net.router().path(net.topology(), o.src, o.dst, 0, &vcs);
  nlohmann::json out;
  out["src"] = o.src;
  out["dst"] = o.dst;
  out["hops"] = static_cast<int>(path.size()) - 1;
  put_routing(net, rs.params, out);
  out["rows"] = nlohmann::json::array();
  double bits = 0;
  for (const Row& r : rows) {
    const double ns = (r.delivered - r.sent).ns();
    out["rows"].push_back({{"bytes", r.bytes}, {"latency_ns", ns}, {"bandwidth_GBps", ns > 0 ? r.bytes / ns : 0.0}});
    bits += 8.0 * static_cast<double>(r.bytes);
  }
  // alpha-beta fit over the two extreme sizes: latency = alpha + bytes / beta
  const auto& first = out["rows"].front();
  const auto& last = out["rows"].back();
  const double db = last["bytes"].get<double>() - first["bytes"].get<double>();
  const double dt = last["latency_ns"].get<double>() - first["latency_ns"].get<double>();
  if (rows.size() >= 2 && db > 0 && dt > 0) {
    out["beta_GBps"] = db / dt;
    out["alpha_ns"] = first["latency_ns"].get<double>() - first["bytes"].get<double>() / (db / dt);
  }
  out["sim_time_ns"] = end.ns();
  out["energy"] = energy_json(sim, end, bits);
  return out;
}

int traffic_destination(const std::string& pattern, int src, int gpus, uint64_t draw, double hotspot_fraction,
                        double uniform01) {
  if (pattern == "uniform" || pattern == "all-to-all") {
    const int d = static_cast<int>(draw % static_cast<uint64_t>(gpus - 1));
    return d >= src ? d + 1 : d;  // any GPU but itself, equally likely
  }
  if (pattern == "hotspot") {
    if (src != 0 && uniform01 < hotspot_fraction) return 0;
    const int d = static_cast<int>(draw % static_cast<uint64_t>(gpus - 1));
    return d >= src ? d + 1 : d;
  }
  if (pattern == "permutation") return (src + gpus / 2) % gpus;  // a fixed pairing at distance N/2
  if (pattern == "transpose") {
    // GPUs on a k x k grid in row-major order: (r, c) -> (c, r); the diagonal sends to its mirror
    const int k = grid_side(gpus);
    const int r = src / k, c = src % k;
    const int d = c * k + r;
    return d == src ? (gpus - 1 - src == src ? (src + 1) % gpus : gpus - 1 - src) : d;
  }
  throw std::invalid_argument("unknown pattern '" + pattern + "'");
}

nlohmann::json run_traffic_tb(const ResolvedSystem& rs, const TrafficTbOptions& o) {
  static const std::vector<std::string> patterns = {"uniform", "permutation", "transpose", "hotspot", "all-to-all"};
  if (std::find(patterns.begin(), patterns.end(), o.pattern) == patterns.end())
    throw std::invalid_argument("--pattern: expected one of uniform, permutation, transpose, hotspot, all-to-all");
  if (o.loads.empty()) throw std::invalid_argument("--load: give at least one load");
  for (double l : o.loads)
    if (!(l > 0 && l <= 1.0)) throw std::invalid_argument(fmt::format("--load {}: expected a fraction in (0, 1]", l));
  if (o.message_bytes == 0) throw std::invalid_argument("--message: expected a size above 0 B");
  if (o.window.ps <= 0) throw std::invalid_argument("--window: expected a positive time");
  check_time_resolution();
  SimContext sim;
  sim.seed = o.seed;
  FabricInstance net(rs.params.fabric, {rs.params.package.cpo}, sim, locator(rs));
  const int n = net.gpus();
  if (o.pattern == "transpose") {
    const int k = grid_side(n);
    if (k * k != n) throw std::invalid_argument(fmt::format("--pattern transpose needs a square GPU count, not {}", n));
  }
  Fabric& f = net.fabric();
  std::vector<double> cap(static_cast<size_t>(n));
  for (int g = 0; g < n; ++g) cap[static_cast<size_t>(g)] = injection_Bps(net, rs.params, g);

  struct Phase {
    double load;
    Time start, stop;
    uint64_t offered = 0, accepted = 0, messages = 0;
    Histogram latency;
  };
  std::vector<Phase> phases;
  for (double l : o.loads) phases.push_back(Phase{l, {}, {}, 0, 0, 0, {}});
  uint64_t next_id = 0;
  uint64_t outstanding = 0;
  sc_core::sc_event drained;
  std::vector<Rng> rng;
  for (int g = 0; g < n; ++g) rng.emplace_back(o.seed, fmt::format("traffic.gpu{}", g));

  // One source process per GPU and phase: Poisson arrivals at load x capacity / message size.
  auto source = [&](int g, size_t ph) {
    Phase& P = phases[ph];
    const double rate = P.load * cap[static_cast<size_t>(g)] / static_cast<double>(o.message_bytes);  // msg/s
    Rng& r = rng[static_cast<size_t>(g)];
    // all-to-all: each GPU cycles through every other GPU in turn, starting past itself
    int rotor = 0;
    while (true) {
      const double gap_s = -std::log(1.0 - r.uniform()) / rate;
      const Time t = sim_now() + duration_of(gap_s, 1.0);
      if (!(t < P.stop)) break;
      sc_core::wait(to_sc(t - sim_now()));
      int dst;
      if (o.pattern == "all-to-all") {
        dst = (g + 1 + rotor) % n;
        rotor = (rotor + 1) % (n - 1);
      } else {
        dst = traffic_destination(o.pattern, g, n, r.next(), o.hotspot_fraction, r.uniform());
      }
      const Time sent = sim_now();
      P.offered += o.message_bytes;
      ++P.messages;
      ++outstanding;
      f.send(MessageInfo{next_id++, g, dst, o.message_bytes, static_cast<int64_t>(ph)},
             [&, sent, ph](const MessageInfo& m) {
               Phase& Q = phases[ph];
               Q.latency.add((sim_now() - sent).ns());
               if (sim_now() < Q.stop) Q.accepted += m.bytes;  // delivered inside the window
               if (--outstanding == 0) drained.notify(sc_core::SC_ZERO_TIME);
             });
    }
  };
  sc_core::sc_spawn(sim.guard([&] {
    for (size_t ph = 0; ph < phases.size(); ++ph) {
      phases[ph].start = sim_now();
      phases[ph].stop = sim_now() + o.window;
      for (int g = 0; g < n; ++g) {
        sc_core::sc_spawn(sim.guard([&, g, ph] { source(g, ph); }), fmt::format("src{}_{}", g, ph).c_str());
      }
      sc_core::wait(to_sc(o.window));
      while (outstanding > 0) sc_core::wait(drained);  // drain before the next load
    }
  }),
                    "traffic_tb");
  run_to_completion(sim);
  const Time end = sim_now();
  if (f.messages_in_flight() != 0)
    throw SimError("the traffic testbench ended with messages in flight (deadlock?):\n" + f.stuck_report());
  double cap_total = 0;
  for (double c : cap) cap_total += c;
  nlohmann::json out;
  out["pattern"] = o.pattern;
  out["gpus"] = n;
  out["message_bytes"] = o.message_bytes;
  out["window_ns"] = o.window.ns();
  out["injection_GBps_per_gpu"] = cap_total / n / 1e9;
  put_routing(net, rs.params, out);
  out["loads"] = nlohmann::json::array();
  double saturation = 0;
  for (const Phase& P : phases) {
    const double w = o.window.s();
    const double offered = P.offered / w / n / 1e9, accepted = P.accepted / w / n / 1e9;
    saturation = std::max(saturation, accepted);
    out["loads"].push_back({{"load", P.load},
                            {"messages", P.messages},
                            {"offered_GBps_per_gpu", offered},
                            {"accepted_GBps_per_gpu", accepted},
                            {"latency_ns", P.latency.to_json()}});
  }
  out["saturation_GBps_per_gpu"] = saturation;
  out["saturation_fraction"] = cap_total > 0 ? saturation / (cap_total / n / 1e9) : 0.0;
  out["bytes_injected"] = f.bytes_injected();
  out["bytes_delivered"] = f.bytes_delivered();
  out["sim_time_ns"] = end.ns();
  out["energy"] = energy_json(sim, end, 8.0 * static_cast<double>(f.bytes_delivered()));
  return out;
}

}  // namespace litesim
