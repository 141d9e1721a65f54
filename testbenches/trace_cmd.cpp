#include "testbenches/trace_cmd.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "traces/chakra/chakra.h"

namespace litesim {

namespace {

bool is_yaml(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

std::string as_name(const std::string& id) {
  std::string s = id.empty() ? "op" : id;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  return s;
}

}  // namespace

TraceDoc trace_to_doc(const Trace& t) {
  TraceDoc d;
  d.name = t.name.empty() ? "trace" : t.name;
  d.gpus = t.gpus;
  d.groups.assign(t.groups.begin() + (t.groups.empty() ? 0 : 1), t.groups.end());  // all but `world`
  for (const TraceRank& r : t.ranks) {
    if (r.ops.empty()) continue;
    std::vector<std::string> names;
    std::set<std::string> used;
    for (const TraceOp& op : r.ops) {
      const std::string base = as_name(op.id);
      std::string n = base;
      for (int k = 2; !used.insert(n).second; ++k) n = fmt::format("{}-{}", base, k);
      names.push_back(n);
    }
    RankProgram p;
    p.ranks = {r.rank};
    for (size_t i = 0; i < r.ops.size(); ++i) {
      const TraceOp& op = r.ops[i];
      BlockItem item;
      OpSpec& o = item.op;
      o.id = names[i];
      o.kind = op.kind;
      const std::string& stream = t.streams.at(static_cast<size_t>(op.stream));
      if (stream != default_stream(op.kind)) o.stream = stream;
      for (uint32_t dep : op.deps) o.after.push_back(names.at(dep));
      o.kernel = op.kernel;
      o.peer = op.peer;
      o.bytes = op.bytes;
      o.tag = op.tag;
      o.coll = op.coll;
      if (op.group >= 0) o.group = t.groups.at(static_cast<size_t>(op.group)).name;
      o.root = op.root;
      o.algo = op.algo;
      o.duration = op.duration;
      p.body.items.push_back(std::move(item));
    }
    d.programs.push_back(std::move(p));
  }
  return d;
}

void convert_trace(const std::string& in, const std::string& out) {
  const Trace t = is_yaml(in) ? read_trace(in) : read_chakra(in);
  check_trace(t, t.gpus, in);
  if (!is_yaml(out)) {
    write_chakra(t, chakra_prefix(out));
    return;
  }
  std::ofstream f(out, std::ios::trunc);
  if (!f) throw ConfigError(SourceLoc{out, 0, 0}, "trace", "cannot create the output file");
  write_trace(trace_to_doc(t), f);
  f.close();
  if (!f) throw ConfigError(SourceLoc{out, 0, 0}, "trace", "cannot write the output file");
}

CLI::App* add_trace_cmd(CLI::App& app, TraceConvertOptions& o) {
  auto* trace = app.add_subcommand("trace", "trace files: convert between the native format and Chakra ET");
  trace->require_subcommand(1);
  auto* convert = trace->add_subcommand(
      "convert", "convert IN to OUT: .yaml/.yml is litesim-trace/1, anything else a Chakra ET prefix (PREFIX.RANK.et)");
  convert->add_option("IN", o.in, "the trace to read")->required();
  convert->add_option("OUT", o.out, "the trace to write")->required();
  return convert;
}

int run_trace_convert(const TraceConvertOptions& o) {
  convert_trace(o.in, o.out);
  std::cout << fmt::format("{} -> {}\n", o.in, o.out);
  return 0;
}

}  // namespace litesim
