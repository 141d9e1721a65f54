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

// A fresh folder per test (tests run in parallel processes).
std::string scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path d = fs::temp_directory_path() / fmt::format("litesim-chakra-{}-{}", info->name(), getpid());
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
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
  const std::string prefix = write_hand_trace(scratch());
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
  const std::string dir = scratch();
  put(dir + "/w.0.et", et_file({}));
  put(dir + "/w.2.et", et_file({}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.1.et")) << e;
  EXPECT_TRUE(has(e, "missing rank file")) << e;
  const std::string none = error_of([&] { read_chakra(dir + "/nothing"); });
  EXPECT_TRUE(has(none, dir + "/nothing.0.et")) << none;
}

TEST(Chakra, DependencyOnAMissingNodeIsNamed) {
  const std::string dir = scratch();
  put(dir + "/w.0.et", et_file({{1, "a", COMP, {}, {}, {}, 1}, {3, "b", COMP, {}, {1, 99}, {}, 1}}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.0.et:2: node 3 'b': depends on node 99")) << e;
  EXPECT_TRUE(has(e, "expected the id of a node in the same rank file")) << e;
}

TEST(Chakra, CycleIsNamed) {
  const std::string dir = scratch();
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
  const std::string dir = scratch();
  put(dir + "/w.0.et", et_file({{6, "g", COLL, {a_i64("comm_type", GATHER), a_i64("comm_size", 64)}}}));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.0.et:1: node 6 'g': comm_type 3 (GATHER) is not supported")) << e;
  EXPECT_TRUE(has(e, "ALL_REDUCE")) << e;
}

TEST(Chakra, TruncatedFileIsNamed) {
  const std::string dir = scratch();
  const std::string whole = et_file({{1, "a", COMP, {}, {}, {}, 1}, {2, "b", COMP, {}, {1}, {}, 1}});
  put(dir + "/w.0.et", whole.substr(0, whole.size() - 3));
  const std::string e = error_of([&] { read_chakra(dir + "/w"); });
  EXPECT_TRUE(has(e, dir + "/w.0.et:2: record: the file ends inside node record 2")) << e;
  EXPECT_TRUE(has(e, "truncated")) << e;
  put(dir + "/w.0.et", "");
  EXPECT_TRUE(has(error_of([&] { read_chakra(dir + "/w"); }), "expected a GlobalMetadata record"));
}

TEST(Chakra, BadAttributesAndGroupsAreNamed) {
  const std::string dir = scratch();
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
