#pragma once
// Kernel-level traces, in two forms (docs/trace-format.md):
//  - TraceDoc, the *program* form of the native format `litesim-trace/1`: per rank (or per list of
//    ranks sharing one program) a block of ops and `repeat` blocks, dependencies by name. It is what
//    the YAML reader produces, what the LLM generator builds and what the writer prints, so a
//    126-layer model stays a few hundred lines.
//  - Trace, the *flat* form every run uses: per rank the expanded list of ops in issue order, with
//    dependencies as indices, streams and rank groups resolved and checked. Chakra import produces it
//    directly; expand() produces it from a TraceDoc.
// Execution semantics (traces/runner/): each rank has named streams (`compute`, `comm`, and any
// other an op names); ops on one stream run one at a time in issue order, each once its
// dependencies are done; streams overlap.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "fabric/collective/collective.h"
#include "hw/die/kernel.h"

namespace litesim {

enum class TraceOpKind {
  Kernel,       // a compute kernel on the die (stream `compute` by default)
  Load,         // `bytes` read from the GPU's own HBM by its copy engine (`compute`)
  Store,        // `bytes` written into the GPU's own HBM by its copy engine (`compute`)
  RemoteRead,   // `bytes` of `peer`'s HBM fetched over the fabric into this GPU's HBM (`comm`)
  RemoteWrite,  // `bytes` of this GPU's HBM written into `peer`'s HBM over the fabric (`comm`)
  Send,         // point-to-point: `bytes` to `peer`, matched by a Recv there (`comm`)
  Recv,         // completes when the matching Send from `peer` has been delivered (`comm`)
  Collective,   // `coll` over rank group `group` (`comm`); every member issues it
  Barrier,      // every member of `group` has reached it (`comm`)
  Delay,        // occupies its stream for `duration` (host work, a kernel timed elsewhere) (`compute`)
};
const char* trace_op_name(TraceOpKind k);
// The default stream of each kind: "compute" or "comm".
const char* default_stream(TraceOpKind k);
// Its index in Trace::streams: 0 (compute) or 1 (comm).
int default_stream_index(TraceOpKind k);

// The bytes of a load, store, remote read or write, send or recv (one transfer, unlike a
// collective's) must be below this: one TLM payload's data_length.
inline constexpr uint64_t kMessageLimit = uint64_t{1} << 32;

// --- flat form ---------------------------------------------------------------------------------

struct TraceOp {
  std::string id;    // unique within the rank: "qkv", "layer[3].qkv" (repeat iterations)
  std::string name;  // the id as written, without repeat prefixes: what the tables group by
  TraceOpKind kind = TraceOpKind::Kernel;
  int stream = 0;                   // index into Trace::streams
  std::vector<uint32_t> deps;       // indices into the rank's ops
  KernelDesc kernel;                // Kernel
  int peer = -1;                    // Send: to; Recv: from; RemoteRead/RemoteWrite: the GPU whose HBM
  uint64_t bytes = 0;               // Load, Store, Remote*, Send, Recv, Collective (nccl-tests convention)
  int64_t tag = 0;                  // Send, Recv
  CollOp coll = CollOp::AllReduce;  // Collective
  int group = -1;                   // Collective, Barrier: index into Trace::groups
  int root = 0;                     // Collective broadcast/reduce: the root's index in the group
  std::string algo;                 // Collective: algorithm kind; empty: the system's fabric.collective choice
  Time duration;                    // Delay
  SourceLoc loc;                    // where it was written (a repeated op: its line in the repeat body)
};

struct TraceRank {
  int rank = 0;
  std::vector<TraceOp> ops;  // issue order
};

struct RankGroup {
  std::string name;
  std::vector<int> ranks;  // ranks[i] is collective rank i
  SourceLoc loc;
};

struct Trace {
  std::string name;
  std::string file;
  std::string digest;  // FNV-1a of the file bytes
  int gpus = 0;
  std::vector<std::string> streams{"compute", "comm"};  // 0 and 1 always; others by first use
  std::vector<RankGroup> groups;
  std::vector<TraceRank> ranks;  // index = rank; ranks without a program have no ops
  size_t op_count() const;
};

// Group 0 of every trace: all `gpus` ranks in order, named "world".
RankGroup world_group(int gpus);

// --- program form (litesim-trace/1) ------------------------------------------------------------

struct OpSpec {
  std::string id;
  TraceOpKind kind = TraceOpKind::Kernel;
  std::string stream;              // empty: the kind's default
  std::vector<std::string> after;  // names (docs/trace-format.md): ID, prev.ID, REPEAT.ID
  KernelDesc kernel;
  // peer: `peer` itself, or this rank + peer_offset when relative ("rank+1")
  int peer = -1;
  bool peer_relative = false;
  int peer_offset = 0;
  uint64_t bytes = 0;
  int64_t tag = 0;
  CollOp coll = CollOp::AllReduce;
  std::string group;
  int root = 0;
  std::string algo;
  Time duration;
  SourceLoc loc;
  std::vector<SourceLoc> after_loc;  // one per `after` name
};

struct Block;
struct Repeat {
  std::string id = "repeat";  // iteration i of its ops is named "<id>[i].<op>"
  int64_t count = 1;
  std::shared_ptr<Block> body;
  SourceLoc loc;
};

struct BlockItem {
  bool is_repeat = false;
  OpSpec op;
  Repeat repeat;
};

struct Block {
  std::vector<BlockItem> items;
};

struct RankProgram {
  std::vector<int> ranks;  // the ranks that run this program (SPMD)
  Block body;
  SourceLoc loc;
};

struct TraceDoc {
  std::string name;
  int gpus = 0;
  std::vector<RankGroup> groups;
  std::vector<RankProgram> programs;
  std::string file;    // set by the reader
  std::string digest;  // set by the reader
};

// Reads a trace file: litesim-trace/1 YAML (.yaml, .yml). Every error is a ConfigError naming
// file:line, the key and what was expected.
Trace read_trace(const std::string& path);
TraceDoc read_trace_doc(const std::string& path);
TraceDoc parse_trace_doc(const std::string& text, const std::string& label);
// The flat form of a program: repeats expanded, names resolved (unknown name, duplicate id,
// dependency cycle, rank out of range are ConfigErrors at the op's line), groups checked.
Trace expand(const TraceDoc& doc);
// The program form of a flat trace, one program per rank with ops (no repeats), for the YAML
// writer. Op ids that are not names in the native format ("layer[0].qkv", "aten::mm") have every
// other character replaced by '_', and ids that then clash get a suffix "-2", "-3", ...
TraceDoc trace_to_doc(const Trace& t);
// Prints the program form as litesim-trace/1 YAML (read back by read_trace_doc unchanged).
void write_trace(const TraceDoc& doc, std::ostream& out);

// Kahn's algorithm over deps[i] (the nodes node i waits for), taking the ready node of lowest index
// first, so an order that already respects the dependencies is kept. With a cycle it returns an
// empty order and sets *on_cycle to a node on the cycle.
std::vector<uint32_t> stable_topological_order(const std::vector<std::vector<uint32_t>>& deps, uint32_t* on_cycle);

// Which ops meet across ranks, as a run pairs them: the n-th send of (source, destination, tag)
// meets the n-th recv of that key; the n-th collective or barrier each member issues on a group is
// instance (group, n) on every member.
using OpRef = std::pair<int, uint32_t>;  // (rank, op index)
struct TraceMatch {
  struct Message {
    OpRef send, recv;
  };
  struct Collective {
    int group = -1;
    size_t seq = 0;          // n-th on its group
    std::vector<OpRef> ops;  // one per member, in group order
  };
  std::vector<Message> messages;        // one per send, in (rank, op) order of the sends
  std::vector<Collective> collectives;  // in (rank, op) order of their first op
};
// Throws a ConfigError at the first op that meets nothing: a send without its recv (by key) or a
// recv of another size, a recv without its send, then a group member whose n-th op on the group is
// another collective, a barrier or missing. Expects the readers' invariants: a group lists each
// rank once, and an op's rank is a member of its group.
TraceMatch match_trace(const Trace& t);

// Checks a trace against a system with `gpus` GPUs: the trace's GPU count (at most the system's:
// rank r runs on GPU r, GPUs above the trace's idle), then that every op meets its counterparts
// (match_trace): every send matched by a recv of the same size (n-th with n-th per (source,
// destination, tag)), and every group's members issuing the same collectives and barriers in the
// same order.
void check_trace(const Trace& t, int gpus, const std::string& system_label);

}  // namespace litesim
