#include "fabric/collective/collective.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "fabric/collective/schedule_builder.h"

namespace litesim {

namespace {
const std::vector<std::pair<CollOp, std::string>>& op_table() {
  static const std::vector<std::pair<CollOp, std::string>> t = {
      {CollOp::AllReduce, "allreduce"}, {CollOp::AllGather, "allgather"}, {CollOp::ReduceScatter, "reducescatter"},
      {CollOp::AllToAll, "alltoall"},   {CollOp::Broadcast, "broadcast"}, {CollOp::Reduce, "reduce"},
      {CollOp::SendRecv, "sendrecv"}};
  return t;
}
}  // namespace

const char* op_name(CollOp op) {
  for (const auto& [o, n] : op_table())
    if (o == op) return n.c_str();
  return "?";
}

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : op_table()) v.push_back(e.second);
    return v;
  }();
  return names;
}

CollOp parse_op(const std::string& name) {
  for (const auto& [o, n] : op_table())
    if (n == name) return o;
  throw CollectiveError(fmt::format("no collective op named '{}'; ops: {}", name, fmt::join(op_names(), ", ")));
}

double busbw_factor(CollOp op, int ranks) {
  const double n = ranks;
  switch (op) {
    case CollOp::AllReduce:
      return 2 * (n - 1) / n;
    case CollOp::AllGather:
    case CollOp::ReduceScatter:
    case CollOp::AllToAll:
      return (n - 1) / n;
    case CollOp::Broadcast:
    case CollOp::Reduce:
    case CollOp::SendRecv:
      return 1;
  }
  return 1;
}

uint64_t data_space(CollOp op, uint64_t bytes, int ranks) {
  return op == CollOp::AllToAll || op == CollOp::SendRecv ? bytes * static_cast<uint64_t>(ranks) : bytes;
}

std::vector<Range> split_even(Range r, int n) {
  std::vector<Range> out;
  const uint64_t q = r.bytes / static_cast<uint64_t>(n), extra = r.bytes % static_cast<uint64_t>(n);
  uint64_t at = r.offset;
  for (int i = 0; i < n; ++i) {
    const uint64_t len = q + (static_cast<uint64_t>(i) < extra ? 1 : 0);
    out.push_back({at, len});
    at += len;
  }
  return out;
}

std::vector<Range> split_chunks(Range r, uint64_t chunk) {
  if (chunk == 0 || r.bytes <= chunk) return {r};
  std::vector<Range> out;
  for (uint64_t at = r.offset; at < r.end(); at += chunk) out.push_back({at, std::min(chunk, r.end() - at)});
  return out;
}

uint32_t CollSchedule::append(CollStep s, const std::vector<uint32_t>& deps, const std::string& phase) {
  const size_t i = steps.size();
  // Step indices are int32 in CollStep::input and uint32 in the dependency lists.
  if (i >= static_cast<size_t>(INT32_MAX)) throw CollectiveError("a collective schedule is limited to 2^31 steps");
  if (dep_list_.size() + deps.size() >= UINT32_MAX)
    throw CollectiveError("a collective schedule is limited to 2^32 dependencies");
  for (uint32_t d : deps)
    if (d >= i) throw std::logic_error(fmt::format("collective step {} depends on step {}, not an earlier one", i, d));
  auto at = std::find(phases.begin(), phases.end(), phase);
  if (at == phases.end()) {
    if (phases.size() > UINT8_MAX) throw std::logic_error("a collective schedule has more than 256 phase names");
    at = phases.insert(phases.end(), phase);
  }
  s.phase = static_cast<uint8_t>(at - phases.begin());
  steps.push_back(s);
  dependent_begin_.clear();
  dependent_list_.clear();
  dep_list_.insert(dep_list_.end(), deps.begin(), deps.end());
  dep_begin_.push_back(static_cast<uint32_t>(dep_list_.size()));
  return static_cast<uint32_t>(i);
}

StepDeps CollSchedule::dependents(size_t i) const {
  if (dependent_begin_.empty()) {  // count, prefix-sum, fill in step order (so each list ascends)
    const size_t n = steps.size();
    dependent_begin_.assign(n + 1, 0);
    for (uint32_t d : dep_list_) ++dependent_begin_[d + 1];
    for (size_t k = 0; k < n; ++k) dependent_begin_[k + 1] += dependent_begin_[k];
    dependent_list_.resize(dep_list_.size());
    std::vector<uint32_t> fill(dependent_begin_.begin(), dependent_begin_.end() - 1);
    for (size_t k = 0; k < n; ++k)
      for (uint32_t d : deps(k)) dependent_list_[fill[d]++] = static_cast<uint32_t>(k);
  }
  return {dependent_list_.data() + dependent_begin_[i], dependent_list_.data() + dependent_begin_[i + 1]};
}

uint64_t CollSchedule::sends() const {
  return static_cast<uint64_t>(
      std::count_if(steps.begin(), steps.end(), [](const CollStep& s) { return s.kind == CollStep::Kind::Send; }));
}

uint64_t CollSchedule::bytes_sent() const {
  uint64_t b = 0;
  for (const auto& s : steps)
    if (s.kind == CollStep::Kind::Send) b += s.data.bytes;
  return b;
}

uint64_t CollSchedule::bytes_sent(int gpu) const {
  uint64_t b = 0;
  for (const auto& s : steps)
    if (s.kind == CollStep::Kind::Send && s.src == gpu) b += s.data.bytes;
  return b;
}

ImplConfig parse_algorithm(const std::string& text, const std::string& where) {
  const SourceLoc loc{where, 0, 0};
  std::istringstream in(text);
  std::string name, word;
  in >> name;
  const auto names = Catalog::instance().names("collective");
  const CatalogEntry* e = Catalog::instance().find("collective", name);
  if (!e)
    throw ConfigError(loc, "",
                      fmt::format("no collective algorithm named '{}'; registered: {}", name, fmt::join(names, ", ")));
  ConfigPtr params = ConfigNode::make_map(loc);
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(loc, "", fmt::format("expected key=value after the algorithm name, got '{}'", word));
    params->set(word.substr(0, eq), ConfigNode::make_scalar(word.substr(eq + 1), loc), loc);
  }
  return ImplConfig{name, e->schema->normalize(params, name, loc)};
}

namespace detail {
namespace {
std::map<std::string, std::vector<CollOp>>& ops_by_algorithm() {
  static std::map<std::string, std::vector<CollOp>> m;
  return m;
}
}  // namespace

void register_collective_ops(const std::string& algo, std::vector<CollOp> ops) {
  ops_by_algorithm()[algo] = std::move(ops);
}

std::string ops_text(const std::vector<CollOp>& ops) {
  std::vector<std::string> names;
  for (CollOp op : ops) names.emplace_back(op_name(op));
  return fmt::format("{}", fmt::join(names, ", "));
}
}  // namespace detail

const std::vector<CollOp>& collective_ops(const std::string& algo) {
  static const std::vector<CollOp> none;
  const auto& m = detail::ops_by_algorithm();
  auto it = m.find(algo);
  return it == m.end() ? none : it->second;
}

void require_op(const std::string& algo, CollOp op) {
  const auto& ops = collective_ops(algo);
  if (std::find(ops.begin(), ops.end(), op) == ops.end())
    throw CollectiveError(fmt::format("collective algorithm '{}' does not implement {} (it does: {})", algo,
                                      op_name(op), detail::ops_text(ops)));
}

std::string algorithm_text(const ImplConfig& algo) {
  std::string out = algo.kind;
  if (algo.params)
    for (const auto& e : algo.params->entries)
      if (e.value && e.value->is_scalar()) out += fmt::format(" {}={}", e.key, e.value->scalar);
  return out;
}

ImplConfig normalised_algorithm(const ImplConfig& algo) {
  ImplConfig impl = algo;
  if (!impl.params) {
    const CatalogEntry* e = Catalog::instance().find("collective", impl.kind);
    if (!e) throw CollectiveError(fmt::format("no collective algorithm named '{}'", impl.kind));
    impl.params = e->schema->normalize(nullptr, impl.kind, {});
  }
  return impl;
}

void check_algorithm(const ImplConfig& algo, CollOp op) {
  const ImplConfig impl = normalised_algorithm(algo);
  require_op(impl.kind, op);
  CollectiveRegistry::instance().create(impl, nullptr);
}

CollSchedule build_schedule(const CollectiveRequest& req, const ImplConfig& algo, const Topology* topo) {
  const int p = static_cast<int>(req.group.size());
  if (p < 2)
    throw CollectiveRequestError("group", fmt::format("a collective needs at least 2 ranks, the group has {}", p));
  std::set<int> seen;
  for (int g : req.group) {
    if (g < 0 || (topo && g >= topo->num_gpus()))
      throw CollectiveRequestError(
          "group", topo ? fmt::format("GPU {} is not in the system (GPUs 0..{})", g, topo->num_gpus() - 1)
                        : fmt::format("GPU {} is negative", g));
    if (!seen.insert(g).second)
      throw CollectiveRequestError("group", fmt::format("GPU {} appears twice in the group", g));
  }
  if (req.bytes == 0) throw CollectiveRequestError("bytes", "a collective of 0 bytes moves nothing");
  if (req.root < 0 || req.root >= p)
    throw CollectiveRequestError("root",
                                 fmt::format("root {} is not a rank of the {}-rank group (0..{})", req.root, p, p - 1));
  const ImplConfig impl = normalised_algorithm(algo);
  require_op(impl.kind, req.op);
  const auto a = CollectiveRegistry::instance().create(impl, topo);
  ScheduleBuilder b(req.chunk, req.free_reductions);
  a->emit(b, CollView{req.op, req.group, req.bytes, 0, req.root});
  CollSchedule s = b.take();
  s.request = req;
  s.algorithm = impl.kind;
  s.space = data_space(req.op, req.bytes, p);
  return s;
}

}  // namespace litesim
