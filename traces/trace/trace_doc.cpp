// litesim-trace/1: YAML -> TraceDoc (the program form) and back. docs/trace-format.md.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <ostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/config.h"
#include "core/params.h"
#include "core/units.h"
#include "traces/trace/trace.h"

namespace litesim {

const char* trace_op_name(TraceOpKind k) {
  switch (k) {
    case TraceOpKind::Kernel:
      return "kernel";
    case TraceOpKind::Load:
      return "load";
    case TraceOpKind::Store:
      return "store";
    case TraceOpKind::RemoteRead:
      return "remote_read";
    case TraceOpKind::RemoteWrite:
      return "remote_write";
    case TraceOpKind::Send:
      return "send";
    case TraceOpKind::Recv:
      return "recv";
    case TraceOpKind::Collective:
      return "collective";
    case TraceOpKind::Barrier:
      return "barrier";
    case TraceOpKind::Delay:
      return "delay";
  }
  return "?";
}

int default_stream_index(TraceOpKind k) {
  switch (k) {
    case TraceOpKind::Kernel:
    case TraceOpKind::Load:
    case TraceOpKind::Store:
    case TraceOpKind::Delay:
      return 0;  // compute
    default:
      return 1;  // comm
  }
}

const char* default_stream(TraceOpKind k) { return default_stream_index(k) == 0 ? "compute" : "comm"; }

RankGroup world_group(int gpus) {
  RankGroup world;
  world.name = "world";
  for (int r = 0; r < gpus; ++r) world.ranks.push_back(r);
  return world;
}

size_t Trace::op_count() const {
  size_t n = 0;
  for (const auto& r : ranks) n += r.ops.size();
  return n;
}

namespace {

constexpr const char* kFormat = "litesim-trace/1";
const std::vector<TraceOpKind> kAllKinds = {
    TraceOpKind::Kernel, TraceOpKind::Load, TraceOpKind::Store,      TraceOpKind::RemoteRead, TraceOpKind::RemoteWrite,
    TraceOpKind::Send,   TraceOpKind::Recv, TraceOpKind::Collective, TraceOpKind::Barrier,    TraceOpKind::Delay};

[[noreturn]] void fail(const ConfigPtr& n, const std::string& path, const std::string& what) {
  throw ConfigError(n->loc, path, what);
}

void check_keys(const ConfigPtr& n, const std::string& path, const std::vector<std::string>& allowed,
                const std::string& what) {
  for (const auto& e : n->entries)
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
      throw ConfigError(e.key_loc, path + "." + e.key,
                        fmt::format("unknown key for {}; expected: {}", what, fmt::join(allowed, ", ")));
}

ConfigPtr need(const ConfigPtr& map, const std::string& key, const std::string& path, const std::string& expected) {
  ConfigPtr v = map->find(key);
  if (!v || v->is_null()) fail(map, path + "." + key, fmt::format("missing required key (expected {})", expected));
  return v;
}

std::string scalar(const ConfigPtr& n, const std::string& path, const std::string& expected) {
  if (!n->is_scalar() || n->scalar.empty()) fail(n, path, fmt::format("expected {}", expected));
  return n->scalar;
}

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string need_name(const ConfigPtr& n, const std::string& path) {
  const std::string s = scalar(n, path, "a name");
  if (!valid_name(s)) fail(n, path, fmt::format("'{}' is not a name (letters, digits, _ and - only)", s));
  return s;
}

int64_t to_int(const ConfigPtr& n, const std::string& path, int64_t lo, int64_t hi) {
  try {
    size_t used = 0;
    const long long v = std::stoll(n->scalar, &used);
    if (used == n->scalar.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  fail(n, path, fmt::format("expected an integer in [{}, {}], got '{}'", lo, hi, n->scalar));
}

// A rank list: N, [N, ...], "A-B" or "A-B:STEP" (inclusive), each rank in [0, gpus).
std::vector<int> rank_list(const ConfigPtr& n, const std::string& path, int gpus) {
  std::vector<int> out;
  auto one = [&](const ConfigPtr& item) {
    if (!item->is_scalar()) fail(item, path, "expected a rank, a list of ranks or a range \"A-B\"");
    const std::string& s = item->scalar;
    const auto dash = s.find('-', 1);
    if (dash == std::string::npos) {
      out.push_back(static_cast<int>(to_int(item, path, 0, gpus - 1)));
      return;
    }
    const auto colon = s.find(':', dash);
    auto part = [&](const std::string& text) {
      ConfigPtr tmp = ConfigNode::make_scalar(text, item->loc);
      return to_int(tmp, path, 0, gpus - 1);
    };
    const int64_t a = part(s.substr(0, dash));
    const int64_t b = part(s.substr(dash + 1, colon == std::string::npos ? std::string::npos : colon - dash - 1));
    int64_t step = 1;
    if (colon != std::string::npos)
      step = to_int(ConfigNode::make_scalar(s.substr(colon + 1), item->loc), path, 1, gpus);
    if (b < a) fail(item, path, fmt::format("range '{}' is empty (expected A-B with A <= B)", s));
    for (int64_t r = a; r <= b; r += step) out.push_back(static_cast<int>(r));
  };
  if (n->is_seq()) {
    for (const auto& i : n->items) one(i);
  } else {
    one(n);
  }
  if (out.empty()) fail(n, path, "expected at least one rank");
  std::set<int> seen;
  for (int r : out)
    if (!seen.insert(r).second) fail(n, path, fmt::format("rank {} is listed twice", r));
  return out;
}

uint64_t need_bytes(const ConfigPtr& n, const std::string& path, bool message) {
  const uint64_t b = detail::data_size_key(n, "bytes", path, true);
  if (b == 0) fail(n->find("bytes"), path + ".bytes", "must be positive");
  if (message && b >= kMessageLimit)
    fail(n->find("bytes"), path + ".bytes", "must be below 4 GiB (one TLM payload); split larger transfers");
  return b;
}

void read_peer(const ConfigPtr& n, const std::string& key, const std::string& path, int gpus, OpSpec& op) {
  const ConfigPtr v = need(n, key, path, "a rank or rank+K / rank-K");
  const std::string p = path + "." + key;
  const std::string s = scalar(v, p, "a rank or rank+K / rank-K");
  if (s.rfind("rank", 0) == 0) {
    const std::string rest = s.substr(4);
    if (rest.size() < 2 || (rest[0] != '+' && rest[0] != '-'))
      fail(v, p, fmt::format("'{}': expected rank+K or rank-K", s));
    const int64_t k = to_int(ConfigNode::make_scalar(rest.substr(1), v->loc), p, 1, gpus);
    op.peer_relative = true;
    op.peer_offset = static_cast<int>(rest[0] == '+' ? k : -k);
    return;
  }
  op.peer = static_cast<int>(to_int(v, p, 0, gpus - 1));
}

OpSpec read_op(const ConfigPtr& n, const std::string& path, int gpus) {
  OpSpec op;
  op.loc = n->loc;
  op.id = need_name(need(n, "id", path, "an op id"), path + ".id");
  const ConfigPtr kind = need(n, "op", path, "an op kind");
  const std::string k = kind->is_scalar() ? kind->scalar : "";
  bool found = false;
  for (TraceOpKind c : kAllKinds)
    if (k == trace_op_name(c)) op.kind = c, found = true;
  if (!found) {
    std::vector<std::string> names;
    for (TraceOpKind c : kAllKinds) names.push_back(trace_op_name(c));
    fail(kind, path + ".op", fmt::format("'{}' is not an op kind; expected one of: {}", k, fmt::join(names, ", ")));
  }
  const std::vector<std::string> common = {"id", "op", "after", "stream"};
  auto keys = [&](std::vector<std::string> own) {
    own.insert(own.end(), common.begin(), common.end());
    check_keys(n, path, own, fmt::format("a {} op", k));
  };
  switch (op.kind) {
    case TraceOpKind::Kernel:
      op.kernel = read_kernel(n, path, common);
      op.kernel.name = op.id;
      break;
    case TraceOpKind::Load:
    case TraceOpKind::Store:
      keys({"bytes"});
      op.bytes = need_bytes(n, path, true);
      break;
    case TraceOpKind::RemoteRead:
    case TraceOpKind::RemoteWrite:
      keys({"peer", "bytes"});
      read_peer(n, "peer", path, gpus, op);
      op.bytes = need_bytes(n, path, true);
      break;
    case TraceOpKind::Send:
    case TraceOpKind::Recv: {
      const std::string peer_key = op.kind == TraceOpKind::Send ? "to" : "from";
      keys({peer_key, "bytes", "tag"});
      read_peer(n, peer_key, path, gpus, op);
      op.bytes = need_bytes(n, path, true);
      if (ConfigPtr t = n->find("tag"); t && !t->is_null())
        op.tag = to_int(t, path + ".tag", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      break;
    }
    case TraceOpKind::Collective: {
      keys({"coll", "group", "bytes", "root", "algo"});
      const ConfigPtr c = need(n, "coll", path, fmt::format("one of {}", fmt::join(op_names(), ", ")));
      try {
        op.coll = parse_op(scalar(c, path + ".coll", "a collective name"));
      } catch (const CollectiveError& e) {
        fail(c, path + ".coll", e.what());
      }
      if (op.coll == CollOp::SendRecv) fail(c, path + ".coll", "use send and recv ops for point-to-point transfers");
      op.group = need_name(need(n, "group", path, "a rank group name"), path + ".group");
      op.bytes = need_bytes(n, path, false);
      if (ConfigPtr r = n->find("root"); r && !r->is_null())
        op.root = static_cast<int>(to_int(r, path + ".root", 0, gpus - 1));
      if (ConfigPtr a = n->find("algo"); a && !a->is_null()) op.algo = need_name(a, path + ".algo");
      break;
    }
    case TraceOpKind::Barrier:
      keys({"group"});
      op.group = need_name(need(n, "group", path, "a rank group name"), path + ".group");
      break;
    case TraceOpKind::Delay: {
      keys({"duration"});
      const ConfigPtr v = need(n, "duration", path, "a time, e.g. 5 us");
      try {
        op.duration =
            Time{static_cast<int64_t>(parse_quantity(scalar(v, path + ".duration", "a time"), Dim::Time).value)};
      } catch (const UnitError& e) {
        fail(v, path + ".duration", e.what());
      }
      if (op.duration.ps < 0) fail(v, path + ".duration", "must not be negative");
      break;
    }
  }
  if (ConfigPtr s = n->find("stream"); s && !s->is_null()) op.stream = need_name(s, path + ".stream");
  if (ConfigPtr a = n->find("after"); a && !a->is_null()) {
    const std::vector<ConfigPtr> names = a->is_seq() ? a->items : std::vector<ConfigPtr>{a};
    for (const auto& nm : names) {
      const std::string s = scalar(nm, path + ".after", "op ids");
      const auto dot = s.find('.');
      const bool ok =
          dot == std::string::npos ? valid_name(s) : valid_name(s.substr(0, dot)) && valid_name(s.substr(dot + 1));
      if (!ok) fail(nm, path + ".after", fmt::format("'{}' is not an op id (ID, prev.ID or REPEAT.ID)", s));
      op.after.push_back(s);
      op.after_loc.push_back(nm->loc);
    }
  }
  return op;
}

void read_block(const ConfigPtr& seq, const std::string& path, int gpus, Block& out, int depth) {
  if (!seq->is_seq()) fail(seq, path, "expected a list of ops");
  for (size_t j = 0; j < seq->items.size(); ++j) {
    const ConfigPtr& n = seq->items[j];
    const std::string p = fmt::format("{}[{}]", path, j);
    if (!n->is_map()) fail(n, p, "expected an op mapping ({id, op, ...}) or a repeat block ({repeat, ops})");
    BlockItem item;
    if (n->find("repeat")) {
      check_keys(n, p, {"repeat", "id", "ops"}, "a repeat block");
      if (depth >= 8) fail(n, p, "repeat blocks nest at most 8 deep");
      item.is_repeat = true;
      item.repeat.loc = n->loc;
      item.repeat.count = to_int(n->find("repeat"), p + ".repeat", 1, 1 << 24);
      if (ConfigPtr id = n->find("id"); id && !id->is_null()) item.repeat.id = need_name(id, p + ".id");
      item.repeat.body = std::make_shared<Block>();
      read_block(need(n, "ops", p, "a list of ops"), p + ".ops", gpus, *item.repeat.body, depth + 1);
    } else {
      item.op = read_op(n, p, gpus);
    }
    out.items.push_back(std::move(item));
  }
}

std::string file_digest(const std::string& text) { return fnv1a_hex(text); }

TraceDoc parse_root(const ConfigPtr& root) {
  if (!root->is_map()) fail(root, "", "a trace file must be a mapping with format, name, gpus and ranks");
  check_keys(root, "trace", {"format", "name", "gpus", "groups", "ranks"}, "a trace");
  TraceDoc d;
  const ConfigPtr f = need(root, "format", "trace", kFormat);
  if (!f->is_scalar() || f->scalar != kFormat)
    fail(f, "format", fmt::format("unsupported format '{}'; expected {}", f->is_scalar() ? f->scalar : "?", kFormat));
  d.name = scalar(need(root, "name", "trace", "a name"), "name", "a name");
  d.gpus = static_cast<int>(to_int(need(root, "gpus", "trace", "the GPU count"), "gpus", 1, 1 << 20));
  if (ConfigPtr g = root->find("groups"); g && !g->is_null()) {
    if (!g->is_map()) fail(g, "groups", "expected a mapping of group name to ranks");
    for (const auto& e : g->entries) {
      const std::string p = "groups." + e.key;
      if (!valid_name(e.key)) throw ConfigError(e.key_loc, p, "not a name (letters, digits, _ and - only)");
      if (e.key == "world") throw ConfigError(e.key_loc, p, "'world' is predefined (every rank in order)");
      RankGroup rg;
      rg.name = e.key;
      rg.loc = e.key_loc;
      rg.ranks = rank_list(e.value, p, d.gpus);
      d.groups.push_back(rg);
    }
  }
  const ConfigPtr ranks = need(root, "ranks", "trace", "a list of rank programs");
  if (!ranks->is_seq()) fail(ranks, "ranks", "expected a list of {rank, ops}");
  std::set<int> seen;
  for (size_t i = 0; i < ranks->items.size(); ++i) {
    const ConfigPtr& rn = ranks->items[i];
    const std::string p = fmt::format("ranks[{}]", i);
    if (!rn->is_map()) fail(rn, p, "expected {rank: N, ops: [...]}");
    check_keys(rn, p, {"rank", "ops"}, "a rank program");
    RankProgram prog;
    prog.loc = rn->loc;
    prog.ranks = rank_list(need(rn, "rank", p, "a rank, a list of ranks or a range \"A-B\""), p + ".rank", d.gpus);
    for (int r : prog.ranks)
      if (!seen.insert(r).second) fail(rn->find("rank"), p + ".rank", fmt::format("rank {} already has a program", r));
    read_block(need(rn, "ops", p, "a list of ops"), p + ".ops", d.gpus, prog.body, 0);
    d.programs.push_back(std::move(prog));
  }
  return d;
}

// --- writer ---------------------------------------------------------------------------------------

std::string rank_text(const std::vector<int>& ranks) {
  if (ranks.size() == 1) return std::to_string(ranks[0]);
  bool contiguous = true;
  for (size_t i = 1; i < ranks.size(); ++i) contiguous = contiguous && ranks[i] == ranks[i - 1] + 1;
  if (contiguous) return fmt::format("\"{}-{}\"", ranks.front(), ranks.back());
  return fmt::format("[{}]", fmt::join(ranks, ", "));
}

std::string kernel_fields(const KernelDesc& k) {
  std::vector<std::string> f{fmt::format("kind: {}", kernel_kind_name(k.kind))};
  if (k.kind != KernelKind::Memcpy) f.push_back(fmt::format("dtype: {}", dtype_name(k.dtype)));
  switch (k.kind) {
    case KernelKind::Gemm:
      f.push_back(fmt::format("m: {}, n: {}, k: {}", k.m, k.n, k.k));
      if (k.batch != 1) f.push_back(fmt::format("batch: {}", k.batch));
      break;
    case KernelKind::Attention:
      f.push_back(fmt::format("batch: {}, heads: {}, kv_heads: {}, q_len: {}, kv_len: {}, head_dim: {}", k.batch,
                              k.heads, k.kv_heads, k.q_len, k.kv_len, k.head_dim));
      if (k.causal) f.push_back("causal: true");
      break;
    case KernelKind::Elementwise:
      f.push_back(fmt::format("elements: {}, inputs: {}, outputs: {}, flops_per_element: {}", k.elements, k.inputs,
                              k.outputs, k.flops_per_element));
      break;
    case KernelKind::Reduction:
    case KernelKind::Norm:
      f.push_back(fmt::format("rows: {}, cols: {}", k.rows, k.cols));
      break;
    case KernelKind::Memcpy:
      f.push_back(fmt::format("bytes: {} B", k.bytes));
      break;
    case KernelKind::Generic:
      f.push_back(fmt::format("flops: {}, read: {} B, write: {} B", k.flops, k.bytes_read, k.bytes_written));
      break;
  }
  return fmt::format("{}", fmt::join(f, ", "));
}

std::string peer_text(const OpSpec& op) {
  if (!op.peer_relative) return std::to_string(op.peer);
  return fmt::format("rank{}{}", op.peer_offset < 0 ? '-' : '+', std::abs(op.peer_offset));
}

std::string op_line(const OpSpec& op) {
  std::vector<std::string> f{fmt::format("id: {}", op.id), fmt::format("op: {}", trace_op_name(op.kind))};
  switch (op.kind) {
    case TraceOpKind::Kernel:
      f.push_back(kernel_fields(op.kernel));
      break;
    case TraceOpKind::Load:
    case TraceOpKind::Store:
      f.push_back(fmt::format("bytes: {} B", op.bytes));
      break;
    case TraceOpKind::RemoteRead:
    case TraceOpKind::RemoteWrite:
      f.push_back(fmt::format("peer: {}, bytes: {} B", peer_text(op), op.bytes));
      break;
    case TraceOpKind::Send:
    case TraceOpKind::Recv:
      f.push_back(
          fmt::format("{}: {}, bytes: {} B", op.kind == TraceOpKind::Send ? "to" : "from", peer_text(op), op.bytes));
      if (op.tag != 0) f.push_back(fmt::format("tag: {}", op.tag));
      break;
    case TraceOpKind::Collective:
      f.push_back(fmt::format("coll: {}, group: {}, bytes: {} B", op_name(op.coll), op.group, op.bytes));
      if (op.root != 0) f.push_back(fmt::format("root: {}", op.root));
      if (!op.algo.empty()) f.push_back(fmt::format("algo: {}", op.algo));
      break;
    case TraceOpKind::Barrier:
      f.push_back(fmt::format("group: {}", op.group));
      break;
    case TraceOpKind::Delay:
      f.push_back(fmt::format("duration: {} ps", op.duration.ps));
      break;
  }
  if (!op.stream.empty()) f.push_back(fmt::format("stream: {}", op.stream));
  if (!op.after.empty()) f.push_back(fmt::format("after: [{}]", fmt::join(op.after, ", ")));
  return fmt::format("{{{}}}", fmt::join(f, ", "));
}

void write_block(const Block& b, int indent, std::ostream& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const BlockItem& it : b.items) {
    if (!it.is_repeat) {
      out << pad << "- " << op_line(it.op) << "\n";
      continue;
    }
    out << pad << "- repeat: " << it.repeat.count << "\n" << pad << "  id: " << it.repeat.id << "\n";
    out << pad << "  ops:\n";
    write_block(*it.repeat.body, indent + 4, out);
  }
}

}  // namespace

TraceDoc parse_trace_doc(const std::string& text, const std::string& label) {
  TraceDoc d = parse_root(parse_yaml(text, label));
  d.file = label;
  d.digest = file_digest(text);
  return d;
}

TraceDoc read_trace_doc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(SourceLoc{path, 0, 0}, "trace", "cannot open the trace file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_trace_doc(ss.str(), path);  // the bytes it parses are the bytes it digests
}

Trace read_trace(const std::string& path) { return expand(read_trace_doc(path)); }

void write_trace(const TraceDoc& d, std::ostream& out) {
  out << "format: " << kFormat << "\n";
  out << "name: " << d.name << "\n";
  out << "gpus: " << d.gpus << "\n";
  if (!d.groups.empty()) {
    out << "groups:\n";
    for (const RankGroup& g : d.groups) out << "  " << g.name << ": " << rank_text(g.ranks) << "\n";
  }
  out << "ranks:\n";
  for (const RankProgram& p : d.programs) {
    out << "  - rank: " << rank_text(p.ranks) << "\n    ops:\n";
    write_block(p.body, 6, out);
  }
}

}  // namespace litesim
