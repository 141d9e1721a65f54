// The merge (merge.h): the manifest and every point's result.json into results.csv and
// results.json, in point order, with nothing time- or host-dependent.
#include "study/sweep/merge.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/output_files.h"
#include "study/sweep/executor.h"
#include "study/sweep/point_kind.h"

namespace litesim {

namespace fs = std::filesystem;

nlohmann::json sweep_manifest(const SweepSpec& spec, const std::vector<SweepPoint>& points) {
  nlohmann::json m = {{"sweep", spec.name}, {"spec_digest", spec.digest}, {"kind", spec.kind}, {"axes", spec.paths()}};
  m["points"] = nlohmann::json::array();
  for (const auto& p : points) {
    nlohmann::json axes = nlohmann::json::object();
    for (const auto& a : p.settings) axes[a.path] = a.value;
    m["points"].push_back({{"id", p.id}, {"axes", axes}});
  }
  return m;
}

std::string csv_cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (!v.is_string()) return v.dump();
  const std::string& s = v.get_ref<const std::string&>();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv_table(const std::vector<std::string>& columns, const std::vector<nlohmann::json>& rows) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + columns[i];
  out += "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i)
      out += (i ? "," : "") + (r.contains(columns[i]) ? csv_cell(r.at(columns[i])) : std::string());
    out += "\n";
  }
  return out;
}

MergeReport merge_sweep(const std::string& out_dir, const std::string& version) {
  const fs::path mf = fs::path(out_dir) / kManifestFile;
  std::ifstream f(mf, std::ios::binary);
  const nlohmann::json m = f ? nlohmann::json::parse(f, nullptr, false) : nlohmann::json();
  if (m.is_discarded() || !m.is_object() || !m.contains("points") || !m.contains("axes"))
    throw ConfigError(SourceLoc{mf.string(), 0, 0}, "",
                      "not a sweep folder: expected the manifest written by `litesim sweep SPEC --out DIR`");
  // Metric columns: the kind's, else (a kind this program does not know) every metric seen, sorted.
  std::vector<std::string> columns;
  std::vector<nlohmann::json> results;
  for (const auto& p : m["points"])
    results.push_back(read_point_result(point_dir(out_dir, p["id"].get<std::string>())));
  if (const PointKind* k = PointKinds::instance().find(m.value("kind", ""))) {
    columns = k->columns;
  } else {
    std::set<std::string> seen;
    for (const auto& r : results)
      if (!r.is_null())
        for (const auto& [key, v] : r["metrics"].items()) seen.insert(key);
    columns.assign(seen.begin(), seen.end());
  }
  const std::vector<std::string> paths = m["axes"].get<std::vector<std::string>>();
  std::ostringstream csv;
  csv << "point";
  for (const auto& p : paths) csv << "," << csv_cell(p);
  csv << ",status";
  for (const auto& c : columns) csv << "," << c;
  csv << ",error\n";
  nlohmann::json rows = nlohmann::json::array();
  MergeReport rep;
  for (size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json& p = m["points"][i];
    const std::string id = p["id"].get<std::string>();
    const nlohmann::json& r = results[i];
    nlohmann::json row = {{"id", id}, {"axes", p["axes"]}};
    nlohmann::json metrics = nlohmann::json::object();
    std::string error;
    if (!r.is_null() && r.value("id", "") == id) {
      row["status"] = "ok";
      metrics = r["metrics"];
      ++rep.ok;
    } else {
      row["status"] = "failed";
      std::ifstream ff(fs::path(point_dir(out_dir, id)) / kFailedFile, std::ios::binary);
      const nlohmann::json fj = ff ? nlohmann::json::parse(ff, nullptr, false) : nlohmann::json();
      error = fj.is_object() && fj.contains("reason") ? fj["reason"].get<std::string>()
                                                      : std::string("no result.json (not run, or still running)");
      ++rep.failed;
    }
    row["metrics"] = metrics;
    if (!error.empty()) row["error"] = error;
    csv << csv_cell(id);
    for (const auto& path : paths) csv << "," << csv_cell(p["axes"].value(path, nlohmann::json()));
    csv << "," << row["status"].get<std::string>();
    for (const auto& c : columns) csv << "," << csv_cell(metrics.value(c, nlohmann::json()));
    csv << "," << csv_cell(error) << "\n";
    rows.push_back(row);
  }
  rep.points = results.size();
  const nlohmann::json out = {
      {"sweep", m["sweep"]}, {"spec_digest", m["spec_digest"]}, {"litesim_version", version}, {"points", rows}};
  put_output_file(out_dir, "results.csv", csv.str());
  put_output_file(out_dir, "results.json", out.dump(2) + "\n");
  return rep;
}

}  // namespace litesim
