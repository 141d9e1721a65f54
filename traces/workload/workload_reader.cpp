#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "core/config.h"
#include "core/params.h"
#include "core/units.h"
#include "traces/workload/workload.h"

namespace litesim {
namespace {

constexpr const char* kFormat = "litesim-workload/1";

[[noreturn]] void fail(const ConfigPtr& n, const std::string& path, const std::string& what) {
  throw ConfigError(n->loc, path, what);
}

void check_keys(const ConfigPtr& n, const std::string& path, const std::vector<std::string>& allowed) {
  for (const auto& e : n->entries)
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
      throw ConfigError(e.key_loc, path + "." + e.key,
                        fmt::format("unknown key; expected: {}", fmt::join(allowed, ", ")));
}

ConfigPtr need(const ConfigPtr& map, const std::string& key, const std::string& path, const char* expected) {
  ConfigPtr v = map->find(key);
  if (!v || v->is_null()) fail(map, path + "." + key, fmt::format("missing required key (expected {})", expected));
  return v;
}

Op read_op(const ConfigPtr& n, const std::string& path) {
  if (!n->is_map()) fail(n, path, "expected an op mapping with id and op");
  Op op;
  op.loc = n->loc;
  ConfigPtr id = need(n, "id", path, "an op id");
  if (!id->is_scalar() || id->scalar.empty()) fail(id, path + ".id", "expected a non-empty name");
  op.id = id->scalar;
  ConfigPtr kind = need(n, "op", path, "kernel, send or recv");
  const std::string k = kind->is_scalar() ? kind->scalar : "";
  if (k == "kernel") {
    op.kind = OpKind::Kernel;
    op.kernel = read_kernel(n, path, {"id", "op", "after"});
    op.kernel.name = op.id;
  } else if (k == "send" || k == "recv") {
    op.kind = k == "send" ? OpKind::Send : OpKind::Recv;
    const std::string peer_key = k == "send" ? "to" : "from";
    check_keys(n, path, {"id", "op", "after", peer_key, "bytes", "tag"});
    op.peer = static_cast<int>(detail::int_key(n, peer_key, path, 0, std::numeric_limits<int>::max()));
    op.bytes = detail::data_size_key(n, "bytes", path, true);
    if (op.bytes == 0) fail(n->find("bytes"), path + ".bytes", "must be positive");
    if (op.bytes >= (uint64_t{1} << 32))
      fail(n->find("bytes"), path + ".bytes", "must be below 4 GiB (one TLM payload); split larger transfers");
    op.tag = n->find("tag")
                 ? detail::int_key(n, "tag", path, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())
                 : 0;
  } else {
    fail(kind, path + ".op", fmt::format("'{}' is not an op kind; expected kernel, send or recv", k));
  }
  return op;
}

}  // namespace

Workload read_workload(const std::string& path) {
  ConfigPtr root = load_yaml_file(path);
  if (!root->is_map()) fail(root, "", "a workload file must be a mapping with format, name, gpus and ranks");
  check_keys(root, "workload", {"format", "name", "gpus", "ranks"});
  Workload w;
  w.file = path;
  {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    w.digest = fnv1a_hex(ss.str());
  }
  ConfigPtr fmt_node = need(root, "format", "workload", kFormat);
  if (fmt_node->scalar != kFormat)
    fail(fmt_node, "format", fmt::format("unsupported format '{}'; expected {}", fmt_node->scalar, kFormat));
  ConfigPtr name = need(root, "name", "workload", "a name");
  w.name = name->scalar;
  w.gpus = static_cast<int>(detail::int_key(root, "gpus", "workload", 1, 1 << 20));
  ConfigPtr ranks = need(root, "ranks", "workload", "a list of ranks");
  if (!ranks->is_seq()) fail(ranks, "ranks", "expected a list of {rank, ops}");
  w.ranks.resize(static_cast<size_t>(w.gpus));
  for (int r = 0; r < w.gpus; ++r) w.ranks[static_cast<size_t>(r)].rank = r;
  std::set<int> seen;
  for (size_t i = 0; i < ranks->items.size(); ++i) {
    const ConfigPtr& rn = ranks->items[i];
    const std::string rpath = fmt::format("ranks[{}]", i);
    if (!rn->is_map()) fail(rn, rpath, "expected {rank: N, ops: [...]}");
    check_keys(rn, rpath, {"rank", "ops"});
    const int r = static_cast<int>(detail::int_key(rn, "rank", rpath, 0, w.gpus - 1));
    if (!seen.insert(r).second) fail(rn->find("rank"), rpath + ".rank", fmt::format("rank {} is listed twice", r));
    ConfigPtr ops = need(rn, "ops", rpath, "a list of ops");
    if (!ops->is_seq()) fail(ops, rpath + ".ops", "expected a list of ops");
    Rank& rank = w.ranks[static_cast<size_t>(r)];
    std::map<std::string, int> index;
    std::vector<ConfigPtr> after_nodes;
    for (size_t j = 0; j < ops->items.size(); ++j) {
      const std::string opath = fmt::format("{}.ops[{}]", rpath, j);
      Op op = read_op(ops->items[j], opath);
      if (index.count(op.id))
        fail(ops->items[j]->find("id"), opath + ".id", fmt::format("op id '{}' is used twice in rank {}", op.id, r));
      index[op.id] = static_cast<int>(rank.ops.size());
      rank.ops.push_back(op);
      after_nodes.push_back(ops->items[j]->find("after"));
    }
    // Dependencies: by id, within the rank, to ops written earlier or later (cycles are rejected).
    for (size_t j = 0; j < rank.ops.size(); ++j) {
      const ConfigPtr& a = after_nodes[j];
      if (!a || a->is_null()) continue;
      const std::string apath = fmt::format("{}.ops[{}].after", rpath, j);
      std::vector<ConfigPtr> names = a->is_seq() ? a->items : std::vector<ConfigPtr>{a};
      for (const auto& nm : names) {
        if (!nm->is_scalar()) fail(nm, apath, "expected op ids");
        auto it = index.find(nm->scalar);
        if (it == index.end()) fail(nm, apath, fmt::format("no op '{}' in rank {}", nm->scalar, r));
        rank.ops[j].deps.push_back(it->second);
      }
    }
    // Cycle check (depth-first, colouring).
    std::vector<int> colour(rank.ops.size(), 0);
    std::function<void(int)> visit = [&](int v) {
      colour[static_cast<size_t>(v)] = 1;
      for (int d : rank.ops[static_cast<size_t>(v)].deps) {
        if (colour[static_cast<size_t>(d)] == 1)
          throw ConfigError(rank.ops[static_cast<size_t>(v)].loc,
                            fmt::format("{}.ops.{}", rpath, rank.ops[static_cast<size_t>(v)].id),
                            fmt::format("dependency cycle through op '{}'", rank.ops[static_cast<size_t>(d)].id));
        if (colour[static_cast<size_t>(d)] == 0) visit(d);
      }
      colour[static_cast<size_t>(v)] = 2;
    };
    for (size_t v = 0; v < rank.ops.size(); ++v)
      if (colour[v] == 0) visit(static_cast<int>(v));
  }
  return w;
}

void check_workload(const Workload& w, int gpus, const std::string& system_label) {
  if (w.gpus != gpus)
    throw ConfigError(
        SourceLoc{w.file, 0, 0}, "gpus",
        fmt::format("the workload is written for {} GPUs but the system {} has {}", w.gpus, system_label, gpus));
  // Every send must meet a receive with the same (source, destination, tag) and size, in order.
  std::map<std::tuple<int, int, int64_t>, std::vector<const Op*>> sends, recvs;
  for (const Rank& r : w.ranks)
    for (const Op& op : r.ops) {
      if (op.kind == OpKind::Kernel) continue;
      if (op.peer >= gpus)
        throw ConfigError(op.loc, op.id, fmt::format("peer GPU {} does not exist (the system has {})", op.peer, gpus));
      if (op.peer == r.rank) throw ConfigError(op.loc, op.id, "a GPU cannot send to or receive from itself");
      if (op.kind == OpKind::Send)
        sends[{r.rank, op.peer, op.tag}].push_back(&op);
      else
        recvs[{op.peer, r.rank, op.tag}].push_back(&op);
    }
  for (const auto& [key, list] : sends) {
    const auto& rl = recvs[key];
    for (size_t i = 0; i < list.size(); ++i) {
      if (i >= rl.size())
        throw ConfigError(list[i]->loc, list[i]->id,
                          fmt::format("send {}->{} tag {} has no matching recv in rank {}", std::get<0>(key),
                                      std::get<1>(key), std::get<2>(key), std::get<1>(key)));
      if (rl[i]->bytes != list[i]->bytes)
        throw ConfigError(rl[i]->loc, rl[i]->id,
                          fmt::format("recv of {} B does not match its send of {} B ({})", rl[i]->bytes, list[i]->bytes,
                                      list[i]->loc.str()));
    }
  }
  for (const auto& [key, list] : recvs) {
    const size_t ns = sends.count(key) ? sends[key].size() : 0;
    if (list.size() > ns)
      throw ConfigError(list[ns]->loc, list[ns]->id,
                        fmt::format("recv {}<-{} tag {} has no matching send in rank {}", std::get<1>(key),
                                    std::get<0>(key), std::get<2>(key), std::get<0>(key)));
  }
}

}  // namespace litesim
