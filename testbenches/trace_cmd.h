#pragma once
// `litesim trace convert IN OUT`: a trace from one format into the other. A path ending in .yaml or
// .yml is the native format (litesim-trace/1); anything else is a Chakra ET prefix (files
// `<prefix>.<rank>.et` and `<prefix>.groups.json`, or one rank file naming the prefix).
#include <string>

#include <CLI/CLI.hpp>

namespace litesim {

// Adds `trace` and its subcommands to `app`. They run from their CLI11 callbacks and end the
// parse: CLI::Success on success, CLI::RuntimeError(2) after printing a bad-input error.
struct TraceConvertOptions {
  std::string in, out;
};
// `litesim trace convert IN OUT`: returns the `convert` subcommand; main runs run_trace_convert.
CLI::App* add_trace_cmd(CLI::App& app, TraceConvertOptions& o);
int run_trace_convert(const TraceConvertOptions& o);

// Reads IN, checks it (check_trace) and writes OUT. Errors are ConfigErrors naming the file.
void convert_trace(const std::string& in, const std::string& out);

}  // namespace litesim
