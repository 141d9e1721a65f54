#include "testbenches/lib/kernel_tb.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/sim_context.h"
#include "core/sim_time.h"
#include "traces/system/system.h"

namespace litesim {

ResolvedPackage resolve_package(const std::string& configs_dir, const std::string& name,
                                const std::vector<std::string>& overrides) {
  ConfigPtr raw = ConfigNode::make_map(SourceLoc{"--package", 0, 0});
  raw->set("preset", ConfigNode::make_scalar(name, SourceLoc{"--package", 0, 0}));
  int i = 1;
  for (const auto& o : overrides) apply_override(raw, o, i++);
  PresetResolver r;
  r.configs_dir = configs_dir;
  const ConfigPtr tree = r.expand(raw, "package");
  ResolvedPackage out;
  out.params = PackageParams::schema().resolve(tree, "package", tree->loc, &out.tree);
  out.yaml = to_yaml(*out.tree);
  out.digest = fnv1a_hex(out.yaml);
  return out;
}

nlohmann::json package_peaks(const PackageParams& p) {
  const HbmFacts h = hbm_facts(p.hbm);
  nlohmann::json j;
  j["name"] = p.name;
  j["dies"] = p.dies;
  j["sms"] = p.die.sms * p.dies;
  nlohmann::json tf;
  for (const auto& n : dtype_names()) {
    Dtype d;
    parse_dtype(n, &d);
    tf[n] = p.die.peak_flops(d) * p.dies / 1e12;
  }
  j["peak_TFLOPS"] = tf;
  j["peak_GBps"] = h.peak_bytes_per_s / 1e9;
  j["hbm_GB"] = static_cast<double>(h.capacity) / 1e9;
  j["network_GBps_per_direction"] = p.cpo.lanes * p.cpo.lane_rate.bytes_per_s() / 1e9;
  j["power_W"] = p.power_budget.watts;
  j["die_area_mm2"] = p.die.area_mm2();
  return j;
}

CostReport package_cost(const PackageParams& p) {
  const HbmFacts h = hbm_facts(p.hbm);
  DieGeometry g{p.die.sms_physical, p.die.sms, p.die.sm_area_mm2, p.die.uncore_area_mm2};
  PackageBill b{p.dies, static_cast<double>(h.capacity) / 1e9, p.cpo.engines, p.die.peak_flops(Dtype::bf16) * p.dies / 1e12};
  try {
    return compute_cost(p.cost, g, b);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(SourceLoc{"--package", 0, 0}, "package.cost", e.what());
  }
}

nlohmann::json run_kernel_tb(const ResolvedPackage& pkg, const KernelDesc& k) {
  check_time_resolution();
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const PackageParams& p = pkg.params;
  SimContext sim;
  Gpu gpu("gpu", 0, p, sim, SourceLoc{"--package", 0, 0});
  const KernelPlan plan = gpu.die.plan(k);  // errors (dtype, tile fit) before the simulation
  KernelResult r;
  bool done = false;
  sc_core::sc_spawn(sim.guard([&] {
                      r = gpu.die.run_kernel(k);
                      done = true;
                    }),
                    "kernel");
  try {
    sc_core::sc_start();
  } catch (const sc_core::sc_report& e) {
    throw SimError(fmt::format("SystemC: {}", e.what()));
  }
  if (sim.error) std::rethrow_exception(sim.error);
  if (!done) throw SimError(fmt::format("deadlock: kernel '{}' did not finish", k.name));
  const Time end = sim_now();
  gpu.hbm->finish(end);
  sim.ledger.close(end);

  const double t = r.time.s();
  const double peak_tf = p.die.peak_flops(k.dtype) * p.dies / 1e12;
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
  (void)plan;
  return j;
}

}  // namespace litesim
