#include "hw/die/kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/params.h"
#include "core/units.h"

namespace litesim {
namespace {

const std::vector<std::pair<KernelKind, const char*>>& kinds() {
  static const std::vector<std::pair<KernelKind, const char*>> k = {{KernelKind::Gemm, "gemm"},
                                                                    {KernelKind::Attention, "attention"},
                                                                    {KernelKind::Elementwise, "elementwise"},
                                                                    {KernelKind::Reduction, "reduction"},
                                                                    {KernelKind::Norm, "norm"},
                                                                    {KernelKind::Memcpy, "memcpy"},
                                                                    {KernelKind::Generic, "generic"}};
  return k;
}

[[noreturn]] void fail(const ConfigPtr& n, const std::string& path, const std::string& what) {
  throw ConfigError(n->loc, path, what);
}

constexpr int64_t kMaxDim = int64_t{1} << 40;

int64_t need_int(const ConfigPtr& map, const std::string& key, const std::string& path, int64_t lo) {
  return detail::int_key(map, key, path, lo, kMaxDim);
}
int64_t opt_int(const ConfigPtr& map, const std::string& key, const std::string& path, int64_t lo, int64_t dflt) {
  return detail::int_key(map, key, path, lo, kMaxDim, &dflt);
}

double get_real(const ConfigPtr& map, const std::string& key, const std::string& path, double dflt) {
  ConfigPtr v = map->find(key);
  if (!v || v->is_null()) return dflt;
  double x = 0;
  try {
    if (!v->is_scalar()) throw std::invalid_argument("");
    x = detail::as_real(*v);
  } catch (const std::exception&) {
    fail(v, path + "." + key, fmt::format("expected a plain number, e.g. 2.5e12, got '{}'", v->scalar));
  }
  if (!(x >= 0) || !std::isfinite(x)) fail(v, path + "." + key, "must be a finite number >= 0");
  return x;
}

bool get_bool(const ConfigPtr& map, const std::string& key, const std::string& path) {
  ConfigPtr v = map->find(key);
  if (!v || v->is_null()) return false;
  if (v->is_scalar() && (v->scalar == "true" || v->scalar == "false")) return v->scalar == "true";
  fail(v, path + "." + key,
       fmt::format("expected true or false, got '{}'", v->is_scalar() ? v->scalar : v->kind_name()));
}

double ceil_div(double a, double b) { return std::ceil(a / b); }
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct GemmShape {
  int64_t m, n, k;
};

std::vector<GemmShape> parse_shapes(const std::string& text) {
  std::vector<GemmShape> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }), item.end());
    long long a = 0, b = 0, c = 0;
    char x1 = 0, x2 = 0;
    std::stringstream is(item);
    if (!(is >> a >> x1 >> b >> x2 >> c) || x1 != 'x' || x2 != 'x' || a < 1 || b < 1 || c < 1 || !is.eof())
      throw ConfigError(SourceLoc{}, "die.tiles.gemm",
                        fmt::format("'{}' is not a tile shape MxNxK (e.g. 128x256x64)", item));
    out.push_back({a, b, c});
  }
  if (out.empty()) throw ConfigError(SourceLoc{}, "die.tiles.gemm", "no tile shape given (e.g. 128x256x64)");
  return out;
}

}  // namespace

const char* kernel_kind_name(KernelKind k) {
  for (const auto& [kind, name] : kinds())
    if (kind == k) return name;
  return "?";
}

int dtype_bytes(Dtype d) {
  switch (d) {
    case Dtype::fp32:
    case Dtype::tf32:
      return 4;
    case Dtype::bf16:
    case Dtype::fp16:
      return 2;
    case Dtype::fp8:
      return 1;
  }
  return 2;
}

std::vector<std::string> kernel_keys(KernelKind k) {
  switch (k) {
    case KernelKind::Gemm:
      return {"kind", "dtype", "m", "n", "k", "batch"};
    case KernelKind::Attention:
      return {"kind", "dtype", "batch", "heads", "kv_heads", "q_len", "kv_len", "head_dim", "causal"};
    case KernelKind::Elementwise:
      return {"kind", "dtype", "elements", "inputs", "outputs", "flops_per_element"};
    case KernelKind::Reduction:
    case KernelKind::Norm:
      return {"kind", "dtype", "rows", "cols"};
    case KernelKind::Memcpy:
      return {"kind", "bytes"};
    case KernelKind::Generic:
      return {"kind", "dtype", "flops", "read", "write"};
  }
  return {};
}

KernelDesc read_kernel(const ConfigPtr& n, const std::string& path, const std::vector<std::string>& extra) {
  if (!n->is_map()) fail(n, path, "expected a kernel mapping (kind and its keys)");
  KernelDesc k;
  ConfigPtr kind = n->find("kind");
  if (kind && !kind->is_null()) {
    bool found = false;
    for (const auto& [kk, name] : kinds())
      if (kind->is_scalar() && kind->scalar == name) {
        k.kind = kk;
        found = true;
      }
    if (!found) {
      std::vector<std::string> names;
      for (const auto& e : kinds()) names.push_back(e.second);
      fail(kind, path + ".kind",
           fmt::format("'{}' is not a kernel kind; expected one of: {}", kind->scalar, fmt::join(names, ", ")));
    }
  }
  std::vector<std::string> allowed = kernel_keys(k.kind);
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  for (const auto& e : n->entries)
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
      throw ConfigError(
          e.key_loc, path + "." + e.key,
          fmt::format("unknown key for a {} kernel; expected: {}", kernel_kind_name(k.kind), fmt::join(allowed, ", ")));
  ConfigPtr d = n->find("dtype");
  if (d && !d->is_null() && !(d->is_scalar() && parse_dtype(d->scalar, &k.dtype)))
    fail(d, path + ".dtype", fmt::format("'{}' is not one of: {}", d->scalar, fmt::join(dtype_names(), ", ")));
  switch (k.kind) {
    case KernelKind::Gemm:
      k.m = need_int(n, "m", path, 1);
      k.n = need_int(n, "n", path, 1);
      k.k = need_int(n, "k", path, 1);
      k.batch = opt_int(n, "batch", path, 1, 1);
      break;
    case KernelKind::Attention:
      k.batch = opt_int(n, "batch", path, 1, 1);
      k.heads = need_int(n, "heads", path, 1);
      k.kv_heads = opt_int(n, "kv_heads", path, 1, k.heads);
      k.q_len = need_int(n, "q_len", path, 1);
      k.kv_len = need_int(n, "kv_len", path, 1);
      k.head_dim = need_int(n, "head_dim", path, 1);
      k.causal = get_bool(n, "causal", path);
      if (k.heads % k.kv_heads != 0)
        fail(n->find("kv_heads"), path + ".kv_heads",
             fmt::format("must divide heads ({} query heads share {} KV heads)", k.heads, k.kv_heads));
      if (k.causal && k.q_len > k.kv_len)
        fail(n->find("q_len"), path + ".q_len",
             fmt::format("a causal attention needs q_len <= kv_len (got {} > {})", k.q_len, k.kv_len));
      break;
    case KernelKind::Elementwise:
      k.elements = need_int(n, "elements", path, 1);
      k.inputs = opt_int(n, "inputs", path, 0, 2);
      k.outputs = opt_int(n, "outputs", path, 1, 1);
      k.flops_per_element = get_real(n, "flops_per_element", path, 1);
      break;
    case KernelKind::Reduction:
    case KernelKind::Norm:
      k.rows = need_int(n, "rows", path, 1);
      k.cols = need_int(n, "cols", path, 1);
      break;
    case KernelKind::Memcpy:
      k.bytes = detail::data_size_key(n, "bytes", path, true);
      if (k.bytes == 0) fail(n->find("bytes"), path + ".bytes", "must be positive");
      break;
    case KernelKind::Generic:
      k.flops = get_real(n, "flops", path, 0);
      k.bytes_read = detail::data_size_key(n, "read", path, false);
      k.bytes_written = detail::data_size_key(n, "write", path, false);
      break;
  }
  return k;
}

KernelDesc parse_kernel_text(const std::string& text, const std::string& label) {
  std::stringstream ss(text);
  std::string word;
  ConfigPtr map = ConfigNode::make_map(SourceLoc{label, 0, 0});
  bool first = true;
  int col = 1;
  while (ss >> word) {
    const SourceLoc at{label, 0, col};
    col += static_cast<int>(word.size()) + 1;
    const auto eq = word.find('=');
    if (first && eq == std::string::npos) {
      map->set("kind", ConfigNode::make_scalar(word, at), at);
    } else {
      if (eq == std::string::npos || eq == 0)
        throw ConfigError(at, "kernel", fmt::format("'{}' is not key=value (e.g. m=4096)", word));
      const std::string key = word.substr(0, eq);
      if (map->find(key)) throw ConfigError(at, "kernel." + key, "given twice");
      map->set(key, ConfigNode::make_scalar(word.substr(eq + 1), at), at);
    }
    first = false;
  }
  if (map->entries.empty())
    throw ConfigError(SourceLoc{label, 0, 0}, "kernel", "empty; expected e.g. 'gemm m=4096 n=4096 k=4096'");
  KernelDesc k = read_kernel(map, "kernel");
  k.name = kernel_kind_name(k.kind);
  return k;
}

double KernelPlan::executed_tensor_flops() const {
  double s = 0;
  for (const auto& g : groups) s += static_cast<double>(g.count) * g.tensor_flops;
  return s;
}
double KernelPlan::executed_vector_flops() const {
  double s = 0;
  for (const auto& g : groups) s += static_cast<double>(g.count) * g.vector_flops;
  return s;
}
double KernelPlan::executed_special_ops() const {
  double s = 0;
  for (const auto& g : groups) s += static_cast<double>(g.count) * g.special_ops;
  return s;
}

Time tile_compute_time(const TileGroup& g, Dtype dtype, const DieParams& die) {
  const double f = die.tensor_clock.hz;
  double cycles = 0;
  if (g.tensor_flops > 0) {
    const double fpc = static_cast<double>(die.flops_per_clock_per_sm.of(dtype));
    cycles = std::max(cycles, std::ceil(g.tensor_flops / fpc));
  }
  if (g.vector_flops > 0)
    cycles = std::max(cycles, std::ceil(g.vector_flops / static_cast<double>(die.vector_flops_per_clock_per_sm)));
  if (g.special_ops > 0)
    cycles = std::max(cycles, std::ceil(g.special_ops / static_cast<double>(die.special_ops_per_clock_per_sm)));
  return duration_of(cycles, f);
}

namespace {

void finish(KernelPlan& p) {
  p.tiles = 0;
  p.l2_read = 0;
  for (const auto& g : p.groups) {
    p.tiles += g.count;
    p.l2_read += static_cast<uint64_t>(g.count) * g.l2_bytes;
  }
}

// Streaming kernels: `read` bytes in, `write` bytes out, `vflops` vector and `tflops` tensor FLOPs,
// cut into tiles of stream_tile bytes read, rounded up to a multiple of `multiple` tiles.
void plan_stream(KernelPlan& p, const DieParams& die, double read, double write, double vflops, double tflops,
                 int64_t multiple = 1) {
  const double tile_bytes = static_cast<double>(die.tiles.stream_tile.bytes);
  const int64_t by_bytes = std::max<int64_t>(1, static_cast<int64_t>(ceil_div(std::max(read, write), tile_bytes)));
  const int64_t tiles = ceil_div(by_bytes, multiple) * multiple;
  TileGroup g;
  g.count = tiles;
  g.l2_bytes = static_cast<uint64_t>(std::ceil(read / static_cast<double>(tiles)));
  g.out_bytes = static_cast<uint64_t>(std::ceil(write / static_cast<double>(tiles)));
  g.vector_flops = vflops / static_cast<double>(tiles);
  g.tensor_flops = tflops / static_cast<double>(tiles);
  p.groups.push_back(g);
  p.hbm_read = static_cast<uint64_t>(read);
  p.hbm_write = static_cast<uint64_t>(write);
  p.tile_shape = fmt::format("{} B", die.tiles.stream_tile.bytes);
}

void plan_gemm(KernelPlan& p, const DieParams& die, const PlanTarget& t) {
  const KernelDesc& k = p.desc;
  const int b = dtype_bytes(k.dtype);
  const int bout = k.dtype == Dtype::fp8 ? 2 : b;  // fp8 GEMMs write bf16
  const double A = static_cast<double>(k.m) * static_cast<double>(k.k) * b;
  const double B = static_cast<double>(k.k) * static_cast<double>(k.n) * b;
  const double C = static_cast<double>(k.m) * static_cast<double>(k.n) * bout;
  const double fpc = static_cast<double>(die.flops_per_clock_per_sm.of(k.dtype));
  const double smem = static_cast<double>(die.shared_memory_per_sm.bytes);
  const double l2 = static_cast<double>(die.l2_capacity.bytes);
  bool any = false;
  double best = std::numeric_limits<double>::infinity(), best_flops = best;
  for (const GemmShape& s : parse_shapes(die.tiles.gemm)) {
    // operand buffers in shared memory: pipeline_stages x (A block + B block) of one K step
    if (static_cast<double>(die.tiles.pipeline_stages) * static_cast<double>(s.m + s.n) * static_cast<double>(s.k) * b >
        smem)
      continue;
    any = true;
    const int64_t tm = ceil_div(k.m, s.m), tn = ceil_div(k.n, s.n);
    const int64_t tiles = tm * tn * k.batch;
    // rows padded to the tensor-core granule (not to the whole tile: small-M kernels use
    // narrower MMAs), columns and K to the tile
    const int64_t rows = std::min(s.m, ceil_div(k.m, die.tiles.mma_m) * die.tiles.mma_m);
    const double tile_flops =
        2.0 * static_cast<double>(rows) * static_cast<double>(s.n) * static_cast<double>(ceil_div(k.k, s.k) * s.k);
    // L2 reuse (grouped rasterisation): a wave covers about a gm x gn block of tiles, so A is
    // read from HBM once per column block and B once per row block, unless both fit in L2.
    double hbm = 0;
    if (A + B <= l2 / 2) {
      hbm = A + B;
    } else {
      const int64_t gn = std::min<int64_t>(tn, static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(t.sms)))));
      const int64_t gm = std::min<int64_t>(tm, ceil_div(static_cast<int64_t>(t.sms), gn));
      hbm = A * static_cast<double>(ceil_div(tn, gn)) + B * static_cast<double>(ceil_div(tm, gm));
    }
    hbm *= static_cast<double>(k.batch);
    const double l2_bytes = static_cast<double>(std::min(s.m, k.m) + std::min(s.n, k.n)) * static_cast<double>(k.k) * b;
    const double waves = static_cast<double>(ceil_div(tiles, static_cast<int64_t>(t.sms)));
    const double est = std::max({waves * std::ceil(tile_flops / fpc) / die.tensor_clock.hz,
                                 (hbm + C * static_cast<double>(k.batch)) / t.hbm_bytes_per_s,
                                 static_cast<double>(tiles) * l2_bytes / die.l2_bandwidth.bytes_per_s()});
    // the fastest estimate; within 1% the one executing fewer FLOPs (less padding)
    const double exec = tile_flops * static_cast<double>(tiles);
    if (est < best * 0.99 || (est <= best * 1.01 && exec < best_flops)) {
      best = std::min(best, est);
      best_flops = exec;
      p.groups.clear();
      TileGroup g;
      g.count = tiles;
      g.tensor_flops = tile_flops;
      g.l2_bytes = static_cast<uint64_t>(l2_bytes);
      g.out_bytes = static_cast<uint64_t>(std::min(s.m, k.m) * std::min(s.n, k.n) * bout);
      p.groups.push_back(g);
      p.hbm_read = static_cast<uint64_t>(hbm);
      p.hbm_write = static_cast<uint64_t>(C * static_cast<double>(k.batch));
      p.tile_shape = fmt::format("{}x{}x{}", s.m, s.n, s.k);
    }
  }
  if (!any)
    throw ConfigError(
        SourceLoc{}, "die.tiles.gemm",
        fmt::format("no GEMM tile shape of '{}' fits {} B of shared memory with {} stages of {}", die.tiles.gemm,
                    die.shared_memory_per_sm.bytes, die.tiles.pipeline_stages, dtype_name(k.dtype)));
  p.useful_flops = kernel_flops(k);
}

void plan_attention(KernelPlan& p, const DieParams& die) {
  const KernelDesc& k = p.desc;
  const double b = dtype_bytes(k.dtype);
  const double d = static_cast<double>(k.head_dim);
  const int64_t group = k.heads / k.kv_heads;
  const double q_bytes = static_cast<double>(k.batch * k.heads * k.q_len) * d * b;
  const double kv_bytes = 2.0 * static_cast<double>(k.batch * k.kv_heads * k.kv_len) * d * b;
  p.useful_flops = kernel_flops(k);
  p.hbm_read = static_cast<uint64_t>(q_bytes + kv_bytes);
  p.hbm_write = static_cast<uint64_t>(q_bytes);  // the output has the queries' shape
  const int64_t mma = die.tiles.mma_m;
  if (k.q_len * group <= die.tiles.attention_q_block) {
    // decode (flash-decoding): the queries of all heads sharing a KV head form one block of
    // rows (padded to the MMA granule); the KV cache is split into chunks, one per tile
    const int64_t rows = ceil_div(k.q_len * group, mma) * mma;
    const int64_t split = die.tiles.attention_kv_split;
    const int64_t chunks = ceil_div(k.kv_len, split);
    const int64_t last = k.kv_len - (chunks - 1) * split;
    auto add = [&](int64_t count, int64_t keys) {
      if (count <= 0) return;
      TileGroup g;
      g.count = count;
      g.tensor_flops = 4.0 * static_cast<double>(rows) * static_cast<double>(keys) * d;
      g.special_ops = static_cast<double>(k.q_len * group * keys);         // one exp per score
      g.vector_flops = 4.0 * static_cast<double>(k.q_len * group * keys);  // max, subtract, sum, scale
      g.l2_bytes =
          static_cast<uint64_t>((2.0 * static_cast<double>(keys) + static_cast<double>(k.q_len * group)) * d * b);
      g.out_bytes = static_cast<uint64_t>(static_cast<double>(k.q_len * group) * d * 4.0);  // fp32 partials
      p.groups.push_back(g);
    };
    add(k.batch * k.kv_heads * (chunks - 1), split);
    add(k.batch * k.kv_heads, last);
    p.hbm_write += static_cast<uint64_t>(static_cast<double>(k.batch * k.heads * k.q_len * chunks) * d * 4.0);
    p.tile_shape = fmt::format("decode rows{} kv{}", rows, split);
    return;
  }
  // prefill (flash-attention): one tile per query block of one head, over its visible keys
  const int64_t bq = die.tiles.attention_q_block;
  const int64_t blocks = ceil_div(k.q_len, bq);
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t q_end = std::min(k.q_len, (i + 1) * bq);
    const int64_t keys = k.causal ? std::min(k.kv_len, k.kv_len - k.q_len + q_end) : k.kv_len;
    const int64_t qrows = q_end - i * bq;
    TileGroup g;
    g.count = k.batch * k.heads;
    g.tensor_flops = 4.0 * static_cast<double>(ceil_div(qrows, mma) * mma) * static_cast<double>(keys) * d;
    g.special_ops = static_cast<double>(qrows * keys);
    g.vector_flops = 4.0 * static_cast<double>(qrows * keys);
    g.l2_bytes = static_cast<uint64_t>((static_cast<double>(qrows) + 2.0 * static_cast<double>(keys)) * d * b);
    g.out_bytes = static_cast<uint64_t>(static_cast<double>(qrows) * d * b);
    p.groups.push_back(g);
  }
  // longest tiles first (as FlashAttention schedules causal blocks), so the tail is short
  std::stable_sort(p.groups.begin(), p.groups.end(),
                   [](const TileGroup& a, const TileGroup& c) { return a.tensor_flops > c.tensor_flops; });
  p.tile_shape = fmt::format("q{}", bq);
}

}  // namespace

KernelPlan plan_kernel(const KernelDesc& k, const DieParams& die, const PlanTarget& target) {
  KernelPlan p;
  p.desc = k;
  const double b = dtype_bytes(k.dtype);
  const bool tensor =
      k.kind == KernelKind::Gemm || k.kind == KernelKind::Attention || (k.kind == KernelKind::Generic && k.flops > 0);
  if (tensor && die.flops_per_clock_per_sm.of(k.dtype) <= 0)
    throw ConfigError(SourceLoc{}, "kernel.dtype",
                      fmt::format("kernel '{}' needs {} but die '{}' has no {} throughput", k.name, dtype_name(k.dtype),
                                  die.name, dtype_name(k.dtype)));
  switch (k.kind) {
    case KernelKind::Gemm:
      plan_gemm(p, die, target);
      break;
    case KernelKind::Attention:
      plan_attention(p, die);
      break;
    case KernelKind::Elementwise: {
      const double n = static_cast<double>(k.elements);
      p.useful_flops = kernel_flops(k);
      plan_stream(p, die, n * static_cast<double>(k.inputs) * b, n * static_cast<double>(k.outputs) * b, p.useful_flops,
                  0);
      break;
    }
    case KernelKind::Reduction: {
      const double n = static_cast<double>(k.rows) * static_cast<double>(k.cols);
      p.useful_flops = kernel_flops(k);
      plan_stream(p, die, n * b, static_cast<double>(k.rows) * b, n, 0);
      break;
    }
    case KernelKind::Norm: {
      // RMS/layer norm: square-accumulate, scale, weight: about 4 FLOP per element; reads the
      // rows and the weight vector, writes the rows
      const double n = static_cast<double>(k.rows) * static_cast<double>(k.cols);
      p.useful_flops = kernel_flops(k);
      plan_stream(p, die, n * b + static_cast<double>(k.cols) * b, n * b, p.useful_flops, 0);
      break;
    }
    case KernelKind::Memcpy:
      plan_stream(p, die, static_cast<double>(k.bytes), static_cast<double>(k.bytes), 0, 0);
      break;
    case KernelKind::Generic: {
      // given FLOPs and bytes, spread evenly; with compute, a whole number of waves (the work of
      // a generic kernel divides evenly over the SMs)
      p.useful_flops = kernel_flops(k);
      plan_stream(p, die, static_cast<double>(k.bytes_read), static_cast<double>(k.bytes_written), 0, k.flops,
                  k.flops > 0 ? target.sms : 1);
      break;
    }
  }
  finish(p);
  return p;
}

double kernel_flops(const KernelDesc& k) {
  const auto d = [](int64_t v) { return static_cast<double>(v); };
  switch (k.kind) {
    case KernelKind::Gemm:
      return 2.0 * d(k.m) * d(k.n) * d(k.k) * d(k.batch);
    case KernelKind::Attention: {
      // QK^T and PV, 2 FLOP per multiply-add each, over the keys each query sees (per batch, head)
      const double q = d(k.q_len);
      const double visible = k.causal ? q * d(k.kv_len - k.q_len) + q * (q + 1) / 2 : q * d(k.kv_len);
      return 4.0 * d(k.head_dim) * visible * d(k.batch * k.heads);
    }
    case KernelKind::Elementwise:
      return d(k.elements) * k.flops_per_element;
    case KernelKind::Reduction:
      return d(k.rows) * d(k.cols);
    case KernelKind::Norm:  // square-accumulate, scale, weight: about 4 FLOP per element
      return 4.0 * (d(k.rows) * d(k.cols));
    case KernelKind::Memcpy:
      return 0;
    case KernelKind::Generic:
      return k.flops;
  }
  return 0;
}

uint64_t kernel_bytes(const KernelDesc& k) {
  const auto b = static_cast<uint64_t>(dtype_bytes(k.dtype));
  auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  switch (k.kind) {
    case KernelKind::Gemm:  // A and B read, C written
      return u(k.batch) * (u(k.m) * u(k.k) + u(k.k) * u(k.n) + u(k.m) * u(k.n)) * b;
    case KernelKind::Attention:  // Q read, K and V read, the output (Q's shape) written
      return (2 * u(k.batch * k.heads * k.q_len) + 2 * u(k.batch * k.kv_heads * k.kv_len)) * u(k.head_dim) * b;
    case KernelKind::Elementwise:
      return u(k.elements) * u(k.inputs + k.outputs) * b;
    case KernelKind::Reduction:  // rows x cols in, one value per row out
      return (u(k.rows) * u(k.cols) + u(k.rows)) * b;
    case KernelKind::Norm:  // rows x cols in and out, the weight vector in
      return (2 * u(k.rows) * u(k.cols) + u(k.cols)) * b;
    case KernelKind::Memcpy:
      return 2 * k.bytes;
    case KernelKind::Generic:
      return k.bytes_read + k.bytes_written;
  }
  return 0;
}

}  // namespace litesim
