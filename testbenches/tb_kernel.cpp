#include "testbenches/tb_kernel.h"

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/output_files.h"
#include "testbenches/lib/kernel_tb.h"
#include "traces/system/package_facts.h"

namespace litesim {

CLI::App* add_tb_kernel(CLI::App& tb, TbKernelOptions& o) {
  auto* c = tb.add_subcommand("kernel", "run one kernel on one package: time, TFLOPS, GB/s, roofline, waves, energy");
  c->add_option("--package", o.package, "package preset (configs/package/)")->capture_default_str();
  c->add_option("--kernel", o.kernel, "the kernel, e.g. 'gemm m=4096 n=4096 k=4096 dtype=bf16' (docs/compute.md)")
      ->required();
  c->add_option("--set", o.sets, "override inside the package config, e.g. die.sms=66 (repeatable)");
  c->add_option("--out", o.out, "output folder")->capture_default_str();
  return c;
}

int run_tb_kernel(const TbKernelOptions& o, const std::string& configs_dir, const std::string& version) {
  const ResolvedPackage pkg = resolve_package(configs_dir, o.package, o.sets);
  const KernelDesc k = parse_kernel_text(o.kernel, "--kernel");
  const nlohmann::json tb = run_kernel_tb(pkg, k);
  nlohmann::json s;
  s["schema_version"] = 1;
  s["litesim_version"] = version;
  s["config_digest"] = pkg.digest;
  s["kernel_text"] = o.kernel;
  s["package"] = package_peaks(pkg.params);
  s["sim_time_ns"] = tb["sim_time_ns"];
  s["kernel_tb"] = tb;

  put_output_file(o.out, "package_config.yaml", pkg.yaml);
  put_output_file(o.out, "summary.json", s.dump(2) + "\n");
  auto d = [&](const char* key) { return tb[key].get<double>(); };
  std::cout << fmt::format("LiteSim tb kernel: {} on {} ({} SMs)\n", o.kernel, pkg.params.name, tb["sms"].get<int>());
  std::cout << fmt::format("  time            {:12.3f} us  (launch {:.1f} us)\n", d("time_ns") / 1e3,
                           d("launch_overhead_ns") / 1e3);
  std::cout << fmt::format("  compute         {:12.1f} TFLOPS of {:.1f} peak ({:.1f}%)\n", d("achieved_TFLOPS"),
                           d("peak_TFLOPS"),
                           d("peak_TFLOPS") > 0 ? 100 * d("achieved_TFLOPS") / d("peak_TFLOPS") : 0.0);
  std::cout << fmt::format("  memory          {:12.1f} GB/s of {:.1f} peak; {} B read, {} B written\n",
                           d("achieved_GBps"), d("peak_GBps"), tb["hbm_bytes_read"].get<uint64_t>(),
                           tb["hbm_bytes_written"].get<uint64_t>());
  std::cout << fmt::format(
      "  roofline        {:.2f} FLOP/B (ridge {:.1f}): {}-bound, {:.1f}% of the attainable {:.1f} TFLOPS\n",
      d("arithmetic_intensity"), d("ridge_point"), tb["roofline"]["bound"].get<std::string>(),
      100 * tb["roofline"]["fraction"].get<double>(), tb["roofline"]["attainable_TFLOPS"].get<double>());
  std::cout << fmt::format("  tiles           {} of {} in {} waves\n", tb["tiles"].get<int64_t>(),
                           tb["tile_shape"].get<std::string>(), tb["waves"].get<int64_t>());
  const auto& e = tb["energy_parts_pJ"];
  std::cout << fmt::format("  energy          {:.3f} mJ (die dynamic {:.3f}, die static {:.3f}, HBM {:.3f})\n",
                           e["total"].get<double>() / 1e9, e["die_dynamic"].get<double>() / 1e9,
                           e["die_static"].get<double>() / 1e9, e["hbm"].get<double>() / 1e9);
  std::cout << fmt::format("results in {}/summary.json\n", o.out);
  return 0;
}

CLI::App* add_cost(CLI::App& app, CostOptions& o) {
  auto* c = app.add_subcommand("cost", "die area, dies per wafer, yield and cost per package and per TFLOPS");
  c->add_option("--package", o.packages, "package preset(s) (configs/package/), repeatable")->required();
  c->add_option("--set", o.sets, "override inside the package config, e.g. cost.defect_density_per_cm2=0.07");
  c->add_flag("--json", o.json, "print JSON instead of a table");
  return c;
}

int run_cost(const CostOptions& o, const std::string& configs_dir) {
  nlohmann::json all = nlohmann::json::array();
  std::string text;
  for (const auto& name : o.packages) {
    const ResolvedPackage pkg = resolve_package(configs_dir, name, o.sets);
    const CostReport r = package_cost(pkg.params);
    nlohmann::json j = r.to_json();
    j["package"] = pkg.params.name;
    j["peaks"] = package_peaks(pkg.params);
    all.push_back(j);
    text += fmt::format("== {} ==\n{}\n", pkg.params.name, r.table());
  }
  if (o.json)
    std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
  else
    std::cout << text;
  return 0;
}

}  // namespace litesim
