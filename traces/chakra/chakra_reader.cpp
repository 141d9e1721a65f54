// Chakra ET -> Trace: rank files found by their names, read record by record, nodes mapped to ops
// and put in a topological order that keeps the file order where it can. docs/trace-format.md,
// "Chakra execution traces".
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <nlohmann/json.hpp>

#include "traces/chakra/chakra.h"
#include "traces/chakra/chakra_common.h"

namespace litesim {

namespace fs = std::filesystem;
namespace pbio = google::protobuf::io;
using ChakraProtoMsg::AttributeProto;
using ChakraProtoMsg::Node;

namespace {

std::string node_key(uint64_t id, const std::string& name) {
  return name.empty() ? fmt::format("node {}", id) : fmt::format("node {} '{}'", id, name);
}

constexpr int kMaxRanks = 1 << 20;
constexpr uint32_t kMaxRecord = 1u << 30;  // a longer record means a corrupt file
constexpr uint64_t kMaxMicros = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 1'000'000);

// A decimal number of 1 to `max_digits` digits (no sign, no spaces).
bool is_digits(const std::string& s, size_t max_digits = std::string::npos) {
  return !s.empty() && s.size() <= max_digits &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// A file in blocks for protobuf's streams, hashed as it goes: the trace's digest is FNV-1a over
// every byte read, across all its files (trace_doc.cpp hashes a native file the same way).
class HashedFile : public pbio::CopyingInputStream {
 public:
  HashedFile(std::istream& in, Fnv1a& hash) : in_(in), hash_(hash) {}
  int Read(void* buffer, int size) override {
    in_.read(static_cast<char*>(buffer), size);
    const auto n = static_cast<int>(in_.gcount());
    if (n == 0 && in_.bad()) return -1;
    hash_.add(static_cast<const char*>(buffer), static_cast<size_t>(n));
    return n;
  }

 private:
  std::istream& in_;
  Fnv1a& hash_;
};

// What a node becomes before the order is known.
struct Pending {
  TraceOp op;
  uint64_t id = 0;
  std::vector<uint64_t> deps;  // data_deps and ctrl_deps
  bool keep = true;            // false: an INVALID or METADATA node, dropped; its deps pass through
};

struct Context {
  std::string prefix;
  int gpus = 0;
  std::string groups_file;
  std::map<int64_t, int> group_of_pg;  // pg id -> index into Trace::groups
  Trace* trace = nullptr;
};

// One node's attributes, read with errors that name the file and the node.
class NodeView {
 public:
  NodeView(const Node& n, const std::string& file, int record) : n_(n), file_(file), record_(record) {}

  [[noreturn]] void fail(const std::string& what) const { throw ConfigError(loc(), key(), what); }
  SourceLoc loc() const { return SourceLoc{file_, record_, 0}; }
  std::string key() const { return node_key(n_.id(), n_.name()); }

  const AttributeProto* find(const char* name) const {
    for (const AttributeProto& a : n_.attr())
      if (a.name() == name) return &a;
    return nullptr;
  }

  // Any integer member (as ASTRA-sim's reader converts between them); a float or a list is an error.
  std::optional<int64_t> integer(const char* name) const {
    const AttributeProto* a = find(name);
    if (!a) return std::nullopt;
    switch (a->value_case()) {
      case AttributeProto::kInt32Val:
        return a->int32_val();
      case AttributeProto::kInt64Val:
        return a->int64_val();
      case AttributeProto::kUint32Val:
        return a->uint32_val();
      case AttributeProto::kSint32Val:
        return a->sint32_val();
      case AttributeProto::kSint64Val:
        return a->sint64_val();
      case AttributeProto::kFixed32Val:
        return a->fixed32_val();
      case AttributeProto::kSfixed32Val:
        return a->sfixed32_val();
      case AttributeProto::kSfixed64Val:
        return a->sfixed64_val();
      case AttributeProto::kBoolVal:
        return a->bool_val() ? 1 : 0;
      case AttributeProto::kUint64Val:
        return unsigned_value(name, a->uint64_val());
      case AttributeProto::kFixed64Val:
        return unsigned_value(name, a->fixed64_val());
      default:
        fail(fmt::format("attribute {} holds {}; expected an integer", name, member(*a)));
    }
  }

  int64_t need_integer(const char* name, const char* expected) const {
    const auto v = integer(name);
    if (!v) fail(fmt::format("missing attribute {} (expected {})", name, expected));
    return *v;
  }

  // A byte count: positive, and below 4 GiB when it is one message.
  uint64_t need_bytes(const char* name, bool message) const {
    const int64_t v = need_integer(name, "a byte count");
    if (v <= 0) fail(fmt::format("attribute {} is {}; expected a positive byte count", name, v));
    if (message && static_cast<uint64_t>(v) >= kMessageLimit)
      fail(fmt::format("attribute {} is {} B; one transfer must be below 4 GiB (one TLM payload)", name, v));
    return static_cast<uint64_t>(v);
  }

  // A rank in [0, gpus).
  std::optional<int> rank_attr(const char* name, int gpus) const {
    const auto v = integer(name);
    if (v && (*v < 0 || *v >= gpus))
      fail(fmt::format("attribute {} is {}; expected a rank in [0, {}) (the trace has {} rank files)", name, *v, gpus,
                       gpus));
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
  }

  std::optional<std::string> text(const char* name) const {
    const AttributeProto* a = find(name);
    if (!a) return std::nullopt;
    if (a->value_case() == AttributeProto::kStringVal) return a->string_val();
    return std::to_string(need_integer(name, "a string"));
  }

 private:
  int64_t unsigned_value(const char* name, uint64_t v) const {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(fmt::format("attribute {} is {}, too large for a signed 64-bit integer", name, v));
    return static_cast<int64_t>(v);
  }

  static std::string member(const AttributeProto& a) {
    if (a.value_case() == AttributeProto::VALUE_NOT_SET) return "no value";
    return AttributeProto::descriptor()->FindFieldByNumber(static_cast<int>(a.value_case()))->name();
  }

  const Node& n_;
  const std::string& file_;
  int record_;
};

int group_index(const NodeView& v, const Context& c, int rank) {
  const std::string pg = v.text("pg_name").value_or("");
  int g = 0;
  if (!pg.empty() && pg != "0") {
    int64_t id = -1;
    if (is_digits(pg, 9)) id = std::stoll(pg);
    const auto it = c.group_of_pg.find(id);
    if (it == c.group_of_pg.end())
      v.fail(
          fmt::format("pg_name '{}' names no group of {}{} (expected \"\" or \"0\" for all ranks, or a group id "
                      "of that file)",
                      pg, c.groups_file, fs::exists(c.groups_file) ? "" : ", which does not exist"));
    g = it->second;
  }
  const RankGroup& grp = c.trace->groups[static_cast<size_t>(g)];
  if (std::find(grp.ranks.begin(), grp.ranks.end(), rank) == grp.ranks.end())
    v.fail(fmt::format("rank {} is not a member of group {} ({})", rank, pg, fmt::join(grp.ranks, ", ")));
  return g;
}

void read_collective(const NodeView& v, const Context& c, int rank, TraceOp& op) {
  const int64_t type = v.need_integer("comm_type", "a CollectiveCommType value");
  op.group = group_index(v, c, rank);
  if (type == ChakraProtoMsg::BARRIER) {
    op.kind = TraceOpKind::Barrier;
    return;
  }
  const auto coll = chakra::coll_op_of(type);
  if (!coll) {
    const auto* e = ChakraProtoMsg::CollectiveCommType_descriptor()->FindValueByNumber(static_cast<int>(type));
    std::vector<std::string> ok;
    for (const auto& ct : chakra::kCommTypes) ok.push_back(ChakraProtoMsg::CollectiveCommType_Name(ct.type));
    ok.push_back("BARRIER");
    v.fail(fmt::format("comm_type {}{} is not supported; expected one of {}", type,
                       e ? fmt::format(" ({})", e->name()) : "", fmt::join(ok, ", ")));
  }
  op.kind = TraceOpKind::Collective;
  op.coll = *coll;
  op.bytes = v.need_bytes("comm_size", false);
  const int size = static_cast<int>(c.trace->groups[static_cast<size_t>(op.group)].ranks.size());
  if (const auto root = v.integer(chakra::kRootAttr)) {
    if (*root < 0 || *root >= size)
      v.fail(fmt::format("attribute {} is {}; expected an index into the group's {} ranks", chakra::kRootAttr, *root,
                         size));
    op.root = static_cast<int>(*root);
  }
}

void read_point_to_point(const NodeView& v, const Context& c, int rank, TraceOp& op) {
  const bool send = op.kind == TraceOpKind::Send;
  // The own end may be left out; the other end is required.
  const char* own = send ? "comm_src" : "comm_dst";
  const char* other = send ? "comm_dst" : "comm_src";
  if (const auto self = v.rank_attr(own, c.gpus); self && *self != rank)
    v.fail(fmt::format("attribute {} is {} but this is rank {}'s file", own, *self, rank));
  const auto peer = v.rank_attr(other, c.gpus);
  if (!peer) v.fail(fmt::format("missing attribute {} (expected the peer rank)", other));
  if (*peer == rank) v.fail(fmt::format("attribute {} names rank {} itself", other, rank));
  op.peer = *peer;
  op.bytes = v.need_bytes("comm_size", true);
  op.tag = v.integer("comm_tag").value_or(0);
}

void read_compute(const NodeView& v, const Node& n, TraceOp& op) {
  const bool cpu = v.integer("is_cpu_op").value_or(0) != 0;
  const auto flops = v.integer("num_ops");
  const auto bytes = v.integer("tensor_size");
  if (!cpu && (flops || bytes)) {
    if (flops.value_or(0) < 0 || bytes.value_or(0) < 0) v.fail("num_ops and tensor_size must not be negative");
    op.kind = TraceOpKind::Kernel;
    op.kernel.kind = KernelKind::Generic;
    op.kernel.flops = static_cast<double>(flops.value_or(0));
    op.kernel.bytes_read = static_cast<uint64_t>(bytes.value_or(0));
    return;
  }
  if (n.duration_micros() > kMaxMicros)
    v.fail(fmt::format("duration_micros {} is beyond the simulated time range", n.duration_micros()));
  op.kind = TraceOpKind::Delay;
  op.duration = Time{static_cast<int64_t>(n.duration_micros()) * 1'000'000};
}

Pending read_node(const Node& n, const std::string& file, int record, const Context& c, int rank) {
  const NodeView v(n, file, record);
  Pending p;
  p.id = n.id();
  p.deps.assign(n.data_deps().begin(), n.data_deps().end());
  p.deps.insert(p.deps.end(), n.ctrl_deps().begin(), n.ctrl_deps().end());
  std::sort(p.deps.begin(), p.deps.end());
  p.deps.erase(std::unique(p.deps.begin(), p.deps.end()), p.deps.end());
  TraceOp& op = p.op;
  op.loc = v.loc();
  switch (n.type()) {
    case ChakraProtoMsg::INVALID_NODE:
    case ChakraProtoMsg::METADATA_NODE:
      p.keep = false;
      return p;
    case ChakraProtoMsg::COMP_NODE:
      read_compute(v, n, op);
      break;
    case ChakraProtoMsg::MEM_LOAD_NODE:
    case ChakraProtoMsg::MEM_STORE_NODE:
      op.kind = n.type() == ChakraProtoMsg::MEM_LOAD_NODE ? TraceOpKind::Load : TraceOpKind::Store;
      op.bytes = v.need_bytes("tensor_size", true);
      break;
    case ChakraProtoMsg::COMM_SEND_NODE:
    case ChakraProtoMsg::COMM_RECV_NODE:
      op.kind = n.type() == ChakraProtoMsg::COMM_SEND_NODE ? TraceOpKind::Send : TraceOpKind::Recv;
      read_point_to_point(v, c, rank, op);
      break;
    case ChakraProtoMsg::COMM_COLL_NODE:
      read_collective(v, c, rank, op);
      break;
    default:
      v.fail(
          fmt::format("node type {} is not a Chakra ET node type LiteSim reads (expected 0-7: INVALID, METADATA, "
                      "MEM_LOAD, MEM_STORE, COMP, COMM_SEND, COMM_RECV, COMM_COLL)",
                      static_cast<int>(n.type())));
  }
  op.stream = default_stream_index(op.kind);
  return p;
}

// Op ids: the node's name where it is unique in the file, else "<name>#<node id>"; nameless
// nodes are "node<id>".
void name_ops(std::vector<Pending>& nodes) {
  std::unordered_map<std::string, int> count;
  auto base = [](const Pending& p) { return p.op.name.empty() ? fmt::format("node{}", p.id) : p.op.name; };
  for (const Pending& p : nodes)
    if (p.keep) ++count[base(p)];
  std::set<std::string> used;
  for (Pending& p : nodes) {
    if (!p.keep) continue;
    const std::string b = base(p);
    std::string id = count[b] > 1 ? fmt::format("{}#{}", b, p.id) : b;
    for (int k = 2; !used.insert(id).second; ++k) id = fmt::format("{}#{}.{}", b, p.id, k);
    p.op.id = id;
    p.op.name = b;
    p.op.kernel.name = id;
  }
}

// Kahn's algorithm taking the ready node that comes first in the file: the file order wherever
// the dependencies allow it. Missing dependencies and cycles are errors at the node.
std::vector<uint32_t> stable_order(const std::vector<Pending>& nodes, const std::string& file,
                                   std::unordered_map<uint64_t, uint32_t>& at) {
  const size_t n = nodes.size();
  for (size_t i = 0; i < n; ++i) {
    const auto [it, fresh] = at.emplace(nodes[i].id, static_cast<uint32_t>(i));
    if (!fresh)
      throw ConfigError(nodes[i].op.loc, node_key(nodes[i].id, nodes[i].op.name),
                        fmt::format("node id {} is used twice in {} (also by node record {}); expected unique ids",
                                    nodes[i].id, file, it->second + 1));
  }
  std::vector<std::vector<uint32_t>> deps(n);
  for (size_t i = 0; i < n; ++i)
    for (uint64_t d : nodes[i].deps) {
      const auto it = at.find(d);
      if (it == at.end())
        throw ConfigError(nodes[i].op.loc, node_key(nodes[i].id, nodes[i].op.name),
                          fmt::format("depends on node {}, which {} does not have (expected the id of a node in the "
                                      "same rank file)",
                                      d, file));
      deps[i].push_back(it->second);
    }
  uint32_t v = 0;
  std::vector<uint32_t> order = stable_topological_order(deps, &v);
  if (order.size() == n) return order;
  throw ConfigError(nodes[v].op.loc, node_key(nodes[v].id, nodes[v].op.name),
                    fmt::format("dependency cycle through node {} in {} (expected the data_deps and ctrl_deps to form "
                                "an acyclic graph)",
                                nodes[v].id, file));
}

// Reads one record: false at a clean end of file. Errors name the file and the record.
bool read_record(pbio::ZeroCopyInputStream& zin, const std::string& file, int record, std::string& buf) {
  pbio::CodedInputStream in(&zin);
  const void* data = nullptr;
  int avail = 0;
  if (!in.GetDirectBufferPointer(&data, &avail)) return false;
  const std::string what = record == 0 ? "the GlobalMetadata record" : fmt::format("node record {}", record);
  const SourceLoc loc{file, record, 0};
  uint32_t len = 0;
  if (!in.ReadVarint32(&len))
    throw ConfigError(loc, "record", fmt::format("the file ends inside the length prefix of {}: truncated", what));
  if (len > kMaxRecord)
    throw ConfigError(
        loc, "record",
        fmt::format("{} claims {} bytes; expected a varint length below 1 GiB (not a Chakra ET file?)", what, len));
  if (!in.ReadString(&buf, static_cast<int>(len)))
    throw ConfigError(loc, "record",
                      fmt::format("the file ends inside {} (its length prefix says {} bytes): truncated", what, len));
  return true;
}

void read_rank(const std::string& file, int rank, Context& c, Fnv1a& hash) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(SourceLoc{file, 0, 0}, "chakra", "cannot open the rank file");
  HashedFile raw(in, hash);
  pbio::CopyingInputStreamAdaptor zin(&raw);
  std::string buf;
  // Record 0, GlobalMetadata, is read leniently (as ASTRA-sim does): an older metadata layout
  // does not parse as the current one, and nothing in it changes how the nodes read.
  if (!read_record(zin, file, 0, buf))
    throw ConfigError(SourceLoc{file, 0, 0}, "chakra",
                      "the file is empty; expected a GlobalMetadata record followed by Node records");
  std::vector<Pending> nodes;
  Node n;
  for (int record = 1; read_record(zin, file, record, buf); ++record) {
    if (record == std::numeric_limits<int>::max())
      throw ConfigError(SourceLoc{file, record, 0}, "record", "more nodes than one rank file may hold");
    if (!n.ParseFromString(buf))
      throw ConfigError(SourceLoc{file, record, 0}, "record",
                        fmt::format("node record {} is not a valid Chakra ET Node message", record));
    nodes.push_back(read_node(n, file, record, c, rank));
    nodes.back().op.name = n.name();
  }
  std::unordered_map<uint64_t, uint32_t> at;
  const std::vector<uint32_t> order = stable_order(nodes, file, at);
  name_ops(nodes);
  // Emit in that order; a dropped node's dependents inherit its dependencies.
  std::vector<std::vector<uint32_t>> through(nodes.size());
  std::vector<uint32_t> index(nodes.size(), 0);
  auto& ops = c.trace->ranks[static_cast<size_t>(rank)].ops;
  ops.reserve(nodes.size());
  for (uint32_t i : order) {
    Pending& p = nodes[i];
    std::vector<uint32_t> deps;
    for (uint64_t d : p.deps) {
      const uint32_t j = at.at(d);
      if (nodes[j].keep)
        deps.push_back(index[j]);
      else
        deps.insert(deps.end(), through[j].begin(), through[j].end());
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    if (!p.keep) {
      through[i] = std::move(deps);
      continue;
    }
    index[i] = static_cast<uint32_t>(ops.size());
    p.op.deps = std::move(deps);
    ops.push_back(std::move(p.op));
  }
}

// The rank files of a prefix: their count, every rank from 0 present.
int count_ranks(const std::string& prefix) {
  const fs::path pp(prefix);
  const fs::path dir = pp.has_parent_path() ? pp.parent_path() : fs::path(".");
  const std::string base = pp.filename().string() + ".";
  std::set<int> ranks;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string f = it->path().filename().string();
    if (f.size() <= base.size() + 3 || f.compare(0, base.size(), base) != 0 || f.compare(f.size() - 3, 3, ".et") != 0)
      continue;
    const std::string mid = f.substr(base.size(), f.size() - base.size() - 3);
    if (is_digits(mid, 7) && (mid.size() == 1 || mid[0] != '0')) ranks.insert(std::stoi(mid));
  }
  if (ranks.empty())
    throw ConfigError(SourceLoc{chakra_rank_file(prefix, 0), 0, 0}, "chakra",
                      fmt::format("no Chakra trace files {}.<rank>.et (expected {}, {}, ...)", prefix,
                                  chakra_rank_file(prefix, 0), chakra_rank_file(prefix, 1)));
  const int n = *ranks.rbegin() + 1;
  if (n > kMaxRanks)
    throw ConfigError(SourceLoc{chakra_rank_file(prefix, n - 1), 0, 0}, "chakra",
                      fmt::format("rank {} is beyond the {} ranks a trace may have", n - 1, kMaxRanks));
  for (int r = 0; r < n; ++r)
    if (!ranks.count(r))
      throw ConfigError(SourceLoc{chakra_rank_file(prefix, r), 0, 0}, "chakra",
                        fmt::format("missing rank file: {} has rank files up to {} ({} ranks), so every rank from 0 to "
                                    "{} needs one",
                                    prefix, chakra_rank_file(prefix, n - 1), n, n - 1));
  return n;
}

// `<prefix>.groups.json`: {"<id>": [ranks...], ...}; id 0 is all ranks and cannot be redefined.
void read_groups(Context& c, Fnv1a& hash) {
  Trace& t = *c.trace;
  t.groups.push_back(world_group(c.gpus));
  std::ifstream in(c.groups_file, std::ios::binary);
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  hash.add(text.data(), text.size());
  const SourceLoc loc{c.groups_file, 0, 0};
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(loc, "groups", fmt::format("not valid JSON ({})", e.what()));
  }
  if (!j.is_object())
    throw ConfigError(loc, "groups", "expected an object mapping group ids to rank lists, e.g. {\"1\": [0, 1]}");
  std::map<int64_t, std::vector<int>> groups;
  for (const auto& [key, value] : j.items()) {
    if (!is_digits(key, 9))
      throw ConfigError(loc, key, "a group id must be a decimal integer (the pg_name nodes give)");
    const int64_t id = std::stoll(key);
    if (id == 0) continue;  // pg_name "0" always means every rank, as in ASTRA-sim
    if (!value.is_array() || value.empty()) throw ConfigError(loc, key, "expected a non-empty list of ranks");
    std::vector<int> ranks;
    for (const auto& r : value) {
      if (!r.is_number_integer() || r.get<int64_t>() < 0 || r.get<int64_t>() >= c.gpus)
        throw ConfigError(
            loc, key,
            fmt::format("{} is not a rank in [0, {}) (the trace has {} rank files)", r.dump(), c.gpus, c.gpus));
      const int rank = r.get<int>();
      if (std::find(ranks.begin(), ranks.end(), rank) != ranks.end())
        throw ConfigError(loc, key, fmt::format("rank {} is listed twice", rank));
      ranks.push_back(rank);
    }
    if (!groups.emplace(id, ranks).second) throw ConfigError(loc, key, fmt::format("group id {} is defined twice", id));
  }
  for (const auto& [id, ranks] : groups) {
    RankGroup g;
    g.name = fmt::format("pg{}", id);
    g.ranks = ranks;
    g.loc = loc;
    c.group_of_pg[id] = static_cast<int>(t.groups.size());
    t.groups.push_back(std::move(g));
  }
}

}  // namespace

std::string chakra_prefix(const std::string& p) {
  if (p.size() < 5 || p.compare(p.size() - 3, 3, ".et") != 0) return p;
  const size_t dot = p.rfind('.', p.size() - 4);
  if (dot == std::string::npos || !is_digits(p.substr(dot + 1, p.size() - 4 - dot))) return p;
  return p.substr(0, dot);
}

void check_chakra_prefix(const std::string& prefix) {
  if (fs::path(prefix).filename().empty())
    throw ConfigError(SourceLoc{prefix, 0, 0}, "chakra",
                      "expected a prefix such as out/model (files out/model.0.et, ...), not a folder");
}

std::string chakra_rank_file(const std::string& prefix, int rank) { return fmt::format("{}.{}.et", prefix, rank); }

std::string chakra_groups_file(const std::string& prefix) { return prefix + ".groups.json"; }

Trace read_chakra(const std::string& prefix_or_path) {
  Trace t;
  Context c;
  c.prefix = chakra_prefix(prefix_or_path);
  check_chakra_prefix(c.prefix);
  c.gpus = count_ranks(c.prefix);
  c.groups_file = chakra_groups_file(c.prefix);
  c.trace = &t;
  t.name = fs::path(c.prefix).filename().string();
  t.file = c.prefix;
  t.gpus = c.gpus;
  t.ranks.resize(static_cast<size_t>(c.gpus));
  Fnv1a hash;
  read_groups(c, hash);
  for (int r = 0; r < c.gpus; ++r) {
    t.ranks[static_cast<size_t>(r)].rank = r;
    read_rank(chakra_rank_file(c.prefix, r), r, c, hash);
  }
  t.digest = hash.hex();
  return t;
}

}  // namespace litesim
