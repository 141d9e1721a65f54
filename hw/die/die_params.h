#pragma once
// Parameters of a compute die: SMs and their per-clock throughput per unit and data type, shared
// memory, L2, launch overhead, energy, floorplan area (for the cost model), and the tile shapes
// kernels are decomposed into (docs/compute.md).
#include <string>

#include "core/params.h"

namespace litesim {

enum class Dtype { fp32, tf32, bf16, fp16, fp8 };
const char* dtype_name(Dtype d);
bool parse_dtype(const std::string& s, Dtype* out);
const std::vector<std::string>& dtype_names();

// One value per data type.
template <class V>
struct PerDtype {
  V fp32{}, tf32{}, bf16{}, fp16{}, fp8{};
  static V PerDtype::*member(Dtype d) {
    switch (d) {
      case Dtype::fp32:
        return &PerDtype::fp32;
      case Dtype::tf32:
        return &PerDtype::tf32;
      case Dtype::bf16:
        return &PerDtype::bf16;
      case Dtype::fp16:
        return &PerDtype::fp16;
      case Dtype::fp8:
        return &PerDtype::fp8;
    }
    return &PerDtype::bf16;
  }
  V of(Dtype d) const { return this->*member(d); }
};

// Dense FLOP per clock per SM, per data type.
struct FlopsPerClock : PerDtype<int64_t> {
  static const ParamSet<FlopsPerClock>& schema();
};

struct EnergyPerFlopTable : PerDtype<EnergyPerFlop> {
  static const ParamSet<EnergyPerFlopTable>& schema();
};

// A die's floorplan as the cost model sees it. Square die assumed for dies per wafer.
struct DieGeometry {
  int sms_physical = 0;  // SMs on the die
  int sms_enabled = 0;   // SMs a good die must provide (sms_physical - sms_enabled are spares)
  double sm_area_mm2 = 0;
  double uncore_area_mm2 = 0;  // everything that is not an SM (L2, I/O, PHYs, ...): no redundancy
  double area_mm2() const { return sms_physical * sm_area_mm2 + uncore_area_mm2; }
};

// How kernels are cut into tiles (one tile = the work one SM does at a time).
struct TileParams {
  std::string gemm;                // candidate GEMM tiles "MxNxK,MxNxK,...": the fastest that fits is chosen
  int64_t mma_m = 0;               // tensor-core row granule: fewer rows are padded to it (decode GEMV)
  int64_t attention_q_block = 0;   // query rows per attention tile (prefill)
  int64_t attention_kv_split = 0;  // keys per decode tile (flash-decoding split of the KV cache)
  DataSize stream_tile;            // bytes read per tile by element-wise, reduction, norm, memcpy, generic
  int pipeline_stages = 0;         // operand buffers per GEMM tile in shared memory (>= 2: double buffering)
  int pipeline_pieces = 0;         // at most this many overlapping pieces per tile (each >= stream_tile bytes)
  static const ParamSet<TileParams>& schema();
};

struct DieParams {
  std::string name;
  int sms = 0;                 // enabled
  int sms_physical = 0;        // fabricated (spares absorb defects: harvesting)
  double sm_area_mm2 = 0;      // floorplan: one SM
  double uncore_area_mm2 = 0;  // floorplan: L2, memory and I/O PHYs, the rest
  Frequency tensor_clock;
  int64_t vector_flops_per_clock_per_sm = 0;  // FP32 lanes x 2 (FMA): element-wise, softmax, norms
  int64_t special_ops_per_clock_per_sm = 0;   // special-function units (exp in softmax)
  DataSize shared_memory_per_sm;
  DataSize l2_capacity;
  DataRate l2_bandwidth;  // L2 to SMs, all SMs together
  EnergyPerFlop vector_energy_per_flop;
  TileParams tiles;
  FlopsPerClock flops_per_clock_per_sm;
  EnergyPerFlopTable energy_per_flop;
  Power static_power;
  Time launch_overhead;
  DataSize mem_chunk;        // size of one memory request issued by kernels and DMA
  int max_outstanding = 0;   // memory requests in flight per stream
  bool kernel_memo = false;  // replay a kernel this die has already run (same shape) instead of its tiles

  DieGeometry geometry() const { return DieGeometry{sms_physical, sms, sm_area_mm2, uncore_area_mm2}; }
  double peak_flops(Dtype d) const {
    return static_cast<double>(sms) * tensor_clock.hz * static_cast<double>(flops_per_clock_per_sm.of(d));
  }
  static const ParamSet<DieParams>& schema();
};

}  // namespace litesim
