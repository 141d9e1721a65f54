// End to end through real modules: HBM -> DMA -> CPO -> link -> CPO -> DMA -> peer HBM, checked
// against closed forms computed here from the parameters, and against conservation laws.
#include <cmath>

#include <gtest/gtest.h>

#include "fabric/backend/packet_params.h"
#include "memory/hbm/hbm_params.h"
#include "traces/runner/simulate.h"

using namespace litesim;

namespace {

const std::string kData = LITESIM_TEST_DATA;

RunResult run(const std::string& system, const std::string& workload, const std::vector<std::string>& sets = {},
              ResolvedSystem* out = nullptr) {
  ResolvedSystem rs = resolve_system(kData + "/" + system, sets, LITESIM_CONFIGS_DIR);
  Trace w = read_trace(kData + "/" + workload);
  RunResult r = simulate(rs, w, 1);
  if (out) *out = rs;
  return r;
}

// Closed-form pieces, in picoseconds, from the parameters (doubles, rounded once at the end).
// pair-exact.yaml uses the `simple` HBM model: one pipe at bandwidth x efficiency plus a latency.
HbmParams simple_hbm(const ImplConfig& impl) { return HbmParams::schema().resolve(impl.params, "", {}); }

double hbm_stream_ps(const ImplConfig& impl, double bytes) {
  const HbmParams h = simple_hbm(impl);
  return bytes * 8.0 * 1e12 / (h.bandwidth.bits_per_s * h.efficiency) + h.access_latency.ps;
}

PacketParams packet_params(const SystemParams& p) {
  return p.fabric.backend;
}

// One link crossing of a packet's head: SerDes at both ends plus the fibre's time of flight
// (pair-exact.yaml's optics use no FEC).
double head_ps(const SystemParams& p) {
  return 2.0 * p.package.cpo.transceiver.serdes_latency.ps +
         p.fabric.link.fibre_length.m * p.fabric.link.propagation_delay.ps_per_m;
}

// A message of `bytes` cut into ceil(bytes / mtu) packets of payload + header wire bytes, sent back
// to back: the source serialises them all, and the last tail arrives one head latency per hop (and
// one forwarding latency per intermediate GPU, cut-through) later.
double pipelined_ps(const SystemParams& p, double bytes, int hops) {
  const PacketParams pp = packet_params(p);
  const double packets = std::ceil(bytes / static_cast<double>(pp.mtu.bytes));
  const double wire = bytes + packets * static_cast<double>(pp.header.bytes);
  const double rate = p.fabric.link.lanes * p.package.cpo.lane_rate.bits_per_s;
  return wire * 8.0 * 1e12 / rate + hops * head_ps(p) + (hops - 1) * static_cast<double>(pp.forward_latency.ps);
}

}  // namespace

TEST(EndToEnd, PairTransferMatchesClosedFormExactly) {
  ResolvedSystem rs;
  const RunResult r = run("pair-exact.yaml", "send-1mib.yaml", {}, &rs);
  const auto& p = rs.params;
  const double bytes = 1048576;
  const double network_ps = pipelined_ps(p, bytes, 1);
  // The copy engines read the payload from the source HBM before and write it into the
  // destination HBM after the network crossing (store-and-forward per message).
  const double total_ps = hbm_stream_ps(p.package.hbm, bytes) + network_ps + hbm_stream_ps(p.package.hbm, bytes);
  // the parameters were chosen to be exact: 256 packets of 4160 B at 128 Gb/s, 20 ns per hop
  ASSERT_EQ(network_ps, 256 * 260000.0 + 10000.0 + 10000.0);
  const auto& s = r.summary;
  EXPECT_EQ(s["sim_time_ns"].get<double>() * 1000.0, total_ps);
  EXPECT_EQ(s["messages"]["latency_ns"]["max"].get<double>() * 1000.0, network_ps);
  EXPECT_EQ(s["messages"]["latency_ns"]["p50"].get<double>() * 1000.0, network_ps);
  EXPECT_EQ(s["messages"]["end_to_end_ns"]["max"].get<double>() * 1000.0, total_ps);
}

TEST(EndToEnd, BytesAreConserved) {
  const RunResult r = run("pair-exact.yaml", "send-1mib.yaml");
  const auto& s = r.summary;
  EXPECT_EQ(s["messages"]["bytes_injected"].get<uint64_t>(), 1048576u);
  EXPECT_EQ(s["messages"]["bytes_delivered"].get<uint64_t>(), 1048576u);
  EXPECT_EQ(s["hbm"][0]["bytes_read"].get<uint64_t>(), 1048576u);     // source DMA read
  EXPECT_EQ(s["hbm"][1]["bytes_written"].get<uint64_t>(), 1048576u);  // destination DMA write
  EXPECT_EQ(s["hbm"][0]["bytes_written"].get<uint64_t>(), 0u);
  EXPECT_EQ(s["links"][0]["bytes_a_to_b"].get<uint64_t>(), 1048576u);
  EXPECT_EQ(s["links"][0]["bytes_b_to_a"].get<uint64_t>(), 0u);
  EXPECT_EQ(s["gpus"][0]["bytes_sent"].get<uint64_t>(), s["gpus"][1]["bytes_received"].get<uint64_t>());
}

namespace {

// GPU 0 sends 1 MiB to GPU 1 and GPU 1 sends 100 KiB back, over one link (pair) or over two links
// through a switch, which is vertex 2 (switches are numbered after the GPUs). A link's `messages` is
// the packets that crossed it in both directions, ceil(bytes / mtu) per message.
void expect_link_reports(bool via_switch) {
  ResolvedSystem rs;
  std::vector<std::string> sets;
  if (via_switch) sets = {"fabric.topology={kind: switch, gpus: 2}", "fabric.switch={preset: eps-cpo-51t}"};
  const RunResult r = run("pair-exact.yaml", "exchange-2.yaml", sets, &rs);
  const double mtu = static_cast<double>(packet_params(rs.params).mtu.bytes);
  const uint64_t packets = static_cast<uint64_t>(std::ceil(1048576.0 / mtu) + std::ceil(102400.0 / mtu));
  const auto& links = r.summary["links"];
  ASSERT_EQ(links.size(), via_switch ? 2u : 1u);
  for (size_t i = 0; i < links.size(); ++i) {
    const auto& l = links[i];
    EXPECT_EQ(l["end_a"].get<int>(), static_cast<int>(i));  // GPU i (end a of its link)
    EXPECT_EQ(l["end_b"].get<int>(), via_switch ? 2 : 1);
    EXPECT_EQ(l["messages"].get<uint64_t>(), packets) << "link " << i;
    EXPECT_EQ(l["bytes"].get<uint64_t>(), 1048576u + 102400u) << "link " << i;
  }
}

}  // namespace

TEST(EndToEnd, LinkReportsCountPacketsOnAPair) { expect_link_reports(false); }
TEST(EndToEnd, LinkReportsNumberSwitchesAfterTheGpus) { expect_link_reports(true); }

TEST(EndToEnd, EnergyLedgerSumsToItsParts) {
  ResolvedSystem rs;
  const RunResult r = run("pair-exact.yaml", "send-1mib.yaml", {}, &rs);
  const auto& p = rs.params.package;
  const auto& e = r.summary["energy"];
  const double T = r.summary["sim_time_ns"].get<double>() * 1e-9;  // seconds
  const double bits = 1048576.0 * 8.0;
  const PacketParams pp = packet_params(rs.params);
  const double wire_bits = bits + std::ceil(1048576.0 / pp.mtu.bytes) * pp.header.bytes * 8.0;
  const int lanes = rs.params.fabric.link.lanes;
  // Independently: the sender's modulator/driver and SerDes and the receiver's TIA and SerDes pass
  // every wire bit once; both ends' lanes burn laser (at the wall) and idle power all run.
  const auto& x = p.cpo.transceiver;
  const double per_bit =
      x.modulator_driver_energy.pj_per_bit + x.receiver_tia_energy.pj_per_bit + 2 * x.serdes_dsp_energy.pj_per_bit;
  const double lane_W = x.laser_power_per_lane.watts / x.laser_wall_plug_efficiency + x.idle_power_per_lane.watts;
  const double cpo = wire_bits * per_bit + 2 * lanes * lane_W * T * 1e12;
  const HbmParams h = simple_hbm(p.hbm);
  const double hbm =
      bits * h.read_energy.pj_per_bit + bits * h.write_energy.pj_per_bit + 2 * h.static_power.watts * T * 1e12;
  const double die = 2 * p.die.static_power.watts * T * 1e12;
  EXPECT_NEAR(e["by_component"]["cpo"].get<double>(), cpo, cpo * 1e-12);
  EXPECT_NEAR(e["by_component"]["hbm"].get<double>(), hbm, hbm * 1e-12);
  EXPECT_NEAR(e["by_component"]["die"].get<double>(), die, die * 1e-12);
  EXPECT_FALSE(e["by_component"].contains("link"));  // a passive fibre books nothing
  double parts = 0;
  for (const auto& [k, v] : e["by_component"].items()) parts += v.get<double>();
  EXPECT_NEAR(e["total_pJ"].get<double>(), parts, parts * 1e-12);
  EXPECT_NEAR(e["total_pJ"].get<double>(), e["static_pJ"].get<double>() + e["dynamic_pJ"].get<double>(), parts * 1e-12);
  EXPECT_NEAR(e["total_pJ"].get<double>(), cpo + hbm + die, parts * 1e-12);
  // The link's energy in links[] is that of its two transceivers.
  EXPECT_NEAR(r.summary["links"][0]["energy_pJ"].get<double>(), cpo, cpo * 1e-12);
}

TEST(EndToEnd, KernelsFollowTheRooflineWithRealMemoryTraffic) {
  ResolvedSystem rs;
  const RunResult r = run("pair-exact.yaml", "kernels.yaml", {}, &rs);
  const auto& d = rs.params.package.die;
  const auto& h = rs.params.package.hbm;  // hbm_stream_ps reads it as the simple model
  const double peak = d.sms * d.tensor_clock.hz * d.flops_per_clock_per_sm.bf16;  // FLOP/s
  // big: compute-bound, its 1 MiB read hides under the compute
  const double big = d.launch_overhead.ps + std::max(1e9 / peak * 1e12, hbm_stream_ps(h, 1048576));
  // stream: memory-bound
  const double stream = d.launch_overhead.ps + std::max(1e6 / peak * 1e12, hbm_stream_ps(h, 4 * 1048576));
  ASSERT_GT(1e9 / peak * 1e12, hbm_stream_ps(h, 1048576));
  ASSERT_LT(1e6 / peak * 1e12, hbm_stream_ps(h, 4 * 1048576));
  // The tile model adds what the roofline leaves out (the first piece's load before compute, the
  // last write after it, latency not hidden by the SMs' requests in flight): never faster than
  // the roofline, at most a few percent slower on these sizes.
  const double t = r.summary["sim_time_ns"].get<double>() * 1000.0;
  EXPECT_GE(t, big + stream);
  EXPECT_LE(t, (big + stream) * 1.03);
  EXPECT_EQ(r.summary["gpus"][0]["kernels"].get<int>(), 2);
  EXPECT_EQ(r.summary["hbm"][0]["bytes_read"].get<uint64_t>(), 5u * 1048576u);
  const double dyn = (1e9 + 1e6) * d.energy_per_flop.bf16.pj_per_flop;  // generic kernels: no padding
  EXPECT_NEAR(r.summary["energy"]["dynamic_pJ_by_component"]["die"].get<double>(), dyn, dyn * 1e-12);
}

TEST(EndToEnd, MultiHopRingPipelinesPacketsThroughForwardingGpus) {
  ResolvedSystem rs;
  const RunResult r =
      run("pair-exact.yaml", "ring6-far.yaml", {"fabric.topology={kind: ring, gpus: 6}", "fabric.link.lanes=4"}, &rs);
  const auto& p = rs.params;
  // 0 -> 3 is three hops; the packets stream through GPUs 1 and 2 (cut-through)
  EXPECT_EQ(r.summary["messages"]["latency_ns"]["max"].get<double>() * 1000.0, pipelined_ps(p, 1048576.0, 3));
  uint64_t carried = 0;
  int used = 0;
  for (const auto& l : r.summary["links"]) {
    carried += l["bytes"].get<uint64_t>();
    used += l["bytes"].get<uint64_t>() > 0;
  }
  EXPECT_EQ(used, 3);
  EXPECT_EQ(carried, 3u * 1048576u);  // every hop carries the whole message once
}

TEST(EndToEnd, DeadlockIsReportedWithTheStuckOps) {
  try {
    run("pair-exact.yaml", "deadlock.yaml");
    FAIL() << "no deadlock reported";
  } catch (const SimError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
    EXPECT_NE(m.find("rank 0 op 'rx'"), std::string::npos) << m;
    EXPECT_NE(m.find("rank 1 op 'tx'"), std::string::npos) << m;
    EXPECT_NE(m.find("4 op(s) unfinished"), std::string::npos) << m;
  }
}
