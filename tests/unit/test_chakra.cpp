// Chakra ET import and export (traces/chakra). The hand-made traces are written byte by byte from
// the published wire format (field numbers, wire types, enum values), independently of the
// generated protobuf classes the code under test uses; the expected ops are worked out by hand.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <nlohmann/json.hpp>

#include "traces/chakra/chakra.h"
#include "traces/chakra/et_def.pb.h"

using namespace litesim;
namespace fs = std::filesystem;

namespace {

// --- a protobuf encoder for the tests ------------------------------------------------------------

struct Pb {
  std::string s;
  Pb& varint(uint64_t v) {
    while (v >= 0x80) {
      s += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    s += static_cast<char>(v);
    return *this;
  }
  Pb& u(int field, uint64_t v) { return varint(static_cast<uint64_t>(field) << 3 | 0).varint(v); }
  Pb& len(int field, const std::string& b) {
    varint(static_cast<uint64_t>(field) << 3 | 2).varint(b.size());
    s += b;
    return *this;
  }
  Pb& msg(int field, const Pb& m) { return len(field, m.s); }
};

// Node fields (et_def.proto): id 1, name 2, type 3, ctrl_deps 4, data_deps 5, duration_micros 7,
// attr 10. AttributeProto: name 1, int32_val 7, int64_val 9, uint64_val 13, bool_val 27,
// string_val 29.
enum Type { METADATA = 1, MEM_LOAD = 2, MEM_STORE = 3, COMP = 4, SEND = 5, RECV = 6, COLL = 7 };
enum Comm { ALL_REDUCE = 0, ALL_GATHER = 2, GATHER = 3, BARRIER = 9 };

Pb a_i32(const std::string& n, int32_t v) { return Pb().len(1, n).u(7, static_cast<uint64_t>(int64_t{v})); }
Pb a_i64(const std::string& n, int64_t v) { return Pb().len(1, n).u(9, static_cast<uint64_t>(v)); }
Pb a_u64(const std::string& n, uint64_t v) { return Pb().len(1, n).u(13, v); }
Pb a_str(const std::string& n, const std::string& v) { return Pb().len(1, n).len(29, v); }

struct NodeSpec {
  uint64_t id;
  std::string name;
  int type;
  std::vector<Pb> attrs;
  std::vector<uint64_t> data_deps = {};
  std::vector<uint64_t> ctrl_deps = {};  // written unpacked, one field per id
  uint64_t duration = 0;
};

Pb node(const NodeSpec& n) {
  Pb p;
  p.u(1, n.id).len(2, n.name).u(3, static_cast<uint64_t>(n.type));
  for (uint64_t c : n.ctrl_deps) p.u(4, c);
  if (!n.data_deps.empty()) {  // packed
    Pb packed;
    for (uint64_t d : n.data_deps) packed.varint(d);
    p.len(5, packed.s);
  }
  if (n.duration) p.u(7, n.duration);
  for (const Pb& a : n.attrs) p.msg(10, a);
  return p;
}

std::string et_file(const std::vector<NodeSpec>& nodes) {
  Pb f;
  const Pb meta = Pb().len(1, "0.0.4");
  f.varint(meta.s.size()).s += meta.s;
  for (const NodeSpec& n : nodes) {
    const Pb p = node(n);
    f.varint(p.s.size()).s += p.s;
  }
  return f.s;
}

// A fresh folder per test (tests run in parallel processes), removed when the test ends.
struct Scratch {
  std::string dir;
  Scratch() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = (fs::temp_directory_path() / fmt::format("litesim-chakra-{}-{}", info->name(), getpid())).string();
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
};

void put(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// --- the hand-made two-rank trace -----------------------------------------------------------------

// Rank 0 lists `ar` before the `gemm` it depends on; rank 1 lists `ag` before `ar`, and its
// barrier depends on a METADATA node, which is dropped. Groups: pg "1" = ranks [1, 0].
std::vector<NodeSpec> rank0_nodes() {
  return {
      {10, "ar", COLL, {a_i64("comm_type", ALL_REDUCE), a_i64("comm_size", 1 << 20), a_str("pg_name", "")}, {20}},
      {20, "gemm", COMP, {a_i64("num_ops", 2'000'000'000), a_u64("tensor_size", 3 << 20)}},
      {30,
       "send",
       SEND,
       {a_i32("comm_src", 0), a_i32("comm_dst", 1), a_i32("comm_tag", 7), a_i64("comm_size", 4096)},
       {},
       {10}},
      {40, "host", COMP, {}, {}, {}, 5},
      {5, "load", MEM_LOAD, {a_u64("tensor_size", 8192)}, {40}},
      {50, "ag", COLL, {a_i64("comm_type", ALL_GATHER), a_i64("comm_size", 2048), a_str("pg_name", "1")}, {10}},
      {60, "bar", COLL, {a_i64("comm_type", BARRIER), a_str("pg_name", "0")}, {50, 30}},
  };
}

std::vector<NodeSpec> rank1_nodes() {
  return {
      {7, "ag", COLL, {a_i64("comm_type", ALL_GATHER), a_u64("comm_size", 2048), a_str("pg_name", "1")}, {8}},
      {8, "ar", COLL, {a_i64("comm_type", ALL_REDUCE), a_i64("comm_size", 1 << 20)}},
      {9,
       "recv",
       RECV,
       {a_i32("comm_src", 0), a_i32("comm_dst", 1), a_i32("comm_tag", 7), a_i64("comm_size", 4096)},
       {8}},
      {11, "meta", METADATA, {}},
      {12, "bar", COLL, {a_i64("comm_type", BARRIER)}, {11, 9}},
  };
}

std::string write_hand_trace(const std::string& dir) {
  const std::string prefix = dir + "/hand";
  put(prefix + ".0.et", et_file(rank0_nodes()));
  put(prefix + ".1.et", et_file(rank1_nodes()));
  put(prefix + ".groups.json", R"({"1": [1, 0]})");
  return prefix;
}

struct Expect {
  std::string id;
  TraceOpKind kind;
  const char* stream;
  std::vector<uint32_t> deps;
};

void expect_ops(const Trace& t, int rank, const std::vector<Expect>& want) {
  const auto& ops = t.ranks[static_cast<size_t>(rank)].ops;
  ASSERT_EQ(ops.size(), want.size()) << "rank " << rank;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(fmt::format("rank {} op {}", rank, i));
    EXPECT_EQ(ops[i].id, want[i].id);
    EXPECT_EQ(ops[i].kind, want[i].kind);
    EXPECT_EQ(t.streams[static_cast<size_t>(ops[i].stream)], want[i].stream);
    EXPECT_EQ(ops[i].deps, want[i].deps);
  }
}

}  // namespace

TEST(Chakra, HandMadeTraceImports) {
  const Scratch scratch;
  const std::string prefix = write_hand_trace(scratch.dir);
  const Trace t = read_chakra(prefix);
  check_trace(t, 2, "test");
  EXPECT_EQ(t.gpus, 2);
  ASSERT_EQ(t.groups.size(), 2u);
  EXPECT_EQ(t.groups[0].ranks, (std::vector<int>{0, 1}));
  EXPECT_EQ(t.groups[1].ranks, (std::vector<int>{1, 0}));
  // Rank 0: the ready node that comes first in the file goes first: gemm (ar waits for it), ar,
  // send (after ar), host, load (after host), ag (after ar), bar (after ag and send).
  expect_ops(t, 0,
             {{"gemm", TraceOpKind::Kernel, "compute", {}},
              {"ar", TraceOpKind::Collective, "comm", {0}},
              {"send", TraceOpKind::Send, "comm", {1}},
              {"host", TraceOpKind::Delay, "compute", {}},
              {"load", TraceOpKind::Load, "compute", {3}},
              {"ag", TraceOpKind::Collective, "comm", {1}},
              {"bar", TraceOpKind::Barrier, "comm", {2, 5}}});
  // Rank 1: ar, then ag and recv after it; meta is dropped, so bar waits for recv only.
  expect_ops(t, 1,
             {{"ar", TraceOpKind::Collective, "comm", {}},
              {"ag", TraceOpKind::Collective, "comm", {0}},
              {"recv", TraceOpKind::Recv, "comm", {0}},
              {"bar", TraceOpKind::Barrier, "comm", {2}}});
  const auto& r0 = t.ranks[0].ops;
  EXPECT_EQ(r0[0].kernel.kind, KernelKind::Generic);
  EXPECT_EQ(r0[0].kernel.flops, 2e9);
  EXPECT_EQ(r0[0].kernel.bytes_read, 3u << 20);
  EXPECT_EQ(r0[0].kernel.bytes_written, 0u);
  EXPECT_EQ(r0[1].coll, CollOp::AllReduce);
  EXPECT_EQ(r0[1].bytes, 1u << 20);
  EXPECT_EQ(r0[1].group, 0);
  EXPECT_EQ(r0[2].peer, 1);
  EXPECT_EQ(r0[2].tag, 7);
  EXPECT_EQ(r0[2].bytes, 4096u);
  EXPECT_EQ(r0[3].duration.ps, 5'000'000);
  EXPECT_EQ(r0[4].bytes, 8192u);
  EXPECT_EQ(r0[5].coll, CollOp::AllGather);
  EXPECT_EQ(r0[5].group, 1);
  EXPECT_EQ(r0[5].bytes, 2048u);
  EXPECT_EQ(r0[6].group, 0);
  EXPECT_EQ(t.ranks[1].ops[2].peer, 0);
  EXPECT_EQ(t.ranks[1].ops[1].bytes, 2048u) << "a uint64_val comm_size reads as well";
  // file:K names the K-th node record
  EXPECT_EQ(r0[0].loc.file, prefix + ".0.et");
  EXPECT_EQ(r0[0].loc.line, 2);
  // one rank file names the whole trace
  EXPECT_EQ(read_chakra(prefix + ".1.et").op_count(), 11u);
}

// --- errors -----------------------------------------------------------------------------------------

TEST(Chakra, MissingRankFileIsNamed) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  put(dir + "/w.0.et", et_file({}));
  put(dir + "/w.2.et", et_file({}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.1.et")) << e;
  EXPECT_TRUE(has(e, "missing rank file")) << e;
  const std::string none = error_of([&] { read_chakra(dir + "/nothing"); });
  EXPECT_TRUE(has(none, dir + "/nothing.0.et")) << none;
}

TEST(Chakra, DependencyOnAMissingNodeIsNamed) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  put(dir + "/w.0.et", et_file({{1, "a", COMP, {}, {}, {}, 1}, {3, "b", COMP, {}, {1, 99}, {}, 1}}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.0.et:2: node 3 'b': depends on node 99")) << e;
  EXPECT_TRUE(has(e, "expected the id of a node in the same rank file")) << e;
}

TEST(Chakra, CycleIsNamed) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  // 1 is free; 2 and 4 wait for each other; 3 waits for the cycle
  put(dir + "/w.0.et", et_file({{1, "a", COMP, {}, {}, {}, 1},
                                {2, "b", COMP, {}, {4}, {}, 1},
                                {3, "c", COMP, {}, {2}, {}, 1},
                                {4, "d", COMP, {}, {1}, {2}, 1}}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, "dependency cycle through node")) << e;
  EXPECT_TRUE(has(e, dir + "/w.0.et:2: node 2 'b'") || has(e, dir + "/w.0.et:4: node 4 'd'")) << e;
}

TEST(Chakra, UnknownCommTypeIsNamed) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  put(dir + "/w.0.et", et_file({{6, "g", COLL, {a_i64("comm_type", GATHER), a_i64("comm_size", 64)}}}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.0.et:1: node 6 'g': comm_type 3 (GATHER) is not supported")) << e;
  EXPECT_TRUE(has(e, "ALL_REDUCE")) << e;
}

TEST(Chakra, TruncatedFileIsNamed) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  const std::string whole = et_file({{1, "a", COMP, {}, {}, {}, 1}, {2, "b", COMP, {}, {1}, {}, 1}});
  put(dir + "/w.0.et", whole.substr(0, whole.size() - 3));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.0.et:2: record: the file ends inside node record 2")) << e;
  EXPECT_TRUE(has(e, "truncated")) << e;
  put(dir + "/w.0.et", "");
  EXPECT_TRUE(has(error_of([&] { read_chakra(dir + "/w"); }), "expected a GlobalMetadata record"));
}

TEST(Chakra, BadAttributesAndGroupsAreNamed) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  auto err = [&](const NodeSpec& n) {
    put(dir + "/w.0.et", et_file({n}));
    put(dir + "/w.1.et", et_file({}));
    return error_of([&] { read_chakra(dir + "/w"); });
  };
  EXPECT_TRUE(has(err({4, "s", SEND, {a_i32("comm_dst", 5), a_i64("comm_size", 8)}}),
                  "w.0.et:1: node 4 's': attribute comm_dst is 5; expected a rank in [0, 2)"));
  EXPECT_TRUE(has(err({4, "s", SEND, {a_i32("comm_dst", 1)}}), "missing attribute comm_size"));
  EXPECT_TRUE(has(err({4, "c", COLL, {a_i64("comm_type", ALL_REDUCE), a_i64("comm_size", 8), a_str("pg_name", "3")}}),
                  "pg_name '3' names no group of " + dir + "/w.groups.json"));
  EXPECT_TRUE(has(err({4, "x", 9, {}}), "node type 9 is not a Chakra ET node type"));
  put(dir + "/w.groups.json", R"({"1": [0, 7]})");
  EXPECT_TRUE(has(error_of([&] { read_chakra(dir + "/w"); }), "w.groups.json: 1: 7 is not a rank in [0, 2)"));
}

// --- export and the round trip -------------------------------------------------------------------

namespace {

// Three ranks, every op kind Chakra can carry, kernels of every kind, a group other than world
// and a broadcast with a root. Dependencies point backwards, so each rank's issue order is
// already a topological order and comes back unchanged.
const char* kNative = R"(format: litesim-trace/1
name: rt
gpus: 3
groups:
  pair: [2, 0]
ranks:
  - rank: 0
    ops:
      - {id: g, op: kernel, kind: gemm, m: 64, n: 128, k: 256}
      - {id: att, op: kernel, kind: attention, batch: 1, heads: 4, kv_heads: 2, q_len: 8, kv_len: 16, head_dim: 64, causal: true, after: [g]}
      - {id: ew, op: kernel, kind: elementwise, dtype: fp32, elements: 1000, inputs: 2, outputs: 1, flops_per_element: 3}
      - {id: nm, op: kernel, kind: norm, rows: 4, cols: 1024}
      - {id: cp, op: kernel, kind: memcpy, bytes: 1 MiB}
      - {id: gen, op: kernel, kind: generic, flops: 1000000, read: 100 B, write: 50 B}
      - {id: ld, op: load, bytes: 64 KiB}
      - {id: st, op: store, bytes: 32 KiB, after: [ld]}
      - {id: host, op: delay, duration: 7 us}
      - {id: ar, op: collective, coll: allreduce, group: world, bytes: 1 MiB, after: [att]}
      - {id: bc, op: collective, coll: broadcast, group: pair, bytes: 8 KiB, root: 1, after: [ar]}
      - {id: tx, op: send, to: 1, bytes: 4 KiB, tag: 3, after: [ar, st]}
      - {id: ag, op: collective, coll: allgather, group: world, bytes: 3 KiB}
      - {id: bar, op: barrier, group: world, after: [tx, ag]}
  - rank: 1
    ops:
      - {id: g, op: kernel, kind: gemm, m: 64, n: 128, k: 256}
      - {id: ar, op: collective, coll: allreduce, group: world, bytes: 1 MiB, after: [g]}
      - {id: rx, op: recv, from: 0, bytes: 4 KiB, tag: 3, after: [ar]}
      - {id: ag, op: collective, coll: allgather, group: world, bytes: 3 KiB}
      - {id: bar, op: barrier, group: world, after: [rx]}
  - rank: 2
    ops:
      - {id: ar, op: collective, coll: allreduce, group: world, bytes: 1 MiB}
      - {id: bc, op: collective, coll: broadcast, group: pair, bytes: 8 KiB, root: 1, after: [ar]}
      - {id: ag, op: collective, coll: allgather, group: world, bytes: 3 KiB, after: [bc]}
      - {id: bar, op: barrier, group: world}
)";

// Everything each op must finish after: its dependencies and its stream predecessors, closed.
std::vector<std::set<uint32_t>> must_follow(const Trace& t, int rank) {
  const auto& ops = t.ranks[static_cast<size_t>(rank)].ops;
  std::vector<std::vector<uint32_t>> before(ops.size());
  std::map<int, uint32_t> last;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    before[i] = ops[i].deps;
    if (last.count(ops[i].stream)) before[i].push_back(last[ops[i].stream]);
    last[ops[i].stream] = i;
  }
  std::vector<std::set<uint32_t>> out(ops.size());
  std::vector<bool> done(ops.size(), false);
  std::function<void(uint32_t)> visit = [&](uint32_t i) {
    if (done[i]) return;
    done[i] = true;
    for (uint32_t d : before[i]) {
      visit(d);
      out[i].insert(d);
      out[i].insert(out[d].begin(), out[d].end());
    }
  };
  for (uint32_t i = 0; i < ops.size(); ++i) visit(i);
  return out;
}

}  // namespace

TEST(Chakra, KernelFlopsAndBytesFollowTheClosedForms) {
  const Trace t = expand(parse_trace_doc(kNative, "rt.yaml"));
  const auto& ops = t.ranks[0].ops;
  // gemm 64x128x256 bf16: 2mnk FLOPs; A (64x256), B (256x128), C (64x128) of 2 B
  EXPECT_EQ(kernel_flops(ops[0].kernel), 2.0 * 64 * 128 * 256);
  EXPECT_EQ(kernel_bytes(ops[0].kernel), (64u * 256 + 256 * 128 + 64 * 128) * 2);
  // causal attention, 8 queries over 16 keys: query i sees 9 + i keys, 100 in all; QK^T and PV at
  // 2 FLOP per multiply-add over head_dim 64, 4 heads. Q and O: 4 x 8 x 64 x 2 B each; K and V:
  // 2 KV heads x 16 x 64 x 2 B each
  EXPECT_EQ(kernel_flops(ops[1].kernel), 2 * 2.0 * 64 * 100 * 4);
  EXPECT_EQ(kernel_bytes(ops[1].kernel), 2u * 4 * 8 * 64 * 2 + 2u * 2 * 16 * 64 * 2);
  EXPECT_EQ(kernel_flops(ops[2].kernel), 3000.0);                      // 1000 elements x 3
  EXPECT_EQ(kernel_bytes(ops[2].kernel), 1000u * 3 * 4);               // 2 inputs + 1 output of fp32
  EXPECT_EQ(kernel_flops(ops[3].kernel), 4.0 * 4 * 1024);              // ~4 FLOP per element
  EXPECT_EQ(kernel_bytes(ops[3].kernel), (2u * 4 * 1024 + 1024) * 2);  // rows in and out, weights in
  EXPECT_EQ(kernel_flops(ops[4].kernel), 0.0);
  EXPECT_EQ(kernel_bytes(ops[4].kernel), 2u << 20);  // read and written
  EXPECT_EQ(kernel_flops(ops[5].kernel), 1e6);
  EXPECT_EQ(kernel_bytes(ops[5].kernel), 150u);
}

TEST(Chakra, ExportThenImportGivesTheSameOps) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  const Trace a = expand(parse_trace_doc(kNative, "rt.yaml"));
  check_trace(a, 3, "test");
  write_chakra(a, dir + "/rt");
  const Trace b = read_chakra(dir + "/rt");
  check_trace(b, 3, "test");
  ASSERT_EQ(b.gpus, 3);
  ASSERT_EQ(b.groups.size(), a.groups.size());
  for (size_t g = 0; g < a.groups.size(); ++g) EXPECT_EQ(b.groups[g].ranks, a.groups[g].ranks);
  for (int r = 0; r < 3; ++r) {
    const auto& x = a.ranks[static_cast<size_t>(r)].ops;
    const auto& y = b.ranks[static_cast<size_t>(r)].ops;
    ASSERT_EQ(y.size(), x.size()) << "rank " << r;
    for (size_t i = 0; i < x.size(); ++i) {
      SCOPED_TRACE(fmt::format("rank {} op {}", r, x[i].id));
      EXPECT_EQ(y[i].id, x[i].id);
      EXPECT_EQ(y[i].kind, x[i].kind);
      EXPECT_EQ(b.streams[static_cast<size_t>(y[i].stream)], a.streams[static_cast<size_t>(x[i].stream)]);
      EXPECT_EQ(y[i].bytes, x[i].bytes);
      EXPECT_EQ(y[i].peer, x[i].peer);
      EXPECT_EQ(y[i].tag, x[i].tag);
      EXPECT_EQ(y[i].group, x[i].group);
      EXPECT_EQ(y[i].root, x[i].root);
      EXPECT_EQ(y[i].duration.ps, x[i].duration.ps);
      if (x[i].kind == TraceOpKind::Collective) {
        EXPECT_EQ(y[i].coll, x[i].coll);
      }
      if (x[i].kind == TraceOpKind::Kernel) {  // comes back generic: the FLOPs, and the bytes as read
        EXPECT_EQ(y[i].kernel.kind, KernelKind::Generic);
        EXPECT_EQ(y[i].kernel.flops, kernel_flops(x[i].kernel));
        EXPECT_EQ(y[i].kernel.bytes_read, kernel_bytes(x[i].kernel));
      }
    }
    EXPECT_EQ(must_follow(b, r), must_follow(a, r)) << "rank " << r;
  }
  // a second trip through Chakra changes nothing more (the ctrl_deps have become data_deps)
  write_chakra(b, dir + "/again");
  write_chakra(read_chakra(dir + "/again"), dir + "/third");
  for (int r = 0; r < 3; ++r)
    EXPECT_EQ(slurp(chakra_rank_file(dir + "/third", r)), slurp(chakra_rank_file(dir + "/again", r))) << r;
}

TEST(Chakra, ExportWritesTheAttributeTypesAstraSimReads) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  write_chakra(expand(parse_trace_doc(kNative, "rt.yaml")), dir + "/rt");
  const nlohmann::json groups = nlohmann::json::parse(slurp(dir + "/rt.groups.json"));
  EXPECT_EQ(groups, nlohmann::json::parse(R"({"1": [2, 0]})"));
  const std::string bytes = slurp(dir + "/rt.0.et");
  google::protobuf::io::ArrayInputStream zin(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream in(&zin);
  auto next = [&](google::protobuf::Message& m) {
    uint32_t len = 0;
    if (!in.ReadVarint32(&len)) return false;
    const auto limit = in.PushLimit(static_cast<int>(len));
    EXPECT_TRUE(m.ParseFromCodedStream(&in));
    in.PopLimit(limit);
    return true;
  };
  ChakraProtoMsg::GlobalMetadata meta;
  ASSERT_TRUE(next(meta));
  EXPECT_EQ(meta.version(), "0.0.4");
  using A = ChakraProtoMsg::AttributeProto;
  // the oneof member each attribute must use (Chakra's feeder reads these members only)
  const std::map<std::string, A::ValueCase> want = {{"num_ops", A::kInt64Val},   {"tensor_size", A::kUint64Val},
                                                    {"comm_type", A::kInt64Val}, {"comm_size", A::kInt64Val},
                                                    {"comm_src", A::kInt32Val},  {"comm_dst", A::kInt32Val},
                                                    {"comm_tag", A::kInt32Val},  {"pg_name", A::kStringVal},
                                                    {"is_cpu_op", A::kBoolVal},  {"litesim_root", A::kInt32Val}};
  std::map<std::string, ChakraProtoMsg::Node> by_name;
  ChakraProtoMsg::Node n;
  while (next(n)) {
    for (const A& a : n.attr()) {
      ASSERT_TRUE(want.count(a.name())) << a.name();
      EXPECT_EQ(a.value_case(), want.at(a.name())) << n.name() << "." << a.name();
    }
    by_name[n.name()] = n;
  }
  ASSERT_EQ(by_name.size(), 14u);
  auto get = [&](const std::string& node, const std::string& name) {
    for (const A& a : by_name[node].attr())
      if (a.name() == name) return a;
    ADD_FAILURE() << node << " has no " << name;
    return A();
  };
  EXPECT_EQ(by_name["g"].type(), ChakraProtoMsg::COMP_NODE);
  EXPECT_EQ(get("g", "num_ops").int64_val(), 2 * 64 * 128 * 256);
  EXPECT_FALSE(get("g", "is_cpu_op").bool_val());
  EXPECT_EQ(by_name["host"].duration_micros(), 7u);
  EXPECT_TRUE(get("host", "is_cpu_op").bool_val());
  EXPECT_EQ(by_name["ar"].type(), ChakraProtoMsg::COMM_COLL_NODE);
  EXPECT_EQ(get("ar", "comm_type").int64_val(), 0);  // ALL_REDUCE, written although 0
  EXPECT_EQ(get("ar", "pg_name").string_val(), "0");
  EXPECT_EQ(get("bc", "comm_type").int64_val(), 5);  // BROADCAST
  EXPECT_EQ(get("bc", "pg_name").string_val(), "1");
  EXPECT_EQ(get("bc", "litesim_root").int32_val(), 1);
  EXPECT_EQ(get("ag", "comm_type").int64_val(), 2);   // ALL_GATHER
  EXPECT_EQ(get("bar", "comm_type").int64_val(), 9);  // BARRIER
  EXPECT_EQ(get("tx", "comm_dst").int32_val(), 1);
  EXPECT_EQ(get("tx", "comm_tag").int32_val(), 3);
  // stream order as ctrl_deps: the comm stream is ar (9), bc, tx (11), ag (12), bar
  EXPECT_EQ(std::vector<uint64_t>(by_name["ag"].ctrl_deps().begin(), by_name["ag"].ctrl_deps().end()),
            std::vector<uint64_t>{11});  // tx
  EXPECT_EQ(std::vector<uint64_t>(by_name["ag"].data_deps().begin(), by_name["ag"].data_deps().end()),
            std::vector<uint64_t>{});
  EXPECT_EQ(by_name["bar"].ctrl_deps_size(), 0) << "its stream predecessor ag is already a data dep";
}

TEST(Chakra, ExportRoundsDelaysUpAndRefusesRemoteOps) {
  const Scratch scratch;
  const std::string& dir = scratch.dir;
  Trace t = expand(parse_trace_doc(R"(format: litesim-trace/1
name: d
gpus: 2
ranks:
  - rank: 0
    ops:
      - {id: wait, op: delay, duration: 2.5 us}
      - {id: pull, op: remote_read, peer: 1, bytes: 4 KiB}
)",
                                   "d.yaml"));
  const std::string e = error_of([&] { write_chakra(t, dir + "/d"); });
  EXPECT_TRUE(has(e, "d.yaml:8:")) << e;
  EXPECT_TRUE(has(e, "pull: remote_read has no Chakra ET node type")) << e;
  t.ranks[0].ops.pop_back();
  write_chakra(t, dir + "/d");
  EXPECT_EQ(read_chakra(dir + "/d").ranks[0].ops[0].duration.ps, 3'000'000);  // whole microseconds
  EXPECT_FALSE(fs::exists(dir + "/d.groups.json"));
}
