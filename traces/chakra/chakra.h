#pragma once
// MLCommons Chakra execution traces (ET) <-> the flat trace form (docs/trace-format.md, "Chakra
// execution traces"). A Chakra trace is one file per rank, `<prefix>.<rank>.et`: varint-length-
// delimited protobuf records (schema traces/chakra/et_def.proto), a GlobalMetadata first, then
// one Node per record. Communicator groups other than "all ranks" live in `<prefix>.groups.json`,
// ASTRA-sim's comm-group file ({"1": [0, 1, ...], ...}), named by each node's `pg_name`.
#include <string>

#include "traces/trace/trace.h"

namespace litesim {

// "dir/w.3.et" -> "dir/w"; anything else is already a prefix and comes back unchanged.
std::string chakra_prefix(const std::string& prefix_or_path);
// `<prefix>.<rank>.et` and `<prefix>.groups.json`.
std::string chakra_rank_file(const std::string& prefix, int rank);
std::string chakra_groups_file(const std::string& prefix);
// A prefix must end in a file name part ("out/model", not "out/"): a ConfigError otherwise.
void check_chakra_prefix(const std::string& prefix);

// Reads every rank file of a prefix (or of the prefix of one rank file), record by record. The
// rank count is the number of files; ranks 0..N-1 must all be there. Nodes become ops in a
// topological order that keeps the file order wherever the dependencies allow; COMP and MEM
// nodes go on stream `compute`, COMM nodes on `comm`. Every error is a ConfigError naming the
// file, the node (file:K is the K-th node record of the file) and what was expected.
Trace read_chakra(const std::string& prefix_or_path);

// Writes `<prefix>.<rank>.et` for every rank (a rank without ops gets the metadata record only)
// and, when the trace has groups besides all ranks, `<prefix>.groups.json`; rank files of higher
// ranks and a groups file left by an earlier export to the same prefix are removed. Ops that
// Chakra cannot express (remote_read, remote_write) are a ConfigError at the op.
void write_chakra(const Trace& t, const std::string& prefix);

}  // namespace litesim
