#pragma once
// A trace file in either format, told apart by its name: a path ending in .yaml or .yml is the
// native format (litesim-trace/1, traces/trace/trace.h); anything else is a Chakra ET prefix
// (files `<prefix>.<rank>.et` and `<prefix>.groups.json`) or one rank file naming the prefix
// (traces/chakra/chakra.h).
#include <string>

#include "traces/trace/trace.h"

namespace litesim {

// True for a native trace path (.yaml, .yml), false for a Chakra ET prefix or rank file.
bool is_native_trace_path(const std::string& path);

// Reads either format into the flat form (read_trace or read_chakra). Errors are ConfigErrors
// naming the file.
Trace read_any_trace(const std::string& path);

}  // namespace litesim
