// The point-kind registry and the one-point runner behind `litesim sweep point DIR`: point.yaml in,
// the kind's outputs and result.json (last, atomically) out.
#include "study/sweep/point_kind.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/output_files.h"

namespace litesim {

PointKinds& PointKinds::instance() {
  static PointKinds k;
  return k;
}

void PointKinds::add(PointKind k) {
  for (auto& e : kinds_)
    if (e.name == k.name) {
      e = std::move(k);
      return;
    }
  kinds_.push_back(std::move(k));
}

const PointKind* PointKinds::find(const std::string& name) const {
  for (const auto& e : kinds_)
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> PointKinds::names() const {
  std::vector<std::string> n;
  for (const auto& e : kinds_) n.push_back(e.name);
  return n;
}

namespace {
std::string read_text(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
}  // namespace

void run_point_dir(const std::string& dir, const std::string& configs) {
  const std::string file = (std::filesystem::path(dir) / kPointFile).string();
  const ConfigPtr point = load_yaml_file(file);
  if (!point->is_map()) throw ConfigError(point->loc, "", "a point file must be a mapping (kind, id, axes, ...)");
  const ConfigPtr kind = point->find("kind");
  const PointKind* k = kind && kind->is_scalar() ? PointKinds::instance().find(kind->scalar) : nullptr;
  if (!k)
    throw ConfigError(kind ? kind->loc : point->loc, "kind",
                      fmt::format("expected a point kind: {}", fmt::join(PointKinds::instance().names(), ", ")));
  const ConfigPtr id = point->find("id");
  if (!id || !id->is_scalar()) throw ConfigError(point->loc, "id", "missing the point's id");
  nlohmann::json axes = nlohmann::json::object();
  if (const ConfigPtr a = point->find("axes"); a && a->is_map())
    for (const auto& e : a->entries) axes[e.key] = flow_yaml(*e.value);
  // A result.json from an earlier attempt must not outlive this one's failure.
  std::filesystem::remove(std::filesystem::path(dir) / kResultFile);
  const nlohmann::json metrics = k->run(point, dir, configs);
  // point_digest: the point.yaml this result is of (a result of another point.yaml is stale).
  nlohmann::json result = {{"id", id->scalar},
                           {"kind", k->name},
                           {"axes", axes},
                           {"metrics", metrics},
                           {"point_digest", fnv1a_hex(read_text(file))}};
  // Written beside its name, synced and renamed over it (atomic on one filesystem): complete or absent.
  put_output_file(dir, kResultFile, result.dump(2) + "\n", true);
}

nlohmann::json read_point_result(const std::string& dir) {
  std::ifstream f(std::filesystem::path(dir) / kResultFile, std::ios::binary);
  if (!f) return nullptr;
  nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("metrics")) return nullptr;
  // a result of another point.yaml than the folder's (the point changed since) is stale: none
  if (j.contains("point_digest") &&
      j["point_digest"] != fnv1a_hex(read_text((std::filesystem::path(dir) / kPointFile).string())))
    return nullptr;
  return j;
}

ConfigPtr point_field(const ConfigPtr& point, const std::string& key) {
  ConfigPtr v = point->find(key);
  if (!v) throw ConfigError(point->loc, key, "missing from the point file");
  return v;
}

ResolvedSystem point_system(const ConfigPtr& point, const std::string& dir, const std::string& configs) {
  ResolvedSystem rs;
  static_cast<Resolved<SystemParams>&>(rs) =
      resolve_block<SystemParams>(point_field(point, "system")->clone(), {}, configs, "system", "system");
  rs.source = (std::filesystem::path(dir) / kPointFile).string();
  return rs;
}

RunResult simulate_point(const ResolvedSystem& system, const Trace& trace, uint64_t seed, const std::string& dir,
                         const std::string& version) {
  const auto t0 = std::chrono::steady_clock::now();
  RunResult r = simulate(system, trace, seed, false);
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  const nlohmann::json info = {
      {"litesim_version", version},
      {"command_line", "litesim sweep point " + dir},
      {"host", host},
      {"wall_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()},
      {"point_file", (std::filesystem::path(dir) / kPointFile).string()}};
  write_outputs(dir, r, info);
  return r;
}

}  // namespace litesim
