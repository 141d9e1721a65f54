// A transceiver pair and the link between them on their own: FEC code rate, head latency, energy
// parts and static power against the equations of docs/fabric.md, computed here from the numbers.
#include <gtest/gtest.h>
#include <systemc>

#include "fabric/link/link.h"
#include "fabric/optics/transceiver.h"

using namespace litesim;

namespace {
TransceiverTech tech(const std::string& fec) {
  TransceiverTech t;
  t.name = "t";
  t.medium = "optical";
  t.modulation = "pam4";
  t.fec = fec;
  t.fec_latency = Time{100000};
  t.serdes_latency = Time{7000};
  t.laser_power_per_lane = Power{0.02};
  t.laser_wall_plug_efficiency = 0.25;
  t.idle_power_per_lane = Power{0.005};
  t.modulator_driver_energy = EnergyPerBit{0.5};
  t.receiver_tia_energy = EnergyPerBit{0.25};
  t.serdes_dsp_energy = EnergyPerBit{1.0};
  return t;
}
}  // namespace

TEST(Optics, FecSlowsThePayloadAndAddsItsLatencyOnce) {
  SimContext sim;
  Transceiver a("a", 8, DataRate{106.25e9}, tech("rs544"), sim);
  Transceiver b("b", 8, DataRate{106.25e9}, tech("none"), sim);
  Link link("link", a, b, Time{15000}, Time{1000}, sim);
  // a -> b: encoded by a: payload rate = lanes x lane rate x 514/544; latency = SerDes x 2 + FEC + fibre + OCS
  EXPECT_DOUBLE_EQ(link.a_to_b().payload_bps, 8 * 106.25e9 * 514.0 / 544.0);
  EXPECT_EQ(link.a_to_b().head_latency.ps, 7000 + 100000 + 15000 + 1000 + 7000);
  // b -> a: b sends without FEC
  EXPECT_DOUBLE_EQ(link.b_to_a().payload_bps, 8 * 106.25e9);
  EXPECT_EQ(link.b_to_a().head_latency.ps, 7000 + 15000 + 1000 + 7000);
  // 4160 B at 850 Gb/s: 39.152941... ns, rounded up to the next picosecond
  EXPECT_EQ(link.b_to_a().serialise(4160).ps, 39153);
}

TEST(Optics, EnergyPartsAndStaticPower) {
  SimContext sim;
  Transceiver a("a", 4, DataRate{100e9}, tech("none"), sim);
  a.transmit(1e6);
  a.receive(2e6);
  const auto& acc = sim.ledger.accounts()[a.account()];
  // transmit: modulator/driver + SerDes; receive: TIA + SerDes
  EXPECT_DOUBLE_EQ(acc.dynamic_pj, 1e6 * (0.5 + 1.0) + 2e6 * (0.25 + 1.0));
  EXPECT_DOUBLE_EQ(acc.bits, 1e6);  // a link bit counts once, at its sender
  // static: 4 lanes x (20 mW of light / 25 % wall-plug efficiency + 5 mW idle)
  EXPECT_DOUBLE_EQ(acc.static_power.watts, 4 * (0.02 / 0.25 + 0.005));
  sim.ledger.close(Time{1000000000});  // 1 ms
  EXPECT_NEAR(sim.ledger.accounts()[a.account()].static_pj, 4 * 0.085 * 1e-3 * 1e12, 1e-3);
}
