#include "testbenches/trace_cmd.h"

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "core/error.h"
#include "traces/chakra/chakra.h"
#include "traces/trace_io.h"

namespace litesim {

void convert_trace(const std::string& in, const std::string& out) {
  const Trace t = read_any_trace(in);
  check_trace(t, t.gpus, in);
  if (!is_native_trace_path(out)) {
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
