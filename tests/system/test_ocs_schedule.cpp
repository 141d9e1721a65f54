// The OCS circuit schedule (fabric.ocs.schedule) in the packet backend: a 4-GPU ring of circuits
// that the OCS turns into a fully connected set. Times are checked against closed forms derived
// here from the parameters (the drain, the dark reconfiguration time, the hop count before and
// after), and bytes against conservation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/fabric_builder.h"

using namespace litesim;

namespace {

// Lanes 2 x 112.5 Gb/s, no FEC (optical-io-chiplet), 4 KiB + 64 B packets, 2 m of fibre.
const char* kFabric = R"(
backend: {mtu: 4 KiB, header: 64 B, forward_latency: 100 ns}
topology: {kind: ocs_direct, logical: ring, gpus: 4}
routing: shortest
link: {lanes: 2, fibre_length: 2 m, propagation_delay: 5 ns/m}
ocs:
  insertion_latency: 1 ns
  reconfiguration_time: 5 us
  static_power_per_port: 0.1 W
  schedule:
    - at: {AT}
      topology: {kind: ocs_direct, logical: fully_connected, gpus: 4}
)";

FabricParams fabric_params(const std::string& at, const std::string& extra = "") {
  std::string text = kFabric;
  text.replace(text.find("{AT}"), 4, at);
  return FabricParams::schema().resolve(parse_yaml(text + extra, "<test fabric>"), "fabric", {});
}

CpoParams optics() { return load_preset<CpoParams>(LITESIM_CONFIGS_DIR, "cpo", "lite-quarter-cpo"); }

// Closed-form pieces in ps.
struct Timing {
  int64_t tau;  // serialisation of one full packet (4160 B at 225 Gb/s, rounded up to the ps)
  int64_t h;    // head latency of one circuit: 2 x SerDes + fibre + OCS insertion
  int64_t F;    // a GPU forwarding a packet
  int64_t R;    // reconfiguration time
};

Timing timing(const FabricParams& fp) {
  const CpoParams c = optics();
  const double rate = fp.link.lanes * c.lane_rate.bits_per_s;
  Timing t;
  t.tau = static_cast<int64_t>(std::ceil(4160 * 8 * 1e12 / rate));
  t.h = 2 * c.transceiver.serdes_latency.ps +
        static_cast<int64_t>(std::llround(fp.link.fibre_length.m * fp.link.propagation_delay.ps_per_m)) +
        fp.ocs->insertion_latency.ps;
  t.F = Time::from_ns(100).ps;
  t.R = fp.ocs->reconfiguration_time.ps;
  return t;
}

struct Sent {
  Time at;
  MessageInfo msg;
  Time delivered{-1};
};

// Sends `msgs` (each at its time) over the fabric; returns the simulation's end time.
Time run(const FabricParams& fp, std::vector<Sent>& msgs, SimContext& sim, FabricInstance*& inst) {
  static std::unique_ptr<FabricInstance> keep;
  keep = std::make_unique<FabricInstance>(fp, std::vector<CpoParams>{optics()}, sim, no_location);
  inst = keep.get();
  Fabric& f = keep->fabric();
  for (Sent& s : msgs)
    sc_core::sc_spawn(sim.guard([&f, &s] {
      sc_core::wait(to_sc(s.at));
      f.send(s.msg, [&s](const MessageInfo&) { s.delivered = sim_now(); });
    }));
  run_to_completion(sim);
  return sim_now();
}

double stat(SimContext& sim, const std::string& key) {
  return sim.stats.groups().at("fabric")->to_json(sim_now())[key].get<double>();
}

}  // namespace

// 1 MiB from GPU 0 to GPU 2 while the circuits change under it. On the ring it is 2 hops; at `at`
// GPU 0 stops injecting after the packet on the wire (k = ceil(at / tau) packets sent), the last of
// them reaches GPU 2 at k tau + 2h + F and its credit is back at GPU 1 at k tau + 3h + F (GPU 1's
// own credit returned earlier); then the circuits are dark for R; then the n - k packets left go
// straight to GPU 2 over the new circuit, one hop: done at n tau + 4h + F + R, whatever k is.
TEST(OcsSchedule, BusyFabricDrainsReconfiguresAndResumesOnTheNewCircuits) {
  check_time_resolution();
  const FabricParams fp = fabric_params("1 us");
  const Timing t = timing(fp);
  SimContext sim;
  std::vector<Sent> msgs{{Time{}, MessageInfo{1, 0, 2, 1 << 20, 0}}};
  FabricInstance* inst = nullptr;
  run(fp, msgs, sim, inst);
  const int64_t n = 256;
  ASSERT_GT(n * t.tau, Time::from_ns(1000).ps) << "the message must still be on the wire when the OCS switches";
  EXPECT_EQ(msgs[0].delivered.ps, n * t.tau + 4 * t.h + t.F + t.R);
  EXPECT_EQ(inst->fabric().bytes_delivered(), inst->fabric().bytes_injected());
  EXPECT_EQ(stat(sim, "ocs_reconfigurations"), 1.0);
  const int64_t k = (Time::from_ns(1000).ps + t.tau - 1) / t.tau;
  EXPECT_DOUBLE_EQ(stat(sim, "ocs_dark_time"), Time{k * t.tau + 3 * t.h + t.F + t.R - Time::from_ns(1000).ps}.ns());
  // The packets that left before the switch crossed GPU 1; the rest took the new 0-2 circuit.
  const auto links = inst->fabric().link_reports(sim_now());
  uint64_t ring_0_1 = 0, direct_0_2 = 0;
  for (const LinkReport& l : links) {
    const bool phase1 = l.name.find("phase1_link") != std::string::npos;
    if (!phase1 && l.end_a == 0 && l.end_b == 1) ring_0_1 = l.bytes_ab;
    if (phase1 && l.end_a == 0 && l.end_b == 2) direct_0_2 = l.bytes_ab;
  }
  EXPECT_EQ(ring_0_1, static_cast<uint64_t>(k) * 4096);
  EXPECT_EQ(direct_0_2, static_cast<uint64_t>(n - k) * 4096);
}

// The same reconfiguration at flow level (fabric.fidelity: flow): the flow stops at `at`, what it
// has sent lands, the circuits are dark for R and the rest resumes on the new circuit. Against the
// packet backend's closed form n tau + 4h + F + R within the fidelities' 2% (docs/fabric.md), with
// the same counters, and every byte delivered, split between the old and the new path.
TEST(OcsSchedule, FlowFidelityReconfiguresLikeThePacketBackend) {
  check_time_resolution();
  const FabricParams fp = fabric_params("1 us", "fidelity: flow\n");
  ASSERT_EQ(fp.fidelity, "flow");
  const Timing t = timing(fp);
  SimContext sim;
  std::vector<Sent> msgs{{Time{}, MessageInfo{1, 0, 2, 1 << 20, 0}}};
  FabricInstance* inst = nullptr;
  run(fp, msgs, sim, inst);
  const double packet = static_cast<double>(256 * t.tau + 4 * t.h + t.F + t.R);
  EXPECT_NEAR(static_cast<double>(msgs[0].delivered.ps), packet, 0.02 * packet);
  EXPECT_EQ(inst->fabric().bytes_delivered(), inst->fabric().bytes_injected());
  EXPECT_EQ(stat(sim, "ocs_reconfigurations"), 1.0);
  uint64_t ring_0_1 = 0, direct_0_2 = 0;
  for (const LinkReport& l : inst->fabric().link_reports(sim_now())) {
    const bool phase1 = l.name.find("phase1_link") != std::string::npos;
    if (!phase1 && l.end_a == 0 && l.end_b == 1) ring_0_1 = l.bytes_ab;
    if (phase1 && l.end_a == 0 && l.end_b == 2) direct_0_2 = l.bytes_ab;
  }
  EXPECT_EQ(ring_0_1 + direct_0_2, uint64_t{1} << 20);
  // about 1 us of the 225 Gb/s link's payload share went the old way
  EXPECT_NEAR(static_cast<double>(ring_0_1), 1e-6 * 225e9 / 8 * 4096 / 4160, 4096);
}

// An idle fabric reconfigures without events: a run whose traffic ends before `at` ends then (the
// schedule does not prolong it), and a message sent after `at` but before at + R waits for the
// circuits and then takes one hop.
TEST(OcsSchedule, IdleFabricSwitchesAtItsTimeWithoutProlongingTheRun) {
  check_time_resolution();
  const FabricParams fp = fabric_params("10 us");
  const Timing t = timing(fp);
  SimContext sim;
  // 4 KiB from 0 to 2 at 0 (2 hops on the ring), then 4 KiB from 0 to 2 at 12 us (circuits dark until 15 us).
  std::vector<Sent> msgs{{Time{}, MessageInfo{1, 0, 2, 4096, 0}},
                         {Time::from_ns(12000), MessageInfo{2, 0, 2, 4096, 0}}};
  FabricInstance* inst = nullptr;
  run(fp, msgs, sim, inst);
  // ring, via GPU 1: it forwards from the head (cut-through) h + F after the start, one tau on the wire
  EXPECT_EQ(msgs[0].delivered.ps, t.tau + 2 * t.h + t.F);
  EXPECT_EQ(msgs[1].delivered.ps, Time::from_ns(10000).ps + t.R + t.tau + t.h);
  EXPECT_EQ(stat(sim, "ocs_reconfigurations"), 1.0);
  EXPECT_DOUBLE_EQ(stat(sim, "ocs_dark_time"), Time{t.R}.ns());
}

TEST(OcsSchedule, ScheduleAfterTheLastMessageDoesNotProlongTheRun) {
  check_time_resolution();
  const FabricParams fp = fabric_params("1 ms");
  SimContext sim;
  std::vector<Sent> msgs{{Time{}, MessageInfo{1, 0, 1, 4096, 0}}};
  FabricInstance* inst = nullptr;
  const Time end = run(fp, msgs, sim, inst);
  EXPECT_LT(end.ps, Time::from_ns(1000).ps);
  EXPECT_EQ(stat(sim, "ocs_reconfigurations"), 0.0);
}

// Back and forth under steady all-to-all traffic: every byte arrives, nothing deadlocks, and each
// entry of the schedule is one reconfiguration.
TEST(OcsSchedule, TrafficAcrossSeveralReconfigurationsIsConserved) {
  check_time_resolution();
  const FabricParams fp = fabric_params("3 us", R"(
    - at: 20 us
      topology: {kind: ocs_direct, logical: ring, gpus: 4}
)");
  SimContext sim;
  std::vector<Sent> msgs;
  uint64_t id = 0;
  for (int wave = 0; wave < 10; ++wave)
    for (int s = 0; s < 4; ++s)
      for (int d = 0; d < 4; ++d)
        if (s != d) msgs.push_back({Time::from_ns(4000 * wave), MessageInfo{id++, s, d, 64 * 1024 + 100 * id, 0}});
  FabricInstance* inst = nullptr;
  run(fp, msgs, sim, inst);
  uint64_t sent = 0;
  for (const Sent& s : msgs) {
    EXPECT_GE(s.delivered.ps, s.at.ps) << "message " << s.msg.id << " not delivered";
    sent += s.msg.bytes;
  }
  EXPECT_EQ(inst->fabric().bytes_injected(), sent);
  EXPECT_EQ(inst->fabric().bytes_delivered(), sent);
  EXPECT_EQ(inst->fabric().messages_in_flight(), 0u);
  EXPECT_EQ(stat(sim, "ocs_reconfigurations"), 2.0);
}

TEST(OcsSchedule, AnEntryWithOtherGpusIsAConfigError) {
  check_time_resolution();
  SimContext sim;
  const std::string text = std::string(kFabric).replace(std::string(kFabric).find("{AT}"), 4, "1 us");
  std::string bad = text;
  bad.replace(bad.find("fully_connected, gpus: 4"), 24, "fully_connected, gpus: 5");
  const FabricParams fp = FabricParams::schema().resolve(parse_yaml(bad, "<test fabric>"), "fabric", {});
  try {
    FabricInstance inst(fp, {optics()}, sim, no_location);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("fabric.ocs.schedule[0].topology"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("5 GPUs"), std::string::npos) << e.what();
  }
}

TEST(OcsSchedule, EntriesOutOfOrderAreAConfigErrorAtTheirLine) {
  std::string text = std::string(kFabric).replace(std::string(kFabric).find("{AT}"), 4, "30 us");
  text += "    - at: 20 us\n      topology: {kind: ocs_direct, logical: ring, gpus: 4}\n";
  try {
    FabricParams::schema().resolve(parse_yaml(text, "<test fabric>"), "fabric", {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("fabric.ocs.schedule[1].at"), std::string::npos) << what;
    const std::string upto = text.substr(0, text.find("- at: 20 us"));
    const auto line = std::count(upto.begin(), upto.end(), '\n') + 1;  // the line of `- at: 20 us`
    EXPECT_NE(what.find("<test fabric>:" + std::to_string(line) + ":"), std::string::npos) << what;
  }
}
