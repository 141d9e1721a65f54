// A transceiver -> link -> transceiver chain on its own: serialisation, contention for the
// serialiser, time of flight and energy per end, against closed forms.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>

#include "core/sim_time.h"
#include "fabric/link/link.h"
#include "fabric/optics/transceiver.h"

using namespace litesim;

namespace {

struct Source : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Source> out{"out"};
  explicit Source(sc_core::sc_module_name n) : sc_module(n) {}
  void send(unsigned bytes) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_data_length(bytes);
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    out->b_transport(t, d);
  }
};

struct Sink : sc_core::sc_module {
  tlm_utils::simple_target_socket<Sink> in{"in"};
  std::vector<Time> arrivals;
  explicit Sink(sc_core::sc_module_name n) : sc_module(n) { in.register_b_transport(this, &Sink::arrive); }
  void arrive(tlm::tlm_generic_payload&, sc_core::sc_time& d) {
    sc_core::wait(d);
    d = sc_core::SC_ZERO_TIME;
    arrivals.push_back(sim_now());
  }
};

}  // namespace

TEST(Optics, TwoMessagesQueueForOneSerialiser) {
  SimContext sim;
  const TransceiverConfig cfg{4, DataRate{4 * 25e9}, Time{3000}, EnergyPerBit{2.0}, Power{0.1}};
  LinkParams lp;
  lp.lanes = 4;
  lp.fibre_length = Length{3};
  lp.propagation_delay = DelayPerLength{5000};
  Transceiver a("a", cfg, sim), b("b", cfg, sim);
  Link link("link", lp, cfg.rate, sim);
  Source src("src");
  Sink sink("sink"), unused_sink("unused_sink");
  Source unused_src("unused_src");
  src.out.bind(a.tx_in);
  a.line_out.bind(link.a_in);
  link.b_out.bind(b.line_in);
  b.rx_out.bind(sink.in);
  unused_src.out.bind(b.tx_in);  // the reverse direction, idle here
  b.line_out.bind(link.b_in);
  link.a_out.bind(a.line_in);
  a.rx_out.bind(unused_sink.in);

  const unsigned L = 125000;  // 1e6 bits: 10 us at 100 Gb/s
  sc_core::sc_spawn([&] { src.send(L); });
  sc_core::sc_spawn([&] { src.send(L); });
  sc_core::sc_start();

  const int64_t ser = 10000000, flight = 3 * 5000, serdes = 3000;
  ASSERT_EQ(sink.arrivals.size(), 2u);
  EXPECT_EQ(sink.arrivals[0].ps, ser + serdes + flight + serdes);
  EXPECT_EQ(sink.arrivals[1].ps, 2 * ser + serdes + flight + serdes);  // waited for the first
  EXPECT_EQ(a.bytes_sent(), 2u * L);
  EXPECT_EQ(b.bytes_received(), 2u * L);
  EXPECT_EQ(link.a_to_b().bytes.value(), 2.0 * L);
  EXPECT_DOUBLE_EQ(link.a_to_b().serialisation.busy().ps, 2.0 * ser);
  // each end books 2 x 1e6 bits x 2 pJ/bit
  EXPECT_DOUBLE_EQ(sim.ledger.accounts()[a.account()].dynamic_pj, 4e6);
  EXPECT_DOUBLE_EQ(sim.ledger.accounts()[b.account()].dynamic_pj, 4e6);
}
