// Faults injected into the flow backend (fabric.faults, docs/faults.md): a 4-GPU ring of 2-lane
// links at 112.5 Gb/s (225 Gb/s, no FEC: optical-io-chiplet), 4 KiB + 64 B packets. Times are checked
// against closed forms from those parameters (a transfer is its wire bits over the rate, plus hop
// latencies of a few hundred ns), bytes against conservation with drops (injected = delivered +
// dropped), and the routes after recovery against the links' byte counts.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/fabric_builder.h"
#include "traces/system/system_config.h"

using namespace litesim;

namespace {

constexpr double kRate = 2 * 112.5e9;  // bit/s of one ring link
constexpr double kMiB = 1 << 20;
double wire_bits(double bytes) { return 8 * (bytes + bytes / 4096 * 64); }  // whole packets only
double us(double bits) { return bits / kRate * 1e6; }

FabricParams fabric(const std::string& faults, const std::string& topology = "{kind: ring, gpus: 4}",
                    const std::string& fidelity = "flow", const std::string& extra = "") {
  const std::string text = "fidelity: " + fidelity +
                           "\nbackend: {mtu: 4 KiB, header: 64 B, forward_latency: 100 ns}\ntopology: " + topology +
                           "\nrouting: shortest\nlink: {lanes: 2, fibre_length: 2 m, propagation_delay: 5 ns/m}\n"
                           "recovery: {detect: 10 us, reconverge: 20 us}\n" +
                           extra + "faults:\n" + faults;
  return FabricParams::schema().resolve(parse_yaml(text, "<test fabric>"), "fabric", {});
}

CpoParams optics() { return load_preset<CpoParams>(LITESIM_CONFIGS_DIR, "cpo", "lite-quarter-cpo"); }

struct Sent {
  double at_us;
  MessageInfo msg;
  double delivered_us = -1;
};

struct Outcome {
  std::unique_ptr<FabricInstance> inst;
  double end_us = 0;
  // bytes both ways on the link joining GPUs a and b
  uint64_t link_bytes(int a, int b) const {
    for (const LinkReport& l : inst->fabric().link_reports(sim_now()))
      if ((l.end_a == a && l.end_b == b) || (l.end_a == b && l.end_b == a)) return l.bytes_ab + l.bytes_ba;
    return 0;
  }
};

// The same lanes split into two engines of one fibre and two wavelengths each: a ring GPU's port 0
// takes engine 0 (lanes 0-1: its two wavelengths), port 1 engine 1.
CpoParams two_engines() {
  CpoParams c = optics();
  c.engines = 2;
  c.fibres_per_engine = 1;
  c.wavelengths_per_fibre = 2;
  return c;
}

Outcome run(const FabricParams& fp, std::vector<Sent>& msgs, SimContext& sim, const CpoParams& cpo = optics(),
            int hbm_stacks = 0) {
  Outcome r;
  r.inst = std::make_unique<FabricInstance>(fp, std::vector<CpoParams>{cpo}, sim, no_location, hbm_stacks);
  Fabric& f = r.inst->fabric();
  for (Sent& s : msgs)
    sc_core::sc_spawn(sim.guard([&f, &s] {
      sc_core::wait(to_sc(Time::from_ns(s.at_us * 1e3)));
      f.send(s.msg, [&s](const MessageInfo&) { s.delivered_us = sim_now().ns() / 1e3; });
    }));
  run_to_completion(sim);
  r.end_us = sim_now().ns() / 1e3;
  return r;
}

void expect_conservation(const Fabric& f) {
  EXPECT_EQ(f.bytes_injected(), f.bytes_delivered() + f.bytes_dropped());
  EXPECT_NO_THROW(check_conservation(f));
}

const char* const kRing4 = "{kind: ring, gpus: 4}";

// One run of a scenario below, at either fidelity: the flow tests (Faults.*) and the packet tests
// (PacketFaults.*) hold both backends to the same closed forms; a packet test may check more.
struct Scenario {
  SimContext sim;
  std::vector<Sent> msgs;
  Outcome r;
};

}  // namespace

// 16 MiB from GPU 0 to its neighbour GPU 1 (606 us alone); their link dies at 100 us. The message is
// dropped, sent again when the routing has gone around the link (100 + 10 + 20 us) over 0-3-2-1,
// and delivered a transfer later. A second message at 2 ms takes the detour too: the dead link
// carries nothing after the fault, the detour's first link carries both.
void dead_link_is_routed_around(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{1, 0, 1, 16 << 20, 0}}, {2000, MessageInfo{2, 0, 1, 1 << 20, 0}}};
  const Outcome& r = s.r =
      run(fabric("  - {target: link gpu0-gpu1, kind: fail-stop, at: 100 us}\n", kRing4, fidelity), msgs, s.sim);
  const Fabric& f = r.inst->fabric();
  const double t16 = us(wire_bits(16 * kMiB));
  EXPECT_GT(msgs[0].delivered_us, 130 + t16);
  EXPECT_LT(msgs[0].delivered_us, 130 + t16 + 2);  // + three hops' latencies (< 1 us each)
  EXPECT_GT(msgs[1].delivered_us, 2000 + us(wire_bits(kMiB)));
  EXPECT_EQ(f.bytes_dropped(), 16u << 20);
  EXPECT_EQ(f.bytes_injected(), 2 * (16u << 20) + (1u << 20));
  EXPECT_EQ(f.bytes_delivered(), 17u << 20);
  expect_conservation(f);
  const FaultReport fr = f.fault_report();
  EXPECT_EQ(fr.messages_dropped, 1u);
  EXPECT_EQ(fr.retransmissions, 1u);
  ASSERT_EQ(fr.faults.size(), 1u);
  EXPECT_DOUBLE_EQ(fr.faults[0].detected.ns(), 110e3);
  EXPECT_DOUBLE_EQ(fr.faults[0].rerouted.ns(), 130e3);
  // what crossed the dead link is what GPU 0 had sent in its first 100 us, no more
  EXPECT_GT(r.link_bytes(0, 1), 0u);
  EXPECT_LE(r.link_bytes(0, 1), 100e-6 * kRate / 8);
  EXPECT_EQ(r.link_bytes(0, 3), 17u << 20);
  EXPECT_EQ(r.link_bytes(2, 1), 17u << 20);
}

TEST(Faults, DeadLinkDropsRetransmitsAndIsRoutedAround) {
  Scenario s;
  dead_link_is_routed_around("flow", s);
}

// A message sent after the link died but before the routing knew (110 us) is swallowed and sent
// again at 130 us.
void unconverged_dead_link_black_holes(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{110, MessageInfo{1, 0, 1, 1 << 20, 0}}};
  const Outcome& r = s.r =
      run(fabric("  - {target: link 0, kind: fail-stop, at: 100 us}\n", kRing4, fidelity), msgs, s.sim);
  EXPECT_GT(msgs[0].delivered_us, 130 + us(wire_bits(kMiB)));
  EXPECT_LT(msgs[0].delivered_us, 130 + us(wire_bits(kMiB)) + 2);
  EXPECT_EQ(r.inst->fabric().bytes_dropped(), 1u << 20);
  EXPECT_EQ(r.link_bytes(0, 1), 0u);
  expect_conservation(r.inst->fabric());
}

TEST(Faults, MessageIntoAnUnconvergedDeadLinkIsBlackHoledThenResent) {
  Scenario s;
  unconverged_dead_link_black_holes("flow", s);
}

// Half the link's bandwidth left from the start: 16 MiB takes twice its closed-form time (the
// undegraded closed form is checked by AFaultAfterTheTrafficDoesNotProlongTheRun).
void half_degraded_link(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{1, 0, 1, 16 << 20, 0}}};
  const Outcome& r = s.r = run(
      fabric("  - {target: link gpu0-gpu1, kind: degrade, remaining: 0.5, at: 0 us}\n", kRing4, fidelity), msgs, s.sim);
  EXPECT_NEAR(msgs[0].delivered_us, 2 * us(wire_bits(16 * kMiB)), 1.0);
  EXPECT_EQ(r.inst->fabric().bytes_dropped(), 0u);
  expect_conservation(r.inst->fabric());
}

TEST(Faults, DegradedLinkToHalfItsLanesHalvesItsBandwidth) {
  Scenario s;
  half_degraded_link("flow", s);
}

// A flap: down from 100 us for 50 us. The message caught by it is resent at 130 us around the link
// (still down); a message at 2 ms finds the link back and takes it.
void flapping_link(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{1, 0, 1, 16 << 20, 0}}, {2000, MessageInfo{2, 0, 1, 1 << 20, 0}}};
  const Outcome& r = s.r = run(
      fabric("  - {target: link gpu0-gpu1, kind: flap, duration: 50 us, at: 100 us}\n", kRing4, fidelity), msgs, s.sim);
  EXPECT_GT(msgs[0].delivered_us, 130 + us(wire_bits(16 * kMiB)));
  EXPECT_NEAR(msgs[1].delivered_us, 2000 + us(wire_bits(kMiB)), 1.0);
  EXPECT_EQ(r.link_bytes(0, 3), 16u << 20);                        // the resent copy's detour
  EXPECT_GE(r.link_bytes(0, 1), 1u << 20);                         // the second message
  EXPECT_LE(r.link_bytes(0, 1), (1u << 20) + 100e-6 * kRate / 8);  // + what crossed before the flap
  expect_conservation(r.inst->fabric());
}

TEST(Faults, FlappingLinkCarriesTrafficAgainOnceBack) {
  Scenario s;
  flapping_link("flow", s);
}

// Two GPUs, one link, and it dies: no route is left, the message is lost (dropped, never
// delivered), the run ends instead of hanging, and the fabric says which message was lost.
void no_route_left(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{7, 0, 1, 16 << 20, 0}}};
  const Outcome& r = s.r =
      run(fabric("  - {target: link gpu0-gpu1, kind: fail-stop, at: 10 us}\n", "{kind: pair}", fidelity), msgs, s.sim);
  EXPECT_LT(msgs[0].delivered_us, 0);
  EXPECT_EQ(r.inst->fabric().bytes_delivered(), 0u);
  EXPECT_EQ(r.inst->fabric().bytes_dropped(), 16u << 20);
  EXPECT_EQ(r.inst->fabric().fault_report().messages_lost, 1u);
  EXPECT_NE(r.inst->fabric().stuck_report().find("message 7 gpu0 -> gpu1"), std::string::npos);
  expect_conservation(r.inst->fabric());
}

TEST(Faults, NoRouteLeftLosesTheMessageAndTheRunEnds) {
  Scenario s;
  no_route_left("flow", s);
}

// A fault due after the traffic has ended does not prolong the run.
void fault_after_the_traffic(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{1, 0, 1, 1 << 20, 0}}};
  const Outcome& r = s.r =
      run(fabric("  - {target: link gpu0-gpu1, kind: fail-stop, at: 10 ms}\n", kRing4, fidelity), msgs, s.sim);
  EXPECT_NEAR(r.end_us, us(wire_bits(kMiB)), 1.0);
  EXPECT_EQ(r.inst->fabric().bytes_dropped(), 0u);
}

TEST(Faults, AFaultAfterTheTrafficDoesNotProlongTheRun) {
  Scenario s;
  fault_after_the_traffic("flow", s);
}

// Two messages of one pair (per_pair_fifo: the second starts when the first has been sent): the
// link dies under the first at 100 us, the second starts then and is black-holed; both are resent at
// 130 us over the detour, share it, and arrive once each by the time both have crossed it.
void pair_across_a_failure(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{1, 0, 1, 16 << 20, 0}}, {1, MessageInfo{2, 0, 1, 1 << 20, 0}}};
  const Outcome& r = s.r =
      run(fabric("  - {target: link gpu0-gpu1, kind: fail-stop, at: 100 us}\n", kRing4, fidelity), msgs, s.sim);
  const Fabric& f = r.inst->fabric();
  const double both = 130 + us(wire_bits(17 * kMiB));
  EXPECT_GT(msgs[0].delivered_us, 130 + us(wire_bits(16 * kMiB)));
  EXPECT_LT(msgs[0].delivered_us, both + 2);
  EXPECT_GT(msgs[1].delivered_us, 130 + us(wire_bits(kMiB)));
  EXPECT_LT(msgs[1].delivered_us, both + 2);
  EXPECT_EQ(f.fault_report().messages_dropped, 2u);
  EXPECT_EQ(f.fault_report().retransmissions, 2u);
  EXPECT_EQ(f.bytes_delivered(), 17u << 20);
  EXPECT_EQ(f.messages_in_flight(), 0u);
  EXPECT_EQ(r.link_bytes(0, 3), 17u << 20);
  expect_conservation(f);
}

TEST(Faults, TwoMessagesOfAPairAcrossAFailureArriveOnceEach) {
  Scenario s;
  pair_across_a_failure("flow", s);
}

TEST(Faults, BadFaultsAreRefusedNamingTheKey) {
  SimContext sim;
  auto error = [&](const FabricParams& fp) -> std::string {
    try {
      FabricInstance inst(fp, {optics()}, sim, no_location);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(
      error(fabric("  - {target: link gpu0-gpu2, kind: fail-stop, at: 1 us}\n")).find("no link joins gpu0 and gpu2"),
      std::string::npos);
  EXPECT_NE(error(fabric("  - {target: link 9, kind: fail-stop, at: 1 us}\n")).find("links 0 to 3"), std::string::npos);
  EXPECT_NE(error(fabric("  - {target: wire 1, kind: fail-stop, at: 1 us}\n")).find("fabric.faults[0].target"),
            std::string::npos);
  // faults beside an OCS circuit schedule, at either fidelity
  const std::string ocs_ring = "{kind: ocs_direct, logical: ring, gpus: 4}";
  const std::string schedule =
      "ocs: {insertion_latency: 1 ns, reconfiguration_time: 5 us, static_power_per_port: 0.1 W, schedule: [{at: 1 us, "
      "topology: {kind: ocs_direct, logical: fully_connected, gpus: 4}}]}\n";
  for (const char* fidelity : {"flow", "packet"}) {
    const std::string e =
        error(fabric("  - {target: link 1, kind: fail-stop, at: 1 us}\n", ocs_ring, fidelity, schedule));
    EXPECT_NE(e.find("fabric.faults"), std::string::npos) << e;
    EXPECT_NE(e.find("an OCS circuit schedule cannot be combined"), std::string::npos) << e;
  }
  EXPECT_THROW(fabric("  - {target: link 1, kind: degrade, remaining: 1, at: 1 us}\n"), ConfigError);
  EXPECT_THROW(fabric("  - {target: link 1, kind: flap, at: 1 us}\n"), ConfigError);
}

TEST(Faults, CommandLineFaultsParse) {
  const FaultParams a = parse_fault("link gpu3-gpu4 fail-stop at 50us", "--fault");
  EXPECT_EQ(a.target, "link gpu3-gpu4");
  EXPECT_EQ(a.kind, "fail-stop");
  EXPECT_EQ(a.at.ps, Time::from_ns(50e3).ps);
  const FaultParams b = parse_fault("link 7 degrade 0.25 at 1 ms", "--fault");
  EXPECT_EQ(b.kind, "degrade");
  EXPECT_DOUBLE_EQ(b.remaining, 0.25);
  const FaultParams c = parse_fault("link 7 flap 20 us at 1 ms", "--fault");
  EXPECT_EQ(c.duration.ps, Time::from_ns(20e3).ps);
  EXPECT_THROW(parse_fault("link 7 explode at 1 ms", "--fault"), ConfigError);
  EXPECT_THROW(parse_fault("link 7 fail-stop", "--fault"), ConfigError);
}

// GPU 1 dies at 100 us (every link of it): its message from GPU 0 is lost for good (no route to a
// dead GPU), while GPU 0's message to GPU 2, sent after the routing converged (200 us), goes around
// GPU 1 and arrives.
void dead_gpu(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{0, MessageInfo{1, 0, 1, 16 << 20, 0}}, {200, MessageInfo{2, 0, 2, 1 << 20, 0}}};
  const Outcome& r = s.r =
      run(fabric("  - {target: gpu 1, kind: fail-stop, at: 100 us}\n", kRing4, fidelity), msgs, s.sim);
  EXPECT_LT(msgs[0].delivered_us, 0);
  EXPECT_NEAR(msgs[1].delivered_us, 200 + us(wire_bits(kMiB)), 2.0);
  EXPECT_EQ(r.inst->fabric().fault_report().messages_lost, 1u);
  EXPECT_EQ(r.inst->fabric().fault_report().faults.size(), 2u);  // GPU 1's two ring links
  EXPECT_EQ(r.link_bytes(1, 2), 0u);
  EXPECT_EQ(r.link_bytes(0, 3), 1u << 20);
  expect_conservation(r.inst->fabric());
}

TEST(Faults, DeadGpuLosesItsMessagesOthersRouteAround) {
  Scenario s;
  dead_gpu("flow", s);
}

// A leaf switch of an 8-GPU two-leaf Clos dies: GPUs under the other leaf still reach each other;
// a message between the two leaves has no route left.
void dead_switch(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{50, MessageInfo{1, 4, 5, 1 << 20, 0}}, {50, MessageInfo{2, 0, 5, 1 << 20, 0}}};
  const ResolvedSystem rs =
      resolve_system(std::string(LITESIM_CONFIGS_DIR) + "/system/lite-clos-64.yaml",
                     {"fabric.topology={kind: clos, gpus: 8, gpus_per_leaf: 4, spines: 2}",
                      "fabric.fidelity=" + fidelity, "fabric.recovery={detect: 10 us, reconverge: 20 us}",
                      "fabric.faults=[{target: switch 0, kind: fail-stop, at: 10 us}]"},
                     LITESIM_CONFIGS_DIR);
  const Outcome& r = s.r = run(rs.params.fabric, msgs, s.sim, rs.params.package.cpo);
  const Fabric& f = r.inst->fabric();
  EXPECT_GT(msgs[0].delivered_us, 50);  // GPUs 4 and 5 hang on leaf 1
  EXPECT_LT(msgs[1].delivered_us, 0);   // GPU 0's leaf is gone
  EXPECT_EQ(f.fault_report().messages_lost, 1u);
  expect_conservation(f);
}

TEST(Faults, DeadSwitchCutsOnlyWhatHangsOnIt) {
  Scenario s;
  dead_switch("flow", s);
}

// Link faults drawn from a rate (fabric.fault_draw): on a 256-GPU ring, each link's failure time and
// repair time are exponential with the configured means (1 h / 3.6e6 = 1 ms, 36 s / 3.6e6 = 10 us):
// the sample means lie within 4 standard errors (mean / 16) of them; the same seed draws the same
// faults; traffic under them keeps injected = delivered + dropped.
TEST(Faults, DrawnLinkFaultsFollowTheirRates) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> msgs{{0, MessageInfo{1, 0, 1, 16 << 20, 0}}, {0, MessageInfo{2, 5, 9, 16 << 20, 0}}};
  const FabricParams fp = fabric("", "{kind: ring, gpus: 256}", "flow",
                                 "fault_draw: {link_mtbf_hours: 1, link_mttr_hours: 0.01, acceleration: 3.6e6}\n");
  const Outcome r = run(fp, msgs, sim);
  const FaultReport fr = r.inst->fabric().fault_report();
  ASSERT_EQ(fr.faults.size(), 256u);
  double at = 0, down = 0;
  const std::vector<LinkFault> again = draw_faults(r.inst->topology(), *fp.fault_draw, sim.seed);
  ASSERT_EQ(again.size(), 256u);
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].at.ps, fr.faults[i].at.ps);  // the same seed, the same draws
    at += again[i].at.ns() / 1e3 / 256;
    down += again[i].duration.ns() / 1e3 / 256;
  }
  EXPECT_NEAR(at, 1000.0, 4 * 1000.0 / 16);
  EXPECT_NEAR(down, 10.0, 4 * 10.0 / 16);
  const std::vector<LinkFault> other = draw_faults(r.inst->topology(), *fp.fault_draw, sim.seed + 1);
  EXPECT_NE(other[0].at.ps, again[0].at.ps);
  expect_conservation(r.inst->fabric());
}

// One laser of GPU 0's engine 0 (wavelength 1) dies at 0: the link on GPU 0's port 0 keeps one lane of
// two, so 16 MiB over it takes twice the closed-form time; the neighbour is read from the topology.
TEST(Faults, LostLaserHalvesTheLinkOfItsEngine) {
  check_time_resolution();
  SimContext sim;
  const FabricParams fp = fabric("  - {target: laser gpu0.0.1, kind: fail-stop, at: 0 us}\n");
  const int peer = [&] {
    SimContext probe;
    return FabricInstance(fp, {two_engines()}, probe, no_location).topology().peer(0, 0).first;
  }();
  std::vector<Sent> msgs{{0, MessageInfo{1, 0, peer, 16 << 20, 0}}};
  const Outcome r = run(fp, msgs, sim, two_engines());
  EXPECT_NEAR(msgs[0].delivered_us, 2 * us(wire_bits(16 * kMiB)), 1.0);
  const FaultReport fr = r.inst->fabric().fault_report();
  ASSERT_EQ(fr.faults.size(), 1u);  // one link touched: port 1's lanes are on engine 1
  EXPECT_EQ(fr.messages_dropped, 0u);
  expect_conservation(r.inst->fabric());
}

// Both lasers of the engine, at 0 and 100 us: the link runs at half from 0, then dies at 100 us; the
// message is resent around the ring at 100 + 10 + 20 us at the full rate of the detour's links.
TEST(Faults, LosingEveryLaserOfALinkKillsIt) {
  check_time_resolution();
  SimContext sim;
  const FabricParams fp = fabric(
      "  - {target: laser gpu0.0.0, kind: fail-stop, at: 0 us}\n"
      "  - {target: laser gpu0.0.1, kind: fail-stop, at: 100 us}\n");
  std::vector<Sent> msgs{{0, MessageInfo{1, 0, 1, 16 << 20, 0}}};
  const Outcome r = run(fp, msgs, sim, two_engines());
  EXPECT_NEAR(msgs[0].delivered_us, 130 + us(wire_bits(16 * kMiB)), 2.0);
  const FaultReport fr = r.inst->fabric().fault_report();
  ASSERT_EQ(r.inst->topology().peer(0, 0).first, 1);  // port 0 of GPU 0 faces GPU 1
  ASSERT_EQ(fr.faults.size(), 2u);
  EXPECT_EQ(fr.retransmissions, 1u);
  EXPECT_EQ(r.link_bytes(0, 3), 16u << 20);
  expect_conservation(r.inst->fabric());
}

// An optical engine (GPU 1's engine 1, i.e. its port 1) is lost: that one link dies, the other stays.
TEST(Faults, LostEngineKillsTheLinksOfItsLanes) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> none;
  const Outcome r = run(fabric("  - {target: engine gpu1.1, kind: fail-stop, at: 10 us}\n"), none, sim, two_engines());
  const Topology& t = r.inst->topology();
  const FaultReport fr = r.inst->fabric().fault_report();
  ASSERT_EQ(fr.faults.size(), 1u);
  EXPECT_EQ(fr.faults[0].link, t.link_at(1, 1).id);
  EXPECT_EQ(fr.faults[0].dead_gpu, -1);
}

// An HBM stack takes its GPU out: every link of it dies and the GPU is reported dead (its compute
// stops in a trace run), as a `gpu N` fail-stop.
TEST(Faults, LostHbmStackTakesItsGpuOut) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> msgs{{0, MessageInfo{1, 0, 1, 16 << 20, 0}}};
  const Outcome r = run(fabric("  - {target: hbm gpu1.3, kind: fail-stop, at: 100 us}\n"), msgs, sim, optics(), 4);
  const FaultReport fr = r.inst->fabric().fault_report();
  ASSERT_EQ(fr.faults.size(), 2u);
  EXPECT_EQ(fr.faults[0].dead_gpu, 1);
  EXPECT_EQ(fr.messages_lost, 1u);
  EXPECT_LT(msgs[0].delivered_us, 0);
  expect_conservation(r.inst->fabric());
}

TEST(Faults, BadPartTargetsAreRefused) {
  SimContext sim;
  auto error = [&](const std::string& fault, int stacks) -> std::string {
    try {
      FabricInstance inst(fabric("  - {" + fault + ", at: 1 us}\n"), {two_engines()}, sim, no_location, stacks);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error("target: hbm gpu1.4, kind: fail-stop", 4).find("stacks 0 to 3"), std::string::npos);
  EXPECT_NE(error("target: hbm gpu1.0, kind: fail-stop", 0).find("not known"), std::string::npos);
  EXPECT_NE(error("target: engine gpu1.2, kind: fail-stop", 4).find("engines 0 to 1"), std::string::npos);
  EXPECT_NE(error("target: laser gpu1.0.2, kind: fail-stop", 4).find("wavelengths 0 to 1"), std::string::npos);
  EXPECT_NE(error("target: laser gpu1.0, kind: fail-stop", 4).find("laser gpuN.E.K"), std::string::npos);
  EXPECT_NE(error("target: engine gpu9.0, kind: fail-stop", 4).find("gpu0 to gpu3"), std::string::npos);
  EXPECT_NE(error("target: engine gpu1.0, kind: flap, duration: 1 us", 4).find("fail-stop"), std::string::npos);
  EXPECT_EQ(parse_fault("laser gpu2.0.1 fail-stop at 10 us", "--fault").target, "laser gpu2.0.1");
  // a third engine (lanes 4-5) beyond the 4 lanes the ring's two 2-lane links take touches no link
  CpoParams three = two_engines();
  three.engines = 3;
  try {
    FabricInstance inst(fabric("  - {target: engine gpu1.2, kind: fail-stop, at: 1 us}\n"), {three}, sim, no_location);
    ADD_FAILURE() << "an engine whose lanes no link takes was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("lanes 4 to 5 of GPU 1, but the GPU's links take only its lanes 0 to 3"),
              std::string::npos)
        << e.what();
  }
}

// GPU faults drawn at a rate (gpu_mtbf_hours: 1 h / 3.6e6 = 1 ms): on a 256-GPU ring every GPU fails
// once (both its links, reported dead), the failure times' sample mean within 4 standard errors of
// 1 ms; adding GPU rates leaves the links' own draws as they were.
TEST(Faults, DrawnGpuFaultsFollowTheirRate) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> none;
  const FabricParams fp =
      fabric("", "{kind: ring, gpus: 256}", "flow", "fault_draw: {gpu_mtbf_hours: 1, acceleration: 3.6e6}\n");
  const Outcome r = run(fp, none, sim);
  const std::vector<LinkFault> d = draw_faults(r.inst->topology(), *fp.fault_draw, sim.seed);
  ASSERT_EQ(d.size(), 512u);
  double at = 0;
  for (size_t i = 0; i < d.size(); i += 2) {
    EXPECT_EQ(d[i].gpu, static_cast<int>(i / 2));
    EXPECT_EQ(d[i].at.ps, d[i + 1].at.ps);
    at += d[i].at.ns() / 1e3 / 256;
  }
  EXPECT_NEAR(at, 1000.0, 4 * 1000.0 / 16);
  FaultDrawParams links = *fp.fault_draw, both = *fp.fault_draw;
  links.gpu_mtbf_hours = 0;
  links.link_mtbf_hours = both.link_mtbf_hours = 1;
  links.link_mttr_hours = both.link_mttr_hours = 0.01;
  const std::vector<LinkFault> l = draw_faults(r.inst->topology(), links, sim.seed);
  const std::vector<LinkFault> lb = draw_faults(r.inst->topology(), both, sim.seed);
  ASSERT_EQ(lb.size(), l.size() + 512);
  for (size_t i = 0; i < l.size(); ++i) EXPECT_EQ(l[i].at.ps, lb[i].at.ps);
  EXPECT_THROW(fabric("", "{kind: ring, gpus: 4}", "flow", "fault_draw: {acceleration: 10}\n"), ConfigError);
}

// An OCS port (lite-ocs-torus2d-16: unit 0 holds dimension 0's circuits, circuit k on ports 2k and
// 2k + 1): port 5 takes down exactly the unit's circuit 2; the whole unit takes down all its circuits;
// ports beyond the circuits and units that do not exist are refused.
TEST(Faults, OcsPortTakesDownItsCircuit) {
  auto resolved = [](const std::string& target) {
    const ResolvedSystem rs = resolve_system(
        std::string(LITESIM_CONFIGS_DIR) + "/system/lite-ocs-torus2d-16.yaml",
        {"fabric.fidelity=flow", "fabric.faults=[{target: '" + target + "', kind: fail-stop, at: 1 us}]"},
        LITESIM_CONFIGS_DIR);
    const auto topo = TopologyRegistry::instance().create(rs.params.fabric.topology);
    return std::make_pair(resolve_faults(*topo, rs.params.fabric.faults, no_location), topo->ocs_units());
  };
  const auto [port, units] = resolved("ocs 0 port 5");
  ASSERT_EQ(port.size(), 1u);
  EXPECT_EQ(port[0].link, units[0].links[2]);
  const auto [unit, units1] = resolved("ocs 1");
  ASSERT_EQ(unit.size(), units1[1].links.size());
  for (size_t k = 0; k < unit.size(); ++k) EXPECT_EQ(unit[k].link, units1[1].links[k]);
  EXPECT_THROW(resolved("ocs 2"), ConfigError);
  EXPECT_THROW(resolved("ocs 0 port " + std::to_string(units[0].ports)), ConfigError);
  EXPECT_THROW(resolved("ocs 0 socket 1"), ConfigError);
  const FaultParams p = parse_fault("ocs 0 port 5 flap 10 us at 1 ms", "--fault");
  EXPECT_EQ(p.target, "ocs 0 port 5");
  EXPECT_EQ(p.kind, "flap");
}

// --- The same faults at packet fidelity (fabric/backend/packet_fabric.cpp): packets on or queued for
// a dead link are dropped, the copy's other packets discarded as they next move, the message resent
// whole at fault + detect + reconverge over the detour as a source route. The scenarios and closed
// forms are the flow tests' (the packet pipeline adds a few hops' latency, < 1 us each); the extra
// checks here are the packet backend's own.

// What crossed the dead link is whole packets (4 KiB of payload each) started in the first 100 us;
// the detour carries both messages on each of its links, the second one a transfer after 2 ms.
TEST(PacketFaults, DeadLinkDropsRetransmitsAndIsRoutedAround) {
  Scenario s;
  dead_link_is_routed_around("packet", s);
  EXPECT_LE(s.r.link_bytes(0, 1), (std::floor(100e-6 * kRate / 8 / (4096 + 64)) + 1) * 4096);
  EXPECT_EQ(s.r.link_bytes(3, 2), 17u << 20);
  EXPECT_LT(s.msgs[1].delivered_us, 2000 + us(wire_bits(kMiB)) + 2);
}

TEST(PacketFaults, MessageIntoAnUnconvergedDeadLinkIsBlackHoledThenResent) {
  Scenario s;
  unconverged_dead_link_black_holes("packet", s);
  EXPECT_EQ(s.r.inst->fabric().fault_report().retransmissions, 1u);
}

// Black-holed further on: on a 6-GPU ring GPU 5's message to GPU 1 goes 5-0-1 (its only shortest
// route) and is dropped at GPU 0, where the dead link starts, after its first packets crossed 5-0;
// it is resent at 130 us over the detour 5-4-3-2-1.
TEST(PacketFaults, MessageIsBlackHoledAtTheDeadHop) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> msgs{{110, MessageInfo{1, 5, 1, 1 << 20, 0}}};
  const Outcome r =
      run(fabric("  - {target: link gpu0-gpu1, kind: fail-stop, at: 100 us}\n", "{kind: ring, gpus: 6}", "packet"),
          msgs, sim);
  const Fabric& f = r.inst->fabric();
  EXPECT_GT(msgs[0].delivered_us, 130 + us(wire_bits(kMiB)));
  EXPECT_LT(msgs[0].delivered_us, 130 + us(wire_bits(kMiB)) + 2);
  EXPECT_EQ(f.bytes_dropped(), 1u << 20);
  EXPECT_EQ(f.fault_report().messages_dropped, 1u);
  EXPECT_EQ(f.fault_report().retransmissions, 1u);
  EXPECT_EQ(r.link_bytes(0, 1), 0u);
  EXPECT_GT(r.link_bytes(5, 0), 0u);        // the first copy's packets reached GPU 0
  EXPECT_LT(r.link_bytes(5, 0), 1u << 20);  // and stopped coming once it was lost
  for (int g = 5; g > 1; --g) EXPECT_EQ(r.link_bytes(g, g - 1), 1u << 20) << g;  // the resent copy
  expect_conservation(f);
}

TEST(PacketFaults, DegradedLinkToHalfItsLanesHalvesItsBandwidth) {
  Scenario s;
  half_degraded_link("packet", s);
}

// Half the rate from the middle of the transfer: the first half of the bytes at the full rate, the
// rest at half (each packet at the rate of its serialiser's start).
TEST(PacketFaults, DegradeMidTransferSlowsWhatIsLeft) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> msgs{{0, MessageInfo{1, 0, 1, 16 << 20, 0}}};
  const double half = us(wire_bits(8 * kMiB));
  const std::string fault =
      "  - {target: link gpu0-gpu1, kind: degrade, remaining: 0.5, at: " + std::to_string(half) + " us}\n";
  const Outcome r = run(fabric(fault, kRing4, "packet"), msgs, sim);
  EXPECT_NEAR(msgs[0].delivered_us, half + 2 * half, 1.0);
  expect_conservation(r.inst->fabric());
}

TEST(PacketFaults, FlappingLinkCarriesTrafficAgainOnceBack) {
  Scenario s;
  flapping_link("packet", s);
  EXPECT_LT(s.msgs[0].delivered_us, 130 + us(wire_bits(16 * kMiB)) + 2);
}

// The message is given up when the routing has converged (10 + 10 + 20 us), and the run ends there.
TEST(PacketFaults, NoRouteLeftLosesTheMessageAndTheRunEnds) {
  Scenario s;
  no_route_left("packet", s);
  const Fabric& f = s.r.inst->fabric();
  EXPECT_LT(s.r.end_us, 40 + 1);
  EXPECT_EQ(f.fault_report().retransmissions, 0u);
  EXPECT_DOUBLE_EQ(f.fault_report().first_lost.ns(), 40e3);
  EXPECT_EQ(f.messages_in_flight(), 0u);
}

TEST(PacketFaults, TwoMessagesOfAPairAcrossAFailureArriveOnceEach) {
  Scenario s;
  pair_across_a_failure("packet", s);
}

TEST(PacketFaults, AFaultAfterTheTrafficDoesNotProlongTheRun) {
  Scenario s;
  fault_after_the_traffic("packet", s);
}

TEST(PacketFaults, DeadGpuLosesItsMessagesOthersRouteAround) {
  Scenario s;
  dead_gpu("packet", s);
  EXPECT_EQ(s.r.inst->fabric().fault_report().faults[0].dead_gpu, 1);
}

TEST(PacketFaults, DeadSwitchCutsOnlyWhatHangsOnIt) {
  Scenario s;
  dead_switch("packet", s);
}

// Every GPU of the ring sends 1 MiB to every other at once and link 0-1 dies at 20 us, in the middle
// of it: whatever was lost is resent and arrives (a route is left for every pair), each lost copy's
// bytes are dropped once, and the credits of the packets dropped or discarded come back (the run
// ends with nothing in flight instead of deadlocking).
TEST(PacketFaults, AllToAllAcrossAFailureDeliversEverything) {
  check_time_resolution();
  SimContext sim;
  std::vector<Sent> msgs;
  for (int s = 0; s < 4; ++s)
    for (int d = 0; d < 4; ++d)
      if (s != d) msgs.push_back({0, MessageInfo{static_cast<uint64_t>(msgs.size()), s, d, 1 << 20, 0}});
  const Outcome r =
      run(fabric("  - {target: link gpu0-gpu1, kind: fail-stop, at: 20 us}\n", "{kind: ring, gpus: 4}", "packet"), msgs,
          sim);
  const Fabric& f = r.inst->fabric();
  const FaultReport fr = f.fault_report();
  for (const Sent& s : msgs) EXPECT_GT(s.delivered_us, 0) << s.msg.id;
  EXPECT_GT(fr.messages_dropped, 0u);
  EXPECT_EQ(fr.retransmissions, fr.messages_dropped);
  EXPECT_EQ(fr.messages_lost, 0u);
  EXPECT_EQ(f.bytes_dropped(), fr.messages_dropped << 20);
  EXPECT_EQ(f.bytes_delivered(), 12u << 20);
  EXPECT_EQ(f.messages_in_flight(), 0u);
  expect_conservation(f);
}

// Faults that overlap on one link: GPU 1 dies for good at 100 us, and its link to GPU 0 also flaps
// from 200 to 250 us. The flap's end does not bring the link back: a message to GPU 1 sent at
// 300 us has no route and is lost, and nothing crosses the link after the death beyond what GPU 0
// had sent by then (none of it: the first message starts at 300 us).
void overlapping_faults(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{300, MessageInfo{1, 0, 1, 1 << 20, 0}}};
  const Outcome& r = s.r = run(fabric("  - {target: gpu 1, kind: fail-stop, at: 100 us}\n"
                                      "  - {target: link gpu0-gpu1, kind: flap, duration: 50 us, at: 200 us}\n",
                                      kRing4, fidelity),
                               msgs, s.sim);
  EXPECT_LT(msgs[0].delivered_us, 0);
  EXPECT_EQ(r.inst->fabric().fault_report().messages_lost, 1u);
  EXPECT_EQ(r.link_bytes(0, 1), 0u);
  expect_conservation(r.inst->fabric());
}

TEST(Faults, AFlapDoesNotReviveALinkAFailStopKilled) {
  Scenario s;
  overlapping_faults("flow", s);
}

TEST(PacketFaults, AFlapDoesNotReviveALinkAFailStopKilled) {
  Scenario s;
  overlapping_faults("packet", s);
}

// A link at half its lanes (a lost laser at 0) flaps from 10 to 20 us: it comes back at half, so
// 16 MiB over it at 100 us takes twice the closed-form time.
void flap_keeps_lost_lanes(const std::string& fidelity, Scenario& s) {
  check_time_resolution();
  std::vector<Sent>& msgs = s.msgs = {{100, MessageInfo{1, 0, 1, 16 << 20, 0}}};
  s.r = run(fabric("  - {target: laser gpu0.0.1, kind: fail-stop, at: 0 us}\n"
                   "  - {target: link gpu0-gpu1, kind: flap, duration: 10 us, at: 10 us}\n",
                   kRing4, fidelity),
            msgs, s.sim, two_engines());
  EXPECT_NEAR(msgs[0].delivered_us, 100 + 2 * us(wire_bits(16 * kMiB)), 2.0);
  expect_conservation(s.r.inst->fabric());
}

TEST(Faults, AFlappedLinkComesBackWithTheLanesItLost) {
  Scenario s;
  flap_keeps_lost_lanes("flow", s);
}

TEST(PacketFaults, AFlappedLinkComesBackWithTheLanesItLost) {
  Scenario s;
  flap_keeps_lost_lanes("packet", s);
}
