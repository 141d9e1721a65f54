#pragma once
// Kernels and how they decompose into tiles (docs/compute.md).
//
// A KernelDesc is what a workload or `litesim tb kernel` asks for (a GEMM of M x N x K, an
// attention of given shape, ...). plan_kernel() turns it, for a given die, into a KernelPlan:
// groups of identical tiles (a tile is the work one SM does at a time: one output block of a
// GEMM, one query block of an attention head, one slice of an element-wise pass), each with its
// executed FLOPs per unit (tensor, vector, special-function), its operand bytes read from L2 and
// its output bytes, plus the kernel's HBM traffic after L2 reuse. The compute die (compute_die.h)
// then runs the tiles on its SMs with real memory transactions. Pure C++: no SystemC here.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "hw/die/die_params.h"

namespace litesim {

enum class KernelKind { Gemm, Attention, Elementwise, Reduction, Norm, Memcpy, Generic };
const char* kernel_kind_name(KernelKind k);

struct KernelDesc {
  std::string name;  // label (op id)
  KernelKind kind = KernelKind::Generic;
  Dtype dtype = Dtype::bf16;
  // gemm: C[m x n] = A[m x k] B[k x n], `batch` independent products
  int64_t m = 0, n = 0, k = 0, batch = 1;
  // attention: `batch` sequences, `heads` query heads sharing `kv_heads` key/value heads (GQA),
  // q_len queries over kv_len keys of head_dim each; causal masks keys after each query
  int64_t heads = 0, kv_heads = 0, q_len = 0, kv_len = 0, head_dim = 0;
  bool causal = false;
  // elementwise: `elements` outputs from `inputs` operands, `flops_per_element` vector FLOPs each
  int64_t elements = 0, inputs = 0, outputs = 0;
  double flops_per_element = 0;
  // reduction / norm: `rows` x `cols` (reduction: one value per row; norm: rows x cols out)
  int64_t rows = 0, cols = 0;
  // memcpy: bytes; generic: FLOPs and bytes given directly
  uint64_t bytes = 0;
  double flops = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
};

// Reads a kernel from a mapping: `kind` (default generic) and that kind's keys. `path` is the
// key path for errors (e.g. "ranks[0].ops[2]"); `extra` lists keys the caller handles itself
// (id, op, after). Every error is a ConfigError naming the key and what was expected.
KernelDesc read_kernel(const ConfigPtr& map, const std::string& path, const std::vector<std::string>& extra = {});
// Parses the testbench form "gemm m=4096 n=4096 k=4096 dtype=bf16" (values as in YAML).
KernelDesc parse_kernel_text(const std::string& text, const std::string& label);
// The keys each kind takes (for errors and docs).
std::vector<std::string> kernel_keys(KernelKind k);

struct TileGroup {
  int64_t count = 0;        // tiles in this group
  double tensor_flops = 0;  // executed on tensor cores, per tile (padded to the tile shape)
  double vector_flops = 0;  // executed on the FP32 vector lanes, per tile
  double special_ops = 0;   // special-function ops (exp) per tile
  uint64_t l2_bytes = 0;    // operand bytes the tile reads through L2, per tile
  uint64_t out_bytes = 0;   // bytes the tile writes, per tile
};

struct KernelPlan {
  KernelDesc desc;
  std::vector<TileGroup> groups;  // run in this order
  int64_t tiles = 0;
  double useful_flops = 0;  // the kernel's own FLOPs (no padding): what TFLOPS are quoted in
  uint64_t hbm_read = 0;    // after L2 reuse
  uint64_t hbm_write = 0;
  uint64_t l2_read = 0;    // sum over tiles
  std::string tile_shape;  // e.g. "128x256x64" (gemm), "q128" (attention), "64 KiB" (streams)
  int64_t waves(int sms) const { return (tiles + sms - 1) / sms; }
  double executed_tensor_flops() const;
  double executed_vector_flops() const;
  double executed_special_ops() const;
};

// Environment the plan is made for: the SMs it runs on and the HBM bandwidth behind them (the
// GEMM tile choice weighs compute against memory like a library heuristic would).
struct PlanTarget {
  int sms = 0;
  double hbm_bytes_per_s = 0;
};

// Throws ConfigError (path "kernel") when the die cannot run it (no throughput for its dtype,
// no tile shape that fits shared memory).
KernelPlan plan_kernel(const KernelDesc& k, const DieParams& die, const PlanTarget& target);
// A kernel's useful FLOPs from its shape alone (no die): what TFLOPS are quoted in and what
// plan_kernel() records as useful_flops (GEMM 2mnk per batch; attention QK^T and PV over the
// visible keys; elementwise elements x flops_per_element; reduction 1, norm 4 per element; memcpy 0;
// generic as given).
double kernel_flops(const KernelDesc& k);
// The bytes a kernel moves to and from HBM at the least (inputs read once, outputs written once),
// from its kind's closed form (no die, no L2 reuse): what a Chakra COMP node's tensor_size holds,
// next to kernel_flops() as its num_ops.
uint64_t kernel_bytes(const KernelDesc& k);

// Compute time of one tile on one SM: the slowest of its units (tensor, vector, special
// functions run concurrently, as in warp-specialised kernels), in whole SM clock cycles.
Time tile_compute_time(const TileGroup& g, Dtype dtype, const DieParams& die);

int dtype_bytes(Dtype d);

}  // namespace litesim
