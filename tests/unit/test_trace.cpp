// The native trace format litesim-trace/1: program form, expansion, naming rules, checks, and the
// writer's round trip. Every error must name the file:line and what was expected.
#include <gtest/gtest.h>

#include <sstream>

#include "traces/trace/trace.h"

using namespace litesim;

namespace {

const char* kLayers = R"(format: litesim-trace/1
name: layers
gpus: 4
groups:
  tp: "0-3"
  pair: [2, 0]
ranks:
  - rank: "0-3"
    ops:
      - {id: embed, op: kernel, kind: elementwise, elements: 4096}
      - repeat: 3
        id: layer
        ops:
          - {id: qkv, op: kernel, kind: gemm, m: 8, n: 1536, k: 4096, after: [prev.ar]}
          - {id: ar, op: collective, coll: allreduce, group: tp, bytes: 64 KiB, after: [qkv]}
          - {id: side, op: load, bytes: 1 MiB, stream: copy, after: [embed]}
          - {id: host, op: delay, duration: 2.5 us}
      - {id: out, op: kernel, kind: gemm, m: 8, n: 32000, k: 4096, after: [ar]}
)";

std::string error_of(const std::string& text) {
  try {
    Trace t = expand(parse_trace_doc(text, "t.yaml"));
    check_trace(t, t.gpus, "test");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST(Trace, RepeatExpandsWithPerIterationNamesAndPrevLinks) {
  const Trace t = expand(parse_trace_doc(replace(kLayers, "after: [ar]}", "after: [embed]}"), "t.yaml"));
  ASSERT_EQ(t.ranks.size(), 4u);
  const auto& ops = t.ranks[2].ops;
  // embed, 3 x (qkv, ar, side, host), out
  ASSERT_EQ(ops.size(), 1u + 3 * 4 + 1);
  EXPECT_EQ(ops[1].id, "layer[0].qkv");
  EXPECT_EQ(ops[1].name, "qkv");
  EXPECT_TRUE(ops[1].deps.empty()) << "the first iteration has no previous one";
  EXPECT_EQ(ops[5].id, "layer[1].qkv");
  EXPECT_EQ(ops[5].deps, std::vector<uint32_t>{2});  // layer[0].ar
  EXPECT_EQ(ops[6].deps, std::vector<uint32_t>{5});  // layer[1].ar after layer[1].qkv
  EXPECT_EQ(ops[7].deps, std::vector<uint32_t>{0});  // side after the outer embed
  EXPECT_EQ(ops[8].duration.ps, 2500000);
}

// `out` (line 18) names `ar`, which is inside the repeat: not in its block or an enclosing one.
TEST(Trace, OuterOpsCannotSeeInsideARepeat) {
  EXPECT_NE(error_of(kLayers).find("t.yaml:18:76: ar: no op 'ar' in this block"), std::string::npos)
      << error_of(kLayers);
}

// REPEAT.ID names the repeat's last iteration's op (for an op after the repeat).
TEST(Trace, RepeatDotIdIsTheLastIteration) {
  const Trace t = expand(parse_trace_doc(replace(kLayers, "after: [ar]}", "after: [layer.ar]}"), "t.yaml"));
  const auto& ops = t.ranks[1].ops;
  EXPECT_EQ(ops.back().id, "out");
  ASSERT_EQ(ops.back().deps.size(), 1u);
  EXPECT_EQ(ops[ops.back().deps[0]].id, "layer[2].ar");
  EXPECT_NE(error_of(replace(kLayers, "after: [ar]}", "after: [layer.nope]}")).find("repeat 'layer' has no op 'nope'"),
            std::string::npos);
  EXPECT_NE(error_of(replace(kLayers, "after: [ar]}", "after: [lay.ar]}")).find("no repeat 'lay' before this op"),
            std::string::npos);
}

TEST(Trace, StreamsGroupsAndWorld) {
  const std::string ok = replace(kLayers, "after: [ar]}", "after: [embed]}");
  const Trace t = expand(parse_trace_doc(ok, "t.yaml"));
  check_trace(t, 4, "test");
  EXPECT_EQ(t.streams, (std::vector<std::string>{"compute", "comm", "copy"}));
  EXPECT_EQ(t.groups[0].name, "world");
  EXPECT_EQ(t.groups[0].ranks, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(t.groups[2].ranks, (std::vector<int>{2, 0}));  // order kept: collective rank i = ranks[i]
  const auto& ops = t.ranks[0].ops;
  EXPECT_EQ(t.streams[static_cast<size_t>(ops[0].stream)], "compute");
  EXPECT_EQ(t.streams[static_cast<size_t>(ops[2].stream)], "comm");
  EXPECT_EQ(t.streams[static_cast<size_t>(ops[3].stream)], "copy");
  EXPECT_EQ(t.op_count(), 4u * 14);
}

TEST(Trace, WriterRoundTripsTheProgramForm) {
  const std::string ok = replace(kLayers, "after: [ar]}", "after: [embed]}");
  std::ostringstream a, b;
  write_trace(parse_trace_doc(ok, "t.yaml"), a);
  write_trace(parse_trace_doc(a.str(), "a.yaml"), b);
  EXPECT_EQ(a.str(), b.str());
  const Trace x = expand(parse_trace_doc(ok, "t.yaml")), y = expand(parse_trace_doc(a.str(), "a.yaml"));
  ASSERT_EQ(x.op_count(), y.op_count());
  for (size_t r = 0; r < x.ranks.size(); ++r)
    for (size_t i = 0; i < x.ranks[r].ops.size(); ++i) {
      const TraceOp &p = x.ranks[r].ops[i], &q = y.ranks[r].ops[i];
      EXPECT_EQ(p.id, q.id);
      EXPECT_EQ(p.deps, q.deps);
      EXPECT_EQ(p.bytes, q.bytes);
      EXPECT_EQ(p.kernel.n, q.kernel.n);
      EXPECT_EQ(p.stream, q.stream);
      EXPECT_EQ(p.duration.ps, q.duration.ps);
    }
}

TEST(Trace, RelativePeersResolvePerRank) {
  const std::string text = R"(format: litesim-trace/1
name: chain
gpus: 3
ranks:
  - rank: "0-1"
    ops:
      - {id: s, op: send, to: rank+1, bytes: 1 KiB}
  - rank: "1-2"
    ops:
      - {id: r, op: recv, from: rank-1, bytes: 1 KiB}
)";
  EXPECT_NE(error_of(text).find("already has a program"), std::string::npos) << error_of(text);
  const std::string fixed =
      replace(replace(text, "rank: \"1-2\"", "rank: 2"), "- {id: s, op: send, to: rank+1, bytes: 1 KiB}",
              "- {id: s, op: send, to: rank+1, bytes: 1 KiB}\n      - {id: r, op: recv, from: rank-1, bytes: 1 KiB}");
  // rank 0 now receives from rank -1: out of range
  EXPECT_NE(error_of(fixed).find("rank 0's peer -1 is out of range"), std::string::npos) << error_of(fixed);
}

TEST(Trace, ErrorsNameTheLineAndWhatWasExpected) {
  const std::string ok = replace(kLayers, "after: [ar]}", "after: [embed]}");
  ASSERT_EQ(error_of(ok), "");
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases = {
      {"op: load", "op: lod", "t.yaml:16:28: ranks[0].ops[1].ops[2].op: 'lod' is not an op kind"},
      {"after: [embed]}", "after: [nothing]}", "t.yaml:16:70: nothing: no op 'nothing'"},
      {"after: [qkv]}", "after: [qkv, side]}", ""},  // forward reference within a block is allowed
      {"after: [prev.ar]", "after: [ar]", "dependency cycle through op 'layer[0]."},
      {"tp: \"0-3\"", "tp: \"0-4\"", "t.yaml:5:7: groups.tp: expected an integer in [0, 3], got '4'"},
      {"pair: [2, 0]", "pair: [2, 0, 2]", "rank 2 is listed twice"},
      {"group: tp", "group: pair", "rank 1 is not a member of group 'pair'"},
      {"gpus: 4", "gpus: x", "t.yaml:3:7: gpus: expected an integer"},
      {"format: litesim-trace/1", "format: litesim-workload/1", "unsupported format 'litesim-workload/1'"},
      {"coll: allreduce", "coll: allreduse", "ranks[0].ops[1].ops[1].coll"},
      {"bytes: 1 MiB", "bytes: 5 GiB", "must be below 4 GiB"},
  };
  for (const Case& c : cases) {
    const std::string e = error_of(replace(ok, c.from, c.to));
    if (c.expect.empty()) {
      EXPECT_EQ(e, "") << c.to;
      continue;
    }
    EXPECT_NE(e.find(c.expect), std::string::npos) << c.to << " -> " << e;
  }
}

TEST(Trace, GroupMembersMustIssueTheSameCollectives) {
  const std::string text = R"(format: litesim-trace/1
name: mismatch
gpus: 2
ranks:
  - rank: 0
    ops:
      - {id: a, op: collective, coll: allreduce, group: world, bytes: 1 MiB}
  - rank: 1
    ops:
      - {id: a, op: collective, coll: allreduce, group: world, bytes: 2 MiB}
)";
  const std::string e = error_of(text);
  EXPECT_NE(e.find("t.yaml:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("group mismatch between ranks"), std::string::npos) << e;
  const std::string e2 =
      error_of(replace(text, "      - {id: a, op: collective, coll: allreduce, group: world, bytes: 2 MiB}",
                       "      - {id: a, op: barrier, group: world}"));
  EXPECT_NE(e2.find("barrier on rank 1"), std::string::npos) << e2;
}

TEST(Trace, SendsMustMeetReceives) {
  const std::string text = R"(format: litesim-trace/1
name: p2p
gpus: 2
ranks:
  - rank: 0
    ops:
      - {id: s, op: send, to: 1, bytes: 1 MiB, tag: 7}
  - rank: 1
    ops:
      - {id: r, op: recv, from: 0, bytes: 1 MiB, tag: 8}
)";
  EXPECT_NE(error_of(text).find("send 0->1 tag 7 has no matching recv"), std::string::npos) << error_of(text);
  EXPECT_EQ(error_of(replace(text, "tag: 8", "tag: 7")), "");
}
