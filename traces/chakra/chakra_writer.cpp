// Trace -> Chakra ET: one file per rank, a node per op, stream order kept by ctrl_deps, attribute
// members as ASTRA-sim's readers expect them. docs/trace-format.md, "Chakra execution traces".
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <nlohmann/json.hpp>

#include "traces/chakra/chakra.h"
#include "traces/chakra/chakra_common.h"

namespace litesim {

namespace fs = std::filesystem;
namespace pbio = google::protobuf::io;
using ChakraProtoMsg::AttributeProto;
using ChakraProtoMsg::Node;

namespace {

AttributeProto* attr(Node& n, const char* name) {
  AttributeProto* a = n.add_attr();
  a->set_name(name);
  return a;
}

[[noreturn]] void fail(const TraceOp& op, const std::string& what) { throw ConfigError(op.loc, op.id, what); }

int32_t int32_of(const TraceOp& op, int64_t v, const char* what) {
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    fail(op, fmt::format("{} {} does not fit Chakra's int32 {}", what, v, what));
  return static_cast<int32_t>(v);
}

// The node of one op (its dependencies are added by the caller).
void fill_node(const TraceOp& op, int rank, Node& n) {
  const bool delay = op.kind == TraceOpKind::Delay;
  switch (op.kind) {
    case TraceOpKind::Kernel: {
      n.set_type(ChakraProtoMsg::COMP_NODE);
      const double flops = std::round(kernel_flops(op.kernel));
      if (!(flops >= 0 && flops < 9.2e18)) fail(op, fmt::format("{} FLOPs do not fit num_ops (int64)", flops));
      attr(n, "num_ops")->set_int64_val(static_cast<int64_t>(flops));
      attr(n, "tensor_size")->set_uint64_val(kernel_bytes(op.kernel));
      break;
    }
    case TraceOpKind::Delay:
      // whole microseconds, rounded up, as ASTRA-sim replays them
      n.set_type(ChakraProtoMsg::COMP_NODE);
      n.set_duration_micros(static_cast<uint64_t>((op.duration.ps + 999'999) / 1'000'000));
      break;
    case TraceOpKind::Load:
    case TraceOpKind::Store:
      n.set_type(op.kind == TraceOpKind::Load ? ChakraProtoMsg::MEM_LOAD_NODE : ChakraProtoMsg::MEM_STORE_NODE);
      attr(n, "tensor_size")->set_uint64_val(op.bytes);
      break;
    case TraceOpKind::Send:
    case TraceOpKind::Recv: {
      const bool send = op.kind == TraceOpKind::Send;
      n.set_type(send ? ChakraProtoMsg::COMM_SEND_NODE : ChakraProtoMsg::COMM_RECV_NODE);
      attr(n, "comm_src")->set_int32_val(send ? rank : op.peer);
      attr(n, "comm_dst")->set_int32_val(send ? op.peer : rank);
      attr(n, "comm_tag")->set_int32_val(int32_of(op, op.tag, "tag"));
      attr(n, "comm_size")->set_int64_val(static_cast<int64_t>(op.bytes));
      break;
    }
    case TraceOpKind::Collective:
    case TraceOpKind::Barrier: {
      n.set_type(ChakraProtoMsg::COMM_COLL_NODE);
      const bool barrier = op.kind == TraceOpKind::Barrier;
      const auto type = barrier ? std::optional(ChakraProtoMsg::BARRIER) : chakra::comm_type_of(op.coll);
      if (!type) fail(op, fmt::format("collective {} has no Chakra comm_type", op_name(op.coll)));
      attr(n, "comm_type")->set_int64_val(*type);
      attr(n, "comm_size")->set_int64_val(barrier ? 0 : static_cast<int64_t>(op.bytes));
      // group 0 is every rank ("0"); group g is id g of the groups file
      attr(n, "pg_name")->set_string_val(std::to_string(op.group));
      if (op.root != 0) attr(n, chakra::kRootAttr)->set_int32_val(op.root);
      break;
    }
    case TraceOpKind::RemoteRead:
    case TraceOpKind::RemoteWrite:
      fail(op, fmt::format("{} has no Chakra ET node type (Chakra's MEM_LOAD/MEM_STORE have no peer); expected "
                           "kernel, delay, load, store, send, recv, collective or barrier ops",
                           trace_op_name(op.kind)));
  }
  attr(n, "is_cpu_op")->set_bool_val(delay);
}

void write_record(pbio::CodedOutputStream& out, const google::protobuf::Message& m) {
  const size_t size = m.ByteSizeLong();
  out.WriteVarint32(static_cast<uint32_t>(size));
  m.SerializeWithCachedSizes(&out);
}

void write_rank(const Trace& t, const TraceRank& r, const std::string& file) {
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  if (!f) throw ConfigError(SourceLoc{file, 0, 0}, "chakra", "cannot create the rank file");
  {
    pbio::OstreamOutputStream zout(&f);
    pbio::CodedOutputStream out(&zout);
    ChakraProtoMsg::GlobalMetadata meta;
    meta.set_version(chakra::kVersion);
    write_record(out, meta);
    std::vector<int> last(t.streams.size(), -1);  // the previous op on each stream
    Node n;
    for (size_t i = 0; i < r.ops.size(); ++i) {
      const TraceOp& op = r.ops[i];
      n.Clear();
      n.set_id(i);
      n.set_name(op.id);
      fill_node(op, r.rank, n);
      for (uint32_t d : op.deps) n.add_data_deps(d);
      int& prev = last.at(static_cast<size_t>(op.stream));
      if (prev >= 0 && std::find(op.deps.begin(), op.deps.end(), static_cast<uint32_t>(prev)) == op.deps.end())
        n.add_ctrl_deps(static_cast<uint64_t>(prev));
      prev = static_cast<int>(i);
      write_record(out, n);
    }
    if (out.HadError()) throw ConfigError(SourceLoc{file, 0, 0}, "chakra", "cannot write the rank file");
  }
  f.close();
  if (!f) throw ConfigError(SourceLoc{file, 0, 0}, "chakra", "cannot write the rank file");
}

}  // namespace

void write_chakra(const Trace& t, const std::string& prefix) {
  check_chakra_prefix(prefix);
  // pg_name "0" is every rank, so the trace's group 0 must be exactly that (expand() and
  // read_chakra() put `world` there)
  std::vector<int> all(static_cast<size_t>(t.gpus));
  for (int r = 0; r < t.gpus; ++r) all[static_cast<size_t>(r)] = r;
  if (t.groups.empty() || t.groups[0].ranks != all)
    throw ConfigError(SourceLoc{t.file, 0, 0}, "groups", "group 0 must be every rank in order (world)");
  const fs::path pp(prefix);
  if (pp.has_parent_path()) fs::create_directories(pp.parent_path());
  for (const TraceRank& r : t.ranks) write_rank(t, r, chakra_rank_file(prefix, r.rank));
  // Rank files beyond this trace's would be read as part of it: remove them.
  for (int r = static_cast<int>(t.ranks.size());; ++r) {
    const std::string stale = chakra_rank_file(prefix, r);
    if (!fs::exists(stale)) break;
    fs::remove(stale);
  }
  const std::string groups = chakra_groups_file(prefix);
  if (t.groups.size() <= 1) {
    fs::remove(groups);
    return;
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t g = 1; g < t.groups.size(); ++g) j[std::to_string(g)] = t.groups[g].ranks;
  std::ofstream f(groups, std::ios::trunc);
  f << j.dump() << "\n";
  f.close();
  if (!f) throw ConfigError(SourceLoc{groups, 0, 0}, "chakra", "cannot write the groups file");
}

}  // namespace litesim
