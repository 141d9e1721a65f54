#pragma once
// Parameters of a compute die. The kernel model here is a roofline with real HBM traffic; the
// tile/wave model of the compute issue (issue 4) refines run_kernel behind the same interface.
#include <string>

#include "core/params.h"

namespace litesim {

enum class Dtype { fp32, tf32, bf16, fp16, fp8 };
const char* dtype_name(Dtype d);
bool parse_dtype(const std::string& s, Dtype* out);
const std::vector<std::string>& dtype_names();

// Dense FLOP per clock per SM, per data type.
struct FlopsPerClock {
  int64_t fp32 = 0, tf32 = 0, bf16 = 0, fp16 = 0, fp8 = 0;
  int64_t of(Dtype d) const;
  static const ParamSet<FlopsPerClock>& schema();
};

struct EnergyPerFlopTable {
  EnergyPerFlop fp32, tf32, bf16, fp16, fp8;
  EnergyPerFlop of(Dtype d) const;
  static const ParamSet<EnergyPerFlopTable>& schema();
};

struct DieParams {
  std::string name;
  int sms = 0;
  Frequency tensor_clock;
  FlopsPerClock flops_per_clock_per_sm;
  EnergyPerFlopTable energy_per_flop;
  Power static_power;
  Time launch_overhead;
  DataSize mem_chunk;       // size of one memory request issued by kernels and DMA
  int max_outstanding = 0;  // memory requests in flight per stream

  double peak_flops(Dtype d) const {
    return static_cast<double>(sms) * tensor_clock.hz * static_cast<double>(flops_per_clock_per_sm.of(d));
  }
  static const ParamSet<DieParams>& schema();
};

}  // namespace litesim
