#pragma once
// The internal workload form: one op DAG per rank (GPU). Every reader and generator produces it;
// the runner executes it. See docs/workload-format.md for the file format (litesim-workload/1).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "hw/die/kernel.h"

namespace litesim {

enum class OpKind { Kernel, Send, Recv };

struct Op {
  std::string id;  // unique within its rank
  OpKind kind = OpKind::Kernel;
  std::vector<int> deps;  // indices into the rank's ops
  // kernel
  KernelDesc kernel;
  // send / recv
  int peer = -1;  // to (send) / from (recv)
  uint64_t bytes = 0;
  int64_t tag = 0;
  SourceLoc loc;  // where the op was written
};

struct Rank {
  int rank = 0;
  std::vector<Op> ops;
};

struct Workload {
  std::string name;
  std::string file;
  std::string digest;       // FNV-1a of the file text
  int gpus = 0;             // ranks the workload needs
  std::vector<Rank> ranks;  // index = rank
};

// Reads a litesim-workload/1 YAML file; every error names file:line and the key.
Workload read_workload(const std::string& path);
// Checks it against a system with `gpus` GPUs (ranks in range, sends matched by receives).
void check_workload(const Workload& w, int gpus, const std::string& system_label);

}  // namespace litesim
