#include "testbenches/lib/hbm_tb.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_context.h"
#include "core/sim_time.h"
#include "memory/hbm/hbm_dram.h"

namespace litesim {

ResolvedDram resolve_dram(const std::string& configs_dir, const std::string& memspec, int stacks,
                          const std::vector<std::string>& overrides) {
  ConfigPtr raw = parse_yaml(fmt::format("stacks: {}\nmemspec:\n  preset: {}\ncontroller:\n  preset: default\n", stacks, memspec),
                             "<tb hbm>");
  ResolvedDram out = resolve_block<DramParams>(raw, overrides, configs_dir, "hbm", "");
  check_dram(out.params, out.tree->loc);
  return out;
}

nlohmann::json run_hbm_tb(const DramParams& dram, const TrafficParams& traffic) {
  check_time_resolution();
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  SimContext sim;
  sim.seed = traffic.seed;
  HbmDram hbm("hbm", dram, sim);
  TrafficGenerator gen("gen", traffic, dram.capacity());
  gen.out.bind(hbm.tsock);
  run_to_completion(sim);
  if (gen.responses() != traffic.requests)
    throw SimError(fmt::format("deadlock: {} of {} requests answered", gen.responses(), traffic.requests));
  const Time end = sim_now();
  hbm.finish(end);
  sim.ledger.close(end);

  // to the end of the run: posted writes are answered before their data reaches the DRAM
  const Time span = end - gen.first_issue();
  const double peak = dram.peak().bytes_per_s() / 1e9;
  const double achieved = span.ps > 0 ? static_cast<double>(gen.bytes_done()) / span.s() / 1e9 : 0.0;
  const auto parts = hbm.energy(end);
  const double bits = static_cast<double>(gen.bytes_done()) * 8.0;
  const auto t = hbm.totals();
  nlohmann::json j;
  j["memspec"] = dram.memspec.name;
  j["stacks"] = dram.stacks;
  j["pseudo_channels"] = dram.stacks * dram.memspec.pseudo_channels_per_stack();
  j["peak_GBps"] = peak;
  j["achieved_GBps"] = achieved;
  j["efficiency"] = peak > 0 ? achieved / peak : 0.0;
  const Histogram& lat = hbm.latency_ns();
  j["latency_ns"] = {{"mean", lat.mean()}, {"p50", lat.percentile(50)}, {"p99", lat.percentile(99)}, {"max", lat.max()}};
  const Histogram& wl = hbm.write_latency_ns();
  j["write_latency_ns"] = {{"mean", wl.mean()}, {"p50", wl.percentile(50)}, {"p99", wl.percentile(99)}, {"max", wl.max()}};
  j["row_hit_rate"] = hbm.row_hit_rate();
  j["refresh_overhead"] = hbm.refresh_overhead(end);
  j["pJ_per_bit"] = bits > 0 ? parts.dynamic() / bits : 0.0;
  j["pJ_per_bit_with_static"] = bits > 0 ? (parts.dynamic() + parts.background) / bits : 0.0;
  j["requests"] = gen.responses();
  j["bytes"] = gen.bytes_done();
  j["reads"] = t.reads;
  j["writes"] = t.writes;
  j["activates"] = t.acts;
  j["refreshes"] = t.refab + t.refpb;
  j["sim_time_ns"] = end.ns();
  j["energy_pJ"] = {{"act", parts.act},           {"read_core", parts.read_core}, {"read_io", parts.read_io},
                    {"write_core", parts.write_core}, {"write_io", parts.write_io}, {"refresh", parts.refresh},
                    {"background", parts.background}, {"total", sim.ledger.total_pj()}};
  return j;
}

}  // namespace litesim
