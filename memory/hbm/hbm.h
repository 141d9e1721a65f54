#pragma once
// The HBM of one package, whatever its model. Every model is an sc_module with a TLM-2.0 target
// socket (LT b_transport and AT four-phase) and registers itself by name in category
// "hbm-model", chosen by `package.hbm.kind`:
//   simple: one pipe at bandwidth x efficiency plus a fixed latency (hbm_controller.h), for closed
//           forms and quick studies;
//   dram:   the cycle-approximate stacks, pseudo-channels, banks and controllers (hbm_dram.h).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>
#include <tlm>

#include "core/params.h"
#include "core/registry.h"
#include "core/sim_context.h"

namespace litesim {

class Hbm {
 public:
  virtual ~Hbm() = default;
  virtual tlm::tlm_target_socket<>& socket() = 0;
  virtual const char* hbm_name() const = 0;  // the SystemC name (ledger account, stats)
  virtual uint64_t capacity() const = 0;
  virtual double peak_bytes_per_s() const = 0;  // data pins x rate, all stacks
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_written() const = 0;
  virtual uint64_t requests() const = 0;
  virtual const Histogram& latency_ns() const = 0;
  // Fraction of [0, end] the data path moved data.
  virtual double utilization(Time end) const = 0;
  // Called once when the simulation has ended, before the energy ledger closes.
  virtual void finish(Time /*end*/) {}
  // Model-specific figures for summary.json (row hit rate, refresh, energy parts, ...).
  virtual nlohmann::json details(Time end) const = 0;
  // Bytes read + written over time, each placed where its data moved (timeline.json's HBM track);
  // nullptr for a model that keeps none.
  virtual const WindowedSum* traffic() const { return nullptr; }
};

using HbmRegistry = Registry<Hbm, const char*, SimContext&>;

// Capacity and peak bandwidth of a package's HBM from its config alone (no module built), for
// package summaries and cost. Each kind registers how it derives them, next to its factory.
struct HbmFacts {
  uint64_t capacity = 0;
  double peak_bytes_per_s = 0;
};
using HbmFactsFn = HbmFacts (*)(const ConfigPtr& params);
void register_hbm_facts(const std::string& kind, HbmFactsFn f);
HbmFacts hbm_facts(const ImplConfig& c);

}  // namespace litesim
