// The HBM target on its own, driven through its TLM socket (LT and AT).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>

#include "core/sim_time.h"
#include "memory/hbm/hbm_controller.h"

using namespace litesim;

namespace {

HbmParams params() {
  HbmParams h;
  h.stacks = 1;
  h.capacity = DataSize{1ULL << 30};
  h.bandwidth = DataRate{800e9};  // 100 GB/s: 1 MiB takes 10.48576 us
  h.efficiency = 1.0;
  h.access_latency = Time{50000};
  h.read_energy = EnergyPerBit{4};
  h.write_energy = EnergyPerBit{5};
  h.static_power = Power{0};
  return h;
}

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> sock{"sock"};
  std::vector<Time> resp_times;
  explicit Initiator(sc_core::sc_module_name n) : sc_module(n) { sock.register_nb_transport_bw(this, &Initiator::bw); }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_core::sc_time&) {
    EXPECT_EQ(ph, tlm::BEGIN_RESP);
    resp_times.push_back(sim_now());
    return tlm::TLM_COMPLETED;
  }
};

void set(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t addr, unsigned len) {
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_data_ptr(nullptr);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace

TEST(Hbm, BlockingRequestsPipelineAtTheBandwidth) {
  SimContext sim;
  HbmController hbm("hbm", params(), sim);
  Initiator init("init");
  init.sock.bind(hbm.tsock);
  tlm::tlm_generic_payload a, b;
  set(a, tlm::TLM_READ_COMMAND, 0, 1 << 20);
  set(b, tlm::TLM_WRITE_COMMAND, 1 << 20, 1 << 20);
  sc_core::sc_time da = sc_core::SC_ZERO_TIME, db = sc_core::SC_ZERO_TIME;
  init.sock->b_transport(a, da);
  init.sock->b_transport(b, db);
  // first: 1 MiB / 100 GB/s + 50 ns; second waits for the pipe, its latency overlaps nothing else
  EXPECT_EQ(from_sc(da).ps, 10485760 + 50000);
  EXPECT_EQ(from_sc(db).ps, 2 * 10485760 + 50000);
  EXPECT_TRUE(a.is_response_ok());
  EXPECT_EQ(hbm.bytes_read(), 1u << 20);
  EXPECT_EQ(hbm.bytes_written(), 1u << 20);
  EXPECT_DOUBLE_EQ(sim.ledger.accounts()[0].dynamic_pj, 8.0 * (1 << 20) * (4 + 5));
}

TEST(Hbm, OutOfRangeAndBadCommandAreErrors) {
  SimContext sim;
  HbmController hbm("hbm", params(), sim);
  Initiator init("init");
  init.sock.bind(hbm.tsock);
  tlm::tlm_generic_payload t;
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  set(t, tlm::TLM_READ_COMMAND, (1ULL << 30) - 16, 32);
  init.sock->b_transport(t, d);
  EXPECT_EQ(t.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  set(t, tlm::TLM_IGNORE_COMMAND, 0, 32);
  init.sock->b_transport(t, d);
  EXPECT_EQ(t.get_response_status(), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(hbm.requests(), 0u);
}

TEST(Hbm, ApproximatelyTimedPhases) {
  SimContext sim;
  HbmController hbm("hbm", params(), sim);
  Initiator init("init");
  init.sock.bind(hbm.tsock);
  tlm::tlm_generic_payload t;
  set(t, tlm::TLM_READ_COMMAND, 0, 1 << 20);
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(init.sock->nb_transport_fw(t, ph, d), tlm::TLM_UPDATED);
  EXPECT_EQ(ph, tlm::END_REQ);
  sc_core::sc_start();
  ASSERT_EQ(init.resp_times.size(), 1u);
  EXPECT_EQ(init.resp_times[0].ps, 10485760 + 50000);
  EXPECT_TRUE(t.is_response_ok());
}

// The cycle-approximate HBM withholds END_REQ while its request buffer is full and sends it when
// the oldest request is answered.
#include "memory/hbm/hbm_dram.h"

namespace {
struct AtInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<AtInitiator> sock{"sock"};
  std::vector<std::pair<tlm::tlm_generic_payload*, Time>> end_req, begin_resp;
  explicit AtInitiator(sc_core::sc_module_name n) : sc_module(n) { sock.register_nb_transport_bw(this, &AtInitiator::bw); }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time&) {
    (ph == tlm::END_REQ ? end_req : begin_resp).push_back({&t, sim_now()});
    return ph == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
  }
};
}  // namespace

TEST(HbmDram, BackPressureWithholdsEndReqUntilAPlaceFrees) {
  SimContext sim;
  DramParams p;
  p.stacks = 1;
  p.memspec = load_memspec(LITESIM_CONFIGS_DIR, "hbm3");
  p.controller = load_controller(LITESIM_CONFIGS_DIR, "default");
  p.controller.request_buffer = 2;
  p.controller.lookahead = 0;
  HbmDram hbm("hbm", p, sim);
  AtInitiator init("init");
  init.sock.bind(hbm.tsock);
  tlm::tlm_generic_payload t[3];
  tlm::tlm_sync_enum status[3];
  for (int i = 0; i < 3; ++i) {
    set(t[i], tlm::TLM_READ_COMMAND, static_cast<uint64_t>(i) << 20, 32);
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    status[i] = init.sock->nb_transport_fw(t[i], ph, d);
    if (i < 2) {
      EXPECT_EQ(ph, tlm::END_REQ) << i;
    }
  }
  EXPECT_EQ(status[0], tlm::TLM_UPDATED);
  EXPECT_EQ(status[1], tlm::TLM_UPDATED);
  EXPECT_EQ(status[2], tlm::TLM_ACCEPTED);  // the buffer holds two: END_REQ withheld
  sc_core::sc_start();
  ASSERT_EQ(init.begin_resp.size(), 3u);
  ASSERT_EQ(init.end_req.size(), 1u);
  EXPECT_EQ(init.end_req[0].first, &t[2]);
  // the third request is accepted exactly when the first one is answered
  EXPECT_EQ(init.end_req[0].second, init.begin_resp[0].second);
  // an idle read: ACT, tRCD, CL, BL (each request goes to a closed bank)
  const auto& tm = p.memspec.timing;
  EXPECT_EQ(init.begin_resp[0].second.ps, (tm.RCDRD + tm.CL + tm.BL) * p.memspec.tck.ps);
  for (auto& x : t) EXPECT_TRUE(x.is_response_ok());
}

TEST(HbmDram, DelayedRequestWithABadAddressIsAnsweredWithAnError) {
  SimContext sim;
  DramParams p;
  p.stacks = 1;
  p.memspec = load_memspec(LITESIM_CONFIGS_DIR, "hbm3");
  p.controller = load_controller(LITESIM_CONFIGS_DIR, "default");
  HbmDram hbm("hbm", p, sim);
  AtInitiator init("init");
  init.sock.bind(hbm.tsock);
  tlm::tlm_generic_payload t;
  set(t, tlm::TLM_READ_COMMAND, hbm.capacity() + 64, 32);
  tlm::tlm_phase ph = tlm::BEGIN_REQ;
  sc_core::sc_time d(10, sc_core::SC_NS);  // annotated: handled at 10 ns
  EXPECT_EQ(init.sock->nb_transport_fw(t, ph, d), tlm::TLM_ACCEPTED);
  sc_core::sc_start();
  ASSERT_EQ(init.begin_resp.size(), 1u);
  EXPECT_EQ(init.begin_resp[0].second.ps, 10000);
  EXPECT_EQ(t.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}
