// The collective executor over a stand-in Fabric whose timing is a closed form (every message takes
// `alpha` + 1 ps per byte, all links independent), so its own semantics are checked apart from any
// backend: dependencies, reduce cost, message ids, and a schedule that cannot finish.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/sim_time.h"
#include "fabric/collective/collective_executor.h"

using namespace litesim;

namespace {

class FakeFabric : public Fabric {
 public:
  Time alpha = Time::from_ns(100);
  int black_hole = -1;  // messages to this GPU are never delivered
  std::set<uint64_t> ids;

  void send(const MessageInfo& m, DeliveredCallback done) override {
    EXPECT_TRUE(ids.insert(m.id).second) << "message id " << m.id << " used twice";
    injected_ += m.bytes;
    if (m.dst == black_hole) return;
    const Time t = alpha + Time{static_cast<int64_t>(m.bytes)};
    sc_core::sc_spawn([this, m, done, t] {
      sc_core::wait(to_sc(t));
      delivered_ += m.bytes;
      done(m);
    });
  }
  uint64_t bytes_injected() const override { return injected_; }
  uint64_t bytes_delivered() const override { return delivered_; }
  uint64_t messages_in_flight() const override { return 0; }
  const Histogram& latency_ns() const override { return h_; }
  std::vector<LinkReport> link_reports(Time) const override { return {}; }

 private:
  uint64_t injected_ = 0, delivered_ = 0;
  Histogram h_;
};

CollSchedule ring_allreduce(int p, uint64_t bytes, bool free_reductions = false) {
  CollectiveRequest r;
  r.free_reductions = free_reductions;
  r.group = {0, 1, 2, 3, 4, 5, 6, 7};
  r.group.resize(static_cast<size_t>(p));
  r.bytes = bytes;
  return build_schedule(r, ImplConfig{"ring", nullptr});
}

}  // namespace

TEST(CollectiveExecutor, RingAllReduceAlphaBetaWithReduceCost) {
  check_time_resolution();
  const int p = 4;
  const uint64_t S = 4000;  // 1000 B per block: 1000 ps per message, 1000 B / 1 GB/s = 1 us per reduce
  SimContext sim;
  FakeFabric f;
  const CollSchedule s = ring_allreduce(p, S);
  CollectiveExecutor ex(f, s, ExecutorParams{DataRate{8e9}, 1000}, sim);
  sc_core::sc_spawn(sim.guard([&] { ex.run(); }));
  sc_core::sc_start();
  ex.check_complete();
  const Time hop = f.alpha + Time{1000};
  const Time reduce = Time::from_ns(1000);
  EXPECT_EQ(ex.end_time().ps - ex.start_time().ps, ((p - 1) * (hop.ps + reduce.ps) + (p - 1) * hop.ps));
  EXPECT_EQ(f.ids.size(), s.sends());
  EXPECT_EQ(*f.ids.begin(), 1000u);  // ids from the caller's base
  EXPECT_EQ(f.bytes_delivered(), 2u * (p - 1) * S);
}

TEST(CollectiveExecutor, UndeliveredMessagesAreReportedNotHung) {
  check_time_resolution();
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  SimContext sim;
  FakeFabric f;
  f.black_hole = 2;
  const CollSchedule s = ring_allreduce(4, 4000);
  CollectiveExecutor ex(f, s, ExecutorParams{}, sim);
  sc_core::sc_spawn(sim.guard([&] { ex.run(); }));
  sc_core::sc_start();  // returns: nothing left to do, steps pending
  EXPECT_FALSE(ex.finished());
  try {
    ex.check_complete();
    FAIL() << "no error for a collective that cannot finish";
  } catch (const SimError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("did not finish"), std::string::npos) << w;
    EXPECT_NE(w.find("send 1->2"), std::string::npos) << w;
    EXPECT_NE(w.find("never delivered"), std::string::npos) << w;
    EXPECT_NE(w.find("waits for"), std::string::npos) << w;
  }
}

// Free reductions change the schedule, not its timing: with reductions costing nothing, a
// schedule with the folded Reduce steps and one without finish every send at the same time
// (ring, tree and halving-doubling, run side by side on the stand-in fabric's independent links).
TEST(CollectiveExecutor, FreeReductionsKeepEveryTime) {
  check_time_resolution();
  SimContext sim;
  FakeFabric f;
  std::vector<CollSchedule> kept, free;
  for (const char* algo : {"ring", "double_binary_tree", "halving_doubling"}) {
    CollectiveRequest r;
    r.group = {0, 1, 2, 3, 4, 5, 6, 7};
    r.bytes = 8000;
    r.chunk = 600;
    kept.push_back(build_schedule(r, ImplConfig{algo, nullptr}));
    r.free_reductions = true;
    free.push_back(build_schedule(r, ImplConfig{algo, nullptr}));
  }
  std::vector<std::unique_ptr<CollectiveExecutor>> ex;
  uint64_t ids = 0;
  for (size_t a = 0; a < kept.size(); ++a)
    for (const CollSchedule* s : {&kept[a], &free[a]}) {
      ex.push_back(std::make_unique<CollectiveExecutor>(f, *s, ExecutorParams{DataRate{0}, ids}, sim));
      ids += s->steps.size();
    }
  for (auto& e : ex) sc_core::sc_spawn(sim.guard([&e] { e->run(); }));
  sc_core::sc_start();
  for (size_t a = 0; a < kept.size(); ++a) {
    const CollectiveExecutor &k = *ex[2 * a], &fr = *ex[2 * a + 1];
    k.check_complete();
    fr.check_complete();
    EXPECT_LT(free[a].steps.size(), kept[a].steps.size()) << kept[a].algorithm;
    EXPECT_EQ(k.end_time(), fr.end_time()) << kept[a].algorithm;
    // the sends, in order, end at the same times
    std::vector<int64_t> ends_k, ends_f;
    for (size_t i = 0; i < kept[a].steps.size(); ++i)
      if (kept[a].steps[i].kind == CollStep::Kind::Send) ends_k.push_back(k.timing()[i].end.ps);
    for (size_t i = 0; i < free[a].steps.size(); ++i)
      if (free[a].steps[i].kind == CollStep::Kind::Send) ends_f.push_back(fr.timing()[i].end.ps);
    EXPECT_EQ(ends_k, ends_f) << kept[a].algorithm;
  }
}
