#include "testbenches/lib/kernel_tb.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_context.h"
#include "core/sim_time.h"
#include "traces/system/system.h"

namespace litesim {

nlohmann::json run_kernel_tb(const ResolvedPackage& pkg, const KernelDesc& k) {
  check_time_resolution();
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const PackageParams& p = pkg.params;
  SimContext sim;
  Gpu gpu("gpu", 0, p, sim, SourceLoc{"--package", 0, 0});
  gpu.die.plan(k);  // errors (dtype, tile fit) before the simulation starts
  KernelResult r;
  bool done = false;
  sc_core::sc_spawn(sim.guard([&] {
                      r = gpu.die.run_kernel(k);
                      done = true;
                    }),
                    "kernel");
  run_to_completion(sim);
  if (!done) throw SimError(fmt::format("deadlock: kernel '{}' did not finish", k.name));
  const Time end = sim_now();
  gpu.hbm->finish(end);
  sim.ledger.close(end);

  const double t = r.time.s();
  const double peak_tf = p.peak_flops(k.dtype) / 1e12;
  const double peak_bw = gpu.hbm->peak_bytes_per_s() / 1e9;
  const double bytes = static_cast<double>(r.hbm_read + r.hbm_write);
  const double ai = bytes > 0 ? r.useful_flops / bytes : 0.0;  // FLOP per HBM byte
  const double attainable = std::min(peak_tf, ai * peak_bw / 1e3);  // TFLOPS
  const double achieved = t > 0 ? r.useful_flops / t / 1e12 : 0.0;
  nlohmann::json j;
  j["kernel"] = kernel_kind_name(k.kind);
  j["dtype"] = dtype_name(k.dtype);
  j["package"] = p.name;
  j["time_ns"] = r.time.ns();
  j["useful_flops"] = r.useful_flops;
  j["executed_flops"] = r.executed_flops;
  j["hbm_bytes_read"] = r.hbm_read;
  j["hbm_bytes_written"] = r.hbm_write;
  j["l2_bytes_read"] = r.l2_read;
  j["achieved_TFLOPS"] = achieved;
  j["achieved_GBps"] = t > 0 ? bytes / t / 1e9 : 0.0;
  j["peak_TFLOPS"] = peak_tf;
  j["peak_GBps"] = peak_bw;
  j["arithmetic_intensity"] = ai;
  j["ridge_point"] = peak_bw > 0 ? peak_tf * 1e3 / peak_bw : 0.0;
  j["roofline"] = {{"bound", ai * peak_bw / 1e3 < peak_tf ? "memory" : "compute"},
                   {"attainable_TFLOPS", attainable},
                   {"fraction", attainable > 0 ? achieved / attainable : 0.0}};
  j["tiles"] = r.tiles;
  j["waves"] = r.waves;
  j["sms"] = gpu.die.sms();
  j["tile_shape"] = r.tile_shape;
  j["launch_overhead_ns"] = p.die.launch_overhead.ns();
  double die_static = 0, hbm_total = 0;
  for (const auto& a : sim.ledger.accounts()) {
    if (a.kind == "die") die_static += a.static_pj;
    if (a.kind == "hbm") hbm_total += a.dynamic_pj + a.static_pj;
  }
  j["energy_pJ"] = sim.ledger.total_pj();
  j["energy_parts_pJ"] = {{"die_dynamic", r.energy_pJ},
                    {"die_static", die_static},
                    {"hbm", hbm_total},
                    {"total", sim.ledger.total_pj()}};
  j["sim_time_ns"] = end.ns();
  return j;
}

}  // namespace litesim
