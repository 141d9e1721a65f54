#include "hw/die/die_params.h"

#include <stdexcept>

#include "core/registry.h"

namespace litesim {

const std::vector<std::string>& dtype_names() {
  static const std::vector<std::string> n = {"fp32", "tf32", "bf16", "fp16", "fp8"};
  return n;
}

const char* dtype_name(Dtype d) { return dtype_names()[static_cast<size_t>(d)].c_str(); }

bool parse_dtype(const std::string& s, Dtype* out) {
  const auto& n = dtype_names();
  for (size_t i = 0; i < n.size(); ++i)
    if (n[i] == s) {
      *out = static_cast<Dtype>(i);
      return true;
    }
  return false;
}

int64_t FlopsPerClock::of(Dtype d) const {
  switch (d) {
    case Dtype::fp32:
      return fp32;
    case Dtype::tf32:
      return tf32;
    case Dtype::bf16:
      return bf16;
    case Dtype::fp16:
      return fp16;
    case Dtype::fp8:
      return fp8;
  }
  throw std::logic_error("bad dtype");
}

EnergyPerFlop EnergyPerFlopTable::of(Dtype d) const {
  switch (d) {
    case Dtype::fp32:
      return fp32;
    case Dtype::tf32:
      return tf32;
    case Dtype::bf16:
      return bf16;
    case Dtype::fp16:
      return fp16;
    case Dtype::fp8:
      return fp8;
  }
  throw std::logic_error("bad dtype");
}

const ParamSet<FlopsPerClock>& FlopsPerClock::schema() {
  static const ParamSet<FlopsPerClock> s(
      "flops_per_clock_per_sm", "dense FLOP per clock per SM, per data type", [](ParamSet<FlopsPerClock>& p) {
        p.integer("fp32", &FlopsPerClock::fp32, "FP32 (CUDA cores, FMA = 2 FLOP)").non_negative();
        p.integer("tf32", &FlopsPerClock::tf32, "TF32 tensor cores").non_negative();
        p.integer("bf16", &FlopsPerClock::bf16, "BF16 tensor cores").non_negative();
        p.integer("fp16", &FlopsPerClock::fp16, "FP16 tensor cores").non_negative();
        p.integer("fp8", &FlopsPerClock::fp8, "FP8 tensor cores").non_negative();
      });
  return s;
}

const ParamSet<EnergyPerFlopTable>& EnergyPerFlopTable::schema() {
  static const ParamSet<EnergyPerFlopTable> s("energy_per_flop", "dynamic energy per FLOP, per data type",
                                              [](ParamSet<EnergyPerFlopTable>& p) {
                                                p.quantity("fp32", &EnergyPerFlopTable::fp32, "FP32").non_negative();
                                                p.quantity("tf32", &EnergyPerFlopTable::tf32, "TF32").non_negative();
                                                p.quantity("bf16", &EnergyPerFlopTable::bf16, "BF16").non_negative();
                                                p.quantity("fp16", &EnergyPerFlopTable::fp16, "FP16").non_negative();
                                                p.quantity("fp8", &EnergyPerFlopTable::fp8, "FP8").non_negative();
                                              });
  return s;
}

const ParamSet<DieParams>& DieParams::schema() {
  static const ParamSet<DieParams> s(
      "die", "compute die (roofline kernel model with real HBM traffic)", [](ParamSet<DieParams>& p) {
        p.string("name", &DieParams::name, "label of this die").fallback("die");
        p.integer("sms", &DieParams::sms, "streaming multiprocessors enabled").at_least(1);
        p.quantity("tensor_clock", &DieParams::tensor_clock, "clock at which the FLOP rates are quoted").positive();
        p.section("flops_per_clock_per_sm", &DieParams::flops_per_clock_per_sm, "dense FLOP/clock/SM per data type");
        p.section("energy_per_flop", &DieParams::energy_per_flop, "dynamic pJ/FLOP per data type");
        p.quantity("static_power", &DieParams::static_power, "leakage and idle power of the die").non_negative();
        p.quantity("launch_overhead", &DieParams::launch_overhead, "fixed time per kernel launch").non_negative();
        p.quantity("mem_chunk", &DieParams::mem_chunk, "bytes per memory request of kernels and DMA")
            .positive()
            .at_most(1073741824.0);  // one TLM payload's data_length is 32-bit
        p.integer("max_outstanding", &DieParams::max_outstanding, "memory requests in flight per stream").at_least(1);
      });
  return s;
}

namespace {
const BlockRegistrar reg(DieParams::schema());
}

}  // namespace litesim
