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

namespace {
const char* const kDtypeDocs[] = {"FP32 (CUDA cores, FMA = 2 FLOP)", "TF32 tensor cores", "BF16 tensor cores",
                                  "FP16 tensor cores", "FP8 tensor cores"};
const char* const kDtypeLabels[] = {"FP32", "TF32", "BF16", "FP16", "FP8"};
std::vector<Dtype> all_dtypes() {
  std::vector<Dtype> v;
  for (size_t i = 0; i < dtype_names().size(); ++i) v.push_back(static_cast<Dtype>(i));
  return v;
}
}  // namespace

const ParamSet<FlopsPerClock>& FlopsPerClock::schema() {
  static const ParamSet<FlopsPerClock> s(
      "flops_per_clock_per_sm", "dense FLOP per clock per SM, per data type", [](ParamSet<FlopsPerClock>& p) {
        for (Dtype d : all_dtypes())
          p.integer(dtype_name(d), static_cast<int64_t FlopsPerClock::*>(member(d)), kDtypeDocs[static_cast<int>(d)])
              .non_negative();
      });
  return s;
}

const ParamSet<EnergyPerFlopTable>& EnergyPerFlopTable::schema() {
  static const ParamSet<EnergyPerFlopTable> s(
      "energy_per_flop", "dynamic energy per FLOP, per data type", [](ParamSet<EnergyPerFlopTable>& p) {
        for (Dtype d : all_dtypes())
          p.quantity(dtype_name(d), static_cast<EnergyPerFlop EnergyPerFlopTable::*>(member(d)),
                     kDtypeLabels[static_cast<int>(d)])
              .non_negative();
      });
  return s;
}

const ParamSet<TileParams>& TileParams::schema() {
  static const ParamSet<TileParams> s("tiles", "how kernels are cut into tiles", [](ParamSet<TileParams>& p) {
    p.string("gemm", &TileParams::gemm, "candidate GEMM tiles MxNxK, comma-separated; the fastest that fits is used");
    p.integer("mma_m", &TileParams::mma_m, "tensor-core row granule (fewer rows are padded to it)").at_least(1);
    p.integer("attention_q_block", &TileParams::attention_q_block, "query rows per attention tile").at_least(1);
    p.integer("attention_kv_split", &TileParams::attention_kv_split, "keys per decode-attention tile").at_least(1);
    p.quantity("stream_tile", &TileParams::stream_tile, "bytes read per tile by streaming kernels").positive();
    p.integer("pipeline_stages", &TileParams::pipeline_stages, "operand buffers per GEMM tile in shared memory")
        .at_least(1);
    p.integer("pipeline_pieces", &TileParams::pipeline_pieces,
              "pieces a tile's loads and compute are split into, overlapping (its K loop)")
        .at_least(1)
        .at_most(64);
  });
  return s;
}

const ParamSet<DieParams>& DieParams::schema() {
  static const ParamSet<DieParams> s(
      "die", "compute die: SMs running tiles of kernels, L2, shared memory (docs/compute.md)",
      [](ParamSet<DieParams>& p) {
        p.string("name", &DieParams::name, "label of this die").fallback("die");
        p.integer("sms", &DieParams::sms, "streaming multiprocessors enabled").at_least(1);
        p.integer("sms_physical", &DieParams::sms_physical, "SMs fabricated (>= sms; the spares absorb defects)")
            .at_least(1);
        p.real("sm_area_mm2", &DieParams::sm_area_mm2, "floorplan area of one SM, mm^2").non_negative();
        p.real("uncore_area_mm2", &DieParams::uncore_area_mm2, "floorplan area outside the SMs, mm^2").non_negative();
        p.quantity("tensor_clock", &DieParams::tensor_clock, "clock at which the FLOP rates are quoted").positive();
        p.section("flops_per_clock_per_sm", &DieParams::flops_per_clock_per_sm,
                  "dense tensor FLOP/clock/SM per data type (fp32: the FP32 lanes)");
        p.integer("vector_flops_per_clock_per_sm", &DieParams::vector_flops_per_clock_per_sm,
                  "FP32 vector FLOP/clock/SM (element-wise, softmax, norms)")
            .at_least(1);
        p.integer("special_ops_per_clock_per_sm", &DieParams::special_ops_per_clock_per_sm,
                  "special-function ops (exp)/clock/SM")
            .at_least(1);
        p.quantity("shared_memory_per_sm", &DieParams::shared_memory_per_sm, "shared memory per SM").positive();
        p.quantity("l2_capacity", &DieParams::l2_capacity, "L2 cache capacity").positive();
        p.quantity("l2_bandwidth", &DieParams::l2_bandwidth, "L2 to SM bandwidth, all SMs together").positive();
        p.section("energy_per_flop", &DieParams::energy_per_flop, "dynamic pJ/FLOP of the tensor cores per data type");
        p.quantity("vector_energy_per_flop", &DieParams::vector_energy_per_flop,
                   "dynamic energy per vector FLOP or special-function op")
            .non_negative();
        p.quantity("static_power", &DieParams::static_power, "leakage and idle power of the die").non_negative();
        p.quantity("launch_overhead", &DieParams::launch_overhead, "fixed time per kernel launch").non_negative();
        p.section("tiles", &DieParams::tiles, "how kernels are cut into tiles");
        p.quantity("mem_chunk", &DieParams::mem_chunk, "largest memory request issued by tiles and DMA")
            .positive()
            .at_most(1073741824.0);  // one TLM payload's data_length is 32-bit
        p.integer("max_outstanding", &DieParams::max_outstanding, "memory requests in flight per SM or DMA stream")
            .at_least(1);
        p.boolean("kernel_memo", &DieParams::kernel_memo,
                  "speed knob: a kernel of a shape this die has already run takes the time the first one took, "
                  "its HBM traffic issued as 8 large reads and writes, instead of running its tiles")
            .fallback("false");
      });
  return s;
}

namespace {
const BlockRegistrar reg(DieParams::schema());
}

}  // namespace litesim
