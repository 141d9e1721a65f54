#pragma once
// The collective testbench (`litesim tb collective`): one collective run as real traffic over a
// system's fabric alone (no dies, no HBM), timed and reported nccl-tests style.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/params.h"
#include "core/units.h"
#include "fabric/collective/collective.h"
#include "core/output_files.h"
#include "traces/system/system_config.h"

namespace litesim {

struct CollectiveTbConfig {
  CollOp op = CollOp::AllReduce;
  ImplConfig algo;          // from parse_algorithm or the system's fabric.collective.algorithm
  std::string algo_text;    // as given (algorithm_text when from the system), for reports
  std::string algo_source;  // "--algo" or the config key it came from, for reports
  uint64_t bytes = 0;       // nccl-tests convention (CollOp)
  uint64_t chunk = 0;       // 0: transfers whole
  std::vector<int> group;   // empty: every GPU of the system in rank order
  int root = 0;
  int iters = 1;              // back to back; each starts when the previous one has finished
  DataRate reduce_bandwidth;  // 0: reductions not modelled (ExecutorParams)
  int connection_window = 0;  // 0: unlimited (ExecutorParams)
  // The collective as `chunks` collectives of bytes / chunks each (split_even), issued together
  // (pipelined: they share the links, a connection's messages in issue order) or one after the
  // other (sequential: chunk i+1 starts when chunk i has completed everywhere).
  int chunks = 1;
  bool sequential = false;
};

struct CollectiveTbResult {
  nlohmann::json tb;                 // the summary's `collective_tb` object (the first op's row)
  std::vector<nlohmann::json> rows;  // one per op, in run order
  nlohmann::json energy;             // the whole run: energy_pJ, pJ_per_bit, bytes_delivered, sim_time_ns
  std::string human;                 // the one-screen text summary
};

// Builds the fabric of `rs`, runs the collective (one simulation: call once per process) and
// reports: op, algo, algo_text, algo_source, gpus, group, bytes, chunk, connection_window, iters, time_ns (mean per
// iteration), iter_time_ns, algbw_GBps (bytes / time), busbw_GBps (algbw x busbw_factor), bytes_injected,
// bytes_delivered, messages, steps, energy_pJ (the whole ledger, closed at the end) and pJ_per_bit (per bit delivered),
// sim_time_ns. Throws CollectiveError for a request the algorithm cannot do and SimError when the collective cannot
// finish.
CollectiveTbResult run_collective_tb(const ResolvedSystem& rs, const CollectiveTbConfig& c);
// Several ops in one simulation (SystemC allows one per process), one after the other, each its
// iterations back to back: a row per op; energy only for the whole run (in every row only when
// there is one op).
// `steps_csv`, when given, receives one row per step of every iteration (op,iter,chunk, then
// CollectiveExecutor::csv_header()), written only once the run has succeeded; without it no
// per-step times are kept at all.
CollectiveTbResult run_collective_tb(const ResolvedSystem& rs, const std::vector<CollectiveTbConfig>& configs,
                                     OutputStream* steps_csv = nullptr);

}  // namespace litesim
