#pragma once
// timeline.json: a finished run as Chrome trace-event JSON, for ui.perfetto.dev and chrome://tracing
// (docs/outputs.md). Per GPU a process (pid rank + 1) with a thread per stream holding one complete
// event per op and a counter of its HBM's bandwidth; a process `fabric` (pid GPUs + 1) with a counter
// of each link direction's serialiser utilisation. Counters are windowed: the run is cut into at
// most `max_windows` windows of one width, 1 ns x 2^j. Deterministic: the same run gives the same
// bytes.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "core/units.h"

namespace litesim {

class System;
class Runner;

struct TimelineLimits {
  size_t max_ops = 500000;    // op events at most: the ops that start first (ties: by rank, then issue order)
  size_t max_windows = 2048;  // counter windows over the run at most
};

// `metadata` (version, system, workload, digests, ...) goes into the top-level `metadata` object,
// with the timeline's own figures (ops written, window width) added.
std::string timeline_json(const System& sys, const Runner& runner, Time end, nlohmann::json metadata,
                          const TimelineLimits& limits = {});

}  // namespace litesim
